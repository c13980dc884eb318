package retrieval

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ReadPool runs a read on a streaming replica of the Store's database or
// on the database itself (internal/readpool implements it): fn gets the
// pool to read from, and may be called again on the primary when the
// replica fails it.
type ReadPool interface {
	Read(ctx context.Context, tenant string, fn func(*pgxpool.Pool) error) error
}

// read runs fn on the pool a search of tenant reads from.
func (s *Store) read(ctx context.Context, tenant string, fn func(*pgxpool.Pool) error) error {
	if s.opts.Reads == nil {
		return fn(s.pool)
	}
	return s.opts.Reads.Read(ctx, tenant, fn)
}
