package policy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kontext/guard/internal/labelled"
	"kontext/guard/pii"
	"kontext/guard/policy"
)

func mustPack(t testing.TB, name string) *policy.Pack {
	t.Helper()
	p, err := policy.LoadPack(name)
	if err != nil {
		t.Fatalf("LoadPack(%q): %v", name, err)
	}
	return p
}

func mustBrand(t testing.TB) *policy.BrandPack {
	t.Helper()
	b, err := policy.LoadBrand("testdata/brand.yaml")
	if err != nil {
		t.Fatalf("LoadBrand: %v", err)
	}
	return b
}

func categories(r policy.Result) []string {
	var out []string
	for _, v := range r.Violations {
		if !slices.Contains(out, v.Category) {
			out = append(out, v.Category)
		}
	}
	slices.Sort(out)
	return out
}

func TestCheckCategories(t *testing.T) {
	t.Parallel()
	// The rules alone: the claims model is tested in model_test.go.
	de := policy.NewChecker(mustPack(t, "de-marketing"), policy.WithModel(nil))
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithModel(nil))
	brand := mustBrand(t)
	tests := []struct {
		name    string
		checker *policy.Checker
		text    string
		opts    policy.CheckOptions
		want    []string // categories
		dec     policy.Decision
	}{
		{"de heilt", de, "Die Salbe heilt Wunden.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"de geheilt", de, "Viele Kunden wurden geheilt.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"de heilende", de, "Heilende Kräuter aus den Alpen.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"de heilen", de, "Unsere Öle heilen.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"de gegen krankheit", de, "Hilft gegen Migräne.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"de garantiert abnehmen", de, "Garantiert abnehmen ohne Sport.", policy.CheckOptions{}, []string{"guaranteed_success", "health_claim"}, policy.Blocked},
		{"de heil negative", de, "Die Tassen kommen heil an.", policy.CheckOptions{}, nil, policy.Approved},
		{"de spülmaschinenfest", de, "Unsere Flasche ist spülmaschinenfest.", policy.CheckOptions{}, nil, policy.Approved},
		{"en cures", en, "It cures acne.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"en treats", en, "Treats psoriasis fast.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"en prevents", en, "Prevents heart disease.", policy.CheckOptions{}, []string{"health_claim"}, policy.Blocked},
		{"en cured ham negative", en, "Cured ham from Parma.", policy.CheckOptions{}, nil, policy.Approved},
		{"de klimaneutral", de, "Klimaneutral geröstet.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"de klimaneutralen", de, "Mit klimaneutralen Kapseln.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"de klimaneutrales", de, "Ein klimaneutrales Paket.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"de co2-neutral", de, "CO₂-neutraler Versand.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"en eco-friendly", en, "An eco-friendly cup.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"en carbon neutral", en, "Carbon neutral delivery.", policy.CheckOptions{}, []string{"green_claim"}, policy.Blocked},
		{"de competitor", de, "Besser als Tchibo.", policy.CheckOptions{Brand: brand}, []string{"comparative_claim", "required_term"}, policy.NeedsReview},
		{"de brand named in a compound", de, "Grüße vom Röstwerk-Team.", policy.CheckOptions{Brand: brand}, nil, policy.Approved},
		{"de brand named in the genitive", de, "Röstwerks neue Bohne.", policy.CheckOptions{Brand: brand}, nil, policy.Approved},
		{"de brand not named", de, "Grüße vom Team.", policy.CheckOptions{Brand: brand}, []string{"required_term"}, policy.NeedsReview},
		{"de competitor without brand", de, "Besser als Tchibo.", policy.CheckOptions{}, []string{"comparative_claim"}, policy.NeedsReview},
		{"de comparison with oneself", de, "Schärfer als je zuvor: die neue Mühle.", policy.CheckOptions{}, nil, policy.Approved},
		{"de nr 1", de, "Die Nr. 1 für Espresso.", policy.CheckOptions{}, []string{"superlative_claim"}, policy.NeedsReview},
		{"en the best", en, "The best beans.", policy.CheckOptions{}, []string{"superlative_claim"}, policy.NeedsReview},
		{"en best regards negative", en, "Best regards, the team", policy.CheckOptions{}, nil, policy.Approved},
		{"de statt", de, "Nur 19 € statt 29 €.", policy.CheckOptions{}, []string{"price_claim"}, policy.Blocked},
		{"de statt with 30 days", de, "Nur 19 € statt 29 €. Niedrigster Preis der letzten 30 Tage: 21 €.", policy.CheckOptions{}, nil, policy.Approved},
		{"en was", en, "Was €29, now €19.", policy.CheckOptions{}, []string{"price_claim"}, policy.Blocked},
		{"en strike-through", en, "<del>€29</del> €19", policy.CheckOptions{}, []string{"price_claim"}, policy.Blocked},
		{"de price floor", de, "Röstwerk: Barista Pro 3000 für 99 €. Bestellen Sie.", policy.CheckOptions{Brand: brand}, []string{"price_claim"}, policy.Blocked},
		{"de price above floor", de, "Röstwerk: Barista Pro 3000 für 249 €.", policy.CheckOptions{Brand: brand}, nil, policy.Approved},
		{"de kostenlos mit kosten", de, "Kostenlose Tasse, zzgl. 3,95 € Versand.", policy.CheckOptions{}, []string{"free_claim"}, policy.NeedsReview},
		{"de kostenlos mit bedingung", de, "Kostenloser Versand ab 40 €.", policy.CheckOptions{}, nil, policy.Approved},
		// A stated threshold is a condition, not a cost: "free shipping from
		// 50 €" is a legitimate free claim and passes.
		{"en free shipping from", en, "Free shipping from €50.", policy.CheckOptions{}, nil, policy.Approved},
		{"en free then monthly", en, "Free for 30 days, then €4.99 monthly.", policy.CheckOptions{}, []string{"free_claim"}, policy.NeedsReview},
		{"de nur heute", de, "Nur heute 10 % Rabatt.", policy.CheckOptions{}, []string{"false_urgency", "price_claim"}, policy.NeedsReview},
		{"en only 2 left", en, "Only 2 left!", policy.CheckOptions{}, []string{"false_urgency"}, policy.NeedsReview},
		{"de einkommen", de, "Garantiertes Einkommen ab dem ersten Monat.", policy.CheckOptions{}, []string{"guaranteed_success"}, policy.Blocked},
		{"en money-back negative", en, "Money-back guarantee for 30 days.", policy.CheckOptions{}, nil, policy.Approved},
		{"personal data", en, "Call Jana at 0171 2345678.", policy.CheckOptions{}, nil, policy.Approved},
		{"ai disclosure missing", en, "Fresh roast!", policy.CheckOptions{Channel: "social"}, []string{"ai_disclosure"}, policy.NeedsReview},
		{"ai disclosure present", en, "Fresh roast! (AI-generated)", policy.CheckOptions{Channel: "social"}, nil, policy.Approved},
		{"ai disclosure by caller", en, "Fresh roast!", policy.CheckOptions{Channel: "social", AIDisclosed: true}, nil, policy.Approved},
		{"ai disclosure other channel", en, "Fresh roast!", policy.CheckOptions{Channel: "product_page"}, nil, policy.Approved},
		{"de du form", de, "Röstwerk: Gönn dir deine Pause.", policy.CheckOptions{Brand: brand}, []string{"address_form"}, policy.NeedsReview},
		{"de sie form", de, "Röstwerk: Gönnen Sie sich Ihre Pause.", policy.CheckOptions{Brand: brand}, nil, policy.Approved},
		{"en du form ignored", en, "Röstwerk: treat yourself, du!", policy.CheckOptions{Brand: brand, Lang: "en"}, nil, policy.Approved},
		{"banned word inflected", de, "Röstwerk: billigere Bohnen.", policy.CheckOptions{Brand: brand}, []string{"banned_word"}, policy.Blocked},
		{"max length", de, "Röstwerk " + strings.Repeat("a", 300), policy.CheckOptions{Brand: brand, Channel: "social"}, []string{"ai_disclosure", "max_length"}, policy.Blocked},
		{"disclaimer", de, "Röstwerk Kaffee", policy.CheckOptions{Brand: brand, Channel: "newsletter"}, []string{"disclaimer"}, policy.NeedsReview},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.checker.Check(tc.text, tc.opts)
			if cats := categories(got); !slices.Equal(cats, tc.want) || got.Decision != tc.dec {
				t.Errorf("Check(%q) = %s %v (%+v); want %s %v", tc.text, got.Decision, cats, got.Violations, tc.dec, tc.want)
			}
			for _, v := range got.Violations {
				if v.Span[0] < 0 || v.Span[1] < v.Span[0] || v.Span[1] > len(tc.text) {
					t.Errorf("Check(%q) violation %+v has a span outside the text", tc.text, v)
				}
				if v.Message == "" || v.Rule == "" {
					t.Errorf("Check(%q) violation %+v lacks rule or message", tc.text, v)
				}
			}
		})
	}
}

