// Package evals is Kontext's regression suite: suites written in YAML name
// fixture documents, a brand and policy packs, a principal and a provider,
// and list cases — briefs to generate from, texts to check, queries to
// search — each with assertions about the outcome. The runner loads each
// suite into a fresh tenant, runs its cases through the real pipeline,
// scores them, compares the run with a stored baseline and writes JSON and
// JUnit reports, so that CI stops a release when a prompt, pack or model
// change breaks brand, compliance, privacy, security or retrieval.
package evals

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"kontext"
)

// Suite is one suite file: fixtures, a principal, a provider and cases.
type Suite struct {
	// Name identifies the suite in reports and baselines; it defaults to
	// the file name without extension.
	Name        string `yaml:"suite"`
	Description string `yaml:"description"`
	// Fixtures are loaded into the suite's tenant before any case runs.
	Fixtures Fixtures `yaml:"fixtures"`
	// Principal is who the cases run as, unless a case names its own.
	Principal Principal `yaml:"principal"`
	// Provider names the chat provider: "offline" (the default) or the
	// name of an entry of the providers file.
	Provider string `yaml:"provider"`
	// Judge names the provider that grades llm_judge assertions; empty
	// leaves them skipped unless the runner is given one.
	Judge string `yaml:"judge"`
	// Tolerances overrides how far a metric may drop before it counts as
	// a regression, by metric name (pass_rate, recall_at_k, ndcg_at_10,
	// citation_support).
	Tolerances map[string]float64 `yaml:"tolerances"`
	Cases      []Case             `yaml:"cases"`

	// Path is the file the suite was read from.
	Path string `yaml:"-"`
}

// Fixtures are what a suite's tenant holds.
type Fixtures struct {
	Documents []Document `yaml:"documents"`
	// Brand is a brand pack file; empty checks without brand rules.
	Brand string `yaml:"brand"`
	// Packs maps a language ("de", "en") to a policy pack: a built-in
	// name or a pack file. Languages not named use the built-in packs.
	Packs map[string]string `yaml:"packs"`
}

// Document is one fixture document: a file, every supported file under a
// directory, or inline text.
type Document struct {
	// Path is a file or directory relative to the runner's root (the
	// repository). Directories give external ids as `kontext ingest`
	// does: the directory's name followed by the path below it.
	Path string `yaml:"path"`
	// Text is the document's content when there is no Path.
	Text string `yaml:"text"`
	// ID is the external id; required for inline text, defaults to the
	// file name for a file.
	ID             string   `yaml:"id"`
	Title          string   `yaml:"title"`
	Lang           string   `yaml:"lang"`
	Classification string   `yaml:"classification"`
	Groups         []string `yaml:"groups"`
	Users          []string `yaml:"users"`
	TenantWide     bool     `yaml:"tenant_wide"`
	// AllowInstructions stores a document with injection-like text as
	// active instead of quarantining it, so that the generate pipeline's
	// own defence is what is tested.
	AllowInstructions bool `yaml:"allow_instructions"`
	// Purpose is reference (the default), guideline (a brand guide: writing
	// rules, never a source) or correspondence (support mail, CRM notes).
	Purpose string `yaml:"purpose"`
}

// Principal is who a case runs as.
type Principal struct {
	User      string   `yaml:"user"`
	Groups    []string `yaml:"groups"`
	Clearance string   `yaml:"clearance"`
	Role      string   `yaml:"role"`
}

// Case is one test: exactly one of Input (generate), Text (guard check or
// injection scan) or Query (retrieval), and its assertions.
type Case struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Skip, when set, says why the case is not run; it is reported as
	// skipped with this reason.
	Skip string `yaml:"skip"`
	// Principal replaces the suite's principal for this case.
	Principal *Principal `yaml:"principal"`

	Input *Input `yaml:"input"`

	Text string `yaml:"text"`
	// Lang is the language of Text, or of Query.
	Lang    string `yaml:"lang"`
	Channel string `yaml:"channel"`
	// Scan is what Text is scanned as for injection_rejected: "brief"
	// (the default) or "document".
	Scan string `yaml:"scan"`
	// AIDisclosed tells the check that an AI label travels beside Text.
	AIDisclosed bool `yaml:"ai_disclosed"`

	Query string `yaml:"query"`
	K     int    `yaml:"k"`

	Expect []Assertion `yaml:"expect"`
}

