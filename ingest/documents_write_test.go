package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/ingest/pdf"
	"kontext/internal/dbtest"
	"kontext/llm"
	"kontext/retrieval"
)

func document(t *testing.T, p kontext.Principal, file string) ingest.Request {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(documentsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Request{Principal: p, Name: file, ExternalID: "docs/" + file, Data: data,
		Classification: kontext.Internal, AllowedGroups: []string{"marketing"}}
}

// TestIngestDocuments: a PDF's chunks keep their pages, the document its
// page count and dates, and its author only as the keyed hash that erasure
// of the author clears; a Word document's chunks have no pages.
func TestIngestDocuments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, _, _, tenant := setup(t)
	p := editor(tenant)

	res, err := in.Ingest(ctx, document(t, p, "en-datasheet.pdf"))
	if err != nil {
		t.Fatalf("Ingest(en-datasheet.pdf): %v", err)
	}
	word, err := in.Ingest(ctx, document(t, p, "en-brief.docx"))
	if err != nil {
		t.Fatalf("Ingest(en-brief.docx): %v", err)
	}
	type chunkRow struct {
		heading        string
		text           string
		page, lastPage *int
	}
	var chunks, wordChunks []chunkRow
	var pages *int
	var authorHash []byte
	var created, modified *time.Time
	var row string
	err = pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		for _, q := range []struct {
			id  string
			dst *[]chunkRow
		}{{res.DocumentID, &chunks}, {word.DocumentID, &wordChunks}} {
			rows, err := tx.Query(ctx, "SELECT heading_path, text, page, last_page FROM chunks WHERE document_id = $1 ORDER BY ordinal", q.id)
			if err != nil {
				return err
			}
			var c chunkRow
			if _, err := pgx.ForEachRow(rows, []any{&c.heading, &c.text, &c.page, &c.lastPage}, func() error {
				*q.dst = append(*q.dst, c)
				return nil
			}); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `SELECT pages, author_hash, source_created_at, source_modified_at, d::text FROM documents d WHERE id = $1`,
			res.DocumentID).Scan(&pages, &authorHash, &created, &modified, &row)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) == 0 {
		t.Fatal("no chunks stored for en-datasheet.pdf")
	}
	var warranty, specs bool
	for _, c := range chunks {
		if c.page == nil || c.lastPage == nil {
			t.Fatalf("chunk %q has no page", c.heading)
		}
		if strings.Contains(c.text, "three-year manufacturer warranty") {
			warranty = *c.page == 2 && strings.HasSuffix(c.heading, "Warranty and service")
		}
		if strings.Contains(c.text, "Battery life | 38 hours") {
			specs = *c.page == 1
		}
	}
	if !warranty || !specs {
		t.Errorf("chunks = %+v; want the warranty section on page 2 and the specification table on page 1", chunks)
	}
	for _, c := range wordChunks {
		if c.page != nil {
			t.Errorf("Word chunk %q has page %d; want none", c.heading, *c.page)
		}
	}
	if pages == nil || *pages != 2 || created == nil || !created.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) || modified == nil {
		t.Errorf("document pages = %v, created = %v, modified = %v; want 2 pages and the file's dates", pages, created, modified)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	if !bytes.Equal(authorHash, pii.KeyedHash(secret, pii.TypePerson, "Jane Miller")) {
		t.Errorf("author_hash = %x; want the keyed hash of the author", authorHash)
	}
	if strings.Contains(row, "Jane") || strings.Contains(row, "Miller") {
		t.Errorf("document row names the author: %s", row)
	}

	// A search names the page of each PDF chunk it finds.
	search, err := retrieval.New(dbtest.Pool(t), llm.NewHashEmbedder(384), retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results, _, err := search.Search(ctx, p, retrieval.Query{Text: "three-year manufacturer warranty", K: 10})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range results {
		if strings.Contains(r.Text, "three-year manufacturer warranty") {
			found = true
			if r.Page != 2 || r.LastPage != 2 {
				t.Errorf("Search(warranty) found it on pages %d-%d; want 2-2", r.Page, r.LastPage)
			}
		}
		if r.DocumentID == word.DocumentID && r.Page != 0 {
			t.Errorf("Search result of the Word document has page %d; want none", r.Page)
		}
	}
	if !found {
		t.Errorf("Search(warranty) = %+v; want the warranty section", results)
	}

	// Erasing the author clears the hash.
	if _, err := in.Erase(ctx, kontext.Principal{Tenant: tenant, User: "dpo", Clearance: kontext.Confidential, Role: kontext.Admin}, "Jane Miller"); err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT author_hash FROM documents WHERE id = $1", res.DocumentID).Scan(&authorHash)
	})
	if err != nil || authorHash != nil {
		t.Errorf("author_hash after erasure = %x, %v; want NULL", authorHash, err)
	}
}

// TestIngestRefusesDocuments: encrypted, scanned, broken and oversized
// documents are refused with the reason and the file named; limits are
// too_large.
func TestIngestRefusesDocuments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, _, _, tenant := setup(t)
	p := editor(tenant)
	small, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: llm.NewHashEmbedder(64), Secret: make([]byte, 16),
		Parse: ingest.ParseOptions{PDF: pdf.Options{MaxPages: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      *ingest.Ingester
		file    string
		want    error
		message string
	}{
		{in, "en-encrypted.pdf", kontext.ErrInvalid, "encrypted, no password given"},
		{in, "de-scan.pdf", kontext.ErrInvalid, "no text layer (scanned?)"},
		{in, "en-truncated.pdf", kontext.ErrInvalid, "not a readable PDF"},
		{in, "en-truncated.docx", kontext.ErrInvalid, "not a readable Word document"},
		{in, "de-zipbombe.docx", kontext.ErrTooLarge, "inflates to more than"},
		{small, "en-datasheet.pdf", kontext.ErrTooLarge, "2 pages, more than the limit of 1"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			_, err := tc.in.Ingest(ctx, document(t, p, tc.file))
			var rej *ingest.RejectedError
			if !errors.Is(err, tc.want) || !errors.As(err, &rej) || !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("Ingest(%s) = %v; want a refusal matching %v naming the file and %q", tc.file, err, tc.want, tc.message)
			}
		})
	}
}
