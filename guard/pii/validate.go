package pii

import (
	"hash/maphash"
	"net/netip"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// emailAt finds an e-mail address around the '@' at at.
func emailAt(text string, at int) (int, int, bool) {
	local := func(c byte) bool {
		return piiWordByte(c) || c == '.' || c == '+' || c == '-' || c == '%' || c == '\''
	}
	s := at
	for s > 0 && at-s < 64 && local(text[s-1]) {
		s--
	}
	for s < at && (text[s] == '.' || text[s] == '\'' || text[s] == '-') {
		s++
	}
	if s == at || text[at-1] == '.' {
		return 0, 0, false
	}
	e := at + 1
	lastDot := -1
	for e < len(text) && e-at < 255 {
		c := text[e]
		if c == '.' {
			if e+1 >= len(text) || !piiWordByte(text[e+1]) || text[e-1] == '.' || text[e-1] == '@' {
				break
			}
			lastDot = e
		} else if !piiWordByte(c) && c != '-' {
			break
		}
		e++
	}
	if lastDot < 0 || e-lastDot < 3 || text[at+1] == '-' {
		return 0, 0, false
	}
	for k := lastDot + 1; k < e; k++ {
		if c := text[k] | 0x20; c < 'a' || c > 'z' {
			return 0, 0, false
		}
	}
	return s, e, true
}

// ibanLength is the IBAN length per country (ISO 13616 registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29,
	"PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// ibanAt checks for an IBAN at i, written without spaces or in groups
// separated by single spaces.
func ibanAt(text string, i int) (int, bool) {
	if i+4 > len(text) {
		return 0, false
	}
	want, ok := ibanLength[text[i:i+2]]
	if !ok || !piiIsDigit(text[i+2]) || !piiIsDigit(text[i+3]) {
		return 0, false
	}
	var b [34]byte
	nb := 0
	e := i
	for e < len(text) && nb < want {
		c := text[e]
		switch {
		case piiIsDigit(c) || piiIsUpper(c):
			b[nb] = c
			nb++
		case c == ' ' && nb >= 4 && e+1 < len(text) && piiWordByte(text[e+1]):
		default:
			return 0, false
		}
		e++
	}
	if nb != want || e < len(text) && piiWordByte(text[e]) {
		return 0, false
	}
	// mod 97 of the number with the first four characters moved to the
	// end and letters read as 10..35.
	rem := 0
	for k := 0; k < want; k++ {
		c := b[(k+4)%want]
		if piiIsDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return e, rem == 1
}

// vatAt checks for a VAT identification number at i: an EU country code
// (or CHE for Switzerland) and the national part in that country's format.
// Numbers whose check digit is published and verified score higher.
func vatAt(text string, i int) (int, float64, bool) {
	if i+4 > len(text) {
		return 0, 0, false
	}
	cc := text[i : i+2]
	e := i + 2
	if cc == "CH" && text[e] == 'E' {
		return vatCH(text, i)
	}
	if cc == "AT" && text[e] == 'U' {
		e++
	}
	if e < len(text) && text[e] == ' ' {
		e++
	}
	start := e
	var body [16]byte
	nb := 0
	for e < len(text) && nb < len(body) {
		c := text[e]
		switch {
		case piiIsDigit(c) || piiIsUpper(c):
			body[nb] = c
			nb++
		case (c == ' ' || c == '.') && nb > 0 && e+1 < len(text) && piiIsDigit(text[e+1]):
		default:
			goto read
		}
		e++
	}
read:
	if e == start || e < len(text) && piiWordByte(text[e]) {
		return 0, 0, false
	}
	v := string(body[:nb])
	// Where the check digit is published, a wrong one lowers the score but
	// does not clear the number: a mistyped VAT id still identifies.
	checked := func(ok bool) float64 {
		if ok {
			return 0.95
		}
		return 0.75
	}
	switch cc {
	case "DE":
		if piiAllDigits(v, 9) && v[0] != '0' {
			return e, checked(mod1110(v)), true
		}
	case "AT":
		if text[i+2] == 'U' && piiAllDigits(v, 8) {
			return e, checked(vatAT(v)), true
		}
	case "IT":
		if piiAllDigits(v, 11) {
			return e, checked(luhnValid(v)), true
		}
	case "BE":
		if piiAllDigits(v, 10) && (v[0] == '0' || v[0] == '1') {
			return e, checked(vatBE(v)), true
		}
	case "PL":
		if piiAllDigits(v, 10) {
			return e, checked(vatPL(v)), true
		}
	case "NL":
		if len(v) == 12 && piiAllDigits(v[:9], 9) && v[9] == 'B' && piiAllDigits(v[10:], 2) {
			return e, 0.9, true
		}
	case "FR":
		if len(v) == 11 && piiAllDigits(v[2:], 9) && piiWordByte(v[0]) && piiWordByte(v[1]) {
			return e, 0.85, true
		}
	case "ES":
		if len(v) == 9 && piiAllDigits(v[1:8], 7) {
			return e, 0.85, true
		}
	case "DK", "FI", "HU", "LU", "MT", "SI":
		if piiAllDigits(v, 8) {
			return e, 0.8, true
		}
	case "PT", "EL", "GR":
		if piiAllDigits(v, 9) {
			return e, 0.8, true
		}
	case "SE":
		if piiAllDigits(v, 12) && strings.HasSuffix(v, "01") {
			return e, 0.85, true
		}
	case "CZ":
		if piiAllDigits(v, len(v)) && len(v) >= 8 && len(v) <= 10 {
			return e, 0.8, true
		}
	case "SK", "HR", "RO", "BG":
		if piiAllDigits(v, len(v)) && len(v) >= 9 && len(v) <= 11 {
			return e, 0.8, true
		}
	case "IE":
		if len(v) >= 8 && len(v) <= 9 && piiIsDigit(v[0]) {
			return e, 0.8, true
		}
	}
	return 0, 0, false
}

// vatCH reads a Swiss UID such as "CHE-123.456.789" (optionally followed by
// MWST, TVA or IVA).
func vatCH(text string, i int) (int, float64, bool) {
	e := i + 3
	if e < len(text) && (text[e] == '-' || text[e] == ' ') {
		e++
	}
	var d []byte
	for e < len(text) && len(d) < 9 {
		c := text[e]
		switch {
		case piiIsDigit(c):
			d = append(d, c)
		case c == '.' && len(d) > 0 && len(d)%3 == 0:
		default:
			return 0, 0, false
		}
		e++
	}
	if len(d) != 9 || e < len(text) && piiWordByte(text[e]) {
		return 0, 0, false
	}
	weights := [8]int{5, 4, 3, 2, 7, 6, 5, 4}
	sum := 0
	for k, w := range weights {
		sum += int(d[k]-'0') * w
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 || check != int(d[8]-'0') {
		return 0, 0, false
	}
	for _, suf := range []string{" MWST", " TVA", " IVA"} {
		if strings.HasPrefix(text[e:], suf) {
			e += len(suf)
			break
		}
	}
	return e, 0.95, true
}

func piiAllDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for k := 0; k < len(s); k++ {
		if !piiIsDigit(s[k]) {
			return false
		}
	}
	return true
}

// mod1110 checks the last digit of d by ISO 7064 MOD 11,10, used by the
// German Steuer-ID and USt-IdNr.
func mod1110(d string) bool {
	product := 10
	for k := 0; k < len(d)-1; k++ {
		sum := (int(d[k]-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check == int(d[len(d)-1]-'0')
}

// vatAT checks an Austrian UID (the eight digits after "ATU").
func vatAT(d string) bool {
	sum := 0
	for k := 0; k < 7; k++ {
		v := int(d[k] - '0')
		if k%2 == 1 {
			v *= 2
			v = v/10 + v%10
		}
		sum += v
	}
	check := (96 - sum) % 10
	return check == int(d[7]-'0')
}

// vatBE checks a Belgian enterprise number: the last two digits are 97
// minus the first eight modulo 97.
func vatBE(d string) bool {
	n := 0
	for k := 0; k < 8; k++ {
		n = n*10 + int(d[k]-'0')
	}
	return 97-n%97 == int(d[8]-'0')*10+int(d[9]-'0')
}

// vatPL checks a Polish NIP.
func vatPL(d string) bool {
	weights := [9]int{6, 5, 7, 2, 3, 4, 5, 6, 7}
	sum := 0
	for k, w := range weights {
		sum += int(d[k]-'0') * w
	}
	return sum%11 != 10 && sum%11 == int(d[9]-'0')
}

// ipv4 reports whether the four groups (joined by dots) form an IPv4
// address in dotted decimal without leading zeros.
func ipv4(groups [][2]int, text string) bool {
	for _, g := range groups {
		part := text[g[0]:g[1]]
		if len(part) > 3 || len(part) > 1 && part[0] == '0' {
			return false
		}
		v := 0
		for k := 0; k < len(part); k++ {
			v = v*10 + int(part[k]-'0')
		}
		if v > 255 {
			return false
		}
	}
	end := groups[3][1]
	return end >= len(text) || !(text[end] == '.' && end+1 < len(text) && piiIsDigit(text[end+1]))
}

// ipv6After checks for an IPv6 address that starts with the digit group
// text[i:end] followed by a colon.
func ipv6After(text string, i, end int) (int, bool) {
	if end >= len(text) || text[end] != ':' {
		return 0, false
	}
	s, e, ok := ipv6Around(text, i)
	return e, ok && s == i
}

// ipv6Around finds an IPv6 address containing position i.
func ipv6Around(text string, i int) (int, int, bool) {
	hex := func(c byte) bool {
		return piiIsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
	}
	s, e := i, i
	for s > 0 && i-s < 45 && hex(text[s-1]) {
		s--
	}
	for e < len(text) && e-s < 45 && hex(text[e]) {
		e++
	}
	for s < e && (text[s] == '.' || text[s] == ':' && !(s+1 < e && text[s+1] == ':')) {
		s++
	}
	for e > s && (text[e-1] == '.' || text[e-1] == ':' && !(e-2 >= s && text[e-2] == ':')) {
		e--
	}
	if e-s < 3 || s > 0 && piiAlnumBefore(text, s) || e < len(text) && piiLetterAt(text, e) {
		return 0, 0, false
	}
	cand := text[s:e]
	colons := strings.Count(cand, ":")
	if colons < 2 || colons == 2 && !strings.Contains(cand, "::") {
		return 0, 0, false
	}
	a, err := netip.ParseAddr(cand)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return 0, 0, false
	}
	return s, e, true
}

// piiDate is a date found in the text: its span and its year (0 when the
// date has none).
type piiDate struct {
	s, e int
	year int
}

// numericDate reads "12.03.1985", "12.3.85", "1985-03-12", "12/03/1985" or
// "03/12/1985" from the groups of a number run.
func numericDate(text string, groups [][2]int, seps string) (piiDate, bool) {
	if len(groups) != 3 || seps != ".." && seps != "--" && seps != "//" {
		return piiDate{}, false
	}
	val := func(g [2]int) (int, int) {
		v := 0
		for k := g[0]; k < g[1]; k++ {
			v = v*10 + int(text[k]-'0')
		}
		return v, g[1] - g[0]
	}
	a, la := val(groups[0])
	b, lb := val(groups[1])
	c, lc := val(groups[2])
	var day, month, year int
	switch {
	case la == 4 && seps == "--" && lb <= 2 && lc <= 2:
		year, month, day = a, b, c
	case la <= 2 && lb <= 2 && (lc == 4 || lc == 2):
		day, month, year = a, b, c
		if seps == "//" && month > 12 && day <= 12 {
			day, month = month, day
		}
		if lc == 2 {
			year += 1900
			if year < 1930 {
				year += 100
			}
		}
	default:
		return piiDate{}, false
	}
	if day < 1 || day > 31 || month < 1 || month > 12 || year < 1900 || year > 2100 {
		return piiDate{}, false
	}
	return piiDate{s: groups[0][0], e: groups[2][1], year: year}, true
}

// cardGrouping accepts card numbers written without piiSeparators, in groups
// of four separated consistently by spaces or hyphens (the last group may
// be shorter), or in the 4-6-5 and 4-6-4 groupings of Amex and Diners.
func cardGrouping(groups [][2]int, seps string) bool {
	if len(groups) == 1 {
		return true
	}
	if strings.Trim(seps, " ") != "" && strings.Trim(seps, "-") != "" {
		return false
	}
	lens := make([]int, len(groups))
	for k, g := range groups {
		lens[k] = g[1] - g[0]
	}
	if len(lens) == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4) {
		return true
	}
	for k, l := range lens {
		if l != 4 && !(k == len(lens)-1 && l >= 1 && l < 4) {
			return false
		}
	}
	return true
}

// cardIssuer reports whether the digits start with the prefix of a card
// scheme and have a length that scheme issues: Visa, Mastercard, American
// Express, Diners, Discover, JCB, Maestro, UnionPay.
func cardIssuer(d string) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4':
		return n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p2 == 36 || p2 == 38 || p2 == 30:
		return n == 14 || n == 16
	case p4 == 6011, p2 == 65, p4 >= 6440 && p4 <= 6499:
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case p2 == 62:
		return n >= 16 && n <= 19
	case p2 == 50, p2 >= 56 && p2 <= 69:
		return n >= 14 && n <= 19
	}
	return false
}

func luhnValid(d string) bool {
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

// steuerID checks a German tax identification number (Steuer-ID): eleven
// digits, the first not 0; among the first ten exactly one digit occurs
// twice or three times and every other at most once, a digit never three
// times in a row; and the eleventh is the ISO 7064 MOD 11,10 check digit.
func steuerID(d string) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	var count [10]int
	for k := 0; k < 10; k++ {
		count[d[k]-'0']++
		if k >= 2 && d[k] == d[k-1] && d[k] == d[k-2] {
			return false
		}
	}
	repeated := 0
	for _, c := range count {
		switch {
		case c == 2 || c == 3:
			repeated++
		case c > 3:
			return false
		}
	}
	return repeated == 1 && mod1110(d)
}

// socialSecurityAt checks for a German social insurance number
// (Rentenversicherungsnummer) at i: area number (2 digits), birth date
// (DDMMYY), the initial of the birth name, a serial number (2 digits) and
// a check digit, optionally with single spaces between the parts.
func socialSecurityAt(text string, i int) (int, bool) {
	var p [12]byte
	np := 0
	e := i
	for e < len(text) && np < 12 {
		c := text[e]
		switch {
		case np == 8 && piiIsUpper(c):
			p[np] = c
			np++
		case np != 8 && piiIsDigit(c):
			p[np] = c
			np++
		case c == ' ' && (np == 2 || np == 8 || np == 9 || np == 11) && e+1 < len(text) && text[e+1] != ' ':
		default:
			return 0, false
		}
		e++
	}
	if np != 12 || e < len(text) && piiWordByte(text[e]) {
		return 0, false
	}
	num := func(k int) int { return int(p[k]-'0')*10 + int(p[k+1]-'0') }
	area, day, month := num(0), num(2), num(4)
	if area < 2 || area > 89 || day < 1 || day > 31 && (day < 51 || day > 81) || month < 1 || month > 12 {
		return 0, false
	}
	letter := int(p[8]-'A') + 1
	digits := [12]int{int(p[0] - '0'), int(p[1] - '0'), int(p[2] - '0'), int(p[3] - '0'),
		int(p[4] - '0'), int(p[5] - '0'), int(p[6] - '0'), int(p[7] - '0'),
		letter / 10, letter % 10, int(p[9] - '0'), int(p[10] - '0')}
	weights := [12]int{2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1}
	sum := 0
	for k, dg := range digits {
		v := dg * weights[k]
		sum += v/10 + v%10
	}
	return e, sum%10 == int(p[11]-'0')
}

// trunkPrefix is the national (trunk) prefix dropped from national
// numbers of the supported regions; Italy keeps its leading zero.
var trunkPrefix = map[string]string{"DE": "0", "AT": "0", "CH": "0", "GB": "0", "FR": "0", "NL": "0", "BE": "0",
	"LU": "", "IT": "", "ES": "", "PL": "", "US": "1", "DK": "", "SE": "0", "PT": "", "IE": "0", "CZ": "", "GR": ""}

// phoneValid reports whether libphonenumber considers cand a valid phone
// number, with region as the region of a number written in national form.
// International numbers (+, 00) and national numbers of the supported
// regions are read directly from their digits, which spares the general
// parser; anything else goes through phonenumbers.Parse.
func phoneValid(cand, region string) bool {
	// The key is a seeded hash, so the cache neither keeps numbers nor pins
	// the texts they came from.
	key := maphash.String(phoneCache.seed, cand+"\x00"+region)
	phoneCache.mu.Lock()
	valid, ok := phoneCache.m[key]
	phoneCache.mu.Unlock()
	if ok {
		return valid
	}
	valid = phoneValidUncached(cand, region)
	phoneCache.mu.Lock()
	if len(phoneCache.m) >= phoneCacheSize {
		clear(phoneCache.m)
	}
	phoneCache.m[key] = valid
	phoneCache.mu.Unlock()
	return valid
}

// phoneCache remembers recent validation results: libphonenumber's checks
// cost microseconds, and the same numbers recur (signatures, hotlines).
var phoneCache = struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[uint64]bool
}{seed: maphash.MakeSeed(), m: map[uint64]bool{}}

