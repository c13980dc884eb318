package policy_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"kontext/guard/pii"
	"kontext/guard/policy"
)

// draft2KB joins texts of the claims benchmark (testdata/policy) into a
// draft of about 2 KB: marketing copy with the usual share of claims.
func draft2KB(b *testing.B, lang string) string {
	b.Helper()
	f, err := os.Open("../../testdata/policy/bench-" + lang + ".txt")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() && sb.Len() < 2048 {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 4)
		sb.WriteString(parts[3])
		sb.WriteString(" ")
	}
	return sb.String()
}

// BenchmarkCheck2KB times the check of a 2 KB draft with the built-in pack,
// the PII detector and a brand pack, as generation runs it.
func BenchmarkCheck2KB(b *testing.B) {
	brand, err := policy.LoadBrand("../../testdata/policy/brand.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"de", "en"} {
		b.Run(lang, func(b *testing.B) {
			p, err := policy.LoadPack(lang + "-marketing")
			if err != nil {
				b.Fatal(err)
			}
			c := policy.NewChecker(p, policy.WithPersonalData(pii.NewDetector(pii.DetectorOptions{})))
			text := draft2KB(b, lang)
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				c.Check(text, policy.CheckOptions{Channel: "newsletter", Lang: lang, Brand: brand})
			}
		})
	}
}

func newPII() *pii.Detector { return pii.NewDetector(pii.DetectorOptions{}) }
