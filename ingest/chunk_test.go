package ingest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"kontext/ingest"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

func TestSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []string
	}{
		{"german abbreviations", "Das passt z. B. in den Rucksack. Es wiegt ca. 340 g bzw. etwas mehr. Danach kommt Dr. Weber.",
			[]string{"Das passt z. B. in den Rucksack.", "Es wiegt ca. 340 g bzw. etwas mehr.", "Danach kommt Dr. Weber."}},
		{"abbreviations without spaces", "Edelstahl, z.B. Korpus und Deckel. Farben u.a. Salbei. Ende.",
			[]string{"Edelstahl, z.B. Korpus und Deckel.", "Farben u.a. Salbei.", "Ende."}},
		{"u. a. and d. h. before capitals", "Farben u. a. Salbei und Sand. Reinigen, d. h. Spülen.", []string{"Farben u. a. Salbei und Sand.", "Reinigen, d. h. Spülen."}},
		{"english abbreviations", "Use it e.g. On trains. Mr. Huber agrees, i.e. Everyone does. Done.",
			[]string{"Use it e.g. On trains.", "Mr. Huber agrees, i.e. Everyone does.", "Done."}},
		{"numbers, dates, ordinals", "Am 1. Januar 2026 kostet sie 2.5 Euro. Nr. 3 passt. Seit 1.10.2025 gilt das. Art. 6 DSGVO gilt.",
			[]string{"Am 1. Januar 2026 kostet sie 2.5 Euro.", "Nr. 3 passt.", "Seit 1.10.2025 gilt das.", "Art. 6 DSGVO gilt."}},
		{"number abbreviation without a number ends", "The answer is no. The mug leaks. See No. 5 here.",
			[]string{"The answer is no.", "The mug leaks.", "See No. 5 here."}},
		{"ellipses continue", "Warte... Jetzt geht es los… Wirklich. Ende.", []string{"Warte... Jetzt geht es los… Wirklich.", "Ende."}},
		{"questions, exclamations, quotes", "Kann ich sie einfrieren? Nein! Er sagte: „Nie.“ Dann „Gut.“ Ende.",
			[]string{"Kann ich sie einfrieren?", "Nein!", "Er sagte: „Nie.“", "Dann „Gut.“", "Ende."}},
		{"lower case after a period continues", "Siehe Abs. drei. Dann weiter.", []string{"Siehe Abs. drei.", "Dann weiter."}},
		{"street names", "Wir sitzen in der Bahnhofstr. 5 in Kempten. Kommt vorbei.", []string{"Wir sitzen in der Bahnhofstr. 5 in Kempten.", "Kommt vorbei."}},
		{"no terminator", "nur ein Satz ohne Punkt", []string{"nur ein Satz ohne Punkt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ingest.SentencesForTest(tc.text)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("sentences of %q =\n%q\nwant\n%q", tc.text, got, tc.want)
			}
		})
	}
}

// goldenOptions are small so that the test documents show splitting,
// overlap and a cut sentence.
var goldenOptions = ingest.ChunkOptions{TargetTokens: 64, MaxTokens: 96, OverlapTokens: 20}

func TestSplitGolden(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"produktblatt.de.md", "product-sheet.en.md"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ingest.Parse(file, "", data)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", file, err)
			}
			chunks, err := ingest.Split(p, goldenOptions)
			if err != nil {
				t.Fatalf("Split(%s) error = %v", file, err)
			}
			checkChunks(t, p, chunks, goldenOptions.MaxTokens)
			var sb strings.Builder
			fmt.Fprintf(&sb, "title: %s\nlanguage: %s\noptions: target %d, max %d, overlap %d\n", p.Title, ingest.DetectLanguage(p.Text),
				goldenOptions.TargetTokens, goldenOptions.MaxTokens, goldenOptions.OverlapTokens)
			for _, c := range chunks {
				fmt.Fprintf(&sb, "\n=== chunk %d [%d:%d] %d tokens\npath: %s\n%s\n", c.Ordinal, c.Start, c.End, c.Tokens, c.HeadingPath, c.Text)
			}
			golden := filepath.Join("testdata", file+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./ingest -update to create it)", err)
			}
			if sb.String() != string(want) {
				t.Errorf("Split(%s) differs from %s (go test ./ingest -update rewrites it):\n%s", file, golden, sb.String())
			}
		})
	}
}

