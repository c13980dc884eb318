package guard

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Vault holds the placeholders of one request: the same value (as
// normalised for its type) always gets the same placeholder, and the
// mapping lives only in memory, for that request.
type Vault struct {
	det      *Detector
	byValue  map[string]string // type + normalised value → placeholder
	original map[string]string // placeholder → first original spelling
	next     map[string]int
}

// NewVault returns an empty vault that pseudonymises with det.
func (d *Detector) NewVault() *Vault {
	return &Vault{det: d, byValue: map[string]string{}, original: map[string]string{}, next: map[string]int{}}
}

// Pseudonymise replaces the personal data in text by typed placeholders
// such as [PERSON_1] and [EMAIL_2] and returns the text and the findings
// (with offsets into the original text).
func (v *Vault) Pseudonymise(text string) (string, []Finding) {
	fs := v.det.Detect(text)
	if len(fs) == 0 {
		return text, fs
	}
	var b strings.Builder
	last := 0
	for _, f := range fs {
		b.WriteString(text[last:f.Start])
		b.WriteString(v.placeholder(f.Type, f.Value))
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String(), fs
}

func (v *Vault) placeholder(typ, value string) string {
	key := typ + "\x00" + NormaliseValue(typ, value)
	if p, ok := v.byValue[key]; ok {
		return p
	}
	v.next[typ]++
	p := fmt.Sprintf("[%s_%d]", typ, v.next[typ])
	v.byValue[key] = p
	v.original[p] = value
	return p
}

// Len returns how many distinct values the vault holds.
func (v *Vault) Len() int { return len(v.original) }

// Counts returns the number of distinct values per type.
func (v *Vault) Counts() map[string]int {
	out := map[string]int{}
	for t, n := range v.next {
		out[t] = n
	}
	return out
}

// RestorePolicy says which types may be put back into a text.
type RestorePolicy map[string]bool

// RestoreNothing keeps every placeholder: public texts never get personal
// data back.
var RestoreNothing = RestorePolicy{}

var placeholderPattern = regexp.MustCompile(`\[([A-Z_]+)_(\d+)\]`)

// Restore puts back the values of placeholders whose type the policy
// allows (a 1:1 customer reply may greet by name); other placeholders, and
// any the vault did not issue, stay as they are.
func (v *Vault) Restore(text string, allow RestorePolicy) string {
	return placeholderPattern.ReplaceAllStringFunc(text, func(p string) string {
		m := placeholderPattern.FindStringSubmatch(p)
		if !allow[m[1]] {
			return p
		}
		if orig, ok := v.original[p]; ok {
			return orig
		}
		return p
	})
}

// Redact replaces personal data by placeholders in a vault of its own.
func (d *Detector) Redact(text string) (string, []Finding) {
	return d.NewVault().Pseudonymise(text)
}

// ErrPersonalData matches every *EgressError.
var ErrPersonalData = errors.New("personal data in an outbound payload")

// EgressError reports personal data found in a payload about to leave the
// service; it holds counts per type, never the values.
type EgressError struct {
	Types map[string]int
}

func (e *EgressError) Error() string {
	types := make([]string, 0, len(e.Types))
	for t, n := range e.Types {
		types = append(types, fmt.Sprintf("%s×%d", t, n))
	}
	sort.Strings(types)
	return "guard: refused to send personal data to a model provider (" + strings.Join(types, ", ") + ")"
}

// Is matches ErrPersonalData.
func (e *EgressError) Is(target error) bool { return target == ErrPersonalData }

// CheckEgress scans an outbound request body for personal data that is not
// in placeholder form. JSON bodies are scanned string by string (so escapes
// cannot hide a value); anything else as text.
func (d *Detector) CheckEgress(payload []byte) error {
	var texts []string
	var v any
	if json.Unmarshal(payload, &v) == nil {
		collectStrings(v, &texts)
	} else {
		texts = []string{string(payload)}
	}
	counts := map[string]int{}
	for _, t := range texts {
		for _, f := range d.Detect(t) {
			counts[f.Type]++
		}
	}
	if len(counts) > 0 {
		return &EgressError{Types: counts}
	}
	return nil
}

func collectStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, x := range v {
			collectStrings(x, out)
		}
	case map[string]any:
		for _, x := range v {
			collectStrings(x, out)
		}
	}
}

// NormaliseValue returns the canonical form of a personal data value of
// the given type, so that different spellings of one value share a keyed
// hash: e-mail addresses lower-cased, phone numbers in E.164 (national
// numbers read as German), account and id numbers without separators,
// names and everything else case-folded with single spaces.
func NormaliseValue(typ, v string) string {
	v = strings.TrimSpace(norm.NFKC.String(v))
	switch typ {
	case "EMAIL":
		return strings.ToLower(v)
	case "PHONE":
		if num, err := phonenumbers.Parse(v, "DE"); err == nil {
			return phonenumbers.Format(num, phonenumbers.E164)
		}
		return digitsOnly(v)
	case "IBAN", "CARD", "TAX_ID", "SOCIAL_SECURITY", "VAT_ID":
		return strings.ToUpper(strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' || r == '.' || r == '/' {
				return -1
			}
			return r
		}, v))
	}
	return strings.Join(strings.Fields(strings.ToLower(v)), " ")
}

func digitsOnly(v string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '+' {
			return r
		}
		return -1
	}, v)
}
