package inject

import (
	"hash/fnv"

	"kontext/guard/inject/corpus"
)

// DevSplit reports whether a source document belongs to the development
// split held out of training: one document in seven, drawn by hash of its
// id, so that rows of one document never straddle the split.
func DevSplit(doc string) bool {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return h.Sum32()%7 == 0
}

// SplitTraining turns training rows into the training examples and the
// development rows held out of them.
func SplitTraining(rows []corpus.Example) (train []TrainExample, dev []corpus.Example) {
	for _, r := range rows {
		if DevSplit(r.Doc) {
			dev = append(dev, r)
			continue
		}
		train = append(train, TrainExample{Text: r.Text, Label: r.Label})
	}
	return train, dev
}
