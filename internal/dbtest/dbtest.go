// Package dbtest gives tests a real PostgreSQL with pgvector: each test
// package gets its own database, cloned from a migrated template, and each
// test its own transaction (rolled back when it ends) or, when it must
// commit, its own database.
//
// A test package that uses it declares
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// When the server is unreachable, every test that asks for a database fails
// with the command that starts one; `go test -short` skips those tests.
//
// Environment: KONTEXT_OWNER_DATABASE_URL (role that owns the schema and may
// create databases) and DATABASE_URL (the application's role), both pointing
// at any existing database on the server; defaults match scripts/db.sh.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"kontext/migrations"
)

// Defaults match the roles and database that scripts/db.sh creates.
const (
	DefaultOwnerURL = "postgres://kontext_owner:kontext@localhost:5432/kontext?sslmode=disable"
	DefaultAppURL   = "postgres://kontext:kontext@localhost:5432/kontext?sslmode=disable"
)

const howToStart = "start PostgreSQL with pgvector with `make db` (scripts/db.sh), " +
	"or set DATABASE_URL and KONTEXT_OWNER_DATABASE_URL; `go test -short` skips database tests"

var pkg struct {
	mu       sync.Mutex
	ready    bool
	err      error
	name     string
	ownerCfg *pgxpool.Config
	appCfg   *pgxpool.Config
	owner    *pgxpool.Pool
	app      *pgxpool.Pool
}

// Main sets up the package database, runs the tests, drops the database and
// returns the exit code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	pkg.mu.Lock()
	defer pkg.mu.Unlock()
	if pkg.app != nil {
		pkg.app.Close()
	}
	if pkg.owner != nil {
		pkg.owner.Close()
	}
	if pkg.name != "" {
		if err := dropDatabase(context.Background(), pkg.name); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: drop %s: %v\n", pkg.name, err)
		}
	}
	return code
}

// configs returns pool configs for the owner and application roles.
func configs() (owner, app *pgxpool.Config, err error) {
	ownerURL := envOr("KONTEXT_OWNER_DATABASE_URL", DefaultOwnerURL)
	appURL := envOr("DATABASE_URL", DefaultAppURL)
	owner, err = pgxpool.ParseConfig(ownerURL)
	if err != nil {
		return nil, nil, fmt.Errorf("dbtest: KONTEXT_OWNER_DATABASE_URL: %w", err)
	}
	app, err = pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, nil, fmt.Errorf("dbtest: DATABASE_URL: %w", err)
	}
	owner.MaxConns, app.MaxConns = 8, 8
	owner.AfterConnect = pgxvec.RegisterTypes
	app.AfterConnect = pgxvec.RegisterTypes
	return owner, app, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// setup creates this package's database once.
func setup() error {
	pkg.mu.Lock()
	defer pkg.mu.Unlock()
	if pkg.ready || pkg.err != nil {
		return pkg.err
	}
	pkg.err = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		ownerCfg, appCfg, err := configs()
		if err != nil {
			return err
		}
		tmpl, err := ensureTemplate(ctx, ownerCfg, appCfg.ConnConfig.User)
		if err != nil {
			return err
		}
		name := uniqueName("kontext_test")
		if err := createDatabase(ctx, ownerCfg, name, tmpl); err != nil {
			return err
		}
		pkg.name = name
		pkg.ownerCfg, pkg.appCfg = withDatabase(ownerCfg, name), withDatabase(appCfg, name)
		if pkg.owner, err = pgxpool.NewWithConfig(ctx, pkg.ownerCfg); err != nil {
			return err
		}
		if pkg.app, err = pgxpool.NewWithConfig(ctx, pkg.appCfg); err != nil {
			return err
		}
		return pkg.app.Ping(ctx)
	}()
	pkg.ready = pkg.err == nil
	return pkg.err
}

func need(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("database test: skipped with -short")
	}
	if err := setup(); err != nil {
		t.Fatalf("database unavailable: %v\n%s", err, howToStart)
	}
}

// Pool returns a pool on the package database that connects as the
// application role, so row-level security applies as in production.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	need(t)
	return pkg.app
}

// OwnerPool returns a pool on the package database that connects as the
// schema owner. Row-level security is forced on the owner too.
func OwnerPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	need(t)
	return pkg.owner
}

// Tx begins a transaction as the application role that is rolled back when
// the test ends.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	pool := Pool(t)
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// SetTenant declares the transaction's tenant for row-level security.
func SetTenant(t testing.TB, tx pgx.Tx, tenant string) {
	t.Helper()
	if _, err := tx.Exec(context.Background(), "SELECT set_config('kontext.tenant', $1, true)", tenant); err != nil {
		t.Fatalf("set tenant %q: %v", tenant, err)
	}
}

// Database is a database of a test's own, dropped when the test ends.
type Database struct {
	Name     string
	AppURL   string
	OwnerURL string
}

