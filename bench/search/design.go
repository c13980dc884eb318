package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/ingest"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

// A design is one way to run the vector leg, measured directly in SQL
// (in a transaction that declares the principal, so row-level security
// applies as in the service) against the exact ranking of the same rows:
//
//	exact        the visible rows sorted by distance (no index)
//	vector:EF    HNSW over the embedding cast to vector(d), iterative scan
//	             (relaxed order) with hnsw.ef_search EF: the service's path
//	halfvec:EF   HNSW over the embedding cast to halfvec(d) (half the
//	             memory per vector), the candidates re-ranked by the full
//	             vectors
//	bit:N        HNSW over binary_quantize(embedding) with Hamming
//	             distance (a 32nd of the memory), its N nearest re-ranked by
//	             the full vectors
//	group:EF     a partial HNSW index of the caller's group alone (model,
//	             tenant and group as constants in its predicate and in the
//	             query, which the planner needs to prove that the index
//	             applies), iterative scan with hnsw.ef_search EF
//
// Each design's index is built when it is missing (and kept with the
// database) and its size reported.
type design struct {
	kind string
	n    int // ef_search, or candidates of the bit prefilter
}

func parseDesigns(s string) ([]design, error) {
	var out []design
	for _, f := range strings.Split(s, ",") {
		kind, arg, _ := strings.Cut(strings.TrimSpace(f), ":")
		d := design{kind: kind}
		if arg != "" {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > 1000 {
				return nil, fmt.Errorf("-designs %q: %q is not a number of 1-1000", s, arg)
			}
			d.n = n
		}
		switch kind {
		case "exact":
		case "vector", "halfvec", "group":
			if d.n == 0 {
				d.n = 40
			}
		case "bit":
			if d.n == 0 {
				d.n = 400
			}
		default:
			return nil, fmt.Errorf("-designs: %q is not exact, vector, halfvec, bit or group", kind)
		}
		out = append(out, d)
	}
	return out, nil
}

func (d design) String() string {
	if d.kind == "exact" {
		return "exact"
	}
	return fmt.Sprintf("%s:%d", d.kind, d.n)
}

