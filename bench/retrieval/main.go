// Command retrieval measures ranking quality on public retrieval sets with
// relevance judgements: the lexical (BM25) leg, the vector leg and the
// fused search of retrieval.Store, beside a plain BM25 reference computed
// in the same run by an independent implementation (bm25.go).
//
//	go run ./bench/retrieval                      # test split, all sets
//	go run ./bench/retrieval -split dev -sweep    # the split defaults were chosen on
//	go run ./bench/retrieval -embed-url http://localhost:8080/v1 -embed-model intfloat/multilingual-e5-small
//
// Sets (testdata/covidqa, testdata/vaswani; sources in their SOURCES.md;
// Vaswani/NPL may not be redistributed and is fetched by fetch-vaswani.sh):
// covidqa-de and covidqa-en (FAQ retrieval built from deepset-ai/COVID-QA:
// a paraphrased question must find the FAQ entry it paraphrases) and
// vaswani-en (Vaswani/NPL: 11,429 abstracts, 93 queries, graded by the
// Glasgow IR group). Every document is ingested through ingest.Ingester
// into a tenant of its own set; queries run through Store.Search as a
// reader, one result per document, k 10. Queries are split in two by a
// hash of their text; defaults were chosen on "dev", figures are reported
// on "test".
//
// It creates and drops a database of its own (internal/benchdb).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"kontext"
	"kontext/ingest"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

