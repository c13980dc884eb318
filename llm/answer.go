package llm

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"kontext/internal/analysis"
)

// Answer is a passage of a source that answers a brief: one sentence, or
// a sentence with the neighbour that adds a fact it needs.
type Answer struct {
	// N is the source's number.
	N int
	// Sentences are the answer's sentences as the source writes them, in
	// the source's order.
	Sentences []string
	// Score ranks answers: BM25 of the sentence among all source sentences,
	// plus a share of its paragraph's BM25 among all paragraphs, raised
	// when the sentence has the shape of what the question asks for.
	Score float64
	// Coverage is the share of the brief's terms, weighted by their
	// rarity, that the answer holds (0..1).
	Coverage float64
	// Fits reports whether the answer has the shape the question asks for
	// (a number, a date, a name, a place, yes or no); always true for open
	// questions.
	Fits bool
	// Kind is what the brief asks for.
	Kind analysis.Kind

	// Margin is how far the answer stands above the best answer from
	// another paragraph: 1 - that answer's score / this score (at most 1;
	// negative when another paragraph answers better).
	Margin float64

	pos   int
	para  int
	terms map[string]bool
}

// Text returns the answer's sentences joined.
func (a Answer) Text() string { return strings.Join(a.Sentences, " ") }

// Confident reports whether the answer is the brief's answer beyond
// reasonable doubt: it holds at least MinCoverage of the brief's weighted
// terms, has the shape the question asks for, and stands at least
// MinMargin above the best answer of any other paragraph.
func (a Answer) Confident() bool {
	return a.Coverage >= MinCoverage && a.Fits && a.Margin >= MinMargin
}

// MinCoverage and MinMargin are the thresholds of Confident, set on the
// dev split of bench/answers: of the answers they admit, about three in
// four are the question's own FAQ answer there.
const (
	MinCoverage = 0.5
	MinMargin   = 0.5
)

// Weights of answer scoring, set on the dev split of bench/answers: k1
// and b of BM25, the share of the paragraph's score a sentence takes on
// (and the first sentence of a paragraph once more: answers lead), the
// raise for a sentence of the asked shape, the raise by retrieval rank
// (divided by the rank).
const (
	bm25K1      = 1.2
	bm25B       = 0.75
	paraWeight  = 2
	leadWeight  = 1
	fitRaise    = 0.3
	rankRaise   = 0.5
)

// briefWords name the channel or the request, not its subject ("FAQ
// answer:", "Antwort auf"); their stems do not count as the brief's terms.
var briefWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("faq antwort antworten answer frage question kunden kundin customer bitte please") {
		briefWords[analysis.Stem(analysis.German, w)] = true
		briefWords[analysis.Stem(analysis.English, w)] = true
	}
}

// unit is one sentence of a source as answer selection reads it.
type unit struct {
	text      string
	n         int // source number
	rank      int // source's position
	para      int // paragraph index over all sources
	pos       int // position over all sources
	terms     []string
	usable    bool
	leans     bool // leans on the sentence before ("Deshalb …")
	sameLang  bool
	paragraph []int // positions of the paragraph's sentences
}

