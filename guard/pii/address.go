package pii

import (
	"bytes"
	"strings"
	"time"
)

// streetSuffixes end German street names written as one word.
var streetSuffixes = [...]string{"straße", "strasse", "str", "weg", "platz", "allee", "gasse", "ring", "damm", "ufer",
	"chaussee", "pfad", "steig", "stieg", "markt", "promenade", "twiete", "kamp", "zeile"}

// notRingWords end in "ring" without being streets.
var notRingWords = [...]string{"spring", "string", "ering", "bring", "wring", "during", "iring", "uring", "aring",
	"oring", "yring", "hring", "kring", "herring"}

// streetName reports whether a folded word is a German street name
// written as one word ("bahnhofstraße", "karl-marx-allee", "hauptstr").
func streetName(w []byte) bool {
	for _, suf := range streetSuffixes {
		if len(w) > len(suf)+2 && bytes.HasSuffix(w, []byte(suf)) {
			if suf == "ring" {
				for _, no := range notRingWords {
					if bytes.HasSuffix(w, []byte(no)) {
						return false
					}
				}
			}
			if suf == "weg" && bytes.HasSuffix(w, []byte("norweg")) {
				return false
			}
			if suf == "str" && w[len(w)-4] == 'e' { // "orchester", "semester"
				return false
			}
			return true
		}
	}
	return false
}

// addresses is the address pass over the tokens: German street and house
// number (optionally with postcode and city), postcode and city on their
// own, and English house number and street.
func (s *piiScan) addresses() {
	toks := s.toks
	lastEnd := -1
	for k := 0; k < len(toks); k++ {
		t := &toks[k]
		if t.kind != piiNumber || t.shape&piiShapeStructured != 0 || t.s < lastEnd {
			continue
		}
		nd := t.e - t.s
		if e, last, ok := s.postBox(k); ok {
			start := s.toks[k-1].s
			score := 0.8
			if pe, pl := s.postcodeCity(last+1, e); pe > 0 {
				e, last, score = pe, pl, 0.9
			}
			s.add(TypeAddress, start, e, score)
			lastEnd, k = e, last
			continue
		}
		if start, ok := s.germanStreet(k); ok && nd <= 3 {
			e, last := s.houseNumberEnd(k)
			if e < 0 {
				continue
			}
			score := 0.85
			if pe, pl := s.postcodeCity(last+1, e); pe > 0 {
				e, last, score = pe, pl, 0.9
			}
			s.add(TypeAddress, start, e, score)
			lastEnd, k = e, last
			continue
		}
		if e, last, ok := s.englishStreet(k); ok {
			s.add(TypeAddress, t.s, e, 0.85)
			lastEnd, k = e, last
			continue
		}
		if nd == 5 && t.shape&piiShapeSingle != 0 {
			if e, last := s.postcodeCity(k, -1); e > 0 {
				s.add(TypeAddress, t.s, e, 0.7)
				lastEnd, k = e, last
			}
		}
	}
}

// postBox reads the number of a German post office box ("Postfach 10 20
// 30") at token k and returns its end and last token.
func (s *piiScan) postBox(k int) (int, int, bool) {
	if k == 0 || s.toks[k-1].kind != piiWord || s.text[s.toks[k-1].e:s.toks[k].s] != " " {
		return 0, 0, false
	}
	if w := string(s.foldBytes(k - 1)); w != "postfach" && w != "pf" {
		return 0, 0, false
	}
	last := k
	for last+1 < len(s.toks) && last-k < 4 && s.toks[last+1].kind == piiNumber &&
		s.text[s.toks[last].e:s.toks[last+1].s] == " " && s.toks[last+1].e-s.toks[last+1].s <= 3 {
		last++
	}
	return s.toks[last].e, last, true
}

