package ingest_test

import (
	"strings"
	"testing"

	"kontext/ingest"
)

func TestDetectLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"german prose", "Die Flasche ist nicht spülmaschinenfest. Bitte reinige sie von Hand mit warmem Wasser.", "de"},
		{"german question", "Wie lange hält die Flasche warm?", "de"},
		{"german without umlauts", "Wir liefern auch nach Wien und in die Schweiz, wenn das Paket unter 5 kg ist.", "de"},
		{"english prose", "The bottle is not dishwasher safe. Please wash it by hand with warm water.", "en"},
		{"english question", "How long does the mug keep my coffee hot?", "en"},
		{"too short", "Gipfelflasche 500", "simple"},
		{"one function word is not enough", "Preis der Gipfelflasche", "simple"},
		{"product codes", "GF-500 GF-750 TB-350 BD-DUO 29,90 € 34,90 €", "simple"},
		{"mixed half and half", "Die Flasche ist gut. The bottle is good.", "simple"},
		{"french", "La bouteille n'est pas compatible avec le lave-vaisselle.", "simple"},
		{"empty", "", "simple"},
		{"german quoting english", "Unser Slogan lautet „Made for the mountains“, aber wir sind ein Team aus dem Allgäu und schreiben für dich auf Deutsch.", "de"},
		{"only the first 4 KiB count", strings.Repeat("Die Flasche ist nicht aus Glas und wir liefern sie für euch. ", 80) + strings.Repeat("The bottle is made of steel and you can take it with you. ", 200), "de"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ingest.DetectLanguage(tc.text); got != tc.want {
				t.Errorf("DetectLanguage(%q) = %q; want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestTextSearchConfig(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{"de": "german", "en": "english", "simple": "simple", "fr": "simple", "": "simple"} {
		if got := ingest.TextSearchConfig(lang); got != want {
			t.Errorf("TextSearchConfig(%q) = %q; want %q", lang, got, want)
		}
	}
}
