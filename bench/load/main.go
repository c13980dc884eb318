// Command load drives a running kontext server over HTTP with many
// concurrent connections and reports errors, latency percentiles,
// requests/s and the server's memory. It builds the binary, creates a
// database of its own (internal/benchdb) with the demo corpus
// (examples/acme) and an editor key, starts `kontext serve` on a loopback
// port with the offline provider and the key's rate limit raised, then runs
// each scenario for the given time with a closed loop per connection.
//
//	go run ./bench/load -connections 200 -duration 60s -scenarios search,generate
//
// The server runs as a child process so that its resident memory is its own.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"kontext"
	"kontext/api"
	"kontext/internal/benchdb"
	"kontext/llm"
)

func main() {
	conns := flag.Int("connections", 200, "concurrent connections, each a closed loop of requests")
	duration := flag.Duration("duration", 60*time.Second, "time per scenario")
	scenarios := flag.String("scenarios", "search,generate", "comma-separated: search, generate")
	corpus := flag.String("corpus", "examples/acme", "demo corpus directory")
	maxGen := flag.Int("max-generations", 256, "the server's --max-generations (default of serve: 64)")
	dbConns := flag.Int("db-max-conns", 20, "the server's --db-max-conns")
	flag.Parse()
	if err := run(*conns, *duration, strings.Split(*scenarios, ","), *corpus, *maxGen, *dbConns); err != nil {
		log.Fatal(err)
	}
}

var queries = []string{
	"Ist die Gipfelflasche spülmaschinenfest?", "Wie lange hält die Hüttenkanne Kaffee warm?",
	"Can I put carbonated drinks in the Gipfelflasche?", "Ersatzteile für den Talbecher",
	"Brotzeitdose Duo Material", "Herbstaktion Preis Gipfelflasche 500", "Kids 400 Trinkhalm", "Garantie und Reparatur",
}

func run(conns int, duration time.Duration, scenarios []string, corpus string, maxGen, dbConns int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kontext-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "kontext")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kontext")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}

	db, err := benchdb.Open(ctx, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTenant(ctx, "acme"); err != nil {
		return err
	}
	if _, _, files, err := db.DemoPipeline(ctx, corpus, []*llm.Provider{{Name: "offline", Type: "offline", Region: "local",
		MaxClassification: kontext.Confidential, Chat: llm.Offline{}, Offline: true}}); err != nil {
		return err
	} else {
		fmt.Printf("corpus %s: %d files in database %s\n", corpus, files, db.Name)
	}
	_, key, err := api.NewKeys(db.App).CreateKey(ctx, kontext.Principal{Tenant: "acme", User: "bench", Groups: []string{"marketing"},
		Clearance: kontext.Internal, Role: kontext.Editor}, "load")
	if err != nil {
		return err
	}

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL(os.Getenv("DATABASE_URL"), "postgres://kontext:kontext@localhost:5432/kontext?sslmode=disable", db.Name),
		"KONTEXT_OWNER_DATABASE_URL="+dbURL(os.Getenv("KONTEXT_OWNER_DATABASE_URL"), "postgres://kontext_owner:kontext@localhost:5432/kontext?sslmode=disable", db.Name),
		"KONTEXT_ADDR="+addr, "KONTEXT_SECRET=load-benchmark-secret-0123456789abcdef", "KONTEXT_SECRET_FILE="+filepath.Join(dir, "secret"),
		"KONTEXT_BRANDS=examples/acme/brand.yaml", "KONTEXT_NO_WORKERS=true", "KONTEXT_LOG_LEVEL=error", "KONTEXT_CACHE_TTL=0",
		"KONTEXT_RATE_LIMITS=editor=1000000:1000000", fmt.Sprintf("KONTEXT_MAX_GENERATIONS=%d", maxGen), fmt.Sprintf("KONTEXT_DB_MAX_CONNS=%d", dbConns),
		"KONTEXT_LLM_BASE_URL=", "KONTEXT_PROVIDERS=", "KONTEXT_EMBEDDING_BASE_URL=", "KONTEXT_RERANK_URL=")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(base, 60*time.Second); err != nil {
		return err
	}
	fmt.Printf("machine: %d CPUs (%s/%s), Go %s; server pid %d on %s, --max-generations %d, --db-max-conns %d, offline provider, result cache off\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), srv.Process.Pid, addr, maxGen, dbConns)

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		IdleConnTimeout: time.Minute}, Timeout: 2 * time.Minute}
	for _, sc := range scenarios {
		var next func(i int) (string, []byte)
		switch strings.TrimSpace(sc) {
		case "search":
			next = func(i int) (string, []byte) {
				b, _ := json.Marshal(map[string]any{"query": queries[i%len(queries)], "k": 10})
				return "/v1/search", b
			}
		case "generate":
			next = func(i int) (string, []byte) {
				br := benchdb.DemoBriefs[i%len(benchdb.DemoBriefs)]
				b, _ := json.Marshal(map[string]any{"brief": br.Brief, "channel": br.Channel, "lang": br.Lang})
				return "/v1/generate", b
			}
		default:
			return fmt.Errorf("unknown scenario %q", sc)
		}
		// Warm up: statement caches, connections.
		if _, err := load(client, base, key, next, 8, 3*time.Second); err != nil {
			return err
		}
		before, _ := rss(srv.Process.Pid)
		r, err := load(client, base, key, next, conns, duration)
		if err != nil {
			return err
		}
		after, peak := rss(srv.Process.Pid)
		fmt.Printf("\n%s: %d connections for %s\n", sc, conns, duration)
		fmt.Printf("  requests %d, errors %d %v\n", r.n, r.errors(), r.breakdown())
		fmt.Printf("  %.1f requests/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			float64(r.n)/r.elapsed.Seconds(), ms(pct(r.lat, 50)), ms(pct(r.lat, 90)), ms(pct(r.lat, 99)), ms(pct(r.lat, 100)))
		fmt.Printf("  server RSS before %.1f MiB, after %.1f MiB, peak %.1f MiB\n", mib(before), mib(after), mib(peak))
	}
	return nil
}

