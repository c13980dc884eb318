package llm

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"kontext/internal/analysis"
	"kontext/llm/answerrank"
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

	pos  int
	para int

	dense []float64
	cross []uint32
}

// RankFeatures returns the features the answer ranker (llm/answerrank)
// scores a: its dense features and its hashed cross features (nil unless
// a comes from AnswersWithFeatures).
func RankFeatures(a Answer) ([]float64, []uint32) { return a.dense, a.cross }

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
	bm25K1     = 1.2
	bm25B      = 0.75
	paraWeight = 4
	leadWeight = 1.0
	fitRaise   = 0.3
	rankRaise  = 0.5
	// compoundWeight is what a German compound part counts for (a whole
	// term counts 1): "Kurzarbeit" in the brief for "Kurzarbeitergeld" in
	// a source and the other way round, as the lexical search leg reads
	// them (analysis.CompoundPart).
	compoundWeight = 0.5
	// earlyTerms is how many of a paragraph's first terms count as its
	// opening (a ranking feature).
	earlyTerms = 25
	// maxAnswers bounds the answers built and ranked.
	maxAnswers = 40
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
	src       Unit
	text      string
	n         int // source number
	rank      int // source's position
	para      int // paragraph index over all sources
	pos       int // position over all sources
	qtf       []float64
	length    int
	paragraph []int // positions of the paragraph's sentences
	checked   bool
	usable    bool
	leans     bool // leans on the sentence before ("Deshalb …")
	sameLang  bool
	pairs     []int // adjacent pairs of brief terms (pairKey)
}

func pairKey(a, b int) int { return min(a, b)<<16 | max(a, b) }

