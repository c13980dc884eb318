package benchdb

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"kontext"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
	"kontext/llm"
	"kontext/retrieval"
)

// Brief is one generate request of the demo workload.
type Brief struct{ Brief, Channel, Lang string }

// DemoBriefs are the demo corpus's generate requests the whole-system
// benchmarks cycle through: every channel, German and English.
var DemoBriefs = []Brief{
	{"Herbstaktion für die Gipfelflasche 500, Ton: locker, Du-Form", "newsletter", "de"},
	{"Fünf Betreffzeilen zur Gipfelflasche 500 auf der Herbsttour", "subject_lines", "de"},
	{"Hüttenkanne: Einhand-Ausgießer, hält Kaffee warm", "social_post", "de"},
	{"Launch post for the Hüttenkanne vacuum jug", "social_post", "en"},
	{"Produktbeschreibung Gipfelflasche 750, Edelstahl natur, spülmaschinenfest", "product_description", "de"},
	{"Darf der Talbecher in die Spülmaschine?", "faq_answer", "de"},
	{"Can I put carbonated drinks in the Gipfelflasche?", "faq_answer", "en"},
	{"Pressemitteilung: Ersatzteilprogramm für das ganze Sortiment", "press_release", "de"},
}

// DemoPipeline ingests the demo corpus (the brand directory, e.g.
// examples/acme, without its support tickets) into the tenant acme for the
// group marketing and returns the generate pipeline over it with the given
// providers, the retrieval store and the number of files loaded. The tenant
// must exist.
func (db *DB) DemoPipeline(ctx context.Context, corpus string, providers []*llm.Provider) (*generate.Service, *retrieval.Store, int, error) {
	emb := llm.NewHashEmbedder(384)
	det := pii.NewDetector(pii.DetectorOptions{})
	inj := inject.NewInjectionScanner(inject.InjectionOptions{})
	in, err := ingest.New(db.App, ingest.Options{Embedder: emb, Secret: []byte(rand.Text() + rand.Text()),
		Scanners: ingest.Scanners{PII: det.Detect, Injection: func(t string) (bool, float64, []string) {
			r := inj.Scan(t, inject.Document)
			return r.Injection, r.Score, r.Reasons
		}}})
	if err != nil {
		return nil, nil, 0, err
	}
	loader := kontext.Principal{Tenant: "acme", User: "bench", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Admin}
	files := 0
	err = filepath.WalkDir(corpus, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.Contains([]string{".md", ".html"}, filepath.Ext(path)) || strings.Contains(path, "support") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		cls := kontext.Public
		if strings.Contains(path, "internal") {
			cls = kontext.Confidential
		} else if strings.Contains(path, "brand-guide") || strings.Contains(path, "price-list") {
			cls = kontext.Internal
		}
		purpose := kontext.Reference
		if strings.Contains(path, "brand-guide") {
			purpose = kontext.Guideline
		}
		_, err = in.Ingest(ctx, ingest.Request{Principal: loader, Name: filepath.Base(path), Data: data,
			Classification: cls, AllowedGroups: []string{"marketing"}, Purpose: purpose})
		files++
		return err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	store, err := retrieval.New(db.App, emb, retrieval.Options{})
	if err != nil {
		return nil, nil, 0, err
	}
	packs := map[string]*policy.Checker{}
	for lang, name := range map[string]string{"de": "de-marketing", "en": "en-marketing"} {
		p, err := policy.LoadPack(name)
		if err != nil {
			return nil, nil, 0, err
		}
		packs[lang] = policy.NewChecker(p, policy.WithPersonalData(det))
	}
	brand, err := policy.LoadBrand(filepath.Join(corpus, "brand.yaml"))
	if err != nil {
		return nil, nil, 0, err
	}
	svc, err := generate.New(generate.Config{Pool: db.App, Retriever: store, Detector: det, Injection: inj, Packs: packs,
		Brands: map[string]*policy.BrandPack{brand.ID: brand}, DefaultBrand: brand.ID, Providers: providers})
	if err != nil {
		return nil, nil, 0, err
	}
	return svc, store, files, nil
}
