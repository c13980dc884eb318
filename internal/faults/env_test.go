//go:build faults

package faults_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBin is where the PostgreSQL server binaries are: KONTEXT_PG_BIN, else
// PostgreSQL 15's (scripts/db.sh installs them), else pg_config's.
var pgBin = func() string {
	if v := os.Getenv("KONTEXT_PG_BIN"); v != "" {
		return v
	}
	const def = "/usr/lib/postgresql/15/bin"
	if _, err := os.Stat(filepath.Join(def, "initdb")); err == nil {
		return def
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return def
}()

// suite is what TestMain sets up once: the cluster, the binary, the fake
// provider and the keys.
var suite struct {
	dir      string // temporary directory of the cluster and the binary
	data     string // the cluster's data directory
	port     int
	bin      string
	appURL   string
	ownerURL string
	suURL    string
	provider *fakeProvider
	key      string // editor key of tenant acme
	cleanKey string // editor key of tenant clean (the reference runs)
}

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults: setup:", err)
		teardown()
		os.Exit(1)
	}
	code = m.Run()
	teardown()
	os.Exit(code)
}

// asPostgres runs a PostgreSQL binary, as the postgres user when this
// process is root (initdb and the server refuse to run as root).
func asPostgres(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pgBin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func setup() (int, error) {
	var err error
	suite.provider = newFakeProvider()
	if suite.dir, err = os.MkdirTemp("", "kontext-faults-"); err != nil {
		return 0, err
	}
	if err := os.Chmod(suite.dir, 0o755); err != nil {
		return 0, err
	}
	suite.data = filepath.Join(suite.dir, "pg")
	if err := os.Mkdir(suite.data, 0o700); err != nil {
		return 0, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", suite.data).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("chown: %v: %s", err, out)
		}
	}
	if out, err := asPostgres("initdb", "-D", suite.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("initdb (PostgreSQL 15 binaries in %s; KONTEXT_PG_BIN overrides): %v: %s", pgBin, err, out)
	}
	if suite.port, err = freePort(); err != nil {
		return 0, err
	}
	if err := pgStart(); err != nil {
		return 0, err
	}
	suite.suURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", suite.port)
	ctx := context.Background()
	su, err := pgx.Connect(ctx, suite.suURL)
	if err != nil {
		return 0, err
	}
	for _, q := range []string{
		"CREATE ROLE kontext_owner LOGIN PASSWORD 'kontext' CREATEDB NOSUPERUSER NOBYPASSRLS",
		"CREATE ROLE kontext LOGIN PASSWORD 'kontext' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
		"GRANT kontext TO kontext_owner",
		"CREATE DATABASE kontext OWNER kontext_owner",
	} {
		if _, err := su.Exec(ctx, q); err != nil {
			su.Close(ctx)
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	su.Close(ctx)
	suite.suURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/kontext?sslmode=disable", suite.port)
	if su, err = pgx.Connect(ctx, suite.suURL); err != nil {
		return 0, err
	}
	_, err = su.Exec(ctx, "CREATE EXTENSION vector")
	su.Close(ctx)
	if err != nil {
		return 0, fmt.Errorf("create extension vector (scripts/db.sh installs pgvector): %w", err)
	}
	suite.appURL = fmt.Sprintf("postgres://kontext:kontext@127.0.0.1:%d/kontext?sslmode=disable", suite.port)
	suite.ownerURL = fmt.Sprintf("postgres://kontext_owner:kontext@127.0.0.1:%d/kontext?sslmode=disable", suite.port)

	suite.bin = filepath.Join(suite.dir, "kontext")
	build := exec.Command("go", "build", "-o", suite.bin, "kontext/cmd/kontext")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v: %s", err, out)
	}
	if out, err := cli("migrate"); err != nil {
		return 0, fmt.Errorf("migrate: %v: %s", err, out)
	}
	for _, tenant := range []string{"acme", "clean"} {
		if out, err := cli("tenants", "create", tenant); err != nil {
			return 0, fmt.Errorf("tenants create: %v: %s", err, out)
		}
		kc := exec.Command(suite.bin, "keys", "create", "--tenant", tenant, "--user", "jana", "--groups", "marketing",
			"--clearance", "internal", "--role", "editor")
		kc.Env = env()
		var stderr bytes.Buffer
		kc.Stderr = &stderr
		out, err := kc.Output()
		if err != nil {
			return 0, fmt.Errorf("keys create: %v: %s", err, stderr.String())
		}
		key := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		if tenant == "acme" {
			suite.key = key
		} else {
			suite.cleanKey = key
		}
	}
	return 0, nil
}

func pgStart() error {
	out, err := asPostgres("pg_ctl", "-D", suite.data, "-w", "-t", "60", "-l", filepath.Join(suite.data, "log"), "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200", suite.port), "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	return nil
}

// pgRestart restarts the cluster the way an operator's restart does:
// sessions are terminated (57P01), new connections refused until it is up.
func pgRestart() error {
	out, err := asPostgres("pg_ctl", "-D", suite.data, "-w", "-t", "60", "-m", "fast", "-l", filepath.Join(suite.data, "log"), "restart").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl restart: %v: %s", err, out)
	}
	return nil
}

func teardown() {
	if suite.provider != nil {
		suite.provider.Close()
	}
	if suite.data != "" {
		_ = asPostgres("pg_ctl", "-D", suite.data, "-m", "immediate", "stop").Run()
	}
	if suite.dir != "" && os.Getenv("KONTEXT_FAULTS_KEEP") == "" {
		os.RemoveAll(suite.dir)
	}
}

