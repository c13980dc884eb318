package answerrank_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"kontext/llm/answerrank"
)

// questions makes n synthetic questions of 10 candidates each: one gold;
// the gold is told by dense feature 0 (when byDense) or by cross bucket 7
// (otherwise), the other features are noise.
func questions(n int, byDense bool, seed uint64) [][]answerrank.Candidate {
	r := rand.New(rand.NewPCG(seed, 1))
	var out [][]answerrank.Candidate
	for range n {
		gold := r.IntN(10)
		var q []answerrank.Candidate
		for i := range 10 {
			c := answerrank.Candidate{Dense: make([]float64, answerrank.Dense), Gold: i == gold}
			for k := range c.Dense {
				c.Dense[k] = r.Float64()
			}
			c.Cross = []uint32{uint32(100 + r.IntN(1000))}
			if i == gold {
				if byDense {
					c.Dense[0] += 1
				} else {
					c.Cross = append(c.Cross, 7)
				}
			}
			q = append(q, c)
		}
		out = append(out, q)
	}
	return out
}

func top1(m *answerrank.Model, qs [][]answerrank.Candidate) float64 {
	hits := 0
	for _, q := range qs {
		best := 0
		for i, c := range q {
			if m.Score(c.Dense, c.Cross) > m.Score(q[best].Dense, q[best].Cross) {
				best = i
			}
		}
		if q[best].Gold {
			hits++
		}
	}
	return float64(hits) / float64(len(qs))
}

func TestTrainLearns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		byDense bool
		opt     answerrank.Options
	}{
		{"dense feature", true, answerrank.Options{NoCross: true}},
		{"cross feature", false, answerrank.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := answerrank.Train(questions(200, tc.byDense, 1), tc.opt)
			// Chance is 0.1.
			if got := top1(m, questions(200, tc.byDense, 2)); got < 0.8 {
				t.Errorf("held-out top-1 %.2f; want at least 0.8", got)
			}
		})
	}
}

func TestTrainReproducibleAndRoundTrip(t *testing.T) {
	t.Parallel()
	qs := questions(50, false, 3)
	a, _ := answerrank.Train(qs, answerrank.Options{}).MarshalText()
	b, _ := answerrank.Train(qs, answerrank.Options{}).MarshalText()
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings on the same data differ")
	}
	var m answerrank.Model
	if err := m.UnmarshalText(a); err != nil {
		t.Fatal(err)
	}
	c, _ := m.MarshalText()
	if !bytes.Equal(a, c) {
		t.Error("the model does not read back to the same text")
	}
	if err := m.UnmarshalText([]byte("not a model\n")); err == nil {
		t.Error("UnmarshalText accepted text that is not a model")
	}
}
