// Package retrieval finds the chunks that answer a query among those the
// caller may see: a vector leg (pgvector cosine distance) and a full-text
// leg (PostgreSQL text search in the chunk's language), fused by
// reciprocal rank fusion, in one SQL round trip. Access control is in the
// SQL and, independently, in the row-level security policies of the
// transaction the search runs in.
package retrieval

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/ingest"
	"kontext/llm"
)

// Defaults and limits of a Query.
const (
	DefaultK           = 10
	MaxK               = 100
	DefaultPerDocument = 3
	DefaultRRFK        = 60
	maxQueryBytes      = 4096
)

// Options configure a Store.
type Options struct {
	// ExactThreshold: when at most this many chunks are visible to the
	// caller, the vector leg scans them exactly instead of using the HNSW
	// index (which filters after its approximate scan and would come back
	// short). Default (0): the measured crossover of the two paths' costs
	// for the table's size and EfSearch (crossover.go).
	ExactThreshold int
	// EfSearch is hnsw.ef_search for the index path (default 400, raised
	// to the number of candidates when that is larger).
	EfSearch int
	// MaxScanTuples bounds the iterative index scan (default 40,000).
	MaxScanTuples int
	// GroupEfSearch is hnsw.ef_search when a search reads only group
	// indexes (groupindex.go; default DefaultGroupEfSearch).
	GroupEfSearch int
	// NoGroupIndexes: the index path reads the model's shared index only,
	// whatever group indexes are built.
	NoGroupIndexes bool
	// Reranker, when set, reorders the fused candidates (three times k, at
	// most 100) and the best k are returned. Off by default.
	Reranker Reranker
	// VectorWeight and TextWeight are the legs' weights in the fusion when
	// a query sets none; nil takes DefaultWeights of the embedding model.
	VectorWeight, TextWeight *float64
	// K1 and B are the BM25 parameters of the lexical leg (default 0.9 and
	// 0.6, chosen on the development splits; docs/search.md#ranking).
	K1, B float64
	// SimpleWeight weighs matches of the query's exact words (the 'simple'
	// configuration) against stemmed matches, which weigh 1 (default 0.5).
	SimpleWeight float64
	// CompoundWeight weighs the German compound parts and compounds a
	// query word brings in (default 0.25; negative: none).
	CompoundWeight float64
	// OtherLanguageWeight scales the lexical score of a chunk written in
	// the other language than the query's, when both are known (default
	// 0.5; 1: no preference).
	OtherLanguageWeight float64
	// Reads, when set, picks the database a search reads from: a
	// streaming replica, or the primary (see ReadPool). Nil reads the pool.
	Reads ReadPool
}

// DefaultWeights returns the fusion weights of the vector and the lexical
// leg for an embedding model: the offline hashing embedder's vectors rank
// worse than BM25 on every benchmark set and add nothing in the fusion
// (docs/search.md), so its leg gets weight 0 and does not run; a learned
// model gets the same weight as the lexical leg.
func DefaultWeights(model string) (vector, text float64) {
	if strings.HasPrefix(model, "kontext-hash-") {
		return 0, 1
	}
	return 1, 1
}

// Store searches chunks.
type Store struct {
	pool     *pgxpool.Pool
	embedder llm.Embedder
	opts     Options
	model    string
	dims     int

	mu     sync.Mutex
	counts map[string]cachedCount // visible-chunk counts by principal and filters

	indexed   int       // the planner's estimate of the chunks, for the crossover
	indexedAt time.Time // when it was read

	groups map[string]cachedGroups // group indexes by tenant (groupindex.go)
}

// cachedCount is a bounded count of visible chunks; the plan only needs to
// know on which side of the threshold a caller is, so a count a minute old
// serves, and saves a scan of up to the threshold's rows per search.
type cachedCount struct {
	n  int
	at time.Time
}

const countTTL = time.Minute

var modelName = regexp.MustCompile(`^[A-Za-z0-9._:/@+-]{1,200}$`)