// Input is a generate request.
type Input struct {
	Brief    string               `yaml:"brief"`
	Channel  string               `yaml:"channel"`
	Lang     string               `yaml:"lang"`
	Audience map[string]Attribute `yaml:"audience"`
	K        int                  `yaml:"k"`
}

// Attribute is one audience attribute of a generate request.
type Attribute struct {
	Value   string `yaml:"value"`
	Consent bool   `yaml:"consent"`
}

// Kind is what a case exercises.
type Kind string

// Kinds of cases.
const (
	KindGenerate  Kind = "generate"
	KindText      Kind = "text"
	KindRetrieval Kind = "retrieval"
)

// Kind returns the kind of the case.
func (c *Case) Kind() Kind {
	switch {
	case c.Input != nil:
		return KindGenerate
	case c.Query != "":
		return KindRetrieval
	}
	return KindText
}

// Assertion kinds.
const (
	AContains          = "contains"
	ANotContains       = "not_contains"
	ARegex             = "regex"
	ANotRegex          = "not_regex"
	ADecision          = "decision"
	AViolation         = "violation"
	ANoViolation       = "no_violation"
	AMinCitations      = "min_citations"
	ACites             = "cites"
	ACitationSupport   = "citation_support"
	ANoPII             = "no_pii"
	AMaxChars          = "max_chars"
	ALanguage          = "language"
	AAddressForm       = "address_form"
	AInjectionRejected = "injection_rejected"
	ARetrieved         = "retrieved"
	ANotRetrieved      = "not_retrieved"
	AMaxLatencyMS      = "max_latency_ms"
	AMaxCostEUR        = "max_cost_eur"
	ALLMJudge          = "llm_judge"
)

// assertionKinds lists the assertion kinds and the case kinds each applies to.
var assertionKinds = map[string][]Kind{
	AContains:          {KindGenerate, KindText, KindRetrieval},
	ANotContains:       {KindGenerate, KindText},
	ARegex:             {KindGenerate, KindText},
	ANotRegex:          {KindGenerate, KindText},
	ADecision:          {KindGenerate, KindText},
	AViolation:         {KindGenerate, KindText},
	ANoViolation:       {KindGenerate, KindText},
	AMinCitations:      {KindGenerate},
	ACites:             {KindGenerate},
	ACitationSupport:   {KindGenerate},
	ANoPII:             {KindGenerate, KindText},
	AMaxChars:          {KindGenerate, KindText},
	ALanguage:          {KindGenerate, KindText},
	AAddressForm:       {KindGenerate, KindText},
	AInjectionRejected: {KindGenerate, KindText},
	ARetrieved:         {KindGenerate, KindRetrieval},
	ANotRetrieved:      {KindGenerate, KindRetrieval},
	AMaxLatencyMS:      {KindGenerate, KindText, KindRetrieval},
	AMaxCostEUR:        {KindGenerate},
	ALLMJudge:          {KindGenerate, KindText},
}

