package llm

import "context"

// Chat writes text from a conversation. Implementations are safe for
// concurrent use.
type Chat interface {
	// Chat sends req and returns the complete answer. When onDelta is not
	// nil the answer is streamed: onDelta receives each piece of text as it
	// arrives, in order, before Chat returns. Cancelling ctx stops the
	// upstream request.
	Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResponse, error)
	// Model names the model answering, e.g. "gpt-4o-mini" or
	// "kontext-extractive-v1".
	Model() string
}

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is what a Chat provider is asked.
type ChatRequest struct {
	// Messages is the conversation, system prompt first.
	Messages []Message
	// MaxTokens bounds the answer; zero leaves it to the provider.
	MaxTokens int
	// Temperature, when set, is sent to providers that sample; nil leaves
	// the provider's default.
	Temperature *float32
	// Compose repeats the request's parts in structured form for providers
	// that do not read prose (the offline composer). It holds exactly what
	// Messages hold, already pseudonymised; network providers ignore it.
	Compose *Compose
}

// Compose is the structured form of a drafting request.
type Compose struct {
	// Brief is what the draft is about.
	Brief string
	// Channel is the template's channel ("newsletter", "social_post", ...).
	Channel string
	// Lang is the draft's language, "de" or "en".
	Lang string
	// AddressForm is "du", "sie" or empty.
	AddressForm string
	// Brand is the brand's display name.
	Brand string
	// Sources are the numbered sources of the prompt.
	Sources []ComposeSource
	// Guidelines are the brand's writing rules (from guideline documents).
	// They are not sources: nothing of them is copied into the draft; the
	// offline composer's own rules (Avoid, AddressForm, MaxChars) stand in
	// for what it cannot read from prose.
	Guidelines []string
	// MaxChars bounds the draft's length when positive.
	MaxChars int
	// Required are lines the draft must end with, verbatim (disclaimers,
	// AI labels).
	Required []string
	// Avoid are words the draft must not use (the brand's banned words);
	// a word matches its inflections by prefix.
	Avoid []string
}

// ComposeSource is one numbered source.
type ComposeSource struct {
	N     int
	Title string
	Text  string
	// Restricted marks a source the channel may not publish without
	// review (above its output classification, personal communication);
	// the offline composer uses it only when no other source is relevant.
	Restricted bool
}

// ChatResponse is a provider's answer.
type ChatResponse struct {
	// Text is the complete answer.
	Text string
	// Model is the model that answered, as the provider reports it.
	Model string
	// FinishReason is why the answer ended ("stop", "length", ...).
	FinishReason string
	// Usage counts the tokens of the call.
	Usage Usage
}

// Usage counts the tokens of one call.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}
