package evals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"kontext/llm"
)

// ErrNoCassette is matched by the error a replaying Cassette returns for a
// request it holds no recording of.
var ErrNoCassette = errors.New("no cassette for this request")

// Cassette records a provider's answers and replays them, so that eval
// runs against a real model are repeatable and need no network in CI.
// Each answer is stored as one JSON file under Dir, named by the hash of
// the exact request: model, messages, max_tokens and temperature. The
// random fence delimiter of each request (see inject.Spotlighter) is
// replaced by a fixed token before hashing and storing, as the generate
// cache does, so that the same request finds its cassette again.
//
// Replaying (Record false) never calls Provider; a request without a cassette
// fails with ErrNoCassette. Recording (Record true) calls Provider and writes
// (or overwrites) the request's cassette. A Cassette is safe for
// concurrent use.
type Cassette struct {
	// Dir holds the cassettes, e.g. evals/cassettes/<suite>.
	Dir string
	// Provider is the chat provider recorded from.
	Provider llm.Chat
	// Record makes the cassette call Provider and store its answers.
	Record bool
}

var _ llm.Chat = (*Cassette)(nil)

// cassetteFile is the stored form of one exchange.
type cassetteFile struct {
	Key      string           `json:"key"`
	Request  cassetteRequest  `json:"request"`
	Response cassetteResponse `json:"response"`
}

type cassetteRequest struct {
	Model       string        `json:"model"`
	Messages    []llm.Message `json:"messages"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	Temperature *float32      `json:"temperature,omitempty"`
}

type cassetteResponse struct {
	Text         string    `json:"text"`
	Model        string    `json:"model"`
	FinishReason string    `json:"finish_reason"`
	Usage        llm.Usage `json:"usage"`
}

// fenceRE matches the random delimiter inject.NewSpotlighter draws.
var fenceRE = regexp.MustCompile(`KX-[A-Z2-7]{26}`)

// fixedFence stands in for the random delimiter in keys and files.
const fixedFence = "KX-FENCE"

// canonical returns the request as it is hashed and stored.
func canonical(model string, req llm.ChatRequest) cassetteRequest {
	msgs := make([]llm.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = llm.Message{Role: m.Role, Content: fenceRE.ReplaceAllString(m.Content, fixedFence)}
	}
	return cassetteRequest{Model: model, Messages: msgs, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
}

// CassetteKey returns the hex SHA-256 that names the cassette of a request
// to model.
func CassetteKey(model string, req llm.ChatRequest) string {
	b, _ := json.Marshal(canonical(model, req))
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Model returns the recorded provider's model.
func (c *Cassette) Model() string {
	if c.Provider == nil {
		return ""
	}
	return c.Provider.Model()
}

// Chat replays the request's recorded answer, or records one.
func (c *Cassette) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(string)) (llm.ChatResponse, error) {
	model := c.Model()
	key := CassetteKey(model, req)
	path := filepath.Join(c.Dir, key[:32]+".json")
	if !c.Record {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return llm.ChatResponse{}, fmt.Errorf("evals: %w (model %q, key %s) in %s: record it with `kontext eval --record` against the live provider",
				ErrNoCassette, model, key[:12], c.Dir)
		}
		if err != nil {
			return llm.ChatResponse{}, fmt.Errorf("evals: read cassette: %w", err)
		}
		var f cassetteFile
		if err := json.Unmarshal(data, &f); err != nil {
			return llm.ChatResponse{}, fmt.Errorf("evals: cassette %s: %w", path, err)
		}
		if f.Key != key {
			return llm.ChatResponse{}, fmt.Errorf("evals: cassette %s holds key %.12s, not %.12s: re-record it", path, f.Key, key)
		}
		if onDelta != nil && f.Response.Text != "" {
			onDelta(f.Response.Text)
		}
		return llm.ChatResponse{Text: f.Response.Text, Model: f.Response.Model, FinishReason: f.Response.FinishReason, Usage: f.Response.Usage}, nil
	}
	if c.Provider == nil {
		return llm.ChatResponse{}, errors.New("evals: a recording cassette needs a provider")
	}
	resp, err := c.Provider.Chat(ctx, req, onDelta)
	if err != nil {
		return resp, err
	}
	f := cassetteFile{Key: key, Request: canonical(model, req),
		Response: cassetteResponse{Text: resp.Text, Model: resp.Model, FinishReason: resp.FinishReason, Usage: resp.Usage}}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return resp, err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return resp, fmt.Errorf("evals: record cassette: %w", err)
	}
	// Write and rename, so that a concurrent replay never reads half a file.
	tmp, err := os.CreateTemp(c.Dir, ".cassette-*")
	if err != nil {
		return resp, fmt.Errorf("evals: record cassette: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return resp, fmt.Errorf("evals: record cassette: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return resp, fmt.Errorf("evals: record cassette: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return resp, fmt.Errorf("evals: record cassette: %w", err)
	}
	return resp, nil
}
