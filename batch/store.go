package batch

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
	"github.com/riverqueue/river"

	"kontext"
	"kontext/audit"
	"kontext/generate"
)

// Item states. pending and running are open; the others are outcomes.
const (
	StatePending       = "pending"
	StateRunning       = "running"
	StateApproved      = "approved"
	StateNeedsReview   = "needs_review"
	StateBlocked       = "blocked"
	StateFailed        = "failed"
	StateSkippedBudget = "skipped_budget"
	StateCancelled     = "cancelled"
)

// Batch states.
const (
	BatchRunning         = "running"
	BatchDone            = "done"
	BatchCancelled       = "cancelled"
	BatchBudgetExhausted = "budget_exhausted"
)

// Submission is a batch to run.
type Submission struct {
	Items []generate.Request
	// BudgetEUR and BudgetTokens cap the batch's spending; zero is no cap.
	BudgetEUR    float64
	BudgetTokens int64
	// IdempotencyKey makes a repeated submission return the first batch
	// instead of starting another. Empty derives it from the items and the
	// budget, so submitting the same content twice is one batch.
	IdempotencyKey string
}

// Summary is a batch's state and counts.
type Summary struct {
	ID            string     `json:"batch_id"`
	State         string     `json:"state"`
	SubmittedBy   string     `json:"submitted_by"`
	Items         int        `json:"items"`
	Pending       int        `json:"pending"`
	Running       int        `json:"running"`
	Approved      int        `json:"approved"`
	NeedsReview   int        `json:"needs_review"`
	Blocked       int        `json:"blocked"`
	Failed        int        `json:"failed"`
	SkippedBudget int        `json:"skipped_budget"`
	Cancelled     int        `json:"cancelled"`
	CostEUR       float64    `json:"cost_eur"`
	Tokens        int64      `json:"tokens"`
	BudgetEUR     *float64   `json:"budget_eur,omitempty"`
	BudgetTokens  *int64     `json:"budget_tokens,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	// Existing is true when a submission matched an earlier batch by its
	// idempotency key.
	Existing bool `json:"existing,omitempty"`
}

// Done is the number of items with an outcome.
func (s Summary) Done() int {
	return s.Approved + s.NeedsReview + s.Blocked + s.Failed + s.SkippedBudget + s.Cancelled
}

// Open reports whether items are still to run.
func (s Summary) Open() bool { return s.Pending+s.Running > 0 }

// Item is one item's outcome.
type Item struct {
	N         int              `json:"n"`
	State     string           `json:"state"`
	Attempts  int              `json:"attempts"`
	Error     string           `json:"error,omitempty"`
	ErrorCode string           `json:"error_code,omitempty"`
	CostEUR   float64          `json:"cost_eur"`
	Tokens    int64            `json:"tokens"`
	Request   generate.Request `json:"request"`
	Result    *generate.Result `json:"result,omitempty"`
	// Review is the status of the draft's review, when it has one;
	// Revision the revision a reviewer approved, whose text the result's
	// draft then holds (as stored, with placeholders).
	Review     string     `json:"review,omitempty"`
	Revision   *int       `json:"revision,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// maxIdempotencyKey bounds a caller's key.
const maxIdempotencyKey = 200

// Submit validates every item and writes the batch, its items and their
// jobs in one transaction. A submission whose idempotency key matches an
// earlier batch of the tenant returns that batch with Existing set.
func (s *Service) Submit(ctx context.Context, p kontext.Principal, sub Submission) (Summary, error) {
	if err := p.Validate(); err != nil {
		return Summary{}, err
	}
	if !p.Role.Allows(kontext.Editor) {
		return Summary{}, fmt.Errorf("%w: running batches needs the editor role", kontext.ErrForbidden)
	}
	switch n := len(sub.Items); {
	case n == 0:
		return Summary{}, kontext.Invalidf("items", "a batch needs at least one request")
	case n > s.cfg.MaxItems:
		return Summary{}, kontext.Invalidf("items", "%d requests; a batch holds at most %d", n, s.cfg.MaxItems)
	case sub.BudgetEUR < 0 || sub.BudgetTokens < 0:
		return Summary{}, kontext.Invalidf("budget", "must not be negative")
	case len(sub.IdempotencyKey) > maxIdempotencyKey:
		return Summary{}, kontext.Invalidf("idempotency_key", "longer than %d bytes", maxIdempotencyKey)
	}
	if s.cfg.Generator != nil {
		var problems []string
		for i, req := range sub.Items {
			if err := s.cfg.Generator.Validate(p, req); err != nil {
				problems = append(problems, fmt.Sprintf("item %d: %s", i+1, strings.TrimPrefix(err.Error(), kontext.ErrInvalid.Error()+": ")))
				if len(problems) == 20 {
					problems = append(problems, "…")
					break
				}
			}
		}
		if len(problems) > 0 {
			return Summary{}, fmt.Errorf("%w: %s", kontext.ErrInvalid, strings.Join(problems, "; "))
		}
	}
	requests := make([][]byte, len(sub.Items))
	h := sha256.New()
	for i, req := range sub.Items {
		b, err := json.Marshal(req)
		if err != nil {
			return Summary{}, kontext.Invalidf(fmt.Sprintf("item %d", i+1), "%v", err)
		}
		requests[i] = b
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	key := sub.IdempotencyKey
	if key == "" {
		fmt.Fprintf(h, "budget %g %d", sub.BudgetEUR, sub.BudgetTokens)
		key = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	// A key is its submitter's: the same key or content from a colleague
	// is a batch of the colleague's, and neither answers with a batch the
	// colleague may not see nor tells that it exists. User names hold no
	// '/', so the scoped key is unambiguous.
	key = p.User + "/" + key
	principal, err := json.Marshal(p)
	if err != nil {
		return Summary{}, err
	}
	var id string
	existing := false
	err = s.inSession(ctx, p, func(tx pgx.Tx) error {
		// A concurrent submit of the same key waits here for the first.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "kontext.batch/"+p.Tenant+"/"+key); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id FROM batches WHERE tenant = $1 AND idempotency_key = $2`, p.Tenant, key).Scan(&id)
		if err == nil {
			existing = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var rank int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM batch_items WHERE tenant = $1 AND state IN ('pending', 'running')`, p.Tenant).Scan(&rank); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO batches (tenant, submitted_by, principal, clearance, idempotency_key, items, budget_eur, budget_tokens)
			VALUES ($1, $2, $3, $4, $5, $6, nullif($7::numeric, 0), nullif($8::bigint, 0)) RETURNING id`,
			p.Tenant, p.User, principal, string(p.Clearance), key, len(sub.Items), sub.BudgetEUR, sub.BudgetTokens).Scan(&id); err != nil {
			return err
		}
		params := make([]river.InsertManyParams, len(requests))
		for i := range requests {
			params[i] = river.InsertManyParams{Args: itemArgs{Tenant: p.Tenant, Batch: id, N: i + 1, Rank: rank + i}}
		}
		res, err := s.client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("insert jobs: %w", err)
		}
		ids := make([]int64, len(res))
		for i, r := range res {
			ids[i] = r.Job.ID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO batch_items (batch_id, n, tenant, request, job_id)
			SELECT $1, r.n, $2, r.request, ($4::bigint[])[r.n] FROM unnest($3::jsonb[]) WITH ORDINALITY AS r(request, n)`,
			id, p.Tenant, requests, ids); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: "batch.submit",
			Subject: id, Details: map[string]any{"items": len(sub.Items), "budget_eur": sub.BudgetEUR, "budget_tokens": sub.BudgetTokens}})
	})
	if err != nil {
		return Summary{}, mapError(err)
	}
	sum, err := s.Status(ctx, p, id)
	sum.Existing = existing
	return sum, err
}

// mapError turns database errors callers caused into sentinels.
func mapError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation: no such tenant
		return fmt.Errorf("%w: tenant does not exist", kontext.ErrNotFound)
	}
	return err
}

// visible is the condition under which a principal reads a batch: its
// submitter, or an admin of the tenant; row-level security adds the
// clearance.
const visible = `(b.submitted_by = $2 OR $3)`

// Status returns the batch's summary; a batch the principal may not see is
// ErrNotFound.
func (s *Service) Status(ctx context.Context, p kontext.Principal, id string) (Summary, error) {
	if err := p.Validate(); err != nil {
		return Summary{}, err
	}
	if !validID(id) {
		return Summary{}, fmt.Errorf("%w: batch %s", kontext.ErrNotFound, id)
	}
	var sum Summary
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		return scanSummary(tx.QueryRow(ctx, summarySQL+` WHERE b.id = $1 AND `+visible+` GROUP BY b.id`,
			id, p.User, p.Role.Allows(kontext.Admin)), &sum)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Summary{}, fmt.Errorf("%w: batch %s", kontext.ErrNotFound, id)
	}
	return sum, err
}

// List returns the principal's most recent batches, newest first.
func (s *Service) List(ctx context.Context, p kontext.Principal, limit int) ([]Summary, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Summary
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, summarySQL+` WHERE b.id IN (SELECT b.id FROM batches b WHERE `+visible+`
			ORDER BY b.created_at DESC LIMIT $1) GROUP BY b.id ORDER BY b.created_at DESC`, limit, p.User, p.Role.Allows(kontext.Admin))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sum Summary
			if err := scanSummary(rows, &sum); err != nil {
				return err
			}
			out = append(out, sum)
		}
		return rows.Err()
	})
	return out, err
}

const summarySQL = `SELECT b.id, b.state, b.submitted_by, b.items,
	count(*) FILTER (WHERE i.state = 'pending'), count(*) FILTER (WHERE i.state = 'running'),
	count(*) FILTER (WHERE i.state = 'approved'), count(*) FILTER (WHERE i.state = 'needs_review'),
	count(*) FILTER (WHERE i.state = 'blocked'), count(*) FILTER (WHERE i.state = 'failed'),
	count(*) FILTER (WHERE i.state = 'skipped_budget'), count(*) FILTER (WHERE i.state = 'cancelled'),
	b.spent_eur::float8, b.spent_tokens, b.budget_eur::float8, b.budget_tokens, b.created_at, b.finished_at
	FROM batches b JOIN batch_items i ON i.batch_id = b.id`

func scanSummary(row pgx.Row, s *Summary) error {
	return row.Scan(&s.ID, &s.State, &s.SubmittedBy, &s.Items, &s.Pending, &s.Running, &s.Approved, &s.NeedsReview,
		&s.Blocked, &s.Failed, &s.SkippedBudget, &s.Cancelled, &s.CostEUR, &s.Tokens, &s.BudgetEUR, &s.BudgetTokens,
		&s.CreatedAt, &s.FinishedAt)
}

// Results calls fn with each item of the batch in order, reading from one
// snapshot; fn's error stops the walk.
func (s *Service) Results(ctx context.Context, p kontext.Principal, id string, fn func(Item) error) error {
	if _, err := s.Status(ctx, p, id); err != nil {
		return err
	}
	return s.inSession(ctx, p, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.n, i.state, i.attempts, coalesce(i.error, ''), coalesce(i.error_code, ''), i.cost_eur::float8, i.tokens,
			i.request, i.result, i.started_at, i.finished_at, coalesce(rv.status, ''), rv.approved_revision, dr.draft
			FROM batch_items i JOIN batches b ON b.id = i.batch_id
			LEFT JOIN reviews rv ON rv.generation_id = i.generation_id
			LEFT JOIN draft_revisions dr ON dr.generation_id = rv.generation_id AND dr.revision = rv.approved_revision
			WHERE i.batch_id = $1 AND `+visible+` ORDER BY i.n`, id, p.User, p.Role.Allows(kontext.Admin))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it Item
			var req, res []byte
			var revised *string
			if err := rows.Scan(&it.N, &it.State, &it.Attempts, &it.Error, &it.ErrorCode, &it.CostEUR, &it.Tokens, &req, &res,
				&it.StartedAt, &it.FinishedAt, &it.Review, &it.Revision, &revised); err != nil {
				return err
			}
			if err := json.Unmarshal(req, &it.Request); err != nil {
				return fmt.Errorf("item %d: request: %w", it.N, err)
			}
			if len(res) > 0 {
				it.Result = new(generate.Result)
				if err := json.Unmarshal(res, it.Result); err != nil {
					return fmt.Errorf("item %d: result: %w", it.N, err)
				}
				if revised != nil {
					it.Result.Draft = *revised
				}
			}
			if err := fn(it); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// Cancel stops the batch: items not yet started are cancelled at once and
// running ones through their context. Cancelling a finished batch changes
// nothing and is not an error.
func (s *Service) Cancel(ctx context.Context, p kontext.Principal, id string) (Summary, error) {
	sum, err := s.Status(ctx, p, id)
	if err != nil {
		return Summary{}, err
	}
	if !p.Role.Allows(kontext.Editor) {
		return Summary{}, fmt.Errorf("%w: cancelling batches needs the editor role", kontext.ErrForbidden)
	}
	if !sum.Open() || sum.State != BatchRunning {
		return sum, nil
	}
	var running []int64
	err = s.inTenant(ctx, p.Tenant, func(tx pgx.Tx) error {
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM batches WHERE id = $1 FOR UPDATE`, id).Scan(&state); err != nil {
			return err
		}
		if state != BatchRunning {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE batch_items SET state = 'cancelled', finished_at = now()
			WHERE batch_id = $1 AND state = 'pending'`, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT job_id FROM batch_items WHERE batch_id = $1 AND state = 'running' AND job_id IS NOT NULL`, id)
		if err != nil {
			return err
		}
		running, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE batches SET state = 'cancelled', stopped_at = now(),
			finished_at = CASE WHEN $2 THEN now() END WHERE id = $1`, id, len(running) == 0); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: "batch.cancel", Subject: id,
			Details: map[string]any{"running": len(running)}})
	})
	if err != nil {
		return Summary{}, err
	}
	for _, job := range running {
		if _, err := s.client.JobCancel(ctx, job); err != nil && !errors.Is(err, river.ErrNotFound) {
			s.log.Warn("cancel running batch item", "batch", id, "job", job, "err", err)
		}
	}
	return s.Status(ctx, p, id)
}

func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
