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
		{100000, 400, 15000, 16000},   // 10% of 100k stays exact at ef 400
		{100000, 100, 9000, 9900},     // and takes the index at ef 100
		{1000000, 400, 48000, 50000},  // 10% of 1M takes the index
		{10000000, 100, 90000, 99000}, // the square root of the index size
	} {
		if got := retrieval.Crossover(tc.indexed, tc.ef); got < tc.wantLo || got > tc.want {
			t.Errorf("Crossover(%d, %d) = %d; want %d-%d", tc.indexed, tc.ef, got, tc.wantLo, tc.want)
		}
	}
}
