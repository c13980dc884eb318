package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kontext/evals"
	"kontext/internal/dbtest"
)

// evalEnv points the command line at a fresh migrated database.
func evalEnv(t *testing.T) {
	t.Helper()
	db := dbtest.NewDatabase(t, true)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", db.OwnerURL)
	t.Setenv("KONTEXT_SECRET_FILE", filepath.Join(t.TempDir(), "secret"))
	t.Setenv("KONTEXT_LOG_LEVEL", "error")
}

func TestEvalCommand(t *testing.T) {
	evalEnv(t)
	dir := t.TempDir()
	jsonOut, junitOut := filepath.Join(dir, "out", "report.json"), filepath.Join(dir, "out", "junit.xml")

	t.Run("seed suites pass against the committed baseline", func(t *testing.T) {
		out, errOut, code := cli(t, "eval", "--root", "../..", "--suite", "../../evals/suites/compliance.yaml",
			"--suite", "../../evals/suites/security.yaml", "--baseline", "../../evals/baseline.json",
			"--json", jsonOut, "--junit", junitOut)
		if code != 0 {
			t.Fatalf("kontext eval: exit %d\n%s\n%s", code, out, errOut)
		}
		for _, want := range []string{"SUITE", "compliance", "security", "no regressions against ../../evals/baseline.json"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		var rep evals.Report
		raw, err := os.ReadFile(jsonOut)
		if err != nil || json.Unmarshal(raw, &rep) != nil {
			t.Fatalf("JSON report: %v", err)
		}
		if len(rep.Suites) != 2 || rep.Suites[0].Passed == 0 || !strings.HasPrefix(rep.Suites[0].Tenant, "eval-compliance-") || rep.Regressions == nil {
			t.Errorf("report suites %+v", rep.Suites)
		}
		raw, err = os.ReadFile(junitOut)
		if err != nil || xml.Unmarshal(raw, new(struct {
			XMLName xml.Name `xml:"testsuites"`
		})) != nil {
			t.Errorf("JUnit report unreadable: %v", err)
		}
	})

	t.Run("one case", func(t *testing.T) {
		out, errOut, code := cli(t, "eval", "--root", "../..", "--suite", "../../evals/suites/compliance.yaml", "--case", "hwg-cure-claim", "-v")
		if code != 0 || !strings.Contains(out, "ok     hwg-cure-claim") || strings.Contains(out, "hwg-disease-claim") {
			t.Errorf("--case: exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("a failure, the baseline and a regression", func(t *testing.T) {
		suite := filepath.Join(dir, "team.yaml")
		write := func(want string) {
			t.Helper()
			body := `suite: team
fixtures:
  brand: examples/acme/brand.yaml
cases:
  - name: cure-claim-blocked
    text: "Die Firnwerk Gipfelflasche heilt Erkältungen."
    expect: [{decision: ` + want + `}]
  - name: warm-tea-approved
    text: "Die Firnwerk Gipfelflasche 500 hält deinen Tee nach 6 Stunden noch 74 °C warm."
    expect: [{decision: approved}]
`
			if err := os.WriteFile(suite, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		base := filepath.Join(dir, "baseline.json")
		write("blocked")
		if out, errOut, code := cli(t, "eval", "--root", "../..", "--suite", suite, "--baseline", base, "--update-baseline"); code != 0 || !strings.Contains(errOut, "baseline written") {
			t.Fatalf("--update-baseline: exit %d\n%s%s", code, out, errOut)
		}
		b, err := evals.LoadBaseline(base)
		if err != nil || b.Suites["team"].Cases["cure-claim-blocked"] != "passed" {
			t.Fatalf("baseline %+v, %v", b, err)
		}
		write("approved") // the case now fails
		out, errOut, code := cli(t, "eval", "--root", "../..", "--suite", suite, "--baseline", base)
		if code != 1 || !strings.Contains(errOut, "1 of 2 cases failed") || !strings.Contains(errOut, "regression") {
			t.Errorf("failing case: exit %d, stderr %q; want 1 naming the failure and the regression", code, errOut)
		}
		for _, want := range []string{"FAIL   cure-claim-blocked", "decision=approved: got blocked", "REGRESSION team/cure-claim-blocked passed in the baseline and now fails"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"eval", "--update-baseline"},
			{"eval", "--suite", "no/such/suite.yaml"},
			{"eval", "--repeat", "0"},
			{"eval", "--pass-threshold", "1.5"},
			{"eval", "--baseline", "x.json", "--update-baseline", "--case", "a"},
		} {
			if _, errOut, code := cli(t, args...); code != 2 || !strings.Contains(errOut, "kontext eval:") {
				t.Errorf("kontext %s: exit %d %q; want 2 with a usage message", strings.Join(args, " "), code, errOut)
			}
		}
	})
}
