// Package kontext holds the domain types and errors shared by Kontext's
// packages: who is asking (Principal), what they may see (Classification) and
// the sentinel errors that callers branch on. It has no dependencies of its
// own so that every other package may import it.
package kontext

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on. Stores translate database errors
// into these at their boundary; the API maps each to one HTTP status.
var (
	// ErrNotFound means the object does not exist or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrUnauthenticated means the caller presented no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the caller is known but its role does not allow the call.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict means the call collides with the current state of an object.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input was malformed or out of range.
	ErrInvalid = errors.New("invalid input")
	// ErrTooLarge means the input exceeded a configured size limit.
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable means a dependency (database, provider) cannot serve now.
	ErrUnavailable = errors.New("unavailable")
)

// InvalidError describes one bad input value. It matches ErrInvalid with
// errors.Is, so callers that only care about the class of error need not
// know the type.
type InvalidError struct {
	Field   string
	Message string
}

// Error returns "field: message".
func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf returns an *InvalidError for field with a formatted message.
func Invalidf(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Classification is the sensitivity of a document. Classifications are
// ordered: a caller cleared for Internal may see Public and Internal.
type Classification string

// The classifications, from least to most sensitive.
const (
	Public       Classification = "public"
	Internal     Classification = "internal"
	Confidential Classification = "confidential"
)

// ParseClassification returns the classification named s, or an error
// matching ErrInvalid.
func ParseClassification(s string) (Classification, error) {
	switch c := Classification(s); c {
	case Public, Internal, Confidential:
		return c, nil
	}
	return "", Invalidf("classification", "%q is not one of public, internal, confidential", s)
}

// Rank orders classifications: Public 0, Internal 1, Confidential 2, unknown -1.
func (c Classification) Rank() int {
	switch c {
	case Public:
		return 0
	case Internal:
		return 1
	case Confidential:
		return 2
	}
	return -1
}

// Principal is the caller on whose behalf a request runs: every read is
// limited to what this principal may see.
type Principal struct {
	Tenant    string         `json:"tenant"`
	User      string         `json:"user"`
	Groups    []string       `json:"groups"`
	Clearance Classification `json:"clearance"`
	Role      string         `json:"role,omitempty"`
}
