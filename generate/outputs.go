package generate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"kontext"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/internal/analysis"
	"kontext/llm"
	"kontext/retrieval"
)

// DefaultOutputClassification is the output classification of every
// built-in channel unless the brand pack's outputs.classification says
// otherwise: newsletters, product descriptions, social posts, press
// releases and subject lines are published, and so are FAQ answers, which
// the faq_answer template writes for the FAQ page.
const DefaultOutputClassification = kontext.Public

// OutputPolicy is what a channel's drafts may draw on.
type OutputPolicy struct {
	// Classification is the highest classification of the sources a draft
	// may use without review.
	Classification kontext.Classification
	// AboveClassification is policy.OutputReview or policy.OutputExclude.
	AboveClassification string
	// PersonalCommunication is policy.OutputExclude or policy.OutputReview.
	PersonalCommunication string
}

// OutputPolicyFor returns the output policy of a channel under a brand
// pack (nil: the defaults). Defaults: the channel's output is public;
// sources above it hold the draft for review, because publishing the
// company's own internal material can be a deliberate decision that
// belongs to a person; personal communication is excluded before
// composing, because a customer's mail was written for support, not for
// marketing, and so never reaches a model on its way into a public text.
func OutputPolicyFor(b *policy.BrandPack, channel string) OutputPolicy {
	op := OutputPolicy{Classification: DefaultOutputClassification,
		AboveClassification: policy.OutputReview, PersonalCommunication: policy.OutputExclude}
	if b == nil {
		return op
	}
	if c, ok := b.Outputs.Classification[channel]; ok {
		op.Classification = kontext.Classification(c)
	}
	if v := b.Outputs.AboveClassification; v != "" {
		op.AboveClassification = v
	}
	if v := b.Outputs.PersonalCommunication; v != "" {
		op.PersonalCommunication = v
	}
	return op
}

// Restriction says why a channel may not use a source freely; empty when
// it may. exclude reports whether the policy leaves the source out before
// composing rather than holding a draft that uses it for review.
func (op OutputPolicy) Restriction(c retrieval.Result, channel string) (why string, exclude bool) {
	var whys []string
	if c.Purpose == kontext.Correspondence || slices.Contains(c.PersonalData, pii.TypePerson) {
		what := "personal communication"
		if c.Purpose != kontext.Correspondence {
			what = "text that names a person"
		}
		whys = append(whys, what)
		exclude = exclude || op.PersonalCommunication == policy.OutputExclude
	}
	if c.Classification.Rank() > op.Classification.Rank() {
		whys = append(whys, fmt.Sprintf("classified %s, above the %s output of %s", c.Classification, op.Classification, channel))
		exclude = exclude || op.AboveClassification == policy.OutputExclude
	}
	return strings.Join(whys, "; "), exclude
}

// quoteRun is how many consecutive words a draft must share with a source
// to count as quoting it.
const quoteRun = 6

// Quotes reports whether text shares a run of at least quoteRun
// consecutive words with source, and returns the run.
func Quotes(text, source string) (string, bool) {
	runs := wordRuns(source, quoteRun)
	if len(runs) == 0 {
		return "", false
	}
	words := foldWords(text)
	for i := 0; i+quoteRun <= len(words); i++ {
		run := strings.Join(words[i:i+quoteRun], " ")
		if runs[run] {
			return run, true
		}
	}
	return "", false
}

func wordRuns(text string, n int) map[string]bool {
	words := foldWords(text)
	out := map[string]bool{}
	for i := 0; i+n <= len(words); i++ {
		out[strings.Join(words[i:i+n], " ")] = true
	}
	return out
}

func foldWords(text string) []string {
	ws := llm.Words(text)
	for i, w := range ws {
		ws[i] = foldWord(w)
	}
	return ws
}

var folder = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "é", "e", "è", "e")

func foldWord(w string) string { return folder.Replace(strings.ToLower(w)) }