func (u *unit) hits() bool {
	for _, f := range u.qtf {
		if f > 0 {
			return true
		}
	}
	return false
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
func Answers(c Compose) []Answer { return answers(c, false) }

// AnswersWithFeatures is Answers with each answer's ranking features
// (RankFeatures) computed, for the answer ranker's training and
// evaluation (llm/answerrank/train).
func AnswersWithFeatures(c Compose) []Answer { return answers(c, true) }

func answers(c Compose, withFeatures bool) []Answer {
	lang := c.Lang
	if lang == "" {
		lang = guessLang(c.Brief)
	}
	question := analysis.Question(c.Brief)
	kind := analysis.KindOf(lang, question)
	an := analysis.New(lang)
	var qterms []string
	for _, t := range an.QuestionTerms(question) {
		if !briefWords[t] && !slices.Contains(qterms, t) {
			qterms = append(qterms, t)
		}
	}
	if len(qterms) == 0 {
		return nil
	}
	qi := make(map[string]int, len(qterms))
	for i, t := range qterms {
		qi[t] = i
	}
	restricted := map[int]bool{}
	titles := map[string]bool{} // a source's title repeated as a sentence says nothing
	var units []unit
	var paras []bm25Doc
	var paraSource []int   // the source rank of each paragraph
	var paraEarly [][]bool // brief terms early in each paragraph
	// A source's title names what all its sentences are about: its brief
	// terms count for each of its paragraphs and answers.
	titleHas := map[int][]bool{}
	for rank, s := range c.Sources {
		restricted[s.N] = s.Restricted
		titles[fold(strings.TrimSpace(s.Title))] = true
		th := make([]bool, len(qterms))
		for _, term := range an.Terms(s.Title) {
			if k, ok := qi[term]; ok {
				th[k] = true
			}
		}
		titleHas[s.N] = th
		for _, block := range strings.Split(s.Text, "\n\n") {
			var members []int
			pd := bm25Doc{qtf: make([]float64, len(qterms))}
			early := make([]bool, len(qterms)) // in the paragraph's first earlyTerms terms
			for _, u := range Sentences(block) {
				t := strings.TrimSpace(u.Text)
				x := unit{src: u, text: t, n: s.N, rank: rank, para: len(paras), pos: len(units), qtf: make([]float64, len(qterms))}
				prevK := -1
				for _, term := range an.Terms(t) {
					x.length++
					if k, ok := qi[term]; ok {
						x.qtf[k]++
						pd.qtf[k]++
						if pd.length+x.length <= earlyTerms {
							early[k] = true
						}
						if prevK >= 0 && prevK != k {
							x.pairs = append(x.pairs, pairKey(prevK, k))
						}
						prevK = k
						continue
					}
					prevK = -1
					if an.Lang() == analysis.German {
						for k, q := range qterms {
							if an.CompoundPart(term, q) {
								x.qtf[k] += compoundWeight
								pd.qtf[k] += compoundWeight
							}
						}
					}
				}
				pd.length += x.length
				members = append(members, x.pos)
				units = append(units, x)
			}
			for k, h := range th {
				if h {
					pd.qtf[k]++
				}
			}
			for _, m := range members {
				units[m].paragraph = members
			}
			paraSource = append(paraSource, rank)
			paraEarly = append(paraEarly, early)
			paras = append(paras, pd)
		}
	}
	check := func(i int) *unit {
		u := &units[i]
		if !u.checked {
			u.checked = true
			u.usable = usableSentence(u.src, u.text, c.Avoid)
			u.leans = needsContext(u.text)
			u.sameLang = c.Lang == "" || guessLang(u.text) == c.Lang
		}
		return u
	}
	// Restricted sources answer only when no other source holds a brief
	// term: a draft that uses them needs review. Sentences in another
	// language than the draft's answer only when no sentence in its
	// language holds a brief term.
	free, sameLang := false, false
	for i := range units {
		if !units[i].hits() {
			continue
		}
		u := check(i)
		free = free || (u.usable && !restricted[u.n])
		sameLang = sameLang || (u.usable && u.sameLang)
	}
	sentDocs := make([]bm25Doc, len(units))
	for i, u := range units {
		sentDocs[i] = bm25Doc{qtf: u.qtf, length: u.length}
	}
	sentIdx := newIndex(sentDocs, len(qterms))
	paraIdx := newIndex(paras, len(qterms))
	weight := make([]float64, len(qterms))
	total := 0.0
	for k := range qterms {
		weight[k] = sentIdx.idf(k)
		total += weight[k]
	}
	paraScore := make([]float64, len(paras))
	byScore := make([]int, len(paras))
	for i := range paras {
		paraScore[i] = paraIdx.score(i)
		byScore[i] = i
	}
	slices.SortStableFunc(byScore, func(a, b int) int {
		switch {
		case paraScore[a] > paraScore[b]:
			return -1
		case paraScore[a] < paraScore[b]:
			return 1
		}
		return 0
	})
	paraRank := make([]int, len(paras))
	for r, i := range byScore {
		paraRank[i] = r
	}
	qpairs := map[int]bool{}
	for k := 1; k < len(qterms); k++ {
		qpairs[pairKey(k-1, k)] = true
	}
	var cues []string
	if withFeatures {
		cues = questionCues(question, kind)
	}
	// Only the sentences whose score before the shape and the neighbours
	// are among the best maxAnswers become answers: the shape raises a
	// score by fitRaise at most, and the rest could not reach the top.
	type scored struct {
		i int
		p float64
	}
	var pre []scored
	for i := range units {
		if !units[i].hits() {
			continue
		}
		u := check(i)
		if !u.usable || (free && restricted[u.n]) || (sameLang && !u.sameLang) || titles[fold(u.text)] {
			continue
		}
		p := sentIdx.score(i) + paraWeight*paraScore[u.para] + rankRaise/float64(u.rank+1)
		if lead(units, check, i) {
			p += leadWeight * paraScore[u.para]
		}
		pre = append(pre, scored{i, p})
	}
	slices.SortStableFunc(pre, func(a, b scored) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return a.i - b.i
	})
	if len(pre) > maxAnswers {
		pre = pre[:maxAnswers]
	}
	fitCache := map[int]bool{}
	fitsUnit := func(i int) bool {
		f, ok := fitCache[i]
		if !ok {
			f = an.Satisfies(kind, question, units[i].text)
			fitCache[i] = f
		}
		return f
	}
	// A term is had (for the coverage and for a neighbour that adds it)
	// where it is written whole, not as a compound's part.
	haveOf := func(members []int) []bool {
		have := slices.Clone(titleHas[units[members[0]].n])
		for _, m := range members {
			for k, f := range units[m].qtf {
				have[k] = have[k] || f >= 1
			}
		}
		return have
	}
	var out []Answer
	for _, sc := range pre {
		i, u := sc.i, &units[sc.i]
		members := []int{i}
		if u.leans {
			prev := i - 1
			if prev < 0 || units[prev].para != u.para || !check(prev).usable {
				continue
			}
			members = []int{prev, i}
		}
		a := Answer{N: u.n, Kind: kind, pos: u.pos, para: u.para, Score: sc.p}
		// The neighbour that adds a needed fact: a brief term the sentence
		// lacks, or the asked shape it lacks.
		have := haveOf(members)
		fits := false
		for _, m := range members {
			fits = fits || fitsUnit(m)
		}
		for _, nb := range []int{members[len(members)-1] + 1, members[0] - 1} {
			if nb < 0 || nb >= len(units) || units[nb].para != u.para || len(members) >= 3 || !check(nb).usable {
				continue
			}
			adds := false
			for k, f := range units[nb].qtf {
				if f >= 1 && !have[k] {
					adds = true
				}
			}
			nbFits := fitsUnit(nb)
			if adds || (!fits && nbFits) {
				if nb < members[0] {
					members = append([]int{nb}, members...)
				} else {
					members = append(members, nb)
				}
				fits = fits || nbFits
				have = haveOf(members)
			}
		}
		if fits && kind != analysis.Open {
			a.Score *= 1 + fitRaise
		}
		a.Fits = fits
		covered := 0.0
		for k, h := range have {
			if h {
				covered += weight[k]
			}
		}
		if total > 0 {
			a.Coverage = covered / total
		}
		for _, m := range members {
			a.Sentences = append(a.Sentences, units[m].text)
		}
		if !withFeatures {
			out = append(out, a)
			continue
		}
		a.dense = make([]float64, answerrank.Dense)
		f := a.dense
		f[0] = sentIdx.score(i)
		f[1] = paraScore[u.para]
		f[4] = a.Coverage
		if fits && kind != analysis.Open {
			f[5] = 1
		}
		if lead(units, check, i) {
			f[6] = 1
		}
		f[7] = 1 / float64(u.rank+1)
		words := 0
		for _, m := range members {
			words += units[m].length
		}
		f[8] = math.Log1p(float64(words))
		f[9] = float64(len(members) - 1)
		if pr := paraRank[u.para]; pr == 0 {
			f[10], f[11] = 1, 1
		} else if pr < 3 {
			f[11] = 1
		}
		if len(qpairs) > 0 {
			f[12] = pairShare(units, members, qpairs)
			f[13] = pairShare(units, u.paragraph, qpairs)
		}
		pc := 0.0
		for k, h := range haveOf(u.paragraph) {
			if h {
				pc += weight[k]
			}
		}
		if total > 0 {
			f[14] = pc / total
		}
		for j, m := range u.paragraph {
			if m == i && len(u.paragraph) > 1 {
				f[15] = float64(j) / float64(len(u.paragraph)-1)
			}
		}
		f[16] = a.Score
		// The paragraph's first sentence, its opening terms, and its
		// standing among the paragraphs of its own source (an FAQ page's
		// other answers share its words).
		ec, fc := 0.0, 0.0
		firstM := u.paragraph[0]
		for k := range qterms {
			if paraEarly[u.para][k] {
				ec += weight[k]
			}
			if units[firstM].qtf[k] >= 1 {
				fc += weight[k]
			}
		}
		if total > 0 {
			f[20], f[21] = ec/total, fc/total
		}
		sib := 0.0
		for pi := range paras {
			if paraSource[pi] == u.rank && pi != u.para {
				sib = max(sib, paraScore[pi])
			}
		}
		if paraScore[u.para] > 0 {
			f[22] = 1 - min(1, sib/paraScore[u.para])
		}
		if sib < paraScore[u.para] {
			f[23] = 1
		}
		f[17] = math.Log1p(float64(paras[u.para].length))
		first := strings.ToLower(strings.Trim(firstWord(a.Sentences[0]), ",.;:!"))
		if kind == analysis.YesNo && yesNo[first] {
			f[18] = 1
		}
		if (kind == analysis.Number || kind == analysis.Date) && strings.ContainsAny(a.Text(), "0123456789") {
			f[19] = 1
		}
		a.cross = crossFeatures(an, cues, a.Text())
		out = append(out, a)
	}
	// The features on a scale of the best answer's where they are scores.
	if withFeatures && len(out) > 0 {
		maxS, maxP, maxOld := 0.0, 0.0, 0.0
		for _, a := range out {
			maxS, maxP, maxOld = max(maxS, a.dense[0]), max(maxP, a.dense[1]), max(maxOld, a.dense[16])
		}
		for j := range out {
			d := out[j].dense
			if maxP > 0 {
				d[2] = d[1] / maxP
			}
			if maxS > 0 {
				d[3] = d[0] / maxS
			}
			if maxOld > 0 {
				d[16] /= maxOld
			}
		}
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

// bm25Doc is what BM25 needs of a document: the counts of the query's
// terms and the number of its terms.
type bm25Doc struct {
	qtf    []float64
	length int
}

// index is a BM25 index over documents, for one query.
type index struct {
	docs []bm25Doc
	avg  float64
	idfs []float64
}

func newIndex(docs []bm25Doc, nq int) *index {
	ix := &index{docs: docs, idfs: make([]float64, nq)}
	sum := 0
	df := make([]int, nq)
	for _, d := range docs {
		sum += d.length
		for k, f := range d.qtf {
			if f > 0 {
				df[k]++
			}
		}
	}
	n := float64(len(docs))
	if n > 0 {
		ix.avg = max(1, float64(sum)/n)
	}
	for k := range nq {
		ix.idfs[k] = math.Log(1 + (n-float64(df[k])+0.5)/(float64(df[k])+0.5))
	}
	return ix
}

func (ix *index) idf(k int) float64 { return ix.idfs[k] }

func (ix *index) score(i int) float64 {
	d := ix.docs[i]
	s := 0.0
	for k, tf := range d.qtf {
		if tf == 0 {
			continue
		}
		f := tf
		s += ix.idfs[k] * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(d.length)/ix.avg))
	}
	return s
}

