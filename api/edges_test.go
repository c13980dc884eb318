package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kontext/api"
)

func TestOversizeHeadersAnswerTheErrorBody(t *testing.T) {
	t.Parallel()
	srv, _ := fuzzServer()
	tests := []struct {
		name   string
		header int // bytes of one extra header's value
		status int
	}{
		{"small", 100, http.StatusOK},
		{"just under", api.MaxHeaderBytes - 200, http.StatusOK},
		{"over", api.MaxHeaderBytes + 1, http.StatusRequestHeaderFieldsTooLarge},
		{"2 MB", 2 << 20, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/v1/whoami", nil)
			req.Header.Set("Authorization", "Bearer kx_fuzz")
			req.Header.Set("X-Padding", strings.Repeat("a", tc.header))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var e struct {
				Error struct{ Code, Message, RequestID string } `json:"error"`
			}
			if w.Code != tc.status {
				t.Fatalf("GET /v1/whoami with a %d-byte header = %d %s; want %d", tc.header, w.Code, w.Body, tc.status)
			}
			if tc.status != http.StatusOK && (json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code != "headers_too_large" || w.Header().Get("X-Request-ID") == "") {
				t.Fatalf("431 body %s; want the standard error body with code headers_too_large", w.Body)
			}
		})
	}
}

func TestAudienceValuesAreBounded(t *testing.T) {
	t.Parallel()
	srv, _ := fuzzServer()
	long := strings.Repeat("x", api.MaxAudienceValue+1)
	tests := []struct {
		name, path, ct, body string
		status               int
		field                string
	}{
		{"at the limit", "/v1/generate", "application/json", `{"brief":"a","audience":{"segment":{"value":"` + long[1:] + `","consent":true}}}`, 200, ""},
		{"60 KB", "/v1/generate", "application/json", `{"brief":"a","audience":{"segment":{"value":"` + strings.Repeat("y", 60<<10) + `","consent":true}}}`, 400, "audience.segment"},
		{"a list joined", "/v1/generate", "application/json", `{"brief":"a","audience":{"interests":{"value":["` + long[:200] + `","` + long[:100] + `"]}}}`, 400, "audience.interests"},
		{"batch item", "/v1/batches", "application/json", `{"items":[{"brief":"a","channel":"social_post"},{"brief":"b","channel":"social_post","audience":{"s":{"value":"` + long + `"}}}]}`, 400, "items[1].audience.s"},
		{"batch line", "/v1/batches", "application/x-ndjson", `{"brief":"b","channel":"social_post","audience":{"s":{"value":"` + long + `"}}}` + "\n", 400, "items[0].audience.s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer kx_fuzz")
			req.Header.Set("Content-Type", tc.ct)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != tc.status || !strings.HasPrefix(e.Error.Message, tc.field) {
				t.Fatalf("POST %s = %d %s; want %d naming %q", tc.path, w.Code, w.Body, tc.status, tc.field)
			}
		})
	}
}
