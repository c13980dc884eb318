// Command policy measures the built-in policy packs on the labelled claims
// benchmark in testdata/policy: German and English marketing sentences, each
// labelled with the legal categories it breaks or as clean. For each
// language and for the development and the test part it prints, per
// category, precision and recall, the share of violations caught and of
// clean texts passed, and the confusion between categories, for the packs
// as they were (testdata/policy/baseline), the packs' rules as they are, and
// those rules with the claims model beside them (guard/policy/model.bin),
// so that the model's effect shows per part and per category. It also
// times the check of a 2 KB draft (rules and model).
//
//	go run ./bench/policy                 # dev and test figures, latency
//	go run ./bench/policy -misses         # also list what the dev and fresh parts get wrong
//	go run ./bench/policy -part dev -latency
//	go run ./bench/policy -part dev12 -model /tmp/m/model.bin   # a candidate model, trained with -out /tmp/m
//	go run ./bench/policy -write-suite evals/suites/claims.yaml
//
// Rules are tuned on the development part only; -misses never lists test
// examples. The fresh part, measured as a held-out check in earlier rounds,
// counts as development now. The holdout part is a reviewer's set written
// without sight of the checker (-part holdout); -misses never lists it,
// nor the fresh5, fresh6, fresh10 and fresh11 parts, kept held out.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"kontext/guard/pii"
	"kontext/guard/policy"
)

// order is the order categories are printed in.
var order = []string{"health_claim", "green_claim", "comparative_claim", "superlative_claim", "price_claim",
	"free_claim", "false_urgency", "guaranteed_success", "endorsement", "personal_data"}

// Example is one labelled text of the benchmark.
type Example struct {
	Lang, Theme, Channel, Text string
	Line                       int
	// Want holds the expected pack categories; empty means clean.
	Want []string
	Test bool
	// Fresh marks the examples of fresh-<lang>.txt, measured as a held-out
	// part in the first round and a development part since.
	Fresh bool
	// Part names the file of a part measured apart from dev and test
	// ("fresh2" to "fresh11", "holdout"; see parts); empty for the
	// development and test files.
	Part string
	// Round names the later development file an example comes from
	// ("dev3" to "dev12"); empty for bench-<lang>.txt.
	Round string
}

// source names the file an example comes from, for -misses.
func (e Example) source() string {
	switch {
	case e.Round != "":
		return e.Round
	case e.part() == "dev":
		return "bench"
	}
	return e.part()
}

// part names the part of the benchmark an example belongs to.
func (e Example) part() string {
	switch {
	case e.Part != "":
		return e.Part
	case e.Fresh:
		return "fresh"
	case e.Test:
		return "test"
	}
	return "dev"
}

// devRounds are the later development files, dev3- to dev12-<lang>.txt, in
// themes of their own; they belong to the development part.
var devRounds = []string{"dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12"}

// parts are the files measured apart from dev and test, in the order they
// were written:
//   - fresh2 to fresh4 were measured once after the round they were written
//     in, fresh7 to fresh9 once as held-out parts; all are development
//     parts since;
//   - fresh5, fresh6, fresh10 and fresh11 are held out: never tuned on,
//     never listed by -misses;
//   - holdout is a reviewer's set written without sight of the checker;
//     like the test part never tuned on.
var parts = []struct {
	name    string
	heldOut bool
}{
	{"fresh2", false},
	{"fresh3", false},
	{"fresh4", false},
	{"fresh5", true},
	{"fresh6", true},
	{"fresh7", false},
	{"fresh8", false},
	{"fresh9", false},
	{"fresh10", true},
	{"fresh11", true},
	{"holdout", true},
}

// heldOut reports whether -misses must not list the examples of part.
func heldOut(part string) bool {
	if part == "test" {
		return true
	}
	for _, p := range parts {
		if p.name == part {
			return p.heldOut
		}
	}
	return false
}

