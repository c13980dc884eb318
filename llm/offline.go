package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"kontext/internal/analysis"
)

// OfflineModel names the offline composer in provenance.
const OfflineModel = "kontext-extractive-v1"

// Offline is the offline chat provider: a deterministic extractive
// composer. It reads the structured request (ChatRequest.Compose), picks
// the source sentences most relevant to the brief, and arranges them in
// the shape of the channel, each ending with the citation of the source it
// was taken from. It never writes a fact of its own, needs no network, and
// gives the same draft for the same request on every machine.
//
// Relevance is the brief's content words (Terms) found in a sentence,
// each weighted by its rarity among all source sentences (inverse
// document frequency), plus a small bonus for the source's retrieval rank;
// sentences in another language than the draft's count a third, and
// sentences that repeat an already chosen one (half or more of their words
// shared) are skipped. Sentences holding placeholders of withheld personal
// data, questions, and fragments shorter than 25 or longer than 320
// characters are never used.
type Offline struct{}

var _ Chat = Offline{}

// Model returns OfflineModel.
func (Offline) Model() string { return OfflineModel }

// Chat composes the draft; when onDelta is set the draft is delivered word
// by word first.
func (o Offline) Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResponse, error) {
	if req.Compose == nil {
		return ChatResponse{}, errors.New("llm: offline composer: the request carries no structured brief")
	}
	if err := ctx.Err(); err != nil {
		return ChatResponse{}, err
	}
	text := ComposeDraft(*req.Compose)
	if onDelta != nil {
		rest := text
		for rest != "" {
			if err := ctx.Err(); err != nil {
				return ChatResponse{}, err
			}
			i := strings.IndexByte(rest[min(1, len(rest)):], ' ')
			if i < 0 {
				onDelta(rest)
				break
			}
			onDelta(rest[:i+1])
			rest = rest[i+1:]
		}
	}
	return ChatResponse{Text: text, Model: OfflineModel, FinishReason: "stop"}, nil
}

// candidate is one usable source sentence.
type candidate struct {
	text    string
	n       int             // source number
	pos     int             // position in the sources, for stable ties
	terms   map[string]bool // Terms, to tell repetitions
	stems   map[string]bool // the search leg's analysis, to score
	score   float64
	numeric bool
	lang    bool // in the draft's language
}

var placeholderRE = regexp.MustCompile(`\[[A-Z][A-Z_]*_[1-9]\d*\]`)

// ComposeDraft writes the draft for c. It is exported for tests and benchmarks;
// Chat is the way in.
func ComposeDraft(c Compose) string {
	w := words(c.Lang, c.AddressForm)
	n := map[string]int{"subject_lines": 5, "social_post": 2, "faq_answer": 3, "product_description": 6, "press_release": 7}[c.Channel]
	if n == 0 {
		n = 5
	}
	// The sentences that answer the brief come first, each with the
	// neighbour it needs: for an FAQ answer the best answers, for a
	// question in another channel the best one, followed by the sentences
	// most relevant to the brief in the channel's framing.
	var picked []candidate
	switch {
	case c.Channel == "faq_answer":
		picked = pickAnswers(Answers(c), n)
	case strings.Contains(c.Brief, "?"):
		picked = pickAnswers(first(Answers(c), 1), n)
	}
	if len(picked) < n && !(c.Channel == "faq_answer" && len(picked) > 0) {
		picked = pickMore(picked, candidates(c), n)
	}
	if c.Channel == "subject_lines" {
		return finish(c, subjectLines(c, picked))
	}
	if len(picked) == 0 {
		return finish(c, w.nothing)
	}
	// Drop the least relevant sentences until the draft fits.
	for {
		draft := shape(c, w, picked)
		if c.MaxChars <= 0 || utf8.RuneCountInString(finish(c, draft)) <= c.MaxChars || len(picked) == 1 {
			return finish(c, draft)
		}
		picked = picked[:len(picked)-1]
	}
}

