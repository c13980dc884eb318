package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"kontext"
	"kontext/ingest"
	"kontext/internal/dbtest"
)

// TestWritesObeyVisibility: an ingest by external id, a delete and a
// release find only what their caller can see. A document hidden from the
// caller is neither changed nor named, whatever the request asks for.
func TestWritesObeyVisibility(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, store, _, tenant := setup(t)
	owner := kontext.Principal{Tenant: tenant, User: "cfo", Groups: []string{"management"}, Clearance: kontext.Confidential, Role: kontext.Editor}
	ed := kontext.Principal{Tenant: tenant, User: "ed", Groups: []string{"marketing", "support"}, Clearance: kontext.Internal, Role: kontext.Editor}

	secret := markdown(owner, "pricing/strategy.md", "# Preisstrategie\n\nDer Rabatt für Großkunden liegt bei 31 Prozent.\n")
	secret.Classification, secret.AllowedGroups = kontext.Confidential, []string{"management"}
	hidden, err := in.Ingest(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	before, err := store.Get(ctx, owner, hidden.DocumentID)
	if err != nil {
		t.Fatal(err)
	}

	// The editor's upload under the same external id, public and
	// tenant-wide: a new document of its own, as if the hidden one did not
	// exist.
	overwrite := markdown(ed, "pricing/strategy.md", "# Preise\n\nAlles kostenlos.\n")
	overwrite.Classification, overwrite.AllowedGroups, overwrite.TenantWide = kontext.Public, nil, true
	res, err := in.Ingest(ctx, overwrite)
	if err != nil {
		t.Fatalf("Ingest over a hidden external id: %v", err)
	}
	if res.DocumentID == hidden.DocumentID || res.Outcome != ingest.OutcomeNew || res.Version != 1 {
		t.Errorf("Ingest over a hidden external id = %+v; want a new document of the caller's, version 1", res)
	}
	after, err := store.Get(ctx, owner, hidden.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || after.ContentHash != before.ContentHash || after.Classification != kontext.Confidential ||
		after.TenantWide || strings.Join(after.AllowedGroups, ",") != "management" {
		t.Errorf("hidden document after the editor's upload = %+v; want it unchanged (%+v)", after, before)
	}
	if _, err := store.Get(ctx, ed, hidden.DocumentID); !errors.Is(err, kontext.ErrNotFound) {
		t.Errorf("Get of the hidden document by the editor = %v; want ErrNotFound", err)
	}

	// Delete and release of the hidden id answer as for an id that does not
	// exist, and are audited.
	const missing = "00000000-0000-4000-8000-000000000000"
	for _, id := range []string{hidden.DocumentID, missing} {
		err := store.Delete(ctx, ed, id)
		if !errors.Is(err, kontext.ErrNotFound) || strings.Contains(err.Error(), "confidential") {
			t.Errorf("Delete(%s) by the editor = %v; want a plain ErrNotFound", id, err)
		}
	}
	if n := auditCount(t, tenant, "document.delete_refused"); n != 2 {
		t.Errorf("%d document.delete_refused events; want 2", n)
	}
	if _, err := store.Get(ctx, owner, hidden.DocumentID); err != nil {
		t.Errorf("hidden document after the editor's delete: %v; want it still there", err)
	}

	// Someone who sees both documents must say which one it means.
	both := kontext.Principal{Tenant: tenant, User: "boss", Groups: []string{"management"}, Clearance: kontext.Confidential, Role: kontext.Admin}
	again := markdown(both, "pricing/strategy.md", "# Neu\n\nText.\n")
	again.AllowedGroups = []string{"management"}
	if _, err := in.Ingest(ctx, again); !errors.Is(err, kontext.ErrConflict) ||
		!strings.Contains(err.Error(), hidden.DocumentID) || !strings.Contains(err.Error(), res.DocumentID) {
		t.Errorf("Ingest of an external id naming two visible documents = %v; want ErrConflict naming both", err)
	}
	// The operator's command line sees the whole tenant and is held to
	// the same rule.
	op := markdown(kontext.Principal{Tenant: tenant, User: "ops", Clearance: kontext.Confidential, Role: kontext.Admin}, "pricing/strategy.md", "# Neu\n\nText.\n")
	op.Operator = true
	if _, err := in.Ingest(ctx, op); !errors.Is(err, kontext.ErrConflict) {
		t.Errorf("operator Ingest of an external id naming two documents = %v; want ErrConflict", err)
	}
}

// TestWriteCeiling: a caller writes at most at its clearance, grants only
// its own groups (admins any), and keeps what it writes visible to itself.
func TestWriteCeiling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, store, _, tenant := setup(t)
	ed := kontext.Principal{Tenant: tenant, User: "ed", Groups: []string{"marketing", "support"}, Clearance: kontext.Internal, Role: kontext.Editor}
	admin := ed
	admin.User, admin.Role = "ada", kontext.Admin

	cases := []struct {
		name   string
		p      kontext.Principal
		mutate func(*ingest.Request)
		ok     bool
	}{
		{"own group at clearance", ed, func(*ingest.Request) {}, true},
		{"two own groups", ed, func(r *ingest.Request) { r.AllowedGroups = []string{"marketing", "support"} }, true},
		{"tenant-wide public", ed, func(r *ingest.Request) { r.AllowedGroups, r.TenantWide, r.Classification = nil, true, kontext.Public }, true},
		{"self and a colleague", ed, func(r *ingest.Request) { r.AllowedGroups, r.AllowedUsers = nil, []string{"ed", "jana"} }, true},
		{"above clearance", ed, func(r *ingest.Request) { r.Classification = kontext.Confidential }, false},
		{"foreign group", ed, func(r *ingest.Request) { r.AllowedGroups = []string{"marketing", "legal"} }, false},
		{"only a colleague", ed, func(r *ingest.Request) { r.AllowedGroups, r.AllowedUsers = nil, []string{"jana"} }, false},
		{"admin grants a foreign group", admin, func(r *ingest.Request) { r.AllowedGroups = []string{"marketing", "legal"} }, true},
		{"admin above clearance", admin, func(r *ingest.Request) { r.Classification = kontext.Confidential }, false},
		{"admin hides it from itself", admin, func(r *ingest.Request) { r.AllowedGroups = []string{"legal"} }, false},
	}
	refused := 0
	for i, tc := range cases {
		req := markdown(tc.p, "ceiling-"+string(rune('a'+i)), "# Text\n\nEin Absatz über "+tc.name+".\n")
		tc.mutate(&req)
		res, err := in.Ingest(ctx, req)
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: Ingest = %v; want it stored", tc.name, err)
		case tc.ok:
			if _, err := store.Get(ctx, tc.p, res.DocumentID); err != nil {
				t.Errorf("%s: the writer cannot read its own document: %v", tc.name, err)
			}
		case !errors.Is(err, kontext.ErrForbidden):
			t.Errorf("%s: Ingest = %+v, %v; want ErrForbidden", tc.name, res, err)
		default:
			refused++
		}
	}
	if n := auditCount(t, tenant, "document.write_refused"); n != refused {
		t.Errorf("%d document.write_refused events; want %d", n, refused)
	}

	// Re-ingesting a visible document may not lift it above the ceiling
	// either.
	req := markdown(ed, "ceiling-a", "# Text\n\nNeu.\n")
	req.AllowedGroups = []string{"legal"}
	if _, err := in.Ingest(ctx, req); !errors.Is(err, kontext.ErrForbidden) {
		t.Errorf("re-ingest into a foreign group = %v; want ErrForbidden", err)
	}
}