func main() {
	dir := flag.String("dir", "testdata/policy", "benchmark directory")
	misses := flag.Bool("misses", false, "list the development and fresh examples the current packs get wrong")
	rulesOnly := flag.Bool("rules", false, "with -misses, list what the rules alone get wrong (without the claims model)")
	lat := flag.Bool("latency", false, "with -part, also time the check of a 2 KB draft")
	suite := flag.String("write-suite", "", "write the test part as an eval suite to this file and exit")
	modelFile := flag.String("model", "", "a claims model file (model.bin written by go run ./guard/policy/train -out DIR) to measure instead of the embedded one")
	cv := flag.Bool("cv", false, "cross-validate the rules with the claims model by theme on its training texts (a model per fold) and exit")
	only := flag.String("part", "", "print only this part: dev (dev3 to dev12: its later rounds alone), test, fresh, fresh2 to fresh11 or holdout (default all)")
	flag.Parse()
	exs, err := load(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if *suite != "" {
		if err := writeSuite(*suite, *dir, exs); err != nil {
			log.Fatal(err)
		}
		return
	}
	brand, err := policy.LoadBrand(filepath.Join(*dir, "brand.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	det := pii.NewDetector(pii.DetectorOptions{})
	if *cv {
		if err := crossValidate(*dir, brand, det); err != nil {
			log.Fatal(err)
		}
		return
	}
	model := policy.DefaultModel()
	if *modelFile != "" {
		b, err := os.ReadFile(*modelFile)
		if err != nil {
			log.Fatal(err)
		}
		if model, err = policy.UnmarshalModel(b); err != nil {
			log.Fatalf("%s: %v", *modelFile, err)
		}
	}
	// Per language: the first packs, the packs' rules alone, the rules
	// with the claims model.
	checkers := map[string][3]*policy.Checker{}
	for _, lang := range []string{"de", "en"} {
		name := lang + "-marketing"
		old, err := policy.LoadPack(filepath.Join(*dir, "baseline", name+".yaml"))
		if err != nil {
			log.Fatal(err)
		}
		cur, err := policy.LoadPack(name)
		if err != nil {
			log.Fatal(err)
		}
		checkers[lang] = [3]*policy.Checker{policy.NewChecker(old, policy.WithPersonalData(det), policy.WithModel(nil)),
			policy.NewChecker(cur, policy.WithPersonalData(det), policy.WithModel(nil)), policy.NewChecker(cur, policy.WithPersonalData(det), policy.WithModel(model))}
	}
	fmt.Printf("Policy benchmark: %d examples (%s)\n", len(exs), *dir)
	names := append(append([]string{"dev"}, devRounds...), "test", "fresh")
	for _, p := range parts {
		names = append(names, p.name)
	}
	for _, part := range names {
		if *only != "" && *only != part {
			continue
		}
		for _, lang := range []string{"de", "en"} {
			var sel []Example
			for _, e := range exs {
				// dev3 to dev12 are the rounds' own files within the development part.
				if e.Lang == lang && (e.part() == part || e.part() == "dev" && e.Round == part) {
					sel = append(sel, e)
				}
			}
			cs := checkers[lang]
			before := score(cs[0], brand, sel)
			rules := score(cs[1], brand, sel)
			after := score(cs[2], brand, sel)
			report(part, lang, sel, before, rules, after)
			if part == "test" {
				printGoals(lang, summarise(sel, after))
			}
			if *misses && !heldOut(part) {
				if *rulesOnly {
					listMisses(sel, rules)
				} else {
					listMisses(sel, after)
				}
			}
		}
	}
	if *only != "" && !*lat {
		return
	}
	for _, lang := range []string{"de", "en"} {
		fmt.Printf("\nrules alone:")
		latency(checkers[lang][1], brand, exs, lang)
		fmt.Printf("rules + model:")
		latency(checkers[lang][2], brand, exs, lang)
	}
}

// load reads bench-de.txt, bench-en.txt and split.txt.
func load(dir string) ([]Example, error) {
	test, err := policy.TestThemes(dir)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var out []Example
	for _, lang := range []string{"de", "en"} {
		exs, err := loadFile(filepath.Join(dir, "bench-"+lang+".txt"), lang, test[lang], false)
		if err != nil {
			return nil, err
		}
		out = append(out, exs...)
		for _, round := range devRounds {
			more := filepath.Join(dir, round+"-"+lang+".txt")
			if !fileExists(more) {
				continue
			}
			exs, err = loadFile(more, lang, test[lang], false)
			if err != nil {
				return nil, err
			}
			for i := range exs {
				exs[i].Round = round
			}
			out = append(out, exs...)
		}
		for _, part := range parts {
			more := filepath.Join(dir, part.name+"-"+lang+".txt")
			if !fileExists(more) {
				continue
			}
			exs, err = loadFile(more, lang, nil, false)
			if err != nil {
				return nil, err
			}
			for i := range exs {
				exs[i].Part = part.name
			}
			out = append(out, exs...)
		}
		fresh := filepath.Join(dir, "fresh-"+lang+".txt")
		if _, err := os.Stat(fresh); err != nil {
			continue
		}
		exs, err = loadFile(fresh, lang, nil, true)
		if err != nil {
			return nil, err
		}
		out = append(out, exs...)
	}
	return out, nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// loadFile reads one benchmark file of lang; test holds the themes of the
// test part, fresh marks the held-out file.
func loadFile(name, lang string, test map[string]bool, fresh bool) ([]Example, error) {
	texts, err := policy.ReadLabelled(name)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	out := make([]Example, len(texts))
	for i, t := range texts {
		out[i] = Example{Lang: lang, Theme: t.Theme, Channel: t.Channel, Text: t.Text, Line: t.Line,
			Want: t.Categories, Test: test[t.Theme], Fresh: fresh}
	}
	return out, nil
}

// outcome is what a pack made of one example.
type outcome struct {
	got      []string // legal categories found
	decision policy.Decision
	viol     []policy.Violation
}

func check(c *policy.Checker, brand *policy.BrandPack, e Example) outcome {
	res := c.Check(e.Text, policy.CheckOptions{Channel: e.Channel, Lang: e.Lang, Brand: brand, AIDisclosed: true})
	o := outcome{decision: res.Decision}
	for _, v := range res.Violations {
		if !slices.Contains(order, v.Category) {
			continue
		}
		o.viol = append(o.viol, v)
		if !slices.Contains(o.got, v.Category) {
			o.got = append(o.got, v.Category)
		}
	}
	if len(o.viol) == 0 {
		o.decision = policy.Approved
	}
	return o
}

func score(c *policy.Checker, brand *policy.BrandPack, exs []Example) []outcome {
	out := make([]outcome, len(exs))
	for i, e := range exs {
		out[i] = check(c, brand, e)
	}
	return out
}

// figures are the summary numbers of one pack on one part.
type figures struct {
	tp, fp, fn           map[string]int
	caught, violations   int
	passed, clean        int
	labelsHit, labelsAll int
	confusion            map[string]map[string]int // wanted → found (or "none")
}

func summarise(exs []Example, outs []outcome) figures {
	f := figures{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}, confusion: map[string]map[string]int{}}
	for i, e := range exs {
		o := outs[i]
		if len(e.Want) == 0 {
			f.clean++
			if len(o.got) == 0 {
				f.passed++
			}
		} else {
			f.violations++
			if len(o.got) > 0 {
				f.caught++
			}
		}
		for _, c := range e.Want {
			f.labelsAll++
			if f.confusion[c] == nil {
				f.confusion[c] = map[string]int{}
			}
			if slices.Contains(o.got, c) {
				f.tp[c]++
				f.labelsHit++
			} else {
				f.fn[c]++
				if len(o.got) == 0 {
					f.confusion[c]["none"]++
				}
				for _, g := range o.got {
					if !slices.Contains(e.Want, g) {
						f.confusion[c][g]++
					}
				}
			}
		}
		for _, g := range o.got {
			if !slices.Contains(e.Want, g) {
				f.fp[g]++
				if len(e.Want) == 0 {
					if f.confusion["clean"] == nil {
						f.confusion["clean"] = map[string]int{}
					}
					f.confusion["clean"][g]++
				}
			}
		}
	}
	return f
}

func ratio(a, b int) string {
	if b == 0 {
		return "  -  "
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}

func report(part, lang string, exs []Example, before, rules, after []outcome) {
	b, ru, a := summarise(exs, before), summarise(exs, rules), summarise(exs, after)
	fmt.Printf("\n== %s part, %s: %d examples (%d with violations, %d clean)\n", part, lang, len(exs), a.violations, a.clean)
	fmt.Printf("%-20s %5s   %-15s   %-15s   %-15s\n", "", "", "first packs", "rules", "rules + model")
	fmt.Printf("%-20s %5s   %7s %7s   %7s %7s   %7s %7s\n", "category", "n", "prec", "recall", "prec", "recall", "prec", "recall")
	for _, c := range order {
		n := a.tp[c] + a.fn[c]
		if n == 0 && a.fp[c] == 0 && b.fp[c] == 0 && ru.fp[c] == 0 {
			continue
		}
		fmt.Printf("%-20s %5d   %7s %7s   %7s %7s   %7s %7s\n", c, n,
			ratio(b.tp[c], b.tp[c]+b.fp[c]), ratio(b.tp[c], n), ratio(ru.tp[c], ru.tp[c]+ru.fp[c]), ratio(ru.tp[c], n),
			ratio(a.tp[c], a.tp[c]+a.fp[c]), ratio(a.tp[c], n))
	}
	fmt.Printf("%-20s %5d   %7s %7s   %7s %7s   %7s %7s\n", "recall (labels)", a.labelsAll, "", ratio(b.labelsHit, b.labelsAll), "", ratio(ru.labelsHit, ru.labelsAll), "", ratio(a.labelsHit, a.labelsAll))
	fmt.Printf("%-20s %5d   %7s %7s   %7s %7s   %7s %7s\n", "violations caught", a.violations, "", ratio(b.caught, b.violations), "", ratio(ru.caught, ru.violations), "", ratio(a.caught, a.violations))
	fmt.Printf("%-20s %5d   %7s %7s   %7s %7s   %7s %7s\n", "clean passed", a.clean, "", ratio(b.passed, b.clean), "", ratio(ru.passed, ru.clean), "", ratio(a.passed, a.clean))
	fmt.Printf("confusion, rules + model (expected category: what was found instead, when the expected one was missed; clean: false alarms)\n")
	printConfusion(a)
	fmt.Printf("confusion, rules alone\n")
	printConfusion(ru)
	fmt.Printf("confusion, first packs\n")
	printConfusion(b)
}

// printGoals says, for the rules with the claims model on the test part,
// whether the goals are met: recall (of the labels, and violations
// caught) and clean-pass of at least 0.95, and no category's recall under
// 0.90.
func printGoals(lang string, f figures) {
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	frac := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	recall, caught, passed := frac(f.labelsHit, f.labelsAll), frac(f.caught, f.violations), frac(f.passed, f.clean)
	var low []string
	for _, c := range order {
		if n := f.tp[c] + f.fn[c]; n > 0 && frac(f.tp[c], n) < 0.90 {
			low = append(low, fmt.Sprintf("%s %.3f", c, frac(f.tp[c], n)))
		}
	}
	fmt.Printf("goals, test part, %s, rules + model: recall %.3f and violations caught %.3f >= 0.95 %s; clean passed %.3f >= 0.95 %s; every category >= 0.90 %s",
		lang, recall, caught, met(recall >= 0.95 && caught >= 0.95), passed, met(passed >= 0.95), met(len(low) == 0))
	if len(low) > 0 {
		fmt.Printf(" (%s)", strings.Join(low, ", "))
	}
	fmt.Println()
}

func printConfusion(f figures) {
	keys := append(slices.Clone(order), "clean")
	any := false
	for _, c := range keys {
		row := f.confusion[c]
		if len(row) == 0 {
			continue
		}
		var cells []string
		for k, n := range row {
			cells = append(cells, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(cells)
		fmt.Printf("  %-20s %s\n", c+":", strings.Join(cells, ", "))
		any = true
	}
	if !any {
		fmt.Printf("  (none)\n")
	}
}

func listMisses(exs []Example, outs []outcome) {
	for i, e := range exs {
		o := outs[i]
		var missing, extra []string
		for _, c := range e.Want {
			if !slices.Contains(o.got, c) {
				missing = append(missing, c)
			}
		}
		for _, g := range o.got {
			if !slices.Contains(e.Want, g) {
				extra = append(extra, g)
			}
		}
		if len(missing) == 0 && len(extra) == 0 {
			continue
		}
		fmt.Printf("  %s:%d %s want=%v missing=%v extra=%v %q\n", e.Lang, e.Line, e.source(), e.Want, missing, extra, e.Text)
		for _, v := range o.viol {
			if slices.Contains(extra, v.Category) {
				fmt.Printf("      %s %q\n", v.Rule, e.Text[v.Span[0]:v.Span[1]])
			}
		}
	}
}

// latency times the check of a 2 KB draft made of development examples of
// one language.
func latency(c *policy.Checker, brand *policy.BrandPack, exs []Example, lang string) {
	var b strings.Builder
	for b.Len() < 2048 {
		for _, e := range exs {
			if e.Lang == lang && e.part() == "dev" && b.Len() < 2048 {
				b.WriteString(e.Text)
				b.WriteString(" ")
			}
		}
	}
	draft := b.String()
	const runs = 2000
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wall := make([]time.Duration, runs)
	cpu := make([]time.Duration, runs)
	haveCPU := true
	for i := range wall {
		c0, ok := threadCPU()
		t := time.Now()
		c.Check(draft, policy.CheckOptions{Channel: "newsletter", Lang: lang, Brand: brand})
		wall[i] = time.Since(t)
		c1, _ := threadCPU()
		cpu[i] = time.Duration(c1 - c0)
		haveCPU = haveCPU && ok
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	fmt.Printf(" check of a %d-byte %s draft, %d runs: wall p50 %v, p99 %v", len(draft), lang, runs, wall[runs/2].Round(time.Microsecond), wall[runs*99/100].Round(time.Microsecond))
	if haveCPU {
		fmt.Printf("; CPU of the checking thread p50 %v, p99 %v (apart from other processes on the machine)", cpu[runs/2].Round(time.Microsecond), cpu[runs*99/100].Round(time.Microsecond))
	}
	fmt.Println()
}

// writeSuite writes the test part as an eval suite of text cases: a text
// with violations must show each expected category, a clean text must be
// approved.
func writeSuite(path, dir string, exs []Example) error {
	var b strings.Builder
	b.WriteString("# Claims: the test part of the labelled policy benchmark (" + dir + ", themes in split.txt),\n")
	b.WriteString("# generated by `go run ./bench/policy -write-suite " + path + "`; do not edit by hand.\n")
	b.WriteString("# A text with violations must show each expected category; a clean text must be approved.\n")
	b.WriteString("# The baseline records which cases pass, so a pack change that loses a caught claim\n")
	b.WriteString("# (recall) or flags a clean text (clean-pass) fails the run.\n")
	b.WriteString("suite: claims\n")
	b.WriteString("description: Test part of the German and English claims benchmark, checked with the built-in packs.\n")
	b.WriteString("tolerances:\n  pass_rate: 0\n")
	b.WriteString("fixtures:\n  brand: " + filepath.ToSlash(filepath.Join(dir, "brand.yaml")) + "\n  packs:\n    de: de-marketing\n    en: en-marketing\n")
	b.WriteString("cases:\n")
	for _, e := range exs {
		if e.part() != "test" {
			continue
		}
		fmt.Fprintf(&b, "  - name: %s-%s-%d\n", e.Lang, e.Theme, e.Line)
		fmt.Fprintf(&b, "    text: %s\n", yamlQuote(e.Text))
		fmt.Fprintf(&b, "    lang: %s\n    channel: %s\n    ai_disclosed: true\n    expect:\n", e.Lang, e.Channel)
		if len(e.Want) == 0 {
			b.WriteString("      - decision: approved\n")
		}
		for _, c := range e.Want {
			fmt.Fprintf(&b, "      - violation: %s\n", c)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
