package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kontext/ingest/docx"
	"kontext/ingest/pdf"
)

// ErrUnsupportedType is matched by the error Parse returns for a document
// type no parser handles; the error itself is an *UnsupportedTypeError.
var ErrUnsupportedType = errors.New("unsupported type")

// ErrRejected is matched by the error Parse returns for content that cannot
// be indexed: invalid UTF-8, binary data, malformed JSON, or no text left
// after parsing. The error's message gives the reason.
var ErrRejected = errors.New("rejected")

// UnsupportedTypeError names the content type or file extension that no
// parser handles. It matches ErrUnsupportedType.
type UnsupportedTypeError struct {
	// Name is the document's file name or label.
	Name string
	// ContentType is the media type the caller gave, possibly empty.
	ContentType string
}

// Error says which type is unsupported and which ones are.
func (e *UnsupportedTypeError) Error() string {
	what := ""
	if mt, _, err := mime.ParseMediaType(e.ContentType); err == nil && !genericType(mt) {
		what = mt
	} else if ext := filepath.Ext(e.Name); ext != "" {
		what = strings.ToLower(ext)
	} else if e.ContentType != "" {
		what = e.ContentType
	} else {
		what = "(no extension or content type)"
	}
	return "unsupported type " + what + ": supported are Markdown (.md), plain text (.txt), HTML (.html), JSON (.json), JSON Lines (.jsonl), PDF (.pdf) and Word (.docx)"
}

// Is reports whether target is ErrUnsupportedType.
func (e *UnsupportedTypeError) Is(target error) bool { return target == ErrUnsupportedType }

// Formats Parse reports in Parsed.Format.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatJSON     = "json"
	FormatJSONL    = "jsonl"
	FormatPDF      = "pdf"
	FormatDOCX     = "docx"
)

// Parsed is a document reduced to normalised text and its structure.
//
// Text is NFC-normalised; inside a block every run of white space is one
// ASCII space, control and invisible format characters (zero-width space,
// soft hyphen, byte order mark) are removed, and blocks are separated by
// exactly one blank line ("\n\n"). Text neither starts nor ends with white
// space. All offsets are byte offsets into Text.
type Parsed struct {
	// Title is the document's own title: the Markdown front matter's title
	// or first heading, the HTML <title> or first heading, or the title of
	// a single JSON record. It is empty when the document names none.
	Title string
	// Text is the normalised text.
	Text string
	// Blocks are the paragraph-level pieces of Text in order: headings,
	// paragraphs, list items, table rows, code blocks.
	Blocks []Block
	// Sections group the blocks: a section starts at each heading and at
	// each JSON record, and holds the blocks up to the next one.
	Sections []Section
	// Format is the parser that produced the document: one of FormatText,
	// FormatMarkdown, FormatHTML, FormatJSON, FormatJSONL, FormatPDF and
	// FormatDOCX.
	Format string
	// Author, Created and Modified are the document's own metadata (PDF
	// document information, DOCX core properties); zero when it has none.
	// The author is personal data: it is stored only as a keyed hash.
	Author            string
	Created, Modified time.Time
	// Pages is a PDF's number of pages; 0 for formats without pages.
	Pages int
}

// Block is one paragraph-level piece of a parsed document.
type Block struct {
	// Start and End delimit the block in Parsed.Text.
	Start, End int
	// Heading reports whether the block is a heading.
	Heading bool
	// Level is a heading's level, 1 for the outermost; 0 for other blocks.
	Level int
	// Path is the heading path the block sits under, outermost first; for a
	// heading it ends with the heading itself.
	Path []string
	// Page is the 1-based page of a PDF the block starts on; 0 for formats
	// without pages.
	Page int
}

// Section is a heading (or JSON record) and the blocks that follow it up to
// the next one.
type Section struct {
	// Path is the section's heading path, outermost first; it is empty for
	// text before the first heading and for JSON records without a title.
	Path []string
	// Start and End delimit the section in Parsed.Text, from its first
	// block's start to its last block's end.
	Start, End int
	// Blocks are the section's blocks, a sub-slice of Parsed.Blocks.
	Blocks []Block
}

// ParseOptions configure ParseWith; the zero value takes the defaults.
type ParseOptions struct {
	// TextField is the field of a JSON or JSONL record holding its text
	// (default "text"). Every record must have it, as a string.
	TextField string
	// TitleField is the optional field of a JSON or JSONL record holding
	// its title (default "title"); a record's title heads its section.
	TitleField string
	// PDF bounds the Poppler processes that read a PDF (time, memory,
	// pages); the zero value takes pdf's defaults.
	PDF pdf.Options
	// DOCX bounds the reading of a Word archive and says whether footnotes
	// and comments are included (they are not by default).
	DOCX docx.Options
}

