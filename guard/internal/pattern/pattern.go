// Package pattern is the matching language of policy packs, brand packs and
// the injection scanner. A pattern is a sequence of elements separated by
// spaces, each matching one token of a folded text (see textnorm.Fold):
//
//	word      the word itself, case-insensitive ("nr." and "co2-neutral" work as written)
//	stem~     the stem with an inflection ending: heil~ matches heilt, heilen,
//	          heilende, Heilung and (German) geheilt; klimaneutral~ matches
//	          klimaneutrale, klimaneutralen, klimaneutrales
//	pre*      any word beginning with pre
//	*stem~    any word ending in stem plus an inflection ending (compounds:
//	          *schmerz~ matches Gelenkschmerzen)
//	*suf      any word ending in suf
//	(a|b~)    any of the alternatives
//	@set      any entry of a named set; entries may be phrases
//	_         any word
//	#price    a number next to a currency sign or code
//	#struck   a price inside strike-through markup
//	#num      a number
//	!elem     zero-width: the next word must not match elem
//
// Elements take the quantifiers ? and {m,n}: "ignor~ (all|the|previous){0,3} instructions".
//
// Inflection is handled by endings rather than by a stemmer or a word list per
// form. The Snowball German stemmer conflates too little for claims (it keeps
// "heilt" apart from "heil" and "heilen") and too much elsewhere, and a form
// list per word is never complete. A closed list of German and English
// endings, plus the German participle prefix ge-, covers verb, adjective and
// noun inflection of the stems a pack names, and the pack author chooses the
// stem, so "heil~" never matches "Heilbronn" (its remainder "bronn" is no
// ending). Umlaut changes (gesund → gesünder) need a second stem.
//
// A Compiler turns pattern source into Patterns, an Index finds the patterns
// that match anywhere in a text with one pass over its tokens, and a Matcher
// tries patterns at given tokens. Its input is text that textnorm has folded
// and tokenized; it reports token ranges and never decides what a match
// means: the injection scanner weighs its hits, the policy checker turns them
// into violations.
package pattern

import (
	"fmt"
	"strconv"
	"strings"

	"kontext/guard/internal/textnorm"
)

// Pattern is one compiled token pattern.
type Pattern struct {
	src   string
	elems []Elem
}

type patKind uint8

const (
	pkWord patKind = iota
	pkStem
	pkPrefix
	pkSuffix     // *suf
	pkSuffixStem // *stem~
	pkAny
	pkAlt
	pkNum
	pkPrice
	pkStruck
)

// Elem is one compiled element of a pattern.
type Elem struct {
	kind     patKind
	lit      string
	alts     [][]Elem
	fast     *altLookup // for pkAlt: single-word alternatives by lookup
	min, max int
	neg      bool
}

// altLookup finds the single-word alternatives of an alternation that match
// a word without trying each in turn: exact words through a map, stems and
// prefixes through their first bytes.
type altLookup struct {
	words  map[string]bool
	byKey  map[string][]int32 // alternative indexes of stems and prefixes
	geStem bool
	other  []int32 // other single-word alternatives (suffixes, classes, _)
	multi  []int32 // alternatives of several elements, quantified or negated, not keyed
	// multiWord and multiKey find the keyed multi-element alternatives by
	// their leading word, stem or prefix.
	multiWord map[string][]int32
	multiKey  map[string][]int32
	// filter holds a hash of the first two bytes of every word, stem and
	// prefix, so most words are rejected without a map lookup.
	filter   [4]uint64
	noFilter bool // a one-byte stem or prefix defeats the filter
}

func lead2Hash(w string) uint8 {
	if len(w) == 1 {
		return w[0]*31 + w[0]
	}
	return w[0]*31 + w[1]
}

func (a *altLookup) mark(key string) {
	h := lead2Hash(key)
	a.filter[h>>6] |= 1 << (h & 63)
}

func (a *altLookup) maybe(w string) bool {
	if a.noFilter || len(w) == 0 {
		return true
	}
	h := lead2Hash(w)
	return a.filter[h>>6]&(1<<(h&63)) != 0
}

