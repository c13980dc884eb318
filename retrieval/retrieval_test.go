package retrieval_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
	"kontext/retrieval"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var emb = llm.NewHashEmbedder(384)

func newTenant(t *testing.T, prefix string) string {
	t.Helper()
	tenant := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	err := pgx.BeginFunc(context.Background(), dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		_, err := tx.Exec(context.Background(), "INSERT INTO tenants (id) VALUES ($1)", tenant)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tenant
}

func newIngester(t *testing.T) *ingest.Ingester {
	t.Helper()
	in, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func newStore(t *testing.T, opts retrieval.Options) *retrieval.Store {
	t.Helper()
	s, err := retrieval.New(dbtest.Pool(t), emb, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestACLMatrix asserts every visible/invisible combination of principals
// and documents, through the SQL predicate and through row-level security
// alone.
func TestACLMatrix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant, other := newTenant(t, "acl"), newTenant(t, "acl-other")
	in := newIngester(t)
	editor := func(tn string) kontext.Principal {
		return kontext.Principal{Tenant: tn, User: "ed", Clearance: kontext.Confidential, Role: kontext.Editor}
	}
	past, yesterday, tomorrow := time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), time.Now().Add(24*time.Hour)
	docs := []struct {
		id     string
		tenant string
		mutate func(*ingest.Request)
	}{
		{"marketing-internal", tenant, func(r *ingest.Request) {}},
		{"legal-confidential", tenant, func(r *ingest.Request) { r.AllowedGroups = []string{"legal"}; r.Classification = kontext.Confidential }},
		{"marketing-confidential", tenant, func(r *ingest.Request) { r.Classification = kontext.Confidential }},
		{"user-jana", tenant, func(r *ingest.Request) { r.AllowedGroups = nil; r.AllowedUsers = []string{"jana"} }},
		{"tenant-wide-public", tenant, func(r *ingest.Request) { r.AllowedGroups = nil; r.TenantWide = true; r.Classification = kontext.Public }},
		{"expired", tenant, func(r *ingest.Request) { r.ValidFrom, r.ValidUntil = &past, &yesterday }},
		{"not-yet-valid", tenant, func(r *ingest.Request) { r.ValidFrom = &tomorrow }},
		{"quarantined", tenant, func(r *ingest.Request) {}},
		{"other-tenant", other, func(r *ingest.Request) { r.TenantWide = true }},
	}
	ids := map[string]string{}
	for _, d := range docs {
		req := ingest.Request{Principal: editor(d.tenant), Operator: true, Name: d.id + ".md", ExternalID: d.id,
			Data:           []byte("# Flasche " + d.id + "\n\nDie Flasche ist spülmaschinenfest und aus Edelstahl.\n"),
			Classification: kontext.Internal, AllowedGroups: []string{"marketing"}}
		d.mutate(&req)
		res, err := in.Ingest(ctx, req)
		if err != nil {
			t.Fatalf("ingest %s: %v", d.id, err)
		}
		ids[res.DocumentID] = d.id
	}
	// Quarantine one document as ingest does for injected content.
	err := pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)")
		_, err := tx.Exec(ctx, "UPDATE chunks SET status = 'quarantined' WHERE document_id = (SELECT id FROM documents WHERE external_id = 'quarantined')")
		if err == nil {
			_, err = tx.Exec(ctx, "UPDATE documents SET status = 'quarantined' WHERE external_id = 'quarantined'")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	principals := []struct {
		name string
		p    kontext.Principal
		want []string
	}{
		{"marketing internal", kontext.Principal{Tenant: tenant, User: "max", Groups: []string{"marketing"}, Clearance: kontext.Internal},
			[]string{"marketing-internal", "tenant-wide-public"}},
		{"marketing confidential", kontext.Principal{Tenant: tenant, User: "max", Groups: []string{"marketing"}, Clearance: kontext.Confidential},
			[]string{"marketing-internal", "marketing-confidential", "tenant-wide-public"}},
		{"legal confidential", kontext.Principal{Tenant: tenant, User: "lea", Groups: []string{"legal"}, Clearance: kontext.Confidential},
			[]string{"legal-confidential", "tenant-wide-public"}},
		{"jana without groups", kontext.Principal{Tenant: tenant, User: "jana", Clearance: kontext.Internal},
			[]string{"user-jana", "tenant-wide-public"}},
		{"public clearance", kontext.Principal{Tenant: tenant, User: "pub", Groups: []string{"marketing", "legal"}, Clearance: kontext.Public},
			[]string{"tenant-wide-public"}},
		{"other tenant", kontext.Principal{Tenant: other, User: "max", Groups: []string{"marketing"}, Clearance: kontext.Confidential},
			[]string{"other-tenant"}},
		{"unknown tenant", kontext.Principal{Tenant: "nobody", User: "max", Groups: []string{"marketing"}, Clearance: kontext.Confidential},
			nil},
	}
	store := newStore(t, retrieval.Options{})
	// Each search twice: the first counts the visible chunks in a
	// transaction, the second (count cached) runs as one batch.
	for _, pc := range principals {
		for _, mode := range []string{"sql predicate", "row-level security only", "sql predicate", "row-level security only"} {
			t.Run(pc.name+"/"+mode, func(t *testing.T) {
				q := retrieval.Query{Text: "Ist die Flasche spülmaschinenfest?", K: 100, PerDocument: 10}
				var results []retrieval.Result
				var err error
				if mode == "sql predicate" {
					results, _, err = store.Search(ctx, pc.p, q)
				} else {
					results, _, err = store.SearchWithoutACL(ctx, pc.p, q)
				}
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for _, r := range results {
					name, ok := ids[r.DocumentID]
					if !ok {
						t.Fatalf("result from an unknown document %s", r.DocumentID)
					}
					got[name] = true
				}
				want := map[string]bool{}
				for _, w := range pc.want {
					want[w] = true
					if !got[w] {
						t.Errorf("%s does not see %s", pc.name, w)
					}
				}
				for g := range got {
					if !want[g] {
						t.Errorf("%s sees %s, which it may not", pc.name, g)
					}
				}
			})
		}
	}
}

func TestInflection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "infl")
	in := newIngester(t)
	p := kontext.Principal{Tenant: tenant, User: "u", Groups: []string{"g"}, Clearance: kontext.Internal, Role: kontext.Editor}
	for id, text := range map[string]string{
		"de": "# Pflege\n\nDie Flaschen werden in der Spülmaschine gereinigt. Die Dichtungen tauschst du jährlich.\n",
		"en": "# Care\n\nThe bottles are washed in the dishwasher. Replace the seals every year.\n",
		"xx": "# Andere\n\nDer Versand kostet 4,95 Euro. Shipping is free from 50 Euro.\n",
	} {
		if _, err := in.Ingest(ctx, ingest.Request{Principal: p, Operator: true, Name: id + ".md", ExternalID: id, Data: []byte(text),
			Classification: kontext.Internal, AllowedGroups: []string{"g"}}); err != nil {
			t.Fatal(err)
		}
	}
	store := newStore(t, retrieval.Options{})
	tests := []struct {
		query, lang, wantDoc string
	}{
		{"Flasche reinigen", "de", "de"},  // Flaschen, gereinigt
		{"Dichtung tauschen", "de", "de"}, // Dichtungen, tauschst
		{"bottle washing", "en", "en"},    // bottles, washed
		{"replacing a seal", "en", "en"},  // Replace, seals
	}
	for _, tc := range tests {
		results, _, err := store.Search(ctx, p, retrieval.Query{Text: tc.query, Language: tc.lang, K: 5, VectorWeight: ptr(0.0)})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range results {
			if r.FullText != nil && r.ExternalID == tc.wantDoc {
				found = true
			}
		}
		if !found {
			t.Errorf("full text for %q (%s) did not match document %s: %+v", tc.query, tc.lang, tc.wantDoc, results)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestShortResults: 20,000 chunks, a caller who sees 1% of them gets k
// full results, all visible, on both the exact and the HNSW path.
func TestShortResults(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	ctx := context.Background()
	tenant := newTenant(t, "short")
	pool := dbtest.Pool(t)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		// 200 documents of 100 chunks; documents 0 and 1 belong to the
		// group "rare", the rest to "common".
		if _, err := tx.Exec(ctx, `INSERT INTO documents (tenant, external_id, content_hash, classification, allowed_groups)
			SELECT $1, 'doc-' || g, '\x00', 'internal', CASE WHEN g < 2 THEN '{rare}'::text[] ELSE '{common}'::text[] END
			FROM generate_series(0, 199) g`, tenant); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, text, token_count, embedding, embedding_model,
				classification, allowed_groups)
			SELECT d.id, d.tenant, g, 'chunk ' || g, 2,
			       (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, 384) WHERE g >= 0)::vector,
			       $2, 'internal', d.allowed_groups
			FROM documents d, generate_series(0, 99) g WHERE d.tenant = $1`, tenant, emb.Model())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.EnsureIndex(ctx, dbtest.OwnerPool(t), emb.Model(), emb.Dimensions()); err != nil {
		t.Fatal(err)
	}
	if _, err := dbtest.OwnerPool(t).Exec(ctx, "ANALYZE chunks"); err != nil {
		t.Fatal(err)
	}
	rare := kontext.Principal{Tenant: tenant, User: "r", Groups: []string{"rare"}, Clearance: kontext.Internal}
	for _, tc := range []struct {
		name      string
		threshold int
		wantPath  string
	}{
		{"exact", 20000, "exact"},
		{"hnsw", 50, "hnsw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newStore(t, retrieval.Options{ExactThreshold: tc.threshold})
			results, plan, err := store.Search(ctx, rare, retrieval.Query{Text: "Edelstahl Flasche", K: 10, PerDocument: 10, VectorWeight: ptr(1.0)})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Path != tc.wantPath {
				t.Errorf("plan = %+v; want path %s", plan, tc.wantPath)
			}
			if len(results) != 10 {
				t.Fatalf("%s path returned %d results for a caller who sees 1%% of 20,000 chunks; want 10", tc.name, len(results))
			}
			for _, r := range results {
				if r.ExternalID != "doc-0" && r.ExternalID != "doc-1" {
					t.Errorf("result from %s, which the caller may not see", r.ExternalID)
				}
			}
			if tc.wantPath == "hnsw" {
				// The vector leg must run on the HNSW index, not sort the table.
				vec, _ := emb.Embed(ctx, []string{"Edelstahl Flasche"})
				st, err := store.Statement(ctx, rare, retrieval.Query{Text: "Edelstahl Flasche", K: 10, PerDocument: 10, VectorWeight: ptr(1.0)}, vec[0])
				if err != nil {
					t.Fatal(err)
				}
				var plan strings.Builder
				err = pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
					sql, args := rare.SessionSQL()
					if _, err := tx.Exec(ctx, sql, args...); err != nil {
						return err
					}
					for _, set := range st.Settings {
						if _, err := tx.Exec(ctx, set); err != nil {
							return err
						}
					}
					rows, err := tx.Query(ctx, "EXPLAIN "+st.VectorSQL, st.VectorArgs...)
					if err != nil {
						return err
					}
					lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
					plan.WriteString(strings.Join(lines, "\n"))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(plan.String(), "Index Scan using "+ingest.IndexName(emb.Model())) {
					t.Errorf("the vector leg does not use the HNSW index:\n%s", plan.String())
				}
			}
		})
	}
}

func TestQueryValidation(t *testing.T) {
	t.Parallel()
	store := newStore(t, retrieval.Options{})
	p := kontext.Principal{Tenant: "val", User: "u", Clearance: kontext.Public}
	for _, q := range []retrieval.Query{
		{Text: "  "},
		{Text: "x", K: 101},
		{Text: "x", K: -1},
		{Text: "x", Language: "fr"},
		{Text: "x", DocumentIDs: []string{"1; DROP TABLE chunks"}},
		{Text: "x", PerDocument: 1000},
	} {
		if _, _, err := store.Search(context.Background(), p, q); !errors.Is(err, kontext.ErrInvalid) {
			t.Errorf("Search(%+v) = %v; want ErrInvalid", q, err)
		}
	}
}

func TestPerDocumentCapAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "cap")
	in := newIngester(t)
	p := kontext.Principal{Tenant: tenant, User: "u", Groups: []string{"g"}, Clearance: kontext.Internal, Role: kontext.Editor}
	long := "# Lang\n\n"
	for i := range 12 {
		long += fmt.Sprintf("## Teil %d\n\nDie Flasche aus Edelstahl hält Getränke kalt. Abschnitt %d.\n\n", i, i)
	}
	var longID string
	for id, text := range map[string]string{"long": long, "short": "# Kurz\n\nDie Flasche aus Edelstahl ist leicht.\n"} {
		res, err := in.Ingest(ctx, ingest.Request{Principal: p, Operator: true, Name: id + ".md", ExternalID: id, Data: []byte(text),
			Classification: kontext.Internal, AllowedGroups: []string{"g"}, Metadata: map[string]any{"kind": id}})
		if err != nil {
			t.Fatal(err)
		}
		if id == "long" {
			longID = res.DocumentID
		}
	}
	store := newStore(t, retrieval.Options{})
	results, _, err := store.Search(ctx, p, retrieval.Query{Text: "Flasche Edelstahl", K: 10})
	if err != nil {
		t.Fatal(err)
	}
	perDoc := map[string]int{}
	for _, r := range results {
		perDoc[r.ExternalID]++
	}
	if perDoc["long"] != retrieval.DefaultPerDocument || perDoc["short"] != 1 {
		t.Errorf("results per document = %v; want long capped at %d and short present", perDoc, retrieval.DefaultPerDocument)
	}
	results, _, err = store.Search(ctx, p, retrieval.Query{Text: "Flasche", K: 10, Metadata: map[string]string{"kind": "short"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].ExternalID != "short" {
		t.Errorf("metadata filter kind=short = %+v; want the short document only", results)
	}
	results, _, err = store.Search(ctx, p, retrieval.Query{Text: "Flasche", K: 10, PerDocument: 20, DocumentIDs: []string{longID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 10 {
		t.Errorf("document filter returned %d results; want 10 from the long document", len(results))
	}
	for _, r := range results {
		if r.DocumentID != longID {
			t.Errorf("document filter let %s through", r.ExternalID)
		}
	}
}

// TestPrincipalTokens asserts that the row-level security policy's tokens
// (kontext_principal_tokens in SQL) are the tokens the search presents
// (AccessTokens), for principals with no, one and several groups, with and
// without a user, and that tenant scope and an undeclared tenant get their
// own.
func TestPrincipalTokens(t *testing.T) {
	ctx := context.Background()
	sqlTokens := func(p kontext.Principal, scope bool) []string {
		var out []string
		err := pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
			if p.Tenant != "" {
				sql, args := p.SessionSQL()
				if _, err := tx.Exec(ctx, sql, args...); err != nil {
					return err
				}
			}
			if scope {
				if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
					return err
				}
			}
			return tx.QueryRow(ctx, "SELECT kontext_principal_tokens()").Scan(&out)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, p := range []kontext.Principal{
		{Tenant: "acme", Clearance: kontext.Internal},
		{Tenant: "acme", User: "jana", Clearance: kontext.Public},
		{Tenant: "acme", Groups: []string{"marketing"}, Clearance: kontext.Internal},
		{Tenant: "acme-2", User: "u_1", Groups: []string{"marketing", "sales", "eu-west"}, Clearance: kontext.Confidential},
	} {
		if got, want := sqlTokens(p, false), retrieval.AccessTokens(p); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("tokens of %+v: SQL %q, search %q", p, got, want)
		}
	}
	if got := sqlTokens(kontext.Principal{Tenant: "acme", User: "u", Groups: []string{"g"}}, true); strings.Join(got, " ") != "acme/#" {
		t.Errorf("tokens in tenant scope = %q; want [acme/#]", got)
	}
	if got := sqlTokens(kontext.Principal{}, false); got != nil {
		t.Errorf("tokens without a tenant = %q; want NULL", got)
	}
}

// TestQueryLanguagePreferred: a question with words both languages use
// finds the page in its own language first, and a one-word German compound
// whose language is not detected still finds what is written in parts (this
// case fails when compounds are split for German queries only).
func TestQueryLanguagePreferred(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "qlang")
	in := newIngester(t)
	p := kontext.Principal{Tenant: tenant, User: "u", Groups: []string{"g"}, Clearance: kontext.Internal, Role: kontext.Editor}
	lang := map[string]string{"de": "de", "en": "en", "cup": "de"}
	for id, text := range map[string]string{
		"de":  "# Social Media\n\nEmojis: höchstens zwei pro Social Post, keine im Newsletter-Betreff.\n",
		"en":  "# Social media\n\nEmojis: at most two per social post, none in newsletter subject lines.\n",
		"cup": "# Talbecher\n\nDer Deckel des Thermobechers lässt sich mit einer Hand öffnen.\n",
	} {
		if _, err := in.Ingest(ctx, ingest.Request{Principal: p, Operator: true, Name: id + ".md", ExternalID: id, Data: []byte(text), Language: lang[id],
			Classification: kontext.Internal, AllowedGroups: []string{"g"}}); err != nil {
			t.Fatal(err)
		}
	}
	store := newStore(t, retrieval.Options{})
	for _, tc := range []struct{ query, lang, want string }{
		{"How many emojis in a social post?", "en", "en"},
		{"Wie viele Emojis im Social Post?", "de", "de"},
		{"Thermobecherdeckel", "", "cup"},
	} {
		results, _, err := store.Search(ctx, p, retrieval.Query{Text: tc.query, Language: tc.lang, K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(results) == 0 || results[0].ExternalID != tc.want {
			t.Errorf("%q (%s): first result %+v; want document %s", tc.query, tc.lang, results, tc.want)
		}
	}
}

// TestFirstDocumentFound: a caller who has searched while nothing was
// visible finds the first document ingested after (the bounded count of
// visible chunks is cached, but not a count of none).
func TestFirstDocumentFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "first")
	s := newStore(t, retrieval.Options{})
	p := kontext.Principal{Tenant: tenant, User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal}
	q := retrieval.Query{Text: "Zitronenpresse", Language: "de"}
	if res, _, err := s.Search(ctx, p, q); err != nil || len(res) != 0 {
		t.Fatalf("Search before ingest = %d results, %v; want 0, nil", len(res), err)
	}
	if _, err := newIngester(t).Ingest(ctx, ingest.Request{Principal: p, Operator: true, Name: "presse.md",
		Data: []byte("# Presse\n\nDie Zitronenpresse aus Glas.\n"), Classification: kontext.Internal, AllowedGroups: []string{"marketing"}}); err != nil {
		t.Fatal(err)
	}
	res, plan, err := s.Search(ctx, p, q)
	if err != nil || len(res) != 1 {
		t.Fatalf("Search after ingest = %d results (plan %+v), %v; want 1", len(res), plan, err)
	}
}