// germanStreet reports whether the number token k follows a German street
// name and returns where the street name starts.
func (s *piiScan) germanStreet(k int) (int, bool) {
	if k == 0 || s.toks[k].shape&piiShapeSuffix != 0 && !s.houseLetter(k) {
		return 0, false
	}
	p := k - 1
	if !s.streetGap(p, k) || s.toks[p].kind != piiWord || !s.toks[p].cap() {
		return 0, false
	}
	pt := &s.toks[p]
	switch {
	case pt.flags&lexStreet != 0:
		// "Berliner Straße 12", "Alte Gasse 3": a capitalised word before.
		q := p - 1
		if q < 0 || !s.adjacentWords(q, p) || !s.toks[q].cap() || s.toks[q].flags&(lexNotName|lexArticle) != 0 &&
			s.toks[q].flags&lexStreetPrep == 0 {
			return 0, false
		}
		if s.toks[q].flags&lexStreetPrep != 0 && !isAdjectiveForm(s.foldBytes(q)) {
			return 0, false // "Auf Platz 1"
		}
		return s.toks[q].s, true
	case streetName(s.foldBytes(p)):
		start := pt.s
		if q := p - 1; q >= 0 && s.adjacentWords(q, p) && s.toks[q].cap() && s.toks[q].flags&lexStreetPrep != 0 &&
			isAdjectiveForm(s.foldBytes(q)) {
			start = s.toks[q].s // "Alte Dorfstraße 5"
		}
		return start, true
	case pt.flags&(lexNotName|lexUnit|lexMonth|lexPlace|lexTitle|lexRole) == 0 && pt.flags&lexStreetPrep == 0:
		// "Am Hafen 3", "An der Alster 12", "Unter den Linden 5".
		q := p - 1
		if q >= 0 && s.adjacentWords(q, p) && s.toks[q].flags&lexArticle != 0 {
			q--
		}
		if q >= 0 && s.adjacentWords(q, q+1) && s.toks[q].cap() && s.toks[q].flags&lexStreetPrep != 0 &&
			!isAdjectiveForm(s.foldBytes(q)) {
			return s.toks[q].s, true
		}
	}
	return 0, false
}

// isAdjectiveForm reports whether a folded street-preposition word is one
// of the adjectives (alte, neue, große) rather than a preposition.
func isAdjectiveForm(w []byte) bool {
	switch string(w) {
	case "alte", "alter", "alten", "neue", "neuer", "neuen", "obere", "untere", "große", "kleine", "lange", "hohe":
		return true
	}
	return false
}

// houseLetter reports whether number token k is followed by exactly one
// letter ("12a", "221B").
func (s *piiScan) houseLetter(k int) bool {
	e := s.toks[k].e
	return e < len(s.text) && s.text[e]|0x20 >= 'a' && s.text[e]|0x20 <= 'z' && (e+1 >= len(s.text) || !piiLetterAt(s.text, e+1))
}

// streetGap reports whether the word p and the number k are separated by
// spaces, optionally after the period of "Str.".
func (s *piiScan) streetGap(p, k int) bool {
	gap := s.text[s.toks[p].e:s.toks[k].s]
	return gap == " " || gap == ". " || gap == "." || gap == "  "
}

// adjacentWords reports whether words a and b are separated by one space
// or a hyphen.
func (s *piiScan) adjacentWords(a, b int) bool {
	gap := s.text[s.toks[a].e:s.toks[b].s]
	return s.toks[a].kind == piiWord && (gap == " " || gap == "-")
}

// houseNumberEnd returns the end of the house number at token k ("12",
// "12a", "12-14", "12/1") and the index of its last token, or -1 when what
// follows shows the number is a quantity.
func (s *piiScan) houseNumberEnd(k int) (int, int) {
	text := s.text
	e, last := s.toks[k].e, k
	if s.houseLetter(k) {
		e++
	} else if k+1 < len(s.toks) && s.toks[k+1].kind == piiNumber && s.toks[k+1].e-s.toks[k+1].s <= 3 {
		if gap := text[e:s.toks[k+1].s]; gap == "-" || gap == "/" || gap == "–" {
			e, last = s.toks[k+1].e, k+1
		}
	}
	rest := strings.TrimLeft(text[e:], " ")
	if strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, "€") || strings.HasPrefix(rest, "x ") {
		return -1, 0
	}
	if last+1 < len(s.toks) && s.toks[last+1].kind == piiWord && s.toks[last+1].s-e <= 2 &&
		s.toks[last+1].flags&lexUnit != 0 {
		return -1, 0
	}
	return e, last
}

