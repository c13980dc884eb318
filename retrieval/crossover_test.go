package retrieval_test

import (
	"testing"

	"kontext/retrieval"
)

func TestCrossover(t *testing.T) {
	for _, tc := range []struct {
		indexed, ef  int
		wantLo, want int
	}{
		{0, 400, 1000, 1000},          // never below 1,000
		{100000, 400, 3900, 4200},     // 10% of 100k takes the index, 1% stays exact
		{100000, 100, 2700, 2900},     // a narrower search is cheaper: more callers take it
		{1000000, 400, 12500, 13200},  // 1% of a million stays exact
		{10000000, 100, 27000, 28500}, // the square root of the index size
	} {
		if got := retrieval.Crossover(tc.indexed, tc.ef); got < tc.wantLo || got > tc.want {
			t.Errorf("Crossover(%d, %d) = %d; want %d-%d", tc.indexed, tc.ef, got, tc.wantLo, tc.want)
		}
	}
}
