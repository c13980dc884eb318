package llm_test

import (
	"encoding/json"
	"os"
	"testing"

	"kontext/llm"
)

// BenchmarkComposeFAQ composes an FAQ answer over eight passages of the
// English dev set of bench/answers, the size of a default retrieval.
func BenchmarkComposeFAQ(b *testing.B) {
	data, err := os.ReadFile("../testdata/answers/en-dev.json")
	if err != nil {
		b.Fatal(err)
	}
	var set struct {
		Passages []struct{ Text string } `json:"passages"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		b.Fatal(err)
	}
	c := llm.Compose{Brief: "Can someone who has had COVID-19 spread the illness to others?", Channel: "faq_answer", Lang: "en", MaxChars: 1200}
	for i, p := range set.Passages[:8] {
		c.Sources = append(c.Sources, llm.ComposeSource{N: i + 1, Title: "p", Text: p.Text})
	}
	for b.Loop() {
		llm.ComposeDraft(c)
	}
}
