package policy_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"kontext/guard/policy"
)

// TestModelReproducible retrains the claims model from the committed
// development parts of the benchmark and checks that it matches the
// embedded model.bin byte for byte, so that the weights and thresholds in
// the binary are exactly what the data and the code produce.
func TestModelReproducible(t *testing.T) {
	exs, err := policy.LoadTrainingData("../../testdata/policy")
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < 1000 {
		t.Fatalf("LoadTrainingData: %d texts; want at least 1000", len(exs))
	}
	m, _ := policy.TrainDefault(exs, policy.TrainOptions{})
	got, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("model.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("retrained claims model (%d bytes) differs from model.bin (%d bytes); run go run ./guard/policy/train and commit it", len(got), len(want))
	}
	if len(want) > 1<<20 {
		t.Errorf("model.bin takes %d bytes; want at most 1 MiB", len(want))
	}
}

// TestTrainingDataHeldOut checks that the training data holds no text of
// the test themes, the holdout, fresh5, fresh6, fresh10 or fresh11.
func TestTrainingDataHeldOut(t *testing.T) {
	exs, err := policy.LoadTrainingData("../../testdata/policy")
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, name := range []string{"fresh5-de.txt", "fresh5-en.txt", "fresh6-de.txt", "fresh6-en.txt", "fresh10-de.txt", "fresh10-en.txt", "fresh11-de.txt", "fresh11-en.txt", "holdout-de.txt", "holdout-en.txt"} {
		data, err := os.ReadFile("../../testdata/policy/" + name)
		if err != nil {
			t.Fatal(err) // a held-out file that is missing would make the check pass unseen
		}
		for _, line := range strings.Split(string(data), "\n") {
			if parts := strings.SplitN(line, "|", 4); len(parts) == 4 {
				held[parts[3]] = true
			}
		}
	}
	for _, e := range exs {
		if held[e.Text] {
			t.Errorf("training text %q is a held-out text", e.Text)
		}
		for _, g := range []string{"reisen", "finanzen", "tierbedarf", "lebensmittel", "travel", "fintech", "petcare", "snacks"} {
			if e.Group == "bench:"+g {
				t.Errorf("training text %q is of the test theme %s", e.Text, g)
			}
		}
	}
}

func TestModelRoundTrip(t *testing.T) {
	t.Parallel()
	m := policy.DefaultModel()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := policy.UnmarshalModel(b)
	if err != nil {
		t.Fatal(err)
	}
	const text = "Our cream makes spots fade overnight."
	a, c := m.Score(text), m2.Score(text)
	for i := range a {
		if a[i] != c[i] {
			t.Errorf("round trip score %d = %+v; want %+v", i, c[i], a[i])
		}
	}
	if _, err := policy.UnmarshalModel(b[:len(b)-2]); err == nil {
		t.Error("UnmarshalModel(truncated) = nil error; want an error")
	}
}

