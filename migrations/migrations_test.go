package migrations_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/internal/dbtest"
	"kontext/migrations"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestAllOrdered(t *testing.T) {
	t.Parallel()
	all, err := migrations.All()
	if err != nil {
		t.Fatalf("All() error: %v", err)
	}
	if len(all) == 0 {
		t.Fatal("All() returned no migrations")
	}
	for i := 1; i < len(all); i++ {
		if all[i].Version <= all[i-1].Version {
			t.Errorf("migration %d (%s) not after %d (%s)", all[i].Version, all[i].Name, all[i-1].Version, all[i-1].Name)
		}
	}
	if got, want := migrations.Latest(), all[len(all)-1].Version; got != want {
		t.Errorf("Latest() = %d; want %d", got, want)
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDatabase(t, false)
	pool := openPool(t, db.OwnerURL)
	ctx := context.Background()
	opts := migrations.Options{AppRole: dbtest.AppRole(t)}

	if err := migrations.Current(ctx, pool); !errors.Is(err, migrations.ErrPending) {
		t.Fatalf("Current() before migrating = %v; want ErrPending", err)
	}
	first, err := migrations.Migrate(ctx, pool, opts)
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	all, _ := migrations.All()
	if len(first) != len(all) {
		t.Fatalf("first Migrate applied %v; want all %d", first, len(all))
	}
	second, err := migrations.Migrate(ctx, pool, opts)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(second) != 0 {
		t.Errorf("second Migrate applied %v; want none", second)
	}
	if err := migrations.Current(ctx, pool); err != nil {
		t.Errorf("Current() after migrating = %v; want nil", err)
	}
}

func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDatabase(t, false)
	ctx := context.Background()
	opts := migrations.Options{AppRole: dbtest.AppRole(t)}

	const n = 4
	var wg sync.WaitGroup
	applied := make([][]int, n)
	errs := make([]error, n)
	for i := range n {
		// Separate pools: separate sessions, as separate processes would have.
		pool := openPool(t, db.OwnerURL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = migrations.Migrate(ctx, pool, opts)
		}()
	}
	wg.Wait()

	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Migrate #%d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	all, _ := migrations.All()
	if total != len(all) {
		t.Errorf("concurrent Migrate calls applied %d migrations in all; want %d (each once)", total, len(all))
	}
	var rows int
	if err := openPool(t, db.OwnerURL).QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(all) {
		t.Errorf("schema_migrations has %d rows; want %d", rows, len(all))
	}
}

func TestModifiedMigrationRefused(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDatabase(t, true)
	pool := openPool(t, db.OwnerURL)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1"); err != nil {
		t.Fatal(err)
	}
	_, err := migrations.Migrate(ctx, pool, migrations.Options{})
	if !errors.Is(err, migrations.ErrChecksumMismatch) {
		t.Errorf("Migrate after a checksum change = %v; want ErrChecksumMismatch", err)
	}
}