// BriefSubjects returns the products or other named subjects a brief asks
// about: the brand's products (the names of its price floors, without the
// brand's name) named in full or by their first word ("Talbecher" for
// "Talbecher 350"), a capitalised word followed by a model number
// ("Zelt 3"), quoted names and, for product descriptions, whose subject
// is one product, a hyphenated name of capitalised parts that are not
// words of the trade ("Gamma-Zelt", but not "Produkttext-Entwurf"). German
// joins nouns with hyphens ("Kita-Garten"), so elsewhere such a compound
// names no subject.
func BriefSubjects(brief, channel string, b *policy.BrandPack) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		for _, o := range out {
			if Mentions(o, s) || Mentions(s, o) {
				return
			}
		}
		out = append(out, s)
	}
	brand := ""
	if b != nil {
		brand = foldWord(b.Name)
		if brand == "" {
			brand = foldWord(b.ID)
		}
	}
	// Known products first: their full names, then their first words.
	var products []string
	if b != nil {
		for name := range b.PriceFloors {
			products = append(products, name)
		}
	}
	slices.Sort(products)
	heads := map[string]int{}
	short := make([]string, len(products))
	for i, p := range products {
		ws := llm.Words(p)
		if len(ws) > 1 && foldWord(ws[0]) == brand {
			ws = ws[1:]
		}
		short[i] = strings.Join(ws, " ")
		heads[ws[0]]++
	}
	for _, p := range short {
		if Mentions(brief, p) {
			add(p)
		}
	}
	for _, p := range short {
		head := llm.Words(p)[0]
		if utf8.RuneCountInString(head) >= 6 && Mentions(brief, head) {
			add(head)
		}
	}
	// Names the brand pack does not know.
	words := llm.Words(brief)
	for i, w := range words {
		if i+1 < len(words) && capitalised(w) && !tradeWords[foldWord(w)] && foldWord(w) != brand && modelNumber(words[i+1]) {
			add(w + " " + words[i+1])
		}
	}
	hyphenated := strings.FieldsFunc(brief, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:!?()[]„“”\"«»", r) })
	if channel != "product_description" {
		hyphenated = nil
	}
	for _, f := range hyphenated {
		f = strings.Trim(f, ".'’")
		parts := strings.Split(f, "-")
		if len(parts) < 2 {
			continue
		}
		name := true
		for _, p := range parts {
			if !capitalised(p) || tradeWords[foldWord(p)] || foldWord(p) == brand {
				name = false
				break
			}
		}
		if name {
			add(f)
		}
	}
	for _, q := range quoted(brief) {
		if n := len(llm.Words(q)); n >= 1 && n <= 4 {
			add(q)
		}
	}
	return out
}