// New returns a Store searching the chunks embedded with embedder's model.
func New(pool *pgxpool.Pool, embedder llm.Embedder, opts Options) (*Store, error) {
	if !modelName.MatchString(embedder.Model()) {
		return nil, fmt.Errorf("retrieval: model name %q is not usable in an index predicate", embedder.Model())
	}
	if embedder.Dimensions() < 1 {
		return nil, errors.New("retrieval: the embedder must declare its dimensions")
	}
	if opts.ExactThreshold < 0 {
		opts.ExactThreshold = 0
	}
	if opts.EfSearch <= 0 {
		opts.EfSearch = 400
	}
	if opts.MaxScanTuples <= 0 {
		opts.MaxScanTuples = 40000
	}
	if opts.K1 <= 0 {
		opts.K1 = 0.9
	}
	if opts.B <= 0 || opts.B > 1 {
		opts.B = 0.6
	}
	if opts.SimpleWeight <= 0 {
		opts.SimpleWeight = 0.5
	}
	if opts.OtherLanguageWeight <= 0 {
		opts.OtherLanguageWeight = 0.5
	}
	if opts.CompoundWeight == 0 {
		opts.CompoundWeight = 0.25
	}
	dv, dt := DefaultWeights(embedder.Model())
	for _, w := range []struct {
		p   **float64
		def float64
	}{{&opts.VectorWeight, dv}, {&opts.TextWeight, dt}} {
		if *w.p == nil {
			*w.p = &w.def
		} else if **w.p < 0 || **w.p > 10 {
			return nil, fmt.Errorf("retrieval: weight %g is out of range 0-10: %w", **w.p, kontext.ErrInvalid)
		}
	}
	return &Store{pool: pool, embedder: embedder, opts: opts, model: embedder.Model(), dims: embedder.Dimensions()}, nil
}

// Query is one search.
type Query struct {
	// Text is the query in natural language (required).
	Text string `json:"query"`
	// K is how many chunks to return, 1-100 (default 10).
	K int `json:"k"`
	// Language of the query: de, en or simple; empty detects it.
	Language string `json:"language"`
	// Metadata keeps chunks whose document metadata has these key/value pairs.
	Metadata map[string]string `json:"metadata"`
	// DocumentIDs, when set, limits the search to these documents.
	DocumentIDs []string `json:"document_ids"`
	// DocumentLanguage, when set, keeps chunks of documents in that language.
	DocumentLanguage string `json:"document_language"`
	// Purposes, when set, keeps chunks of documents with one of these
	// purposes (reference, guideline, correspondence).
	Purposes []kontext.Purpose `json:"purposes"`
	// PerDocument caps the chunks from one document (default 3) so that one
	// long document cannot crowd out the others.
	PerDocument int `json:"per_document"`
	// MinScore drops results whose fused score is below it.
	MinScore float64 `json:"min_score"`
	// VectorWeight and TextWeight weight the legs in the fusion (default:
	// the Store's, which follow the embedding model). A leg weighted 0 does
	// not run.
	VectorWeight *float64 `json:"vector_weight"`
	TextWeight   *float64 `json:"text_weight"`
	// RRFK is the k of reciprocal rank fusion (default 60).
	RRFK int `json:"rrf_k"`
}

// Leg is one leg's view of a result.
type Leg struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
}

// Result is one retrieved chunk.
type Result struct {
	ChunkID     int64  `json:"chunk_id"`
	DocumentID  string `json:"document_id"`
	ExternalID  string `json:"external_id"`
	Title       string `json:"title"`
	Version     int    `json:"version"`
	HeadingPath string `json:"heading_path"`
	Ordinal     int    `json:"ordinal"`
	Text        string `json:"text"`
	Language    string `json:"language"`
	// Classification is the chunk's document classification.
	Classification kontext.Classification `json:"classification"`
	// Purpose is the chunk's document purpose: reference, guideline or
	// correspondence.
	Purpose kontext.Purpose `json:"purpose"`
	// PersonalData lists the kinds of personal data found in the chunk at
	// ingest ("PERSON", "EMAIL", ...); never the values.
	PersonalData []string `json:"personal_data"`
	Score        float64  `json:"score"`
	Vector       *Leg     `json:"vector,omitempty"`
	FullText     *Leg     `json:"full_text,omitempty"`
	// Matched is "vector", "full_text" or "both".
	Matched string `json:"matched"`
	// RerankScore is the reranker's score, when one is configured.
	RerankScore *float64 `json:"rerank_score,omitempty"`

	// Page and LastPage are the PDF pages the chunk starts and ends on;
	// absent for formats without pages.
	Page     int `json:"page,omitempty"`
	LastPage int `json:"last_page,omitempty"`
}

// Plan says how a search ran, for diagnostics and benchmarks.
type Plan struct {
	// Visible is the number of chunks visible to the caller, counted up to
	// the exact-scan threshold (Visible > threshold means "more").
	Visible int    `json:"visible"`
	Path    string `json:"path"` // "exact" or "hnsw"
	// GroupIndexes names the group indexes the index path read
	// (groupindex.go); none: the model's shared index alone.
	GroupIndexes []string `json:"group_indexes,omitempty"`
	// Dense: the caller holds a dense group (groupindex.go), so the
	// shared index was searched at the group search width.
	Dense bool `json:"dense,omitempty"`
}

