//go:build faults

package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// document returns the n-th test document: Markdown long enough for
// several chunks, different for every n.
func document(prefix string, n, paragraphs int) map[string]any {
	var b strings.Builder
	fmt.Fprintf(&b, "# Thermoflasche Modell %d\n\n", n)
	for i := range paragraphs {
		fmt.Fprintf(&b, "## Abschnitt %d\n\nDie Thermoflasche %d hält Getränke %d Stunden kalt und %d Stunden warm. "+
			"Sie fasst %d Milliliter, wiegt %d Gramm und ist spülmaschinenfest. Der Deckel %d ist auslaufsicher, "+
			"der Becher aus Edelstahl %d. Variante %d-%d gibt es in Blau, Grün und Sand.\n\n",
			i, n, 12+i%12, 6+n%6, 350+50*(i%10), 280+n%90, i, n, n, i)
	}
	return map[string]any{"name": fmt.Sprintf("%s-%d.md", prefix, n), "external_id": fmt.Sprintf("%s-%d", prefix, n),
		"title": fmt.Sprintf("Modell %d", n), "content": b.String(), "classification": "public", "allowed_groups": []string{"marketing"}}
}

// fingerprints returns, per external id of tenant's documents with prefix,
// the chunk count and a hash of the chunks' text in order.
func fingerprints(t *testing.T, tenant, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	polled(t, func(c *pgx.Conn) {
		rows, err := c.Query(context.Background(), `SELECT d.external_id, count(k.id),
			coalesce(md5(string_agg(k.text, '|' ORDER BY k.ordinal)), '')
			FROM documents d LEFT JOIN chunks k ON k.document_id = d.id
			WHERE d.tenant = $1 AND d.external_id LIKE $2 || '-%' GROUP BY d.external_id`, tenant, prefix)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, sum string
			var n int
			if err := rows.Scan(&id, &n, &sum); err != nil {
				t.Fatal(err)
			}
			out[id] = fmt.Sprintf("%d chunks %s", n, sum)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
	return out
}

// cleanRun ingests the documents into tenant clean with nothing failing:
// the reference the faulted tenant's documents must equal.
func cleanRun(t *testing.T, p *proc, prefix string, n, paragraphs int) map[string]string {
	t.Helper()
	for i := range n {
		status, code, _, err := p.call(http.MethodPost, "/v1/documents", suite.cleanKey, document(prefix, i, paragraphs))
		if err != nil || (status != http.StatusCreated && status != http.StatusOK) {
			t.Fatalf("clean ingest %d = %d %s %v", i, status, code, err)
		}
	}
	return fingerprints(t, "clean", prefix)
}

// sameAsClean checks that every document of acme with prefix is the clean
// run's: no partial document.
func sameAsClean(t *testing.T, prefix string, clean map[string]string) int {
	t.Helper()
	got := fingerprints(t, "acme", prefix)
	for id, fp := range got {
		if fp != clean[id] {
			t.Errorf("document %s: %s; the clean run stored %s", id, fp, clean[id])
		}
	}
	return len(got)
}

func TestProviderFaults(t *testing.T) {
	p := start(t, "--no-workers")
	// A source to cite, so that generation reaches the provider.
	if status, code, _, err := p.call(http.MethodPost, "/v1/documents", suite.key, document("provider", 0, 3)); err != nil || status >= 300 {
		t.Fatalf("ingest = %d %s %v", status, code, err)
	}
	c := db(t)
	brief := map[string]any{"brief": "Kurzer Social-Post über die Thermoflasche", "channel": "social_post", "lang": "de"}
	suite.provider.set("ok")
	if status, code, _, err := p.call(http.MethodPost, "/v1/generate", suite.key, brief); err != nil || status != http.StatusOK {
		t.Fatalf("generate with the provider answering = %d %s %v; want 200", status, code, err)
	}
	tests := []struct {
		mode   string
		status int
		code   string
	}{
		{"500", http.StatusBadGateway, "provider_error"},
		{"429", http.StatusBadGateway, "provider_error"},
		{"malformed", http.StatusBadGateway, "provider_error"},
		{"reset", http.StatusBadGateway, "provider_error"},
		{"hang", http.StatusGatewayTimeout, "provider_timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			suite.provider.set(tc.mode)
			defer suite.provider.set("ok")
			before := count(t, c, "SELECT count(*) FROM generations")
			calls := suite.provider.calls.Load()
			status, code, _, err := p.call(http.MethodPost, "/v1/generate", suite.key, brief)
			if err != nil {
				t.Fatalf("generate with the provider %s: %v (the server must answer)", tc.mode, err)
			}
			if status != tc.status || code != tc.code {
				t.Errorf("generate with the provider %s = %d %s; want %d %s", tc.mode, status, code, tc.status, tc.code)
			}
			if after := count(t, c, "SELECT count(*) FROM generations"); after != before {
				t.Errorf("provider %s: %d generation rows written; want none", tc.mode, after-before)
			}
			if suite.provider.calls.Load() == calls {
				t.Errorf("provider %s: the provider was never called", tc.mode)
			}
		})
	}
	if !p.alive() || p.status("/healthz") != http.StatusOK {
		t.Fatal("server not alive after the provider faults")
	}
}

func TestDatabaseRestart(t *testing.T) {
	const docs, paragraphs = 40, 12
	p := start(t, "--no-workers")
	clean := cleanRun(t, p, "restart", docs, paragraphs)

	var mu sync.Mutex
	statuses := map[string]int{} // "route status code" → count
	record := func(route string, status int, code string) {
		mu.Lock()
		statuses[fmt.Sprintf("%s %d %s", route, status, code)]++
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 3 { // ingesters
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Round and round: after recovery, those that failed go in.
				i := int(next.Add(1)-1) % docs
				status, code, _, err := p.call(http.MethodPost, "/v1/documents", suite.key, document("restart", i, paragraphs))
				if err != nil {
					code = "transport: " + err.Error()
				}
				record("ingest", status, code)
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	for range 4 { // searchers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, code, _, err := p.call(http.MethodPost, "/v1/search", suite.key, map[string]any{"query": "Thermoflasche Stunden kalt"})
				if err != nil {
					code = "transport: " + err.Error()
				}
				record("search", status, code)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	restarted := time.Now()
	if err := pgRestart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "/readyz 200 after the restart", func() bool { return p.status("/readyz") == http.StatusOK }, p)
	recovery := time.Since(restarted)
	time.Sleep(1500 * time.Millisecond) // load on the recovered database
	close(stop)
	wg.Wait()

	t.Logf("restart to ready: %v; answers: %v", recovery.Round(10*time.Millisecond), statuses)
	for k, n := range statuses {
		f := strings.Fields(k)
		switch f[1] {
		case "200", "201":
		case "503":
			if len(f) != 3 || f[2] != "unavailable" {
				t.Errorf("%d × %s; want 503 unavailable with Retry-After", n, k)
			}
		default:
			t.Errorf("%d × %s; want only 200, 201 and 503 unavailable", n, k)
		}
	}
	if !p.alive() || p.status("/healthz") != http.StatusOK {
		t.Fatal("server not alive after the database restart")
	}
	stored := sameAsClean(t, "restart", clean)
	if stored == 0 {
		t.Error("no document stored across the restart")
	}
	// The searches work again.
	if status, code, _, err := p.call(http.MethodPost, "/v1/search", suite.key, map[string]any{"query": "Thermoflasche"}); err != nil || status != http.StatusOK {
		t.Errorf("search after recovery = %d %s %v", status, code, err)
	}
}

// batchItems submits n items as one batch and returns its id.
// runs numbers the batch briefs of each run of a test, so that a test run
// again in the same process (go test -count=2) submits briefs no earlier
// run stored.
var runs atomic.Int64

// runPrefix returns name made unique to this run of the test.
func runPrefix(name string) string { return fmt.Sprintf("%s-%d", name, runs.Add(1)) }

func submitBatch(t *testing.T, p *proc, prefix string, n int) string {
	t.Helper()
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"brief": fmt.Sprintf("%s: Social-Post Nummer %d über die Thermoflasche", prefix, i),
			"channel": "social_post", "lang": "de"}
	}
	status, code, body, err := p.call(http.MethodPost, "/v1/batches", suite.key, map[string]any{"items": items})
	if err != nil || status >= 300 {
		t.Fatalf("submit batch = %d %s %v", status, code, err)
	}
	id, _ := body["batch_id"].(string)
	if id == "" {
		id, _ = body["id"].(string)
	}
	if id == "" {
		t.Fatalf("submit batch: no id in %v", body)
	}
	return id
}

// batchDone counts the batch's settled items (it is polled: see polled).
func batchDone(t *testing.T, id string) int {
	t.Helper()
	var n int
	polled(t, func(c *pgx.Conn) {
		n = count(t, c, `SELECT count(*) FROM batch_items WHERE batch_id = $1 AND state NOT IN ('pending', 'running')`, id)
	})
	return n
}

// exactlyOnce checks that each of the batch's n items has one outcome and
// one generation. An attempt killed after its generation was stored and
// before its item settled is repeated under the item's idempotency key and
// finds that generation, so none is left unlinked and none was paid twice.
func exactlyOnce(t *testing.T, id, prefix string, n int) {
	t.Helper()
	c := db(t)
	if got := count(t, c, `SELECT count(*) FROM batch_items WHERE batch_id = $1 AND state IN ('approved', 'needs_review', 'blocked')
		AND generation_id IS NOT NULL`, id); got != n {
		t.Errorf("%d of %d items settled with a generation", got, n)
	}
	if got := count(t, c, `SELECT count(DISTINCT generation_id) FROM batch_items WHERE batch_id = $1`, id); got != n {
		t.Errorf("%d distinct generations for %d items", got, n)
	}
	linked := count(t, c, `SELECT count(*) FROM generations g JOIN batch_items i ON i.generation_id = g.id WHERE i.batch_id = $1`, id)
	if linked != n {
		t.Errorf("%d generations linked to %d items; want exactly one each", linked, n)
	}
	if all := count(t, c, `SELECT count(*) FROM generations WHERE brief LIKE $1 || ':%'`, prefix); all != linked {
		t.Errorf("%d generations for %d items: %d not linked to an item", all, n, all-linked)
	}
	replayed := count(t, c, `SELECT count(*) FROM audit_events WHERE action = 'generation.replayed'`)
	t.Logf("%d items, %d generations, %d attempts cut off after storing theirs found it again", n, linked, replayed)
}

func TestKillServeMidBatch(t *testing.T) {
	const n = 30
	suite.provider.slow(300 * time.Millisecond)
	defer suite.provider.slow(0)
	a := start(t, "--concurrency", "4")
	prefix := runPrefix("kill-serve")
	id := submitBatch(t, a, prefix, n)
	waitFor(t, 60*time.Second, "5 items done", func() bool { return batchDone(t, id) >= 5 }, a)
	a.kill()
	left := n - batchDone(t, id)
	if left == 0 {
		t.Fatal("the batch finished before the kill; nothing to rescue")
	}
	b := start(t, "--concurrency", "4")
	waitFor(t, 90*time.Second, "batch done after the kill", func() bool { return batchDone(t, id) == n }, b)
	t.Logf("%d items left at the kill", left)
	exactlyOnce(t, id, prefix, n)
}

func TestKillWorkerMidBatch(t *testing.T) {
	const n = 30
	suite.provider.slow(300 * time.Millisecond)
	defer suite.provider.slow(0)
	api := start(t, "--no-workers")
	w1 := start(t, "worker", "--concurrency", "4")
	prefix := runPrefix("kill-worker")
	id := submitBatch(t, api, prefix, n)
	waitFor(t, 60*time.Second, "5 items done", func() bool { return batchDone(t, id) >= 5 }, w1)
	w1.kill()
	left := n - batchDone(t, id)
	if left == 0 {
		t.Fatal("the batch finished before the kill; nothing to rescue")
	}
	w2 := start(t, "worker", "--concurrency", "4")
	waitFor(t, 90*time.Second, "batch done after the kill", func() bool { return batchDone(t, id) == n }, w2)
	t.Logf("%d items left at the kill", left)
	exactlyOnce(t, id, prefix, n)
}

func TestKillServeMidIngest(t *testing.T) {
	const docs, paragraphs = 8, 250
	a := start(t, "--no-workers")
	clean := cleanRun(t, a, "kill-ingest", docs, paragraphs)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, _, _, err := a.call(http.MethodPost, "/v1/documents", suite.key, document("kill-ingest", i, paragraphs)); err == nil && status < 300 {
				ok.Add(1)
			}
		}()
	}
	waitFor(t, 60*time.Second, "a first document stored", func() bool { return len(fingerprints(t, "acme", "kill-ingest")) > 0 }, a)
	a.kill()
	wg.Wait()
	if ok.Load() == docs {
		t.Fatal("every ingest finished before the kill")
	}
	b := start(t, "--no-workers")
	stored := sameAsClean(t, "kill-ingest", clean)
	t.Logf("%d of %d documents stored before the kill", stored, docs)
	// The server started again takes the same documents.
	for i := range docs {
		if status, code, _, err := b.call(http.MethodPost, "/v1/documents", suite.key, document("kill-ingest", i, paragraphs)); err != nil || status >= 300 {
			t.Fatalf("ingest %d after the restart = %d %s %v", i, status, code, err)
		}
	}
	if got := sameAsClean(t, "kill-ingest", clean); got != docs {
		t.Errorf("%d documents after ingesting again; want %d", got, docs)
	}
}