// TestWriteScopeRLS holds the database to the rules without the
// application: in the write scope a statement cannot see, change or delete
// a hidden document, write above the clearance, grant a foreign group or
// release a quarantined document.
func TestWriteScopeRLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, _, _, tenant := setup(t)
	owner := kontext.Principal{Tenant: tenant, User: "cfo", Groups: []string{"management"}, Clearance: kontext.Confidential, Role: kontext.Editor}
	secret := markdown(owner, "secret", "# Geheim\n\nText.\n")
	secret.Classification, secret.AllowedGroups = kontext.Confidential, []string{"management"}
	hidden, err := in.Ingest(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}

	ed := kontext.Principal{Tenant: tenant, User: "ed", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor}
	asWriter := func(p kontext.Principal, fn func(tx pgx.Tx) error) error {
		return pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
			sql, args := p.SessionSQL()
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'write', true)"); err != nil {
				return err
			}
			return fn(tx)
		})
	}
	affected := func(p kontext.Principal, sql string, args ...any) int64 {
		t.Helper()
		var n int64
		err := asWriter(p, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, sql, args...)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	for _, sql := range []string{
		"UPDATE documents SET classification = 'public', tenant_wide = true WHERE id = $1",
		"UPDATE chunks SET classification = 'public' WHERE document_id = $1",
		"DELETE FROM chunks WHERE document_id = $1",
		"DELETE FROM documents WHERE id = $1",
	} {
		if n := affected(ed, sql, hidden.DocumentID); n != 0 {
			t.Errorf("%s on a hidden document touched %d rows; want 0", sql, n)
		}
	}
	var found int
	if err := asWriter(ed, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM documents WHERE external_id = 'secret'").Scan(&found)
	}); err != nil || found != 0 {
		t.Errorf("hidden document found by external id in the write scope: %d, %v", found, err)
	}

	refusedBy42501 := func(name, sql string, args ...any) {
		t.Helper()
		err := asWriter(ed, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s = %v; want insufficient_privilege (42501)", name, err)
		}
	}
	insert := `INSERT INTO documents (tenant, external_id, content_hash, classification, allowed_groups)
		VALUES ($1, $2, '\x00', $3, $4)`
	refusedBy42501("insert above clearance", insert, tenant, "x1", "confidential", []string{"marketing"})
	refusedBy42501("insert for a foreign group", insert, tenant, "x2", "internal", []string{"marketing", "legal"})
	if n := affected(ed, insert, tenant, "x3", "internal", []string{"marketing"}); n != 1 {
		t.Errorf("insert within the ceiling affected %d rows; want 1", n)
	}
	refusedBy42501("update into a foreign group", "UPDATE documents SET allowed_groups = '{legal}' WHERE external_id = 'x3'")

	// Releasing by a plain status update: refused for an editor even on a
	// document it sees, and for a reviewer without the release action.
	marketingOwner := owner
	marketingOwner.Groups = []string{"marketing"}
	q, err := in.Ingest(ctx, markdown(marketingOwner, "poisoned-m", "# Notiz\n\n"+injectionMarker+"\n"))
	if err != nil || q.Status != "quarantined" {
		t.Fatalf("poisoned ingest = %+v, %v", q, err)
	}
	refusedBy42501("status update by an editor", "UPDATE documents SET status = 'active' WHERE id = $1", q.DocumentID)
	rev := ed
	rev.Role = kontext.Reviewer
	err = asWriter(rev, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE chunks SET status = 'active' WHERE document_id = $1", q.DocumentID)
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("chunk status update by a reviewer without the release action = %v; want 42501", err)
	}
}

// auditCount counts the tenant's audit events with the action.
func auditCount(t *testing.T, tenant, action string) int {
	t.Helper()
	var n int
	err := pgx.BeginFunc(context.Background(), dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE action = $1", action).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
