package retrieval

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Measured costs of the two vector paths (bench/search -corpus clustered
// -designs, docs/benchmarks.md): the exact scan reads every visible row,
// about 3.5 µs a row with the access policy; an iterative HNSW search costs
// about 1.3 ms + 0.018 ms per unit of ef_search when every indexed row is
// visible (2.0 ms at ef 40, 3.1 ms at ef 100), and grows as one over the share of rows visible, since it must
// visit that many more to find its candidates among the visible ones.
const (
	exactRowMs  = 0.0035
	indexBaseMs = 1.3
	indexEfMs   = 0.018
)

// crossover is the visible count up to which the exact scan costs less than
// the index over indexed rows: exactRowMs·V = indexMs(ef)·indexed/V gives
// V = sqrt(indexMs(ef)·indexed/exactRowMs). It grows with the square root
// of the index: 15,600 of 100,000 rows and 49,000 of a million at ef 400,
// 9,400 and 30,000 at ef 100.
func crossover(indexed, ef int) int {
	cost := indexBaseMs + indexEfMs*float64(ef)
	return max(1000, int(math.Sqrt(cost*float64(max(indexed, 0))/exactRowMs)))
}

// threshold is the exact-scan threshold: the configured one, else the
// crossover of the model's index size, which the planner's statistics
// estimate (refreshed by ANALYZE and autovacuum, read once a minute).
func (s *Store) threshold(ctx context.Context, tx pgx.Tx) (int, error) {
	if s.opts.ExactThreshold > 0 {
		return s.opts.ExactThreshold, nil
	}
	s.mu.Lock()
	n, at := s.indexed, s.indexedAt
	s.mu.Unlock()
	if at.IsZero() || time.Since(at) > countTTL {
		var rows float64
		if err := tx.QueryRow(ctx, "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'chunks'::regclass").Scan(&rows); err != nil {
			return 0, err
		}
		n = int(rows)
		s.mu.Lock()
		s.indexed, s.indexedAt = n, time.Now()
		s.mu.Unlock()
	}
	return crossover(n, s.opts.EfSearch), nil
}
