package analysis

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a question asks for.
type Kind string

// Kinds of questions. Open is everything else: how, why, what.
const (
	Open   Kind = "open"
	Number Kind = "number"
	Date   Kind = "date"
	Name   Kind = "name"
	Place  Kind = "place"
	YesNo  Kind = "yes_no"
)

// Question returns the question a brief asks: the part before its last
// question mark, after a channel prefix ("FAQ-Antwort: Wie …?"), or the
// whole brief when it asks none.
func Question(brief string) string {
	b := strings.TrimSpace(brief)
	end := strings.LastIndexByte(b, '?')
	if end < 0 {
		return b
	}
	q := b[:end+1]
	// Start after the last colon or sentence end before the question.
	if i := strings.LastIndexAny(q[:end], ":.!\n"); i >= 0 && !(q[i] == '.' && i > 0 && isDigit(q[i-1])) {
		q = q[i+1:]
	}
	return strings.TrimSpace(q)
}

type cue struct {
	kind   Kind
	prefix []string // lower-case, matched at the start of the question
}

// cues are the openings that tell a question's kind, longest first within
// a kind where they overlap ("wie lange" before a bare "wie").
var cues = map[string][]cue{
	German: {
		{Date, []string{"wann", "seit wann", "bis wann", "ab wann", "an welchem tag", "in welchem jahr", "zu welchem zeitpunkt", "welches datum"}},
		{Number, []string{"wie viele", "wie viel", "wieviel", "wie lange", "wie hoch", "wie groß", "wie gross", "wie alt", "wie oft", "wie weit", "wie schwer", "wie teuer", "wie schnell", "wie warm", "wie kalt", "um wie viel", "wie breit", "wie lang", "wie hoch", "welcher anteil", "wie stark"}},
		{Name, []string{"wer", "wem", "wen", "wessen", "von wem", "welche firma", "welches unternehmen", "welche organisation", "welche behörde", "welche person", "wie heißt", "wie heisst"}},
		{Place, []string{"wo", "wohin", "woher", "von wo", "nach wo", "in welchem land", "in welcher stadt", "in welchen ländern", "an welchem ort", "an wen"}},
		{YesNo, []string{"ist", "sind", "kann", "können", "darf", "dürfen", "muss", "müssen", "soll", "sollte", "sollen", "sollten", "gibt es", "gibt", "hat", "haben", "hilft", "helfen", "passt", "passen", "wird", "werden", "war", "waren", "bin", "brauche", "braucht", "brauchen", "besteht", "bietet", "geht", "gilt", "hält", "halten", "macht", "kostet", "benötige", "benötigt", "schützt", "schützen", "lässt", "kommt", "bekomme", "bekommt", "steckt", "trägt", "reicht", "funktioniert", "übernimmt", "verträgt", "enthält", "eignet", "zahlt", "zählt", "sterben", "stirbt", "überträgt", "übertragen"}},
	},
	English: {
		{Date, []string{"when", "since when", "until when", "what year", "which year", "what date", "on what date", "what day", "what time"}},
		{Number, []string{"how many", "how much", "how long", "how high", "how big", "how large", "how old", "how often", "how far", "how heavy", "how fast", "how hot", "how cold", "what percentage", "what proportion", "what share", "what is the number", "what is the rate"}},
		{Name, []string{"who", "whom", "whose", "which company", "which organisation", "which organization", "which agency", "which person", "what is the name", "what's the name"}},
		{Place, []string{"where", "which country", "which countries", "which city", "in which country", "in what country", "what country"}},
		{YesNo, []string{"is", "are", "can", "could", "do", "does", "did", "should", "will", "would", "has", "have", "had", "may", "might", "must", "was", "were", "am", "shall"}},
	},
}

// KindOf returns what question q, in lang, asks for.
func KindOf(lang, q string) Kind {
	k, _ := cueOf(lang, q)
	return k
}

// cueOf returns the kind and the matched opening of question q.
func cueOf(lang, q string) (Kind, string) {
	l := strings.ToLower(strings.TrimSpace(Question(q)))
	l = strings.TrimLeft(l, "„“\"'¿¡ ")
	best, bestLen := Open, 0
	for _, c := range cues[norm(lang)] {
		for _, p := range c.prefix {
			if len(p) > bestLen && strings.HasPrefix(l, p) && boundary(l, len(p)) {
				best, bestLen = c.kind, len(p)
			}
		}
	}
	return best, l[:bestLen]
}

// interrogatives ask; they are no content of a question.
var interrogatives = words(`wann wie wo wer wem wen wessen was warum wieso weshalb weswegen wozu wodurch womit wofür worauf
	woran wohin woher welche welcher welches welchen welchem gibt es when how where who whom whose what which why`)

// QuestionTerms returns the terms of what question q asks about: its
// terms without the words that ask ("wie lange", "seit wann", "gibt es",
// "how many", and the verb a yes/no question opens with: "passt",
// "darf", "is" say little of what it is about).
func (a *Analyzer) QuestionTerms(q string) []string {
	q = Question(q)
	_, cue := cueOf(a.lang, q)
	skip := map[string]bool{}
	for _, w := range split(cue) {
		skip[strings.ToLower(w)] = true
	}
	var out []string
	eachWord(q, func(w string) {
		l := strings.ToLower(w)
		if skip[l] || interrogatives[l] {
			return
		}
		if t, _ := a.Term(w); t != "" {
			out = append(out, t)
		}
	})
	return out
}