// Answers ranks the passages of c's sources that answer c's brief, best
// first. The analysis is the lexical search leg's (Snowball stems without
// stop words, internal/analysis), in c's language; sentences that the
// composer never uses (headings, questions, fragments, personal-data
// placeholders, writing rules, words to avoid) are not answers. A
// sentence that leans on the one before ("Deshalb …") comes with it; the
// sentence after or before joins the answer when it holds brief terms the
// answer lacks or the shape the question asks for that it lacks. The
// composer writes from these answers, and generation's answered check
// holds a draft that contains none of the best of them for review.
func Answers(c Compose) []Answer {
	lang := c.Lang
	if lang == "" {
		lang = guessLang(c.Brief)
	}
	question := analysis.Question(c.Brief)
	kind := analysis.KindOf(lang, question)
	var qterms []string
	for _, t := range analysis.Terms(lang, question) {
		if !briefWords[t] && !slices.Contains(qterms, t) {
			qterms = append(qterms, t)
		}
	}
	if len(qterms) == 0 {
		return nil
	}
	restricted := map[int]bool{}
	titles := map[string]bool{} // a source's title repeated as a sentence says nothing
	var units []unit
	var paras [][]string // terms per paragraph
	for rank, s := range c.Sources {
		restricted[s.N] = s.Restricted
		titles[fold(strings.TrimSpace(s.Title))] = true
		for _, block := range strings.Split(s.Text, "\n\n") {
			var members []int
			var pterms []string
			for _, u := range Sentences(block) {
				t := strings.TrimSpace(u.Text)
				x := unit{text: t, n: s.N, rank: rank, para: len(paras), pos: len(units), terms: analysis.Terms(lang, t)}
				x.usable = usableSentence(u, t, c.Avoid)
				x.leans = needsContext(t)
				x.sameLang = c.Lang == "" || guessLang(t) == c.Lang
				pterms = append(pterms, x.terms...)
				members = append(members, x.pos)
				units = append(units, x)
			}
			for _, m := range members {
				units[m].paragraph = members
			}
			paras = append(paras, pterms)
		}
	}
	// Restricted sources answer only when no other source holds a brief
	// term: a draft that uses them needs review.
	free := false
	for _, u := range units {
		if u.usable && !restricted[u.n] && shares(u.terms, qterms) {
			free = true
			break
		}
	}
	// Sentences in another language than the draft's answer only when no
	// sentence in its language holds a brief term.
	sameLang := false
	for _, u := range units {
		if u.usable && u.sameLang && shares(u.terms, qterms) {
			sameLang = true
			break
		}
	}
	sentIdx := newIndex(len(units), func(i int) []string { return units[i].terms })
	paraIdx := newIndex(len(paras), func(i int) []string { return paras[i] })
	weight := map[string]float64{}
	total := 0.0
	for _, t := range qterms {
		weight[t] = sentIdx.idf(t)
		total += weight[t]
	}
	paraScore := make([]float64, len(paras))
	for i := range paras {
		paraScore[i] = paraIdx.score(i, qterms)
	}
	var out []Answer
	for i, u := range units {
		if !u.usable || (free && restricted[u.n]) || (sameLang && !u.sameLang) || titles[fold(u.text)] {
			continue
		}
		s := sentIdx.score(i, qterms)
		if s == 0 {
			continue
		}
		members := []int{i}
		if u.leans {
			prev := i - 1
			if prev < 0 || units[prev].para != u.para || !units[prev].usable {
				continue
			}
			members = []int{prev, i}
		}
		a := Answer{N: u.n, Kind: kind, pos: u.pos, para: u.para}
		a.Score = s + paraWeight*paraScore[u.para] + rankRaise/float64(u.rank+1)
		if lead(units, i) {
			a.Score += leadWeight * paraScore[u.para]
		}
		// The neighbour that adds a needed fact: a brief term the sentence
		// lacks, or the asked shape it lacks.
		have := termSet(units, members)
		fits := analysis.Satisfies(lang, kind, question, joined(units, members))
		for _, nb := range []int{members[len(members)-1] + 1, members[0] - 1} {
			if nb < 0 || nb >= len(units) || units[nb].para != u.para || !units[nb].usable || len(members) >= 3 {
				continue
			}
			adds := false
			for _, t := range units[nb].terms {
				if weight[t] > 0 && !have[t] {
					adds = true
				}
			}
			nbFits := analysis.Satisfies(lang, kind, question, units[nb].text)
			if adds || (!fits && nbFits) {
				if nb < members[0] {
					members = append([]int{nb}, members...)
				} else {
					members = append(members, nb)
				}
				fits = fits || nbFits
				have = termSet(units, members)
			}
		}
		if fits && kind != analysis.Open {
			a.Score *= 1 + fitRaise
		}
		a.Fits = fits
		covered := 0.0
		for t, w := range weight {
			if have[t] {
				covered += w
			}
		}
		if total > 0 {
			a.Coverage = covered / total
		}
		a.terms = have
		for _, m := range members {
			a.Sentences = append(a.Sentences, units[m].text)
		}
		out = append(out, a)
	}
	// The best two paragraphs' scores give every answer its margin.
	bestPara, best, runner := -1, 0.0, 0.0
	for _, a := range out {
		switch {
		case a.Score > best && a.para != bestPara:
			runner, best, bestPara = best, a.Score, a.para
		case a.Score > best:
			best = a.Score
		case a.para != bestPara && a.Score > runner:
			runner = a.Score
		}
	}
	for i := range out {
		other := best
		if out[i].para == bestPara {
			other = runner
		}
		out[i].Margin = 1 - other/out[i].Score
	}
	slices.SortStableFunc(out, func(a, b Answer) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return a.pos - b.pos
	})
	return out
}

// usableSentence reports whether the composer may use a sentence at all.
func usableSentence(u Unit, t string, avoid []string) bool {
	n := utf8.RuneCountInString(t)
	if u.Heading || u.Cells > 2 || n < 25 || n > 320 || strings.HasSuffix(t, "?") || strings.HasSuffix(t, ":") ||
		placeholderRE.MatchString(t) || aboutWriting(t) || strings.Count(t, "·") >= 2 || quotedExample(u) || avoids(t, avoid) {
		return false
	}
	return u.Row || len(strings.Fields(t)) >= 5
}

func shares(terms, q []string) bool {
	for _, t := range terms {
		if slices.Contains(q, t) {
			return true
		}
	}
	return false
}

func termSet(units []unit, members []int) map[string]bool {
	m := map[string]bool{}
	for _, i := range members {
		for _, t := range units[i].terms {
			m[t] = true
		}
	}
	return m
}

func joined(units []unit, members []int) string {
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = units[m].text
	}
	return strings.Join(parts, " ")
}

// index is a BM25 index over n documents.
type index struct {
	n   int
	tf  []map[string]int
	len []int
	avg float64
	df  map[string]int
}

func newIndex(n int, terms func(int) []string) *index {
	ix := &index{n: n, tf: make([]map[string]int, n), len: make([]int, n), df: map[string]int{}}
	sum := 0
	for i := range n {
		tf := map[string]int{}
		ts := terms(i)
		for _, t := range ts {
			tf[t]++
		}
		for t := range tf {
			ix.df[t]++
		}
		ix.tf[i], ix.len[i] = tf, len(ts)
		sum += len(ts)
	}
	if n > 0 {
		ix.avg = max(1, float64(sum)/float64(n))
	}
	return ix
}

func (ix *index) idf(t string) float64 {
	df := float64(ix.df[t])
	return math.Log(1 + (float64(ix.n)-df+0.5)/(df+0.5))
}

func (ix *index) score(i int, q []string) float64 {
	s := 0.0
	for _, t := range q {
		f := float64(ix.tf[i][t])
		if f == 0 {
			continue
		}
		s += ix.idf(t) * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(ix.len[i])/ix.avg))
	}
	return s
}

// lead reports whether the sentence at i is the first usable one of its
// paragraph.
func lead(units []unit, i int) bool {
	for _, m := range units[i].paragraph {
		if units[m].usable {
			return m == i
		}
	}
	return false
}
