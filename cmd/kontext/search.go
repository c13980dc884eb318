package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"kontext"
	"kontext/retrieval"
)

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext search", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant to search (required)")
	user := fs.String("user", currentUser(), "user to search as")
	groups := fs.String("groups", "", "comma-separated groups to search as")
	clearance := fs.String("clearance", "internal", "clearance to search with: public, internal, confidential")
	k := fs.Int("k", retrieval.DefaultK, "results, 1-100")
	lang := fs.String("lang", "", "query language: de, en or simple (default: detected)")
	perDoc := fs.Int("per-doc", retrieval.DefaultPerDocument, "most chunks from one document")
	asJSON := fs.Bool("json", false, "print JSON")
	s := newSettings()
	s.register(fs, providerSettings...)
	pos, err := positional(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: kontext search \"QUERY\" --tenant T --groups G [--k N] [--json]", errUsage)
	}
	cls, err := kontext.ParseClassification(*clearance)
	if err != nil {
		return fmt.Errorf("%w: --clearance: %v", errUsage, err)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	cfg, err := s.config()
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := newLogger(cfg, os.Stderr)
	store, err := newSearcher(cfg, pool, log)
	if err != nil {
		return err
	}
	p := kontext.Principal{Tenant: *tenant, User: *user, Groups: splitList(*groups), Clearance: cls, Role: kontext.Viewer}
	results, plan, err := store.Search(ctx, p, retrieval.Query{Text: pos[0], K: *k, Language: *lang, PerDocument: *perDoc})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"results": results, "plan": plan})
	}
	if len(results) == 0 {
		fmt.Fprintln(stdout, "no results")
		return nil
	}
	for i, r := range results {
		fmt.Fprintf(stdout, "%d. %s (v%d) › %s%s   score %.4f, matched %s\n", i+1, r.Title, r.Version, r.HeadingPath, pageRef(r.Page, r.LastPage), r.Score, r.Matched)
		fmt.Fprintf(stdout, "   %s\n", excerpt(r.Text, 160))
	}
	fmt.Fprintf(os.Stderr, "%d results; %s search over %s visible chunks\n", len(results), plan.Path, visibleText(plan.Visible))
	return nil
}

// pageRef is ", p. 3" or ", pp. 3-4" for a PDF chunk, empty otherwise.
func pageRef(first, last int) string {
	switch {
	case first == 0:
		return ""
	case last > first:
		return fmt.Sprintf(", pp. %d-%d", first, last)
	}
	return fmt.Sprintf(", p. %d", first)
}

func visibleText(n int) string {
	if n > 15000 {
		return "more than 15000"
	}
	return fmt.Sprint(n)
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
