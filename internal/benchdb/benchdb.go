// Package benchdb gives the whole-system benchmarks in bench/ a migrated
// database of their own on the server behind KONTEXT_OWNER_DATABASE_URL and
// DATABASE_URL (defaults as scripts/db.sh), dropped when they end.
package benchdb

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"kontext/migrations"
)

// DB is a benchmark database with pools for the owner and application roles.
type DB struct {
	Name  string
	Owner *pgxpool.Pool
	App   *pgxpool.Pool
	admin *pgx.Conn
	// attached databases were kept by an earlier run and are kept again.
	attached bool
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func withDB(raw, db string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + db
	return u.String(), nil
}

// Open creates and migrates a database; appConns sizes the application pool.
func Open(ctx context.Context, appConns int32) (*DB, error) {
	return open(ctx, fmt.Sprintf("kontext_bench_%d", os.Getpid()), true, appConns)
}

// Attach opens a database an earlier run kept (KONTEXT_BENCH_KEEP), migrated
// to the current version; Close keeps it unless KONTEXT_BENCH_DROP is set.
func Attach(ctx context.Context, name string, appConns int32) (*DB, error) {
	return open(ctx, name, false, appConns)
}

func open(ctx context.Context, name string, create bool, appConns int32) (*DB, error) {
	ownerURL := env("KONTEXT_OWNER_DATABASE_URL", "postgres://kontext_owner:kontext@localhost:5432/kontext?sslmode=disable")
	appURL := env("DATABASE_URL", "postgres://kontext:kontext@localhost:5432/kontext?sslmode=disable")
	db := &DB{Name: name, attached: !create}
	var err error
	if db.admin, err = pgx.Connect(ctx, ownerURL); err != nil {
		return nil, fmt.Errorf("connect (start the database with `make db`): %w", err)
	}
	if create {
		if _, err := db.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db.Name}.Sanitize()+" TEMPLATE template1"); err != nil {
			db.admin.Close(ctx)
			return nil, err
		}
	}
	open := func(raw string, conns int32) (*pgxpool.Pool, error) {
		u, err := withDB(raw, db.Name)
		if err != nil {
			return nil, err
		}
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			return nil, err
		}
		cfg.AfterConnect = pgxvec.RegisterTypes
		if conns > 0 {
			cfg.MaxConns = conns
		}
		return pgxpool.NewWithConfig(ctx, cfg)
	}
	if db.Owner, err = open(ownerURL, 0); err != nil {
		db.Close()
		return nil, err
	}
	appCfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	if _, err := migrations.Migrate(ctx, db.Owner, migrations.Options{AppRole: appCfg.ConnConfig.User}); err != nil {
		db.Close()
		return nil, err
	}
	if db.App, err = open(appURL, appConns); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// CreateTenant registers a tenant.
func (db *DB) CreateTenant(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true)", id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO tenants (id) VALUES ($1)", id)
		return err
	})
}

// Close closes the pools and drops the database, unless KONTEXT_BENCH_KEEP
// is set: then the database stays for inspection and its name is printed.
func (db *DB) Close() {
	if db.App != nil {
		db.App.Close()
	}
	if db.Owner != nil {
		db.Owner.Close()
	}
	ctx := context.Background()
	if (db.attached && os.Getenv("KONTEXT_BENCH_DROP") == "") || os.Getenv("KONTEXT_BENCH_KEEP") != "" {
		fmt.Fprintf(os.Stderr, "kept database %s\n", db.Name)
		db.admin.Close(ctx)
		return
	}
	if _, err := db.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db.Name}.Sanitize()+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "drop %s: %v\n", db.Name, err)
	}
	db.admin.Close(ctx)
}
