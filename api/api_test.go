package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kontext/api"
)

type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func newServer(t *testing.T, opts api.Options) (*api.Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	}
	return api.New(opts), &logs
}

func do(t *testing.T, h http.Handler, method, path string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not the standard error body: %v", rec.Body.String(), err)
	}
	if b.Error.Code == "" || b.Error.Message == "" || b.Error.RequestID == "" {
		t.Errorf("error body %q lacks code, message or request_id", rec.Body.String())
	}
	if got := rec.Header().Get("X-Request-ID"); got != b.Error.RequestID {
		t.Errorf("X-Request-ID header %q != request_id in body %q", got, b.Error.RequestID)
	}
	return b
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	notReady := errors.New("migrations pending: database at version 0 of 1")
	tests := []struct {
		name     string
		ready    func(context.Context) error
		path     string
		want     int
		wantCode string
	}{
		{"healthz", nil, "/healthz", http.StatusOK, ""},
		{"readyz without check", nil, "/readyz", http.StatusOK, ""},
		{"readyz ready", func(context.Context) error { return nil }, "/readyz", http.StatusOK, ""},
		{"readyz not ready", func(context.Context) error { return notReady }, "/readyz", http.StatusServiceUnavailable, "not_ready"},
		{"healthz while not ready", func(context.Context) error { return notReady }, "/healthz", http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, api.Options{Ready: tc.ready})
			rec := do(t, srv, http.MethodGet, tc.path, nil, nil)
			if rec.Code != tc.want {
				t.Fatalf("GET %s = %d %s; want %d", tc.path, rec.Code, rec.Body, tc.want)
			}
			if tc.wantCode != "" {
				b := decodeError(t, rec)
				if b.Error.Code != tc.wantCode || !strings.Contains(b.Error.Message, "migrations pending") {
					t.Errorf("GET %s error = %+v; want code %q with the reason", tc.path, b.Error, tc.wantCode)
				}
			}
		})
	}
}

func TestStandardErrors(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, api.Options{MaxBodyBytes: 1024})
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		want     int
		wantCode string
	}{
		{"unknown route", http.MethodGet, "/v1/nothing", "", http.StatusNotFound, "not_found"},
		{"wrong method", http.MethodDelete, "/healthz", "", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"oversized body", http.MethodPost, "/healthz", strings.Repeat("x", 1025), http.StatusRequestEntityTooLarge, "too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			rec := do(t, srv, tc.method, tc.path, body, nil)
			if rec.Code != tc.want {
				t.Fatalf("%s %s = %d %s; want %d", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
			if got := decodeError(t, rec).Error.Code; got != tc.wantCode {
				t.Errorf("%s %s code = %q; want %q", tc.method, tc.path, got, tc.wantCode)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	srv, logs := newServer(t, api.Options{Ready: func(context.Context) error { panic("boom: secret detail") }})
	rec := do(t, srv, http.MethodGet, "/readyz", nil, http.Header{"X-Request-Id": {"req-panic-1"}})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("GET /readyz with a panicking check = %d; want 500", rec.Code)
	}
	b := decodeError(t, rec)
	if b.Error.Code != "internal" || b.Error.RequestID != "req-panic-1" {
		t.Errorf("error = %+v; want code internal and request_id req-panic-1", b.Error)
	}
	if strings.Contains(rec.Body.String(), "secret detail") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("response leaks the panic: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), "req-panic-1") {
		t.Errorf("log lacks the panic and request id: %s", logs)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	srv, logs := newServer(t, api.Options{})
	tests := []struct {
		name, given string
		keep        bool
	}{
		{"given id echoed", "abc-123.DEF:9", true},
		{"missing id generated", "", false},
		{"unsafe id replaced", "bad id\r\nX-Evil: 1", false},
		{"overlong id replaced", strings.Repeat("a", 200), false},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.given != "" {
				h.Set("X-Request-ID", tc.given)
			}
			rec := do(t, srv, http.MethodGet, "/healthz", nil, h)
			got := rec.Header().Get("X-Request-ID")
			if tc.keep && got != tc.given {
				t.Errorf("X-Request-ID = %q; want %q", got, tc.given)
			}
			if !tc.keep && (got == "" || got == tc.given) {
				t.Errorf("X-Request-ID = %q; want a fresh id", got)
			}
			if seen[got] {
				t.Errorf("request id %q reused", got)
			}
			seen[got] = true
			if !strings.Contains(logs.String(), `"request_id":"`+got+`"`) {
				t.Errorf("access log lacks request_id %q", got)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, api.Options{})
	do(t, srv, http.MethodGet, "/healthz", nil, nil)
	do(t, srv, http.MethodGet, "/no/such/route", nil, nil)
	rec := do(t, srv, http.MethodGet, "/metrics", nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	for _, want := range []string{
		`kontext_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`kontext_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`kontext_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
