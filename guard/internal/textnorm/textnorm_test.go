package textnorm

import (
	"strings"
	"testing"
)

// starts lists the words of text that begin a sentence.
func starts(text string) []string {
	f := Fold(text)
	var out []string
	for _, t := range Tokenize(f.Text, nil) {
		if t.Flags&SentStart != 0 {
			out = append(out, f.Text[t.Start:t.End])
		}
	}
	return out
}

func TestSentenceStarts(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"Gut. Danach kam mehr.", "gut danach"},
		{"„Das hat mir geholfen.“ Wie finden Sie es?", "das wie"},
		{"»Sehr gut.« Jetzt bestellen.", "sehr jetzt"},
		{`"It helped me." Try it now.`, "it try"},
		{"“It helped me.” Try it now.", "it try"},
		{"(See the sheet.) Then order.", "see then"},
		{"Sehr gut.“\nJetzt bestellen.", "sehr jetzt"},
		{"The end.”", "the"},
		// A full stop inside a word or a number is no sentence end.
		{"Version 1.5 kommt. Preis 1.299,99 €.", "version preis"},
		{"Siehe www.example.com heute.", "siehe"},
		{"Ein Punkt.„Zitat“ ohne Abstand.", "ein"},
	}
	for _, tc := range tests {
		if got := strings.Join(starts(tc.text), " "); got != tc.want {
			t.Errorf("sentence starts of %q = %q; want %q", tc.text, got, tc.want)
		}
	}
}
