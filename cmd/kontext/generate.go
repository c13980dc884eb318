package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/audit"
	"kontext/generate"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/llm"
	"kontext/retrieval"
)

// parsePrice reads "prompt:completion" EUR per million tokens.
func parsePrice(v string) (llm.Price, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), ":")
	p, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	c, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || p < 0 || c < 0 {
		return llm.Price{}, errors.New("want EUR per million prompt:completion tokens, e.g. 0.15:0.60")
	}
	return llm.Price{PromptPerMTok: p, CompletionPerMTok: c}, nil
}

// newProviders returns the chat providers: those of the providers file,
// else the one --llm-base-url names, else the offline composer. Every
// network provider sits behind the egress check.
func newProviders(cfg Config, log *slog.Logger, auditor *audit.Log) ([]*llm.Provider, error) {
	client := &http.Client{Transport: egressTransport(log, auditor)}
	if cfg.ProvidersFile != "" {
		return llm.LoadProviders(cfg.ProvidersFile, client, llm.Offline{})
	}
	if cfg.LLMBaseURL == "" {
		return []*llm.Provider{{Name: "offline", Type: "offline", Region: "local", MaxClassification: kontext.Confidential,
			Chat: llm.Offline{}, Offline: true}}, nil
	}
	chat, err := llm.NewOpenAIChat(llm.OpenAIChatConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, HTTPClient: client,
		Timeout: cfg.LLMTimeout, TotalTimeout: cfg.LLMTimeout})
	if err != nil {
		return nil, err
	}
	price, err := parsePrice(cfg.LLMPrice)
	if err != nil {
		return nil, err
	}
	return []*llm.Provider{{Name: "default", Type: "openai", Region: cfg.LLMRegion, MaxClassification: cfg.LLMMaxClassification,
		Chat: chat, Price: price}}, nil
}

// newGenerator wires the generate pipeline: retrieval as the caller, the
// guard's detectors and packs, the brands and the providers.
func newGenerator(cfg Config, pool *pgxpool.Pool, searcher *retrieval.Store, log *slog.Logger) (*generate.Service, error) {
	gc, err := generateConfig(cfg, pool, searcher, log)
	if err != nil {
		return nil, err
	}
	return generate.New(gc)
}

