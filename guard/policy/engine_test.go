package policy_test

import (
	"slices"
	"testing"

	"kontext/guard/policy"
)

// enginePack exercises the checker itself, apart from the wording of the
// built-in packs: negation, literal rules in questions and meta sentences,
// unless_regex.
const enginePack = `id: engine
version: "1"
lang: en
meta: ["(don't|do not) compare"]
answers: [yes]
negation:
  cues: [never, not]
  window: 8
rules:
- id: guarantee.promise
  category: guaranteed_success
  severity: review
  message: promise
  negatable: true
  patterns: ["that's a promise"]
- id: comparative.chains
  category: comparative_claim
  severity: review
  message: rival
  literal: true
  patterns: ["big chains"]
- id: endorsement.handle
  category: endorsement
  severity: review
  message: handle
  regex: ['@[a-z]+']
  gate: ["@"]
  unless_regex: ['(^|\s)#ad\b', '(^|\s)ad:']
`

// TestEngine covers the checker's own behaviour, each case failing before
// the change it names.
func TestEngine(t *testing.T) {
	t.Parallel()
	p, err := policy.ParsePack([]byte(enginePack))
	if err != nil {
		t.Fatalf("ParsePack: %v", err)
	}
	c := policy.NewChecker(p)
	en := policy.NewChecker(mustPack(t, "en-marketing"))
	de := policy.NewChecker(mustPack(t, "de-marketing"))
	tests := []struct {
		name string
		c    *policy.Checker
		text string
		want []string
	}{
		// A negation never reaches over a sentence end.
		{"negation stops at a sentence end", c, "You'll never wait again. That's a promise.", []string{"guaranteed_success"}},
		{"negation in the clause", c, "We would never say that's a promise.", nil},
		// literal: a rhetorical question is the brand's own claim, a meta
		// sentence is not.
		{"literal rule in a question", c, "Still waiting at the big chains? Come to us.", []string{"comparative_claim"}},
		{"literal rule in a meta sentence", c, "We don't compare ourselves with the big chains.", nil},
		// unless_regex: marks that words do not carry.
		{"ad mark", c, "#ad Thanks to @greg for trying the mower.", nil},
		{"ad label with a colon", c, "Ad: @greg tries our mower.", nil},
		{"handle without a label", c, "@greg can't stop mowing with ours.", []string{"endorsement"}},
		{"ad inside a word is no label", c, "Read @greg's #adventure post.", []string{"endorsement"}},
		// Footnote superscripts do not glue onto the next word.
		{"footnote mark before a fee en", en, "Boiler service from £89¹ ¹Plus call-out charge and parts.", []string{"price_claim"}},
		{"footnote mark before a fee de", de, "Heizungswartung ab 89 €¹ ¹zzgl. Anfahrtspauschale und Material.", []string{"price_claim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := categories(tc.c.Check(tc.text, policy.CheckOptions{AIDisclosed: true}))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) = %v; want %v", tc.text, got, tc.want)
			}
		})
	}
}

// TestEndorserWithTitle: a quoted professional's name after a title
// abbreviation ("Dr. med.") stands in the endorsement's sentence and is
// reported as the endorsement, not as personal data; a customer on the
// next line still is personal data.
func TestEndorserWithTitle(t *testing.T) {
	t.Parallel()
	c := policy.NewChecker(mustPack(t, "de-marketing"), policy.WithPersonalData(newPII()))
	tests := []struct {
		text string
		want bool // personal data reported
	}{
		{"Ärztin empfiehlt die Kapseln – Dr. med. Anna Brandt, Hausärztin.", false},
		{"Ärztin empfiehlt die Kapseln – Dr. med. Anna Brandt.\nKundin Eva Roth, Mobil 0171 9876543.", true},
	}
	for _, tc := range tests {
		var found []string
		for _, v := range c.Check(tc.text, policy.CheckOptions{}).Violations {
			if v.Category == "personal_data" {
				found = append(found, tc.text[v.Span[0]:v.Span[1]])
			}
		}
		if got := len(found) > 0; got != tc.want {
			t.Errorf("Check(%q) personal data %q; want reported %v", tc.text, found, tc.want)
		}
	}
}
