package ingest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/guard/pii"
)

// ErasureReceipt records an erasure without the personal data erased.
type ErasureReceipt struct {
	// Subject is a fingerprint of the erased value (the first bytes of its
	// keyed hash), enough to match receipts, useless to recover the value.
	Subject       string   `json:"subject_fingerprint"`
	Types         []string `json:"types_matched"`
	ChunksDeleted int      `json:"chunks_deleted"`
	DocumentIDs   []string `json:"document_ids"`
	// BatchItemsRedacted counts the batch items whose stored request or
	// result mentioned the subject; the mentions are now "[ERASED]".
	BatchItemsRedacted int       `json:"batch_items_redacted"`
	At                 time.Time `json:"at"`
	RedactedFuture     bool      `json:"redacted_in_future_ingests"`
}

// Erase removes every chunk of the principal's tenant that mentions the
// data subject (an email address, phone number, name, IBAN, …), redacts
// the subject from the tenant's stored batch requests and results, and
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
	subjectTypes := pii.Types()
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
		// A document whose file names the subject as its author keeps no
		// trace of it.
		if _, err := tx.Exec(ctx, `UPDATE documents SET author_hash = NULL WHERE tenant = $1 AND author_hash = ANY($2)`,
			p.Tenant, hashes); err != nil {
			return err
		}
		for i, h := range hashes {
			if _, err := tx.Exec(ctx, `INSERT INTO erased_subjects (tenant, hash, type) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, p.Tenant, h, subjectTypes[i]); err != nil {
				return err
			}
		}
		match := map[string]bool{}
		for _, h := range hashes {
			match[string(h)] = true
		}
		if rec.BatchItemsRedacted, err = in.redactBatchItems(ctx, tx, p.Tenant, subject, match); err != nil {
			return fmt.Errorf("batch items: %w", err)
		}
		if err := tx.QueryRow(ctx, "SELECT now()").Scan(&rec.At); err != nil {
			return err
		}
		return record(ctx, tx, p, "subject.erased", rec.Subject, map[string]any{
			"types": rec.Types, "chunks_deleted": rec.ChunksDeleted, "document_ids": rec.DocumentIDs,
			"batch_items_redacted": rec.BatchItemsRedacted,
		})
	})
	if err != nil {
		return ErasureReceipt{}, fmt.Errorf("ingest: erase: %w", err)
	}
	if rec.Types == nil {
		rec.Types = []string{}
	}
	in.log.Info("data subject erased", "tenant", p.Tenant, "subject", rec.Subject, "chunks", rec.ChunksDeleted,
		"documents", len(rec.DocumentIDs), "batch_items", rec.BatchItemsRedacted)
	return rec, nil
}

// redactBatchItems replaces the subject in every string of the tenant's
// stored batch requests (the briefs as submitted) and results (drafts, which
// hold personal data when the batch restored it): each personal data
// finding whose keyed hash is the subject's, and each literal occurrence of
// the subject as given, ignoring case, becomes "[ERASED]". Items are read in
// pages by key so that a tenant's whole history is never held at once; it
// returns how many items changed.
func (in *Ingester) redactBatchItems(ctx context.Context, tx pgx.Tx, tenant, subject string, match map[string]bool) (int, error) {
	redact := func(s string) (string, bool) {
		var spans []pii.Finding
		if detect := in.opts.Scanners.PII; detect != nil {
			for _, f := range detect(s) {
				if match[string(in.keyedHash(f.Type, f.Value))] {
					spans = append(spans, f)
				}
			}
		}
		spans = append(spans, literalSpans(s, subject)...)
		if len(spans) == 0 {
			return s, false
		}
		return redactSpans(s, mergeSpans(spans)), true
	}
	type item struct {
		batch           string
		n               int
		request, result []byte
	}
	changed := 0
	lastBatch, lastN := "00000000-0000-0000-0000-000000000000", 0
	for {
		rows, err := tx.Query(ctx, `SELECT batch_id::text, n, request, result FROM batch_items
			WHERE tenant = $1 AND (batch_id, n) > ($2::uuid, $3) ORDER BY batch_id, n LIMIT 500`, tenant, lastBatch, lastN)
		if err != nil {
			return changed, err
		}
		var page, dirty []item
		var it item
		if _, err := pgx.ForEachRow(rows, []any{&it.batch, &it.n, &it.request, &it.result}, func() error {
			page = append(page, item{it.batch, it.n, it.request, it.result})
			return nil
		}); err != nil {
			return changed, err
		}
		for _, it := range page {
			req, c1, err := redactJSON(it.request, redact)
			if err != nil {
				return changed, fmt.Errorf("item %s/%d request: %w", it.batch, it.n, err)
			}
			res, c2, err := redactJSON(it.result, redact)
			if err != nil {
				return changed, fmt.Errorf("item %s/%d result: %w", it.batch, it.n, err)
			}
			if c1 || c2 {
				dirty = append(dirty, item{it.batch, it.n, req, res})
			}
		}
		for _, it := range dirty {
			if _, err := tx.Exec(ctx, `UPDATE batch_items SET request = $3, result = $4 WHERE batch_id = $1::uuid AND n = $2`,
				it.batch, it.n, it.request, it.result); err != nil {
				return changed, err
			}
		}
		changed += len(dirty)
		if len(page) < 500 {
			return changed, nil
		}
		lastBatch, lastN = page[len(page)-1].batch, page[len(page)-1].n
	}
}

// redactJSON applies redact to every string value of a JSON document (keys
// stay); a null or absent document is left as it is.
func redactJSON(raw []byte, redact func(string) (string, bool)) ([]byte, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return raw, false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false, err
	}
	v, changed := redactAny(v, redact)
	if !changed {
		return raw, false, nil
	}
	out, err := json.Marshal(v)
	return out, true, err
}

func redactAny(v any, redact func(string) (string, bool)) (any, bool) {
	changed := false
	visit := func(x any) any {
		y, c := redactAny(x, redact)
		changed = changed || c
		return y
	}
	switch x := v.(type) {
	case string:
		return redact(x)
	case []any:
		for i := range x {
			x[i] = visit(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = visit(x[k])
		}
	}
	return v, changed
}

// literalSpans finds each occurrence of subject in s, ignoring case, that
// is not part of a longer word ("Jana" is not found in "Janaina").
func literalSpans(s, subject string) []pii.Finding {
	if subject == "" {
		return nil
	}
	var out []pii.Finding
	ls, lsub := strings.ToLower(s), strings.ToLower(subject)
	if len(ls) != len(s) || len(lsub) != len(subject) {
		// Lower-casing changed byte lengths (rare letters such as 'İ'):
		// match exactly instead, so that offsets stay valid.
		ls, lsub = s, subject
	}
	for i := 0; ; {
		j := strings.Index(ls[i:], lsub)
		if j < 0 {
			return out
		}
		start, end := i+j, i+j+len(lsub)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !wordRune(before) && !wordRune(after) {
			out = append(out, pii.Finding{Type: "SUBJECT", Start: start, End: end})
		}
		i = end
	}
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mergeSpans joins overlapping spans so that each stretch is redacted once.
func mergeSpans(fs []pii.Finding) []pii.Finding {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start })
	out := fs[:0:0]
	for _, f := range fs {
		if n := len(out); n > 0 && f.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, f.End)
			continue
		}
		out = append(out, f)
	}
	return out
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