// AssertionKinds returns the names of every assertion kind, sorted.
func AssertionKinds() []string {
	var out []string
	for k := range assertionKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Assertion is one expectation about a case's outcome. In YAML it is a
// map with one key, the kind, whose value is the kind's argument:
//
//	expect:
//	  - contains: Firnwerk                      # or {text: firnwerk, ignore_case: true}
//	  - regex: {pattern: '\d+ °C', ignore_case: true}
//	  - decision: blocked                       # or a list: [approved, needs_review]
//	  - violation: health.cure                  # a rule id or a category
//	  - no_violation: health_claim
//	  - min_citations: 1
//	  - cites: products/gipfelflasche-500.md
//	  - citation_support: 0.8
//	  - no_pii: true
//	  - max_chars: 280
//	  - language: de
//	  - address_form: du
//	  - injection_rejected: true
//	  - retrieved: [products/gipfelflasche-500.md]
//	  - not_retrieved: [internal/q4-pricing-strategy.md]
//	  - max_latency_ms: 2000
//	  - max_cost_eur: 0.01
//	  - llm_judge: {rubric: "Is the tone friendly?", min_score: 0.7}
type Assertion struct {
	Kind string
	// Text is the string or regular expression of contains, not_contains,
	// regex and not_regex, the rule id or category of violation and
	// no_violation, and the language or address form.
	Text       string
	IgnoreCase bool
	// Values are the acceptable decisions, or the document ids of cites,
	// retrieved and not_retrieved.
	Values []string
	// Number is the bound of min_citations, citation_support, max_chars,
	// max_latency_ms, max_cost_eur, and llm_judge's min_score.
	Number float64
	// Bool is the value of no_pii and injection_rejected.
	Bool bool
	// Rubric is llm_judge's grading instruction.
	Rubric string

	re *regexp.Regexp
}

// Name describes the assertion in reports: "decision=blocked",
// "contains \"Firnwerk\"".
func (a Assertion) Name() string {
	switch a.Kind {
	case AContains, ANotContains, ARegex, ANotRegex:
		s := fmt.Sprintf("%s %q", a.Kind, a.Text)
		if a.IgnoreCase {
			s += " (ignore case)"
		}
		return s
	case AViolation, ANoViolation, ALanguage, AAddressForm:
		return a.Kind + "=" + a.Text
	case ADecision, ACites, ARetrieved, ANotRetrieved:
		return a.Kind + "=" + strings.Join(a.Values, "|")
	case ANoPII, AInjectionRejected:
		return fmt.Sprintf("%s=%v", a.Kind, a.Bool)
	case ALLMJudge:
		return fmt.Sprintf("%s>=%g", a.Kind, a.Number)
	}
	return fmt.Sprintf("%s=%g", a.Kind, a.Number)
}

// UnmarshalYAML reads the one-key map form.
func (a *Assertion) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return fmt.Errorf("line %d: an assertion is a map with one key, the kind (%s)", n.Line, strings.Join(AssertionKinds(), ", "))
	}
	kind, v := n.Content[0].Value, n.Content[1]
	if _, ok := assertionKinds[kind]; !ok {
		return fmt.Errorf("line %d: unknown assertion %q (want one of %s)", n.Line, kind, strings.Join(AssertionKinds(), ", "))
	}
	*a = Assertion{Kind: kind}
	bad := func(want string) error {
		return fmt.Errorf("line %d: %s: want %s", v.Line, kind, want)
	}
	switch kind {
	case AContains, ANotContains, ARegex, ANotRegex:
		field := "text"
		if kind == ARegex || kind == ANotRegex {
			field = "pattern"
		}
		switch v.Kind {
		case yaml.ScalarNode:
			a.Text = v.Value
		case yaml.MappingNode:
			var m map[string]any
			if err := v.Decode(&m); err != nil {
				return err
			}
			for k, x := range m {
				switch k {
				case field:
					s, ok := x.(string)
					if !ok {
						return bad("a string " + field)
					}
					a.Text = s
				case "ignore_case":
					b, ok := x.(bool)
					if !ok {
						return bad("ignore_case: true or false")
					}
					a.IgnoreCase = b
				default:
					return bad(fmt.Sprintf("a string or {%s: ..., ignore_case: true}; unknown key %q", field, k))
				}
			}
		default:
			return bad(fmt.Sprintf("a string or {%s: ..., ignore_case: true}", field))
		}
		if a.Text == "" {
			return bad("a non-empty " + field)
		}
		if kind == ARegex || kind == ANotRegex {
			src := a.Text
			if a.IgnoreCase {
				src = "(?i)" + src
			}
			re, err := regexp.Compile(src)
			if err != nil {
				return fmt.Errorf("line %d: %s: %v", v.Line, kind, err)
			}
			a.re = re
		}
	case AViolation, ANoViolation, ALanguage, AAddressForm:
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return bad("a string")
		}
		a.Text = v.Value
		switch {
		case kind == ALanguage && v.Value != "de" && v.Value != "en":
			return bad("de or en")
		case kind == AAddressForm:
			a.Text = strings.ToLower(v.Value)
			if a.Text != "du" && a.Text != "sie" {
				return bad("du or sie")
			}
		}
	case ADecision, ACites, ARetrieved, ANotRetrieved:
		switch v.Kind {
		case yaml.ScalarNode:
			a.Values = []string{v.Value}
		case yaml.SequenceNode:
			if err := v.Decode(&a.Values); err != nil {
				return bad("a string or a list of strings")
			}
		default:
			return bad("a string or a list of strings")
		}
		if len(a.Values) == 0 || slices.Contains(a.Values, "") {
			return bad("at least one non-empty value")
		}
		if kind == ADecision {
			for _, d := range a.Values {
				if d != "approved" && d != "needs_review" && d != "blocked" {
					return bad("approved, needs_review or blocked, or a list of them")
				}
			}
		}
	case ANoPII, AInjectionRejected:
		if err := v.Decode(&a.Bool); err != nil {
			return bad("true or false")
		}
	case AMinCitations, AMaxChars, AMaxLatencyMS, AMaxCostEUR, ACitationSupport:
		if err := v.Decode(&a.Number); err != nil || a.Number < 0 {
			return bad("a number, at least 0")
		}
		if kind == ACitationSupport && a.Number > 1 {
			return bad("a share from 0 to 1")
		}
	case ALLMJudge:
		var j struct {
			Rubric   string   `yaml:"rubric"`
			MinScore *float64 `yaml:"min_score"`
		}
		if v.Kind == yaml.ScalarNode {
			j.Rubric = v.Value
		} else if err := decodeStrict(v, &j); err != nil {
			return bad("a rubric, or {rubric: ..., min_score: 0.7}: " + err.Error())
		}
		if strings.TrimSpace(j.Rubric) == "" {
			return bad("a rubric")
		}
		a.Rubric, a.Number = j.Rubric, 0.7
		if j.MinScore != nil {
			if *j.MinScore < 0 || *j.MinScore > 1 {
				return bad("min_score from 0 to 1")
			}
			a.Number = *j.MinScore
		}
	}
	return nil
}

