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