func newAltLookup(alts [][]Elem) *altLookup {
	a := &altLookup{words: map[string]bool{}, byKey: map[string][]int32{}}
	for i, alt := range alts {
		if len(alt) != 1 || alt[0].min != 1 || alt[0].max != 1 || alt[0].neg || alt[0].kind == pkAlt {
			f := alt[0]
			switch {
			case f.min != 1 || f.neg:
				a.multi = append(a.multi, int32(i))
			case f.kind == pkWord:
				if a.multiWord == nil {
					a.multiWord = map[string][]int32{}
				}
				a.multiWord[f.lit] = append(a.multiWord[f.lit], int32(i))
			case (f.kind == pkStem || f.kind == pkPrefix) && len(f.lit) >= 2:
				if a.multiKey == nil {
					a.multiKey = map[string][]int32{}
				}
				key := f.lit
				if len(key) > indexKeyLen {
					key = key[:indexKeyLen]
				}
				a.multiKey[key] = append(a.multiKey[key], int32(i))
				a.geStem = a.geStem || f.kind == pkStem
			default:
				a.multi = append(a.multi, int32(i))
			}
			continue
		}
		e := alt[0]
		switch e.kind {
		case pkWord:
			a.words[e.lit] = true
			a.mark(e.lit)
		case pkStem, pkPrefix:
			if len(e.lit) < 2 {
				a.noFilter = true
			} else {
				a.mark(e.lit)
			}
			key := e.lit
			if len(key) > indexKeyLen {
				key = key[:indexKeyLen]
			}
			a.byKey[key] = append(a.byKey[key], int32(i))
			a.geStem = a.geStem || e.kind == pkStem
		default:
			a.other = append(a.other, int32(i))
		}
	}
	return a
}

// single reports whether a single-word alternative matches token i.
func (m *Matcher) single(e *Elem, i int) bool {
	a := e.fast
	w := m.Word(i)
	if a.maybe(w) {
		if a.words[w] {
			return true
		}
		if len(a.byKey) > 0 && m.keyed(e, a, w, i) {
			return true
		}
	}
	if a.geStem && len(w) > 4 && w[0] == 'g' && w[1] == 'e' && a.maybe(w[2:]) && m.keyed(e, a, w[2:], i) {
		return true
	}
	for _, ai := range a.other {
		if m.unit(&e.alts[ai][0], i, acceptAny) {
			return true
		}
	}
	return false
}

func (m *Matcher) keyed(e *Elem, a *altLookup, w string, i int) bool {
	for l := 1; l <= len(w) && l <= indexKeyLen; l++ {
		for _, ai := range a.byKey[w[:l]] {
			if m.unit(&e.alts[ai][0], i, acceptAny) {
				return true
			}
		}
	}
	return false
}

func acceptAny(int) bool { return true }

// Lang selects the inflection endings a stem accepts.
type Lang uint8

// Languages: LangAny accepts German and English endings.
const (
	LangAny Lang = iota
	LangDE
	LangEN
)

// ParseLang reads a pack's language: "de", "en" or "" for either.
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(s) {
	case "":
		return LangAny, nil
	case "de":
		return LangDE, nil
	case "en":
		return LangEN, nil
	}
	return LangAny, fmt.Errorf("unknown language %q (want de or en)", s)
}

var germanEndings = endingSet(
	"", "e", "em", "en", "er", "es", "n", "s", "t", "st", "et", "est", "te", "tem", "ten", "ter", "tes", "test", "tet",
	"end", "ende", "endem", "enden", "ender", "endes", "nd", "nde", "ndem", "nden", "nder", "ndes",
	"ung", "ungen", "ste", "stem", "sten", "ster", "stes", "ere", "erem", "eren", "erer", "eres", "ern", "ns",
)

var englishEndings = endingSet(
	"", "s", "es", "ed", "d", "ing", "er", "ers", "est", "ly", "ment", "ments",
)

func endingSet(list ...string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, e := range list {
		m[e] = true
	}
	return m
}

