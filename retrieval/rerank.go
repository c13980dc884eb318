package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Reranker scores texts against a query; a higher score is more relevant.
// It returns one score per text, in order.
type Reranker interface {
	Rerank(ctx context.Context, query string, texts []string) ([]float64, error)
}

// HTTPReranker calls a reranking service over HTTP: the
// text-embeddings-inference API (POST /rerank with "query" and "texts",
// answered by [{"index","score"}]) or the Jina/Cohere-style API (POST
// /v1/rerank with "model", "query" and "documents", answered by
// {"results":[{"index","relevance_score"}]}).
type HTTPReranker struct {
	// URL is the full endpoint, e.g. http://localhost:8081/rerank.
	URL string
	// Style is "tei" (default) or "jina".
	Style string
	// Model names the model for the Jina style.
	Model  string
	APIKey string
	// Client sends the requests (its transport is where an egress check
	// belongs); nil uses a client with a 10 s timeout.
	Client *http.Client
}

var _ Reranker = (*HTTPReranker)(nil)

// Rerank implements Reranker.
func (h *HTTPReranker) Rerank(ctx context.Context, query string, texts []string) ([]float64, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	var body any
	switch h.Style {
	case "", "tei":
		body = map[string]any{"query": query, "texts": texts, "raw_scores": false}
	case "jina":
		body = map[string]any{"model": h.Model, "query": query, "documents": texts, "top_n": len(texts)}
	default:
		return nil, fmt.Errorf("retrieval: rerank: unknown style %q (want tei or jina)", h.Style)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("retrieval: rerank: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.APIKey)
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("retrieval: rerank: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("retrieval: rerank: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("retrieval: rerank: status %d: %s", resp.StatusCode, strings.TrimSpace(string(raw[:min(len(raw), 200)])))
	}
	type item struct {
		Index          int      `json:"index"`
		Score          *float64 `json:"score"`
		RelevanceScore *float64 `json:"relevance_score"`
	}
	var items []item
	if err := json.Unmarshal(raw, &items); err != nil {
		var wrapped struct {
			Results []item `json:"results"`
		}
		if err2 := json.Unmarshal(raw, &wrapped); err2 != nil || wrapped.Results == nil {
			return nil, fmt.Errorf("retrieval: rerank: unexpected response: %v", err)
		}
		items = wrapped.Results
	}
	scores := make([]float64, len(texts))
	seen := make([]bool, len(texts))
	for _, it := range items {
		if it.Index < 0 || it.Index >= len(texts) || seen[it.Index] {
			return nil, fmt.Errorf("retrieval: rerank: index %d out of range or repeated", it.Index)
		}
		seen[it.Index] = true
		switch {
		case it.Score != nil:
			scores[it.Index] = *it.Score
		case it.RelevanceScore != nil:
			scores[it.Index] = *it.RelevanceScore
		default:
			return nil, errors.New("retrieval: rerank: result without a score")
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("retrieval: rerank: no score for text %d", i)
		}
	}
	return scores, nil
}

// rerank reorders results by the reranker's scores, keeping each result's
// fused score and adding the reranker's.
func rerank(ctx context.Context, r Reranker, query string, results []Result, k int) ([]Result, error) {
	texts := make([]string, len(results))
	for i, res := range results {
		texts[i] = res.Text
	}
	scores, err := r.Rerank(ctx, query, texts)
	if err != nil {
		return nil, err
	}
	for i := range results {
		s := scores[i]
		results[i].RerankScore = &s
	}
	sort.SliceStable(results, func(i, j int) bool { return *results[i].RerankScore > *results[j].RerankScore })
	if len(results) > k {
		results = results[:k]
	}
	return results, nil
}
