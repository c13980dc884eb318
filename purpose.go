package kontext

// Purpose says what a document is for, and so how generation may use it.
type Purpose string

// The purposes.
const (
	// Reference documents hold facts that drafts cite: product sheets,
	// FAQs, press releases, price lists. It is the default.
	Reference Purpose = "reference"
	// Guideline documents instruct the writer (a brand guide, a style
	// guide): they shape a prompt's writing rules and are never cited as
	// sources nor copied into a draft.
	Guideline Purpose = "guideline"
	// Correspondence is personal communication: support mail, CRM notes.
	// Outbound drafts do not draw on it unless a person decides so.
	Correspondence Purpose = "correspondence"
)

// ParsePurpose returns the purpose named s; empty means Reference. Any
// other name is an error matching ErrInvalid.
func ParsePurpose(s string) (Purpose, error) {
	switch p := Purpose(s); p {
	case "":
		return Reference, nil
	case Reference, Guideline, Correspondence:
		return p, nil
	}
	return "", Invalidf("purpose", "%q is not one of reference, guideline, correspondence", s)
}