// TestSplitCorpus chunks the demo corpus with the default options.
func TestSplitCorpus(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "examples", "acme"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(".md .html .jsonl .txt", filepath.Ext(path)) && filepath.Ext(path) != "" {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Skipf("no demo corpus: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ingest.Parse(path, "", data)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", path, err)
			}
			chunks, err := ingest.Split(p, ingest.ChunkOptions{})
			if err != nil {
				t.Fatalf("Split(%s) error = %v", path, err)
			}
			checkChunks(t, p, chunks, ingest.DefaultMaxTokens)
		})
	}
}

func TestSplitLongSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
	}{
		{"words", strings.Repeat("Edelstahlflasche spülmaschinenfest isoliert ", 300)},
		{"no spaces", strings.Repeat("äöüß€", 2000)},
		{"digits", strings.Repeat("1234567890", 500)},
		{"emoji", strings.Repeat("🏔️👍🏽", 800)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ingest.Parse("long.txt", "", []byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			opts := ingest.ChunkOptions{TargetTokens: 100, MaxTokens: 120}
			chunks, err := ingest.Split(p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(chunks) < 2 {
				t.Fatalf("Split of a %d-byte sentence gave %d chunk(s); want it cut", len(p.Text), len(chunks))
			}
			checkChunks(t, p, chunks, opts.MaxTokens)
		})
	}
}

func TestSplitStructure(t *testing.T) {
	t.Parallel()
	p, err := ingest.Parse("a.md", "", []byte("# Titel\n\n## Leer\n\n### Unterteil\n\nText eins.\n\n## Zweiter Teil\n\nText zwei.\n\n## Schluss\n"))
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := ingest.Split(p, ingest.ChunkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, text string }{
		// The headings without text of their own join the next section.
		{"Titel › Leer › Unterteil", "Titel\n\nLeer\n\nUnterteil\n\nText eins."},
		{"Titel › Zweiter Teil", "Zweiter Teil\n\nText zwei."},
		// A heading at the end stays, so that no text is lost.
		{"Titel › Schluss", "Schluss"},
	}
	if len(chunks) != len(want) {
		t.Fatalf("Split = %+v; want %d chunks", chunks, len(want))
	}
	for i, w := range want {
		if chunks[i].HeadingPath != w.path || chunks[i].Text != w.text {
			t.Errorf("chunk %d = %q, %q; want %q, %q", i, chunks[i].HeadingPath, chunks[i].Text, w.path, w.text)
		}
	}
	checkChunks(t, p, chunks, ingest.DefaultMaxTokens)
}

