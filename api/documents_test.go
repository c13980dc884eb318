package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kontext"
	"kontext/api"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
	"kontext/retrieval"
)

// docServer returns a router with the document routes and keys for two
// tenants: editor and viewer of docs-a, editor of docs-b.
func docServer(t *testing.T, maxDoc int64) (http.Handler, map[string]string) {
	t.Helper()
	keys := newKeys(t, "docs-a")
	if err := keys.CreateTenant(context.Background(), "docs-b", ""); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for name, p := range map[string]kontext.Principal{
		"editor-a": {Tenant: "docs-a", User: "ed", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor},
		"viewer-a": {Tenant: "docs-a", User: "vi", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Viewer},
		"legal-a":  {Tenant: "docs-a", User: "lg", Groups: []string{"legal"}, Clearance: kontext.Confidential, Role: kontext.Editor},
		"editor-b": {Tenant: "docs-b", User: "eb", Groups: []string{"marketing"}, Clearance: kontext.Confidential, Role: kontext.Admin},
	} {
		_, secrets[name] = mustKey(t, keys, p)
	}
	in, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: llm.NewHashEmbedder(64), Secret: []byte("0123456789abcdef0123456789abcdef"), MaxBytes: int(maxDoc)})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys, Ingester: in,
		Documents: ingest.NewStore(dbtest.Pool(t)), Eraser: in, MaxBodyBytes: 4096, MaxDocumentBytes: maxDoc})
	return srv, secrets
}

