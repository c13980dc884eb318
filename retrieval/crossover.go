package retrieval

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Measured CPU costs of the two vector paths in the database backend
// (bench/search -corpus clustered -designs, 100,000 chunks of 384
// dimensions; docs/benchmarks.md): the exact scan reads every visible row,
// about 1.9 µs a row with the access policy; an iterative HNSW search costs
// about 1.7 ms + 0.0103 ms per unit of ef_search while at least about 5.4%
// of the indexed rows are visible (2.1 ms at ef 40, 2.7 ms at ef 100, the
// same at 10% as at 100%), and as 0.054/s times that below, where it must
// visit more rows for each visible one (14.9 ms at 1%).
const (
	exactRowMs  = 0.0019
	indexBaseMs = 1.7
	indexEfMs   = 0.0103
	indexKnee   = 0.054
)

// crossover is the visible count up to which the exact scan costs less than
// the index over indexed rows. Below the knee, exactRowMs·V =
// indexMs(ef)·indexKnee·indexed/V gives V = sqrt(indexKnee·indexMs(ef)·
// indexed/exactRowMs); it grows with the square root of the index: 4,000
// of 100,000 rows and 12,800 of a million at ef 400, 2,800 and 8,800 at ef
// 100.
func crossover(indexed, ef int) int {
	cost := indexBaseMs + indexEfMs*float64(ef)
	return max(1000, int(math.Sqrt(indexKnee*cost*float64(max(indexed, 0))/exactRowMs)))
}

// threshold is the exact-scan threshold: the configured one, else the
// crossover of the model's index size, which the planner's statistics
// estimate (refreshed by ANALYZE and autovacuum, read once a minute).
func (s *Store) threshold(ctx context.Context, tx pgx.Tx) (int, error) {
	if t, ok := s.knownThreshold(); ok {
		return t, nil
	}
	var rows float64
	if err := tx.QueryRow(ctx, "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'chunks'::regclass").Scan(&rows); err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.indexed, s.indexedAt = int(rows), time.Now()
	s.mu.Unlock()
	return crossover(int(rows), s.opts.EfSearch), nil
}

// knownThreshold is the threshold when it takes no query: the configured
// one, or the crossover of an index size read less than a minute ago.
func (s *Store) knownThreshold() (int, bool) {
	if s.opts.ExactThreshold > 0 {
		return s.opts.ExactThreshold, true
	}
	s.mu.Lock()
	n, at := s.indexed, s.indexedAt
	s.mu.Unlock()
	if at.IsZero() || time.Since(at) > countTTL {
		return 0, false
	}
	return crossover(n, s.opts.EfSearch), true
}

// knownPlan is the plan of f when both the threshold and the visible count
// are known without a query.
func (s *Store) knownPlan(f filter) (Plan, bool) {
	t, ok := s.knownThreshold()
	if !ok {
		return Plan{}, false
	}
	return s.cachedPlan(f, t)
}
