package llm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIConfig configures a client of an OpenAI-compatible embeddings API:
// OpenAI, Mistral, Azure OpenAI's v1 API, Ollama, vLLM, LocalAI or
// text-embeddings-inference.
type OpenAIConfig struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1 for Ollama; requests go to BaseURL +
	// "/embeddings".
	BaseURL string
	// APIKey is sent as a bearer token; endpoints without authentication
	// ignore it.
	APIKey string
	// Model is the model name at the endpoint.
	Model string
	// Dimensions, when set, is requested from models that can shorten
	// their vectors and checked on every response. When zero the size of
	// the first response is adopted and later ones must match it.
	Dimensions int
	// BatchSize is how many texts go in one request (default 64).
	BatchSize int
	// Timeout bounds each request, retries each getting a fresh one
	// (default 60s).
	Timeout time.Duration
	// MaxRetries is how often a request that failed with 408, 429, a 5xx
	// status, a timeout or a network error is retried (default 4; negative
	// for none).
	MaxRetries int
	// Base64 asks for vectors as base64-encoded float32 arrays, a third of
	// the JSON size; OpenAI, vLLM and text-embeddings-inference support it.
	Base64 bool
	// HTTPClient, when set, sends the requests; its transport is where an
	// egress check sits (see EgressTransport). Its own timeout, if any,
	// applies as well.
	HTTPClient *http.Client
}

// Defaults of OpenAIConfig.
const (
	DefaultBatchSize  = 64
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 4
)

// OpenAIEmbedder embeds texts through an OpenAI-compatible /embeddings
// endpoint. It is safe for concurrent use.
type OpenAIEmbedder struct {
	cfg    OpenAIConfig
	client *openai.Client
	dims   atomic.Int64
	sleep  func(ctx context.Context, d time.Duration) error
}

var _ Embedder = (*OpenAIEmbedder)(nil)

// NewOpenAIEmbedder returns an embedder for the endpoint cfg describes.
// BaseURL and Model are required.
func NewOpenAIEmbedder(cfg OpenAIConfig) (*OpenAIEmbedder, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("llm: openai embedder: base URL and model are required")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: openai embedder: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Dimensions < 0 {
		return nil, fmt.Errorf("llm: openai embedder: dimensions %d is negative", cfg.Dimensions)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	}
	e := &OpenAIEmbedder{cfg: cfg, client: newOpenAIClient(cfg), sleep: sleepCtx}
	e.dims.Store(int64(cfg.Dimensions))
	return e, nil
}

// newOpenAIClient builds a go-openai client whose transport records the
// Retry-After header of failed responses for the retry loop; the
// configured client's transport (the egress check) stays underneath.
func newOpenAIClient(cfg OpenAIConfig) *openai.Client {
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = retryAfterTransport{next: next}
	oc.HTTPClient = hc
	return openai.NewClientWithConfig(oc)
}

// Model returns the configured model name.
func (e *OpenAIEmbedder) Model() string { return e.cfg.Model }

// Dimensions returns the vector size: the configured one, or the size of
// the first response; 0 before the first response when none is configured.
func (e *OpenAIEmbedder) Dimensions() int { return int(e.dims.Load()) }

// Embed sends the texts in batches of BatchSize, one batch after the other,
// and returns their vectors in the order of texts.
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
	if e.cfg.Base64 {
		req.EncodingFormat = openai.EmbeddingEncodingFormatBase64
	}
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
	// The index says which input a vector belongs to; an endpoint that
	// leaves it out (every index 0) answers in input order.
	positional := len(batch) > 1
	for _, d := range resp.Data {
		positional = positional && d.Index == 0
	}
	vecs := make([][]float32, len(batch))
	for i, d := range resp.Data {
		idx := d.Index
		if positional {
			idx = i
		}
		if idx < 0 || idx >= len(batch) || vecs[idx] != nil {
			return nil, fmt.Errorf("endpoint returned embedding index %d out of range or twice", d.Index)
		}
		if err := e.checkDims(len(d.Embedding)); err != nil {
			return nil, err
		}
		vecs[idx] = d.Embedding
	}
	return vecs, nil
}

