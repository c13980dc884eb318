// Command train rebuilds the embedded injection models, one for briefs and
// one for documents (see inject.Trainable), from the labelled examples
// under testdata/injection/train:
//
//	go run ./guard/inject/train            # writes guard/inject/model.bin and model-document.bin
//	go run ./guard/inject/train -extra my-team.jsonl -out /tmp
//	go run ./guard/inject/train -cv        # cross-validation by document, writes nothing
//
// Rows whose document falls into the development split (see
// inject.DevSplit) are held out: each model is calibrated on the benign
// development texts (see inject.TrainDefault), the document model on the
// documents among them, the demo corpus in examples/ (its reference
// documents; the brand guides are scanned as guidelines) and the benign
// documents of guard/inject/testdata/labelled.jsonl, and scored on all of
// them.
// The same files give the same model files, byte for byte.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"kontext/guard/inject"
	"kontext/guard/inject/corpus"
)

func main() {
	dir := flag.String("data", "testdata/injection/train", "directory of training JSONL files")
	examples := flag.String("examples", "examples", "demo corpus directory: its documents calibrate the document model (none may reach the threshold)")
	out := flag.String("out", "guard/inject", "directory to write model.bin and model-document.bin into (empty: write nothing)")
	var extra multi
	flag.Var(&extra, "extra", "additional JSONL file of labelled examples (repeatable)")
	var opts inject.TrainOptions
	flag.Float64Var(&opts.L2, "l2", 0, "L2 penalty (0: the default)")
	flag.IntVar(&opts.Epochs, "epochs", 0, "passes over the data (0: the default)")
	cv := flag.Bool("cv", false, "cross-validate instead: hold out each fold by document in turn and report the pooled scores")
	flag.Parse()
	if *cv {
		if err := crossValidate(*dir, extra, opts); err != nil {
			fmt.Fprintln(os.Stderr, "train:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*dir, *examples, extra, *out, opts); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func run(dir, examples string, extra []string, out string, opts inject.TrainOptions) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	files = append(files, extra...)
	rows, err := corpus.LoadAll(files...)
	if err != nil {
		return err
	}
	demo, err := corpus.LoadDemo(examples)
	if err != nil {
		return err
	}
	hard, err := corpus.LoadHardNegatives(filepath.Join("guard", "inject", "testdata", "labelled.jsonl"))
	if err != nil {
		return err
	}
	mustPass := append(corpus.DemoReferences(demo), hard...)
	for _, side := range []inject.Source{inject.Brief, inject.Document} {
		start := time.Now()
		m, dev := inject.TrainDefault(rows, mustPass, side, opts)
		b, err := m.MarshalBinary()
		if err != nil {
			return err
		}
		name := inject.ModelFile(side)
		if out != "" {
			name = filepath.Join(out, name)
			if err := os.WriteFile(name, b, 0o644); err != nil {
				return fmt.Errorf("write model: %w", err)
			}
		}
		fmt.Printf("%s model trained in %s, %d bytes (%s); %d development rows held out:\n", side, time.Since(start).Round(time.Millisecond), len(b), name, len(dev))
		report(m, dev)
	}
	return nil
}

// crossValidate trains the model Folds times, each time without one fold of
// documents, and reports the held-out scores pooled.
func crossValidate(dir string, extra []string, opts inject.TrainOptions) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	rows, err := corpus.LoadAll(append(files, extra...)...)
	if err != nil {
		return err
	}
	for _, side := range []inject.Source{inject.Brief, inject.Document} {
		var scored []scoredRow
		for f := 0; f < inject.Folds; f++ {
			var train []inject.TrainExample
			var held []corpus.Example
			for _, r := range rows {
				switch {
				case inject.Fold(r.Doc) == f:
					held = append(held, r) // scored even if not trainable
				case inject.Trainable(r, side):
					train = append(train, inject.TrainExample{Text: r.Text, Label: r.Label})
				}
			}
			m := inject.Train(train, opts)
			for _, r := range held {
				scored = append(scored, scoredRow{r, m.Score(r.Text, false).Probability})
			}
		}
		fmt.Printf("%s model, %d folds by document, held-out scores pooled:\n", side, inject.Folds)
		reportScored(scored)
	}
	return nil
}

type scoredRow struct {
	ex corpus.Example
	p  float64
}

// report prints, per side and language of the development rows, the TPR
// and FPR at probability 0.5, ROC-AUC and the TPR at FPR 0.01 and 0.05.
func report(m *inject.Model, dev []corpus.Example) {
	var scored []scoredRow
	for _, r := range dev {
		scored = append(scored, scoredRow{r, m.Score(r.Text, false).Probability})
	}
	reportScored(scored)
}

func reportScored(rows []scoredRow) {
	type key struct{ side, lang string }
	groups := map[key][]scoredRow{}
	for _, r := range rows {
		side := r.ex.Side
		if side == "" {
			side = "brief"
		}
		groups[key{side, r.ex.Lang}] = append(groups[key{side, r.ex.Lang}], r)
		src, _, _ := strings.Cut(r.ex.Source, ":")
		groups[key{side, "en+de " + src}] = append(groups[key{side, "en+de " + src}], r)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.side != b.side {
			return map[bool]int{true: -1, false: 1}[a.side < b.side]
		}
		return map[bool]int{true: -1, false: 1}[a.lang < b.lang]
	})
	for _, k := range keys {
		var pos, neg []float64
		for _, r := range groups[k] {
			p := r.p
			if r.ex.Label == 1 {
				pos = append(pos, p)
			} else {
				neg = append(neg, p)
			}
		}
		if len(neg) == 0 {
			neg = benignOf(groups, k.side)
		}
		fmt.Printf("  dev %-8s %-28s: %3d inj %3d benign  TPR@0.5 %.3f FPR@0.5 %.3f AUC %.3f TPR@FPR0.01 %.3f TPR@FPR0.05 %.3f\n",
			k.side, k.lang, len(pos), len(neg), frac(pos, 0.5), frac(neg, 0.5), auc(pos, neg), tprAt(pos, neg, 0.01), tprAt(pos, neg, 0.05))
	}
}

// benignOf returns the benign scores of a side, for a group with none
// (an injection-only source is measured against the side's benign texts).
func benignOf[K comparable](groups map[K][]scoredRow, side string) []float64 {
	var out []float64
	for k, rows := range groups {
		if fmt.Sprint(k) != fmt.Sprint(struct{ side, lang string }{side, "en"}) && fmt.Sprint(k) != fmt.Sprint(struct{ side, lang string }{side, "de"}) {
			continue
		}
		for _, r := range rows {
			if r.ex.Label == 0 {
				out = append(out, r.p)
			}
		}
	}
	return out
}

func frac(xs []float64, t float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	n := 0
	for _, x := range xs {
		if x >= t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

func auc(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, p := range pos {
		for _, n := range neg {
			switch {
			case p > n:
				s++
			case p == n:
				s += 0.5
			}
		}
	}
	return s / float64(len(pos)*len(neg))
}

// tprAt is the TPR at the lowest threshold that flags at most fpr of neg.
func tprAt(pos, neg []float64, fpr float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN()
	}
	n := slices.Clone(neg)
	slices.Sort(n)
	slices.Reverse(n)
	k := int(fpr * float64(len(n)))
	t := math.Nextafter(n[min(k, len(n)-1)], 2) // strictly above the (k+1)-th highest benign score
	if k >= len(n) {
		t = math.Inf(-1)
	}
	return frac(pos, t)
}
