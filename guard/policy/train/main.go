// Command train rebuilds the claims model embedded in guard/policy
// (model.bin) from the development parts of the claims benchmark in
// testdata/policy (see policy.LoadTrainingData; the test themes, the
// holdout and fresh5 are never read):
//
//	go run ./guard/policy/train          # writes guard/policy/model.bin, prints the cross-validated figures
//	go run ./guard/policy/train -out ""  # prints only
//	go run ./guard/policy/train -l2 1e-3 -bits 15 -out ""
//
// The thresholds are chosen on scores cross-validated by theme (whole
// themes held out, German and English together) so that at most 1% of the
// held-out clean texts of each language reach any category's threshold;
// the figures printed are those held-out scores at those thresholds. The
// same files give the same model file, byte for byte.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"kontext/guard/policy"
)

func main() {
	dir := flag.String("data", "testdata/policy", "directory of the claims benchmark")
	out := flag.String("out", "guard/policy", "directory to write model.bin into (empty: write nothing)")
	var opts policy.TrainOptions
	flag.UintVar(&opts.Bits, "bits", 0, "hash space of 2^bits buckets (0: the default)")
	flag.Float64Var(&opts.L2, "l2", 0, "L2 penalty (0: the default)")
	flag.IntVar(&opts.Epochs, "epochs", 0, "passes over the data (0: the default)")
	flag.IntVar(&opts.Folds, "folds", 0, "cross-validation folds (0: the default)")
	flag.Float64Var(&opts.MaxFalseAlarms, "max-false-alarms", 0, "share of held-out clean texts a language may flag (0: policy.DefaultMaxFalseAlarms)")
	flag.BoolVar(&showFalseAlarms, "false-alarms", false, "also list the clean texts the nested figures flag, with the category")
	flag.Parse()
	if err := run(*dir, *out, opts); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// showFalseAlarms lists the clean texts flagged in the nested figures.
var showFalseAlarms bool

func run(dir, out string, opts policy.TrainOptions) error {
	exs, err := policy.LoadTrainingData(dir)
	if err != nil {
		return err
	}
	start := time.Now()
	m, scores := policy.TrainDefault(exs, opts)
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	name := "(not written)"
	if out != "" {
		name = filepath.Join(out, "model.bin")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return fmt.Errorf("write model: %w", err)
		}
	}
	fmt.Printf("claims model trained in %s on %d texts, %d bytes %s\n", time.Since(start).Round(time.Millisecond), len(exs), len(b), name)
	report(m, exs, scores)
	nested(exs, scores, opts)
	return nil
}

// nested prints the held-out figures with each fold's thresholds chosen
// on the other folds' held-out scores, so that neither the weights nor the
// thresholds have seen the texts they are measured on.
func nested(exs []policy.TrainExample, scores [][]float64, opts policy.TrainOptions) {
	folds := opts.Folds
	if folds == 0 {
		folds = 5
	}
	maxFA := opts.MaxFalseAlarms
	if maxFA == 0 {
		maxFA = policy.DefaultMaxFalseAlarms
	}
	fold := policy.Fold(exs, folds)
	langs := []string{"de", "en"}
	type tally struct{ clean, flagged, viol, caught int }
	var t [2]tally
	for f := range folds {
		var rest []policy.TrainExample
		var restScores [][]float64
		for i, e := range exs {
			if fold[i] != f {
				rest = append(rest, e)
				restScores = append(restScores, scores[i])
			}
		}
		th := policy.Thresholds(rest, restScores, maxFA)
		for i, e := range exs {
			if fold[i] != f {
				continue
			}
			l := slices.Index(langs, e.Lang)
			any := false
			for c := range scores[i] {
				if scores[i][c] > float64(th[l][c]) {
					any = true
					if showFalseAlarms && len(e.Categories) == 0 {
						fmt.Printf("false alarm %s %s %.2f>%.2f %s: %s\n", e.Lang, policy.ModelCategories[c], scores[i][c], th[l][c], e.Group, e.Text)
					}
				}
			}
			if len(e.Categories) == 0 {
				t[l].clean++
				if any {
					t[l].flagged++
				}
			} else {
				t[l].viol++
				if any {
					t[l].caught++
				}
			}
		}
	}
	fmt.Printf("\nthresholds chosen on the other folds (nested):\n")
	for l, lang := range langs {
		fmt.Printf("%s: violations with any category found %d/%d (%.3f); clean texts flagged %d/%d (%.3f)\n", lang,
			t[l].caught, t[l].viol, ratio(t[l].caught, t[l].viol), t[l].flagged, t[l].clean, ratio(t[l].flagged, t[l].clean))
	}
}

// report prints, per language, the cross-validated recall of each category
// at its threshold, the share of clean texts flagged and of violations
// caught by any category.
func report(m *policy.Model, exs []policy.TrainExample, scores [][]float64) {
	cats := m.Categories()
	for _, lang := range []string{"de", "en"} {
		var clean, flagged, viol, caught int
		fmt.Printf("\n%s, held-out folds (by theme):\n%-20s %5s %8s %10s %10s\n", lang, "category", "n", "recall", "threshold", "clean hit")
		for c, cat := range cats {
			t, _ := m.Threshold(lang, cat)
			n, hit, fa := 0, 0, 0
			for i, e := range exs {
				if e.Lang != lang {
					continue
				}
				switch {
				case slices.Contains(e.Categories, cat):
					n++
					if scores[i][c] > t {
						hit++
					}
				case len(e.Categories) == 0 && scores[i][c] > t:
					fa++
				}
			}
			fmt.Printf("%-20s %5d %8.3f %10.3f %10d\n", cat, n, ratio(hit, n), t, fa)
		}
		for i, e := range exs {
			if e.Lang != lang {
				continue
			}
			any := false
			for c, cat := range cats {
				t, _ := m.Threshold(lang, cat)
				if scores[i][c] > t {
					any = true
				}
			}
			if len(e.Categories) == 0 {
				clean++
				if any {
					flagged++
				}
			} else {
				viol++
				if any {
					caught++
				}
			}
		}
		fmt.Printf("violations with any category found: %d/%d (%.3f); clean texts flagged: %d/%d (%.3f)\n",
			caught, viol, ratio(caught, viol), flagged, clean, ratio(flagged, clean))
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
