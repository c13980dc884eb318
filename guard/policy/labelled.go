package policy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The claims benchmark (testdata/policy, docs/policy.md "Measured") has
// one text a line: theme|channel|categories|text, the categories comma
// separated in the benchmark's short names or "clean"; blank lines and
// lines starting with # are skipped. split.txt names the test themes of
// each language ("de: reisen finanzen …").

// LabelledText is one text of the claims benchmark.
type LabelledText struct {
	Theme, Channel, Text string
	// Categories are the packs' categories the text is labelled with
	// (health_claim, …); none: clean.
	Categories []string
	Line       int // in its file, from 1
}

// benchmarkCategories maps the benchmark's category names to the packs'.
var benchmarkCategories = map[string]string{"health": "health_claim", "green": "green_claim", "comparative": "comparative_claim",
	"superlative": "superlative_claim", "price": "price_claim", "free": "free_claim", "urgency": "false_urgency",
	"guarantee": "guaranteed_success", "endorsement": "endorsement", "personal": "personal_data"}

// ReadLabelled reads one file of the claims benchmark.
func ReadLabelled(name string) ([]LabelledText, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []LabelledText
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "|", 4)
		if len(parts) != 4 {
			return nil, fmt.Errorf("%s:%d: want theme|channel|categories|text", name, n)
		}
		t := LabelledText{Theme: parts[0], Channel: parts[1], Text: parts[3], Line: n}
		if parts[2] != "clean" {
			for _, c := range strings.Split(parts[2], ",") {
				pc, ok := benchmarkCategories[c]
				if !ok {
					return nil, fmt.Errorf("%s:%d: unknown category %q", name, n, c)
				}
				t.Categories = append(t.Categories, pc)
			}
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// TestThemes reads split.txt in dir: the test themes, by language.
func TestThemes(dir string) (map[string]map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, "split.txt"))
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		lang, themes, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		lang = strings.TrimSpace(lang)
		if out[lang] == nil {
			out[lang] = map[string]bool{}
		}
		for _, t := range strings.Fields(themes) {
			out[lang][t] = true
		}
	}
	return out, nil
}
