package guard

import (
	"net/netip"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Personal data types a Detector reports.
const (
	TypeEmail          = "EMAIL"
	TypePhone          = "PHONE"
	TypeIBAN           = "IBAN"
	TypeCard           = "CARD"
	TypeTaxID          = "TAX_ID"
	TypeSocialSecurity = "SOCIAL_SECURITY"
	TypeVATID          = "VAT_ID"
	TypeIPAddress      = "IP_ADDRESS"
	TypeDateOfBirth    = "DATE_OF_BIRTH"
	TypeAddress        = "ADDRESS"
	TypePerson         = "PERSON"
)

// DetectorOptions configure a Detector.
type DetectorOptions struct {
	// AllowList holds names that are never persons: the brand, products,
	// cities, companies (typically from the tenant's documents and brand
	// pack). Matching is case-insensitive, by whole words.
	AllowList []string
	// Region is the default region for national phone numbers ("DE").
	Region string
}

// Detector finds personal data in German and English text.
//
// It makes one pass over the text looking for cheap anchors (an '@', a
// digit, an upper-case letter pair, a cue word or a capitalised word) and
// validates around each: e-mail syntax, phone numbers through libphonenumber
// (nyaruka/phonenumbers), IBAN mod-97, card Luhn, the Steuer-ID and
// Rentenversicherungsnummer check digits, IP syntax; dates only count as
// birth dates after a birth cue; names need a cue (Herr, Frau, Kundin, Mr,
// Dear, a greeting or sign-off) or a known first name followed by a
// capitalised word. Overlaps are resolved for the longest, then the most
// certain finding.
type Detector struct {
	allow  map[string]bool
	region string
}

// NewDetector returns a Detector.
func NewDetector(opts DetectorOptions) *Detector {
	d := &Detector{allow: map[string]bool{}, region: opts.Region}
	if d.region == "" {
		d.region = "DE"
	}
	for _, a := range opts.AllowList {
		for _, w := range strings.Fields(strings.ToLower(a)) {
			d.allow[w] = true
		}
	}
	return d
}

// Detect returns the personal data findings in text, sorted by position,
// without overlaps.
func (d *Detector) Detect(text string) []Finding {
	var fs []Finding
	add := func(typ string, s, e int, score float64) {
		if s < 0 || e > len(text) || s >= e {
			return
		}
		fs = append(fs, Finding{Type: typ, Start: s, End: e, Score: score, Value: text[s:e]})
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '@':
			if s, e, ok := emailAt(text, i); ok {
				add(TypeEmail, s, e, 0.99)
				i = e
				continue
			}
		case c >= '0' && c <= '9' || c == '+' && i+1 < len(text) && isDigitByte(text[i+1]):
			if i > 0 && (isWordByte(text[i-1]) || text[i-1] == '.' && i > 1 && isDigitByte(text[i-2])) {
				break // inside a word, code or number already passed
			}
			e := d.numbers(text, i, add)
			if e > i {
				i = e
				continue
			}
		case c >= 'A' && c <= 'Z':
			if i+3 < len(text) && text[i+1] >= 'A' && text[i+1] <= 'Z' && (i == 0 || !isWordByte(text[i-1])) {
				if e, ok := ibanAt(text, i); ok {
					add(TypeIBAN, i, e, 0.99)
					i = e
					continue
				}
				if e, ok := vatAt(text, i); ok {
					add(TypeVATID, i, e, 0.9)
					i = e
					continue
				}
			}
		case c == ':' || (c >= 'a' && c <= 'f'):
			// IPv6 anchors on "::" or hex groups; checked in numbers for digits.
			if c == ':' && i+1 < len(text) && text[i+1] == ':' {
				if s, e, ok := ipv6Around(text, i); ok {
					add(TypeIPAddress, s, e, 0.95)
					i = e
					continue
				}
			}
		}
		i++
	}
	lower, ws := asciiLower(text), wordSpans(text)
	fs = append(fs, d.addresses(text, lower, ws)...)
	fs = append(fs, d.persons(text, lower, ws)...)
	fs = append(fs, birthDates(text, lower, ws)...)
	return resolve(fs)
}