func boundary(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

var (
	digitRE = regexp.MustCompile(`\d`)
	yearRE  = regexp.MustCompile(`\b(1[89]|20)\d\d\b`)
	dateRE  = regexp.MustCompile(`\b\d{1,2}\.\s?\d{1,2}\.(\d{2,4})?|\b\d{1,2}\.\s(januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember)|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b`)
)

var numberWords = words(`ein eine einer einen zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig hundert tausend
	million millionen milliarde milliarden hälfte drittel viertel dutzend prozent mehrere wenige einige doppelt dreimal zweimal einmal
	one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand million millions billion half
	third quarter dozen percent several few once twice double`)

var timeWords = words(`januar februar märz april mai juni juli august september oktober november dezember montag dienstag
	mittwoch donnerstag freitag samstag sonntag heute morgen gestern bisher derzeit aktuell seit bis ab ende anfang mitte
	frühjahr sommer herbst winter woche wochen monat monaten jahr jahren tag tagen stunden
	january february march april may june july august september october november december monday tuesday wednesday
	thursday friday saturday sunday today tomorrow yesterday currently since until from end beginning mid spring
	summer autumn fall winter week weeks month months year years day days hours`)

var affirm = words(`ja nein nicht kein keine keinen keiner keines nie niemals nur ausschließlich bisher derzeit grundsätzlich
	sehr ebenfalls möglich unmöglich
	yes no not cannot can't don't doesn't isn't aren't won't never only none neither currently possible impossible unlikely likely`)

var placePreps = words(`in im nach aus bei von vom zur zum an am auf into from at near`)

// Satisfies reports whether sentence, in lang, has the shape of an answer
// to a question of kind k: a number for number questions, a date or time
// word for date questions, a name (a capitalised word inside the sentence,
// not a German noun after an article, or an acronym) for name questions,
// a capitalised word after a place preposition for place questions, and a
// word that affirms or denies or the question's own verb for yes/no
// questions. Open questions are satisfied by any sentence.
func Satisfies(lang string, k Kind, question, sentence string) bool {
	return New(lang).Satisfies(k, question, sentence)
}

// Satisfies is the package's Satisfies in the analyser's language.
func (a *Analyzer) Satisfies(k Kind, question, sentence string) bool {
	lang := a.lang
	toks := split(sentence)
	switch k {
	case Number:
		if digitRE.MatchString(sentence) {
			return true
		}
		for _, w := range toks {
			if numberWords[strings.ToLower(w)] {
				return true
			}
		}
		return false
	case Date:
		if yearRE.MatchString(sentence) || dateRE.MatchString(strings.ToLower(sentence)) {
			return true
		}
		for _, w := range toks {
			if timeWords[strings.ToLower(w)] {
				return true
			}
		}
		return false
	case Name:
		for i, w := range toks {
			if acronym(w) || (i > 0 && capital(w) && (norm(lang) == English || germanName(toks, i))) {
				return true
			}
		}
		return false
	case Place:
		for i, w := range toks {
			if i > 0 && placePreps[strings.ToLower(toks[i-1])] && (capital(w) || acronym(w)) && !(norm(lang) == German && !properName(toks, i)) {
				return true
			}
		}
		return false
	case YesNo:
		for _, w := range toks {
			if affirm[strings.ToLower(w)] {
				return true
			}
		}
		// The question's verb stated ("passt … in die Spülmaschine?" —
		// "passt in die Spülmaschine").
		qs := split(Question(question))
		if len(qs) > 0 {
			v, _ := a.Term(qs[0])
			if v == "" {
				v = stem(a.env, lang, strings.ToLower(qs[0]))
			}
			for _, t := range a.Terms(sentence) {
				if t == v {
					return true
				}
			}
		}
		return false
	}
	return true
}

func capital(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

func acronym(w string) bool {
	if utf8.RuneCountInString(w) < 2 {
		return false
	}
	up := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			up++
		}
	}
	return up >= 2
}

// germanArticles precede a noun; a capitalised word after one is most
// likely a noun, not a name.
var germanArticles = words(`der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner
	sein seine ihr ihre unser unsere dieser diese dieses jeder jede jedes alle viele mehrere`)

// properName guesses that the capitalised German word at i is a name
// rather than a noun: it follows no article or adjective ending and is
// either followed by another capitalised word or stands after a
// preposition or at a clause boundary.
func properName(toks []string, i int) bool {
	if !capital(toks[i]) {
		return false
	}
	prev := strings.ToLower(toks[i-1])
	if germanArticles[prev] {
		return false
	}
	// Adjectives before nouns end in -e, -en, -er, -es, -em and are lower case.
	if !capital(toks[i-1]) && (strings.HasSuffix(prev, "en") || strings.HasSuffix(prev, "er") || strings.HasSuffix(prev, "es") || strings.HasSuffix(prev, "em") || strings.HasSuffix(prev, "e")) && !placePreps[prev] {
		return false
	}
	return true
}

// nameCues precede a name in German: "von Firnwerk", "laut RKI".
var nameCues = words(`von vom durch bei laut namens heißt heisst`)

func germanName(toks []string, i int) bool {
	if nameCues[strings.ToLower(toks[i-1])] {
		return true
	}
	return i+1 < len(toks) && capital(toks[i+1]) && properName(toks, i) && !capital(toks[i-1]) && !germanArticles[strings.ToLower(toks[i-1])]
}
