package kontext

import (
	"errors"
	"strings"
)

// failures are the stable codes the API and batch results give each
// sentinel. plain, when set, replaces the error's own message, which may
// name internals (upstream URLs, provider messages); logs keep the chain.
var failures = []struct {
	err   error
	code  string
	plain string
}{
	{ErrNotFound, "not_found", ""},
	{ErrUnauthenticated, "unauthenticated", ""},
	{ErrForbidden, "forbidden", ""},
	{ErrConflict, "conflict", ""},
	{ErrInvalid, "invalid_request", ""},
	{ErrTooLarge, "too_large", ""},
	{ErrUnavailable, "unavailable", ""},
	{ErrUpstream, "provider_error", "the model provider failed after retries; try again later"},
	{ErrTimeout, "provider_timeout", "the model provider did not answer in time; try again later"},
	{ErrPersonalData, "personal_data", "the request holds personal data that may not be sent to the configured model provider; remove it or use placeholders"},
}

// Failure returns the stable code of err and the message a caller may be
// shown: for the sentinels above their code and either a plain message or
// err's own (written for the caller); for anything else "internal" and
// "internal error". The HTTP API answers with it and batch items record it,
// so a failed batch item reads like the synchronous call's error.
func Failure(err error) (code, message string) {
	for _, f := range failures {
		if errors.Is(err, f.err) {
			if f.plain != "" {
				return f.code, f.plain
			}
			// The sentinel's own text ("...: conflict") repeats the code.
			return f.code, strings.TrimSuffix(err.Error(), ": "+f.err.Error())
		}
	}
	return "internal", "internal error"
}
