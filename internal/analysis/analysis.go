// Package analysis reads German and English text the way the lexical
// search leg does: words lower-cased, the stop words of PostgreSQL's
// german and english text-search configurations left out, and the rest cut
// to their Snowball stems (the same stemmers those configurations use), so
// that sentence scoring in the composer and in the answered check meets
// the words the search matched. It also tells what a question asks for
// (a number, a date, a name, a place, yes or no).
package analysis

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
)

// Languages the package analyses; anything else is read as German, the
// service's default language.
const (
	German  = "de"
	English = "en"
)

//go:embed german.stop
var germanStop string

//go:embed english.stop
var englishStop string

var stopWords = map[string]map[string]bool{German: words(germanStop), English: words(englishStop)}

func words(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

func norm(lang string) string {
	if lang == English {
		return English
	}
	return German
}

// IsStopWord reports whether w, lower-cased, is a stop word of lang.
func IsStopWord(lang, w string) bool { return stopWords[norm(lang)][strings.ToLower(w)] }

var envs = sync.Pool{New: func() any { return snowballstem.NewEnv("") }}

// Stem returns the Snowball stem of the lower-cased word w in lang.
func Stem(lang, w string) string {
	env := envs.Get().(*snowballstem.Env)
	defer envs.Put(env)
	env.SetCurrent(strings.ToLower(w))
	if norm(lang) == English {
		english.Stem(env)
	} else {
		german.Stem(env)
	}
	return env.Current()
}

// Token is one word of a text.
type Token struct {
	// Text is the word as written.
	Text string
	// Term is its stem, or the number in one spelling; empty for a stop
	// word.
	Term string
	// Number reports a numeric token ("14", "5,5", "2020").
	Number bool
}

// Tokens splits text into words (runs of letters and digits; a decimal
// comma or point between digits stays inside, "24,90") and analyses each.
func Tokens(lang, text string) []Token {
	var out []Token
	for _, w := range split(text) {
		t := Token{Text: w}
		if n, ok := number(w); ok {
			t.Term, t.Number = n, true
		} else if l := strings.ToLower(w); !stopWords[norm(lang)][l] {
			t.Term = Stem(lang, l)
		}
		out = append(out, t)
	}
	return out
}

// Terms returns the terms of text: the stems of its words that are not
// stop words, and its numbers, in order.
func Terms(lang, text string) []string {
	var out []string
	for _, t := range Tokens(lang, text) {
		if t.Term != "" {
			out = append(out, t.Term)
		}
	}
	return out
}

func split(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		in := unicode.IsLetter(r) || unicode.IsDigit(r)
		if !in && (r == ',' || r == '.') && start >= 0 && i > 0 && isDigit(text[i-1]) && i+1 < len(text) && isDigit(text[i+1]) {
			in = true
		}
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reports whether w is a number and gives it with a decimal point.
func number(w string) (string, bool) {
	if w == "" || !isDigit(w[0]) {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) && w[i] != ',' && w[i] != '.' {
			return "", false
		}
	}
	return strings.ReplaceAll(w, ",", "."), true
}
