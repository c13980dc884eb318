package inject

import (
	"hash/fnv"
	"strings"

	"kontext/guard/inject/corpus"
)

// DevSplit reports whether a source document belongs to the development
// split held out of training: one document in seven, drawn by hash of its
// id, so that rows of one document never straddle the split.
func DevSplit(doc string) bool { return Fold(doc) == 0 }

// Folds is the number of folds training rows fall into by document.
const Folds = 7

// Fold returns the fold of a source document, in [0, Folds): fold 0 is the
// development split, and cross-validation holds out each fold in turn.
func Fold(doc string) int {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return int(h.Sum32() % Folds)
}

// SplitTraining turns training rows into the training examples and the
// development rows held out of them, for the model of one side (see
// ForModel).
func SplitTraining(rows []corpus.Example, as Source) (train []TrainExample, dev []corpus.Example) {
	for _, r := range rows {
		if !ForModel(r, as) {
			continue
		}
		if DevSplit(r.Doc) {
			dev = append(dev, r)
			continue
		}
		train = append(train, TrainExample{Text: r.Text, Label: r.Label})
	}
	return train, dev
}

// ForModel reports whether a row trains the model of side as. The brief
// model learns from everything except documents whose injection is a plain
// task ("Write a poem about the sea.", "What is the capital of Brazil?"):
// in a brief that is the request itself. The document model learns from
// everything except benign briefs, for the same reason turned round.
func ForModel(r corpus.Example, as Source) bool {
	if as == Document {
		return !(r.Side != "document" && r.Label == 0)
	}
	return !(r.Side == "document" && r.Label == 1 && taskInjection(r.Source))
}

// taskInjection reports whether rows of source inject plain tasks.
func taskInjection(source string) bool {
	return strings.HasPrefix(source, "bipia") || strings.HasPrefix(source, "task-in-document")
}
