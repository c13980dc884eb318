// Package kontext holds the domain types and errors shared by Kontext's
// packages: who is asking (Principal), what they may see (Classification) and
// the sentinel errors that callers branch on. It has no dependencies of its
// own so that every other package may import it.
package kontext

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
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
	// ErrUpstream means a model provider failed or answered with an error
	// after every retry.
	ErrUpstream = errors.New("provider failed")
	// ErrTimeout means a model provider did not answer in time.
	ErrTimeout = errors.New("provider timed out")
	// ErrPersonalData means a payload about to leave the service for a
	// model provider still holds personal data not in placeholder form.
	ErrPersonalData = errors.New("personal data in outbound payload")
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
	Role      Role           `json:"role,omitempty"`
}

// Role is what a principal may do. Roles are cumulative: each includes the
// rights of the ones before it.
type Role string

// The roles, from least to most privileged.
const (
	// Viewer may search and read documents.
	Viewer Role = "viewer"
	// Editor may also ingest, generate and run batches.
	Editor Role = "editor"
	// Reviewer may also approve and reject drafts.
	Reviewer Role = "reviewer"
	// Admin may also manage keys, erase data subjects and verify the audit log.
	Admin Role = "admin"
)

// ParseRole returns the role named s, or an error matching ErrInvalid.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Viewer, Editor, Reviewer, Admin:
		return r, nil
	}
	return "", Invalidf("role", "%q is not one of viewer, editor, reviewer, admin", s)
}

func (r Role) rank() int {
	switch r {
	case Viewer:
		return 0
	case Editor:
		return 1
	case Reviewer:
		return 2
	case Admin:
		return 3
	}
	return -1
}

// Allows reports whether a principal with role r may do what needs role min.
func (r Role) Allows(min Role) bool {
	return r.rank() >= 0 && min.rank() >= 0 && r.rank() >= min.rank()
}

var (
	tenantPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	namePattern   = regexp.MustCompile(`^[\p{L}\p{N}._@+-]{1,128}$`)
)

// ValidateTenant checks a tenant id: lower-case letters, digits, '-' and
// '_', starting with a letter or digit, at most 63 characters.
func ValidateTenant(id string) error {
	if !tenantPattern.MatchString(id) {
		return Invalidf("tenant", "%q must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit", id)
	}
	return nil
}

// ValidateName checks a user or group name: letters, digits and . _ @ + -,
// at most 128 characters (no commas or spaces, so that lists stay unambiguous).
func ValidateName(field, name string) error {
	if !namePattern.MatchString(name) {
		return Invalidf(field, "%q must be 1-128 letters, digits or . _ @ + -", name)
	}
	return nil
}

// Validate checks every field of the principal.
func (p Principal) Validate() error {
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	if p.User != "" {
		if err := ValidateName("user", p.User); err != nil {
			return err
		}
	}
	for _, g := range p.Groups {
		if err := ValidateName("groups", g); err != nil {
			return err
		}
	}
	if p.Clearance.Rank() < 0 {
		return Invalidf("clearance", "%q is not one of public, internal, confidential", p.Clearance)
	}
	if p.Role != "" {
		if _, err := ParseRole(string(p.Role)); err != nil {
			return err
		}
	}
	return nil
}

// SessionSQL returns a statement and its arguments that declare the
// principal for the current transaction: row-level security policies read
// kontext.tenant, kontext.user, kontext.groups (comma-separated) and
// kontext.clearance and kontext.role. The settings end with the transaction.
func (p Principal) SessionSQL() (string, []any) {
	return `SELECT set_config('kontext.tenant', $1, true), set_config('kontext.user', $2, true),
		set_config('kontext.groups', $3, true), set_config('kontext.clearance', $4, true),
		set_config('kontext.role', $5, true)`,
		[]any{p.Tenant, p.User, strings.Join(p.Groups, ","), string(p.Clearance), string(p.Role)}
}

// CanSee reports whether a principal's access list and clearance admit an
// object with the given classification and access list (status and validity
// aside): the rule row-level security applies to reads and writes.
func (p Principal) CanSee(c Classification, groups, users []string, tenantWide bool) bool {
	if c.Rank() < 0 || c.Rank() > p.Clearance.Rank() {
		return false
	}
	if tenantWide || (p.User != "" && slices.Contains(users, p.User)) {
		return true
	}
	for _, g := range groups {
		if slices.Contains(p.Groups, g) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// NewContext returns a context carrying the principal.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal carried by ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
