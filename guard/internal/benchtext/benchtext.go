// Package benchtext builds the text that the injection scanner's and the
// policy checker's benchmarks run on, so that both measure the same input:
// about 64 KB of mixed German and English drafts, briefs and documents, taken
// from the labelled sets of both packages. It is for benchmarks only and
// reads nothing but the files it is given.
package benchtext

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Size is the length in bytes the text reaches at least.
const Size = 64 << 10

// Text joins the "text" fields of the JSON lines files at paths, in order,
// with blank lines between them, repeating them until the text holds Size
// bytes. It fails tb when a file cannot be read or holds no text.
func Text(tb testing.TB, paths ...string) string {
	tb.Helper()
	var parts []string
	for _, p := range paths {
		parts = append(parts, texts(tb, p)...)
	}
	if len(parts) == 0 {
		tb.Fatalf("benchtext: no texts in %s", strings.Join(paths, ", "))
	}
	var sb strings.Builder
	for i := 0; sb.Len() < Size; i++ {
		sb.WriteString(parts[i%len(parts)])
		sb.WriteString("\n\n")
	}
	return sb.String()
}

func texts(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("benchtext: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			tb.Fatalf("benchtext: %s: %v", path, err)
		}
		out = append(out, it.Text)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("benchtext: %s: %v", path, err)
	}
	return out
}
