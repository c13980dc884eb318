package evals

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
)

// DefaultTolerance is how far a metric may drop below its baseline before
// the drop is a regression, unless the baseline or the suite says otherwise.
const DefaultTolerance = 0.02

// Baseline is a stored run to compare with: each suite's metrics and the
// status of each of its cases.
//
//	{
//	  "version": 1,
//	  "tolerance": 0.02,
//	  "tolerances": {"recall_at_k": 0.05},
//	  "suites": {
//	    "compliance": {
//	      "metrics": {"pass_rate": 1},
//	      "tolerances": {"pass_rate": 0},
//	      "cases": {"hwg-cure-claim": "passed"}
//	    }
//	  }
//	}
type Baseline struct {
	Version int `json:"version"`
	// Tolerance applies to every metric without a tolerance of its own.
	Tolerance float64 `json:"tolerance"`
	// Tolerances by metric name, for every suite.
	Tolerances map[string]float64       `json:"tolerances,omitempty"`
	Suites     map[string]BaselineSuite `json:"suites"`
}

// BaselineSuite is one suite of a baseline.
type BaselineSuite struct {
	Metrics map[string]float64 `json:"metrics"`
	// Tolerances by metric name, for this suite.
	Tolerances map[string]float64 `json:"tolerances,omitempty"`
	Cases      map[string]string  `json:"cases"`
}

// LoadBaseline reads a baseline file. A missing file is an error matching
// fs.ErrNotExist.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evals: baseline: %w", err)
	}
	var b Baseline
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("evals: baseline %s: %w", path, err)
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) == nil {
		if _, set := keys["tolerance"]; !set {
			b.Tolerance = DefaultTolerance
		}
	}
	if b.Version != 1 {
		return nil, fmt.Errorf("evals: baseline %s: version %d is not 1", path, b.Version)
	}
	for name, t := range b.Tolerances {
		if !slices.Contains(metricNames, name) || t < 0 || t > 1 {
			return nil, fmt.Errorf("evals: baseline %s: tolerances: %s=%g is not a known metric with a tolerance from 0 to 1", path, name, t)
		}
	}
	return &b, nil
}

// NewBaseline returns the baseline of a run, keeping the tolerances of
// prev (which may be nil). Suites that ran only partly keep prev's entry.
func NewBaseline(r *Report, prev *Baseline) *Baseline {
	b := &Baseline{Version: 1, Tolerance: DefaultTolerance, Suites: map[string]BaselineSuite{}}
	if prev != nil {
		b.Tolerance, b.Tolerances = prev.Tolerance, prev.Tolerances
		for name, s := range prev.Suites {
			b.Suites[name] = s
		}
	}
	for _, s := range r.Suites {
		if s.Partial || s.Error != "" {
			continue
		}
		bs := BaselineSuite{Metrics: s.Metrics, Cases: map[string]string{}}
		if prev != nil {
			bs.Tolerances = prev.Suites[s.Name].Tolerances
		}
		for _, c := range s.Cases {
			bs.Cases[c.Name] = c.Status
		}
		b.Suites[s.Name] = bs
	}
	return b
}

// Write writes the baseline as indented JSON (keys sorted, so that a
// baseline's diff shows what changed).
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// Regression is one way a run is worse than its baseline: a case that
// passed and now fails, or a metric that dropped by more than its
// tolerance.
type Regression struct {
	Suite  string `json:"suite"`
	Case   string `json:"case,omitempty"`
	Metric string `json:"metric,omitempty"`
	// Was and Now are the baseline's and the run's values: the statuses of
	// a case, or a metric's values.
	Was       any     `json:"was"`
	Now       any     `json:"now"`
	Tolerance float64 `json:"tolerance,omitempty"`
	Message   string  `json:"message"`
}

// Name identifies the regression: "suite/case" or "suite:metric".
func (g Regression) Name() string {
	if g.Case != "" {
		return g.Suite + "/" + g.Case
	}
	return g.Suite + ":" + g.Metric
}

// Compare lists the regressions of r against b, in suite order. suites
// supplies per-suite tolerances from the suite files (nil for none).
// Cases and suites the baseline does not know are new, not regressions;
// metrics of partial runs are not compared.
func Compare(r *Report, b *Baseline, suites []*Suite) []Regression {
	out := []Regression{}
	tol := map[string]map[string]float64{}
	for _, s := range suites {
		tol[s.Name] = s.Tolerances
	}
	for _, s := range r.Suites {
		bs, ok := b.Suites[s.Name]
		if !ok {
			continue
		}
		for _, c := range s.Cases {
			was := bs.Cases[c.Name]
			if was == StatusPassed && c.Status == StatusFailed {
				out = append(out, Regression{Suite: s.Name, Case: c.Name, Was: was, Now: c.Status,
					Message: fmt.Sprintf("%s/%s passed in the baseline and now fails: %s", s.Name, c.Name, strings.Join(c.Failed(), "; "))})
			}
		}
		if s.Error != "" && len(bs.Cases) > 0 {
			out = append(out, Regression{Suite: s.Name, Was: "ran", Now: "error",
				Message: fmt.Sprintf("%s could not run: %s", s.Name, s.Error)})
		}
		if s.Partial || s.Error != "" {
			continue
		}
		names := make([]string, 0, len(bs.Metrics))
		for n := range bs.Metrics {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, m := range names {
			was := bs.Metrics[m]
			now, has := s.Metrics[m]
			t := tolerance(b, bs, tol[s.Name], m)
			if !has {
				out = append(out, Regression{Suite: s.Name, Metric: m, Was: was, Now: nil, Tolerance: t,
					Message: fmt.Sprintf("%s: %s was %.4f in the baseline and is no longer measured", s.Name, m, was)})
				continue
			}
			if was-now > t+1e-9 {
				out = append(out, Regression{Suite: s.Name, Metric: m, Was: was, Now: now, Tolerance: t,
					Message: fmt.Sprintf("%s: %s dropped from %.4f to %.4f (tolerance %.4f)", s.Name, m, was, now, t)})
			}
		}
	}
	return out
}

// tolerance resolves a metric's tolerance: the suite file's, then the
// baseline suite's, then the baseline's per metric, then its default.
func tolerance(b *Baseline, bs BaselineSuite, suite map[string]float64, metric string) float64 {
	if t, ok := suite[metric]; ok {
		return t
	}
	if t, ok := bs.Tolerances[metric]; ok {
		return t
	}
	if t, ok := b.Tolerances[metric]; ok {
		return t
	}
	return b.Tolerance
}

// IsNotExist reports whether err says a baseline file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// KnownFailures counts the cases of r that fail and failed in the baseline
// too: a benchmark suite (claims) records its misses there, and they stop a
// run only when they are new.
func KnownFailures(r *Report, b *Baseline) int {
	n := 0
	for _, s := range r.Suites {
		bs, ok := b.Suites[s.Name]
		if !ok {
			continue
		}
		for _, c := range s.Cases {
			if c.Status == StatusFailed && bs.Cases[c.Name] == StatusFailed {
				n++
			}
		}
	}
	return n
}
