package evals

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Report is the outcome of a run: every suite, and the regressions against
// a baseline when one was given.
type Report struct {
	Started       time.Time      `json:"started"`
	DurationMS    float64        `json:"duration_ms"`
	Repeat        int            `json:"repeat"`
	PassThreshold float64        `json:"pass_threshold"`
	Suites        []*SuiteReport `json:"suites"`
	Baseline      string         `json:"baseline,omitempty"`
	Regressions   []Regression   `json:"regressions"`
}

// SuiteReport is the outcome of one suite.
type SuiteReport struct {
	Name        string `json:"name"`
	File        string `json:"file"`
	Description string `json:"description,omitempty"`
	// Tenant is the suite's fresh tenant.
	Tenant   string   `json:"tenant"`
	Provider string   `json:"provider"`
	Judge    string   `json:"judge,omitempty"`
	Brand    string   `json:"brand,omitempty"`
	Packs    []string `json:"packs"`
	// Partial reports a run of selected cases only: its metrics are not
	// compared with the baseline.
	Partial bool `json:"partial,omitempty"`
	// Error is why the suite could not be set up; its cases did not run.
	Error string `json:"error,omitempty"`

	Total   int `json:"cases"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Metrics holds pass_rate, and recall_at_k, ndcg_at_10 and
	// citation_support where the suite has cases that measure them.
	Metrics map[string]float64 `json:"metrics"`

	Fixtures   []FixtureDoc `json:"fixtures"`
	Cases      []CaseResult `json:"results"`
	DurationMS float64      `json:"duration_ms"`
}

// tally counts the cases and computes the suite's metrics.
func (s *SuiteReport) tally() {
	s.Total, s.Passed, s.Failed, s.Skipped = len(s.Cases), 0, 0, 0
	var recall, ndcg, support []float64
	for _, c := range s.Cases {
		switch c.Status {
		case StatusPassed:
			s.Passed++
		case StatusFailed:
			s.Failed++
		case StatusSkipped:
			s.Skipped++
		}
		if c.Status == StatusSkipped {
			continue
		}
		if c.Recall != nil {
			recall = append(recall, *c.Recall)
			ndcg = append(ndcg, *c.NDCG)
		}
		if c.Support != nil {
			support = append(support, *c.Support)
		}
	}
	s.Metrics = map[string]float64{}
	if n := s.Passed + s.Failed; n > 0 {
		s.Metrics[MetricPassRate] = round(float64(s.Passed) / float64(n))
	}
	for name, vs := range map[string][]float64{MetricRecallAtK: recall, MetricNDCG10: ndcg, MetricCitationSupport: support} {
		if len(vs) > 0 {
			s.Metrics[name] = round(mean(vs))
		}
	}
}

func mean(vs []float64) float64 {
	t := 0.0
	for _, v := range vs {
		t += v
	}
	return t / float64(len(vs))
}

// round keeps four decimals, so that reports and baselines stay readable
// and identical runs give identical files.
func round(v float64) float64 {
	return float64(int64(v*10000+0.5)) / 10000
}

// Failed reports whether any suite failed to set up, any case failed, or
// any regression was found.
func (r *Report) Failed() bool {
	if len(r.Regressions) > 0 {
		return true
	}
	for _, s := range r.Suites {
		if s.Error != "" || s.Failed > 0 {
			return true
		}
	}
	return false
}

// Counts returns the totals over every suite.
func (r *Report) Counts() (total, passed, failed, skipped int) {
	for _, s := range r.Suites {
		total += s.Total
		passed += s.Passed
		failed += s.Failed
		skipped += s.Skipped
	}
	return
}

// WriteText prints the failed and skipped cases of each suite (every case
// when verbose), a table with a row per suite, and the regressions.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	for _, s := range r.Suites {
		fmt.Fprintf(w, "suite %s (%s; tenant %s; provider %s)\n", s.Name, s.File, s.Tenant, s.Provider)
		if s.Error != "" {
			fmt.Fprintf(w, "  ERROR  %s\n", s.Error)
		}
		for _, c := range s.Cases {
			switch {
			case c.Status == StatusFailed:
				fmt.Fprintf(w, "  FAIL   %s\n", c.Name)
				if c.Reason != "" {
					fmt.Fprintf(w, "         %s\n", c.Reason)
				}
				for _, f := range c.Failed() {
					fmt.Fprintf(w, "         - %s\n", f)
				}
			case c.Status == StatusSkipped:
				fmt.Fprintf(w, "  SKIP   %s: %s\n", c.Name, c.Reason)
			case verbose:
				fmt.Fprintf(w, "  ok     %s\n", c.Name)
			}
			for _, a := range c.Assertions {
				if a.Status == StatusSkipped && c.Status != StatusSkipped {
					fmt.Fprintf(w, "  SKIP   %s › %s: %s\n", c.Name, a.Name, a.Message)
				}
			}
		}
	}
	fmt.Fprintln(w)
	width := len("total")
	for _, s := range r.Suites {
		width = max(width, len(s.Name))
	}
	row := func(name, cases, passed, failed, skipped, rate, recall, ndcg, support, took string) {
		fmt.Fprintf(w, "%-*s  %5s  %6s  %6s  %7s  %9s  %8s  %7s  %7s  %6s\n", width, name, cases, passed, failed, skipped, rate, recall, ndcg, support, took)
	}
	row("SUITE", "CASES", "PASSED", "FAILED", "SKIPPED", "PASS RATE", "RECALL@K", "NDCG@10", "SUPPORT", "TIME")
	for _, s := range r.Suites {
		row(s.Name, fmt.Sprint(s.Total), fmt.Sprint(s.Passed), fmt.Sprint(s.Failed), fmt.Sprint(s.Skipped),
			metric(s.Metrics, MetricPassRate), metric(s.Metrics, MetricRecallAtK), metric(s.Metrics, MetricNDCG10),
			metric(s.Metrics, MetricCitationSupport), fmt.Sprintf("%.1fs", s.DurationMS/1000))
	}
	total, passed, failed, skipped := r.Counts()
	row("total", fmt.Sprint(total), fmt.Sprint(passed), fmt.Sprint(failed), fmt.Sprint(skipped), "", "", "", "", fmt.Sprintf("%.1fs", r.DurationMS/1000))
	if r.Baseline != "" {
		if len(r.Regressions) == 0 {
			fmt.Fprintf(w, "\nno regressions against %s\n", r.Baseline)
		} else {
			fmt.Fprintf(w, "\n%d regression(s) against %s:\n", len(r.Regressions), r.Baseline)
			for _, g := range r.Regressions {
				fmt.Fprintf(w, "  REGRESSION %s\n", g.Message)
			}
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

func metric(m map[string]float64, name string) string {
	v, ok := m[name]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JUnit XML shapes, as CI systems (Jenkins, GitLab, GitHub annotations)
// read them.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: a testsuite per suite, a
// testcase per case whose failure message names the failed assertions, and
// a testsuite "baseline" with a failing testcase per regression.
func (r *Report) WriteJUnit(w io.Writer) error {
	secs := func(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }
	out := junitSuites{Name: "kontext eval", Time: secs(r.DurationMS)}
	stamp := r.Started.Format("2006-01-02T15:04:05")
	for _, s := range r.Suites {
		js := junitSuite{Name: s.Name, Tests: s.Total, Failures: s.Failed, Skipped: s.Skipped, Time: secs(s.DurationMS), Timestamp: stamp}
		js.Properties = append(js.Properties, junitProperty{"file", s.File}, junitProperty{"tenant", s.Tenant}, junitProperty{"provider", s.Provider})
		names := make([]string, 0, len(s.Metrics))
		for n := range s.Metrics {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			js.Properties = append(js.Properties, junitProperty{n, fmt.Sprintf("%.4f", s.Metrics[n])})
		}
		if s.Error != "" {
			js.Errors = 1
			js.Tests++
			js.Cases = append(js.Cases, junitCase{Name: "set up", Classname: "evals." + s.Name, Time: "0.000",
				Error: &junitFailure{Message: s.Error, Type: "setup"}})
		}
		for _, c := range s.Cases {
			jc := junitCase{Name: c.Name, Classname: "evals." + s.Name, Time: secs(c.DurationMS)}
			switch c.Status {
			case StatusFailed:
				failed := c.Failed()
				var names []string
				for _, a := range c.Assertions {
					if a.Status == StatusFailed {
						names = append(names, a.Name)
					}
				}
				msg := "failed: " + strings.Join(names, "; ")
				if c.Error != "" {
					msg = c.Error
				}
				f := &junitFailure{Message: msg, Type: "assertion", Text: strings.Join(failed, "\n")}
				if c.Error != "" {
					f.Type = "error"
					jc.Error = f
				} else {
					jc.Failure = f
				}
				if c.Output != "" {
					jc.SystemOut = c.Output
				}
			case StatusSkipped:
				jc.Skipped = &junitSkipped{Message: c.Reason}
			}
			js.Cases = append(js.Cases, jc)
		}
		js.Failures = 0
		js.Errors = 0
		for _, c := range js.Cases {
			if c.Failure != nil {
				js.Failures++
			}
			if c.Error != nil {
				js.Errors++
			}
		}
		out.Suites = append(out.Suites, js)
	}
	if r.Baseline != "" {
		js := junitSuite{Name: "baseline", Time: "0.000", Timestamp: stamp,
			Properties: []junitProperty{{"file", r.Baseline}}}
		for _, g := range r.Regressions {
			js.Cases = append(js.Cases, junitCase{Name: g.Name(), Classname: "evals.baseline", Time: "0.000",
				Failure: &junitFailure{Message: g.Message, Type: "regression"}})
		}
		if len(r.Regressions) == 0 {
			js.Cases = append(js.Cases, junitCase{Name: "no regressions", Classname: "evals.baseline", Time: "0.000"})
		}
		js.Tests, js.Failures = len(js.Cases), len(r.Regressions)
		out.Suites = append(out.Suites, js)
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteFile writes a file through fn, creating its directory.
func WriteFile(path string, fn func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("evals: %w", err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("evals: %w", err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("evals: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("evals: write %s: %w", path, err)
	}
	return nil
}
