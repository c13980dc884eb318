package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"kontext"
)

// Group indexes (migration 018, BuildGroupIndexes): a partial HNSW index
// holds the chunks of one access group of one tenant and one embedding
// model. On the index path, a caller in such a group reads that group's
// nearest chunks from its own index, where nearly every row is visible,
// instead of passing over the other groups' rows in the model's shared
// index; the chunks the caller sees through anything else (tenant-wide
// documents, the user, groups without an index) come from the shared index
// or, when they are few, an exact scan. The access predicate of the search
// and row-level security are unchanged: the group predicate only narrows.

// groupTTL is how long a tenant's catalogue of group indexes is used
// before it is read again: an index built is used that much later, and a
// search that names the group of an index dropped meanwhile still runs
// (on the shared index, slower).
const groupTTL = 30 * time.Second

// DefaultGroupEfSearch is hnsw.ef_search when every index a search reads
// is a group's own (Options.GroupEfSearch): nearly every row of such an
// index is visible, so a narrower search finds the nearest (recall 0.995
// at 100,000 chunks; docs/benchmarks.md).
const DefaultGroupEfSearch = 100

type cachedGroups struct {
	byGroup map[string]string // group name → index name; "" for a dense group
	at      time.Time
}

// groupIndexes returns the tenant's usable group indexes of the Store's
// model: catalogued, and valid in pg_index (a concurrent build that failed
// leaves an invalid index that the planner ignores), and its dense groups
// (catalogued without an index) with "" for their index. It reads in a
// savepoint of tx, so that no failure here (the catalogue missing, say)
// fails the search: it then has none, for groupTTL.
func (s *Store) groupIndexes(ctx context.Context, tx pgx.Tx, tenant string) map[string]string {
	s.mu.Lock()
	c, ok := s.groups[tenant]
	s.mu.Unlock()
	if ok && time.Since(c.at) < groupTTL {
		return c.byGroup
	}
	byGroup := map[string]string{}
	sp, err := tx.Begin(ctx)
	if err == nil {
		rows, err := sp.Query(ctx, `SELECT g.group_name, coalesce(g.index_name, '') FROM group_indexes g
			LEFT JOIN pg_class c ON c.relname = g.index_name AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace
			LEFT JOIN pg_index i ON i.indexrelid = c.oid
			WHERE g.tenant = $1 AND g.embedding_model = $2 AND (g.index_name IS NULL OR (i.indisvalid AND i.indisready))`, tenant, s.model)
		var group, index string
		if err == nil {
			_, err = pgx.ForEachRow(rows, []any{&group, &index}, func() error {
				byGroup[group] = index
				return nil
			})
		}
		if err != nil {
			clear(byGroup)
			_ = sp.Rollback(ctx)
		} else if err := sp.Commit(ctx); err != nil {
			clear(byGroup)
		}
	}
	s.mu.Lock()
	if s.groups == nil || len(s.groups) > 10000 {
		s.groups = map[string]cachedGroups{}
	}
	s.groups[tenant] = cachedGroups{byGroup: byGroup, at: time.Now()}
	s.mu.Unlock()
	return byGroup
}