func (q *Query) normalise() error {
	q.Text = strings.TrimSpace(q.Text)
	if q.Text == "" {
		return kontext.Invalidf("query", "is required")
	}
	if len(q.Text) > maxQueryBytes {
		return kontext.Invalidf("query", "longer than %d bytes", maxQueryBytes)
	}
	if q.K == 0 {
		q.K = DefaultK
	}
	if q.K < 1 || q.K > MaxK {
		return kontext.Invalidf("k", "%d is out of range 1-%d", q.K, MaxK)
	}
	if q.PerDocument == 0 {
		q.PerDocument = DefaultPerDocument
	}
	if q.PerDocument < 1 || q.PerDocument > MaxK {
		return kontext.Invalidf("per_document", "%d is out of range 1-%d", q.PerDocument, MaxK)
	}
	if q.RRFK == 0 {
		q.RRFK = DefaultRRFK
	}
	if q.RRFK < 1 || q.RRFK > 1000 {
		return kontext.Invalidf("rrf_k", "%d is out of range 1-1000", q.RRFK)
	}
	for _, w := range []*float64{q.VectorWeight, q.TextWeight} {
		if w != nil && (*w < 0 || *w > 10) {
			return kontext.Invalidf("weight", "%g is out of range 0-10", *w)
		}
	}
	switch q.Language {
	case "":
		q.Language = ingest.DetectLanguage(q.Text)
	case "de", "en", "simple":
	default:
		return kontext.Invalidf("language", "%q is not one of de, en, simple", q.Language)
	}
	switch q.DocumentLanguage {
	case "", "de", "en", "simple":
	default:
		return kontext.Invalidf("document_language", "%q is not one of de, en, simple", q.DocumentLanguage)
	}
	for _, pur := range q.Purposes {
		if pur == "" {
			return kontext.Invalidf("purposes", "an empty purpose")
		}
		if _, err := kontext.ParsePurpose(string(pur)); err != nil {
			return err
		}
	}
	for _, id := range q.DocumentIDs {
		if !uuidPattern.MatchString(id) {
			return kontext.Invalidf("document_ids", "%q is not a document id", id)
		}
	}
	for k := range q.Metadata {
		if k == "" || len(k) > 128 {
			return kontext.Invalidf("metadata", "keys must be 1-128 bytes")
		}
	}
	return nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Search returns up to q.K chunks visible to p, best first.
func (s *Store) Search(ctx context.Context, p kontext.Principal, q Query) ([]Result, Plan, error) {
	if err := p.Validate(); err != nil {
		return nil, Plan{}, err
	}
	if err := q.normalise(); err != nil {
		return nil, Plan{}, err
	}
	s.weigh(&q)
	var vec []float32
	if *q.VectorWeight > 0 {
		vecs, err := s.embedder.Embed(kontext.NewContext(ctx, p), []string{q.Text})
		if err != nil {
			return nil, Plan{}, fmt.Errorf("retrieval: embed query: %w", err)
		}
		vec = vecs[0]
	}
	if s.opts.Reranker == nil {
		return s.search(ctx, p, q, vec, true)
	}
	k := q.K
	q.K = min(3*k, MaxK)
	results, plan, err := s.search(ctx, p, q, vec, true)
	if err != nil || len(results) == 0 {
		return results, plan, err
	}
	results, err = rerank(ctx, s.opts.Reranker, q.Text, results, k)
	if err != nil {
		return nil, plan, fmt.Errorf("retrieval: %w", err)
	}
	return results, plan, nil
}

// weigh fills in the Store's weights where the query sets none.
func (s *Store) weigh(q *Query) {
	if q.VectorWeight == nil {
		q.VectorWeight = s.opts.VectorWeight
	}
	if q.TextWeight == nil {
		q.TextWeight = s.opts.TextWeight
	}
}

// Statement is the SQL a search runs, for inspection and benchmarks: the
// session settings of its path, on the index path the vector leg's own
// query, then the fused query with its arguments.
type Statement struct {
	Plan     Plan
	Settings []string
	// VectorSQL, on the index path, is the vector leg run on its own with
	// bitmap scans off: the planner would otherwise rather combine the
	// access index with an exact sort of every visible row. Its rows fill
	// the three arguments of SQL from VectorSlot on.
	VectorSQL  string
	VectorArgs []any
	VectorSlot int
	SQL        string
	Args       []any

	// restSQL, on the index path of a group search, is the exact scan of
	// what the caller sees besides its indexed groups, run after VectorSQL
	// and merged into its rows (at most restLimit).
	restSQL   string
	restArgs  []any
	restLimit int
	narrow    [2]string // the rest's groups and the caller's (groupindex.go)
}

// Run executes the statement in tx, which must have declared the
// principal, and returns the fused rows.
func (st Statement) Run(ctx context.Context, tx pgx.Tx) (pgx.Rows, error) {
	for _, set := range st.Settings {
		if _, err := tx.Exec(ctx, set); err != nil {
			return nil, err
		}
	}
	args := st.Args
	if st.VectorSQL != "" {
		rows, err := tx.Query(ctx, st.VectorSQL, st.VectorArgs...)
		if err != nil {
			return nil, err
		}
		var ids []int64
		var docs []string
		var ds []float64
		var id int64
		var doc string
		var d float64
		if _, err := pgx.ForEachRow(rows, []any{&id, &doc, &d}, func() error {
			ids, docs, ds = append(ids, id), append(docs, doc), append(ds, d)
			return nil
		}); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('enable_bitmapscan', 'on', true), set_config('enable_seqscan', 'on', true)"); err != nil {
			return nil, err
		}
		if st.restSQL != "" {
			if ids, docs, ds, err = st.mergeRest(ctx, tx, ids, docs, ds); err != nil {
				return nil, err
			}
		}
		args = append([]any(nil), st.Args...)
		args[st.VectorSlot], args[st.VectorSlot+1], args[st.VectorSlot+2] = ids, docs, ds
	}
	return tx.Query(ctx, st.SQL, args...)
}

