package inject_test

import (
	"strings"
	"testing"

	"kontext/guard/inject"
)

var benchText = strings.Repeat("Die Gipfelflasche 500 hält Getränke 12 Stunden heiß und 24 Stunden kalt. The double-walled steel body is free of BPA; only the lid may go in the dishwasher. ", 14)[:2048]

func BenchmarkScan2K(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts inject.InjectionOptions
	}{{"combined", inject.InjectionOptions{}}, {"rules", inject.InjectionOptions{RulesOnly: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			s := inject.NewInjectionScanner(tc.opts)
			b.SetBytes(int64(len(benchText)))
			for b.Loop() {
				s.Scan(benchText, inject.Document)
			}
		})
	}
}
