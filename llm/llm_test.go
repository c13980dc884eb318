package llm_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kontext/llm"
)

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func TestHashEmbedderVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dim  int
		want int
	}{
		{"default", 0, 384},
		{"custom", 256, 256},
	}
	texts := []string{"Die Gipfelflasche ist nicht spülmaschinenfest.", "", "— … !!!", "ＦＵＬＬ ｗｉｄｔｈ"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := llm.NewHashEmbedder(tc.dim)
			if e.Dimensions() != tc.want || e.Model() != fmt.Sprintf("kontext-hash-v2-%d", tc.want) {
				t.Fatalf("NewHashEmbedder(%d) = %s, %d dimensions; want kontext-hash-v2-%d", tc.dim, e.Model(), e.Dimensions(), tc.want)
			}
			vecs, err := e.Embed(context.Background(), texts)
			if err != nil || len(vecs) != len(texts) {
				t.Fatalf("Embed = %d vectors, %v; want %d", len(vecs), err, len(texts))
			}
			again, _ := llm.NewHashEmbedder(tc.dim).Embed(context.Background(), texts)
			for i, v := range vecs {
				if len(v) != tc.want {
					t.Fatalf("vector %d has %d values; want %d", i, len(v), tc.want)
				}
				var norm float64
				for j, x := range v {
					norm += float64(x) * float64(x)
					if x != again[i][j] {
						t.Fatalf("vector %d differs between two embedders; want deterministic vectors", i)
					}
				}
				if math.Abs(norm-1) > 1e-5 {
					t.Errorf("|vector %d (%q)|² = %f; want 1 (L2-normalised)", i, texts[i], norm)
				}
			}
		})
	}
}

func TestHashEmbedderSimilarity(t *testing.T) {
	t.Parallel()
	e := llm.NewHashEmbedder(384)
	tests := []struct {
		name             string
		query, near, far string
	}{
		{"compound shares n-grams with its parts", "Spülmaschine", "spülmaschinenfest", "Regenschirm"},
		{"umlaut spelled out", "Spülmaschine", "Spuelmaschine", "Kaffeemaschine"},
		{"case and width", "GIPFELFLASCHE", "ｇｉｐｆｅｌｆｌａｓｃｈｅ", "Talbecher"},
		{"inflection", "Flasche", "Flaschen", "Becher"},
		{"ß and ss", "Verschleißteile", "Verschleissteile", "Ersatzdichtung"},
		{"topic over wording", "Ist die Gipfelflasche spülmaschinenfest?",
			"Die Gipfelflasche 500 ist nicht spülmaschinenfest; bitte von Hand spülen.",
			"Firnwerk bringt die Hüttenkanne: 1,0 Liter, 12 Stunden heiß, Ausgießen per Knopfdruck."},
		{"word order matters a little", "nicht spülmaschinenfest", "Der Deckel ist nicht spülmaschinenfest.", "Spülmaschinenfest ist er nicht, der Deckel."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := e.Embed(context.Background(), []string{tc.query, tc.near, tc.far})
			if err != nil {
				t.Fatal(err)
			}
			if near, far := cosine(v[0], v[1]), cosine(v[0], v[2]); near <= far {
				t.Errorf("cosine(%q, %q) = %.3f <= cosine(%q, %q) = %.3f", tc.query, tc.near, near, tc.query, tc.far, far)
			}
		})
	}
}

func TestHashEmbedderCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := llm.NewHashEmbedder(0).Embed(ctx, []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with a cancelled context = %v; want context.Canceled", err)
	}
}

