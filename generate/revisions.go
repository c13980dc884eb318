package generate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"kontext"
	"kontext/audit"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/llm"
	"kontext/retrieval"
)

// MaxDraftBytes bounds the text of an edited draft.
const MaxDraftBytes = 32 << 10

// Revision is one text of a generation's draft: revision 0 is the
// generated text, each edit adds the next. Draft holds placeholders in
// place of personal data, as stored, except in the answer to the edit
// itself, where the restore policy applies as it does to a generated draft.
type Revision struct {
	GenerationID string `json:"generation_id"`
	Revision     int    `json:"revision"`
	// Base is the revision the edit started from.
	Base      int        `json:"base"`
	Author    string     `json:"author"`
	CreatedAt time.Time  `json:"created_at"`
	Draft     string     `json:"draft"`
	Decision  Decision   `json:"decision"`
	Reasons   []Reason   `json:"reasons"`
	Sentences []Sentence `json:"sentences,omitempty"`
	Citations []Citation `json:"citations,omitempty"`
	// Disclosure is the AI label of the channel and language.
	Disclosure string `json:"disclosure,omitempty"`
	// PolicyPacks and Brand are the pack versions the text was checked with.
	PolicyPacks []string `json:"policy_packs,omitempty"`
	Brand       string   `json:"brand,omitempty"`
	// SHA256 is the hash of the stored text (hex).
	SHA256 string `json:"sha256"`
}

// Edit is an editor's text for a generation's draft.
type Edit struct {
	// Text is the whole edited draft.
	Text string `json:"text"`
	// Base is the revision the editor started from; when set, an edit
	// based on a revision that is no longer the latest is refused
	// (kontext.ErrConflict), so that no one overwrites an edit unseen.
	Base *int `json:"base,omitempty"`
}

// stored is a generation as the database holds it.
type stored struct {
	id, channel, lang, actor, brief, draft string
	decision                               Decision
	createdAt                              time.Time
	result                                 Result
	review                                 *string // status; nil when no review was opened
	approved                               *int    // the approved revision
	reviewer, comment                      *string
	decidedAt                              *time.Time
}

func loadGeneration(ctx context.Context, tx pgx.Tx, id string) (stored, error) {
	g := stored{id: id}
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT g.channel, g.lang, g.actor, g.brief, g.draft, g.decision, g.created_at, g.result,
			rv.status, rv.approved_revision, rv.reviewer, rv.comment, rv.decided_at
		FROM generations g LEFT JOIN reviews rv ON rv.generation_id = g.id WHERE g.id = $1::uuid`, id).Scan(
		&g.channel, &g.lang, &g.actor, &g.brief, &g.draft, &g.decision, &g.createdAt, &raw,
		&g.review, &g.approved, &g.reviewer, &g.comment, &g.decidedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, fmt.Errorf("generation %s: %w", id, kontext.ErrNotFound)
	}
	if err != nil {
		return g, err
	}
	return g, json.Unmarshal(raw, &g.result)
}

// latestRevision returns the number, text and decision of the newest
// revision of a generation; 0 and the generated draft when none was made.
func latestRevision(ctx context.Context, tx pgx.Tx, g stored) (int, string, Decision, []Reason, error) {
	var n int
	var draft, decision string
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT revision, draft, decision, coalesce(result->'reasons', '[]'::jsonb) FROM draft_revisions
		WHERE generation_id = $1::uuid ORDER BY revision DESC LIMIT 1`, g.id).Scan(&n, &draft, &decision, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, g.draft, g.decision, g.result.Reasons, nil
	}
	if err != nil {
		return 0, "", "", nil, err
	}
	var reasons []Reason
	err = json.Unmarshal(raw, &reasons)
	return n, draft, Decision(decision), reasons, err
}

// CheckDraft checks text as a draft of the stored generation id, with
// every check a generated draft gets, against the same sources: personal
// data is pseudonymised (and restored as the policy allows), citations
// must name the generation's sources ([n] beyond them are removed and
// flagged) and be supported by them, the draft must answer the brief and
// respect the channel's output policy, the policy and brand packs apply,
// and the closing lines (disclaimer, in-text AI label) are added where
// missing. It stores nothing; Revise does.
func (s *Service) CheckDraft(ctx context.Context, p kontext.Principal, generationID, text string) (*Result, error) {
	var r *run
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		g, err := loadGeneration(ctx, tx, generationID)
		if err != nil {
			return err
		}
		r, err = s.recheck(ctx, tx, p, g, text)
		return err
	})
	if err != nil {
		return nil, checkError(err)
	}
	return r.res, nil
}