// indexSQL is the index a design needs: the same partial-index pattern as
// ingest.EnsureIndex (an expression cast to the model's dimension, one
// index per model), so it works for any dimension a deployment configures.
func (d design) indexSQL(model string, dims int, group string) (name, sql string) {
	switch d.kind {
	case "group":
		name = "bench_chunks_group_" + group
		sql = fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks USING hnsw ((embedding::vector(%d)) vector_cosine_ops)
			WITH (m = 16, ef_construction = 64) WHERE embedding_model = '%s' AND tenant = 'big' AND allowed_groups @> ARRAY['%s']`, name, dims, model, group)
	case "halfvec":
		name = "bench_chunks_halfvec"
		sql = fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks USING hnsw ((embedding::halfvec(%d)) halfvec_cosine_ops)
			WITH (m = 16, ef_construction = 64) WHERE embedding_model = '%s'`, name, dims, model)
	case "bit":
		name = "bench_chunks_bit"
		sql = fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks USING hnsw ((binary_quantize(embedding::vector(%d))::bit(%d)) bit_hamming_ops)
			WITH (m = 16, ef_construction = 64) WHERE embedding_model = '%s'`, name, dims, dims, model)
	}
	return name, sql
}

// query is the design's statement: $1 the query vector, $2 the tenant, $3
// the access tokens; ten ids nearest first. group is the caller's (one)
// group, for the group design.
func (d design) query(model string, dims int, group string) (settings, sql string) {
	where := fmt.Sprintf(`c.embedding_model = '%s' AND c.tenant = $2 AND c.access && $3::text[]
		AND c.classification <= 'internal' AND c.status = 'active'`, model)
	base := "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)"
	index := func(ef int) string {
		return base + fmt.Sprintf(`, set_config('hnsw.ef_search', '%d', true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
			set_config('hnsw.max_scan_tuples', '40000', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`, ef)
	}
	switch d.kind {
	case "exact":
		return base, fmt.Sprintf(`SELECT c.id FROM chunks c WHERE %s ORDER BY (c.embedding <=> $1) + 0 LIMIT 10`, where)
	case "vector":
		// relaxed_order returns the candidates nearly sorted: the ten
		// nearest are taken after sorting them, as the service does.
		return index(d.n), fmt.Sprintf(`SELECT id FROM (SELECT c.id, c.embedding::vector(%[2]d) <=> $1 AS d FROM chunks c WHERE %[1]s
			ORDER BY c.embedding::vector(%[2]d) <=> $1 LIMIT 40) x ORDER BY d LIMIT 10`, where, dims)
	case "group":
		return index(d.n), fmt.Sprintf(`SELECT id FROM (SELECT c.id, c.embedding::vector(%[2]d) <=> $1 AS d FROM chunks c WHERE %[1]s
			AND c.tenant = 'big' AND c.allowed_groups @> ARRAY['%[3]s']
			ORDER BY c.embedding::vector(%[2]d) <=> $1 LIMIT 40) x ORDER BY d LIMIT 10`, where, dims, group)
	case "halfvec":
		return index(d.n), fmt.Sprintf(`SELECT id FROM (SELECT c.id, c.embedding FROM chunks c WHERE %s
			ORDER BY c.embedding::halfvec(%d) <=> $1::halfvec(%d) LIMIT 40) x ORDER BY embedding <=> $1 LIMIT 10`, where, dims, dims)
	default: // bit
		return index(d.n), fmt.Sprintf(`SELECT id FROM (SELECT c.id, c.embedding FROM chunks c WHERE %s
			ORDER BY binary_quantize(c.embedding::vector(%d))::bit(%d) <~> binary_quantize($1::vector(%d)) LIMIT %d) x
			ORDER BY embedding <=> $1 LIMIT 10`, where, dims, dims, dims, d.n)
	}
}

// selectivities are the callers of the big tenant: each sees one group.
var selectivities = []struct{ name, group string }{{"1%", "one"}, {"10%", "ten"}, {"100%", "all"}}

// designs measures each design at each selectivity: p50/p99 of the
// statement alone, the median planning time (EXPLAIN ANALYZE of the first
// 20 queries), recall@10 against exact.
func designs(ctx context.Context, db *benchdb.DB, emb llm.Embedder, c corpus, cfg config) error {
	ds, err := parseDesigns(cfg.designs)
	if err != nil {
		return err
	}
	model, dims := emb.Model(), emb.Dimensions()
	conn, err := db.Owner.Acquire(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '2GB'"); err != nil {
		return err
	}
	type build struct {
		d     design
		group string
	}
	var builds []build
	for _, d := range slices.Concat([]design{{kind: "vector"}}, ds) {
		if d.kind != "group" {
			builds = append(builds, build{d: d})
			continue
		}
		for _, sel := range selectivities {
			if cfg.visible == "" || cfg.visible == sel.name {
				builds = append(builds, build{d: d, group: sel.group})
			}
		}
	}
	for _, b := range builds {
		d := b.d
		name, sql := d.indexSQL(model, dims, b.group)
		if d.kind == "vector" {
			name = ingest.IndexName(model)
		}
		if sql != "" {
			t0 := time.Now()
			if _, err := conn.Exec(ctx, sql); err != nil {
				return fmt.Errorf("%s: %w", d, err)
			}
			if el := time.Since(t0); el > time.Second {
				fmt.Printf("index %s built in %.0fs\n", name, el.Seconds())
			}
		}
		var size int64
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relkind = 'i' AND c.relname LIKE $1 || '%'`, name).Scan(&size); err != nil {
			return err
		}
		if d.kind != "exact" {
			fmt.Printf("index %-20s %6.0f MB\n", strings.TrimSuffix(d.kind+":"+b.group, ":"), float64(size)/(1<<20))
		}
	}
	conn.Release()
	vecs := make([][]float32, len(c.queries))
	for i, q := range c.queries {
		v, err := emb.Embed(ctx, []string{q.text})
		if err != nil {
			return err
		}
		vecs[i] = v[0]
	}
	fmt.Printf("\n%-8s %-12s %9s %9s %9s %9s %9s %10s\n", "visible", "design", "p50 ms", "p99 ms", "cpu p50", "cpu p99", "plan ms", "recall@10")
	for _, sel := range selectivities {
		if cfg.visible != "" && cfg.visible != sel.name {
			continue
		}
		p := kontext.Principal{Tenant: "big", User: "bench", Groups: []string{sel.group}, Clearance: kontext.Internal}
		truth := make([][]int64, len(vecs))
		for i, v := range vecs {
			if truth[i], _, _, err = runDesign(ctx, db, p, design{kind: "exact"}, model, dims, v); err != nil {
				return err
			}
		}
		for _, d := range ds {
			var lat, cpus []time.Duration
			var plans []float64
			recall := 0.0
			for i, v := range vecs {
				ids, el, cpu, err := runDesign(ctx, db, p, d, model, dims, v)
				if err != nil {
					return fmt.Errorf("%s: %w", d, err)
				}
				lat, cpus = append(lat, el), append(cpus, cpu)
				hit := 0
				for _, id := range ids {
					if slices.Contains(truth[i], id) {
						hit++
					}
				}
				recall += float64(hit) / float64(max(1, len(truth[i])))
				if i < 20 {
					pl, err := planTime(ctx, db, p, d, model, dims, v)
					if err != nil {
						return err
					}
					plans = append(plans, pl)
				}
			}
			slices.Sort(plans)
			fmt.Printf("%-8s %-12s %9.2f %9.2f %9.2f %9.2f %9.2f %10.3f\n", sel.name, d, ms(pct(lat, 50)), ms(pct(lat, 99)), ms(pct(cpus, 50)), ms(pct(cpus, 99)), plans[len(plans)/2], recall/float64(len(vecs)))
		}
	}
	return nil
}

