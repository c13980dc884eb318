// Command answers measures whether FAQ-answer drafts answer the question:
// each question of a public question-answering set (testdata/answers,
// derived from deepset-ai/COVID-QA's German and English FAQs) is sent as a
// faq_answer brief over a tenant holding exactly that set's passages, with
// the offline composer. Per language it reports the share of drafts that
// contain a gold answer (a sentence of the question's own FAQ answer), the
// share approved without one, the decisions, and the p50 time of the
// composer and of the whole generation; beside them the baseline "first
// sentence of the top BM25 passage", computed in the same run by a BM25 of
// its own over the passages.
//
//	go run ./bench/answers            # the dev split
//	go run ./bench/answers -split test
//
// It creates and drops a database of its own (internal/benchdb).
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"kontext"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
	"kontext/internal/analysis"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

// Set is one language's split as bench/answers/derive writes it.
type Set struct {
	Lang     string `json:"lang"`
	Split    string `json:"split"`
	Passages []struct {
		ID, Title, Text string
	} `json:"passages"`
	Questions []struct {
		Question, Passage, Answer string
	} `json:"questions"`
}

var kFlag = flag.Int("diag-k", generate.DefaultK, "k of the retrieval diagnostic")

func main() {
	split := flag.String("split", "dev", "dev or test")
	dir := flag.String("dir", "testdata/answers", "directory of the sets")
	langs := flag.String("langs", "de,en", "languages")
	verbose := flag.Bool("v", false, "print every question that misses")
	flag.Parse()
	if err := run(*dir, *split, strings.Split(*langs, ","), *verbose); err != nil {
		log.Fatal(err)
	}
}

type row struct {
	lang                                        string
	n                                           int
	hit, approvedMiss, base, retrieved, refused int
	decisions                                   map[generate.Decision]int
	composer, total                             []float64
	reasons                                     map[string]int
}

