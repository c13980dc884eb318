package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kontext/guard/pii"

	"kontext/guard/internal/pattern"
	"kontext/guard/internal/textnorm"
)

// piiDetector finds personal data in text; *pii.Detector satisfies it.
type piiDetector interface {
	Detect(text string) []pii.Finding
}

// Checker checks drafts against a policy pack and, per call, a brand pack.
// It is safe for concurrent use.
type Checker struct {
	pack  *Pack
	pii   piiDetector
	model *Model
}

// CheckerOption configures a Checker.
type CheckerOption func(*Checker)

// WithPersonalData lets the pack's personal_data rules run with the given
// detector (a *pii.Detector). Without it those rules are skipped.
func WithPersonalData(d piiDetector) CheckerOption {
	return func(c *Checker) { c.pii = d }
}

// WithModel sets the claims model that looks for what the rules miss (see
// Model); nil switches it off. Without this option the embedded model
// (DefaultModel) runs, unless the pack or the brand pack says "model: false".
func WithModel(m *Model) CheckerOption {
	return func(c *Checker) { c.model = m }
}

// NewChecker returns a Checker for pack.
func NewChecker(pack *Pack, opts ...CheckerOption) *Checker {
	c := &Checker{pack: pack, model: DefaultModel()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Pack returns the pack the Checker applies, for provenance.
func (c *Checker) Pack() *Pack { return c.pack }

// CheckOptions describes the draft being checked.
type CheckOptions struct {
	// Channel is where the draft will be published ("newsletter", "social",
	// "product_page", …). Rules limited to channels, maximum lengths and
	// disclaimers apply by channel.
	Channel string
	// Lang is the draft's language, "de" or "en"; empty means the pack's
	// language, or a guess from the text when the pack has none.
	Lang string
	// Brand adds the brand's rules; nil checks the pack's rules only.
	Brand *BrandPack
	// AIDisclosed reports that the caller attaches an AI-disclosure label
	// outside the text (as metadata or a visible badge), which satisfies the
	// ai_disclosure rules.
	AIDisclosed bool
}

// checkRun holds the per-call state of Check.
type checkRun struct {
	c          *Checker
	text       string
	ft         textnorm.Folded
	m          *pattern.Matcher
	opts       CheckOptions
	lang       string
	out        []Violation
	unlessText map[*policyRule]bool
	meta       map[int]bool // sentence start token → the sentence talks about claims
	// cleared records, per category, the sentences (by their first token)
	// where a rule's hit was looked at and dropped (a negation, an
	// exception, authorised wording, no condition near): the rules have
	// judged that wording, and the model does not overrule them.
	cleared map[string][]int
}

// Check checks text and returns the decision with every violation, ordered by
// position.
func (c *Checker) Check(text string, opts CheckOptions) Result {
	r := &checkRun{c: c, text: text, opts: opts}
	r.opts.Channel = strings.ToLower(strings.TrimSpace(opts.Channel))
	r.ft = textnorm.Fold(text)
	footnoteMarks(&r.ft, text)
	toks := textnorm.Tokenize(r.ft.Text, nil)
	r.m = &pattern.Matcher{Text: r.ft.Text, Tokens: toks, Lang: c.pack.lang}
	r.lang = strings.ToLower(opts.Lang)
	if r.lang == "" {
		r.lang = c.pack.Lang
	}
	if r.lang == "" {
		r.lang = guessLang(r.m)
	}

	r.patternRules()
	for _, rule := range c.pack.rules {
		if !r.applies(rule) {
			continue
		}
		switch rule.check {
		case checkAIDisclosure:
			r.aiDisclosure(rule)
		case checkPersonalData:
			r.personalData(rule)
		case checkCompetitor:
			if opts.Brand != nil && opts.Brand.competitorIndex != nil {
				r.indexHits(rule, opts.Brand.competitorIndex, nil)
			}
		case checkPriceFloor:
			if opts.Brand != nil && opts.Brand.floorIndex != nil {
				r.priceFloors(rule, opts.Brand)
			}
		case "":
			if len(rule.regex) > 0 && !rule.patterned {
				r.regexRule(rule)
			}
		}
	}
	if opts.Brand != nil {
		r.brand(opts.Brand)
	}
	if c.model != nil && c.pack.model && (opts.Brand == nil || opts.Brand.Model == nil || *opts.Brand.Model) {
		r.modelFindings(c.model)
	}
	return r.result()
}

func (r *checkRun) applies(rule *policyRule) bool {
	return len(rule.channels) == 0 || slices.Contains(rule.channels, r.opts.Channel)
}

// patternRules runs the pack's indexed patterns once over the tokens and
// validates each candidate against its rule's conditions.
func (r *checkRun) patternRules() {
	p := r.c.pack
	lastEnd := make(map[int]int32)
	p.index.Scan(r.m, func(h pattern.Hit) {
		ri := p.patRule[h.ID]
		rule := p.rules[ri]
		if end, ok := lastEnd[ri]; ok && h.Start < end {
			return
		}
		s, e := int(h.Start), int(h.End)
		if !r.applies(rule) {
			return
		}
		if !r.valid(rule, &s, &e) {
			r.clear(rule.category, s, e)
			return
		}
		lastEnd[ri] = h.End
		r.add(rule, s, e, nil)
	})
}

// valid checks a candidate hit against except, not_after, near, unless_near,
// regex, unless_text, unless_sentence and, for claim rules, the pack's meta
// patterns and unanswered questions. A near clause with span set widens
// [*sp, *ep) over its match.
func (r *checkRun) valid(rule *policyRule, sp, ep *int) bool {
	s, e := *sp, *ep
	m := r.m
	if len(rule.except) > 0 && m.MatchElems(rule.except, s) {
		return false
	}
	// A hit never reaches over a sentence end ("unser leichtester Ring
	// bisher. 24,90 €" holds no former price).
	for i := s + 1; i < e; i++ {
		if m.Tokens[i].Flags&textnorm.SentStart != 0 && !r.softStart(i) {
			return false
		}
	}
	if len(rule.notAfter) > 0 && s > 0 && m.Tokens[s].Flags&textnorm.SentStart == 0 && m.MatchElems(rule.notAfter, s-1) {
		return false
	}
	// An ignore phrase covers the hit when it starts up to ignoreBack words
	// before it and reaches its end ("ab 25 € Auftragswert kostenlos").
	for _, ip := range rule.ignore {
		for j := max(0, s-ignoreBack); j <= s; j++ {
			if end := m.Match(ip, j); end >= e {
				return false
			}
		}
	}
	if rule.near != nil {
		a, b, ok := r.nearMatch(rule.near, s, e)
		if !ok {
			return false
		}
		if rule.near.span {
			*sp, *ep = min(s, a), max(e, b)
		}
	}
	if rule.unlessNear != nil {
		if _, _, ok := r.nearMatch(rule.unlessNear, s, e); ok {
			return false
		}
	}
	if rule.negatable && r.negated(s, e) {
		return false
	}
	if rule.ownModel && r.ownModel(s, e) {
		return false
	}
	if len(rule.regex) > 0 {
		a, b := r.sentence(s, e)
		ok := false
		for _, re := range rule.regex {
			if re.MatchString(r.text[a:b]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if (rule.unlessText != nil || rule.unlessRegex != nil) && r.textHas(rule) {
		return false
	}
	return r.sentenceValid(rule, s, e)
}

// softStart reports whether the sentence start at token i follows an
// abbreviation, an initial or a short number ("ca. 20 €", "Katja M.
// empfiehlt", "am 6. Mai"), not a full sentence end.
func (r *checkRun) softStart(i int) bool {
	p := r.m.Tokens[i-1]
	return p.End-p.Start <= 1 || p.Flags&textnorm.Number != 0 && p.End-p.Start <= 2 || notSentenceEnd[r.m.Text[p.Start:p.End]]
}

// ignoreBack is how many words before a hit an ignore phrase may start.
const ignoreBack = 8

// sentenceValid applies the conditions on the sentence around tokens [s,e):
// unless_sentence, and for claim rules the meta patterns and questions.
func (r *checkRun) sentenceValid(rule *policyRule, s, e int) bool {
	if len(rule.unlessSentence) == 0 && (!rule.claim || len(r.c.pack.meta) == 0 && r.c.pack.answers == nil) {
		return true
	}
	a, b := r.sentenceTokens(s, e)
	if len(rule.unlessSentence) > 0 && r.sentenceHas(rule.unlessSentence, a, b) {
		return false
	}
	if !rule.claim {
		return true
	}
	if len(r.c.pack.meta) > 0 {
		if r.meta == nil {
			r.meta = map[int]bool{}
		}
		v, ok := r.meta[a]
		if !ok {
			v = r.sentenceHas(r.c.pack.meta, a, b)
			r.meta[a] = v
		}
		if v {
			return false
		}
	}
	if !rule.literal && r.c.pack.answers != nil && !r.presupposed(a, b) && r.unansweredQuestion(b) {
		return false
	}
	return true
}

// presupposed reports whether the sentence of tokens [a,b) opens with a
// word whose question states the writer's own claim ("Warum ist unsere
// Matratze besser als …?") and does not address the brand in the reader's
// voice ("Warum ist Ihr Saatgut teurer …?").
func (r *checkRun) presupposed(a, b int) bool {
	p := r.c.pack
	if !p.presuppose[r.m.Word(a)] {
		return false
	}
	for i := a + 1; i < b; i++ {
		if p.readerVoice[r.m.Word(i)] {
			return false
		}
	}
	return true
}

// ownModel reports whether the comparison [s,e) sets a model against an
// earlier one of the same name: a name and a number after the hit (past an
// article) whose name stands before the hit in the sentence with another
// number ("Der Trail 3 ist leichter als der Trail 2").
func (r *checkRun) ownModel(s, e int) bool {
	m := r.m
	a, b := r.sentenceTokens(s, e)
	k := e
	for k < b && k < e+2 && ownModelArticle[m.Word(k)] {
		k++
	}
	if k+1 >= b || m.Tokens[k].Flags&textnorm.Number != 0 || m.Tokens[k+1].Flags&textnorm.Number == 0 {
		return false
	}
	name, num := m.Word(k), m.Word(k+1)
	for i := a; i+1 < s; i++ {
		if m.Word(i) == name && m.Tokens[i+1].Flags&textnorm.Number != 0 && m.Word(i+1) != num {
			return true
		}
	}
	return false
}

// ownModelArticle holds the words that may stand between a comparison and
// the model it names.
var ownModelArticle = map[string]bool{"the": true, "a": true, "our": true, "its": true, "der": true, "die": true,
	"das": true, "dem": true, "den": true, "des": true, "unser": true, "unsere": true, "unseren": true, "unserem": true, "ein": true, "eine": true}

// clear records that a hit of category over tokens [s,e) was dropped.
func (r *checkRun) clear(category string, s, e int) {
	a, _ := r.sentenceTokens(s, e)
	if r.cleared == nil {
		r.cleared = map[string][]int{}
	}
	r.cleared[category] = append(r.cleared[category], a)
}

// sentenceTokens returns the token range [a,b) of the sentence around [s,e).
func (r *checkRun) sentenceTokens(s, e int) (int, int) {
	m := r.m
	for s > 0 && m.Tokens[s].Flags&textnorm.SentStart == 0 {
		s--
	}
	for e < len(m.Tokens) && m.Tokens[e].Flags&textnorm.SentStart == 0 {
		e++
	}
	return s, e
}

// sentenceHas reports whether one of pats matches within tokens [a,b).
func (r *checkRun) sentenceHas(pats []*pattern.Pattern, a, b int) bool {
	for i := a; i < b; i++ {
		for _, p := range pats {
			if end := r.m.Match(p, i); end > i && end <= b {
				return true
			}
		}
	}
	return false
}

// unansweredQuestion reports whether the sentence ending before token b is
// a question and the next sentence does not begin with an affirmation.
func (r *checkRun) unansweredQuestion(b int) bool {
	m := r.m
	end := r.ft.Orig(int(m.Tokens[b-1].End))
	stop := len(r.text)
	if b < len(m.Tokens) {
		stop = r.ft.Orig(int(m.Tokens[b].Start))
	}
	q := false
	for i := end; i < stop && i < len(r.text); i++ {
		switch r.text[i] {
		case '?':
			q = true
		case '.', '!', '\n':
			i = stop
		}
	}
	if !q || b >= len(m.Tokens) {
		// A question nothing follows is the writer's own (rhetorical).
		return false
	}
	// The answer of a question-and-answer layout: "Q: … ? A: Yes, …".
	if w := m.Word(b); (w == "a" || w == "answer" || w == "antwort") && b+1 < len(m.Tokens) &&
		strings.HasPrefix(strings.TrimLeft(r.ft.Text[m.Tokens[b].End:m.Tokens[b+1].Start], " "), ":") {
		b++
	}
	answers := r.c.pack.answers
	if answers[m.Word(b)] {
		return false
	}
	// An answer of two words ("of course").
	return b+1 >= len(m.Tokens) || m.Tokens[b+1].Flags&textnorm.SentStart != 0 || !answers[m.Word(b)+" "+m.Word(b+1)]
}

// nearMatch reports whether one of the clause's patterns starts within
// window words of the hit [s,e), outside the hit itself, and where it
// matched.
func (r *checkRun) nearMatch(n *nearClause, s, e int) (int, int, bool) {
	m := r.m
	lo := max(0, s-n.window)
	hi := min(len(m.Tokens), e+n.window)
	for i := lo; i < hi; i++ {
		if i >= s && i < e {
			continue
		}
		if len(n.notAfter) > 0 {
			prev := i - 1
			for prev >= 0 && m.Tokens[prev].Flags&textnorm.Currency != 0 {
				prev--
			}
			if prev >= 0 && m.MatchElems(n.notAfter, prev) {
				continue
			}
		}
		for _, p := range n.patterns {
			if end := m.Match(p, i); end > i && !r.inside(n.notIn, i, end) {
				return i, end, true
			}
		}
	}
	return 0, 0, false
}

// inside reports whether one of pats matches over tokens [s,e): a match
// starting up to three words before s that reaches e.
func (r *checkRun) inside(pats []*pattern.Pattern, s, e int) bool {
	for _, p := range pats {
		for j := max(0, s-3); j <= s; j++ {
			if end := r.m.Match(p, j); end >= e {
				return true
			}
		}
	}
	return false
}

// clauseBreak reports whether a clause ends between tokens i-1 and i: a
// sentence start, a comma, semicolon, colon, dash or bracket between them,
// or a word of the pack's negation breaks at i.
func (r *checkRun) clauseBreak(i int, breaks map[string]bool) bool {
	m := r.m
	if i <= 0 || i >= len(m.Tokens) {
		return true
	}
	if m.Tokens[i].Flags&textnorm.SentStart != 0 || breaks[m.Word(i)] {
		return true
	}
	gap := r.ft.Text[m.Tokens[i-1].End:m.Tokens[i].Start]
	return strings.ContainsAny(gap, ",;:()–—") || strings.Contains(gap, " - ")
}

// negated reports whether a negation cue of the pack stands in the clause
// of the hit [s,e), outside it, within the negation window: before the hit,
// or after it when the pack says so. A cue inside a keep phrase ("not
// only", "nie wieder") does not negate.
func (r *checkRun) negated(s, e int) bool {
	n := r.c.pack.negation
	if n == nil {
		return false
	}
	m := r.m
	try := func(i int) bool {
		for _, p := range n.cues {
			end := m.Match(p, i)
			if end <= i {
				continue
			}
			if end > s && i < e {
				continue // the cue is part of the hit ("no more headaches")
			}
			if r.inside(n.keep, i, end) || r.keepAt(n.keep, i) {
				continue
			}
			return true
		}
		return false
	}
	// A negation never reaches over a sentence end ("You'll never pay
	// another penny. That's a promise.").
	before := s
	if s < len(m.Tokens) && m.Tokens[s].Flags&textnorm.SentStart != 0 {
		before = 0
	}
	for i := s - 1; i >= 0 && i >= s-n.window && before > 0; i-- {
		if try(i) {
			return true
		}
		if r.clauseBreak(i, n.breaks) {
			break
		}
	}
	if !n.after {
		return false
	}
	for i := e; i < len(m.Tokens) && i < e+n.window; i++ {
		if r.clauseBreak(i, n.breaks) {
			break
		}
		if try(i) {
			return true
		}
	}
	return false
}

// keepAt reports whether a keep phrase starts at token i ("not only").
func (r *checkRun) keepAt(keep []*pattern.Pattern, i int) bool {
	for _, p := range keep {
		if r.m.Match(p, i) > i {
			return true
		}
	}
	return false
}

// superscripts are the footnote marks of marketing copy (¹ ² ³ ⁴ … ⁹ ⁰).
const superscripts = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"

// footnoteMarks blanks the digits that folding made of superscripts, so
// that a footnote mark does not glue onto the word beside it ("month!¹
// ¹Plus £3,500 …" reads "month! plus £3,500 …", not "1plus").
func footnoteMarks(ft *textnorm.Folded, text string) {
	if !strings.ContainsAny(text, superscripts) {
		return
	}
	b := []byte(ft.Text)
	for j := range b {
		o := ft.Orig(j)
		if o < len(text) && textnorm.IsDigit(b[j]) {
			if r, _ := utf8.DecodeRuneInString(text[o:]); strings.ContainsRune(superscripts, r) {
				b[j] = ' '
			}
		}
	}
	ft.Text = string(b)
}

// textHas reports whether any unless_text pattern occurs anywhere in the
// text or an unless_regex expression matches the folded text.
func (r *checkRun) textHas(rule *policyRule) bool {
	if v, ok := r.unlessText[rule]; ok {
		return v
	}
	if r.unlessText == nil {
		r.unlessText = map[*policyRule]bool{}
	}
	found := rule.unlessText != nil && rule.unlessText.Any(r.m)
	for _, re := range rule.unlessRegex {
		if found {
			break
		}
		found = re.MatchString(r.ft.Text)
	}
	r.unlessText[rule] = found
	return found
}

// sentence returns the original byte range of the sentence around tokens [s,e).
func (r *checkRun) sentence(s, e int) (int, int) {
	m := r.m
	for s > 0 && m.Tokens[s].Flags&textnorm.SentStart == 0 {
		s--
	}
	for e < len(m.Tokens) && m.Tokens[e].Flags&textnorm.SentStart == 0 {
		e++
	}
	return r.ft.Orig(int(m.Tokens[s].Start)), r.ft.Orig(int(m.Tokens[e-1].End))
}

func (r *checkRun) span(s, e int) [2]int {
	a, b := textnorm.ClampSpan(r.ft.Orig(int(r.m.Tokens[s].Start)), r.ft.Orig(int(r.m.Tokens[e-1].End)), len(r.text))
	return [2]int{a, b}
}

// add records a violation of rule over tokens [s,e) with message
// placeholders {match} and extra ones filled in.
func (r *checkRun) add(rule *policyRule, s, e int, extra map[string]string) {
	sp := r.span(s, e)
	r.addRule(rule, sp, extra)
}

// addRule records a violation of rule over the byte span sp.
func (r *checkRun) addRule(rule *policyRule, sp [2]int, extra map[string]string) {
	r.addSpan(rule.id, rule.category, rule.severity, sp, rule.message, extra)
	v := &r.out[len(r.out)-1]
	v.Basis, v.Rewrite = rule.basis, rule.rewrite
}

func (r *checkRun) addSpan(id, category string, sev Severity, sp [2]int, msg string, extra map[string]string) {
	if strings.Contains(msg, "{") {
		for k, v := range extra {
			msg = strings.ReplaceAll(msg, "{"+k+"}", v)
		}
		if strings.Contains(msg, "{match}") {
			msg = strings.ReplaceAll(msg, "{match}", collapseSpace(r.text[sp[0]:sp[1]]))
		}
	}
	r.out = append(r.out, Violation{Rule: id, Category: category, Severity: sev, Span: sp, Message: msg})
}

func (r *checkRun) indexHits(rule *policyRule, ix *pattern.Index, extra map[string]string) {
	var lastEnd int32
	ix.Scan(r.m, func(h pattern.Hit) {
		if h.Start < lastEnd {
			return
		}
		lastEnd = h.End
		r.add(rule, int(h.Start), int(h.End), extra)
	})
}

// regexRule reports the matches of a rule made of regular expressions
// only. They run on the folded text (lower-case, dashes and quotes
// normalised) and only when the text holds one of the rule's gate strings;
// unless_text, unless_sentence, meta patterns and questions apply to them
// as to token patterns.
func (r *checkRun) regexRule(rule *policyRule) {
	if len(rule.gate) > 0 {
		open := false
		for _, g := range rule.gate {
			if strings.Contains(r.ft.Text, g) {
				open = true
				break
			}
		}
		if !open {
			return
		}
	}
	if (rule.unlessText != nil || rule.unlessRegex != nil) && r.textHas(rule) {
		return
	}
	for _, re := range rule.folded {
		for _, loc := range re.FindAllStringIndex(r.ft.Text, 100) {
			if loc[1] <= loc[0] {
				continue
			}
			a, b := textnorm.ClampSpan(r.ft.Orig(loc[0]), r.ft.Orig(loc[1]), len(r.text))
			if b <= a {
				continue
			}
			if s, e, ok := r.tokensOf(a, b); ok && !r.sentenceValid(rule, s, e) {
				r.clear(rule.category, s, e)
				continue
			}
			r.addRule(rule, [2]int{a, b}, nil)
		}
	}
}

// tokensOf returns the tokens that overlap the original byte range [a,b).
func (r *checkRun) tokensOf(a, b int) (int, int, bool) {
	s, e := -1, -1
	for i, t := range r.m.Tokens {
		ts, te := r.ft.Orig(int(t.Start)), r.ft.Orig(int(t.End))
		if te > a && ts < b {
			if s < 0 {
				s = i
			}
			e = i + 1
		}
		if ts >= b {
			break
		}
	}
	return s, e, s >= 0
}

func (r *checkRun) aiDisclosure(rule *policyRule) {
	if r.opts.AIDisclosed || len(rule.channels) == 0 && r.opts.Channel == "" {
		return
	}
	if !rule.labels.Any(r.m) {
		r.addRule(rule, [2]int{0, 0}, map[string]string{"channel": r.opts.Channel})
	}
}

func (r *checkRun) personalData(rule *policyRule) {
	if r.c.pii == nil {
		return
	}
	findings := r.c.pii.Detect(r.text)
	var own []bool
	if rule.business != nil {
		own = r.businessContacts(rule.business, findings)
	}
	for i, f := range findings {
		if len(rule.types) > 0 && !slices.Contains(rule.types, f.Type) {
			continue
		}
		a, b := textnorm.ClampSpan(f.Start, f.End, len(r.text))
		if b <= a || r.withinCategories(rule.notWithin, a, b) || own != nil && own[i] {
			continue
		}
		r.addRule(rule, [2]int{a, b}, map[string]string{"type": f.Type, "match": "[" + f.Type + "]"})
	}
}

// serviceNumbers is what a *pii.Detector offers beside Detect: whether a
// phone number is a toll-free or shared-cost line.
type serviceNumbers interface {
	ServiceNumber(phone string) bool
}

// bizSentence is what the business clause found in one sentence.
type bizSentence struct {
	roles    [][2]int // token ranges of role patterns
	own      bool     // the sentence presents the business
	venue    bool     // the sentence names a place of business or an event's venue
	customer bool     // the sentence is about a customer
	cued     bool     // a customer pattern stands in the sentence
	data     int      // findings other than persons in the sentence
}

// businessContacts reports for each finding whether it is contact data of
// the business itself or of a person in a business role (see businessFile).
func (r *checkRun) businessContacts(bc *businessClause, findings []pii.Finding) []bool {
	out := make([]bool, len(findings))
	if len(findings) == 0 || len(r.m.Tokens) == 0 {
		return out
	}
	type place struct{ s, e, sent int }
	places := make([]place, len(findings))
	sents := map[int]*bizSentence{}
	for i, f := range findings {
		s, e, ok := r.tokensOf(f.Start, f.End)
		if !ok {
			places[i] = place{-1, -1, -1}
			continue
		}
		a, b := r.wholeSentence(s, e)
		places[i] = place{s, e, a}
		if sents[a] != nil {
			if f.Type != pii.TypePerson {
				sents[a].data++
			}
			continue
		}
		bs := &bizSentence{}
		for j := a; j < b; j++ {
			for _, p := range bc.roles {
				if end := r.m.Match(p, j); end > j && end <= b {
					bs.roles = append(bs.roles, [2]int{j, end})
				}
			}
		}
		bs.own = r.sentenceHas(bc.own, a, b)
		bs.venue = r.sentenceHas(bc.venues, a, b)
		bs.customer = r.sentenceHas(bc.customers, a, b)
		bs.cued = bs.customer
		if f.Type != pii.TypePerson {
			bs.data++
		}
		sents[a] = bs
	}
	// A person is a business contact when a role stands next to the name;
	// a sentence that names anyone else is about that person.
	named := false // a person who may be a customer is named in the text
	for i, f := range findings {
		pl := places[i]
		if f.Type != pii.TypePerson || pl.sent < 0 {
			continue
		}
		bs := sents[pl.sent]
		for _, h := range bs.roles {
			if h[1] > pl.s-bc.window-1 && h[0] < pl.e+bc.window {
				out[i] = true
				break
			}
		}
		// A staff pattern ends right before the name ("unsere Friseurin
		// Aylin") or starts right after it ("Priya, unsere Röstmeisterin").
		for _, p := range bc.staff {
			if out[i] {
				break
			}
			for j := max(pl.sent, pl.s-4); j < pl.s; j++ {
				if r.m.Match(p, j) == pl.s {
					out[i] = true
					break
				}
			}
			if !out[i] && pl.e < len(r.m.Tokens) && r.m.Match(p, pl.e) > pl.e {
				out[i] = true
			}
		}
		// A first name alone, with nothing to reach the person by and no
		// customer named, identifies no one.
		if !out[i] && bc.firstNameAlone && pl.e-pl.s == 1 && !strings.ContainsAny(strings.TrimSpace(f.Value), " -.") && !bs.cued && bs.data == 0 {
			out[i] = true
		}
		if !out[i] && r.placeName(bc, f, pl.e) {
			out[i] = true
		}
		if !out[i] {
			bs.customer = true
			named = true
		}
	}
	// A mail address made of a person's names ("mark.sutherland@…") names
	// that person.
	for _, f := range findings {
		if local, _, _ := strings.Cut(strings.ToLower(f.Value), "@"); f.Type == pii.TypeEmail && !bc.mailboxes[local] && strings.ContainsAny(local, "._") {
			named = true
		}
	}
	sn, _ := r.c.pii.(serviceNumbers)
	for i, f := range findings {
		pl := places[i]
		if f.Type == pii.TypePerson || pl.sent < 0 {
			continue
		}
		bs := sents[pl.sent]
		if bs.customer {
			continue
		}
		switch f.Type {
		case pii.TypeEmail:
			local, domain, _ := strings.Cut(strings.ToLower(f.Value), "@")
			out[i] = !freemail[domain] && (bs.own || len(bs.roles) > 0 || bc.mailboxes[local])
		case pii.TypePhone:
			out[i] = bs.own || len(bs.roles) > 0 || switchboard(f.Value) || sn != nil && sn.ServiceNumber(f.Value)
		case pii.TypeAddress:
			out[i] = bs.own || bs.venue || len(bs.roles) > 0
		}
		// A phone number or a mail address with nobody named in the text
		// and no customer word beside it is the business's own line.
		if !out[i] && bc.contactNeedsPerson && !named && !bs.cued && (f.Type == pii.TypePhone || f.Type == pii.TypeEmail) && !r.calledByName(pl.sent, pl.s) {
			local, domain, _ := strings.Cut(strings.ToLower(f.Value), "@")
			out[i] = f.Type == pii.TypePhone || !freemail[domain] && local != ""
		}
	}
	return out
}

// calledByName reports whether a word that asks the reader to get in
// touch is followed by a capitalised word between tokens a and e ("Call
// Jana at …", "Ruf Jana an"): a name the detector may not have taken for
// one.
func (r *checkRun) calledByName(a, e int) bool {
	m := r.m
	for i := a; i+1 < e; i++ {
		if !contactVerbs[m.Word(i)] || m.Tokens[i+1].Flags&textnorm.SentStart != 0 || notNames[m.Word(i+1)] {
			continue
		}
		if o := r.ft.Orig(int(m.Tokens[i+1].Start)); o < len(r.text) {
			if c, _ := utf8.DecodeRuneInString(r.text[o:]); unicode.IsUpper(c) {
				return true
			}
		}
	}
	return false
}

// contactVerbs ask the reader to get in touch; notNames are the capitalised
// words after them that name no one.
var (
	contactVerbs = map[string]bool{"call": true, "ring": true, "phone": true, "text": true, "email": true, "e-mail": true, "message": true,
		"contact": true, "ruf": true, "rufen": true, "ruft": true, "frag": true, "fragen": true, "fragt": true, "schreib": true,
		"schreiben": true, "schreibt": true, "kontaktieren": true, "kontaktiere": true, "erreichen": true}
	notNames = map[string]bool{"us": true, "uns": true, "sie": true, "ihr": true, "ihnen": true, "du": true, "the": true, "our": true,
		"unser": true, "unsere": true, "unseren": true, "unserem": true, "den": true, "die": true, "das": true, "der": true, "dem": true, "i": true}
)

// placeName reports whether the person finding f, ending before token e,
// is part of a place's name: its last hyphenated part or the word after it
// is one of the clause's place words ("Clara-Zetkin-Park", "Victoria Park").
func (r *checkRun) placeName(bc *businessClause, f pii.Finding, e int) bool {
	if len(bc.places) == 0 {
		return false
	}
	v := strings.ToLower(strings.TrimSpace(f.Value))
	if k := strings.LastIndexAny(v, "-‐"); k >= 0 && bc.places[strings.Trim(v[k:], "-‐")] {
		return true
	}
	return e < len(r.m.Tokens) && bc.places[r.m.Word(e)]
}

// notSentenceEnd holds the folded words after which a full stop is an
// abbreviation's, not a sentence's end ("Tel. 040 …", "Dr. Roth").
var notSentenceEnd = map[string]bool{"tel": true, "fax": true, "mobil": true, "mob": true, "nr": true, "no": true,
	"dr": true, "prof": true, "str": true, "st": true, "abt": true, "ca": true, "inkl": true, "zzgl": true, "bzw": true,
	"mr": true, "mrs": true, "ms": true, "tel.-nr": true, "hausnr": true, "co": true,
	"med": true, "dent": true, "dipl": true, "ing": true, "rer": true, "nat": true, "phil": true}

// wholeSentence is sentenceTokens without the breaks after an
// abbreviation or an ordinal ("vom 6. bis 8. März", "Tel. 0221 …") and at
// line breaks and semicolons without a full stop (the lines of a
// signature), which the tokenizer takes for sentence ends: contact data and
// the words that say whose it is often stand on either side of one.
func (r *checkRun) wholeSentence(s, e int) (int, int) {
	return r.joinedSentence(s, e, true)
}

// joinedSentence is sentenceTokens without the breaks after an
// abbreviation or an ordinal, and with lines also without the breaks at
// line ends and semicolons.
func (r *checkRun) joinedSentence(s, e int, lines bool) (int, int) {
	toks := r.m.Tokens
	soft := func(i int) bool { // the boundary before token i is no sentence end
		if i <= 0 || i >= len(toks) {
			return false
		}
		p := toks[i-1]
		if !strings.ContainsAny(r.m.Text[p.End:toks[i].Start], ".!?") {
			return lines // a line break or semicolon: a signature, an address block, a list
		}
		return p.Flags&textnorm.Number != 0 && p.End-p.Start <= 2 || notSentenceEnd[r.m.Text[p.Start:p.End]]
	}
	a, b := r.sentenceTokens(s, e)
	for n := 0; n < 8 && soft(a); n++ {
		a, _ = r.sentenceTokens(a-1, a)
	}
	for n := 0; n < 8 && soft(b); n++ {
		_, b = r.sentenceTokens(b, b+1)
	}
	return a, b
}

// freemail holds the domains of mail providers for private persons: an
// address there is a person's own, whoever publishes it.
var freemail = map[string]bool{"gmx.de": true, "gmx.net": true, "gmx.at": true, "gmx.ch": true, "web.de": true,
	"t-online.de": true, "gmail.com": true, "googlemail.com": true, "outlook.com": true, "outlook.de": true,
	"hotmail.com": true, "hotmail.de": true, "hotmail.co.uk": true, "live.com": true, "live.de": true, "live.co.uk": true,
	"yahoo.com": true, "yahoo.de": true, "yahoo.co.uk": true, "icloud.com": true, "me.com": true, "aol.com": true,
	"aol.de": true, "mail.de": true, "posteo.de": true, "freenet.de": true, "proton.me": true, "protonmail.com": true,
	"btinternet.com": true, "sky.com": true, "bluewin.ch": true, "aon.at": true, "arcor.de": true, "online.de": true}

// switchboard reports whether a phone number ends in the extension of a
// company's switchboard, "-0" ("040 800 900-0"): the way German businesses
// write their main number.
func switchboard(phone string) bool {
	phone = strings.TrimSpace(phone)
	return strings.HasSuffix(phone, "-0") || strings.HasSuffix(phone, "- 0")
}

// withinCategories reports whether the byte range [a,b) lies in the
// sentence of a violation of one of the categories found so far.
func (r *checkRun) withinCategories(cats []string, a, b int) bool {
	if len(cats) == 0 {
		return false
	}
	for _, v := range r.out {
		if !slices.Contains(cats, v.Category) {
			continue
		}
		s, e, ok := r.tokensOf(v.Span[0], v.Span[1])
		if !ok {
			continue
		}
		// The sentence reaches over abbreviations ("– Dr. med. Jan Keller"),
		// not over line breaks.
		ts, te := r.joinedSentence(s, e, false)
		ss, se := r.ft.Orig(int(r.m.Tokens[ts].Start)), r.ft.Orig(int(r.m.Tokens[te-1].End))
		if a >= ss && b <= se {
			return true
		}
	}
	return false
}

// priceFloors flags prices below the floor of the product they are offered
// for: the nearest product name up to 15 words before the price, or else up
// to 8 words after it. Struck-through and "statt"/"was" prices are former
// prices, not offers, and are left to the strike-price rules.
func (r *checkRun) priceFloors(rule *policyRule, b *BrandPack) {
	m := r.m
	type prodHit struct{ start, end, floor int }
	var prods []prodHit
	b.floorIndex.Scan(m, func(h pattern.Hit) { prods = append(prods, prodHit{int(h.Start), int(h.End), int(h.ID)}) })
	if len(prods) == 0 {
		return
	}
	for i, t := range m.Tokens {
		if t.Flags&textnorm.Price == 0 || t.Flags&textnorm.Struck != 0 || formerPriceCue(m, i) {
			continue
		}
		best, dist := -1, 1<<30
		for _, p := range prods {
			switch {
			case p.end <= i && i-p.end < 15 && i-p.end < dist:
				best, dist = p.floor, i-p.end
			case p.start > i && p.start-i <= 8 && p.start-i+15 < dist:
				best, dist = p.floor, p.start-i+15
			}
		}
		if best < 0 {
			continue
		}
		pf := b.floors[best]
		if t.Value < pf.floor {
			s, e := i, i+1
			if i > 0 && m.Tokens[i-1].Flags&textnorm.Currency != 0 && int(t.Start-m.Tokens[i-1].End) <= 2 {
				s = i - 1
			} else if i+1 < len(m.Tokens) && m.Tokens[i+1].Flags&textnorm.Currency != 0 {
				e = i + 2
			}
			r.add(rule, s, e, map[string]string{"product": pf.name, "floor": formatEUR(pf.floor)})
		}
	}
}

// formerPriceCue reports whether the words before price token i mark it as a
// former or reference price ("statt 199 €", "was €49", "UVP 249 €").
func formerPriceCue(m *pattern.Matcher, i int) bool {
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		switch m.Word(j) {
		case "statt", "anstatt", "was", "vorher", "ursprünglich", "bisher", "uvp", "rrp", "msrp", "previously", "originally", "regular", "regulär", "normalpreis", "früher":
			return true
		}
	}
	return false
}

func formatEUR(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	return strings.TrimSuffix(s, ".00")
}

// brand applies the brand pack's own checks.
func (r *checkRun) brand(b *BrandPack) {
	if b.bannedIndex != nil {
		sev := b.severity(brandBannedWord)
		var lastEnd int32
		b.bannedIndex.Scan(r.m, func(h pattern.Hit) {
			if h.Start < lastEnd {
				return
			}
			lastEnd = h.End
			r.addSpan("brand."+brandBannedWord, brandBannedWord, sev, r.span(int(h.Start), int(h.End)), "Banned word for "+b.label()+": {match}.", nil)
		})
	}
	for i, ix := range b.required {
		if !ix.Any(r.m) {
			r.addSpan("brand."+brandRequiredTerm, brandRequiredTerm, b.severity(brandRequiredTerm), [2]int{0, 0},
				fmt.Sprintf("Required term %q is missing.", b.RequiredTerms[i]), nil)
		}
	}
	if r.lang == "de" && b.AddressForm != "" {
		r.addressForm(b)
	}
	if limit, ok := b.MaxLength[r.opts.Channel]; ok {
		if n := utf8.RuneCountInString(r.text); n > limit {
			cut := len(r.text)
			for i := range r.text {
				if limit == 0 {
					cut = i
					break
				}
				limit--
			}
			r.addSpan("brand."+brandMaxLength, brandMaxLength, b.severity(brandMaxLength), [2]int{cut, len(r.text)},
				fmt.Sprintf("The draft has %d characters; %s allows %d on %s.", n, b.label(), b.MaxLength[r.opts.Channel], r.opts.Channel), nil)
		}
	}
	if d, ok := b.Disclaimers[r.opts.Channel]; ok && strings.TrimSpace(d) != "" {
		if !strings.Contains(collapseSpace(r.ft.Text), collapseSpace(textnorm.Fold(d).Text)) {
			r.addSpan("brand."+brandDisclaimer, brandDisclaimer, b.severity(brandDisclaimer), [2]int{0, 0},
				fmt.Sprintf("The %s disclaimer %q is missing.", r.opts.Channel, d), nil)
		}
	}
}

func (b *BrandPack) label() string {
	if b.Name != "" {
		return b.Name
	}
	return b.ID
}

// collapseSpace turns every run of white space into one space and trims the ends.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// addressForm flags the address form the brand does not use. For "Sie" the
// informal pronouns and unambiguous second-person-singular verb forms are
// flagged; for "du" the capitalised formal pronouns inside a sentence (a
// capitalised "Sie" at a sentence start may mean "they" and is left alone).
func (r *checkRun) addressForm(b *BrandPack) {
	m := r.m
	sev := b.severity(brandAddressForm)
	for i := range m.Tokens {
		w := m.Word(i)
		wrong := false
		if b.AddressForm == "sie" {
			switch w {
			case "du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines", "euch", "euer", "eure", "euren", "eurem", "eurer",
				"bist", "hast", "kannst", "willst", "musst", "sollst", "wirst", "darfst", "möchtest", "weißt", "brauchst", "bekommst", "findest", "sparst", "entdeckst", "gönn":
				wrong = true
			}
		} else {
			switch w {
			case "sie", "ihnen", "ihr", "ihre", "ihren", "ihrem", "ihrer", "ihres":
				o := r.ft.Orig(int(m.Tokens[i].Start))
				if o < len(r.text) && (r.text[o] == 'S' || r.text[o] == 'I') && m.Tokens[i].Flags&textnorm.SentStart == 0 && !afterQuote(r.text, o) {
					wrong = true
				}
			}
		}
		if wrong {
			want := "Sie"
			if b.AddressForm == "du" {
				want = "du"
			}
			r.addSpan("brand."+brandAddressForm, brandAddressForm, sev, r.span(i, i+1),
				fmt.Sprintf("%s addresses readers with %q; {match} uses the other form.", b.label(), want), nil)
		}
	}
}

// afterQuote reports whether offset o follows an opening quote or a colon,
// where a capital letter starts a new sentence.
func afterQuote(text string, o int) bool {
	for j := o - 1; j >= 0 && j >= o-3; j-- {
		switch text[j] {
		case ' ':
			continue
		case '"', ':', '(', '\n':
			return true
		}
		if j >= 2 && (text[j-2:j+1] == "„" || text[j-2:j+1] == "“" || text[j-2:j+1] == "–") {
			return true
		}
		return false
	}
	return false
}

// guessLang tells German from English by counting frequent function words.
func guessLang(m *pattern.Matcher) string {
	de, en := 0, 0
	for i := range m.Tokens {
		if i > 400 {
			break
		}
		switch m.Word(i) {
		case "der", "die", "das", "und", "ist", "nicht", "mit", "für", "sie", "ein", "eine", "auf", "zu", "den", "im", "wir", "ihr", "unser", "unsere":
			de++
		case "the", "and", "is", "not", "with", "for", "you", "a", "an", "on", "to", "of", "we", "your", "our", "in":
			en++
		}
	}
	if de > en {
		return "de"
	}
	return "en"
}

// dedupe drops a pack rule's violation that overlaps another of the same
// category with at least its severity from a rule earlier in the pack: one
// claim, one finding ("heilt Erkältungen" is a cure claim, not also a
// disease claim).
func (r *checkRun) dedupe(vs []Violation) []Violation {
	order := r.c.pack.ruleOrder
	out := vs[:0]
	for i, v := range vs {
		oi, ok := order[v.Rule]
		drop := false
		for j, w := range vs {
			if !ok || j == i || w.Category != v.Category || w.Span[0] >= v.Span[1] || v.Span[0] >= w.Span[1] {
				continue
			}
			oj, wok := order[w.Rule]
			if !wok {
				continue
			}
			if sevRank(w.Severity) > sevRank(v.Severity) || sevRank(w.Severity) == sevRank(v.Severity) && (oj < oi || oj == oi && j < i) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, v)
		}
	}
	return out
}

func sevRank(s Severity) int {
	if s == SeverityBlock {
		return 2
	}
	return 1
}

// result orders violations and derives the decision.
func (r *checkRun) result() Result {
	slices.SortStableFunc(r.out, func(a, b Violation) int {
		if a.Span[0] != b.Span[0] {
			return a.Span[0] - b.Span[0]
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	r.out = r.dedupe(r.out)
	res := Result{Decision: Approved, Violations: r.out}
	if res.Violations == nil {
		res.Violations = []Violation{}
	}
	for _, v := range res.Violations {
		switch v.Severity {
		case SeverityBlock:
			res.Decision = Blocked
		case SeverityReview:
			if res.Decision == Approved {
				res.Decision = NeedsReview
			}
		}
	}
	return res
}
