package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations never end a sentence when followed by a period. Single
// letters ("z. B.", "u. a.", "e.g.") are covered by the initial rule.
var abbreviations = setOf(
	// German
	"bzw", "ca", "dr", "prof", "nr", "vgl", "ggf", "evtl", "inkl", "exkl", "zzgl", "sog", "bspw", "hr", "fr",
	"st", "geb", "allg", "entspr", "zt", "mio", "mrd", "akt", "hrsg", "lt", "ref", "bzgl", "ggü", "abt",
	"dt", "engl", "gem", "ff", "ursp", "urspr", "verh", "zb", "ua", "dh", "jh", "jhd", "tsd",
	// English
	"mr", "mrs", "ms", "messrs", "vs", "approx", "incl", "excl", "dept", "jr", "sr", "inc", "ltd", "co",
	"corp", "mt", "al", "resp", "cf", "eg", "ie", "viz", "govt", "univ", "assn", "bros",
)

// numberAbbreviations end no sentence before a number ("Art. 6", "No. 5",
// "Tel. 0831", "Jan. 2026") but may end one otherwise ("The answer is
// no. Then ...").
var numberAbbreviations = setOf(
	"no", "nos", "art", "abs", "abb", "fig", "vol", "pp", "kap", "ziff", "bd", "hft", "sec", "ch", "para",
	"tel", "fax", "min", "max", "mind", "gr", "rd", "est",
	"jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dez", "dec", "mar",
)

// splitSentences returns the sentence spans of text[start:end], which holds
// no line breaks (a block of Parsed.Text). The spans cover text[start:end]
// but for the spaces between sentences; see Split for the rules.
func splitSentences(text string, start, end int) [][2]int {
	var out [][2]int
	s, i := start, start
	for i < end {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			i++
			continue
		}
		j := i + 1
		periods := 0
		if c == '.' {
			periods = 1
		}
		for j < end && (text[j] == '.' || text[j] == '!' || text[j] == '?') {
			if text[j] == '.' {
				periods++
			}
			j++
		}
		// Closing quotes and brackets belong to the sentence they end.
		for j < end {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !strings.ContainsRune("\"')]»“”’›", r) {
				break
			}
			j += size
		}
		if j >= end || text[j] != ' ' {
			i = j
			continue
		}
		k := j
		for k < end && text[k] == ' ' {
			k++
		}
		if k >= end {
			break
		}
		next, _ := utf8.DecodeRuneInString(text[k:])
		if !(unicode.IsUpper(next) || unicode.IsDigit(next) || strings.ContainsRune("\"„“”'‚‘(«»[¿¡", next)) {
			i = k
			continue
		}
		if periods >= 2 && periods == j-i-countClosers(text[i:j]) {
			// An ellipsis ("...") trails off; it does not end the sentence.
			i = k
			continue
		}
		if c == '.' && periods == 1 && j-i-countClosers(text[i:j]) == 1 && !endsSentence(text[s:i], next) {
			i = k
			continue
		}
		out = append(out, [2]int{s, j})
		s, i = k, k
	}
	if s < end {
		out = append(out, [2]int{s, end})
	}
	return out
}

// countClosers returns the bytes of closing quotes and brackets in s.
func countClosers(s string) int {
	n := 0
	for _, r := range s {
		if strings.ContainsRune("\"')]»“”’›", r) {
			n += utf8.RuneLen(r)
		}
	}
	return n
}

// endsSentence reports whether the word before a period ends a sentence
// rather than being an abbreviation, an initial or an ordinal; next is
// the first character after the period's space.
func endsSentence(before string, next rune) bool {
	w := before
	if i := strings.LastIndexFunc(w, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("(/[„“\"'‚-–", r) }); i >= 0 {
		_, size := utf8.DecodeRuneInString(w[i:])
		w = w[i+size:]
	}
	if w == "" {
		return true
	}
	lower := strings.ToLower(w)
	// "z.B", "u.a", "e.g", "i.e", "d.h": letters with inner periods.
	if strings.Contains(lower, ".") {
		last := lower[strings.LastIndex(lower, ".")+1:]
		if n := utf8.RuneCountInString(last); n >= 1 && n <= 2 && !allDigits(last) {
			return false
		}
	}
	if abbreviations[lower] || (numberAbbreviations[lower] && unicode.IsDigit(next)) {
		return false
	}
	// "Bahnhofstr. 5", "Hauptstr. 12": street names.
	if strings.HasSuffix(lower, "str") && unicode.IsDigit(next) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(w); utf8.RuneCountInString(w) == 1 && unicode.IsLetter(r) {
		return false // an initial or the pieces of "z. B.", "u. a."
	}
	if len(w) <= 2 && allDigits(w) {
		return false // an ordinal: "1. Januar", "3. Platz"
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
