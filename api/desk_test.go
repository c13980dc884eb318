package api_test

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kontext"
	"kontext/api"
)

// TestDeskPage checks what the browser tests cannot see directly: the
// headers of the page and its files, and that nothing in them runs inline
// or comes from another origin.
func TestDeskPage(t *testing.T) {
	t.Parallel()
	srv := fullRouter(t)
	rec := do(t, srv, http.MethodGet, "/", nil, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	if regexp.MustCompile(`<script[^>]*>[^<]`).MatchString(page) || strings.Contains(page, "style=") ||
		regexp.MustCompile(`\son[a-z]+=`).MatchString(page) || strings.Contains(page, "<style") {
		t.Errorf("the desk has inline script, style or event handlers, which its policy forbids")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("the desk refers to another origin")
	}
	files := regexp.MustCompile(`(?:src|href)="(/desk/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(files) != 2 {
		t.Errorf("the desk loads %d files; want its script and style sheet", len(files))
	}
	check := func(path string, h http.Header) {
		t.Helper()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code or another origin", path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: X-Frame-Options %q, X-Content-Type-Options %q, Referrer-Policy %q", path,
				h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
	}
	check("/", rec.Header())
	for _, m := range files {
		rec := do(t, srv, http.MethodGet, m[1], nil, nil)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d, %d bytes", m[1], rec.Code, rec.Body.Len())
		}
		check(m[1], rec.Header())
	}
	// The script writes values as text: no HTML parsing of data, no eval.
	js := do(t, srv, http.MethodGet, "/desk/desk.js", nil, nil).Body.String()
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "localStorage.setItem(KEY"} {
		if strings.Contains(js, bad) {
			t.Errorf("desk.js uses %s", bad)
		}
	}
	for _, path := range []string{"/desk/../openapi.yaml", "/desk/index.html", "/desk/web.go", "/desk/nothing.js", "/desk/%2e%2e%2fweb.go"} {
		if rec := do(t, srv, http.MethodGet, path, nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, rec.Code)
		}
	}
}

// TestEvalReportRoute serves the report file as it is and answers 404
// until a run has written it. The route needs a key like any /v1 route.
func TestEvalReportRoute(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	keys := newKeys(t, "desk-evals")
	_, secret := mustKey(t, keys, kontext.Principal{Tenant: "desk-evals", User: "vera", Groups: []string{"marketing"},
		Clearance: kontext.Internal, Role: kontext.Viewer})
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys, EvalReport: report})
	get := func() (int, string) {
		rec := do(t, srv, http.MethodGet, "/v1/evals/last", nil, http.Header{"Authorization": {"Bearer " + secret}})
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusNotFound || !strings.Contains(body, "no eval run") {
		t.Errorf("without a report: %d %s; want 404 naming the missing run", code, body)
	}
	want := `{"started":"2026-12-01T10:00:00Z","suites":[{"name":"brand","cases":1,"passed":1,"results":[{"name":"a","status":"passed"}]}],"regressions":[]}`
	if err := os.WriteFile(report, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, body := get(); code != http.StatusOK || body != want {
		t.Errorf("with a report: %d %s; want 200 %s", code, body, want)
	}
	if err := os.WriteFile(report, []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Errorf("with a broken report: %d; want 503", code)
	}
	if rec := do(t, srv, http.MethodGet, "/v1/evals/last", nil, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("without a key: %d; want 401", rec.Code)
	}
}
