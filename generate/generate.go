// Package generate turns a brief into a checked, cited draft: it retrieves
// the sources the caller may see, pseudonymises everything bound for the
// model, assembles a versioned prompt, calls a provider routed by the
// sources' classification, verifies every citation, checks the draft
// against policy and brand packs, decides, and records the generation in a
// tamper-evident log.
package generate

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/llm"
	"kontext/retrieval"
)

// Retriever finds the chunks a principal may see.
type Retriever interface {
	Search(ctx context.Context, p kontext.Principal, q retrieval.Query) ([]retrieval.Result, retrieval.Plan, error)
}

var _ Retriever = (*retrieval.Store)(nil)

// Config holds a Service's dependencies.
type Config struct {
	// Pool stores generations and reviews (as the application role).
	Pool *pgxpool.Pool
	// Retriever searches the caller's sources.
	Retriever Retriever
	// Detector finds personal data to pseudonymise.
	Detector *pii.Detector
	// Injection scans briefs and retrieved chunks.
	Injection *inject.InjectionScanner
	// Packs are the policy packs by language ("de", "en").
	Packs map[string]*policy.Checker
	// Brands are the brand packs by id; DefaultBrand is used when a request
	// names none.
	Brands       map[string]*policy.BrandPack
	DefaultBrand string
	// Providers are the configured chat providers in routing order.
	Providers []*llm.Provider
	// Templates are the prompt templates; nil loads the built-in ones.
	Templates *Templates
	// CacheTTL is how long an identical request is answered from the
	// cache; zero turns the cache off.
	CacheTTL time.Duration
	// Restore says which kinds of personal data are put back into the
	// draft; the zero value restores nothing.
	Restore pii.RestorePolicy
	// Logger logs failures; nil discards.
	Logger *slog.Logger
}

