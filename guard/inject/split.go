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
// Trainable).
func SplitTraining(rows []corpus.Example, side Source) (train []TrainExample, dev []corpus.Example) {
	for _, r := range rows {
		if !Trainable(r, side) {
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

// Trainable reports whether a row trains the embedded model of side.
// Plain tasks put into FAQ pages by this project ("Write a poem about the
// sea.") train neither: a model trained on them took the questions of an
// FAQ page and a customer's requests for injections. BIPIA's e-mails with
// the tasks slipped into them train the document model only: without them
// it catches almost none of those, and in the brief model they taught that
// a German "Vergiss …" brief is ordinary (the eval suite's direct German
// attacks passed). Left-out rows stay in the data for cross-validation and
// for a team that trains a model of its own.
func Trainable(r corpus.Example, side Source) bool {
	if r.Side == "document" && r.Label == 1 && strings.HasPrefix(r.Source, "task-in-document") {
		return false
	}
	if side == Brief && r.Side == "document" && r.Label == 1 && strings.HasPrefix(r.Source, "bipia") {
		return false
	}
	return true
}
