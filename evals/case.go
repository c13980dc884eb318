package evals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"kontext"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/policy"
	"kontext/llm"
	"kontext/retrieval"
)

// Case statuses.
const (
	StatusPassed  = "passed"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	Status string `json:"status"`
	// Reason says why a case was skipped, or what went wrong when it could
	// not run (Error).
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
	// Runs and Passes count the repetitions (--repeat).
	Runs   int `json:"runs"`
	Passes int `json:"passes"`

	Decision   string   `json:"decision,omitempty"`
	Rejected   bool     `json:"rejected,omitempty"`
	Output     string   `json:"output,omitempty"`
	Violations []string `json:"violations,omitempty"`
	Citations  []string `json:"citations,omitempty"`
	Sources    []string `json:"sources,omitempty"`
	Retrieved  []string `json:"retrieved,omitempty"`
	// Support is the share of the draft's sentences that verification
	// found supported by their sources.
	Support *float64 `json:"citation_support,omitempty"`
	// Recall and NDCG score retrieval cases with retrieved assertions.
	Recall *float64 `json:"recall_at_k,omitempty"`
	NDCG   *float64 `json:"ndcg_at_10,omitempty"`
	// CostEUR is the generation's price.
	CostEUR float64 `json:"cost_eur,omitempty"`

	Assertions []AssertionResult `json:"assertions"`
	DurationMS float64           `json:"duration_ms"`
}

// AssertionResult is the outcome of one assertion.
type AssertionResult struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Failed returns the names and messages of the failed assertions, in
// order: what a failure report shows.
func (c *CaseResult) Failed() []string {
	var out []string
	for _, a := range c.Assertions {
		if a.Status == StatusFailed {
			out = append(out, a.Name+": "+a.Message)
		}
	}
	if c.Error != "" {
		out = append([]string{"error: " + c.Error}, out...)
	}
	return out
}

// outcome is what a case produced, as the assertions read it.
type outcome struct {
	kind       Kind
	text       string // the draft, or the checked text
	decided    bool
	decision   string
	violations []policy.Violation
	rejected   bool     // the brief was rejected as injection
	dropped    int      // retrieved chunks left out as injection
	injection  bool     // a text case's injection scan
	scanned    []string // injection reasons
	cited      []string // external ids the draft cites
	sources    []string // external ids in the prompt
	ranked     []string // retrieval: external ids in rank order
	sentences  []generate.Sentence
	payloads   [][]byte // what went to the provider
	latency    float64  // ms
	cost       float64
	lang       string
	k          int
}

func (o *outcome) support() *float64 {
	if o.kind != KindGenerate || o.rejected {
		return nil
	}
	v := 0.0
	if len(o.sentences) > 0 {
		n := 0
		for _, s := range o.sentences {
			if s.Supported {
				n++
			}
		}
		v = round(float64(n) / float64(len(o.sentences)))
	}
	return &v
}

func (run *suiteRun) runCase(ctx context.Context, c *Case) CaseResult {
	start := time.Now()
	cr := CaseResult{Name: c.Name, Kind: c.Kind(), Assertions: []AssertionResult{}}
	if c.Skip != "" {
		cr.Status, cr.Reason = StatusSkipped, c.Skip
		for _, a := range c.Expect {
			cr.Assertions = append(cr.Assertions, AssertionResult{Name: a.Name(), Status: StatusSkipped, Message: "case skipped"})
		}
		return cr
	}
	repeat := run.r.opts.Repeat
	var last, firstFailed *CaseResult
	for range repeat {
		one := run.runOnce(ctx, c)
		cr.Runs++
		if one.Status != StatusFailed {
			cr.Passes++
		} else if firstFailed == nil {
			firstFailed = &one
		}
		last = &one
		if ctx.Err() != nil {
			break
		}
	}
	shown := last
	if firstFailed != nil {
		shown = firstFailed
	}
	runs, passes := cr.Runs, cr.Passes
	cr = *shown
	cr.Runs, cr.Passes = runs, passes
	if float64(passes) >= run.r.opts.PassThreshold*float64(runs)-1e-9 {
		if cr.Status == StatusFailed {
			cr.Status = StatusPassed
			cr.Reason = fmt.Sprintf("%d of %d runs passed (threshold %.2f)", passes, runs, run.r.opts.PassThreshold)
		}
	} else {
		cr.Status = StatusFailed
		if runs > 1 {
			cr.Reason = fmt.Sprintf("%d of %d runs passed (threshold %.2f)", passes, runs, run.r.opts.PassThreshold)
		}
	}
	cr.DurationMS = ms(time.Since(start))
	return cr
}

