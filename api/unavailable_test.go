package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/api"
	"kontext/retrieval"
)

// failingSearcher answers every search with err, the way the store passes
// up what the pool returned.
type failingSearcher struct{ err error }

func (f failingSearcher) Search(context.Context, kontext.Principal, retrieval.Query) ([]retrieval.Result, retrieval.Plan, error) {
	return nil, retrieval.Plan{}, fmt.Errorf("retrieval: search: %w", f.err)
}

// flakySearcher fails its first fail calls with err, then answers.
type flakySearcher struct {
	err   error
	fail  int
	calls atomic.Int32
}

func (f *flakySearcher) Search(context.Context, kontext.Principal, retrieval.Query) ([]retrieval.Result, retrieval.Plan, error) {
	if int(f.calls.Add(1)) <= f.fail {
		return nil, retrieval.Plan{}, fmt.Errorf("retrieval: search: %w", f.err)
	}
	return nil, retrieval.Plan{Path: "exact"}, nil
}

// TestSearchRetriesOnce: a search is a read, so a connection the database
// cut is tried once more before the client hears of it.
func TestSearchRetriesOnce(t *testing.T) {
	t.Parallel()
	cut := &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}
	tests := []struct {
		name      string
		searcher  *flakySearcher
		want      int
		wantCalls int32
	}{
		{"cut once", &flakySearcher{err: cut, fail: 1}, http.StatusOK, 2},
		{"down", &flakySearcher{err: cut, fail: 100}, http.StatusServiceUnavailable, 2},
		{"not a database outage", &flakySearcher{err: errors.New("bug"), fail: 1}, http.StatusInternalServerError, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: fuzzAuth{}, Searcher: tc.searcher})
			rec := do(t, srv, http.MethodPost, "/v1/search", strings.NewReader(`{"query":"Preis"}`),
				http.Header{"Authorization": {"Bearer kx_fuzz"}, "Content-Type": {"application/json"}})
			if rec.Code != tc.want || tc.searcher.calls.Load() != tc.wantCalls {
				t.Errorf("search = %d after %d calls; want %d after %d", rec.Code, tc.searcher.calls.Load(), tc.want, tc.wantCalls)
			}
		})
	}
}

// closedPort returns a local address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestDatabaseOutageAnswersUnavailable(t *testing.T) {
	t.Parallel()
	dbURL := "postgres://kontext:kontext@" + closedPort(t) + "/kontext?sslmode=disable&connect_timeout=2"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, connErr := pgconn.Connect(ctx, dbURL)
	if connErr == nil {
		t.Fatal("connected to a closed port")
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"connection refused", connErr, http.StatusServiceUnavailable},
		{"terminated by shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}, http.StatusServiceUnavailable},
		{"starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}, http.StatusServiceUnavailable},
		{"connection failure", &pgconn.PgError{Severity: "FATAL", Code: "08006", Message: "connection failure"}, http.StatusServiceUnavailable},
		{"connection broke", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), http.StatusServiceUnavailable},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key"}, http.StatusInternalServerError},
		{"a bug", errors.New("nil map"), http.StatusInternalServerError},
		{"an HTTP call failed", &url.Error{Op: "Post", URL: "http://rerank/v1/rerank", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}},
			http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: fuzzAuth{}, Searcher: failingSearcher{tc.err}})
			rec := do(t, srv, http.MethodPost, "/v1/search", strings.NewReader(`{"query":"Preis"}`),
				http.Header{"Authorization": {"Bearer kx_fuzz"}, "Content-Type": {"application/json"}})
			if rec.Code != tc.want {
				t.Fatalf("search with the store failing %v = %d %s; want %d", tc.err, rec.Code, rec.Body, tc.want)
			}
			b := decodeError(t, rec)
			if tc.want == http.StatusServiceUnavailable {
				if b.Error.Code != "unavailable" || rec.Header().Get("Retry-After") == "" {
					t.Errorf("503 code %q Retry-After %q; want unavailable with Retry-After", b.Error.Code, rec.Header().Get("Retry-After"))
				}
				if strings.Contains(b.Error.Message, "SQLSTATE") || strings.Contains(b.Error.Message, "127.0.0.1") {
					t.Errorf("503 message %q names internals", b.Error.Message)
				}
			}
		})
	}
}

// TestAuthenticationWithTheDatabaseDown drives the real key store on a pool
// whose server does not answer: the client is told to retry, not that the
// server failed.
func TestAuthenticationWithTheDatabaseDown(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://kontext:kontext@"+closedPort(t)+"/kontext?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: api.NewKeys(pool)})
	req := httptest.NewRequest(http.MethodGet, "/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer kx_"+strings.Repeat("a", 43))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("GET /v1/whoami with the database down = %d (Retry-After %q) %s; want 503 with Retry-After",
			rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}
