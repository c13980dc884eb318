package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DDL is what index management needs: a pool or connection of the schema
// owner (indexes belong to the table's owner).
type DDL interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var modelName = regexp.MustCompile(`^[A-Za-z0-9._:/@+-]{1,200}$`)

// IndexName returns the name of the HNSW index for an embedding model.
func IndexName(model string) string {
	h := sha256.Sum256([]byte(model))
	return "chunks_hnsw_" + hex.EncodeToString(h[:8])
}

// EnsureIndex creates the HNSW index for one embedding model if it does not
// exist: a partial index over the embedding cast to the model's dimension,
// pgvector's pattern for several models in one column. Searches must use
// the same cast and predicate to use it. It builds concurrently, so
// ingestion and search go on meanwhile.
func EnsureIndex(ctx context.Context, db DDL, model string, dims int) (created bool, err error) {
	if !modelName.MatchString(model) {
		return false, fmt.Errorf("ingest: index: model name %q has characters other than letters, digits and ._:/@+-", model)
	}
	if dims < 1 || dims > 2000 {
		return false, fmt.Errorf("ingest: index: %d dimensions; HNSW indexes vectors of 1 to 2000", dims)
	}
	name := IndexName(model)
	var exists, valid bool
	err = db.QueryRow(ctx, `SELECT true, i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
		WHERE c.relname = $1 AND c.relkind = 'i'`, name).Scan(&exists, &valid)
	if err != nil && err != pgx.ErrNoRows {
		return false, fmt.Errorf("ingest: index: %w", err)
	}
	if exists && valid {
		return false, nil
	}
	if exists {
		// A concurrent build that failed leaves an invalid index behind.
		if _, err := db.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			return false, fmt.Errorf("ingest: index: drop invalid %s: %w", name, err)
		}
	}
	// DDL takes no parameters: the model name is checked against a strict
	// pattern above and cannot contain a quote.
	sql := fmt.Sprintf(`CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON chunks
		USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
		WHERE embedding_model = '%s'`, pgx.Identifier{name}.Sanitize(), dims, model)
	if _, err := db.Exec(ctx, sql); err != nil {
		return false, fmt.Errorf("ingest: index: create %s: %w", name, err)
	}
	return true, nil
}

// DropIndex removes a model's HNSW index (for bulk loads: load first, then
// build the index, as pgvector advises).
func DropIndex(ctx context.Context, db DDL, model string) error {
	if !modelName.MatchString(model) {
		return fmt.Errorf("ingest: index: bad model name %q", model)
	}
	if _, err := db.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{IndexName(model)}.Sanitize()); err != nil {
		return fmt.Errorf("ingest: index: drop: %w", err)
	}
	return nil
}