// postcodeCity reads "12345 City" (German five-digit postcode; after a
// street also the four digits of Austria and Switzerland) starting at
// token k, after an optional comma or line break when it follows a
// street. It returns the end of the city and its last token, or -1.
func (s *piiScan) postcodeCity(k, streetEnd int) (int, int) {
	if k >= len(s.toks) || s.toks[k].kind != piiNumber || s.toks[k].shape&piiShapeStructured != 0 {
		return -1, 0
	}
	t := &s.toks[k]
	afterStreet := streetEnd >= 0
	if afterStreet {
		if streetEnd > t.s {
			return -1, 0
		}
		gap := s.text[streetEnd:t.s]
		if len(gap) > 3 || strings.Trim(gap, " ,\n\r") != "" {
			return -1, 0
		}
	}
	nd := t.e - t.s
	if nd != 5 && !(afterStreet && nd == 4) || t.shape&piiShapeSuffix != 0 || strings.HasPrefix(s.text[t.s:], "00") {
		return -1, 0
	}
	c := k + 1
	if c >= len(s.toks) || s.text[t.e:s.toks[c].s] != " " || !s.toks[c].cap() ||
		s.toks[c].flags&(lexUnit|lexNotName|lexMonth) != 0 && s.toks[c].flags&lexPlace == 0 {
		return -1, 0
	}
	if !afterStreet && s.cueBeforeFrom(k-1, t.s, lexNegativeCue) {
		return -1, 0 // "Bestellnummer 12345 Versand"
	}
	e, last := s.toks[c].e, c
	// "Frankfurt am Main", "Halle (Saale)", "Neustadt an der Weinstraße".
	j := c + 1
	if j < len(s.toks) && s.adjacentWords(last, j) && s.toks[j].flags&(lexStreetPrep|lexArticle) != 0 && !s.toks[j].cap() {
		if j+1 < len(s.toks) && s.toks[j+1].flags&lexArticle != 0 && s.adjacentWords(j, j+1) {
			j++
		}
		if j+1 < len(s.toks) && s.adjacentWords(j, j+1) && s.toks[j+1].cap() {
			e, last = s.toks[j+1].e, j+1
		}
	} else if j < len(s.toks) && s.text[e:s.toks[j].s] == " (" && s.toks[j].cap() && s.toks[j].e < len(s.text) &&
		s.text[s.toks[j].e] == ')' {
		e, last = s.toks[j].e+1, j
	}
	return e, last
}

