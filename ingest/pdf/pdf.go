// Package pdf extracts text, headings, tables and page numbers from PDF
// documents with Poppler's command-line tools (pdfinfo and pdftohtml from
// Debian's poppler-utils), run as separate processes under a time and an
// address-space limit, so that a hostile file costs one bounded process and
// never the caller's memory.
//
// The layout is rebuilt from the positioned text runs pdftohtml -xml
// reports: lines in reading order (a two-column page is read column by
// column), paragraphs from line spacing, words hyphenated at a line end
// joined, headings from the document outline where there is one and from
// font size and weight where not, table rows with their cells separated by
// " | ", and headers and footers that repeat on most pages dropped.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Errors Extract returns, matched with errors.Is; each is wrapped with the
// details.
var (
	// ErrEncrypted: the document needs a password to be opened.
	ErrEncrypted = errors.New("encrypted, no password given")
	// ErrNoText: no page has a text layer (a scan or pictures only).
	ErrNoText = errors.New("no text layer (scanned?)")
	// ErrMalformed: the file is not a PDF Poppler can read.
	ErrMalformed = errors.New("not a readable PDF")
	// ErrLimit: the document breaks a limit of Options (pages, time,
	// memory, size of the extracted text).
	ErrLimit = errors.New("over a limit")
	// ErrUnavailable: pdfinfo, pdftohtml or prlimit is not installed.
	ErrUnavailable = errors.New("PDF tools not installed (apt-get install poppler-utils util-linux)")
)

// Defaults for Options.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMemoryBytes = 512 << 20
	DefaultMaxPages    = 2000
	// maxOutput bounds what is read from pdftohtml: generous for 2,000
	// pages of dense text with its XML markup.
	maxOutput = 256 << 20
)

// Options bound one extraction; the zero value takes the defaults.
type Options struct {
	// Timeout bounds each Poppler process (default 30 s).
	Timeout time.Duration
	// MemoryBytes is the address-space limit of each Poppler process
	// (default 512 MiB).
	MemoryBytes int64
	// MaxPages refuses longer documents before their text is extracted
	// (default 2,000).
	MaxPages int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MemoryBytes <= 0 {
		o.MemoryBytes = DefaultMemoryBytes
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	return o
}

// Kind is what a block is.
type Kind int

// Kinds of block.
const (
	Paragraph Kind = iota
	Heading
	// Row is a table row, its cells joined by " | ".
	Row
)

// Block is one paragraph, heading or table row.
type Block struct {
	Kind Kind
	// Level is a heading's level, 1 for the outermost.
	Level int
	Text  string
	// Page is the 1-based page the block starts on.
	Page int
}

// Document is an extracted PDF.
type Document struct {
	// Title, Author and the dates come from the document information
	// dictionary; zero when absent.
	Title, Author     string
	Created, Modified time.Time
	// Pages is the number of pages; TextPages those with any text.
	Pages, TextPages int
	Blocks           []Block
}

// Available reports whether the tools Extract runs are installed.
func Available() error {
	for _, tool := range []string{"pdfinfo", "pdftohtml", "prlimit"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found", ErrUnavailable, tool)
		}
	}
	return nil
}

// Extract reads a PDF. The data is written to a temporary file, which
// Poppler needs, and removed afterwards.
func Extract(ctx context.Context, data []byte, opts Options) (*Document, error) {
	opts = opts.withDefaults()
	if err := Available(); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrMalformed)
	}
	f, err := os.CreateTemp("", "kontext-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("pdf: temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("pdf: temporary file: %w", err)
	}

	info, err := run(ctx, opts, 1<<20, "pdfinfo", "-isodates", f.Name())
	if err != nil {
		return nil, err
	}
	doc := parseInfo(info)
	if doc.Pages == 0 {
		return nil, fmt.Errorf("%w: no pages", ErrMalformed)
	}
	if doc.Pages > opts.MaxPages {
		return nil, fmt.Errorf("%w: %d pages, more than the limit of %d", ErrLimit, doc.Pages, opts.MaxPages)
	}
	// -zoom 1: coordinates in points; -i: no images; -nodrm: the operator
	// owns the documents, so copy restrictions do not apply to indexing.
	out, err := run(ctx, opts, maxOutput, "pdftohtml", "-xml", "-i", "-q", "-nodrm", "-zoom", "1", "-stdout", f.Name())
	if err != nil {
		return nil, err
	}
	pages, outline, err := parseXML(out)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	doc.Blocks, doc.TextPages = layout(pages, outline)
	if len(doc.Blocks) == 0 {
		return nil, fmt.Errorf("%w: none of %d pages has text", ErrNoText, doc.Pages)
	}
	return doc, nil
}

// run runs a Poppler tool under prlimit's address-space limit and the
// timeout, returning its standard output.
func run(ctx context.Context, opts Options, limit int, tool string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	argv := append([]string{"--as=" + strconv.FormatInt(opts.MemoryBytes, 10), "--", tool}, args...)
	cmd := exec.CommandContext(ctx, "prlimit", argv...)
	stdout := &capped{max: limit}
	var stderr capped
	stderr.max = 64 << 10
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("%w: %s took longer than %s", ErrLimit, tool, opts.Timeout)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case stdout.over:
		return nil, fmt.Errorf("%w: %s wrote more than %d bytes", ErrLimit, tool, limit)
	case strings.Contains(msg, "Incorrect password"):
		return nil, ErrEncrypted
	case err != nil && (strings.Contains(msg, "std::bad_alloc") || strings.Contains(msg, "memory") || strings.Contains(msg, "failed to map")):
		return nil, fmt.Errorf("%w: %s needed more than %d MiB", ErrLimit, tool, opts.MemoryBytes>>20)
	case err != nil:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == 1 || exit.ExitCode() == 99 {
				return nil, fmt.Errorf("%w: %s", ErrMalformed, firstLine(msg))
			}
			if !exit.Exited() {
				// Killed by a signal: the address-space limit makes an
				// allocation fail, which Poppler does not survive.
				return nil, fmt.Errorf("%w: %s stopped (%v) within %d MiB", ErrLimit, tool, exit, opts.MemoryBytes>>20)
			}
		}
		return nil, fmt.Errorf("pdf: %s: %w: %s", tool, err, firstLine(msg))
	}
	return stdout.Bytes(), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	if s == "" {
		return "no message"
	}
	return s
}

// capped is a buffer that keeps at most max bytes and remembers whether
// more came.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.max {
		c.over = true
		return 0, errors.New("output too large")
	}
	return c.Buffer.Write(p)
}

// parseInfo reads pdfinfo's "Key: value" lines.
func parseInfo(out []byte) *Document {
	d := &Document{}
	for line := range strings.Lines(string(out)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Title":
			d.Title = v
		case "Author":
			d.Author = v
		case "CreationDate":
			d.Created = parseDate(v)
		case "ModDate":
			d.Modified = parseDate(v)
		case "Pages":
			d.Pages, _ = strconv.Atoi(v)
		}
	}
	return d
}

func parseDate(v string) time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
