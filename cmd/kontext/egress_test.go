package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
