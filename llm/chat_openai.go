package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"kontext"
)

// OpenAIChatConfig configures a client of an OpenAI-compatible chat
// completions API: OpenAI, Azure OpenAI's v1 API, Mistral, Ollama, vLLM or
// LocalAI.
type OpenAIChatConfig struct {
	// BaseURL is the API root; requests go to BaseURL + "/chat/completions".
	BaseURL string
	// APIKey is sent as a bearer token.
	APIKey string
	// Model is the model name at the endpoint.
	Model string
	// Timeout bounds each attempt, a whole stream included (default 120s).
	Timeout time.Duration
	// TotalTimeout, when set, bounds the whole call, retries and their
	// waits included: past it the call fails matching kontext.ErrTimeout.
	TotalTimeout time.Duration
	// MaxRetries is how often a call that failed with 408, 429, a 5xx
	// status, a timeout or a network error is retried (default 4; negative
	// for none). A stream is retried only while none of it was delivered.
	MaxRetries int
	// HTTPClient sends the requests; its transport is where the egress
	// check sits (see EgressTransport).
	HTTPClient *http.Client
}

// DefaultChatTimeout bounds one chat attempt when the config sets none.
const DefaultChatTimeout = 120 * time.Second

// OpenAIChat is a Chat on an OpenAI-compatible /chat/completions endpoint.
// It is safe for concurrent use.
type OpenAIChat struct {
	cfg    OpenAIChatConfig
	client *openai.Client
	sleep  func(ctx context.Context, d time.Duration) error
}

var _ Chat = (*OpenAIChat)(nil)

// NewOpenAIChat returns a chat client for the endpoint cfg describes.
// BaseURL and Model are required.
func NewOpenAIChat(cfg OpenAIChatConfig) (*OpenAIChat, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("llm: openai chat: base URL and model are required")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: openai chat: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultChatTimeout
	}
	switch {
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	}
	client := newOpenAIClient(OpenAIConfig{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, HTTPClient: cfg.HTTPClient})
	return &OpenAIChat{cfg: cfg, client: client, sleep: sleepCtx}, nil
}

// Model returns the configured model name.
func (c *OpenAIChat) Model() string { return c.cfg.Model }

// delivered wraps the failure of a stream that had already delivered text:
// it hides the cause from Retryable, so the call is not repeated.
type delivered struct{ err error }

func (d delivered) Error() string { return d.err.Error() }

// Chat sends the conversation and returns the answer, streamed through
// onDelta when it is set. Failures match kontext.ErrTimeout (an attempt ran
// out of time) or kontext.ErrUpstream (anything else the provider did),
// with the provider's error kept in the chain; a cancelled ctx returns its
// cause, and an egress refusal matches ErrEgressRefused.
func (c *OpenAIChat) Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResponse, error) {
	msgs := make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	creq := openai.ChatCompletionRequest{Model: c.cfg.Model, Messages: msgs}
	//lint:ignore SA1019 max_tokens is what Mistral, vLLM, Ollama and LocalAI read; OpenAI accepts it for chat models.
	creq.MaxTokens = req.MaxTokens
	if req.Temperature != nil {
		creq.Temperature = *req.Temperature
	}
	var resp ChatResponse
	callCtx := ctx
	if c.cfg.TotalTimeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeoutCause(ctx, c.cfg.TotalTimeout,
			fmt.Errorf("no answer within %v: %w", c.cfg.TotalTimeout, context.DeadlineExceeded))
		defer cancel()
	}
	err := retry(callCtx, c.cfg.MaxRetries, c.sleep, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		var err error
		if onDelta == nil {
			resp, err = c.complete(ctx, creq)
		} else {
			resp, err = c.stream(ctx, creq, onDelta)
		}
		return err
	})
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		return ChatResponse{}, context.Cause(ctx)
	}
	var d delivered
	if errors.As(err, &d) {
		err = fmt.Errorf("the stream broke off: %w", d.err)
	}
	switch {
	case errors.Is(err, ErrEgressRefused):
		return ChatResponse{}, fmt.Errorf("llm: chat %s: %w", c.cfg.Model, err)
	case errors.Is(err, context.DeadlineExceeded):
		return ChatResponse{}, fmt.Errorf("llm: chat %s: %w: %w", c.cfg.Model, kontext.ErrTimeout, err)
	}
	return ChatResponse{}, fmt.Errorf("llm: chat %s: %w: %w", c.cfg.Model, kontext.ErrUpstream, err)
}

func (c *OpenAIChat) complete(ctx context.Context, creq openai.ChatCompletionRequest) (ChatResponse, error) {
	r, err := c.client.CreateChatCompletion(ctx, creq)
	if err != nil {
		return ChatResponse{}, err
	}
	if len(r.Choices) == 0 {
		return ChatResponse{}, errors.New("the endpoint returned no choices")
	}
	return ChatResponse{Text: r.Choices[0].Message.Content, Model: r.Model, FinishReason: string(r.Choices[0].FinishReason),
		Usage: Usage{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens}}, nil
}

func (c *OpenAIChat) stream(ctx context.Context, creq openai.ChatCompletionRequest, onDelta func(string)) (ChatResponse, error) {
	creq.Stream = true
	creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	s, err := c.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		return ChatResponse{}, err
	}
	defer s.Close()
	var out ChatResponse
	var text strings.Builder
	sent := false
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if sent {
				return ChatResponse{}, delivered{err}
			}
			return ChatResponse{}, err
		}
		if chunk.Model != "" {
			out.Model = chunk.Model
		}
		if chunk.Usage != nil {
			out.Usage = Usage{PromptTokens: chunk.Usage.PromptTokens, CompletionTokens: chunk.Usage.CompletionTokens}
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if d := ch.Delta.Content; d != "" {
				text.WriteString(d)
				onDelta(d)
				sent = true
			}
			if ch.FinishReason != "" {
				out.FinishReason = string(ch.FinishReason)
			}
		}
	}
	out.Text = text.String()
	return out, nil
}