// englishStreet reads "221B Baker Street" or "10 Downing Street, London
// SW1A 2AA" starting at the number token k.
func (s *piiScan) englishStreet(k int) (int, int, bool) {
	t := &s.toks[k]
	if t.e-t.s > 5 || t.shape&piiShapeSuffix != 0 && !(s.houseLetter(k) && piiIsUpper(s.text[t.e])) {
		return 0, 0, false
	}
	gapEnd := t.e
	if t.shape&piiShapeSuffix != 0 {
		gapEnd++
	}
	j := k + 1
	words := 0
	for j < len(s.toks) && words < 4 {
		w := &s.toks[j]
		gap := s.text[gapEnd:w.s]
		if w.kind != piiWord || gap != " " || !w.cap() {
			return 0, 0, false
		}
		if w.flags&lexEnStreet != 0 && words > 0 {
			break
		}
		if w.flags&(lexNotName|lexUnit) != 0 && w.flags&lexPlace == 0 {
			return 0, 0, false
		}
		words++
		gapEnd = w.e
		j++
	}
	if j >= len(s.toks) || words == 0 || s.toks[j].flags&lexEnStreet == 0 {
		return 0, 0, false
	}
	e, last := s.toks[j].e, j
	if e < len(s.text) && s.text[e] == '.' && s.toks[j].e-s.toks[j].s <= 4 && e+1 < len(s.text) && s.text[e+1] != '\n' {
		// "St.", "Rd.", "Ave." inside a sentence; a period that ends the
		// sentence stays out.
		if next := strings.TrimLeft(s.text[e+1:], " "); next != "" && !piiIsUpper(next[0]) {
			e++
		}
	}
	// After the street: punctuation, a line end, a lower-case word, or the
	// end; a capitalised word means a title such as "Main Street Deals".
	rest := strings.TrimLeft(s.text[e:], " ")
	if rest != "" && piiIsUpper(rest[0]) && !strings.HasPrefix(s.text[e:], ",") {
		return 0, 0, false
	}
	// ", London SW1A 2AA", ", Springfield, IL 62704".
	if strings.HasPrefix(s.text[e:], ", ") {
		c := last + 1
		cityEnd, cityLast := -1, 0
		for n := 0; c < len(s.toks) && n < 3 && s.toks[c].cap() && s.toks[c].kind == piiWord; n++ {
			cityEnd, cityLast = s.toks[c].e, c
			c++
			if c < len(s.toks) && s.text[s.toks[c-1].e:s.toks[c].s] != " " {
				break
			}
		}
		if cityEnd > 0 {
			after := strings.TrimPrefix(s.text[cityEnd:], ",")
			after = strings.TrimPrefix(after, " ")
			if n := ukPostcode(after); n > 0 {
				pe := cityEnd + (len(s.text[cityEnd:]) - len(after)) + n
				return pe, s.lastTokenBefore(pe, cityLast), true
			}
			if n := usStateZip(after); n > 0 {
				pe := cityEnd + (len(s.text[cityEnd:]) - len(after)) + n
				return pe, s.lastTokenBefore(pe, cityLast), true
			}
		}
	}
	return e, last, true
}

// lastTokenBefore returns the index of the last token that starts before
// end, from k on.
func (s *piiScan) lastTokenBefore(end, k int) int {
	for k+1 < len(s.toks) && s.toks[k+1].s < end {
		k++
	}
	return k
}

// ukPostcode returns the length of a UK postcode at the start of t ("SW1A
// 2AA", "M1 1AE"), or 0.
func ukPostcode(t string) int {
	i := 0
	for i < len(t) && i < 2 && piiIsUpper(t[i]) {
		i++
	}
	if i == 0 || i >= len(t) || !piiIsDigit(t[i]) {
		return 0
	}
	i++
	if i < len(t) && (piiIsDigit(t[i]) || piiIsUpper(t[i])) {
		i++
	}
	if i+4 > len(t) || t[i] != ' ' || !piiIsDigit(t[i+1]) || !piiIsUpper(t[i+2]) || !piiIsUpper(t[i+3]) {
		return 0
	}
	if i+4 < len(t) && piiWordByte(t[i+4]) {
		return 0
	}
	return i + 4
}

// usStateZip returns the length of a US state code and ZIP code at the
// start of t ("IL 62704", "NY 10001-1234"), or 0.
func usStateZip(t string) int {
	if len(t) < 8 || !piiIsUpper(t[0]) || !piiIsUpper(t[1]) || t[2] != ' ' {
		return 0
	}
	i := 3
	for i < len(t) && i < 8 && piiIsDigit(t[i]) {
		i++
	}
	if i != 8 {
		return 0
	}
	if i+5 <= len(t) && t[i] == '-' && piiAllDigits(t[i+1:i+5], 4) {
		i += 5
	}
	if i < len(t) && piiWordByte(t[i]) {
		return 0
	}
	return i
}

