package evals

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kontext"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
	"kontext/llm"
)

// Ingester loads fixture documents.
type Ingester interface {
	Ingest(ctx context.Context, req ingest.Request) (ingest.Result, error)
}

// Options are the runner's dependencies and settings.
type Options struct {
	// Generate is the configuration the binary builds for its generate
	// pipeline: pool, retriever, detector, injection scanner and restore
	// policy are used as they are; packs, brands, providers and the cache
	// are set per suite.
	Generate generate.Config
	// Providers are the configured chat providers a suite or the judge may
	// name; the offline provider is always available as "offline".
	Providers []*llm.Provider
	// CreateTenant registers a tenant; it is the code `kontext tenants
	// create` runs.
	CreateTenant func(ctx context.Context, id, name string) error
	// Ingester loads the fixtures.
	Ingester Ingester
	// DeleteDocument removes a fixture document after its suite has run;
	// nil (or Keep) leaves the fixtures in place.
	DeleteDocument func(ctx context.Context, p kontext.Principal, id string) error
	// Keep leaves each suite's fixture documents in its tenant.
	Keep bool

	// Root is the directory fixture, brand and pack paths are relative to
	// (the repository); empty means the working directory.
	Root string
	// Cassettes is the directory of recorded provider answers, one
	// subdirectory per suite; empty means Root/evals/cassettes.
	Cassettes string
	// Record sends every request of a non-offline provider to the
	// provider and stores the answer; without it answers are replayed and
	// a request without a cassette fails.
	Record bool
	// Repeat runs each case this many times (default 1); a case passes
	// when at least PassThreshold of its runs pass (default 1: all).
	Repeat        int
	PassThreshold float64
	// Judge names the provider that grades llm_judge assertions when the
	// suite names none; empty leaves them skipped.
	Judge string
	// Logger reports problems that do not fail the run; nil discards.
	Logger *slog.Logger
}

// Runner runs suites. Create it with New.
type Runner struct {
	opts     Options
	detector *pii.Detector
	inject   *inject.InjectionScanner
	forms    map[string]*policy.BrandPack // address form → a brand pack that checks only it
}

