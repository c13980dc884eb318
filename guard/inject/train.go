package inject

import (
	"math"
	"math/rand/v2"
	"slices"

	"kontext/guard/inject/corpus"
	"kontext/guard/internal/textnorm"
)

// TrainExample is one labelled text for Train.
type TrainExample struct {
	Text  string
	Label int // 1 injection, 0 benign
}

// TrainOptions configures Train; zero fields take the defaults used for the
// embedded model.
type TrainOptions struct {
	Bits         uint    // hash space of 2^Bits buckets (default 18)
	Epochs       int     // passes over the data (default 12)
	Seed         uint64  // shuffling seed (default 20)
	L2           float64 // L2 penalty per update (default 1e-3)
	LearningRate float64 // AdaGrad step (default 0.5)
}

func (o *TrainOptions) defaults() {
	if o.Bits == 0 {
		o.Bits = 18
	}
	if o.Epochs == 0 {
		o.Epochs = 12
	}
	if o.Seed == 0 {
		o.Seed = 20
	}
	if o.L2 == 0 {
		o.L2 = 1e-3
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.5
	}
}

type trainRow struct {
	idx []uint32
	v   float64
	y   float64
	w   float64 // class weight
}

// Train fits the logistic regression by AdaGrad on the examples in a fixed
// order drawn from Seed; the same examples and options give the same model,
// byte for byte. Long benign texts also contribute each of their windows, as
// the scanner scores long texts window by window.
func Train(examples []TrainExample, opts TrainOptions) *Model {
	opts.defaults()
	var rows []trainRow
	var pos, neg float64
	addRow := func(sents []sentence, y float64) {
		var idx []uint32
		for _, st := range sents {
			idx = append(idx, st.idx...)
		}
		if len(idx) == 0 {
			return
		}
		rows = append(rows, trainRow{idx: idx, v: 1 / math.Sqrt(float64(len(idx))), y: y})
		if y == 1 {
			pos++
		} else {
			neg++
		}
	}
	for _, ex := range examples {
		s := variants(ex.Text, textnorm.Fold(ex.Text).Text)[0]
		sents, _ := sentences(s, opts.Bits, nil)
		addRow(sents, float64(ex.Label))
		if ws := windowsOf(sents, len(s)); ex.Label == 0 && len(ws) > 1 {
			for _, w := range ws {
				addRow(sents[w.from:w.to], 0)
			}
		}
	}
	for i := range rows {
		// balance the classes: each carries half the total weight
		if rows[i].y == 1 {
			rows[i].w = (pos + neg) / (2 * pos)
		} else {
			rows[i].w = (pos + neg) / (2 * neg)
		}
	}
	n := 1 << opts.Bits
	w := make([]float64, n)
	g2 := make([]float64, n)
	var bias, bg2 float64
	rnd := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			r := &rows[k]
			z := bias
			for _, i := range r.idx {
				z += float64(w[i] * r.v)
			}
			grad := float64((sigmoid(z) - r.y) * r.w)
			bg2 += float64(grad * grad)
			bias -= float64(opts.LearningRate * grad / math.Sqrt(bg2+1e-8))
			gi := float64(grad * r.v)
			for _, i := range r.idx {
				g := float64(gi + float64(opts.L2*w[i]))
				g2[i] += float64(g * g)
				w[i] -= float64(opts.LearningRate * g / math.Sqrt(g2[i]+1e-8))
			}
		}
	}
	maxAbs := 0.0
	for _, x := range w {
		maxAbs = max(maxAbs, math.Abs(x))
	}
	m := &Model{bits: opts.Bits, bias: float32(bias), weights: make([]int16, n)}
	if maxAbs == 0 {
		maxAbs = 1
	}
	m.scale = float32(maxAbs / 32767)
	for i, x := range w {
		m.weights[i] = int16(math.Round(x / float64(m.scale)))
	}
	return m
}

// Calibrate sets the model's calibration shift from held-out benign texts:
// the probability reaches threshold exactly where the raw score passes all
// but a fraction fpr of them, so that a scanner at that threshold flags at
// most fpr of texts like them (on the texts given; a smaller sample makes
// the cut coarser). It returns the raw score of the cut.
func Calibrate(m *Model, benign []string, fpr, threshold float64) float64 {
	m.shift = 0
	scores := make([]float64, 0, len(benign))
	for _, t := range benign {
		scores = append(scores, m.logOdds(t))
	}
	if len(scores) == 0 {
		return 0
	}
	slices.Sort(scores)
	slices.Reverse(scores)
	k := int(fpr * float64(len(scores))) // benign texts allowed at or above the cut
	cut := scores[min(k, len(scores)-1)] + 1e-6
	m.shift = float32(cut - math.Log(threshold/(1-threshold)))
	return cut
}

// calibrationFPR is the calibration target: the model's probability
// reaches 0.5 (the default brief threshold) where at most this fraction of
// the benign development texts score, unless minShift is stricter.
const calibrationFPR = 0.01

// minShift is the most lenient calibration shift: the raw probability 0.7
// reads as 0.5. The development texts are easier than brand guides and FAQ
// pages (on them the cut fell to a raw 0.55 for briefs and 0.3 for
// documents, which flagged the demo brand guide), so the cut chosen on them
// is taken only when it is stricter. 0.7 was chosen before on the
// development split and the hard negatives of
// guard/inject/testdata/labelled.jsonl.
const minShift = 0.8472978603872037

// TrainDefault trains and calibrates the model of one side from labelled
// rows (see SplitTraining and Calibrate) as go run ./guard/inject/train
// does for the embedded models, and returns it with the development rows
// held out. mustPass are further benign documents the document model's
// calibration must pass (the demo corpus and hard negatives; see
// CalibrateDocuments).
func TrainDefault(rows []corpus.Example, mustPass []string, side Source, opts TrainOptions) (*Model, []corpus.Example) {
	train, dev := SplitTraining(rows, side)
	m := Train(train, opts)
	var benign []string
	for _, r := range dev {
		if r.Label == 0 && (side == Brief || r.Side == "document") {
			benign = append(benign, r.Text)
		}
	}
	if side == Document {
		CalibrateDocuments(m, append(benign, mustPass...), mustPass, calibrationFPR, DefaultDocumentThreshold)
		return m, dev
	}
	Calibrate(m, benign, calibrationFPR, DefaultBriefThreshold)
	m.shift = max(m.shift, minShift)
	return m, dev
}

// CalibrateDocuments sets the calibration of a document model from benign
// documents scored as the scanner scores documents, window by window (see
// docWindows): the probability reaches threshold where the highest window
// passes all but a fraction fpr of benign, and above the highest of
// mustPass (the demo corpus and the hard negatives, none of which may be
// quarantined). It
// returns the raw score of the cut.
func CalibrateDocuments(m *Model, benign, mustPass []string, fpr, threshold float64) float64 {
	m.shift = 0
	score := func(t string) float64 {
		ft := textnorm.Fold(t)
		ms, _ := m.scoreWindows(t, &ft, docWindows, false)
		p := min(max(ms.Probability, 1e-12), 1-1e-12)
		return math.Log(p / (1 - p))
	}
	scores := make([]float64, 0, len(benign))
	for _, t := range benign {
		scores = append(scores, score(t))
	}
	if len(scores) == 0 {
		return 0
	}
	slices.Sort(scores)
	slices.Reverse(scores)
	cut := scores[min(int(fpr*float64(len(scores))), len(scores)-1)]
	for _, t := range mustPass {
		cut = max(cut, score(t))
	}
	cut += 1e-6
	m.shift = float32(cut - math.Log(threshold/(1-threshold)))
	return cut
}
