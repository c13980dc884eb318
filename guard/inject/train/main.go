// Command train rebuilds the embedded injection model from the labelled
// examples under testdata/injection/train:
//
//	go run ./guard/inject/train            # writes guard/inject/model.bin
//	go run ./guard/inject/train -extra my-team.jsonl
//
// Rows whose document falls into the development split (see
// inject.DevSplit) are held out and scored after training. The same files
// give the same model.bin, byte for byte.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"kontext/guard/inject"
	"kontext/guard/inject/corpus"
)

func main() {
	dir := flag.String("data", "testdata/injection/train", "directory of training JSONL files")
	out := flag.String("out", "guard/inject/model.bin", "model file to write")
	var extra multi
	flag.Var(&extra, "extra", "additional JSONL file of labelled examples (repeatable)")
	flag.Parse()
	if err := run(*dir, extra, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func run(dir string, extra []string, out string) error {
	start := time.Now()
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
	train, dev := inject.SplitTraining(rows)
	m := inject.Train(train, inject.TrainOptions{})
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	fmt.Printf("trained on %d rows (%d held out for development) in %s; wrote %s (%d bytes)\n", len(train), len(dev), time.Since(start).Round(time.Millisecond), out, len(b))
	var tp, fn, fp, tn int
	for _, ex := range dev {
		p := m.Score(ex.Text, false).Probability >= 0.5
		switch {
		case ex.Label == 1 && p:
			tp++
		case ex.Label == 1:
			fn++
		case p:
			fp++
		default:
			tn++
		}
	}
	fmt.Printf("development split at 0.5: TPR %.3f (%d/%d), FPR %.3f (%d/%d)\n", ratio(tp, tp+fn), tp, tp+fn, ratio(fp, fp+tn), fp, fp+tn)
	return nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
