package retrieval

import (
	"context"

	"kontext"
)

// SearchWithoutACL runs a search whose SQL omits the access predicate, so
// that only row-level security limits what it returns.
func (s *Store) SearchWithoutACL(ctx context.Context, p kontext.Principal, q Query) ([]Result, Plan, error) {
	if err := q.normalise(); err != nil {
		return nil, Plan{}, err
	}
	vecs, err := s.embedder.Embed(ctx, []string{q.Text})
	if err != nil {
		return nil, Plan{}, err
	}
	return s.search(ctx, p, q, vecs[0], false)
}

// Crossover is the exact-scan threshold of an index over indexed rows at ef.
var Crossover = crossover

// GroupPredicate is the tenant and group predicate of a group index.
var GroupPredicate = groupPredicate
