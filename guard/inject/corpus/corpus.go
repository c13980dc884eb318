// Package corpus reads the labelled injection examples under
// testdata/injection: JSONL files of Example, one object a line. The trainer,
// the tests and bench/guard share it so that they read the same rows the same
// way.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Example is one labelled text.
type Example struct {
	Text string `json:"text"`
	// Label is 1 for an injection, 0 for benign text.
	Label int `json:"label"`
	// Lang is "de", "en" or another ISO code.
	Lang string `json:"lang"`
	// Side is "brief" (direct) or "document" (indirect); empty means brief.
	Side string `json:"side,omitempty"`
	// Source names the data set the row comes from.
	Source string `json:"source"`
	// Doc identifies the source document; splits never share one.
	Doc string `json:"doc"`
}

// Load reads a JSONL file of examples.
func Load(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var out []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var ex Example
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			return nil, fmt.Errorf("corpus: %s:%d: %w", path, n, err)
		}
		if ex.Side == "" {
			ex.Side = "brief"
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus: read %s: %w", path, err)
	}
	return out, nil
}

// LoadAll reads several JSONL files in order.
func LoadAll(paths ...string) ([]Example, error) {
	var out []Example
	for _, p := range paths {
		ex, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, ex...)
	}
	return out, nil
}

var deWords = map[string]bool{
	"der": true, "die": true, "das": true, "und": true, "ist": true, "nicht": true, "ich": true, "du": true,
	"sie": true, "wir": true, "ein": true, "eine": true, "mit": true, "für": true, "auf": true, "den": true,
	"dem": true, "von": true, "zu": true, "wie": true, "was": true, "bitte": true, "alle": true, "sind": true,
	"wird": true, "auch": true, "im": true, "es": true, "dass": true, "mir": true, "dir": true, "uns": true,
}

var enWords = map[string]bool{
	"the": true, "and": true, "is": true, "not": true, "i": true, "you": true, "we": true, "a": true,
	"an": true, "with": true, "for": true, "on": true, "of": true, "to": true, "how": true, "what": true,
	"please": true, "all": true, "are": true, "will": true, "also": true, "in": true, "it": true, "that": true,
	"me": true, "your": true, "my": true, "this": true, "do": true, "can": true,
}

// GuessLang tells German from English by counting common function words;
// anything else with neither counts as English.
func GuessLang(text string) string {
	de, en := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == 'ä' || r == 'ö' || r == 'ü' || r == 'ß')
	}) {
		if deWords[w] {
			de++
		}
		if enWords[w] {
			en++
		}
	}
	if de > en {
		return "de"
	}
	return "en"
}

// DemoDocument is one file of the demo corpus (examples/), as ingest reads
// it: Markdown as it stands, HTML with its tags, scripts and styles taken
// out.
type DemoDocument struct {
	Path string
	Text string
	// Guideline marks the brand guides, which scripts/demo.sh ingests with
	// purpose guideline (writing rules, scanned as guidelines).
	Guideline bool
}

// LoadDemo reads the benign documents of the demo corpus under dir: every
// Markdown and HTML file except README.md and the files under poisoned/,
// in path order.
func LoadDemo(dir string) ([]DemoDocument, error) {
	var out []DemoDocument
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "poisoned" {
				return fs.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if ext != ".md" && ext != ".html" || d.Name() == "README.md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		if ext == ".html" {
			text = htmlText(text)
		}
		out = append(out, DemoDocument{Path: filepath.ToSlash(path), Text: text, Guideline: strings.HasPrefix(d.Name(), "brand-guide")})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("corpus: read demo corpus: %w", err)
	}
	return out, nil
}

var (
	htmlHidden = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>|<!--.*?-->`)
	htmlBlock  = regexp.MustCompile(`(?i)</?(p|div|h[1-6]|li|ul|ol|tr|table|section|article|br|dd|dt)\b[^>]*>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
)

// htmlText is the readable text of an HTML page, roughly: blocks on lines
// of their own, tags dropped, the commonest entities undone.
func htmlText(s string) string {
	s = htmlHidden.ReplaceAllString(s, "")
	s = htmlBlock.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ").Replace(s)
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// DemoReferences returns the texts of the demo documents that are not
// guidelines.
func DemoReferences(docs []DemoDocument) []string {
	var out []string
	for _, d := range docs {
		if !d.Guideline {
			out = append(out, d.Text)
		}
	}
	return out
}

// LoadHardNegatives reads the benign documents of the scanner's labelled
// set (guard/inject/testdata/labelled.jsonl: {"text", "as", "injection"}
// rows written here), the hard negatives the document calibration must
// pass besides the demo corpus.
func LoadHardNegatives(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var out []string
	for n, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var it struct {
			Text      string `json:"text"`
			As        string `json:"as"`
			Injection bool   `json:"injection"`
		}
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			return nil, fmt.Errorf("corpus: %s:%d: %w", path, n+1, err)
		}
		if it.As == "document" && !it.Injection {
			out = append(out, it.Text)
		}
	}
	return out, nil
}
