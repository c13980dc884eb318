package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// GroupIndexOptions say which access groups get an index of their own.
type GroupIndexOptions struct {
	// MinChunks: a group with fewer active chunks of a model gets none.
	// Default (0): the exact-scan crossover for the model's table size at
	// EfSearch (crossover.go), below which a caller who sees only the
	// group scans its rows exactly and an index would not be read.
	MinChunks int
	// MaxShare: a group holding more than this share of the model's chunks
	// (all tenants) gets none: the shared index already finds its rows with
	// few hidden ones in between, and a second index of that size costs
	// its memory again (default 0.3). It is catalogued as dense instead, so
	// that its members search the shared index at the group search width.
	MaxShare float64
	// EfSearch is the search width the crossover of the default MinChunks
	// assumes (default 400, the Store's default).
	EfSearch int
	// MaintenanceWorkMem, when set, is maintenance_work_mem for the builds
	// ("1GB"): an HNSW graph that does not fit is built far slower.
	MaintenanceWorkMem string
	// Progress, when set, receives a line per group decided and per index
	// built or dropped.
	Progress io.Writer
}

// GroupIndex is one group index decided on by BuildGroupIndexes.
type GroupIndex struct {
	Tenant string `json:"tenant"`
	Group  string `json:"group"`
	Model  string `json:"embedding_model"`
	// Index is empty for a dense group: catalogued without an index.
	Index string `json:"index_name,omitempty"`
	Rows  int64  `json:"rows"`
	// Action is "built", "dense" (catalogued as dense), "kept" (as it
	// was) or "dropped" (index and catalogue row, or the dense row).
	Action string  `json:"action"`
	Took   float64 `json:"seconds,omitempty"`
}

// GroupIndexName is the name of the index of one tenant's group of one
// model's chunks.
func GroupIndexName(tenant, model, group string) string {
	h := sha256.Sum256([]byte(tenant + "\x00" + model + "\x00" + group))
	return "chunks_hnsw_g_" + hex.EncodeToString(h[:8])
}