// checkDims adopts the first vector size seen when none is configured and
// holds every vector to it.
func (e *OpenAIEmbedder) checkDims(n int) error {
	if n == 0 {
		return errors.New("endpoint returned an empty embedding")
	}
	if e.dims.CompareAndSwap(0, int64(n)) {
		return nil
	}
	if want := e.dims.Load(); int64(n) != want {
		return fmt.Errorf("endpoint returned %d dimensions; expected %d", n, want)
	}
	return nil
}

// retryAfterKey carries a *retryAfter through a request's context.
type retryAfterKey struct{}

// retryAfter is what the transport learned from a failed response's
// Retry-After header, for the attempt whose context carries it.
type retryAfter struct {
	mu sync.Mutex
	d  time.Duration
	ok bool
}

func (ra *retryAfter) get() (time.Duration, bool) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.d, ra.ok
}

// retryAfterTransport records the Retry-After header of 429 and 5xx
// responses where the retry loop can read it; go-openai's errors carry the
// status but not the headers.
type retryAfterTransport struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp == nil || !retryableStatus(resp.StatusCode) {
		return resp, err
	}
	if ra, ok := r.Context().Value(retryAfterKey{}).(*retryAfter); ok {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			ra.mu.Lock()
			ra.d, ra.ok = d, true
			ra.mu.Unlock()
		}
	}
	return resp, nil
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP
// date (a date in the past means now).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Backoff bounds: the n-th retry waits a random time between 0 and
// min(backoffCap, backoffBase·2ⁿ) ("full jitter"), unless the server's
// Retry-After says how long, which is honoured up to maxRetryAfter.
const (
	backoffBase   = 500 * time.Millisecond
	backoffCap    = 30 * time.Second
	maxRetryAfter = 5 * time.Minute
)

// retry calls fn until it succeeds, fails with an error not worth
// retrying, or has been retried maxRetries times. It stops at once when
// ctx ends, and does not start a wait that would outlast ctx's deadline.
//
// When ctx's deadline ends an attempt after the provider has answered an
// earlier one with an error, the call fails with that answer, not with the
// deadline: the provider was failing, not silent, and the caller's error
// code must not depend on which attempt the clock happened to cut.
func retry(ctx context.Context, maxRetries int, sleep func(context.Context, time.Duration) error, fn func(context.Context) error) error {
	var answered error // the last error the provider answered with, if any
	for attempt := 0; ; attempt++ {
		ra := &retryAfter{}
		err := fn(context.WithValue(ctx, retryAfterKey{}, ra))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if answered != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("after %d attempts (the deadline ended the last): %w", attempt+1, answered)
			}
			return context.Cause(ctx)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			answered = err
		}
		if !Retryable(err) || attempt >= maxRetries {
			if attempt > 0 {
				return fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		wait := time.Duration(rand.Int64N(int64(min(backoffCap, backoffBase<<attempt)) + 1))
		if d, ok := ra.get(); ok {
			wait = min(d, maxRetryAfter)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return fmt.Errorf("attempt %d: %w (the next try in %v would pass the deadline)", attempt+1, err, wait.Round(time.Millisecond))
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Retryable reports whether a provider call that failed with err may
// succeed when repeated: rate limits (429), request timeouts (408), server
// errors (5xx), timeouts and network failures. Client errors (400, 401,
// 404, ...) and refusals of the egress check are final.
func Retryable(err error) bool {
	if errors.Is(err, ErrEgressRefused) || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.HTTPStatusCode)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0 {
		return retryableStatus(reqErr.HTTPStatusCode)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // the attempt's own timeout; the caller's is checked first
	}
	var netErr net.Error
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr)
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