// numbers classifies the run of digits and separators starting at i and
// returns its end, or i when nothing was found.
func (d *Detector) numbers(text string, i int, add func(string, int, int, float64)) int {
	// The run: digits with single separators (space, '-', '/', '.', '()').
	e := i
	if text[e] == '+' {
		e++
	}
	lastDigit := e
	for e < len(text) {
		c := text[e]
		switch {
		case isDigitByte(c):
			e++
			lastDigit = e
		case (c == ' ' || c == '-' || c == '/' || c == '.' || c == '(' || c == ')') && e+1 < len(text) &&
			(isDigitByte(text[e+1]) || text[e+1] == '(' || c == ')' && text[e+1] == ' '):
			e++
		default:
			goto done
		}
	}
done:
	end := lastDigit
	// Social insurance numbers carry a letter inside.
	if e2, ok := socialSecurityAt(text, i); ok {
		add(TypeSocialSecurity, i, e2, 0.95)
		return e2
	}
	// A run that is not personal data is skipped whole: its tail must not
	// be read again as a number of its own.
	if end < len(text) && (isWordByte(text[end]) && !isDigitByte(text[end])) {
		return end // "4006381333931A", "12kg": part of a code or unit
	}
	if end < len(text) && text[end] == ',' && end+1 < len(text) && isDigitByte(text[end+1]) {
		return end // a decimal amount
	}
	run := text[i:end]
	digits := digitsOf(run)
	n := len(digits)
	// IPv4.
	if strings.Count(run, ".") == 3 && !strings.ContainsAny(run, " -/()") {
		if a, err := netip.ParseAddr(run); err == nil && a.Is4() {
			add(TypeIPAddress, i, end, 0.95)
			return end
		}
	}
	// IPv6 starting with digits.
	if end < len(text) && text[end] == ':' {
		if s, e2, ok := ipv6Around(text, end); ok && s == i {
			add(TypeIPAddress, s, e2, 0.95)
			return e2
		}
	}
	// Payment cards: 13-19 digits, Luhn, grouped in fours or not at all.
	if n >= 13 && n <= 19 && luhn(digits) && cardGrouping(run) && !strings.HasPrefix(run, "+") && !strings.HasPrefix(digits, "0") {
		add(TypeCard, i, end, 0.95)
		return end
	}
	// Steuer-ID: 11 digits, check digit.
	if n == 11 && !strings.HasPrefix(run, "+") && steuerID(digits) && !strings.ContainsAny(run, "-/()") {
		add(TypeTaxID, i, end, 0.9)
		return end
	}
	// Phone numbers: international (+, 00) or national (leading 0).
	if n >= 7 && n <= 15 && (run[0] == '+' || run[0] == '0' || run[0] == '(') {
		if num, err := phonenumbers.Parse(run, d.region); err == nil && phonenumbers.IsValidNumber(num) {
			add(TypePhone, i, end, 0.9)
			return end
		}
	}
	return end
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigitByte(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func luhn(d string) bool {
	sum, alt := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if alt {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		alt = !alt
	}
	return sum%10 == 0
}

// cardGrouping accepts card numbers written without separators or in
// groups of four (Amex: 4-6-5).
func cardGrouping(run string) bool {
	groups := strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '-' })
	if len(groups) == 1 {
		return !strings.ContainsAny(run, "./()")
	}
	if len(groups) == 3 && len(groups[0]) == 4 && len(groups[1]) == 6 && len(groups[2]) == 5 {
		return true // American Express
	}
	for i, g := range groups {
		last := i == len(groups)-1
		if len(g) != 4 && !(last && len(g) == 3 && len(groups) == 5) {
			return false
		}
	}
	return true
}

