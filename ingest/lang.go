package ingest

import (
	"strings"
	"unicode"
)

// Stopwords that are frequent in one language and rare in the other.
var (
	germanWords = setOf("der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "einen", "für", "auf",
		"den", "dem", "des", "sich", "auch", "wir", "sie", "du", "ihr", "ich", "bei", "oder", "aus", "wie",
		"nach", "noch", "wird", "werden", "sind", "vom", "zum", "zur", "über", "unsere", "unser", "dein", "deine",
		"kann", "können", "bitte", "nur", "sehr", "wenn", "dass", "im", "am", "bis", "ohne", "unter")
	englishWords = setOf("the", "and", "is", "not", "with", "a", "an", "for", "on", "of", "to", "in", "it",
		"that", "this", "you", "your", "we", "our", "are", "be", "by", "or", "from", "as", "at", "can", "will",
		"have", "has", "was", "were", "they", "their", "which", "please", "only", "very", "if", "without", "all")
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// DetectLanguage returns "de", "en" or "simple" for text, by counting
// frequent function words of each language over the first 4 KB (and
// German letters as a tie-breaker). Text too short or too mixed to tell is
// "simple", which indexes words without stemming.
func DetectLanguage(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	de, en, words := 0, 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		words++
		if germanWords[w] {
			de++
		}
		if englishWords[w] {
			en++
		}
		if strings.ContainsAny(w, "äöüß") {
			de++
		}
	}
	if words < 3 || de+en < 2 {
		return "simple"
	}
	switch {
	case de >= 2*en && de >= 2:
		return "de"
	case en >= 2*de && en >= 2:
		return "en"
	}
	return "simple"
}
