package generate

import (
	"encoding/json"
	"strings"

	"kontext/guard/policy"
)

// Request asks for one draft.
type Request struct {
	// Brief says what to write; required.
	Brief string `json:"brief"`
	// Channel selects the template: newsletter, product_description,
	// social_post, faq_answer, subject_lines or press_release.
	Channel string `json:"channel"`
	// Lang is the draft's language, "de" or "en" (default "de").
	Lang string `json:"lang"`
	// Brand names a configured brand pack; empty means the default brand.
	Brand string `json:"brand,omitempty"`
	// Audience describes who the draft is for. Only attributes with
	// consent reach the prompt.
	Audience Audience `json:"audience,omitempty"`
	// K is how many sources to retrieve (default 8, at most 20).
	K int `json:"k,omitempty"`
	// Options tune the call.
	Options Options `json:"options,omitzero"`
	// IdempotencyKey, when set, makes the call happen once per tenant: a
	// generation already stored under the key is returned (Replayed) and
	// the provider is not called again. Batch items set it; a request body
	// cannot.
	IdempotencyKey string `json:"-"`
}

// Options tune one generation.
type Options struct {
	// Provider asks for a named provider; it must be eligible for the
	// sources' classification.
	Provider string `json:"provider,omitempty"`
	// Temperature is passed to sampling providers.
	Temperature *float32 `json:"temperature,omitempty"`
	// MaxTokens bounds the answer (default 1024).
	MaxTokens int `json:"max_tokens,omitempty"`
	// NoCache skips the result cache for this call.
	NoCache bool `json:"no_cache,omitempty"`
	// DocumentIDs restricts retrieval to these documents.
	DocumentIDs []string `json:"document_ids,omitempty"`
}

// Audience is a set of named attributes of the readers, each with its
// consent flag.
type Audience map[string]Attribute

// Attribute is one audience attribute. Value is a string or a list of
// strings; Consent must be true for it to be used.
type Attribute struct {
	Value   string `json:"value"`
	Consent bool   `json:"consent"`
}

