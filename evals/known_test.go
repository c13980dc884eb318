package evals_test

import (
	"testing"

	"kontext/evals"
)

func TestKnownFailures(t *testing.T) {
	rep := &evals.Report{Suites: []*evals.SuiteReport{
		{Name: "claims", Cases: []evals.CaseResult{
			{Name: "miss-known", Status: evals.StatusFailed},
			{Name: "miss-new", Status: evals.StatusFailed},
			{Name: "caught", Status: evals.StatusPassed},
			{Name: "unknown-case", Status: evals.StatusFailed},
		}},
		{Name: "not-in-baseline", Cases: []evals.CaseResult{{Name: "miss-known", Status: evals.StatusFailed}}},
	}}
	b := &evals.Baseline{Suites: map[string]evals.BaselineSuite{
		"claims": {Cases: map[string]string{"miss-known": evals.StatusFailed, "miss-new": evals.StatusPassed, "caught": evals.StatusFailed}},
	}}
	// Only a case that failed in the baseline too is known: one that passed
	// there, one the baseline does not hold and one of a suite it does not
	// hold stop the run.
	if got := evals.KnownFailures(rep, b); got != 1 {
		t.Errorf("KnownFailures = %d; want 1", got)
	}
}