// Statement plans a search as Search would and returns its SQL without
// running it; the principal is declared with p.SessionSQL() before.
func (s *Store) Statement(ctx context.Context, p kontext.Principal, q Query, vec []float32) (Statement, error) {
	if err := p.Validate(); err != nil {
		return Statement{}, err
	}
	if err := q.normalise(); err != nil {
		return Statement{}, err
	}
	s.weigh(&q)
	var st Statement
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		st, err = s.prepare(ctx, tx, p, q, vec, true)
		return err
	})
	return st, err
}

// prepare declares the principal in tx, plans the search and builds its
// statement.
func (s *Store) prepare(ctx context.Context, tx pgx.Tx, p kontext.Principal, q Query, vec []float32, acl bool) (Statement, error) {
	var st Statement
	sql, args := p.SessionSQL()
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return st, err
	}
	f := s.filters(p, q, acl)
	var err error
	if st.Plan, err = s.plan(ctx, tx, f); err != nil {
		return st, err
	}
	st.Settings = s.settings(q, st.Plan)
	s.query(&st, q, f, vec)
	if err := s.groupLeg(ctx, tx, &st, p, q, f, vec); err != nil {
		return st, err
	}
	return st, nil
}

// plan counts the visible chunks, up to the threshold, and picks the path.
func (s *Store) plan(ctx context.Context, tx pgx.Tx, f filter) (Plan, error) {
	threshold, err := s.threshold(ctx, tx)
	if err != nil {
		return Plan{}, fmt.Errorf("exact threshold: %w", err)
	}
	if plan, ok := s.cachedPlan(f, threshold); ok {
		return plan, nil
	}
	var n int
	countSQL := fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM chunks c WHERE %s LIMIT %d) x`, f.where, threshold+1)
	if err := tx.QueryRow(ctx, countSQL, f.args...).Scan(&n); err != nil {
		return Plan{}, fmt.Errorf("count visible: %w", err)
	}
	s.keepCount(f, threshold, n)
	return pathFor(n, threshold), nil
}

// keepCount caches a bounded visible count. A count of none is not kept:
// the caller's first document must be found as soon as it is written.
func (s *Store) keepCount(f filter, threshold, n int) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	if s.counts == nil || len(s.counts) > 10000 {
		s.counts = map[string]cachedCount{}
	}
	s.counts[countKey(f, threshold)] = cachedCount{n: n, at: time.Now()}
	s.mu.Unlock()
}

// cachedPlan returns the plan of a count less than a minute old, taken
// against the same threshold (the count is bounded by it).
func (s *Store) cachedPlan(f filter, threshold int) (Plan, bool) {
	s.mu.Lock()
	c, ok := s.counts[countKey(f, threshold)]
	s.mu.Unlock()
	if !ok || time.Since(c.at) >= countTTL {
		return Plan{}, false
	}
	return pathFor(c.n, threshold), true
}

func countKey(f filter, threshold int) string { return fmt.Sprint(threshold, " ", f.key) }

func pathFor(visible, threshold int) Plan {
	if visible > threshold {
		return Plan{Visible: visible, Path: "hnsw"}
	}
	return Plan{Visible: visible, Path: "exact"}
}

// settings is the one statement that sets the transaction's planner
// settings for the path: no parallel workers and no JIT compilation (both
// cost more to start than these queries take), and on the index path the
// HNSW search width and iterative scanning, with bitmap and sequential
// scans off for the vector leg (Statement.Run turns them back on for the
// fused query): the planner cannot estimate how many rows the access policy
// lets through and, guessing few, would sort the whole table instead.
func (s *Store) settings(q Query, plan Plan) []string {
	return s.settingsWith(q, plan, s.opts.EfSearch)
}

// settingsWith is settings with hnsw.ef_search efSearch on the index path.
func (s *Store) settingsWith(q Query, plan Plan, efSearch int) []string {
	sets := []string{"max_parallel_workers_per_gather", "0", "jit", "off"}
	if plan.Path == "hnsw" && (q.VectorWeight == nil || *q.VectorWeight > 0) {
		ef := min(max(efSearch, candidates(q)), 1000)
		sets = append(sets, "hnsw.ef_search", fmt.Sprint(ef), "hnsw.iterative_scan", "relaxed_order",
			"hnsw.max_scan_tuples", fmt.Sprint(s.opts.MaxScanTuples), "enable_bitmapscan", "off", "enable_seqscan", "off")
	}
	calls := make([]string, 0, len(sets)/2)
	for i := 0; i < len(sets); i += 2 {
		calls = append(calls, fmt.Sprintf("set_config('%s', '%s', true)", sets[i], sets[i+1]))
	}
	return []string{"SELECT " + strings.Join(calls, ", ")}
}

// search runs the query; acl false leaves the access predicate out of the
// SQL (tests use it to prove that row-level security alone holds).
func (s *Store) search(ctx context.Context, p kontext.Principal, q Query, vec []float32, acl bool) ([]Result, Plan, error) {
	var out []Result
	f := s.filters(p, q, acl)
	if plan, ok := s.knownPlan(f); ok && plan.Path == "exact" {
		// The count is known: declaring the principal, the settings and
		// the search go to the server in one round trip (see oneTrip).
		err := s.read(ctx, p.Tenant, func(pool *pgxpool.Pool) error {
			var err error
			out, err = s.oneTrip(ctx, pool, p, q, f, plan, vec)
			return err
		})
		if err != nil {
			return nil, plan, fmt.Errorf("retrieval: search: %w", err)
		}
		if out == nil {
			out = []Result{}
		}
		return out, plan, nil
	}
	var plan Plan
	err := s.read(ctx, p.Tenant, func(pool *pgxpool.Pool) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			// A bounded count decides the plan: exact scan over few visible
			// rows, the HNSW index with iterative scanning over many.
			st, err := s.prepare(ctx, tx, p, q, vec, acl)
			plan = st.Plan
			if err != nil || plan.Visible == 0 {
				return err
			}
			rows, err := st.Run(ctx, tx)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, scanResult)
			return err
		})
	})
	if err != nil {
		return nil, plan, fmt.Errorf("retrieval: search: %w", err)
	}
	if out == nil {
		out = []Result{}
	}
	return out, plan, nil
}

// oneTrip runs an exact-path search as one batch: the statement that
// declares the principal (set_config(..., true)), the planner settings and
// the search. PostgreSQL runs a batch sent with one Sync as one implicit
// transaction, so the declaration holds for the search, as in an explicit
// transaction, and ends with it; if any statement fails, none after it
// runs. A search of a small tenant is then one round trip instead of five
// (begin, principal, settings, search, commit), which on a loaded machine
// is most of its time.
func (s *Store) oneTrip(ctx context.Context, pool *pgxpool.Pool, p kontext.Principal, q Query, f filter, plan Plan, vec []float32) ([]Result, error) {
	st := Statement{Plan: plan, Settings: s.settings(q, plan)}
	s.query(&st, q, f, vec)
	var b pgx.Batch
	sql, args := p.SessionSQL()
	b.Queue(sql, args...)
	for _, set := range st.Settings {
		b.Queue(set)
	}
	b.Queue(st.SQL, st.Args...)
	br := pool.SendBatch(ctx, &b)
	defer br.Close()
	for range 1 + len(st.Settings) {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanResult)
	if err != nil {
		return nil, err
	}
	return out, br.Close()
}

// candidates is how many chunks each leg contributes to the fusion.
func candidates(q Query) int { return min(max(4*q.K, 40), 1000) }

// filter is the WHERE clause shared by both legs, with its arguments.
type filter struct {
	where  string
	args   []any
	tenant string
	acl    bool
	key    string // of the visible-chunk count: the predicate and the principal
	// access is the access-token condition of where, its tokens the
	// argument at tokenSlot (groupindex.go replaces them).
	access    string
	tokenSlot int
}

// filters builds the access and option predicates. Values are always bound
// parameters; only the validated model name and the dimension appear in
// the text, so that the partial index's predicate can be matched.
func (s *Store) filters(p kontext.Principal, q Query, acl bool) filter {
	f := filter{tenant: p.Tenant, acl: acl}
	arg := func(v any) string {
		f.args = append(f.args, v)
		return fmt.Sprintf("$%d", len(f.args))
	}
	conds := []string{fmt.Sprintf("c.embedding_model = '%s'", s.model)}
	if acl {
		tenant := "c.tenant = " + arg(p.Tenant)
		f.access = "c.access && " + arg(AccessTokens(p)) + "::text[]"
		f.tokenSlot = len(f.args) - 1
		conds = append(conds, tenant, f.access,
			"c.classification <= "+arg(string(p.Clearance))+"::classification",
			"c.status = 'active'",
			"(c.valid_from IS NULL OR c.valid_from <= now())",
			"(c.valid_until IS NULL OR c.valid_until > now())",
		)
	}
	if len(q.DocumentIDs) > 0 {
		conds = append(conds, "c.document_id = ANY ("+arg(q.DocumentIDs)+"::uuid[])")
	}
	if q.DocumentLanguage != "" {
		conds = append(conds, "c.language = "+arg(q.DocumentLanguage))
	}
	if len(q.Purposes) > 0 {
		purposes := make([]string, len(q.Purposes))
		for i, pur := range q.Purposes {
			purposes[i] = string(pur)
		}
		conds = append(conds, "c.purpose = ANY ("+arg(purposes)+"::document_purpose[])")
	}
	if len(q.Metadata) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM documents md WHERE md.id = c.document_id AND md.metadata @> "+arg(q.Metadata)+"::jsonb)")
	}
	f.where = strings.Join(conds, " AND ")
	f.key = fmt.Sprint(f.where, f.args)
	if !acl {
		// Without the predicate the count is row-level security's, which
		// follows the principal.
		f.key += fmt.Sprint(AccessTokens(p), p.Clearance, p.Role)
	}
	return f
}

// query builds the one-round-trip hybrid search. The exact and the index
// paths differ in their SQL text, so that a statement prepared and cached
// under one path's settings is never reused under the other's.
func (s *Store) query(st *Statement, q Query, f filter, vec []float32) {
	exact := st.Plan.Path == "exact"
	args := append([]any(nil), f.args...)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	vw, tw := 1.0, 1.0
	if q.VectorWeight != nil {
		vw = *q.VectorWeight
	}
	if q.TextWeight != nil {
		tw = *q.TextWeight
	}
	// The lexical leg's statistics and postings are those of the access
	// classes the caller may see: in the SQL and, independently, in the
	// row-level security of the tables.
	classes, classes2 := "", ""
	if f.acl {
		classes, classes2 = "AND s.class_id = ANY ((SELECT ids FROM vc)::bigint[])", "AND p.class_id = ANY ((SELECT ids FROM vc)::bigint[])"
	}
	tenant := f.tenant
	var overfetch *int
	if len(q.DocumentIDs) == 0 && q.DocumentLanguage == "" && len(q.Purposes) == 0 && len(q.Metadata) == 0 {
		n := 2 * candidates(q)
		overfetch = &n
	}
	candidates := candidates(q)
	// A leg weighted 0 is not run: its constant predicate lets the planner
	// skip it entirely.
	textLeg := "true"
	if tw == 0 {
		textLeg = "false"
	}
	// vectorLeg builds the vector leg's query with its arguments appended
	// through add.
	vectorLeg := func(add func(any) string) string {
		distance := fmt.Sprintf("(c.embedding::vector(%d) <=> %s)", s.dims, add(pgvector.NewVector(vec)))
		order := distance
		if exact {
			// Without the cast (only the index needs it: the model filter
			// fixes the dimension) and with "+ 0", the planner cannot use the
			// HNSW index: the rows are few, and an exact scan returns every
			// one of them.
			distance = strings.Replace(distance, fmt.Sprintf("::vector(%d)", s.dims), "", 1)
			order = distance + " + 0"
		}
		return fmt.Sprintf("SELECT c.id, c.document_id, %s AS d FROM chunks c WHERE %s ORDER BY %s LIMIT %s",
			distance, f.where, order, add(candidates))
	}
	var v string
	if vw == 0 {
		v = "SELECT NULL::bigint AS id, NULL::uuid AS document_id, NULL::float8 AS d WHERE false"
	} else if exact {
		v = vectorLeg(arg)
	} else {
		// The index path runs the vector leg first (see Statement) and
		// passes its rows in.
		vargs := append([]any(nil), f.args...)
		st.VectorSQL = vectorLeg(func(x any) string {
			vargs = append(vargs, x)
			return fmt.Sprintf("$%d", len(vargs))
		})
		st.VectorArgs = vargs
		st.VectorSlot = len(args)
		v = fmt.Sprintf("SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::float8[]) AS u(id, document_id, d)", arg(nil), arg(nil), arg(nil))
	}
	limit := arg(candidates)
	lang := arg(ingest.TextSearchConfig(q.Language))
	text := arg(q.Text)
	sql := fmt.Sprintf(`WITH