// steuerID checks a German tax identification number: first digit not 0,
// among the first ten digits exactly one digit twice or thrice (the rest
// once), and the ISO 7064 MOD 11,10 check digit.
func steuerID(d string) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	var count [10]int
	for i := 0; i < 10; i++ {
		count[d[i]-'0']++
	}
	multi, missing := 0, 0
	for _, c := range count {
		switch {
		case c == 0:
			missing++
		case c == 2 || c == 3:
			multi++
		case c > 3:
			return false
		}
	}
	if multi != 1 || (missing != 1 && missing != 2) {
		return false
	}
	product := 10
	for i := 0; i < 10; i++ {
		sum := (int(d[i]-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check == int(d[10]-'0')
}

// socialSecurityAt checks a German Rentenversicherungsnummer at i:
// 2 digits area, 6 digits birth date (DDMMYY), a letter (initial of the
// birth name), 2 digits serial and a check digit; spaces allowed between
// the parts.
func socialSecurityAt(text string, i int) (int, bool) {
	var parts []byte
	e := i
	for e < len(text) && len(parts) < 12 {
		c := text[e]
		switch {
		case isDigitByte(c) || (len(parts) == 8 && (c >= 'A' && c <= 'Z')):
			parts = append(parts, c)
		case c == ' ' && len(parts) > 0 && e+1 < len(text) && text[e+1] != ' ':
		default:
			return 0, false
		}
		e++
	}
	if len(parts) != 12 || (e < len(text) && isWordByte(text[e])) {
		return 0, false
	}
	day, month := int(parts[2]-'0')*10+int(parts[3]-'0'), int(parts[4]-'0')*10+int(parts[5]-'0')
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return 0, false
	}
	letter := int(parts[8]-'A') + 1
	digits := []int{int(parts[0] - '0'), int(parts[1] - '0'), int(parts[2] - '0'), int(parts[3] - '0'),
		int(parts[4] - '0'), int(parts[5] - '0'), int(parts[6] - '0'), int(parts[7] - '0'),
		letter / 10, letter % 10, int(parts[9] - '0'), int(parts[10] - '0')}
	weights := []int{2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1}
	sum := 0
	for k, dgt := range digits {
		p := dgt * weights[k]
		sum += p/10 + p%10
	}
	return e, sum%10 == int(parts[11]-'0')
}

// emailAt finds an e-mail address around the '@' at i.
func emailAt(text string, at int) (int, int, bool) {
	local := func(c byte) bool {
		return isWordByte(c) && c < 0x80 || strings.IndexByte(".+-%'", c) >= 0
	}
	s := at
	for s > 0 && local(text[s-1]) {
		s--
	}
	for s < at && text[s] == '.' {
		s++
	}
	e := at + 1
	dots, lastDot := 0, -1
	for e < len(text) && (isWordByte(text[e]) && text[e] < 0x80 || text[e] == '-' || text[e] == '.') {
		if text[e] == '.' {
			if e+1 >= len(text) || !isWordByte(text[e+1]) {
				break
			}
			dots++
			lastDot = e
		}
		e++
	}
	if s == at || dots == 0 || e-lastDot < 3 {
		return 0, 0, false
	}
	for k := lastDot + 1; k < e; k++ {
		if !(text[k] >= 'a' && text[k] <= 'z' || text[k] >= 'A' && text[k] <= 'Z') {
			return 0, 0, false
		}
	}
	return s, e, true
}

// ibanLength is the IBAN length per country (ISO 13616 registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
	"IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
	"SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// ibanAt checks for an IBAN at i, with or without single spaces.
func ibanAt(text string, i int) (int, bool) {
	want, ok := ibanLength[text[i:i+2]]
	if !ok || !isDigitByte(text[i+2]) || !isDigitByte(text[i+3]) {
		return 0, false
	}
	var b []byte
	e := i
	for e < len(text) && len(b) < want {
		c := text[e]
		switch {
		case isDigitByte(c) || c >= 'A' && c <= 'Z':
			b = append(b, c)
		case c >= 'a' && c <= 'z':
			b = append(b, c-32)
		case c == ' ' && e+1 < len(text) && text[e+1] != ' ' && len(b) > 0:
		default:
			return 0, false
		}
		e++
	}
	if len(b) != want || (e < len(text) && isWordByte(text[e])) {
		return 0, false
	}
	// mod 97 of the rearranged number, letters as 10..35.
	r := append(b[4:], b[:4]...)
	rem := 0
	for _, c := range r {
		if isDigitByte(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return e, rem == 1
}

// vatPattern is the length of the national part of EU VAT ids after the
// country code, digits only unless noted.
var vatDigits = map[string][2]int{"DE": {9, 9}, "AT": {8, 8}, "FR": {11, 11}, "IT": {11, 11}, "ES": {9, 9},
	"NL": {12, 12}, "BE": {10, 10}, "PL": {10, 10}, "DK": {8, 8}, "SE": {12, 12}, "FI": {8, 8}, "LU": {8, 8},
	"PT": {9, 9}, "IE": {8, 9}, "CZ": {8, 10}, "HU": {8, 8}, "SK": {10, 10}, "SI": {8, 8}, "HR": {11, 11}}

// vatAt checks for an EU VAT id such as DE123456789 or ATU12345678 at i.
func vatAt(text string, i int) (int, bool) {
	cc := text[i : i+2]
	lim, ok := vatDigits[cc]
	if !ok {
		return 0, false
	}
	e := i + 2
	if cc == "AT" && e < len(text) && text[e] == 'U' {
		e++
	}
	if e < len(text) && text[e] == ' ' {
		e++
	}
	start := e
	for e < len(text) && (isDigitByte(text[e]) || (cc == "NL" && text[e] == 'B') || (cc == "ES" || cc == "IE" || cc == "FR") && text[e] >= 'A' && text[e] <= 'Z') {
		e++
	}
	n := e - start
	if n < lim[0] || n > lim[1] || (e < len(text) && isWordByte(text[e])) {
		return 0, false
	}
	return e, true
}

// ipv6Around finds an IPv6 address containing the position i.
func ipv6Around(text string, i int) (int, int, bool) {
	hex := func(c byte) bool {
		return isDigitByte(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
	}
	s, e := i, i
	for s > 0 && hex(text[s-1]) {
		s--
	}
	for e < len(text) && hex(text[e]) {
		e++
	}
	for e > s && (text[e-1] == '.' || text[e-1] == ':' && !(e-2 >= s && text[e-2] == ':')) {
		e--
	}
	if s > 0 && isWordByte(text[s-1]) || e < len(text) && isWordByte(text[e]) || strings.Count(text[s:e], ":") < 2 {
		return 0, 0, false
	}
	a, err := netip.ParseAddr(text[s:e])
	if err != nil || !a.Is6() || a.Is4In6() && strings.Count(text[s:e], ":") < 3 {
		return 0, 0, false
	}
	return s, e, true
}

// resolve drops overlapping findings, keeping the longest, then the most
// certain, and sorts by position.
func resolve(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		li, lj := fs[i].End-fs[i].Start, fs[j].End-fs[j].Start
		if li != lj {
			return li > lj
		}
		return fs[i].Score > fs[j].Score
	})
	var out []Finding
	for _, f := range fs {
		overlaps := false
		for _, o := range out {
			if f.Start < o.End && o.Start < f.End {
				overlaps = true
				break
			}
		}
		if !overlaps {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// words returns the word spans of text (letters, with inner hyphens and
// apostrophes), for the name and address detectors.
type wordSpan struct{ s, e int }

func wordSpans(text string) []wordSpan {
	out := make([]wordSpan, 0, len(text)/6+1)
	letterAt := func(i int) (bool, int) {
		c := text[i]
		if c < 0x80 {
			return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z', 1
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		return unicode.IsLetter(r), size
	}
	i := 0
	for i < len(text) {
		ok, size := letterAt(i)
		if !ok {
			i += size
			continue
		}
		s := i
		for i < len(text) {
			ok, size = letterAt(i)
			if ok {
				i += size
				continue
			}
			if (text[i] == '-' || text[i] == '\'') && i+1 < len(text) && isLetterAt(text, i+1) {
				i++
				continue
			}
			break
		}
		out = append(out, wordSpan{s, i})
	}
	return out
}

func isLetterAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r)
}

func capitalised(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) || len(w) < 2 {
		return false
	}
	// All-caps words are acronyms or product codes, not names.
	rest := w[size:]
	return strings.IndexFunc(rest, unicode.IsLower) >= 0
}
