package main

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// bm25 is the reference ranking: plain Okapi BM25 over whole documents,
// words lower-cased, split at anything that is not a letter or digit, no
// stemming, no stop words. It shares no code with the service's lexical
// leg, which it checks.
type bm25 struct {
	k1, b float64
	ids   []string
	tf    []map[string]int
	lens  []float64
	df    map[string]int
	avgdl float64
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func newBM25(docs []doc, k1, b float64) *bm25 {
	m := &bm25{k1: k1, b: b, df: map[string]int{}}
	var total float64
	for _, d := range docs {
		tf := map[string]int{}
		ws := words(d.text)
		for _, w := range ws {
			tf[w]++
		}
		for w := range tf {
			m.df[w]++
		}
		m.ids = append(m.ids, d.id)
		m.tf = append(m.tf, tf)
		m.lens = append(m.lens, float64(len(ws)))
		total += float64(len(ws))
	}
	m.avgdl = total / float64(len(docs))
	return m
}

// rank returns the ids of the best k documents for text.
func (m *bm25) rank(text string, k int) []string {
	terms := map[string]bool{}
	for _, w := range words(text) {
		terms[w] = true
	}
	n := float64(len(m.ids))
	type hit struct {
		i int
		s float64
	}
	var hits []hit
	for i, tf := range m.tf {
		var s float64
		for w := range terms {
			f := float64(tf[w])
			if f == 0 {
				continue
			}
			df := float64(m.df[w])
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			s += idf * f * (m.k1 + 1) / (f + m.k1*(1-m.b+m.b*m.lens[i]/m.avgdl))
		}
		if s > 0 {
			hits = append(hits, hit{i, s})
		}
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].s != hits[b].s {
			return hits[a].s > hits[b].s
		}
		return hits[a].i < hits[b].i
	})
	out := make([]string, 0, k)
	for _, h := range hits[:min(k, len(hits))] {
		out = append(out, m.ids[h.i])
	}
	return out
}
