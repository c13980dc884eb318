// Package pii finds personal data in German and English text and keeps it
// away from language models. Detector.Detect reports e-mail addresses, phone
// numbers, IBANs, card numbers, tax, social security and VAT ids, IP
// addresses, dates of birth, postal addresses and person names as Findings:
// typed byte spans of the text it was given. A Vault replaces them with
// placeholders such as [PERSON_1] and restores them where a RestorePolicy
// allows; CheckEgress scans the body of a request to a model provider for
// personal data that is not in placeholder form; KeyedPseudonym and KeyedHash
// give stored values a stable, keyed stand-in.
//
// Its inputs are text (or an outbound JSON body) and DetectorOptions: names
// that must never count as persons, and the default phone region. It never
// sends text anywhere and never writes it down: it does no I/O, a Vault lives
// in memory only, and neither a Finding's JSON nor an EgressError carries a
// detected value.
package pii

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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

// piiTypes lists every type a Detector reports, in a fixed order.
var piiTypes = [...]string{TypeEmail, TypePhone, TypeIBAN, TypeCard, TypeTaxID, TypeSocialSecurity, TypeVATID,
	TypeIPAddress, TypeDateOfBirth, TypeAddress, TypePerson}

// Types returns every personal data type a Detector reports.
func Types() []string { return slices.Clone(piiTypes[:]) }

// DetectorOptions configure a Detector. The zero value is ready to use.
type DetectorOptions struct {
	// AllowList holds names that must never be reported as persons: the
	// brand, products, places and companies, typically taken from the
	// tenant's documents and brand pack. Entries match case-insensitively;
	// a single word never counts as part of a name, a phrase of several
	// words is exempt wherever it occurs whole.
	AllowList []string
	// Region is the default region (ISO 3166 alpha-2) for phone numbers
	// written in national form; empty means "DE".
	Region string
}

// Detector finds personal data in German and English text. It is safe for
// concurrent use.
//
// Detect makes one pass over the text that stops only at cheap anchors (an
// '@', the start of a digit run, the start of a word) and validates around
// each: e-mail syntax; phone numbers through libphonenumber
// (github.com/nyaruka/phonenumbers); IBAN mod 97; card numbers by issuer
// prefix, grouping and Luhn; the Steuer-ID by its digit-repetition rule and
// ISO 7064 MOD 11,10 check digit; the Rentenversicherungsnummer by its check
// digit; VAT ids by country format and, where published, check digits; IP
// addresses by parsing. Words are looked up once each in a folded lexicon
// that holds the first-name gazetteer and the cue words. A second pass over
// the words finds persons (after titles, roles, greetings, labels and
// sign-offs; a known first name followed by a surname; a known first name
// on its own, with a lower score), postal addresses and dates of birth
// (dates near a birth cue). Overlapping findings are resolved in favour of
// the longest, then the most certain.
type Detector struct {
	region      string
	fallback    []string            // regions tried after region for national numbers
	allowWords  map[string]bool     // folded single-word allow-list entries
	phraseIndex map[string][]string // folded word → multi-word allow-list entries holding it
	pool        sync.Pool           // *piiScan
}

// NewDetector returns a Detector configured by opts.
func NewDetector(opts DetectorOptions) *Detector {
	d := &Detector{region: strings.ToUpper(strings.TrimSpace(opts.Region)), allowWords: map[string]bool{}}
	if d.region == "" {
		d.region = "DE"
	}
	for _, r := range []string{"DE", "AT", "CH", "GB", "FR", "NL", "IT"} {
		if r != d.region {
			d.fallback = append(d.fallback, r)
		}
	}
	d.phraseIndex = map[string][]string{}
	for _, a := range append(slices.Clone(builtinAllowPhrases), opts.AllowList...) {
		words := strings.Fields(piiFoldString(a))
		switch len(words) {
		case 0:
		case 1:
			d.allowWords[words[0]] = true
		default:
			phrase := strings.Join(words, " ")
			for _, w := range words {
				if !slices.Contains(d.phraseIndex[w], phrase) {
					d.phraseIndex[w] = append(d.phraseIndex[w], phrase)
				}
			}
		}
	}
	d.pool.New = func() any { return &piiScan{} }
	return d
}

