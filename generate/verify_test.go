package generate_test

import (
	"strings"
	"testing"

	"kontext/generate"
)

var verifySources = []generate.VerifySource{
	{N: 1, Text: "Die Gipfelflasche 500 hält Getränke nach 6 Stunden noch 74 °C warm. Kalt: nach 24 Stunden noch 7,5 °C."},
	{N: 2, Text: "| UVP | 29,90 € |\nDer Deckel ist spülmaschinenfest bis 65 °C. Der Flaschenkörper ist aus Edelstahl 18/8."},
}

func TestVerifyCitations(t *testing.T) {
	tests := []struct {
		name      string
		draft     string
		supported []bool
		reason    string // part of the first failing sentence's reason
		removed   bool   // an unknown citation was removed
	}{
		{"supported numbers", "Nach 6 Stunden hat dein Tee noch 74 °C [1].", []bool{true}, "", false},
		{"price with decimal comma", "Die Flasche kostet 29,90 € [2].", []bool{true}, "", false},
		{"hallucinated number", "Die Gipfelflasche 500 hält Getränke 48 Stunden warm [1].", []bool{false}, "number 48", false},
		{"wrong unit", "Die Gipfelflasche hält nach 6 Tagen noch 74 °C [1].", []bool{false}, "unit", false},
		{"number from the other source", "Die Gipfelflasche kostet 29,90 € [1].", []bool{false}, "number 29.9", false},
		{"uncited fact", "Die Gipfelflasche 500 hält 6 Stunden warm.", []bool{false}, "without citing", false},
		{"uncited property", "Der Flaschenkörper ist aus Edelstahl.", []bool{false}, "without citing", false},
		{"greeting needs no citation", "Hallo zusammen! Schön, dass du dabei bist.", []bool{true, true}, "", false},
		{"unknown citation removed", "Die Flasche kostet 29,90 € [2][7].", []bool{true}, "", true},
		{"only unknown citation", "Die Flasche kostet 29,90 € [9].", []bool{false}, "without citing", true},
		{"words not in source", "Der Deckel leuchtet nachts magisch grün im Dunkeln [2].", []bool{false}, "words", false},
		{"two sources", "Der Deckel ist spülmaschinenfest bis 65 °C und nach 6 Stunden ist der Tee 74 °C warm [1][2].", []bool{true}, "", false},
		{"quoted sentence then another", "„Nach 6 Stunden noch 74 °C.“ [1] Der Deckel ist spülmaschinenfest bis 65 °C [2].", []bool{true, true}, "", false},
		{"numbered subject line", "1. Gipfelflasche 500: nach 6 Stunden noch 74 °C [1]", []bool{true}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := generate.VerifyCitations(tc.draft, verifySources)
			if len(v.Sentences) != len(tc.supported) {
				t.Fatalf("VerifyCitations(%q) gave %d sentences %+v; want %d", tc.draft, len(v.Sentences), v.Sentences, len(tc.supported))
			}
			for i, s := range v.Sentences {
				if s.Supported != tc.supported[i] {
					t.Errorf("sentence %q: supported = %v (%s); want %v", s.Text, s.Supported, s.Reason, tc.supported[i])
				}
				if !s.Supported && tc.reason != "" && !strings.Contains(s.Reason, tc.reason) {
					t.Errorf("sentence %q: reason %q; want it to mention %q", s.Text, s.Reason, tc.reason)
				}
			}
			if got := strings.Contains(v.Draft, "[7]") || strings.Contains(v.Draft, "[9]"); got {
				t.Errorf("draft still holds an unknown citation: %q", v.Draft)
			}
			flagged := false
			for _, r := range v.Reasons {
				if strings.Contains(r.Message, "names no source") {
					flagged = true
				}
			}
			if flagged != tc.removed {
				t.Errorf("unknown citation flagged = %v; want %v (reasons %+v)", flagged, tc.removed, v.Reasons)
			}
		})
	}
}
