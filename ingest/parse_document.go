package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"kontext"
	"kontext/ingest/docx"
	"kontext/ingest/pdf"
)

// errDocumentLimit marks a PDF or Word document refused for breaking a
// limit (pages, time, memory, inflated size): the refusal is too_large.
var errDocumentLimit = errors.New("over a limit")

// parseDocument reads a PDF or Word document into the builder's form.
func parseDocument(ctx context.Context, format string, data []byte, opts ParseOptions) (*Parsed, error) {
	b := &builder{}
	var meta Parsed
	switch format {
	case FormatPDF:
		d, err := pdf.Extract(ctx, data, opts.PDF)
		switch {
		case errors.Is(err, pdf.ErrLimit):
			return nil, fmt.Errorf("%w: %w: %s", ErrRejected, errDocumentLimit, strings.TrimPrefix(err.Error(), pdf.ErrLimit.Error()+": "))
		case errors.Is(err, pdf.ErrEncrypted), errors.Is(err, pdf.ErrNoText), errors.Is(err, pdf.ErrMalformed):
			return nil, fmt.Errorf("%w: %w", ErrRejected, err)
		case errors.Is(err, pdf.ErrUnavailable):
			return nil, fmt.Errorf("%w: %w", kontext.ErrUnavailable, err)
		case err != nil:
			return nil, err
		}
		meta = Parsed{Author: d.Author, Created: d.Created, Modified: d.Modified, Pages: d.Pages}
		b.setTitle(d.Title)
		for _, blk := range d.Blocks {
			b.page = blk.Page
			switch blk.Kind {
			case pdf.Heading:
				b.heading(blk.Level, blk.Text)
			default:
				b.para(blk.Text)
			}
		}
	case FormatDOCX:
		d, err := docx.Extract(data, opts.DOCX)
		switch {
		case errors.Is(err, docx.ErrLimit):
			return nil, fmt.Errorf("%w: %w: %s", ErrRejected, errDocumentLimit, strings.TrimPrefix(err.Error(), docx.ErrLimit.Error()+": "))
		case errors.Is(err, docx.ErrMalformed):
			return nil, fmt.Errorf("%w: %w", ErrRejected, err)
		case err != nil:
			return nil, err
		}
		meta = Parsed{Author: d.Author, Created: d.Created, Modified: d.Modified}
		b.setTitle(d.Title)
		for _, blk := range d.Blocks {
			switch blk.Kind {
			case docx.Heading:
				b.heading(blk.Level, blk.Text)
			default:
				b.para(blk.Text)
			}
		}
	}
	if b.sb.Len() == 0 {
		return nil, rejectf("no text after parsing")
	}
	p := b.result(format)
	p.Author, p.Created, p.Modified, p.Pages = meta.Author, meta.Created, meta.Modified, meta.Pages
	return p, nil
}

// pageSpan returns the pages of a PDF the span [start, end) of p.Text
// covers: the page of the block it starts in and of the block it ends in;
// 0, 0 for formats without pages.
func pageSpan(p *Parsed, start, end int) (first, last int) {
	n := len(p.Blocks)
	if n == 0 || p.Blocks[0].Page == 0 {
		return 0, 0
	}
	// The first block ending after start, and the last starting before end.
	i := sort.Search(n, func(i int) bool { return p.Blocks[i].End > start })
	j := sort.Search(n, func(i int) bool { return p.Blocks[i].Start >= end }) - 1
	if i >= n || j < i {
		return 0, 0
	}
	return p.Blocks[i].Page, p.Blocks[j].Page
}
