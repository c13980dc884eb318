package evals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"gopkg.in/yaml.v3"

	"kontext"
	"kontext/api"
	"kontext/evals"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
	"kontext/llm/llmtest"
	"kontext/retrieval"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// options wires the runner as the binary does, on the package database:
// the offline hashing embedder, the guard's scanners, the given providers.
func options(t *testing.T, providers ...*llm.Provider) evals.Options {
	t.Helper()
	pool := dbtest.Pool(t)
	emb := llm.NewHashEmbedder(384)
	store, err := retrieval.New(pool, emb, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	det := pii.NewDetector(pii.DetectorOptions{})
	inj := inject.NewInjectionScanner(inject.InjectionOptions{})
	in, err := ingest.New(pool, ingest.Options{Embedder: emb, Secret: []byte("evals-test-secret-of-32-bytes!!!"),
		Scanners: ingest.Scanners{PII: det.Detect, Injection: func(text string) (bool, float64, []string) {
			r := inj.Scan(text, inject.Document)
			return r.Injection, r.Score, r.Reasons
		}}})
	if err != nil {
		t.Fatal(err)
	}
	return evals.Options{
		Generate:       generate.Config{Pool: pool, Retriever: store, Detector: det, Injection: inj},
		Providers:      providers,
		CreateTenant:   api.NewKeys(pool).CreateTenant,
		Ingester:       in,
		DeleteDocument: ingest.NewStore(pool).Delete,
		Root:           "..",
		Cassettes:      t.TempDir(),
	}
}

func run(t *testing.T, opts evals.Options, suites []*evals.Suite, f evals.Filter) *evals.Report {
	t.Helper()
	r, err := evals.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background(), suites, f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func load(t *testing.T, path string) *evals.Suite {
	t.Helper()
	s, err := evals.LoadSuite(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkOutcomes asserts the naming contract of the test suites: a case
// "pass-…" passes, "fail-…" fails with every assertion failed, and
// "skipped-…" is skipped. It returns the case names seen.
func checkOutcomes(t *testing.T, rep *evals.Report) []string {
	t.Helper()
	var names []string
	for _, s := range rep.Suites {
		if s.Error != "" {
			t.Fatalf("suite %s: %s", s.Name, s.Error)
		}
		for _, c := range s.Cases {
			names = append(names, c.Name)
			switch {
			case strings.HasPrefix(c.Name, "pass-"):
				if c.Status != evals.StatusPassed {
					t.Errorf("%s: status %s (%s %v); want passed", c.Name, c.Status, c.Error, c.Failed())
				}
			case strings.HasPrefix(c.Name, "fail-"):
				if c.Status != evals.StatusFailed {
					t.Errorf("%s: status %s; want failed (output %q)", c.Name, c.Status, c.Output)
				}
				for _, a := range c.Assertions {
					if a.Status != evals.StatusFailed || a.Message == "" {
						t.Errorf("%s: assertion %s = %s %q; want failed with a message", c.Name, a.Name, a.Status, a.Message)
					}
				}
			case strings.HasPrefix(c.Name, "skipped-"):
				if c.Status != evals.StatusSkipped {
					t.Errorf("%s: status %s; want skipped", c.Name, c.Status)
				}
			}
		}
	}
	return names
}

// reply plays the model of provider.yaml: the brief's prefix decides the
// draft, the rubric's the judge's score.
func reply(req openai.ChatCompletionRequest) string {
	system, user := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
	if strings.HasPrefix(system, "You grade marketing drafts") {
		if strings.Contains(user, "generous:") {
			return `{"score": 0.9, "reason": "grounded and friendly"}`
		}
		return `Here is my grade: {"score": 0.2, "reason": "not a poem"}`
	}
	switch {
	case strings.Contains(user, "hallucinated:"):
		return "Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1]."
	case strings.Contains(user, "contact:"):
		return "Firnwerk: Nach 6 Stunden hat dein Tee noch 74 °C [1]. Fragen beantwortet Jana Schneider unter jana.schneider@web.de."
	}
	return "Firnwerk: Die Gipfelflasche 500 hält deinen Tee nach 6 Stunden noch 74 °C warm [1]."
}

func testProviders(t *testing.T, srv *llmtest.Server) []*llm.Provider {
	t.Helper()
	chat, err := llm.NewOpenAIChat(llm.OpenAIChatConfig{BaseURL: srv.URL(), Model: "test-model", MaxRetries: -1,
		HTTPClient: &http.Client{Transport: &llm.EgressTransport{Check: pii.NewDetector(pii.DetectorOptions{}).CheckEgress}}})
	if err != nil {
		t.Fatal(err)
	}
	return []*llm.Provider{
		{Name: "test-cloud", Type: "openai", Region: "eu-test", MaxClassification: kontext.Confidential, Chat: chat,
			Price: llm.Price{PromptPerMTok: 2, CompletionPerMTok: 8}},
		{Name: "test-judge", Type: "openai", Region: "eu-test", MaxClassification: kontext.Internal, Chat: chat},
	}
}

func TestAssertions(t *testing.T) {
	srv := llmtest.New(t)
	srv.Reply(reply)
	opts := options(t, testProviders(t, srv)...)
	opts.Record = true
	rep := run(t, opts, []*evals.Suite{load(t, "testdata/assertions.yaml"), load(t, "testdata/provider.yaml")}, evals.Filter{})
	names := checkOutcomes(t, rep)
	for _, kind := range evals.AssertionKinds() {
		for _, prefix := range []string{"pass-", "fail-"} {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, prefix+kind) }) {
				t.Errorf("no case %s%s: every assertion kind needs a passing and a failing case", prefix, kind)
			}
		}
	}

	a := rep.Suites[0]
	if a.Skipped != 2 || a.Failed == 0 || a.Passed == 0 || a.Total != a.Passed+a.Failed+a.Skipped {
		t.Errorf("assertions suite counts %d = %d passed + %d failed + %d skipped", a.Total, a.Passed, a.Failed, a.Skipped)
	}
	for _, c := range a.Cases {
		if c.Name == "skipped-llm_judge" && !strings.Contains(c.Assertions[0].Message, "SKIPPED") {
			t.Errorf("llm_judge without a judge: %+v; want a visible SKIPPED", c.Assertions[0])
		}
	}
	if got := a.Metrics[evals.MetricRecallAtK]; got != 0.5 {
		// pass-retrieved finds its one document in the top 1 (1),
		// fail-retrieved neither of its two (0).
		t.Errorf("recall@k = %v; want 0.5", got)
	}

	// The second run replays every answer from the cassettes: the
	// provider is not asked again, and the outcome is the same.
	served := srv.Served()
	srv.FailNext(http.StatusInternalServerError, 100, "")
	opts.Record = false
	again := run(t, opts, []*evals.Suite{load(t, "testdata/provider.yaml")}, evals.Filter{})
	checkOutcomes(t, again)
	if srv.Served() != served || len(srv.Requests()) != served {
		t.Errorf("replay sent %d requests to the provider; want none", len(srv.Requests())-served)
	}

	// A request without a cassette fails clearly.
	opts.Cassettes = t.TempDir()
	missing := run(t, opts, []*evals.Suite{load(t, "testdata/provider.yaml")}, evals.Filter{Case: "pass-citation_support-grounded"})
	c := missing.Suites[0].Cases[0]
	if c.Status != evals.StatusFailed || !strings.Contains(c.Error, "no cassette") || !strings.Contains(c.Error, "--record") {
		t.Errorf("replay without a cassette: %s %q; want failed, naming the missing cassette and --record", c.Status, c.Error)
	}
}

func TestFilterAndSetUpErrors(t *testing.T) {
	opts := options(t)
	rep := run(t, opts, []*evals.Suite{load(t, "testdata/assertions.yaml")}, evals.Filter{Case: "pass-contains"})
	if len(rep.Suites) != 1 || len(rep.Suites[0].Cases) != 1 || !rep.Suites[0].Partial || rep.Failed() {
		t.Fatalf("one case: %+v", rep.Suites)
	}
	r, _ := evals.New(opts)
	if _, err := r.Run(context.Background(), []*evals.Suite{load(t, "testdata/assertions.yaml")}, evals.Filter{Case: "no-such-case"}); err == nil {
		t.Error("an unknown case name ran")
	}
	// A suite naming a provider that is not configured reports the error
	// and fails the run.
	s := load(t, "testdata/provider.yaml")
	rep = run(t, opts, []*evals.Suite{s}, evals.Filter{})
	if e := rep.Suites[0].Error; !strings.Contains(e, `provider "test-cloud" is not configured`) || !rep.Failed() {
		t.Errorf("unknown provider: error %q, failed %v", e, rep.Failed())
	}
}

// normalise drops what differs between two identical runs: times, tenant
// and document ids.
func normalise(t *testing.T, rep *evals.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"started", "duration_ms", "tenant", "document_id"} {
				delete(x, k)
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(v)
	out, _ := json.MarshalIndent(v, "", " ")
	return string(out)
}

func TestDeterministicOffline(t *testing.T) {
	opts := options(t)
	suites := []*evals.Suite{load(t, "suites/generate.yaml"), load(t, "suites/retrieval.yaml")}
	first := normalise(t, run(t, opts, suites, evals.Filter{}))
	second := normalise(t, run(t, opts, suites, evals.Filter{}))
	if first != second {
		t.Errorf("two offline runs differ:\n%s", firstDifference(first, second))
	}
	if !strings.Contains(first, `"output": "`) || !strings.Contains(first, `"retrieved": [`) {
		t.Error("the report holds no drafts or rankings to compare")
	}
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + al[i] + "\n  vs " + bl[i]
		}
	}
	return "lengths differ"
}

