package llm_test

import (
	"strings"
	"testing"

	"kontext/internal/analysis"
	"kontext/llm"
)

var answerSources = []llm.ComposeSource{
	{N: 1, Title: "Talbecher 350", Text: "Der Talbecher 350 ist ein doppelwandiger Becher aus Edelstahl mit Schiebedeckel.\n\n" +
		"Der Talbecher passt nicht in die Spülmaschine, weil die Pulverbeschichtung darunter leidet. " +
		"Spüle ihn stattdessen von Hand mit warmem Wasser.\n\n" +
		"Kaffee bleibt im Talbecher sechs Stunden heiß und zwölf Stunden warm."},
	{N: 2, Title: "Versand", Text: "Wir versenden innerhalb von zwei Werktagen aus unserem Lager in Kempten. " +
		"Die Firnwerk GmbH wurde 2016 in Kempten gegründet.\n\n" +
		"Rücksendungen sind 30 Tage lang kostenlos möglich."},
}

func TestAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, lang, brief string
		kind              analysis.Kind
		want              string // the best answer holds it
		confident         bool
	}{
		{"yes/no wants whether it does", "de", "FAQ-Antwort: Passt der Talbecher in die Spülmaschine?", analysis.YesNo, "passt nicht in die Spülmaschine", true},
		{"number wants the number", "de", "Wie lange bleibt Kaffee im Talbecher heiß?", analysis.Number, "sechs Stunden", true},
		{"date wants the year", "de", "Seit wann gibt es die Firnwerk GmbH?", analysis.Date, "2016", true},
		{"place wants the place", "de", "Wo ist das Lager?", analysis.Place, "Lager in Kempten", false},
		{"number in days", "de", "Wie lange sind Rücksendungen kostenlos möglich?", analysis.Number, "30 Tage", true},
		{"open question, with the neighbour that names the subject", "de", "Wie spüle ich den Talbecher?", analysis.Open, "passt nicht in die Spülmaschine, weil die Pulverbeschichtung darunter leidet. Spüle ihn", false},
		{"nothing about it", "de", "Gibt es den Becher in Rot?", analysis.YesNo, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := llm.Answers(llm.Compose{Brief: tc.brief, Lang: tc.lang, Channel: "faq_answer", Sources: answerSources})
			if tc.want == "" {
				if len(got) > 0 && got[0].Confident() {
					t.Errorf("Answers(%q)[0] = %q, confident; want no confident answer", tc.brief, got[0].Text())
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("Answers(%q) = none; want one holding %q", tc.brief, tc.want)
			}
			if got[0].Kind != tc.kind || !strings.Contains(got[0].Text(), tc.want) {
				t.Errorf("Answers(%q)[0] = %s %q; want %s holding %q", tc.brief, got[0].Kind, got[0].Text(), tc.kind, tc.want)
			}
			if tc.confident && !got[0].Confident() {
				t.Errorf("Answers(%q)[0] = %q: coverage %.2f fits %v margin %.2f; want confident", tc.brief, got[0].Text(), got[0].Coverage, got[0].Fits, got[0].Margin)
			}
		})
	}
}

// TestAnswersNeighbour: a sentence that leans on the one before comes
// with it, and the neighbour that holds the asked number joins.
func TestAnswersNeighbour(t *testing.T) {
	t.Parallel()
	src := []llm.ComposeSource{{N: 1, Title: "Hüttenkanne", Text: "Die Hüttenkanne hält Tee besonders lange heiß. " +
		"Deshalb ist sie nach zwölf Stunden noch über 70 Grad warm.\n\nDie Kanne fasst einen Liter und hat einen Einhand-Ausgießer."}}
	got := llm.Answers(llm.Compose{Brief: "Wie lange hält die Hüttenkanne Tee heiß?", Lang: "de", Channel: "faq_answer", Sources: src})
	if len(got) == 0 || len(got[0].Sentences) != 2 || !strings.Contains(got[0].Text(), "zwölf Stunden") {
		t.Fatalf("Answers = %+v; want the sentence and the one with the hours after it", got)
	}
}