// runOnce runs a case once and evaluates its assertions.
func (run *suiteRun) runOnce(ctx context.Context, c *Case) CaseResult {
	cr := CaseResult{Name: c.Name, Kind: c.Kind(), Assertions: []AssertionResult{}}
	p := run.s.Principal
	if c.Principal != nil {
		p = *c.Principal
	}
	principal := p.principal(run.tenant)
	rec := &recorder{}
	ctx = withRecorder(kontext.NewContext(ctx, principal), rec)
	var o *outcome
	var err error
	switch c.Kind() {
	case KindGenerate:
		o, err = run.generate(ctx, principal, c)
	case KindRetrieval:
		o, err = run.search(ctx, principal, c)
	default:
		o = run.check(c)
	}
	if err != nil {
		cr.Status, cr.Error = StatusFailed, err.Error()
		for _, a := range c.Expect {
			cr.Assertions = append(cr.Assertions, AssertionResult{Name: a.Name(), Status: StatusFailed, Message: "not evaluated: the case failed to run"})
		}
		return cr
	}
	o.payloads = rec.payloads()
	cr.Decision, cr.Rejected, cr.Output, cr.CostEUR = o.decision, o.rejected, o.text, o.cost
	for _, v := range o.violations {
		cr.Violations = append(cr.Violations, v.Rule)
	}
	cr.Citations, cr.Sources, cr.Retrieved = o.cited, o.sources, o.ranked
	cr.Support = o.support()
	if c.Kind() == KindRetrieval {
		for _, a := range c.Expect {
			if a.Kind == ARetrieved {
				rc, nd := round(recallAt(o.ranked, a.Values, o.k)), round(ndcgAt(o.ranked, a.Values, 10))
				cr.Recall, cr.NDCG = &rc, &nd
				break
			}
		}
	}
	cr.Status = StatusPassed
	skipped := 0
	for _, a := range c.Expect {
		ar := run.evaluate(ctx, a, o)
		cr.Assertions = append(cr.Assertions, ar)
		switch ar.Status {
		case StatusFailed:
			cr.Status = StatusFailed
		case StatusSkipped:
			skipped++
		}
	}
	if cr.Status == StatusPassed && skipped == len(c.Expect) {
		cr.Status, cr.Reason = StatusSkipped, "every assertion was skipped"
	}
	return cr
}

// generate runs a generate case.
func (run *suiteRun) generate(ctx context.Context, p kontext.Principal, c *Case) (*outcome, error) {
	in := c.Input
	req := generate.Request{Brief: in.Brief, Channel: in.Channel, Lang: in.Lang, K: in.K,
		Options: generate.Options{NoCache: true}}
	if len(in.Audience) > 0 {
		req.Audience = generate.Audience{}
		for k, v := range in.Audience {
			req.Audience[k] = generate.Attribute{Value: v.Value, Consent: v.Consent}
		}
	}
	lang := in.Lang
	if lang == "" {
		lang = "de"
	}
	o := &outcome{kind: KindGenerate, lang: lang}
	start := time.Now()
	res, err := run.gen.Generate(ctx, p, req, nil)
	o.latency = ms(time.Since(start))
	var rej *generate.RejectedError
	if errors.As(err, &rej) {
		o.rejected = true
		o.scanned = rej.Reasons
		return o, nil
	}
	if err != nil {
		return nil, err
	}
	o.text, o.decided, o.decision, o.cost = res.Draft, true, string(res.Decision), res.Usage.CostEUR
	for _, r := range res.Reasons {
		if r.Code == "policy" {
			o.violations = append(o.violations, policy.Violation{Rule: r.Rule, Category: r.Category, Severity: r.Severity, Message: r.Message})
		}
	}
	o.dropped = len(res.Provenance.Dropped)
	o.sentences = res.Sentences
	cited := map[int]bool{}
	for _, s := range res.Sentences {
		for _, n := range s.Cites {
			cited[n] = true
		}
	}
	for _, ct := range res.Citations {
		id := run.external(ct.DocumentID)
		if !slices.Contains(o.sources, id) {
			o.sources = append(o.sources, id)
		}
		if cited[ct.N] && !slices.Contains(o.cited, id) {
			o.cited = append(o.cited, id)
		}
	}
	sort.Strings(o.cited)
	return o, nil
}

