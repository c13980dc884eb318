package ingest

// SentencesForTest exposes the sentence splitter to the external tests.
func SentencesForTest(text string) []string {
	var out []string
	for _, s := range splitSentences(text, 0, len(text)) {
		out = append(out, text[s[0]:s[1]])
	}
	return out
}
