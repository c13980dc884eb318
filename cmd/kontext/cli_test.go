package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"kontext/internal/dbtest"
)

// closedDatabaseURL points at a port nothing listens on: a command that
// reaches for the database fails.
const closedDatabaseURL = "postgres://kontext:kontext@127.0.0.1:1/kontext?sslmode=disable&connect_timeout=2"

// failingReader fails the test's command when it reads standard input.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) {
	return 0, errors.New("standard input read in a dry run")
}

// dryRunCLI runs one command line in a dry run, with the database out of
// reach and standard input failing, and returns its exit code and stderr.
func dryRunCLI(t *testing.T, args []string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(withDryRun(context.Background()), args, &out, &errOut)
	return code, errOut.String()
}

func isolateCLI(t *testing.T) {
	t.Helper()
	t.Setenv("DATABASE_URL", closedDatabaseURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", closedDatabaseURL)
	old := stdin
	stdin = failingReader{}
	t.Cleanup(func() { stdin = old })
}

func TestBooleanSettings(t *testing.T) {
	tests := []struct {
		name              string
		args              []string
		wantNoWorkers     bool
		wantMigrate       bool
		wantErr           string
		wantUnexpectedArg bool
	}{
		{name: "defaults", args: nil, wantMigrate: true},
		{name: "bare flag", args: []string{"--no-workers"}, wantNoWorkers: true, wantMigrate: true},
		{name: "single dash", args: []string{"-no-workers"}, wantNoWorkers: true, wantMigrate: true},
		{name: "=true", args: []string{"--no-workers=true"}, wantNoWorkers: true, wantMigrate: true},
		{name: "=false", args: []string{"--no-workers=false", "--migrate=false"}},
		{name: "bare migrate after false", args: []string{"--migrate=false", "--migrate"}, wantMigrate: true},
		{name: "=1 and =0", args: []string{"--no-workers=1", "--migrate=0"}, wantNoWorkers: true},
		{name: "bad value", args: []string{"--no-workers=maybe"}, wantErr: "--no-workers / KONTEXT_NO_WORKERS = \"maybe\": want true or false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KONTEXT_NO_WORKERS", "")
			t.Setenv("KONTEXT_MIGRATE", "")
			s := newSettings()
			s.byKey["no-workers"].value, s.byKey["migrate"].value = "false", "true"
			fs := newFlagSet()
			s.register(fs, serveSettings...)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatalf("parse %q: %v", tc.args, err)
			}
			if fs.NArg() != 0 {
				t.Fatalf("parse %q left arguments %q", tc.args, fs.Args())
			}
			c, err := s.config()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("config() error = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.NoWorkers != tc.wantNoWorkers || c.MigrateOnStart != tc.wantMigrate {
				t.Errorf("%q: NoWorkers %v, MigrateOnStart %v; want %v, %v", tc.args, c.NoWorkers, c.MigrateOnStart, tc.wantNoWorkers, tc.wantMigrate)
			}
		})
	}
}

// TestSearchGroupEf: --search-group-ef sets the width of a search that
// reads only group indexes, and 0 turns group indexes off.
func TestSearchGroupEf(t *testing.T) {
	for _, tc := range []struct {
		value   string
		wantEf  int
		wantOff bool
		wantErr bool
	}{
		{value: "", wantEf: 100},
		{value: "250", wantEf: 250},
		{value: "0", wantOff: true},
		{value: "5", wantErr: true},
		{value: "1001", wantErr: true},
		{value: "wide", wantErr: true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("KONTEXT_SEARCH_GROUP_EF", "")
			os.Unsetenv("KONTEXT_SEARCH_GROUP_EF") // restored by Setenv
			s := newSettings()
			fs := newFlagSet()
			s.register(fs, serveSettings...)
			var args []string
			if tc.value != "" {
				args = []string{"--search-group-ef", tc.value}
			}
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			c, err := s.config()
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "--search-group-ef") {
					t.Fatalf("config() error = %v; want one naming --search-group-ef", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			opts := searchOptions(c, slog.New(slog.DiscardHandler), nil)
			if opts.NoGroupIndexes != tc.wantOff || !tc.wantOff && opts.GroupEfSearch != tc.wantEf {
				t.Errorf("--search-group-ef %q: GroupEfSearch %d, NoGroupIndexes %v; want %d, %v",
					tc.value, opts.GroupEfSearch, opts.NoGroupIndexes, tc.wantEf, tc.wantOff)
			}
		})
	}
}

// TestDryRunEveryCommand runs a valid command line of every command in a
// dry run: each must stop before the database (out of reach here) and
// standard input (failing here), so the docs test can run documented lines.
func TestDryRunEveryCommand(t *testing.T) {
	isolateCLI(t)
	lines := map[string][]string{
		"serve":     {"serve", "--no-workers", "--addr", "127.0.0.1:0"},
		"migrate":   {"migrate"},
		"ingest":    {"ingest", "no-such-dir", "--tenant", "acme", "--groups", "marketing", "--classification", "public"},
		"search":    {"search", "Flasche", "--tenant", "acme", "--groups", "marketing"},
		"erase":     {"erase", "--tenant", "acme", "--subject", "a@example.com"},
		"retention": {"retention", "sweep"},
		"index":     {"index", "groups", "--max-share", "0.2"},
		"generate":  {"generate", "--tenant", "acme", "--channel", "newsletter", "--brief", "-"},
		"batch":     {"batch", "submit", "no-such-file.jsonl", "--tenant", "acme", "--groups", "marketing"},
		"worker":    {"worker", "--concurrency", "4"},
		"audit":     {"audit", "verify"},
		"redact":    {"redact", "--json"},
		"scan":      {"scan", "--as", "document"},
		"check":     {"check", "--pack", "no-such-pack.yaml"},
		"eval":      {"eval", "--suite", "no-such-suite.yaml"},
		"tenants":   {"tenants", "create", "acme"},
		"keys":      {"keys", "create", "--tenant", "acme", "--user", "u", "--role", "editor"},
		"version":   {"version"},
	}
	for _, c := range commands() {
		args, ok := lines[c.name]
		if !ok {
			t.Errorf("command %s has no dry-run line in this test", c.name)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if code, stderr := dryRunCLI(t, args); code != 0 {
				t.Errorf("dry run of kontext %s: exit %d: %s", strings.Join(args, " "), code, stderr)
			}
		})
	}
	// A dry run still rejects what a real run would reject on its command line.
	for _, args := range [][]string{
		{"serve", "--no-workers=maybe"},
		{"search", "--tenant", "acme"},
		{"batch", "submit", "--tenant", "acme"},
		{"keys", "revoke", "--tenant", "acme"},
		{"ingest", "x", "--tenant", "acme", "--classification", "secret", "--groups", "g"},
	} {
		if code, _ := dryRunCLI(t, args); code == 0 {
			t.Errorf("dry run of kontext %s: exit 0; want a usage error", strings.Join(args, " "))
		}
	}
}