// quoteLiteral returns s as an SQL string literal. A partial index's
// predicate is proved from constants in the query only, so tenant and group
// names are written into the SQL rather than bound; quotes are doubled and
// a name with a backslash or NUL (which principals and catalogued names
// never have) is refused, so that the literal means the same whatever
// standard_conforming_strings says.
func quoteLiteral(s string) (string, bool) {
	if strings.ContainsAny(s, "\\\x00") {
		return "", false
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
}

// groupPredicate is the part of a group index's predicate beyond the
// model's: the tenant and the group as constants, as BuildGroupIndexes
// writes it and as a search must repeat it for the planner to use the
// index.
// The columns are prefixed with alias (with its dot, or empty).
func groupPredicate(alias, tenant, group string) (string, bool) {
	t, ok1 := quoteLiteral(tenant)
	g, ok2 := quoteLiteral(group)
	if !ok1 || !ok2 {
		return "", false
	}
	return fmt.Sprintf("%[1]stenant = %[2]s AND %[1]sallowed_groups @> ARRAY[%[3]s]", alias, t, g), true
}

// groupLeg replaces, on the index path, the vector leg that st reads from
// the shared index by one that reads each of the caller's groups with an
// index from that index and the rest of what the caller sees from the
// shared index (or exactly, when it is little): UNION ALL of the
// subqueries, de-duplicated by chunk id, nearest first. A caller in a
// dense group sees most of the shared index's rows, so whatever it reads
// there is read at the group search width. It leaves st as it is when the
// caller has no group with a usable index and no dense group.
func (s *Store) groupLeg(ctx context.Context, tx pgx.Tx, st *Statement, p kontext.Principal, q Query, f filter, vec []float32) error {
	if s.opts.NoGroupIndexes || !f.acl || st.VectorSQL == "" || f.access == "" {
		return nil
	}
	byGroup := s.groupIndexes(ctx, tx, p.Tenant)
	if len(byGroup) == 0 {
		return nil
	}
	var preds, names []string
	drop := map[string]bool{}
	dense := false
	for _, g := range slices.Compact(slices.Sorted(slices.Values(p.Groups))) {
		index, ok := byGroup[g]
		if !ok {
			continue
		}
		if index == "" {
			dense = true
			continue
		}
		pred, ok := groupPredicate("c.", p.Tenant, g)
		if !ok {
			continue
		}
		preds, names = append(preds, pred), append(names, index)
		drop[p.Tenant+"/g:"+g] = true
	}
	ef := cmp.Or(s.opts.GroupEfSearch, DefaultGroupEfSearch)
	if len(preds) == 0 {
		if dense {
			st.Settings = s.settingsWith(q, st.Plan, ef)
			st.Plan.Dense = true
		}
		return nil
	}
	// What the caller sees through its other tokens, planned like a
	// search of its own: nothing, a few rows scanned exactly, or many read
	// from the shared index.
	var rest, restGroups []string
	for _, tok := range f.args[f.tokenSlot].([]string) {
		if !drop[tok] {
			rest = append(rest, tok)
		}
	}
	for _, g := range p.Groups {
		if !drop[p.Tenant+"/g:"+g] {
			restGroups = append(restGroups, g)
		}
	}
	fr := f
	fr.args = slices.Clone(f.args)
	fr.args[f.tokenSlot] = rest
	fr.key = fmt.Sprint(fr.where, fr.args)
	st.narrow = [2]string{strings.Join(restGroups, ","), strings.Join(p.Groups, ",")}
	restPlan, err := s.restPlan(ctx, tx, fr, st.narrow)
	if err != nil {
		return fmt.Errorf("plan the rest of the group search: %w", err)
	}

	args := slices.Clone(f.args)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	v, limit := arg(pgvector.NewVector(vec)), arg(candidates(q))
	distance := fmt.Sprintf("c.embedding::vector(%d) <=> %s", s.dims, v)
	sub := func(where string) string {
		return fmt.Sprintf("(SELECT c.id, c.document_id, %[1]s AS d FROM chunks c WHERE %[2]s ORDER BY %[1]s LIMIT %[3]s)", distance, where, limit)
	}
	subs := make([]string, 0, len(preds)+1)
	for _, pred := range preds {
		subs = append(subs, sub(f.where+" AND "+pred))
	}
	// In the UNION ALL, the rest's tokens are the one argument after the
	// index subqueries'.
	restWhere := strings.Replace(f.where, f.access, fmt.Sprintf("c.access && $%d::text[]", len(args)+1), 1)
	st.restSQL, st.restArgs, st.restLimit = "", nil, candidates(q)
	switch {
	case restPlan.Visible == 0:
	case restPlan.Path == "hnsw":
		subs = append(subs, sub(restWhere))
		args = append(args, rest)
		if !dense {
			ef = s.opts.EfSearch
		}
		st.Plan.Dense = dense
	default:
		// Run after the index subqueries, with bitmap scans back on.
		// A statement of its own: the rest's tokens take the place of the
		// caller's.
		st.restSQL = fmt.Sprintf("SELECT c.id, c.document_id, c.embedding <=> %s AS d FROM chunks c WHERE %s ORDER BY (c.embedding <=> %s) + 0 LIMIT %s",
			v, f.where, v, limit)
		st.restArgs = slices.Clone(args)
		st.restArgs[f.tokenSlot] = rest
	}
	st.VectorSQL = fmt.Sprintf("SELECT id, document_id, min(d) AS d FROM (%s) u GROUP BY id, document_id ORDER BY 3, 1 LIMIT %s",
		strings.Join(subs, " UNION ALL "), limit)
	st.VectorArgs = args
	st.Settings = s.settingsWith(q, st.Plan, ef)
	st.Plan.GroupIndexes = names
	return nil
}

// narrowSQL declares the principal's groups anew. Row-level security
// finds a query's candidate rows through the access index with the
// principal's tokens and only then applies the query's own, narrower
// predicate: counted or scanned as the whole principal, the rest would read
// every row of the indexed groups. So the rest is counted and scanned with
// the principal's groups narrowed to the rest's, which can only hide rows,
// and the groups are declared again right after, in the same round trip.
const narrowSQL = "SELECT set_config('kontext.groups', $1, true)"

// restPlan is plan for the rest of a group search: its visible count, up to
// the threshold, counted with the groups narrowed (narrow[0]) and restored
// (narrow[1]) in one batch.
func (s *Store) restPlan(ctx context.Context, tx pgx.Tx, f filter, narrow [2]string) (Plan, error) {
	if plan, ok := s.knownPlan(f); ok {
		return plan, nil
	}
	threshold, err := s.threshold(ctx, tx)
	if err != nil {
		return Plan{}, fmt.Errorf("exact threshold: %w", err)
	}
	var b pgx.Batch
	b.Queue(narrowSQL, narrow[0])
	b.Queue(fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM chunks c WHERE %s LIMIT %d) x`, f.where, threshold+1), f.args...)
	b.Queue(narrowSQL, narrow[1])
	br := tx.SendBatch(ctx, &b)
	var n int
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&n)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Plan{}, fmt.Errorf("count visible: %w", err)
	}
	s.keepCount(f, threshold, n)
	return pathFor(n, threshold), nil
}

// mergeRest adds the rows of the exact subquery of a group search to those
// of its index subqueries: de-duplicated by chunk id, nearest first, the
// leg's limit.
func (st Statement) mergeRest(ctx context.Context, tx pgx.Tx, ids []int64, docs []string, ds []float64) ([]int64, []string, []float64, error) {
	var b pgx.Batch
	b.Queue(narrowSQL, st.narrow[0])
	b.Queue(st.restSQL, st.restArgs...)
	b.Queue(narrowSQL, st.narrow[1])
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, nil, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, nil, err
	}
	type row struct {
		id  int64
		doc string
		d   float64
	}
	all := make([]row, len(ids))
	for i := range ids {
		all[i] = row{ids[i], docs[i], ds[i]}
	}
	var r row
	if _, err := pgx.ForEachRow(rows, []any{&r.id, &r.doc, &r.d}, func() error {
		all = append(all, r)
		return nil
	}); err != nil {
		return nil, nil, nil, err
	}
	if _, err := br.Exec(); err != nil {
		return nil, nil, nil, err
	}
	if err := br.Close(); err != nil {
		return nil, nil, nil, err
	}
	slices.SortFunc(all, func(a, b row) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
	seen := map[int64]bool{}
	ids, docs, ds = ids[:0], docs[:0], ds[:0]
	for _, r := range all {
		if seen[r.id] || len(ids) == st.restLimit {
			continue
		}
		seen[r.id] = true
		ids, docs, ds = append(ids, r.id), append(docs, r.doc), append(ds, r.d)
	}
	return ids, docs, ds, nil
}
