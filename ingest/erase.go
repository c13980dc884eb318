package ingest

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/guard"
)

// ErasureReceipt records an erasure without the personal data erased.
type ErasureReceipt struct {
	// Subject is a fingerprint of the erased value (the first bytes of its
	// keyed hash), enough to match receipts, useless to recover the value.
	Subject        string    `json:"subject_fingerprint"`
	Types          []string  `json:"types_matched"`
	ChunksDeleted  int       `json:"chunks_deleted"`
	DocumentIDs    []string  `json:"document_ids"`
	At             time.Time `json:"at"`
	RedactedFuture bool      `json:"redacted_in_future_ingests"`
}

// Erase removes every chunk of the principal's tenant that mentions the
// data subject (an email address, phone number, name, IBAN, …) and
// remembers the subject's keyed hash so that later ingests redact it. The
// documents stay, minus those chunks. The receipt goes to the audit log.
func (in *Ingester) Erase(ctx context.Context, p kontext.Principal, subject string) (ErasureReceipt, error) {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return ErasureReceipt{}, kontext.Invalidf("subject", "is required")
	}
	if len(subject) > 512 {
		return ErasureReceipt{}, kontext.Invalidf("subject", "longer than 512 bytes")
	}
	if err := kontext.ValidateTenant(p.Tenant); err != nil {
		return ErasureReceipt{}, err
	}
	// The subject is looked up under every type, since the keyed hash
	// includes the type and the caller need not say which it is.
	subjectTypes := guard.Types()
	hashes := make([][]byte, len(subjectTypes))
	for i, t := range subjectTypes {
		hashes[i] = in.keyedHash(t, subject)
	}
	rec := ErasureReceipt{Subject: hex.EncodeToString(in.keyedHash("SUBJECT", subject)[:8]), Types: []string{}, DocumentIDs: []string{}, RedactedFuture: true}
	err := inTx(ctx, in.pool, p, asTenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT type FROM chunk_pii WHERE tenant = $1 AND hash = ANY($2)`, p.Tenant, hashes)
		if err != nil {
			return err
		}
		if rec.Types, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `WITH hit AS (
				SELECT DISTINCT chunk_id FROM chunk_pii WHERE tenant = $1 AND hash = ANY($2)
			), gone AS (
				DELETE FROM chunks c USING hit WHERE c.id = hit.chunk_id RETURNING c.document_id
			)
			SELECT document_id::text, count(*) FROM gone GROUP BY document_id ORDER BY document_id`, p.Tenant, hashes)
		if err != nil {
			return err
		}
		var doc string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&doc, &n}, func() error {
			rec.DocumentIDs = append(rec.DocumentIDs, doc)
			rec.ChunksDeleted += n
			return nil
		}); err != nil {
			return err
		}
		for i, h := range hashes {
			if _, err := tx.Exec(ctx, `INSERT INTO erased_subjects (tenant, hash, type) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, p.Tenant, h, subjectTypes[i]); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, "SELECT now()").Scan(&rec.At); err != nil {
			return err
		}
		return record(ctx, tx, p, "subject.erased", rec.Subject, map[string]any{
			"types": rec.Types, "chunks_deleted": rec.ChunksDeleted, "document_ids": rec.DocumentIDs,
		})
	})
	if err != nil {
		return ErasureReceipt{}, fmt.Errorf("ingest: erase: %w", err)
	}
	if rec.Types == nil {
		rec.Types = []string{}
	}
	in.log.Info("data subject erased", "tenant", p.Tenant, "subject", rec.Subject, "chunks", rec.ChunksDeleted, "documents", len(rec.DocumentIDs))
	return rec, nil
}

// SweepResult counts what a retention sweep deleted.
type SweepResult struct {
	Tenants   int `json:"tenants"`
	Documents int `json:"documents_deleted"`
}

// SweepRetention deletes every document whose retention date has passed,
// tenant by tenant, each deletion recorded in that tenant's audit log.
func (in *Ingester) SweepRetention(ctx context.Context, actor string) (SweepResult, error) {
	var tenants []string
	err := pgx.BeginFunc(ctx, in.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.list_tenants', 'on', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM tenants ORDER BY id")
		if err != nil {
			return err
		}
		tenants, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return SweepResult{}, fmt.Errorf("ingest: retention sweep: list tenants: %w", err)
	}
	var res SweepResult
	for _, t := range tenants {
		p := kontext.Principal{Tenant: t, User: actor}
		err := inTx(ctx, in.pool, p, asTenant, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `WITH gone AS (
					DELETE FROM documents WHERE tenant = $1 AND retain_until IS NOT NULL AND retain_until < now()
					RETURNING id
				) SELECT id::text FROM gone`, t)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil || len(ids) == 0 {
				return err
			}
			res.Tenants++
			res.Documents += len(ids)
			return record(ctx, tx, p, "retention.swept", "", map[string]any{"document_ids": ids})
		})
		if err != nil {
			return res, fmt.Errorf("ingest: retention sweep of %s: %w", t, err)
		}
	}
	return res, nil
}
