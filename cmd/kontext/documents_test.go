package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kontext/internal/dbtest"
)

// TestIngestDocumentsCommand: kontext ingest of a folder of PDF and Word
// documents stores the readable ones, names each refused file with its
// reason, goes on after every bad one, and a search then cites pages.
func TestIngestDocumentsCommand(t *testing.T) {
	db := dbtest.NewDatabase(t, true)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("KONTEXT_OWNER_DATABASE_URL", db.OwnerURL)
	t.Setenv("KONTEXT_SECRET_FILE", filepath.Join(t.TempDir(), "secret"))
	t.Setenv("KONTEXT_LOG_LEVEL", "warn")
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"tenants", "create", "acme"}, &out, &errOut); code != 0 {
		t.Fatalf("tenants create: exit %d: %s", code, errOut.String())
	}
	dir := filepath.Join(t.TempDir(), "documents")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Glob("../../testdata/documents/*.*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range src {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	errOut.Reset()
	code := run(ctx, []string{"ingest", dir, "--tenant", "acme", "--groups", "marketing", "--classification", "internal", "--json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errOut.String())
	}
	var sum struct {
		New      int
		Rejected []struct{ Path, Reason string }
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("ingest --json printed %q: %v", out.String(), err)
	}
	if sum.New != 12 {
		t.Errorf("ingest stored %d new documents; want the 12 readable ones", sum.New)
	}
	want := map[string]string{
		"en-encrypted.pdf":  "encrypted, no password given",
		"de-scan.pdf":       "no text layer (scanned?)",
		"en-truncated.pdf":  "not a readable PDF",
		"de-kaputt.pdf":     "not a readable PDF",
		"en-truncated.docx": "not a readable Word document",
		"de-zipbombe.docx":  "inflates to more than",
	}
	got := map[string]string{}
	for _, r := range sum.Rejected {
		got[filepath.Base(r.Path)] = r.Reason
	}
	for file, reason := range want {
		if !strings.Contains(got[file], reason) || !strings.Contains(got[file], file) {
			t.Errorf("rejection of %s = %q; want one naming it and %q", file, got[file], reason)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rejected = %v; want only %v", got, want)
	}

	out.Reset()
	if code := run(ctx, []string{"search", "Nordlicht Team jährlich", "--tenant", "acme", "--groups", "marketing"}, &out, &errOut); code != 0 {
		t.Fatalf("search: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Preisliste Frühjahr 2026 (v1) › Preisliste Frühjahr 2026 › Lizenzen, p. 1") {
		t.Errorf("search printed %q; want the price list's licence table on p. 1", out.String())
	}

	// A draft's citations of a PDF carry the page.
	out.Reset()
	if code := run(ctx, []string{"generate", "--tenant", "acme", "--groups", "marketing", "--channel", "faq_answer",
		"--brief", "Was kostet Nordlicht Team monatlich?", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut.String())
	}
	var draft struct {
		Citations []struct {
			Title string
			Page  int `json:"page"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &draft); err != nil {
		t.Fatalf("generate --json printed %q: %v", out.String(), err)
	}
	cited := false
	for _, c := range draft.Citations {
		cited = cited || (c.Title == "Preisliste Frühjahr 2026" && c.Page == 1)
	}
	if !cited {
		t.Errorf("citations = %+v; want the price list cited with page 1", draft.Citations)
	}
}