// TestErrorsSayWhatToDo runs common mistakes through the real command
// line: each must exit non-zero and name what was wrong and what to do.
func TestErrorsSayWhatToDo(t *testing.T) {
	db := dbtest.NewDatabase(t, true)
	unauthorized := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	t.Cleanup(unauthorized.Close)

	tests := []struct {
		name     string
		dbURL    string
		args     []string
		wantCode int
		want     []string // substrings of stderr
		notWant  []string
	}{
		{name: "no database reachable", dbURL: closedDatabaseURL, args: []string{"search", "Flasche", "--tenant", "acme"},
			wantCode: 1, want: []string{"cannot reach PostgreSQL at 127.0.0.1:1", "DATABASE_URL", "make db"}},
		{name: "no database reachable for migrations", dbURL: closedDatabaseURL, args: []string{"migrate"},
			wantCode: 1, want: []string{"cannot reach PostgreSQL at 127.0.0.1:1", "KONTEXT_OWNER_DATABASE_URL", "is it running? `make db` starts a local one"}},
		{name: "wrong database password", dbURL: strings.Replace(db.AppURL, "kontext:kontext@", "kontext:wrong@", 1),
			args: []string{"tenants", "create", "acme"}, wantCode: 1, want: []string{"refused the login", "DATABASE_URL", "KONTEXT_DB_PASSWORD"}, notWant: []string{"wrong"}},
		{name: "embedding endpoint needs an API key", dbURL: db.AppURL,
			args:     []string{"search", "Flasche", "--tenant", "acme", "--embedding-base-url", unauthorized.URL + "/v1", "--embedding-model", "m"},
			wantCode: 1, want: []string{"401", "KONTEXT_EMBEDDING_API_KEY", "--embedding-api-key"}},
		{name: "unknown channel", args: []string{"generate", "--tenant", "acme", "--channel", "tweet", "--brief", "Herbst"},
			wantCode: 2, want: []string{`--channel "tweet"`, "newsletter", "social_post"}},
		{name: "unreadable batch file", args: []string{"batch", "submit", "no-such-campaign.jsonl", "--tenant", "acme"},
			wantCode: 1, want: []string{"no-such-campaign.jsonl", "no such file", "check the path", "current directory"}},
		{name: "unreadable ingest path", args: []string{"ingest", "no-such-dir", "--tenant", "acme", "--groups", "g", "--classification", "public"},
			wantCode: 2, want: []string{"no-such-dir", "check the path"}},
		{name: "unknown command", args: []string{"serach", "Flasche"},
			wantCode: 2, want: []string{`unknown command "serach"`, `did you mean "search"?`, "Commands:"}},
		{name: "bad flag value", args: []string{"search", "Flasche", "--tenant", "acme", "--k", "many"},
			wantCode: 2, want: []string{`invalid value "many" for flag -k`, "`kontext search --help`"}, notWant: []string{"Usage of"}},
		{name: "unknown flag", args: []string{"serve", "--port", "8080"},
			wantCode: 2, want: []string{"-port", "`kontext serve --help`"}, notWant: []string{"Usage of"}},
		{name: "boolean flag with a separate value", args: []string{"serve", "--migrate", "false"},
			wantCode: 2, want: []string{`unexpected argument "false"`, "--migrate=false"}},
		{name: "bad setting value", args: []string{"serve", "--no-workers=maybe"},
			wantCode: 2, want: []string{"--no-workers / KONTEXT_NO_WORKERS", "want true or false"}},
		{name: "bad role", args: []string{"keys", "create", "--tenant", "acme", "--user", "u", "--role", "boss"},
			wantCode: 2, want: []string{"--role", `"boss"`, "viewer, editor, reviewer, admin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.dbURL
			if url == "" {
				url = closedDatabaseURL
			}
			t.Setenv("DATABASE_URL", url)
			t.Setenv("KONTEXT_OWNER_DATABASE_URL", url)
			t.Setenv("KONTEXT_LOG_LEVEL", "error")
			t.Setenv("KONTEXT_SECRET", strings.Repeat("s", 32))
			_, stderr, code := cli(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("kontext %s: exit %d; want %d\n%s", strings.Join(tc.args, " "), code, tc.wantCode, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("kontext %s: stderr does not say %q:\n%s", strings.Join(tc.args, " "), w, stderr)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(stderr, w) {
					t.Errorf("kontext %s: stderr says %q:\n%s", strings.Join(tc.args, " "), w, stderr)
				}
			}
		})
	}
}