// Service generates drafts. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// Defaults and bounds of a request.
const (
	DefaultK      = 8
	MaxK          = 20
	MaxBriefBytes = 8 << 10
	MaxAudience   = 20
	// MaxAudienceValue bounds the value of one audience attribute, in
	// bytes (a list of values counts joined with ", "). An audience
	// describes its readers in a few words; more is a brief in the wrong
	// field, and every attribute goes into the prompt.
	MaxAudienceValue = 256
	snippetRunes     = 240
	defaultLanguage  = "de"
)

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil || cfg.Retriever == nil || cfg.Detector == nil || cfg.Injection == nil {
		return nil, errors.New("generate: pool, retriever, detector and injection scanner are required")
	}
	if len(cfg.Providers) == 0 {
		return nil, errors.New("generate: no chat provider configured")
	}
	for _, lang := range []string{"de", "en"} {
		if cfg.Packs[lang] == nil {
			return nil, fmt.Errorf("generate: no policy pack for %q", lang)
		}
	}
	if cfg.DefaultBrand != "" && cfg.Brands[cfg.DefaultBrand] == nil {
		return nil, fmt.Errorf("generate: default brand %q is not configured", cfg.DefaultBrand)
	}
	if cfg.Templates == nil {
		t, err := LoadTemplates()
		if err != nil {
			return nil, err
		}
		cfg.Templates = t
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// Templates returns the service's prompt templates.
func (s *Service) Templates() *Templates { return s.cfg.Templates }

// RejectedError is returned for a brief that was refused before anything
// was retrieved or sent: prompt injection. It matches kontext.ErrInvalid.
type RejectedError struct {
	Reasons []string
	Score   float64
}

func (e *RejectedError) Error() string {
	return "the brief was rejected as prompt injection: " + strings.Join(e.Reasons, "; ")
}

// Is reports whether target is kontext.ErrInvalid.
func (e *RejectedError) Is(target error) bool { return target == kontext.ErrInvalid }

// Generate runs the whole flow for one request as principal p. When events
// is not nil it receives the stream's events in order, ending with "done".
// Each step is a method of run, in the order the data flows.
func (s *Service) Generate(ctx context.Context, p kontext.Principal, req Request, events func(Event)) (*Result, error) {
	r, err := s.newRun(p, req, events)
	if err != nil {
		return nil, err
	}
	if err := r.checkBrief(ctx); err != nil { // injection in the brief: reject
		return nil, err
	}
	if err := r.retrieve(ctx); err != nil { // as the principal, then drop flagged chunks
		return nil, err
	}
	r.pseudonymise()                  // brief, chunks and consented audience attributes
	if err := r.route(); err != nil { // highest classification decides the providers
		return nil, err
	}
	if err := r.assemble(); err != nil { // template, numbered fenced sources
		return nil, err
	}
	if hit, err := r.cached(ctx); err != nil || hit != nil {
		return hit, err
	}
	if err := r.call(ctx); err != nil { // egress-checked provider call, streamed
		return nil, err
	}
	r.verify()                                                    // citations: unknown removed, facts must cite and be supported
	r.answersBrief()                                              // names the brief's subject, cites sources that do, answers it, copies no guideline
	r.respectsOutput()                                            // no source above the channel's output, no personal communication
	r.restore()                                                   // personal data the policy allows back in, closing lines
	r.check()                                                     // policy and brand packs → decision
	r.finish()                                                    // disclosure, provenance, usage
	if first, err := r.persist(ctx); err != nil || first != nil { // generation, review, audit event
		return first, err
	}
	r.emit("done", r.res)
	return r.res, nil
}

// run is the state of one generation.
type run struct {
	s      *Service
	p      kontext.Principal
	req    Request
	events func(Event)
	start  time.Time
	stage  time.Time

	tmpl    *Template
	brand   *policy.BrandPack
	checker *policy.Checker
	vault   *pii.Vault
	results []retrieval.Result
	plan    retrieval.Plan
	output  OutputPolicy
	// restricted holds, per result, why the channel may not use it freely
	// (empty when it may): a draft that uses it needs review.
	restricted []string
	guides     []retrieval.Result // guideline chunks: writing rules, never sources
	sources    []PromptSource
	guidelines []PromptSource
	prompt     Prompt
	messages   []llm.Message
	provider   *llm.Provider
	highest    kontext.Classification
	payload    []byte
	cacheKey   []byte
	answer     llm.ChatResponse
	verified   Verification
	stored     string // pseudonymised final draft
	res        *Result
}

func (s *Service) newRun(p kontext.Principal, req Request, events func(Event)) (*run, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	req.Brief = strings.TrimSpace(req.Brief)
	req.Channel = strings.TrimSpace(strings.ToLower(req.Channel))
	req.Lang = strings.TrimSpace(strings.ToLower(req.Lang))
	if req.Lang == "" {
		req.Lang = defaultLanguage
	}
	switch {
	case req.Brief == "":
		return nil, kontext.Invalidf("brief", "is required")
	case len(req.Brief) > MaxBriefBytes:
		return nil, kontext.Invalidf("brief", "longer than %d bytes", MaxBriefBytes)
	case req.Channel == "":
		return nil, kontext.Invalidf("channel", "is required (%s)", strings.Join(s.cfg.Templates.Channels(), ", "))
	case req.Lang != "de" && req.Lang != "en":
		return nil, kontext.Invalidf("lang", "%q is not de or en", req.Lang)
	case req.K < 0 || req.K > MaxK:
		return nil, kontext.Invalidf("k", "must be between 1 and %d", MaxK)
	case len(req.Audience) > MaxAudience:
		return nil, kontext.Invalidf("audience", "more than %d attributes", MaxAudience)
	case audienceTooLong(req.Audience) != "":
		name := audienceTooLong(req.Audience)
		return nil, kontext.Invalidf("audience."+name, "value of %d bytes is longer than %d", len(req.Audience[name].Value), MaxAudienceValue)
	case req.Options.MaxTokens < 0 || req.Options.MaxTokens > 16000:
		return nil, kontext.Invalidf("options.max_tokens", "must be between 1 and 16000")
	case req.Options.Temperature != nil && (*req.Options.Temperature < 0 || *req.Options.Temperature > 2):
		return nil, kontext.Invalidf("options.temperature", "must be between 0 and 2")
	}
	tmpl, ok := s.cfg.Templates.Get(req.Channel)
	if !ok {
		return nil, kontext.Invalidf("channel", "%q is not one of %s", req.Channel, strings.Join(s.cfg.Templates.Channels(), ", "))
	}
	if req.K == 0 {
		req.K = DefaultK
	}
	brandID := req.Brand
	if brandID == "" {
		brandID = s.cfg.DefaultBrand
	}
	var brand *policy.BrandPack
	if brandID != "" {
		if brand = s.cfg.Brands[brandID]; brand == nil {
			return nil, kontext.Invalidf("brand", "%q is not a configured brand", brandID)
		}
	}
	for name := range req.Audience {
		if err := kontext.ValidateName("audience", name); err != nil {
			return nil, err
		}
	}
	now := time.Now()
	return &run{s: s, p: p, req: req, events: events, start: now, stage: now, tmpl: tmpl, brand: brand,
		checker: s.cfg.Packs[req.Lang], vault: s.cfg.Detector.NewVault(),
		res: &Result{Timings: map[string]float64{}, Reasons: []Reason{}}}, nil
}

func (r *run) emit(name string, data any) {
	if r.events != nil {
		r.events(Event{Name: name, Data: data})
	}
}

// lap records the time since the previous stage under name.
func (r *run) lap(name string) {
	now := time.Now()
	r.res.Timings[name] = float64(now.Sub(r.stage).Microseconds()) / 1000
	r.stage = now
}

func (r *run) checkBrief(ctx context.Context) error {
	defer r.lap("input_check")
	scan := r.s.cfg.Injection.Scan(r.req.Brief, inject.Brief)
	if scan.Injection {
		r.recordRejection(ctx, scan)
		return &RejectedError{Reasons: scan.Reasons, Score: scan.Score}
	}
	return nil
}

// MaxGuidelines is how many guideline chunks (brand guide rules) a prompt
// states at most.
const MaxGuidelines = 4

func (r *run) retrieve(ctx context.Context) error {
	defer r.lap("retrieval")
	// Facts and writing rules are searched apart, so that rules never take
	// a source's place, and guidelines never become numbered sources.
	q := retrieval.Query{Text: r.req.Brief, K: r.req.K, Language: r.req.Lang, DocumentIDs: r.req.Options.DocumentIDs,
		Purposes: []kontext.Purpose{kontext.Reference, kontext.Correspondence}}
	results, plan, err := r.s.cfg.Retriever.Search(ctx, r.p, q)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	q.K, q.Purposes = MaxGuidelines, []kontext.Purpose{kontext.Guideline}
	guides, _, err := r.s.cfg.Retriever.Search(ctx, r.p, q)
	if err != nil {
		return fmt.Errorf("generate: guidelines: %w", err)
	}
	r.plan = plan
	r.highest = kontext.Public
	r.output = OutputPolicyFor(r.brand, r.tmpl.PolicyChannel)
	// Quarantined documents never reach here (the database hides them); a
	// chunk that reads like an instruction to the model is left out all
	// the same.
	injected := func(c retrieval.Result) bool {
		as := inject.Document
		if c.Purpose == kontext.Guideline {
			as = inject.Guideline // writing rules, read as such (see inject.Guideline)
		}
		scan := r.s.cfg.Injection.Scan(c.Text, as)
		if scan.Injection {
			r.res.Provenance.Dropped = append(r.res.Provenance.Dropped, DroppedSource{ChunkID: c.ChunkID,
				Reason: "possible prompt injection: " + strings.Join(first(scan.Reasons, 2), "; ")})
		}
		return scan.Injection
	}
	for _, c := range results {
		if c.Purpose == kontext.Guideline || injected(c) {
			continue
		}
		why, exclude := r.output.Restriction(c, r.tmpl.PolicyChannel)
		if exclude {
			r.res.Provenance.Excluded = append(r.res.Provenance.Excluded, DroppedSource{ChunkID: c.ChunkID,
				Reason: fmt.Sprintf("%q is %s", c.Title, why)})
			continue
		}
		r.results = append(r.results, c)
		r.restricted = append(r.restricted, why)
		if c.Classification.Rank() > r.highest.Rank() {
			r.highest = c.Classification
		}
	}
	for _, c := range guides {
		if c.Purpose != kontext.Guideline || injected(c) {
			continue
		}
		r.guides = append(r.guides, c)
		if c.Classification.Rank() > r.highest.Rank() {
			r.highest = c.Classification
		}
	}
	for _, d := range r.res.Provenance.Dropped {
		r.res.Reasons = append(r.res.Reasons, Reason{Code: "source", Severity: SeverityInfo,
			Message: fmt.Sprintf("Chunk %d was left out of the prompt: %s.", d.ChunkID, d.Reason)})
	}
	for _, d := range r.res.Provenance.Excluded {
		r.res.Reasons = append(r.res.Reasons, Reason{Code: "source", Severity: SeverityInfo,
			Message: fmt.Sprintf("Chunk %d was not used for this channel: %s.", d.ChunkID, d.Reason)})
	}
	r.emit("retrieval", map[string]any{"sources": len(r.results), "guidelines": len(r.guides),
		"dropped": len(r.res.Provenance.Dropped), "excluded": len(r.res.Provenance.Excluded),
		"path": plan.Path, "visible": plan.Visible, "classification": r.highest})
	return nil
}

// SeverityInfo marks reasons that inform without changing the decision.
const SeverityInfo policy.Severity = "info"

// pseudo is s with its personal data replaced by the request's
// placeholders.
func (r *run) pseudo(s string) string {
	out, _ := r.vault.Pseudonymise(s)
	return out
}

// pseudonymise replaces the personal data in every text the prompt takes
// from the request, the tenant's documents or its brand pack (titles and
// headings included) with the request's placeholders: the egress check
// scans the whole payload with the same detector, so what it would find
// must have been replaced here.
func (r *run) pseudonymise() {
	defer r.lap("pseudonymise")
	r.prompt.Brief = r.pseudo(r.req.Brief)
	for i, c := range r.results {
		r.sources = append(r.sources, PromptSource{N: i + 1, Title: r.pseudo(c.Title), Heading: r.pseudo(c.HeadingPath),
			Version: c.Version, Text: r.pseudo(c.Text), Restricted: r.restricted[i]})
	}
	for _, c := range r.guides {
		r.guidelines = append(r.guidelines, PromptSource{Title: r.pseudo(c.Title), Heading: r.pseudo(c.HeadingPath),
			Version: c.Version, Text: r.pseudo(c.Text)})
	}
	r.prompt.Brand = PromptBrandOf(r.brand)
	r.prompt.Brand.Name = r.pseudo(r.prompt.Brand.Name)
	// The lists are the brand pack's own (shared by every request): the
	// prompt gets copies.
	for _, list := range []*[]string{&r.prompt.Brand.Banned, &r.prompt.Brand.Required, &r.prompt.Brand.Competitors} {
		*list = slices.Clone(*list)
		for i, w := range *list {
			(*list)[i] = r.pseudo(w)
		}
	}
	for _, line := range r.required() {
		r.prompt.Required = append(r.prompt.Required, r.pseudo(line))
	}
	names := slices.Sorted(maps.Keys(r.req.Audience))
	use := AudienceUse{Used: []string{}, Omitted: []string{}}
	for _, name := range names {
		a := r.req.Audience[name]
		if !a.Consent || strings.TrimSpace(a.Value) == "" {
			use.Omitted = append(use.Omitted, name)
			continue
		}
		r.prompt.Audience = append(r.prompt.Audience, AudienceLine{Name: r.pseudo(name), Value: r.pseudo(strings.TrimSpace(a.Value))})
		use.Used = append(use.Used, name)
	}
	r.res.Provenance.Audience = use
	r.res.Provenance.Redactions = r.vault.Counts()
	if r.res.Provenance.Redactions == nil {
		r.res.Provenance.Redactions = map[string]int{}
	}
}

func (r *run) route() error {
	p, err := llm.Route(r.s.cfg.Providers, r.highest, r.req.Options.Provider)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	r.provider = p
	return nil
}

// inTextDisclosure are the channels whose AI label goes into the text
// itself (the policy packs check it there); elsewhere it travels beside
// the text as Result.Disclosure.
var inTextDisclosure = map[string]bool{"social_post": true, "press_release": true}

// disclosures are the AI labels per language: a short one for in-text
// channels and a sentence for the rest.
var disclosures = map[string][2]string{
	"de": {"KI-generiert", "Dieser Text wurde mit Unterstützung von KI erstellt und redaktionell geprüft."},
	"en": {"AI-generated", "This text was created with the help of AI and reviewed by our editors."},
}

func (r *run) disclosure() string {
	d := disclosures[r.req.Lang]
	if inTextDisclosure[r.req.Channel] {
		return d[0]
	}
	return d[1]
}

// required lists the lines the draft must end with: the brand's disclaimer
// for the channel and, where it belongs in the text, the AI label.
func (r *run) required() []string {
	var out []string
	if r.brand != nil {
		if d := strings.TrimSpace(r.brand.Disclaimers[r.tmpl.PolicyChannel]); d != "" {
			out = append(out, d)
		}
	}
	if inTextDisclosure[r.req.Channel] {
		out = append(out, r.disclosure())
	}
	return out
}

func (r *run) maxChars() int {
	if r.brand != nil {
		if n, ok := r.brand.MaxLength[r.tmpl.PolicyChannel]; ok {
			return n
		}
	}
	return r.tmpl.MaxChars
}

func (r *run) assemble() error {
	defer r.lap("assemble")
	spot := inject.NewSpotlighter() // a fresh fence per request
	for i := range r.sources {
		r.sources[i].Wrapped = spot.Wrap(r.sources[i].Text)
	}
	// Guidelines are the tenant's own rules for the writer: fenced apart
	// from the sources, under a fence of their own and its own note.
	if len(r.guidelines) > 0 {
		gspot := inject.NewSpotlighter()
		for i := range r.guidelines {
			r.guidelines[i].Wrapped = gspot.Wrap(r.guidelines[i].Text)
		}
		r.prompt.Guidelines = r.guidelines
		r.prompt.GuidelineInstruction = GuidelineInstruction(gspot.Delimiter())
	}
	r.frame()
	r.prompt.SpotlightInstruction = spot.Instruction()
	msgs, err := r.tmpl.Assemble(r.prompt)
	if err != nil {
		return err
	}
	r.messages = msgs
	// The payload is what leaves the process; its hash is the input hash
	// of provenance, and it passes the egress check whatever the provider.
	r.payload, _ = json.Marshal(msgs)
	if err := r.s.cfg.Detector.CheckEgress(r.payload); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	r.cacheKey = r.key()
	return nil
}

// frame fills in the prompt what the channel, language and brand decide,
// and the sources: what a draft of this request is checked against.
func (r *run) frame() {
	r.prompt.Channel = r.req.Channel
	r.prompt.ChannelLabel = channelLabels[r.req.Channel]
	r.prompt.Lang = r.req.Lang
	r.prompt.LangName = langNames[r.req.Lang]
	r.prompt.Sources = r.sources
	r.prompt.MaxChars = r.maxChars()
}

// key is the cache key: everything that decides the answer, except the
// random fence delimiter.
func (r *run) key() []byte {
	type src struct {
		Chunk   int64  `json:"c"`
		Doc     string `json:"d"`
		Version int    `json:"v"`
	}
	var sources []src
	for _, c := range r.results {
		sources = append(sources, src{c.ChunkID, c.DocumentID, c.Version})
	}
	var guides []src
	for _, c := range r.guides {
		guides = append(guides, src{c.ChunkID, c.DocumentID, c.Version})
	}
	tokens := retrieval.AccessTokens(r.p)
	sort.Strings(tokens)
	brand := ""
	if r.brand != nil {
		brand = r.brand.ID + "@" + r.brand.Version
	}
	pack := r.checker.Pack()
	k, _ := json.Marshal(map[string]any{
		"tenant": r.p.Tenant, "tokens": tokens, "clearance": r.p.Clearance, "brief": r.prompt.Brief,
		"channel": r.req.Channel, "lang": r.req.Lang, "brand": brand, "audience": r.prompt.Audience, "k": r.req.K,
		"temperature": r.req.Options.Temperature, "max_tokens": r.req.Options.MaxTokens, "docs": r.req.Options.DocumentIDs,
		"template": r.tmpl.Ref(), "provider": r.provider.Name, "model": r.provider.Chat.Model(),
		"pack": pack.ID + "@" + pack.Version, "sources": sources, "guidelines": guides,
	})
	h := sha256.Sum256(k)
	return h[:]
}

func (r *run) call(ctx context.Context) error {
	defer r.lap("provider")
	maxTokens := r.req.Options.MaxTokens
	if maxTokens == 0 {
		maxTokens = r.tmpl.MaxTokens
	}
	compose := r.compose()
	var onDelta func(string)
	if r.events != nil {
		onDelta = func(d string) { r.emit("delta", d) }
	}
	answer, err := r.provider.Chat.Chat(ctx, llm.ChatRequest{Messages: r.messages, MaxTokens: maxTokens,
		Temperature: r.req.Options.Temperature, Compose: compose}, onDelta)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("generate: provider %s: %w", r.provider.Name, err)
	}
	r.answer = answer
	return nil
}

