// Package policy checks drafts against the law's and the brand's rules
// before anyone publishes them. A policy pack (built in: de-marketing,
// en-marketing; or a YAML file) names rules for health, green, price,
// "free", urgency, superlative, comparative and guaranteed-success claims,
// personal data and AI disclosure, written in the token pattern language of
// guard/internal/pattern; a brand pack adds banned words, required terms,
// competitors, the German address form, length limits, disclaimers and price
// floors. Checker.Check returns a Decision (approved, needs_review, blocked)
// with every Violation located in the text.
//
// Its inputs are the draft, CheckOptions (channel, language, brand pack,
// whether an AI-disclosure label travels with the draft) and, for
// personal_data rules, a pii detector. It never rewrites a draft: it reports
// what breaks which rule and where, and the caller decides what happens to
// the draft.
package policy

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"kontext/guard/internal/pattern"
	"kontext/guard/internal/textnorm"
)

// Severity says what a policy violation does to a draft.
type Severity string

const (
	// SeverityReview sends the draft to a human reviewer.
	SeverityReview Severity = "review"
	// SeverityBlock stops the draft from being published.
	SeverityBlock Severity = "block"
)

// Decision is the outcome of a policy check.
type Decision string

const (
	// Approved means no rule was violated.
	Approved Decision = "approved"
	// NeedsReview means at least one review-level rule was violated and no
	// block-level rule.
	NeedsReview Decision = "needs_review"
	// Blocked means at least one block-level rule was violated.
	Blocked Decision = "blocked"
)

// Violation is one place where a draft breaks a rule.
type Violation struct {
	// Rule is the id of the violated rule, for example "health.cure".
	Rule string `json:"rule"`
	// Category groups rules, for example "health_claim" or "green_claim".
	Category string `json:"category"`
	// Severity is the rule's severity.
	Severity Severity `json:"severity"`
	// Span holds byte offsets into the checked text, end exclusive. A
	// violation about something missing from the draft (a required term, a
	// disclaimer, an AI-disclosure label) has the span [0, 0].
	Span [2]int `json:"span"`
	// Message explains the violation to the reviewer.
	Message string `json:"message"`
	// Basis names the legal provisions the rule rests on, for example
	// "HWG §3, §12; VO (EG) 1924/2006 Art. 10".
	Basis string `json:"basis,omitempty"`
	// Rewrite suggests wording that avoids the violation, where one is safe.
	Rewrite string `json:"rewrite,omitempty"`
}

// Result is the verdict of a policy check.
type Result struct {
	Decision   Decision    `json:"decision"`
	Violations []Violation `json:"violations"`
}

// Rule checks a pack can name in its "check" field instead of patterns.
const (
	checkCompetitor   = "competitor"    // a competitor of the brand is named (brand pack)
	checkPriceFloor   = "price_floor"   // a product's price is below its floor (brand pack)
	checkPersonalData = "personal_data" // the PII detector finds personal data
	checkAIDisclosure = "ai_disclosure" // none of the patterns (the label) occurs on a channel that needs it
)

var knownChecks = []string{checkCompetitor, checkPriceFloor, checkPersonalData, checkAIDisclosure}

//go:embed packs/*.yaml packs/lexicon/*.txt
var builtinPacks embed.FS

// BuiltinPacks lists the names of the policy packs compiled into Kontext.
func BuiltinPacks() []string {
	entries, _ := fs.ReadDir(builtinPacks, "packs")
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
		}
	}
	return names
}

// Pack is a compiled policy pack: a named, versioned set of rules for one
// language. Packs are immutable and safe for concurrent use.
type Pack struct {
	// ID names the pack, for example "de-marketing".
	ID string
	// Version is recorded with every checked draft.
	Version string
	// Lang is the language the pack is written for: "de", "en" or "".
	Lang string
	// Description says what the pack covers.
	Description string

	lang    pattern.Lang
	rules   []*policyRule
	index   *pattern.Index
	patRule []int // pattern id → rule index
	// meta holds patterns that mark a sentence as talking about claims
	// rather than making one ("we never claim", "wir verzichten auf den
	// Begriff"); claim hits in such a sentence are dropped.
	meta []*pattern.Pattern
	// answers are the words that affirm a question ("ja", "yes"). When the
	// pack names them, a claim inside a question is dropped unless the next
	// sentence starts with one: the question is the reader's, the answer
	// is the brand's.
	answers map[string]bool
	// presuppose holds the words that open a question whose content is
	// the writer's own ("warum", "why"): "Why is ours better than X?"
	// takes the comparison for given, so its claims count unanswered.
	presuppose map[string]bool
	// readerVoice holds the words that make such a question the reader's
	// after all ("Warum ist Ihr Saatgut teurer …?" asks the brand).
	readerVoice map[string]bool
	// ruleOrder maps rule ids to their place in the pack.
	ruleOrder map[string]int
	// negation negates the hits of negatable rules over their clause.
	negation *negation
	// model says whether the claims model runs with the pack ("model:
	// false" switches it off); modelBasis holds, per category, the legal
	// basis of the pack's first rule of it, which the model's findings
	// carry. The model reports only categories the pack has rules for.
	model      bool
	modelBasis map[string]string
}