// generateConfig returns the generate pipeline's configuration, which
// `kontext eval` adjusts per suite.
func generateConfig(cfg Config, pool *pgxpool.Pool, searcher *retrieval.Store, log *slog.Logger) (generate.Config, error) {
	auditor := audit.New(pool)
	providers, err := newProviders(cfg, log, auditor)
	if err != nil {
		return generate.Config{}, err
	}
	det := newDetector()
	packs := map[string]*policy.Checker{}
	for lang, name := range map[string]string{"de": "de-marketing", "en": "en-marketing"} {
		p, err := policy.LoadPack(name)
		if err != nil {
			return generate.Config{}, err
		}
		packs[lang] = policy.NewChecker(p, policy.WithPersonalData(det))
	}
	brands := map[string]*policy.BrandPack{}
	def := ""
	for _, f := range cfg.Brands {
		b, err := policy.LoadBrand(f)
		if err != nil {
			return generate.Config{}, err
		}
		if _, dup := brands[b.ID]; dup {
			return generate.Config{}, fmt.Errorf("brand %q is configured twice (%s)", b.ID, f)
		}
		brands[b.ID] = b
		if def == "" {
			def = b.ID
		}
	}
	restore := pii.RestoreNothing
	if len(cfg.RestoreTypes) > 0 {
		restore = pii.RestoreTypes(cfg.RestoreTypes...)
	}
	return generate.Config{
		Pool: pool, Retriever: searcher, Detector: det, Injection: injectionScanner(cfg),
		Packs: packs, Brands: brands, DefaultBrand: def, Providers: providers, CacheTTL: cfg.CacheTTL,
		Restore: restore, Logger: log,
	}, nil
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext generate", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant to write for (required)")
	user := fs.String("user", currentUser(), "user to write as")
	groups := fs.String("groups", "", "comma-separated groups whose documents may be used")
	clearance := fs.String("clearance", "internal", "clearance: public, internal, confidential")
	channel := fs.String("channel", "", "newsletter, product_description, social_post, faq_answer, subject_lines or press_release (required)")
	lang := fs.String("lang", "de", "language of the draft: de or en")
	brief := fs.String("brief", "", "what to write (required; - reads standard input)")
	brand := fs.String("brand", "", "brand id (default: the first of --brands)")
	audience := fs.String("audience", "", `audience attributes as JSON, e.g. '{"segment":{"value":"Familien","consent":true}}'`)
	k := fs.Int("k", generate.DefaultK, "sources to retrieve, 1-20")
	provider := fs.String("provider", "", "named provider to use (must be allowed to see the sources)")
	noCache := fs.Bool("no-cache", false, "do not answer from the cache")
	asJSON := fs.Bool("json", false, "print the whole result as JSON")
	s := newSettings()
	s.register(fs, append(append([]string{}, providerSettings...), generateSettings...)...)
	pos, err := positional(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *tenant == "" || *channel == "" || *brief == "" {
		return fmt.Errorf("%w: kontext generate --tenant T --groups G --channel C --lang de|en --brief TEXT [--json]", errUsage)
	}
	cls, err := kontext.ParseClassification(*clearance)
	if err != nil {
		return fmt.Errorf("%w: --clearance: %v", errUsage, err)
	}
	if err := checkChannel(*channel, *lang); err != nil {
		return err
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	if *brief == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, generate.MaxBriefBytes+1))
		if err != nil {
			return err
		}
		*brief = string(b)
	}
	req := generate.Request{Brief: *brief, Channel: *channel, Lang: *lang, Brand: *brand, K: *k,
		Options: generate.Options{Provider: *provider, NoCache: *noCache}}
	if *audience != "" {
		if err := json.Unmarshal([]byte(*audience), &req.Audience); err != nil {
			return fmt.Errorf("%w: --audience: %v", errUsage, err)
		}
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
	gen, err := newPipeline(cfg, pool, log)
	if err != nil {
		return err
	}
	p := kontext.Principal{Tenant: *tenant, User: *user, Groups: splitList(*groups), Clearance: cls, Role: kontext.Editor}
	ctx = kontext.NewContext(ctx, p)
	res, err := gen.Generate(ctx, p, req, nil)
	if err != nil {
		var rej *generate.RejectedError
		if errors.As(err, &rej) {
			return fmt.Errorf("%w\n  %s", err, strings.Join(rej.Reasons, "\n  "))
		}
		var inv *kontext.InvalidError
		if errors.As(err, &inv) && fs.Lookup(inv.Field) != nil {
			return fmt.Errorf("%w: --%s: %s", errUsage, inv.Field, inv.Message)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%s\n\n---\n", res.Draft)
	for _, c := range res.Citations {
		fmt.Fprintf(stdout, "[%d] %s (v%d)%s\n", c.N, c.Title, c.Version, headingSuffix(c.Heading))
	}
	fmt.Fprintf(stdout, "\ndecision: %s", res.Decision)
	if res.ReviewID != "" {
		fmt.Fprintf(stdout, " (review %s)", res.ReviewID)
	}
	fmt.Fprintln(stdout)
	for _, r := range res.Reasons {
		fmt.Fprintf(stdout, "  - [%s] %s\n", r.Severity, r.Message)
	}
	fmt.Fprintf(stdout, "disclosure: %s\n", res.Disclosure)
	fmt.Fprintf(stderr, "generation %s · %s/%s · %s · %d+%d tokens · €%.4f · %.1f ms%s\n", res.GenerationID,
		res.Provenance.Provider, res.Provenance.Model, res.Provenance.Template, res.Usage.PromptTokens,
		res.Usage.CompletionTokens, res.Usage.CostEUR, res.Timings["total"], map[bool]string{true: " · cached"}[res.Cached])
	return nil
}

func headingSuffix(h string) string {
	if h == "" {
		return ""
	}
	return " › " + h
}

// runAudit verifies the audit chain of one tenant, or of every tenant.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext audit", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant whose chain to verify (default: every tenant)")
	asJSON := fs.Bool("json", false, "print JSON")
	s := newSettings()
	s.register(fs, "database-url", "owner-database-url", "log-level", "log-format")
	pos, err := positional(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "verify" {
		return fmt.Errorf("%w: kontext audit verify [--tenant T] [--json]", errUsage)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	if _, err := s.config(); err != nil {
		return err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	tenants := []string{*tenant}
	if *tenant == "" {
		if tenants, err = listTenants(ctx, pool); err != nil {
			return err
		}
	}
	log := audit.New(pool)
	broken := 0
	var report []map[string]any
	for _, t := range tenants {
		v, err := log.Verify(ctx, t)
		if err != nil {
			return err
		}
		report = append(report, map[string]any{"tenant": t, "verification": v})
		if !v.OK {
			broken++
			if !*asJSON {
				fmt.Fprintf(stdout, "%s: BROKEN at event %d of %d: %s\n", t, v.First, v.Events, v.Reason)
			}
		} else if !*asJSON {
			fmt.Fprintf(stdout, "%s: ok, %d events\n", t, v.Events)
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(report); err != nil {
			return err
		}
	}
	if broken > 0 {
		return fmt.Errorf("audit chain broken for %d of %d tenants", broken, len(tenants))
	}
	return nil
}

// listTenants returns every tenant's id.
func listTenants(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	var ids []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.list_tenants', 'on', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM tenants ORDER BY id")
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ids, nil
}

// checkChannel rejects an unknown --channel or --lang before anything is
// opened, listing what is accepted.
func checkChannel(channel, lang string) error {
	ts, err := generate.LoadTemplates()
	if err != nil {
		return err
	}
	if !slices.Contains(ts.Channels(), channel) {
		return fmt.Errorf("%w: --channel %q is not a channel; want one of %s", errUsage, channel, strings.Join(ts.Channels(), ", "))
	}
	if lang != "de" && lang != "en" {
		return fmt.Errorf("%w: --lang %q: want de or en", errUsage, lang)
	}
	return nil
}