// compose is the request in structured form: what the offline composer
// writes from, and what the answered check reads the sources with.
func (r *run) compose() *llm.Compose {
	compose := &llm.Compose{Brief: r.prompt.Brief, Channel: r.req.Channel, Lang: r.req.Lang,
		AddressForm: r.prompt.Brand.AddressForm, Brand: r.prompt.Brand.Name, MaxChars: r.prompt.MaxChars, Required: r.prompt.Required,
		Avoid: r.prompt.Brand.Banned}
	for _, s := range r.sources {
		compose.Sources = append(compose.Sources, llm.ComposeSource{N: s.N, Title: s.Title, Text: s.Text, Restricted: s.Restricted != ""})
	}
	for _, g := range r.guidelines {
		compose.Guidelines = append(compose.Guidelines, g.Text)
	}
	return compose
}

func (r *run) verify() {
	defer r.lap("verify")
	var vs []VerifySource
	for _, s := range r.sources {
		vs = append(vs, VerifySource{N: s.N, Title: s.Title, Text: s.Text})
	}
	r.verified = VerifyCitations(r.answer.Text, vs)
	r.res.Sentences = r.verified.Sentences
	r.res.Reasons = append(r.res.Reasons, r.verified.Reasons...)
	r.res.Citations = []Citation{}
	for i, c := range r.results {
		r.res.Citations = append(r.res.Citations, Citation{N: i + 1, DocumentID: c.DocumentID, Title: c.Title,
			Version: c.Version, Heading: c.HeadingPath, Page: c.Page, LastPage: c.LastPage, ChunkID: c.ChunkID, Snippet: clip(r.sources[i].Text, snippetRunes)})
	}
	r.emit("citations", r.res.Citations)
}