func checkError(err error) error {
	if errors.Is(err, kontext.ErrNotFound) || errors.Is(err, kontext.ErrInvalid) || errors.Is(err, kontext.ErrConflict) {
		return err
	}
	return fmt.Errorf("generate: check draft: %w", err)
}

// recheck rebuilds the run of generation g from what was stored (brief,
// channel, language, brand, the sources and guidelines by chunk) and runs
// the checks of Generate on text in place of the model's answer.
func (s *Service) recheck(ctx context.Context, tx pgx.Tx, p kontext.Principal, g stored, text string) (*run, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, kontext.Invalidf("text", "is required")
	case len(text) > MaxDraftBytes:
		return nil, kontext.Invalidf("text", "longer than %d bytes", MaxDraftBytes)
	}
	tmpl, ok := s.cfg.Templates.Get(g.channel)
	if !ok {
		return nil, fmt.Errorf("generation %s: its channel %q has no template any more: %w", g.id, g.channel, kontext.ErrConflict)
	}
	checker := s.cfg.Packs[g.lang]
	if checker == nil {
		return nil, fmt.Errorf("generation %s: no policy pack for %q: %w", g.id, g.lang, kontext.ErrConflict)
	}
	pv := g.result.Provenance
	var brand = s.cfg.Brands[s.cfg.DefaultBrand]
	if pv.Brand != "" {
		id, _, _ := strings.Cut(pv.Brand, "@")
		if brand = s.cfg.Brands[id]; brand == nil {
			return nil, fmt.Errorf("generation %s: its brand %q is no longer configured: %w", g.id, id, kontext.ErrConflict)
		}
	} else {
		brand = nil
	}
	now := time.Now()
	r := &run{s: s, p: p, req: Request{Brief: g.brief, Channel: g.channel, Lang: g.lang}, start: now, stage: now,
		tmpl: tmpl, brand: brand, checker: checker, vault: s.cfg.Detector.NewVault(),
		res: &Result{GenerationID: g.id, Timings: map[string]float64{}, Reasons: []Reason{}}}
	r.output = OutputPolicyFor(brand, tmpl.PolicyChannel)
	r.highest = kontext.Classification(pv.Retrieval.Classification)

	var ids []int64
	for _, sv := range pv.Sources {
		ids = append(ids, sv.ChunkID)
	}
	for _, sv := range pv.Guidelines {
		ids = append(ids, sv.ChunkID)
	}
	chunks, err := readChunks(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for i, sv := range pv.Sources {
		c, ok := chunks[sv.ChunkID]
		if !ok || c.Version != sv.Version {
			// Gone (erased, replaced by a new version) or out of the
			// caller's sight: the number still names the source, but
			// nothing can support a sentence that cites it.
			c = retrieval.Result{ChunkID: sv.ChunkID, DocumentID: sv.DocumentID, Version: sv.Version}
			if i < len(g.result.Citations) {
				ct := g.result.Citations[i]
				c.Title, c.HeadingPath, c.Page, c.LastPage = ct.Title, ct.Heading, ct.Page, ct.LastPage
			}
			r.res.Reasons = append(r.res.Reasons, Reason{Code: "source", Severity: policy.SeverityReview,
				Message: fmt.Sprintf("Source [%d] %q (version %d) is no longer available (erased, replaced by a new version, or outside your access); sentences that cite it cannot be verified.", i+1, c.Title, sv.Version)})
		}
		why, _ := r.output.Restriction(c, tmpl.PolicyChannel)
		r.results = append(r.results, c)
		r.restricted = append(r.restricted, why)
	}
	for _, sv := range pv.Guidelines {
		if c, ok := chunks[sv.ChunkID]; ok && c.Version == sv.Version {
			r.guides = append(r.guides, c)
		}
	}
	r.pseudonymise()
	r.frame()
	// The edit holds the placeholders the draft was shown with; this vault,
	// rebuilt from the same inputs, issued the same ones. Put back what
	// they stand for before pseudonymising, so that a kept placeholder
	// stays itself rather than becoming a new one for its literal text.
	edited, _ := r.vault.Pseudonymise(r.vault.Restore(text, pii.RestoreAll()))
	r.answer = llm.ChatResponse{Text: edited}
	r.verify()
	r.answersBrief()
	r.respectsOutput()
	r.restore()
	r.check()
	r.res.Disclosure = r.disclosure()
	r.res.Provenance = pv
	pack := checker.Pack()
	r.res.Provenance.PolicyPacks = []string{pack.ID + "@" + pack.Version}
	if brand != nil {
		r.res.Provenance.Brand = brand.ID + "@" + brand.Version
	}
	out := sha256.Sum256([]byte(r.res.Draft))
	r.res.Provenance.OutputSHA256 = hex.EncodeToString(out[:])
	// What is stored passes the egress check as a prompt would: the
	// pseudonymised text holds no personal data.
	if err := s.cfg.Detector.CheckEgress([]byte(mustJSON(r.stored))); err != nil {
		return nil, fmt.Errorf("generate: check draft: %w", err)
	}
	return r, nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readChunks(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]retrieval.Result, error) {
	out := map[int64]retrieval.Result{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT c.id, c.document_id::text, d.title, d.version, c.heading_path, c.text,
			c.classification::text, c.purpose::text, c.pii_types, coalesce(c.page, 0), coalesce(c.last_page, 0)
		FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c retrieval.Result
		if err := rows.Scan(&c.ChunkID, &c.DocumentID, &c.Title, &c.Version, &c.HeadingPath, &c.Text,
			&c.Classification, &c.Purpose, &c.PersonalData, &c.Page, &c.LastPage); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		out[c.ChunkID] = c
	}
	return out, rows.Err()
}

