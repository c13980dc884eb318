package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/guard/pii"
	"kontext/llm"
)

// Defaults for Options.
const (
	DefaultMaxBytes  = 20 << 20
	DefaultMaxChunks = 5000
	// DefaultPrepareTimeout bounds parsing, checking, chunking and
	// embedding one document.
	DefaultPrepareTimeout = time.Minute
)

// Outcome says what an ingest did with a document.
type Outcome string

// Outcomes of Ingest.
const (
	// OutcomeNew: the document did not exist and was stored as version 1.
	OutcomeNew Outcome = "new"
	// OutcomeChanged: its content changed; it was re-chunked and re-embedded as a new version.
	OutcomeChanged Outcome = "changed"
	// OutcomeUnchanged: its content hash matched; nothing was re-embedded (access
	// list, validity and metadata were updated if they differed).
	OutcomeUnchanged Outcome = "unchanged"
)

// Scanners are the guard checks run on every document.
type Scanners struct {
	// PII finds personal data in a chunk's text.
	PII func(text string) []pii.Finding
	// Injection reports whether a document holds instructions aimed at a
	// model, with the reasons.
	Injection func(text string) (flagged bool, score float64, reasons []string)
	// InjectionSource checks the raw source, markup included, for
	// instructions that parsing drops (HTML comments, hidden elements); nil
	// means Injection. A scorer trained on prose should not read markup.
	InjectionSource func(source string) (flagged bool, score float64, reasons []string)
	// InjectionGuideline checks a document of purpose guideline, whose
	// writing rules are instructions to writers by nature; nil means
	// Injection.
	InjectionGuideline func(text string) (flagged bool, score float64, reasons []string)
}

// Options configure an Ingester.
type Options struct {
	// Embedder computes chunk embeddings (required).
	Embedder llm.Embedder
	// Scanners run the guard checks; nil functions skip the check.
	Scanners Scanners
	// Secret keys the HMAC under which personal data is indexed (required,
	// at least 16 bytes). Changing it orphans the index used for erasure.
	Secret []byte
	// Chunking configures the chunker; zero values take its defaults.
	Chunking ChunkOptions
	// MaxBytes limits a document's raw size (default 20 MiB).
	MaxBytes int
	// MaxChunks limits the chunks of one document (default 5000). The
	// chunker stops at the first chunk past it.
	MaxChunks int
	// PrepareTimeout bounds the time one document may take from parsing to
	// its last embedding (default DefaultPrepareTimeout); past it the
	// document is refused as too large, a *RejectedError matching
	// kontext.ErrTooLarge.
	PrepareTimeout time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
	// Parse bounds the reading of PDF and Word documents (time, memory,
	// pages, inflated size) and says whether Word footnotes and comments
	// are included.
	Parse ParseOptions
}

// Ingester parses, checks, chunks, embeds and stores documents.
type Ingester struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger
}

