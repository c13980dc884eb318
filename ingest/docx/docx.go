// Package docx extracts the text and structure of Word documents (.docx,
// Office Open XML) with archive/zip and encoding/xml: paragraphs, headings
// from their styles (Heading 1…6 whatever the language the styles were
// named in, or an outline level), list items, tables as rows with their
// cells separated by " | ", and tracked changes resolved to the text as if
// every change were accepted. Footnotes and comments are left out unless
// asked for: comments often hold internal notes and personal data.
//
// Archives are read under limits: the number of entries, the inflated
// size of each part (a zip bomb stops at the limit, having cost no more
// than that), and the nesting depth of the XML.
package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Errors Extract returns, matched with errors.Is.
var (
	// ErrMalformed: not a Word document that can be read.
	ErrMalformed = errors.New("not a readable Word document")
	// ErrLimit: the archive breaks a limit of Options.
	ErrLimit = errors.New("over a limit")
)

// Defaults for Options.
const (
	DefaultMaxPartBytes = 64 << 20
	DefaultMaxEntries   = 10000
	DefaultMaxDepth     = 200
)

// Options bound one extraction and choose what is included; the zero
// value takes the defaults.
type Options struct {
	// MaxPartBytes is the most one part (document.xml, styles.xml, …) may
	// inflate to (default 64 MiB).
	MaxPartBytes int64
	// MaxEntries is the most entries the archive may have (default 10,000).
	MaxEntries int
	// MaxDepth is the deepest XML nesting accepted (default 200).
	MaxDepth int
	// Footnotes and Comments append the document's footnotes and comments
	// after its body; both are left out by default.
	Footnotes, Comments bool
}

func (o Options) withDefaults() Options {
	if o.MaxPartBytes <= 0 {
		o.MaxPartBytes = DefaultMaxPartBytes
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o
}

// Kind is what a block is.
type Kind int

// Kinds of block.
const (
	Paragraph Kind = iota
	Heading
	// ListItem is a paragraph of a bulleted or numbered list.
	ListItem
	// Row is a table row, its cells joined by " | ".
	Row
)

// Block is one paragraph, heading, list item or table row.
type Block struct {
	Kind Kind
	// Level is a heading's level, 1 for the outermost.
	Level int
	Text  string
}

// Document is an extracted Word document.
type Document struct {
	// Title, Author and the dates come from docProps/core.xml.
	Title, Author     string
	Created, Modified time.Time
	Blocks            []Block
}

// Extract reads a .docx file.
func Extract(data []byte, opts Options) (*Document, error) {
	opts = opts.withDefaults()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(zr.File) > opts.MaxEntries {
		return nil, fmt.Errorf("%w: %d archive entries, more than %d", ErrLimit, len(zr.File), opts.MaxEntries)
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	read := func(name string) ([]byte, error) {
		f, ok := parts[name]
		if !ok {
			return nil, nil
		}
		if f.UncompressedSize64 > uint64(opts.MaxPartBytes) {
			return nil, fmt.Errorf("%w: %s inflates to more than %d MiB", ErrLimit, name, opts.MaxPartBytes>>20)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, opts.MaxPartBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
		}
		if int64(len(b)) > opts.MaxPartBytes {
			return nil, fmt.Errorf("%w: %s inflates to more than %d MiB", ErrLimit, name, opts.MaxPartBytes>>20)
		}
		return b, nil
	}
	body, err := read("word/document.xml")
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, fmt.Errorf("%w: no word/document.xml", ErrMalformed)
	}
	x := &extractor{opts: opts, styles: map[string]style{}}
	if b, err := read("word/styles.xml"); err != nil {
		return nil, err
	} else if b != nil {
		if err := x.readStyles(b); err != nil {
			return nil, err
		}
	}
	doc := &Document{}
	if b, err := read("docProps/core.xml"); err != nil {
		return nil, err
	} else if b != nil {
		readCore(b, doc)
	}
	if err := x.walk(body, "body"); err != nil {
		return nil, err
	}
	for _, extra := range []struct {
		on   bool
		part string
	}{{opts.Footnotes, "word/footnotes.xml"}, {opts.Comments, "word/comments.xml"}} {
		if !extra.on {
			continue
		}
		b, err := read(extra.part)
		if err != nil {
			return nil, err
		}
		if b != nil {
			if err := x.walk(b, "notes"); err != nil {
				return nil, err
			}
		}
	}
	doc.Blocks = x.blocks
	return doc, nil
}

type style struct {
	level int // heading level, 0 for none
	list  bool
}

type extractor struct {
	opts   Options
	styles map[string]style
	blocks []Block
}

// headingName matches the style names and ids of headings: "heading 1"
// (the name Word gives them in every language), "Heading1",
// "berschrift1" (German Word's id), "Titre1".
var headingName = regexp.MustCompile(`(?i)^(heading|berschrift|überschrift|titre|kop)\s*([1-9])$`)

func (x *extractor) readStyles(data []byte) error {
	dec := x.decoder(data)
	var cur string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: styles.xml: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > x.opts.MaxDepth {
				return fmt.Errorf("%w: styles.xml nested deeper than %d", ErrLimit, x.opts.MaxDepth)
			}
			switch t.Name.Local {
			case "style":
				cur = attr(t, "styleId")
				s := x.styles[cur]
				if m := headingName.FindStringSubmatch(cur); m != nil {
					s.level, _ = strconv.Atoi(m[2])
				}
				if strings.EqualFold(cur, "ListParagraph") {
					s.list = true
				}
				x.styles[cur] = s
			case "name":
				if cur != "" {
					s := x.styles[cur]
					name := attr(t, "val")
					if m := headingName.FindStringSubmatch(name); m != nil {
						s.level, _ = strconv.Atoi(m[2])
					} else if strings.EqualFold(name, "title") {
						s.level = 1
					} else if strings.EqualFold(name, "list paragraph") {
						s.list = true
					}
					x.styles[cur] = s
				}
			case "outlineLvl":
				if cur != "" {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil && n < 6 && x.styles[cur].level == 0 {
						s := x.styles[cur]
						s.level = n + 1
						x.styles[cur] = s
					}
				}
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "style" {
				cur = ""
			}
		}
	}
}