// birthDates finds written-out dates ("12. März 1985", "March 12, 1985",
// "12th March 1985"), then reports every date next to a birth cue as a
// date of birth.
func (s *piiScan) birthDates() {
	toks := s.toks
	var cues []int
	for k := range toks {
		t := &toks[k]
		if t.kind == piiWord && t.flags&(lexBirth|lexBirthWeak) != 0 {
			cues = append(cues, k)
			continue
		}
		if t.kind != piiWord || t.flags&lexMonth == 0 {
			continue
		}
		// day before the month
		if k >= 1 && k+1 < len(toks) && s.day(k-1) && s.yearTok(k+1) {
			gap1, gap2 := s.text[toks[k-1].e:t.s], s.text[t.e:toks[k+1].s]
			if (gap1 == ". " || gap1 == " " || s.ordinalGap(k-1, gap1)) && (gap2 == " " || gap2 == ". ") {
				s.dates = append(s.dates, piiDate{s: toks[k-1].s, e: toks[k+1].e, year: s.num(k + 1)})
				continue
			}
		}
		// day after the month
		if k+2 < len(toks) && s.day(k+1) && s.yearTok(k+2) {
			gap1, gap2 := s.text[t.e:toks[k+1].s], s.text[toks[k+1].e:toks[k+2].s]
			if gap1 == " " && (gap2 == ", " || gap2 == " " || s.ordinalGap(k+1, gap2)) {
				s.dates = append(s.dates, piiDate{s: t.s, e: toks[k+2].e, year: s.num(k + 2)})
			}
		}
	}
	if len(cues) == 0 || len(s.dates) == 0 {
		return
	}
	thisYear := time.Now().Year()
	for _, d := range s.dates {
		if d.year < 1900 || d.year > thisYear {
			continue
		}
		for _, c := range cues {
			ct := &toks[c]
			near := ct.e <= d.s && d.s-ct.e <= 40 && s.sameSentence(ct.e, d.s, true) ||
				ct.s >= d.e && ct.s-d.e <= 30 && s.sameSentence(d.e, ct.s, false)
			if !near {
				continue
			}
			score := 0.9
			if ct.flags&lexBirth == 0 {
				if s.anniversary(c) {
					continue
				}
				score = 0.8
			}
			s.add(TypeDateOfBirth, d.s, d.e, score)
			break
		}
	}
}

// ordinalGap reports whether the gap after the number token k is an
// English ordinal suffix and a space ("12th ").
func (s *piiScan) ordinalGap(k int, gap string) bool {
	switch gap {
	case "st ", "nd ", "rd ", "th ", "st, ", "nd, ", "rd, ", "th, ":
		return s.toks[k].shape&piiShapeSuffix != 0
	}
	return false
}

// day reports whether token k is a day of the month.
func (s *piiScan) day(k int) bool {
	t := &s.toks[k]
	if t.kind != piiNumber || t.e-t.s > 2 {
		return false
	}
	v := s.num(k)
	return v >= 1 && v <= 31
}

// yearTok reports whether token k is a four-digit number.
func (s *piiScan) yearTok(k int) bool {
	t := &s.toks[k]
	return t.kind == piiNumber && t.e-t.s == 4 && t.shape&piiShapeSuffix == 0
}

func (s *piiScan) num(k int) int {
	v := 0
	for i := s.toks[k].s; i < s.toks[k].e; i++ {
		v = v*10 + int(s.text[i]-'0')
	}
	return v
}

// sameSentence reports whether text[a:b] crosses no sentence end or
// paragraph break. With afterCue, a period right at a is the cue's own
// abbreviation point ("geb. 12.03.1985").
func (s *piiScan) sameSentence(a, b int, afterCue bool) bool {
	between := s.text[a:b]
	if strings.ContainsAny(between, "!?") || strings.Contains(between, "\n\n") {
		return false
	}
	for i := 0; i+1 < len(between); i++ {
		if between[i] != '.' || between[i+1] != ' ' || afterCue && i == 0 {
			continue
		}
		if i+2 == len(between) || piiIsUpper(between[i+2]) {
			return false
		}
	}
	return true
}

// anniversary reports whether the weak birth cue at k is a company's or
// shop's birthday: "unser 10. Geburtstag", "our 5th birthday".
func (s *piiScan) anniversary(k int) bool {
	for j := k - 1; j >= 0 && j >= k-2; j-- {
		t := &s.toks[j]
		if t.kind == piiNumber || t.flags&lexOrdinal != 0 {
			return true
		}
	}
	return false
}
