package ingest

// SentencesForTest exposes the sentence splitter to the external tests.
func SentencesForTest(text string) []string {
	var out []string
	for _, s := range splitSentences(text, 0, len(text)) {
		out = append(out, text[s[0]:s[1]])
	}
	return out
}

// RedactLiteralForTest replaces the literal occurrences of subject in s as
// erasure does in stored batch items.
func RedactLiteralForTest(s, subject string) string {
	return redactSpans(s, mergeSpans(literalSpans(s, subject)))
}