// decodeStrict decodes a node, rejecting unknown fields.
func decodeStrict(n *yaml.Node, v any) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// LoadSuite reads and validates a suite file.
func LoadSuite(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evals: %w", err)
	}
	s, err := ParseSuite(data)
	if err != nil {
		return nil, fmt.Errorf("evals: suite %s: %w", path, err)
	}
	s.Path = path
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return s, s.checkName()
}

// LoadSuites reads every *.yaml and *.yml file of dir, ordered by name.
func LoadSuites(dir string) ([]*Suite, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("evals: suites: %w", err)
	}
	var out []*Suite
	seen := map[string]string{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		s, err := LoadSuite(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[s.Name]; dup {
			return nil, fmt.Errorf("evals: suites %s and %s are both named %q", prev, s.Path, s.Name)
		}
		seen[s.Name] = s.Path
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("evals: no suite files (*.yaml) in %s", dir)
	}
	return out, nil
}

var suiteNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func (s *Suite) checkName() error {
	if !suiteNameRE.MatchString(s.Name) {
		return fmt.Errorf("evals: suite %s: name %q must be 1-40 lower-case letters, digits, '-' or '_'", s.Path, s.Name)
	}
	return nil
}

// Metric names, as used in reports, baselines and tolerances.
const (
	MetricPassRate        = "pass_rate"
	MetricRecallAtK       = "recall_at_k"
	MetricNDCG10          = "ndcg_at_10"
	MetricCitationSupport = "citation_support"
)

var metricNames = []string{MetricPassRate, MetricRecallAtK, MetricNDCG10, MetricCitationSupport}

