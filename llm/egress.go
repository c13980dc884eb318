package llm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrEgressRefused matches the error of a request the egress check refused.
var ErrEgressRefused = errors.New("egress refused")

// EgressTransport checks every outbound request body before any byte of it
// leaves: a body that Check refuses (personal data not in placeholder form)
// is never sent, and the refusal is reported through OnRefuse (for the
// audit log) and returned as the request's error.
type EgressTransport struct {
	// Next sends the requests that pass; nil means http.DefaultTransport.
	Next http.RoundTripper
	// Check inspects a request body; an error refuses the request.
	Check func(body []byte) error
	// OnRefuse, when set, is told about each refused request.
	OnRefuse func(r *http.Request, err error)
}

// RoundTrip implements http.RoundTripper.
func (t *EgressTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	if r.Body != nil && r.Body != http.NoBody && t.Check != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("llm: egress check: read body: %w", err)
		}
		if err := t.Check(body); err != nil {
			if t.OnRefuse != nil {
				t.OnRefuse(r, err)
			}
			return nil, fmt.Errorf("llm: %w to %s: %w", ErrEgressRefused, r.URL.Host, err)
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return next.RoundTrip(r)
}
