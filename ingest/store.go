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
	// asTenant sees every row of the tenant: ingest, deletion, erasure.
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
		if sc == asTenant {
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
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

// Get returns the document if the principal may see it; otherwise, and
// for ids that do not exist or are malformed, ErrNotFound.
func (s *Store) Get(ctx context.Context, p kontext.Principal, id string) (Document, error) {
	var d Document
	if !uuidPattern.MatchString(id) {
		return Document{}, fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	err := inTx(ctx, s.pool, p, asPrincipal, func(tx pgx.Tx) error {
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
	err := inTx(ctx, s.pool, p, asPrincipal, func(tx pgx.Tx) error {
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

// Delete removes a document the principal may see, with its chunks and
// their personal data index, and records it in the audit log.
func (s *Store) Delete(ctx context.Context, p kontext.Principal, id string) error {
	if !uuidPattern.MatchString(id) {
		return fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	err := inTx(ctx, s.pool, p, asPrincipal, func(tx pgx.Tx) error {
		var docID string
		if err := tx.QueryRow(ctx, "SELECT id FROM documents WHERE id = $1::uuid", id).Scan(&docID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		var version, chunks int
		err := tx.QueryRow(ctx, `WITH c AS (SELECT count(*) AS n FROM chunks WHERE document_id = $1)
			DELETE FROM documents d WHERE d.id = $1 RETURNING d.version, (SELECT n FROM c)`, docID).Scan(&version, &chunks)
		if err != nil {
			return err
		}
		return record(ctx, tx, p, "document.deleted", docID, map[string]any{"version": version, "chunks": chunks})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("document %s: %w", id, kontext.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("ingest: delete document: %w", err)
	}
	return nil
}

// record appends an event to the tenant's audit log in tx.
func record(ctx context.Context, tx pgx.Tx, p kontext.Principal, action, subject string, details map[string]any) error {
	return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: action, Subject: subject, Details: details})
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
