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
	"unicode/utf8"

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

// The stop word lists are PostgreSQL's (share/tsearch_data/german.stop and
// english.stop of PostgreSQL 15, which takes them from the Snowball
// project, BSD licence), so that a stop word here is one there.
//
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
	return stem(env, norm(lang), strings.ToLower(w))
}

func stem(env *snowballstem.Env, lang, w string) string {
	env.SetCurrent(w)
	if lang == English {
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

// Analyzer analyses text in one language and remembers the stems it has
// computed, so that the many repeated words of a set of sources are
// stemmed once. It is not safe for concurrent use; the package functions
// use a fresh one per call.
type Analyzer struct {
	lang string
	stop map[string]bool
	memo map[string]string
	env  *snowballstem.Env
}

// New returns an Analyzer for lang (German unless "en").
func New(lang string) *Analyzer {
	l := norm(lang)
	return &Analyzer{lang: l, stop: stopWords[l], memo: map[string]string{}, env: snowballstem.NewEnv("")}
}

// Lang returns the analyser's language.
func (a *Analyzer) Lang() string { return a.lang }

// Term returns the term of one word: its stem, the number in one
// spelling, or "" for a stop word.
func (a *Analyzer) Term(w string) (term string, numeric bool) {
	if n, ok := number(w); ok {
		return n, true
	}
	if t, ok := a.memo[w]; ok {
		return t, false
	}
	l := strings.ToLower(w)
	t := ""
	if !a.stop[l] {
		t = stem(a.env, a.lang, l)
	}
	a.memo[w] = t
	return t, false
}

// Tokens splits text into words (runs of letters and digits; a decimal
// comma or point between digits stays inside, "24,90") and analyses each.
func (a *Analyzer) Tokens(text string) []Token {
	ws := split(text)
	out := make([]Token, len(ws))
	for i, w := range ws {
		t, n := a.Term(w)
		out[i] = Token{Text: w, Term: t, Number: n}
	}
	return out
}

// Terms returns the terms of text: the stems of its words that are not
// stop words, and its numbers, in order.
func (a *Analyzer) Terms(text string) []string {
	out := make([]string, 0, len(text)/8)
	eachWord(text, func(w string) {
		if t, _ := a.Term(w); t != "" {
			out = append(out, t)
		}
	})
	return out
}

// Tokens analyses text in lang; see Analyzer.Tokens.
func Tokens(lang, text string) []Token { return New(lang).Tokens(text) }

// Terms returns the terms of text in lang; see Analyzer.Terms.
func Terms(lang, text string) []string { return New(lang).Terms(text) }

func split(text string) []string {
	var out []string
	eachWord(text, func(w string) { out = append(out, w) })
	return out
}

// eachWord calls f with each word of text, in order.
func eachWord(text string, f func(string)) {
	start := -1
	for i, r := range text {
		in := r < utf8.RuneSelf && (isDigit(byte(r)) || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) ||
			r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if !in && (r == ',' || r == '.') && start >= 0 && i > 0 && isDigit(text[i-1]) && i+1 < len(text) && isDigit(text[i+1]) {
			in = true
		}
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			f(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		f(text[start:])
	}
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

// Compound parts, as the lexical search leg reads German compounds: a
// part of at least MinCompoundPart letters at either end of a term of at
// least MinCompound letters.
const (
	MinCompound     = 8
	MinCompoundPart = 4
)

// CompoundPart reports whether, in lang, one of the terms a and b is a
// part of the other at its start or end: "kurzarbeit" of
// "kurzarbeitergeld", "arbeitsplatz" of "heimarbeitsplatz". Only German
// forms compounds this way; in English it is always false, as it is for
// equal terms.
func (a *Analyzer) CompoundPart(x, y string) bool {
	if a.lang != German || x == y {
		return false
	}
	if len(x) < len(y) {
		x, y = y, x
	}
	return utf8.RuneCountInString(x) >= MinCompound && utf8.RuneCountInString(y) >= MinCompoundPart &&
		(strings.HasPrefix(x, y) || strings.HasSuffix(x, y))
}
