// Package data turns the question-answering sets of testdata/answers into
// the answer ranker's training examples: each question is asked over the
// set's passages, its sources are the passages a BM25 of the question
// ranks best (as many as generation retrieves), and the candidates are
// llm.Answers' answers, gold when they hold a sentence of the question's
// own answer.
package data

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"

	"kontext/internal/analysis"
	"kontext/llm"
	"kontext/llm/answerrank"
)

// K is how many passages each question is asked over (generation's
// default k).
const K = 8

// Set is one language's split as bench/answers/derive writes it.
type Set struct {
	Lang     string `json:"lang"`
	Split    string `json:"split"`
	Passages []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"passages"`
	Questions []struct {
		Question string `json:"question"`
		Passage  string `json:"passage"`
		Answer   string `json:"answer"`
	} `json:"questions"`
}

// Load reads the sets at paths, in order.
func Load(paths ...string) ([]Set, error) {
	var out []Set
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("answerrank data: %w", err)
		}
		var s Set
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("answerrank data: %s: %w", p, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// Question is one question's candidates, with the answers' texts.
type Question struct {
	Candidates []answerrank.Candidate
	Texts      []string
	// Reachable reports whether a gold sentence is among the sources.
	Reachable bool
	// Twin marks the candidates that hold a sentence of the answer to
	// another question of the set that asks nearly the same (half or more
	// of the two questions' terms shared): another page's answer to the
	// same question, which the gold does not count.
	Twin []bool
}

// Questions builds the examples of set s.
func Questions(s Set) []Question {
	ix := newBM25(s)
	var out []Question
	qterms := make([]map[string]bool, len(s.Questions))
	for i, q := range s.Questions {
		qterms[i] = map[string]bool{}
		for _, t := range analysis.Terms(s.Lang, q.Question) {
			qterms[i][t] = true
		}
	}
	for qn, q := range s.Questions {
		gold := GoldSentences(q.Answer)
		var twins []string
		for j, o := range s.Questions {
			if j == qn || o.Answer == q.Answer {
				continue
			}
			shared := 0
			for t := range qterms[qn] {
				if qterms[j][t] {
					shared++
				}
			}
			if union := len(qterms[qn]) + len(qterms[j]) - shared; union > 0 && 2*shared >= union {
				twins = append(twins, GoldSentences(o.Answer)...)
			}
		}
		c := llm.Compose{Brief: q.Question, Lang: s.Lang, Channel: "faq_answer"}
		ex := Question{}
		for i, p := range ix.top(q.Question, K) {
			c.Sources = append(c.Sources, llm.ComposeSource{N: i + 1, Title: s.Passages[p].Title, Text: s.Passages[p].Text})
			ex.Reachable = ex.Reachable || ContainsAny(s.Passages[p].Text, gold)
		}
		for _, a := range llm.AnswersWithFeatures(c) {
			d, x := llm.RankFeatures(a)
			ex.Candidates = append(ex.Candidates, answerrank.Candidate{Dense: slices.Clone(d), Cross: x, Gold: ContainsAny(a.Text(), gold)})
			ex.Texts = append(ex.Texts, a.Text())
			ex.Twin = append(ex.Twin, ContainsAny(a.Text(), twins))
		}
		out = append(out, ex)
	}
	return out
}

// Examples returns the candidates of the questions.
func Examples(qs []Question) [][]answerrank.Candidate {
	out := make([][]answerrank.Candidate, len(qs))
	for i, q := range qs {
		out[i] = q.Candidates
	}
	return out
}

var citeRE = regexp.MustCompile(`\s*\[\d+\]`)

func normalise(s string) string {
	s = citeRE.ReplaceAllString(s, "")
	return strings.ToLower(strings.Join(strings.Fields(strings.Trim(strings.TrimSpace(s), ".!?")), " "))
}

// GoldSentences are the sentences of a gold answer long enough to tell it
// (25 characters or more), as bench/answers counts them.
func GoldSentences(answer string) []string {
	var out []string
	for _, u := range llm.Sentences(answer) {
		if s := normalise(u.Text); len([]rune(s)) >= 25 {
			out = append(out, s)
		}
	}
	return out
}

// ContainsAny reports whether text holds one of the gold sentences.
func ContainsAny(text string, gold []string) bool {
	d := normalise(text)
	for _, g := range gold {
		if strings.Contains(d, g) {
			return true
		}
	}
	return false
}

// bm25 is Okapi BM25 (k1 1.2, b 0.75) over the passages, with the lexical
// search leg's analysis.
type bm25 struct {
	lang string
	docs []map[string]int
	lens []int
	avg  float64
	df   map[string]int
}

func newBM25(s Set) *bm25 {
	b := &bm25{lang: s.Lang, df: map[string]int{}}
	total := 0
	for _, p := range s.Passages {
		tf := map[string]int{}
		terms := analysis.Terms(s.Lang, p.Title+"\n\n"+p.Text)
		for _, t := range terms {
			tf[t]++
		}
		for t := range tf {
			b.df[t]++
		}
		b.docs, b.lens = append(b.docs, tf), append(b.lens, len(terms))
		total += len(terms)
	}
	b.avg = float64(total) / float64(max(1, len(b.docs)))
	return b
}

func (b *bm25) top(q string, k int) []int {
	n := float64(len(b.docs))
	qt := analysis.Terms(b.lang, q)
	slices.Sort(qt)
	qt = slices.Compact(qt)
	type hit struct {
		i int
		s float64
	}
	var hits []hit
	for i, tf := range b.docs {
		s := 0.0
		for _, t := range qt {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(b.df[t])+0.5)/(float64(b.df[t])+0.5))
			s += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(b.lens[i])/b.avg))
		}
		if s > 0 {
			hits = append(hits, hit{i, s})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return a.i - b.i
	})
	var out []int
	for _, h := range hits[:min(k, len(hits))] {
		out = append(out, h.i)
	}
	return out
}