// Default JSON record field names.
const (
	DefaultTextField  = "text"
	DefaultTitleField = "title"
)

// Parse reduces a document to normalised text and structure with the
// default options; see ParseWith.
func Parse(name, contentType string, data []byte) (*Parsed, error) {
	return ParseWith(name, contentType, data, ParseOptions{})
}

// ParseWith reduces a document to normalised text and structure. The
// parser is chosen by the media type in contentType when it names one of
// the supported formats, and otherwise by the extension of name:
//
//   - text/markdown, .md, .markdown: Markdown (CommonMark with GitHub
//     tables, lists and autolinks); headings give the structure, markup and
//     inline HTML are dropped, raw HTML blocks keep their text;
//   - text/plain, .txt: plain text, paragraphs separated by blank lines;
//   - text/html, .html, .htm: the page's main text (<main>, else the
//     <article> elements, else <body>) without scripts, styles,
//     navigation, page header and footer, asides, forms' controls, hidden
//     elements and comments; <title> is the title;
//   - application/json, .json: an object or an array of objects, each a
//     record whose text field (ParseOptions.TextField) becomes a section;
//   - application/jsonl, application/x-ndjson, .jsonl, .ndjson: one record
//     per line;
//   - application/pdf, .pdf: the text layer read by Poppler (see package
//     kontext/ingest/pdf), each block with its page; an encrypted PDF, one
//     without text (a scan) or one Poppler cannot read is rejected;
//   - the Word media type, .docx: see package kontext/ingest/docx.
//
// Any other type yields an *UnsupportedTypeError. Content that is not
// valid UTF-8, looks binary, does not parse, or leaves no text yields an
// error matching ErrRejected whose message gives the reason.
func ParseWith(name, contentType string, data []byte, opts ParseOptions) (*Parsed, error) {
	return ParseContext(context.Background(), name, contentType, data, opts)
}

// ParseContext is ParseWith whose PDF extraction stops when ctx is done.
func ParseContext(ctx context.Context, name, contentType string, data []byte, opts ParseOptions) (*Parsed, error) {
	if opts.TextField == "" {
		opts.TextField = DefaultTextField
	}
	if opts.TitleField == "" {
		opts.TitleField = DefaultTitleField
	}
	format := detectFormat(name, contentType)
	if format == "" {
		return nil, fmt.Errorf("ingest: parse %s: %w", name, &UnsupportedTypeError{Name: name, ContentType: contentType})
	}
	if format == FormatPDF || format == FormatDOCX {
		p, err := parseDocument(ctx, format, data, opts)
		if err != nil {
			return nil, fmt.Errorf("ingest: parse %s: %w", name, err)
		}
		return p, nil
	}
	if err := checkText(data); err != nil {
		return nil, fmt.Errorf("ingest: parse %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	b := &builder{}
	var err error
	switch format {
	case FormatMarkdown:
		parseMarkdown(b, data)
	case FormatHTML:
		err = parseHTML(b, data)
	case FormatJSON, FormatJSONL:
		err = parseJSON(b, data, format, opts)
	default:
		parseText(b, data)
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: parse %s: %w", name, err)
	}
	if b.sb.Len() == 0 {
		return nil, fmt.Errorf("ingest: parse %s: %w", name, rejectf("no text after parsing"))
	}
	return b.result(format), nil
}

// rejectf returns an error matching ErrRejected with the given reason.
func rejectf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}

// genericType reports media types that say nothing about the format, so
// that the file extension decides.
func genericType(mt string) bool {
	switch mt {
	case "", "application/octet-stream", "binary/octet-stream", "application/x-unknown", "application/unknown":
		return true
	}
	return false
}

// detectFormat picks a parser by media type, then by extension; "" means
// unsupported.
func detectFormat(name, contentType string) string {
	ext := formatByExt(name)
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || genericType(mt) {
		return ext
	}
	switch mt {
	case "text/markdown", "text/x-markdown", "text/x-web-markdown":
		return FormatMarkdown
	case "text/html", "application/xhtml+xml":
		return FormatHTML
	case "application/json", "text/json":
		if ext == FormatJSONL {
			return FormatJSONL
		}
		return FormatJSON
	case "application/jsonl", "application/x-jsonl", "application/jsonlines", "application/x-jsonlines",
		"application/x-ndjson", "application/ndjson":
		return FormatJSONL
	case "application/pdf", "application/x-pdf":
		return FormatPDF
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return FormatDOCX
	case "text/plain":
		// Clients send text/plain for many text formats: a known
		// extension is more specific.
		if ext != "" {
			return ext
		}
		return FormatText
	}
	// Any other declared type (image/png, text/csv, application/msword) is
	// not ours, whatever the file is called.
	return ""
}

func formatByExt(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".mdown", ".mkd":
		return FormatMarkdown
	case ".txt", ".text":
		return FormatText
	case ".html", ".htm", ".xhtml":
		return FormatHTML
	case ".json":
		return FormatJSON
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".pdf":
		return FormatPDF
	case ".docx":
		return FormatDOCX
	}
	return ""
}