// Mentions reports whether text names subject: its words in order, each
// word of text starting with the subject's word ("Talbechers" names
// "Talbecher"), numbers exactly, case and umlauts aside.
func Mentions(text, subject string) bool {
	want := foldWords(subject)
	if len(want) == 0 {
		return false
	}
	have := foldWords(text)
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for j, w := range want {
			h := have[i+j]
			if isNumber(w) || j < len(want)-1 {
				ok = h == w
			} else {
				ok = strings.HasPrefix(h, w)
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func isNumber(w string) bool { _, ok := llm.NormaliseNumber(w); return ok }

func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && utf8.RuneCountInString(w) >= 2
}

// modelNumber reports a product's number ("500", "3", "X2"), not a year.
func modelNumber(w string) bool {
	if !isNumber(w) || strings.ContainsAny(w, ".,") {
		return false
	}
	return !(len(w) == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")))
}

func quoted(s string) []string {
	var out []string
	for _, pair := range [][2]string{{"„", "“"}, {"“", "”"}, {"\"", "\""}, {"«", "»"}} {
		rest := s
		for {
			i := strings.Index(rest, pair[0])
			if i < 0 {
				break
			}
			rest = rest[i+len(pair[0]):]
			j := strings.Index(rest, pair[1])
			if j < 0 {
				break
			}
			out = append(out, rest[:j])
			rest = rest[j+len(pair[1]):]
		}
	}
	return out
}

// tradeWords are words of briefs and channels that name no subject, in
// German and English, folded.
var tradeWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`faq antwort answer newsletter abschnitt section social media post posting
	produkt product produktbeschreibung produkttext beschreibung description text texte copy presse press
	pressemitteilung release mitteilung betreff betreffzeile betreffzeilen subject line lines e mail email
	kampagne campaign aktion aktionen teaser blog artikel article seite page top tipp tipps tip tips
	kunden kundin kunde customer team q1 q2 q3 q4 kw woche week nr no teil part schritt step folge episode`) {
		m[w] = true
	}
	return m
}()

// citedSources returns the source numbers the draft's sentences cite.
func (r *run) citedSources() map[int]bool {
	cited := map[int]bool{}
	for _, s := range r.verified.Sentences {
		for _, n := range s.Cites {
			cited[n] = true
		}
	}
	return cited
}

// answersBrief holds for review a draft that does not name the subject the
// brief asks about, whose citations are not about that subject, that does
// not answer it (Answered), or that copies a writing guideline: whatever
// model wrote it.
func (r *run) answersBrief() {
	draft := r.verified.Draft
	cited := r.citedSources()
	brief := placeholderPattern.ReplaceAllString(r.prompt.Brief, " ")
	for _, subj := range BriefSubjects(brief, r.tmpl.PolicyChannel, r.brand) {
		if !Mentions(draft, subj) {
			r.res.Reasons = append(r.res.Reasons, Reason{Code: "brief", Severity: policy.SeverityReview,
				Message: fmt.Sprintf("The draft does not mention %q, which the brief asks about.", subj)})
			continue
		}
		supported := false
		for _, s := range r.sources {
			if cited[s.N] && (Mentions(s.Title, subj) || Mentions(s.Text, subj)) {
				supported = true
				break
			}
		}
		if !supported {
			r.res.Reasons = append(r.res.Reasons, Reason{Code: "brief", Severity: policy.SeverityReview,
				Message: fmt.Sprintf("No source the draft cites is about %q, which the brief asks about.", subj)})
		}
	}
	if reason, ok := Answered(r.verified.Draft, r.compose()); !ok {
		r.res.Reasons = append(r.res.Reasons, reason)
	}
	if len(r.guidelines) == 0 {
		return
	}
	// A run of words that a source holds as well is the source's, even
	// when a guideline quotes it as an example.
	sourced := map[string]bool{}
	for _, s := range r.sources {
		for run := range wordRuns(s.Text, quoteRun) {
			sourced[run] = true
		}
	}
	for _, s := range r.verified.Sentences {
		for _, g := range r.guidelines {
			if run, ok := Quotes(s.Text, g.Text); ok && !sourced[run] {
				r.res.Reasons = append(r.res.Reasons, Reason{Code: "guideline", Severity: policy.SeverityReview,
					Message: fmt.Sprintf("The draft copies the writing guideline %q, which is an instruction, not copy: %q", g.Title, clip(s.Text, 120))})
				break
			}
		}
	}
}

// respectsOutput holds for review a draft that uses a source the channel
// may not use freely: cited, or quoted without a citation.
func (r *run) respectsOutput() {
	cited := r.citedSources()
	free := map[string]bool{}
	for i, s := range r.sources {
		if r.restricted[i] == "" {
			for run := range wordRuns(s.Text, quoteRun) {
				free[run] = true
			}
		}
	}
	for i, why := range r.restricted {
		if why == "" {
			continue
		}
		src := r.sources[i]
		used := cited[src.N]
		for _, s := range r.verified.Sentences {
			if used {
				break
			}
			if run, ok := Quotes(s.Text, src.Text); ok && !free[run] {
				used = true
			}
		}
		if used {
			r.res.Reasons = append(r.res.Reasons, Reason{Code: "output", Severity: policy.SeverityReview,
				Message: fmt.Sprintf("The draft uses source [%d] %q, which is %s; a person must decide whether it may go out.", src.N, src.Title, why)})
		}
	}
}

// AnsweredRule names the answered check's reason.
const AnsweredRule = "brief.answered"

// bestAnswers is how many of the best answers a draft may choose from, and
// how close to the best an answer's score must be to count among them.
const (
	bestAnswers  = 3
	bestFraction = 0.8
)

// Answered checks that a draft answers its brief, whatever model wrote
// it: among the retrieved sources (c.Sources, read by llm.Answers, the
// offline composer's own selection) it finds the passages that best
// answer the brief; the draft must hold one of them — verbatim or in
// other words (3 in 5 of its terms in one or two consecutive draft
// sentences, with its numbers when the question asks for one or a date)
// — or, when no source answers the brief with confidence, say that the
// sources do not say. A question (a brief with a question mark, or an FAQ
// answer) that no source answers with confidence needs review unless the
// draft says so; other channels need the best answer only when there is
// a confident one. Subject lines are cut from sentences and are not
// checked. The reason is in the draft's language.
func Answered(draft string, c *llm.Compose) (Reason, bool) {
	if c.Channel == "subject_lines" {
		return Reason{}, true
	}
	question := c.Channel == "faq_answer" || strings.Contains(c.Brief, "?")
	answers := llm.Answers(*c)
	// The best answer, when it is confident, and the answers close to it.
	var best []llm.Answer
	if len(answers) > 0 && answers[0].Confident() {
		for _, a := range answers {
			if len(best) == bestAnswers || a.Score < bestFraction*answers[0].Score {
				break
			}
			best = append(best, a)
		}
	}
	lang := c.Lang
	if len(best) == 0 {
		if !question || SaysSourcesDoNotSay(draft) {
			return Reason{}, true
		}
		msg := "The draft does not answer the brief: no source sentence answers it with confidence; a person must answer it or say that the sources do not."
		if lang == "de" {
			msg = "Der Entwurf beantwortet das Briefing nicht: kein Satz der Quellen beantwortet es sicher; eine Person muss es beantworten oder sagen, dass die Quellen es nicht beantworten."
		}
		return Reason{Code: "brief", Rule: AnsweredRule, Severity: policy.SeverityReview, Message: msg}, false
	}
	for _, a := range best {
		if containsAnswer(draft, a, lang) {
			return Reason{}, true
		}
	}
	a := best[0]
	says := strings.Trim(clip(a.Text(), 160), "„“”\"")
	msg := fmt.Sprintf("The draft does not answer the brief: it lacks what source [%d] says: %q", a.N, says)
	if lang == "de" {
		msg = fmt.Sprintf("Der Entwurf beantwortet das Briefing nicht: es fehlt, was Quelle [%d] sagt: „%s“", a.N, says)
	}
	return Reason{Code: "brief", Rule: AnsweredRule, Severity: policy.SeverityReview, Message: msg}, false
}

// containsAnswer reports whether the draft holds answer a: its text
// verbatim, or 3 in 5 of its terms in one or two consecutive sentences of
// the draft, with all its numbers when the question asks for a number or
// a date.
func containsAnswer(draft string, a llm.Answer, lang string) bool {
	plain := citationRE.ReplaceAllString(draft, "")
	if strings.Contains(strings.Join(strings.Fields(plain), " "), strings.Join(strings.Fields(a.Text()), " ")) {
		return true
	}
	want := map[string]bool{}
	var numbers []string
	for _, t := range analysis.Tokens(lang, a.Text()) {
		if t.Term == "" {
			continue
		}
		want[t.Term] = true
		if t.Number {
			numbers = append(numbers, t.Term)
		}
	}
	if len(want) == 0 {
		return false
	}
	needNumbers := a.Kind == analysis.Number || a.Kind == analysis.Date
	var sents [][]string
	for _, u := range llm.Sentences(plain) {
		sents = append(sents, analysis.Terms(lang, u.Text))
	}
	for i := range sents {
		for j := i; j < min(i+2, len(sents)); j++ {
			have := map[string]bool{}
			for _, s := range sents[i : j+1] {
				for _, t := range s {
					have[t] = true
				}
			}
			found := 0
			for t := range want {
				if have[t] {
					found++
				}
			}
			ok := 5*found >= 3*len(want)
			if ok && needNumbers {
				for _, n := range numbers {
					ok = ok && have[n]
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// doNotSay are the ways a draft says that its sources do not answer the
// brief, in German and English, lower case.
var doNotSay = regexp.MustCompile(`(quellen|unterlagen|dokumente)\b[^.!?]{0,60}\b(nicht|keine)\b|keine angaben|finden sich [^.!?]{0,40}keine|nicht beantwort|(sources|documents)\b[^.!?]{0,60}\b(do not|don't|does not|doesn't|nothing|no information|not say|not mention)|no information|hold nothing|not covered by the sources`)

// SaysSourcesDoNotSay reports whether a draft says that its sources do not
// answer the brief.
func SaysSourcesDoNotSay(draft string) bool {
	return doNotSay.MatchString(strings.ToLower(draft))
}
