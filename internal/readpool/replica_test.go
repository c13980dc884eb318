//go:build replica

package readpool_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"kontext"
	"kontext/ingest"
	"kontext/internal/readpool"
	"kontext/llm"
	"kontext/migrations"
	"kontext/retrieval"
)

// The suite runs a primary cluster and a streaming replica of it made with
// pg_basebackup, both on this machine (make test-replica).
var cluster struct {
	dir                   string
	primary, standby      string // data directories
	primaryPort, stbyPort int
	primaryApp, stbyApp   string // application role URLs
}

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

// asPostgres runs a PostgreSQL binary, as the postgres user when this
// process is root (the server refuses to run as root).
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

func run(cmd *exec.Cmd) error {
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, out)
	}
	return nil
}

func pgStart(data string, port int) error {
	return run(asPostgres("pg_ctl", "-D", data, "-w", "-t", "60", "-l", filepath.Join(data, "log"), "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=100 -c wal_level=replica -c hot_standby=on", port), "start"))
}

func pgStop(data, mode string) error {
	return run(asPostgres("pg_ctl", "-D", data, "-w", "-m", mode, "stop"))
}

func TestMain(m *testing.M) {
	err := setup()
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "readpool: setup:", err)
	} else {
		code = m.Run()
	}
	for _, d := range []string{cluster.standby, cluster.primary} {
		if d != "" {
			pgStop(d, "immediate")
		}
	}
	if cluster.dir != "" {
		os.RemoveAll(cluster.dir)
	}
	os.Exit(code)
}

func setup() error {
	var err error
	if cluster.dir, err = os.MkdirTemp("", "kontext-replica-"); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		if err := run(exec.Command("chown", "postgres:postgres", cluster.dir)); err != nil {
			return err
		}
	}
	cluster.primary, cluster.standby = filepath.Join(cluster.dir, "primary"), filepath.Join(cluster.dir, "standby")
	if err := run(asPostgres("initdb", "-D", cluster.primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")); err != nil {
		return fmt.Errorf("initdb (PostgreSQL 15 binaries in %s; KONTEXT_PG_BIN overrides): %w", pgBin, err)
	}
	if cluster.primaryPort, err = freePort(); err != nil {
		return err
	}
	if err := pgStart(cluster.primary, cluster.primaryPort); err != nil {
		return err
	}
	ctx := context.Background()
	su, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", cluster.primaryPort))
	if err != nil {
		return err
	}
	for _, q := range []string{
		"CREATE ROLE kontext_owner LOGIN PASSWORD 'kontext' CREATEDB NOSUPERUSER NOBYPASSRLS",
		"CREATE ROLE kontext LOGIN PASSWORD 'kontext' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
		"GRANT kontext TO kontext_owner",
		"CREATE DATABASE kontext OWNER kontext_owner",
	} {
		if _, err := su.Exec(ctx, q); err != nil {
			su.Close(ctx)
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	su.Close(ctx)
	if su, err = pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/kontext?sslmode=disable", cluster.primaryPort)); err != nil {
		return err
	}
	_, err = su.Exec(ctx, "CREATE EXTENSION vector")
	su.Close(ctx)
	if err != nil {
		return fmt.Errorf("create extension vector: %w", err)
	}
	owner, err := pgxpool.New(ctx, fmt.Sprintf("postgres://kontext_owner:kontext@127.0.0.1:%d/kontext?sslmode=disable", cluster.primaryPort))
	if err != nil {
		return err
	}
	_, err = migrations.Migrate(ctx, owner, migrations.Options{AppRole: "kontext"})
	owner.Close()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// The replica: a base backup streaming the WAL it needs, with
	// standby.signal and primary_conninfo written (-R).
	if err := run(asPostgres("pg_basebackup", "-h", "127.0.0.1", "-p", fmt.Sprint(cluster.primaryPort), "-U", "postgres",
		"-D", cluster.standby, "-R", "-X", "stream", "-c", "fast")); err != nil {
		return err
	}
	if cluster.stbyPort, err = freePort(); err != nil {
		return err
	}
	if err := pgStart(cluster.standby, cluster.stbyPort); err != nil {
		return err
	}
	cluster.primaryApp = fmt.Sprintf("postgres://kontext:kontext@127.0.0.1:%d/kontext?sslmode=disable", cluster.primaryPort)
	cluster.stbyApp = fmt.Sprintf("postgres://kontext:kontext@127.0.0.1:%d/kontext?sslmode=disable", cluster.stbyPort)
	return nil
}

func pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AfterConnect = pgxvec.RegisterTypes
	cfg.MaxConns = 16
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// standbySQL runs a statement as the superuser on the replica.
func standbySQL(t testing.TB, sql string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/kontext?sslmode=disable", cluster.stbyPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s on the replica: %v", sql, err)
	}
}