// external returns a document's external id, or its id when it is not a
// fixture of the suite.
func (run *suiteRun) external(docID string) string {
	if id, ok := run.byDoc[docID]; ok {
		return id
	}
	return docID
}

// searchK is how many documents a retrieval case asks for: enough for
// not_retrieved to mean "nowhere in the results".
const searchK = 50

// defaultK is the k of recall@k when a retrieval case names none.
const defaultK = 5

// search runs a retrieval case: one result per document, so that the
// ranking is a ranking of documents.
func (run *suiteRun) search(ctx context.Context, p kontext.Principal, c *Case) (*outcome, error) {
	k := c.K
	if k == 0 {
		k = defaultK
	}
	o := &outcome{kind: KindRetrieval, k: k}
	start := time.Now()
	results, _, err := run.r.opts.Generate.Retriever.Search(ctx, p, retrieval.Query{Text: c.Query, K: searchK, PerDocument: 1, Language: c.Lang})
	o.latency = ms(time.Since(start))
	if err != nil {
		return nil, err
	}
	// The best chunk, with its heading path, is the text that contains
	// and regex assertions see: the table row or section a query is about.
	if len(results) > 0 {
		o.text = results[0].HeadingPath + "\n" + results[0].Text
	}
	for _, res := range results {
		id := run.external(res.DocumentID)
		if !slices.Contains(o.ranked, id) {
			o.ranked = append(o.ranked, id)
		}
	}
	return o, nil
}

// check runs a text case through the policy pack of its language (with
// the suite's brand) and the injection scanner.
func (run *suiteRun) check(c *Case) *outcome {
	lang := c.Lang
	if lang == "" {
		lang = "de"
	}
	o := &outcome{kind: KindText, text: c.Text, lang: lang, decided: true}
	start := time.Now()
	res := run.checkers[lang].Check(c.Text, policy.CheckOptions{Channel: c.Channel, Lang: lang, Brand: run.brand, AIDisclosed: c.AIDisclosed})
	o.decision, o.violations = string(res.Decision), res.Violations
	src := inject.Brief
	if c.Scan == "document" {
		src = inject.Document
	}
	scan := run.r.inject.Scan(c.Text, src)
	o.injection, o.scanned = scan.Injection, scan.Reasons
	o.latency = ms(time.Since(start))
	return o
}

// recorder collects the payloads a case sends to providers.
type recorder struct {
	mu   sync.Mutex
	sent [][]byte
}

func (r *recorder) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, b)
}

func (r *recorder) payloads() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

type recorderKey struct{}

func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// captureChat records every request's messages, as they would go on the
// wire, in the case's recorder before passing the request on.
type captureChat struct {
	next llm.Chat
}

func (c captureChat) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(string)) (llm.ChatResponse, error) {
	if r, ok := ctx.Value(recorderKey{}).(*recorder); ok {
		b, err := json.Marshal(req.Messages)
		if err != nil {
			return llm.ChatResponse{}, err
		}
		r.add(b)
	}
	return c.next.Chat(ctx, req, onDelta)
}

func (c captureChat) Model() string { return c.next.Model() }
