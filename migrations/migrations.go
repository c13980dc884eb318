// Package migrations holds Kontext's database schema as ordered SQL files and
// applies them: each file once, in order, in its own transaction, recorded in
// schema_migrations and serialised across processes with an advisory lock.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory lock that serialises migrators across processes.
const lockKey int64 = 0x6b6f6e74657874 // "kontext"

// Migration is one schema change.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string // hex SHA-256 of SQL
}

var fileName = regexp.MustCompile(`^(\d{3,})_([a-z0-9_]+)\.sql$`)

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	return load(files)
}

func load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: list: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrations: %s: name must be NNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations: %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: read %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Latest returns the highest embedded version.
func Latest() int {
	all, err := All()
	if err != nil || len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}

// Options configure Migrate.
type Options struct {
	// AppRole is the role the application connects as; migrations grant it
	// data privileges. Empty means no grants (single-role set-ups).
	AppRole string
	// Logger receives one line per applied migration; nil discards.
	Logger *slog.Logger
}

// ErrChecksumMismatch means an applied migration's file has changed since.
var ErrChecksumMismatch = errors.New("migrations: applied migration was modified")

// Migrate applies every pending migration to the database behind pool and
// returns the versions it applied. It is safe to call from several processes
// at once: an advisory lock makes them take turns, and a migration already
// recorded is never applied again. The pool must connect as the schema owner.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts Options) ([]int, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	return apply(ctx, pool, all, opts)
}

func apply(ctx context.Context, pool *pgxpool.Pool, all []Migration, opts Options) ([]int, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: connect: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return nil, fmt.Errorf("migrations: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey)
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		checksum   text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("migrations: create schema_migrations: %w", err)
	}
	applied, err := appliedChecksums(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	var done []int
	for _, m := range all {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return done, fmt.Errorf("%w: %03d_%s", ErrChecksumMismatch, m.Version, m.Name)
			}
			continue
		}
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.app_role', $1, true)", opts.AppRole); err != nil {
				return err
			}
			// Without arguments pgx uses the simple protocol, which runs a
			// file of several statements in one round trip.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
				m.Version, m.Name, m.Checksum)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migrations: apply %03d_%s: %w", m.Version, m.Name, err)
		}
		log.Info("migration applied", "version", m.Version, "name", m.Name)
		done = append(done, m.Version)
	}
	if len(all) > 0 && all[len(all)-1].Version >= riverFrom {
		if err := migrateRiver(ctx, pool, opts, log); err != nil {
			return done, err
		}
	}
	return done, nil
}

// riverFrom is the migration that creates River's schema; River's own
// migrations follow ours from there on.
const riverFrom = 6

func appliedChecksums(ctx context.Context, conn *pgx.Conn) (map[int]string, error) {
	rows, err := conn.Query(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	out := map[int]string{}
	var v int
	var sum string
	_, err = pgx.ForEachRow(rows, []any{&v, &sum}, func() error {
		out[v] = sum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrations: read schema_migrations: %w", err)
	}
	return out, nil
}

// DBTX is what Current needs: a pool, a connection or a transaction.
type DBTX interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ErrPending means the database lacks migrations this binary embeds.
var ErrPending = errors.New("migrations pending")

// Current reports nil when every embedded migration has been applied, an
// error wrapping ErrPending naming the versions missing otherwise, or the
// database error that prevented the check.
func Current(ctx context.Context, db DBTX) error {
	all, err := All()
	if err != nil {
		return err
	}
	var count, maxVersion int
	err = db.QueryRow(ctx, "SELECT count(*), coalesce(max(version), 0) FROM schema_migrations").Scan(&count, &maxVersion)
	if err != nil {
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) && pgErr.SQLState() == "42P01" { // undefined_table
			return fmt.Errorf("%w: schema_migrations does not exist; run kontext migrate", ErrPending)
		}
		return fmt.Errorf("migrations: check: %w", err)
	}
	want := all[len(all)-1].Version
	if maxVersion < want || count < len(all) {
		return fmt.Errorf("%w: database at version %d of %d; run kontext migrate", ErrPending, maxVersion, want)
	}
	return nil
}
