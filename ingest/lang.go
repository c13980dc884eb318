package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Languages DetectLanguage returns.
const (
	LangGerman  = "de"
	LangEnglish = "en"
	LangSimple  = "simple"
)

// Function words frequent in one language and rare or absent in the
// other. Words common to both ("die", "in", "an", "am", "so", "was",
// "will", "man", "also", "war") are left out: they would blur the vote.
var (
	germanWords = setOf("der", "und", "ist", "nicht", "mit", "ein", "eine", "einen", "einem", "einer", "eines",
		"für", "auf", "den", "dem", "des", "sich", "auch", "wir", "sie", "ich", "du", "er", "es", "ihr", "ihre",
		"bei", "oder", "aus", "wie", "nach", "noch", "wird", "werden", "sind", "vom", "zum", "zur", "über",
		"unsere", "unser", "unseren", "dein", "deine", "kann", "können", "bitte", "nur", "sehr", "wenn", "dass",
		"im", "bis", "ohne", "unter", "hat", "haben", "zu", "durch", "gegen", "diese", "dieser", "dieses",
		"schon", "mehr", "aber", "als", "doch", "jetzt", "hier", "immer", "alle", "muss", "soll", "kein",
		"keine", "ob", "weil", "damit", "sowie", "bzw", "dann", "denn", "uns", "euch", "mich", "dich", "wo")
	englishWords = setOf("the", "and", "is", "not", "with", "for", "on", "of", "to", "it", "that", "this",
		"you", "your", "we", "our", "are", "be", "by", "or", "from", "as", "at", "can", "have", "has", "were",
		"they", "their", "which", "please", "only", "very", "if", "without", "its", "been", "would", "should",
		"there", "these", "those", "what", "when", "who", "how", "into", "than", "then", "but", "about", "more",
		"just", "do", "does", "our", "us", "any", "each", "other", "such", "while", "where", "after", "before")
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// langSample is how much of a text DetectLanguage reads.
const langSample = 4096

// DetectLanguage returns LangGerman ("de"), LangEnglish ("en") or
// LangSimple ("simple") for text.
//
// It reads the first 4 KiB and scores each word: a function word of one
// language counts 1 for it; a word with ä, ö, ü or ß counts 1 for German;
// typical endings and letter groups ("-ung", "-keit", "-lich", "sch" for
// German, "-ing", "-ly", initial "th" for English) count 0.5. The text is
// German or English when that language has at least 2 points and at least
// 70% of all points; otherwise (too short, mixed, another language) it is
// "simple", which indexes words without stemming.
func DetectLanguage(text string) string {
	if len(text) > langSample {
		cut := langSample
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var de, en float64
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		switch {
		case germanWords[w]:
			de++
			continue
		case englishWords[w]:
			en++
			continue
		case strings.ContainsAny(w, "äöüß"):
			de++
			continue
		}
		if len(w) < 4 {
			continue
		}
		switch {
		case strings.HasSuffix(w, "ung") || strings.HasSuffix(w, "keit") || strings.HasSuffix(w, "heit") ||
			strings.HasSuffix(w, "lich") || strings.Contains(w, "sch"):
			de += 0.5
		case strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "ly") || strings.HasPrefix(w, "th"):
			en += 0.5
		}
	}
	switch total := de + en; {
	case de >= 2 && de >= 0.7*total:
		return LangGerman
	case en >= 2 && en >= 0.7*total:
		return LangEnglish
	}
	return LangSimple
}
