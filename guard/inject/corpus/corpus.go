// Package corpus reads the labelled injection examples under
// testdata/injection: JSONL files of Example, one object a line. The trainer,
// the tests and bench/guard share it so that they read the same rows the same
// way.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
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