// fakeDetector reports every "0171 2345678" as a phone number.
type fakeDetector struct{}

func (fakeDetector) Detect(text string) []pii.Finding {
	var out []pii.Finding
	const phone = "0171 2345678"
	for off := 0; ; {
		i := strings.Index(text[off:], phone)
		if i < 0 {
			return out
		}
		out = append(out, pii.Finding{Type: "PHONE", Start: off + i, End: off + i + len(phone), Score: 0.9, Value: phone})
		off += i + len(phone)
	}
}

func TestCheckPersonalData(t *testing.T) {
	t.Parallel()
	c := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(fakeDetector{}))
	text := "Call Jana at 0171 2345678."
	got := c.Check(text, policy.CheckOptions{})
	if got.Decision != policy.Blocked || len(got.Violations) != 1 || got.Violations[0].Category != "personal_data" {
		t.Fatalf("Check(%q) = %+v; want one blocking personal_data violation", text, got)
	}
	if sp := got.Violations[0].Span; text[sp[0]:sp[1]] != "0171 2345678" {
		t.Errorf("span %v covers %q; want the phone number", sp, text[sp[0]:sp[1]])
	}
	if strings.Contains(got.Violations[0].Message, "2345678") {
		t.Errorf("message %q repeats the personal data", got.Violations[0].Message)
	}
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	c := policy.NewChecker(mustPack(t, "de-marketing"))
	b, err := json.Marshal(c.Check("Heilt alles.", policy.CheckOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"decision":"blocked","violations":[{"rule":"health.cure","category":"health_claim","severity":"block","span":[0,5],"message":`
	if !strings.HasPrefix(string(b), want) {
		t.Errorf("json = %s; want prefix %s", b, want)
	}
	b, _ = json.Marshal(c.Check("Guten Tag.", policy.CheckOptions{}))
	if got := string(b); got != `{"decision":"approved","violations":[]}` {
		t.Errorf("json = %s; want approved with an empty list", got)
	}
}

func TestLoadPackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"missing id", "version: 1\nrules:\n- {id: a, category: x, severity: block, message: m, patterns: [a]}", "missing id"},
		{"unknown severity", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: bloc, message: m, patterns: [a]}", `unknown severity "bloc"`},
		{"bad regex", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: block, message: m, regex: ['(']}", "bad regex"},
		{"bad pattern", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: block, message: m, patterns: ['_ foo']}", "must begin with"},
		{"unknown set", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: block, message: m, patterns: ['a @nope']}", "unknown set"},
		{"unknown check", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: block, message: m, check: magic}", "unknown check"},
		{"unknown field", "id: p\nversion: 1\nrulez: []", "rulez"},
		{"missing rule id", "id: p\nversion: 1\nrules:\n- {category: x, severity: review, message: m, patterns: [a]}", "missing id"},
		{"duplicate", "id: p\nversion: 1\nrules:\n- {id: a, category: x, severity: review, message: m, patterns: [a]}\n- {id: a, category: x, severity: review, message: m, patterns: [b]}", "duplicate rule id"},
		{"bad category", "id: p\nversion: 1\nrules:\n- {id: a, category: Health Claim, severity: review, message: m, patterns: [a]}", "snake_case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.ParsePack([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParsePack(%q) error = %v; want it to mention %q", tc.yaml, err, tc.want)
			}
		})
	}
	if _, err := policy.LoadPack("fr-marketing"); err == nil || !strings.Contains(err.Error(), "de-marketing") {
		t.Errorf("LoadPack(fr-marketing) error = %v; want the list of built-in packs", err)
	}
}

func TestLoadPackFromFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "custom.yaml")
	src := "id: custom\nversion: \"7\"\nlang: de\nrules:\n- id: no-rabatt\n  category: tone\n  severity: review\n  message: kein {match}\n  patterns: [rabatt~]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.LoadPack(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "custom" || p.Version != "7" {
		t.Errorf("LoadPack(%s) = %s %s; want custom 7", path, p.ID, p.Version)
	}
	got := policy.NewChecker(p).Check("Mit Rabatten!", policy.CheckOptions{})
	if len(got.Violations) != 1 || got.Violations[0].Message != "kein Rabatten" {
		t.Errorf("Check = %+v; want one violation with message %q", got, "kein Rabatten")
	}
}

func TestLoadBrandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"address form", "id: b\nversion: 1\naddress_form: ihr", "address_form"},
		{"severity", "id: b\nversion: 1\nseverities: {banned_word: stop}", `unknown severity "stop"`},
		{"floor", "id: b\nversion: 1\nprice_floors: {X: -1}", "must be positive"},
		{"missing id", "version: 1", "missing id"},
		{"unknown field", "id: b\nversion: 1\ncompetitor: [X]", "competitor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.ParseBrand([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseBrand(%q) error = %v; want it to mention %q", tc.yaml, err, tc.want)
			}
		})
	}
}

type policyItem struct {
	Text       string   `json:"text"`
	Lang       string   `json:"lang"`
	Channel    string   `json:"channel"`
	Brand      bool     `json:"brand"`
	Categories []string `json:"categories"`
	Decision   string   `json:"decision"`
}

// TestPolicyLabelledSet reports per-category precision and recall and the
// decision accuracy on the labelled drafts, and fails below the floors.
func TestPolicyLabelledSet(t *testing.T) {
	t.Parallel()
	const minRecall, minPrecision, minDecision = 0.95, 0.95, 0.95
	items := labelled.Read[policyItem](t, "testdata/labelled.jsonl")
	if len(items) < 80 {
		t.Fatalf("labelled set has %d drafts; want at least 80", len(items))
	}
	checkers := map[string]*policy.Checker{
		"de": policy.NewChecker(mustPack(t, "de-marketing"), policy.WithModel(nil)),
		"en": policy.NewChecker(mustPack(t, "en-marketing"), policy.WithModel(nil)),
	}
	brand := mustBrand(t)
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	get := func(c string) *counts {
		if per[c] == nil {
			per[c] = &counts{}
		}
		return per[c]
	}
	var total counts
	decisions := 0
	for _, it := range items {
		opts := policy.CheckOptions{Channel: it.Channel, Lang: it.Lang}
		if it.Brand {
			opts.Brand = brand
		}
		got := checkers[it.Lang].Check(it.Text, opts)
		cats := categories(got)
		for _, c := range cats {
			if slices.Contains(it.Categories, c) {
				get(c).tp++
				total.tp++
			} else {
				get(c).fp++
				total.fp++
				t.Logf("false %s: %q", c, it.Text)
			}
		}
		for _, c := range it.Categories {
			if !slices.Contains(cats, c) {
				get(c).fn++
				total.fn++
				t.Logf("missed %s: %q", c, it.Text)
			}
		}
		if string(got.Decision) == it.Decision {
			decisions++
		} else {
			t.Logf("decision %s, want %s: %q", got.Decision, it.Decision, it.Text)
		}
	}
	names := make([]string, 0, len(per))
	for c := range per {
		names = append(names, c)
	}
	slices.Sort(names)
	var report strings.Builder
	for _, c := range names {
		n := per[c]
		fmt.Fprintf(&report, "\n  %-20s precision %.2f recall %.2f (tp %d fp %d fn %d)", c,
			float64(n.tp)/float64(max(n.tp+n.fp, 1)), float64(n.tp)/float64(max(n.tp+n.fn, 1)), n.tp, n.fp, n.fn)
	}
	precision := float64(total.tp) / float64(max(total.tp+total.fp, 1))
	recall := float64(total.tp) / float64(max(total.tp+total.fn, 1))
	accuracy := float64(decisions) / float64(len(items))
	t.Logf("policy: %d drafts: precision %.3f, recall %.3f, decision accuracy %.3f%s", len(items), precision, recall, accuracy, report.String())
	if precision < minPrecision || recall < minRecall || accuracy < minDecision {
		t.Errorf("precision %.3f, recall %.3f, decision accuracy %.3f; want at least %.2f, %.2f, %.2f",
			precision, recall, accuracy, minPrecision, minRecall, minDecision)
	}
}

func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		"Heilt Akne! Nur 19 € statt 29 €", "~~19,99 €~~ 9,99 €", "Free trial, then €9.99 per month",
		"Barista Pro 3000 für 1.299,99 €", "Nr. 1 #1 100 %", "\xff\x00€", "ẞ İ", "", "€€€ 1,2,3.4.5",
	} {
		f.Add(seed, "social")
	}
	b, err := policy.LoadBrand("testdata/brand.yaml")
	if err != nil {
		f.Fatal(err)
	}
	de, err := policy.LoadPack("de-marketing")
	if err != nil {
		f.Fatal(err)
	}
	c := policy.NewChecker(de, policy.WithPersonalData(fakeDetector{}))
	f.Fuzz(func(t *testing.T, text, channel string) {
		got := c.Check(text, policy.CheckOptions{Channel: channel, Brand: b})
		for _, v := range got.Violations {
			if v.Span[0] < 0 || v.Span[1] < v.Span[0] || v.Span[1] > len(text) {
				t.Fatalf("Check(%q) violation %+v has a span outside the text (len %d)", text, v, len(text))
			}
		}
		switch got.Decision {
		case policy.Approved, policy.NeedsReview, policy.Blocked:
		default:
			t.Fatalf("Check(%q) decision %q", text, got.Decision)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	text := labelled.BenchText(b, "../inject/testdata/labelled.jsonl", "testdata/labelled.jsonl")
	brand := mustBrand(b)
	c := policy.NewChecker(mustPack(b, "de-marketing"))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		c.Check(text, policy.CheckOptions{Channel: "newsletter", Brand: brand})
	}
}