const phoneCacheSize = 4096

func phoneValidUncached(cand, region string) bool {
	num, ok := parsePhone(cand, region)
	return ok && phonenumbers.IsValidNumber(num)
}

// parsePhone reads a phone number with phoneNumberOf's fast path, or else
// with libphonenumber's general parser.
func parsePhone(cand, region string) (*phonenumbers.PhoneNumber, bool) {
	if num, ok := phoneNumberOf(cand, region); ok {
		return num, true
	}
	num, err := phonenumbers.Parse(cand, region)
	return num, err == nil
}

// phoneNumberOf reads a phone number from its written form: digits with
// spaces, hyphens, slashes, dots and parentheses, "(0)" after the country
// code dropped. It reports false when the form needs the general parser.
func phoneNumberOf(cand, region string) (*phonenumbers.PhoneNumber, bool) {
	var d [20]byte
	nd := 0
	intl := cand[0] == '+'
	for i := 0; i < len(cand); i++ {
		c := cand[i]
		switch {
		case piiIsDigit(c):
			if nd == len(d) {
				return nil, false
			}
			d[nd] = c
			nd++
		case c == '(' && intl && nd > 0 && strings.HasPrefix(cand[i:], "(0)"):
			i += 2 // "+49 (0)171": the trunk prefix in parentheses
		}
	}
	digits := string(d[:nd])
	if !intl && strings.HasPrefix(digits, "00") {
		intl, digits = true, digits[2:]
	}
	var cc int
	national := digits
	if intl {
		for l := 1; l <= 3 && l < len(digits); l++ {
			v := 0
			for k := 0; k < l; k++ {
				v = v*10 + int(digits[k]-'0')
			}
			if phonenumbers.GetRegionCodeForCountryCode(v) != phonenumbers.UNKNOWN_REGION {
				cc, national = v, digits[l:]
				break
			}
		}
		if cc == 0 {
			return nil, false
		}
	} else {
		trunk, ok := trunkPrefix[region]
		if !ok {
			return nil, false
		}
		if trunk != "" {
			if !strings.HasPrefix(national, trunk) {
				if region != "US" {
					return nil, false
				}
			} else {
				national = national[len(trunk):]
			}
		}
		cc = phonenumbers.GetCountryCodeForRegion(region)
	}
	if len(national) < 4 || len(national) > 14 {
		return nil, false
	}
	var nn uint64
	for k := 0; k < len(national); k++ {
		nn = nn*10 + uint64(national[k]-'0')
	}
	cc32 := int32(cc)
	num := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
	if zeros := len(national) - len(strings.TrimLeft(national, "0")); zeros > 0 {
		t := true
		num.ItalianLeadingZero = &t
		if zeros > 1 {
			z := int32(zeros)
			num.NumberOfLeadingZeros = &z
		}
	}
	return num, true
}

// ServiceNumber reports whether phone, a number as written in a text, is a
// toll-free, shared-cost, premium-rate or universal access number (0800,
// 0180, 0900, 0808, 0345 …): lines a business publishes for its customers,
// never a person's own number. National forms are read for the detector's
// region first and then for its fallback regions, as Detect reads them.
// Detect still reports such numbers: whether one may be published is the
// caller's decision.
func (d *Detector) ServiceNumber(phone string) bool {
	if phone == "" {
		return false
	}
	regions := append([]string{d.region}, d.fallback...)
	if phone[0] == '+' || strings.HasPrefix(phone, "00") {
		regions = regions[:1]
	}
	for _, r := range regions {
		num, ok := parsePhone(phone, r)
		if !ok || !phonenumbers.IsValidNumber(num) {
			continue
		}
		switch phonenumbers.GetNumberType(num) {
		case phonenumbers.TOLL_FREE, phonenumbers.SHARED_COST, phonenumbers.PREMIUM_RATE, phonenumbers.UAN:
			return true
		}
		return false
	}
	return false
}
