package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
)

// maxStdin bounds what the guard commands read from standard input.
const maxStdin = 16 << 20

func readStdin(stdin io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, maxStdin+1))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	if len(b) > maxStdin {
		return "", fmt.Errorf("%w: standard input over %d bytes", errUsage, maxStdin)
	}
	return string(b), nil
}

// stdin is where the guard commands read text; tests replace it.
var stdin io.Reader = os.Stdin

// newDetector returns the personal data detector used across commands.
func newDetector() *pii.Detector {
	return pii.NewDetector(pii.DetectorOptions{})
}

// injectionScanner returns the prompt injection scanner with the configured
// threshold (KONTEXT_INJECTION_THRESHOLD) for both briefs and documents.
func injectionScanner(cfg Config) *inject.InjectionScanner {
	return inject.NewInjectionScanner(inject.InjectionOptions{BriefThreshold: cfg.InjectionThreshold, DocumentThreshold: cfg.InjectionThreshold})
}

// guardScanners returns the guard checks ingest runs on every document.
func guardScanners(cfg Config) ingest.Scanners {
	inj := injectionScanner(cfg)
	// The raw source (markup included) is read by the rules only: the model
	// was trained on prose, and tags and attributes are not.
	rules := inject.NewInjectionScanner(inject.InjectionOptions{BriefThreshold: cfg.InjectionThreshold,
		DocumentThreshold: cfg.InjectionThreshold, RulesOnly: true})
	scanAs := func(s *inject.InjectionScanner, as inject.Source) func(string) (bool, float64, []string) {
		return func(text string) (bool, float64, []string) {
			r := s.Scan(text, as)
			return r.Injection, r.Score, r.Reasons
		}
	}
	return ingest.Scanners{PII: newDetector().Detect, Injection: scanAs(inj, inject.Document), InjectionSource: scanAs(rules, inject.Document),
		InjectionGuideline: scanAs(inj, inject.Guideline)}
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext scan", flag.ContinueOnError)
	as := fs.String("as", "brief", "what the text is: brief, document or guideline")
	asJSON := fs.Bool("json", false, "print JSON")
	envThreshold, _ := strconv.ParseFloat(os.Getenv("KONTEXT_INJECTION_THRESHOLD"), 64)
	threshold := fs.Float64("threshold", envThreshold, "score from which text counts as an injection (env KONTEXT_INJECTION_THRESHOLD; default: 0.5 for briefs, 0.6 for documents)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	src, err := inject.ParseSource(*as)
	if err != nil {
		return fmt.Errorf("%w: --as: %v", errUsage, err)
	}
	if done, err := dryRun(ctx, nil); done {
		return err
	}
	text, err := readStdin(stdin)
	if err != nil {
		return err
	}
	opts := inject.InjectionOptions{}
	if *threshold > 0 {
		opts.BriefThreshold, opts.DocumentThreshold = *threshold, *threshold
	}
	r := inject.NewInjectionScanner(opts).Scan(text, src)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	verdict := "no injection"
	if r.Injection {
		verdict = "INJECTION"
	}
	fmt.Fprintf(stdout, "%s (score %.2f)\n", verdict, r.Score)
	for _, reason := range r.Reasons {
		fmt.Fprintf(stdout, "  - %s\n", reason)
	}
	return nil
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext check", flag.ContinueOnError)
	pack := fs.String("pack", "de-marketing", "policy pack: a built-in name ("+strings.Join(policy.BuiltinPacks(), ", ")+") or a YAML file")
	brand := fs.String("brand", "", "brand pack YAML file")
	channel := fs.String("channel", "", "channel the draft is for: newsletter, social_post, product_description, …")
	lang := fs.String("lang", "", "language of the draft: de or en (default: the pack's)")
	disclosed := fs.Bool("ai-disclosed", false, "the AI-disclosure label is attached outside the text")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if done, err := dryRun(ctx, nil); done {
		return err
	}
	p, err := policy.LoadPack(*pack)
	if err != nil {
		return err
	}
	opts := policy.CheckOptions{Channel: *channel, Lang: *lang, AIDisclosed: *disclosed}
	if *brand != "" {
		if opts.Brand, err = policy.LoadBrand(*brand); err != nil {
			return err
		}
	}
	text, err := readStdin(stdin)
	if err != nil {
		return err
	}
	res := policy.NewChecker(p, policy.WithPersonalData(newDetector())).Check(text, opts)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s\n", res.Decision)
	for _, v := range res.Violations {
		excerpt := ""
		if v.Span[1] > v.Span[0] && v.Span[1] <= len(text) {
			excerpt = fmt.Sprintf(" %q", text[v.Span[0]:v.Span[1]])
		}
		fmt.Fprintf(stdout, "  [%s] %s (%s)%s: %s\n", v.Severity, v.Category, v.Rule, excerpt, v.Message)
	}
	return nil
}

func runRedact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext redact", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON: the text and the findings")
	allow := fs.String("allow", "", "comma-separated names never treated as persons (brand, products, places)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if done, err := dryRun(ctx, nil); done {
		return err
	}
	text, err := readStdin(stdin)
	if err != nil {
		return err
	}
	out, findings := pii.NewDetector(pii.DetectorOptions{AllowList: splitList(*allow)}).Redact(text)
	if *asJSON {
		if findings == nil {
			findings = []pii.Finding{}
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"text": out, "findings": findings})
	}
	_, err = io.WriteString(stdout, out)
	return err
}