func TestHashEmbedderConcurrent(t *testing.T) {
	t.Parallel()
	e := llm.NewHashEmbedder(0)
	want := e.Vector("Gipfelflasche 750, pulverbeschichtet")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got := e.Vector("Gipfelflasche 750, pulverbeschichtet")
				for i := range got {
					if got[i] != want[i] {
						t.Error("concurrent Vector differs")
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkHashEmbed(b *testing.B) {
	e := llm.NewHashEmbedder(384)
	// A chunk of about the default target size (350 tokens, ~1.6 KB).
	text := strings.Repeat("Die Gipfelflasche 750 ist unsere größte Trinkflasche aus Edelstahl und nicht spülmaschinenfest. ", 16)
	texts := []string{text}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// fakeOpenAI is an in-process server speaking the OpenAI /v1/embeddings
// wire format (float and base64 encodings); it fails on cue.
type fakeOpenAI struct {
	mu        sync.Mutex
	requests  []map[string]any // guarded by mu
	failures  []int            // statuses to return before succeeding, in order
	headers   map[string]string
	delay     time.Duration // before answering the first len(slowCalls) requests
	slowCalls int
	noIndex   bool // leave out "index", as some servers do
	dims      int  // vector size when the request names none (default 3)
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		writeError(w, http.StatusUnauthorized, nil)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, nil)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	n := len(f.requests)
	var status int
	if len(f.failures) > 0 {
		status, f.failures = f.failures[0], f.failures[1:]
	}
	slow := n <= f.slowCalls
	f.mu.Unlock()
	if slow {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		writeError(w, status, f.headers)
		return
	}
	inputs, _ := req["input"].([]any)
	dims := f.dims
	if d, ok := req["dimensions"].(float64); ok {
		dims = int(d)
	}
	if dims == 0 {
		dims = 3
	}
	type item struct {
		Object    string `json:"object"`
		Index     *int   `json:"index,omitempty"`
		Embedding any    `json:"embedding"`
	}
	resp := struct {
		Object string         `json:"object"`
		Data   []item         `json:"data"`
		Model  string         `json:"model"`
		Usage  map[string]int `json:"usage"`
	}{Object: "list", Model: req["model"].(string), Usage: map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}}
	// Answer in reverse order unless indices are left out: clients must
	// place vectors by index.
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = len(inputs) - 1 - i
		if f.noIndex {
			order[i] = i
		}
	}
	for _, i := range order {
		// The first value identifies the input: its length.
		v := make([]float32, dims)
		v[0] = float32(len(inputs[i].(string)))
		it := item{Object: "embedding", Embedding: v}
		if !f.noIndex {
			it.Index = &i
		}
		if req["encoding_format"] == "base64" {
			buf := make([]byte, 4*dims)
			for k, x := range v {
				binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(x))
			}
			it.Embedding = base64.StdEncoding.EncodeToString(buf)
		}
		resp.Data = append(resp.Data, it)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, status int, headers map[string]string) {
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":"status %d on cue","type":"test_error","param":null,"code":null}}`, status)
}

func (f *fakeOpenAI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeOpenAI) request(i int) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

// newEmbedder starts f and returns an embedder for it whose retry waits
// are recorded instead of slept.
func newEmbedder(t *testing.T, f *fakeOpenAI, cfg llm.OpenAIConfig) (*llm.OpenAIEmbedder, func() []time.Duration) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.APIKey, cfg.Model = srv.URL+"/v1", "sk-test", "test-embed"
	e, err := llm.NewOpenAIEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var waits []time.Duration
	e.SetSleep(func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	})
	return e, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
}

func TestOpenAIEmbedderBatches(t *testing.T) {
	t.Parallel()
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee"}
	tests := []struct {
		name         string
		server       *fakeOpenAI
		cfg          llm.OpenAIConfig
		wantRequests int
		wantFormat   string
		wantDims     int
	}{
		{"batches of 2, float", &fakeOpenAI{}, llm.OpenAIConfig{BatchSize: 2, Dimensions: 4}, 3, "float", 4},
		{"one batch by default", &fakeOpenAI{}, llm.OpenAIConfig{Dimensions: 4}, 1, "float", 4},
		{"base64", &fakeOpenAI{}, llm.OpenAIConfig{BatchSize: 3, Base64: true, Dimensions: 5}, 2, "base64", 5},
		{"dimensions learnt from the first response", &fakeOpenAI{dims: 7}, llm.OpenAIConfig{BatchSize: 2}, 3, "float", 7},
		{"no index: input order", &fakeOpenAI{noIndex: true}, llm.OpenAIConfig{BatchSize: 4}, 2, "float", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.server
			e, _ := newEmbedder(t, f, tc.cfg)
			vecs, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Fatalf("Embed error = %v", err)
			}
			if f.count() != tc.wantRequests {
				t.Errorf("%d requests for %d texts; want %d", f.count(), len(texts), tc.wantRequests)
			}
			if len(vecs) != len(texts) || e.Dimensions() != tc.wantDims {
				t.Fatalf("Embed = %d vectors, Dimensions() = %d; want %d, %d", len(vecs), e.Dimensions(), len(texts), tc.wantDims)
			}
			for i, v := range vecs {
				if len(v) != tc.wantDims || int(v[0]) != len(texts[i]) {
					t.Errorf("vector %d = %v; want %d values, the first %d (order kept)", i, v, tc.wantDims, len(texts[i]))
				}
			}
			var sent []string
			for i := range f.count() {
				req := f.request(i)
				if req["model"] != "test-embed" || req["encoding_format"] != tc.wantFormat {
					t.Errorf("request %d = %v; want model test-embed, encoding_format %s", i, req, tc.wantFormat)
				}
				if _, ok := req["dimensions"]; ok != (tc.cfg.Dimensions > 0) {
					t.Errorf("request %d dimensions = %v; want it sent only when configured", i, req["dimensions"])
				}
				for _, in := range req["input"].([]any) {
					sent = append(sent, in.(string))
				}
			}
			if strings.Join(sent, ",") != strings.Join(texts, ",") {
				t.Errorf("inputs sent = %q; want %q in order", sent, texts)
			}
		})
	}
}