func candidates(c Compose) []candidate {
	an := analysis.New(c.Lang)
	brief := map[string]bool{}
	for _, t := range an.Terms(c.Brief) {
		if !briefWords[t] {
			brief[t] = true
		}
	}
	var out []candidate
	df := map[string]int{}
	pos := 0
	for _, s := range c.Sources {
		for _, u := range Sentences(s.Text) {
			pos++
			t := strings.TrimSpace(u.Text)
			n := utf8.RuneCountInString(t)
			if u.Heading || u.Cells > 2 || n < 25 || n > 320 || strings.HasSuffix(t, "?") || strings.HasSuffix(t, ":") ||
				placeholderRE.MatchString(t) || aboutWriting(t) || strings.Count(t, "·") >= 2 || needsContext(t) || quotedExample(u) || avoids(t, c.Avoid) {
				continue
			}
			terms := map[string]bool{}
			numeric := false
			for _, w := range Terms(t) {
				terms[w] = true
				if isDigit(w[0]) {
					numeric = true
				}
			}
			if len(terms) < 3 || (!u.Row && len(strings.Fields(t)) < 5) {
				continue
			}
			stems := map[string]bool{}
			for _, w := range an.Terms(t) {
				stems[w] = true
			}
			for w := range stems {
				df[w]++
			}
			out = append(out, candidate{text: t, n: s.N, pos: pos, terms: terms, stems: stems, numeric: numeric})
		}
	}
	total := float64(len(out))
	relevant, sameLang := 0, 0
	for i := range out {
		cd := &out[i]
		for w := range cd.stems {
			if brief[w] {
				cd.score += math.Log(1 + total/float64(df[w]))
			}
		}
		if cd.score > 0 {
			relevant++
		}
		cd.lang = c.Lang == "" || guessLang(cd.text) == c.Lang
		if cd.lang {
			sameLang++
		}
	}
	// Sentences of restricted sources are used only when no other source
	// has a relevant one: a draft that uses them needs review.
	restricted := map[int]bool{}
	for _, s := range c.Sources {
		restricted[s.N] = s.Restricted
	}
	free := false
	for _, cd := range out {
		if cd.score > 0 && !restricted[cd.n] {
			free = true
		}
	}
	if free {
		kept := out[:0]
		for _, cd := range out {
			if !restricted[cd.n] {
				kept = append(kept, cd)
			}
		}
		out = kept
		relevant = 0
		for _, cd := range out {
			if cd.score > 0 {
				relevant++
			}
		}
	}
	// Sentences that share no word with the brief, or are in another
	// language, are used only when there is nothing better.
	kept := out[:0]
	for _, cd := range out {
		if (cd.score > 0 || relevant == 0) && (cd.lang || sameLang == 0) {
			cd.score += 0.5 / float64(cd.n)
			kept = append(kept, cd)
		}
	}
	out = kept
	slices.SortStableFunc(out, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.pos - b.pos
	})
	return out
}

// writingCues mark sentences that speak to the people who write about the
// product (style guides, wording rules) rather than about the product.
var writingCues = []string{"in texten", "alle texte", "im text", "formulier", "schreiben wir", "wir schreiben",
	"nicht schreiben", "bitte keine angabe", "tonalität", "in copy", "we write", "do not write", "don't write",
	"wording", "tone of voice", "copywriter", "product copy", "in produkttexten", "wiedergeben", "vergleichstext", "in faq", "formulierungshilf"}

// contextOpeners begin sentences that lean on the one before ("Deshalb
// …", "This means …"): out of their place they mislead.
var contextOpeners = []string{"damit ", "somit ", "deshalb ", "daher ", "dafür ", "dabei ", "dadurch ", "trotzdem ", "außerdem ", "also ",
	"das ", "dies ", "dieser ", "diese ", "dieses ", "so ", "auch ", "this ", "that ", "these ", "those ", "it ", "they ",
	"so ", "also ", "therefore ", "however ", "that's ", "it's "}

func needsContext(s string) bool {
	l := strings.ToLower(strings.TrimLeft(s, "„“\"'"))
	for _, o := range contextOpeners {
		if strings.HasPrefix(l, o) {
			return true
		}
	}
	return strings.Contains(l, " also ") && !strings.HasPrefix(l, "also") && guessLang(s) == "de"
}

// quotedExample reports a table row of quoted examples (a style guide's
// "write this, not that").
func quotedExample(u Unit) bool {
	return u.Row && strings.ContainsAny(u.Text[:min(len(u.Text), 4)], "„\"“")
}

// avoids reports whether s holds one of the words to avoid, by prefix
// ("revolutionär" matches "revolutionäre").
func avoids(s string, avoid []string) bool {
	if len(avoid) == 0 {
		return false
	}
	for _, w := range Words(s) {
		f := fold(w)
		for _, a := range avoid {
			if a = fold(strings.TrimSpace(a)); a != "" && strings.HasPrefix(f, a) {
				return true
			}
		}
	}
	return false
}

