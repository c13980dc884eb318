package policy

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"kontext/guard/internal/textnorm"
)

// The claims model is a one-vs-rest logistic regression per category over
// hashed word unigrams, word bigrams and character 3- and 4-grams of the
// folded text (textnorm.Fold, as the rules read it; digits count as one
// digit, so "-70 %" and "-30 %" share their features). It catches
// what the rules miss and only ever sends a text to review. Its weights and
// thresholds are trained by go run ./guard/policy/train from the
// development parts of testdata/policy and embedded here;
// TestModelReproducible retrains and compares bytes.
//
//go:embed model.bin
var modelBin []byte

// ModelCategories are the categories the claims model scores, in the order
// of its weights. Personal data is left to the PII detector.
var ModelCategories = []string{"health_claim", "green_claim", "comparative_claim", "superlative_claim", "price_claim",
	"free_claim", "false_urgency", "guaranteed_success", "endorsement"}

// modelLangs are the languages the model has thresholds for, in their order.
var modelLangs = []string{"de", "en"}

// Model scores how much each sentence of a text reads like a claim of each
// category. It is immutable and safe for concurrent use.
type Model struct {
	bits      uint
	cats      []string
	scale     []float32   // per category: weight unit
	bias      []float32   // per category
	threshold [][]float32 // per language, per category: the log-odds a finding needs
	weights   []int16     // bucket*len(cats) + category
}

const modelMagic = "KXCLM1\n"

// DefaultModel returns the model embedded in the binary. It panics only if
// the embedded file is corrupt, which tests rule out.
func DefaultModel() *Model { return defaultModel() }

var defaultModel = sync.OnceValue(func() *Model {
	m, err := UnmarshalModel(modelBin)
	if err != nil {
		panic(fmt.Sprintf("guard: embedded claims model: %v", err))
	}
	return m
})

// UnmarshalModel reads a model written by Model.MarshalBinary.
func UnmarshalModel(b []byte) (*Model, error) {
	if !bytes.HasPrefix(b, []byte(modelMagic)) {
		return nil, errors.New("policy: not a claims model file")
	}
	b = b[len(modelMagic):]
	if len(b) < 8 {
		return nil, errors.New("policy: truncated model header")
	}
	bits, n := uint(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:]))
	b = b[8:]
	if bits < 8 || bits > 22 || n < 1 || n > 64 {
		return nil, fmt.Errorf("policy: model with %d bits and %d categories", bits, n)
	}
	m := &Model{bits: bits}
	for range n {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, errors.New("policy: truncated model categories")
		}
		m.cats = append(m.cats, string(b[1:1+b[0]]))
		b = b[1+b[0]:]
	}
	per := 4 * (2 + len(modelLangs))
	if len(b) != n*per+2*n<<bits {
		return nil, fmt.Errorf("policy: model with %d bits and %d categories has %d bytes after its header", bits, n, len(b))
	}
	f := func() float32 { v := math.Float32frombits(binary.LittleEndian.Uint32(b)); b = b[4:]; return v }
	m.threshold = make([][]float32, len(modelLangs))
	for range n {
		m.scale = append(m.scale, f())
		m.bias = append(m.bias, f())
		for l := range modelLangs {
			m.threshold[l] = append(m.threshold[l], f())
		}
	}
	m.weights = make([]int16, n<<bits)
	for i := range m.weights {
		m.weights[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return m, nil
}

// MarshalBinary writes the model: magic, bits, the number of categories
// and their names, per category scale, bias and the threshold of each
// language, then the int16 weights, little-endian.
func (m *Model) MarshalBinary() ([]byte, error) {
	out := []byte(modelMagic)
	out = binary.LittleEndian.AppendUint32(out, uint32(m.bits))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(m.cats)))
	for _, c := range m.cats {
		out = append(out, byte(len(c)))
		out = append(out, c...)
	}
	f := func(v float32) { out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v)) }
	for c := range m.cats {
		f(m.scale[c])
		f(m.bias[c])
		for l := range modelLangs {
			f(m.threshold[l][c])
		}
	}
	for _, w := range m.weights {
		out = binary.LittleEndian.AppendUint16(out, uint16(w))
	}
	return out, nil
}