// NewDatabase creates a database for one test. With migrated it is a clone
// of the migrated template; without, it is empty but for the vector
// extension (as a fresh production database would be).
func NewDatabase(t testing.TB, migrated bool) Database {
	t.Helper()
	need(t)
	ctx := context.Background()
	tmpl := "template1"
	if migrated {
		var err error
		if tmpl, err = ensureTemplate(ctx, pkg.ownerCfg, pkg.appCfg.ConnConfig.User); err != nil {
			t.Fatalf("template: %v", err)
		}
	}
	name := uniqueName("kontext_t")
	if err := createDatabase(ctx, pkg.ownerCfg, name, tmpl); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(context.Background(), name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return Database{
		Name:     name,
		AppURL:   connString(withDatabase(pkg.appCfg, name)),
		OwnerURL: connString(withDatabase(pkg.ownerCfg, name)),
	}
}

// AppRole returns the role name the application connects as.
func AppRole(t testing.TB) string {
	t.Helper()
	need(t)
	return pkg.appCfg.ConnConfig.User
}

// ensureTemplate returns the name of a database holding the current
// migrations, building it once per migration set; concurrent test processes
// take turns through an advisory lock.
func ensureTemplate(ctx context.Context, ownerCfg *pgxpool.Config, appRole string) (string, error) {
	all, err := migrations.All()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range all {
		h.Write([]byte(m.Checksum))
	}
	h.Write([]byte(appRole))
	fmt.Fprintf(h, "river %d", migrations.RiverLatest())
	name := "kontext_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.ConnectConfig(ctx, ownerCfg.ConnConfig)
	if err != nil {
		return "", fmt.Errorf("connect as %s: %w", ownerCfg.ConnConfig.User, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtextextended('kontext.dbtest.template', 0))"); err != nil {
		return "", err
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, markTemplateUsed(ctx, conn, name)
	}
	// Templates of other migration sets go once unused for a day: another
	// checkout with other migrations may be testing against its own now.
	rows, err := conn.Query(ctx, `SELECT d.datname FROM pg_database d
		WHERE d.datname LIKE 'kontext\_tmpl\_%' AND d.datname <> $1
		  AND coalesce(substring(shobj_description(d.oid, 'pg_database') FROM 'last used ([0-9]+)')::bigint, 0)
		      < extract(epoch FROM now() - interval '1 day')`, name)
	if err != nil {
		return "", err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, db := range stale {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	}
	// Build under a temporary name and rename when complete, so that a
	// crashed build never leaves a half-migrated template behind.
	building := name + "_b"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()+" TEMPLATE template1"); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, withDatabase(ownerCfg, building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Migrate(ctx, pool, migrations.Options{AppRole: appRole})
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return name, markTemplateUsed(ctx, conn, name)
}

// markTemplateUsed records when a template was last cloned from, in the
// database's comment, so that stale templates can be told from live ones.
func markTemplateUsed(ctx context.Context, conn *pgx.Conn, name string) error {
	comment := fmt.Sprintf("kontext dbtest template, last used %d", time.Now().Unix())
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS "+quoteLiteral(comment)); err != nil {
		return fmt.Errorf("mark template %s used: %w", name, err)
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func createDatabase(ctx context.Context, ownerCfg *pgxpool.Config, name, tmpl string) error {
	conn, err := pgx.ConnectConfig(ctx, ownerCfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("connect as %s: %w", ownerCfg.ConnConfig.User, err)
	}
	defer conn.Close(context.Background())
	// Two clones of one template at the same instant can collide ("source
	// database is being accessed by other users"); retry briefly.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
		if err == nil || attempt == 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDatabase(ctx context.Context, name string) error {
	ownerCfg, _, err := configs()
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, ownerCfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	// An autovacuum worker busy in the database belongs to no role the
	// owner may signal, and FORCE refuses to terminate it (42501); it ends
	// on its own within moments, so try again for a while.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		var pgErr *pgconn.PgError
		if err == nil || attempt == 50 || !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "55006") {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func withDatabase(cfg *pgxpool.Config, name string) *pgxpool.Config {
	c := cfg.Copy()
	c.ConnConfig.Database = name
	return c
}

// connString returns the URL the config was parsed from with its database
// replaced; TLS and other parameters are kept.
func connString(cfg *pgxpool.Config) string {
	u, err := url.Parse(cfg.ConnString())
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		cc := cfg.ConnConfig
		return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s",
			cc.Host, cc.Port, cc.User, cc.Password, cc.Database)
	}
	u.Path = "/" + cfg.ConnConfig.Database
	return u.String()
}

func uniqueName(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("dbtest: no randomness"))
	}
	return fmt.Sprintf("%s_%d_%s", prefix, os.Getpid(), hex.EncodeToString(b[:]))
}