var emb = llm.NewHashEmbedder(384)

func newTenant(t testing.TB, primary *pgxpool.Pool, tenant string) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), primary, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), "SELECT set_config('kontext.tenant', $1, true)", tenant); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), "INSERT INTO tenants (id) VALUES ($1)", tenant)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ingestDoc(t testing.TB, in *ingest.Ingester, tenant, id, text string) {
	t.Helper()
	_, err := in.Ingest(context.Background(), ingest.Request{
		Principal: kontext.Principal{Tenant: tenant, User: "ed", Clearance: kontext.Confidential, Role: kontext.Editor}, Operator: true,
		Name: id + ".md", ExternalID: id, Data: []byte("# " + id + "\n\n" + text + "\n"),
		Classification: kontext.Internal, AllowedGroups: []string{"marketing"}})
	if err != nil {
		t.Fatalf("ingest %s: %v", id, err)
	}
}

func hits(t testing.TB, s *retrieval.Store, p kontext.Principal, text string) int {
	t.Helper()
	res, _, err := s.Search(context.Background(), p, retrieval.Query{Text: text, Language: "de"})
	if err != nil {
		t.Fatalf("search %q as %v: %v", text, p.Groups, err)
	}
	return len(res)
}

func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplica walks one replica through its states in order: serving
// searches, paused (a write it has not replayed), lagging beyond the
// bound, caught up, and down; row-level security is checked on it.
func TestReplica(t *testing.T) {
	ctx := context.Background()
	primary := pool(t, cluster.primaryApp)
	rp, err := readpool.New(ctx, primary, []string{cluster.stbyApp}, readpool.Options{MaxLag: 2 * time.Second, Wait: 300 * time.Millisecond, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	// Another process of the service on the same databases: it hears the
	// writes rp announces. Its lag bound is long, so that only a heard
	// write, never the paused replica's lag, sends its reads to the primary.
	other, err := readpool.New(ctx, primary, []string{cluster.stbyApp}, readpool.Options{MaxLag: time.Minute, Wait: 300 * time.Millisecond, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	in, err := ingest.New(primary, ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	viaReplica, err := retrieval.New(primary, emb, retrieval.Options{Reads: rp})
	if err != nil {
		t.Fatal(err)
	}
	onPrimary, err := retrieval.New(primary, emb, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	newTenant(t, primary, "acme")
	newTenant(t, primary, "beta")
	ingestDoc(t, in, "acme", "flasche", "Die Trinkflasche ist spülmaschinenfest und aus Edelstahl.")
	marketing := func(tenant string) kontext.Principal {
		return kontext.Principal{Tenant: tenant, User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal}
	}
	acme, beta := marketing("acme"), marketing("beta")
	legal := kontext.Principal{Tenant: "acme", User: "lea", Groups: []string{"legal"}, Clearance: kontext.Confidential}

	eventually(t, "the replica replays the first document", func() bool { return hits(t, viaReplica, acme, "Trinkflasche") == 1 })

	t.Run("row-level security holds on the replica", func(t *testing.T) {
		if _, onReplica := rp.Reader(ctx, "acme"); !onReplica {
			t.Fatal("Reader(acme) is the primary; want the replica")
		}
		if n := hits(t, viaReplica, legal, "Trinkflasche"); n != 0 {
			t.Errorf("legal sees %d results of a marketing document on the replica; want 0", n)
		}
		if n := hits(t, viaReplica, marketing("beta"), "Trinkflasche"); n != 0 {
			t.Errorf("tenant beta sees %d results of acme's document on the replica; want 0", n)
		}
		// Row-level security alone, without the search's predicate.
		standby := pool(t, cluster.stbyApp)
		for _, tc := range []struct {
			name string
			p    *kontext.Principal
			want int
		}{{"no principal", nil, 0}, {"legal", &legal, 0}, {"beta", &beta, 0}, {"marketing", &acme, 1}} {
			var n int
			err := pgx.BeginFunc(ctx, standby, func(tx pgx.Tx) error {
				if tc.p != nil {
					sql, args := tc.p.SessionSQL()
					if _, err := tx.Exec(ctx, sql, args...); err != nil {
						return err
					}
				}
				return tx.QueryRow(ctx, "SELECT count(DISTINCT document_id) FROM chunks").Scan(&n)
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("%s: the replica shows %d documents' chunks; want %d", tc.name, n, tc.want)
			}
		}
	})

	standbySQL(t, "SELECT pg_wal_replay_pause()")
	ingestDoc(t, in, "acme", "presse", "Die Zitronenpresse aus Glas.")
	ingestDoc(t, in, "beta", "becher", "Der Thermobecher hält zwölf Stunden warm.")

	t.Run("searches go to the replica", func(t *testing.T) {
		if n := hits(t, onPrimary, acme, "Zitronenpresse"); n != 1 {
			t.Fatalf("the primary finds %d; want 1", n)
		}
		if n := hits(t, onPrimary, beta, "Thermobecher"); n != 1 {
			t.Fatalf("the primary finds %d of beta's; want 1", n)
		}
		if n := hits(t, viaReplica, acme, "Zitronenpresse"); n != 0 {
			t.Errorf("the search found %d results of a document the paused replica has not replayed; want 0 (it read the primary)", n)
		}
	})

	t.Run("a tenant that wrote reads its write", func(t *testing.T) {
		if err := rp.Wrote(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if n := hits(t, viaReplica, acme, "Zitronenpresse"); n != 1 {
			t.Errorf("after its write acme finds %d; want 1 (from the primary after the bounded wait)", n)
		}
		if _, onReplica := rp.Reader(ctx, "acme"); onReplica {
			t.Error("Reader(acme) is the paused replica; want the primary")
		}
		if _, onReplica := rp.Reader(ctx, "beta"); !onReplica {
			t.Error("Reader(beta) is the primary while the replica is within the lag bound; want the replica")
		}
	})

	t.Run("another process reads the tenant's write too", func(t *testing.T) {
		viaOther, err := retrieval.New(primary, emb, retrieval.Options{Reads: other})
		if err != nil {
			t.Fatal(err)
		}
		if _, onReplica := other.Reader(ctx, "beta"); !onReplica {
			t.Fatal("the other process reads beta on the primary; want the paused replica, within its lag bound")
		}
		// The announcement arrives asynchronously, within milliseconds.
		eventually(t, "the other process hears acme's write", func() bool {
			_, onReplica := other.Reader(ctx, "acme")
			return !onReplica
		})
		if n := hits(t, viaOther, acme, "Zitronenpresse"); n != 1 {
			t.Errorf("through the other process acme finds %d of its write; want 1", n)
		}
		if _, onReplica := other.Reader(ctx, "beta"); !onReplica {
			t.Error("the other process reads beta on the primary; want the replica (beta's write was not announced)")
		}
	})

	t.Run("a lagging replica is not read", func(t *testing.T) {
		// The primary keeps writing; the paused replica falls behind.
		eventually(t, "the replica is judged lagging", func() bool {
			newTenant(t, primary, fmt.Sprintf("lag-%d", time.Now().UnixNano()))
			st := rp.Status()[0]
			return st.Up && st.Lag > 2*time.Second
		})
		if n := hits(t, viaReplica, beta, "Thermobecher"); n != 1 {
			t.Errorf("beta finds %d while the replica lags; want 1 (from the primary)", n)
		}
	})

	t.Run("a replica that caught up serves again", func(t *testing.T) {
		standbySQL(t, "SELECT pg_wal_replay_resume()")
		eventually(t, "the replica is within the bound", func() bool {
			st := rp.Status()[0]
			return st.Up && st.Lag <= 2*time.Second
		})
		eventually(t, "acme reads on the replica", func() bool { _, ok := rp.Reader(ctx, "acme"); return ok })
		if n := hits(t, viaReplica, acme, "Zitronenpresse"); n != 1 {
			t.Errorf("acme finds %d on the replica; want 1", n)
		}
	})

	t.Run("a replica that is down falls back to the primary", func(t *testing.T) {
		if err := pgStop(cluster.standby, "immediate"); err != nil {
			t.Fatal(err)
		}
		// At once, before a poll notices: the failed read is retried on the primary.
		if n := hits(t, viaReplica, acme, "Zitronenpresse"); n != 1 {
			t.Errorf("with the replica down acme finds %d; want 1", n)
		}
		rp.Check(ctx)
		if st := rp.Status()[0]; st.Up {
			t.Errorf("Status = %+v; want down", st)
		}
		if _, onReplica := rp.Reader(ctx, "acme"); onReplica {
			t.Error("Reader(acme) is the replica that is down")
		}
		if err := pgStart(cluster.standby, cluster.stbyPort); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the restarted replica serves", func() bool { _, ok := rp.Reader(ctx, "beta"); return ok })
	})
}

// BenchmarkThroughput measures searches per second at 8 concurrent callers
// on the primary alone and with reads on the replica (b.N is ignored: each
// runs for 5 seconds).
func BenchmarkThroughput(b *testing.B) {
	ctx := context.Background()
	primary := pool(b, cluster.primaryApp)
	in, err := ingest.New(primary, ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	newTenant(b, primary, "tp")
	words := strings.Fields("Flasche Edelstahl Deckel Dichtung Becher Thermobecher Isolierung Garantie Ersatzteil Farbe Lunchbox Silikon Kinder Trinkhalm Versand Preis")
	for i := range 400 {
		ingestDoc(b, in, "tp", fmt.Sprintf("d%d", i), fmt.Sprintf("%s und %s mit %s, Modell %d.", words[i%len(words)], words[(i/3)%len(words)], words[(i/7)%len(words)], i))
	}
	rp, err := readpool.New(ctx, primary, []string{cluster.stbyApp}, readpool.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rp.Close()
	p := kontext.Principal{Tenant: "tp", User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal}
	for _, tc := range []struct {
		name  string
		reads retrieval.ReadPool
	}{{"primary", nil}, {"replica", rp}, {"primary", nil}, {"replica", rp}} {
		s, err := retrieval.New(primary, emb, retrieval.Options{Reads: tc.reads})
		if err != nil {
			b.Fatal(err)
		}
		eventually(b, "the replica has the corpus", func() bool { return hits(b, s, p, "Modell 399") > 0 })
		var n atomic.Int64
		var wg sync.WaitGroup
		end := time.Now().Add(5 * time.Second)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; time.Now().Before(end); i += 8 {
					if _, _, err := s.Search(ctx, p, retrieval.Query{Text: words[i%len(words)] + " " + words[(i/5)%len(words)], Language: "de"}); err != nil {
						b.Error(err)
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		b.Logf("%-8s %6.0f searches/s at 8 callers", tc.name, float64(n.Load())/5)
	}
}
