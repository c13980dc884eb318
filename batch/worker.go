package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"kontext"
	"kontext/generate"
)

// itemWorker runs one batch item per job.
type itemWorker struct {
	river.WorkerDefaults[itemArgs]
	s *Service
}

// claim is what a worker learns when it takes an item.
type claim struct {
	principal kontext.Principal
	request   generate.Request
}

// Work takes the item, generates, and records the outcome with the job's
// completion in one transaction. An item that already has an outcome (its
// job ran before and was rescued, or the batch was cancelled or ran out of
// budget) completes without generating.
func (w *itemWorker) Work(ctx context.Context, job *river.Job[itemArgs]) error {
	s, a := w.s, job.Args
	var c *claim
	err := s.inTenant(ctx, a.Tenant, func(tx pgx.Tx) error {
		var err error
		c, err = s.take(ctx, tx, a, job.Attempt)
		if err != nil || c != nil {
			return err
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
	if err != nil || c == nil {
		return err
	}
	ctx = kontext.NewContext(ctx, c.principal)
	// An attempt cut off after its generation was stored finds it under
	// this key on the next attempt: the provider is paid once per item.
	c.request.IdempotencyKey = fmt.Sprintf("batch:%s:%d", a.Batch, a.N)
	res, genErr := s.cfg.Generator.Generate(ctx, c.principal, c.request, nil)
	o := outcomeOf(res, genErr)
	if genErr != nil {
		s.log.Warn("batch item failed", "batch", a.Batch, "item", a.N, "attempt", job.Attempt, "code", o.code, "err", genErr)
	}
	wctx := context.WithoutCancel(ctx) // outcomes are recorded even when ctx ended
	if o.retry && errors.Is(ctx.Err(), context.Canceled) {
		// Interrupted: cancelled with its batch, or this worker stopping.
		// A stopping worker hands the item back without using an attempt.
		var settled bool
		err := s.inTenant(wctx, a.Tenant, func(tx pgx.Tx) error {
			var err error
			if settled, err = s.interrupted(wctx, tx, a); err != nil || !settled {
				return err
			}
			_, err = river.JobCompleteTx[*riverpgxv5.Driver](wctx, tx, job)
			return err
		})
		if err != nil || settled {
			return err
		}
		return river.JobSnooze(0)
	}
	if o.retry && job.Attempt < job.MaxAttempts {
		// A provider error with attempts left: back to pending, River
		// retries after the backoff.
		if err := s.inTenant(wctx, a.Tenant, func(tx pgx.Tx) error {
			_, err := tx.Exec(wctx, `UPDATE batch_items SET state = 'pending', error = $3, error_code = $4
				WHERE batch_id = $1 AND n = $2 AND state = 'running'`, a.Batch, a.N, o.err, o.code)
			return err
		}); err != nil {
			s.log.Warn("record batch item retry", "batch", a.Batch, "item", a.N, "err", err)
		}
		return genErr
	}
	err = s.inTenant(wctx, a.Tenant, func(tx pgx.Tx) error {
		if err := s.lockBatch(wctx, tx, a.Batch); err != nil {
			return err
		}
		if err := s.settle(wctx, tx, a, o); err != nil || o.retry {
			return err // attempts exhausted: River discards the job with the error below
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](wctx, tx, job)
		return err
	})
	if err != nil {
		return err
	}
	if o.retry {
		return genErr
	}
	return nil
}

// take locks the batch and the item and decides: run it (a claim), or
// settle it without running (nil claim, the item then has its outcome).
func (s *Service) take(ctx context.Context, tx pgx.Tx, a itemArgs, attempt int) (*claim, error) {
	var state, itemState string
	var principal, request []byte
	var overBudget bool
	err := tx.QueryRow(ctx, `SELECT state, principal,
		(budget_eur IS NOT NULL AND spent_eur >= budget_eur) OR (budget_tokens IS NOT NULL AND spent_tokens >= budget_tokens)
		FROM batches WHERE id = $1 FOR UPDATE`, a.Batch).Scan(&state, &principal, &overBudget)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil // the batch was deleted with its tenant
	}
	if err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, `SELECT state, request FROM batch_items WHERE batch_id = $1 AND n = $2 FOR UPDATE`,
		a.Batch, a.N).Scan(&itemState, &request)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if itemState != StatePending && itemState != StateRunning {
		return nil, nil // settled before: exactly once
	}
	var settle string
	switch {
	case state == BatchCancelled:
		settle = StateCancelled
	case state == BatchBudgetExhausted || overBudget:
		settle = StateSkippedBudget
	}
	if settle != "" {
		return nil, s.settle(ctx, tx, a, outcome{state: settle})
	}
	c := &claim{}
	if err := json.Unmarshal(principal, &c.principal); err != nil {
		return nil, fmt.Errorf("batch %s: principal: %w", a.Batch, err)
	}
	if err := json.Unmarshal(request, &c.request); err != nil {
		return nil, fmt.Errorf("batch %s item %d: request: %w", a.Batch, a.N, err)
	}
	_, err = tx.Exec(ctx, `UPDATE batch_items SET state = 'running', attempts = $3, started_at = now()
		WHERE batch_id = $1 AND n = $2`, a.Batch, a.N, attempt)
	return c, err
}

// outcome is what one attempt came to.
type outcome struct {
	state  string
	err    string // the plain message a caller may see
	code   string // its stable code, as the API answers it
	retry  bool   // a provider or infrastructure error: worth another attempt
	result *generate.Result
	cost   float64
	tokens int64
	genID  string
}

func outcomeOf(res *generate.Result, err error) outcome {
	if err == nil {
		return outcome{state: string(res.Decision), result: res, cost: res.Usage.CostEUR,
			tokens: int64(res.Usage.PromptTokens + res.Usage.CompletionTokens), genID: res.GenerationID}
	}
	var rej *generate.RejectedError
	if errors.As(err, &rej) {
		// A policy decision on the brief, not an error: never retried.
		return outcome{state: StateBlocked, code: "injection_detected", err: err.Error() + ": " + strings.Join(rej.Reasons, "; ")}
	}
	// The owner gets what the synchronous API would answer; the chain,
	// which names providers, models and upstream messages, is logged.
	code, msg := kontext.Failure(err)
	switch {
	case errors.Is(err, kontext.ErrInvalid), errors.Is(err, kontext.ErrForbidden), errors.Is(err, kontext.ErrNotFound),
		errors.Is(err, kontext.ErrUnauthenticated), errors.Is(err, kontext.ErrPersonalData):
		return outcome{state: StateFailed, code: code, err: msg}
	}
	return outcome{state: StateFailed, code: code, err: msg, retry: true}
}

// lockBatch takes the batch row's lock: every transaction that changes a
// batch's items locks the batch first, so they never deadlock.
func (s *Service) lockBatch(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM batches WHERE id = $1 FOR UPDATE`, id)
	return err
}

// interrupted settles an item whose attempt was cut off: cancelled when its
// batch was, else handed back as pending for another attempt (settled is
// false then).
func (s *Service) interrupted(ctx context.Context, tx pgx.Tx, a itemArgs) (settled bool, err error) {
	var state string
	if err := tx.QueryRow(ctx, `SELECT state FROM batches WHERE id = $1 FOR UPDATE`, a.Batch).Scan(&state); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return true, nil
		}
		return false, err
	}
	if state == BatchCancelled {
		return true, s.settle(ctx, tx, a, outcome{state: StateCancelled, err: "cancelled while running"})
	}
	_, err = tx.Exec(ctx, `UPDATE batch_items SET state = 'pending', error = 'interrupted; will be retried'
		WHERE batch_id = $1 AND n = $2 AND state = 'running'`, a.Batch, a.N)
	return false, err
}

// settle writes an item's outcome, counts its spending against the batch,
// applies the budget and closes the batch when its last item settles. The
// caller holds the batch row's lock.
func (s *Service) settle(ctx context.Context, tx pgx.Tx, a itemArgs, o outcome) error {
	var result []byte
	if o.result != nil {
		var err error
		if result, err = json.Marshal(o.result); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE batch_items SET state = $3, error = nullif($4, ''), result = $5, cost_eur = $6, tokens = $7,
		generation_id = nullif($8, '')::uuid, finished_at = now(), error_code = nullif($9, '')
		WHERE batch_id = $1 AND n = $2 AND state IN ('pending', 'running')`,
		a.Batch, a.N, o.state, o.err, result, o.cost, o.tokens, o.genID, o.code)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	var overBudget bool
	if err := tx.QueryRow(ctx, `UPDATE batches SET spent_eur = spent_eur + $2, spent_tokens = spent_tokens + $3
		WHERE id = $1 RETURNING (budget_eur IS NOT NULL AND spent_eur >= budget_eur) OR (budget_tokens IS NOT NULL AND spent_tokens >= budget_tokens)`,
		a.Batch, o.cost, o.tokens).Scan(&overBudget); err != nil {
		return err
	}
	if overBudget {
		if _, err := tx.Exec(ctx, `UPDATE batch_items SET state = 'skipped_budget', finished_at = now()
			WHERE batch_id = $1 AND state = 'pending'`, a.Batch); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE batches SET state = 'budget_exhausted', stopped_at = coalesce(stopped_at, now())
			WHERE id = $1 AND state = 'running'`, a.Batch); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE batches SET finished_at = now(), state = CASE state WHEN 'running' THEN 'done' ELSE state END
		WHERE id = $1 AND finished_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = $1 AND state IN ('pending', 'running'))`, a.Batch)
	return err
}
