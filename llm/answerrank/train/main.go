// Command train trains the answer ranker (llm/answerrank) on the training
// sets of testdata/answers and, with -eval, reports on other sets how often
// the best candidate answer holds a gold answer (and one of the best
// three), ranked by the model and by the composer's lexical score, beside
// the share of questions whose gold is among the sources at all. -out
// writes the weights; -frac trains on a share of the data (a learning
// curve); -no-cross trains the dense features only.
//
//	go run ./llm/answerrank/train -eval testdata/answers/de-dev.json,testdata/answers/en-dev.json
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"kontext/llm/answerrank"
	"kontext/llm/answerrank/internal/data"
)

func main() {
	glob := flag.String("data", "testdata/answers/*-train.json", "training sets")
	out := flag.String("out", "", "where to write the model's weights (nothing when empty)")
	eval := flag.String("eval", "", "comma-separated sets to evaluate on")
	noCross := flag.Bool("no-cross", false, "dense features only")
	epochs := flag.Int("epochs", 0, "epochs (0: default)")
	l2c := flag.Float64("l2-cross", 0, "L2 of the cross weights (0: default)")
	frac := flag.Float64("frac", 1, "share of each training set's questions to train on (a learning curve)")
	flag.Parse()
	files, err := filepath.Glob(*glob)
	if err != nil || len(files) == 0 {
		log.Fatalf("train: no training sets %q (%v)", *glob, err)
	}
	sort.Strings(files)
	m, err := Train(files, *frac, answerrank.Options{NoCross: *noCross, Epochs: *epochs, L2Cross: *l2c})
	if err != nil {
		log.Fatal(err)
	}
	if *out != "" {
		b, _ := m.MarshalText()
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("wrote %s (%d bytes)\n", *out, len(b))
	}
	if *eval != "" {
		sets, err := data.Load(strings.Split(*eval, ",")...)
		if err != nil {
			log.Fatal(err)
		}
		for _, s := range sets {
			qs := data.Questions(s)
			var reach, lex, model, lex3, model3, twin int
			for _, q := range qs {
				if q.Reachable {
					reach++
				}
				lex += hitAt(q, func(c answerrank.Candidate) float64 { return c.Dense[16] }, 1)
				if len(q.Candidates) > 0 && (q.Candidates[0].Gold || q.Twin[0]) {
					twin++
				}
				model += hitAt(q, func(c answerrank.Candidate) float64 { return m.Score(c.Dense, c.Cross) }, 1)
				lex3 += hitAt(q, func(c answerrank.Candidate) float64 { return c.Dense[16] }, 3)
				model3 += hitAt(q, func(c answerrank.Candidate) float64 { return m.Score(c.Dense, c.Cross) }, 3)
			}
			n := float64(len(qs))
			fmt.Printf("%s-%s: %d questions, gold in sources %.2f, best answer gold: lexical %.2f model %.2f; in best 3: lexical %.2f model %.2f; lexical best gold or a near-twin question's answer %.2f\n",
				s.Lang, s.Split, len(qs), float64(reach)/n, float64(lex)/n, float64(model)/n, float64(lex3)/n, float64(model3)/n, float64(twin)/n)
		}
	}
}

// Train trains the model on the sets at files, on the first frac of each
// set's questions.
func Train(files []string, frac float64, opt answerrank.Options) (*answerrank.Model, error) {
	sets, err := data.Load(files...)
	if err != nil {
		return nil, err
	}
	var ex [][]answerrank.Candidate
	for _, s := range sets {
		qs := data.Examples(data.Questions(s))
		ex = append(ex, qs[:int(math.Round(frac*float64(len(qs))))]...)
	}
	return answerrank.Train(ex, opt), nil
}

// hitAt is 1 when one of the k best candidates by score is gold.
func hitAt(q data.Question, score func(answerrank.Candidate) float64, k int) int {
	idx := make([]int, len(q.Candidates))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score(q.Candidates[idx[a]]) > score(q.Candidates[idx[b]]) })
	for _, i := range idx[:min(k, len(idx))] {
		if q.Candidates[i].Gold {
			return 1
		}
	}
	return 0
}