// negation describes how a negation word reaches over a clause: a cue
// ("not", "nicht") within the clause of a hit, outside the hit itself,
// turns the hit into no claim ("the balm is not meant to treat eczema",
// "der Tee heilt Ihre Erkältung nicht"), unless the cue is part of a keep
// phrase that affirms ("not only relieves", "nie wieder Kopfweh", "leidest
// nicht mehr unter").
type negation struct {
	cues, keep []*pattern.Pattern
	breaks     map[string]bool
	after      bool // a cue after the hit in its clause negates it too (German word order)
	window     int
}

// policyRule is one compiled rule of a pack.
type policyRule struct {
	id, category, message string
	basis, rewrite        string
	severity              Severity
	check                 string
	channels              []string
	except                []pattern.Elem
	ignore                []*pattern.Pattern // harmless phrases that contain a hit ("all the best")
	notAfter              []pattern.Elem
	near, unlessNear      *nearClause
	unlessText            *pattern.Index
	unlessRegex           []*regexp.Regexp   // a folded text matching one of these drops the rule's hits
	unlessSentence        []*pattern.Pattern // a hit in a sentence holding one of these is dropped
	notWithin             []string           // personal_data: findings inside a violation of these categories are left out
	claim                 bool               // meta sentences and unanswered questions drop the rule's hits
	literal               bool               // claim rules: hits in questions are kept
	negatable             bool               // the pack's negation over the clause drops the rule's hits
	ownModel              bool               // a comparison with an earlier model of the same name is no comparison
	regex                 []*regexp.Regexp
	folded                []*regexp.Regexp // regex-only rules: the expressions as they run on the folded text
	gate                  []string         // regex-only rules run only when the folded text holds one of these
	labels                *pattern.Index   // ai_disclosure: patterns that satisfy the rule
	patterned             bool             // the rule has patterns in the pack's index
	types                 []string         // personal_data: finding types, all when empty
	business              *businessClause  // personal_data: what counts as the business's own contact data
}

// businessClause is a compiled businessFile.
type businessClause struct {
	roles, own, customers []*pattern.Pattern
	staff                 []*pattern.Pattern // end right before a name: the business's own staff ("our stylist Aylin")
	firstNameAlone        bool               // a lone first name without contact data or a customer cue passes
	contactNeedsPerson    bool               // a phone number or mail address is a customer's only with a person or a customer cue
	places                map[string]bool    // words that make a name part of a place's name ("Clara-Zetkin-Park")
	venues                []*pattern.Pattern // postal addresses only: a place of business or an event's venue
	mailboxes             map[string]bool
	window                int
}

type nearClause struct {
	patterns []*pattern.Pattern
	window   int
	notAfter []pattern.Elem
	notIn    []*pattern.Pattern // a near match inside one of these does not count (figures of speech)
	span     bool               // the violation's span covers the near match too
}

// YAML shapes of a pack file.
type packFile struct {
	ID          string              `yaml:"id"`
	Version     string              `yaml:"version"`
	Lang        string              `yaml:"lang"`
	Description string              `yaml:"description"`
	Sets        map[string][]string `yaml:"sets"`
	// Lexicons add entries to sets from files next to the pack, one entry
	// a line ("#" starts a comment): set name → file names.
	Lexicons map[string][]string `yaml:"lexicons"`
	Meta     []string            `yaml:"meta"`
	Answers  []string            `yaml:"answers"`
	// Presuppose: question words whose question states the writer's claim.
	Presuppose []string `yaml:"presuppose"`
	// ReaderVoice: words (the brand addressed) that make such a question the reader's.
	ReaderVoice []string      `yaml:"reader_voice"`
	Negation    *negationFile `yaml:"negation"`
	// Model false switches the claims model off for the pack.
	Model *bool      `yaml:"model"`
	Rules []ruleFile `yaml:"rules"`
}