// env is the environment of every kontext process of the suite.
func env(extra ...string) []string {
	return append(append(os.Environ(),
		"DATABASE_URL="+suite.appURL,
		"KONTEXT_OWNER_DATABASE_URL="+suite.ownerURL,
		"KONTEXT_SECRET="+strings.Repeat("f", 40),
		"KONTEXT_LLM_BASE_URL="+suite.provider.URL(),
		"KONTEXT_LLM_MODEL=fake-model",
		"KONTEXT_LLM_TIMEOUT=4s",
		"KONTEXT_CACHE_TTL=0",
		"KONTEXT_RATE_LIMITS=viewer=10000:10000,editor=10000:10000,reviewer=10000:10000,admin=10000:10000",
		"KONTEXT_BATCH_JOB_TIMEOUT=5s",
		"KONTEXT_BATCH_RESCUE_AFTER=6s",
		"KONTEXT_BATCH_RETRY_BASE=200ms",
		"KONTEXT_SHUTDOWN_TIMEOUT=5s",
	), extra...)
}

// cli runs one kontext command and returns its combined output.
func cli(args ...string) ([]byte, error) {
	c := exec.Command(suite.bin, args...)
	c.Env = env()
	return c.CombinedOutput()
}

// proc is a running kontext process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs `kontext serve` (or, with args[0] "worker", a worker) and
// waits until a server answers /readyz with 200.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{logs: &lockedBuffer{}, done: make(chan struct{})}
	extra := []string{}
	if len(args) == 0 || args[0] != "worker" {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		p.addr = "127.0.0.1:" + strconv.Itoa(port)
		extra = append(extra, "KONTEXT_ADDR="+p.addr)
		args = append([]string{"serve"}, args...)
	}
	p.cmd = exec.Command(suite.bin, args...)
	p.cmd.Env = env(extra...)
	p.cmd.Stderr = p.logs
	p.cmd.Stdout = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	if p.addr == "" {
		waitFor(t, 30*time.Second, "worker working", func() bool { return strings.Contains(p.logs.String(), "working batch items") }, p)
		return p
	}
	waitFor(t, 30*time.Second, "server ready", func() bool { return p.status("/readyz") == http.StatusOK }, p)
	return p
}

func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill() // SIGKILL: no shutdown, no cleanup
	<-p.done
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

func (p *proc) status(path string) int {
	resp, err := client.Get("http://" + p.addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// call sends a JSON request with key and returns the status, the error
// code of an error body and the decoded body.
func (p *proc) call(method, path, key string, body any) (int, string, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+p.addr+path, r)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	code := ""
	if e, ok := m["error"].(map[string]any); ok {
		code, _ = e["code"].(string)
		if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
			code += " (no Retry-After)"
		}
	}
	return resp.StatusCode, code, m, nil
}

// waitFor polls cond until it holds or within passes; p's log is shown on failure.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool, p *proc) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			logs := ""
			if p != nil {
				logs = tail(p.logs.String(), 3000)
			}
			t.Fatalf("%s: not within %v\n%s", what, within, logs)
		}
		if p != nil && !p.alive() {
			t.Fatalf("%s: the process exited: %s", what, tail(p.logs.String(), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// db returns a superuser connection (row-level security does not hide rows
// from it): what the suite counts is every tenant's.
func db(t *testing.T) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), suite.suURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// polled runs f on a connection of its own and closes it when f returns:
// for what a test polls, since db's connections stay open until the test
// ends, and a poll ten times a second ran the cluster out of connections
// ("too many clients") when a batch took its time.
func polled(t *testing.T, f func(c *pgx.Conn)) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), suite.suURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	f(c)
}

func count(t *testing.T, c *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// fakeProvider is an OpenAI-compatible chat endpoint whose failure mode the
// test switches: ok, 500, 429, hang, malformed, reset; delay slows "ok".
type fakeProvider struct {
	srv   *http.Server
	l     net.Listener
	mode  atomic.Value
	delay atomic.Int64
	calls atomic.Int64
}

func newFakeProvider() *fakeProvider {
	f := &fakeProvider{}
	f.mode.Store("ok")
	f.l, _ = net.Listen("tcp", "127.0.0.1:0")
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve)}
	go f.srv.Serve(f.l)
	return f
}

func (f *fakeProvider) URL() string          { return "http://" + f.l.Addr().String() + "/v1" }
func (f *fakeProvider) Close()               { f.srv.Close() }
func (f *fakeProvider) set(mode string)      { f.mode.Store(mode) }
func (f *fakeProvider) slow(d time.Duration) { f.delay.Store(int64(d)) }

func (f *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	switch f.mode.Load().(string) {
	case "500":
		http.Error(w, `{"error":{"message":"internal","type":"server_error"}}`, http.StatusInternalServerError)
		return
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":{"message":"rate limited","type":"rate_limit"}}`, http.StatusTooManyRequests)
		return
	case "hang":
		<-r.Context().Done()
		return
	case "malformed":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"x","choices":[{"message":{"content":`)
		return
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			c, _, _ := hj.Hijack()
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST, not FIN
			}
			c.Close()
		}
		return
	}
	if d := time.Duration(f.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	var req struct {
		Stream bool `json:"stream"`
	}
	_ = json.Unmarshal(body, &req)
	text := "Unsere Thermoflasche hält Getränke 24 Stunden kalt [1]."
	if req.Stream {
		w.Header().Set("Content-Type", "text/event-stream")
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "data: %s\n\n", `{"id":"c","object":"chat.completion.chunk","model":"fake-model","choices":[{"index":0,"delta":{"content":`+strconv.Quote(text)+`},"finish_reason":"stop"}]}`)
		fmt.Fprintf(bw, "data: [DONE]\n\n")
		bw.Flush()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"c","object":"chat.completion","model":"fake-model","choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":12,"total_tokens":62}}`, text)
}
