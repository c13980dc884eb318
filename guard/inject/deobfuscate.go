package inject

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"kontext/guard/internal/textnorm"
)

// variants returns the readings of text the model scores, given text
// folded by textnorm.Fold (confusables, zero-width characters and full-width forms undone by
// textnorm.Fold) with leetspeak and letter spacing undone, and, when the text
// reads better that way, its rot13 decoding. The scanner takes the highest
// score over them, so that obfuscation cannot lower the score.
func variants(text, ft string) []string {
	rs := readings(text, ft)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.text
	}
	return out
}

// reading is one of the readings variants returns, with the folded text it
// was deobfuscated from (src, of the length of the folded text unless the
// reading was decoded from a base64 blob).
type reading struct {
	text, src string
	decoded   bool
}

// readings is variants with where each reading comes from.
func readings(text, ft string) []reading {
	out := []reading{{text: deobfuscate(ft), src: ft}}
	if plain, rotated := commonWords(ft); rotated >= 3 && rotated > 2*plain {
		r := rot13(ft)
		out = append(out, reading{text: deobfuscate(r), src: r})
	}
	for _, blob := range base64Blobs(text, 4) {
		f := textnorm.Fold(blob).Text
		out = append(out, reading{text: deobfuscate(f), src: f, decoded: true})
	}
	return out
}

// alignBack maps offset i of deobfuscate(src) back to src: deobfuscate
// replaces leet signs byte for byte and drops the separators of letter
// spacing, so the two are walked together, skipping what was dropped.
func alignBack(deob, src string, i int) int {
	if len(deob) == len(src) {
		return i
	}
	a := 0
	for b := 0; b < i && b < len(deob); {
		if a >= len(src) {
			return len(src)
		}
		if src[a] == deob[b] || unleet(rune(src[a])) == rune(deob[b]) {
			b++
		}
		a++
	}
	return a
}

// base64Blobs returns up to limit base64 runs of text that decode to
// readable text.
func base64Blobs(text string, limit int) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < limit; {
		if !base64Byte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && base64Byte(text[j]) {
			j++
		}
		if j-i >= 24 {
			if dec, ok := decodeBase64Text(text[i:j]); ok {
				out = append(out, dec)
			}
		}
		i = j + 1
	}
	return out
}

// deobfuscate undoes letter spacing ("i g n o r e", "i.g.n.o.r.e") and
// leetspeak inside words ("1gn0r3", "pr0mpt") of folded text.
func deobfuscate(s string) string {
	s = unspace(s)
	var b []byte
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\n' {
			i++
			continue
		}
		j := i
		hasLeet, hasLetter := false, false
		for j < len(s) && s[j] != ' ' && s[j] != '\n' {
			c := s[j]
			if unleet(rune(c)) != 0 {
				hasLeet = true
			} else if 'a' <= c && c <= 'z' || c >= 0x80 {
				hasLetter = true
			}
			j++
		}
		if hasLeet && hasLetter && leety(s[i:j]) {
			if b == nil {
				b = []byte(s)
			}
			for k := i; k < j; k++ {
				if l := unleet(rune(s[k])); l != 0 {
					b[k] = byte(l)
				}
			}
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(b)
}

// unleet returns the letter a leet digit or sign stands for, or 0.
func unleet(r rune) rune {
	switch r {
	case '0':
		return 'o'
	case '1', '!':
		return 'i'
	case '3':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7':
		return 't'
	case '8':
		return 'b'
	case '|':
		return 'l'
	}
	return 0
}

// leety reports whether a word mixes letters with leet digits or signs
// ("1gn0r3"), as opposed to a number, a price or a product code such as
// "350ml" (digits only before letters, no letter between them).
func leety(w string) bool {
	w = strings.TrimRight(w, " .,;:?\n\t")
	letters, leets, switches := 0, 0, 0
	prevLetter := false
	for i, r := range w {
		isL := unicode.IsLetter(r)
		isLeet := unleet(r) != 0
		if isL {
			letters++
		} else if isLeet {
			leets++
		} else {
			return false
		}
		if i > 0 && isL != prevLetter {
			switches++
		}
		prevLetter = isL
	}
	return letters >= 2 && leets >= 1 && switches >= 2
}

