package retrieval_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kontext"
	"kontext/ingest"
	"kontext/retrieval"
)

// fakeReranker speaks the text-embeddings-inference and Jina rerank wire
// formats and scores a text by how often it contains "Deckel".
func fakeReranker(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string   `json:"query"`
			Texts     []string `json:"texts"`
			Documents []string `json:"documents"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Query == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		score := func(s string) float64 { return float64(strings.Count(s, "Deckel")) }
		switch r.URL.Path {
		case "/rerank":
			type item struct {
				Index int     `json:"index"`
				Score float64 `json:"score"`
			}
			var out []item
			for i := len(req.Texts) - 1; i >= 0; i-- {
				out = append(out, item{i, score(req.Texts[i])})
			}
			json.NewEncoder(w).Encode(out)
		case "/v1/rerank":
			type item struct {
				Index int     `json:"index"`
				Score float64 `json:"relevance_score"`
			}
			var out []item
			for i, d := range req.Documents {
				out = append(out, item{i, score(d)})
			}
			json.NewEncoder(w).Encode(map[string]any{"results": out})
		case "/broken":
			http.Error(w, "model loading", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPReranker(t *testing.T) {
	t.Parallel()
	srv := fakeReranker(t)
	texts := []string{"Flasche", "Deckel Deckel", "Deckel"}
	for _, tc := range []struct{ name, path, style string }{{"tei", "/rerank", "tei"}, {"jina", "/v1/rerank", "jina"}} {
		r := &retrieval.HTTPReranker{URL: srv.URL + tc.path, Style: tc.style, Model: "m"}
		scores, err := r.Rerank(context.Background(), "Deckel", texts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(scores) != 3 || scores[0] != 0 || scores[1] != 2 || scores[2] != 1 {
			t.Errorf("%s: scores = %v; want [0 2 1] in the texts' order", tc.name, scores)
		}
	}
	if _, err := (&retrieval.HTTPReranker{URL: srv.URL + "/broken"}).Rerank(context.Background(), "q", texts); err == nil {
		t.Error("Rerank against a failing service returned no error")
	}
}

func TestSearchWithReranker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "rerank")
	in := newIngester(t)
	p := kontext.Principal{Tenant: tenant, User: "u", Groups: []string{"g"}, Clearance: kontext.Internal, Role: kontext.Editor}
	for id, text := range map[string]string{
		"a": "# Flasche\n\nDie Flasche ist aus Edelstahl.\n",
		"b": "# Deckel\n\nDer Deckel der Flasche ist dicht. Deckel Deckel.\n",
		"c": "# Becher\n\nDer Becher hat einen Deckel.\n",
	} {
		if _, err := in.Ingest(ctx, ingest.Request{Principal: p, Operator: true, Name: id + ".md", ExternalID: id, Data: []byte(text),
			Classification: kontext.Internal, AllowedGroups: []string{"g"}}); err != nil {
			t.Fatal(err)
		}
	}
	srv := fakeReranker(t)
	store := newStore(t, retrieval.Options{Reranker: &retrieval.HTTPReranker{URL: srv.URL + "/rerank"}})
	results, _, err := store.Search(ctx, p, retrieval.Query{Text: "Flasche", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].ExternalID != "b" || results[0].RerankScore == nil {
		t.Errorf("reranked results = %+v; want b first with a rerank score", results)
	}
}
