// Command guard measures the prompt-injection detector on the committed test
// splits under testdata/injection/test and on the demo corpus in examples/
// (never trained on), beside the rules alone, and times it:
//
//	go run ./bench/guard
//
// For every group (each test set, then each language and side) it prints
// TPR, FPR and precision at the scanner's default thresholds, ROC-AUC, and
// the TPR at FPR 0.01 and 0.05; then the throughput in MB/s on one core and
// the p99 latency of one scan of a 2 KB text (CPU time and wall clock: on
// a shared machine the wall clock includes waiting for the core).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"kontext/guard/inject"
	"kontext/guard/inject/corpus"
)

func main() {
	data := flag.String("data", "testdata/injection/test", "directory of test JSONL files")
	examples := flag.String("examples", "examples", "demo corpus directory (benign paragraphs; poisoned/ files are injections)")
	iters := flag.Int("n", 4000, "scans of the 2 KB text for the timing")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	rows, err := load(*data, *examples)
	if err != nil {
		log.Fatal(err)
	}
	combined := inject.NewInjectionScanner(inject.InjectionOptions{})
	rules := inject.NewInjectionScanner(inject.InjectionOptions{RulesOnly: true})
	type scored struct {
		ex       corpus.Example
		c, r     float64
		cHit, rH bool
	}
	var all []scored
	for _, ex := range rows {
		as, err := inject.ParseSource(ex.Side)
		if err != nil {
			log.Fatal(err)
		}
		c := combined.Scan(ex.Text, as)
		r := rules.Scan(ex.Text, as)
		all = append(all, scored{ex, c.Score, r.Score, c.Injection, r.Injection})
	}
	type group struct {
		name string
		keep func(corpus.Example) bool
	}
	var groups []group
	sets := map[string]bool{}
	for _, s := range all {
		sets[setName(s.ex)] = true
	}
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		groups = append(groups, group{n, func(e corpus.Example) bool { return setName(e) == n }})
	}
	for _, lang := range []string{"de", "en"} {
		for _, side := range []string{"brief", "document", "guideline"} {
			groups = append(groups, group{"all " + lang + " " + side, func(e corpus.Example) bool { return e.Lang == lang && e.Side == side }})
		}
	}
	groups = append(groups, group{"all", func(corpus.Example) bool { return true }})

	fmt.Printf("Injection detection on %d held-out texts (thresholds: brief %.2f, document %.2f); model | rules alone\n\n", len(all), inject.DefaultBriefThreshold, inject.DefaultDocumentThreshold)
	fmt.Println("| set | inj | benign | TPR | FPR | precision | ROC-AUC | TPR@FPR0.01 | TPR@FPR0.05 |")
	fmt.Println("| --- | ---: | ---: | --- | --- | --- | --- | --- | --- |")
	for _, g := range groups {
		var cm, rm metrics
		for _, s := range all {
			if !g.keep(s.ex) {
				continue
			}
			cm.add(s.c, s.cHit, s.ex.Label == 1)
			rm.add(s.r, s.rH, s.ex.Label == 1)
		}
		if cm.pos+cm.neg == 0 {
			continue
		}
		fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", g.name, cm.pos, cm.neg,
			pair(cm.tpr(), rm.tpr(), cm.pos > 0), pair(cm.fpr(), rm.fpr(), cm.neg > 0), pair(cm.precision(), rm.precision(), cm.tp+cm.fp > 0 || rm.tp+rm.fp > 0),
			pair(cm.auc(), rm.auc(), cm.pos > 0 && cm.neg > 0), pair(cm.tprAt(0.01), rm.tprAt(0.01), cm.pos > 0 && cm.neg > 0), pair(cm.tprAt(0.05), rm.tprAt(0.05), cm.pos > 0 && cm.neg > 0))
	}
	timing(combined, rows, *iters)
}

// setName names the test set a row belongs to, by language and side.
func setName(e corpus.Example) string {
	src := e.Source
	if i := strings.IndexByte(src, ':'); i > 0 {
		src = src[:i]
	}
	return fmt.Sprintf("%s %s %s", src, e.Lang, e.Side)
}

func pair(a, b float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.3f \\| %.3f", a, b)
}

type metrics struct {
	pos, neg       int
	tp, fp         int
	scores, labels []float64
}

func (m *metrics) add(score float64, hit, injection bool) {
	y := 0.0
	if injection {
		m.pos++
		y = 1
		if hit {
			m.tp++
		}
	} else {
		m.neg++
		if hit {
			m.fp++
		}
	}
	m.scores = append(m.scores, score)
	m.labels = append(m.labels, y)
}