// negationFile is the YAML shape of a pack's negation: cue and keep
// patterns, the words that end a clause (beside , ; : – and sentence
// ends), whether a cue after the hit counts, and how many words before
// and after the hit are looked at.
type negationFile struct {
	Cues   []string `yaml:"cues"`
	Keep   []string `yaml:"keep"`
	Breaks []string `yaml:"breaks"`
	After  bool     `yaml:"after"`
	Window int      `yaml:"window"`
}

type ruleFile struct {
	ID       string   `yaml:"id"`
	Category string   `yaml:"category"`
	Severity string   `yaml:"severity"`
	Message  string   `yaml:"message"`
	Basis    string   `yaml:"basis"`
	Rewrite  string   `yaml:"rewrite"`
	Check    string   `yaml:"check"`
	Patterns []string `yaml:"patterns"`
	Regex    []string `yaml:"regex"`
	// Gate lists strings of which the folded (lower-cased) text must hold
	// one for a rule of regular expressions only to run: a cheap test that
	// spares the expressions on most drafts.
	Gate       []string  `yaml:"gate"`
	Except     []string  `yaml:"except"`
	Ignore     []string  `yaml:"ignore"`
	NotAfter   []string  `yaml:"not_after"`
	Near       *nearFile `yaml:"near"`
	UnlessNear *nearFile `yaml:"unless_near"`
	UnlessText []string  `yaml:"unless_text"`
	// UnlessRegex drops every hit of the rule when the folded text matches
	// one of the expressions: marks that words do not carry ("#ad", "ad:").
	UnlessRegex []string `yaml:"unless_regex"`
	// UnlessSentence drops a hit whose sentence holds one of the patterns
	// (a disclaimer, authorised wording).
	UnlessSentence []string `yaml:"unless_sentence"`
	// NotWithin (personal_data) leaves out findings inside the sentence of
	// a violation of the named categories (a named endorser is reported as
	// an endorsement).
	NotWithin []string `yaml:"not_within"`
	// Literal keeps the rule's hits in questions (a rhetorical question is
	// the brand's own claim); meta sentences still drop them ("we don't
	// compare ourselves with other installers").
	Literal bool `yaml:"literal"`
	// Negatable drops a hit that the pack's negation reaches over its clause.
	Negatable bool `yaml:"negatable"`
	// OwnModel drops a comparison whose other side is a model of the same
	// name as one named before it with another number ("the Cumulus 3 has
	// more fill than the Cumulus 2"): the brand's own earlier model.
	OwnModel bool     `yaml:"own_model"`
	Channels []string `yaml:"channels"`
	Types    []string `yaml:"types"`
	// Business (personal_data) says when contact data is the business's
	// own or a person's in their business role, which may be published.
	Business *businessFile `yaml:"business"`
}

// businessFile is the YAML shape of a personal_data rule's business clause.
// Contact data of the brand itself and of people acting for a business (a
// press contact, the contact person of a job ad, the managing director of
// the legal notice) is published lawfully (DSGVO Art. 6 Abs. 1 lit. c and f,
// DDG §5); a customer's is not.
//
// A person counts as a business contact when a role pattern stands within
// window words of the name ("Pressekontakt: Miriam Vogt", "Julia Hartley,
// HR"). E-mail addresses, phone numbers and postal addresses count as the
// business's own when the sentence presents the business (an own pattern:
// "ruf uns an", "unser Kundenservice", "GmbH", "visit us at") or names a
// business contact; an e-mail address whose local part is a mailbox (info@,
// presse@, jobs@) and a service line (0800, 0180, a switchboard "-0") count
// on their own, and a postal address also when the sentence invites to it or
// names it an event's venue (a venues pattern: "Einladung", "launch party").
// An address at a mail provider for private persons (web.de, gmail.com …)
// never counts. Nothing in a sentence that names a customer pattern
// ("Kundin", "winner") or a person who is no business contact is exempt:
// that data is the customer's. A staff pattern ending right before a name
// presents the person as one of the business's own people ("unsere
// Friseurin Aylin", "our stylist Aylin"), whatever the job is called.
type businessFile struct {
	Roles []string `yaml:"roles"`
	Staff []string `yaml:"staff"`
	// FirstNameAlone passes a person found by a first name alone ("geschraubt
	// von Lena", "Jasmin und Bergamotte") when the sentence holds no other
	// personal data and no customer pattern: a bare first name identifies
	// no one, and the word is often no name at all.
	FirstNameAlone bool     `yaml:"first_name_alone"`
	Own            []string `yaml:"own"`
	Customers      []string `yaml:"customers"`
	Venues         []string `yaml:"venues"`
	Mailboxes      []string `yaml:"mailboxes"`
	Window         int      `yaml:"window"`

	// ContactNeedsPerson passes a phone number or a mail address when no
	// person of the text is left as a possible customer and its sentence
	// holds no customer pattern: a number with nobody named beside it is
	// the business's own line ("Book a slot on 0161 555 0192").
	ContactNeedsPerson bool `yaml:"contact_needs_person"`
	// Places are words that make a person's name part of the name of a
	// place ("Clara-Zetkin-Park", "Konrad-Adenauer-Straße", "Victoria
	// Park"): the last part of a hyphenated name or the word after it.
	Places []string `yaml:"places"`
}