// Detect returns the personal data in text, sorted by position and without
// overlaps. Each finding's Value is text[Start:End].
func (d *Detector) Detect(text string) []Finding {
	s := d.pool.Get().(*piiScan)
	s.reset(d, text)
	s.scan()
	s.persons()
	s.addresses()
	s.birthDates()
	out := resolveFindings(s.found)
	// Keep no personal data in the pool.
	clear(s.found)
	clear(s.buf[:cap(s.buf)])
	s.text = ""
	d.pool.Put(s)
	return out
}

// piiScan is the state of one Detect call; it is pooled so that repeated
// calls reuse its slices.
type piiScan struct {
	d      *Detector
	text   string
	urlEnd int // the end of the URL being skipped
	toks   []piiToken
	found  []Finding
	dates  []piiDate
	buf    []byte
}

func (s *piiScan) reset(d *Detector, text string) {
	s.d, s.text = d, text
	s.toks, s.found, s.dates = s.toks[:0], s.found[:0], s.dates[:0]
	s.urlEnd = 0
}

func (s *piiScan) add(typ string, start, end int, score float64) {
	s.found = append(s.found, Finding{Type: typ, Start: start, End: end, Score: score, Value: s.text[start:end]})
}

// Token kinds and shapes.
const (
	piiWord = iota + 1
	piiNumber
)

const (
	piiShapeCap        = 1 << iota // word: upper-case first letter, some lower case after
	piiShapeUpper                  // word: all letters upper case
	piiShapeCode                   // word: contains digits
	piiShapeSingle                 // number: a digit run of its own, not part of a longer number
	piiShapeSuffix                 // number: directly followed by letters (12a, 12th, 221B)
	piiShapeStructured             // number: part of a reported finding
)

// token is a word or a group of digits.
type piiToken struct {
	s, e  int
	kind  uint8
	shape uint8
	flags lexFlags
}

func (t *piiToken) cap() bool { return t.shape&piiShapeCap != 0 }

// scan is the first pass: structured data at cheap anchors, and the tokens
// for the second pass.
func (s *piiScan) scan() {
	text := s.text
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if i < s.urlEnd {
			// Inside a URL only e-mail addresses count ("?email=…").
			if c == '@' {
				if st, e, ok := emailAt(text, i); ok {
					s.add(TypeEmail, st, e, 0.99)
					i = e
					continue
				}
			}
			i++
			continue
		}
		switch {
		case c == '@':
			if st, e, ok := emailAt(text, i); ok {
				s.add(TypeEmail, st, e, 0.99)
				s.dropTokensFrom(st)
				i = e
				continue
			}
		case piiIsDigit(c):
			if !piiAlnumBefore(text, i) {
				i = s.number(i)
				continue
			}
			for i < n && piiIsDigit(text[i]) {
				i++
			}
			continue
		case (c == '+' || c == '(') && i+1 < n && piiIsDigit(text[i+1]) && !piiAlnumBefore(text, i):
			i = s.number(i)
			continue
		case c == ':' && i+1 < n && text[i+1] == ':':
			if st, e, ok := ipv6Around(text, i); ok {
				s.add(TypeIPAddress, st, e, 0.95)
				s.dropTokensFrom(st)
				i = e
				continue
			}
			i += 2
			continue
		case c < utf8.RuneSelf:
			if c|0x20 >= 'a' && c|0x20 <= 'z' {
				i = s.word(i)
				continue
			}
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			if unicode.IsLetter(r) {
				i = s.word(i)
				continue
			}
			i += size
			continue
		}
		i++
	}
}

// dropTokensFrom forgets the tokens at or after start, which a finding
// found later (an e-mail address, an IPv6 address) has swallowed.
func (s *piiScan) dropTokensFrom(start int) {
	for len(s.toks) > 0 && s.toks[len(s.toks)-1].e > start {
		s.toks = s.toks[:len(s.toks)-1]
	}
}