// TestAnswersCompound: a German compound in the brief finds the answer
// that writes its part ("Kurzarbeitergeld" — "Kurzarbeit"), as the lexical
// search leg does.
func TestAnswersCompound(t *testing.T) {
	t.Parallel()
	src := []llm.ComposeSource{{N: 1, Title: "Hinweise", Text: "Elterngeld beantragen Sie bei der Elterngeldstelle Ihres Landes.\n\n" +
		"Kurzarbeit kann für eine Dauer von bis zu zwölf Monaten bewilligt werden."}}
	got := llm.Answers(llm.Compose{Brief: "Wie lange gibt es Kurzarbeitergeld?", Lang: "de", Channel: "faq_answer", Sources: src})
	if len(got) == 0 || !strings.Contains(got[0].Text(), "zwölf Monaten") {
		t.Fatalf("Answers = %+v; want the sentence about Kurzarbeit first", got)
	}
}

// TestComposeAnswersFirst: the FAQ answer leads with the sentence that
// answers, cited, in the draft's language.
func TestComposeAnswersFirst(t *testing.T) {
	t.Parallel()
	sources := append([]llm.ComposeSource{{N: 3, Title: "FAQ", Text: "The Talbecher does not go in the dishwasher; wash it by hand."}}, answerSources...)
	draft := llm.ComposeDraft(llm.Compose{Brief: "Darf der Talbecher in die Spülmaschine?", Channel: "faq_answer", Lang: "de", MaxChars: 600, Sources: sources})
	if !strings.HasPrefix(draft, "Der Talbecher passt nicht in die Spülmaschine, weil die Pulverbeschichtung darunter leidet [1].") {
		t.Errorf("draft = %q; want it to open with the answer, cited", draft)
	}
	if strings.Contains(draft, "dishwasher") {
		t.Errorf("draft = %q; want no English sentence in a German answer", draft)
	}
}

// TestAnswersWithFeatures: the ranking features leave the ranking as it is
// and describe each answer: the best answer to "Wie lange sind
// Rücksendungen kostenlos möglich?" is in the best paragraph, holds the
// brief's adjacent words "kostenlos möglich" (the word-pair share) and, a
// number question's answer, a number (the shape flag).
func TestAnswersWithFeatures(t *testing.T) {
	t.Parallel()
	c := llm.Compose{Brief: "Wie lange sind Rücksendungen kostenlos möglich?", Lang: "de", Channel: "faq_answer", Sources: answerSources}
	plain, with := llm.Answers(c), llm.AnswersWithFeatures(c)
	if len(plain) == 0 || len(plain) != len(with) {
		t.Fatalf("Answers %d, AnswersWithFeatures %d answers; want the same, at least one", len(plain), len(with))
	}
	for i := range plain {
		if plain[i].Text() != with[i].Text() || plain[i].Score != with[i].Score {
			t.Errorf("answer %d: %q %.3f without features, %q %.3f with", i, plain[i].Text(), plain[i].Score, with[i].Text(), with[i].Score)
		}
		if d, x := llm.RankFeatures(plain[i]); d != nil || x != nil {
			t.Errorf("Answers computed features for answer %d", i)
		}
	}
	d, x := llm.RankFeatures(with[0])
	if !strings.Contains(with[0].Text(), "30 Tage") {
		t.Fatalf("best answer %q; want the one with the days", with[0].Text())
	}
	for _, f := range []struct {
		name string
		i    int
		want float64
	}{{"best paragraph", 10, 1}, {"number in a number question", 19, 1}, {"its score against the best", 16, 1}, {"sentence score against the best", 3, 1}} {
		if d[f.i] != f.want {
			t.Errorf("feature %d (%s) = %v; want %v", f.i, f.name, d[f.i], f.want)
		}
	}
	if d[12] <= 0 {
		t.Errorf("word-pair share %v; want > 0", d[12])
	}
	if len(x) == 0 {
		t.Error("no cross features")
	}
}
