package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext/batch"
)

// campaign writes n generate requests as JSON Lines.
func campaign(t *testing.T, n int, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Herbstkampagne\n")
	for i := range n {
		fmt.Fprintf(&b, `{"brief":"Produkttext Gipfelflasche, Variante %d","channel":"product_description","lang":"de"%s}`+"\n", i+1, extra)
	}
	path := filepath.Join(t.TempDir(), "campaign.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (e *genEnv) raw(key, method, path, contentType string, body []byte) (int, []byte, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(method, "http://"+e.addr+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

func (e *genEnv) waitBatch(key, id string) batch.Summary {
	e.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var sum batch.Summary
		if code := e.do(context.Background(), key, "GET", "/v1/batches/"+id, nil, &sum); code != 200 {
			e.t.Fatalf("GET batch: %d", code)
		}
		if !sum.Open() {
			return sum
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("batch %s still open: %+v", id, sum)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBatchEndToEnd(t *testing.T) {
	t.Setenv("KONTEXT_BATCH_RETRY_BASE", "50ms")
	e := newGenEnv(t)

	// HTTP: JSON Lines body, one item through a provider that fails twice.
	e.slow.FailNext(503, 2, "")
	body := []byte(`{"brief":"Newsletter zur Gipfelflasche","channel":"newsletter","lang":"de"}
{"brief":"Social Post zur Gipfelflasche","channel":"social_post","lang":"de"}
{"brief":"FAQ: Ist die Gipfelflasche spülmaschinenfest?","channel":"faq_answer","lang":"de","options":{"provider":"eu-slow"}}
`)
	code, raw, hdr := e.raw(e.editor, "POST", "/v1/batches?budget_eur=5", "application/x-ndjson", body)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/batches: %d %s", code, raw)
	}
	var sum batch.Summary
	if err := json.Unmarshal(raw, &sum); err != nil || sum.Items != 3 || hdr.Get("Location") != "/v1/batches/"+sum.ID {
		t.Fatalf("submit answered %s (Location %q)", raw, hdr.Get("Location"))
	}
	// The same body again is the same batch.
	if code, raw, _ := e.raw(e.editor, "POST", "/v1/batches?budget_eur=5", "application/x-ndjson", body); code != http.StatusOK || !strings.Contains(string(raw), sum.ID) {
		t.Fatalf("resubmit: %d %s", code, raw)
	}
	sum = e.waitBatch(e.editor, sum.ID)
	if sum.Failed != 0 || sum.Done() != 3 || sum.State != batch.BatchDone || sum.CostEUR <= 0 {
		t.Fatalf("batch: %+v", sum)
	}
	code, raw, hdr = e.raw(e.editor, "GET", "/v1/batches/"+sum.ID+"/results", "", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("results: %d %s", code, hdr.Get("Content-Type"))
	}
	var items []batch.Item
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var it batch.Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("results line %q: %v", sc.Text(), err)
		}
		items = append(items, it)
	}
	if len(items) != 3 {
		t.Fatalf("%d result lines, want 3", len(items))
	}
	for _, it := range items {
		if it.Result == nil || it.Result.GenerationID == "" || len(it.Result.Citations) == 0 || string(it.Result.Decision) != it.State {
			t.Errorf("item %d: %+v", it.N, it)
		}
	}
	if items[2].Attempts != 3 || items[2].Result == nil || items[2].Result.Provenance.Provider != "eu-slow" {
		t.Errorf("item 3 (provider failing twice): %d attempts, %+v", items[2].Attempts, items[2].Result)
	}

	// Who may see it: another user's key gets 404, a bad body 400, a wrong
	// content type 415.
	if code, raw, _ := e.raw(e.confidential, "GET", "/v1/batches/"+sum.ID, "", nil); code != http.StatusNotFound {
		t.Errorf("another user reads the batch: %d %s", code, raw)
	}
	if code, raw, _ := e.raw(e.confidential, "DELETE", "/v1/batches/"+sum.ID, "", nil); code != http.StatusNotFound {
		t.Errorf("another user cancels the batch: %d %s", code, raw)
	}
	if code, raw, _ := e.raw(e.editor, "POST", "/v1/batches", "application/x-ndjson", []byte("{\"brief\":\"x\",\"channel\":\"fax\"}\n{oops\n")); code != http.StatusBadRequest || !strings.Contains(string(raw), "line 2") {
		t.Errorf("bad JSONL: %d %s", code, raw)
	}
	if code, raw, _ := e.raw(e.editor, "POST", "/v1/batches", "application/json", []byte(`[{"brief":"x","channel":"fax"}]`)); code != http.StatusBadRequest || !strings.Contains(string(raw), "item 1") {
		t.Errorf("unknown channel: %d %s", code, raw)
	}
	if code, _, _ := e.raw(e.editor, "POST", "/v1/batches", "text/plain", body); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", code)
	}
	if code, _, _ := e.raw(e.editor, "DELETE", "/v1/batches/"+sum.ID, "", nil); code != 200 {
		t.Errorf("cancel of a finished batch: %d", code)
	}

	// CLI: submit and wait, one JSON summary at the end.
	out := mustCLI(t, "batch", "submit", campaign(t, 4, ""), "--tenant", "acme", "--groups", "marketing", "--user", "jana",
		"--budget-eur", "5", "--wait", "--json")
	var js map[string]any
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("batch submit --json printed %q", out)
	}
	for _, k := range []string{"batch_id", "items", "approved", "needs_review", "blocked", "failed", "skipped_budget", "cancelled", "cost_eur"} {
		if _, ok := js[k]; !ok {
			t.Errorf("summary lacks %s: %s", k, out)
		}
	}
	if js["items"] != 4.0 || js["failed"] != 0.0 {
		t.Errorf("summary: %s", out)
	}
	id := js["batch_id"].(string)
	lines := strings.Split(strings.TrimSpace(mustCLI(t, "batch", "results", id, "--tenant", "acme")), "\n")
	if len(lines) != 4 {
		t.Errorf("batch results printed %d lines, want 4", len(lines))
	}
	if st := mustCLI(t, "batch", "status", id, "--tenant", "acme"); !strings.Contains(st, "items          4") {
		t.Errorf("batch status:\n%s", st)
	}
	if _, errOut, code := cli(t, "batch", "submit", "/nonexistent.jsonl", "--tenant", "acme"); code == 0 || !strings.Contains(errOut, "nonexistent") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

