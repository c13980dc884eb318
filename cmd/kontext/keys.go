package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"kontext"
	"kontext/api"
)

var dbSettings = []string{"database-url", "log-level", "log-format"}

// openPool parses the database settings and opens the application pool.
func openPool(ctx context.Context, s *settings) (*pgxpool.Pool, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	poolCfg.AfterConnect = pgxvec.RegisterTypes
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// positional parses flags that may follow positional arguments
// ("revoke ID --tenant acme") and returns the positional ones.
func positional(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := parseQuiet(fs, args, stderr); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runTenants(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: kontext tenants create ID [--name NAME]", errUsage)
	}
	fs := flag.NewFlagSet("kontext tenants create", flag.ContinueOnError)
	name := fs.String("name", "", "display name")
	existsOK := fs.Bool("exists-ok", false, "succeed if the tenant exists already")
	s := newSettings()
	s.register(fs, dbSettings...)
	pos, err := positional(fs, args[1:], stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: kontext tenants create ID [--name NAME]", errUsage)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := api.NewKeys(pool).CreateTenant(ctx, pos[0], *name); err != nil {
		if *existsOK && errors.Is(err, kontext.ErrConflict) {
			_, err = fmt.Fprintf(stdout, "tenant %s exists\n", pos[0])
			return err
		}
		return err
	}
	_, err = fmt.Fprintf(stdout, "tenant %s created\n", pos[0])
	return err
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "kontext keys create --tenant T --user U --role R [--groups a,b] [--clearance C] [--name N] | list --tenant T | revoke ID --tenant T"
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	fs := flag.NewFlagSet("kontext keys "+args[0], flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant id (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	s := newSettings()
	s.register(fs, dbSettings...)
	switch args[0] {
	case "create":
		user := fs.String("user", "", "user the key acts as (required)")
		groups := fs.String("groups", "", "comma-separated groups")
		clearance := fs.String("clearance", "internal", "highest classification the key may read: public, internal, confidential")
		role := fs.String("role", "", "viewer, editor, reviewer or admin (required)")
		name := fs.String("name", "", "a label for the key")
		if _, err := positional(fs, args[1:], stderr); err != nil {
			return err
		}
		if *tenant == "" || *user == "" || *role == "" {
			return fmt.Errorf("%w: %s", errUsage, usage)
		}
		cls, err := kontext.ParseClassification(*clearance)
		if err != nil {
			return flagError("clearance", err)
		}
		r, err := kontext.ParseRole(*role)
		if err != nil {
			return flagError("role", err)
		}
		if done, err := dryRun(ctx, s); done {
			return err
		}
		pool, err := openPool(ctx, s)
		if err != nil {
			return err
		}
		defer pool.Close()
		p := kontext.Principal{Tenant: *tenant, User: *user, Groups: splitList(*groups), Clearance: cls, Role: r}
		key, secret, err := api.NewKeys(pool).CreateKey(ctx, p, *name)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				api.Key
				Secret string `json:"key"`
			}{key, secret})
		}
		fmt.Fprintf(stdout, "%s\n", secret)
		fmt.Fprintf(os.Stderr, "key %s (%s) for %s/%s, role %s: shown once, store it now\n", key.ID, key.Prefix, key.Tenant, key.User, key.Role)
		return nil
	case "list":
		if _, err := positional(fs, args[1:], stderr); err != nil {
			return err
		}
		if done, err := dryRun(ctx, s); done {
			return err
		}
		pool, err := openPool(ctx, s)
		if err != nil {
			return err
		}
		defer pool.Close()
		keys, err := api.NewKeys(pool).ListKeys(ctx, *tenant)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(keys)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tUSER\tROLE\tCLEARANCE\tGROUPS\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.User, k.Role, k.Clearance,
				strings.Join(k.Groups, ","), k.CreatedAt.Format("2006-01-02 15:04"), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		pos, err := positional(fs, args[1:], stderr)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return fmt.Errorf("%w: kontext keys revoke ID --tenant T", errUsage)
		}
		if done, err := dryRun(ctx, s); done {
			return err
		}
		pool, err := openPool(ctx, s)
		if err != nil {
			return err
		}
		defer pool.Close()
		if err := api.NewKeys(pool).RevokeKey(ctx, *tenant, pos[0]); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "key %s revoked\n", pos[0])
		return err
	}
	return fmt.Errorf("%w: %s", errUsage, usage)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format("2006-01-02 15:04")
}
