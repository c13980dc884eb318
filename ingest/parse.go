package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// ErrUnsupportedType means no parser handles the document's type.
var ErrUnsupportedType = errors.New("unsupported type")

// ErrRejected means the document's content cannot be indexed: invalid
// UTF-8, binary data, or no text.
var ErrRejected = errors.New("rejected")

// UnsupportedTypeError names the type no parser handles.
type UnsupportedTypeError struct {
	Name, ContentType string
}

func (e *UnsupportedTypeError) Error() string {
	what := e.ContentType
	if what == "" {
		what = filepath.Ext(e.Name)
	}
	if what == "" {
		what = "without extension or content type"
	}
	return fmt.Sprintf("unsupported type %s: supported are Markdown, plain text, HTML, JSON and JSONL", what)
}

// Is matches ErrUnsupportedType.
func (e *UnsupportedTypeError) Is(target error) bool { return target == ErrUnsupportedType }

// Block is one paragraph-level piece of a parsed document: a heading, a
// paragraph, a list item, a table row, a code block.
type Block struct {
	// Start and End are byte offsets into Parsed.Text.
	Start, End int
	// Heading is true for a heading block.
	Heading bool
	// Path is the heading path the block sits under, outermost first; for a
	// heading it ends with the heading itself.
	Path []string
}

// Parsed is a document reduced to normalised text with its structure.
type Parsed struct {
	// Title is the document's own title (first heading, <title>, record
	// title), or empty.
	Title string
	// Text is NFC-normalised, with whitespace collapsed inside blocks and
	// blocks separated by one blank line.
	Text string
	// Blocks cover Text in order.
	Blocks []Block
	// Format is the parser used: markdown, text, html, json or jsonl.
	Format string
}

// JSONTextField is the record field holding the text in JSON and JSONL
// documents; "title" is used as the record's heading when present.
var JSONTextField = "text"

// Parse reduces a document to normalised text and blocks, choosing the
// parser by content type, then by file extension.
func Parse(name, contentType string, data []byte) (*Parsed, error) {
	format := detectFormat(name, contentType)
	if format == "" {
		return nil, &UnsupportedTypeError{Name: name, ContentType: contentType}
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not valid UTF-8 text", ErrRejected)
	}
	if isBinary(data) {
		return nil, fmt.Errorf("%w: binary content", ErrRejected)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	b := &builder{}
	var err error
	switch format {
	case "markdown":
		parseMarkdown(b, data)
	case "html":
		err = parseHTML(b, data)
	case "json":
		err = parseJSON(b, data)
	case "jsonl":
		err = parseJSONL(b, data)
	default:
		parseText(b, data)
	}
	if err != nil {
		return nil, err
	}
	p := b.result(format)
	if strings.TrimSpace(p.Text) == "" {
		return nil, fmt.Errorf("%w: no text after parsing", ErrRejected)
	}
	return p, nil
}

func detectFormat(name, contentType string) string {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err == nil {
			switch mt {
			case "text/markdown", "text/x-markdown":
				return "markdown"
			case "text/html", "application/xhtml+xml":
				return "html"
			case "application/json":
				if strings.EqualFold(filepath.Ext(name), ".jsonl") || strings.EqualFold(filepath.Ext(name), ".ndjson") {
					return "jsonl"
				}
				return "json"
			case "application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines":
				return "jsonl"
			case "text/plain":
				// Many clients send text/plain for Markdown files: the
				// extension decides between the two.
				if f := formatByExt(name); f == "markdown" {
					return f
				}
				return "text"
			}
		}
	}
	return formatByExt(name)
}

func formatByExt(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".mdown":
		return "markdown"
	case ".txt", ".text":
		return "text"
	case ".html", ".htm", ".xhtml":
		return "html"
	case ".json":
		return "json"
	case ".jsonl", ".ndjson":
		return "jsonl"
	}
	return ""
}

// isBinary reports NUL bytes or a high share of control characters.
func isBinary(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	sample := data
	if len(sample) > 8192 {
		sample = sample[:8192]
	}
	ctrl := 0
	for _, c := range sample {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctrl++
		}
	}
	return len(sample) > 0 && ctrl*20 > len(sample)
}

// builder assembles normalised text and blocks.
type builder struct {
	sb     strings.Builder
	blocks []Block
	path   []string // current heading path
	levels []int    // heading level of each path entry
	title  string
}

// heading starts a section at the given level (1 = top).
func (b *builder) heading(level int, s string) {
	s = clean(s)
	if s == "" {
		return
	}
	for len(b.levels) > 0 && b.levels[len(b.levels)-1] >= level {
		b.levels = b.levels[:len(b.levels)-1]
		b.path = b.path[:len(b.path)-1]
	}
	b.path = append(b.path, s)
	b.levels = append(b.levels, level)
	if b.title == "" {
		b.title = s
	}
	b.add(s, true)
}

// para adds a non-heading block.
func (b *builder) para(s string) {
	if s = clean(s); s != "" {
		b.add(s, false)
	}
}

func (b *builder) add(s string, heading bool) {
	if b.sb.Len() > 0 {
		b.sb.WriteString("\n\n")
	}
	start := b.sb.Len()
	b.sb.WriteString(s)
	b.blocks = append(b.blocks, Block{Start: start, End: b.sb.Len(), Heading: heading, Path: append([]string(nil), b.path...)})
}

// resetPath leaves the current heading structure (a new JSON record).
func (b *builder) resetPath() {
	b.path, b.levels = nil, nil
}

func (b *builder) result(format string) *Parsed {
	return &Parsed{Title: b.title, Text: b.sb.String(), Blocks: b.blocks, Format: format}
}