// New returns an Ingester writing through pool (the application role's).
func New(pool *pgxpool.Pool, opts Options) (*Ingester, error) {
	if opts.Embedder == nil {
		return nil, errors.New("ingest: an embedder is required")
	}
	if len(opts.Secret) < 16 {
		return nil, errors.New("ingest: the personal data index secret must be at least 16 bytes")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxChunks <= 0 {
		opts.MaxChunks = DefaultMaxChunks
	}
	if opts.PrepareTimeout <= 0 {
		opts.PrepareTimeout = DefaultPrepareTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{pool: pool, opts: opts, log: log}, nil
}

// Request is one document to ingest and everything known about it.
type Request struct {
	// Principal is who ingests; its tenant owns the document.
	Principal kontext.Principal
	// Name is the file name or label; it picks the parser with ContentType
	// and is the external id when ExternalID is empty.
	Name        string
	ContentType string
	Data        []byte

	ExternalID     string
	Title          string
	SourceURI      string
	Language       string // de, en, simple; empty detects
	Classification kontext.Classification
	AllowedGroups  []string
	AllowedUsers   []string
	// TenantWide makes the document visible to every principal of the
	// tenant (up to its clearance). An empty access list is an error
	// unless this is set.
	TenantWide  bool
	ValidFrom   *time.Time
	ValidUntil  *time.Time
	RetainUntil *time.Time
	Metadata    map[string]any
	// AllowInstructions stores a new document with injection-like text as
	// active instead of quarantining it; it needs the reviewer role. A
	// document already quarantined stays so until it is released.
	AllowInstructions bool
	// Operator runs the ingest in the tenant scope: it finds and may replace
	// every document of the tenant, and the write ceiling does not apply.
	// For the command line, whose user holds the database credentials; the
	// HTTP API never sets it.
	Operator bool
	// Purpose says how generation may use the document: reference (the
	// default when empty), guideline or correspondence.
	Purpose kontext.Purpose
}

// Result reports what Ingest did.
type Result struct {
	DocumentID  string         `json:"id"`
	ExternalID  string         `json:"external_id"`
	Version     int            `json:"version"`
	Outcome     Outcome        `json:"outcome"`
	Status      string         `json:"status"`
	Chunks      int            `json:"chunks"`
	Language    string         `json:"language"`
	Model       string         `json:"embedding_model"`
	PII         map[string]int `json:"pii"`
	Injection   *Injection     `json:"injection,omitempty"`
	Redacted    int            `json:"redacted_erased_subjects,omitempty"`
	ContentHash string         `json:"content_hash"`
}

// Injection is the injection finding on a document.
type Injection struct {
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// RejectedError is a document that cannot be ingested as it is: its type
// is unsupported, its content is binary, empty or not UTF-8, or it breaks a
// limit. It matches kontext.ErrInvalid (or kontext.ErrTooLarge for limits).
type RejectedError struct {
	Reason  string
	tooBig  bool
	wrapped error
}

func (e *RejectedError) Error() string { return e.Reason }

// Is matches kontext.ErrInvalid, or kontext.ErrTooLarge for size limits.
func (e *RejectedError) Is(target error) bool {
	if e.tooBig {
		return target == kontext.ErrTooLarge
	}
	return target == kontext.ErrInvalid
}

// Unwrap returns the parser's error, if any.
func (e *RejectedError) Unwrap() error { return e.wrapped }

// prepared is a document parsed, checked, chunked and embedded, ready to be
// written in one transaction.
type prepared struct {
	req      Request
	title    string
	lang     string
	hash     []byte
	status   string
	chunks   []Chunk
	vectors  [][]float32
	pii      []piiRow
	counts   map[string]int
	inj      *Injection
	redacted int
	source   sourceMeta
}

type piiRow struct {
	ordinal int
	typ     string
	hash    []byte
}

// Ingest stores one document. Re-ingesting unchanged content re-embeds
// nothing; changed content becomes a new version whose chunks replace the
// old ones atomically. Embedding happens outside the transaction; two
// concurrent ingests of the same document produce one version.
func (in *Ingester) Ingest(ctx context.Context, req Request) (Result, error) {
	if err := in.validate(&req); err != nil {
		return Result{}, err
	}
	purpose, err := kontext.ParsePurpose(string(req.Purpose))
	if err != nil {
		return Result{}, err
	}
	req.Purpose = purpose
	if err := in.checkCeiling(ctx, req); err != nil {
		return Result{}, err
	}
	// The deadline of the CPU-bound phase: parse, check, chunk, embed.
	pctx, cancel := context.WithTimeout(ctx, in.opts.PrepareTimeout)
	defer cancel()
	parsed, err := ParseContext(pctx, req.Name, req.ContentType, req.Data, in.opts.Parse)
	if err != nil {
		var unsupported *UnsupportedTypeError
		if errors.As(err, &unsupported) || errors.Is(err, ErrUnsupportedType) || errors.Is(err, ErrRejected) {
			return Result{}, &RejectedError{Reason: err.Error(), wrapped: err, tooBig: errors.Is(err, errDocumentLimit)}
		}
		return Result{}, fmt.Errorf("ingest: parse %s: %w", req.Name, err)
	}
	if err := in.overDeadline(ctx, pctx, nil); err != nil {
		return Result{}, err
	}
	if limit := in.maxTextBytes(); len(parsed.Text) > limit {
		return Result{}, &RejectedError{Reason: fmt.Sprintf("document has %d bytes of text, about %d chunks: more than %d chunks (split it into smaller documents)",
			len(parsed.Text), len(parsed.Text)/(limit/in.opts.MaxChunks), in.opts.MaxChunks), tooBig: true}
	}
	p := &prepared{req: req, title: firstNonEmpty(req.Title, parsed.Title, req.Name), counts: map[string]int{}, status: "active",
		source: in.sourceMeta(parsed)}
	p.lang = req.Language
	if p.lang == "" {
		p.lang = DetectLanguage(parsed.Text)
	}
	sum := sha256.Sum256([]byte(p.title + "\x00" + parsed.Text))
	p.hash = sum[:]

	existing, err := in.current(ctx, req)
	if err != nil {
		return Result{}, err
	}
	// Same content embedded with the configured model: nothing to embed.
	// A different model (or a new version of the offline one) re-embeds.
	if existing != nil && bytes.Equal(existing.hash, p.hash) && existing.model == in.opts.Embedder.Model() {
		return in.touch(ctx, p, existing)
	}

	if err := in.prepare(pctx, p, parsed); err != nil {
		return Result{}, in.overDeadline(ctx, pctx, err)
	}
	return in.write(ctx, p)
}

// overDeadline turns err into a refusal of the document when the
// preparation deadline pctx has passed while the caller's ctx has not;
// otherwise it returns err.
func (in *Ingester) overDeadline(ctx, pctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(pctx.Err(), context.DeadlineExceeded) {
		return &RejectedError{Reason: fmt.Sprintf("document took longer than %s to parse, check, chunk and embed; split it into smaller documents", in.opts.PrepareTimeout),
			tooBig: true, wrapped: context.DeadlineExceeded}
	}
	return err
}

func (in *Ingester) validate(req *Request) error {
	p := req.Principal
	if err := p.Validate(); err != nil {
		return err
	}
	if len(req.Data) > in.opts.MaxBytes {
		return &RejectedError{Reason: fmt.Sprintf("document of %d bytes exceeds the limit of %d", len(req.Data), in.opts.MaxBytes), tooBig: true}
	}
	if req.ExternalID == "" {
		req.ExternalID = firstNonEmpty(req.SourceURI, req.Name)
	}
	if req.ExternalID == "" {
		return kontext.Invalidf("external_id", "is required (or a name or source URI)")
	}
	if len(req.ExternalID) > 1024 {
		return kontext.Invalidf("external_id", "longer than 1024 bytes")
	}
	if req.Classification == "" {
		return kontext.Invalidf("classification", "is required: public, internal or confidential")
	}
	if req.Classification.Rank() < 0 {
		return kontext.Invalidf("classification", "%q is not one of public, internal, confidential", req.Classification)
	}
	if len(req.AllowedGroups) == 0 && len(req.AllowedUsers) == 0 && !req.TenantWide {
		return kontext.Invalidf("access", "no allowed groups or users: give at least one, or make the document tenant-wide explicitly")
	}
	for _, g := range req.AllowedGroups {
		if err := kontext.ValidateName("allowed_groups", g); err != nil {
			return err
		}
	}
	for _, u := range req.AllowedUsers {
		if err := kontext.ValidateName("allowed_users", u); err != nil {
			return err
		}
	}
	switch req.Language {
	case "", "de", "en", "simple":
	default:
		return kontext.Invalidf("language", "%q is not one of de, en, simple", req.Language)
	}
	if req.ValidFrom != nil && req.ValidUntil != nil && !req.ValidFrom.Before(*req.ValidUntil) {
		return kontext.Invalidf("valid_until", "must be after valid_from")
	}
	req.AllowedGroups = dedupe(req.AllowedGroups)
	req.AllowedUsers = dedupe(req.AllowedUsers)
	return nil
}

// estimateBytesPerToken is a generous ceiling on the bytes of one token of
// German or English prose (cl100k_base averages about 4 to 4.5).
const estimateBytesPerToken = 6

// maxTextBytes is the text past which a document certainly yields more than
// MaxChunks chunks in practice: chunks fill to the target size, and no prose
// averages more bytes a token than estimateBytesPerToken. Such a document is
// refused before the chunker, the scans and the embedder see it; the
// chunker's own limit catches the rest.
func (in *Ingester) maxTextBytes() int {
	target := in.opts.Chunking.TargetTokens
	if target <= 0 {
		target = DefaultTargetTokens
	}
	return in.opts.MaxChunks * target * estimateBytesPerToken
}

// writeScope is the scope an ingest writes in: the caller's (what it could
// read, whatever the status), or the tenant's for the operator.
func writeScope(req Request) scope {
	if req.Operator {
		return asTenant
	}
	return asWriter
}

// checkCeiling refuses a write above the caller: a classification above its
// clearance, a group it is not in (unless it is an admin), an access list
// that would hide the document from its writer, or instructions let in
// without the reviewer role. Row-level security holds the same line; this
// says why, and records the refusal.
func (in *Ingester) checkCeiling(ctx context.Context, req Request) error {
	if req.Operator {
		return nil
	}
	p := req.Principal
	var reason string
	switch {
	case req.Classification.Rank() > p.Clearance.Rank():
		reason = fmt.Sprintf("classification %s is above your clearance (%s)", req.Classification, p.Clearance)
	case p.Role != kontext.Admin && !subset(req.AllowedGroups, p.Groups):
		reason = fmt.Sprintf("allowed_groups may name only your own groups (%s)", strings.Join(p.Groups, ", "))
	case !p.CanSee(req.Classification, req.AllowedGroups, req.AllowedUsers, req.TenantWide):
		reason = "you could not see this document yourself: give one of your groups, your user, or tenant_wide"
	case req.AllowInstructions && !p.Role.Allows(kontext.Reviewer):
		reason = "allow_instructions needs the reviewer role"
	default:
		return nil
	}
	in.recordRefusal(ctx, p, "document.write_refused", map[string]any{
		"external_id_sha256": sha256Hex(req.ExternalID), "reason": reason,
		"classification": req.Classification, "groups": len(req.AllowedGroups),
	})
	return fmt.Errorf("%s: %w", reason, kontext.ErrForbidden)
}

// recordRefusal audits a refused write in a transaction of its own, since
// the write's is not committed. A failure to record is logged: the refusal
// stands either way.
func (in *Ingester) recordRefusal(ctx context.Context, p kontext.Principal, action string, details map[string]any) {
	if err := recordRefusal(ctx, in.pool, p, action, "", details); err != nil {
		in.log.Warn("audit refusal", "action", action, "tenant", p.Tenant, "err", err)
	}
}

func subset(sub, of []string) bool {
	for _, v := range sub {
		if !slices.Contains(of, v) {
			return false
		}
	}
	return true
}

type existingDoc struct {
	id      string
	version int
	hash    []byte
	status  string
	lang    string
	chunks  int
	model   string
}

// current returns the stored document with the request's external id among
// those its caller can see, or nil when there is none.
func (in *Ingester) current(ctx context.Context, req Request) (*existingDoc, error) {
	var d *existingDoc
	err := inTx(ctx, in.pool, req.Principal, writeScope(req), func(tx pgx.Tx) error {
		var err error
		d, err = currentTx(ctx, tx, req.Principal.Tenant, req.ExternalID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: look up %s: %w", req.ExternalID, err)
	}
	return d, nil
}

// currentTx looks the external id up as tx's principal sees the tenant.
// Documents it cannot see are not there for it; more than one it can see
// (written by callers who could not see each other's) is a conflict it must
// resolve by deleting one, or by ingesting under another external id.
func currentTx(ctx context.Context, tx pgx.Tx, tenant, externalID string) (*existingDoc, error) {
	rows, err := tx.Query(ctx, `SELECT d.id, d.version, d.content_hash, d.status, d.language,
			(SELECT count(*) FROM chunks c WHERE c.document_id = d.id),
			coalesce((SELECT c.embedding_model FROM chunks c WHERE c.document_id = d.id LIMIT 1), '')
		FROM documents d WHERE d.tenant = $1 AND d.external_id = $2 ORDER BY d.created_at, d.id LIMIT 5`, tenant, externalID)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (existingDoc, error) {
		var d existingDoc
		err := r.Scan(&d.id, &d.version, &d.hash, &d.status, &d.lang, &d.chunks, &d.model)
		return d, err
	})
	if err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return &docs[0], nil
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	return nil, fmt.Errorf("external_id %q names %d documents you can see (%s): delete all but one, or ingest under another external_id: %w",
		externalID, len(docs), strings.Join(ids, ", "), kontext.ErrConflict)
}

// prepare runs the guard checks, chunks and embeds.
func (in *Ingester) prepare(ctx context.Context, p *prepared, parsed *Parsed) error {
	// Chunked first: a document over the chunk limit is refused before the
	// scans, and the chunker stops at the limit.
	chunking := in.opts.Chunking
	chunking.MaxChunks = in.opts.MaxChunks
	chunks, err := SplitContext(ctx, parsed, chunking)
	var many *TooManyChunksError
	if errors.As(err, &many) {
		return &RejectedError{Reason: fmt.Sprintf("document yields more than %d chunks, the limit (reached within the first %d of its %d bytes of text)",
			many.Limit, many.Offset, len(parsed.Text)), tooBig: true}
	}
	if err != nil {
		return fmt.Errorf("ingest: chunk %s: %w", p.req.Name, err)
	}
	if len(chunks) == 0 {
		return &RejectedError{Reason: "document has no text to index"}
	}
	if scan := in.opts.Scanners.Injection; scan != nil {
		// The raw source too: instructions hidden where parsing drops them
		// (HTML comments, hidden elements) show intent just the same.
		if g := in.opts.Scanners.InjectionGuideline; g != nil && p.req.Purpose == kontext.Guideline {
			scan = g
		}
		source := scan
		if in.opts.Scanners.InjectionSource != nil {
			source = in.opts.Scanners.InjectionSource
		}
		for i, text := range []string{parsed.Text, string(p.req.Data)} {
			check := scan
			if i == 1 {
				check = source
			}
			if flagged, score, reasons := check(text); flagged {
				p.inj = &Injection{Score: score, Reasons: reasons}
				break
			}
		}
		if p.inj != nil && !p.req.AllowInstructions {
			p.status = "quarantined"
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	erased, err := in.erasedSubjects(ctx, p.req.Principal)
	if err != nil {
		return err
	}
	if erased[string(p.source.authorHash)] {
		p.source.authorHash = nil
	}
	// What is embedded: each chunk with its personal data replaced by the
	// type's name, so that no identifying value reaches an embedding
	// provider while the vector still knows "an e-mail address was here".
	embedAs := make([]string, len(chunks))
	for i, c := range chunks {
		embedAs[i] = c.Text
	}
	if detect := in.opts.Scanners.PII; detect != nil {
		for i := range chunks {
			findings := detect(chunks[i].Text)
			embedAs[i] = maskFindings(chunks[i].Text, findings)
			var redact []pii.Finding
			for _, f := range findings {
				h := in.keyedHash(f.Type, f.Value)
				if erased[string(h)] {
					redact = append(redact, f)
					continue
				}
				p.pii = append(p.pii, piiRow{ordinal: chunks[i].Ordinal, typ: f.Type, hash: h})
				p.counts[f.Type]++
			}
			if len(redact) > 0 {
				chunks[i].Text = redactSpans(chunks[i].Text, redact)
				p.redacted += len(redact)
			}
		}
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		c.Text = embedAs[i]
		texts[i] = embeddingText(p.title, c)
	}
	// The principal rides along so that a refused egress is audited in its tenant.
	vectors, err := in.opts.Embedder.Embed(kontext.NewContext(ctx, p.req.Principal), texts)
	if err != nil {
		return fmt.Errorf("ingest: embed %s: %w", p.req.Name, err)
	}
	if len(vectors) != len(chunks) {
		return fmt.Errorf("ingest: embed %s: %d vectors for %d chunks", p.req.Name, len(vectors), len(chunks))
	}
	p.chunks, p.vectors = chunks, vectors
	return nil
}

// embeddingText is what a chunk is embedded as: its heading path gives the
// vector the context a bare paragraph lacks.
func embeddingText(title string, c Chunk) string {
	if c.HeadingPath != "" {
		return c.HeadingPath + "\n" + c.Text
	}
	return title + "\n" + c.Text
}

// write stores a prepared document in one transaction.
func (in *Ingester) write(ctx context.Context, p *prepared) (Result, error) {
	req := p.req
	res := Result{ExternalID: req.ExternalID, Status: p.status, Chunks: len(p.chunks), Language: p.lang,
		Model: in.opts.Embedder.Model(), PII: p.counts, Injection: p.inj, Redacted: p.redacted, ContentHash: hex.EncodeToString(p.hash)}
	err := inTx(ctx, in.pool, req.Principal, writeScope(req), func(tx pgx.Tx) error {
		// One writer per document: a concurrent ingest of the same document
		// waits here, then finds this one's version and stops.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
			"kontext.ingest:"+req.Principal.Tenant+"/"+req.ExternalID); err != nil {
			return err
		}
		existing, err := currentTx(ctx, tx, req.Principal.Tenant, req.ExternalID)
		if err != nil {
			return err
		}
		if existing != nil && bytes.Equal(existing.hash, p.hash) && existing.model == in.opts.Embedder.Model() {
			res.DocumentID, res.Version, res.Outcome = existing.id, existing.version, OutcomeUnchanged
			res.Status, res.Chunks = existing.status, existing.chunks
			return in.updateAttributes(ctx, tx, p, existing.id)
		}
		meta := req.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		if existing == nil {
			res.Outcome, res.Version = OutcomeNew, 1
			err = tx.QueryRow(ctx, `INSERT INTO documents (tenant, external_id, title, source_uri, content_type, language,
					content_hash, classification, allowed_groups, allowed_users, tenant_wide, valid_from, valid_until,
					retain_until, status, metadata, purpose, pages, author_hash, source_created_at, source_modified_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id`,
				req.Principal.Tenant, req.ExternalID, p.title, req.SourceURI, req.ContentType, p.lang, p.hash,
				req.Classification, nonNil(req.AllowedGroups), nonNil(req.AllowedUsers), req.TenantWide,
				req.ValidFrom, req.ValidUntil, req.RetainUntil, p.status, meta, req.Purpose,
				p.source.pages, p.source.authorHash, p.source.created, p.source.modified).Scan(&res.DocumentID)
			if err != nil {
				return err
			}
		} else {
			res.Outcome, res.DocumentID, res.Version = OutcomeChanged, existing.id, existing.version+1
			if existing.status == "quarantined" {
				// Only release lets a document out; new content does not.
				res.Status = existing.status
				p.status = existing.status
			}
			_, err = tx.Exec(ctx, `UPDATE documents SET title = $2, source_uri = $3, content_type = $4, language = $5,
					content_hash = $6, version = $7, classification = $8, allowed_groups = $9, allowed_users = $10,
					tenant_wide = $11, valid_from = $12, valid_until = $13, retain_until = $14, status = $15,
					metadata = $16, purpose = $17, pages = $18, author_hash = $19, source_created_at = $20,
					source_modified_at = $21, updated_at = now()
				WHERE id = $1`,
				existing.id, p.title, req.SourceURI, req.ContentType, p.lang, p.hash, res.Version,
				req.Classification, nonNil(req.AllowedGroups), nonNil(req.AllowedUsers), req.TenantWide,
				req.ValidFrom, req.ValidUntil, req.RetainUntil, p.status, meta, req.Purpose,
				p.source.pages, p.source.authorHash, p.source.created, p.source.modified)
			if err != nil {
				return err
			}
			// Replaced in the same transaction: readers see the old
			// version's chunks or the new one's, never a mix.
			if _, err := tx.Exec(ctx, "DELETE FROM chunks WHERE document_id = $1", existing.id); err != nil {
				return err
			}
		}
		if err := in.copyChunks(ctx, tx, p, res.DocumentID); err != nil {
			return err
		}
		return record(ctx, tx, req.Principal, "document.ingested", res.DocumentID, map[string]any{
			"external_id_sha256": sha256Hex(req.ExternalID), "version": res.Version, "outcome": res.Outcome,
			"status": res.Status, "chunks": res.Chunks, "content_sha256": res.ContentHash,
			"embedding_model": res.Model, "pii": p.counts, "injection": p.inj.auditDetails(),
		})
	})
	if isForeignKeyViolation(err) {
		return Result{}, fmt.Errorf("tenant %q: %w", req.Principal.Tenant, kontext.ErrNotFound)
	}
	if isPolicyViolation(err) {
		in.recordRefusal(ctx, req.Principal, "document.write_refused", map[string]any{
			"external_id_sha256": sha256Hex(req.ExternalID), "reason": "row-level security",
		})
		return Result{}, fmt.Errorf("the write is outside what you may see or grant: %w", kontext.ErrForbidden)
	}
	if err != nil {
		return Result{}, fmt.Errorf("ingest: write %s: %w", req.ExternalID, err)
	}
	in.log.Info("document ingested", "tenant", req.Principal.Tenant, "document_id", res.DocumentID,
		"version", res.Version, "outcome", res.Outcome, "status", res.Status, "chunks", res.Chunks)
	return res, nil
}

// copyChunks writes the chunks in one statement and indexes their personal
// data. PostgreSQL refuses COPY into tables with row-level security, so the
// rows travel as parallel arrays through unnest: one round trip, binary
// parameters, and the policies' WITH CHECK still applies to every row.
func (in *Ingester) copyChunks(ctx context.Context, tx pgx.Tx, p *prepared, docID string) error {
	req := p.req
	n := len(p.chunks)
	ordinals, starts, ends, tokens := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	headings, texts := make([]string, n), make([]string, n)
	pages, lastPages := make([]*int32, n), make([]*int32, n)
	vectors := make([]pgvector.Vector, n)
	// Each chunk's kinds of personal data, as one comma-separated list per
	// chunk (unnest cannot take a ragged array); types hold no commas.
	piiTypes := make([]string, n)
	byOrdinal := map[int][]string{}
	for _, row := range p.pii {
		if !slices.Contains(byOrdinal[row.ordinal], row.typ) {
			byOrdinal[row.ordinal] = append(byOrdinal[row.ordinal], row.typ)
		}
	}
	for i, c := range p.chunks {
		ordinals[i], starts[i], ends[i], tokens[i] = int32(c.Ordinal), int32(c.Start), int32(c.End), int32(c.Tokens)
		headings[i], texts[i] = c.HeadingPath, c.Text
		if c.Page > 0 {
			pages[i], lastPages[i] = ptr(int32(c.Page)), ptr(int32(c.LastPage))
		}
		vectors[i] = pgvector.NewVector(p.vectors[i])
		types := byOrdinal[c.Ordinal]
		slices.Sort(types)
		piiTypes[i] = strings.Join(types, ",")
	}
	rows, err := tx.Query(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, heading_path, text, start_offset,
			end_offset, token_count, language, embedding, embedding_model, classification, allowed_groups,
			allowed_users, tenant_wide, status, valid_from, valid_until, purpose, pii_types, page, last_page)
		SELECT $1, $2, u.ordinal, u.heading, u.text, u.s, u.e, u.tokens, $3, u.embedding, $4, $5, $6, $7, $8, $9, $10, $11,
			$20, coalesce(string_to_array(nullif(u.pii, ''), ','), '{}')::text[], u.page, u.last_page
		FROM unnest($12::int[], $13::text[], $14::text[], $15::int[], $16::int[], $17::int[], $18::vector[], $19::text[],
			$21::int[], $22::int[])
			AS u(ordinal, heading, text, s, e, tokens, embedding, pii, page, last_page)
		RETURNING ordinal, id`,
		docID, req.Principal.Tenant, p.lang, in.opts.Embedder.Model(), req.Classification, nonNil(req.AllowedGroups),
		nonNil(req.AllowedUsers), req.TenantWide, p.status, req.ValidFrom, req.ValidUntil,
		ordinals, headings, texts, starts, ends, tokens, vectors, piiTypes, req.Purpose, pages, lastPages)
	if err != nil {
		return fmt.Errorf("insert chunks: %w", err)
	}
	ids := make(map[int]int64, n)
	var ord int
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&ord, &id}, func() error { ids[ord] = id; return nil }); err != nil {
		return fmt.Errorf("insert chunks: %w", err)
	}
	if len(p.pii) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var chunkIDs []int64
	var types []string
	var hashes [][]byte
	for _, row := range p.pii {
		k := fmt.Sprintf("%d/%s/%x", row.ordinal, row.typ, row.hash)
		if seen[k] {
			continue
		}
		seen[k] = true
		chunkIDs = append(chunkIDs, ids[row.ordinal])
		types = append(types, row.typ)
		hashes = append(hashes, row.hash)
	}
	_, err = tx.Exec(ctx, `INSERT INTO chunk_pii (chunk_id, tenant, type, hash)
		SELECT u.chunk_id, $1, u.type, u.hash FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS u(chunk_id, type, hash)`,
		req.Principal.Tenant, chunkIDs, types, hashes)
	if err != nil {
		return fmt.Errorf("insert chunk_pii: %w", err)
	}
	return nil
}

// touch handles content that has not changed: nothing is re-embedded, but
// the access list, validity, retention and metadata follow the request.
func (in *Ingester) touch(ctx context.Context, p *prepared, existing *existingDoc) (Result, error) {
	err := inTx(ctx, in.pool, p.req.Principal, writeScope(p.req), func(tx pgx.Tx) error {
		return in.updateAttributes(ctx, tx, p, existing.id)
	})
	if isPolicyViolation(err) {
		return Result{}, fmt.Errorf("the write is outside what you may see or grant: %w", kontext.ErrForbidden)
	}
	if err != nil {
		return Result{}, fmt.Errorf("ingest: update %s: %w", p.req.ExternalID, err)
	}
	return Result{DocumentID: existing.id, ExternalID: p.req.ExternalID, Version: existing.version, Outcome: OutcomeUnchanged,
		Status: existing.status, Chunks: existing.chunks, Language: existing.lang, Model: existing.model,
		PII: map[string]int{}, ContentHash: hex.EncodeToString(existing.hash)}, nil
}

// updateAttributes sets a document's access list, validity, retention and
// metadata, and mirrors them onto its chunks, when they differ.
func (in *Ingester) updateAttributes(ctx context.Context, tx pgx.Tx, p *prepared, docID string) error {
	req := p.req
	meta := req.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	tag, err := tx.Exec(ctx, `UPDATE documents SET classification = $2, allowed_groups = $3, allowed_users = $4,
			tenant_wide = $5, valid_from = $6, valid_until = $7, retain_until = $8, metadata = $9, purpose = $10, updated_at = now()
		WHERE id = $1 AND (classification, allowed_groups, allowed_users, tenant_wide, valid_from, valid_until,
			retain_until, metadata, purpose) IS DISTINCT FROM ($2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		docID, req.Classification, nonNil(req.AllowedGroups), nonNil(req.AllowedUsers), req.TenantWide,
		req.ValidFrom, req.ValidUntil, req.RetainUntil, meta, req.Purpose)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE chunks SET classification = $2, allowed_groups = $3, allowed_users = $4,
			tenant_wide = $5, valid_from = $6, valid_until = $7, purpose = $8
		WHERE document_id = $1`,
		docID, req.Classification, nonNil(req.AllowedGroups), nonNil(req.AllowedUsers), req.TenantWide,
		req.ValidFrom, req.ValidUntil, req.Purpose)
	if err != nil {
		return err
	}
	return record(ctx, tx, req.Principal, "document.attributes_updated", docID, map[string]any{
		"classification": req.Classification, "groups": len(req.AllowedGroups), "users": len(req.AllowedUsers),
		"tenant_wide": req.TenantWide,
	})
}

// keyedHash is the index key of a personal data value (pii.KeyedHash
// under the server secret).
func (in *Ingester) keyedHash(typ, value string) []byte {
	return pii.KeyedHash(in.opts.Secret, typ, value)
}

// erasedSubjects returns the keyed hashes of the tenant's erased data
// subjects, which are redacted from anything ingested later.
func (in *Ingester) erasedSubjects(ctx context.Context, p kontext.Principal) (map[string]bool, error) {
	out := map[string]bool{}
	err := inTx(ctx, in.pool, p, asWriter, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT hash FROM erased_subjects WHERE tenant = $1", p.Tenant)
		if err != nil {
			return err
		}
		var h []byte
		_, err = pgx.ForEachRow(rows, []any{&h}, func() error { out[string(h)] = true; return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: read erased subjects: %w", err)
	}
	return out, nil
}

// maskFindings replaces each finding by its type in brackets ("[EMAIL]").
func maskFindings(text string, fs []pii.Finding) string {
	if len(fs) == 0 {
		return text
	}
	sorted := append([]pii.Finding(nil), fs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b strings.Builder
	last := 0
	for _, f := range sorted {
		if f.Start < last || f.End > len(text) {
			continue
		}
		b.WriteString(text[last:f.Start])
		b.WriteString("[" + f.Type + "]")
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// redactSpans replaces the findings' spans with a marker.
func redactSpans(text string, fs []pii.Finding) string {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Start > fs[j].Start })
	for _, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			continue
		}
		text = text[:f.Start] + "[ERASED]" + text[f.End:]
	}
	return text
}

// TextSearchConfig maps a language to its PostgreSQL text search
// configuration.
func TextSearchConfig(lang string) string {
	switch lang {
	case "de":
		return "german"
	case "en":
		return "english"
	}
	return "simple"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
