package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/guard/inject"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
)

// bigJSON is a JSON document of about size bytes: an array of records of
// ordinary German prose, each record its own section.
func bigJSON(size int) []byte {
	const para = "Die Gipfelflasche hält Getränke zwölf Stunden warm und ist aus Edelstahl gefertigt. Sie wiegt 340 Gramm und passt in jede Seitentasche. "
	type record struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	var recs []record
	n := 0
	for i := 0; n < size; i++ {
		r := record{Title: fmt.Sprintf("Produkt %d", i), Text: strings.Repeat(para, 20)}
		recs = append(recs, r)
		n += len(r.Text) + len(r.Title) + 24
	}
	out, _ := json.Marshal(recs)
	return out
}

// refusingIngester is an ingester with the real injection scanner, as
// the server runs it.
func refusingIngester(tb testing.TB, opts ingest.Options) (*ingest.Ingester, kontext.Principal) {
	tb.Helper()
	pool := dbtest.Pool(tb)
	tenant := fmt.Sprintf("t%d", time.Now().UnixNano())
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		dbtest.SetTenant(tb, tx, tenant)
		_, err := tx.Exec(context.Background(), "INSERT INTO tenants (id) VALUES ($1)", tenant)
		return err
	})
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	inj := inject.NewInjectionScanner(inject.InjectionOptions{})
	opts.Embedder = llm.NewHashEmbedder(384)
	opts.Secret = []byte("0123456789abcdef0123456789abcdef")
	opts.Scanners.Injection = func(text string) (bool, float64, []string) {
		r := inj.Scan(text, inject.Document)
		return r.Injection, r.Score, r.Reasons
	}
	in, err := ingest.New(pool, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return in, editor(tenant)
}

func TestOversizeDocumentsAreRefused(t *testing.T) {
	t.Parallel()
	doc := bigJSON(15 << 20)
	tests := []struct {
		name string
		opts ingest.Options
		want string
	}{
		{"more text than the limit's chunks can hold", ingest.Options{}, "bytes of text, about"},
		// Under the estimate (1,000 × 3,000 tokens × 6 bytes): the chunker stops it.
		{"more chunks than the limit", ingest.Options{Chunking: ingest.ChunkOptions{TargetTokens: 3000, MaxTokens: 3000}, MaxChunks: 1000}, "yields more than 1000 chunks"},
		{"past the preparation deadline", ingest.Options{PrepareTimeout: time.Millisecond}, "took longer than 1ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, p := refusingIngester(t, tc.opts)
			_, err := in.Ingest(context.Background(), ingest.Request{Principal: p, Name: "katalog.json", Data: doc,
				Classification: kontext.Internal, AllowedGroups: []string{"marketing"}})
			var rej *ingest.RejectedError
			if !errors.Is(err, kontext.ErrTooLarge) || !errors.As(err, &rej) || !strings.Contains(rej.Reason, tc.want) {
				t.Fatalf("Ingest of %d bytes of JSON = %v; want a too-large refusal saying %q", len(doc), err, tc.want)
			}
		})
	}
}

// BenchmarkRefuseOversizeDocument measures how long refusing a 15 MiB
// JSON document over the chunk limit takes.
func BenchmarkRefuseOversizeDocument(b *testing.B) {
	doc := bigJSON(15 << 20)
	in, p := refusingIngester(b, ingest.Options{})
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for range b.N {
		_, err := in.Ingest(context.Background(), ingest.Request{Principal: p, Name: "katalog.json", Data: doc,
			Classification: kontext.Internal, AllowedGroups: []string{"marketing"}})
		if !errors.Is(err, kontext.ErrTooLarge) {
			b.Fatalf("Ingest = %v; want too large", err)
		}
	}
}
