package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext/internal/dbtest"
)

// TestIngestSendsNoPersonalData ingests support mail through an
// OpenAI-compatible embeddings endpoint and checks every byte the endpoint
// received: the chunks are embedded with their personal data masked.
func TestIngestSendsNoPersonalData(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		var req struct {
			Input []string `json:"input"`
		}
		json.Unmarshal(b, &req)
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string `json:"object"`
			Data   []item `json:"data"`
		}{Object: "list"}
		for i := range req.Input {
			v := make([]float32, 8)
			v[i%8] = 1
			resp.Data = append(resp.Data, item{"embedding", i, v})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()

	db := dbtest.NewDatabase(t, true)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", db.OwnerURL)
	t.Setenv("KONTEXT_SECRET_FILE", filepath.Join(t.TempDir(), "secret"))
	t.Setenv("KONTEXT_LOG_LEVEL", "warn")
	t.Setenv("KONTEXT_EMBEDDING_BASE_URL", srv.URL+"/v1")
	t.Setenv("KONTEXT_EMBEDDING_MODEL", "test-embed")
	t.Setenv("KONTEXT_EMBEDDING_DIMENSIONS", "8")
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"tenants", "create", "acme"}, &out, &errOut); code != 0 {
		t.Fatalf("tenants create: %s", errOut.String())
	}
	dir := writeFiles(t, map[string]string{
		"support/mail.md": "# Deckel undicht\n\nKundin Jana Schneider (jana.schneider@web.de, 0171 2345678) schreibt: " +
			"Der Deckel tropft. Bitte erstatten auf DE89 3704 0044 0532 0130 00.\n\nViele Grüße\nJana Schneider\n",
	})
	if code := run(ctx, []string{"ingest", dir, "--tenant", "acme", "--groups", "support", "--classification", "internal", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errOut.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) == 0 {
		t.Fatal("the embeddings endpoint received nothing")
	}
	for _, b := range bodies {
		for _, value := range []string{"jana.schneider@web.de", "2345678", "Schneider", "DE89", "0532"} {
			if strings.Contains(b, value) {
				t.Errorf("the endpoint received %q: %s", value, b)
			}
		}
	}
	if !strings.Contains(strings.Join(bodies, ""), "[EMAIL]") {
		t.Errorf("embedded text lacks the masked type: %v", bodies)
	}
}

// TestSearchRefusesPersonalDataAtEgress searches with an e-mail address in
// the query through an OpenAI-compatible embeddings endpoint: the request
// is refused before it leaves (422), the endpoint receives nothing, and the
// refusal is in the tenant's audit log.
func TestSearchRefusesPersonalDataAtEgress(t *testing.T) {
	var mu sync.Mutex
	received := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received++
		mu.Unlock()
		http.Error(w, "unexpected", http.StatusInternalServerError)
	}))
	defer srv.Close()
	db := dbtest.NewDatabase(t, false)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", db.OwnerURL)
	t.Setenv("KONTEXT_SECRET_FILE", filepath.Join(t.TempDir(), "secret"))
	t.Setenv("KONTEXT_LOG_LEVEL", "error")
	t.Setenv("KONTEXT_EMBEDDING_BASE_URL", srv.URL+"/v1")
	t.Setenv("KONTEXT_EMBEDDING_MODEL", "test-embed")
	t.Setenv("KONTEXT_EMBEDDING_DIMENSIONS", "8")
	t.Setenv("KONTEXT_ADDR", "127.0.0.1:0")
	ctx := context.Background()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"migrate"}, &out, &errOut); code != 0 {
		t.Fatalf("migrate: %s", errOut.String())
	}
	if code := run(ctx, []string{"tenants", "create", "acme"}, &out, &errOut); code != 0 {
		t.Fatalf("tenants create: %s", errOut.String())
	}
	out.Reset()
	if code := run(ctx, []string{"keys", "create", "--tenant", "acme", "--user", "jana", "--groups", "marketing", "--role", "viewer", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("keys create: %s", errOut.String())
	}
	var key struct{ Key string }
	if err := json.Unmarshal(out.Bytes(), &key); err != nil || key.Key == "" {
		t.Fatalf("keys create --json printed %q", out.String())
	}

	s := newSettings()
	s.register(newFlagSet(), serveSettings...)
	cfg, err := s.config()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+m.Addr()+"/v1/search",
		strings.NewReader(`{"query":"Was hat jana.schneider@web.de bestellt?"}`))
	req.Header.Set("Authorization", "Bearer "+key.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"personal_data"`) {
		t.Errorf("search with an e-mail in the query = %d %s; want 422 personal_data", resp.StatusCode, body)
	}
	mu.Lock()
	if received != 0 {
		t.Errorf("the provider received %d requests; want none", received)
	}
	mu.Unlock()

	pool, err := pgxpool.New(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', 'acme', true)"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'egress.refused'
			AND details->'types'->>'EMAIL' = '1' AND details::text NOT LIKE '%jana%'`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d egress.refused audit events with counts only; want 1", n)
	}
}
