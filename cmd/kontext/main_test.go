package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"kontext/internal/dbtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("KONTEXT_TEST_HELPER") == "serve" {
		// This process is the server of TestGracefulShutdown: the real
		// command line, plus a slow route.
		testWrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/slow" {
					next.ServeHTTP(w, r)
					return
				}
				os.Stderr.WriteString(`{"msg":"slow request started"}` + "\n")
				time.Sleep(1500 * time.Millisecond)
				w.Write([]byte("done"))
			})
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "10s"}, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if os.Getenv("KONTEXT_TEST_HELPER") == "cli" {
		// This process is a real kontext command: the arguments after "--".
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(dbtest.Main(m))
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDatabase(t, false)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KONTEXT_TEST_HELPER=serve", "DATABASE_URL="+db.AppURL, "KONTEXT_OWNER_DATABASE_URL="+db.OwnerURL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	waitFor := func(msg string) map[string]any {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatalf("server exited before logging %q", msg)
				}
				if m["msg"] == msg {
					return m
				}
			case <-timeout:
				t.Fatalf("server did not log %q within 30s", msg)
			}
		}
	}
	addr := waitFor("listening")["addr"].(string)

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(b), err}
	}()
	waitFor("slow request started")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor("shutting down")

	r := <-done
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("in-flight request across SIGTERM = %d %q (err %v); want 200 \"done\"", r.status, r.body, r.err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		// The listener closes at once; the process may also have exited.
		t.Log("note: a request after shutdown still connected")
	}
	waitFor("stopped")
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit after SIGTERM: %v; want exit status 0", err)
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		migrated bool
		want     int
	}{
		{"migrated database is ready", true, http.StatusOK},
		{"unmigrated database is not ready", false, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := dbtest.NewDatabase(t, tc.migrated)
			s := newSettings()
			s.byKey["database-url"].value = db.AppURL
			s.byKey["owner-database-url"].value = db.OwnerURL
			s.byKey["addr"].value = "127.0.0.1:0"
			s.byKey["migrate"].value = "false"
			for _, st := range s.list {
				st.registered = true
			}
			cfg, err := s.config()
			if err != nil {
				t.Fatal(err)
			}
			m := NewMain(cfg, slog.New(slog.DiscardHandler))
			if err := m.Run(context.Background()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			defer m.Close()
			resp, err := http.Get("http://" + m.Addr() + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET /readyz = %d %s; want %d", resp.StatusCode, body, tc.want)
			}
			if tc.want != http.StatusOK && !bytes.Contains(body, []byte("migrations pending")) {
				t.Errorf("GET /readyz body %s lacks the reason", body)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr []string // substrings; empty = valid
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults are valid", check: func(t *testing.T, c Config) {
			if c.Addr != ":8080" || c.MaxBodyBytes != 10<<20 || c.LLMBaseURL != "" || c.OwnerDatabaseURL != defaultOwnerURL {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "environment fallback", env: map[string]string{"KONTEXT_ADDR": "127.0.0.1:9000"}, check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:9000" {
				t.Errorf("Addr = %q; want the environment's", c.Addr)
			}
		}},
		{name: "flag beats environment", env: map[string]string{"KONTEXT_ADDR": "127.0.0.1:9000"}, args: []string{"--addr", ":7000"}, check: func(t *testing.T, c Config) {
			if c.Addr != ":7000" {
				t.Errorf("Addr = %q; want the flag's", c.Addr)
			}
		}},
		{name: "DATABASE_URL alone serves as owner too", env: map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/x"}, check: func(t *testing.T, c Config) {
			if c.OwnerDatabaseURL != "postgres://u:p@db:5432/x" {
				t.Errorf("OwnerDatabaseURL = %q", c.OwnerDatabaseURL)
			}
		}},
		{name: "every bad value reported", args: []string{"--addr", "nope", "--max-body-bytes", "-1", "--shutdown-timeout", "soon", "--log-format", "xml"},
			wantErr: []string{"--addr", "--max-body-bytes", "--shutdown-timeout", "--log-format"}},
		{name: "injection threshold", env: map[string]string{"KONTEXT_INJECTION_THRESHOLD": "0.8"}, check: func(t *testing.T, c Config) {
			if c.InjectionThreshold != 0.8 {
				t.Errorf("InjectionThreshold = %v; want 0.8", c.InjectionThreshold)
			}
		}},
		{name: "bad injection threshold", args: []string{"--injection-threshold", "1.5"}, wantErr: []string{"--injection-threshold"}},
		{name: "llm url needs a model", args: []string{"--llm-base-url", "http://localhost:11434/v1"}, wantErr: []string{"--llm-model"}},
		{name: "bad llm url", args: []string{"--llm-base-url", "localhost", "--llm-model", "m"}, wantErr: []string{"--llm-base-url"}},
		{name: "llm timeout under the write timeout", args: []string{"--llm-timeout", "3m"}, wantErr: []string{"--llm-timeout", "--write-timeout (3m0s)"}},
		{name: "llm timeout default", check: func(t *testing.T, c Config) {
			if c.LLMTimeout != 60*time.Second || c.LLMTimeout >= c.WriteTimeout || c.DBWait != 30*time.Second {
				t.Errorf("LLMTimeout = %v, DBWait = %v; want 60s under the write timeout %v, and 30s", c.LLMTimeout, c.DBWait, c.WriteTimeout)
			}
		}},
		{name: "bad db wait", args: []string{"--db-wait", "-1s"}, wantErr: []string{"--db-wait"}},
		{name: "replica urls", env: map[string]string{"KONTEXT_DATABASE_REPLICA_URLS": "postgres://u:p@r1:5432/x, postgres://u:p@r2:5432/x"}, check: func(t *testing.T, c Config) {
			if len(c.ReplicaURLs) != 2 || c.ReplicaURLs[1] != "postgres://u:p@r2:5432/x" || c.ReplicaMaxLag != 5*time.Second || c.ReplicaWait != 250*time.Millisecond {
				t.Errorf("ReplicaURLs = %q, max lag %v, wait %v; want two URLs, 5s, 250ms", c.ReplicaURLs, c.ReplicaMaxLag, c.ReplicaWait)
			}
		}},
		{name: "bad replica url", args: []string{"--database-replica-urls", "postgres://u:p@db:99999999/x", "--replica-wait", "0s"}, wantErr: []string{"--database-replica-urls", "--replica-wait"}},
		{name: "secret masked in errors", args: []string{"--database-url", "postgres://u:hunter2@db:99999999/x"}, wantErr: []string{"--database-url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"DATABASE_URL", "KONTEXT_OWNER_DATABASE_URL", "KONTEXT_ADDR"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			s := newSettings()
			fs := newFlagSet()
			s.register(fs, serveSettings...)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			c, err := s.config()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("config() error: %v", err)
				}
				tc.check(t, c)
				return
			}
			if err == nil {
				t.Fatalf("config() = nil error; want errors naming %v", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("config() error %q does not name %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("config() error leaks a password: %q", err)
			}
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"database-url", "postgres://u:secret@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"llm-api-key", "sk-abcdefghijklmnop", "****mnop"},
		{"llm-api-key", "short", "****"},
		{"llm-api-key", "", ""},
	}
	for _, tc := range tests {
		if got := mask(tc.name, tc.in); got != tc.want {
			t.Errorf("mask(%q, %q) = %q; want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestHelpListsCommands(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, io.Discard); code != 0 {
		t.Fatalf("kontext --help exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), c.name) {
			t.Errorf("--help does not list %s", c.name)
		}
	}
	if code := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("unknown command exit %d; want 2", code)
	}
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("kontext", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
