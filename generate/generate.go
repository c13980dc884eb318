// Package generate turns a brief into a checked, cited draft: it retrieves
// the sources the caller may see, pseudonymises everything bound for the
// model, assembles a versioned prompt, calls a provider routed by the
// sources' classification, verifies every citation, checks the draft
// against policy and brand packs, decides, and records the generation in a
// tamper-evident log.
package generate

import (
	"context"
	"errors"

	"kontext"
)

// Service generates drafts. It is safe for concurrent use.
type Service struct{}

// Generate runs the whole flow for one request as principal p. When events
// is not nil it receives the stream's events in order, ending with "done".
func (s *Service) Generate(ctx context.Context, p kontext.Principal, req Request, events func(Event)) (*Result, error) {
	return nil, errors.New("generate: not built yet")
}
