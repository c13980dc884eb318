package llm_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"kontext/llm"
)

var composeSources = []llm.ComposeSource{
	{N: 1, Title: "Firnwerk Gipfelflasche 500", Text: "# Firnwerk Gipfelflasche 500\n\n" +
		"Die Gipfelflasche 500 ist unsere Allround-Flasche für Tagestouren, Büro und Schulweg.\n\n" +
		"| Merkmal | Angabe |\n| --- | --- |\n| Nennvolumen | 500 ml (randvoll 540 ml) |\n| UVP | 29,90 € |\n\n" +
		"- nach 6 Stunden: 74 °C\n\nMit Wasser von 95 °C gefüllt hat der Tee nach 6 Stunden noch 74 °C. " +
		"Der Deckel ist spülmaschinenfest, der Flaschenkörper bitte von Hand spülen."},
	{N: 2, Title: "FAQ", Text: "Wie lange hält die Flasche warm? Die Gipfelflasche 500 hält Tee nach 12 Stunden noch bei 61 °C. " +
		"Bei Fragen schreib an [EMAIL_1], Ansprechpartnerin ist [PERSON_1] aus dem Kundenservice."},
	{N: 3, Title: "Press", Text: "The Hüttenkanne is a one-litre vacuum jug with a one-hand pour stopper for mountain huts."},
}

func TestComposeDraft(t *testing.T) {
	channels := map[string]int{"newsletter": 4000, "product_description": 2500, "social_post": 280, "faq_answer": 1200,
		"subject_lines": 60, "press_release": 6000}
	cite := regexp.MustCompile(`\[(\d+)\]`)
	for ch, limit := range channels {
		t.Run(ch, func(t *testing.T) {
			c := llm.Compose{Brief: "Gipfelflasche 500 warm halten Tee Tagestour", Channel: ch, Lang: "de", AddressForm: "du",
				Brand: "Firnwerk", Sources: composeSources, MaxChars: limit, Required: []string{"#Werbung"}}
			draft := llm.ComposeDraft(c)
			if again := llm.ComposeDraft(c); again != draft {
				t.Fatalf("ComposeDraft is not deterministic:\n%s\n---\n%s", draft, again)
			}
			if !strings.HasSuffix(draft, "#Werbung") {
				t.Errorf("draft does not end with the required line:\n%s", draft)
			}
			if strings.Contains(draft, "[PERSON_1]") || strings.Contains(draft, "[EMAIL_1]") {
				t.Errorf("draft uses a sentence with withheld personal data:\n%s", draft)
			}
			if strings.Contains(draft, "Hüttenkanne") {
				t.Errorf("draft uses an English sentence unrelated to the brief:\n%s", draft)
			}
			ms := cite.FindAllStringSubmatch(draft, -1)
			if len(ms) == 0 {
				t.Fatalf("draft has no citations:\n%s", draft)
			}
			for _, m := range ms {
				if m[1] != "1" && m[1] != "2" {
					t.Errorf("draft cites [%s], which is no German source", m[1])
				}
			}
			if ch == "subject_lines" {
				for _, line := range strings.Split(draft, "\n") {
					if line != "" && line != "#Werbung" && utf8.RuneCountInString(line) > limit {
						t.Errorf("subject line %q has %d characters; limit %d", line, utf8.RuneCountInString(line), limit)
					}
				}
			} else if n := utf8.RuneCountInString(draft); n > limit {
				t.Errorf("draft has %d characters; limit %d:\n%s", n, limit, draft)
			}
		})
	}
}

func TestOfflineChatStreams(t *testing.T) {
	req := llm.ChatRequest{Compose: &llm.Compose{Brief: "Tee warm", Channel: "faq_answer", Lang: "de", Sources: composeSources}}
	var streamed strings.Builder
	resp, err := llm.Offline{}.Chat(context.Background(), req, func(d string) { streamed.WriteString(d) })
	if err != nil {
		t.Fatal(err)
	}
	if streamed.String() != resp.Text || resp.Text == "" {
		t.Errorf("streamed %q; answer %q", streamed.String(), resp.Text)
	}
	if resp.Model != llm.OfflineModel {
		t.Errorf("model %q; want %q", resp.Model, llm.OfflineModel)
	}
	if _, err := (llm.Offline{}).Chat(context.Background(), llm.ChatRequest{}, nil); err == nil {
		t.Error("Chat without a structured request succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (llm.Offline{}).Chat(ctx, req, nil); err == nil {
		t.Error("Chat with a cancelled context succeeded")
	}
}

// TestComposeRestrictedSources checks that the composer uses a restricted
// source (one the channel may not publish freely) only when no other
// source has a relevant sentence, and never a guideline.
func TestComposeRestrictedSources(t *testing.T) {
	t.Parallel()
	sheet := llm.ComposeSource{N: 1, Title: "Kids 400", Text: "Die Kids 400 ist unsere isolierte Flasche für Kita, Schule und Familienwanderungen."}
	mail := llm.ComposeSource{N: 2, Title: "Support", Restricted: true,
		Text: "Bei der Kids 400 unserer Tochter ist nach vier Monaten das Mundstück eingerissen, sie kaut gern darauf herum."}
	guideline := "Die Kids 400 nennen wir immer mit vollem Namen, in jedem Text für Kita und Schule."
	for _, tc := range []struct {
		name    string
		sources []llm.ComposeSource
		want    string
		not     []string
	}{
		{"free source preferred", []llm.ComposeSource{mail, sheet}, "Familienwanderungen", []string{"Mundstück", "vollem Namen"}},
		{"restricted only when nothing else", []llm.ComposeSource{mail}, "Mundstück", []string{"vollem Namen"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			draft := llm.ComposeDraft(llm.Compose{Brief: "Social Post: die Kids 400 für Kita und Schule", Channel: "social_post",
				Lang: "de", Brand: "Firnwerk", Sources: tc.sources, Guidelines: []string{guideline}})
			if !strings.Contains(draft, tc.want) {
				t.Errorf("ComposeDraft = %q; want it to hold %q", draft, tc.want)
			}
			for _, n := range tc.not {
				if strings.Contains(draft, n) {
					t.Errorf("ComposeDraft = %q; want no %q", draft, n)
				}
			}
		})
	}
}
