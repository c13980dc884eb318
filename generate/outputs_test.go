package generate_test

import (
	"slices"
	"testing"

	"kontext"
	"kontext/generate"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/retrieval"
)

func TestBriefSubjects(t *testing.T) {
	t.Parallel()
	brand, err := policy.LoadBrand("../examples/acme/brand.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, brief, channel string
		want                 []string
	}{
		{"product in full", "Produktbeschreibung Gipfelflasche 750 für den Sommer", "product_description", []string{"Gipfelflasche 750"}},
		{"product by its first word", "FAQ answer: how do I clean the Talbecher?", "faq_answer", []string{"Talbecher"}},
		{"product without number", "Newsletter zum Herbststart: die neue Hüttenkanne für Hüttenabende", "newsletter", []string{"Hüttenkanne"}},
		{"two products", "Social Post: Talbecher 350 und Kids 400 für den Schulweg", "social_post", []string{"Kids 400", "Talbecher 350"}},
		{"brand name is no subject", "Pressemitteilung: Firnwerk Hüttenkanne und Ersatzteilprogramm", "press_release", []string{"Hüttenkanne"}},
		{"unknown product with a hyphen", "Produktbeschreibung für das Gamma-Zelt", "product_description", []string{"Gamma-Zelt"}},
		{"hyphenated nouns outside product copy", "Social Post: Kids 400 im Kita-Garten", "social_post", []string{"Kids 400"}},
		{"trade words are no subject", "FAQ-Antwort: Wie lange dauert der Versand?", "faq_answer", nil},
		{"unknown model number", "Produkttext für den Rucksack Alpin 30", "product_description", []string{"Alpin 30"}},
		{"a year is no model number", "Newsletter Herbst 2026", "newsletter", nil},
		{"quoted name", "Social Post zur Aktion „Hüttenzeit“", "social_post", []string{"Hüttenzeit"}},
		{"neutral brief", "Social Post: ein Gruß zum Wochenende", "social_post", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := generate.BriefSubjects(tc.brief, tc.channel, brand); !slices.Equal(got, tc.want) {
				t.Errorf("BriefSubjects(%q, %s) = %q; want %q", tc.brief, tc.channel, got, tc.want)
			}
		})
	}
}

func TestMentions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, subject string
		want          bool
	}{
		{"Der Talbecher 350 hält Kaffee warm.", "Talbecher 350", true},
		{"Pflege des Talbechers", "Talbecher", true},
		{"Die HÜTTENKANNE fasst 1 Liter.", "Hüttenkanne", true},
		{"Die Gipfelflasche 750 ist spülmaschinenfest.", "Gipfelflasche 500", false},
		{"Die Gipfelflasche 5000 ist erfunden.", "Gipfelflasche 500", false},
		{"Emojis: höchstens zwei pro Social-Post.", "Gamma-Zelt", false},
		{"Das Gamma-Zelt wiegt 2 kg.", "Gamma-Zelt", true},
		{"", "Talbecher", false},
	} {
		if got := generate.Mentions(tc.text, tc.subject); got != tc.want {
			t.Errorf("Mentions(%q, %q) = %v; want %v", tc.text, tc.subject, got, tc.want)
		}
	}
}

func TestQuotes(t *testing.T) {
	t.Parallel()
	guide := "Emojis: höchstens zwei pro Social-Post, keine in Betreffzeilen und Produktbeschreibungen."
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Emojis: höchstens zwei pro Social-Post, keine in Betreffzeilen [1].", true},
		{"EMOJIS höchstens zwei pro social post keine", true},
		{"Der Talbecher 350 hält Kaffee eine Stunde heiß [1].", false},
		{"höchstens zwei pro Post", false},
	} {
		if _, got := generate.Quotes(tc.text, guide); got != tc.want {
			t.Errorf("Quotes(%q, guide) = %v; want %v", tc.text, got, tc.want)
		}
	}
}

func TestOutputPolicy(t *testing.T) {
	t.Parallel()
	review, err := policy.ParseBrand([]byte("id: b\nversion: \"1\"\noutputs:\n  classification: {faq_answer: internal}\n  above_classification: exclude\n  personal_communication: review\n"))
	if err != nil {
		t.Fatal(err)
	}
	reference := retrieval.Result{Title: "Produktblatt", Classification: kontext.Public, Purpose: kontext.Reference}
	internal := retrieval.Result{Title: "Preisliste", Classification: kontext.Internal, Purpose: kontext.Reference}
	confidential := retrieval.Result{Title: "Strategie", Classification: kontext.Confidential, Purpose: kontext.Reference}
	mail := retrieval.Result{Title: "Mail", Classification: kontext.Internal, Purpose: kontext.Correspondence}
	named := retrieval.Result{Title: "Notiz", Classification: kontext.Public, Purpose: kontext.Reference, PersonalData: []string{pii.TypePerson}}
	email := retrieval.Result{Title: "Impressum", Classification: kontext.Public, Purpose: kontext.Reference, PersonalData: []string{pii.TypeEmail}}
	for _, tc := range []struct {
		name     string
		brand    *policy.BrandPack
		channel  string
		source   retrieval.Result
		limited  bool
		excluded bool
	}{
		{"public source, public channel", nil, "social_post", reference, false, false},
		{"internal source: review by default", nil, "social_post", internal, true, false},
		{"faq answers are public by default", nil, "faq_answer", internal, true, false},
		{"correspondence: excluded by default", nil, "newsletter", mail, true, true},
		{"a chunk naming a person counts as personal", nil, "social_post", named, true, true},
		{"an e-mail address alone does not", nil, "social_post", email, false, false},
		{"configured internal channel takes internal sources", review, "faq_answer", internal, false, false},
		{"configured: above the output is excluded", review, "faq_answer", confidential, true, true},
		{"configured: above the output is excluded elsewhere too", review, "social_post", internal, true, true},
		{"configured: personal communication is reviewed", review, "faq_answer", mail, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := generate.OutputPolicyFor(tc.brand, tc.channel)
			why, exclude := op.Restriction(tc.source, tc.channel)
			if (why != "") != tc.limited || exclude != tc.excluded {
				t.Errorf("Restriction(%s on %s) = %q, exclude %v; want restricted %v, exclude %v", tc.source.Title, tc.channel, why, exclude, tc.limited, tc.excluded)
			}
		})
	}
}

func TestParseBrandOutputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		ok         bool
	}{
		{"valid", "outputs:\n  classification: {faq_answer: internal}\n  above_classification: exclude\n", true},
		{"unknown classification", "outputs:\n  classification: {faq_answer: secret}\n", false},
		{"unknown mode", "outputs:\n  personal_communication: allow\n", false},
	} {
		_, err := policy.ParseBrand([]byte("id: b\nversion: \"1\"\n" + tc.yaml))
		if (err == nil) != tc.ok {
			t.Errorf("%s: ParseBrand error = %v; want ok %v", tc.name, err, tc.ok)
		}
	}
}
