// Package llmtest is an in-process OpenAI-compatible server for tests: it
// speaks the real wire format of /v1/chat/completions (JSON and
// server-sent-event streams with a usage chunk) and /v1/embeddings, and can
// be told to fail, stall or slow down on cue. It records every request
// body, so tests can assert what a provider would have received.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Server is the test server. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	reply     func(openai.ChatCompletionRequest) string
	failures  []failure
	latency   time.Duration
	hang      bool
	bodies    [][]byte
	chats     []openai.ChatCompletionRequest
	cancelled int
	served    int
}

type failure struct {
	status     int
	retryAfter string
}

// New starts a server that is closed when the test ends.
func New(t testing.TB) *Server {
	s := Start()
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (benchmarks); Close stops it.
func Start() *Server {
	s := &Server{reply: DefaultReply}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL returns the API base URL, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// DefaultReply answers with a fixed sentence citing source 1.
func DefaultReply(openai.ChatCompletionRequest) string {
	return "Das ist eine Antwort des Testmodells [1]."
}

// Reply sets the function that writes each chat answer.
func (s *Server) Reply(fn func(openai.ChatCompletionRequest) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = fn
}

// FailNext makes the next n requests fail with status, sending retryAfter
// (when not empty) as the Retry-After header.
func (s *Server) FailNext(status, n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status, retryAfter})
	}
}

// Latency delays every answer by d (until the client gives up).
func (s *Server) Latency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Hang makes every request wait until its client gives up.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// Requests returns the raw bodies received so far, failed ones included.
func (s *Server) Requests() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(s.bodies))
	copy(out, s.bodies)
	return out
}

// Chats returns the decoded chat requests received so far.
func (s *Server) Chats() []openai.ChatCompletionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]openai.ChatCompletionRequest, len(s.chats))
	copy(out, s.chats)
	return out
}

// Cancelled counts requests whose client went away before the answer was
// complete.
func (s *Server) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// Served counts requests answered successfully.
func (s *Server) Served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// begin records the body and returns the scripted failure, if any, and
// the delay to apply.
func (s *Server) begin(body []byte) (*failure, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, body)
	var f *failure
	if len(s.failures) > 0 {
		f = &s.failures[0]
		s.failures = s.failures[1:]
	}
	return f, s.latency, s.hang
}

// wait sleeps d or until the client leaves; false means it left.
func (s *Server) wait(r *http.Request, d time.Duration, hang bool) bool {
	if !hang && d <= 0 {
		return true
	}
	var timer <-chan time.Time
	if !hang {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-r.Context().Done():
		s.mu.Lock()
		s.cancelled++
		s.mu.Unlock()
		return false
	case <-timer:
		return true
	}
}

func writeError(w http.ResponseWriter, f *failure) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	fmt.Fprintf(w, `{"error":{"message":"scripted failure %d","type":"server_error","code":null}}`, f.status)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f, delay, hang := s.begin(body)
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.chats = append(s.chats, req)
	reply := s.reply
	s.mu.Unlock()
	if f != nil {
		writeError(w, f)
		return
	}
	if !s.wait(r, delay, hang) {
		return
	}
	text := reply(req)
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content))
	}
	usage := openai.Usage{PromptTokens: prompt, CompletionTokens: len(strings.Fields(text))}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	id, created := "chatcmpl-test", time.Now().Unix()
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(openai.ChatCompletionResponse{ID: id, Object: "chat.completion", Created: created,
			Model: req.Model, Usage: usage, Choices: []openai.ChatCompletionChoice{{Index: 0,
				Message: openai.ChatCompletionMessage{Role: "assistant", Content: text}, FinishReason: openai.FinishReasonStop}}})
		s.mu.Lock()
		s.served++
		s.mu.Unlock()
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) bool {
		raw, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", raw); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return r.Context().Err() == nil
	}
	chunk := func(delta openai.ChatCompletionStreamChoiceDelta, finish openai.FinishReason) openai.ChatCompletionStreamResponse {
		return openai.ChatCompletionStreamResponse{ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []openai.ChatCompletionStreamChoice{{Index: 0, Delta: delta, FinishReason: finish}}}
	}
	if !send(chunk(openai.ChatCompletionStreamChoiceDelta{Role: "assistant"}, "")) {
		s.gone()
		return
	}
	for _, piece := range pieces(text) {
		if !send(chunk(openai.ChatCompletionStreamChoiceDelta{Content: piece}, "")) {
			s.gone()
			return
		}
	}
	send(chunk(openai.ChatCompletionStreamChoiceDelta{}, openai.FinishReasonStop))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send(openai.ChatCompletionStreamResponse{ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []openai.ChatCompletionStreamChoice{}, Usage: &usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
	s.mu.Lock()
	s.served++
	s.mu.Unlock()
}

func (s *Server) gone() {
	s.mu.Lock()
	s.cancelled++
	s.mu.Unlock()
}

// pieces cuts text into stream chunks of a few words.
func pieces(text string) []string {
	var out []string
	words := strings.SplitAfter(text, " ")
	for i := 0; i < len(words); i += 3 {
		out = append(out, strings.Join(words[i:min(i+3, len(words))], ""))
	}
	return out
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f, delay, hang := s.begin(body)
	if f != nil {
		writeError(w, f)
		return
	}
	if !s.wait(r, delay, hang) {
		return
	}
	var req struct {
		Input []string `json:"input"`
		Model string   `json:"model"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	resp := openai.EmbeddingResponse{Object: "list", Model: openai.EmbeddingModel(req.Model)}
	for i, in := range req.Input {
		v := make([]float32, 8)
		for j, c := range in {
			v[(j+int(c))%8] += 1
		}
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Index: i, Embedding: v})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
	s.mu.Lock()
	s.served++
	s.mu.Unlock()
}
