package ingest_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kontext/ingest"
	"kontext/ingest/pdf"
)

// documentsDir holds the generated PDF and Word documents (go run
// ./internal/docgen/regen) and their golden text.
const documentsDir = "../testdata/documents"

// TestDocumentFixtures parses every PDF and Word document under
// testdata/documents and compares the text, its structure, pages and
// chunks with the document's .golden file; go test ./ingest -run
// TestDocumentFixtures -update rewrites them.
func TestDocumentFixtures(t *testing.T) {
	if err := pdf.Available(); err != nil {
		t.Fatalf("%v: run bash scripts/db.sh, which installs them", err)
	}
	files, err := filepath.Glob(filepath.Join(documentsDir, "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		if ext := filepath.Ext(path); ext != ".pdf" && ext != ".docx" {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, filepath.Base(path), data)
			golden := path + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./ingest -run TestDocumentFixtures -update)", err)
			}
			if got != string(want) {
				t.Errorf("extraction of %s drifted from %s:\n%s", filepath.Base(path), golden, diff(string(want), got))
			}
		})
	}
	if n < 15 {
		t.Errorf("%d documents under %s; want at least 15 (go run ./internal/docgen/regen)", n, documentsDir)
	}
}

// render is a document as the golden files hold it: metadata, blocks with
// page and heading level, and the chunks with their pages and heading
// paths; or the error.
func render(t *testing.T, name string, data []byte) string {
	t.Helper()
	p, err := ingest.Parse(name, "", data)
	if err != nil {
		return "error: " + strings.TrimPrefix(err.Error(), "ingest: parse "+name+": ") + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "format: %s\ntitle: %s\nauthor: %s\ncreated: %s\nmodified: %s\npages: %d\n\n", p.Format, p.Title, p.Author,
		p.Created.Format("2006-01-02T15:04:05Z07:00"), p.Modified.Format("2006-01-02T15:04:05Z07:00"), p.Pages)
	for _, blk := range p.Blocks {
		mark := ""
		if blk.Heading {
			mark = strings.Repeat("#", blk.Level) + " "
		}
		fmt.Fprintf(&b, "[p%d] %s%s\n", blk.Page, mark, p.Text[blk.Start:blk.End])
	}
	chunks, err := ingest.Split(p, ingest.ChunkOptions{TargetTokens: 64, MaxTokens: 128, OverlapTokens: -1})
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("\nchunks:\n")
	for _, c := range chunks {
		fmt.Fprintf(&b, "%d [p%d-%d] %s: %q\n", c.Ordinal, c.Page, c.LastPage, c.HeadingPath, clip(c.Text, 60))
	}
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// diff shows the first lines that differ.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 8; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

// TestDocumentCases names what each hostile or structured document must
// give, independently of the golden files.
func TestDocumentCases(t *testing.T) {
	if err := pdf.Available(); err != nil {
		t.Fatalf("%v: run bash scripts/db.sh, which installs them", err)
	}
	tests := []struct {
		file    string
		wantErr string   // substring of the error
		has     []string // substrings of the text
		not     []string // substrings the text must not hold
		order   []string // substrings in this order
	}{
		{file: "en-encrypted.pdf", wantErr: "encrypted, no password given"},
		{file: "de-scan.pdf", wantErr: "no text layer (scanned?)"},
		{file: "en-truncated.pdf", wantErr: "not a readable PDF"},
		{file: "de-kaputt.pdf", wantErr: "not a readable PDF"},
		{file: "en-truncated.docx", wantErr: "not a readable Word document"},
		{file: "de-zipbombe.docx", wantErr: "inflates to more than 64 MiB"},
		{file: "en-datasheet.pdf",
			has: []string{"Battery life | 38 hours (ANC on)", "active noise cancellation,", "proof of purchase."},
			not: []string{"Data Sheet - page", "Aurora Audio - Product Data Sheet\n"}},
		{file: "de-preisliste.pdf",
			has: []string{"Nordlicht Team | 49,00 EUR | 490,00 EUR", "monatlichen Abrechnung"},
			not: []string{"Seite 1", "Preise zzgl. MwSt."}},
		{file: "de-pressemitteilung.pdf", has: []string{"Wärmepumpen eröffnet", "Photovoltaikanlage", "Ein- und Mehrfamilienhäuser"}},
		{file: "en-two-column.pdf", order: []string{"The left column", "rider's own history", "The right column", "end of May", "Questions about"}},
		{file: "de-zweispaltig.pdf", order: []string{"Die linke Spalte", "Kunstdünger", "Die rechte Spalte", "39 Euro", "Impressum"}},
		{file: "en-tracked.docx", has: []string{"runs for 38 hours on one charge.", "travel case free of charge."},
			not: []string{"30 hours", "half price", "laboratory", "+49 170"}},
		{file: "de-briefing.docx", has: []string{"LinkedIn: ein Beitrag pro Woche"}, not: []string{"Urlaub", "Ausnahme"}},
		{file: "de-produktblatt.docx", has: []string{"Kältemittel | R290 (Propan)", "Bedienteil mit App-Anbindung"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(documentsDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ingest.Parse(tc.file, "", data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.file) {
					t.Fatalf("Parse(%s) error = %v; want one naming the file and %q", tc.file, err, tc.wantErr)
				}
				if !errors.Is(err, ingest.ErrRejected) {
					t.Errorf("Parse(%s) error = %v; want it to match ErrRejected", tc.file, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%s): %v", tc.file, err)
			}
			for _, s := range tc.has {
				if !strings.Contains(p.Text, s) {
					t.Errorf("Parse(%s) text lacks %q:\n%s", tc.file, s, p.Text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(p.Text, s) {
					t.Errorf("Parse(%s) text holds %q", tc.file, s)
				}
			}
			at := -1
			for _, s := range tc.order {
				i := strings.Index(p.Text, s)
				if i <= at {
					t.Errorf("Parse(%s): %q at %d, not after the previous one (at %d):\n%s", tc.file, s, i, at, p.Text)
				}
				at = i
			}
		})
	}
}