v AS MATERIALIZED (%[1]s),
vr AS (SELECT id, document_id, row_number() OVER (ORDER BY d) AS rank, 1 - d AS score FROM v),
vc AS (SELECT kontext_visible_classes() AS ids),
-- The query's lexemes in each stemming configuration, so that a chunk
-- is matched with its own language's stems whatever the query's language,
-- and in 'simple' (exact words, weighted %[16]s) unless the query
-- language's configuration drops them as stop words.
qa AS (
	SELECT c.cfg, l AS lexeme, 1.0::float8 AS w
	FROM unnest(ARRAY['german', 'english']) c(cfg), unnest(tsvector_to_array(to_tsvector(c.cfg::regconfig, %[6]s))) l
	UNION ALL
	SELECT 'simple', l, %[16]s::float8
	FROM unnest(tsvector_to_array(to_tsvector('simple', %[6]s))) l
	WHERE to_tsvector(%[5]s::regconfig, l) <> ''::tsvector
),
-- German compounds (weighted %[20]s; unless the query reads as English, so
-- also a one-word query whose language is not detected): the parts of a query word that the
-- caller's visible vocabulary holds, at either end (Edelstahltrinkflasche:
-- edelstahl, trinkflasch, flasch), so that a compound finds what is
-- written in parts.
dc AS (
	SELECT 'german'::text AS cfg, s.lexeme, %[20]s::float8 AS w
	FROM qa q, generate_series(4, length(q.lexeme) - 3) i,
	     LATERAL (VALUES (left(q.lexeme, i)), (right(q.lexeme, i))) x(part)
	JOIN term_stats s ON s.tenant = %[14]s AND s.cfg = 'german' AND s.lexeme = x.part %[17]s
	WHERE %[20]s::float8 > 0 AND %[5]s::text <> 'english' AND q.cfg = 'german' AND length(q.lexeme) >= 8
),
ql AS (SELECT cfg, lexeme, max(w) AS w FROM (SELECT * FROM qa UNION ALL SELECT * FROM dc) x GROUP BY cfg, lexeme),
-- BM25 statistics of the access classes the caller may see, nothing else.
cs AS (
	SELECT s.cfg, sum(s.chunks)::float8 AS n, sum(s.length)::float8 / sum(s.chunks) AS avgdl
	FROM class_stats s WHERE s.tenant = %[14]s AND s.cfg IN (SELECT cfg FROM ql) %[17]s GROUP BY s.cfg
),
-- One weight per query lexeme (MATERIALIZED: computed once, not again for
-- each of its postings).
wt AS MATERIALIZED (
	SELECT q.cfg, q.lexeme, q.w * ln(1 + (cs.n - d.df + 0.5) / (d.df + 0.5)) AS idf, cs.avgdl
	FROM ql q
	JOIN LATERAL (SELECT sum(s.df)::float8 AS df FROM term_stats s
	              WHERE s.tenant = %[14]s AND s.cfg = q.cfg AND s.lexeme = q.lexeme %[17]s) d ON d.df > 0
	JOIN cs ON cs.cfg = q.cfg
),
-- The sum is rounded to 1e-9: the order in which it adds its terms follows
-- the plan, which the table's size (hidden rows included) may change, and
-- not even the last bit of a visible score may depend on hidden rows.
bm AS (
	SELECT p.chunk_id, round(sum(wt.idf * p.tf * (%[15]s::float8 + 1) / (p.tf + %[15]s::float8 * (1 - %[18]s::float8 + %[18]s::float8 * p.len / wt.avgdl)))::numeric, 9)::float8 AS s
	FROM wt JOIN chunk_terms p ON p.tenant = %[14]s AND p.cfg = wt.cfg AND p.lexeme = wt.lexeme
	WHERE %[13]s %[19]s
	GROUP BY p.chunk_id
),
t AS MATERIALIZED (
	-- The best-scored chunks looked up by id (OFFSET 0 keeps the planner
	-- from scanning every visible chunk for the join instead). Postings
	-- are of visible, active chunks only, so without filters of the
	-- query's own only chunks of another embedding model drop out here:
	-- twice the candidates are plenty; with filters, every scored chunk.
	-- A chunk in the other language than the query's weighs %[22]s: words
	-- both languages share ("Social Media", "Emojis") would otherwise
	-- rank a German page above the English one an English query is after.
	SELECT id, document_id, s FROM (
		SELECT c.id, c.document_id, b.s * CASE WHEN %[23]s::text IN ('de', 'en') AND c.language IN ('de', 'en')
		                                        AND c.language <> %[23]s::text THEN %[22]s::float8 ELSE 1 END AS s
		FROM (SELECT chunk_id, s FROM bm ORDER BY s DESC, chunk_id LIMIT %[21]s) b
		CROSS JOIN LATERAL (SELECT c.id, c.document_id, c.language FROM chunks c WHERE c.id = b.chunk_id AND %[2]s OFFSET 0) c
	) w
	ORDER BY s DESC, id LIMIT %[4]s
),
tr AS (SELECT id, document_id, row_number() OVER (ORDER BY s DESC) AS rank, s AS score FROM t),
fused AS (
	SELECT coalesce(vr.id, tr.id) AS id, coalesce(vr.document_id, tr.document_id) AS document_id,
	       vr.rank AS vrank, vr.score AS vscore, tr.rank AS trank, tr.score AS tscore,
	       coalesce(%[7]s::float8 / (%[9]s::float8 + vr.rank), 0) + coalesce(%[8]s::float8 / (%[9]s::float8 + tr.rank), 0) AS score
	FROM vr FULL JOIN tr ON vr.id = tr.id
),
top AS MATERIALIZED (
	SELECT * FROM (
		SELECT f.*, row_number() OVER (PARTITION BY f.document_id ORDER BY f.score DESC, f.id) AS nth FROM fused f
	) capped
	WHERE nth <= %[10]s::int AND score >= %[11]s::float8
	ORDER BY score DESC, id
	LIMIT %[12]s
)
SELECT c.id, c.document_id::text, d.external_id, d.title, d.version, c.heading_path, c.ordinal, c.text, c.language,
       c.classification::text, c.purpose::text, c.pii_types, k.score, k.vrank, k.vscore, k.trank, k.tscore,
       coalesce(c.page, 0), coalesce(c.last_page, 0)