// runDesign runs one design's statement as p and returns its ids and how
// long the statement took (settings excluded).
func runDesign(ctx context.Context, db *benchdb.DB, p kontext.Principal, d design, model string, dims int, v []float32) (ids []int64, el, cpu time.Duration, err error) {
	settings, sql := d.query(model, dims, p.Groups[0])
	err = pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
		s, a := p.SessionSQL()
		if _, err := tx.Exec(ctx, s, a...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, settings); err != nil {
			return err
		}
		var pid int
		if err := tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return err
		}
		cpu0 := backendCPU(pid)
		t0 := time.Now()
		rows, err := tx.Query(ctx, sql, pgvector.NewVector(v), p.Tenant, retrieval.AccessTokens(p))
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		el = time.Since(t0)
		cpu = backendCPU(pid) - cpu0
		if len(ids) > 10 {
			ids = ids[:10]
		}
		return err
	})
	return ids, el, cpu, err
}

// backendCPU is the CPU time a database backend process has used so far
// (/proc/PID/schedstat, when the server runs on this machine; else 0): a
// cost that the machine's load does not inflate, unlike wall-clock time.
func backendCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	ns, _ := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns)
}

// planTime is the planning time EXPLAIN ANALYZE reports for the design's
// statement, in milliseconds.
func planTime(ctx context.Context, db *benchdb.DB, p kontext.Principal, d design, model string, dims int, v []float32) (float64, error) {
	var out float64
	settings, sql := d.query(model, dims, p.Groups[0])
	err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
		s, a := p.SessionSQL()
		if _, err := tx.Exec(ctx, s, a...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, settings); err != nil {
			return err
		}
		var js string
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+sql, pgvector.NewVector(v), p.Tenant, retrieval.AccessTokens(p)).Scan(&js); err != nil {
			return err
		}
		var plan []struct {
			Planning float64 `json:"Planning Time"`
		}
		if err := json.Unmarshal([]byte(js), &plan); err != nil {
			return err
		}
		out = plan[0].Planning
		if explain && d.kind != "exact" {
			fmt.Println(js)
		}
		return nil
	})
	return out, err
}