func (x *extractor) decoder(data []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	return dec
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// para collects one paragraph while the walk is inside it.
type para struct {
	sb      strings.Builder
	style   string
	level   int // from the paragraph's own outline level, +1
	list    bool
	inTable bool
}

// walk reads the paragraphs and tables of a part in document order.
func (x *extractor) walk(data []byte, part string) error {
	dec := x.decoder(data)
	var stack []string // open elements, local names
	var p *para
	var row []string
	var cell strings.Builder
	tableDepth := 0
	skip := 0 // depth inside an element whose text is not part of the accepted text
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrMalformed, part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if len(stack) > x.opts.MaxDepth {
				return fmt.Errorf("%w: XML nested deeper than %d", ErrLimit, x.opts.MaxDepth)
			}
			if skip > 0 {
				skip++
				continue
			}
			switch t.Name.Local {
			case "del", "moveFrom", "instrText", "delText", "Fallback", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange", "numberingChange":
				// Deleted text, the old side of a move, field codes, a
				// picture's fallback and the formatting before a change.
				skip = 1
			case "footnote", "comment":
				if typ := attr(t, "type"); typ == "separator" || typ == "continuationSeparator" || typ == "continuationNotice" {
					skip = 1
				}
			case "tbl":
				tableDepth++
			case "tr":
				if tableDepth == 1 {
					row = nil
				}
			case "tc":
				if tableDepth == 1 {
					cell.Reset()
				}
			case "p":
				if p == nil {
					p = &para{inTable: tableDepth > 0}
				}
			case "pStyle":
				if p != nil && parent(stack[:len(stack)-1]) == "pPr" {
					p.style = attr(t, "val")
				}
			case "outlineLvl":
				if p != nil && parent(stack[:len(stack)-1]) == "pPr" {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil && n < 6 {
						p.level = n + 1
					}
				}
			case "numPr":
				if p != nil {
					p.list = true
				}
			case "tab", "br", "cr":
				if p != nil && parent(stack[:len(stack)-1]) == "r" {
					p.sb.WriteByte(' ')
				}
			case "noBreakHyphen":
				if p != nil {
					p.sb.WriteByte('-')
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if skip > 0 {
				skip--
				continue
			}
			switch t.Name.Local {
			case "p":
				if p == nil {
					continue
				}
				text := strings.Join(strings.Fields(p.sb.String()), " ")
				if p.inTable {
					if text != "" {
						if cell.Len() > 0 {
							cell.WriteByte(' ')
						}
						cell.WriteString(text)
					}
					p = nil
					continue
				}
				x.paragraph(p, text)
				p = nil
			case "tc":
				if tableDepth == 1 {
					row = append(row, strings.TrimSpace(cell.String()))
				}
			case "tr":
				if tableDepth == 1 && rowHasText(row) {
					x.blocks = append(x.blocks, Block{Kind: Row, Text: strings.Join(row, " | ")})
				}
			case "tbl":
				tableDepth--
			}
		case xml.CharData:
			if skip == 0 && p != nil && parent(stack) == "t" {
				p.sb.Write(t)
			}
		}
	}
	return nil
}

func parent(stack []string) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}

func rowHasText(row []string) bool {
	for _, c := range row {
		if c != "" {
			return true
		}
	}
	return false
}

func (x *extractor) paragraph(p *para, text string) {
	if text == "" {
		return
	}
	s := x.styles[p.style]
	level := s.level
	if level == 0 {
		if m := headingName.FindStringSubmatch(p.style); m != nil {
			level, _ = strconv.Atoi(m[2])
		}
	}
	if p.level > 0 {
		level = p.level
	}
	switch {
	case level > 0:
		x.blocks = append(x.blocks, Block{Kind: Heading, Level: min(level, 6), Text: text})
	case p.list || s.list:
		x.blocks = append(x.blocks, Block{Kind: ListItem, Text: text})
	default:
		x.blocks = append(x.blocks, Block{Kind: Paragraph, Text: text})
	}
}

// readCore reads the title, author and dates of docProps/core.xml.
func readCore(data []byte, doc *Document) {
	var core struct {
		Title    string `xml:"title"`
		Creator  string `xml:"creator"`
		Created  string `xml:"created"`
		Modified string `xml:"modified"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&core); err != nil {
		return
	}
	doc.Title = strings.TrimSpace(core.Title)
	doc.Author = strings.TrimSpace(core.Creator)
	doc.Created, _ = time.Parse(time.RFC3339, strings.TrimSpace(core.Created))
	doc.Modified, _ = time.Parse(time.RFC3339, strings.TrimSpace(core.Modified))
}
