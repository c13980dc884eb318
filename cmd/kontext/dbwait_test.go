package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kontext/internal/dbtest"
)

// syncBuffer is a log sink that the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rehost returns the connection URL u pointing at addr.
func rehost(t *testing.T, u, addr string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.Host = addr
	return p.String()
}

// proxy forwards connections on l to target until l is closed.
func proxy(l net.Listener, target string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			d, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer d.Close()
			go io.Copy(d, c)
			io.Copy(c, d)
		}()
	}
}

// TestServeWaitsForTheDatabase starts the server while nothing listens at
// the database's address, then brings the database up there: the server
// waits, saying so once per attempt, and starts once it can connect.
func TestServeWaitsForTheDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDatabase(t, false)
	real, err := url.Parse(db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there until the "database" comes up

	s := newSettings()
	s.byKey["database-url"].value = rehost(t, db.AppURL, addr)
	s.byKey["owner-database-url"].value = rehost(t, db.OwnerURL, addr)
	s.byKey["addr"].value = "127.0.0.1:0"
	s.byKey["no-workers"].value = "true"
	s.byKey["db-wait"].value = "30s"
	for _, st := range s.list {
		st.registered = true
	}
	cfg, err := s.config()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	m := NewMain(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	t.Cleanup(func() { _ = m.Close() })

	for !strings.Contains(logs.String(), "waiting for the database") {
		select {
		case err := <-done:
			t.Fatalf("Run with the database down returned %v before waiting; logs:\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	up, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("bring the database up at %s: %v", addr, err)
	}
	defer up.Close()
	go proxy(up, real.Host)
	if err := <-done; err != nil {
		t.Fatalf("Run after the database came up: %v\n%s", err, logs.String())
	}
	resp, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz after the wait = %d; want 200 (migrated at start)", resp.StatusCode)
	}
	if n := strings.Count(logs.String(), `"msg":"waiting for the database"`); n < 1 || !strings.Contains(logs.String(), `"attempt":1`) {
		t.Errorf("%d wait lines; want one per attempt, numbered:\n%s", n, logs.String())
	}
}

// TestWorkerGivesUpAfterTheWait bounds the wait: a database that never
// comes up ends the worker with the hint, after --db-wait.
func TestWorkerGivesUpAfterTheWait(t *testing.T) {
	t.Setenv("DATABASE_URL", closedDatabaseURL)
	t.Setenv("KONTEXT_SECRET", strings.Repeat("s", 32))
	_, stderr, code := cli(t, "worker", "--db-wait", "2s")
	if code != 1 || !strings.Contains(stderr, "no database after waiting 2s") || !strings.Contains(stderr, "make db") {
		t.Errorf("worker with no database: exit %d; want 1 after the wait, with the hint:\n%s", code, stderr)
	}
}