// report builds a report of one suite with the given case statuses and
// metrics, as a run would.
func report(name string, partial bool, metrics map[string]float64, cases map[string]string) *evals.Report {
	s := &evals.SuiteReport{Name: name, Partial: partial, Metrics: metrics}
	keys := make([]string, 0, len(cases))
	for k := range cases {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := evals.CaseResult{Name: k, Status: cases[k], Assertions: []evals.AssertionResult{}}
		if cases[k] == evals.StatusFailed {
			c.Assertions = append(c.Assertions, evals.AssertionResult{Name: "decision=blocked", Status: evals.StatusFailed, Message: "got approved"})
		}
		s.Cases = append(s.Cases, c)
		switch cases[k] {
		case evals.StatusPassed:
			s.Passed++
		case evals.StatusFailed:
			s.Failed++
		}
	}
	s.Total = len(s.Cases)
	return &evals.Report{Suites: []*evals.SuiteReport{s}}
}

func TestCompare(t *testing.T) {
	base := &evals.Baseline{Version: 1, Tolerance: 0.02, Tolerances: map[string]float64{evals.MetricNDCG10: 0.1},
		Suites: map[string]evals.BaselineSuite{"s": {
			Metrics:    map[string]float64{"pass_rate": 1, "recall_at_k": 0.9, "ndcg_at_10": 0.8, "citation_support": 0.95},
			Tolerances: map[string]float64{"citation_support": 0},
			Cases:      map[string]string{"a": "passed", "b": "passed", "c": "failed", "d": "passed"},
		}}}
	tests := []struct {
		name    string
		rep     *evals.Report
		suites  []*evals.Suite
		want    []string
		wantMsg string
	}{
		{"same run", report("s", false, map[string]float64{"pass_rate": 1, "recall_at_k": 0.9, "ndcg_at_10": 0.8, "citation_support": 0.95},
			map[string]string{"a": "passed", "b": "passed", "c": "failed", "d": "passed"}), nil, nil, ""},
		{"a case that passed now fails", report("s", false, map[string]float64{"pass_rate": 1, "recall_at_k": 0.9, "ndcg_at_10": 0.8, "citation_support": 0.95},
			map[string]string{"a": "passed", "b": "failed", "c": "failed", "d": "passed", "new": "failed"}), nil, []string{"s/b"}, "s/b passed in the baseline and now fails: decision=blocked: got approved"},
		{"a fixed case and a skipped one are no regressions", report("s", false, map[string]float64{"pass_rate": 1, "recall_at_k": 0.9, "ndcg_at_10": 0.8, "citation_support": 0.95},
			map[string]string{"a": "passed", "b": "skipped", "c": "passed", "d": "passed"}), nil, nil, ""},
		{"drops within tolerance", report("s", false, map[string]float64{"pass_rate": 0.99, "recall_at_k": 0.885, "ndcg_at_10": 0.71, "citation_support": 0.95},
			map[string]string{"a": "passed"}), nil, nil, ""},
		{"drops beyond tolerance, per metric", report("s", false, map[string]float64{"pass_rate": 0.97, "recall_at_k": 0.85, "ndcg_at_10": 0.65, "citation_support": 0.94},
			map[string]string{"a": "passed"}), nil, []string{"s:citation_support", "s:ndcg_at_10", "s:pass_rate", "s:recall_at_k"}, "s: recall_at_k dropped from 0.9000 to 0.8500 (tolerance 0.0200)"},
		{"the suite file's tolerance wins", report("s", false, map[string]float64{"pass_rate": 1, "recall_at_k": 0.85, "ndcg_at_10": 0.8, "citation_support": 0.95},
			map[string]string{"a": "passed"}), []*evals.Suite{{Name: "s", Tolerances: map[string]float64{"recall_at_k": 0.1}}}, nil, ""},
		{"a metric no longer measured", report("s", false, map[string]float64{"pass_rate": 1, "ndcg_at_10": 0.8, "citation_support": 0.95},
			map[string]string{"a": "passed"}), nil, []string{"s:recall_at_k"}, "no longer measured"},
		{"partial runs compare cases only", report("s", true, map[string]float64{"pass_rate": 0},
			map[string]string{"d": "failed"}), nil, []string{"s/d"}, ""},
		{"unknown suites are new", report("other", false, map[string]float64{"pass_rate": 0},
			map[string]string{"a": "failed"}), nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := evals.Compare(tc.rep, base, tc.suites)
			var names []string
			for _, g := range got {
				names = append(names, g.Name())
			}
			if !slices.Equal(names, tc.want) {
				t.Fatalf("Compare = %v; want %v (%+v)", names, tc.want, got)
			}
			if tc.wantMsg != "" && !slices.ContainsFunc(got, func(g evals.Regression) bool { return strings.Contains(g.Message, tc.wantMsg) }) {
				t.Errorf("no regression message contains %q: %+v", tc.wantMsg, got)
			}
			tc.rep.Regressions = got
			if tc.rep.Failed() != (len(got) > 0 || tc.rep.Suites[0].Failed > 0) {
				t.Errorf("Failed() = %v with %d regressions", tc.rep.Failed(), len(got))
			}
		})
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	prev := &evals.Baseline{Version: 1, Tolerance: 0.05, Tolerances: map[string]float64{"recall_at_k": 0.1},
		Suites: map[string]evals.BaselineSuite{
			"kept":  {Metrics: map[string]float64{"pass_rate": 1}, Cases: map[string]string{"x": "passed"}},
			"s":     {Metrics: map[string]float64{"pass_rate": 0.5}, Tolerances: map[string]float64{"pass_rate": 0}, Cases: map[string]string{"old": "passed"}},
			"parts": {Metrics: map[string]float64{"pass_rate": 1}, Cases: map[string]string{"y": "passed"}},
		}}
	rep := report("s", false, map[string]float64{"pass_rate": 1}, map[string]string{"a": "passed", "b": "failed"})
	rep.Suites = append(rep.Suites, report("parts", true, map[string]float64{"pass_rate": 0}, map[string]string{"y": "failed"}).Suites...)
	b := evals.NewBaseline(rep, prev)
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := evals.WriteFile(path, b.Write); err != nil {
		t.Fatal(err)
	}
	got, err := evals.LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Suites["s"]
	if got.Tolerance != 0.05 || got.Tolerances["recall_at_k"] != 0.1 || s.Tolerances["pass_rate"] != 0 || len(s.Tolerances) != 1 {
		t.Errorf("tolerances not kept: %+v", got)
	}
	if s.Cases["a"] != "passed" || s.Cases["b"] != "failed" || s.Cases["old"] != "" || s.Metrics["pass_rate"] != 1 {
		t.Errorf("suite s = %+v; want this run's cases and metrics", s)
	}
	if got.Suites["kept"].Cases["x"] != "passed" || got.Suites["parts"].Cases["y"] != "passed" {
		t.Errorf("suites not run, or run partly, must keep their baseline: %+v", got.Suites)
	}

	// A baseline without "tolerance" gets the default; a bad one is refused.
	for body, want := range map[string]string{
		`{"version": 1, "suites": {}}`:                                "",
		`{"version": 2, "suites": {}}`:                                "version 2",
		`{"version": 1, "tolerances": {"recall": 0.1}, "suites": {}}`: "not a known metric",
		`{"version": 1, "suites": {}, "extra": true}`:                 "unknown field",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := evals.LoadBaseline(path)
		switch {
		case want == "" && (err != nil || b.Tolerance != evals.DefaultTolerance):
			t.Errorf("LoadBaseline(%s) = %+v, %v; want the default tolerance", body, b, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("LoadBaseline(%s) error %v; want one containing %q", body, err, want)
		}
	}
	if _, err := evals.LoadBaseline(filepath.Join(t.TempDir(), "none.json")); !evals.IsNotExist(err) {
		t.Errorf("missing baseline: %v; want a not-exist error", err)
	}
}

// junit mirrors the JUnit XML elements the test reads.
type junit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	opts := options(t)
	rep := run(t, opts, []*evals.Suite{load(t, "testdata/assertions.yaml")}, evals.Filter{})
	rep.Baseline = "baseline.json"
	rep.Regressions = []evals.Regression{{Suite: "assertions", Case: "fail-contains", Message: "assertions/fail-contains passed in the baseline and now fails"}}
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	// Well-formed: every token decodes and elements balance.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("JUnit output is not well-formed XML: %v\n%s", err, buf.String())
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || !strings.HasPrefix(buf.String(), "<?xml") {
		t.Fatalf("unbalanced JUnit output (depth %d)", depth)
	}
	var j junit
	if err := xml.Unmarshal(buf.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	s := rep.Suites[0]
	if len(j.Suites) != 2 || j.Suites[0].Name != "assertions" || j.Suites[1].Name != "baseline" {
		t.Fatalf("testsuites %+v; want assertions and baseline", j.Suites)
	}
	js := j.Suites[0]
	if js.Tests != s.Total || js.Failures != s.Failed || js.Skipped != s.Skipped || len(js.Cases) != s.Total {
		t.Errorf("testsuite counts %d/%d/%d; want %d/%d/%d", js.Tests, js.Failures, js.Skipped, s.Total, s.Failed, s.Skipped)
	}
	if j.Tests != s.Total+1 || j.Failures != s.Failed+1 {
		t.Errorf("testsuites totals %d tests, %d failures; want %d, %d", j.Tests, j.Failures, s.Total+1, s.Failed+1)
	}
	for _, c := range js.Cases {
		switch {
		case c.Name == "fail-decision":
			if c.Failure == nil || !strings.Contains(c.Failure.Message, "decision=approved") || !strings.Contains(c.Failure.Text, "got blocked") {
				t.Errorf("fail-decision failure %+v; want the failed assertion named", c.Failure)
			}
		case strings.HasPrefix(c.Name, "pass-") && c.Failure != nil:
			t.Errorf("%s has a failure", c.Name)
		case c.Name == "skipped-by-suite" && (c.Skipped == nil || c.Skipped.Message == ""):
			t.Errorf("skipped-by-suite: %+v; want skipped with its reason", c)
		}
	}
	if b := j.Suites[1]; len(b.Cases) != 1 || b.Cases[0].Name != "assertions/fail-contains" || b.Cases[0].Failure == nil {
		t.Errorf("baseline testsuite %+v; want the regression as a failing testcase", b)
	}
}

// TestBrokenPackIsARegression runs the compliance suite with a German pack
// whose health-claim cure rule was removed and checks that the comparison
// with the committed baseline names the case that catches it.
func TestBrokenPackIsARegression(t *testing.T) {
	src, err := os.ReadFile("../guard/policy/packs/de-marketing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pack map[string]any
	if err := yaml.Unmarshal(src, &pack); err != nil {
		t.Fatal(err)
	}
	rules := pack["rules"].([]any)
	kept := rules[:0]
	for _, r := range rules {
		if r.(map[string]any)["id"] != "health.cure" {
			kept = append(kept, r)
		}
	}
	if len(kept) != len(rules)-1 {
		t.Fatal("de-marketing has no rule health.cure")
	}
	pack["rules"] = kept
	broken, _ := yaml.Marshal(pack)
	path := filepath.Join(t.TempDir(), "de-marketing-broken.yaml")
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	suite := load(t, "suites/compliance.yaml")
	suite.Fixtures.Packs["de"] = path
	base, err := evals.LoadBaseline("baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	rep := run(t, options(t), []*evals.Suite{suite}, evals.Filter{})
	rep.Baseline = "evals/baseline.json"
	rep.Regressions = evals.Compare(rep, base, []*evals.Suite{suite})
	var names []string
	for _, g := range rep.Regressions {
		names = append(names, g.Name())
	}
	if !slices.Contains(names, "compliance/hwg-cure-claim") || !slices.Contains(names, "compliance:pass_rate") || !rep.Failed() {
		t.Errorf("regressions %v; want compliance/hwg-cure-claim and the pass rate", names)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "REGRESSION compliance/hwg-cure-claim passed in the baseline and now fails") {
		t.Errorf("the text report does not name the regression:\n%s", out.String())
	}
	t.Logf("with health.cure removed from de-marketing:\n%s", out.String())
}

func TestParseSuiteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"unknown assertion", "cases: [{name: a, text: x, expect: [{shouts: y}]}]", `unknown assertion "shouts"`},
		{"bad decision", "cases: [{name: a, text: x, expect: [{decision: maybe}]}]", "approved, needs_review or blocked"},
		{"two inputs", "cases: [{name: a, text: x, query: y, expect: [{contains: z}]}]", "exactly one of input"},
		{"no assertions", "cases: [{name: a, text: x}]", "no assertions"},
		{"assertion of another kind", "cases: [{name: a, text: x, expect: [{retrieved: [d]}]}]", "does not apply to text cases"},
		{"duplicate case", "cases: [{name: a, text: x, expect: [{contains: x}]}, {name: a, text: y, expect: [{contains: y}]}]", "name used twice"},
		{"bad regex", "cases: [{name: a, text: x, expect: [{regex: '('}]}]", "missing closing"},
		{"bad share", "cases: [{name: a, input: {brief: b, channel: faq_answer}, expect: [{citation_support: 2}]}]", "share from 0 to 1"},
		{"document without access list", "fixtures: {documents: [{id: d, text: t, classification: public}]}\ncases: [{name: a, text: x, expect: [{contains: x}]}]", "no access list"},
		{"bad tolerance", "tolerances: {recall: 0.1}\ncases: [{name: a, text: x, expect: [{contains: x}]}]", "unknown metric"},
		{"unknown field", "cases: [{name: a, txt: x, expect: [{contains: x}]}]", "field txt not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := evals.ParseSuite([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSuite(%q) error %v; want one containing %q", tc.src, err, tc.want)
			}
		})
	}
}

