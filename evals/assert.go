package evals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
	"kontext/llm"
)

// evaluate checks one assertion against a case's outcome.
func (run *suiteRun) evaluate(ctx context.Context, a Assertion, o *outcome) AssertionResult {
	res := AssertionResult{Name: a.Name(), Status: StatusPassed}
	fail := func(format string, args ...any) AssertionResult {
		res.Status, res.Message = StatusFailed, fmt.Sprintf(format, args...)
		return res
	}
	// Assertions about a draft fail plainly when the brief was rejected.
	needsText := a.Kind != AInjectionRejected && a.Kind != AMaxLatencyMS && a.Kind != ANotRetrieved &&
		a.Kind != ANotContains && a.Kind != ANotRegex && a.Kind != ANoPII && a.Kind != ANoViolation && a.Kind != AMaxCostEUR
	if o.rejected && needsText {
		return fail("the brief was rejected as prompt injection (%s)", strings.Join(first(o.scanned, 2), "; "))
	}
	switch a.Kind {
	case AContains, ANotContains:
		hay, needle := o.text, a.Text
		if a.IgnoreCase {
			hay, needle = strings.ToLower(hay), strings.ToLower(needle)
		}
		has := strings.Contains(hay, needle)
		if has && a.Kind == ANotContains {
			return fail("found in %q", excerptAround(o.text, strings.Index(hay, needle), len(needle)))
		}
		if !has && a.Kind == AContains {
			return fail("not found in %q", clip(o.text, 160))
		}
	case ARegex, ANotRegex:
		loc := a.re.FindStringIndex(o.text)
		if loc != nil && a.Kind == ANotRegex {
			return fail("matches %q", o.text[loc[0]:loc[1]])
		}
		if loc == nil && a.Kind == ARegex {
			return fail("no match in %q", clip(o.text, 160))
		}
	case ADecision:
		if !o.decided {
			return fail("no decision")
		}
		if !slices.Contains(a.Values, o.decision) {
			return fail("got %s (%s)", o.decision, violationList(o.violations))
		}
	case AViolation, ANoViolation:
		var hits []string
		for _, v := range o.violations {
			if v.Rule == a.Text || v.Category == a.Text {
				hits = append(hits, v.Rule)
			}
		}
		if a.Kind == AViolation && len(hits) == 0 {
			return fail("absent (%s)", violationList(o.violations))
		}
		if a.Kind == ANoViolation && len(hits) > 0 {
			return fail("present: %s", violationList(o.violations))
		}
	case AMinCitations:
		if float64(len(o.cited)) < a.Number {
			return fail("%d cited (%v); want at least %g", len(o.cited), o.cited, a.Number)
		}
	case ACites:
		for _, id := range a.Values {
			if !slices.Contains(o.cited, id) {
				return fail("%s is not cited; cited: %v", id, o.cited)
			}
		}
	case ACitationSupport:
		s := o.support()
		if s == nil || *s < a.Number-1e-9 {
			got := 0.0
			if s != nil {
				got = *s
			}
			return fail("%.2f of %d sentences supported; want at least %.2f%s", got, len(o.sentences), a.Number, unsupported(o))
		}
	case ANoPII:
		if !a.Bool {
			break // no_pii: false asserts nothing
		}
		if fs := run.r.detector.Detect(o.text); len(fs) > 0 {
			return fail("personal data in the output: %s", findingTypes(fs))
		}
		for i, p := range o.payloads {
			if err := run.r.detector.CheckEgress(p); err != nil {
				var ee *pii.EgressError
				if errors.As(err, &ee) {
					return fail("personal data in provider payload %d: %v", i+1, ee.Types)
				}
				return fail("provider payload %d: %v", i+1, err)
			}
		}
	case AMaxChars:
		if n := len([]rune(o.text)); float64(n) > a.Number {
			return fail("%d characters", n)
		}
	case ALanguage:
		if got := ingest.DetectLanguage(stripCitations(o.text)); got != a.Text {
			return fail("detected %s", got)
		}
	case AAddressForm:
		res := run.checkers["de"].Check(o.text, policy.CheckOptions{Lang: "de", Brand: run.r.forms[a.Text]})
		for _, v := range res.Violations {
			if v.Rule == "brand.address_form" {
				return fail("%s", v.Message)
			}
		}
	case AInjectionRejected:
		got := o.rejected || o.dropped > 0 || o.injection
		if got != a.Bool {
			if got {
				return fail("rejected: %s", injectionWhere(o))
			}
			return fail("not rejected")
		}
		if got {
			res.Message = injectionWhere(o)
		}
	case ARetrieved:
		top := o.sources
		if o.kind == KindRetrieval {
			top = o.ranked[:min(o.k, len(o.ranked))]
		}
		var missing []string
		for _, id := range a.Values {
			if !slices.Contains(top, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return fail("missing %v from the top %d: %v", missing, len(top), top)
		}
	case ANotRetrieved:
		all := o.sources
		if o.kind == KindRetrieval {
			all = o.ranked
		}
		for _, id := range a.Values {
			if i := slices.Index(all, id); i >= 0 {
				return fail("%s was retrieved at rank %d", id, i+1)
			}
		}
	case AMaxLatencyMS:
		if o.latency > a.Number {
			return fail("took %.0f ms", o.latency)
		}
	case AMaxCostEUR:
		if o.cost > a.Number+1e-12 {
			return fail("cost %.6f EUR", o.cost)
		}
	case ALLMJudge:
		if run.judge == nil {
			res.Status, res.Message = StatusSkipped, "SKIPPED: "+run.judgeWhy
			return res
		}
		score, why, err := judge(ctx, run.judge, a.Rubric, o.text)
		if err != nil {
			return fail("judge: %v", err)
		}
		if score < a.Number {
			return fail("score %.2f < %.2f: %s", score, a.Number, why)
		}
		res.Message = fmt.Sprintf("score %.2f: %s", score, why)
	default:
		return fail("unknown assertion")
	}
	return res
}

func injectionWhere(o *outcome) string {
	switch {
	case o.rejected:
		return "brief rejected: " + strings.Join(first(o.scanned, 2), "; ")
	case o.dropped > 0:
		return fmt.Sprintf("%d retrieved chunk(s) left out of the prompt", o.dropped)
	case o.injection:
		return "scan: " + strings.Join(first(o.scanned, 2), "; ")
	}
	return ""
}

func violationList(vs []policy.Violation) string {
	if len(vs) == 0 {
		return "no violations"
	}
	var ids []string
	for _, v := range vs {
		if !slices.Contains(ids, v.Rule) {
			ids = append(ids, v.Rule)
		}
	}
	return "violations: " + strings.Join(ids, ", ")
}

func findingTypes(fs []pii.Finding) string {
	counts := map[string]int{}
	var types []string
	for _, f := range fs {
		if counts[f.Type] == 0 {
			types = append(types, f.Type)
		}
		counts[f.Type]++
	}
	var parts []string
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	return strings.Join(parts, ", ")
}

func unsupported(o *outcome) string {
	for _, s := range o.sentences {
		if !s.Supported {
			return fmt.Sprintf("; first unsupported: %q (%s)", clip(s.Text, 80), s.Reason)
		}
	}
	return ""
}

var citationMarkRE = regexp.MustCompile(`\[\d+\]`)

// stripCitations removes [n] markers, which carry no language.
func stripCitations(s string) string { return citationMarkRE.ReplaceAllString(s, "") }

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func excerptAround(s string, at, n int) string {
	if at < 0 {
		return clip(s, 80)
	}
	lo, hi := max(0, at-40), min(len(s), at+n+40)
	for lo > 0 && !isRuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !isRuneStart(s[hi]) {
		hi++
	}
	return clip(s[lo:hi], 120)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// recallAt is the share of relevant documents among the first k of ranked.
func recallAt(ranked, relevant []string, k int) float64 {
	if len(relevant) == 0 {
		return 1
	}
	top := ranked[:min(k, len(ranked))]
	n := 0
	for _, id := range relevant {
		if slices.Contains(top, id) {
			n++
		}
	}
	return float64(n) / float64(len(relevant))
}

// ndcgAt is the normalised discounted cumulative gain of the first k of
// ranked with binary relevance.
func ndcgAt(ranked, relevant []string, k int) float64 {
	if len(relevant) == 0 {
		return 1
	}
	dcg := 0.0
	for i, id := range ranked[:min(k, len(ranked))] {
		if slices.Contains(relevant, id) {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	ideal := 0.0
	for i := range min(k, len(relevant)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	return dcg / ideal
}

// judgeSystem is the grading instruction; the draft is fenced as
// untrusted text so that a draft cannot talk the judge into a score.
const judgeSystem = `You grade marketing drafts against a rubric. Read the rubric and the draft, then answer with one JSON object and nothing else: {"score": <number from 0 to 1>, "reason": "<one sentence>"}. A score of 1 means the draft fully meets the rubric, 0 that it does not meet it at all. `

// judge asks a provider to grade text against a rubric.
func judge(ctx context.Context, chat llm.Chat, rubric, text string) (float64, string, error) {
	spot := inject.NewSpotlighter()
	req := llm.ChatRequest{
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: judgeSystem + spot.Instruction()},
			{Role: llm.RoleUser, Content: "Rubric:\n" + rubric + "\n\nDraft:\n" + spot.Wrap(text)},
		},
		MaxTokens:   200,
		Temperature: new(float32),
	}
	resp, err := chat.Chat(ctx, req, nil)
	if err != nil {
		return 0, "", err
	}
	return parseJudgement(resp.Text)
}

// parseJudgement reads the judge's JSON object, tolerating text around it.
func parseJudgement(s string) (float64, string, error) {
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i {
		return 0, "", fmt.Errorf("the judge answered without a JSON object: %q", clip(s, 120))
	}
	var v struct {
		Score  *float64 `json:"score"`
		Reason string   `json:"reason"`
	}
	if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil || v.Score == nil || *v.Score < 0 || *v.Score > 1 {
		return 0, "", fmt.Errorf("the judge's answer %q holds no score from 0 to 1", clip(s, 120))
	}
	return *v.Score, v.Reason, nil
}
