// Package docgen writes the PDF and DOCX documents the ingest tests and
// benchmarks read: product sheets, price lists and press releases in German
// and English, plus the hostile cases (encrypted, scanned, truncated, zip
// bombs). Every document is built from code, with fixed dates and
// passwords, so that the same source gives the same bytes.
package docgen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Fixed is the creation and modification date of every generated document.
var Fixed = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// PDF describes a PDF to generate.
type PDF struct {
	Title, Author string
	// Header and Footer are printed on every page; "{page}" is replaced by
	// the page number.
	Header, Footer string
	// Outline adds a bookmark for every heading.
	Outline bool
	// UserPassword encrypts the document.
	UserPassword string
	Pages        [][]Element
}

// Element is one piece of a page.
type Element struct {
	// Kind is "h1", "h2", "h3", "p", "table", "columns" or "scan".
	Kind string
	Text string
	// Rows of a table; the first is the header row.
	Rows [][]string
	// Left and Right are the paragraphs of a two-column block.
	Left, Right []string
}

// H1, H2, H3, P, Table, Columns and Scan build elements.
func H1(s string) Element                  { return Element{Kind: "h1", Text: s} }
func H2(s string) Element                  { return Element{Kind: "h2", Text: s} }
func H3(s string) Element                  { return Element{Kind: "h3", Text: s} }
func P(s string) Element                   { return Element{Kind: "p", Text: s} }
func Table(rows ...[]string) Element       { return Element{Kind: "table", Rows: rows} }
func Columns(left, right []string) Element { return Element{Kind: "columns", Left: left, Right: right} }
func Scan(s string) Element                { return Element{Kind: "scan", Text: s} }

// Noise is a picture of random grey pixels (it does not compress, as a
// photograph barely does), seeded so that it is the same each time.
func Noise(seed int64) Element { return Element{Kind: "noise", Rows: [][]string{{fmt.Sprint(seed)}}} }

// Bytes renders the PDF.
func (d PDF) Bytes() ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreationDate(Fixed)
	f.SetModificationDate(Fixed.Add(48 * time.Hour))
	f.SetTitle(d.Title, true)
	f.SetAuthor(d.Author, true)
	f.SetCreator("kontext docgen", true)
	f.SetProducer("fpdf", true)
	if d.UserPassword != "" {
		f.SetProtection(fpdf.CnProtectPrint, d.UserPassword, "owner-"+d.UserPassword)
	}
	tr := f.UnicodeTranslatorFromDescriptor("")
	f.SetMargins(20, 20, 20)
	f.SetAutoPageBreak(false, 20)
	if d.Header != "" {
		f.SetHeaderFunc(func() {
			f.SetFont("Helvetica", "I", 8)
			f.SetXY(20, 10)
			f.CellFormat(170, 5, tr(pageText(d.Header, f.PageNo())), "", 0, "L", false, 0, "")
			f.SetXY(20, 25)
		})
	}
	if d.Footer != "" {
		f.SetFooterFunc(func() {
			f.SetFont("Helvetica", "", 8)
			f.SetXY(20, 282)
			f.CellFormat(170, 5, tr(pageText(d.Footer, f.PageNo())), "", 0, "C", false, 0, "")
		})
	}
	scans := 0
	for _, page := range d.Pages {
		f.AddPage()
		f.SetXY(20, 25)
		for _, e := range page {
			switch e.Kind {
			case "h1", "h2", "h3":
				size := map[string]float64{"h1": 18, "h2": 14, "h3": 12}[e.Kind]
				f.Ln(2)
				if d.Outline {
					f.Bookmark(tr(e.Text), int(e.Kind[1]-'1'), -1)
				}
				f.SetFont("Helvetica", "B", size)
				f.MultiCell(170, size*0.5, tr(e.Text), "", "L", false)
				f.Ln(1)
			case "p":
				f.SetFont("Helvetica", "", 10)
				f.MultiCell(170, 5, tr(e.Text), "", "L", false)
				f.Ln(2)
			case "table":
				w := 170 / float64(len(e.Rows[0]))
				for i, row := range e.Rows {
					style := ""
					if i == 0 {
						style = "B"
					}
					f.SetFont("Helvetica", style, 9)
					for j, cell := range row {
						align := "L"
						if j > 0 {
							align = "R"
						}
						f.CellFormat(w, 6, tr(cell), "1", 0, align, false, 0, "")
					}
					f.Ln(6)
				}
				f.Ln(3)
			case "columns":
				f.SetFont("Helvetica", "", 10)
				top := f.GetY()
				bottom := top
				for i, paras := range [][]string{e.Left, e.Right} {
					x := 20 + float64(i)*90
					f.SetXY(x, top)
					for _, p := range paras {
						f.SetX(x)
						f.MultiCell(80, 5, tr(p), "", "L", false)
						f.SetX(x)
						f.Ln(2)
					}
					bottom = max(bottom, f.GetY())
				}
				f.SetXY(20, bottom+2)
			case "noise":
				scans++
				name := fmt.Sprintf("noise%d", scans)
				f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(noiseImage(e.Rows[0][0])))
				f.ImageOptions(name, 20, 200, 80, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			case "scan":
				scans++
				name := fmt.Sprintf("scan%d", scans)
				f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(scanImage(e.Text)))
				f.ImageOptions(name, 20, 30, 170, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("docgen: render %s: %w", d.Title, err)
	}
	return buf.Bytes(), nil
}

func noiseImage(seed string) []byte {
	const w, h = 800, 625
	img := image.NewGray(image.Rect(0, 0, w, h))
	x := uint32(2166136261)
	for _, c := range seed {
		x = (x ^ uint32(c)) * 16777619
	}
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func pageText(s string, page int) string {
	return strings.ReplaceAll(s, "{page}", fmt.Sprint(page))
}

// scanImage draws something like a photographed page: grey lines of
// "words" on white, with no text layer at all. The seed text sets the
// word lengths, so that each scan differs and stays the same.
func scanImage(seed string) []byte {
	const w, h = 600, 800
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	words := strings.Fields(seed)
	x, y := 40, 60
	for i := 0; y < h-60; i++ {
		n := 8 * (len(words[i%len(words)]) + 1)
		if x+n > w-40 {
			x, y = 40, y+22
			continue
		}
		for yy := y; yy < y+10; yy++ {
			for xx := x; xx < x+n-8; xx++ {
				img.SetGray(xx, yy, color.Gray{Y: 0x40})
			}
		}
		x += n
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
