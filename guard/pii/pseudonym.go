package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Vault holds the placeholders of one request. Texts pseudonymised with
// the same vault (the brief, the retrieved chunks, the audience attributes)
// share it: the same value, as normalised for its type, always gets the
// same placeholder, such as [PERSON_1] or [EMAIL_2]. The mapping lives only
// in memory and is never serialised. A Vault is safe for concurrent use.
type Vault struct {
	det    *Detector
	mu     sync.Mutex
	byKey  map[string]string // type + NUL + normalised value → placeholder
	values map[string]string // placeholder → original spelling
	next   [len(piiTypes)]int
}

// NewVault returns an empty vault that finds personal data with d.
func (d *Detector) NewVault() *Vault {
	return &Vault{det: d, byKey: map[string]string{}, values: map[string]string{}}
}

// Pseudonymise replaces the personal data in text by placeholders in a new
// vault and returns the text, the vault (to restore with later) and the
// findings, whose offsets refer to the original text.
func (d *Detector) Pseudonymise(text string) (string, *Vault, []Finding) {
	v := d.NewVault()
	out, fs := v.Pseudonymise(text)
	return out, v, fs
}

// Redact replaces the personal data in text by placeholders and forgets
// the mapping; it returns the text and the findings.
func (d *Detector) Redact(text string) (string, []Finding) {
	return d.NewVault().Pseudonymise(text)
}

// Pseudonymise replaces the personal data in text by placeholders and
// returns the text and the findings (with offsets into the original text).
//
// Text that already looks like one of the vault's placeholders is
// replaced as well, by a fresh placeholder that restores to that literal
// text; so an input cannot forge a placeholder that would restore to a
// value found elsewhere, and restoring everything gives the input back.
func (v *Vault) Pseudonymise(text string) (string, []Finding) {
	fs := v.det.Detect(text)
	literals := placeholderSpans(text)
	if len(fs) == 0 && len(literals) == 0 {
		return text, fs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var b strings.Builder
	b.Grow(len(text) + 8*len(fs))
	last, li := 0, 0
	emitLiterals := func(upTo int) {
		for ; li < len(literals) && literals[li].s < upTo; li++ {
			l := literals[li]
			if l.s < last {
				continue
			}
			b.WriteString(text[last:l.s])
			b.WriteString(v.placeholder(l.typ, "\x01"+text[l.s:l.e], text[l.s:l.e]))
			last = l.e
		}
	}
	for _, f := range fs {
		emitLiterals(f.Start)
		if f.Start < last {
			continue // cannot happen: literals and findings do not overlap
		}
		b.WriteString(text[last:f.Start])
		b.WriteString(v.placeholder(f.Type, NormaliseValue(f.Type, f.Value), f.Value))
		last = f.End
	}
	emitLiterals(len(text))
	b.WriteString(text[last:])
	return b.String(), fs
}

// placeholder returns the placeholder for the value with the given
// normalised key, issuing the next one for its type if it is new. The
// caller holds v.mu.
func (v *Vault) placeholder(typ, key, original string) string {
	k := typ + "\x00" + key
	if p, ok := v.byKey[k]; ok {
		return p
	}
	i := typeIndex(typ)
	v.next[i]++
	p := "[" + typ + "_" + strconv.Itoa(v.next[i]) + "]"
	v.byKey[k] = p
	v.values[p] = original
	return p
}

// Len returns how many distinct values the vault holds.
func (v *Vault) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.values)
}

// Counts returns how many placeholders the vault has issued per type.
func (v *Vault) Counts() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for i, n := range v.next {
		if n > 0 {
			out[piiTypes[i]] = n
		}
	}
	return out
}

// RestorePolicy is the set of personal data types Restore may put back into
// a text. The zero value, RestoreNothing, allows none: a public post never
// gets personal data back.
type RestorePolicy struct {
	mask uint32
}

// RestoreNothing keeps every placeholder.
var RestoreNothing = RestorePolicy{}