func run(dir, split string, langs []string, verbose bool) error {
	ctx := context.Background()
	db, err := benchdb.Open(ctx, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	var rows []row
	for _, lang := range langs {
		var set Set
		data, err := os.ReadFile(filepath.Join(dir, lang+"-"+split+".json"))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &set); err != nil {
			return fmt.Errorf("answers: %s: %w", lang, err)
		}
		r, err := runSet(ctx, db, set, verbose)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	fmt.Printf("split %s; machine: %d CPUs (%s/%s), Go %s\n\n", split, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Println("| lang | questions | drafts with a gold answer | baseline (first sentence of top BM25 passage) | approved without one | decisions | composer p50 | generation p50 |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		n := float64(r.n)
		fmt.Printf("| %s | %d | %.2f | %.2f | %.2f | %d approved, %d needs review, %d blocked (%d refused) | %.2f ms | %.1f ms |\n", r.lang, r.n,
			float64(r.hit)/n, float64(r.base)/n, float64(r.approvedMiss)/n, r.decisions[generate.Approved], r.decisions[generate.NeedsReview],
			r.decisions[generate.Blocked], r.refused, p50(r.composer), p50(r.total))
	}
	if verbose {
		for _, r := range rows {
			fmt.Printf("%s: a gold sentence among the retrieved sources: %.2f\n", r.lang, float64(r.retrieved)/float64(r.n))
			fmt.Println(r.lang, "reasons:", r.reasons)
		}
	}
	return nil
}

func runSet(ctx context.Context, db *benchdb.DB, set Set, verbose bool) (row, error) {
	tenant := "qa-" + set.Lang
	if err := db.CreateTenant(ctx, tenant); err != nil {
		return row{}, err
	}
	emb := llm.NewHashEmbedder(384)
	det := pii.NewDetector(pii.DetectorOptions{})
	inj := inject.NewInjectionScanner(inject.InjectionOptions{})
	in, err := ingest.New(db.App, ingest.Options{Embedder: emb, Secret: []byte(rand.Text() + rand.Text()),
		Scanners: ingest.Scanners{PII: det.Detect, Injection: func(t string) (bool, float64, []string) {
			r := inj.Scan(t, inject.Document)
			return r.Injection, r.Score, r.Reasons
		}}})
	if err != nil {
		return row{}, err
	}
	loader := kontext.Principal{Tenant: tenant, User: "bench", Groups: []string{"faq"}, Clearance: kontext.Internal, Role: kontext.Admin}
	for _, p := range set.Passages {
		if _, err := in.Ingest(ctx, ingest.Request{Principal: loader, Name: p.ID + ".md", Title: p.Title, Data: []byte(p.Text),
			Language: set.Lang, Classification: kontext.Public, AllowedGroups: []string{"faq"}}); err != nil {
			return row{}, fmt.Errorf("answers: ingest %s: %w", p.ID, err)
		}
	}
	store, err := retrieval.New(db.App, emb, retrieval.Options{})
	if err != nil {
		return row{}, err
	}
	packs := map[string]*policy.Checker{}
	for lang, name := range map[string]string{"de": "de-marketing", "en": "en-marketing"} {
		p, err := policy.LoadPack(name)
		if err != nil {
			return row{}, err
		}
		packs[lang] = policy.NewChecker(p, policy.WithPersonalData(det))
	}
	svc, err := generate.New(generate.Config{Pool: db.App, Retriever: store, Detector: det, Injection: inj, Packs: packs,
		Providers: []*llm.Provider{{Name: "offline", Type: "offline", Region: "local", MaxClassification: kontext.Confidential,
			Chat: llm.Offline{}, Offline: true}}})
	if err != nil {
		return row{}, err
	}
	base := newBM25(set)
	p := kontext.Principal{Tenant: tenant, User: "editor", Groups: []string{"faq"}, Clearance: kontext.Internal, Role: kontext.Editor}
	r := row{lang: set.Lang, decisions: map[generate.Decision]int{}, reasons: map[string]int{}}
	for _, q := range set.Questions {
		gold := goldSentences(q.Answer)
		// The baseline counts for every question, a refused one too.
		if containsAny(base.firstSentence(q.Question), gold) {
			r.base++
		}
		start := time.Now()
		res, err := svc.Generate(ctx, p, generate.Request{Brief: q.Question, Channel: "faq_answer", Lang: set.Lang}, nil)
		if err != nil {
			// A brief refused as injection, or a payload the egress check
			// refuses, gives no draft: it counts as blocked.
			var rej *generate.RejectedError
			var egress *pii.EgressError
			if errors.As(err, &rej) || errors.As(err, &egress) {
				r.n++
				r.decisions[generate.Blocked]++
				r.refused++
				continue
			}
			return row{}, fmt.Errorf("answers: %q: %w", q.Question, err)
		}
		r.total = append(r.total, float64(time.Since(start).Microseconds())/1000)
		r.composer = append(r.composer, res.Timings["provider"])
		r.n++
		r.decisions[res.Decision]++
		hit := containsAny(res.Draft, gold)
		if hit {
			r.hit++
		} else if res.Decision == generate.Approved {
			r.approvedMiss++
		}
		for _, why := range res.Reasons {
			if why.Severity != generate.SeverityInfo {
				r.reasons[why.Code+"/"+why.Rule]++
			}
		}
		inSources := false
		if found, _, err := store.Search(ctx, p, retrieval.Query{Text: q.Question, K: *kFlag, Language: set.Lang,
			Purposes: []kontext.Purpose{kontext.Reference}}); err == nil {
			for _, c := range found {
				if containsAny(c.Text, gold) {
					r.retrieved++
					inSources = true
					break
				}
			}
		}
		if os.Getenv("BENCH_FEATURES") != "" {
			if found, _, err := store.Search(ctx, p, retrieval.Query{Text: q.Question, K: generate.DefaultK, Language: set.Lang,
				Purposes: []kontext.Purpose{kontext.Reference, kontext.Correspondence}}); err == nil {
				c := llm.Compose{Brief: q.Question, Lang: set.Lang, Channel: "faq_answer"}
				if os.Getenv("BENCH_DUMP") != "" && len(found) > 0 {
					fmt.Printf("DUMP %q\n", found[0].Text)
				}
				for i, f := range found {
					c.Sources = append(c.Sources, llm.ComposeSource{N: i + 1, Text: f.Text})
				}
				if as := llm.Answers(c); len(as) > 0 {
					fmt.Printf("FEAT\t%s\t%v\t%v\t%.2f\t%v\t%s\t%.2f\t%.2f\t%v\n", set.Lang, hit, containsAny(as[0].Text(), gold), as[0].Coverage, as[0].Fits, as[0].Kind, as[0].Score, as[0].Margin, res.Decision)
				}
			}
		}
		if verbose && !hit && inSources {
			fmt.Printf("MISS %s [%s] %s\n  draft: %s\n  gold: %s\n", set.Lang, res.Decision, q.Question, clip(res.Draft, 300), clip(q.Answer, 200))
		}
	}
	return r, nil
}

var citeRE = regexp.MustCompile(`\s*\[\d+\]`)

func normalise(s string) string {
	s = citeRE.ReplaceAllString(s, "")
	return strings.ToLower(strings.Join(strings.Fields(strings.Trim(strings.TrimSpace(s), ".!?")), " "))
}

// goldSentences are the sentences of a gold answer long enough to tell it
// (25 characters or more).
func goldSentences(answer string) []string {
	var out []string
	for _, u := range llm.Sentences(answer) {
		if s := normalise(u.Text); len([]rune(s)) >= 25 {
			out = append(out, s)
		}
	}
	return out
}

func containsAny(draft string, gold []string) bool {
	d := normalise(draft)
	for _, g := range gold {
		if strings.Contains(d, g) {
			return true
		}
	}
	return false
}

// bm25 is the baseline's own index of the passages: Okapi BM25 (k1 1.2,
// b 0.75) over the same analysis as the lexical search leg.
type bm25 struct {
	lang  string
	docs  []map[string]int
	lens  []int
	avg   float64
	df    map[string]int
	texts []string
}

func newBM25(set Set) *bm25 {
	b := &bm25{lang: set.Lang, df: map[string]int{}}
	total := 0
	for _, p := range set.Passages {
		tf := map[string]int{}
		terms := analysis.Terms(set.Lang, p.Text)
		for _, t := range terms {
			tf[t]++
		}
		for t := range tf {
			b.df[t]++
		}
		b.docs, b.lens, b.texts = append(b.docs, tf), append(b.lens, len(terms)), append(b.texts, p.Text)
		total += len(terms)
	}
	b.avg = float64(total) / float64(len(b.docs))
	return b
}

func (b *bm25) firstSentence(q string) string {
	best, bestScore := -1, 0.0
	n := float64(len(b.docs))
	qt := analysis.Terms(b.lang, q)
	slices.Sort(qt)
	qt = slices.Compact(qt)
	for i, tf := range b.docs {
		s := 0.0
		for _, t := range qt {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(b.df[t])+0.5)/(float64(b.df[t])+0.5))
			s += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(b.lens[i])/b.avg))
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		return ""
	}
	for _, u := range llm.Sentences(b.texts[best]) {
		return u.Text
	}
	return ""
}

func p50(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	return s[len(s)/2]
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