// Categories returns the categories the model scores.
func (m *Model) Categories() []string { return append([]string(nil), m.cats...) }

// Threshold returns the log-odds a sentence of lang needs to count as a
// claim of category, and false when the model has none.
func (m *Model) Threshold(lang, category string) (float64, bool) {
	l, c := langIndex(lang), m.catIndex(category)
	if l < 0 || c < 0 {
		return 0, false
	}
	return float64(m.threshold[l][c]), true
}

func langIndex(lang string) int {
	for i, l := range modelLangs {
		if l == lang {
			return i
		}
	}
	return -1
}

func (m *Model) catIndex(category string) int {
	for i, c := range m.cats {
		if c == category {
			return i
		}
	}
	return -1
}

// FNV-1a, as the injection model hashes.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// maxGramWord is the longest word (in runes) whose character n-grams are
// taken; longer runs are codes and URLs, not words.
const maxGramWord = 30

// negationCue reports whether the folded word w negates what follows it
// in its clause ("not", "don't", "kein", "nie", "ohne").
func negationCue(w string) bool {
	switch w {
	case "not", "no", "never", "cannot", "without", "nor", "neither", "nothing",
		"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "ohne", "weder", "nichts":
		return true
	}
	return strings.HasSuffix(w, "n't")
}

// clauseBreak reports whether the text between two tokens ends a clause
// (a comma, semicolon, colon, dash or bracket).
func clauseBreak(between string) bool {
	return strings.ContainsAny(between, ",;:()–—")
}

// byteTrie is a set of byte strings walked one byte at a time: edges maps
// a node and a byte to the next node, term marks the nodes that end an
// entry. Node 0 is the root.
type byteTrie struct {
	edges map[uint32]uint32
	term  []bool
}

func newByteTrie() *byteTrie { return &byteTrie{edges: map[uint32]uint32{}, term: []bool{false}} }

// add inserts s, read forwards or (reverse) backwards.
func (t *byteTrie) add(s string, reverse bool) {
	n := uint32(0)
	for i := range len(s) {
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		k := n<<8 | uint32(c)
		next, ok := t.edges[k]
		if !ok {
			next = uint32(len(t.term))
			t.edges[k] = next
			t.term = append(t.term, false)
		}
		n = next
	}
	t.term[n] = true
}

// match reports whether an entry is a prefix (reverse: a suffix) of w of
// at least 3 bytes, or all of w.
func (t *byteTrie) match(w string, reverse bool) bool {
	n := uint32(0)
	for i := range len(w) {
		c := w[i]
		if reverse {
			c = w[len(w)-1-i]
		}
		next, ok := t.edges[n<<8|uint32(c)]
		if !ok {
			return false
		}
		n = next
		if t.term[n] && (i+1 >= 3 || i+1 == len(w)) {
			return true
		}
	}
	return false
}

// diseaseTerms are the single-word entries of the built-in disease and
// symptom lexicons (packs/lexicon/disease-*.txt), both languages, folded:
// a word that is one of them also yields the feature of the class
// "disease term", so that a condition the training texts never named
// reads like the ones they did.
var diseaseTerms = func() (t struct {
	exact          map[string]bool
	prefix, suffix *byteTrie
}) {
	t.exact, t.prefix, t.suffix = map[string]bool{}, newByteTrie(), newByteTrie()
	for _, lang := range modelLangs {
		entries, err := readLexicon(nil, "lexicon/disease-"+lang+".txt")
		if err != nil {
			panic("policy: built-in disease lexicon: " + err.Error())
		}
		for _, e := range entries {
			if strings.ContainsAny(e, " ") {
				continue
			}
			suffix := strings.HasPrefix(e, "*")
			e = strings.TrimPrefix(e, "*")
			prefix := strings.HasSuffix(e, "*")
			loose := strings.HasSuffix(e, "~")
			e = textnorm.Fold(strings.TrimRight(e, "*~")).Text
			switch {
			case suffix:
				t.suffix.add(e, true)
			case prefix:
				t.prefix.add(e, false)
			default:
				t.exact[e] = true
				if loose {
					t.prefix.add(e, false)
				}
			}
		}
	}
	return t
}()