FROM top k JOIN chunks c ON c.id = k.id JOIN documents d ON d.id = k.document_id
ORDER BY k.score DESC, c.id`,
		v, f.where, "", limit, lang, text,
		arg(vw), arg(tw), arg(float64(q.RRFK)), arg(q.PerDocument), arg(q.MinScore), arg(q.K), textLeg,
		arg(tenant), arg(s.opts.K1), arg(s.opts.SimpleWeight), classes, arg(s.opts.B), classes2, arg(s.opts.CompoundWeight), arg(overfetch),
		arg(s.opts.OtherLanguageWeight), arg(q.Language))
	st.SQL, st.Args = sql, args
}

func scanResult(row pgx.CollectableRow) (Result, error) {
	var r Result
	var vrank, trank *int
	var vscore, tscore *float64
	err := row.Scan(&r.ChunkID, &r.DocumentID, &r.ExternalID, &r.Title, &r.Version, &r.HeadingPath, &r.Ordinal,
		&r.Text, &r.Language, &r.Classification, &r.Purpose, &r.PersonalData, &r.Score, &vrank, &vscore, &trank, &tscore,
		&r.Page, &r.LastPage)
	if err != nil {
		return r, err
	}
	if vrank != nil {
		r.Vector = &Leg{Rank: *vrank, Score: *vscore}
	}
	if trank != nil {
		r.FullText = &Leg{Rank: *trank, Score: *tscore}
	}
	switch {
	case r.Vector != nil && r.FullText != nil:
		r.Matched = "both"
	case r.Vector != nil:
		r.Matched = "vector"
	default:
		r.Matched = "full_text"
	}
	return r, nil
}

// AccessTokens returns the tokens a principal presents against a chunk's
// access column (migration 004): tenant-wide, each group, the user. The
// row-level security policy computes the same tokens in SQL.
func AccessTokens(p kontext.Principal) []string {
	out := []string{p.Tenant + "/*"}
	for _, g := range p.Groups {
		out = append(out, p.Tenant+"/g:"+g)
	}
	if p.User != "" {
		out = append(out, p.Tenant+"/u:"+p.User)
	}
	return out
}
