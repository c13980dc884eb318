package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// encoding/json turns invalid UTF-8 and lone surrogate escapes into U+FFFD
// while decoding; the raw body is checked before, on every JSON route.
func TestInvalidTextInJSONBodies(t *testing.T) {
	t.Parallel()
	srv, _ := fuzzServer()
	const review = "/v1/reviews/00000000-0000-4000-8000-000000000009/approve"
	tests := []struct {
		name, path, ct, body string
		status               int
		field                string // named in the message
	}{
		{"search query", "/v1/search", "application/json", "{\"query\":\"abc\xff\xfe\"}", 400, "query"},
		{"generate brief", "/v1/generate", "application/json", "{\"brief\":\"a\xc3\x28\",\"channel\":\"social_post\"}", 400, "brief"},
		{"generate audience value", "/v1/generate", "application/json", "{\"brief\":\"a\",\"audience\":{\"s\":{\"value\":\"\xed\xa0\x80\"}}}", 400, "audience"},
		{"generate lone surrogate", "/v1/generate", "application/json", `{"brief":"a\ud800b"}`, 400, "brief"},
		{"generate reversed pair", "/v1/generate", "application/json", `{"brief":"\udc00\ud800"}`, 400, "brief"},
		{"document content", "/v1/documents", "application/json", "{\"content\":\"Text \xff\",\"external_id\":\"x\",\"classification\":\"public\",\"tenant_wide\":true}", 422, "content"},
		{"document content lone surrogate", "/v1/documents", "application/json", `{"content":"Text \udbff","external_id":"x","classification":"public","tenant_wide":true}`, 422, "content"},
		{"document title", "/v1/documents", "application/json", "{\"content\":\"Text\",\"title\":\"\xff\",\"external_id\":\"x\",\"classification\":\"public\",\"tenant_wide\":true}", 400, "title"},
		{"guard scan", "/v1/guard/scan", "application/json", "{\"text\":\"\xfe\"}", 400, "text"},
		{"guard check", "/v1/guard/check", "application/json", "{\"text\":\"ok\",\"brand\":{\"name\":\"\xff\"}}", 400, "brand"},
		{"guard redact", "/v1/guard/redact", "application/json", "{\"text\":\"\xc0\xaf\"}", 400, "text"},
		{"batch object", "/v1/batches", "application/json", "{\"items\":[{\"brief\":\"\xff\",\"channel\":\"social_post\"}]}", 400, "items"},
		{"batch lines", "/v1/batches", "application/x-ndjson", "{\"brief\":\"a\",\"channel\":\"social_post\"}\n{\"brief\":\"\xff\"}\n", 400, "body"},
		{"review comment", review, "application/json", "{\"comment\":\"passt \xff\"}", 400, "comment"},
		{"erasure subject", "/v1/erasure", "application/json", "{\"subject\":\"anna\xff@example.org\"}", 400, "subject"},
		{"field name", "/v1/search", "application/json", "{\"q\xffuery\":\"x\"}", 400, "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer kx_fuzz")
			req.Header.Set("Content-Type", tc.ct)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != tc.status || !strings.HasPrefix(e.Error.Message, tc.field+" ") && !strings.HasPrefix(e.Error.Message, tc.field+":") {
				t.Fatalf("POST %s %q = %d %s; want %d naming %s", tc.path, tc.body, w.Code, w.Body, tc.status, tc.field)
			}
		})
	}
	// Valid text, surrogate pairs and a U+FFFD the caller sent are accepted.
	for _, body := range []string{`{"query":"Gipfelflasche \ud83d\ude00 \u00e4"}`, `{"query":"ä € 𝄞"}`, `{"query":"\ufffd"}`, `{"query":"a\\ud800"}`} {
		req := httptest.NewRequest(http.MethodPost, "/v1/search", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer kx_fuzz")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("POST /v1/search %s = %d %s; want 200", body, w.Code, w.Body)
		}
	}
}
