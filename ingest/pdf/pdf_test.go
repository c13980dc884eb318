package pdf_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"kontext/ingest/pdf"
)

// TestExtractLimits: a document past a limit is refused with ErrLimit, and
// a file that is no PDF with ErrMalformed; the caller never sees Poppler
// fail in another way.
func TestExtractLimits(t *testing.T) {
	if err := pdf.Available(); err != nil {
		t.Fatalf("%v: run bash scripts/db.sh, which installs them", err)
	}
	sheet, err := os.ReadFile("../../testdata/documents/en-datasheet.pdf")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		opts pdf.Options
		want error
	}{
		{"memory", sheet, pdf.Options{MemoryBytes: 16 << 20}, pdf.ErrLimit},
		{"time", sheet, pdf.Options{Timeout: time.Millisecond}, pdf.ErrLimit},
		{"pages", sheet, pdf.Options{MaxPages: 1}, pdf.ErrLimit},
		{"no header", []byte("hello"), pdf.Options{}, pdf.ErrMalformed},
		{"empty", nil, pdf.Options{}, pdf.ErrMalformed},
		{"within limits", sheet, pdf.Options{MemoryBytes: 128 << 20, Timeout: 10 * time.Second, MaxPages: 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := pdf.Extract(context.Background(), tc.data, tc.opts)
			if !errors.Is(err, tc.want) || (tc.want == nil && (d == nil || d.Pages != 2)) {
				t.Errorf("Extract(%s) = %v, %v; want %v", tc.name, d, err, tc.want)
			}
		})
	}
}