func (r *run) restore() {
	draft := strings.TrimSpace(r.verified.Draft)
	// The draft holds placeholders until restored: a required line is
	// looked for, and added, in the form the prompt gave it.
	for _, line := range r.prompt.Required {
		if !strings.Contains(draft, line) {
			draft += "\n\n" + line
		}
	}
	r.stored = draft
	r.res.Draft = r.vault.Restore(draft, r.s.cfg.Restore)
	if r.s.cfg.Restore != pii.RestoreNothing {
		for i := range r.res.Sentences {
			r.res.Sentences[i].Text = r.vault.Restore(r.res.Sentences[i].Text, r.s.cfg.Restore)
		}
	}
}

// lineChannels are checked for length line by line: each subject line is
// one text.
var lineChannels = map[string]bool{"subject_lines": true}

func (r *run) check() {
	defer r.lap("policy")
	opts := policy.CheckOptions{Channel: r.tmpl.PolicyChannel, Lang: r.req.Lang, Brand: r.brand}
	limit := r.maxChars()
	if lineChannels[r.req.Channel] && r.brand != nil {
		b := *r.brand
		b.MaxLength = nil
		opts.Brand = &b
	}
	result := r.checker.Check(r.res.Draft, opts)
	for _, v := range result.Violations {
		span := v.Span
		reason := Reason{Code: "policy", Rule: v.Rule, Category: v.Category, Severity: v.Severity, Message: v.Message,
			Basis: v.Basis, Rewrite: v.Rewrite}
		if span != [2]int{0, 0} {
			reason.Span = &span
		}
		r.res.Reasons = append(r.res.Reasons, reason)
	}
	if lineChannels[r.req.Channel] {
		for _, line := range strings.Split(r.res.Draft, "\n") {
			line = strings.TrimSpace(line)
			if n := len([]rune(line)); n > limit && !slices.Contains(r.required(), line) {
				r.res.Reasons = append(r.res.Reasons, Reason{Code: "policy", Rule: "brand.max_length", Category: "max_length",
					Severity: policy.SeverityBlock, Message: fmt.Sprintf("The line %q has %d characters; %d allowed.", clip(line, 80), n, limit)})
			}
		}
	}
	if placeholderPattern.MatchString(r.res.Draft) {
		r.res.Reasons = append(r.res.Reasons, Reason{Code: "personal_data", Severity: policy.SeverityReview,
			Message: "The draft holds placeholders of withheld personal data; a person must fill them in or remove them."})
	}
	r.res.Decision = Approved
	for _, reason := range r.res.Reasons {
		switch reason.Severity {
		case policy.SeverityBlock:
			r.res.Decision = Blocked
		case policy.SeverityReview:
			if r.res.Decision == Approved {
				r.res.Decision = NeedsReview
			}
		}
	}
	r.emit("decision", map[string]any{"decision": r.res.Decision, "reasons": r.res.Reasons})
}