// unspace joins runs of at least four single letters separated by one space,
// dot, dash or underscore ("i g n o r e" → "ignore"); two spaces or more end
// a word of the run.
func unspace(s string) string {
	if len(s) < 7 || !maybeSpaced(s) {
		return s
	}
	var b strings.Builder
	i := 0
	changed := false
	for i < len(s) {
		j, letters := spacedRun(s, i)
		if letters >= 4 {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:i])
				changed = true
			}
			k := i
			for k < j {
				r, n := utf8.DecodeRuneInString(s[k:])
				switch {
				case unicode.IsLetter(r):
					b.WriteRune(r)
				case k+n < j && (s[k+n] == ' ' || s[k+n] == '.' || s[k+n] == '-' || s[k+n] == '_'):
					// two separators in a row separate words
					b.WriteByte(' ')
					for k+n < j && (s[k+n] == ' ' || s[k+n] == '.' || s[k+n] == '-' || s[k+n] == '_') {
						n++
					}
				}
				k += n
			}
			i = j
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		if changed {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	if !changed {
		return s
	}
	return b.String()
}

// maybeSpaced is a quick test for four ASCII letters standing alone, each
// followed by a separator ("i g n o").
func maybeSpaced(s string) bool {
	sep := func(c byte) bool { return c == ' ' || c == '.' || c == '-' || c == '_' }
	letter := func(c byte) bool { return 'a' <= c && c <= 'z' }
	for i := 0; i+7 <= len(s); i++ {
		if letter(s[i]) && sep(s[i+1]) && (i == 0 || !letter(s[i-1])) {
			k, n := i, 0
			for k+1 < len(s) && letter(s[k]) && sep(s[k+1]) && (k+2 >= len(s) || !letter(s[k+2]) || k+3 >= len(s) || !letter(s[k+3])) {
				n++
				k += 2
				for k < len(s) && sep(s[k]) {
					k++
				}
			}
			if n >= 3 {
				return true
			}
		}
	}
	return false
}

// spacedRun measures a run of single letters starting at i, each followed by
// separators; it returns the end of the run and the number of letters.
func spacedRun(s string, i int) (int, int) {
	if i > 0 {
		p, _ := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsLetter(p) || unicode.IsDigit(p) {
			return i, 0
		}
	}
	letters := 0
	end := i
	for k := i; k < len(s); {
		r, n := utf8.DecodeRuneInString(s[k:])
		if !unicode.IsLetter(r) {
			break
		}
		k += n
		// the letter must stand alone: followed by a separator or the end
		if k < len(s) {
			nr, _ := utf8.DecodeRuneInString(s[k:])
			if unicode.IsLetter(nr) || unicode.IsDigit(nr) {
				break
			}
		}
		letters++
		end = k
		seps := 0
		for k < len(s) && (s[k] == ' ' || s[k] == '.' || s[k] == '-' || s[k] == '_') && seps < 3 {
			k++
			seps++
		}
		if seps == 0 {
			break
		}
	}
	return end, letters
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case 'A' <= r && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

// common reports whether w is one of the frequent words that tell readable
// German or English text from rot13.
func common(w string) bool {
	switch w {
	case "the", "and", "you", "your", "all", "to", "of", "is", "ignore", "instructions", "previous", "prompt",
		"system", "say", "der", "die", "das", "und", "du", "alle", "ist", "nicht":
		return true
	}
	return false
}

// commonLen reports whether a word of n bytes can be one of the words
// common knows.
func commonLen(n int) bool {
	switch n {
	case 2, 3, 4, 5, 6, 8, 12:
		return true
	}
	return false
}

// commonWords counts frequent German and English words in folded text, as
// it stands and read in rot13.
func commonWords(s string) (plain, rotated int) {
	var buf [16]byte
	for i := 0; i < len(s); {
		if !('a' <= s[i] && s[i] <= 'z') {
			i++
			continue
		}
		j := i
		for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
			j++
		}
		if w := s[i:j]; commonLen(len(w)) {
			if common(w) {
				plain++
			}
			for k := 0; k < len(w); k++ {
				buf[k] = 'a' + (w[k]-'a'+13)%26
			}
			if common(string(buf[:len(w)])) {
				rotated++
			}
		}
		i = j
	}
	return plain, rotated
}