// TestWorkerKilledMidBatch runs the items in a real worker process, kills
// it with SIGKILL while items are in flight, and lets a second worker
// process finish: every item ends with one outcome, none is lost.
func TestWorkerKilledMidBatch(t *testing.T) {
	t.Setenv("KONTEXT_NO_WORKERS", "true")
	e := newGenEnv(t)
	e.cloud.Latency(300 * time.Millisecond)
	const n = 24
	out := mustCLI(t, "batch", "submit", campaign(t, n, ""), "--tenant", "acme", "--groups", "marketing", "--user", "jana", "--json")
	var sub batch.Summary
	if err := json.Unmarshal([]byte(out), &sub); err != nil {
		t.Fatal(out, err)
	}
	worker := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "worker"}, args...)...)
		cmd.Env = append(os.Environ(), "KONTEXT_TEST_HELPER=cli")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("worker %v stderr:\n%s", args, stderr.String())
			}
		})
		return cmd
	}
	first := worker("--concurrency", "4")
	deadline := time.Now().Add(60 * time.Second)
	var sum batch.Summary
	for {
		if code := e.do(context.Background(), e.editor, "GET", "/v1/batches/"+sub.ID, nil, &sum); code != 200 {
			t.Fatalf("status %d", code)
		}
		if sum.Done() >= 4 && sum.Running > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first worker did not get going: %+v", sum)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	t.Logf("killed the first worker with %d items done, %d running", sum.Done(), sum.Running)

	worker("--concurrency", "4", "--batch-job-timeout", "2s", "--batch-rescue-after", "3s", "--batch-retry-base", "100ms")
	sum = e.waitBatch(e.editor, sub.ID)
	if sum.Done() != n || sum.Failed != 0 || sum.Cancelled != 0 || sum.State != batch.BatchDone {
		t.Fatalf("after the kill: %+v", sum)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, e.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var items, distinct, generations int
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('kontext.tenant', 'acme', true), set_config('kontext.scope', 'tenant', true)`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT generation_id) FROM batch_items WHERE batch_id = $1`, sub.ID).Scan(&items, &distinct); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM generations WHERE channel = 'product_description'`).Scan(&generations)
	})
	if err != nil {
		t.Fatal(err)
	}
	if items != n || distinct != n {
		t.Errorf("%d items with %d distinct generations, want %d and %d", items, distinct, n, n)
	}
	// A generation the killed worker finished but could not record is in
	// the log as made, never in the batch twice.
	t.Logf("%d generations recorded for %d items; the provider answered %d calls", generations, n, e.cloud.Served())
}