// word reads the word starting at i, after checking for IBANs, VAT ids,
// URLs and IPv6 addresses that start with a letter, and returns its end.
func (s *piiScan) word(i int) int {
	text := s.text
	n := len(text)
	c := text[i]
	if piiAlnumBefore(text, i) {
		// Letters glued to a preceding digit ("12kg", "221B"): skip them.
		for i < n && piiWordByte(text[i]) {
			i++
		}
		if i < n && text[i] >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
		return i
	}
	if piiIsUpper(c) && i+3 < n && piiIsUpper(text[i+1]) {
		if e, ok := ibanAt(text, i); ok {
			s.add(TypeIBAN, i, e, 0.99)
			return e
		}
		if e, score, ok := vatAt(text, i); ok {
			s.add(TypeVATID, i, e, score)
			return e
		}
	}
	if e, ok := piiURLAt(text, i); ok {
		s.urlEnd = e
		return i + 1
	}
	// Read letters, digits and inner hyphens and apostrophes.
	e := i
	hasDigit, hasLower, hasUpper, hex := false, false, false, true
	first := true
	for e < n {
		b := text[e]
		if b < utf8.RuneSelf {
			switch {
			case b|0x20 >= 'a' && b|0x20 <= 'z':
				if b >= 'a' {
					hasLower = true
				} else if !first {
					hasUpper = true
				}
				if b|0x20 > 'f' {
					hex = false
				}
				e++
			case piiIsDigit(b):
				hasDigit = true
				e++
			case (b == '-' || b == '\'') && e+1 < n && piiLetterAt(text, e+1):
				hex = false
				e++
			default:
				goto done
			}
			first = false
			continue
		}
		r, size := utf8.DecodeRuneInString(text[e:])
		switch {
		case unicode.IsLetter(r):
			if unicode.IsLower(r) {
				hasLower = true
			} else if !first && unicode.IsUpper(r) {
				hasUpper = true
			}
		case r == '’' && e+size < n && piiLetterAt(text, e+size):
		default:
			goto done
		}
		hex = false
		first = false
		e += size
	}
done:
	if hex && e < n && text[e] == ':' && e-i <= 4 {
		if st, end, ok := ipv6Around(text, i); ok && st == i {
			s.add(TypeIPAddress, st, end, 0.95)
			return end
		}
	}
	// "Anna's", "Anna’s": the possessive is not part of the name.
	end := e
	if strings.HasSuffix(text[i:e], "'s") {
		end = e - 2
	} else if strings.HasSuffix(text[i:e], "’s") {
		end = e - len("’s")
	}
	t := piiToken{s: i, e: end, kind: piiWord}
	r0, _ := utf8.DecodeRuneInString(text[i:])
	switch {
	case hasDigit:
		t.shape = piiShapeCode
	case unicode.IsUpper(r0) && hasLower:
		t.shape = piiShapeCap
	case unicode.IsUpper(r0) && (hasUpper || end-i == 1):
		t.shape = piiShapeUpper
	}
	if !hasDigit && end-i <= piiMaxLexWord {
		s.buf = piiFold(s.buf[:0], text[i:end])
		t.flags = lexiconLookup(s.buf)
		if t.flags == 0 {
			// "Hans-Jörg", "Anna-Lena": a known first name before a hyphen
			// and a capitalised second part.
			if h := strings.IndexByte(text[i:end], '-'); h >= 3 && i+h+1 < end {
				if r, _ := utf8.DecodeRuneInString(text[i+h+1:]); unicode.IsUpper(r) {
					s.buf = piiFold(s.buf[:0], text[i:i+h])
					t.flags = lexiconLookup(s.buf) & lexFirst
				}
			}
		}
	}
	s.toks = append(s.toks, t)
	return e
}

// number classifies the run of digits and separators starting at i (a
// digit, '+' or '(') and returns the index to continue from.
func (s *piiScan) number(i int) int {
	text := s.text
	n := len(text)
	var groups [piiMaxGroups][2]int
	ng := 0
	j := i
	if text[j] == '+' || text[j] == '(' {
		j++
	}
	for j < n {
		c := text[j]
		if piiIsDigit(c) {
			gs := j
			for j < n && piiIsDigit(text[j]) {
				j++
			}
			if ng == piiMaxGroups {
				break
			}
			groups[ng] = [2]int{gs, j}
			ng++
			continue
		}
		if j+1 >= n {
			break
		}
		next := text[j+1]
		switch c {
		case ' ', '(':
			if piiIsDigit(next) || c == ' ' && next == '(' && j+2 < n && piiIsDigit(text[j+2]) {
				j++
				continue
			}
		case '-', '/', '.':
			if piiIsDigit(next) {
				j++
				continue
			}
		case ')':
			if piiIsDigit(next) {
				j++
				continue
			}
			if next == ' ' && j+2 < n && piiIsDigit(text[j+2]) {
				j += 2
				continue
			}
		}
		break
	}
	if ng == 0 {
		return i + 1
	}
	end := groups[ng-1][1]
	suffix := end < n && piiLetterAt(text, end)
	// Record the digit groups for the address and date pass.
	first := len(s.toks)
	for g := 0; g < ng; g++ {
		t := piiToken{s: groups[g][0], e: groups[g][1], kind: piiNumber}
		if ng == 1 && text[i] != '+' && text[i] != '(' {
			t.shape |= piiShapeSingle
		}
		if g == ng-1 && suffix {
			t.shape |= piiShapeSuffix
		}
		s.toks = append(s.toks, t)
	}
	if e, ok := s.classify(i, end, groups[:ng], suffix); ok {
		for k := first; k < len(s.toks); k++ {
			if s.toks[k].s < e {
				s.toks[k].shape |= piiShapeStructured
			}
		}
		return max(e, end)
	}
	return end
}