// RestoreTypes returns a policy that allows the given types, for example
// RestoreTypes(TypePerson) for a 1:1 customer reply that greets by name.
// Unknown types are ignored.
func RestoreTypes(types ...string) RestorePolicy {
	var p RestorePolicy
	for _, t := range types {
		if i := typeIndex(t); i >= 0 {
			p.mask |= 1 << i
		}
	}
	return p
}

// RestoreAll returns a policy that allows every type.
func RestoreAll() RestorePolicy { return RestorePolicy{mask: 1<<len(piiTypes) - 1} }

// Allows reports whether the policy lets values of type typ back in.
func (p RestorePolicy) Allows(typ string) bool {
	i := typeIndex(typ)
	return i >= 0 && p.mask&(1<<i) != 0
}

// Restore puts back the values of the placeholders whose type the policy
// allows. Placeholders of other types, and any the vault did not issue
// (unknown or forged), stay as they are.
func (v *Vault) Restore(text string, allow RestorePolicy) string {
	if allow.mask == 0 {
		return text
	}
	spans := placeholderSpans(text)
	if len(spans) == 0 {
		return text
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if !allow.Allows(sp.typ) {
			continue
		}
		orig, ok := v.values[text[sp.s:sp.e]]
		if !ok {
			continue
		}
		b.WriteString(text[last:sp.s])
		b.WriteString(orig)
		last = sp.e
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// placeholderSpan is a placeholder-shaped span of text, such as
// "[PERSON_12]".
type placeholderSpan struct {
	s, e int
	typ  string
}

// placeholderSpans returns the spans of text shaped like placeholders of
// the personal data types, in order.
func placeholderSpans(text string) []placeholderSpan {
	var out []placeholderSpan
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			break
		}
		i += j
		if typ, e, ok := placeholderAt(text, i); ok {
			out = append(out, placeholderSpan{s: i, e: e, typ: typ})
			i = e
			continue
		}
		i++
	}
	return out
}

// placeholderAt parses "[TYPE_N]" at i, with TYPE a personal data type and
// N a positive number without leading zeros.
func placeholderAt(text string, i int) (string, int, bool) {
	j := i + 1
	for j < len(text) && j-i < 40 && (piiIsUpper(text[j]) || text[j] == '_' || piiIsDigit(text[j])) {
		j++
	}
	if j >= len(text) || text[j] != ']' {
		return "", 0, false
	}
	body := text[i+1 : j]
	u := strings.LastIndexByte(body, '_')
	if u <= 0 || u == len(body)-1 || body[u+1] == '0' || !piiAllDigits(body[u+1:], len(body)-u-1) {
		return "", 0, false
	}
	typ := body[:u]
	if typeIndex(typ) < 0 {
		return "", 0, false
	}
	return piiTypes[typeIndex(typ)], j + 1, true
}

func typeIndex(typ string) int {
	for i, t := range piiTypes {
		if t == typ {
			return i
		}
	}
	return -1
}

// KeyedPseudonym returns a deterministic pseudonym for a personal data
// value, for storage: "[TYPE_" followed by 32 hex digits of HMAC-SHA256
// under key over the type, a zero byte and NormaliseValue(typ, value), and
// "]". The same value under the same key always gives the same pseudonym;
// without the key it can be neither reversed nor matched against guesses.
// Restore never replaces it.
func KeyedPseudonym(key []byte, typ, value string) string {
	return "[" + typ + "_" + hex.EncodeToString(KeyedHash(key, typ, value)[:16]) + "]"
}

// KeyedHash is the HMAC-SHA256 under key of the type, a zero byte and the
// normalised value: the same for every spelling of one value, and without
// the key neither reversible nor matchable against guesses. Indexes of
// personal data store it instead of the value.
func KeyedHash(key []byte, typ, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(typ))
	m.Write([]byte{0})
	m.Write([]byte(NormaliseValue(typ, value)))
	return m.Sum(nil)
}