func main() {
	sets := flag.String("sets", "covidqa-de,covidqa-en,vaswani-en", "sets to run")
	splitName := flag.String("split", "test", "queries to run: test, dev or all")
	sweep := flag.Bool("sweep", false, "also run the fusion at several vector weights")
	tune := flag.Bool("tune", false, "also run the lexical leg at several BM25 parameters and exact-word weights")
	embedURL := flag.String("embed-url", "", "an OpenAI-compatible embeddings endpoint (default: the offline hashing embedder)")
	embedModel := flag.String("embed-model", "", "the model at -embed-url")
	k1 := flag.Float64("k1", 0, "BM25 k1 of the lexical leg (0: the service default)")
	b := flag.Float64("b", 0, "BM25 b of the lexical leg (0: the service default)")
	simple := flag.Float64("simple-weight", 0, "weight of exact-word matches (0: the service default)")
	compound := flag.Float64("compound-weight", 0, "weight of German compound parts (0: the service default, negative: none)")
	latency := flag.Int("latency", 0, "instead: load this many Vaswani abstracts into one tenant and break a search's time down")
	reuse := flag.String("reuse", "", "with -latency: search the tenant of a database kept by an earlier run (KONTEXT_BENCH_KEEP=1)")
	explainPlan := flag.Bool("explain", false, "with -latency: print the plan of each ranking's first query")
	flag.Parse()
	var emb llm.Embedder = llm.NewHashEmbedder(llm.DefaultHashDimensions)
	if *embedURL != "" {
		e, err := llm.NewOpenAIEmbedder(llm.OpenAIConfig{BaseURL: *embedURL, Model: *embedModel, APIKey: os.Getenv("KONTEXT_EMBED_API_KEY")})
		if err != nil {
			log.Fatal(err)
		}
		emb = e
	}
	opts := retrieval.Options{K1: *k1, B: *b, SimpleWeight: *simple, CompoundWeight: *compound}
	if *latency > 0 {
		if err := breakdown(context.Background(), *latency, emb, opts, *reuse, *explainPlan); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(context.Background(), strings.Split(*sets, ","), *splitName, *sweep, *tune, emb, opts); err != nil {
		log.Fatal(err)
	}
}

// scores are the metrics of one ranking over a set's queries.
type scores struct {
	r5, r10, mrr, ndcg float64
	lat                []time.Duration
}

func (s *scores) add(ranked []string, rel map[string]bool) {
	var found5, found10 float64
	var dcg float64
	mrrDone := false
	for i, id := range ranked[:min(10, len(ranked))] {
		if !rel[id] {
			continue
		}
		if i < 5 {
			found5++
		}
		found10++
		dcg += 1 / math.Log2(float64(i+2))
		if !mrrDone {
			s.mrr += 1 / float64(i+1)
			mrrDone = true
		}
	}
	var idcg float64
	for i := range min(10, len(rel)) {
		idcg += 1 / math.Log2(float64(i+2))
	}
	n := float64(len(rel))
	s.r5 += found5 / n
	s.r10 += found10 / n
	s.ndcg += dcg / idcg
}

type config struct {
	name   string
	vw, tw *float64
	store  *retrieval.Store
}

func ptr(f float64) *float64 { return &f }

func run(ctx context.Context, names []string, splitName string, sweep, tune bool, emb llm.Embedder, opts retrieval.Options) error {
	db, err := benchdb.Open(ctx, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := retrieval.New(db.App, emb, opts)
	if err != nil {
		return err
	}
	in, err := ingest.New(db.App, ingest.Options{Embedder: emb, Secret: []byte("bench-retrieval-secret-0123456789")})
	if err != nil {
		return err
	}
	dv, dt := retrieval.DefaultWeights(emb.Model())
	configs := []config{
		{name: "lexical leg (BM25)", vw: ptr(0), tw: ptr(1)},
		{name: "vector leg", vw: ptr(1), tw: ptr(0)},
		{name: fmt.Sprintf("fused, defaults (vector %g, text %g)", dv, dt)},
		{name: "fused, equal weights", vw: ptr(1), tw: ptr(1)},
	}
	if tune {
		for _, cw := range []float64{-1, 0.25, 0.5, 1} {
			for _, sw := range []float64{0.25, 0.5, 1} {
				o := opts
				o.SimpleWeight, o.CompoundWeight = sw, cw
				st, err := retrieval.New(db.App, emb, o)
				if err != nil {
					return err
				}
				configs = append(configs, config{name: fmt.Sprintf("lexical, exact-word weight %g, compound weight %g", sw, cw), vw: ptr(0), tw: ptr(1), store: st})
			}
		}
		for _, k1 := range []float64{0.6, 0.9, 1.2, 1.5} {
			for _, b := range []float64{0.25, 0.4, 0.6, 0.75} {
				o := opts
				o.K1, o.B = k1, b
				st, err := retrieval.New(db.App, emb, o)
				if err != nil {
					return err
				}
				configs = append(configs, config{name: fmt.Sprintf("lexical, k1 %g, b %g", k1, b), vw: ptr(0), tw: ptr(1), store: st})
			}
		}
		for _, ow := range []float64{0.25, 1} {
			o := opts
			o.OtherLanguageWeight = ow
			st, err := retrieval.New(db.App, emb, o)
			if err != nil {
				return err
			}
			configs = append(configs, config{name: fmt.Sprintf("lexical, other-language weight %g", ow), vw: ptr(0), tw: ptr(1), store: st})
		}
	}
	if sweep {
		for _, w := range []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.5} {
			configs = append(configs, config{name: fmt.Sprintf("fused, vector %g", w), vw: ptr(w), tw: ptr(1)})
		}
	}
	fmt.Printf("embedder %s; split %s; %s\n\n", emb.Model(), splitName, machine())
	fmt.Println("| set | ranking | recall@5 | recall@10 | MRR@10 | nDCG@10 | p50 ms | p95 ms |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, name := range names {
		var s set
		switch name {
		case "covidqa-de":
			s, err = covidQA("testdata/covidqa", "de")
		case "covidqa-en":
			s, err = covidQA("testdata/covidqa", "en")
		case "vaswani-en":
			s, err = vaswani("testdata/vaswani")
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintln(os.Stderr, "vaswani-en skipped: not fetched (bench/retrieval/fetch-vaswani.sh; testdata/vaswani/SOURCES.md)")
				continue
			}
		default:
			err = fmt.Errorf("unknown set %q", name)
		}
		if err != nil {
			return err
		}
		var qs []query
		for _, q := range s.queries {
			if splitName == "all" || (splitName == "test") == q.test {
				qs = append(qs, q)
			}
		}
		tenant := strings.ReplaceAll(s.name, "-", "_")
		if err := db.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		start := time.Now()
		writer := kontext.Principal{Tenant: tenant, User: "bench", Role: kontext.Admin, Clearance: kontext.Confidential}
		for _, d := range s.docs {
			_, err := in.Ingest(ctx, ingest.Request{Principal: writer, Name: d.id + ".txt", ContentType: "text/plain",
				Data: []byte(d.text), ExternalID: d.id, Language: s.lang, Classification: kontext.Internal,
				TenantWide: true, Operator: true})
			if err != nil {
				return fmt.Errorf("%s: ingest %s: %w", s.name, d.id, err)
			}
		}
		fmt.Fprintf(os.Stderr, "%s: %d documents ingested in %s; %d queries\n", s.name, len(s.docs), time.Since(start).Round(time.Millisecond), len(qs))
		// As autovacuum would after a load: statistics for the planner,
		// GIN pending lists merged.
		for _, t := range []string{"chunks", "chunk_terms", "term_stats"} {
			if _, err := db.Owner.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
				return err
			}
		}
		ref := newBM25(s.docs, 0.9, 0.4)
		var sc scores
		for _, q := range qs {
			t0 := time.Now()
			ranked := ref.rank(q.text, 10)
			sc.lat = append(sc.lat, time.Since(t0))
			sc.add(ranked, q.relevant)
		}
		row(s.name, "BM25 reference (k1 0.9, b 0.4, no stemming)", sc, len(qs))
		reader := kontext.Principal{Tenant: tenant, User: "reader", Role: kontext.Viewer, Clearance: kontext.Internal}
		for _, c := range configs {
			store := store
			if c.store != nil {
				store = c.store
			}
			var sc scores
			// One warm-up query so that the first one does not pay for
			// connections and plans.
			if _, _, err := store.Search(ctx, reader, retrieval.Query{Text: qs[0].text, Language: s.lang}); err != nil {
				return err
			}
			for _, q := range qs {
				t0 := time.Now()
				res, _, err := store.Search(ctx, reader, retrieval.Query{Text: q.text, K: 10, Language: s.lang, PerDocument: 1,
					VectorWeight: c.vw, TextWeight: c.tw})
				if err != nil {
					return fmt.Errorf("%s: %s: %w", s.name, q.text, err)
				}
				sc.lat = append(sc.lat, time.Since(t0))
				ranked := make([]string, len(res))
				for i, r := range res {
					ranked[i] = r.ExternalID
				}
				sc.add(ranked, q.relevant)
			}
			row(s.name, c.name, sc, len(qs))
		}
	}
	return nil
}

func row(set, name string, s scores, n int) {
	slices.Sort(s.lat)
	f := float64(n)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("| %s | %s | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f |\n", set, name, s.r5/f, s.r10/f, s.mrr/f, s.ndcg/f,
		ms(s.lat[len(s.lat)/2]), ms(s.lat[len(s.lat)*95/100]))
}

func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			return strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
		}
	}
	return "unknown CPU"
}