type result struct {
	n       int
	lat     []time.Duration
	status  map[string]int
	elapsed time.Duration
}

func (r result) errors() int {
	n := 0
	for k, v := range r.status {
		if k != "200" {
			n += v
		}
	}
	return n
}

func (r result) breakdown() map[string]int {
	out := map[string]int{}
	for k, v := range r.status {
		if k != "200" {
			out[k] = v
		}
	}
	return out
}

// load runs conns closed loops for d and collects every answer.
func load(client *http.Client, base, key string, next func(int) (string, []byte), conns int, d time.Duration) (result, error) {
	var mu sync.Mutex
	res := result{status: map[string]int{}}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			status := map[string]int{}
			for i := c; time.Now().Before(deadline); i += conns {
				path, body := next(i)
				req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					status["transport: "+errorKind(err)]++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				status[fmt.Sprint(resp.StatusCode)]++
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			for k, v := range status {
				res.status[k] += v
				res.n += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if len(res.lat) == 0 {
		return res, fmt.Errorf("no request succeeded: %v", res.status)
	}
	return res, nil
}

func errorKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return strings.SplitN(err.Error(), ":", 2)[0]
}

// rss returns the process's resident set size and its peak, in bytes.
func rss(pid int) (cur, peak int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		switch {
		case strings.HasPrefix(sc.Text(), "VmRSS:"):
			fmt.Sscanf(strings.TrimPrefix(sc.Text(), "VmRSS:"), "%d", &kb)
			cur = kb << 10
		case strings.HasPrefix(sc.Text(), "VmHWM:"):
			fmt.Sscanf(strings.TrimPrefix(sc.Text(), "VmHWM:"), "%d", &kb)
			peak = kb << 10
		}
	}
	return cur, peak
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func dbURL(given, def, name string) string {
	if given == "" {
		given = def
	}
	i := strings.LastIndex(given, "/")
	q := ""
	if j := strings.Index(given[i:], "?"); j >= 0 {
		q = given[i+j:]
	}
	return given[:i+1] + name + q
}

func waitReady(base string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the server did not become ready")
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(b int64) float64 { return float64(b) / (1 << 20) }
