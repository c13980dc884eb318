package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"kontext/ingest"
	"kontext/ingest/pdf"
	"kontext/internal/docgen"
)

// runDocuments measures the PDF and Word parsers: pages a second on
// generated text documents (one worker, then one per core), the memory of
// a large PDF, and that every hostile document is refused, none crashing.
func runDocuments(pages, bigMB int) error {
	if err := pdf.Available(); err != nil {
		return err
	}
	fmt.Printf("machine: %d cores (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())

	textPDF, err := longPDF(pages, false).Bytes()
	if err != nil {
		return err
	}
	word, wordPages := longDOCX(pages)
	wordData, err := word.Bytes()
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name  string
		data  []byte
		pages int
	}{{"pdf", textPDF, pages}, {"docx", wordData, wordPages}} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			runs := 2 * workers
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, runs)
			for i := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := ingest.Parse(fmt.Sprintf("bench%d.%s", i, c.name), "", c.data)
					if err == nil && len(p.Text) == 0 {
						err = errors.New("no text")
					}
					errs <- err
				}()
				if (i+1)%workers == 0 {
					wg.Wait()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					return err
				}
			}
			d := time.Since(start)
			total := runs * c.pages
			fmt.Printf("%-4s %d pages (%.1f MB), %d worker(s): %.0f pages/s (%.0f pages/s per worker)\n", c.name, c.pages,
				float64(len(c.data))/1e6, workers, float64(total)/d.Seconds(), float64(total)/d.Seconds()/float64(workers))
		}
	}

	// A large PDF: text on every page and a photograph-like image (noise
	// does not compress) on each, up to about bigMB megabytes.
	big := longPDF(bigMB*2, true)
	bigData, err := big.Bytes()
	if err != nil {
		return err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	p, err := ingest.ParseWith("big.pdf", "", bigData, ingest.ParseOptions{})
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		fmt.Printf("big pdf %.0f MB: refused in %.1fs: %v\n", float64(len(bigData))/1e6, d.Seconds(), err)
	} else {
		fmt.Printf("big pdf %.0f MB: %d pages, %.1f MB of text in %.1fs (limit %d MiB address space per Poppler process); Go heap +%d MB\n",
			float64(len(bigData))/1e6, p.Pages, float64(len(p.Text))/1e6, d.Seconds(), pdf.DefaultMemoryBytes>>20,
			(int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20)
	}
	// The least address space it parses in: an upper bound of what Poppler
	// needs for it; below, the refusal is clean.
	for _, mb := range []int64{32, 64, 128, 256, 512} {
		_, err := ingest.ParseWith("big.pdf", "", bigData, ingest.ParseOptions{PDF: pdf.Options{MemoryBytes: mb << 20}})
		if err == nil {
			fmt.Printf("big pdf parses within a %d MiB limit\n", mb)
			break
		}
		fmt.Printf("big pdf under a %d MiB limit: %v\n", mb, strings.TrimPrefix(err.Error(), "ingest: parse big.pdf: "))
	}

	// Hostile documents: each must be refused, none may crash or hang.
	hostile := map[string][]byte{}
	for _, f := range docgen.Fixtures() {
		if strings.Contains(f.Name, "encrypted") || strings.Contains(f.Name, "scan") || strings.Contains(f.Name, "truncated") ||
			strings.Contains(f.Name, "kaputt") || strings.Contains(f.Name, "bombe") {
			b, err := f.Build()
			if err != nil {
				return err
			}
			hostile[f.Name] = b
		}
	}
	thousands, err := manyPages(10000)
	if err != nil {
		return err
	}
	hostile["10000-pages.pdf"] = thousands
	nested := []byte("%PDF-1.4\n1 0 obj\n" + strings.Repeat("<< /A ", 100000) + strings.Repeat(">> ", 100000) + "\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	hostile["nested.pdf"] = nested
	refused, crashed := 0, 0
	for name, data := range hostile {
		start := time.Now()
		_, err := ingest.Parse(name, "", data)
		switch {
		case errors.Is(err, ingest.ErrRejected):
			refused++
			fmt.Printf("  %-18s refused in %5.2fs: %s\n", name, time.Since(start).Seconds(), strings.TrimPrefix(err.Error(), "ingest: parse "+name+": rejected: "))
		default:
			crashed++
			fmt.Printf("  %-18s NOT refused cleanly: %v\n", name, err)
		}
	}
	fmt.Printf("hostile: %d refused, %d other outcomes\n", refused, crashed)
	if dir := os.Getenv("KONTEXT_BENCH_KEEP"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "big.pdf"), bigData, 0o644)
	}
	return nil
}

var words = strings.Fields(`Die Wärmepumpe arbeitet leise und effizient auch bei niedrigen Außentemperaturen
The headphones offer adaptive noise cancellation and a battery life of many hours for long trips
Unsere Preisliste gilt für Neukunden sowie Vertragsverlängerungen ab dem ersten März
Every model comes with a warranty of three years and service from the workshop in Leipzig`)

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String() + "."
}

// longPDF is a text document of n pages with an outline, a table on each
// page and, with images, a noise picture on each.
func longPDF(n int, images bool) docgen.PDF {
	r := rand.New(rand.NewPCG(1, 2))
	d := docgen.PDF{Title: "Benchmark", Author: "Bench", Outline: true, Footer: "Seite {page}"}
	for i := range n {
		page := []docgen.Element{docgen.H2(fmt.Sprintf("Abschnitt %d", i+1))}
		for range 4 {
			page = append(page, docgen.P(sentence(r, 60)))
		}
		page = append(page, docgen.Table([]string{"Produkt", "Preis"}, []string{fmt.Sprintf("Modell %d", i), fmt.Sprintf("%d EUR", 100+i)}))
		if images {
			page = append(page, docgen.Noise(int64(i)))
		}
		d.Pages = append(d.Pages, page)
	}
	return d
}

// longDOCX is a Word document of about n pages (3,000 characters a page,
// Word's usual at 11 pt), and that page count.
func longDOCX(n int) (docgen.DOCX, int) {
	r := rand.New(rand.NewPCG(3, 4))
	d := docgen.DOCX{Title: "Benchmark", Author: "Bench"}
	chars := 0
	for i := 0; chars < n*3000; i++ {
		if i%6 == 0 {
			d.Body = append(d.Body, docgen.Para{Heading: 2, Text: fmt.Sprintf("Abschnitt %d", i/6+1)})
		}
		s := sentence(r, 60)
		chars += len(s)
		d.Body = append(d.Body, docgen.Para{Text: s})
	}
	return d, chars / 3000
}

// manyPages is a PDF of n nearly empty pages.
func manyPages(n int) ([]byte, error) {
	d := docgen.PDF{Title: "Viele Seiten"}
	for i := range n {
		d.Pages = append(d.Pages, []docgen.Element{docgen.P(fmt.Sprint(i))})
	}
	b, err := d.Bytes()
	return bytes.Clone(b), err
}