type nearFile struct {
	Patterns []string `yaml:"patterns"`
	Window   int      `yaml:"window"`
	NotAfter []string `yaml:"not_after"`
	// NotIn lists patterns inside whose matches a near match does not
	// count: a condition named as a figure of speech ("invoicing
	// headaches", "Lampenfieber").
	NotIn []string `yaml:"not_in"`
	// Span extends the violation's span over the near match.
	Span bool `yaml:"span"`
}

// LoadPack loads a built-in pack by name ("de-marketing", "en-marketing") or
// a pack file by path.
func LoadPack(nameOrPath string) (*Pack, error) {
	var data []byte
	var err error
	var dir fs.FS
	if !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml") {
		data, err = builtinPacks.ReadFile(path.Join("packs", nameOrPath+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("guard: load pack %q: no built-in pack of that name (built-in: %s)", nameOrPath, strings.Join(BuiltinPacks(), ", "))
		}
		dir, _ = fs.Sub(builtinPacks, "packs")
	} else {
		data, err = os.ReadFile(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("guard: load pack: %w", err)
		}
		dir = os.DirFS(filepath.Dir(nameOrPath))
	}
	p, err := parsePack(data, dir)
	if err != nil {
		return nil, fmt.Errorf("guard: load pack %s: %w", nameOrPath, err)
	}
	return p, nil
}

// ParsePack compiles a pack from its YAML source. Unknown fields, missing ids,
// unknown severities, checks or languages, bad patterns and bad regular
// expressions are reported together, each with the rule it belongs to.
func ParsePack(data []byte) (*Pack, error) {
	return parsePack(data, nil)
}

