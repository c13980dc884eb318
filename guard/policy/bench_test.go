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
// the PII detector, a brand pack and the claims model, as generation runs
// it, and with the rules alone (-rules).
func BenchmarkCheck2KB(b *testing.B) {
	brand, err := policy.LoadBrand("../../testdata/policy/brand.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"de", "en", "de-rules", "en-rules"} {
		lang, rulesOnly := strings.CutSuffix(name, "-rules")
		b.Run(name, func(b *testing.B) {
			p, err := policy.LoadPack(lang + "-marketing")
			if err != nil {
				b.Fatal(err)
			}
			opts := []policy.CheckerOption{policy.WithPersonalData(pii.NewDetector(pii.DetectorOptions{}))}
			if rulesOnly {
				opts = append(opts, policy.WithModel(nil)) // the rules alone, without the claims model
			}
			c := policy.NewChecker(p, opts...)
			text := draft2KB(b, lang)
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				c.Check(text, policy.CheckOptions{Channel: "newsletter", Lang: lang, Brand: brand})
			}
		})
	}
}

func newPII() *pii.Detector { return pii.NewDetector(pii.DetectorOptions{}) }
