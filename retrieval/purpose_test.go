package retrieval_test

import (
	"context"
	"slices"
	"testing"

	"kontext"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/retrieval"
)

// TestResultPurposeAndPersonalData checks that every result carries its
// document's purpose and the kinds of personal data found in its chunk,
// that a change of purpose alone reaches the chunks, and that Purposes
// filters.
func TestResultPurposeAndPersonalData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tenant := newTenant(t, "purpose")
	det := pii.NewDetector(pii.DetectorOptions{})
	in, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Scanners: ingest.Scanners{PII: det.Detect}})
	if err != nil {
		t.Fatal(err)
	}
	owner := kontext.Principal{Tenant: tenant, User: "ed", Clearance: kontext.Confidential, Role: kontext.Editor}
	docs := []struct {
		id, text string
		purpose  kontext.Purpose
	}{
		{"sheet.md", "# Zeltplane Nordwand\n\nDie Zeltplane Nordwand wiegt 900 g und ist aus recyceltem Polyester.", ""},
		{"guide.md", "# Schreibregeln Zeltplane\n\nÜber die Zeltplane schreiben wir kurz und ohne Ausrufezeichen.", kontext.Guideline},
		{"mail.md", "# Reklamation Zeltplane\n\nHallo, meine Zeltplane Nordwand ist gerissen. Viele Grüße, Jana Schneider", kontext.Correspondence},
	}
	for _, d := range docs {
		_, err := in.Ingest(ctx, ingest.Request{Principal: owner, Operator: true, Name: d.id, Data: []byte(d.text),
			Classification: kontext.Internal, AllowedGroups: []string{"marketing"}, Purpose: d.purpose})
		if err != nil {
			t.Fatalf("Ingest(%s): %v", d.id, err)
		}
	}
	store := newStore(t, retrieval.Options{})
	reader := kontext.Principal{Tenant: tenant, User: "jo", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Viewer}
	search := func(q retrieval.Query) map[string]retrieval.Result {
		t.Helper()
		q.Text, q.K = "Zeltplane Nordwand", 10
		res, _, err := store.Search(ctx, reader, q)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]retrieval.Result{}
		for _, r := range res {
			out[r.ExternalID] = r
		}
		return out
	}
	all := search(retrieval.Query{})
	for _, tc := range []struct {
		id      string
		purpose kontext.Purpose
		person  bool
	}{
		{"sheet.md", kontext.Reference, false},
		{"guide.md", kontext.Guideline, false},
		{"mail.md", kontext.Correspondence, true},
	} {
		r, ok := all[tc.id]
		if !ok {
			t.Fatalf("Search found no chunk of %s: %v", tc.id, all)
		}
		if r.Purpose != tc.purpose {
			t.Errorf("%s: Purpose = %q; want %q", tc.id, r.Purpose, tc.purpose)
		}
		if got := slices.Contains(r.PersonalData, pii.TypePerson); got != tc.person {
			t.Errorf("%s: PersonalData = %v; want PERSON %v", tc.id, r.PersonalData, tc.person)
		}
	}

	facts := search(retrieval.Query{Purposes: []kontext.Purpose{kontext.Reference}})
	if _, ok := facts["sheet.md"]; !ok || len(facts) != 1 {
		t.Errorf("Search(purposes reference) = %v; want only sheet.md", facts)
	}

	// The same content re-ingested as a guideline: nothing is re-embedded,
	// and the chunks follow the document's new purpose.
	res, err := in.Ingest(ctx, ingest.Request{Principal: owner, Operator: true, Name: "sheet.md", Data: []byte(docs[0].text),
		Classification: kontext.Internal, AllowedGroups: []string{"marketing"}, Purpose: kontext.Guideline})
	if err != nil || res.Outcome != ingest.OutcomeUnchanged {
		t.Fatalf("re-ingest = %+v, %v; want unchanged", res, err)
	}
	if got := search(retrieval.Query{})["sheet.md"].Purpose; got != kontext.Guideline {
		t.Errorf("after re-ingest as guideline: Purpose = %q; want guideline", got)
	}

	if _, _, err := store.Search(ctx, reader, retrieval.Query{Text: "x", Purposes: []kontext.Purpose{"memo"}}); err == nil {
		t.Error("Search(purposes memo) succeeded; want an invalid-argument error")
	}
	if _, err := in.Ingest(ctx, ingest.Request{Principal: owner, Operator: true, Name: "x.md", Data: []byte("# X\n\nText."),
		Classification: kontext.Internal, AllowedGroups: []string{"marketing"}, Purpose: "memo"}); err == nil {
		t.Error("Ingest(purpose memo) succeeded; want an invalid-argument error")
	}
}
