// Command generate measures the service overhead of one generation with
// the offline provider on the demo corpus (examples/acme): input check,
// retrieval, pseudonymisation, prompt assembly, the offline composer,
// citation verification, policy check and the persisted generation with
// its audit event — everything but a network model's time. It reports
// p50/p99 per request with one caller and requests/s with C concurrent
// callers, and the p50 of every stage. The cache is off, so each request
// runs the whole flow.
//
//	go run ./bench/generate -requests 400 -concurrency 8
//
// It creates and drops a database of its own (internal/benchdb).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"kontext"
	"kontext/generate"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

func main() {
	requests := flag.Int("requests", 400, "generations per run")
	concurrency := flag.Int("concurrency", 8, "concurrent callers of the second run")
	corpus := flag.String("corpus", "examples/acme", "demo corpus directory")
	flag.Parse()
	if err := run(*requests, *concurrency, *corpus); err != nil {
		log.Fatal(err)
	}
}

func run(n, conc int, corpus string) error {
	ctx := context.Background()
	db, err := benchdb.Open(ctx, int32(conc+2))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTenant(ctx, "acme"); err != nil {
		return err
	}
	svc, store, files, err := db.DemoPipeline(ctx, corpus, []*llm.Provider{{Name: "offline", Type: "offline", Region: "local",
		MaxClassification: kontext.Confidential, Chat: llm.Offline{}, Offline: true}})
	if err != nil {
		return err
	}
	p := kontext.Principal{Tenant: "acme", User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor}
	one := func(i int) (*generate.Result, time.Duration, error) {
		b := benchdb.DemoBriefs[i%len(benchdb.DemoBriefs)]
		start := time.Now()
		res, err := svc.Generate(ctx, p, generate.Request{Brief: b.Brief, Channel: b.Channel, Lang: b.Lang}, nil)
		return res, time.Since(start), err
	}
	for i := range len(benchdb.DemoBriefs) { // warm up: statement caches, pack indexes
		if _, _, err := one(i); err != nil {
			return err
		}
	}
	var sl []time.Duration
	for i := range 200 {
		b := benchdb.DemoBriefs[i%len(benchdb.DemoBriefs)]
		t0 := time.Now()
		if _, _, err := store.Search(ctx, p, retrieval.Query{Text: b.Brief, K: generate.DefaultK, Language: b.Lang}); err != nil {
			return err
		}
		sl = append(sl, time.Since(t0))
	}
	fmt.Printf("retrieval alone: p50 %.1f ms\n", ms(pct(sl, 50)))
	fmt.Printf("machine: %d CPUs (%s/%s), Go %s; corpus %s: %d files\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), corpus, files)

	lat := make([]time.Duration, 0, n)
	stages := map[string][]float64{}
	decisions := map[generate.Decision]int{}
	for i := range n {
		res, d, err := one(i)
		if err != nil {
			return err
		}
		lat = append(lat, d)
		decisions[res.Decision]++
		for k, v := range res.Timings {
			stages[k] = append(stages[k], v)
		}
	}
	fmt.Printf("1 caller, %d generations: p50 %.1f ms, p99 %.1f ms; decisions %v\n", n, ms(pct(lat, 50)), ms(pct(lat, 99)), decisions)
	names := make([]string, 0, len(stages))
	for k := range stages {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Print("  stage p50 (ms):")
	for _, k := range names {
		v := stages[k]
		sort.Float64s(v)
		fmt.Printf(" %s %.2f", k, v[len(v)/2])
	}
	fmt.Println()

	var wg sync.WaitGroup
	var mu sync.Mutex
	lat = lat[:0]
	next := 0
	start := time.Now()
	var firstErr error
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				_, d, err := one(i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	elapsed := time.Since(start)
	fmt.Printf("%d callers, %d generations: %.1f requests/s; p50 %.1f ms, p99 %.1f ms\n", conc, n, float64(n)/elapsed.Seconds(), ms(pct(lat, 50)), ms(pct(lat, 99)))
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
