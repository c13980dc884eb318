package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"kontext/guard/internal/textnorm"
)

// TrainExample is one labelled text for Train.
type TrainExample struct {
	Text, Lang string
	// Categories are the pack categories the text breaks; empty means clean.
	Categories []string
	// Group names the source file and theme the text comes from;
	// cross-validation holds out whole groups, the German and the English
	// texts of a theme together.
	Group string
	// Channel is the text's channel, for checking it with the rules; the
	// model does not read it.
	Channel string
}

// TrainOptions configures Train; zero fields take the defaults used for the
// embedded model.
type TrainOptions struct {
	Bits         uint    // hash space of 2^Bits buckets (default 14)
	Epochs       int     // passes over the data (default 40)
	Seed         uint64  // shuffling seed (default 21)
	L2           float64 // L2 penalty per update (default 3e-3)
	LearningRate float64 // AdaGrad step (default 0.5)
	// Folds is the number of cross-validation folds the thresholds are
	// chosen on (default 5).
	Folds int
	// MaxFalseAlarms is the share of the held-out clean texts of each
	// language the model may flag with any category (default
	// DefaultMaxFalseAlarms).
	MaxFalseAlarms float64
}

func (o *TrainOptions) defaults() {
	if o.Bits == 0 {
		o.Bits = 14
	}
	if o.Epochs == 0 {
		o.Epochs = 40
	}
	if o.Seed == 0 {
		o.Seed = 21
	}
	if o.L2 == 0 {
		o.L2 = 3e-3
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.5
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.MaxFalseAlarms == 0 {
		o.MaxFalseAlarms = DefaultMaxFalseAlarms
	}
}

// DefaultMaxFalseAlarms is the share of held-out clean texts a language's
// thresholds may flag. It is 1%, not the 2% of earlier models: with the
// thresholds chosen on other folds than the texts they are measured on
// (the nested figures of go run ./guard/policy/train), a 2% budget flagged
// 3.5-3.7% of clean texts of unseen themes, and 1% flags 1.8-1.9%.
const DefaultMaxFalseAlarms = 0.01

type claimRow struct {
	idx  []uint32
	v    float64
	cats []string // the text's categories
	// whole is false for a sentence of a longer text: it is a negative
	// for the categories the text does not break and says nothing about
	// the others.
	whole bool
}

// rowsOf turns examples into training rows: every text whole and, for
// texts of several sentences, each sentence.
func rowsOf(exs []TrainExample, bits uint) []claimRow {
	mask := uint32(1)<<bits - 1
	var rows []claimRow
	var sents [][2]int
	for _, ex := range exs {
		ft := textnorm.Fold(ex.Text)
		footnoteMarks(&ft, ex.Text)
		toks := textnorm.Tokenize(ft.Text, nil)
		sents = sentenceRanges(toks, sents)
		var all []uint32
		for _, sr := range sents {
			idx := features(ft.Text, toks, sr[0], sr[1], mask, nil)
			all = append(all, idx...)
			if len(sents) > 1 && len(idx) > 0 {
				rows = append(rows, claimRow{idx: idx, v: 1 / math.Sqrt(float64(len(idx))), cats: ex.Categories})
			}
		}
		if len(all) > 0 {
			rows = append(rows, claimRow{idx: all, v: 1 / math.Sqrt(float64(len(all))), cats: ex.Categories, whole: true})
		}
	}
	return rows
}

// Train fits one logistic regression per category of ModelCategories by
// AdaGrad, the classes of each balanced, in a fixed order drawn from Seed:
// the same examples and options give the same model, byte for byte. Its
// thresholds are left at +Inf (it finds nothing); TrainDefault sets them.
func Train(exs []TrainExample, opts TrainOptions) *Model {
	opts.defaults()
	rows := rowsOf(exs, opts.Bits)
	nc := len(ModelCategories)
	n := 1 << opts.Bits
	m := &Model{bits: opts.Bits, cats: slices.Clone(ModelCategories), weights: make([]int16, n*nc),
		scale: make([]float32, nc), bias: make([]float32, nc), threshold: make([][]float32, len(modelLangs))}
	for l := range m.threshold {
		m.threshold[l] = make([]float32, nc)
		for c := range m.threshold[l] {
			m.threshold[l][c] = float32(math.Inf(1))
		}
	}
	w := make([]float64, n)
	g2 := make([]float64, n)
	for c, cat := range ModelCategories {
		clear(w)
		clear(g2)
		var use []int
		var ys []float64
		var pos, neg float64
		for i, r := range rows {
			y := 0.0
			if slices.Contains(r.cats, cat) {
				if !r.whole {
					continue
				}
				y = 1
				pos++
			} else {
				neg++
			}
			use = append(use, i)
			ys = append(ys, y)
		}
		if pos == 0 || neg == 0 {
			m.bias[c], m.scale[c] = -30, 1
			continue
		}
		cw := [2]float64{(pos + neg) / (2 * neg), (pos + neg) / (2 * pos)}
		var bias, bg2 float64
		rnd := rand.New(rand.NewPCG(opts.Seed+uint64(c), opts.Seed^0x9e3779b97f4a7c15))
		order := make([]int, len(use))
		for i := range order {
			order[i] = i
		}
		for range opts.Epochs {
			rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, k := range order {
				r := &rows[use[k]]
				y := ys[k]
				z := bias
				for _, i := range r.idx {
					z += w[i] * r.v
				}
				grad := (sigmoid(z) - y) * cw[int(y)]
				bg2 += grad * grad
				bias -= opts.LearningRate * grad / math.Sqrt(bg2+1e-8)
				gi := grad * r.v
				for _, i := range r.idx {
					g := gi + opts.L2*w[i]
					g2[i] += g * g
					w[i] -= opts.LearningRate * g / math.Sqrt(g2[i]+1e-8)
				}
			}
		}
		maxAbs := 0.0
		for _, x := range w {
			maxAbs = max(maxAbs, math.Abs(x))
		}
		if maxAbs == 0 {
			maxAbs = 1
		}
		scale := maxAbs / 32767
		m.scale[c], m.bias[c] = float32(scale), float32(bias)
		for i, x := range w {
			m.weights[i*nc+c] = int16(math.Round(x / scale))
		}
	}
	return m
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Fold returns the cross-validation fold of each example: whole groups in
// folds folds, the groups ordered by a hash of their name and dealt out in
// turn.
func Fold(exs []TrainExample, folds int) []int {
	var groups []string
	for _, e := range exs {
		if !slices.Contains(groups, e.Group) {
			groups = append(groups, e.Group)
		}
	}
	hash := func(s string) uint32 {
		h := uint32(fnvOffset)
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * fnvPrime
		}
		return h
	}
	slices.SortFunc(groups, func(a, b string) int {
		if ha, hb := hash(a), hash(b); ha != hb {
			return int(int64(ha) - int64(hb))
		}
		return strings.Compare(a, b)
	})
	fold := map[string]int{}
	for i, g := range groups {
		fold[g] = i % folds
	}
	out := make([]int, len(exs))
	for i, e := range exs {
		out[i] = fold[e.Group]
	}
	return out
}

// CrossValidate trains opts.Folds models, each without one fold of groups
// (see Fold), and returns for every example the held-out log-odds of each
// category, as the checker scores a text (its best sentence or the whole).
func CrossValidate(exs []TrainExample, opts TrainOptions) [][]float64 {
	opts.defaults()
	folds := Fold(exs, opts.Folds)
	out := make([][]float64, len(exs))
	for f := range opts.Folds {
		var train []TrainExample
		for i, e := range exs {
			if folds[i] != f {
				train = append(train, e)
			}
		}
		m := Train(train, opts)
		for i, e := range exs {
			if folds[i] != f {
				continue
			}
			scores := m.Score(e.Text)
			out[i] = make([]float64, len(scores))
			for c, s := range scores {
				out[i][c] = s.LogOdds
			}
		}
	}
	return out
}

// Thresholds chooses, per language, the threshold of each category from
// held-out scores (see CrossValidate): every category's threshold passes
// the same share q of the texts of the language that do not break it
// (clean texts and those of other categories, a sample large enough to
// place a threshold), and q is lowered, one category by one text at a time
// in the order of the share passed, until at most a share maxFA of the
// clean texts reaches the threshold of any category.
// One share for all categories, set on several hundred texts, moves less
// from one sample to the next than a threshold per category set on the few
// clean texts at the top of its scores.
func Thresholds(exs []TrainExample, scores [][]float64, maxFA float64) [][]float32 {
	nc := len(ModelCategories)
	out := make([][]float32, len(modelLangs))
	for l, lang := range modelLangs {
		neg := make([][]float64, nc)
		var clean []int
		for i, e := range exs {
			if e.Lang != lang || scores[i] == nil {
				continue
			}
			if len(e.Categories) == 0 {
				clean = append(clean, i)
			}
			for c, cat := range ModelCategories {
				if !slices.Contains(e.Categories, cat) {
					neg[c] = append(neg[c], scores[i][c])
				}
			}
		}
		for c := range nc {
			slices.SortFunc(neg[c], cmpDesc)
		}
		// Lower the thresholds in the order of the share of negatives each
		// step passes, one category by one text at a time, until one more
		// step would flag more clean texts than allowed.
		type step struct {
			q    float64
			c, r int
		}
		var steps []step
		for c := range nc {
			for r := 1; r < len(neg[c]); r++ {
				steps = append(steps, step{float64(r) / float64(len(neg[c])), c, r})
			}
		}
		slices.SortFunc(steps, func(a, b step) int {
			if a.q != b.q {
				return cmpDesc(b.q, a.q)
			}
			return a.c - b.c
		})
		best := make([]float64, nc)
		for c := range nc {
			best[c] = math.Inf(1)
			if len(neg[c]) > 0 {
				best[c] = neg[c][0]
			}
		}
		hit := map[int]bool{}
		for _, st := range steps {
			if st.q > 0.2 {
				break
			}
			t := neg[st.c][st.r]
			var more []int
			for _, i := range clean {
				if !hit[i] && scores[i][st.c] > t {
					more = append(more, i)
				}
			}
			if float64(len(hit)+len(more)) > maxFA*float64(len(clean)) {
				break
			}
			for _, i := range more {
				hit[i] = true
			}
			best[st.c] = t
		}
		out[l] = make([]float32, nc)
		for c := range nc {
			// stored as float32, never below the score it must stay above
			t := float32(best[c])
			if float64(t) < best[c] {
				t = math.Nextafter32(t, float32(math.Inf(1)))
			}
			out[l][c] = t
		}
	}
	return out
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// TrainDefault builds the model as go run ./guard/policy/train does for
// the embedded one: thresholds chosen on cross-validated scores (see
// CrossValidate and Thresholds), weights trained on every example. It also
// returns the held-out scores.
func TrainDefault(exs []TrainExample, opts TrainOptions) (*Model, [][]float64) {
	opts.defaults()
	scores := CrossValidate(exs, opts)
	m := Train(exs, opts)
	m.threshold = Thresholds(exs, scores, opts.MaxFalseAlarms)
	return m, scores
}

// trainingFiles are the development files of the claims benchmark the
// model learns from. The test themes of bench-<lang>.txt (split.txt), the
// holdout, fresh5, fresh6, fresh10 and fresh11 are never read.
var trainingFiles = []string{"bench", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12",
	"fresh", "fresh2", "fresh3", "fresh4", "fresh7", "fresh8", "fresh9"}

// benchThemes names the English theme of each German theme of
// bench-de.txt, so that both fall into one cross-validation group.
var benchThemes = map[string]string{"tee": "tea", "kosmetik": "skincare", "nahrungsergaenzung": "supplements",
	"kaffee": "coffee", "mode": "apparel", "elektronik": "electronics", "energie": "energy", "software": "saas",
	"haushalt": "cleaning", "apotheke": "pharmacy", "baeckerei": "bakery", "kinder": "kids", "garten": "garden",
	"moebel": "furniture", "spielzeug": "toys", "fahrrad": "bikes", "getraenke": "drinks"}

// LoadTrainingData reads the development texts of the claims benchmark in
// dir (testdata/policy): bench-<lang>.txt without the test themes named in
// split.txt, dev3 to dev12, fresh, fresh2 to fresh4 and fresh7 to fresh9,
// German and English.
// The texts of a theme form a group, the German and English ones of a
// theme together (the later files list their themes in the same order).
func LoadTrainingData(dir string) ([]TrainExample, error) {
	test, err := TestThemes(dir)
	if err != nil {
		return nil, fmt.Errorf("policy: training data: %w", err)
	}
	var out []TrainExample
	for _, file := range trainingFiles {
		for _, lang := range modelLangs {
			texts, err := ReadLabelled(filepath.Join(dir, file+"-"+lang+".txt"))
			if err != nil {
				return nil, fmt.Errorf("policy: training data: %w", err)
			}
			var themes []string
			for _, t := range texts {
				if test[lang][t.Theme] {
					continue
				}
				if !slices.Contains(themes, t.Theme) {
					themes = append(themes, t.Theme)
				}
				group := file + ":" + t.Theme
				switch {
				case file == "bench" && lang == "de" && benchThemes[t.Theme] != "":
					group = file + ":" + benchThemes[t.Theme]
				case file != "bench":
					group = fmt.Sprintf("%s:%d", file, slices.Index(themes, t.Theme))
				}
				e := TrainExample{Text: t.Text, Lang: lang, Group: group, Channel: t.Channel}
				if len(t.Categories) > 0 {
					for _, c := range t.Categories {
						if c != "personal_data" {
							e.Categories = append(e.Categories, c)
						}
					}
					if len(e.Categories) == 0 {
						continue // personal data alone: neither a claim nor clean copy
					}
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}