// TestRowLevelSecurity connects as the application role and checks that
// rows of one tenant are invisible to a transaction declared for another,
// with no WHERE clause at all.
func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)

	var bypass, super bool
	if err := pool.QueryRow(ctx, "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&bypass, &super); err != nil {
		t.Fatal(err)
	}
	if bypass || super {
		t.Fatalf("application role has BYPASSRLS=%v SUPERUSER=%v; want neither", bypass, super)
	}
	var owns int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
		AND pg_has_role(current_user, tableowner, 'USAGE')`).Scan(&owns); err != nil {
		t.Fatal(err)
	}
	if owns != 0 {
		t.Fatalf("application role owns (or inherits ownership of) %d tables; want 0", owns)
	}

	// Commit rows for two tenants, each written under its own tenant setting.
	insert := func(tenant string) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			dbtest.SetTenant(t, tx, tenant)
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO tenants (id) VALUES ($1)", tenant); err != nil {
				return err
			}
			var doc string
			err := tx.QueryRow(ctx, `INSERT INTO documents (tenant, external_id, title, content_hash, classification, allowed_groups)
				VALUES ($1, 'doc-1', 'secret of ' || $1, '\x00', 'internal', '{marketing}') RETURNING id`, tenant).Scan(&doc)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, text, token_count, embedding, embedding_model, classification, allowed_groups)
				VALUES ($1, $2, 0, 'text of ' || $2, 3, '[1,0,0]', 'test-3', 'internal', '{marketing}')`, doc, tenant)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO audit_events (tenant, action) VALUES ($1, 'test')`, tenant)
			return err
		})
		if err != nil {
			t.Fatalf("insert rows for %s: %v", tenant, err)
		}
	}
	insert("rls-a")
	insert("rls-b")

	tests := []struct {
		name   string
		tenant string // "" = no tenant declared
		want   map[string]int
	}{
		{"tenant b sees only b", "rls-b", map[string]int{"rls-a": 0, "rls-b": 1}},
		{"tenant a sees only a", "rls-a", map[string]int{"rls-a": 1, "rls-b": 0}},
		{"no tenant sees nothing", "", map[string]int{"rls-a": 0, "rls-b": 0}},
		{"unknown tenant sees nothing", "rls-c", map[string]int{"rls-a": 0, "rls-b": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, table := range []string{"tenants", "documents", "chunks", "audit_events"} {
				col := "tenant"
				if table == "tenants" {
					col = "id"
				}
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if tc.tenant != "" {
						sql, args := kontext.Principal{Tenant: tc.tenant, Groups: []string{"marketing"}, Clearance: kontext.Internal}.SessionSQL()
						if _, err := tx.Exec(ctx, sql, args...); err != nil {
							return err
						}
					}
					// No WHERE clause: only the policies decide.
					rows, err := tx.Query(ctx, "SELECT "+col+" FROM "+table)
					if err != nil {
						return err
					}
					got := map[string]int{}
					for rows.Next() {
						var tn string
						if err := rows.Scan(&tn); err != nil {
							return err
						}
						got[tn]++
					}
					if err := rows.Err(); err != nil {
						return err
					}
					for tn, want := range tc.want {
						if got[tn] != want {
							t.Errorf("%s: rows of %s visible = %d; want %d", table, tn, got[tn], want)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", table, err)
				}
			}
		})
	}

	t.Run("outside the access list sees no documents", func(t *testing.T) {
		for _, p := range []kontext.Principal{
			{Tenant: "rls-a", Groups: []string{"legal"}, Clearance: kontext.Confidential},
			{Tenant: "rls-a", Groups: []string{"marketing"}, Clearance: kontext.Public},
		} {
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				sql, args := p.SessionSQL()
				if _, err := tx.Exec(ctx, sql, args...); err != nil {
					return err
				}
				var docs, chunks int
				if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)").Scan(&docs, &chunks); err != nil {
					return err
				}
				if docs != 0 || chunks != 0 {
					t.Errorf("principal %+v sees %d documents and %d chunks; want 0", p, docs, chunks)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("a reader cannot delete", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			sql, args := kontext.Principal{Tenant: "rls-a", Groups: []string{"marketing"}, Clearance: kontext.Internal}.SessionSQL()
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, "DELETE FROM documents")
			if err == nil && tag.RowsAffected() != 0 {
				t.Errorf("a reader's DELETE removed %d documents; want 0", tag.RowsAffected())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cannot write into another tenant", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			dbtest.SetTenant(t, tx, "rls-a")
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO documents (tenant, external_id, content_hash, classification, tenant_wide)
				VALUES ('rls-b', 'doc-x', '\x00', 'public', true)`)
			return err
		})
		if err == nil {
			t.Error("insert of a tenant rls-b row while declared as rls-a succeeded; want a policy violation")
		}
	})

	t.Run("audit log is append-only", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			dbtest.SetTenant(t, tx, "rls-a")
			_, err := tx.Exec(ctx, "UPDATE audit_events SET action = 'edited'")
			return err
		})
		if err == nil {
			t.Error("UPDATE audit_events succeeded; want it refused")
		}
	})
}