func (m *metrics) tpr() float64 { return ratio(m.tp, m.pos) }
func (m *metrics) fpr() float64 { return ratio(m.fp, m.neg) }
func (m *metrics) precision() float64 {
	return ratio(m.tp, m.tp+m.fp)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// order returns the row indexes by descending score.
func (m *metrics) order() []int {
	idx := make([]int, len(m.scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return m.scores[idx[a]] > m.scores[idx[b]] })
	return idx
}

// auc is the probability that an injection outscores a benign text, ties
// counting half.
func (m *metrics) auc() float64 {
	var pos, neg []float64
	for i, s := range m.scores {
		if m.labels[i] == 1 {
			pos = append(pos, s)
		} else {
			neg = append(neg, s)
		}
	}
	slices.Sort(neg)
	sum := 0.0
	for _, p := range pos {
		lo, _ := slices.BinarySearch(neg, p)
		hi := lo
		for hi < len(neg) && neg[hi] == p {
			hi++
		}
		sum += float64(lo) + float64(hi-lo)/2
	}
	return sum / float64(len(pos)*len(neg))
}

// tprAt is the highest TPR at a score threshold whose FPR is at most fpr.
func (m *metrics) tprAt(fpr float64) float64 {
	idx := m.order()
	best, tp, fp := 0.0, 0, 0
	for k, i := range idx {
		if m.labels[i] == 1 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && m.scores[idx[k+1]] == m.scores[i] {
			continue // a threshold cannot split tied scores
		}
		if float64(fp) <= fpr*float64(m.neg) {
			best = math.Max(best, float64(tp)/float64(m.pos))
		}
	}
	return best
}

// timing scans a 2 KB text made of benign test documents on one core.
func timing(s *inject.InjectionScanner, rows []corpus.Example, n int) {
	var b strings.Builder
	for _, ex := range rows {
		if ex.Label == 0 && ex.Side == "document" && b.Len() < 2048 {
			b.WriteString(ex.Text)
			b.WriteString("\n\n")
		}
	}
	text := b.String()
	if len(text) > 2048 {
		text = strings.ToValidUTF8(text[:2048], "")
	}
	for range 50 {
		s.Scan(text, inject.Document)
	}
	lat := make([]time.Duration, n)
	cpu0 := cpuTime()
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		s.Scan(text, inject.Document)
		lat[i] = time.Since(t0)
	}
	total := time.Since(start)
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	mbps := float64(len(text)*n) / total.Seconds() / 1e6
	cpuMBps := float64(len(text)*n) / cpu.Seconds() / 1e6
	big := strings.Repeat(text, 100<<10/len(text)+1)[:100<<10]
	big = strings.ToValidUTF8(big, "")
	const bigN = 50
	c0 := cpuTime()
	for range bigN {
		s.Scan(big, inject.Document)
	}
	bigCPU := (cpuTime() - c0) / bigN
	fmt.Printf("\n100 KB document: %s CPU per scan (%.1f MB/s)", bigCPU.Round(10*time.Microsecond), float64(len(big))/bigCPU.Seconds()/1e6)
	fmt.Printf("\nThroughput on one core (GOMAXPROCS=1), %d-byte document, %d scans: %.1f MB/s of CPU time (%.1f MB/s wall clock; %s CPU per scan); wall-clock latency p50 %s, p99 %s\n",
		len(text), n, cpuMBps, mbps, (cpu / time.Duration(n)).Round(time.Microsecond), lat[n/2].Round(time.Microsecond), lat[n*99/100].Round(time.Microsecond))
}

// cpuTime is the CPU time the process has used (user and system): on a
// machine shared with other work it measures the scanner's cost where wall
// clock time measures the queue for the core as well.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load reads the test JSONL files and the demo corpus: every paragraph of
// at least 60 bytes of the Markdown files under examples/ as a benign
// document, the briefs of examples/campaign.jsonl as benign briefs, and each
// file under a poisoned/ directory whole as an injected document.
func load(data, examples string) ([]corpus.Example, error) {
	files, err := filepath.Glob(filepath.Join(data, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	rows, err := corpus.LoadAll(files...)
	if err != nil {
		return nil, err
	}
	err = filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") || filepath.Base(path) == "README.md" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(path, "poisoned") {
			rows = append(rows, corpus.Example{Text: string(b), Label: 1, Lang: corpus.GuessLang(string(b)), Side: "document", Source: "examples", Doc: path})
			return nil
		}
		side := "document"
		if strings.HasPrefix(filepath.Base(path), "brand-guide") {
			side = "guideline" // ingested with purpose guideline (scripts/demo.sh)
		}
		for i, p := range strings.Split(string(b), "\n\n") {
			if p = strings.TrimSpace(p); len(p) >= 60 {
				rows = append(rows, corpus.Example{Text: p, Lang: corpus.GuessLang(p), Side: side, Source: "examples", Doc: fmt.Sprintf("%s#%d", path, i)})
			}
		}
		// and whole, as ingest scans it
		rows = append(rows, corpus.Example{Text: string(b), Lang: corpus.GuessLang(string(b)), Side: side, Source: "examples-whole", Doc: path})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", examples, err)
	}
	f, err := os.Open(filepath.Join(examples, "campaign.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c struct {
			Brief string `json:"brief"`
			Lang  string `json:"lang"`
		}
		if json.Unmarshal(sc.Bytes(), &c) == nil && c.Brief != "" {
			rows = append(rows, corpus.Example{Text: c.Brief, Lang: c.Lang, Side: "brief", Source: "examples", Doc: "campaign"})
		}
	}
	return rows, sc.Err()
}
