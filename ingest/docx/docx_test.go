package docx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kontext/ingest/docx"
)

func archive(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`

// TestExtract covers what the generated fixtures do not: nesting past the
// limit, an outline level set on a paragraph, moved text, field codes.
func TestExtract(t *testing.T) {
	t.Parallel()
	deep := "<w:document " + w + "><w:body>" + strings.Repeat("<w:sdt><w:sdtContent>", 150) + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" +
		strings.Repeat("</w:sdtContent></w:sdt>", 150) + "</w:body></w:document>"
	tests := []struct {
		name    string
		doc     string
		want    string // blocks as kind:level:text, joined by "/"
		wantErr error
	}{
		{name: "too deep", doc: deep, wantErr: docx.ErrLimit},
		{name: "outline level on the paragraph", doc: `<w:document ` + w + `><w:body><w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Zwei</w:t></w:r></w:p></w:body></w:document>`,
			want: "1:2:Zwei"},
		{name: "moved and field codes", doc: `<w:document ` + w + `><w:body><w:p><w:moveFrom><w:r><w:t>alt </w:t></w:r></w:moveFrom><w:r><w:instrText>PAGE</w:instrText></w:r><w:moveTo><w:r><w:t>neu</w:t></w:r></w:moveTo><w:r><w:tab/><w:t>Ende</w:t></w:r></w:p></w:body></w:document>`,
			want: "0:0:neu Ende"},
		{name: "no document part", wantErr: docx.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"[Content_Types].xml": "<Types/>"}
			if tc.doc != "" {
				files["word/document.xml"] = tc.doc
			}
			d, err := docx.Extract(archive(t, files), docx.Options{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Extract = %v; want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range d.Blocks {
				got = append(got, strings.Join([]string{string(rune('0' + b.Kind)), string(rune('0' + b.Level)), b.Text}, ":"))
			}
			if g := strings.Join(got, "/"); g != tc.want {
				t.Errorf("Extract blocks = %q; want %q", g, tc.want)
			}
		})
	}
}

// TestExtractNotes: footnotes and comments appear only when asked for.
func TestExtractNotes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("../../testdata/documents", "en-tracked.docx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts docx.Options
		want bool
	}{{docx.Options{}, false}, {docx.Options{Footnotes: true, Comments: true}, true}} {
		d, err := docx.Extract(data, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, b := range d.Blocks {
			all.WriteString(b.Text + "\n")
		}
		if got := strings.Contains(all.String(), "laboratory") && strings.Contains(all.String(), "+49 170"); got != tc.want {
			t.Errorf("Extract(%+v) includes the footnote and comment: %v; want %v\n%s", tc.opts, got, tc.want, all.String())
		}
	}
}

// FuzzExtract: any archive is read or refused, within the limits.
func FuzzExtract(f *testing.F) {
	for _, name := range []string{"en-brief.docx", "de-produktblatt.docx", "en-tracked.docx", "en-truncated.docx"} {
		data, err := os.ReadFile(filepath.Join("../../testdata/documents", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := docx.Extract(data, docx.Options{MaxPartBytes: 1 << 20})
		if err == nil && d == nil {
			t.Fatal("Extract returned neither a document nor an error")
		}
		if err != nil && !errors.Is(err, docx.ErrMalformed) && !errors.Is(err, docx.ErrLimit) {
			t.Fatalf("Extract error %v matches neither ErrMalformed nor ErrLimit", err)
		}
	})
}