// Revise stores an editor's text as the next revision of generation id's
// draft, checked by CheckDraft; the decision is the checks'. The generated
// text and every earlier revision are kept. The draft waits for review
// afterwards whatever the checks decided (a person's text is approved by
// a person), so a review is opened when the generation had none; a
// decided review cannot be edited (kontext.ErrConflict). An audit event
// records the revision with the hash of its text.
func (s *Service) Revise(ctx context.Context, p kontext.Principal, generationID string, e Edit) (*Revision, error) {
	if e.Base != nil && *e.Base < 0 {
		return nil, kontext.Invalidf("base", "must be 0 or more")
	}
	var rev *Revision
	var refused error
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		g, err := loadGeneration(ctx, tx, generationID)
		if err != nil {
			refused = err
			return err
		}
		if g.review != nil && *g.review != "pending" {
			refused = fmt.Errorf("generation %s was already %s; a decided draft cannot be edited: %w", generationID, *g.review, kontext.ErrConflict)
			return refused
		}
		latest, _, _, _, err := latestRevision(ctx, tx, g)
		if err != nil {
			return err
		}
		if e.Base != nil && *e.Base != latest {
			refused = fmt.Errorf("the edit starts from revision %d, but revision %d is the latest; read it and edit again: %w", *e.Base, latest, kontext.ErrConflict)
			return refused
		}
		r, err := s.recheck(ctx, tx, p, g, e.Text)
		if err != nil {
			refused = err
			return err
		}
		sum := sha256.Sum256([]byte(r.stored))
		rev = &Revision{GenerationID: generationID, Revision: latest + 1, Base: latest, Author: p.User,
			Draft: r.res.Draft, Decision: r.res.Decision, Reasons: r.res.Reasons, Sentences: r.res.Sentences,
			Citations: r.res.Citations, Disclosure: r.res.Disclosure, PolicyPacks: r.res.Provenance.PolicyPacks,
			Brand: r.res.Provenance.Brand, SHA256: hex.EncodeToString(sum[:])}
		keep := *rev
		keep.Draft, keep.Sentences = r.stored, r.verified.Sentences
		raw, err := json.Marshal(keep)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO draft_revisions (generation_id, tenant, revision, author, base, draft, decision, result, sha256)
			VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at`,
			generationID, p.Tenant, rev.Revision, p.User, latest, r.stored, string(rev.Decision), raw, sum[:]).Scan(&rev.CreatedAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			refused = fmt.Errorf("another edit of generation %s was stored at the same time; read it and edit again: %w", generationID, kontext.ErrConflict)
			return refused
		}
		if err != nil {
			return err
		}
		if g.review == nil {
			if _, err := tx.Exec(ctx, "INSERT INTO reviews (generation_id, tenant) VALUES ($1::uuid, $2)", generationID, p.Tenant); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: "generation.edited",
			Subject: generationID, Details: map[string]any{
				"revision": rev.Revision, "base": latest, "sha256": rev.SHA256, "decision": rev.Decision,
				"reasons": len(rev.Reasons), "policy_packs": rev.PolicyPacks, "brand": rev.Brand,
			}})
	})
	if refused != nil && errors.Is(err, refused) {
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("generate: edit: %w", err)
	}
	return rev, nil
}

// Draft is a generation with the history of its text.
type Draft struct {
	GenerationID string    `json:"generation_id"`
	CreatedAt    time.Time `json:"created_at"`
	Channel      string    `json:"channel"`
	Lang         string    `json:"lang"`
	Actor        string    `json:"requested_by"`
	// Revision is the revision whose text Draft holds: the approved one
	// once a reviewer approved it, else the latest.
	Revision   int        `json:"revision"`
	Draft      string     `json:"draft"`
	Decision   Decision   `json:"decision"`
	Reasons    []Reason   `json:"reasons"`
	Citations  []Citation `json:"citations"`
	Disclosure string     `json:"disclosure"`
	Provenance Provenance `json:"provenance"`
	// Review is the human decision, when the draft has a review.
	Review *ReviewState `json:"review,omitempty"`
	// Revisions are every text of the draft, the generated one first.
	Revisions []Revision `json:"revisions"`
}

// ReviewState is where a draft's review stands.
type ReviewState struct {
	Status           string     `json:"status"`
	ApprovedRevision *int       `json:"approved_revision,omitempty"`
	Reviewer         *string    `json:"reviewer,omitempty"`
	Comment          *string    `json:"comment,omitempty"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
}