func TestSeedSuitesLoad(t *testing.T) {
	t.Parallel()
	suites, err := evals.LoadSuites("suites")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var names []string
	for _, s := range suites {
		total += len(s.Cases)
		names = append(names, s.Name)
	}
	want := []string{"access", "brand", "compliance", "generate", "injection", "outputs", "privacy", "retrieval", "security"}
	if !slices.Equal(names, want) || total < 80 {
		t.Errorf("seed suites %v with %d cases; want %v with at least 80", names, total, want)
	}
}

func TestCassetteKey(t *testing.T) {
	t.Parallel()
	req := func(untrusted string) llm.ChatRequest {
		s := inject.NewSpotlighter()
		return llm.ChatRequest{MaxTokens: 100, Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "Write. " + s.Instruction()},
			{Role: llm.RoleUser, Content: s.Wrap(untrusted)},
		}}
	}
	a, b := req("Die Gipfelflasche 500."), req("Die Gipfelflasche 500.")
	if a.Messages[1].Content == b.Messages[1].Content {
		t.Fatal("two spotlighters drew the same delimiter")
	}
	if evals.CassetteKey("m", a) != evals.CassetteKey("m", b) {
		t.Error("requests that differ only in the fence delimiter have different cassette keys")
	}
	for name, other := range map[string]string{
		"text":   evals.CassetteKey("m", req("Die Gipfelflasche 750.")),
		"model":  evals.CassetteKey("other", a),
		"params": evals.CassetteKey("m", llm.ChatRequest{MaxTokens: 200, Messages: a.Messages}),
	} {
		if other == evals.CassetteKey("m", a) {
			t.Errorf("a different %s gives the same cassette key", name)
		}
	}
}

