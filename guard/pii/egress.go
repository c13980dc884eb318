package pii

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kontext"
)

// ErrPersonalData is matched (errors.Is) by every error CheckEgress
// returns for a payload that carries personal data.
// It is kontext.ErrPersonalData, so that the API and batch items give it
// the same code without knowing this package.
var ErrPersonalData = kontext.ErrPersonalData

// EgressError reports personal data found in a payload about to leave the
// service. It carries counts per type, never the values, so it can be
// logged and audited safely.
type EgressError struct {
	// Types maps a personal data type (TypeEmail, TypePerson, ...) to the
	// number of values of that type found.
	Types map[string]int
}

// Error lists the types and counts found, in a fixed order.
func (e *EgressError) Error() string {
	var b strings.Builder
	b.WriteString("guard: refused outbound payload with personal data not in placeholder form (")
	first := true
	for _, t := range piiTypes {
		if n := e.Types[t]; n > 0 {
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(t)
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(n))
		}
	}
	b.WriteByte(')')
	return b.String()
}

// Is reports whether target is ErrPersonalData.
func (e *EgressError) Is(target error) bool { return target == ErrPersonalData }

// CheckEgress scans the body of an outbound request to a language or
// embedding model and returns an *EgressError if it holds personal data that
// is not in placeholder form; placeholders such as [PERSON_1] are fine. A
// JSON body is scanned string by string after decoding, so escapes cannot
// hide a value and the short numbers of the request (temperature, token
// limits) are not mistaken for personal data; numbers of nine digits or more
// are scanned too. Any other body is scanned as text.
func (d *Detector) CheckEgress(payload []byte) error {
	counts := map[string]int{}
	scan := func(s string) {
		for _, f := range d.Detect(s) {
			counts[f.Type]++
		}
	}
	if json.Valid(payload) {
		if err := jsonStrings(payload, scan); err != nil {
			return fmt.Errorf("guard: egress check: %w", err)
		}
	} else {
		scan(string(payload))
	}
	if len(counts) > 0 {
		return &EgressError{Types: counts}
	}
	return nil
}

// jsonStrings calls fn with every string (object keys included) in the
// JSON document data, and with every number long enough to be an account
// or card number.
func jsonStrings(data []byte, fn func(string)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode json: %w", err)
		}
		switch v := tok.(type) {
		case string:
			fn(v)
		case json.Number:
			// A card or account number sent as a JSON number.
			if len(v) >= 9 {
				fn(string(v))
			}
		}
	}
}
