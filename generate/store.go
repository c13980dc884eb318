package generate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/audit"
	"kontext/guard/inject"
	"kontext/ingest"
	"kontext/llm"
)

var placeholderPattern = regexp.MustCompile(`\[[A-Z][A-Z_]*_[1-9]\d*\]`)

// countUsage counts tokens (cl100k) when a provider reports none, as the
// offline composer does.
func countUsage(payload []byte, answer string) llm.Usage {
	var msgs []llm.Message
	_ = json.Unmarshal(payload, &msgs)
	var u llm.Usage
	for _, m := range msgs {
		n, _ := ingest.CountTokens(m.Content)
		u.PromptTokens += n
	}
	u.CompletionTokens, _ = ingest.CountTokens(answer)
	return u
}

// inSession runs fn in a transaction declared for the principal.
func (s *Service) inSession(ctx context.Context, p kontext.Principal, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		return fn(tx)
	})
}

// cached answers from a stored generation: the one stored under the
// request's idempotency key, whatever its age, else one of the same cache
// key within the TTL.
func (r *run) cached(ctx context.Context) (*Result, error) {
	if r.req.IdempotencyKey != "" {
		if hit, err := r.lookup(ctx, true); err != nil || hit != nil {
			return hit, err
		}
	}
	if r.s.cfg.CacheTTL <= 0 || r.req.Options.NoCache {
		return nil, nil
	}
	return r.lookup(ctx, false)
}

// lookup finds the stored generation by idempotency key (keyed) or by
// cache key and answers with it. The stored draft holds placeholders; this
// request's vault (built from the same inputs, so with the same
// placeholders) restores what policy allows.
func (r *run) lookup(ctx context.Context, keyed bool) (*Result, error) {
	var raw []byte
	var id string
	var review *string
	err := r.s.inSession(ctx, r.p, func(tx pgx.Tx) error {
		var err error
		action := "generation.cache_hit"
		if keyed {
			action = "generation.replayed"
			id, raw, review, err = storedGeneration(ctx, tx, r.p.Tenant, r.req.IdempotencyKey)
		} else {
			err = tx.QueryRow(ctx, `SELECT g.id::text, g.result, rv.status FROM generations g
			LEFT JOIN reviews rv ON rv.generation_id = g.id
			WHERE g.tenant = $1 AND g.cache_key = $2 AND g.created_at > now() - $3::interval
			ORDER BY g.created_at DESC LIMIT 1`, r.p.Tenant, r.cacheKey, r.s.cfg.CacheTTL).Scan(&id, &raw, &review)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Tenant: r.p.Tenant, Actor: r.p.User, Action: action,
			Subject: id, Details: map[string]any{"template": r.tmpl.Ref(), "provider": r.provider.Name}})
	})
	if err != nil {
		return nil, fmt.Errorf("generate: cache: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	return r.replay(id, raw, review, keyed)
}

// storedGeneration reads the generation stored under an idempotency key.
func storedGeneration(ctx context.Context, tx pgx.Tx, tenant, key string) (id string, raw []byte, review *string, err error) {
	err = tx.QueryRow(ctx, `SELECT g.id::text, g.result, rv.status FROM generations g
		LEFT JOIN reviews rv ON rv.generation_id = g.id
		WHERE g.tenant = $1 AND g.idempotency_key = $2`, tenant, key).Scan(&id, &raw, &review)
	return id, raw, review, err
}

// replay turns a stored generation into this request's result. A cache hit
// costs nothing; a replay under an idempotency key reports what the stored
// call cost, so that a batch counts it once.
func (r *run) replay(id string, raw []byte, review *string, keyed bool) (*Result, error) {
	var res Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("generate: cache: %w", err)
	}
	res.GenerationID = id
	res.Draft = r.vault.Restore(res.Draft, r.s.cfg.Restore)
	for i := range res.Sentences {
		res.Sentences[i].Text = r.vault.Restore(res.Sentences[i].Text, r.s.cfg.Restore)
	}
	if review != nil && *review == "pending" {
		res.ReviewID = id
	}
	if keyed {
		res.Replayed = true
	} else {
		res.Cached, res.Usage = true, Usage{}
	}
	r.lap("cache")
	res.Timings = r.res.Timings
	res.Timings["total"] = float64(time.Since(r.start).Microseconds()) / 1000
	r.emit("citations", res.Citations)
	r.emit("decision", map[string]any{"decision": res.Decision, "reasons": res.Reasons})
	r.emit("done", &res)
	return &res, nil
}

