package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"kontext/api"
	"kontext/evals"
	"kontext/ingest"
)

// evalSettings are the settings of the eval command beyond providerSettings.
var evalSettings = []string{"llm-base-url", "llm-api-key", "llm-model", "llm-region", "llm-max-classification",
	"llm-price", "providers", "restore-types"}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext eval", flag.ContinueOnError)
	var suitePaths []string
	fs.Func("suite", "a suite file, or a directory of them; repeatable (default evals/suites)", func(v string) error {
		suitePaths = append(suitePaths, v)
		return nil
	})
	caseName := fs.String("case", "", "run only the case of this name")
	baseline := fs.String("baseline", "", "baseline file to compare with; a case that passed and fails, or a metric that drops beyond its tolerance, is a regression")
	update := fs.Bool("update-baseline", false, "write this run as the new baseline to the --baseline file")
	jsonOut := fs.String("json", "", "write the report as JSON to this file")
	junitOut := fs.String("junit", "", "write the report as JUnit XML to this file")
	record := fs.Bool("record", false, "send non-offline providers' requests to the provider and record the answers as cassettes")
	cassettes := fs.String("cassettes", "", "directory of recorded provider answers (default ROOT/evals/cassettes)")
	repeat := fs.Int("repeat", 1, "run each case N times (live runs)")
	threshold := fs.Float64("pass-threshold", 1, "share of a case's runs that must pass, with --repeat")
	judge := fs.String("judge", "", "provider that grades llm_judge assertions (default: the suite's judge; none: they are skipped)")
	root := fs.String("root", ".", "directory that fixture, brand and pack paths in suites are relative to")
	keep := fs.Bool("keep", false, "keep each suite's fixture documents in its tenant (for inspection)")
	verbose := fs.Bool("v", false, "list every case, not only failed and skipped ones")
	s := newSettings()
	if _, set := os.LookupEnv("KONTEXT_LOG_LEVEL"); !set {
		s.byKey["log-level"].value = "warn"
	}
	s.register(fs, append(append([]string{}, providerSettings...), evalSettings...)...)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case *update && *baseline == "":
		return fmt.Errorf("%w: --update-baseline needs --baseline FILE", errUsage)
	case *update && *caseName != "":
		return fmt.Errorf("%w: --update-baseline needs a run of whole suites, not --case", errUsage)
	case *repeat < 1:
		return fmt.Errorf("%w: --repeat must be at least 1", errUsage)
	case *threshold <= 0 || *threshold > 1:
		return fmt.Errorf("%w: --pass-threshold must be above 0 and at most 1", errUsage)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	if len(suitePaths) == 0 {
		suitePaths = []string{"evals/suites"}
	}
	var suites []*evals.Suite
	for _, p := range suitePaths {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: --suite: %w", errUsage, err)
		}
		if info.IsDir() {
			all, err := evals.LoadSuites(p)
			if err != nil {
				return err
			}
			suites = append(suites, all...)
			continue
		}
		one, err := evals.LoadSuite(p)
		if err != nil {
			return err
		}
		suites = append(suites, one)
	}
	var prev *evals.Baseline
	if *baseline != "" {
		b, err := evals.LoadBaseline(*baseline)
		switch {
		case err == nil:
			prev = b
		case *update && evals.IsNotExist(err):
			// The first baseline.
		default:
			return err
		}
	}

	cfg, err := s.config()
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := newLogger(cfg, os.Stderr)
	searcher, err := newSearcher(cfg, pool, log)
	if err != nil {
		return err
	}
	gc, err := generateConfig(cfg, pool, searcher, log)
	if err != nil {
		return err
	}
	in, err := newIngester(ctx, cfg, pool, log)
	if err != nil {
		return err
	}
	store := ingest.NewStore(pool)
	runner, err := evals.New(evals.Options{
		Generate:       gc,
		Providers:      gc.Providers,
		CreateTenant:   api.NewKeys(pool).CreateTenant,
		Ingester:       in,
		DeleteDocument: store.Delete,
		Keep:           *keep,
		Root:           *root,
		Cassettes:      *cassettes,
		Record:         *record,
		Repeat:         *repeat,
		PassThreshold:  *threshold,
		Judge:          *judge,
		Logger:         log,
	})
	if err != nil {
		return err
	}
	rep, err := runner.Run(ctx, suites, evals.Filter{Case: *caseName})
	if err != nil && rep == nil {
		return err
	}
	if prev != nil {
		rep.Baseline = *baseline
		rep.Regressions = evals.Compare(rep, prev, suites)
	}
	if werr := rep.WriteText(stdout, *verbose); werr != nil {
		return werr
	}
	if *jsonOut != "" {
		if werr := evals.WriteFile(*jsonOut, rep.WriteJSON); werr != nil {
			return werr
		}
	}
	if *junitOut != "" {
		if werr := evals.WriteFile(*junitOut, rep.WriteJUnit); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err // interrupted; the partial report is written
	}
	if *update {
		nb := evals.NewBaseline(rep, prev)
		if werr := evals.WriteFile(*baseline, nb.Write); werr != nil {
			return werr
		}
		fmt.Fprintf(stderr, "baseline written to %s\n", *baseline)
		rep.Regressions = nil // accepted into the new baseline
	}
	total, _, failed, _ := rep.Counts()
	known := 0
	if prev != nil {
		known = evals.KnownFailures(rep, prev)
	}
	if known > 0 {
		fmt.Fprintf(stderr, "%d failing case(s) failed in the baseline too (known misses; they stop a run only when new)\n", known)
	}
	if len(rep.Regressions) > 0 || failed > known || slices.ContainsFunc(rep.Suites, func(s *evals.SuiteReport) bool { return s.Error != "" }) {
		var parts []string
		if failed > known {
			parts = append(parts, fmt.Sprintf("%d of %d cases failed", failed-known, total))
		}
		for _, sr := range rep.Suites {
			if sr.Error != "" {
				parts = append(parts, "suite "+sr.Name+" could not run")
			}
		}
		if n := len(rep.Regressions); n > 0 {
			parts = append(parts, fmt.Sprintf("%d regression(s)", n))
		}
		return errors.New(strings.Join(parts, ", "))
	}
	return nil
}
