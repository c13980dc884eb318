package generate_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestAssembleGolden pins every channel's assembled prompt. Run
// `go test ./generate -update` after a deliberate template change, and
// raise the template's version in templates/manifest.yaml.
func TestAssembleGolden(t *testing.T) {
	ts, err := generate.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	brand, err := policy.LoadBrand("../examples/acme/brand.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range ts.Channels() {
		t.Run(ch, func(t *testing.T) {
			tmpl, _ := ts.Get(ch)
			spot := inject.NewSpotlighter()
			sources := []generate.PromptSource{
				{N: 1, Title: "Firnwerk Gipfelflasche 500", Heading: "Warm- und Kalthalten", Version: 3,
					Text: "Mit Wasser von 95 °C gefüllt: nach 6 Stunden noch 74 °C."},
				{N: 2, Title: "Häufige Fragen", Version: 1, Text: "Der Deckel ist spülmaschinenfest. Fragen an [EMAIL_1]."},
			}
			for i := range sources {
				sources[i].Wrapped = spot.Wrap(sources[i].Text)
			}
			p := generate.Prompt{Channel: ch, ChannelLabel: strings.ReplaceAll(ch, "_", " "), Lang: "de", LangName: "German",
				Brief: "Herbstaktion für die Gipfelflasche 500, Ton: locker", Brand: generate.PromptBrandOf(brand),
				Audience: []generate.AudienceLine{{Name: "interests", Value: "Wandern, Tee"}}, Sources: sources,
				Required: []string{"#Werbung"}, MaxChars: tmpl.MaxChars, SpotlightInstruction: spot.Instruction()}
			msgs, err := tmpl.Assemble(p)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, m := range msgs {
				b.WriteString("=== " + m.Role + "\n" + m.Content + "\n")
			}
			got := strings.ReplaceAll(b.String(), spot.Delimiter(), "KX-DELIMITER")
			path := filepath.Join("testdata", ch+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./generate -update)", err)
			}
			if got != string(want) {
				t.Errorf("assembled %s prompt differs from %s (run go test ./generate -update after a deliberate change):\n%s", ch, path, got)
			}
			if strings.Count(got, "<<KX-DELIMITER>>") != 3 || !strings.Contains(got, "[1]") || !strings.Contains(got, "untrusted data") {
				t.Errorf("prompt lacks fenced sources, citations or the spotlight note:\n%s", got)
			}
		})
	}
}