// checkText rejects content that is not UTF-8 text.
func checkText(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return rejectf("UTF-16 encoded text; only UTF-8 is accepted")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return rejectf("binary content (NUL byte at offset %d)", i)
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return rejectf("not valid UTF-8 (first invalid byte at offset %d)", i)
	}
	// Text has few control characters besides tab, line feed, carriage
	// return and form feed; binary data has many.
	sample := data[:min(len(data), 8192)]
	ctrl := 0
	for _, c := range sample {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f {
			ctrl++
		}
	}
	if len(sample) > 0 && ctrl*binaryControlShare > len(sample) {
		return rejectf("binary content (%d control characters in the first %d bytes)", ctrl, len(sample))
	}
	return nil
}

// binaryControlShare: content is binary when more than one byte in this
// many of its first 8 KiB is a control character.
const binaryControlShare = 20

// builder assembles normalised text, blocks and sections.
type builder struct {
	sb        strings.Builder
	blocks    []Block
	secStarts []int // index into blocks where each section starts
	newSec    bool  // the next block starts a section
	path      []string
	levels    []int
	title     string
	fixed     bool // title set explicitly; headings do not change it
	page      int  // the page of the blocks added next, 0 for none
}

// setTitle fixes the document title.
func (b *builder) setTitle(s string) {
	if s = clean(s); s != "" {
		b.title, b.fixed = s, true
	}
}

// heading starts a section under a heading of the given level (1 is the
// outermost).
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
	if b.title == "" && !b.fixed {
		b.title = s
	}
	b.newSec = true
	b.add(s, level)
}

// para adds a block of body text.
func (b *builder) para(s string) {
	if s = clean(s); s != "" {
		b.add(s, 0)
	}
}

func (b *builder) add(s string, level int) {
	if b.sb.Len() > 0 {
		b.sb.WriteString("\n\n")
	}
	if b.newSec || len(b.blocks) == 0 {
		b.secStarts = append(b.secStarts, len(b.blocks))
		b.newSec = false
	}
	start := b.sb.Len()
	b.sb.WriteString(s)
	b.blocks = append(b.blocks, Block{Start: start, End: b.sb.Len(), Heading: level > 0, Level: level,
		Path: append([]string(nil), b.path...), Page: b.page})
}

// record starts a new section with no heading path: the next JSON record.
func (b *builder) record() {
	b.path, b.levels = nil, nil
	b.newSec = true
}

func (b *builder) result(format string) *Parsed {
	p := &Parsed{Title: b.title, Text: b.sb.String(), Blocks: b.blocks, Format: format}
	p.Sections = make([]Section, len(b.secStarts))
	for i, first := range b.secStarts {
		last := len(b.blocks)
		if i+1 < len(b.secStarts) {
			last = b.secStarts[i+1]
		}
		blocks := b.blocks[first:last:last]
		p.Sections[i] = Section{Path: blocks[0].Path, Start: blocks[0].Start, End: blocks[len(blocks)-1].End, Blocks: blocks}
	}
	return p
}

// clean normalises one block: NFC, white space runs as one space, no
// control or invisible format characters, no leading or trailing space.
func clean(s string) string {
	s = norm.NFC.String(s)
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case invisible(r):
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

// invisible reports characters that carry no text: controls, the
// zero-width space, word joiner, byte order mark, soft hyphen and bidi
// controls. Zero-width joiners stay: emoji and some scripts need them.
func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u2060', '\ufeff', '\u200e', '\u200f',
		'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069':
		return true
	}
	return unicode.Is(unicode.Cc, r)
}

// parseText splits plain text into paragraphs at blank lines.
func parseText(b *builder, data []byte) {
	var para strings.Builder
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			b.para(para.String())
			para.Reset()
			continue
		}
		para.WriteString(line)
		para.WriteByte('\n')
	}
	b.para(para.String())
}