func TestServeStartedBeforeTheDatabase(t *testing.T) {
	out, err := asPostgres("pg_ctl", "-D", suite.data, "-w", "-m", "fast", "stop").CombinedOutput()
	if err != nil {
		t.Fatalf("pg_ctl stop: %v: %s", err, out)
	}
	started := false
	t.Cleanup(func() {
		if !started {
			_ = pgStart()
		}
	})
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{addr: fmt.Sprintf("127.0.0.1:%d", port), logs: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(suite.bin, "serve", "--no-workers", "--db-wait", "60s")
	p.cmd.Env = env("KONTEXT_ADDR=" + p.addr)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	waitFor(t, 20*time.Second, "a second wait line", func() bool { return strings.Count(p.logs.String(), "waiting for the database") >= 2 }, p)
	if err := pgStart(); err != nil {
		t.Fatal(err)
	}
	started = true
	waitFor(t, 30*time.Second, "ready once the database is up", func() bool { return p.status("/readyz") == http.StatusOK }, p)
}

func TestBatchItemErrorIsTheAPIError(t *testing.T) {
	suite.provider.set("500")
	defer suite.provider.set("ok")
	p := start(t, "--concurrency", "2", "--batch-max-attempts", "2")
	id := submitBatch(t, p, runPrefix("item-error"), 2)
	waitFor(t, 60*time.Second, "both items failed", func() bool { return batchDone(t, id) == 2 }, p)
	_, _, sync, err := p.call(http.MethodPost, "/v1/generate", suite.key, map[string]any{"brief": "Ein Post", "channel": "social_post", "lang": "de"})
	if err != nil {
		t.Fatal(err)
	}
	want := sync["error"].(map[string]any)
	c := db(t)
	rows, err := c.Query(context.Background(), `SELECT state, coalesce(error, ''), coalesce(error_code, '') FROM batch_items WHERE batch_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, msg, code string
		if err := rows.Scan(&state, &msg, &code); err != nil {
			t.Fatal(err)
		}
		if state != "failed" || code != want["code"] || msg != want["message"] {
			t.Errorf("item %s %q (%s); want failed with the synchronous API's %q (%s)", state, msg, code, want["message"], want["code"])
		}
	}
	if !strings.Contains(p.logs.String(), `"msg":"batch item failed"`) || !strings.Contains(p.logs.String(), "status code: 500") {
		t.Errorf("the worker's log lacks the failed item's chain of causes:\n%s", tail(p.logs.String(), 2000))
	}
}

// TestZZAuditVerify runs last (tests run in source order): the audit chain
// is whole after every fault above.
func TestZZAuditVerify(t *testing.T) {
	c := exec.Command(suite.bin, "audit", "verify")
	c.Env = env()
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("kontext audit verify: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
