package generate_test

import (
	"strings"
	"testing"

	"kontext/generate"
	"kontext/llm"
)

var answeredSources = []llm.ComposeSource{
	{N: 1, Title: "Talbecher 350", Text: "Der Talbecher 350 ist ein doppelwandiger Becher aus Edelstahl mit Schiebedeckel.\n\n" +
		"Kaffee bleibt im Talbecher sechs Stunden heiß und zwölf Stunden warm."},
	{N: 2, Title: "Pflege", Text: "Der Talbecher passt nicht in die Spülmaschine, weil die Pulverbeschichtung darunter leidet.\n\n" +
		"The Talbecher keeps coffee hot for 6 hours and warm for 12 hours."},
}

func TestAnswered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, channel, lang, brief, draft string
		ok                                bool
		message                           string // the reason opens with it
	}{
		{"the answer verbatim", "faq_answer", "de", "Passt der Talbecher in die Spülmaschine?",
			"Der Talbecher passt nicht in die Spülmaschine, weil die Pulverbeschichtung darunter leidet [2].", true, ""},
		{"the answer in other words", "faq_answer", "de", "Passt der Talbecher in die Spülmaschine?",
			"Nein: Wegen der Pulverbeschichtung passt der Talbecher nicht in die Spülmaschine [2].", true, ""},
		{"a true sentence that does not answer", "faq_answer", "de", "Passt der Talbecher in die Spülmaschine?",
			"Der Talbecher 350 ist ein doppelwandiger Becher aus Edelstahl mit Schiebedeckel [1].", false,
			"Der Entwurf beantwortet das Briefing nicht: es fehlt, was Quelle [2] sagt: „Der Talbecher passt nicht in die Spülmaschine"},
		{"the number is the answer", "faq_answer", "en", "How long does the Talbecher keep coffee hot?",
			"The Talbecher keeps coffee hot for 8 hours and warm for 12 hours [2].", false, "The draft does not answer the brief: it lacks what source [2] says"},
		{"no source answers and the draft says so", "faq_answer", "de", "Gibt es den Talbecher in Rot?",
			"Zu diesem Briefing finden sich in den Quellen noch keine Angaben.", true, ""},
		{"no source answers and the draft does not say so", "faq_answer", "de", "Gibt es den Talbecher in Rot?",
			"Der Talbecher 350 ist ein doppelwandiger Becher aus Edelstahl mit Schiebedeckel [1].", false,
			"Der Entwurf beantwortet das Briefing nicht: kein Satz der Quellen beantwortet es sicher"},
		{"no source answers, in English", "faq_answer", "en", "Is the Talbecher sold in red?",
			"The Talbecher keeps coffee hot for 6 hours [2].", false, "The draft does not answer the brief: no source sentence answers it"},
		{"a newsletter without a question needs no answer", "newsletter", "de", "Newsletter: der Talbecher in Rot",
			"Hallo,\n\nDer Talbecher 350 ist ein doppelwandiger Becher aus Edelstahl mit Schiebedeckel [1].", true, ""},
		{"subject lines are cut, not checked", "subject_lines", "de", "Passt der Talbecher in die Spülmaschine?",
			"1. Talbecher 350: doppelwandig [1]", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &llm.Compose{Brief: tc.brief, Channel: tc.channel, Lang: tc.lang, Sources: answeredSources}
			reason, ok := generate.Answered(tc.draft, c)
			if ok != tc.ok {
				t.Fatalf("Answered(%q) = %v (%+v); want %v", tc.draft, ok, reason, tc.ok)
			}
			if !ok && (reason.Rule != generate.AnsweredRule || reason.Severity != "review" || !strings.HasPrefix(reason.Message, tc.message)) {
				t.Errorf("Answered(%q) reason = %+v; want rule %s, review, message opening %q", tc.draft, reason, generate.AnsweredRule, tc.message)
			}
		})
	}
}

func TestSaysSourcesDoNotSay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		draft string
		want  bool
	}{
		{"Zu diesem Briefing finden sich in den Quellen noch keine Angaben.", true},
		{"Dazu sagen unsere Unterlagen leider nichts; die Quellen nennen keine Farbe.", true},
		{"The sources do not say whether the Talbecher comes in red.", true},
		{"The sources hold nothing on this brief yet.", true},
		{"Der Talbecher hält sechs Stunden heiß [1].", false},
		{"Our sources: the Talbecher keeps coffee hot [1].", false},
	} {
		if got := generate.SaysSourcesDoNotSay(tc.draft); got != tc.want {
			t.Errorf("SaysSourcesDoNotSay(%q) = %v; want %v", tc.draft, got, tc.want)
		}
	}
}