const piiMaxGroups = 12

// classify reports structured personal data in the number run
// text[i:end] and returns the end of the finding.
func (s *piiScan) classify(i, end int, groups [][2]int, suffix bool) (int, bool) {
	text := s.text
	run := text[i:end]
	var digits [32]byte
	nd := 0
	for k := 0; k < len(run) && nd < len(digits); k++ {
		if piiIsDigit(run[k]) {
			digits[nd] = run[k]
			nd++
		}
	}
	dg := string(digits[:nd])

	// German social insurance number: a letter sits inside it.
	if suffix || end < len(text) && text[end] == ' ' {
		if e, ok := socialSecurityAt(text, i); ok && !s.negativeBefore(i) {
			score := 0.9
			if s.cueBefore(i, lexSSNCue) {
				score = 0.99
			}
			s.add(TypeSocialSecurity, i, e, score)
			return e, true
		}
	}
	if suffix || piiAmount(text, i, end) || piiCodeBefore(text, i) {
		return 0, false
	}
	seps := piiSeparators(text, groups)
	if nd >= 4 && nd <= 12 && len(groups) == 4 && seps == "..." {
		if ipv4(groups, text) && !s.cueBefore(i, lexVersionCue) {
			s.add(TypeIPAddress, i, end, 0.95)
			return end, true
		}
		return 0, false
	}
	if len(groups) <= 4 && piiShortGroup(groups) && text[i] != '+' && text[i] != '(' {
		if e, ok := ipv6After(text, i, end); ok {
			s.add(TypeIPAddress, i, e, 0.95)
			return e, true
		}
	}
	if d, ok := numericDate(text, groups, seps); ok {
		s.dates = append(s.dates, d)
		return d.e, true
	}
	negative := s.negativeBefore(i)
	if nd >= 14 && nd <= 19 && !negative && text[i] != '+' && text[i] != '(' && cardGrouping(groups, seps) && cardIssuer(dg) && luhnValid(dg) {
		s.add(TypeCard, i, end, 0.95)
		return end, true
	}
	if nd == 11 && (seps == "" || strings.Trim(seps, " ") == "") && text[i] != '+' && text[i] != '(' && steuerID(dg) {
		switch {
		case s.cueBefore(i, lexTaxCue):
			s.add(TypeTaxID, i, end, 0.99)
			return end, true
		case !negative:
			s.add(TypeTaxID, i, end, 0.85)
			return end, true
		}
	}
	if nd >= 7 && nd <= 15 {
		if st, e, score, ok := s.phone(i, end, groups, seps, negative); ok {
			s.add(TypePhone, st, e, score)
			return e, true
		}
	}
	return 0, false
}

// phone validates the run (or a sub-run that drops up to two trailing
// groups, or starts at a later group with a trunk or international prefix)
// as a phone number.
func (s *piiScan) phone(i, end int, groups [][2]int, seps string, negative bool) (int, int, float64, bool) {
	text := s.text
	cue := s.cueBefore(i, lexPhoneCue)
	if negative && !cue {
		return 0, 0, 0, false
	}
	score := 0.85
	if cue {
		score = 0.95
	}
	starts := []int{0}
	for g := 1; g < len(groups) && len(starts) < 3; g++ {
		b := groups[g][0]
		if text[b] == '0' || b > 0 && (text[b-1] == '(' || text[b-1] == '+') && text[b-2] == ' ' {
			starts = append(starts, g)
		}
	}
	for _, g0 := range starts {
		st := groups[g0][0]
		if g0 == 0 {
			st = i
		} else if text[st-1] == '(' || text[st-1] == '+' {
			st--
		}
		for g1 := len(groups) - 1; g1 >= g0 && g1 >= len(groups)-3; g1-- {
			e := groups[g1][1]
			if s.validPhone(text[st:e], seps) {
				return st, e, score, true
			}
		}
	}
	return 0, 0, 0, false
}