// diseaseTerm reports whether the folded word w is a disease or symptom
// term of the lexicons: an entry, an inflection or compound starting with a
// prefix entry, or a compound ending in a compound-ending entry (prefixes
// and endings of at least 3 bytes, or the whole word).
func diseaseTerm(w string) bool {
	return diseaseTerms.exact[w] || diseaseTerms.prefix.match(w, false) || diseaseTerms.suffix.match(w, true)
}

// features appends the hashed features of tokens [from,to) of the folded
// text s to out: each word (digits read as 0), the pair of it and the word
// before it, and the character 3- and 4-grams of " word ". A word after a
// negation cue in its clause is hashed as negated, so that "keine
// Gesundheitsversprechen" and "we don't promise" do not read as the claim
// they deny (negation marking, as in Pang, Lee and Vaithyanathan 2002).
func features(s string, toks []textnorm.Token, from, to int, mask uint32, out []uint32) []uint32 {
	var prev uint32
	var codes [maxGramWord + 2]rune
	negated := false
	for i := from; i < to; i++ {
		t := toks[i]
		w := s[t.Start:t.End]
		if negated && i > from && clauseBreak(s[toks[i-1].End:t.Start]) {
			negated = false
		}
		h := uint32(fnvOffset ^ 'w')
		if negated {
			h = uint32(fnvOffset ^ 'n')
		}
		n := 0
		codes[0] = ' '
		for _, r := range w {
			if '0' <= r && r <= '9' {
				r = '0'
			}
			var buf [utf8.UTFMax]byte
			k := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:k] {
				h = (h ^ uint32(c)) * fnvPrime
			}
			n++
			if n <= maxGramWord {
				codes[n] = r
			}
		}
		out = append(out, h&mask)
		if i > from {
			out = append(out, mix(prev, h)&mask)
		}
		if diseaseTerm(w) {
			d := uint32(fnvOffset ^ 'd')
			out = append(out, d&mask)
			if i > from {
				out = append(out, mix(prev, d)&mask)
			}
		}
		prev = h
		if negationCue(w) {
			negated = true
		}
		if n >= 2 && n <= maxGramWord {
			codes[n+1] = ' '
			g := codes[:n+2]
			for k := 0; k+3 <= len(g); k++ {
				x := (uint32(fnvOffset^'c') ^ uint32(g[k])) * fnvPrime
				x = (x ^ uint32(g[k+1])) * fnvPrime
				x = (x ^ uint32(g[k+2])) * fnvPrime
				out = append(out, x&mask)
				if k+4 <= len(g) {
					x = (x ^ uint32(g[k+3])) * fnvPrime
					out = append(out, x&mask)
				}
			}
		}
	}
	return out
}

func mix(a, b uint32) uint32 {
	h := (uint32(fnvOffset^'b') ^ a) * fnvPrime
	h ^= h >> 16
	h = (h ^ b) * fnvPrime
	return h ^ h>>16
}

// sentenceRanges cuts tokens into sentences at the tokenizer's sentence
// starts, as the rules read them.
func sentenceRanges(toks []textnorm.Token, out [][2]int) [][2]int {
	out = out[:0]
	start := 0
	for i := 1; i <= len(toks); i++ {
		if i == len(toks) || toks[i].Flags&textnorm.SentStart != 0 {
			if i > start {
				out = append(out, [2]int{start, i})
			}
			start = i
		}
	}
	return out
}

