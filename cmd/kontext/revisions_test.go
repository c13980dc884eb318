package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	openai "github.com/sashabaranov/go-openai"

	"kontext/batch"
	"kontext/generate"
)

// TestDraftRevisions drives POST /v1/reviews/{id}/edit, the approval of a
// revision and GET /v1/generations/{id} through the real router, database
// and test provider.
func TestDraftRevisions(t *testing.T) {
	e := newGenEnv(t)
	ctx := context.Background()
	newKey := func(tenant string, args ...string) string {
		t.Helper()
		out := mustCLI(t, append([]string{"keys", "create", "--tenant", tenant, "--json"}, args...)...)
		var k struct{ Key string }
		if err := json.Unmarshal([]byte(out), &k); err != nil || k.Key == "" {
			t.Fatalf("keys create printed %q", out)
		}
		return k.Key
	}
	viewer := newKey("acme", "--user", "vera", "--groups", "marketing", "--role", "viewer")
	mustCLI(t, "tenants", "create", "globex")
	stranger := newKey("globex", "--user", "gus", "--groups", "marketing", "--role", "admin")

	generated := func(reply string) generate.Result {
		t.Helper()
		e.cloud.Reply(func(openai.ChatCompletionRequest) string { return reply })
		defer e.cloud.Reply(firstSourceReply)
		var res generate.Result
		if code := e.do(ctx, e.editor, http.MethodPost, "/v1/generate", map[string]any{"brief": "Wie lange hält die Gipfelflasche 500 Tee warm?",
			"channel": "faq_answer", "lang": "de", "options": map[string]any{"no_cache": true}}, &res); code != http.StatusOK {
			t.Fatalf("generate = %d %+v", code, res)
		}
		return res
	}
	edit := func(key, id string, body map[string]any) (int, generate.Revision, apiError) {
		t.Helper()
		var raw json.RawMessage
		code := e.do(ctx, key, http.MethodPost, "/v1/reviews/"+id+"/edit", body, &raw)
		var rev generate.Revision
		var ae apiError
		if code == http.StatusCreated {
			_ = json.Unmarshal(raw, &rev)
		} else {
			_ = json.Unmarshal(raw, &ae)
		}
		return code, rev, ae
	}
	approve := func(id string, body map[string]any) (int, apiError) {
		t.Helper()
		var ae apiError
		return e.do(ctx, e.reviewer, http.MethodPost, "/v1/reviews/"+id+"/approve", body, &ae), ae
	}

	const answer = "In der Gipfelflasche 500 hat Tee, den du mit 95 °C einfüllst, nach 6 Stunden noch 74 °C und nach 12 Stunden noch 61 °C"

	t.Run("the generated text, stored as an edit, gets the generation's checks", func(t *testing.T) {
		res := generated("Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1].")
		if res.Decision != generate.NeedsReview {
			t.Fatalf("generated %q: %s; want needs_review", res.Draft, res.Decision)
		}
		code, rev, ae := edit(e.editor, res.GenerationID, map[string]any{"text": res.Draft, "base": 0})
		if code != http.StatusCreated {
			t.Fatalf("edit = %d %+v", code, ae)
		}
		if rev.Revision != 1 || rev.Decision != res.Decision || rev.Draft != res.Draft {
			t.Errorf("revision %d %s %q; want 1 %s %q", rev.Revision, rev.Decision, rev.Draft, res.Decision, res.Draft)
		}
		codes := func(rs []generate.Reason) []string {
			var out []string
			for _, r := range rs {
				if r.Code != "source" {
					out = append(out, r.Code+"/"+r.Rule+"/"+r.Message)
				}
			}
			return out
		}
		if got, want := codes(rev.Reasons), codes(res.Reasons); !slices.Equal(got, want) {
			t.Errorf("edit reasons %q; want the generation's %q", got, want)
		}
	})

	t.Run("roles and tenants", func(t *testing.T) {
		res := generated("Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1].")
		body := map[string]any{"text": "Firnwerk: " + answer + " [1]."}
		for _, tc := range []struct {
			name, key, id string
			want          int
		}{
			{"a viewer may not edit", viewer, res.GenerationID, http.StatusForbidden},
			{"another tenant's id is not found", stranger, res.GenerationID, http.StatusNotFound},
			{"an unknown id is not found", e.editor, "00000000-0000-4000-8000-000000000009", http.StatusNotFound},
			{"a malformed id is not found", e.editor, "nope", http.StatusNotFound},
			{"an empty text is refused", e.editor, res.GenerationID, http.StatusBadRequest},
			{"a reviewer may edit", e.reviewer, res.GenerationID, http.StatusCreated},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := body
				if strings.Contains(tc.name, "empty") {
					b = map[string]any{"text": "  "}
				}
				if code, _, ae := edit(tc.key, tc.id, b); code != tc.want {
					t.Errorf("edit = %d %+v; want %d", code, ae, tc.want)
				}
			})
		}
		var d generate.Draft
		if code := e.do(ctx, stranger, http.MethodGet, "/v1/generations/"+res.GenerationID, nil, nil); code != http.StatusNotFound {
			t.Errorf("another tenant's GET = %d; want 404", code)
		}
		if code := e.do(ctx, viewer, http.MethodGet, "/v1/generations/"+res.GenerationID, nil, nil); code != http.StatusForbidden {
			t.Errorf("a viewer's GET = %d; want 403", code)
		}
		if code := e.do(ctx, e.editor, http.MethodGet, "/v1/generations/"+res.GenerationID, nil, &d); code != 200 || len(d.Revisions) != 2 {
			t.Errorf("GET = %d with %d revisions; want 200 with 2", code, len(d.Revisions))
		}
	})

	t.Run("batch results give the approved revision's text", func(t *testing.T) {
		e.cloud.Reply(func(openai.ChatCompletionRequest) string {
			return "Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1]."
		})
		defer e.cloud.Reply(firstSourceReply)
		body := []byte(`{"brief":"Wie lange hält die Gipfelflasche 500 Tee warm?","channel":"faq_answer","lang":"de","options":{"no_cache":true}}` + "\n")
		code, raw, _ := e.raw(e.editor, "POST", "/v1/batches", "application/x-ndjson", body)
		var sum batch.Summary
		if code != http.StatusAccepted || json.Unmarshal(raw, &sum) != nil {
			t.Fatalf("POST /v1/batches: %d %s", code, raw)
		}
		e.waitBatch(e.editor, sum.ID)
		item := func() batch.Item {
			t.Helper()
			code, raw, _ := e.raw(e.editor, "GET", "/v1/batches/"+sum.ID+"/results", "", nil)
			var it batch.Item
			if code != 200 || json.Unmarshal(raw, &it) != nil || it.Result == nil {
				t.Fatalf("results: %d %s", code, raw)
			}
			return it
		}
		it := item()
		if it.State != "needs_review" || it.Review != "pending" {
			t.Fatalf("item %s review %q; want needs_review, pending", it.State, it.Review)
		}
		code, rev, ae := edit(e.editor, it.Result.GenerationID, map[string]any{"text": "Firnwerk: " + answer + " [1].", "base": 0})
		if code != http.StatusCreated {
			t.Fatalf("edit = %d %+v", code, ae)
		}
		if code, ae := approve(it.Result.GenerationID, map[string]any{"revision": 1}); code != 200 {
			t.Fatalf("approve = %d %+v", code, ae)
		}
		it = item()
		if it.Review != "approved" || it.Revision == nil || *it.Revision != 1 || it.Result.Draft != rev.Draft {
			t.Errorf("after approval the item reads review %q revision %v draft %q; want approved revision 1 %q", it.Review, it.Revision, it.Result.Draft, rev.Draft)
		}
	})

	t.Run("four eyes: the author of a revision does not approve it", func(t *testing.T) {
		res := generated("Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1].")
		code, own, ae := edit(e.reviewer, res.GenerationID, map[string]any{"text": "Firnwerk: " + answer + " [1].", "base": 0})
		if code != http.StatusCreated || own.Revision != 1 || own.Decision == generate.Blocked {
			t.Fatalf("a reviewer's edit = %d %+v %+v; want revision 1", code, own, ae)
		}
		if code, ae := approve(res.GenerationID, map[string]any{"revision": 1}); code != http.StatusForbidden || !strings.Contains(ae.Error.Message, "another reviewer") {
			t.Errorf("the author approving their own revision = %d %q; want 403 another reviewer", code, ae.Error.Message)
		}
		other := newKey("acme", "--user", "otto", "--groups", "marketing", "--role", "reviewer")
		var rv generate.Review
		if code := e.do(ctx, other, http.MethodPost, "/v1/reviews/"+res.GenerationID+"/approve", map[string]any{"revision": 1}, &rv); code != http.StatusOK || rv.Revision != 1 {
			t.Errorf("another reviewer approving = %d %+v; want 200 revision 1", code, rv)
		}
	})

	t.Run("four eyes: who requested a draft does not approve it", func(t *testing.T) {
		e.cloud.Reply(func(openai.ChatCompletionRequest) string {
			return "Firnwerk: Die Gipfelflasche 500 hält deinen Tee 48 Stunden heiß [1]."
		})
		defer e.cloud.Reply(firstSourceReply)
		var res generate.Result
		if code := e.do(ctx, e.reviewer, http.MethodPost, "/v1/generate", map[string]any{"brief": "Wie lange hält die Gipfelflasche 500 Tee warm?",
			"channel": "faq_answer", "lang": "de", "options": map[string]any{"no_cache": true}}, &res); code != http.StatusOK || res.ReviewID == "" {
			t.Fatalf("the reviewer's generate = %d %+v; want a draft that waits for review", code, res)
		}
		if code, ae := approve(res.GenerationID, nil); code != http.StatusForbidden || !strings.Contains(ae.Error.Message, "another reviewer") {
			t.Errorf("the requester approving their own draft = %d %q; want 403 another reviewer", code, ae.Error.Message)
		}
		var rv generate.Review
		if code := e.do(ctx, e.reviewer, http.MethodPost, "/v1/reviews/"+res.GenerationID+"/reject", map[string]any{"comment": "selbst angefordert"}, &rv); code != http.StatusOK || rv.Status != "rejected" {
			t.Errorf("the requester rejecting their own draft = %d %+v; want 200 rejected", code, rv)
		}
	})

	t.Run("a blocked draft edited, re-checked, approved by revision; a blocked edit is not approvable", func(t *testing.T) {
		res := generated("Firnwerk: Die Gipfelflasche 500 heilt Erkältungen und hält deinen Tee warm [1].")
		if res.Decision != generate.Blocked || res.ReviewID != "" {
			t.Fatalf("generated %q: %s review %q; want blocked without review", res.Draft, res.Decision, res.ReviewID)
		}
		id := res.GenerationID
		code, fixed, ae := edit(e.editor, id, map[string]any{"text": "Firnwerk: " + answer + " [1].", "base": 0})
		if code != http.StatusCreated || fixed.Decision == generate.Blocked || fixed.Revision != 1 {
			t.Fatalf("edit = %d %+v %+v; want revision 1, not blocked", code, fixed, ae)
		}
		if sum := sha256.Sum256([]byte(fixed.Draft)); hex.EncodeToString(sum[:]) != fixed.SHA256 {
			t.Errorf("sha256 %s is not the hash of %q", fixed.SHA256, fixed.Draft)
		}
		// The edited draft now waits in the queue, with its revision.
		var list struct{ Reviews []generate.Review }
		if code := e.do(ctx, e.reviewer, http.MethodGet, "/v1/reviews", nil, &list); code != 200 || !slices.ContainsFunc(list.Reviews, func(r generate.Review) bool {
			return r.GenerationID == id && r.Revision == 1 && r.Draft == fixed.Draft && r.Decision == fixed.Decision
		}) {
			t.Fatalf("reviews = %d %+v; want revision 1 pending", code, list)
		}

		code, bad, ae := edit(e.editor, id, map[string]any{"text": "Firnwerk: Die Gipfelflasche 500 stärkt das Immunsystem und heilt Erkältungen [1].", "base": 1})
		if code != http.StatusCreated || bad.Decision != generate.Blocked || bad.Revision != 2 {
			t.Fatalf("edit with a health claim = %d %s revision %d %+v; want blocked revision 2", code, bad.Decision, bad.Revision, ae)
		}
		if code, ae := approve(id, map[string]any{"revision": 2}); code != http.StatusConflict || !strings.Contains(ae.Error.Message, "blocked") {
			t.Errorf("approving the blocked revision = %d %q; want 409 blocked", code, ae.Error.Message)
		}
		if code, _, ae := edit(e.editor, id, map[string]any{"text": "Firnwerk: ohne Angaben.", "base": 1}); code != http.StatusConflict {
			t.Errorf("an edit from a stale base = %d %+v; want 409", code, ae)
		}

		// An invented citation is removed and flagged; citations may be dropped.
		code, last, ae := edit(e.editor, id, map[string]any{"text": "Firnwerk: " + answer + " [1][12].", "base": 2})
		if code != http.StatusCreated || last.Revision != 3 || strings.Contains(last.Draft, "[12]") || !slices.ContainsFunc(last.Reasons, func(r generate.Reason) bool {
			return r.Code == "citation" && strings.Contains(r.Message, "[12]")
		}) {
			t.Fatalf("edit with [12] = %d %q %+v %+v; want [12] removed and flagged", code, last.Draft, last.Reasons, ae)
		}
		for _, tc := range []struct {
			name string
			body map[string]any
			want string
		}{
			{"without a revision", nil, "name the revision"},
			{"an older revision", map[string]any{"revision": 1}, "is not its latest"},
			{"a revision that does not exist", map[string]any{"revision": 4}, "is not its latest"},
		} {
			if code, ae := approve(id, tc.body); code != http.StatusConflict || !strings.Contains(ae.Error.Message, tc.want) {
				t.Errorf("approving %s = %d %q; want 409 %q", tc.name, code, ae.Error.Message, tc.want)
			}
		}
		var rv generate.Review
		if code := e.do(ctx, e.reviewer, http.MethodPost, "/v1/reviews/"+id+"/approve", map[string]any{"revision": 3, "comment": "ok"}, &rv); code != 200 ||
			rv.Status != "approved" || rv.Revision != 3 || rv.Draft != last.Draft {
			t.Fatalf("approve revision 3 = %d %+v", code, rv)
		}
		if code, _, _ := edit(e.editor, id, map[string]any{"text": "Firnwerk: später.", "base": 3}); code != http.StatusConflict {
			t.Errorf("editing an approved draft = %d; want 409", code)
		}

		var d generate.Draft
		if code := e.do(ctx, e.editor, http.MethodGet, "/v1/generations/"+id, nil, &d); code != 200 {
			t.Fatalf("GET = %d", code)
		}
		if d.Revision != 3 || d.Draft != last.Draft || d.Review == nil || d.Review.ApprovedRevision == nil || *d.Review.ApprovedRevision != 3 {
			t.Errorf("GET answered revision %d %q review %+v; want the approved revision 3", d.Revision, d.Draft, d.Review)
		}
		if len(d.Revisions) != 4 || d.Revisions[0].Draft != res.Draft || d.Revisions[2].Decision != generate.Blocked || d.Revisions[2].Author != "jana" {
			t.Errorf("revisions %+v; want the generated text and three edits, each kept", d.Revisions)
		}

		owner, err := pgxpool.New(ctx, e.db.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close()
		var events []string
		err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			tx.Exec(ctx, "SELECT set_config('kontext.tenant', 'acme', true)")
			rows, err := tx.Query(ctx, `SELECT action || ' ' || coalesce(details->>'revision', '') || ' ' || coalesce(details->>'sha256', '')
				FROM audit_events WHERE tenant = 'acme' AND subject = $1 ORDER BY seq`, id)
			if err != nil {
				return err
			}
			events, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"generation.created  ", "generation.edited 1 " + fixed.SHA256, "generation.edited 2 " + bad.SHA256,
			"generation.edited 3 " + last.SHA256, "review.approved 3 " + last.SHA256}
		if !slices.Equal(events, want) {
			t.Errorf("audit events\n%q\nwant\n%q", events, want)
		}
	})
	t.Run("a placeholder the editor keeps stays the same placeholder", func(t *testing.T) {
		email := regexp.MustCompile(`\[EMAIL_\d+\]`)
		e.cloud.Reply(func(req openai.ChatCompletionRequest) string {
			if m := email.FindString(req.Messages[len(req.Messages)-1].Content); m != "" {
				return "Firnwerk: Fragen zur Pressemitteilung an " + m + "."
			}
			return "Firnwerk: ohne Kontakt."
		})
		defer e.cloud.Reply(firstSourceReply)
		var res generate.Result
		if code := e.do(ctx, e.editor, http.MethodPost, "/v1/generate", map[string]any{"brief": "Pressekontakt der Pressemitteilung zum Herbst 2026",
			"channel": "faq_answer", "lang": "de", "options": map[string]any{"no_cache": true}}, &res); code != http.StatusOK {
			t.Fatalf("generate = %d", code)
		}
		kept := email.FindString(res.Draft)
		if kept == "" {
			t.Fatalf("draft %q holds no e-mail placeholder", res.Draft)
		}
		code, rev, ae := edit(e.editor, res.GenerationID, map[string]any{"text": "Firnwerk: Schreib uns an " + kept + "."})
		if code != http.StatusCreated {
			t.Fatalf("edit = %d %+v", code, ae)
		}
		if got := email.FindAllString(rev.Draft, -1); !slices.Equal(got, []string{kept}) {
			t.Errorf("stored edit %q holds %q; want the kept placeholder %s", rev.Draft, got, kept)
		}
	})

	// Last: it deletes a document of the demo corpus.
	t.Run("a source deleted since generation supports nothing", func(t *testing.T) {
		res := generated("Firnwerk: " + answer + " [1].")
		code, rev, ae := edit(e.editor, res.GenerationID, map[string]any{"text": res.Draft})
		if code != http.StatusCreated {
			t.Fatalf("edit = %d %+v", code, ae)
		}
		gone := res.Citations[0]
		if code := e.do(ctx, e.editor, http.MethodDelete, "/v1/documents/"+gone.DocumentID, nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete %s = %d", gone.DocumentID, code)
		}
		code, after, ae := edit(e.editor, res.GenerationID, map[string]any{"text": res.Draft, "base": rev.Revision})
		if code != http.StatusCreated {
			t.Fatalf("edit = %d %+v", code, ae)
		}
		if after.Decision == generate.Approved || !slices.ContainsFunc(after.Reasons, func(r generate.Reason) bool {
			return r.Code == "source" && strings.Contains(r.Message, "[1]") && strings.Contains(r.Message, "no longer available")
		}) {
			t.Errorf("after deleting source [1]: %s %+v; want a reason naming it, and no approval by the checks", after.Decision, after.Reasons)
		}
	})
}
