// Package guard keeps personal data away from language models and unlawful or
// off-brand text away from readers. It detects personal data and replaces it
// with placeholders (and restores it where policy allows), detects prompt
// injection in briefs and documents, and checks drafts against policy packs
// for brand rules and marketing law.
package guard

// Finding is one span of text a detector flagged. Start and End are byte
// offsets into the scanned text (End exclusive); Score is the detector's
// confidence in [0,1].
type Finding struct {
	Type  string  `json:"type"`
	Start int     `json:"start"`
	End   int     `json:"end"`
	Score float64 `json:"score"`
	// Value is the matched text. It never leaves the process: it is omitted
	// from JSON so that findings can be logged and returned safely.
	Value string `json:"-"`
}