// phoneRegions are tried in order to read a national phone number when
// normalising it.
var phoneRegions = [...]string{"DE", "AT", "CH", "GB", "FR", "NL", "IT", "US", "ES", "PL"}

// NormaliseValue returns the canonical form of a personal data value of the
// given type, so that different spellings of one value compare equal:
// e-mail addresses lower-cased; phone numbers in E.164 (national numbers
// read as German first, then as the other supported regions); IBANs, card,
// tax, social security and VAT numbers without piiSeparators in upper case;
// IP addresses in their canonical text form; dates of birth as YYYY-MM-DD;
// names, addresses and anything else case-folded with single spaces.
func NormaliseValue(typ, value string) string {
	v := strings.TrimSpace(norm.NFKC.String(value))
	switch typ {
	case TypeEmail:
		return strings.ToLower(v)
	case TypePhone:
		// phoneValid remembers what Detect just validated.
		for _, r := range phoneRegions {
			if !phoneValid(v, r) {
				continue
			}
			if num, ok := parsePhone(v, r); ok {
				return phonenumbers.Format(num, phonenumbers.E164)
			}
		}
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, v)
	case TypeIBAN, TypeCard, TypeTaxID, TypeSocialSecurity, TypeVATID:
		return strings.ToUpper(strings.Map(func(r rune) rune {
			switch r {
			case ' ', '-', '.', '/', '\u00a0':
				return -1
			}
			return r
		}, v))
	case TypeIPAddress:
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
		return strings.ToLower(v)
	case TypeDateOfBirth:
		if iso, ok := isoDate(v); ok {
			return iso
		}
	}
	return strings.Join(strings.Fields(cases.Fold().String(v)), " ")
}

// monthNumbers maps folded month names and abbreviations to their number.
var monthNumbers = map[string]int{
	"januar": 1, "jänner": 1, "january": 1, "jan": 1, "februar": 2, "february": 2, "feb": 2, "märz": 3,
	"maerz": 3, "march": 3, "mär": 3, "mar": 3, "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6,
	"june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
	"sept": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "dezember": 12,
	"december": 12, "dez": 12, "dec": 12,
}

// isoDate reads a date as the detector finds them and returns it as
// YYYY-MM-DD.
func isoDate(v string) (string, bool) {
	var nums []string
	month := 0
	for _, f := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ' ' || r == '.' || r == '-' || r == '/' || r == ','
	}) {
		if f != "" && piiIsDigit(f[0]) {
			f = strings.TrimRight(f, "stndrh") // "12th"
		}
		if m, ok := monthNumbers[f]; ok {
			month = m
			continue
		}
		if f != "" && piiAllDigits(f, len(f)) {
			nums = append(nums, f)
		}
	}
	var y, m, d int
	switch {
	case month > 0 && len(nums) == 2:
		d, _ = strconv.Atoi(nums[0])
		y, _ = strconv.Atoi(nums[1])
		m = month
	case month == 0 && len(nums) == 3 && len(nums[0]) == 4:
		y, _ = strconv.Atoi(nums[0])
		m, _ = strconv.Atoi(nums[1])
		d, _ = strconv.Atoi(nums[2])
	case month == 0 && len(nums) == 3:
		d, _ = strconv.Atoi(nums[0])
		m, _ = strconv.Atoi(nums[1])
		y, _ = strconv.Atoi(nums[2])
		if strings.Contains(v, "/") && m > 12 && d <= 12 {
			d, m = m, d
		}
		if len(nums[2]) == 2 {
			y += 1900
			if y < 1930 {
				y += 100
			}
		}
	default:
		return "", false
	}
	if d < 1 || d > 31 || m < 1 || m > 12 || y < 1000 {
		return "", false
	}
	return strconv.Itoa(y) + "-" + piiPad2(m) + "-" + piiPad2(d), true
}

func piiPad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