// validPhone reports whether cand is a valid phone number in international
// form, in national form for the default or a fallback region, or in a
// national form typical of the US, Spain, Poland or Italy.
func (s *piiScan) validPhone(cand, seps string) bool {
	nd := 0
	for k := 0; k < len(cand); k++ {
		if piiIsDigit(cand[k]) {
			nd++
		}
	}
	if nd < 7 || nd > 15 {
		return false
	}
	switch {
	case cand[0] == '+' || strings.HasPrefix(cand, "00"):
		return phoneValid(cand, s.d.region)
	case cand[0] == '0' || strings.HasPrefix(cand, "(0"):
		if phoneValid(cand, s.d.region) {
			return true
		}
		for _, r := range s.d.fallback {
			if phoneValid(cand, r) {
				return true
			}
		}
		return false
	}
	// National forms without a trunk prefix need visible grouping.
	groups := strings.Count(cand, " ") + strings.Count(cand, "-") + strings.Count(cand, ".") + 1
	if cand[0] == '(' {
		groups++
	}
	switch {
	case nd == 10 && groups >= 3:
		return phoneValid(cand, "US") || phoneValid(cand, "IT") || s.d.region != "DE" && phoneValid(cand, s.d.region)
	case nd == 9 && groups >= 3:
		return phoneValid(cand, "ES") || phoneValid(cand, "PL") || s.d.region != "DE" && phoneValid(cand, s.d.region)
	}
	return false
}

// cueBefore reports whether one of the two words before position i (within
// 40 bytes) carries the lexicon flag f.
func (s *piiScan) cueBefore(i int, f lexFlags) bool {
	return s.cueBeforeFrom(len(s.toks)-1, i, f)
}

// cueBeforeFrom is cueBefore searching back from token index k.
func (s *piiScan) cueBeforeFrom(k, i int, f lexFlags) bool {
	seen := 0
	for ; k >= 0 && seen < 3; k-- {
		t := &s.toks[k]
		if t.s >= i {
			continue
		}
		if i-t.e > 40 {
			return false
		}
		if t.kind == piiWord {
			if t.flags&f != 0 {
				return true
			}
			seen++
		}
	}
	return false
}

// negativeBefore reports whether the number at i is labelled as an order,
// article, invoice or similar number rather than personal data.
func (s *piiScan) negativeBefore(i int) bool {
	if s.cueBefore(i, lexPhoneCue|lexTaxCue|lexSSNCue) {
		return false
	}
	if j := piiSkipBack(s.text, i); j > 0 && s.text[j-1] == '#' || strings.HasSuffix(s.text[:j], "№") {
		return true
	}
	return s.cueBefore(i, lexNegativeCue)
}

// piiSkipBack returns the index after the last non-space byte before i.
func piiSkipBack(text string, i int) int {
	for i > 0 && (text[i-1] == ' ' || text[i-1] == ':') {
		i--
	}
	return i
}

// piiAmount reports whether the number text[i:end] is a price or a decimal
// amount: followed by a decimal comma, or next to a currency sign or code,
// a percent sign or a unit.
func piiAmount(text string, i, end int) bool {
	if end+1 < len(text) && (text[end] == ',' || text[end] == '.') && piiIsDigit(text[end+1]) {
		return true
	}
	after := strings.TrimLeft(text[end:min(len(text), end+6)], " ")
	if strings.HasPrefix(after, "€") || strings.HasPrefix(after, "%") || strings.HasPrefix(after, "EUR") ||
		strings.HasPrefix(after, "CHF") || strings.HasPrefix(after, "$") || strings.HasPrefix(after, "£") {
		return true
	}
	before := strings.TrimRight(text[max(0, i-5):i], " ")
	return strings.HasSuffix(before, "€") || strings.HasSuffix(before, "$") || strings.HasSuffix(before, "£") ||
		strings.HasSuffix(before, "EUR") || strings.HasSuffix(before, "CHF") || strings.HasSuffix(before, "USD")
}

// piiCodeBefore reports whether the number at i continues a product or
// article code such as "EB-500" or "SKU-1234".
func piiCodeBefore(text string, i int) bool {
	if i < 2 {
		return false
	}
	c := text[i-1]
	return (c == '-' || c == '/' || c == '_' || c == '.' || c == '#') && piiWordByte(text[i-2])
}