func aboutWriting(s string) bool {
	l := strings.ToLower(s)
	for _, c := range writingCues {
		if strings.Contains(l, c) {
			return true
		}
	}
	return false
}

// pick takes the n best sentences that do not repeat one another.
func pick(cands []candidate, n int) []candidate {
	var out []candidate
	for _, c := range cands {
		if len(out) == n {
			break
		}
		dup := false
		for _, o := range out {
			shared := 0
			for w := range c.terms {
				if o.terms[w] {
					shared++
				}
			}
			if 2*shared >= min(len(c.terms), len(o.terms)) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// pickAnswers takes the sentences of the best answers, up to n, an
// answer's sentences together, skipping answers that repeat a sentence
// already taken (half or more of their words shared). When the best answer
// is not confident, the draft holds the best answer of each of the best
// paragraphs rather than more of one: the draft then needs review, and the
// reviewer gets the candidates to choose from.
func pickAnswers(answers []Answer, n int) []candidate {
	var out []candidate
	spread := len(answers) > 0 && !answers[0].Confident()
	used := map[int]bool{}
	for _, a := range answers {
		if len(out) >= n {
			break
		}
		if spread && used[a.para] {
			continue
		}
		used[a.para] = true
		group := make([]candidate, 0, len(a.Sentences))
		dup := false
		for _, s := range a.Sentences {
			cd := candidate{text: s, n: a.N, pos: a.pos, score: a.Score, terms: map[string]bool{}}
			for _, w := range Terms(s) {
				cd.terms[w] = true
			}
			for _, o := range out {
				shared := 0
				for w := range cd.terms {
					if o.terms[w] {
						shared++
					}
				}
				if o.text == s || 2*shared >= min(len(cd.terms), len(o.terms)) {
					dup = true
				}
			}
			group = append(group, cd)
		}
		if dup || (len(out) > 0 && len(out)+len(group) > n) {
			continue
		}
		out = append(out, group...)
	}
	return out
}

// pickMore adds to picked the best candidates that repeat none of it, up
// to n in all.
func pickMore(picked, cands []candidate, n int) []candidate {
	for _, c := range pick(cands, n+len(picked)) {
		if len(picked) >= n {
			break
		}
		dup := false
		for _, o := range picked {
			shared := 0
			for w := range c.terms {
				if o.terms[w] {
					shared++
				}
			}
			if o.text == c.text || 2*shared >= min(len(c.terms), len(o.terms)) {
				dup = true
				break
			}
		}
		if !dup {
			picked = append(picked, c)
		}
	}
	return picked
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// cite puts the citation before the sentence's final punctuation, or after
// a closing quotation mark.
func cite(s string, n int) string {
	s = strings.TrimSpace(s)
	mark := fmt.Sprintf(" [%d]", n)
	if strings.HasSuffix(s, "“") || strings.HasSuffix(s, "\"") || strings.HasSuffix(s, "”") || strings.HasSuffix(s, "«") {
		return s + mark
	}
	end := len(s)
	for end > 0 && strings.IndexByte(".!?", s[end-1]) >= 0 {
		end--
	}
	if end == len(s) {
		return s + mark + "."
	}
	return s[:end] + mark + s[end:]
}

// phrases are the composer's own words per language and address form:
// greetings, calls to action and sign-offs, never facts.
type phrases struct {
	greeting, cta, signoff, nothing, about, details string
}

func words(lang, form string) phrases {
	if lang == "en" {
		return phrases{greeting: "Hello,", cta: "Find out more in our shop.", signoff: "Your %s team",
			nothing: "The sources hold nothing on this brief yet.", about: "About %s", details: "Details"}
	}
	if form == "sie" {
		return phrases{greeting: "Guten Tag,", cta: "Mehr dazu finden Sie in unserem Shop.", signoff: "Ihr %s-Team",
			nothing: "Zu diesem Briefing finden sich in den Quellen noch keine Angaben.", about: "Über %s", details: "Details"}
	}
	return phrases{greeting: "Hallo,", cta: "Mehr dazu findest du in unserem Shop.", signoff: "Dein %s-Team",
		nothing: "Zu diesem Briefing finden sich in den Quellen noch keine Angaben.", about: "Über %s", details: "Details"}
}

func shape(c Compose, w phrases, picked []candidate) string {
	brand := c.Brand
	if brand == "" {
		brand = "Kontext"
	}
	var b strings.Builder
	sentences := func(list []candidate) string {
		parts := make([]string, len(list))
		for i, p := range list {
			parts[i] = cite(p.text, p.n)
		}
		return strings.Join(parts, " ")
	}
	title := func() string {
		for _, s := range c.Sources {
			if s.N == picked[0].n {
				return s.Title
			}
		}
		return brand
	}
	switch c.Channel {
	case "social_post":
		b.WriteString(sentences(picked))
		if !strings.Contains(b.String(), brand) {
			b.WriteString(" #" + strings.ReplaceAll(brand, " ", ""))
		}
	case "faq_answer":
		b.WriteString(sentences(picked))
	case "product_description":
		b.WriteString(title() + "\n\n")
		intro := min(2, len(picked))
		b.WriteString(sentences(picked[:intro]))
		if len(picked) > intro {
			b.WriteString("\n\n")
			for _, p := range picked[intro:] {
				b.WriteString("- " + cite(p.text, p.n) + "\n")
			}
		}
	case "press_release":
		b.WriteString(title() + "\n\n")
		half := (len(picked) + 1) / 2
		b.WriteString(sentences(picked[:half]))
		if len(picked) > half {
			b.WriteString("\n\n" + sentences(picked[half:]))
		}
	default: // newsletter
		b.WriteString(w.greeting + "\n\n")
		half := (len(picked) + 1) / 2
		b.WriteString(sentences(picked[:half]))
		if len(picked) > half {
			b.WriteString("\n\n" + sentences(picked[half:]))
		}
		b.WriteString("\n\n" + w.cta + "\n\n" + fmt.Sprintf(w.signoff, brand))
	}
	return strings.TrimSpace(b.String())
}

// subjectLines cuts each chosen sentence to a subject line of at most
// MaxChars (60 when unset) characters: at a clause boundary if one fits,
// else after the last whole word that fits.
func subjectLines(c Compose, picked []candidate) string {
	limit := c.MaxChars
	if limit <= 0 {
		limit = 60
	}
	var lines []string
	for i, p := range picked {
		mark := fmt.Sprintf(" [%d]", p.n)
		prefix := fmt.Sprintf("%d. ", i+1)
		room := limit - utf8.RuneCountInString(mark) - utf8.RuneCountInString(prefix)
		line := strings.Trim(p.text, ".!? „“\"”«»")
		if i == 0 && c.Brand != "" && !strings.Contains(line, c.Brand) {
			line = c.Brand + ": " + line
		}
		if utf8.RuneCountInString(line) > room {
			line = shorten(line, room)
		}
		if line == "" {
			continue
		}
		lines = append(lines, prefix+line+mark)
	}
	return strings.Join(lines, "\n")
}

func shorten(s string, room int) string {
	cut := ""
	for i, r := range s {
		if utf8.RuneCountInString(s[:i]) >= room {
			break
		}
		if r == ',' || r == ';' || r == ':' || r == '–' || r == '(' {
			if c := strings.TrimSpace(s[:i]); utf8.RuneCountInString(c) >= 20 {
				cut = c
			}
		}
	}
	if cut != "" {
		return cut
	}
	var kept []string
	for _, f := range strings.Fields(s) {
		if utf8.RuneCountInString(strings.Join(append(kept, f), " ")) > room {
			break
		}
		kept = append(kept, f)
	}
	// A line does not end on a function word ("… noch bei").
	for len(kept) > 1 {
		last := fold(strings.Trim(kept[len(kept)-1], ",;:–-("))
		if !stopWords[last] && len([]rune(last)) > 2 {
			break
		}
		kept = kept[:len(kept)-1]
	}
	return strings.TrimRight(strings.Join(kept, " "), ",;:–-( ")
}

// finish appends the required closing lines.
func finish(c Compose, draft string) string {
	for _, r := range c.Required {
		if r = strings.TrimSpace(r); r != "" && !strings.Contains(draft, r) {
			draft += "\n\n" + r
		}
	}
	return draft
}

// guessLang tells German from English by their commonest words.
func guessLang(s string) string {
	de, en := 0, 0
	for _, w := range Words(strings.ToLower(s)) {
		switch w {
		case "der", "die", "das", "und", "ist", "mit", "für", "nicht", "ein", "eine", "den", "auf", "im", "zu", "von", "sich", "wir", "du", "sie":
			de++
		case "the", "and", "is", "with", "for", "not", "a", "an", "of", "to", "in", "on", "it", "we", "you", "are":
			en++
		}
	}
	if en > de {
		return "en"
	}
	return "de"
}