func call(t *testing.T, h http.Handler, key, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func multipartBody(t *testing.T, filename string, content []byte, fields map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestDocumentRoutes(t *testing.T) {
	t.Parallel()
	srv, keys := docServer(t, 64<<10)
	jsonDoc := func(id, content string, extra map[string]any) []byte {
		m := map[string]any{"external_id": id, "name": id + ".md", "content": content, "classification": "internal", "allowed_groups": []string{"marketing"}}
		for k, v := range extra {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}

	// Create through JSON and multipart.
	rec := call(t, srv, keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("faq", "# FAQ\n\nIst die Flasche dicht? Ja.\n", nil))
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /v1/documents (JSON) = %d %s", rec.Code, rec.Body)
	}
	var created ingest.Result
	json.Unmarshal(rec.Body.Bytes(), &created)
	if created.DocumentID == "" || created.Version != 1 || created.Chunks == 0 {
		t.Fatalf("created = %+v; want id, version 1, chunks", created)
	}
	rec = call(t, srv, keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("faq", "# FAQ\n\nIst die Flasche dicht? Ja.\n", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"outcome":"unchanged"`) {
		t.Errorf("re-POST of the same content = %d %s; want 200 unchanged", rec.Code, rec.Body)
	}
	body, ct := multipartBody(t, "legal.md", []byte("# Vertrag\n\nNur für Legal.\n"), map[string]string{"classification": "confidential", "allowed_groups": "legal"})
	rec = call(t, srv, keys["legal-a"], http.MethodPost, "/v1/documents", ct, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /v1/documents (multipart) = %d %s", rec.Code, rec.Body)
	}
	var legal ingest.Result
	json.Unmarshal(rec.Body.Bytes(), &legal)

	tests := []struct {
		name     string
		key      string
		method   string
		path     string
		ct       string
		body     []byte
		want     int
		wantCode string
	}{
		{"viewer reads", keys["viewer-a"], http.MethodGet, "/v1/documents/" + created.DocumentID, "", nil, http.StatusOK, ""},
		{"viewer lists", keys["viewer-a"], http.MethodGet, "/v1/documents?limit=10", "", nil, http.StatusOK, ""},
		{"other tenant cannot read", keys["editor-b"], http.MethodGet, "/v1/documents/" + created.DocumentID, "", nil, http.StatusNotFound, "not_found"},
		{"outside the access list cannot read", keys["viewer-a"], http.MethodGet, "/v1/documents/" + legal.DocumentID, "", nil, http.StatusNotFound, "not_found"},
		{"malformed id", keys["viewer-a"], http.MethodGet, "/v1/documents/'%20OR%201=1--", "", nil, http.StatusNotFound, "not_found"},
		{"viewer cannot ingest", keys["viewer-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("x", "text", nil), http.StatusForbidden, "forbidden"},
		{"viewer cannot delete", keys["viewer-a"], http.MethodDelete, "/v1/documents/" + created.DocumentID, "", nil, http.StatusForbidden, "forbidden"},
		{"other tenant cannot delete", keys["editor-b"], http.MethodDelete, "/v1/documents/" + created.DocumentID, "", nil, http.StatusNotFound, "not_found"},
		{"unknown filter", keys["viewer-a"], http.MethodGet, "/v1/documents?tenant=docs-b", "", nil, http.StatusBadRequest, "invalid_request"},
		{"bad limit", keys["viewer-a"], http.MethodGet, "/v1/documents?limit=100000", "", nil, http.StatusBadRequest, "invalid_request"},
		{"wrong content type", keys["editor-a"], http.MethodPost, "/v1/documents", "text/plain", []byte("hello"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"malformed JSON", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", []byte(`{"content": "x"`), http.StatusBadRequest, "invalid_request"},
		{"unknown JSON field", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", []byte(`{"content":"x","tenant":"docs-b"}`), http.StatusBadRequest, "invalid_request"},
		{"missing access list", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("y", "text", map[string]any{"allowed_groups": []string{}}), http.StatusBadRequest, "invalid_request"},
		{"binary content rejected", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("z", "a\u0000b", nil), http.StatusUnprocessableEntity, "rejected"},
		{"unsupported type rejected", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("z.pdf", "x", map[string]any{"name": "z.pdf"}), http.StatusUnprocessableEntity, "rejected"},
		{"document too large", keys["editor-a"], http.MethodPost, "/v1/documents", "application/json", jsonDoc("big", strings.Repeat("Wort ", 20<<10), nil), http.StatusRequestEntityTooLarge, "too_large"},
		{"erasure needs admin", keys["editor-a"], http.MethodPost, "/v1/erasure", "application/json", []byte(`{"subject":"a@b.de"}`), http.StatusForbidden, "forbidden"},
		{"erasure by admin", keys["editor-b"], http.MethodPost, "/v1/erasure", "application/json", []byte(`{"subject":"a@b.de"}`), http.StatusOK, ""},
		{"editor deletes", keys["editor-a"], http.MethodDelete, "/v1/documents/" + created.DocumentID, "", nil, http.StatusNoContent, ""},
		{"deleted is gone", keys["editor-a"], http.MethodGet, "/v1/documents/" + created.DocumentID, "", nil, http.StatusNotFound, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, srv, tc.key, tc.method, tc.path, tc.ct, tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%s %s = %d %s; want %d", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
			if tc.wantCode != "" {
				if got := decodeError(t, rec).Error.Code; got != tc.wantCode {
					t.Errorf("code = %q; want %q", got, tc.wantCode)
				}
			}
		})
	}

	t.Run("listing shows only the caller's documents", func(t *testing.T) {
		rec := call(t, srv, keys["editor-b"], http.MethodGet, "/v1/documents", "", nil)
		var page ingest.Page
		json.Unmarshal(rec.Body.Bytes(), &page)
		if rec.Code != http.StatusOK || len(page.Documents) != 0 {
			t.Errorf("GET /v1/documents as docs-b = %d with %d documents; want 200 and none", rec.Code, len(page.Documents))
		}
	})
}

func TestSearchRoute(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, "search-a")
	if err := keys.CreateTenant(context.Background(), "search-b", ""); err != nil {
		t.Fatal(err)
	}
	_, editorA := mustKey(t, keys, kontext.Principal{Tenant: "search-a", User: "ed", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor})
	_, viewerB := mustKey(t, keys, kontext.Principal{Tenant: "search-b", User: "vb", Groups: []string{"marketing"}, Clearance: kontext.Confidential, Role: kontext.Viewer})
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
		Documents: ingest.NewStore(dbtest.Pool(t)), Searcher: store})
	body, _ := json.Marshal(map[string]any{"external_id": "faq", "name": "faq.md", "content": "# FAQ\n\nDie Flasche ist spülmaschinenfest.\n",
		"classification": "internal", "allowed_groups": []string{"marketing"}})
	if rec := call(t, srv, editorA, http.MethodPost, "/v1/documents", "application/json", body); rec.Code != http.StatusCreated {
		t.Fatalf("ingest: %d %s", rec.Code, rec.Body)
	}
	tests := []struct {
		name, key, body string
		want            int
		results         int
	}{
		{"own tenant finds it", editorA, `{"query":"Ist die Flasche spülmaschinenfest?","k":5}`, http.StatusOK, 1},
		{"other tenant finds nothing", viewerB, `{"query":"Ist die Flasche spülmaschinenfest?","k":5}`, http.StatusOK, 0},
		{"body cannot name a tenant", viewerB, `{"query":"Flasche","tenant":"search-a"}`, http.StatusBadRequest, 0},
		{"empty query", editorA, `{"query":""}`, http.StatusBadRequest, 0},
		{"k out of range", editorA, `{"query":"x","k":1000}`, http.StatusBadRequest, 0},
		{"unknown filter", editorA, `{"query":"x","filters":{"a":"b"}}`, http.StatusBadRequest, 0},
		{"sql metacharacters are text", editorA, `{"query":"'; DROP TABLE chunks; --","k":5}`, http.StatusOK, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, srv, tc.key, http.MethodPost, "/v1/search", "application/json", []byte(tc.body))
			if rec.Code != tc.want {
				t.Fatalf("POST /v1/search %s = %d %s; want %d", tc.body, rec.Code, rec.Body, tc.want)
			}
			if tc.want != http.StatusOK {
				decodeError(t, rec)
				return
			}
			var resp struct{ Results []retrieval.Result }
			json.Unmarshal(rec.Body.Bytes(), &resp)
			if tc.results >= 0 && len(resp.Results) != tc.results {
				t.Errorf("%d results; want %d", len(resp.Results), tc.results)
			}
		})
	}
}
