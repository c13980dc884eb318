package main

import (
	"context"

	"kontext"
	"kontext/api"
	"kontext/ingest"
	"kontext/internal/readpool"
)

// readsAfterWrites is the ingester with the read pool told of each write,
// so that the writing tenant's next searches read a replica only once it
// has replayed the write (or the primary).
type readsAfterWrites struct {
	*ingest.Ingester
	reads *readpool.Pool
}

var (
	_ api.Ingester = readsAfterWrites{}
	_ api.Eraser   = readsAfterWrites{}
)

// Ingest ingests and records the tenant's write.
func (w readsAfterWrites) Ingest(ctx context.Context, req ingest.Request) (ingest.Result, error) {
	res, err := w.Ingester.Ingest(ctx, req)
	if err == nil {
		w.reads.Wrote(ctx, req.Principal.Tenant)
	}
	return res, err
}

// Erase erases and records the tenant's write: erased text must not come
// back from a replica that has not replayed the erasure yet.
func (w readsAfterWrites) Erase(ctx context.Context, p kontext.Principal, subject string) (ingest.ErasureReceipt, error) {
	rec, err := w.Ingester.Erase(ctx, p, subject)
	if err == nil {
		w.reads.Wrote(ctx, p.Tenant)
	}
	return rec, err
}

// documentsAfterWrites is the document store with the read pool told of
// deletions and releases, which change what a search finds.
type documentsAfterWrites struct {
	*ingest.Store
	reads *readpool.Pool
}

var _ api.Documents = documentsAfterWrites{}

// Delete deletes and records the tenant's write.
func (w documentsAfterWrites) Delete(ctx context.Context, p kontext.Principal, id string) error {
	err := w.Store.Delete(ctx, p, id)
	if err == nil {
		w.reads.Wrote(ctx, p.Tenant)
	}
	return err
}

// Release releases a quarantined document and records the tenant's write.
func (w documentsAfterWrites) Release(ctx context.Context, p kontext.Principal, id, comment string) (ingest.Document, error) {
	d, err := w.Store.Release(ctx, p, id, comment)
	if err == nil {
		w.reads.Wrote(ctx, p.Tenant)
	}
	return d, err
}
