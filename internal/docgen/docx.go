package docgen

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"time"
)

// DOCX describes a Word document to generate.
type DOCX struct {
	Title, Author string
	// HeadingStyle names the styles of headings: "Heading" gives the
	// English ids Heading1…; "berschrift" gives the ids German Word
	// writes (named "heading 1" in styles.xml).
	HeadingStyle string
	Body         []Para
	// Footnotes and Comments are referenced from the paragraphs whose
	// Footnote or Comment field is set.
	Footnotes, Comments []string
}

// Para is one paragraph or table of the body.
type Para struct {
	// Heading is the heading level 1–6, 0 for body text.
	Heading int
	// List marks a list item ("bullet" or "number").
	List string
	Text string
	// Inserted and Deleted are tracked changes appended to Text:
	// Inserted text is accepted, Deleted text is gone.
	Inserted, Deleted string
	// Footnote and Comment are 1-based references to DOCX.Footnotes and
	// DOCX.Comments placed after the text.
	Footnote, Comment int
	// Rows make the paragraph a table.
	Rows [][]string
}

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// Bytes renders the document as a .docx archive.
func (d DOCX) Bytes() ([]byte, error) {
	style := d.HeadingStyle
	if style == "" {
		style = "Heading"
	}
	var body strings.Builder
	for _, p := range d.Body {
		if p.Rows != nil {
			body.WriteString("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr>")
			for _, row := range p.Rows {
				body.WriteString("<w:tr>")
				for _, cell := range row {
					fmt.Fprintf(&body, "<w:tc><w:tcPr><w:tcW w:w=\"2000\" w:type=\"dxa\"/></w:tcPr><w:p>%s</w:p></w:tc>", run(cell))
				}
				body.WriteString("</w:tr>")
			}
			body.WriteString("</w:tbl>")
			continue
		}
		body.WriteString("<w:p><w:pPr>")
		switch {
		case p.Heading > 0:
			fmt.Fprintf(&body, "<w:pStyle w:val=\"%s%d\"/>", style, p.Heading)
		case p.List != "":
			id := 1
			if p.List == "number" {
				id = 2
			}
			fmt.Fprintf(&body, "<w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"%d\"/></w:numPr>", id)
		}
		body.WriteString("</w:pPr>")
		body.WriteString(run(p.Text))
		if p.Deleted != "" {
			fmt.Fprintf(&body, "<w:del w:id=\"90\" w:author=\"%s\" w:date=\"2026-03-01T10:00:00Z\"><w:r><w:delText xml:space=\"preserve\">%s</w:delText></w:r></w:del>", esc(d.Author), esc(p.Deleted))
		}
		if p.Inserted != "" {
			fmt.Fprintf(&body, "<w:ins w:id=\"91\" w:author=\"%s\" w:date=\"2026-03-01T10:00:00Z\">%s</w:ins>", esc(d.Author), run(p.Inserted))
		}
		if p.Comment > 0 {
			fmt.Fprintf(&body, "<w:commentRangeStart w:id=\"%d\"/><w:commentRangeEnd w:id=\"%[1]d\"/><w:r><w:commentReference w:id=\"%[1]d\"/></w:r>", p.Comment)
		}
		if p.Footnote > 0 {
			fmt.Fprintf(&body, "<w:r><w:rPr><w:rStyle w:val=\"FootnoteReference\"/></w:rPr><w:footnoteReference w:id=\"%d\"/></w:r>", p.Footnote)
		}
		body.WriteString("</w:p>")
	}
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wNS + `><w:body>` + body.String() + `<w:sectPr/></w:body></w:document>`},
		{"word/styles.xml", stylesXML(style)},
		{"word/footnotes.xml", notesXML("footnotes", "footnote", d.Footnotes)},
		{"word/comments.xml", notesXML("comments", "comment", d.Comments)},
		{"docProps/core.xml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>%s</dc:title><dc:creator>%s</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified></cp:coreProperties>`,
			esc(d.Title), esc(d.Author), Fixed.Format(time.RFC3339), Fixed.Add(48*time.Hour).Format(time.RFC3339))},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: Fixed})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("docgen: write %s: %w", d.Title, err)
	}
	return buf.Bytes(), nil
}

func run(s string) string {
	if s == "" {
		return ""
	}
	return `<w:r><w:t xml:space="preserve">` + esc(s) + `</w:t></w:r>`
}

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stylesXML declares the heading styles under the given id prefix, each
// named "heading N" as Word does in every language.
func stylesXML(prefix string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + wNS + `><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>`)
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, `<w:style w:type="paragraph" w:styleId="%s%d"><w:name w:val="heading %d"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="%d"/></w:pPr></w:style>`, prefix, i, i, i-1)
	}
	b.WriteString(`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style></w:styles>`)
	return b.String()
}

func notesXML(root, elem string, notes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:%s %s>`, root, wNS)
	for i, n := range notes {
		fmt.Fprintf(&b, `<w:%s w:id="%d"><w:p>%s</w:p></w:%[1]s>`, elem, i+1, run(n))
	}
	fmt.Fprintf(&b, `</w:%s>`, root)
	return b.String()
}

// ZipBomb is a .docx whose document.xml inflates to n bytes of one
// repeated paragraph: a few hundred kilobytes on disk.
func ZipBomb(n int) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels"} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: Fixed})
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, Modified: Fixed})
	if err != nil {
		return nil, err
	}
	w.Write([]byte(`<?xml version="1.0"?><w:document ` + wNS + `><w:body>`))
	para := []byte(strings.Repeat(`<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>`, 1000))
	for written := 0; written < n; written += len(para) {
		w.Write(para)
	}
	w.Write([]byte(`</w:body></w:document>`))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
