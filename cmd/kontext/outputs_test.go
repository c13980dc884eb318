package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kontext/generate"
	"kontext/internal/dbtest"
)

// TestGenerateOutputsEndToEnd drives `kontext ingest --purpose` and
// `kontext generate` with the offline composer over the demo corpus: the
// support mail never becomes a public post, the brand guide shapes the
// prompt but is never cited or copied, a draft that misses the brief's
// product needs review, and a brand pack can switch personal
// communication from exclusion to review.
func TestGenerateOutputsEndToEnd(t *testing.T) {
	db := dbtest.NewDatabase(t, true)
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", db.OwnerURL)
	t.Setenv("KONTEXT_SECRET_FILE", filepath.Join(dir, "secret"))
	t.Setenv("KONTEXT_LOG_LEVEL", "error")
	t.Setenv("KONTEXT_CACHE_TTL", "0")
	t.Setenv("KONTEXT_BRANDS", "../../examples/acme/brand.yaml")
	ex := "../../examples/acme/"
	mustCLI(t, "tenants", "create", "acme")
	mustCLI(t, "ingest", ex+"products", ex+"faq.de.md", ex+"faq.en.md", "--tenant", "acme", "--groups", "marketing,support", "--classification", "public")
	mustCLI(t, "ingest", ex+"brand-guide.md", ex+"brand-guide.de.md", "--tenant", "acme", "--groups", "marketing", "--classification", "internal", "--purpose", "guideline")
	mustCLI(t, "ingest", ex+"support", "--tenant", "acme", "--groups", "support", "--classification", "internal", "--purpose", "correspondence")
	if _, errOut, code := cli(t, "ingest", ex+"faq.de.md", "--tenant", "acme", "--groups", "marketing", "--classification", "public", "--purpose", "memo"); code == 0 || !strings.Contains(errOut, "purpose") {
		t.Errorf("ingest --purpose memo: exit %d, %q; want a usage error naming the purpose", code, errOut)
	}

	gen := func(t *testing.T, channel, lang, brief string) generate.Result {
		t.Helper()
		out := mustCLI(t, "generate", "--tenant", "acme", "--user", "jana", "--groups", "marketing,support", "--clearance", "internal",
			"--channel", channel, "--lang", lang, "--brief", brief, "--json")
		var res generate.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("generate printed %q: %v", out, err)
		}
		return res
	}
	titles := func(res generate.Result) []string {
		var out []string
		for _, c := range res.Citations {
			out = append(out, c.Title)
		}
		return out
	}
	// The support mail is one JSON Lines document whose records are its
	// sections.
	isMail := func(c generate.Citation) bool {
		for _, w := range []string{"Beschichtung blättert ab", "Rückerstattung", "Mundstück Kids 400 gerissen", "Wrong colour", "Beschwerde"} {
			if strings.Contains(c.Title+" "+c.Heading, w) {
				return true
			}
		}
		return false
	}
	hasReason := func(res generate.Result, code string) bool {
		return slices.ContainsFunc(res.Reasons, func(r generate.Reason) bool { return r.Code == code })
	}

	t.Run("support mail is excluded from a public post", func(t *testing.T) {
		res := gen(t, "social_post", "de", "Social Post: die Kids 400 für Kita und Kindergarten")
		if slices.ContainsFunc(res.Citations, isMail) {
			t.Errorf("a support mail is a source of the post: %v", titles(res))
		}
		if len(res.Provenance.Excluded) == 0 {
			t.Errorf("provenance names no excluded source; want the support mail's chunks")
		}
		if strings.Contains(res.Draft, "kaut") || strings.Contains(res.Draft, "Tochter") {
			t.Errorf("draft quotes the support mail: %q", res.Draft)
		}
		if res.Provenance.Output != "public" {
			t.Errorf("output classification = %q; want public", res.Provenance.Output)
		}
	})

	t.Run("brand guide shapes the prompt, is never a source", func(t *testing.T) {
		res := gen(t, "product_description", "de", "Produktbeschreibung Talbecher 350")
		for _, c := range res.Citations {
			if strings.Contains(c.Title, "Markenhandbuch") || strings.Contains(c.Title, "Brand Guide") {
				t.Errorf("the brand guide is a source: %v", titles(res))
			}
		}
		if len(res.Provenance.Guidelines) == 0 {
			t.Errorf("provenance names no guideline; want the brand guide's rules in the prompt")
		}
		if strings.Contains(res.Draft, "Emojis") || !strings.Contains(res.Draft, "Talbecher 350") {
			t.Errorf("draft %q; want the Talbecher 350 and no brand-guide rule", res.Draft)
		}
	})

	t.Run("a draft that misses the brief's product needs review", func(t *testing.T) {
		res := gen(t, "product_description", "de", "Produktbeschreibung für das Gamma-Zelt")
		if res.Decision == generate.Approved || !hasReason(res, "brief") {
			t.Errorf("decision %s, reasons %+v; want needs_review for not naming the Gamma-Zelt", res.Decision, res.Reasons)
		}
	})

	t.Run("brand pack: personal communication held for review instead", func(t *testing.T) {
		brand, err := os.ReadFile(ex + "brand.yaml")
		if err != nil {
			t.Fatal(err)
		}
		review := strings.Replace(string(brand), "\n  personal_communication: exclude", "\n  personal_communication: review", 1)
		if review == string(brand) {
			t.Fatal("brand.yaml holds no personal_communication: exclude to switch")
		}
		path := filepath.Join(dir, "brand-review.yaml")
		if err := os.WriteFile(path, []byte(review), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("KONTEXT_BRANDS", path)
		// Only the mail answers this brief: it is used, and so reviewed.
		res := gen(t, "faq_answer", "de", "Vorkasse, Rücksendeetikett und Sendungsverfolgung")
		if !slices.ContainsFunc(res.Citations, isMail) {
			t.Fatalf("sources %v (excluded %+v); want the support mail among them under review mode", titles(res), res.Provenance.Excluded)
		}
		if res.Decision == generate.Approved || !hasReason(res, "output") {
			t.Errorf("decision %s, reasons %+v; want needs_review naming the personal communication", res.Decision, res.Reasons)
		}
	})
}
