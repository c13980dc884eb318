package llm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIConfig configures a client of an OpenAI-compatible API.
type OpenAIConfig struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1 for Ollama.
	BaseURL string
	APIKey  string
	// Model is the model name at the endpoint.
	Model string
	// Dimensions, when set, is requested from models that can shorten
	// their vectors, and checked on every response.
	Dimensions int
	// BatchSize is how many texts go in one request (default 64).
	BatchSize int
	// Timeout bounds one request (default 60s).
	Timeout time.Duration
	// MaxRetries is how often a 429, 5xx or network failure is retried
	// (default 4).
	MaxRetries int
	// HTTPClient, when set, sends the requests; its transport is where the
	// egress check sits.
	HTTPClient *http.Client
}

// OpenAIEmbedder embeds through an OpenAI-compatible /embeddings endpoint.
type OpenAIEmbedder struct {
	cfg    OpenAIConfig
	client *openai.Client
	sleep  func(ctx context.Context, d time.Duration) error
}

// NewOpenAIEmbedder returns an embedder for the endpoint.
func NewOpenAIEmbedder(cfg OpenAIConfig) (*OpenAIEmbedder, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("llm: openai embedder: base URL and model are required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	return &OpenAIEmbedder{cfg: cfg, client: newOpenAIClient(cfg), sleep: sleepCtx}, nil
}

// newOpenAIClient builds a go-openai client whose transport records
// Retry-After headers for the retry loop.
func newOpenAIClient(cfg OpenAIConfig) *openai.Client {
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	base := http.DefaultTransport
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
	}
	hc.Transport = retryAfterTransport{next: base}
	oc.HTTPClient = hc
	return openai.NewClientWithConfig(oc)
}

// Model returns the configured model name.
func (e *OpenAIEmbedder) Model() string { return e.cfg.Model }

// Dimensions returns the configured dimensions (0 if unknown until the
// first response).
func (e *OpenAIEmbedder) Dimensions() int { return e.cfg.Dimensions }

// Embed sends the texts in batches and returns their vectors in order.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		batch := texts[start:min(start+e.cfg.BatchSize, len(texts))]
		vecs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("llm: embed texts %d-%d of %d with %s: %w", start, start+len(batch)-1, len(texts), e.cfg.Model, err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *OpenAIEmbedder) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	req := openai.EmbeddingRequest{Input: batch, Model: openai.EmbeddingModel(e.cfg.Model),
		Dimensions: e.cfg.Dimensions, EncodingFormat: openai.EmbeddingEncodingFormatFloat}
	var resp openai.EmbeddingResponse
	err := retry(ctx, e.cfg.MaxRetries, e.sleep, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
		var err error
		resp, err = e.client.CreateEmbeddings(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(resp.Data) != len(batch) {
		return nil, fmt.Errorf("endpoint returned %d embeddings for %d inputs", len(resp.Data), len(batch))
	}
	vecs := make([][]float32, len(batch))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(batch) || vecs[d.Index] != nil {
			return nil, fmt.Errorf("endpoint returned embedding index %d out of order or twice", d.Index)
		}
		if e.cfg.Dimensions > 0 && len(d.Embedding) != e.cfg.Dimensions {
			return nil, fmt.Errorf("endpoint returned %d dimensions; configured %d", len(d.Embedding), e.cfg.Dimensions)
		}
		vecs[d.Index] = d.Embedding
	}
	return vecs, nil
}

// retryAfterKey carries a *retryAfter through a request's context.
type retryAfterKey struct{}

type retryAfter struct {
	mu sync.Mutex
	d  time.Duration
}

// retryAfterTransport records the Retry-After header of 429 and 503
// responses where the retry loop can read it.
type retryAfterTransport struct{ next http.RoundTripper }

func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp == nil {
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if ra, ok := r.Context().Value(retryAfterKey{}).(*retryAfter); ok {
			if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				ra.mu.Lock()
				ra.d = d
				ra.mu.Unlock()
			}
		}
	}
	return resp, nil
}

// parseRetryAfter reads seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// Backoff bounds.
const (
	backoffBase     = 500 * time.Millisecond
	backoffCap      = 30 * time.Second
	retryAfterLimit = 2 * time.Minute
)

// retry calls fn until it succeeds, fails with an error that is not worth
// retrying, or has been retried maxRetries times. Waits are exponential
// with full jitter, or what the server's Retry-After asks for.
func retry(ctx context.Context, maxRetries int, sleep func(context.Context, time.Duration) error, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		ra := &retryAfter{}
		err := fn(context.WithValue(ctx, retryAfterKey{}, ra))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !Retryable(err) || attempt >= maxRetries {
			if attempt > 0 {
				return fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		wait := time.Duration(rand.Int64N(int64(min(backoffCap, backoffBase<<attempt)) + 1))
		ra.mu.Lock()
		if ra.d > 0 {
			wait = min(ra.d, retryAfterLimit)
		}
		ra.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Retryable reports whether a provider error may succeed on retry: rate
// limits, server errors, timeouts and network failures, not client errors.
func Retryable(err error) bool {
	if errors.Is(err, ErrEgressRefused) {
		return false // a refused payload is refused again
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.HTTPStatusCode)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		if reqErr.HTTPStatusCode == 0 {
			return true
		}
		return retryableStatus(reqErr.HTTPStatusCode)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // a per-attempt timeout; the caller's context is checked first
	}
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) {
		return true
	}
	return strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset")
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