// inflectedFrom reports whether word is stem plus an ending allowed for lang.
func inflectedFrom(word, stem string, lang Lang) bool {
	if strings.HasPrefix(word, stem) {
		rest := word[len(stem):]
		if lang != LangEN && germanEndings[rest] {
			return true
		}
		if lang != LangDE && englishEndings[rest] {
			return true
		}
	}
	if lang != LangDE {
		// English spelling changes: cure → curing, remedy → remedies.
		n := len(stem)
		if n > 2 && stem[n-1] == 'e' && strings.HasPrefix(word, stem[:n-1]) {
			switch word[n-1:] {
			case "ing", "ed":
				return true
			}
		}
		if n > 2 && stem[n-1] == 'y' && strings.HasPrefix(word, stem[:n-1]) {
			switch word[n-1:] {
			case "ies", "ied":
				return true
			}
		}
	}
	if lang != LangEN && len(word) > len(stem)+2 && strings.HasPrefix(word, "ge") {
		rest := word[2:]
		if strings.HasPrefix(rest, stem) {
			switch rest[len(stem):] {
			case "t", "et", "te", "ten", "tes", "ter", "tem", "en", "ene", "enen", "ener", "enes":
				return true
			}
		}
	}
	return false
}

// Compiler turns pattern source into Patterns. Sets holds the named sets
// that @name elements refer to.
type Compiler struct {
	Lang Lang
	Sets map[string][][]Elem
}

// CompileFree compiles a pattern that is tried at given positions rather
// than found through an Index, so it may begin with any element.
func (pc *Compiler) CompileFree(src string) (*Pattern, error) {
	elems, err := pc.Sequence(src)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("pattern %q: empty", src)
	}
	return &Pattern{src: src, elems: elems}, nil
}

// Compile compiles a pattern for an Index: it must begin with an element the
// index can look up.
func (pc *Compiler) Compile(src string) (*Pattern, error) {
	elems, err := pc.Sequence(src)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("pattern %q: empty", src)
	}
	first := elems[0]
	if first.neg || first.min == 0 || !(indexable(first) || classLead(first)) {
		return nil, fmt.Errorf("pattern %q: must begin with a word, stem, prefix, #price, #struck, #num or alternatives of words (not optional, not _, not *suffix)", src)
	}
	return &Pattern{src: src, elems: elems}, nil
}

func classLead(e Elem) bool {
	return e.kind == pkPrice || e.kind == pkStruck || e.kind == pkNum
}

func indexable(e Elem) bool {
	switch e.kind {
	case pkWord, pkStem, pkPrefix:
		return e.lit != ""
	case pkAlt:
		for _, a := range e.alts {
			if len(a) == 0 || a[0].min == 0 || a[0].neg || !indexable(a[0]) {
				return false
			}
		}
		return len(e.alts) > 0
	}
	return false
}

// Sequence parses space-separated elements; parenthesised alternatives may
// contain spaces.
func (pc *Compiler) Sequence(src string) ([]Elem, error) {
	var out []Elem
	for _, field := range splitPatternFields(src) {
		els, err := pc.Element(field)
		if err != nil {
			return nil, err
		}
		out = append(out, els...)
	}
	return out, nil
}