// SentenceScore is the model's score of one category for a text: the
// highest log-odds over its sentences and the whole text, and the token
// range of the sentence that scored highest.
type SentenceScore struct {
	LogOdds    float64
	Start, End int // token range
}

// modelScratch is the memory one scoring reuses from the last.
type modelScratch struct {
	idx   []uint32
	sents [][2]int
	sums  []int64
	whole []int64
}

var modelScratchPool = sync.Pool{New: func() any { return &modelScratch{idx: make([]uint32, 0, 1024)} }}

// scoreTokens scores every category over the sentences of the folded text
// s (tokens toks) and the whole text, into out (one per category).
func (m *Model) scoreTokens(s string, toks []textnorm.Token, out []SentenceScore) []SentenceScore {
	nc := len(m.cats)
	out = out[:0]
	for range nc {
		out = append(out, SentenceScore{LogOdds: math.Inf(-1)})
	}
	if len(toks) == 0 {
		return out
	}
	sc := modelScratchPool.Get().(*modelScratch)
	defer modelScratchPool.Put(sc)
	sc.sents = sentenceRanges(toks, sc.sents)
	if cap(sc.sums) < nc {
		sc.sums, sc.whole = make([]int64, nc), make([]int64, nc)
	}
	sums, whole := sc.sums[:nc], sc.whole[:nc]
	clear(whole)
	mask := uint32(1)<<m.bits - 1
	total := 0
	for k, sr := range sc.sents {
		sc.idx = features(s, toks, sr[0], sr[1], mask, sc.idx[:0])
		if len(sc.idx) == 0 {
			continue
		}
		// A question another sentence answers ("Does it help with
		// eczema? We can't say that ...") asks what the claim would be;
		// it counts in the whole text's score, not on its own.
		asked := k+1 < len(sc.sents) && question(s, toks, sr[1])
		clear(sums)
		for _, j := range sc.idx {
			row := m.weights[int(j)*nc : int(j)*nc+nc]
			for c, w := range row {
				sums[c] += int64(w)
			}
		}
		total += len(sc.idx)
		norm := 1 / math.Sqrt(float64(len(sc.idx)))
		for c := range nc {
			whole[c] += sums[c]
			g := float64(m.bias[c]) + float64(sums[c])*float64(m.scale[c])*norm
			if g > out[c].LogOdds && !asked {
				out[c] = SentenceScore{LogOdds: g, Start: sr[0], End: sr[1]}
			}
		}
	}
	if len(sc.sents) > 1 && total > 0 {
		norm := 1 / math.Sqrt(float64(total))
		for c := range nc {
			g := float64(m.bias[c]) + float64(whole[c])*float64(m.scale[c])*norm
			if g > out[c].LogOdds {
				// the whole text scores higher than any sentence: the span
				// is still its best sentence's, or its last one's when
				// every other sentence is a question it answers
				out[c].LogOdds = g
				if out[c].End <= out[c].Start {
					last := sc.sents[len(sc.sents)-1]
					out[c].Start, out[c].End = last[0], last[1]
				}
			}
		}
	}
	return out
}

// question reports whether the sentence ending before token end (of toks
// over the folded text s) ends in a question mark.
func question(s string, toks []textnorm.Token, end int) bool {
	tail := s[toks[end-1].End:]
	if end < len(toks) {
		tail = s[toks[end-1].End:toks[end].Start]
	}
	return strings.Contains(tail, "?")
}

// Score returns the score of each category (in the order of Categories)
// for text.
func (m *Model) Score(text string) []SentenceScore {
	ft := textnorm.Fold(text)
	footnoteMarks(&ft, text)
	toks := textnorm.Tokenize(ft.Text, nil)
	return m.scoreTokens(ft.Text, toks, nil)
}

