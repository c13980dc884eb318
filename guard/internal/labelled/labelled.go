// Package labelled reads the labelled sets of the injection scanner and the
// policy checker (JSON lines files in their testdata) for their tests and
// benchmarks, and builds the text both benchmarks run on, so that they
// measure the same input: about 64 KB of mixed German and English briefs,
// documents and drafts. It is for tests only and reads nothing but the files
// it is given.
package labelled

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Read decodes each non-blank line of the JSON lines file at path into a T.
// It fails tb when the file cannot be read or a line does not decode.
func Read[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var items []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it T
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			tb.Fatalf("labelled.jsonl: %v", err)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return items
}

// BenchSize is the length in bytes BenchText reaches at least.
const BenchSize = 64 << 10

// BenchText joins the "text" fields of the labelled sets at paths, in order,
// with blank lines between them, repeating them until the text holds
// BenchSize bytes.
func BenchText(tb testing.TB, paths ...string) string {
	tb.Helper()
	var parts []string
	for _, p := range paths {
		for _, it := range Read[struct {
			Text string `json:"text"`
		}](tb, p) {
			parts = append(parts, it.Text)
		}
	}
	if len(parts) == 0 {
		tb.Fatalf("labelled: no texts in %s", strings.Join(paths, ", "))
	}
	var sb strings.Builder
	for i := 0; sb.Len() < BenchSize; i++ {
		sb.WriteString(parts[i%len(parts)])
		sb.WriteString("\n\n")
	}
	return sb.String()
}