// parsePack compiles a pack whose lexicon files are read from dir (nil: the
// pack may name no lexicons).
func parsePack(data []byte, dir fs.FS) (*Pack, error) {
	var pf packFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("parse pack: %w", err)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(pf.ID) == "" {
		bad("pack: missing id")
	}
	if strings.TrimSpace(pf.Version) == "" {
		bad("pack %s: missing version", pf.ID)
	}
	lang, err := pattern.ParseLang(pf.Lang)
	if err != nil {
		bad("pack %s: %v", pf.ID, err)
	}
	p := &Pack{ID: pf.ID, Version: pf.Version, Lang: strings.ToLower(pf.Lang), Description: pf.Description, lang: lang}
	pc := &pattern.Compiler{Lang: lang, Sets: map[string][][]pattern.Elem{}}
	if pf.Sets == nil {
		pf.Sets = map[string][]string{}
	}
	for set, files := range pf.Lexicons {
		for _, name := range files {
			entries, err := readLexicon(dir, name)
			if err != nil {
				bad("pack %s: lexicon %s: %v", pf.ID, name, err)
				continue
			}
			pf.Sets[set] = append(pf.Sets[set], entries...)
		}
	}
	for _, e := range compileSets(pc, pf.Sets) {
		bad("pack %s: %v", pf.ID, e)
	}
	for _, src := range pf.Meta {
		tp, err := pc.CompileFree(src)
		if err != nil {
			bad("pack %s: meta: %v", pf.ID, err)
			continue
		}
		p.meta = append(p.meta, tp)
	}
	if nf := pf.Negation; nf != nil {
		n := &negation{breaks: map[string]bool{}, after: nf.After, window: nf.Window}
		if n.window <= 0 {
			n.window = 8
		}
		for _, list := range []struct {
			src []string
			dst *[]*pattern.Pattern
		}{{nf.Cues, &n.cues}, {nf.Keep, &n.keep}} {
			for _, src := range list.src {
				tp, err := pc.CompileFree(src)
				if err != nil {
					bad("pack %s: negation: %v", pf.ID, err)
					continue
				}
				*list.dst = append(*list.dst, tp)
			}
		}
		for _, w := range nf.Breaks {
			n.breaks[strings.ToLower(strings.TrimSpace(w))] = true
		}
		if len(n.cues) == 0 {
			bad("pack %s: negation: no cues", pf.ID)
		}
		p.negation = n
	}
	if len(pf.Answers) > 0 {
		p.answers = map[string]bool{}
		for _, a := range pf.Answers {
			p.answers[strings.ToLower(strings.TrimSpace(a))] = true
		}
	}
	if len(pf.Presuppose) > 0 {
		p.presuppose = map[string]bool{}
		for _, a := range pf.Presuppose {
			p.presuppose[strings.ToLower(strings.TrimSpace(a))] = true
		}
		p.readerVoice = map[string]bool{}
		for _, a := range pf.ReaderVoice {
			p.readerVoice[strings.ToLower(strings.TrimSpace(a))] = true
		}
	}

	var pats []*pattern.Pattern
	seen := map[string]bool{}
	for i, rf := range pf.Rules {
		where := fmt.Sprintf("pack %s: rule %d", pf.ID, i+1)
		if rf.ID != "" {
			where = fmt.Sprintf("pack %s: rule %s", pf.ID, rf.ID)
		}
		r, rulePats, problems := compileRule(pc, rf)
		for _, pr := range problems {
			bad("%s: %s", where, pr)
		}
		if rf.ID != "" && seen[rf.ID] {
			bad("%s: duplicate rule id", where)
		}
		seen[rf.ID] = true
		if r == nil {
			continue
		}
		for _, tp := range rulePats {
			pats = append(pats, tp)
			p.patRule = append(p.patRule, len(p.rules))
		}
		p.rules = append(p.rules, r)
	}
	if len(pf.Rules) == 0 {
		bad("pack %s: no rules", pf.ID)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p.index = pattern.NewIndex(pats)
	p.ruleOrder = make(map[string]int, len(p.rules))
	p.model = pf.Model == nil || *pf.Model
	p.modelBasis = map[string]string{}
	for i, r := range p.rules {
		p.ruleOrder[r.id] = i
		if _, ok := p.modelBasis[r.category]; !ok && r.basis != "" {
			p.modelBasis[r.category] = r.basis
		}
	}
	return p, nil
}

// readLexicon reads the entries of a lexicon file: one set entry a line,
// blank lines and lines starting with "#" left out. A file not found next to
// the pack is looked up among the built-in lexicons, so that a copy of a
// built-in pack keeps working elsewhere.
func readLexicon(dir fs.FS, name string) ([]string, error) {
	var data []byte
	err := errors.New("no directory to read lexicons from")
	if dir != nil {
		data, err = fs.ReadFile(dir, name)
	}
	if err != nil {
		var berr error
		if data, berr = builtinPacks.ReadFile(path.Join("packs", name)); berr != nil {
			return nil, err
		}
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out, nil
}

// compileSets compiles named sets; a set may use other sets of the pack.
func compileSets(pc *pattern.Compiler, sets map[string][]string) []error {
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	slices.Sort(names)
	pending := names
	var lastErrs []error
	for len(pending) > 0 {
		var next []string
		lastErrs = nil
		for _, n := range pending {
			var alts [][]pattern.Elem
			var err error
			for _, e := range sets[n] {
				var seq []pattern.Elem
				if seq, err = pc.Sequence(e); err != nil {
					err = fmt.Errorf("set %s: entry %q: %w", n, e, err)
					break
				}
				if len(seq) == 0 {
					err = fmt.Errorf("set %s: empty entry", n)
					break
				}
				alts = append(alts, seq)
			}
			if err != nil {
				next = append(next, n)
				lastErrs = append(lastErrs, err)
				continue
			}
			if len(alts) == 0 {
				lastErrs = append(lastErrs, fmt.Errorf("set %s: no entries", n))
				continue
			}
			pc.Sets[n] = alts
		}
		if len(next) == len(pending) {
			return lastErrs
		}
		pending = next
	}
	return lastErrs
}

var categoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func parseSeverity(s string) (Severity, error) {
	switch Severity(strings.ToLower(strings.TrimSpace(s))) {
	case SeverityReview:
		return SeverityReview, nil
	case SeverityBlock:
		return SeverityBlock, nil
	case "":
		return "", fmt.Errorf("missing severity (want review or block)")
	}
	return "", fmt.Errorf("unknown severity %q (want review or block)", s)
}

func compileRule(pc *pattern.Compiler, rf ruleFile) (*policyRule, []*pattern.Pattern, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(rf.ID) == "" {
		bad("missing id")
	}
	if !categoryRE.MatchString(rf.Category) {
		bad("category %q must be lower-case snake_case", rf.Category)
	}
	sev, err := parseSeverity(rf.Severity)
	if err != nil {
		bad("%v", err)
	}
	if strings.TrimSpace(rf.Message) == "" {
		bad("missing message")
	}
	r := &policyRule{id: rf.ID, category: rf.Category, severity: sev, message: rf.Message, basis: rf.Basis, rewrite: rf.Rewrite,
		check: rf.Check, types: rf.Types, notWithin: rf.NotWithin, claim: rf.Check == "", literal: rf.Literal,
		negatable: rf.Negatable, ownModel: rf.OwnModel}
	for _, c := range rf.Channels {
		r.channels = append(r.channels, strings.ToLower(strings.TrimSpace(c)))
	}
	compileAll := func(field string, srcs []string) []*pattern.Pattern {
		var out []*pattern.Pattern
		for _, src := range srcs {
			compile := pc.Compile
			if field == "ignore" || field == "unless_sentence" || strings.HasSuffix(field, "near") || strings.HasSuffix(field, ".not_in") || strings.HasPrefix(field, "business.") {
				compile = pc.CompileFree
			}
			tp, err := compile(src)
			if err != nil {
				bad("%s: %v", field, err)
				continue
			}
			out = append(out, tp)
		}
		return out
	}
	singles := func(field string, srcs []string) []pattern.Elem {
		var out []pattern.Elem
		for _, src := range srcs {
			els, err := pc.Element(src)
			if err != nil || len(els) != 1 {
				if err == nil {
					err = fmt.Errorf("must match one word")
				}
				bad("%s: %q: %v", field, src, err)
				continue
			}
			out = append(out, els[0])
		}
		return out
	}
	near := func(field string, nf *nearFile) *nearClause {
		if nf == nil {
			return nil
		}
		if nf.Window <= 0 || nf.Window > 50 {
			bad("%s: window %d out of range (want 1 to 50 words)", field, nf.Window)
		}
		if len(nf.Patterns) == 0 {
			bad("%s: no patterns", field)
		}
		return &nearClause{patterns: compileAll(field, nf.Patterns), window: nf.Window, notAfter: singles(field+".not_after", nf.NotAfter),
			notIn: compileAll(field+".not_in", nf.NotIn), span: nf.Span}
	}
	var pats []*pattern.Pattern
	switch rf.Check {
	case "":
		if len(rf.Patterns) == 0 && len(rf.Regex) == 0 {
			bad("needs patterns, regex or a check")
		}
		pats = compileAll("patterns", rf.Patterns)
	case checkAIDisclosure:
		if len(rf.Patterns) == 0 {
			bad("check %s needs patterns (the labels that satisfy it)", rf.Check)
		}
		r.labels = pattern.NewIndex(compileAll("patterns", rf.Patterns))
	case checkCompetitor, checkPriceFloor, checkPersonalData:
		if len(rf.Patterns) > 0 {
			bad("check %s takes no patterns", rf.Check)
		}
	default:
		bad("unknown check %q (want one of %s)", rf.Check, strings.Join(knownChecks, ", "))
	}
	for _, src := range rf.Regex {
		re, err := regexp.Compile("(?i)" + src)
		if err != nil {
			bad("bad regex %q: %v", src, err)
			continue
		}
		r.regex = append(r.regex, re)
		if len(rf.Patterns) == 0 && rf.Check == "" {
			// A rule of expressions only runs them on the folded text,
			// which is lower-case already: without (?i) the matcher can
			// use its literal fast paths.
			if fre, err := regexp.Compile(src); err == nil {
				r.folded = append(r.folded, fre)
			}
		}
	}
	for _, g := range rf.Gate {
		r.gate = append(r.gate, textnorm.Fold(g).Text)
	}
	r.except = singles("except", rf.Except)
	r.ignore = compileAll("ignore", rf.Ignore)
	r.notAfter = singles("not_after", rf.NotAfter)
	r.near = near("near", rf.Near)
	r.unlessNear = near("unless_near", rf.UnlessNear)
	if len(rf.UnlessText) > 0 {
		r.unlessText = pattern.NewIndex(compileAll("unless_text", rf.UnlessText))
	}
	for _, src := range rf.UnlessRegex {
		re, err := regexp.Compile(src)
		if err != nil {
			bad("bad unless_regex %q: %v", src, err)
			continue
		}
		r.unlessRegex = append(r.unlessRegex, re)
	}
	r.unlessSentence = compileAll("unless_sentence", rf.UnlessSentence)
	if bf := rf.Business; bf != nil {
		if rf.Check != checkPersonalData {
			bad("business: only for check %s", checkPersonalData)
		}
		if bf.Window < 0 || bf.Window > 20 {
			bad("business: window %d out of range (want 0 to 20 words)", bf.Window)
		}
		bc := &businessClause{roles: compileAll("business.roles", bf.Roles), staff: compileAll("business.staff", bf.Staff), own: compileAll("business.own", bf.Own),
			customers: compileAll("business.customers", bf.Customers), venues: compileAll("business.venues", bf.Venues),
			mailboxes: map[string]bool{}, window: bf.Window, firstNameAlone: bf.FirstNameAlone, contactNeedsPerson: bf.ContactNeedsPerson, places: map[string]bool{}}
		for _, w := range bf.Places {
			bc.places[strings.ToLower(strings.TrimSpace(w))] = true
		}
		if bc.window == 0 {
			bc.window = 4
		}
		for _, mb := range bf.Mailboxes {
			bc.mailboxes[strings.ToLower(strings.TrimSpace(mb))] = true
		}
		r.business = bc
	}
	r.patterned = len(pats) > 0
	if len(problems) > 0 {
		return nil, nil, problems
	}
	return r, pats, nil
}

// BrandPack holds one brand's rules. Load it with LoadBrand or ParseBrand;
// the fields are exported for reading.
type BrandPack struct {
	// ID names the brand; Version is recorded with every checked draft.
	ID      string `yaml:"id"`
	Version string `yaml:"version"`
	// Name is the brand's display name.
	Name string `yaml:"name"`
	// AddressForm is "du" or "sie" (German texts address readers informally
	// or formally); empty means either.
	AddressForm string `yaml:"address_form"`
	// BannedWords must not appear; entries are token patterns ("billig~").
	BannedWords []string `yaml:"banned_words"`
	// RequiredTerms must each appear at least once.
	RequiredTerms []string `yaml:"required_terms"`
	// Competitors are names whose mention makes a comparative claim.
	Competitors []string `yaml:"competitors"`
	// MaxLength limits a draft's length in characters per channel.
	MaxLength map[string]int `yaml:"max_length"`
	// Disclaimers must appear verbatim (case and spacing aside) per channel.
	Disclaimers map[string]string `yaml:"disclaimers"`
	// PriceFloors maps product names to their lowest allowed price in EUR.
	PriceFloors map[string]float64 `yaml:"price_floors"`
	// Severities overrides the severity of the brand's own checks, keyed by
	// banned_word, required_term, address_form, max_length and disclaimer.
	Severities map[string]Severity `yaml:"severities"`
	// Outputs says which sources the drafts of each channel may draw on.
	Outputs OutputRules `yaml:"outputs"`
	// Model false switches the claims model off for the brand's drafts
	// (see policy.Model); the pack's rules still run.
	Model *bool `yaml:"model"`

	banned, competitors          []*pattern.Pattern
	required                     []*pattern.Index
	floors                       []productFloor
	floorIndex                   *pattern.Index
	bannedIndex, competitorIndex *pattern.Index
}

// OutputRules say which sources the drafts of each channel may draw on.
// Generation applies them; the zero value means every channel's output
// is public, sources above it hold the draft for review and personal
// communication is excluded.
type OutputRules struct {
	// Classification is the output classification per channel: the highest
	// classification ("public", "internal", "confidential") of the sources
	// a draft for the channel may use. Channels not named are public.
	Classification map[string]string `yaml:"classification"`
	// AboveClassification is what happens to sources classified above the
	// channel's output: "review" (the default) holds a draft that uses them
	// for review, "exclude" leaves them out before composing.
	AboveClassification string `yaml:"above_classification"`
	// PersonalCommunication is what happens to correspondence (support
	// mail, CRM notes) and to chunks that name a person: "exclude" (the
	// default) or "review".
	PersonalCommunication string `yaml:"personal_communication"`
}

// Ways of handling sources a channel may not use.
const (
	OutputReview  = "review"
	OutputExclude = "exclude"
)

type productFloor struct {
	name  string
	floor float64
}

// Brand-check categories; their rule ids are "brand." followed by the
// category.
const (
	brandBannedWord   = "banned_word"
	brandRequiredTerm = "required_term"
	brandAddressForm  = "address_form"
	brandMaxLength    = "max_length"
	brandDisclaimer   = "disclaimer"
)

var brandSeverityDefaults = map[string]Severity{
	brandBannedWord:   SeverityBlock,
	brandRequiredTerm: SeverityReview,
	brandAddressForm:  SeverityReview,
	brandMaxLength:    SeverityBlock,
	brandDisclaimer:   SeverityReview,
}

// LoadBrand reads and validates a brand pack file.
func LoadBrand(path string) (*BrandPack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("guard: load brand: %w", err)
	}
	b, err := ParseBrand(data)
	if err != nil {
		return nil, fmt.Errorf("guard: load brand %s: %w", path, err)
	}
	return b, nil
}

// ParseBrand compiles a brand pack from its YAML source and reports every
// problem it finds.
func ParseBrand(data []byte) (*BrandPack, error) {
	var b BrandPack
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("parse brand: %w", err)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("brand %s: "+format, append([]any{b.ID}, args...)...))
	}
	if strings.TrimSpace(b.ID) == "" {
		bad("missing id")
	}
	if strings.TrimSpace(b.Version) == "" {
		bad("missing version")
	}
	b.AddressForm = strings.ToLower(strings.TrimSpace(b.AddressForm))
	switch b.AddressForm {
	case "", "du", "sie":
	default:
		bad("unknown address_form %q (want du or Sie)", b.AddressForm)
	}
	for ch, n := range b.MaxLength {
		if n <= 0 {
			bad("max_length for %s must be positive, got %d", ch, n)
		}
	}
	for prod, f := range b.PriceFloors {
		if f <= 0 {
			bad("price floor for %q must be positive, got %v", prod, f)
		}
	}
	for ch, c := range b.Outputs.Classification {
		switch c {
		case "public", "internal", "confidential":
		default:
			bad("outputs: classification for %s: %q is not public, internal or confidential", ch, c)
		}
	}
	for field, v := range map[string]string{"above_classification": b.Outputs.AboveClassification,
		"personal_communication": b.Outputs.PersonalCommunication} {
		if v != "" && v != OutputReview && v != OutputExclude {
			bad("outputs: %s: %q is not review or exclude", field, v)
		}
	}
	for k, s := range b.Severities {
		if _, ok := brandSeverityDefaults[k]; !ok {
			bad("severities: unknown check %q (want banned_word, required_term, address_form, max_length or disclaimer)", k)
		}
		if _, err := parseSeverity(string(s)); err != nil {
			bad("severities: %s: %v", k, err)
		}
	}
	pc := &pattern.Compiler{Lang: pattern.LangAny}
	compile := func(field string, list []string) []*pattern.Pattern {
		var out []*pattern.Pattern
		for _, src := range list {
			tp, err := pc.Compile(src)
			if err != nil {
				bad("%s: %v", field, err)
				continue
			}
			out = append(out, tp)
		}
		return out
	}
	b.banned = compile("banned_words", b.BannedWords)
	// A required name counts in compounds and the genitive too: "Firnwerk"
	// is named by "Firnwerk-Team", "Firnwerks" and "Firnwerk's".
	required := make([]string, len(b.RequiredTerms))
	for i, t := range b.RequiredTerms {
		required[i] = t
		if plainWord(t) {
			required[i] = fmt.Sprintf("(%s|%s-*|%s's|%s’s|%ss)", t, t, t, t, t)
		}
	}
	for _, tp := range compile("required_terms", required) {
		b.required = append(b.required, pattern.NewIndex([]*pattern.Pattern{tp}))
	}
	// A competitor is named by its genitive and in compounds too:
	// "Glowly's cream", "Teeblatt-Beutel".
	competitors := make([]string, len(b.Competitors))
	for i, c := range b.Competitors {
		competitors[i] = c
		if plainWord(c) {
			competitors[i] = fmt.Sprintf("(%s|%s-*|%s's|%s’s|%ss)", c, c, c, c, c)
		}
	}
	b.competitors = compile("competitors", competitors)
	products := make([]string, 0, len(b.PriceFloors))
	for prod := range b.PriceFloors {
		products = append(products, prod)
	}
	slices.Sort(products)
	var floorPats []*pattern.Pattern
	for _, prod := range products {
		tp, err := pc.Compile(literalPattern(prod))
		if err != nil {
			bad("price_floors: product %q: %v", prod, err)
			continue
		}
		floorPats = append(floorPats, tp)
		b.floors = append(b.floors, productFloor{name: prod, floor: b.PriceFloors[prod]})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b.floorIndex = pattern.NewIndex(floorPats)
	b.bannedIndex = pattern.NewIndex(b.banned)
	b.competitorIndex = pattern.NewIndex(b.competitors)
	return &b, nil
}

// literalPattern escapes a product name so that pattern syntax in it (an
// asterisk, a tilde, a question mark) is read as text.
func literalPattern(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '*', '~', '?', '(', ')', '|', '@', '!', '{', '}', '_':
			return ' '
		}
		return r
	}, name)
}

func (b *BrandPack) severity(check string) Severity {
	if s, ok := b.Severities[check]; ok {
		if sev, err := parseSeverity(string(s)); err == nil {
			return sev
		}
	}
	return brandSeverityDefaults[check]
}

// plainWord reports whether s is one word of letters and digits, no pattern
// syntax.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
