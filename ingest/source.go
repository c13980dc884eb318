package ingest

import (
	"strings"
	"time"

	"kontext/guard/pii"
)

// sourceMeta is what a document file says about itself, as stored: its
// page count, its dates, and its author only as a keyed hash.
type sourceMeta struct {
	pages             *int
	authorHash        []byte
	created, modified *time.Time
}

// sourceMeta takes the stored metadata from a parsed document. The author
// is keyed like a name found in the text (type PERSON), so that erasing
// the data subject clears it too.
func (in *Ingester) sourceMeta(p *Parsed) sourceMeta {
	var m sourceMeta
	if p.Pages > 0 {
		m.pages = ptr(p.Pages)
	}
	if a := strings.TrimSpace(p.Author); a != "" {
		m.authorHash = in.keyedHash(pii.TypePerson, a)
	}
	if !p.Created.IsZero() {
		m.created = ptr(p.Created)
	}
	if !p.Modified.IsZero() {
		m.modified = ptr(p.Modified)
	}
	return m
}

func ptr[T any](v T) *T { return &v }