// persist stores the generation (pseudonymised), opens a review when the
// draft needs one, and appends the audit event, all in one transaction.
// When another attempt stored a generation under the same idempotency key
// first, that one is the answer (returned, as by cached) and nothing is
// stored.
func (r *run) persist(ctx context.Context) (*Result, error) {
	stored := *r.res
	stored.Draft = r.stored
	stored.Sentences = r.verified.Sentences
	stored.Timings = nil
	raw, err := json.Marshal(stored)
	if err != nil {
		return nil, fmt.Errorf("generate: persist: %w", err)
	}
	in, out := r.res.Provenance.InputSHA256, r.res.Provenance.OutputSHA256
	var key *string
	if r.req.IdempotencyKey != "" {
		key = &r.req.IdempotencyKey
	}
	taken := false
	err = r.s.inSession(ctx, r.p, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO generations (tenant, actor, channel, lang, classification, brief, draft,
				decision, result, provider, model, template, prompt_tokens, completion_tokens, cost_eur, cache_key,
				input_sha256, output_sha256, idempotency_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, decode($17, 'hex'), decode($18, 'hex'), $19)
			ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
			RETURNING id::text`,
			r.p.Tenant, r.p.User, r.req.Channel, r.req.Lang, string(r.highest), r.prompt.Brief, r.stored,
			string(r.res.Decision), raw, r.provider.Name, r.res.Provenance.Model, r.tmpl.Ref(),
			r.res.Usage.PromptTokens, r.res.Usage.CompletionTokens, r.res.Usage.CostEUR, r.cacheKey, in, out, key).Scan(&r.res.GenerationID)
		if errors.Is(err, pgx.ErrNoRows) {
			taken = true // another attempt stored this key's generation first
			return nil
		}
		if err != nil {
			return err
		}
		if r.res.Decision == NeedsReview {
			if _, err := tx.Exec(ctx, "INSERT INTO reviews (generation_id, tenant) VALUES ($1, $2)", r.res.GenerationID, r.p.Tenant); err != nil {
				return err
			}
			r.res.ReviewID = r.res.GenerationID
		}
		return audit.Record(ctx, tx, audit.Event{Tenant: r.p.Tenant, Actor: r.p.User, Action: "generation.created",
			Subject: r.res.GenerationID, Details: map[string]any{
				"decision": r.res.Decision, "reasons": len(r.res.Reasons), "channel": r.req.Channel, "lang": r.req.Lang,
				"provider": r.provider.Name, "model": r.res.Provenance.Model, "region": r.provider.Region,
				"template": r.tmpl.Ref(), "policy_packs": r.res.Provenance.PolicyPacks, "sources": r.res.Provenance.Sources,
				"classification": r.highest, "redactions": r.res.Provenance.Redactions, "audience": r.res.Provenance.Audience.Used,
				"input_sha256": in, "output_sha256": out, "cost_eur": r.res.Usage.CostEUR,
			}})
	})
	if err != nil {
		return nil, fmt.Errorf("generate: persist: %w", err)
	}
	if taken {
		return r.lookup(ctx, true)
	}
	r.lap("persist")
	r.res.Timings["total"] = float64(time.Since(r.start).Microseconds()) / 1000
	return nil, nil
}

// Review is a draft waiting for, or having had, a human decision.
type Review struct {
	GenerationID string     `json:"generation_id"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Reviewer     *string    `json:"reviewer,omitempty"`
	Comment      *string    `json:"comment,omitempty"`
	Channel      string     `json:"channel"`
	Lang         string     `json:"lang"`
	Actor        string     `json:"requested_by"`
	Draft        string     `json:"draft"`
	Reasons      []Reason   `json:"reasons"`
	// Revision is the revision whose text Draft holds (0: the generated
	// text); an approval must name it. Decision is that text's.
	Revision int      `json:"revision"`
	Decision Decision `json:"decision"`
}

// Reviews lists the tenant's pending reviews, oldest first.
func (s *Service) Reviews(ctx context.Context, p kontext.Principal, limit int) ([]Review, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Review
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT rv.generation_id::text, rv.status, rv.created_at, rv.decided_at, rv.reviewer,
				rv.comment, g.channel, g.lang, g.actor, coalesce(dr.draft, g.draft),
				coalesce(dr.result->'reasons', g.result->'reasons', '[]'::jsonb), coalesce(dr.revision, 0), coalesce(dr.decision, g.decision)
			FROM reviews rv JOIN generations g ON g.id = rv.generation_id
			LEFT JOIN LATERAL (SELECT revision, draft, decision, result FROM draft_revisions d
				WHERE d.generation_id = g.id ORDER BY d.revision DESC LIMIT 1) dr ON true
			WHERE rv.tenant = $1 AND rv.status = 'pending' ORDER BY rv.created_at, rv.generation_id LIMIT $2`, p.Tenant, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Review, error) {
			var rv Review
			var reasons []byte
			err := row.Scan(&rv.GenerationID, &rv.Status, &rv.CreatedAt, &rv.DecidedAt, &rv.Reviewer, &rv.Comment,
				&rv.Channel, &rv.Lang, &rv.Actor, &rv.Draft, &reasons, &rv.Revision, &rv.Decision)
			if err == nil {
				err = json.Unmarshal(reasons, &rv.Reasons)
			}
			return rv, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("generate: reviews: %w", err)
	}
	if out == nil {
		out = []Review{}
	}
	return out, nil
}

// Decide approves or rejects the pending review of a generation. An
// approval applies to one revision of the draft: revision names it, and
// when it is not the latest (or, left nil, when the draft was edited) the
// call is refused, so that no one approves a text they did not see. A
// blocked text cannot be approved, and a decided review cannot be decided
// again. All three are kontext.ErrConflict.
func (s *Service) Decide(ctx context.Context, p kontext.Principal, generationID string, approve bool, comment string, revision *int) (Review, error) {
	if len(comment) > 4000 {
		return Review{}, kontext.Invalidf("comment", "longer than 4000 bytes")
	}
	if !approve && comment == "" {
		return Review{}, kontext.Invalidf("comment", "is required to reject a draft")
	}
	status := "rejected"
	if approve {
		status = "approved"
	}
	var rv Review
	// The errors the caller can act on (not found, conflict) carry a
	// message written for them and are returned as they are; only
	// unexpected ones get this function's prefix.
	var decided error
	err := s.inSession(ctx, p, func(tx pgx.Tx) error {
		g, err := loadGeneration(ctx, tx, generationID)
		if errors.Is(err, kontext.ErrNotFound) {
			decided = err
			return decided
		}
		if err != nil {
			return err
		}
		rv.Channel, rv.Lang, rv.Actor = g.channel, g.lang, g.actor
		var decision Decision
		rv.Revision, rv.Draft, decision, rv.Reasons, err = latestRevision(ctx, tx, g)
		if err != nil {
			return err
		}
		rv.Decision = decision
		switch {
		case revision != nil && *revision != rv.Revision:
			decided = fmt.Errorf("revision %d of generation %s is not its latest; revision %d is: read it before deciding: %w", *revision, generationID, rv.Revision, kontext.ErrConflict)
			return decided
		case approve && revision == nil && rv.Revision > 0:
			decided = fmt.Errorf("generation %s was edited; name the revision you approve (the latest is %d): %w", generationID, rv.Revision, kontext.ErrConflict)
			return decided
		case approve && decision == Blocked && rv.Revision > 0:
			decided = fmt.Errorf("revision %d of generation %s was blocked by policy; a blocked draft cannot be approved: edit it again: %w", rv.Revision, generationID, kontext.ErrConflict)
			return decided
		case decision == Blocked && rv.Revision == 0:
			decided = fmt.Errorf("generation %s was blocked by policy; a blocked draft cannot be approved or reviewed: %w", generationID, kontext.ErrConflict)
			return decided
		case decision == Approved && rv.Revision == 0:
			decided = fmt.Errorf("generation %s was approved by policy and needs no review: %w", generationID, kontext.ErrConflict)
			return decided
		}
		if approve && rv.Revision == 0 && g.actor == p.User {
			// Four eyes: whoever requested the draft does not approve it.
			decided = fmt.Errorf("generation %s was requested by %s; another reviewer must approve it: %w", generationID, g.actor, kontext.ErrForbidden)
			return decided
		}
		if approve && rv.Revision > 0 {
			// Four eyes: whoever wrote a revision does not approve it.
			var author string
			if err := tx.QueryRow(ctx, `SELECT author FROM draft_revisions WHERE generation_id = $1::uuid AND revision = $2`,
				generationID, rv.Revision).Scan(&author); err != nil {
				return err
			}
			if author == p.User {
				decided = fmt.Errorf("revision %d of generation %s was written by %s; another reviewer must approve it: %w", rv.Revision, generationID, author, kontext.ErrForbidden)
				return decided
			}
		}
		err = tx.QueryRow(ctx, `UPDATE reviews SET status = $2, decided_at = now(), reviewer = $3, comment = nullif($4, ''),
				approved_revision = CASE WHEN $2 = 'approved' THEN $5::int END
			WHERE generation_id = $1::uuid AND status = 'pending'
			RETURNING generation_id::text, status, created_at, decided_at, reviewer, comment`,
			generationID, status, p.User, comment, rv.Revision).Scan(&rv.GenerationID, &rv.Status, &rv.CreatedAt, &rv.DecidedAt, &rv.Reviewer, &rv.Comment)
		if errors.Is(err, pgx.ErrNoRows) {
			var was string
			var at *time.Time
			if err := tx.QueryRow(ctx, "SELECT status, decided_at FROM reviews WHERE generation_id = $1::uuid", generationID).Scan(&was, &at); err != nil {
				return err
			}
			when := ""
			if at != nil {
				when = " at " + at.UTC().Format(time.RFC3339)
			}
			decided = fmt.Errorf("review %s was already decided (%s%s): %w", generationID, was, when, kontext.ErrConflict)
			return decided
		}
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(rv.Draft))
		return audit.Record(ctx, tx, audit.Event{Tenant: p.Tenant, Actor: p.User, Action: "review." + status,
			Subject: generationID, Details: map[string]any{"commented": comment != "", "revision": rv.Revision,
				"sha256": hex.EncodeToString(sum[:])}})
	})
	if decided != nil && errors.Is(err, decided) {
		return Review{}, decided
	}
	if err != nil {
		return Review{}, fmt.Errorf("generate: review: %w", err)
	}
	if rv.Reasons == nil {
		rv.Reasons = []Reason{}
	}
	return rv, nil
}

// UsageRow is the usage of one day and channel.
type UsageRow struct {
	Day              string  `json:"day"`
	Channel          string  `json:"channel"`
	Generations      int     `json:"generations"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CostEUR          float64 `json:"cost_eur"`
}

// Usage aggregates the tenant's generations per day (UTC) and channel in
// [from, to).
func (s *Service) Usage(ctx context.Context, p kontext.Principal, from, to time.Time) ([]UsageRow, error) {
	if !to.After(from) {
		return nil, kontext.Invalidf("to", "must be after from")
	}
	var out []UsageRow
	err := pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		// Usage counts every generation of the tenant, whatever its
		// classification: the tenant scope lifts the clearance filter.
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, channel, count(*)::int,
				sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cost_eur)::float8
			FROM generations WHERE tenant = $1 AND created_at >= $2 AND created_at < $3
			GROUP BY 1, 2 ORDER BY 1, 2`, p.Tenant, from, to)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[UsageRow])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("generate: usage: %w", err)
	}
	if out == nil {
		out = []UsageRow{}
	}
	return out, nil
}

// recordRejection audits a brief rejected as prompt injection: the scores,
// the kinds of evidence (rules by name, "model") and the brief's hash, never
// its text. A failure to record is logged; the brief stays rejected.
func (r *run) recordRejection(ctx context.Context, scan inject.InjectionResult) {
	sum := sha256.Sum256([]byte(r.req.Brief))
	err := r.s.inSession(ctx, r.p, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event{Tenant: r.p.Tenant, Actor: r.p.User, Action: "generation.brief_rejected",
			Details: map[string]any{
				"score": scan.Score, "rule_score": scan.RuleScore, "model_score": scan.ModelScore,
				"evidence": inject.ReasonKinds(scan.Reasons), "channel": r.req.Channel, "lang": r.req.Lang,
				"input_sha256": hex.EncodeToString(sum[:]),
			}})
	})
	if err != nil {
		r.s.cfg.Logger.Warn("audit rejected brief", "tenant", r.p.Tenant, "err", err)
	}
}