// UnmarshalJSON accepts a string or a list of strings as value.
func (a *Attribute) UnmarshalJSON(data []byte) error {
	var raw struct {
		Value   json.RawMessage `json:"value"`
		Consent bool            `json:"consent"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	a.Consent = raw.Consent
	if len(raw.Value) == 0 || string(raw.Value) == "null" {
		a.Value = ""
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw.Value, &list); err == nil {
		a.Value = strings.Join(list, ", ")
		return nil
	}
	return json.Unmarshal(raw.Value, &a.Value)
}

// Decision is the outcome of a generation.
type Decision = policy.Decision

// Decisions.
const (
	Approved    = policy.Approved
	NeedsReview = policy.NeedsReview
	Blocked     = policy.Blocked
)

// Result is one checked, cited draft.
type Result struct {
	GenerationID string     `json:"generation_id"`
	Draft        string     `json:"draft"`
	Citations    []Citation `json:"citations"`
	Sentences    []Sentence `json:"sentences"`
	Decision     Decision   `json:"decision"`
	Reasons      []Reason   `json:"reasons"`
	// Disclosure is the AI label for the channel and language.
	Disclosure string     `json:"disclosure"`
	Provenance Provenance `json:"provenance"`
	Usage      Usage      `json:"usage"`
	// Timings holds milliseconds per stage.
	Timings map[string]float64 `json:"timings"`
	Cached  bool               `json:"cached"`
	// Replayed is set when the draft was stored before under the request's
	// IdempotencyKey; Usage is then what that call cost.
	Replayed bool `json:"replayed,omitempty"`
	// Review is the id of the review this draft waits in, when it needs one.
	ReviewID string `json:"review_id,omitempty"`
}

// Citation is one numbered source of a draft.
type Citation struct {
	N          int    `json:"n"`
	DocumentID string `json:"document_id"`
	Title      string `json:"title"`
	Version    int    `json:"version"`
	Heading    string `json:"heading"`
	ChunkID    int64  `json:"chunk_id"`
	Snippet    string `json:"snippet"`

	// Page and LastPage are the PDF pages the source starts and ends on;
	// absent for formats without pages, where Heading names the section.
	Page     int `json:"page,omitempty"`
	LastPage int `json:"last_page,omitempty"`
}

// Sentence is one sentence of the draft with its verification.
type Sentence struct {
	Text      string `json:"text"`
	Cites     []int  `json:"cites"`
	Factual   bool   `json:"factual"`
	Supported bool   `json:"supported"`
	Reason    string `json:"reason,omitempty"`
}

// Reason explains a decision: a policy violation, an unsupported claim, a
// dropped source.
type Reason struct {
	// Code is "policy", "citation", "source", "brief" (the draft does not
	// answer the brief), "guideline" (it copies a writing rule) or
	// "output" (it uses a source the channel may not use freely).
	Code     string          `json:"code"`
	Rule     string          `json:"rule,omitempty"`
	Category string          `json:"category,omitempty"`
	Severity policy.Severity `json:"severity"`
	Message  string          `json:"message"`
	Span     *[2]int         `json:"span,omitempty"`
	// Basis names the legal provisions a policy rule rests on.
	Basis string `json:"basis,omitempty"`
	// Rewrite suggests wording that avoids the violation, where one is safe.
	Rewrite string `json:"rewrite,omitempty"`
}

// Provenance records how a draft came about.
type Provenance struct {
	Provider     string          `json:"provider"`
	Model        string          `json:"model"`
	Region       string          `json:"region"`
	Offline      bool            `json:"offline"`
	Template     string          `json:"template"`
	PolicyPacks  []string        `json:"policy_packs"`
	Brand        string          `json:"brand,omitempty"`
	Retrieval    RetrievalParams `json:"retrieval"`
	Sources      []SourceVersion `json:"sources"`
	Redactions   map[string]int  `json:"redactions"`
	Audience     AudienceUse     `json:"audience"`
	InputSHA256  string          `json:"input_sha256"`
	OutputSHA256 string          `json:"output_sha256"`
	Dropped      []DroppedSource `json:"dropped_sources,omitempty"`
	// Excluded are retrieved chunks the channel's output policy left out
	// before composing (personal communication, or sources above the
	// channel's output classification when so configured).
	Excluded []DroppedSource `json:"excluded_sources,omitempty"`
	// Guidelines are the guideline chunks (brand guide rules) whose text
	// the prompt stated as writing rules; they are never sources.
	Guidelines []SourceVersion `json:"guidelines,omitempty"`
	// Output is the channel's output classification.
	Output string            `json:"output_classification"`
	Extra  map[string]string `json:"extra,omitempty"`
}

// RetrievalParams are the retrieval settings of a generation.
type RetrievalParams struct {
	K              int    `json:"k"`
	Path           string `json:"path"`
	Visible        int    `json:"visible"`
	Classification string `json:"classification"`
}

// SourceVersion names one document version a draft drew on.
type SourceVersion struct {
	DocumentID string `json:"document_id"`
	Version    int    `json:"version"`
	ChunkID    int64  `json:"chunk_id"`
}

// DroppedSource is a retrieved chunk left out of the prompt.
type DroppedSource struct {
	ChunkID int64  `json:"chunk_id"`
	Reason  string `json:"reason"`
}

// AudienceUse says which audience attributes were used and which were
// left out for want of consent: the "why am I seeing this" record.
type AudienceUse struct {
	Used    []string `json:"used"`
	Omitted []string `json:"omitted"`
}

// Usage is the token count and price of a generation.
type Usage struct {
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostEUR          float64 `json:"cost_eur"`
}

// Event is one step of a streamed generation: "retrieval", "delta",
// "citations", "decision" or "done" (whose Data is the *Result).
type Event struct {
	Name string
	Data any
}