// splitAlternatives splits on "|" outside nested parentheses.
func splitAlternatives(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func splitPatternFields(src string) []string {
	var fields []string
	depth, start := 0, -1
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case (c == ' ' || c == '\t') && depth == 0:
			if start >= 0 {
				fields = append(fields, src[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fields = append(fields, src[start:])
	}
	return fields
}

// Element compiles one space-free field of a pattern; a literal that folds
// into several words yields several elements.
func (pc *Compiler) Element(f string) ([]Elem, error) {
	neg := false
	if strings.HasPrefix(f, "!") && len(f) > 1 {
		neg = true
		f = f[1:]
	}
	minRep, maxRep := 1, 1
	switch {
	case strings.HasSuffix(f, "?") && len(f) > 1:
		minRep, maxRep = 0, 1
		f = f[:len(f)-1]
	case strings.HasSuffix(f, "}"):
		open := strings.LastIndexByte(f, '{')
		if open <= 0 {
			return nil, fmt.Errorf("bad quantifier in %q", f)
		}
		q := f[open+1 : len(f)-1]
		lo, hi, ok := strings.Cut(q, ",")
		var err1, err2 error
		minRep, err1 = strconv.Atoi(strings.TrimSpace(lo))
		maxRep, err2 = minRep, nil
		if ok {
			maxRep, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || minRep < 0 || maxRep < minRep || maxRep > 12 {
			return nil, fmt.Errorf("bad quantifier {%s} (want {m,n} with 0 ≤ m ≤ n ≤ 12)", q)
		}
		f = f[:open]
	}
	if neg && (minRep != 1 || maxRep != 1) {
		return nil, fmt.Errorf("negated element %q takes no quantifier", f)
	}
	quant := minRep != 1 || maxRep != 1
	var e Elem
	switch {
	case f == "":
		return nil, fmt.Errorf("empty element")
	case f == "_":
		e = Elem{kind: pkAny}
	case f == "#price":
		e = Elem{kind: pkPrice}
	case f == "#struck":
		e = Elem{kind: pkStruck}
	case f == "#num":
		e = Elem{kind: pkNum}
	case strings.HasPrefix(f, "#") && len(f) > 1 && !textnorm.IsDigit(f[1]):
		return nil, fmt.Errorf("unknown class %q (want #price, #struck or #num)", f)
	case strings.HasPrefix(f, "@"):
		alts, ok := pc.Sets[f[1:]]
		if !ok {
			return nil, fmt.Errorf("unknown set %q", f)
		}
		e = Elem{kind: pkAlt, alts: alts, fast: newAltLookup(alts)}
	case strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")"):
		inner := f[1 : len(f)-1]
		for _, a := range splitAlternatives(inner) {
			seq, err := pc.Sequence(strings.TrimSpace(a))
			if err != nil {
				return nil, err
			}
			if len(seq) == 0 {
				return nil, fmt.Errorf("empty alternative in %q", f)
			}
			e.alts = append(e.alts, seq)
		}
		e.kind = pkAlt
		e.fast = newAltLookup(e.alts)
	case strings.ContainsAny(f, "()|"):
		return nil, fmt.Errorf("unbalanced parentheses in %q", f)
	default:
		els, err := pc.literal(f)
		if err != nil {
			return nil, err
		}
		if len(els) > 1 {
			if neg || quant {
				e = Elem{kind: pkAlt, alts: [][]Elem{els}}
			} else {
				return els, nil
			}
		} else {
			e = els[0]
		}
	}
	e.min, e.max, e.neg = minRep, maxRep, neg
	return []Elem{e}, nil
}

// literal folds and tokenizes a literal so that it is written as the text
// would be ("Nr." → nr, "CO₂-neutral~" → co2-neutral~). A literal that folds
// into several words becomes a sequence; a stem or prefix mark applies to the
// last word.
func (pc *Compiler) literal(f string) ([]Elem, error) {
	kind := pkWord
	if strings.HasPrefix(f, "*") && len(f) > 1 {
		f = f[1:]
		kind = pkSuffix
		if strings.HasSuffix(f, "~") {
			f = f[:len(f)-1]
			kind = pkSuffixStem
		}
	} else if strings.HasSuffix(f, "~") {
		f = f[:len(f)-1]
		kind = pkStem
	} else if strings.HasSuffix(f, "*") {
		f = f[:len(f)-1]
		kind = pkPrefix
	}
	if strings.ContainsAny(f, "*~") {
		return nil, fmt.Errorf("misplaced * or ~ in %q", f)
	}
	ft := textnorm.Fold(f)
	toks := textnorm.Tokenize(ft.Text, nil)
	if len(toks) == 0 {
		return nil, fmt.Errorf("literal %q holds no word", f)
	}
	if len(toks) > 1 && (kind == pkSuffix || kind == pkSuffixStem) {
		return nil, fmt.Errorf("suffix element %q must be one word", f)
	}
	out := make([]Elem, len(toks))
	for i, t := range toks {
		out[i] = Elem{kind: pkWord, lit: ft.Text[t.Start:t.End], min: 1, max: 1}
	}
	out[len(out)-1].kind = kind
	return out, nil
}

// Matcher runs patterns over one tokenized text.
type Matcher struct {
	Text   string
	Tokens []textnorm.Token
	Lang   Lang
}

// Word returns the folded text of token i.
func (m *Matcher) Word(i int) string { return m.Text[m.Tokens[i].Start:m.Tokens[i].End] }

// unit matches one repetition of e at token i and calls k with each possible
// end; it reports whether k accepted one.
func (m *Matcher) unit(e *Elem, i int, k func(int) bool) bool {
	if i >= len(m.Tokens) {
		return false
	}
	t := m.Tokens[i]
	switch e.kind {
	case pkAny:
		return k(i + 1)
	case pkNum:
		return t.Flags&textnorm.Number != 0 && k(i+1)
	case pkPrice, pkStruck:
		// A price spans its currency sign or code on either side: "€ 19,99",
		// "19,99 €", "EUR 199".
		j := i
		if t.Flags&textnorm.Currency != 0 && i+1 < len(m.Tokens) && m.Tokens[i+1].Flags&textnorm.Price != 0 {
			j = i + 1
		}
		pt := m.Tokens[j]
		if pt.Flags&textnorm.Price == 0 || e.kind == pkStruck && pt.Flags&textnorm.Struck == 0 {
			return false
		}
		j++
		if j == i+1 && j < len(m.Tokens) && m.Tokens[j].Flags&textnorm.Currency != 0 && m.Tokens[j].Start-pt.End <= 3 {
			j++
		}
		return k(j)
	case pkWord:
		return m.Word(i) == e.lit && k(i+1)
	case pkStem:
		return inflectedFrom(m.Word(i), e.lit, m.Lang) && k(i+1)
	case pkPrefix:
		return strings.HasPrefix(m.Word(i), e.lit) && k(i+1)
	case pkSuffix:
		w := m.Word(i)
		return strings.HasSuffix(w, e.lit) && k(i+1)
	case pkSuffixStem:
		w := m.Word(i)
		for j := strings.LastIndex(w, e.lit); j >= 0; j = strings.LastIndex(w[:j], e.lit) {
			if inflectedFrom(w[j:], e.lit, m.Lang) {
				return k(i + 1)
			}
		}
		return false
	case pkAlt:
		if e.fast == nil {
			for _, a := range e.alts {
				if m.seq(a, 0, i, k) {
					return true
				}
			}
			return false
		}
		if m.single(e, i) && k(i+1) {
			return true
		}
		a := e.fast
		for _, ai := range a.multi {
			if m.seq(e.alts[ai], 0, i, k) {
				return true
			}
		}
		if a.multiWord == nil && a.multiKey == nil {
			return false
		}
		w := m.Word(i)
		for _, ai := range a.multiWord[w] {
			if m.seq(e.alts[ai], 0, i, k) {
				return true
			}
		}
		if a.multiKey != nil {
			for l := 2; l <= len(w) && l <= indexKeyLen; l++ {
				for _, ai := range a.multiKey[w[:l]] {
					if m.seq(e.alts[ai], 0, i, k) {
						return true
					}
				}
			}
			if len(w) > 4 && w[0] == 'g' && w[1] == 'e' {
				for l := 2; l <= len(w)-2 && l <= indexKeyLen; l++ {
					for _, ai := range a.multiKey[w[2:2+l]] {
						if m.seq(e.alts[ai], 0, i, k) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// seq matches elems[j:] from token i, greedily with backtracking.
func (m *Matcher) seq(elems []Elem, j, i int, k func(int) bool) bool {
	if j == len(elems) {
		return k(i)
	}
	e := &elems[j]
	if e.neg {
		// A negated element looks at the next word of the same sentence
		// only: "ignore your instructions. In every text …" must not be
		// excused by the next sentence's first word.
		crosses := j > 0 && i < len(m.Tokens) && m.Tokens[i].Flags&textnorm.SentStart != 0
		if !crosses && m.unit(e, i, func(int) bool { return true }) {
			return false
		}
		return m.seq(elems, j+1, i, k)
	}
	return m.rep(elems, j, 0, i, k)
}

func (m *Matcher) rep(elems []Elem, j, count, i int, k func(int) bool) bool {
	e := &elems[j]
	if count < e.max && m.unit(e, i, func(end int) bool {
		return end > i && m.rep(elems, j, count+1, end, k)
	}) {
		return true
	}
	return count >= e.min && m.seq(elems, j+1, i, k)
}

// Match reports the end token (exclusive) of the longest-first match of p at
// token i, or -1.
func (m *Matcher) Match(p *Pattern, i int) int {
	end := -1
	m.seq(p.elems, 0, i, func(e int) bool { end = e; return true })
	return end
}

// MatchElems reports whether any of the single-unit elements matches token i.
func (m *Matcher) MatchElems(els []Elem, i int) bool {
	for j := range els {
		if m.unit(&els[j], i, func(int) bool { return true }) {
			return true
		}
	}
	return false
}

// Index finds candidate patterns for a token by the first letters of
// the pattern's leading literal, so that a text is tokenized once and only
// patterns whose first word could match are tried.
type Index struct {
	byKey    map[string][]int32 // stems and prefixes by their first bytes
	byWord   map[string][]int32 // exact words
	first2   [1024]uint64       // bitset of the first two bytes of any key (first byte and 0 for one-byte keys)
	geStems  bool               // some key is a stem that may carry the ge- prefix
	byClass  []int32            // patterns that begin with #price, #struck or #num
	patterns []*Pattern
}

const indexKeyLen = 4

// NewIndex indexes patterns compiled with Compile.
func NewIndex(patterns []*Pattern) *Index {
	ix := &Index{byKey: make(map[string][]int32), byWord: make(map[string][]int32), patterns: patterns}
	for id, p := range patterns {
		if classLead(p.elems[0]) {
			ix.byClass = append(ix.byClass, int32(id))
			continue
		}
		for _, lead := range leadElems(p.elems[0]) {
			if lead.kind == pkWord {
				ix.byWord[lead.lit] = appendUnique(ix.byWord[lead.lit], int32(id))
				continue
			}
			key := lead.lit
			if len(key) > indexKeyLen {
				key = key[:indexKeyLen]
			}
			ix.byKey[key] = appendUnique(ix.byKey[key], int32(id))
			k := first2Key(key)
			ix.first2[k>>6] |= 1 << (k & 63)
		}
		if hasStemLead(p.elems[0]) {
			ix.geStems = true
		}
	}
	return ix
}

func appendUnique(list []int32, v int32) []int32 {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func first2Key(s string) uint16 {
	if len(s) == 1 {
		return uint16(s[0]) << 8
	}
	return uint16(s[0])<<8 | uint16(s[1])
}

// leadElems returns the word, stem and prefix elements a match can begin with.
func leadElems(e Elem) []Elem {
	switch e.kind {
	case pkWord, pkStem, pkPrefix:
		return []Elem{e}
	case pkAlt:
		var out []Elem
		for _, a := range e.alts {
			out = append(out, leadElems(a[0])...)
		}
		return out
	}
	return nil
}

func hasStemLead(e Elem) bool {
	switch e.kind {
	case pkStem:
		return true
	case pkAlt:
		for _, a := range e.alts {
			if hasStemLead(a[0]) {
				return true
			}
		}
	}
	return false
}

// Hit is one pattern match: the pattern's position in the slice given to
// NewIndex, and a token range.
type Hit struct {
	ID         int32
	Start, End int32 // token indexes, end exclusive
}

// candidatesAt appends to buf the patterns that may start at token i: those
// indexed under its word (and under the word without a "ge" prefix where
// the index strips it), and those starting with a number class at a number.
func (ix *Index) candidatesAt(m *Matcher, i int, buf []int32) []int32 {
	w := m.Word(i)
	n := ix.candidates(w, buf)
	if ix.geStems && len(w) > 4 && w[0] == 'g' && w[1] == 'e' {
		n = ix.candidates(w[2:], n)
	}
	if m.Tokens[i].Flags&textnorm.Number != 0 {
		n = append(n, ix.byClass...)
	}
	return n
}

// Scan calls fn for every match of every indexed pattern, in token order.
func (ix *Index) Scan(m *Matcher, fn func(Hit)) {
	var cand [16]int32
	for i := range m.Tokens {
		n := ix.candidatesAt(m, i, cand[:0])
		for _, id := range n {
			if end := m.Match(ix.patterns[id], i); end > i {
				fn(Hit{ID: id, Start: int32(i), End: int32(end)})
			}
		}
	}
}

func (ix *Index) has2(k uint16) bool { return ix.first2[k>>6]&(1<<(k&63)) != 0 }

// Any reports whether some pattern of the index matches anywhere.
func (ix *Index) Any(m *Matcher) bool {
	var cand [16]int32
	for i := range m.Tokens {
		n := ix.candidatesAt(m, i, cand[:0])
		for _, id := range n {
			if m.Match(ix.patterns[id], i) > i {
				return true
			}
		}
	}
	return false
}

func (ix *Index) candidates(w string, out []int32) []int32 {
	if len(w) == 0 {
		return out
	}
	for _, id := range ix.byWord[w] {
		out = appendUnique(out, id)
	}
	if !ix.has2(uint16(w[0])<<8) && (len(w) < 2 || !ix.has2(first2Key(w))) {
		return out
	}
	for l := 1; l <= len(w) && l <= indexKeyLen; l++ {
		for _, id := range ix.byKey[w[:l]] {
			out = appendUnique(out, id)
		}
	}
	return out
}