// New returns a Runner.
func New(opts Options) (*Runner, error) {
	g := opts.Generate
	if g.Pool == nil || g.Retriever == nil || g.Detector == nil || g.Injection == nil {
		return nil, errors.New("evals: the generate configuration needs pool, retriever, detector and injection scanner")
	}
	if opts.CreateTenant == nil || opts.Ingester == nil {
		return nil, errors.New("evals: CreateTenant and Ingester are required")
	}
	if opts.Repeat <= 0 {
		opts.Repeat = 1
	}
	if opts.PassThreshold <= 0 || opts.PassThreshold > 1 {
		opts.PassThreshold = 1
	}
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Cassettes == "" {
		opts.Cassettes = filepath.Join(opts.Root, "evals", "cassettes")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{opts: opts, detector: g.Detector, inject: g.Injection, forms: map[string]*policy.BrandPack{}}
	for _, form := range []string{"du", "sie"} {
		b, err := policy.ParseBrand([]byte("id: address-form\nversion: \"1\"\naddress_form: " + form + "\n"))
		if err != nil {
			return nil, fmt.Errorf("evals: %w", err)
		}
		r.forms[form] = b
	}
	return r, nil
}

// Filter limits a run to one case name; empty runs every case.
type Filter struct {
	Case string
}

// Run runs the suites in order and returns the report. A suite that cannot
// be set up (a missing fixture, an unknown provider) is reported with its
// error and counts as failed; Run itself fails only when ctx ends.
func (r *Runner) Run(ctx context.Context, suites []*Suite, f Filter) (*Report, error) {
	rep := &Report{Started: time.Now().UTC(), Repeat: r.opts.Repeat, PassThreshold: r.opts.PassThreshold}
	start := time.Now()
	found := f.Case == ""
	for _, s := range suites {
		if f.Case != "" && !slices.ContainsFunc(s.Cases, func(c Case) bool { return c.Name == f.Case }) {
			continue
		}
		found = true
		sr := r.runSuite(ctx, s, f)
		rep.Suites = append(rep.Suites, sr)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	if !found {
		return nil, fmt.Errorf("evals: no case named %q in the suites given", f.Case)
	}
	rep.DurationMS = ms(time.Since(start))
	return rep, nil
}

// suiteRun is the state of one suite's run.
type suiteRun struct {
	r        *Runner
	s        *Suite
	tenant   string
	gen      *generate.Service
	brand    *policy.BrandPack
	checkers map[string]*policy.Checker
	judge    llm.Chat
	judgeWhy string            // why llm_judge is skipped, when judge is nil
	byDoc    map[string]string // document id → external id
	byExt    map[string]string // external id → document id
}

func (r *Runner) runSuite(ctx context.Context, s *Suite, f Filter) *SuiteReport {
	start := time.Now()
	sr := &SuiteReport{Name: s.Name, File: filepath.ToSlash(s.Path), Description: strings.TrimSpace(s.Description),
		Provider: s.provider(), Partial: f.Case != "", Metrics: map[string]float64{}}
	run, cleanup, err := r.setUp(ctx, s, sr)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		sr.Error = err.Error()
		sr.DurationMS = ms(time.Since(start))
		return sr
	}
	for _, c := range s.Cases {
		if f.Case != "" && c.Name != f.Case {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		cr := run.runCase(ctx, &c)
		sr.Cases = append(sr.Cases, cr)
	}
	sr.tally()
	sr.DurationMS = ms(time.Since(start))
	return sr
}

func (s *Suite) provider() string {
	if s.Provider == "" {
		return "offline"
	}
	return s.Provider
}

// setUp creates the suite's tenant, loads its fixtures and builds its
// generate pipeline.
func (r *Runner) setUp(ctx context.Context, s *Suite, sr *SuiteReport) (*suiteRun, func(), error) {
	run := &suiteRun{r: r, s: s, byDoc: map[string]string{}, byExt: map[string]string{}, checkers: map[string]*policy.Checker{}}
	g := r.opts.Generate
	// Packs: the built-in ones unless the suite names others.
	g.Packs = map[string]*policy.Checker{}
	for lang, def := range map[string]string{"de": "de-marketing", "en": "en-marketing"} {
		name := def
		if v := s.Fixtures.Packs[lang]; v != "" {
			name = r.path(v)
			if !strings.ContainsAny(v, `/\`) && !strings.HasSuffix(v, ".yaml") && !strings.HasSuffix(v, ".yml") {
				name = v // a built-in pack's name
			}
		}
		p, err := policy.LoadPack(name)
		if err != nil {
			return nil, nil, fmt.Errorf("fixtures.packs: %w", err)
		}
		g.Packs[lang] = policy.NewChecker(p, policy.WithPersonalData(r.detector))
		sr.Packs = append(sr.Packs, p.ID+"@"+p.Version)
	}
	slices.Sort(sr.Packs)
	run.checkers = g.Packs
	g.Brands, g.DefaultBrand = nil, ""
	if s.Fixtures.Brand != "" {
		b, err := policy.LoadBrand(r.path(s.Fixtures.Brand))
		if err != nil {
			return nil, nil, fmt.Errorf("fixtures.brand: %w", err)
		}
		run.brand = b
		g.Brands, g.DefaultBrand = map[string]*policy.BrandPack{b.ID: b}, b.ID
		sr.Brand = b.ID + "@" + b.Version
	}
	p, err := r.provider(s.provider(), s.Name)
	if err != nil {
		return nil, nil, err
	}
	g.Providers = []*llm.Provider{p}
	g.CacheTTL = 0
	if run.gen, err = generate.New(g); err != nil {
		return nil, nil, err
	}
	judge := s.Judge
	if judge == "" {
		judge = r.opts.Judge
	}
	switch jp, err := r.judgeProvider(judge, s.Name); {
	case err != nil:
		return nil, nil, err
	case jp == nil:
		run.judgeWhy = "no judge provider configured (suite judge: or --judge)"
	default:
		run.judge = jp
		sr.Judge = judge
	}

	run.tenant = tenantID(s.Name)
	sr.Tenant = run.tenant
	if err := r.opts.CreateTenant(ctx, run.tenant, "eval suite "+s.Name); err != nil {
		return nil, nil, fmt.Errorf("create tenant: %w", err)
	}
	owner := kontext.Principal{Tenant: run.tenant, User: "eval", Clearance: kontext.Confidential, Role: kontext.Admin}
	var cleanup func()
	if r.opts.DeleteDocument != nil && !r.opts.Keep {
		cleanup = func() {
			// A fresh context: the fixtures go even when the run was interrupted.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			for _, id := range slices.Sorted(maps.Keys(run.byDoc)) {
				if err := r.opts.DeleteDocument(cctx, owner, id); err != nil && !errors.Is(err, kontext.ErrNotFound) {
					r.opts.Logger.Warn("eval fixture not deleted", "tenant", run.tenant, "document", id, "err", err)
				}
			}
		}
	}
	for i, d := range s.Fixtures.Documents {
		docs, err := r.fixture(ctx, owner, d)
		if err != nil {
			return nil, cleanup, fmt.Errorf("fixtures.documents[%d]: %w", i, err)
		}
		for _, fd := range docs {
			run.byDoc[fd.DocumentID] = fd.ID
			run.byExt[fd.ID] = fd.DocumentID
			sr.Fixtures = append(sr.Fixtures, fd)
		}
	}
	return run, cleanup, nil
}

// path resolves a path of a suite file against the root.
func (r *Runner) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.opts.Root, filepath.FromSlash(p))
}

// tenantID returns a fresh tenant id for a suite: eval-<suite>-<random>.
func tenantID(suite string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("evals: no randomness")
	}
	name := strings.ReplaceAll(suite, "_", "-")
	return "eval-" + name + "-" + hex.EncodeToString(b[:])
}

// offlineProvider is the in-process composer.
func offlineProvider() *llm.Provider {
	return &llm.Provider{Name: "offline", Type: "offline", Region: "local", MaxClassification: kontext.Confidential,
		Chat: llm.Offline{}, Offline: true}
}

// provider returns the named provider for a suite's generations: its chat
// replays (or records) cassettes unless it is offline, and records every
// payload for no_pii.
func (r *Runner) provider(name, suite string) (*llm.Provider, error) {
	var p *llm.Provider
	for _, c := range r.opts.Providers {
		if c.Name == name {
			p = c
		}
	}
	if p == nil {
		if name != "offline" {
			return nil, fmt.Errorf("provider %q is not configured (configured: %s)", name, strings.Join(r.providerNames(), ", "))
		}
		p = offlineProvider()
	}
	cp := *p
	if !cp.Offline {
		cp.Chat = &Cassette{Dir: filepath.Join(r.opts.Cassettes, suite), Provider: p.Chat, Record: r.opts.Record}
	}
	cp.Chat = captureChat{next: cp.Chat}
	return &cp, nil
}

// judgeProvider returns the chat that grades llm_judge assertions, nil
// when none is named.
func (r *Runner) judgeProvider(name, suite string) (llm.Chat, error) {
	if name == "" {
		return nil, nil
	}
	for _, p := range r.opts.Providers {
		if p.Name != name {
			continue
		}
		if p.Offline {
			return nil, fmt.Errorf("judge %q is the offline composer, which cannot grade a rubric", name)
		}
		return captureChat{next: &Cassette{Dir: filepath.Join(r.opts.Cassettes, suite), Provider: p.Chat, Record: r.opts.Record}}, nil
	}
	return nil, fmt.Errorf("judge provider %q is not configured (configured: %s)", name, strings.Join(r.providerNames(), ", "))
}

func (r *Runner) providerNames() []string {
	names := []string{"offline"}
	for _, p := range r.opts.Providers {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	return names
}

// FixtureDoc is one loaded fixture document.
type FixtureDoc struct {
	ID         string `json:"id"`
	DocumentID string `json:"document_id"`
	Status     string `json:"status"`
	Chunks     int    `json:"chunks"`
}

// fixture ingests one fixture entry: inline text, a file, or every
// supported file under a directory, in name order.
func (r *Runner) fixture(ctx context.Context, owner kontext.Principal, d Document) ([]FixtureDoc, error) {
	cls, err := kontext.ParseClassification(d.Classification)
	if err != nil {
		return nil, err
	}
	purpose, err := kontext.ParsePurpose(d.Purpose)
	if err != nil {
		return nil, err
	}
	// Fixtures are the operator's set-up, not a caller's write: they may
	// grant any access list the case needs.
	base := ingest.Request{Principal: owner, Operator: true, Title: d.Title, Language: d.Lang, Classification: cls,
		AllowedGroups: d.Groups, AllowedUsers: d.Users, TenantWide: d.TenantWide, AllowInstructions: d.AllowInstructions,
		Purpose: purpose}
	type file struct{ path, id string }
	var files []file
	if d.Text != "" {
		req := base
		req.Name, req.ExternalID, req.Data = d.ID, d.ID, []byte(d.Text)
		if filepath.Ext(d.ID) == "" {
			req.Name += ".md"
		}
		res, err := r.opts.Ingester.Ingest(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID, err)
		}
		return []FixtureDoc{{ID: d.ID, DocumentID: res.DocumentID, Status: res.Status, Chunks: res.Chunks}}, nil
	}
	root := r.path(d.Path)
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		id := d.ID
		if id == "" {
			id = filepath.Base(root)
		}
		files = append(files, file{root, id})
	} else {
		if d.ID != "" || d.Title != "" {
			return nil, fmt.Errorf("%s is a directory: id and title belong to single documents", d.Path)
		}
		parent := filepath.Dir(filepath.Clean(root))
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && strings.HasPrefix(e.Name(), ".") {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if e.Type().IsRegular() {
				rel, err := filepath.Rel(parent, p)
				if err != nil {
					return err
				}
				files = append(files, file{p, filepath.ToSlash(rel)})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []FixtureDoc
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		req := base
		req.Name, req.ExternalID, req.Data = filepath.Base(f.path), f.id, data
		req.ContentType = mime.TypeByExtension(strings.ToLower(filepath.Ext(f.path)))
		req.SourceURI = "file://" + filepath.ToSlash(f.path)
		res, err := r.opts.Ingester.Ingest(ctx, req)
		if errors.Is(err, ingest.ErrUnsupportedType) && info.IsDir() {
			continue // directories may hold files of other types
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.id, err)
		}
		out = append(out, FixtureDoc{ID: f.id, DocumentID: res.DocumentID, Status: res.Status, Chunks: res.Chunks})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no documents of a supported type", d.Path)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