// piiSeparators returns the separator bytes between the digit groups.
func piiSeparators(text string, groups [][2]int) string {
	if len(groups) < 2 {
		return ""
	}
	var b [piiMaxGroups]byte
	for g := 1; g < len(groups); g++ {
		sep := text[groups[g-1][1]:groups[g][0]]
		switch {
		case strings.Contains(sep, "("), strings.Contains(sep, ")"):
			b[g-1] = '('
		default:
			b[g-1] = sep[0]
		}
	}
	return string(b[:len(groups)-1])
}

func piiShortGroup(groups [][2]int) bool {
	return len(groups) == 1 && groups[0][1]-groups[0][0] <= 4
}

func piiIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func piiIsUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func piiWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_'
}

func piiLetterAt(text string, i int) bool {
	c := text[i]
	if c < utf8.RuneSelf {
		return c|0x20 >= 'a' && c|0x20 <= 'z'
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r)
}

// piiAlnumBefore reports whether the byte or rune before i is a letter, a
// digit or an underscore, so that i is inside a word or code.
func piiAlnumBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	c := text[i-1]
	if c < utf8.RuneSelf {
		return piiWordByte(c)
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// piiURLAt finds the end of a URL starting at i ("https://…", "www.…");
// names and numbers inside URLs are not reported, e-mail addresses are.
func piiURLAt(text string, i int) (int, bool) {
	rest := text[i:]
	switch {
	case strings.HasPrefix(rest, "http://"), strings.HasPrefix(rest, "https://"), strings.HasPrefix(rest, "www."):
	default:
		return 0, false
	}
	e := i
	for e < len(text) && text[e] > ' ' && text[e] != '"' && text[e] != '<' && text[e] != '>' && text[e] != ')' && text[e] != ']' {
		e++
	}
	return e, true
}

// resolveFindings drops overlapping findings, keeping the longest, then the
// most certain, then the earliest, and returns the rest sorted by Start in
// a new slice.
func resolveFindings(fs []Finding) []Finding {
	if len(fs) == 0 {
		return nil
	}
	slices.SortFunc(fs, func(a, b Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	out := make([]Finding, 0, len(fs))
	for i := 0; i < len(fs); {
		// A cluster: findings connected by overlaps.
		j, maxEnd := i+1, fs[i].End
		for j < len(fs) && fs[j].Start < maxEnd {
			maxEnd = max(maxEnd, fs[j].End)
			j++
		}
		if j == i+1 {
			out = append(out, fs[i])
		} else {
			out = append(out, pickFindings(fs[i:j])...)
		}
		i = j
	}
	return out
}

// pickFindings chooses among overlapping findings: longest first, then
// most certain, then earliest, skipping any that overlaps one chosen. The
// result is sorted by Start.
func pickFindings(cluster []Finding) []Finding {
	byPriority := slices.Clone(cluster)
	slices.SortStableFunc(byPriority, func(a, b Finding) int {
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return a.Start - b.Start
	})
	var picked []Finding
	for _, f := range byPriority {
		if f, ok := fitFinding(f, picked); ok {
			picked = append(picked, f)
		}
	}
	slices.SortFunc(picked, func(a, b Finding) int { return a.Start - b.Start })
	return picked
}

// fitFinding returns f if it overlaps none of picked. A person's name that
// runs into a chosen finding after it keeps the words before that finding:
// on a flattened address line ("Tom Whitaker Gumpendorfer Straße 88/12 1060
// Wien") the name candidate takes the street's first word, the address
// wins, and dropping the whole name would leave "Tom Whitaker" in the
// pseudonymised text, where Detect finds it on a second look.
func fitFinding(f Finding, picked []Finding) (Finding, bool) {
	for _, p := range picked {
		if f.Start >= p.End || p.Start >= f.End {
			continue
		}
		if f.Type != TypePerson || f.Start >= p.Start {
			return f, false
		}
		v := f.Value[:p.Start-f.Start]
		if r, _ := utf8.DecodeLastRuneInString(v); unicode.IsLetter(r) {
			// The chosen finding starts inside a word: drop that word.
			i := strings.LastIndexFunc(v, unicode.IsSpace)
			if i < 0 {
				return f, false
			}
			v = v[:i]
		}
		v = strings.TrimRightFunc(v, func(r rune) bool { return !unicode.IsLetter(r) })
		if v == "" {
			return f, false
		}
		f.Value, f.End = v, f.Start+len(v)
	}
	return f, true
}