func (r *run) finish() {
	res := r.res
	res.Disclosure = r.disclosure()
	pv := &res.Provenance
	pv.Provider, pv.Model, pv.Region, pv.Offline = r.provider.Name, r.answer.Model, r.provider.Region, r.provider.Offline
	if pv.Model == "" {
		pv.Model = r.provider.Chat.Model()
	}
	pv.Template = r.tmpl.Ref()
	pack := r.checker.Pack()
	pv.PolicyPacks = []string{pack.ID + "@" + pack.Version}
	if r.brand != nil {
		pv.Brand = r.brand.ID + "@" + r.brand.Version
	}
	pv.Retrieval = RetrievalParams{K: r.req.K, Path: r.plan.Path, Visible: r.plan.Visible, Classification: string(r.highest)}
	pv.Sources = []SourceVersion{}
	for _, c := range r.results {
		pv.Sources = append(pv.Sources, SourceVersion{DocumentID: c.DocumentID, Version: c.Version, ChunkID: c.ChunkID})
	}
	for _, c := range r.guides {
		pv.Guidelines = append(pv.Guidelines, SourceVersion{DocumentID: c.DocumentID, Version: c.Version, ChunkID: c.ChunkID})
	}
	pv.Output = string(r.output.Classification)
	in := sha256.Sum256(r.payload)
	out := sha256.Sum256([]byte(r.res.Draft))
	pv.InputSHA256, pv.OutputSHA256 = fmt.Sprintf("%x", in), fmt.Sprintf("%x", out)
	u := r.answer.Usage
	if u.PromptTokens == 0 && u.CompletionTokens == 0 {
		u = countUsage(r.payload, r.answer.Text)
	}
	res.Usage = Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostEUR: r.provider.Price.Cost(u)}
}

// audienceTooLong names an attribute whose value passes MaxAudienceValue
// (the first in name order), or returns "".
func audienceTooLong(a Audience) string {
	var names []string
	for name, attr := range a {
		if len(attr.Value) > MaxAudienceValue {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return names[0]
}

// Validate checks a request as Generate would before doing any work:
// principal, brief, channel, language, k, audience and options.
func (s *Service) Validate(p kontext.Principal, req Request) error {
	_, err := s.newRun(p, req, nil)
	return err
}
