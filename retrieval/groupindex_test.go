package retrieval_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/retrieval"
)

const groupQuery = "Edelstahlflasche"

// groupFixture is a database of its own (the index builder reads every
// tenant) with one tenant whose chunks are:
//
//	idx      1,500 random + 4 planted near the query (distance ranks 1, 3, 5, 7)
//	idx      2 confidential and 2 quarantined chunks nearer still
//	(tenant-wide) 150 random + 3 planted (ranks 2, 4, 6)
//	wide     5,000 random + 3 planted (ranks 8, 9, 10)
//	o'brien  800 random (a quote in the group name)
//
// so that with group indexes for idx and o'brien (MinChunks 500,
// MaxShare 0.3) each caller's nearest visible chunks come from several
// sources and the nearest chunks of all are hidden.
type groupFixture struct {
	app, owner *pgxpool.Pool
	tenant     string
}

func newGroupFixture(t *testing.T) groupFixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.NewDatabase(t, true)
	open := func(url string) *pgxpool.Pool {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
	f := groupFixture{app: open(db.AppURL), owner: open(db.OwnerURL), tenant: "groups"}
	vecs, err := emb.Embed(ctx, []string{groupQuery})
	if err != nil {
		t.Fatal(err)
	}
	q := vecs[0]
	rng := rand.New(rand.NewPCG(7, 11))
	near := func(rank float64) pgvector.Vector {
		v := make([]float32, len(q))
		var norm float64
		for i := range v {
			v[i] = q[i] + float32(0.012*rank*rng.NormFloat64()/math.Sqrt(float64(len(q))))
			norm += float64(v[i]) * float64(v[i])
		}
		for i := range v {
			v[i] /= float32(math.Sqrt(norm))
		}
		return pgvector.NewVector(v)
	}
	random := func() pgvector.Vector {
		v := make([]float32, len(q))
		var norm float64
		for i := range v {
			v[i] = float32(rng.NormFloat64())
			norm += float64(v[i]) * float64(v[i])
		}
		for i := range v {
			v[i] /= float32(math.Sqrt(norm))
		}
		return pgvector.NewVector(v)
	}
	type doc struct {
		id             string
		groups         []string
		tenantWide     bool
		classification string
		quarantined    bool
		planted        []int // distance ranks
		random         int
		exact          int // chunks nearer the query than any planted one
	}
	docs := []doc{
		{id: "idx", groups: []string{"idx"}, classification: "internal", planted: []int{1, 3, 5, 7}, random: 1500},
		{id: "idx-confidential", groups: []string{"idx"}, classification: "confidential", exact: 2},
		{id: "idx-quarantined", groups: []string{"idx"}, classification: "internal", quarantined: true, exact: 2},
		{id: "tenant-wide", groups: []string{}, tenantWide: true, classification: "internal", planted: []int{2, 4, 6}, random: 150},
		{id: "wide", groups: []string{"wide"}, classification: "internal", planted: []int{8, 9, 10}, random: 5000},
		{id: "quote", groups: []string{"o'brien"}, classification: "internal", random: 800},
	}
	err = pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, f.tenant)
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO tenants (id) VALUES ($1)", f.tenant); err != nil {
			return err
		}
		for _, d := range docs {
			var id string
			if err := tx.QueryRow(ctx, `INSERT INTO documents (tenant, external_id, content_hash, classification, allowed_groups, tenant_wide)
				VALUES ($1, $2, '\x00', $3, $4, $5) RETURNING id`, f.tenant, d.id, d.classification, d.groups, d.tenantWide).Scan(&id); err != nil {
				return err
			}
			var vs []string
			for _, r := range d.planted {
				vs = append(vs, near(float64(r)).String())
			}
			for j := range d.exact {
				vs = append(vs, near(0.1*float64(j+1)).String())
			}
			for range d.random {
				vs = append(vs, random().String())
			}
			if _, err := tx.Exec(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, text, token_count, embedding, embedding_model,
					classification, allowed_groups, tenant_wide)
				SELECT $1, $2, u.o - 1, 'chunk', 1, u.e::vector, $3, $4, $5, $6 FROM unnest($7::text[]) WITH ORDINALITY u(e, o)`,
				id, f.tenant, emb.Model(), d.classification, d.groups, d.tenantWide, vs); err != nil {
				return err
			}
			if d.quarantined {
				if _, err := tx.Exec(ctx, "UPDATE chunks SET status = 'quarantined' WHERE document_id = $1", id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.EnsureIndex(ctx, f.owner, emb.Model(), emb.Dimensions()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.owner.Exec(ctx, "ANALYZE chunks"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f groupFixture) build(t *testing.T, opts retrieval.GroupIndexOptions) []retrieval.GroupIndex {
	t.Helper()
	out, err := retrieval.BuildGroupIndexes(context.Background(), f.owner, opts)
	if err != nil {
		t.Fatalf("BuildGroupIndexes: %v", err)
	}
	return out
}

func (f groupFixture) store(t *testing.T) *retrieval.Store {
	t.Helper()
	s, err := retrieval.New(f.app, emb, retrieval.Options{ExactThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// exact is the exact ranking of the k nearest chunks p sees, under
// row-level security.
func (f groupFixture) exact(t *testing.T, p kontext.Principal, k int) []int64 {
	t.Helper()
	ctx := context.Background()
	vecs, _ := emb.Embed(ctx, []string{groupQuery})
	var ids []int64
	err := pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM chunks ORDER BY (embedding <=> $1) + 0, id LIMIT $2", pgvector.NewVector(vecs[0]), k)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// vectorPlan is EXPLAIN of the statement's vector leg, run as p.
func (f groupFixture) vectorPlan(t *testing.T, s *retrieval.Store, p kontext.Principal, q retrieval.Query) string {
	t.Helper()
	ctx := context.Background()
	vec, _ := emb.Embed(ctx, []string{q.Text})
	st, err := s.Statement(ctx, p, q, vec[0])
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		for _, set := range st.Settings {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+st.VectorSQL, st.VectorArgs...)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func ids(results []retrieval.Result) []int64 {
	out := make([]int64, len(results))
	for i, r := range results {
		out[i] = r.ChunkID
	}
	return out
}

// TestGroupIndexSearch: with group indexes built, the vector leg of a
// caller in an indexed group reads that group's index and returns exactly
// the nearest chunks the caller sees, from the group, the tenant-wide
// documents and other groups alike; hidden chunks of the indexed group,
// nearer than any, never appear.
func TestGroupIndexSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	ctx := context.Background()
	f := newGroupFixture(t)
	built := f.build(t, retrieval.GroupIndexOptions{MinChunks: 500, MaxShare: 0.3})
	idxName := retrieval.GroupIndexName(f.tenant, emb.Model(), "idx")
	var got []string
	for _, b := range built {
		got = append(got, b.Group+" "+b.Action)
	}
	if want := []string{"wide dense", "idx built", "o'brien built"}; !slices.Equal(got, want) {
		t.Fatalf("BuildGroupIndexes = %q; want %q", got, want)
	}
	store := f.store(t)
	for _, tc := range []struct {
		name    string
		groups  []string
		k       int
		indexes []string
		dense   bool
	}{
		// The tenant-wide rows are few: an exact scan, merged.
		{"one indexed group", []string{"idx"}, 7, []string{idxName}, false},
		// The rest is many rows: the shared index, in the same UNION ALL.
		// wide (67% of the chunks) is dense: the shared index, at the
		// group search width.
		{"two groups, one indexed", []string{"wide", "idx"}, 10, []string{idxName}, true},
		{"no indexed group", []string{"wide"}, 6, nil, true},
		{"no catalogued group", []string{"other"}, 3, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := kontext.Principal{Tenant: f.tenant, User: "u", Groups: tc.groups, Clearance: kontext.Internal}
			q := retrieval.Query{Text: groupQuery, K: tc.k, PerDocument: 100, VectorWeight: ptr(1.0), TextWeight: ptr(0.0)}
			results, plan, err := store.Search(ctx, p, q)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Path != "hnsw" && len(tc.indexes) > 0 || !slices.Equal(plan.GroupIndexes, tc.indexes) || plan.Dense != tc.dense {
				t.Errorf("plan = %+v; want the index path with group indexes %q, dense %v", plan, tc.indexes, tc.dense)
			}
			// The search width: the group's wherever the rows read are
			// nearly all the caller's.
			vec, _ := emb.Embed(ctx, []string{q.Text})
			st, err := store.Statement(ctx, p, q, vec[0])
			if err != nil {
				t.Fatal(err)
			}
			wantEf := "set_config('hnsw.ef_search', '400', true)"
			if tc.dense || len(tc.indexes) > 0 {
				wantEf = "set_config('hnsw.ef_search', '100', true)"
			}
			if st.Plan.Path == "hnsw" && !strings.Contains(strings.Join(st.Settings, ";"), wantEf) {
				t.Errorf("settings %q; want %s", st.Settings, wantEf)
			}
			if want := f.exact(t, p, tc.k); !slices.Equal(ids(results), want) {
				t.Errorf("Search(%v) = %v; want the exact ranking %v", tc.groups, ids(results), want)
			}
			for _, r := range results {
				if strings.HasPrefix(r.ExternalID, "idx-") || r.ExternalID == "quote" {
					t.Errorf("result %d from %s, which %v may not see", r.ChunkID, r.ExternalID, tc.groups)
				}
			}
			if len(tc.indexes) == 0 {
				return
			}
			explain := f.vectorPlan(t, store, p, q)
			for _, name := range tc.indexes {
				if !strings.Contains(explain, "Index Scan using "+name) {
					t.Errorf("the vector leg does not read the group index %s:\n%s", name, explain)
				}
			}
		})
	}

	// A caller cleared for confidential sees the confidential chunks of
	// the group, which are the nearest; the quarantined ones never.
	t.Run("clearance", func(t *testing.T) {
		p := kontext.Principal{Tenant: f.tenant, User: "u", Groups: []string{"idx"}, Clearance: kontext.Confidential}
		q := retrieval.Query{Text: groupQuery, K: 9, PerDocument: 100, VectorWeight: ptr(1.0), TextWeight: ptr(0.0)}
		results, plan, err := store.Search(ctx, p, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(plan.GroupIndexes, []string{idxName}) {
			t.Errorf("plan = %+v; want the group index", plan)
		}
		if want := f.exact(t, p, 9); !slices.Equal(ids(results), want) {
			t.Errorf("Search = %v; want the exact ranking %v", ids(results), want)
		}
		if len(results) == 0 || results[0].ExternalID != "idx-confidential" {
			t.Errorf("first result %+v; want a confidential chunk of the group", results)
		}
		for _, r := range results {
			if r.ExternalID == "idx-quarantined" {
				t.Errorf("quarantined chunk %d returned", r.ChunkID)
			}
		}
	})
}

// TestGroupIndexLifecycle: building is idempotent, the quoted group name
// becomes a literal of the index predicate, a dropped index fails no
// search, and an index no longer worth it is dropped with its catalogue
// row, which the application role reads for its own tenant only.
func TestGroupIndexLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	ctx := context.Background()
	f := newGroupFixture(t)
	opts := retrieval.GroupIndexOptions{MinChunks: 500, MaxShare: 0.3}
	f.build(t, opts)
	again := f.build(t, opts)
	for _, b := range again {
		if b.Action != "kept" {
			t.Errorf("second build: %s %s; want kept", b.Group, b.Action)
		}
	}
	if len(again) != 3 {
		t.Errorf("second build decided %d groups; want 3", len(again))
	}

	quote := retrieval.GroupIndexName(f.tenant, emb.Model(), "o'brien")
	var def string
	if err := f.owner.QueryRow(ctx, "SELECT pg_get_indexdef($1::regclass)", quote).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, `allowed_groups @> ARRAY['o''brien'::text]`) {
		t.Errorf("index of o'brien: %s; want the group as one quoted literal", def)
	}
	// The predicate as a search writes it selects exactly the group's rows.
	pred, ok := retrieval.GroupPredicate("c.", f.tenant, "o'brien")
	if !ok {
		t.Fatal("GroupPredicate refused o'brien")
	}
	var n int
	err := pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, f.tenant)
		tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)")
		return tx.QueryRow(ctx, "SELECT count(*) FROM chunks c WHERE "+pred).Scan(&n)
	})
	if err != nil || n != 800 {
		t.Errorf("chunks WHERE %s: %d, %v; want 800", pred, n, err)
	}
	if _, ok := retrieval.GroupPredicate("c.", f.tenant, `a\'b`); ok {
		t.Errorf("GroupPredicate accepted a backslash")
	}

	// The catalogue: the tenant's rows for its callers, none for another
	// tenant, and no writes by the application role.
	catalogue := func(tenant string) (names []string, err error) {
		err = pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
			dbtest.SetTenant(t, tx, tenant)
			rows, err := tx.Query(ctx, "SELECT group_name FROM group_indexes ORDER BY 1")
			if err != nil {
				return err
			}
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		return names, err
	}
	if names, err := catalogue(f.tenant); err != nil || !slices.Equal(names, []string{"idx", "o'brien", "wide"}) {
		t.Errorf("catalogue of %s: %q, %v; want idx, o'brien, wide", f.tenant, names, err)
	}
	if names, err := catalogue("someone-else"); err != nil || len(names) != 0 {
		t.Errorf("catalogue of another tenant: %q, %v; want none", names, err)
	}
	err = pgx.BeginFunc(ctx, f.app, func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, f.tenant)
		_, err := tx.Exec(ctx, "DELETE FROM group_indexes")
		return err
	})
	if err == nil {
		t.Errorf("the application role deleted catalogue rows")
	}

	// An index dropped behind the catalogue's back: a Store that still
	// has it cached, and a new one, both answer.
	p := kontext.Principal{Tenant: f.tenant, User: "u", Groups: []string{"idx"}, Clearance: kontext.Internal}
	q := retrieval.Query{Text: groupQuery, K: 7, PerDocument: 100, VectorWeight: ptr(1.0), TextWeight: ptr(0.0)}
	cached := f.store(t)
	if _, plan, err := cached.Search(ctx, p, q); err != nil || len(plan.GroupIndexes) != 1 {
		t.Fatalf("search before the drop: %+v, %v", plan, err)
	}
	idx := retrieval.GroupIndexName(f.tenant, emb.Model(), "idx")
	if _, err := f.owner.Exec(ctx, "DROP INDEX "+pgx.Identifier{idx}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	want := f.exact(t, p, 7)
	for name, s := range map[string]*retrieval.Store{"cached": cached, "new": f.store(t)} {
		results, plan, err := s.Search(ctx, p, q)
		if err != nil {
			t.Fatalf("%s store, index dropped: %v", name, err)
		}
		if !slices.Equal(ids(results), want) {
			t.Errorf("%s store, index dropped: %v; want %v", name, ids(results), want)
		}
		if name == "new" && len(plan.GroupIndexes) != 0 {
			t.Errorf("new store names the dropped index: %+v", plan)
		}
	}

	// The build puts the missing index back; with a lower share allowed,
	// idx (20% of the chunks) loses its index and becomes dense, o'brien
	// (11%) is kept.
	rebuilt := f.build(t, opts)
	if i := slices.IndexFunc(rebuilt, func(b retrieval.GroupIndex) bool { return b.Group == "idx" }); i < 0 || rebuilt[i].Action != "built" {
		t.Errorf("build after the drop: %+v; want idx built again", rebuilt)
	}
	narrow := f.build(t, retrieval.GroupIndexOptions{MinChunks: 500, MaxShare: 0.15})
	var got []string
	for _, b := range narrow {
		got = append(got, b.Group+" "+b.Action)
	}
	if want := []string{"idx dense", "wide kept", "o'brien kept"}; !slices.Equal(got, want) {
		t.Errorf("build with MaxShare 0.15 = %q; want %q", got, want)
	}
	var exists bool
	if err := f.owner.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", idx).Scan(&exists); err != nil || exists {
		t.Errorf("index %s still there after it was dropped (%v)", idx, err)
	}
	if _, plan, err := f.store(t).Search(ctx, p, q); err != nil || !plan.Dense || len(plan.GroupIndexes) != 0 {
		t.Errorf("search of idx once dense: %+v, %v; want the shared index, dense", plan, err)
	}
	// With more chunks asked for than any group has, every row goes.
	none := f.build(t, retrieval.GroupIndexOptions{MinChunks: 10000, MaxShare: 0.3})
	got = got[:0]
	for _, b := range none {
		got = append(got, b.Group+" "+b.Action)
	}
	if want := []string{"idx dropped", "o'brien dropped", "wide dropped"}; !slices.Equal(got, want) {
		t.Errorf("build with MinChunks 10000 = %q; want %q", got, want)
	}
	if names, _ := catalogue(f.tenant); len(names) != 0 {
		t.Errorf("catalogue after every drop: %q; want none", names)
	}
}