func TestOpenAIEmbedderRetries(t *testing.T) {
	t.Parallel()
	retryDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		failures  []int
		headers   map[string]string
		wantErr   bool
		wantCalls int
		wantWait  time.Duration // the first wait, when Retry-After sets it
		dateWait  bool          // the first wait comes from an HTTP date
	}{
		{"429 with Retry-After seconds", []int{429}, map[string]string{"Retry-After": "7"}, false, 2, 7 * time.Second, false},
		{"503 with Retry-After date", []int{503}, map[string]string{"Retry-After": retryDate}, false, 2, 0, true},
		{"500 and 502 then success", []int{500, 502}, nil, false, 3, 0, false},
		{"408 is retried", []int{408}, nil, false, 2, 0, false},
		{"400 is not retried", []int{400}, nil, true, 1, 0, false},
		{"401 is not retried", []int{401}, nil, true, 1, 0, false},
		{"404 is not retried", []int{404}, nil, true, 1, 0, false},
		{"gives up after max retries", []int{500, 500, 500, 500}, nil, true, 3, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeOpenAI{failures: tc.failures, headers: tc.headers}
			e, waits := newEmbedder(t, f, llm.OpenAIConfig{MaxRetries: 2})
			_, err := e.Embed(context.Background(), []string{"x"})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Embed error = %v; want error %v", err, tc.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "llm: embed texts 0-0 of 1 with test-embed: ") {
				t.Errorf("Embed error = %q; want it to say what was being done", err)
			}
			if f.count() != tc.wantCalls {
				t.Errorf("%d requests; want %d", f.count(), tc.wantCalls)
			}
			ws := waits()
			if len(ws) != tc.wantCalls-1 {
				t.Fatalf("waits %v; want %d", ws, tc.wantCalls-1)
			}
			for i, w := range ws {
				// Full jitter: the n-th wait is at most 500ms·2ⁿ.
				if tc.wantWait == 0 && !tc.dateWait && (w < 0 || w > 500*time.Millisecond<<i) {
					t.Errorf("wait %d = %v; want 0..%v", i, w, 500*time.Millisecond<<i)
				}
			}
			if tc.wantWait != 0 && ws[0] != tc.wantWait {
				t.Errorf("first wait = %v; want Retry-After's %v", ws[0], tc.wantWait)
			}
			if tc.dateWait && (ws[0] < 80*time.Second || ws[0] > 91*time.Second) {
				t.Errorf("first wait = %v; want about 90s from the Retry-After date", ws[0])
			}
		})
	}
}

func TestOpenAIEmbedderTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("slow attempts time out and are retried", func(t *testing.T) {
		t.Parallel()
		f := &fakeOpenAI{delay: 5 * time.Second, slowCalls: 2}
		e, waits := newEmbedder(t, f, llm.OpenAIConfig{Timeout: 100 * time.Millisecond, MaxRetries: 3})
		vecs, err := e.Embed(context.Background(), []string{"x"})
		if err != nil || len(vecs) != 1 {
			t.Fatalf("Embed = %v, %v; want success on the third attempt", vecs, err)
		}
		if f.count() != 3 || len(waits()) != 2 {
			t.Errorf("%d requests, waits %v; want 3 requests and 2 waits", f.count(), waits())
		}
	})
	t.Run("every attempt times out", func(t *testing.T) {
		t.Parallel()
		f := &fakeOpenAI{delay: 5 * time.Second, slowCalls: 100}
		e, _ := newEmbedder(t, f, llm.OpenAIConfig{Timeout: 50 * time.Millisecond, MaxRetries: 1})
		_, err := e.Embed(context.Background(), []string{"x"})
		if !errors.Is(err, context.DeadlineExceeded) || f.count() != 2 {
			t.Errorf("Embed = %v after %d requests; want a deadline error after 2", err, f.count())
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		f := &fakeOpenAI{}
		e, _ := newEmbedder(t, f, llm.OpenAIConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
			t.Errorf("Embed with a cancelled context = %v; want context.Canceled", err)
		}
	})
	t.Run("cancel stops the backoff wait", func(t *testing.T) {
		t.Parallel()
		f := &fakeOpenAI{failures: []int{429}, headers: map[string]string{"Retry-After": "60"}}
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		e, err := llm.NewOpenAIEmbedder(llm.OpenAIConfig{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := e.Embed(ctx, []string{"x"})
			done <- err
		}()
		for f.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Embed cancelled during a 60s Retry-After = %v; want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Embed kept waiting after its context was cancelled")
		}
	})
	t.Run("a wait past the deadline is not started", func(t *testing.T) {
		t.Parallel()
		f := &fakeOpenAI{failures: []int{429}, headers: map[string]string{"Retry-After": "120"}}
		e, waits := newEmbedder(t, f, llm.OpenAIConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := e.Embed(ctx, []string{"x"})
		if err == nil || !strings.Contains(err.Error(), "deadline") || len(waits()) != 0 {
			t.Errorf("Embed = %v, waits %v; want an immediate error naming the deadline", err, waits())
		}
	})
}

func TestOpenAIEmbedderBadResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"too few vectors", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2,3]}],"model":"m"}`)
		}, "1 embeddings for 2 inputs"},
		{"index twice", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"object":"list","data":[{"index":1,"embedding":[1,2,3]},{"index":1,"embedding":[1,2,3]}],"model":"m"}`)
		}, "index 1 out of range or twice"},
		{"sizes differ", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"object":"list","data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":[1,2]}],"model":"m"}`)
		}, "2 dimensions; expected 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			e, err := llm.NewOpenAIEmbedder(llm.OpenAIConfig{BaseURL: srv.URL, Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Embed(context.Background(), []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Embed = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNewOpenAIEmbedderConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  llm.OpenAIConfig
	}{
		{"no base URL", llm.OpenAIConfig{Model: "m"}},
		{"no model", llm.OpenAIConfig{BaseURL: "http://localhost:11434/v1"}},
		{"not http", llm.OpenAIConfig{BaseURL: "localhost:11434", Model: "m"}},
		{"negative dimensions", llm.OpenAIConfig{BaseURL: "http://localhost/v1", Model: "m", Dimensions: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := llm.NewOpenAIEmbedder(tc.cfg); err == nil || !strings.HasPrefix(err.Error(), "llm: openai embedder: ") {
				t.Errorf("NewOpenAIEmbedder(%+v) error = %v; want a configuration error", tc.cfg, err)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"86400", 5 * time.Minute, true},
		{"Sun, 22 Nov 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Sunday, 22-Nov-26 12:00:10 GMT", 10 * time.Second, true},
		{"Sun, 22 Nov 2026 11:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := llm.ParseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestEgressRefusesPersonalData sends raw personal data through the
// embedder on purpose: the transport refuses it and the server never
// receives a byte of it.
func TestEgressRefusesPersonalData(t *testing.T) {
	t.Parallel()
	f := &fakeOpenAI{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var refused int
	check := func(body []byte) error {
		if strings.Contains(string(body), "jana.schneider@web.de") {
			return errors.New("personal data: EMAIL×1")
		}
		return nil
	}
	e, err := llm.NewOpenAIEmbedder(llm.OpenAIConfig{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "m",
		HTTPClient: &http.Client{Transport: &llm.EgressTransport{Check: check, OnRefuse: func(*http.Request, error) { refused++ }}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"Kundin jana.schneider@web.de fragt nach dem Deckel"}); !errors.Is(err, llm.ErrEgressRefused) {
		t.Fatalf("Embed of raw personal data = %v; want ErrEgressRefused", err)
	}
	if f.count() != 0 {
		t.Errorf("the provider received %d requests; want none", f.count())
	}
	if refused != 1 {
		t.Errorf("OnRefuse called %d times; want once (refusals are not retried)", refused)
	}
	if _, err := e.Embed(context.Background(), []string{"Kundin [EMAIL_1] fragt nach dem Deckel"}); err != nil {
		t.Errorf("Embed of placeholder text = %v; want it sent", err)
	}
	if f.count() != 1 {
		t.Errorf("the provider received %d requests; want 1", f.count())
	}
}

func ExampleHashEmbedder() {
	e := llm.NewHashEmbedder(0)
	vecs, err := e.Embed(context.Background(), []string{"Gipfelflasche 500", "Gipfelflasche 750"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Model(), len(vecs), len(vecs[0]))
	// Output: kontext-hash-v2-384 2 384
}
