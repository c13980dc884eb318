package pdf_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"kontext/ingest/pdf"
)

// FuzzLayout: whatever pdftohtml (or an attacker who controls its input)
// writes, the layout returns blocks of valid text with pages, or an error.
func FuzzLayout(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/documents/*.pdf")
	for _, file := range files {
		out, err := exec.Command("pdftohtml", "-xml", "-i", "-q", "-nodrm", "-zoom", "1", "-stdout", file).Output()
		if err == nil {
			f.Add(out)
		}
	}
	f.Add([]byte(`<pdf2xml><page number="1" width="100" height="100"><fontspec id="0" size="10"/><text top="1" left="1" width="5" height="5" font="0"><b>x</b></text></page><outline><item page="1">x</item></outline></pdf2xml>`))
	f.Fuzz(func(t *testing.T, out []byte) {
		blocks, err := pdf.LayoutForTest(out)
		if err != nil {
			return
		}
		for _, b := range blocks {
			if strings.TrimSpace(b.Text) == "" {
				t.Fatalf("empty block %+v", b)
			}
			if utf8.ValidString(string(out)) && !utf8.ValidString(b.Text) {
				t.Fatalf("block %q is not valid UTF-8", b.Text)
			}
		}
	})
}