// clean applies NFC and collapses whitespace runs to single spaces.
func clean(s string) string {
	s = norm.NFC.String(s)
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' {
			space = true
			continue
		}
		if r == '\u200b' || r == '\ufeff' || unicode.Is(unicode.Cc, r) {
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	return sb.String()
}

func parseText(b *builder, data []byte) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	for _, para := range strings.Split(s, "\n\n") {
		b.para(para)
	}
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

func parseMarkdown(b *builder, data []byte) {
	doc := markdown.Parser().Parse(text.NewReader(data))
	var walk func(n gast.Node)
	walk = func(n gast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *gast.Heading:
				b.heading(c.Level, inlineText(c, data))
			case *gast.Paragraph, *gast.TextBlock:
				b.para(inlineText(c, data))
			case *gast.FencedCodeBlock, *gast.CodeBlock:
				b.para(linesText(c, data))
			case *gast.HTMLBlock:
				// Raw HTML in Markdown: keep its text, drop comments and tags.
				raw := linesText(c, data)
				if !strings.HasPrefix(strings.TrimSpace(raw), "<!--") {
					b.para(htmlFragmentText(raw))
				}
			case *east.Table:
				for row := c.FirstChild(); row != nil; row = row.NextSibling() {
					var cells []string
					for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
						cells = append(cells, clean(inlineText(cell, data)))
					}
					b.para(strings.Join(cells, " | "))
				}
			case *gast.ListItem:
				// A list item's own paragraphs become blocks; nested lists recurse.
				walk(c)
			case *gast.ThematicBreak:
			default:
				walk(c)
			}
		}
	}
	walk(doc)
}

// inlineText returns the text of an inline subtree, keeping link texts and
// dropping markup; soft line breaks become spaces.
func inlineText(n gast.Node, src []byte) string {
	var sb strings.Builder
	var walk func(n gast.Node)
	walk = func(n gast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *gast.Text:
				sb.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					sb.WriteByte(' ')
				}
			case *gast.String:
				sb.Write(c.Value)
			case *gast.CodeSpan:
				walk(c)
			case *gast.RawHTML:
				// inline tags are dropped
			case *gast.AutoLink:
				sb.Write(c.URL(src))
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return sb.String()
}

func linesText(n gast.Node, src []byte) string {
	var sb strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		sb.Write(seg.Value(src))
	}
	return sb.String()
}

// skipHTML are elements whose content is not part of a document's text.
var skipHTML = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Nav: true, atom.Footer: true,
	atom.Header: true, atom.Aside: true, atom.Noscript: true, atom.Template: true, atom.Form: true,
	atom.Button: true, atom.Svg: true, atom.Iframe: true, atom.Select: true, atom.Head: true}

// blockHTML are elements that end a block of text.
var blockHTML = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Li: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Dd: true, atom.Dt: true, atom.Figcaption: true, atom.Br: true, atom.Table: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Address: true, atom.Caption: true}

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

func parseHTML(b *builder, data []byte) error {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: unreadable HTML: %v", ErrRejected, err)
	}
	var title string
	var findTitle func(n *html.Node)
	findTitle = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Title && title == "" {
			title = clean(nodeText(n))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			findTitle(c)
		}
	}
	findTitle(doc)
	root := doc
	// The main content, when the page marks it, is all that counts.
	if m := findElement(doc, atom.Main); m != nil {
		root = m
	} else if a := findElement(doc, atom.Article); a != nil {
		root = a
	}
	if title != "" {
		b.title = title
	}
	var cur strings.Builder
	flush := func() {
		b.para(cur.String())
		cur.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.CommentNode:
			return
		case html.ElementNode:
			if skipHTML[n.DataAtom] || hidden(n) {
				return
			}
			if lvl, ok := headingLevel[n.DataAtom]; ok {
				flush()
				b.heading(lvl, nodeText(n))
				return
			}
			if blockHTML[n.DataAtom] {
				flush()
				defer flush()
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	flush()
	if title != "" {
		b.title = title
	}
	return nil
}

// hidden reports elements a reader never sees.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "hidden":
			return true
		case "aria-hidden":
			if a.Val == "true" {
				return true
			}
		case "style":
			v := strings.ReplaceAll(strings.ToLower(a.Val), " ", "")
			if strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

func findElement(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}

func nodeText(n *html.Node) string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
			sb.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (skipHTML[n.DataAtom] || hidden(n)) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

func htmlFragmentText(s string) string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, DataAtom: atom.Body, Data: "body"})
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for _, n := range nodes {
		sb.WriteString(nodeText(n))
	}
	return sb.String()
}

func parseJSON(b *builder, data []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: invalid JSON: %v", ErrRejected, err)
	}
	switch v := v.(type) {
	case map[string]any:
		return jsonRecord(b, v, 1)
	case []any:
		for i, r := range v {
			m, ok := r.(map[string]any)
			if !ok {
				return fmt.Errorf("%w: JSON array element %d is not an object", ErrRejected, i)
			}
			if err := jsonRecord(b, m, i+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: JSON document is neither an object nor an array of objects", ErrRejected)
}

func parseJSONL(b *builder, data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 32<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("%w: line %d is not a JSON object: %v", ErrRejected, line, err)
		}
		if err := jsonRecord(b, m, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	return nil
}

func jsonRecord(b *builder, m map[string]any, n int) error {
	raw, ok := m[JSONTextField]
	if !ok {
		return fmt.Errorf("%w: record %d has no %q field", ErrRejected, n, JSONTextField)
	}
	s, ok := raw.(string)
	if !ok {
		return fmt.Errorf("%w: record %d: field %q is not a string", ErrRejected, n, JSONTextField)
	}
	b.resetPath()
	if t, ok := m["title"].(string); ok && strings.TrimSpace(t) != "" {
		b.heading(1, t)
	}
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		b.para(para)
	}
	return nil
}