func TestSplitOverlap(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	for i := range 40 {
		fmt.Fprintf(&sb, "Satz Nummer %d handelt von der Gipfelflasche. ", i)
	}
	p, err := ingest.Parse("a.txt", "", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		opts        ingest.ChunkOptions
		wantOverlap bool
	}{
		{"default overlap", ingest.ChunkOptions{TargetTokens: 60}, true},
		{"no overlap", ingest.ChunkOptions{TargetTokens: 60, OverlapTokens: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chunks, err := ingest.Split(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(chunks) < 3 {
				t.Fatalf("%d chunks; want several", len(chunks))
			}
			for i := 1; i < len(chunks); i++ {
				prev, c := chunks[i-1], chunks[i]
				overlaps := c.Start < prev.End
				if overlaps != tc.wantOverlap {
					t.Errorf("chunk %d [%d:%d] after [%d:%d]: overlap %v; want %v", i, c.Start, c.End, prev.Start, prev.End, overlaps, tc.wantOverlap)
				}
				if c.Start <= prev.Start || c.End <= prev.End {
					t.Errorf("chunk %d [%d:%d] does not advance past [%d:%d]", i, c.Start, c.End, prev.Start, prev.End)
				}
				if overlaps {
					if n, _ := ingest.CountTokens(p.Text[c.Start:prev.End]); n > 20 {
						t.Errorf("chunk %d repeats %d tokens; want at most 20 (half the target)", i, n)
					}
					if !strings.HasPrefix(p.Text[c.Start:], "Satz") {
						t.Errorf("chunk %d starts mid-sentence: %q", i, c.Text[:20])
					}
				}
			}
			checkChunks(t, p, chunks, ingest.DefaultMaxTokens)
		})
	}
}

func TestChunkOptions(t *testing.T) {
	t.Parallel()
	p, err := ingest.Parse("a.txt", "", []byte("Ein Satz."))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    ingest.ChunkOptions
		wantErr bool
	}{
		{"defaults", ingest.ChunkOptions{}, false},
		{"small target", ingest.ChunkOptions{TargetTokens: 16}, false},
		{"target too small", ingest.ChunkOptions{TargetTokens: 8}, true},
		{"max below target", ingest.ChunkOptions{TargetTokens: 300, MaxTokens: 200}, true},
		{"overlap not below target", ingest.ChunkOptions{TargetTokens: 100, OverlapTokens: 100}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ingest.Split(p, tc.opts)
			if (err != nil) != tc.wantErr {
				t.Errorf("Split(%+v) error = %v; want error %v", tc.opts, err, tc.wantErr)
			}
		})
	}
}

func TestSplitConcurrent(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "produktblatt.de.md"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ingest.Parse("p.md", "", data)
	if err != nil {
		t.Fatal(err)
	}
	first, err := ingest.Split(p, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := ingest.Split(p, goldenOptions)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(first) {
				t.Errorf("concurrent Split = %v; want the same chunks every time", err)
			}
		})
	}
	wg.Wait()
}

// checkChunks asserts the chunker's invariants: dense ordinals, exact
// offsets, exact token counts within the maximum, and every non-space
// character of the text in some chunk.
func checkChunks(t *testing.T, p *ingest.Parsed, chunks []ingest.Chunk, maxTokens int) {
	t.Helper()
	covered := make([]bool, len(p.Text))
	prevStart := -1
	for i, c := range chunks {
		if c.Ordinal != i {
			t.Fatalf("chunk %d has ordinal %d; want dense ordinals from 0", i, c.Ordinal)
		}
		if c.Start < 0 || c.End > len(p.Text) || c.Start >= c.End {
			t.Fatalf("chunk %d = [%d:%d); out of range of a text of %d bytes", i, c.Start, c.End, len(p.Text))
		}
		if c.Text != p.Text[c.Start:c.End] {
			t.Fatalf("chunk %d Text = %q; want Parsed.Text[%d:%d] = %q", i, c.Text, c.Start, c.End, p.Text[c.Start:c.End])
		}
		if !utf8.ValidString(c.Text) || strings.TrimSpace(c.Text) != c.Text {
			t.Errorf("chunk %d = %q; want valid UTF-8 cut at character boundaries, without surrounding space", i, c.Text)
		}
		if n, _ := ingest.CountTokens(c.Text); n != c.Tokens || n > maxTokens || n == 0 {
			t.Errorf("chunk %d Tokens = %d, counted %d; want the exact count, 1..%d", i, c.Tokens, n, maxTokens)
		}
		if c.Start <= prevStart {
			t.Errorf("chunk %d starts at %d, not after chunk %d's start %d", i, c.Start, i-1, prevStart)
		}
		prevStart = c.Start
		for k := c.Start; k < c.End; k++ {
			covered[k] = true
		}
	}
	for k, r := range p.Text {
		if !covered[k] && !unicode.IsSpace(r) {
			t.Fatalf("character %q at %d of %q is in no chunk", r, k, p.Text)
		}
	}
}

