package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"kontext"
	"kontext/guard/pii"
	"kontext/llm"
	"kontext/llm/llmtest"
)

func newChat(t *testing.T, srv *llmtest.Server, cfg llm.OpenAIChatConfig) *llm.OpenAIChat {
	t.Helper()
	cfg.BaseURL, cfg.Model = srv.URL(), "test-model"
	c, err := llm.NewOpenAIChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var hello = llm.ChatRequest{Messages: []llm.Message{{Role: llm.RoleSystem, Content: "Be brief."}, {Role: llm.RoleUser, Content: "Hallo"}}}

func TestOpenAIChat(t *testing.T) {
	srv := llmtest.New(t)
	srv.Reply(func(r openai.ChatCompletionRequest) string {
		return "Antwort auf " + r.Messages[1].Content + " mit vier Wörtern."
	})
	c := newChat(t, srv, llm.OpenAIChatConfig{})
	resp, err := c.Chat(context.Background(), hello, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "Antwort auf Hallo mit vier Wörtern." || resp.Usage.CompletionTokens == 0 || resp.FinishReason != "stop" {
		t.Errorf("Chat = %+v", resp)
	}
	var streamed []string
	resp, err = c.Chat(context.Background(), hello, func(d string) { streamed = append(streamed, d) })
	if err != nil {
		t.Fatal(err)
	}
	if len(streamed) < 2 || strings.Join(streamed, "") != resp.Text || resp.Text != "Antwort auf Hallo mit vier Wörtern." {
		t.Errorf("streamed %q, answer %q", streamed, resp.Text)
	}
	if resp.Usage.PromptTokens == 0 || resp.Usage.CompletionTokens == 0 {
		t.Errorf("stream usage %+v; want the usage chunk's counts", resp.Usage)
	}
}

func TestOpenAIChatFailures(t *testing.T) {
	t.Run("429 then success is retried", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.FailNext(http.StatusTooManyRequests, 1, "0")
		if _, err := newChat(t, srv, llm.OpenAIChatConfig{}).Chat(context.Background(), hello, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("server saw %d requests; want 2", n)
		}
	})
	t.Run("persistent 500 is an upstream error", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.FailNext(http.StatusInternalServerError, 10, "0")
		_, err := newChat(t, srv, llm.OpenAIChatConfig{MaxRetries: 2}).Chat(context.Background(), hello, func(string) {})
		if !errors.Is(err, kontext.ErrUpstream) || errors.Is(err, kontext.ErrTimeout) {
			t.Errorf("err = %v; want ErrUpstream", err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("server saw %d requests; want 3", n)
		}
	})
	t.Run("a deadline that cuts a retry keeps the provider's error", func(t *testing.T) {
		// The provider answers 500, then stalls on the retry until the total
		// timeout: the call failed upstream, whichever attempt the clock cut.
		srv := llmtest.New(t)
		srv.FailNext(http.StatusInternalServerError, 1, "0")
		srv.Hang(true)
		c := newChat(t, srv, llm.OpenAIChatConfig{Timeout: 10 * time.Second, MaxRetries: 3, TotalTimeout: 300 * time.Millisecond})
		_, err := c.Chat(context.Background(), hello, nil)
		if !errors.Is(err, kontext.ErrUpstream) || errors.Is(err, kontext.ErrTimeout) || !strings.Contains(err.Error(), "500") {
			t.Errorf("err = %v; want ErrUpstream naming the 500", err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("server saw %d requests; want 2", n)
		}
	})
	t.Run("400 is not retried", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.FailNext(http.StatusBadRequest, 1, "")
		_, err := newChat(t, srv, llm.OpenAIChatConfig{}).Chat(context.Background(), hello, nil)
		if !errors.Is(err, kontext.ErrUpstream) || len(srv.Requests()) != 1 {
			t.Errorf("err = %v after %d requests; want ErrUpstream after 1", err, len(srv.Requests()))
		}
	})
	t.Run("a stalled endpoint times out", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.Hang(true)
		_, err := newChat(t, srv, llm.OpenAIChatConfig{Timeout: 50 * time.Millisecond, MaxRetries: -1}).Chat(context.Background(), hello, nil)
		if !errors.Is(err, kontext.ErrTimeout) {
			t.Errorf("err = %v; want ErrTimeout", err)
		}
	})
	t.Run("the total timeout bounds the retries", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.Hang(true)
		c := newChat(t, srv, llm.OpenAIChatConfig{Timeout: 100 * time.Millisecond, MaxRetries: 50, TotalTimeout: 400 * time.Millisecond})
		done := make(chan error, 1)
		go func() {
			_, err := c.Chat(context.Background(), hello, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, kontext.ErrTimeout) {
				t.Errorf("err = %v; want ErrTimeout", err)
			}
		case <-time.After(10 * time.Second): // 51 attempts of 100ms plus backoff without the bound
			t.Fatal("Chat still retrying a stalled endpoint 10s into a call bounded at 400ms")
		}
		if n := len(srv.Requests()); n < 1 || n > 5 {
			t.Errorf("server saw %d requests; want the few that fit in 400ms", n)
		}
	})
	t.Run("cancelling stops the upstream request", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.Hang(true)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := newChat(t, srv, llm.OpenAIChatConfig{}).Chat(ctx, hello, func(string) {})
			done <- err
		}()
		for len(srv.Requests()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v; want context.Canceled", err)
		}
		for srv.Cancelled() == 0 {
			time.Sleep(5 * time.Millisecond) // the server notices the closed connection
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("server saw %d requests; a cancelled call must not be retried", n)
		}
	})
	t.Run("egress check refuses personal data", func(t *testing.T) {
		srv := llmtest.New(t)
		client := &http.Client{Transport: &llm.EgressTransport{Check: pii.NewDetector(pii.DetectorOptions{}).CheckEgress}}
		c := newChat(t, srv, llm.OpenAIChatConfig{HTTPClient: client})
		req := llm.ChatRequest{Messages: []llm.Message{{Role: llm.RoleUser, Content: "Schreib an jana.schneider@web.de"}}}
		_, err := c.Chat(context.Background(), req, nil)
		if !errors.Is(err, llm.ErrEgressRefused) || !errors.Is(err, pii.ErrPersonalData) {
			t.Errorf("err = %v; want an egress refusal", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server received %d requests", n)
		}
	})
}
