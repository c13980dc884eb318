package api_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"kontext"
	"kontext/api"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/internal/openapitest"
	"kontext/llm"
	"kontext/retrieval"
)

// TestPDFUploadAndPages: a PDF uploaded as multipart is stored, a search
// result from it names its page as the OpenAPI document says, and an
// encrypted PDF is refused with the reason.
func TestPDFUploadAndPages(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, "pdf-a")
	_, editor := mustKey(t, keys, kontext.Principal{Tenant: "pdf-a", User: "ed", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor})
	emb := llm.NewHashEmbedder(384)
	in, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	store, err := retrieval.New(dbtest.Pool(t), emb, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys, Ingester: in,
		Documents: ingest.NewStore(dbtest.Pool(t)), Searcher: store, MaxBodyBytes: 4096, MaxDocumentBytes: 1 << 20})
	spec := openapitest.New(t, api.OpenAPI())

	for _, tc := range []struct {
		file string
		want int
		body string
	}{
		{"en-datasheet.pdf", http.StatusCreated, `"chunks":`},
		{"en-encrypted.pdf", http.StatusUnprocessableEntity, "encrypted, no password given"},
	} {
		data, err := os.ReadFile("../testdata/documents/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		body, ct := multipartBody(t, tc.file, data, map[string]string{"classification": "internal", "allowed_groups": "marketing"})
		rec := call(t, srv, editor, http.MethodPost, "/v1/documents", ct, body)
		if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.body) {
			t.Fatalf("POST /v1/documents %s = %d %s; want %d with %q", tc.file, rec.Code, rec.Body, tc.want, tc.body)
		}
	}

	q := []byte(`{"query":"three-year manufacturer warranty ear cushions","k":10}`)
	req := httptest.NewRequest(http.MethodPost, "/v1/search", strings.NewReader(string(q)))
	req.Header.Set("Authorization", "Bearer "+editor)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /v1/search = %d %s", rec.Code, rec.Body)
	}
	spec.CheckRecorder(t, req, q, rec)
	var out struct {
		Results []struct {
			Text     string `json:"text"`
			Page     int    `json:"page"`
			LastPage int    `json:"last_page"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range out.Results {
		if strings.Contains(r.Text, "three-year manufacturer warranty") {
			found = r.Page == 2 && r.LastPage == 2
		}
	}
	if !found {
		t.Errorf("search results = %s; want the warranty section with page 2", rec.Body)
	}
}