// lead reports whether the sentence at i is the first usable one of its
// paragraph.
func lead(units []unit, check func(int) *unit, i int) bool {
	for _, m := range units[i].paragraph {
		if check(m).usable {
			return m == i
		}
	}
	return false
}

// yesNo are the words an answer to a yes/no question opens with.
var yesNo = map[string]bool{"ja": true, "nein": true, "yes": true, "no": true, "doch": true, "nicht": true, "not": true}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// pairShare is the share of the brief's adjacent term pairs that the
// sentences at members hold adjacent too.
func pairShare(units []unit, members []int, qpairs map[int]bool) float64 {
	seen := map[int]bool{}
	for _, m := range members {
		for _, p := range units[m].pairs {
			if qpairs[p] {
				seen[p] = true
			}
		}
	}
	return float64(len(seen)) / float64(len(qpairs))
}

// questionCues are what the cross features pair with an answer's words:
// the question's first word, its first two words, and its kind.
func questionCues(question string, kind analysis.Kind) []string {
	f := strings.Fields(strings.ToLower(strings.TrimLeft(question, "„“\"'¿¡ ")))
	cues := []string{"k:" + string(kind)}
	if len(f) > 0 {
		cues = append(cues, "1:"+strings.Trim(f[0], ",.;:?!"))
	}
	if len(f) > 1 {
		cues = append(cues, "2:"+strings.Trim(f[0], ",.;:?!")+" "+strings.Trim(f[1], ",.;:?!"))
	}
	return cues
}

// crossFeatures hashes each question cue with each of the answer's terms
// and with its shapes (a number, a euro amount, a percentage, its first
// word).
func crossFeatures(an *analysis.Analyzer, cues []string, text string) []uint32 {
	var toks []string
	seen := map[string]bool{}
	for _, t := range an.Terms(text) {
		if !seen[t] {
			seen[t] = true
			toks = append(toks, t)
		}
	}
	if strings.ContainsAny(text, "0123456789") {
		toks = append(toks, "#num")
	}
	if strings.Contains(text, "€") || strings.Contains(strings.ToLower(text), "euro") {
		toks = append(toks, "#euro")
	}
	if strings.Contains(text, "%") || strings.Contains(strings.ToLower(text), "prozent") || strings.Contains(strings.ToLower(text), "percent") {
		toks = append(toks, "#pct")
	}
	toks = append(toks, "#first:"+strings.ToLower(strings.Trim(firstWord(text), ",.;:!")))
	out := make([]uint32, 0, len(cues)*len(toks))
	for _, c := range cues {
		for _, t := range toks {
			out = append(out, answerrank.Hash(c, t))
		}
	}
	return out
}
