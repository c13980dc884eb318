package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kontext/api"
	"kontext/audit"
	"kontext/batch"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/internal/openapitest"
	"kontext/retrieval"
)

// fullRouter is the router with every optional route family switched on.
// The back ends are typed nil pointers: enough to register the routes, not
// to serve them.
func fullRouter(t *testing.T) *api.Server {
	t.Helper()
	return api.New(api.Options{Logger: slog.New(slog.DiscardHandler),
		Ingester: (*ingest.Ingester)(nil), Documents: (*ingest.Store)(nil), Eraser: (*ingest.Ingester)(nil),
		Searcher: (*retrieval.Store)(nil), Generator: (*generate.Service)(nil), Batches: (*batch.Service)(nil),
		AuditVerifier: (*audit.Log)(nil), EvalReport: "testdata/report.json",
		Guard: &api.Guard{Injection: inject.NewInjectionScanner(inject.InjectionOptions{}), Redactor: pii.NewDetector(pii.DetectorOptions{})}})
}

// TestOpenAPICoversRouter fails when a route is served but not documented,
// documented but not served, or documented with another role than the one
// the router enforces.
func TestOpenAPICoversRouter(t *testing.T) {
	t.Parallel()
	srv := fullRouter(t)
	spec := openapitest.New(t, api.OpenAPI())
	documented := map[string]openapitest.Operation{}
	for _, op := range spec.Operations() {
		documented[op.Method+" "+op.Path] = op
	}
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		key := r.Method + " " + openapitest.PathOf(r.Path)
		served[key] = true
		op, ok := documented[key]
		if !ok {
			t.Errorf("route %s %s is served but not in api/openapi.yaml", r.Method, r.Path)
			continue
		}
		if op.Role != string(r.Role) {
			t.Errorf("%s: x-kontext-role %q in api/openapi.yaml; the router requires %q", key, op.Role, r.Role)
		}
		if (r.Role == "") != op.Public {
			t.Errorf("%s: public in the document = %v; the router requires a key = %v", key, op.Public, r.Role != "")
		}
		// Every route refuses a NUL character or invalid UTF-8 in its URL.
		want := []string{"200", "400"}
		if r.Role != "" {
			want = []string{"400", "401", "403", "429", "500", "503"}
		}
		if strings.Contains(r.Path, ":id") {
			want = append(want, "404")
		}
		for _, code := range want {
			if !slices.Contains(op.Responses, code) && !(code == "200" && slices.ContainsFunc(op.Responses, func(c string) bool { return c[0] == '2' })) {
				t.Errorf("%s documents no %s response", key, code)
			}
		}
		if r.Method == http.MethodPost && r.Role != "" {
			for _, code := range []string{"413", "415"} {
				if !slices.Contains(op.Responses, code) {
					t.Errorf("%s takes a body but documents no %s response", key, code)
				}
			}
		}
	}
	for key := range documented {
		if !served[key] {
			t.Errorf("api/openapi.yaml documents %s, which the router does not serve", key)
		}
	}
	if len(served) < 25 {
		t.Errorf("the full router serves %d routes; want every route family", len(served))
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	srv := fullRouter(t)
	rec := do(t, srv, http.MethodGet, "/openapi.json", nil, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Fatalf("GET /openapi.json: openapi %q, %d paths, err %v", doc.OpenAPI, len(doc.Paths), err)
	}
	// The served document is the one the other tests check.
	spec := openapitest.New(t, rec.Body.Bytes())
	if len(spec.Operations()) != len(srv.Routes()) {
		t.Errorf("served document has %d operations; the router %d routes", len(spec.Operations()), len(srv.Routes()))
	}
}

// TestResponsesMatchDocument validates the responses of routes that need
// no database, and the standard errors of every authenticated route,
// against the document.
func TestResponsesMatchDocument(t *testing.T) {
	t.Parallel()
	srv := fullRouter(t)
	spec := openapitest.New(t, api.OpenAPI())
	for _, r := range srv.Routes() {
		path := regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "0b5e0000-0000-4000-8000-000000000000")
		path = strings.Replace(path, "/docs/0b5e0000-0000-4000-8000-000000000000", "/docs/swagger-ui.css", 1)
		path = strings.Replace(path, "/desk/0b5e0000-0000-4000-8000-000000000000", "/desk/desk.css", 1)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			req := httptest.NewRequest(r.Method, path, nil)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			want := http.StatusOK
			if r.Role != "" {
				want = http.StatusServiceUnavailable // no authenticator configured
				if r.Path == "/readyz" {
					want = http.StatusOK
				}
			}
			if rec.Code != want {
				t.Fatalf("%s %s = %d; want %d", r.Method, path, rec.Code, want)
			}
			spec.CheckRecorder(t, req, nil, rec)
		})
	}
	for _, tc := range []struct{ method, path string }{{http.MethodGet, "/docs/../openapi.yaml"}, {http.MethodGet, "/docs/VERSION"}, {http.MethodGet, "/docs/nothing.js"}} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s = %d; want 404", tc.method, tc.path, rec.Code)
		}
		decodeError(t, rec)
	}
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	srv := fullRouter(t)
	rec := do(t, srv, http.MethodGet, "/docs", nil, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy %q allows inline code or another origin", csp)
	}
	page := rec.Body.String()
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("/docs refers to another origin:\n%s", page)
	}
	if regexp.MustCompile(`<script>[^<]`).MatchString(page) || strings.Contains(page, "style=") {
		t.Errorf("/docs has inline script or style, which its policy forbids:\n%s", page)
	}
	// Every file the page loads is served, with the policy and nosniff.
	for _, m := range regexp.MustCompile(`(?:src|href)="(/docs/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		rec := do(t, srv, http.MethodGet, m[1], nil, nil)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d, %d bytes, nosniff %q", m[1], rec.Code, rec.Body.Len(), rec.Header().Get("X-Content-Type-Options"))
		}
	}
	js := do(t, srv, http.MethodGet, "/docs/kontext-docs.js", nil, nil).Body.Bytes()
	if !bytes.Contains(js, []byte(`"/openapi.json"`)) {
		t.Errorf("/docs/kontext-docs.js does not load /openapi.json")
	}
}
