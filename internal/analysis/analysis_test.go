package analysis_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"kontext/internal/analysis"
	"kontext/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestTermsMatchPostgres holds the analysis to PostgreSQL's own: the
// lexemes of to_tsvector with the german and english configurations are
// the terms of the same text.
func TestTermsMatchPostgres(t *testing.T) {
	t.Parallel()
	tx := dbtest.Tx(t)
	for _, tc := range []struct{ lang, config, text string }{
		{"de", "german", "Darf der Talbecher in die Spülmaschine? Die Flaschen sind spülmaschinenfest und halten Getränke stundenlang warm."},
		{"de", "german", "Häusliche Quarantäne bedeutet, dass man das Haus nicht verlassen darf. Größere Veranstaltungen fallen aus."},
		{"de", "german", "Wer zahlt den Lohn, wenn meine Mitarbeiter unter Quarantäne gestellt werden?"},
		{"en", "english", "Can someone who has had the illness spread it to others? Children are running and jumping happily."},
		{"en", "english", "The Public Health Agency's recommendations were updated; travellers should monitor their symptoms."},
	} {
		t.Run(tc.config+" "+tc.text[:20], func(t *testing.T) {
			var lexemes []string
			if err := tx.QueryRow(context.Background(), "SELECT coalesce(array_agg(l ORDER BY l), '{}') FROM unnest(tsvector_to_array(to_tsvector($1::regconfig, $2))) AS l",
				tc.config, tc.text).Scan(&lexemes); err != nil {
				t.Fatal(err)
			}
			got := analysis.Terms(tc.lang, tc.text)
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, lexemes) {
				t.Errorf("Terms(%s, %q) = %q; want PostgreSQL's %q", tc.lang, tc.text, got, lexemes)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang, q string
		want    analysis.Kind
	}{
		{"de", "Wie viele Spülgänge hält die Vakuumnaht?", analysis.Number},
		{"de", "Wie lange hält der Talbecher Kaffee warm?", analysis.Number},
		{"de", "Wann kommt die Hüttenkanne in den Handel?", analysis.Date},
		{"de", "Seit wann gibt es Firnwerk?", analysis.Date},
		{"de", "Wer hat die Gipfelflasche entworfen?", analysis.Name},
		{"de", "Wo wird die Gipfelflasche hergestellt?", analysis.Place},
		{"de", "FAQ-Antwort: Passt der Talbecher in die Spülmaschine?", analysis.YesNo},
		{"de", "Darf ich andere Menschen noch zu Hause besuchen?", analysis.YesNo},
		{"de", "Wie reinige ich den Talbecher?", analysis.Open},
		{"de", "Wieso ist das so?", analysis.Open},
		{"en", "How many people can the jug serve?", analysis.Number},
		{"en", "When does the autumn campaign start?", analysis.Date},
		{"en", "Who makes the Gipfelflasche?", analysis.Name},
		{"en", "FAQ answer: where is the bottle made?", analysis.Place},
		{"en", "Can I put carbonated drinks in the Gipfelflasche?", analysis.YesNo},
		{"en", "Isolation rules for travellers", analysis.Open},
		{"en", "Island holidays: what to pack?", analysis.Open},
	} {
		if got := analysis.KindOf(tc.lang, tc.q); got != tc.want {
			t.Errorf("KindOf(%s, %q) = %s; want %s", tc.lang, tc.q, got, tc.want)
		}
	}
}

func TestQuestion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ brief, want string }{
		{"FAQ-Antwort: Hält der Talbecher dicht?", "Hält der Talbecher dicht?"},
		{"Newsletter zur Herbstaktion", "Newsletter zur Herbstaktion"},
		{"Mein Betrieb wurde geschlossen. Wie soll ich nun ausbilden?", "Wie soll ich nun ausbilden?"},
		{"Ab dem 1. März? Bitte kurz.", "Ab dem 1. März?"},
	} {
		if got := analysis.Question(tc.brief); got != tc.want {
			t.Errorf("Question(%q) = %q; want %q", tc.brief, got, tc.want)
		}
	}
}

