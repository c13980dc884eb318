// Package answerrank is a learned answer ranker for the offline composer:
// a linear model over an answer's lexical features (BM25 of the sentence
// and its paragraph, weighted coverage, word pairs, the question's shape,
// the position, the paragraph's standing among its source's paragraphs)
// and hashed pairs of the question's opening words with the answer's words
// ("wie lange" with "Tage", "how much" with "€"), trained listwise (softmax
// over one question's candidate answers) on the training split of
// testdata/answers. The features are llm.AnswersWithFeatures'.
//
// The composer does not use it: on the dev split of bench/answers it did
// not beat the composer's own lexical score (docs/benchmarks.md#answers).
// It stays as the measure of that:
//
//	go run ./llm/answerrank/train -eval testdata/answers/de-dev.json,testdata/answers/en-dev.json
package answerrank

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
)

// Dense is the number of dense features; Buckets the number of hashed
// cross-feature weights.
const (
	Dense   = 24
	Buckets = 1 << 14
)

// Model is the ranker's weights.
type Model struct {
	W     [Dense]float64
	Cross []float64 // Buckets weights
}

// Hash returns the bucket of a question cue and an answer word.
func Hash(cue, word string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(cue))
	h.Write([]byte{0})
	h.Write([]byte(word))
	return h.Sum32() % Buckets
}

// Score returns the model's logit for one candidate: higher ranks higher.
func (m *Model) Score(dense []float64, cross []uint32) float64 {
	s := 0.0
	for i, x := range dense {
		s += m.W[i] * x
	}
	if m.Cross != nil {
		for _, b := range cross {
			s += m.Cross[b]
		}
	}
	return s
}

// Candidate is one answer to a question in training.
type Candidate struct {
	Dense []float64
	Cross []uint32
	Gold  bool
}

// Options are the training's settings; the zero value takes the
// defaults the committed model was trained with.
type Options struct {
	Epochs  int     // passes over the data (default 300)
	Rate    float64 // step of gradient descent (default 0.1)
	L2      float64 // penalty on the dense weights (default 0.001)
	L2Cross float64 // penalty on the cross weights (default 0.01)
	NoCross bool    // train the dense weights only
}

func (o Options) withDefaults() Options {
	if o.Epochs == 0 {
		o.Epochs = 300
	}
	if o.Rate == 0 {
		o.Rate = 0.1
	}
	if o.L2 == 0 {
		o.L2 = 0.001
	}
	if o.L2Cross == 0 {
		o.L2Cross = 0.01
	}
	return o
}

// Train fits a model to questions (each a list of candidates, at least one
// of them gold; others are skipped) by full-batch gradient descent on the
// listwise softmax loss: -log of the probability mass on the gold
// candidates. It is deterministic: the same data give the same weights.
func Train(questions [][]Candidate, opt Options) *Model {
	opt = opt.withDefaults()
	m := &Model{}
	if !opt.NoCross {
		m.Cross = make([]float64, Buckets)
	}
	var qs [][]Candidate
	for _, q := range questions {
		for _, c := range q {
			if c.Gold {
				qs = append(qs, q)
				break
			}
		}
	}
	if len(qs) == 0 {
		return m
	}
	n := float64(len(qs))
	var gW [Dense]float64
	var gC []float64
	if m.Cross != nil {
		gC = make([]float64, Buckets)
	}
	p := make([]float64, 0, 64)
	for range opt.Epochs {
		gW = [Dense]float64{}
		clear(gC)
		for _, q := range qs {
			p = p[:0]
			top := math.Inf(-1)
			for _, c := range q {
				s := m.Score(c.Dense, c.Cross)
				p = append(p, s)
				top = max(top, s)
			}
			z, zg := 0.0, 0.0
			for i, c := range q {
				p[i] = math.Exp(p[i] - top)
				z += p[i]
				if c.Gold {
					zg += p[i]
				}
			}
			// d loss / d s_i = p_i/z - [gold] p_i/zg
			for i, c := range q {
				g := p[i] / z
				if c.Gold {
					g -= p[i] / zg
				}
				if g == 0 {
					continue
				}
				for k, x := range c.Dense {
					gW[k] += g * x
				}
				if gC != nil {
					for _, b := range c.Cross {
						gC[b] += g
					}
				}
			}
		}
		for k := range m.W {
			m.W[k] -= opt.Rate * (gW[k]/n + opt.L2*m.W[k])
		}
		for b := range gC {
			m.Cross[b] -= opt.Rate * (gC[b]/n + opt.L2Cross*m.Cross[b])
		}
	}
	// Rounded, so that the text form reads back to the same weights.
	for k := range m.W {
		m.W[k] = round(m.W[k])
	}
	for b := range m.Cross {
		m.Cross[b] = round(m.Cross[b])
	}
	return m
}

func round(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	if v == 0 {
		return 0 // no negative zero
	}
	return v
}

// MarshalText writes the model as text: the dense weights on one line,
// then one line "bucket weight" for each non-zero cross weight.
func (m *Model) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("answerrank v1\n")
	for k, w := range m.W {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(w, 'g', 6, 64))
	}
	b.WriteByte('\n')
	for i, w := range m.Cross {
		if w != 0 {
			fmt.Fprintf(&b, "%d %s\n", i, strconv.FormatFloat(w, 'g', 6, 64))
		}
	}
	return b.Bytes(), nil
}

// UnmarshalText reads what MarshalText writes.
func (m *Model) UnmarshalText(data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() || sc.Text() != "answerrank v1" {
		return fmt.Errorf("answerrank: not a model")
	}
	if !sc.Scan() {
		return fmt.Errorf("answerrank: no dense weights")
	}
	f := strings.Fields(sc.Text())
	if len(f) != Dense {
		return fmt.Errorf("answerrank: %d dense weights, want %d", len(f), Dense)
	}
	for k, s := range f {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("answerrank: weight %d: %w", k, err)
		}
		m.W[k] = v
	}
	for sc.Scan() {
		var i int
		var w float64
		if _, err := fmt.Sscanf(sc.Text(), "%d %g", &i, &w); err != nil || i < 0 || i >= Buckets {
			return fmt.Errorf("answerrank: cross weight %q", sc.Text())
		}
		if m.Cross == nil {
			m.Cross = make([]float64, Buckets)
		}
		m.Cross[i] = w
	}
	return sc.Err()
}
