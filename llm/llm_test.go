package llm_test

import (
	"context"
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
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot
}

func TestHashEmbedder(t *testing.T) {
	t.Parallel()
	e := llm.NewHashEmbedder(384)
	if e.Model() != "kontext-hash-v1-384" || e.Dimensions() != 384 {
		t.Fatalf("Model, Dimensions = %q, %d", e.Model(), e.Dimensions())
	}
	texts := []string{
		"Ist die Flasche spülmaschinenfest?",
		"Die EcoBottle ist spülmaschinenfest, der Deckel nicht.",
		"Unsere Pressemitteilung zum Herbst: neue Farben.",
		"",
	}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs[:3] {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has norm² %f; want 1", i, n)
		}
	}
	for _, x := range vecs[3] {
		if x != 0 {
			t.Fatal("empty text embedded to a non-zero vector")
		}
	}
	again, _ := e.Embed(context.Background(), texts[:1])
	for i := range again[0] {
		if again[0][i] != vecs[0][i] {
			t.Fatal("embedding is not deterministic")
		}
	}
	related, unrelated := cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2])
	if related <= unrelated {
		t.Errorf("cosine(query, matching sheet) = %.3f <= cosine(query, press release) = %.3f", related, unrelated)
	}
	// Character n-grams carry inflection and compounds.
	a, _ := e.Embed(context.Background(), []string{"Spülmaschine", "spülmaschinenfest", "Regenschirm"})
	if cosine(a[0], a[1]) <= cosine(a[0], a[2]) {
		t.Errorf("compound not closer than an unrelated word: %.3f vs %.3f", cosine(a[0], a[1]), cosine(a[0], a[2]))
	}
}

func BenchmarkHashEmbed(b *testing.B) {
	e := llm.NewHashEmbedder(384)
	text := strings.Repeat("Die EcoBottle 750 ist unsere größte Trinkflasche aus Edelstahl und spülmaschinenfest. ", 12)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		e.Vector(text)
	}
}

// fakeOpenAI is an in-process server speaking the /v1/embeddings wire
// format; it fails on cue.
type fakeOpenAI struct {
	mu       sync.Mutex
	requests []map[string]any // guarded by mu
	failures []int            // statuses to return before succeeding, in order
	delay    time.Duration
	headers  map[string]string
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var status int
	if len(f.failures) > 0 {
		status, f.failures = f.failures[0], f.failures[1:]
	}
	delay := f.delay
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range f.headers {
		w.Header().Set(k, v)
	}
	if status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"status %d on cue","type":"test","code":null}}`, status)
		return
	}
	inputs := req["input"].([]any)
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	resp := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
	}{Object: "list", Model: req["model"].(string)}
	// Reverse order on purpose: clients must use the index.
	for i := len(inputs) - 1; i >= 0; i-- {
		v := []float32{float32(len(inputs[i].(string))), float32(i), 1}
		resp.Data = append(resp.Data, item{"embedding", i, v})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeOpenAI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func newEmbedder(t *testing.T, f *fakeOpenAI, cfg llm.OpenAIConfig) (*llm.OpenAIEmbedder, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.APIKey, cfg.Model = srv.URL+"/v1", "sk-test", "test-embed"
	e, err := llm.NewOpenAIEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	e.SetSleep(func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	})
	return e, &waits
}

func TestOpenAIEmbedderBatchesInOrder(t *testing.T) {
	t.Parallel()
	f := &fakeOpenAI{}
	e, _ := newEmbedder(t, f, llm.OpenAIConfig{BatchSize: 2, Dimensions: 3})
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee"}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if f.count() != 3 {
		t.Errorf("%d requests for 5 texts in batches of 2; want 3", f.count())
	}
	for i, v := range vecs {
		if int(v[0]) != len(texts[i]) {
			t.Errorf("vector %d belongs to a text of length %d; want %d (order lost)", i, int(v[0]), len(texts[i]))
		}
	}
	req := f.requests[0]
	if req["model"] != "test-embed" || req["dimensions"] != float64(3) || req["encoding_format"] != "float" {
		t.Errorf("request = %v; want model, dimensions and float encoding", req)
	}
}

func TestOpenAIEmbedderRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failures   []int
		headers    map[string]string
		wantErr    bool
		wantCalls  int
		wantWaitEq time.Duration // exact wait expected for the first retry (Retry-After); 0 = any
	}{
		{"429 with Retry-After seconds", []int{429}, map[string]string{"Retry-After": "7"}, false, 2, 7 * time.Second},
		{"503 then success", []int{503, 500}, nil, false, 3, 0},
		{"400 is not retried", []int{400}, nil, true, 1, 0},
		{"401 is not retried", []int{401}, nil, true, 1, 0},
		{"gives up after max retries", []int{500, 500, 500}, nil, true, 3, 0},
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
			if f.count() != tc.wantCalls {
				t.Errorf("%d requests; want %d", f.count(), tc.wantCalls)
			}
			if len(*waits) != tc.wantCalls-1 && !(tc.wantErr && len(*waits) == tc.wantCalls-1) {
				t.Errorf("waits %v for %d calls", *waits, tc.wantCalls)
			}
			if tc.wantWaitEq != 0 && (len(*waits) == 0 || (*waits)[0] != tc.wantWaitEq) {
				t.Errorf("waits = %v; want the first to honour Retry-After %v", *waits, tc.wantWaitEq)
			}
			for _, w := range *waits {
				if w < 0 || w > 2*time.Minute {
					t.Errorf("wait %v out of bounds", w)
				}
			}
		})
	}
}

func TestOpenAIEmbedderTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	f := &fakeOpenAI{delay: 2 * time.Second}
	e, _ := newEmbedder(t, f, llm.OpenAIConfig{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	_, err := e.Embed(context.Background(), []string{"x"})
	if err == nil || f.count() != 2 {
		t.Errorf("Embed against a slow server = %v after %d requests; want a timeout after 2", err, f.count())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with a cancelled context = %v; want context.Canceled", err)
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
		{"Sun, 22 Nov 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Sun, 22 Nov 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := llm.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
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
	if _, err := e.Embed(context.Background(), []string{"Kundin jana.schneider@web.de fragt nach dem Deckel"}); err == nil {
		t.Fatal("Embed of raw personal data succeeded; want the egress check to refuse it")
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