// modelMessages say, per language and category, what a reviewer should
// check when the model, not a rule, found a claim.
var modelMessages = map[string]map[string]string{
	"de": {
		"health_claim":       "Gesundheits- oder Krankheitsbezug: nur zugelassene Angaben (EU-Register), kein Heil-, Linderungs- oder Abnehmversprechen.",
		"green_claim":        "allgemeine Umweltaussage: nur mit konkretem, belegtem Umweltvorteil oder einem anerkannten Zeichen.",
		"comparative_claim":  "vergleichende Werbung: ist ein Mitbewerber erkennbar, und ist der Vergleich objektiv und nachprüfbar?",
		"superlative_claim":  "Allein- oder Spitzenstellung: ist sie belegt?",
		"price_claim":        "Preisangabe: bei Ermäßigungen der niedrigste Preis der letzten 30 Tage, Pflichtkosten im angegebenen Preis.",
		"free_claim":         "„kostenlos“ oder „gratis“: fallen doch Kosten, ein Abo oder ein Mindestkauf an?",
		"false_urgency":      "Zeit- oder Knappheitsdruck: stimmen Frist und Bestand?",
		"guaranteed_success": "Erfolgs- oder Risikofrei-Versprechen: ist es haltbar, und sind die Bedingungen genannt?",
		"endorsement":        "Empfehlung oder Bewertung: Quelle und Prüfung der Bewertungen, Kennzeichnung als Werbung, bei Gesundheit keine Fachpersonen.",
	},
	"en": {
		"health_claim":       "a health or disease claim: only authorised wording from the EU register, no promise to cure, relieve or slim.",
		"green_claim":        "a generic environmental claim: only with a specific, proven benefit or a recognised label.",
		"comparative_claim":  "comparative advertising: is a competitor identifiable, and is the comparison objective and verifiable?",
		"superlative_claim":  "a sole or top position: is it proven?",
		"price_claim":        "a price claim: for reductions the lowest price of the last 30 days, mandatory fees in the price shown.",
		"free_claim":         "\"free\": are there costs, a subscription or a purchase attached after all?",
		"false_urgency":      "time or stock pressure: are the deadline and the stock real?",
		"guaranteed_success": "a promise of success or no risk: can it be kept, and are its conditions stated?",
		"endorsement":        "an endorsement or rating: its source, how reviews are checked, an ad label, no health professionals for health products.",
	},
}

// modelFindings adds a review finding for each category the model scores
// over its threshold in a sentence (or the whole text) where no rule of
// the pack found that category: its span is the sentence that scored
// highest, its basis that of the pack's first rule of the category. A
// sentence that talks about claims (the pack's meta patterns) is left out,
// as the rules leave it, and so is a sentence where a rule of the category
// had a hit and dropped it (see checkRun.cleared).
func (r *checkRun) modelFindings(m *Model) {
	l := langIndex(r.lang)
	if l < 0 || len(r.m.Tokens) == 0 {
		return
	}
	var scores [16]SentenceScore
	ss := m.scoreTokens(r.ft.Text, r.m.Tokens, scores[:0])
	for c, cat := range m.cats {
		s := ss[c]
		if s.End <= s.Start || s.LogOdds <= float64(m.threshold[l][c]) {
			continue
		}
		basis, ok := r.c.pack.modelBasis[cat]
		if !ok || slices.ContainsFunc(r.out, func(v Violation) bool { return v.Category == cat }) || slices.Contains(r.cleared[cat], s.Start) {
			continue
		}
		if len(r.c.pack.meta) > 0 && r.sentenceHas(r.c.pack.meta, s.Start, s.End) {
			continue
		}
		msg := "A model, not a rule, flagged this sentence for review. Check " + modelMessages["en"][cat]
		if r.lang == "de" {
			msg = "Ein Modell, keine Regel, hat diesen Satz zur Prüfung markiert. Zu prüfen: " + modelMessages["de"][cat]
		}
		r.out = append(r.out, Violation{Rule: "model." + cat, Category: cat, Severity: SeverityReview,
			Span: r.span(s.Start, s.End), Message: msg, Basis: basis})
	}
}