// BuildGroupIndexes makes the group indexes match the chunks: for every
// tenant, model and access group with at least MinChunks active chunks and
// at most MaxShare of the model's, a partial HNSW index over the group's
// chunks, built with CREATE INDEX CONCURRENTLY (ingest and search go on)
// and recorded in group_indexes; a group with more than MaxShare is
// recorded as dense, without an index; a catalogued index no longer worth it is
// dropped, one that is missing or invalid (a build that failed) is built
// again. Running it twice changes nothing the second time. owner must
// connect as the schema owner (KONTEXT_OWNER_DATABASE_URL): only it may
// create indexes and write the catalogue.
func BuildGroupIndexes(ctx context.Context, owner *pgxpool.Pool, opts GroupIndexOptions) ([]GroupIndex, error) {
	if opts.MaxShare <= 0 || opts.MaxShare > 1 {
		opts.MaxShare = 0.3
	}
	if opts.EfSearch <= 0 {
		opts.EfSearch = 400
	}
	say := func(format string, a ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", a...)
		}
	}
	type key struct{ tenant, model, group string }
	type count struct {
		rows int64
		dims int
	}
	groups := map[key]count{}
	totals := map[string]int64{}
	var tenants []string
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.list_tenants', 'on', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM tenants ORDER BY id")
		if err != nil {
			return err
		}
		tenants, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: group indexes: list tenants: %w", err)
	}
	for _, t := range tenants {
		err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true), set_config('kontext.scope', 'tenant', true)", t); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT embedding_model, count(*), min(vector_dims(embedding)) FROM chunks GROUP BY 1`)
			if err != nil {
				return err
			}
			var model string
			var n int64
			var dims int
			if _, err := pgx.ForEachRow(rows, []any{&model, &n, &dims}, func() error {
				totals[model] += n
				return nil
			}); err != nil {
				return err
			}
			rows, err = tx.Query(ctx, `SELECT c.embedding_model, g, count(*), min(vector_dims(c.embedding))
				FROM chunks c, unnest(c.allowed_groups) g WHERE c.status = 'active' GROUP BY 1, 2`)
			if err != nil {
				return err
			}
			var group string
			_, err = pgx.ForEachRow(rows, []any{&model, &group, &n, &dims}, func() error {
				groups[key{t, model, group}] = count{n, dims}
				return nil
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("retrieval: group indexes: count %s: %w", t, err)
		}
	}
	want, dense := map[key]count{}, map[key]count{}
	order := func(k key) string { return k.tenant + "\x00" + k.model + "\x00" + k.group }
	for _, k := range sortedKeys(groups, order) {
		c := groups[k]
		min := int64(opts.MinChunks)
		if min <= 0 {
			min = int64(crossover(int(totals[k.model]), opts.EfSearch))
		}
		share := float64(c.rows) / float64(max(totals[k.model], 1))
		ok := c.rows >= min && modelName.MatchString(k.model) && c.dims >= 1 && c.dims <= 2000
		if _, quotable := groupPredicate("", k.tenant, k.group); !quotable {
			ok = false
		}
		verdict := "no index"
		switch {
		case ok && share <= opts.MaxShare:
			want[k] = c
			verdict = "an index"
		case ok:
			dense[k] = c
			verdict = "dense (the shared index, at the group search width)"
		}
		say("%s %q: %d chunks, %.1f%% of %s: %s", k.tenant, k.group, c.rows, 100*share, k.model, verdict)
	}

	conn, err := owner.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieval: group indexes: %w", err)
	}
	defer conn.Release()
	if opts.MaintenanceWorkMem != "" {
		if _, err := conn.Exec(ctx, "SELECT set_config('maintenance_work_mem', $1, false)", opts.MaintenanceWorkMem); err != nil {
			return nil, fmt.Errorf("retrieval: group indexes: maintenance_work_mem: %w", err)
		}
		defer conn.Exec(context.Background(), "RESET maintenance_work_mem")
	}
	type entry struct {
		index string // "" for a dense row
		valid bool
	}
	have := map[key]entry{}
	rows, err := conn.Query(ctx, `SELECT g.tenant, g.embedding_model, g.group_name, coalesce(g.index_name, ''), coalesce(i.indisvalid, false)
		FROM group_indexes g
		LEFT JOIN pg_class c ON c.relname = g.index_name AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace
		LEFT JOIN pg_index i ON i.indexrelid = c.oid`)
	if err != nil {
		return nil, fmt.Errorf("retrieval: group indexes: read the catalogue: %w", err)
	}
	var k key
	var e entry
	if _, err := pgx.ForEachRow(rows, []any{&k.tenant, &k.model, &k.group, &e.index, &e.valid}, func() error {
		have[k] = e
		return nil
	}); err != nil {
		return nil, fmt.Errorf("retrieval: group indexes: read the catalogue: %w", err)
	}

	var out []GroupIndex
	// Drop first: the catalogue row goes before the index, so that no
	// search reads the catalogue and then names a group whose index is
	// gone (it would still be answered, from the shared index).
	// A group that became dense loses its index the same way, and gets
	// its dense row after.
	for _, k := range sortedKeys(have, order) {
		e := have[k]
		if _, ok := want[k]; ok {
			continue
		}
		if _, ok := dense[k]; ok && e.index == "" {
			continue
		}
		if _, err := conn.Exec(ctx, "DELETE FROM group_indexes WHERE tenant = $1 AND embedding_model = $2 AND group_name = $3", k.tenant, k.model, k.group); err != nil {
			return out, fmt.Errorf("retrieval: group indexes: uncatalogue %s %q: %w", k.tenant, k.group, err)
		}
		if e.index != "" {
			if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{e.index}.Sanitize()); err != nil {
				return out, fmt.Errorf("retrieval: group indexes: drop %s: %w", e.index, err)
			}
			say("dropped %s (%s %q)", e.index, k.tenant, k.group)
		} else {
			say("dropped the dense row of %s %q", k.tenant, k.group)
		}
		delete(have, k)
		if _, ok := dense[k]; !ok {
			out = append(out, GroupIndex{Tenant: k.tenant, Group: k.group, Model: k.model, Index: e.index, Rows: groups[k].rows, Action: "dropped"})
		}
	}
	for _, k := range sortedKeys(dense, order) {
		c := dense[k]
		if _, ok := have[k]; ok {
			out = append(out, GroupIndex{Tenant: k.tenant, Group: k.group, Model: k.model, Rows: c.rows, Action: "kept"})
			continue
		}
		if _, err := conn.Exec(ctx, `INSERT INTO group_indexes (tenant, group_name, embedding_model, index_name, rows_at_build, built_at)
			VALUES ($1, $2, $3, NULL, $4, now())`, k.tenant, k.group, k.model, c.rows); err != nil {
			return out, fmt.Errorf("retrieval: group indexes: record %s %q as dense: %w", k.tenant, k.group, err)
		}
		say("recorded %s %q as dense", k.tenant, k.group)
		out = append(out, GroupIndex{Tenant: k.tenant, Group: k.group, Model: k.model, Rows: c.rows, Action: "dense"})
	}
	for _, k := range sortedKeys(want, order) {
		c := want[k]
		name := GroupIndexName(k.tenant, k.model, k.group)
		if e, ok := have[k]; ok && e.valid && e.index == name {
			out = append(out, GroupIndex{Tenant: k.tenant, Group: k.group, Model: k.model, Index: name, Rows: c.rows, Action: "kept"})
			continue
		}
		if e, ok := have[k]; ok && e.index != name && e.index != "" {
			if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{e.index}.Sanitize()); err != nil {
				return out, fmt.Errorf("retrieval: group indexes: drop %s: %w", e.index, err)
			}
		}
		// A build that failed leaves an invalid index behind.
		if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			return out, fmt.Errorf("retrieval: group indexes: drop invalid %s: %w", name, err)
		}
		pred, _ := groupPredicate("", k.tenant, k.group)
		// DDL takes no parameters: the model name matches a strict pattern
		// and tenant and group are quoted literals (groupPredicate).
		sql := fmt.Sprintf(`CREATE INDEX CONCURRENTLY %s ON chunks USING hnsw ((embedding::vector(%d)) vector_cosine_ops)
			WITH (m = 16, ef_construction = 64) WHERE embedding_model = '%s' AND %s`,
			pgx.Identifier{name}.Sanitize(), c.dims, k.model, pred)
		say("building %s for %s %q (%d chunks of %s)", name, k.tenant, k.group, c.rows, k.model)
		t0 := time.Now()
		if _, err := conn.Exec(ctx, sql); err != nil {
			return out, fmt.Errorf("retrieval: group indexes: build %s: %w", name, err)
		}
		took := time.Since(t0)
		if _, err := conn.Exec(ctx, `INSERT INTO group_indexes (tenant, group_name, embedding_model, index_name, rows_at_build, built_at)
			VALUES ($1, $2, $3, $4, $5, now())
			ON CONFLICT (tenant, embedding_model, group_name) DO UPDATE SET index_name = excluded.index_name,
				rows_at_build = excluded.rows_at_build, built_at = excluded.built_at`,
			k.tenant, k.group, k.model, name, c.rows); err != nil {
			return out, fmt.Errorf("retrieval: group indexes: record %s: %w", name, err)
		}
		say("built %s in %.1fs", name, took.Seconds())
		out = append(out, GroupIndex{Tenant: k.tenant, Group: k.group, Model: k.model, Index: name, Rows: c.rows, Action: "built", Took: took.Seconds()})
	}
	return out, nil
}

func sortedKeys[K comparable, V any](m map[K]V, order func(K) string) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		x, y := order(a), order(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return keys
}