// ParseSuite decodes a suite and reports every problem it finds at once.
func ParseSuite(data []byte) (*Suite, error) {
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Name != "" && !suiteNameRE.MatchString(s.Name) {
		bad("suite: name %q must be 1-40 lower-case letters, digits, '-' or '_'", s.Name)
	}
	for name, t := range s.Tolerances {
		if !slices.Contains(metricNames, name) {
			bad("tolerances: unknown metric %q (want %s)", name, strings.Join(metricNames, ", "))
		}
		if t < 0 || t > 1 {
			bad("tolerances: %s must be from 0 to 1", name)
		}
	}
	for lang := range s.Fixtures.Packs {
		if lang != "de" && lang != "en" {
			bad("fixtures.packs: language %q is not de or en", lang)
		}
	}
	ids := map[string]bool{}
	for i, d := range s.Fixtures.Documents {
		where := fmt.Sprintf("fixtures.documents[%d]", i)
		switch {
		case d.Path == "" && d.Text == "":
			bad("%s: needs path or text", where)
		case d.Path != "" && d.Text != "":
			bad("%s: path and text exclude each other", where)
		case d.Text != "" && d.ID == "":
			bad("%s: inline text needs an id", where)
		}
		if d.ID != "" {
			if ids[d.ID] {
				bad("%s: id %q listed twice", where, d.ID)
			}
			ids[d.ID] = true
		}
		if _, err := kontext.ParseClassification(d.Classification); err != nil {
			bad("%s: classification: %v", where, err)
		}
		if len(d.Groups) == 0 && len(d.Users) == 0 && !d.TenantWide {
			bad("%s: no access list: give groups or users, or tenant_wide: true", where)
		}
		switch d.Lang {
		case "", "de", "en", "simple":
		default:
			bad("%s: lang %q is not de, en or simple", where, d.Lang)
		}
	}
	if err := s.Principal.check(); err != nil {
		bad("principal: %v", err)
	}
	names := map[string]bool{}
	for i, c := range s.Cases {
		where := fmt.Sprintf("cases[%d] (%s)", i, c.Name)
		if c.Name == "" {
			bad("cases[%d]: missing name", i)
		}
		if names[c.Name] {
			bad("%s: name used twice", where)
		}
		names[c.Name] = true
		n := 0
		if c.Input != nil {
			n++
		}
		if c.Text != "" {
			n++
		}
		if c.Query != "" {
			n++
		}
		if n != 1 {
			bad("%s: needs exactly one of input (generate), text (check) or query (retrieval)", where)
			continue
		}
		if c.Principal != nil {
			if err := c.Principal.check(); err != nil {
				bad("%s: principal: %v", where, err)
			}
		}
		kind := c.Kind()
		switch kind {
		case KindGenerate:
			if strings.TrimSpace(c.Input.Brief) == "" || c.Input.Channel == "" {
				bad("%s: input needs brief and channel", where)
			}
			if c.Input.Lang != "" && c.Input.Lang != "de" && c.Input.Lang != "en" {
				bad("%s: input.lang %q is not de or en", where, c.Input.Lang)
			}
		case KindText:
			if c.Lang != "" && c.Lang != "de" && c.Lang != "en" {
				bad("%s: lang %q is not de or en", where, c.Lang)
			}
			if c.Scan != "" && c.Scan != "brief" && c.Scan != "document" {
				bad("%s: scan %q is not brief or document", where, c.Scan)
			}
		}
		if kind != KindText && (c.Scan != "" || c.AIDisclosed || c.Channel != "") {
			bad("%s: scan, ai_disclosed and channel belong to text cases (generate cases set channel under input)", where)
		}
		if kind == KindGenerate && c.Lang != "" {
			bad("%s: generate cases set lang under input", where)
		}
		if kind == KindRetrieval && c.Lang != "" && c.Lang != "de" && c.Lang != "en" && c.Lang != "simple" {
			bad("%s: lang %q is not de, en or simple", where, c.Lang)
		}
		if kind != KindRetrieval && c.K != 0 {
			bad("%s: k belongs to query cases (generate cases set it under input)", where)
		}
		if c.K < 0 || c.K > 50 {
			bad("%s: k must be from 1 to 50", where)
		}
		if len(c.Expect) == 0 && c.Skip == "" {
			bad("%s: no assertions (expect)", where)
		}
		for _, a := range c.Expect {
			if !slices.Contains(assertionKinds[a.Kind], kind) {
				bad("%s: assertion %s does not apply to %s cases", where, a.Kind, kind)
			}
		}
	}
	if len(s.Cases) == 0 {
		bad("no cases")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &s, nil
}

func (p Principal) check() error {
	if p.Clearance != "" {
		if _, err := kontext.ParseClassification(p.Clearance); err != nil {
			return err
		}
	}
	if p.Role != "" {
		if _, err := kontext.ParseRole(p.Role); err != nil {
			return err
		}
	}
	if p.User != "" {
		if err := kontext.ValidateName("user", p.User); err != nil {
			return err
		}
	}
	for _, g := range p.Groups {
		if err := kontext.ValidateName("groups", g); err != nil {
			return err
		}
	}
	return nil
}

// principal returns the kontext principal for tenant: p's fields over the
// defaults (user "eval", clearance internal, role editor).
func (p Principal) principal(tenant string) kontext.Principal {
	out := kontext.Principal{Tenant: tenant, User: "eval", Groups: slices.Clone(p.Groups), Clearance: kontext.Internal, Role: kontext.Editor}
	if p.User != "" {
		out.User = p.User
	}
	if p.Clearance != "" {
		out.Clearance = kontext.Classification(p.Clearance)
	}
	if p.Role != "" {
		out.Role = kontext.Role(p.Role)
	}
	return out
}