func TestCassette(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	srv.Reply(func(openai.ChatCompletionRequest) string { return "Firnwerk hält warm [1]." })
	chat, err := llm.NewOpenAIChat(llm.OpenAIChatConfig{BaseURL: srv.URL(), Model: "cassette-model", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "suite")
	req := llm.ChatRequest{MaxTokens: 50, Messages: []llm.Message{{Role: llm.RoleUser, Content: "Schreib über die Gipfelflasche."}}}
	ctx := context.Background()

	rec := &evals.Cassette{Dir: dir, Provider: chat, Record: true}
	var streamed strings.Builder
	got, err := rec.Chat(ctx, req, func(d string) { streamed.WriteString(d) })
	if err != nil || got.Text != "Firnwerk hält warm [1]." || streamed.String() != got.Text || got.Usage.CompletionTokens == 0 {
		t.Fatalf("recording: %+v, %v (streamed %q)", got, err, streamed.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), evals.CassetteKey("cassette-model", req)[:32]) {
		t.Fatalf("cassette files %v; want one named by the request's key", files)
	}

	srv.FailNext(http.StatusInternalServerError, 10, "")
	play := &evals.Cassette{Dir: dir, Provider: chat}
	streamed.Reset()
	again, err := play.Chat(ctx, req, func(d string) { streamed.WriteString(d) })
	if err != nil || again != got || streamed.String() != got.Text || len(srv.Requests()) != 1 {
		t.Errorf("replay = %+v, %v after %d requests; want the recorded answer and no request", again, err, len(srv.Requests()))
	}

	other := llm.ChatRequest{MaxTokens: 51, Messages: req.Messages}
	if _, err := play.Chat(ctx, other, nil); !errors.Is(err, evals.ErrNoCassette) || !strings.Contains(err.Error(), "--record") {
		t.Errorf("replaying an unrecorded request: %v; want ErrNoCassette with how to record", err)
	}
	if _, err := rec.Chat(ctx, other, nil); err == nil {
		t.Error("recording through a failing provider succeeded")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
		t.Errorf("a failed recording left files: %v", files)
	}
}