// Get returns generation id with every revision of its draft, as stored
// (placeholders in place of personal data).
func (s *Service) Get(ctx context.Context, p kontext.Principal, generationID string) (*Draft, error) {
	var d *Draft
	var refused error
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		g, err := loadGeneration(ctx, tx, generationID)
		if err != nil {
			refused = err
			return err
		}
		sum := sha256.Sum256([]byte(g.draft))
		d = &Draft{GenerationID: g.id, CreatedAt: g.createdAt, Channel: g.channel, Lang: g.lang, Actor: g.actor,
			Citations: g.result.Citations, Disclosure: g.result.Disclosure, Provenance: g.result.Provenance,
			Revisions: []Revision{{GenerationID: g.id, Author: g.actor, CreatedAt: g.createdAt, Draft: g.draft,
				Decision: g.decision, Reasons: g.result.Reasons, Disclosure: g.result.Disclosure,
				PolicyPacks: g.result.Provenance.PolicyPacks, Brand: g.result.Provenance.Brand, SHA256: hex.EncodeToString(sum[:])}}}
		if g.review != nil {
			d.Review = &ReviewState{Status: *g.review, ApprovedRevision: g.approved, Reviewer: g.reviewer, Comment: g.comment, DecidedAt: g.decidedAt}
		}
		rows, err := tx.Query(ctx, `SELECT result, created_at FROM draft_revisions WHERE generation_id = $1::uuid ORDER BY revision`, generationID)
		if err != nil {
			return err
		}
		revs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Revision, error) {
			var rv Revision
			var raw []byte
			var at time.Time
			if err := row.Scan(&raw, &at); err != nil {
				return rv, err
			}
			err := json.Unmarshal(raw, &rv)
			rv.CreatedAt = at
			return rv, err
		})
		if err != nil {
			return err
		}
		d.Revisions = append(d.Revisions, revs...)
		return nil
	})
	if refused != nil && errors.Is(err, refused) {
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("generate: get: %w", err)
	}
	cur := d.Revisions[len(d.Revisions)-1]
	if d.Review != nil && d.Review.ApprovedRevision != nil && *d.Review.ApprovedRevision < len(d.Revisions) {
		cur = d.Revisions[*d.Review.ApprovedRevision]
	}
	d.Revision, d.Draft, d.Decision, d.Reasons = cur.Revision, cur.Draft, cur.Decision, cur.Reasons
	if cur.Disclosure != "" {
		d.Disclosure = cur.Disclosure
	}
	if d.Reasons == nil {
		d.Reasons = []Reason{}
	}
	return d, nil
}