func FuzzChunk(f *testing.F) {
	for _, s := range []string{
		"# T\n\nEin Satz. Noch einer z. B. hier. Und 1. Januar.\n\n## U\n\nText.",
		"Warte... Jetzt! Wirklich? „Ja.“ Mr. X, e.g. Y. No. 5.",
		strings.Repeat("Wort ", 200),
		strings.Repeat("ä", 700),
		"[{\"title\":\"a\",\"text\":\"b. C.\"}]",
	} {
		f.Add(s, uint8(16), uint8(4))
	}
	f.Fuzz(func(t *testing.T, text string, target, overlap uint8) {
		p, err := ingest.Parse("f.md", "", []byte(text))
		if err != nil {
			return
		}
		opts := ingest.ChunkOptions{TargetTokens: 16 + int(target), MaxTokens: 16 + int(target) + int(target)/2, OverlapTokens: int(overlap) % (16 + int(target))}
		if opts.OverlapTokens == 0 {
			opts.OverlapTokens = -1
		}
		chunks, err := ingest.Split(p, opts)
		if err != nil {
			t.Fatalf("Split(%+v) error = %v", opts, err)
		}
		checkChunks(t, p, chunks, opts.MaxTokens)
	})
}

func BenchmarkParseChunk(b *testing.B) {
	var docs [][]byte
	var size int64
	for _, f := range []string{"produktblatt.de.md", "product-sheet.en.md"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
		size += int64(len(data))
	}
	if _, err := ingest.CountTokens("warm up"); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			p, err := ingest.Parse("d.md", "", d)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ingest.Split(p, ingest.ChunkOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func ExampleSplit() {
	doc := "# Gipfelflasche 500\n\n## Pflege\n\nNicht spülmaschinenfest, z. B. wegen der Pulverbeschichtung. Bitte von Hand spülen."
	p, err := ingest.Parse("gipfelflasche-500.md", "text/markdown", []byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	chunks, err := ingest.Split(p, ingest.ChunkOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range chunks {
		fmt.Printf("%d %q [%d:%d] %d tokens\n%s\n", c.Ordinal, c.HeadingPath, c.Start, c.End, c.Tokens, c.Text)
	}
	// Output:
	// 0 "Gipfelflasche 500 › Pflege" [0:112] 42 tokens
	// Gipfelflasche 500
	//
	// Pflege
	//
	// Nicht spülmaschinenfest, z. B. wegen der Pulverbeschichtung. Bitte von Hand spülen.
}

func TestSplitStopsAtTheChunkLimit(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("Die Gipfelflasche hält Getränke zwölf Stunden warm. Sie wiegt 340 Gramm. ", 3000)
	p, err := ingest.Parse("a.txt", "", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	all, err := ingest.Split(p, ingest.ChunkOptions{})
	if err != nil || len(all) < 100 {
		t.Fatalf("Split = %d chunks, %v; want many", len(all), err)
	}
	tests := []struct {
		limit int
		ok    bool
	}{{len(all), true}, {len(all) + 1, true}, {len(all) - 1, false}, {10, false}, {1, false}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			got, err := ingest.Split(p, ingest.ChunkOptions{MaxChunks: tc.limit})
			var many *ingest.TooManyChunksError
			switch {
			case tc.ok && (err != nil || len(got) != len(all)):
				t.Fatalf("Split(MaxChunks %d) = %d chunks, %v; want all %d", tc.limit, len(got), err, len(all))
			case !tc.ok && !errors.As(err, &many):
				t.Fatalf("Split(MaxChunks %d) = %d chunks, %v; want a *TooManyChunksError", tc.limit, len(got), err)
			case !tc.ok && (many.Limit != tc.limit || many.Offset != all[tc.limit].Start):
				// It stopped where chunk limit+1 starts, not after splitting everything.
				t.Fatalf("Split(MaxChunks %d) stopped with %+v; want limit %d at offset %d", tc.limit, many, tc.limit, all[tc.limit].Start)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ingest.SplitContext(ctx, p, ingest.ChunkOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("SplitContext with a cancelled context = %v; want context.Canceled", err)
	}
}
