package ingest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/audit"
)

// Document is a stored document's record, without its chunks.
type Document struct {
	ID             string                 `json:"id"`
	Tenant         string                 `json:"tenant"`
	ExternalID     string                 `json:"external_id"`
	Title          string                 `json:"title"`
	SourceURI      string                 `json:"source_uri,omitempty"`
	ContentType    string                 `json:"content_type,omitempty"`
	Language       string                 `json:"language"`
	ContentHash    string                 `json:"content_hash"`
	Version        int                    `json:"version"`
	Classification kontext.Classification `json:"classification"`
	Purpose        kontext.Purpose        `json:"purpose"`
	AllowedGroups  []string               `json:"allowed_groups"`
	AllowedUsers   []string               `json:"allowed_users"`
	TenantWide     bool                   `json:"tenant_wide"`
	ValidFrom      *time.Time             `json:"valid_from,omitempty"`
	ValidUntil     *time.Time             `json:"valid_until,omitempty"`
	RetainUntil    *time.Time             `json:"retain_until,omitempty"`
	Status         string                 `json:"status"`
	Metadata       map[string]any         `json:"metadata"`
	Chunks         int                    `json:"chunks"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

const documentColumns = `d.id, d.tenant, d.external_id, d.title, d.source_uri, d.content_type, d.language,
	encode(d.content_hash, 'hex'), d.version, d.classification, d.allowed_groups, d.allowed_users, d.tenant_wide,
	d.valid_from, d.valid_until, d.retain_until, d.status, d.metadata, d.created_at, d.updated_at,
	(SELECT count(*) FROM chunks c WHERE c.document_id = d.id), d.purpose::text`

func scanDocument(row pgx.Row) (Document, error) {
	var d Document
	var meta []byte
	err := row.Scan(&d.ID, &d.Tenant, &d.ExternalID, &d.Title, &d.SourceURI, &d.ContentType, &d.Language,
		&d.ContentHash, &d.Version, &d.Classification, &d.AllowedGroups, &d.AllowedUsers, &d.TenantWide,
		&d.ValidFrom, &d.ValidUntil, &d.RetainUntil, &d.Status, &meta, &d.CreatedAt, &d.UpdatedAt, &d.Chunks, &d.Purpose)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(meta, &d.Metadata); err != nil {
		return d, fmt.Errorf("metadata: %w", err)
	}
	return d, nil
}

// scope is how far a transaction may see inside its tenant.
type scope int

const (
	// asPrincipal sees what the principal's access list allows.
	asPrincipal scope = iota
	// asWriter sees what the principal's access list and clearance allow,
	// whatever the status and validity window: ingest, deletion and
	// release, which may only touch what their caller could read.
	asWriter
	// asTenant sees every row of the tenant: retention, erasure and the
	// operator's command line.
	asTenant
)

// inTx runs fn in a transaction declared for the principal, so that
// row-level security applies to every statement in it.
func inTx(ctx context.Context, pool *pgxpool.Pool, p kontext.Principal, sc scope, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("declare principal: %w", err)
		}
		if sc != asPrincipal {
			name := "tenant"
			if sc == asWriter {
				name = "write"
			}
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', $1, true)", name); err != nil {
				return fmt.Errorf("declare scope: %w", err)
			}
		}
		return fn(tx)
	})
}

// Store reads and deletes documents on behalf of principals.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a document store on pool (the application role's).
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// readScope is how a principal reads document records: editors and up see
// their quarantined and expired documents too (they may replace, delete or
// release them); viewers see what search would give them.
func readScope(p kontext.Principal) scope {
	if p.Role.Allows(kontext.Editor) {
		return asWriter
	}
	return asPrincipal
}

// Get returns the document if the principal may see it; otherwise, and
// for ids that do not exist or are malformed, ErrNotFound.
func (s *Store) Get(ctx context.Context, p kontext.Principal, id string) (Document, error) {
	var d Document
	if !uuidPattern.MatchString(id) {
		return Document{}, fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	err := inTx(ctx, s.pool, p, readScope(p), func(tx pgx.Tx) error {
		var err error
		d, err = scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM documents d WHERE d.id = $1::uuid", id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Document{}, fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	if err != nil {
		return Document{}, fmt.Errorf("ingest: get document: %w", err)
	}
	return d, nil
}

// ListFilter narrows and pages a document listing.
type ListFilter struct {
	// Classification, Language and Status filter by equality when set.
	Classification kontext.Classification
	Language       string
	Status         string
	// ExternalID filters by exact external id.
	ExternalID string
	// Limit is the page size, 1-500 (default 50).
	Limit int
	// After is the cursor returned with the previous page.
	After string
}

// Page is one page of a listing; Next is the cursor of the next page, empty
// on the last.
type Page struct {
	Documents []Document `json:"documents"`
	Next      string     `json:"next,omitempty"`
}

// List returns the documents the principal may see, most recently updated
// first.
func (s *Store) List(ctx context.Context, p kontext.Principal, f ListFilter) (Page, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 500 {
		return Page{}, kontext.Invalidf("limit", "must be from 1 to 500")
	}
	if f.Classification != "" && f.Classification.Rank() < 0 {
		return Page{}, kontext.Invalidf("classification", "%q is not one of public, internal, confidential", f.Classification)
	}
	if f.Status != "" && f.Status != "active" && f.Status != "quarantined" {
		return Page{}, kontext.Invalidf("status", "%q is not one of active, quarantined", f.Status)
	}
	var afterTime *time.Time
	var afterID string
	if f.After != "" {
		t, id, err := decodeCursor(f.After)
		if err != nil {
			return Page{}, kontext.Invalidf("after", "not a cursor returned by this listing")
		}
		afterTime, afterID = &t, id
	}
	var page Page
	err := inTx(ctx, s.pool, p, readScope(p), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+documentColumns+` FROM documents d
			WHERE ($1 = '' OR d.classification::text = $1)
			  AND ($2 = '' OR d.language = $2)
			  AND ($3 = '' OR d.status::text = $3)
			  AND ($4 = '' OR d.external_id = $4)
			  AND ($5::timestamptz IS NULL OR (d.updated_at, d.id::text) < ($5, $6))
			ORDER BY d.updated_at DESC, d.id::text DESC
			LIMIT $7`,
			string(f.Classification), f.Language, f.Status, f.ExternalID, afterTime, afterID, f.Limit+1)
		if err != nil {
			return err
		}
		page.Documents, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDocument(r) })
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("ingest: list documents: %w", err)
	}
	if len(page.Documents) > f.Limit {
		page.Documents = page.Documents[:f.Limit]
		last := page.Documents[f.Limit-1]
		page.Next = encodeCursor(last.UpdatedAt, last.ID)
	}
	if page.Documents == nil {
		page.Documents = []Document{}
	}
	return page, nil
}

// Delete removes a document the principal may see (whatever its status),
// with its chunks and their personal data index, and records it in the
// audit log. A document it cannot see is not found, as one that does not
// exist; the refusal is audited either way.
func (s *Store) Delete(ctx context.Context, p kontext.Principal, id string) error {
	if !uuidPattern.MatchString(id) {
		return fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	err := inTx(ctx, s.pool, p, asWriter, func(tx pgx.Tx) error {
		var version, chunks int
		err := tx.QueryRow(ctx, `WITH c AS (SELECT count(*) AS n FROM chunks WHERE document_id = $1::uuid)
			DELETE FROM documents d WHERE d.id = $1::uuid RETURNING d.version, (SELECT n FROM c)`, id).Scan(&version, &chunks)
		if err != nil {
			return err
		}
		return record(ctx, tx, p, "document.deleted", id, map[string]any{"version": version, "chunks": chunks})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		s.refused(ctx, p, "document.delete_refused", id)
		return fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("ingest: delete document: %w", err)
	}
	return nil
}

// Release lets a quarantined document the principal may see back into
// search, as the explicit decision of a reviewer or admin (row-level
// security refuses it to anyone else). The comment, why it was judged
// harmless, is kept in the audit event. It returns the released document.
func (s *Store) Release(ctx context.Context, p kontext.Principal, id, comment string) (Document, error) {
	if !uuidPattern.MatchString(id) {
		return Document{}, fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	if !p.Role.Allows(kontext.Reviewer) {
		return Document{}, fmt.Errorf("releasing a quarantined document needs the reviewer role: %w", kontext.ErrForbidden)
	}
	var d Document
	err := inTx(ctx, s.pool, p, asWriter, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, "SELECT status FROM documents WHERE id = $1::uuid FOR UPDATE", id).Scan(&status); err != nil {
			return err
		}
		if status != "quarantined" {
			return fmt.Errorf("document %s is %s, not quarantined: %w", id, status, kontext.ErrConflict)
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.action', 'release', true)"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE documents SET status = 'active', updated_at = now() WHERE id = $1::uuid", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE chunks SET status = 'active' WHERE document_id = $1::uuid", id); err != nil {
			return err
		}
		var err error
		if d, err = scanDocument(tx.QueryRow(ctx, "SELECT "+documentColumns+" FROM documents d WHERE d.id = $1::uuid", id)); err != nil {
			return err
		}
		return record(ctx, tx, p, "document.released", id, map[string]any{"version": d.Version, "chunks": d.Chunks, "comment": comment})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		s.refused(ctx, p, "document.release_refused", id)
		return Document{}, fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	if errors.Is(err, kontext.ErrConflict) {
		return Document{}, err
	}
	if isPolicyViolation(err) {
		return Document{}, fmt.Errorf("releasing a quarantined document needs the reviewer role: %w", kontext.ErrForbidden)
	}
	if err != nil {
		return Document{}, fmt.Errorf("ingest: release document: %w", err)
	}
	return d, nil
}

// refused audits a refused write on a document id; a failure to record is
// not the caller's to see.
func (s *Store) refused(ctx context.Context, p kontext.Principal, action, id string) {
	_ = recordRefusal(ctx, s.pool, p, action, id, nil)
}

// recordRefusal appends a refused write to the audit log in a transaction
// of its own (the write's was rolled back). It names what was asked for,
// never what was found: whether the object exists stays unsaid.
func recordRefusal(ctx context.Context, pool *pgxpool.Pool, p kontext.Principal, action, subject string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["role"] = p.Role
	return inTx(ctx, pool, p, asPrincipal, func(tx pgx.Tx) error {
		return record(ctx, tx, p, action, subject, details)
	})
}

// record appends an event to the tenant's audit log in tx.
func record(ctx context.Context, tx pgx.Tx, p kontext.Principal, action, subject string, details map[string]any) error {
	return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: action, Subject: subject, Details: details})
}

// isPolicyViolation reports whether err is a refusal by row-level security
// or the quarantine trigger (insufficient_privilege).
func isPolicyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// isForeignKeyViolation reports whether err is a foreign key violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", err
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, "", errors.New("bad cursor")
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.UnixMicro(us), id, nil
}

// uuidPattern is a document id's shape; anything else is not found without
// asking the database (and the comparison can use the primary key).
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
