package pii

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
