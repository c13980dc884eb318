// Package audit writes and verifies Kontext's tamper-evident audit log:
// append-only rows in audit_events, chained per tenant by the hash of the
// previous row (computed by the database, so no writer can choose it).
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Event is one audit record. Details must never hold personal data or
// secrets: counts, ids, hashes, decisions.
type Event struct {
	Tenant  string
	Actor   string
	Action  string
	Subject string
	Details map[string]any
}

// DBTX is a pool or a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Record appends the event in db, which must have declared the event's
// tenant (kontext.tenant) when it is a transaction; inside the caller's
// transaction the event commits or rolls back with the work it records.
func Record(ctx context.Context, db DBTX, e Event) error {
	if e.Action == "" {
		return errors.New("audit: an event needs an action")
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	_, err := db.Exec(ctx, "INSERT INTO audit_events (tenant, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)",
		e.Tenant, e.Actor, e.Action, e.Subject, details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Log records events in transactions of their own.
type Log struct {
	pool *pgxpool.Pool
}

// New returns a Log writing through pool (the application role's).
func New(pool *pgxpool.Pool) *Log { return &Log{pool: pool} }

// Record appends the event in a transaction declared for its tenant.
func (l *Log) Record(ctx context.Context, e Event) error {
	return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true)", e.Tenant); err != nil {
			return err
		}
		return Record(ctx, tx, e)
	})
}

// Verification is the result of checking a tenant's chain.
type Verification struct {
	Events int   `json:"events"`
	OK     bool  `json:"ok"`
	First  int64 `json:"first_bad_seq,omitempty"`
	// Reason says what is wrong at First.
	Reason string `json:"reason,omitempty"`
}

// Verify recomputes the tenant's chain row by row: each row's hash from its
// content and the previous row's hash, and the sequence without gaps. An
// edited, inserted or deleted row breaks it.
func (l *Log) Verify(ctx context.Context, tenant string) (Verification, error) {
	var v Verification
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true)", tenant); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq, prev_hash, hash,
				audit_event_hash(prev_hash, tenant, seq, at, actor, action, subject, details)
			FROM audit_events WHERE tenant = $1 ORDER BY seq`, tenant)
		if err != nil {
			return err
		}
		prev := make([]byte, 32)
		var seq, want int64 = 0, 1
		var prevHash, hash, recomputed []byte
		v.OK = true
		_, err = pgx.ForEachRow(rows, []any{&seq, &prevHash, &hash, &recomputed}, func() error {
			v.Events++
			if !v.OK {
				return nil
			}
			switch {
			case seq != want:
				v.OK, v.First, v.Reason = false, seq, fmt.Sprintf("sequence jumps from %d to %d", want-1, seq)
			case !bytes.Equal(prevHash, prev):
				v.OK, v.First, v.Reason = false, seq, "previous hash does not match the previous row"
			case !bytes.Equal(hash, recomputed):
				v.OK, v.First, v.Reason = false, seq, "row content does not match its hash"
			}
			prev = append(prev[:0], hash...)
			want = seq + 1
			return nil
		})
		return err
	})
	if err != nil {
		return v, fmt.Errorf("audit: verify %s: %w", tenant, err)
	}
	return v, nil
}