// TestModelFindings checks what the model adds beside the rules: a review
// finding in a category no rule found, spanning the sentence, with the
// basis of the pack's first rule of the category and no rewrite; nothing
// where a rule found the category, and nothing when the pack or the brand
// switches the model off.
func TestModelFindings(t *testing.T) {
	t.Parallel()
	de, en := mustPack(t, "de-marketing"), mustPack(t, "en-marketing")
	off, err := policy.ParseBrand([]byte("id: quiet\nversion: \"1\"\nmodel: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		pack  *policy.Pack
		text  string
		brand *policy.BrandPack
		want  string // the model's category, "" for none
		basis string
	}{
		{"health de", de, "Neu im Sortiment. Unsere Creme lässt Pickel über Nacht verblassen.", nil, "health_claim", "HWG §3"},
		{"green en", en, "Packaging that is kind to our planet.", nil, "green_claim", "2024/825"},
		{"brand switches it off", en, "Packaging that is kind to our planet.", off, "", ""},
		// A rule had a hit there and dropped it: the rules judged the wording.
		{"a rule cleared free with a threshold", en, "Free shipping from €50.", nil, "", ""},
		{"a rule cleared a reduction with its 30-day price", de, "Nur 19 € statt 29 €. Niedrigster Preis der letzten 30 Tage: 21 €.", nil, "", ""},
		{"a rule found the category", en, "Say goodbye to back pain with our mattress.", nil, "", ""},
		{"clean copy", en, "Our new sofa comes in three colours and ships in two weeks.", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := policy.NewChecker(tc.pack).Check(tc.text, policy.CheckOptions{AIDisclosed: true, Brand: tc.brand})
			var got []policy.Violation
			for _, v := range res.Violations {
				if strings.HasPrefix(v.Rule, "model.") {
					got = append(got, v)
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("Check(%q): model findings %+v; want none", tc.text, got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Check(%q): model findings %+v; want one %s", tc.text, got, tc.want)
			}
			v := got[0]
			span := tc.text[v.Span[0]:v.Span[1]]
			if v.Category != tc.want || v.Severity != policy.SeverityReview || v.Rewrite != "" || !strings.Contains(v.Basis, tc.basis) ||
				!strings.Contains(strings.ToLower(v.Message), "model") || !strings.HasSuffix(strings.TrimRight(tc.text, "."), strings.TrimRight(span, ".")) {
				t.Errorf("Check(%q) = %+v (span %q); want a review %s finding on the last sentence, basis with %q, no rewrite", tc.text, v, span, tc.want, tc.basis)
			}
			if res.Decision != policy.NeedsReview {
				t.Errorf("Check(%q) decision %s; want needs_review", tc.text, res.Decision)
			}
		})
	}
	// A pack can switch the model off.
	p, err := policy.ParsePack([]byte("id: p\nversion: \"1\"\nlang: en\nmodel: false\nrules:\n- {id: g, category: green_claim, severity: block, message: m, basis: b, patterns: [eco-friendly]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res := policy.NewChecker(p).Check("Packaging that is kind to our planet.", policy.CheckOptions{}); len(res.Violations) != 0 {
		t.Errorf("pack with model: false: %+v; want no findings", res.Violations)
	}
	p, err = policy.ParsePack([]byte("id: p\nversion: \"1\"\nlang: en\nrules:\n- {id: g, category: green_claim, severity: block, message: m, basis: the basis, patterns: [eco-friendly]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := policy.NewChecker(p).Check("Packaging that is kind to our planet. Our cream makes spots fade overnight.", policy.CheckOptions{})
	if len(res.Violations) != 1 || res.Violations[0].Category != "green_claim" || res.Violations[0].Basis != "the basis" {
		t.Errorf("pack with green rules only: %+v; want one green_claim finding with the rule's basis (no health: the pack has no health rule)", res.Violations)
	}
}

// tinyModel trains a claims model on a few hand-written English texts, so
// that the tests below see what the features do, not what the committed
// weights happen to be.
func tinyModel(t *testing.T) (*policy.Model, int) {
	t.Helper()
	var exs []policy.TrainExample
	for _, s := range []string{"Our balm cures eczema fast.", "This tea cures migraine overnight.", "The drops cure asthma.",
		"Our syrup cures bronchitis.", "The cream cures acne for good.", "These pills cure gout."} {
		exs = append(exs, policy.TrainExample{Text: s, Lang: "en", Categories: []string{"health_claim"}, Group: "h"})
	}
	for _, s := range []string{"Our shop opens at nine.", "The sofa comes in three colours.", "Delivery takes two days.",
		"The mug holds 300 ml.", "Our team answers every email.", "The jacket has two pockets."} {
		exs = append(exs, policy.TrainExample{Text: s, Lang: "en", Group: "c"})
	}
	m := policy.Train(exs, policy.TrainOptions{})
	return m, slices.Index(m.Categories(), "health_claim")
}

// TestModelFeatures checks three things the features do beside word and
// character n-grams: words after a negation cue in its clause (up to a
// comma) are read as negated; a question that another sentence answers is not scored on its
// own; and a disease or symptom term of the built-in lexicons the training
// texts never named reads as a disease term.
func TestModelFeatures(t *testing.T) {
	t.Parallel()
	m, h := tinyModel(t)
	score := func(s string) policy.SentenceScore { return m.Score(s)[h] }
	// The same words with and without a clause break after the cue: only
	// the negation of "it cures eczema" within the clause tells them apart.
	for _, cue := range []string{"never said", "don't say"} {
		if neg, pos := score("We "+cue+" it cures eczema."), score("We "+cue+", it cures eczema."); neg.LogOdds >= pos.LogOdds {
			t.Errorf("%q: the negated claim scores %.3f, after the clause break %.3f; want the negated one lower", cue, neg.LogOdds, pos.LogOdds)
		}
	}
	// The question has 4 tokens; the span must be the answer's.
	if s := score("Does it cure eczema? We sell it as a moisturiser."); s.Start < 4 {
		t.Errorf("FAQ: span tokens [%d,%d); want the answer (from token 4), not the question", s.Start, s.End)
	}
	// A question on its own is still scored.
	if q, c := score("Does it cure eczema?"), score("Does it open at nine?"); q.LogOdds <= c.LogOdds {
		t.Errorf("a question alone scores %.3f, clean %.3f; want it scored", q.LogOdds, c.LogOdds)
	}
	// "shigellosis" and "boredom" are both unknown words; only the first is
	// in the lexicon.
	if d, o := score("The drops cure shigellosis."), score("The drops cure boredom."); d.LogOdds <= o.LogOdds {
		t.Errorf("an unseen lexicon disease scores %.3f, an unseen other word %.3f; want the disease higher", d.LogOdds, o.LogOdds)
	}
}
