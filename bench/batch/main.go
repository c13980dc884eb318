// Command batch measures batch throughput: a batch of N generate requests
// on the demo corpus against an in-process OpenAI-compatible server that
// takes a fixed time per call (default 500 ms), worked by one process at
// each of the given concurrencies. It reports items/s from submit to the
// last outcome, the outcomes, and the sequential figure for comparison.
//
//	go run ./bench/batch -items 200 -latency 500ms -concurrency 1,8,20
//
// It creates and drops a database of its own (internal/benchdb).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"runtime"
	"strconv"
	"strings"
	"time"

	"kontext"
	"kontext/batch"
	"kontext/generate"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/llm/llmtest"
)

func main() {
	items := flag.Int("items", 200, "items per batch")
	latency := flag.Duration("latency", 500*time.Millisecond, "time the provider takes per call")
	concs := flag.String("concurrency", "1,8,20", "comma-separated worker concurrencies, one batch each")
	corpus := flag.String("corpus", "examples/acme", "demo corpus directory")
	flag.Parse()
	var levels []int
	for _, f := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			log.Fatalf("-concurrency: %q is not a positive integer", f)
		}
		levels = append(levels, n)
	}
	if err := run(*items, *latency, levels, *corpus); err != nil {
		log.Fatal(err)
	}
}

var briefs = []struct{ brief, channel, lang string }{
	{"Herbstaktion für die Gipfelflasche 500", "newsletter", "de"},
	{"Betreffzeilen zur Gipfelflasche 500 auf der Herbsttour", "subject_lines", "de"},
	{"Hüttenkanne: Einhand-Ausgießer, hält Kaffee warm", "social_post", "de"},
	{"Launch post for the Hüttenkanne vacuum jug", "social_post", "en"},
	{"Produktbeschreibung Gipfelflasche 750, Edelstahl natur", "product_description", "de"},
	{"Darf der Talbecher in die Spülmaschine?", "faq_answer", "de"},
	{"Can I put carbonated drinks in the Gipfelflasche?", "faq_answer", "en"},
	{"Pressemitteilung: Ersatzteilprogramm für das ganze Sortiment", "press_release", "de"},
}

func run(n int, latency time.Duration, levels []int, corpus string) error {
	ctx := context.Background()
	maxConc := 0
	for _, c := range levels {
		maxConc = max(maxConc, c)
	}
	db, err := benchdb.Open(ctx, int32(maxConc+8))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTenant(ctx, "acme"); err != nil {
		return err
	}
	srv := llmtest.Start()
	defer srv.Close()
	srv.Latency(latency)
	chat, err := llm.NewOpenAIChat(llm.OpenAIChatConfig{BaseURL: srv.URL(), APIKey: "bench", Model: "bench-model", Timeout: latency + 30*time.Second})
	if err != nil {
		return err
	}
	gen, _, files, err := db.DemoPipeline(ctx, corpus, []*llm.Provider{{Name: "bench", Type: "openai", Region: "local",
		MaxClassification: kontext.Confidential, Chat: chat, Price: llm.Price{PromptPerMTok: 0.15, CompletionPerMTok: 0.60}}})
	if err != nil {
		return err
	}
	fmt.Printf("machine: %d CPUs (%s/%s), Go %s; corpus %s: %d files; provider latency %s per call\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), corpus, files, latency)
	fmt.Printf("sequential bound: %.1f items/s\n", 1/latency.Seconds())
	p := kontext.Principal{Tenant: "acme", User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor}
	fmt.Printf("%-12s %-8s %-10s %-10s %s\n", "concurrency", "items", "seconds", "items/s", "outcomes")
	for round, c := range levels {
		svc, err := batch.New(batch.Config{Pool: db.App, Generator: gen, Concurrency: c, PollInterval: 100 * time.Millisecond,
			JobTimeout: latency + time.Minute})
		if err != nil {
			return err
		}
		if err := svc.Start(ctx); err != nil {
			return err
		}
		reqs := make([]generate.Request, n)
		for i := range reqs {
			b := briefs[i%len(briefs)]
			// Distinct briefs: the result cache must not answer any item.
			reqs[i] = generate.Request{Brief: fmt.Sprintf("%s (Variante %d-%d)", b.brief, round, i), Channel: b.channel, Lang: b.lang}
		}
		start := time.Now()
		sum, err := svc.Submit(ctx, p, batch.Submission{Items: reqs})
		if err != nil {
			return err
		}
		for sum.Open() {
			time.Sleep(50 * time.Millisecond)
			if sum, err = svc.Status(ctx, p, sum.ID); err != nil {
				return err
			}
		}
		elapsed := time.Since(start)
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = svc.Stop(stopCtx)
		cancel()
		if err != nil {
			return err
		}
		fmt.Printf("%-12d %-8d %-10.1f %-10.1f approved %d, needs_review %d, blocked %d, failed %d; €%.4f\n", c, n,
			elapsed.Seconds(), float64(n)/elapsed.Seconds(), sum.Approved, sum.NeedsReview, sum.Blocked, sum.Failed, sum.CostEUR)
	}
	return nil
}
