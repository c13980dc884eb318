package migrations

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverSchema is the schema that holds River's job tables.
const RiverSchema = "river"

// migrateRiver applies River's own migrations to RiverSchema, each in its
// own transaction (some add enum values that later statements use), and
// grants the application role what River's clients need:
// data privileges on its tables and sequences and the use of its functions.
// River records its versions in its own river_migration table.
func migrateRiver(ctx context.Context, pool *pgxpool.Pool, opts Options, log *slog.Logger) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: RiverSchema, Logger: log})
	if err != nil {
		return fmt.Errorf("migrations: river: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrations: river: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("river migration applied", "version", v.Version, "name", v.Name)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if opts.AppRole == "" {
			return nil
		}
		schema, role := pgx.Identifier{RiverSchema}.Sanitize(), pgx.Identifier{opts.AppRole}.Sanitize()
		for _, grant := range []string{
			"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
			"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role,
			"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " TO " + role,
		} {
			if _, err := tx.Exec(ctx, grant); err != nil {
				return fmt.Errorf("migrations: river grants: %w", err)
			}
		}
		return nil
	})
}

// RiverLatest returns the highest River migration this binary carries.
func RiverLatest() int {
	migrator, err := rivermigrate.New(riverpgxv5.New(nil), &rivermigrate.Config{Schema: RiverSchema})
	if err != nil {
		return 0
	}
	all := migrator.AllVersions()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}