func TestSatisfies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang     string
		kind     analysis.Kind
		question string
		sentence string
		want     bool
	}{
		{"de", analysis.Number, "Wie lange hält er warm?", "Der Talbecher hält Kaffee sechs Stunden warm.", true},
		{"de", analysis.Number, "Wie lange hält er warm?", "Der Talbecher hält Kaffee 6 h warm.", true},
		{"de", analysis.Number, "Wie lange hält er warm?", "Der Talbecher hält Kaffee lange warm.", false},
		{"de", analysis.Date, "Wann startet die Aktion?", "Die Aktion startet am 1. Oktober 2026.", true},
		{"de", analysis.Date, "Wann startet die Aktion?", "Die Aktion gilt für alle Flaschen.", false},
		{"de", analysis.Name, "Wer stellt sie her?", "Hergestellt wird sie von Firnwerk in Kempten.", true},
		{"de", analysis.Name, "Wer stellt sie her?", "Die Flasche wird aus Edelstahl gefertigt.", false},
		{"de", analysis.Place, "Wo wird sie hergestellt?", "Sie wird in Kempten gefertigt.", true},
		{"de", analysis.Place, "Wo wird sie hergestellt?", "Sie wird in der Fabrik gefertigt.", false},
		{"de", analysis.YesNo, "Passt der Talbecher in die Spülmaschine?", "Der Talbecher passt in die Spülmaschine.", true},
		{"de", analysis.YesNo, "Passt der Talbecher in die Spülmaschine?", "Der Talbecher gehört nicht in die Spülmaschine.", true},
		{"de", analysis.YesNo, "Passt der Talbecher in die Spülmaschine?", "Der Talbecher ist aus Edelstahl gefertigt.", false},
		{"en", analysis.Number, "How long does it keep coffee hot?", "It keeps coffee hot for six hours.", true},
		{"en", analysis.Date, "When does it ship?", "It ships in October.", true},
		{"en", analysis.Name, "Who makes it?", "It is made by Firnwerk.", true},
		{"en", analysis.Name, "Who makes it?", "it is made of steel.", false},
		{"en", analysis.Place, "Where is it made?", "It is made in Kempten.", true},
		{"en", analysis.YesNo, "Can I put carbonated drinks in it?", "Carbonated drinks should not go in the bottle.", true},
		{"en", analysis.YesNo, "Can I put carbonated drinks in it?", "The bottle holds 750 ml.", false},
		{"en", analysis.Open, "How do I clean it?", "Rinse it with warm water.", true},
	} {
		if got := analysis.Satisfies(tc.lang, tc.kind, tc.question, tc.sentence); got != tc.want {
			t.Errorf("Satisfies(%s, %s, %q, %q) = %v; want %v", tc.lang, tc.kind, tc.question, tc.sentence, got, tc.want)
		}
	}
}

func TestStopWords(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"und", "über", "für", "der"} {
		if !analysis.IsStopWord("de", w) {
			t.Errorf("IsStopWord(de, %q) = false; want true", w)
		}
	}
	if analysis.IsStopWord("de", "Spülmaschine") || !analysis.IsStopWord("en", "The") {
		t.Error("IsStopWord: Spülmaschine is a German stop word or The is not an English one")
	}
	if got := strings.Join(analysis.Terms("de", "Die Flaschen und 5,5 Liter"), " "); got != "flasch 5.5 lit" {
		t.Errorf("Terms = %q; want %q", got, "flasch 5.5 lit")
	}
}

func TestCompoundPart(t *testing.T) {
	t.Parallel()
	de, en := analysis.New("de"), analysis.New("en")
	for _, tc := range []struct {
		a    *analysis.Analyzer
		x, y string
		want bool
	}{
		{de, "kurzarbeit", "kurzarbeitergeld", true},
		{de, "heimarbeitsplatz", "arbeitsplatz", true},
		{de, "arbeitsplatz", "heimarbeitsplatz", true},
		{de, "kurzarbeit", "kurzarbeit", false},       // the same term, not a part
		{de, "geld", "kurzarbeitergeld", true},        // four letters at the end
		{de, "arbeit", "kurzarbeitergeld", false},     // inside, not at an end
		{de, "eis", "eiszeit", false},                 // part and whole too short
		{de, "kurzarbeitergeld", "elterngeld", false}, // neither holds the other
		{en, "workplace", "place", false},             // English forms no compounds here
	} {
		if got := tc.a.CompoundPart(tc.x, tc.y); got != tc.want {
			t.Errorf("%s: CompoundPart(%q, %q) = %v; want %v", tc.a.Lang(), tc.x, tc.y, got, tc.want)
		}
	}
}
