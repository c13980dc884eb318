package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	openai "github.com/sashabaranov/go-openai"

	"kontext/generate"
)

// evalReportJSON is the eval report the test servers show at
// /v1/evals/last: one suite, one case passed and one failed against the
// baseline. Written here, in the shape kontext eval --json writes.
const evalReportJSON = `{"started":"2026-12-01T10:00:00Z","duration_ms":812,"repeat":1,"pass_threshold":1,
"baseline":"evals/baseline.json","suites":[{"name":"compliance","file":"evals/suites/compliance.yaml","tenant":"eval-compliance",
"provider":"offline","packs":["de-marketing"],"cases":2,"passed":1,"failed":1,"skipped":0,"metrics":{"pass_rate":0.5},
"fixtures":[],"results":[{"name":"hwg-cure-claim","kind":"generate","status":"passed","runs":1,"passes":1},
{"name":"uwg-superlative","kind":"generate","status":"failed","reason":"decision approved; want blocked","runs":1,"passes":0}],
"duration_ms":400}],"regressions":[{"suite":"compliance","case":"uwg-superlative","was":"passed","now":"failed",
"message":"passed in the baseline, fails now"}]}`

// chromiumPath finds the browser for the desk tests: KONTEXT_CHROMIUM, or
// Debian's chromium (scripts/chromium.sh installs it; make test runs it).
func chromiumPath() string {
	if p := os.Getenv("KONTEXT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// deskEnv is a running service with the test corpus, a key per role and
// one headless browser, reused by every case.
type deskEnv struct {
	*genEnv
	viewer, admin string
	browser       context.Context
	shots         string
	dialogs       chan string
}

func newDeskEnv(t *testing.T) *deskEnv {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium on this machine: `bash scripts/chromium.sh` (run by make test) installs Debian's chromium, or set KONTEXT_CHROMIUM")
	}
	t.Setenv("KONTEXT_EVAL_REPORT", writeFiles(t, map[string]string{"report.json": evalReportJSON})+"/report.json")
	t.Setenv("KONTEXT_RATE_LIMITS", "viewer=1000:1000,editor=1000:1000,reviewer=1000:1000,admin=1000:1000")
	e := &deskEnv{genEnv: newGenEnv(t), dialogs: make(chan string, 16)}
	key := func(args ...string) string {
		out := mustCLI(t, append([]string{"keys", "create", "--tenant", "acme", "--json"}, args...)...)
		var k struct{ Key string }
		if err := json.Unmarshal([]byte(out), &k); err != nil || k.Key == "" {
			t.Fatalf("keys create printed %q", out)
		}
		return k.Key
	}
	e.viewer = key("--user", "vera", "--groups", "marketing", "--role", "viewer")
	e.admin = key("--user", "ada", "--groups", "marketing", "--role", "admin")

	e.shots = filepath.Join("testdata", "out", "desk")
	if err := os.MkdirAll(e.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	if os.Getuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		t.Skipf("chromium at %s does not start (%v): the desk tests need a working browser", bin, err)
	}
	// Any JavaScript dialog is recorded and answered: an XSS payload that
	// runs shows up here; the erasure confirmation is accepted.
	dialogs := chromedp.Events(bctx, page.JavascriptDialogOpening)
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			select {
			case e.dialogs <- string(d.Type) + ": " + d.Message:
			default:
			}
			_, _ = chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: d.Type == page.DialogTypeConfirm})
		}
	}()
	e.browser = bctx
	return e
}

// run runs browser actions with a time limit.
func (e *deskEnv) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.browser, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(e.browser, chromedp.Location())
		e.shot(t, "failure-"+strings.ReplaceAll(t.Name(), "/", "_"))
		t.Fatalf("browser at %s: %v", loc, err)
	}
}

// shot saves a full-page screenshot under testdata/out/desk.
func (e *deskEnv) shot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.browser, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	name = strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == '"' || r == '\'' {
			return '_'
		}
		return r
	}, name)
	if err := os.WriteFile(filepath.Join(e.shots, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn opens the desk in a fresh page state and signs in with key.
func (e *deskEnv) signIn(t *testing.T, key string) {
	t.Helper()
	e.run(t,
		chromedp.Navigate("http://"+e.addr+"/"),
		until(`(sessionStorage.clear(), localStorage.setItem("kontext.lang", "en"), true)`, 5*time.Second),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("#key")),
		chromedp.SendKeys(chromedp.ID("#key"), key),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("#tabs")),
	)
}

// write types a brief in the Write view and waits for the result.
func (e *deskEnv) write(t *testing.T, channel, brief string) {
	t.Helper()
	e.run(t,
		chromedp.Click(chromedp.CSS(`#tabs button[data-view="write"]`)),
		chromedp.WaitVisible(chromedp.ID("#w-brief")),
		until(`(document.getElementById("w-channel").value = "`+channel+`", document.getElementById("w-brief").value = "", true)`, time.Second),
		chromedp.SendKeys(chromedp.ID("#w-brief"), brief),
		chromedp.Click(chromedp.ID("#w-go")),
		until(`!document.getElementById("w-result").hidden || document.getElementById("notice").textContent !== ""`, 20*time.Second),
	)
	if msg := e.text(t, "#notice"); msg != "" {
		t.Fatalf("writing %q: the desk says %q", brief, msg)
	}
}

// text is the text of the first element sel matches, as the user sees it.
func (e *deskEnv) text(t *testing.T, sel string) string {
	t.Helper()
	// Read in the page, on the element as it is then: a view may render
	// its elements again, which leaves a node looked up before stale.
	q := "document.querySelector(" + strconv.Quote(sel) + ")"
	e.run(t, until(q+" !== null", 10*time.Second))
	var s string
	e.eval(t, "("+q+" || {innerText: ''}).innerText", &s)
	return s
}

// eval evaluates js in the page, awaiting a promise, into out.
func (e *deskEnv) eval(t *testing.T, js string, out any) {
	t.Helper()
	var raw jsonRaw
	e.run(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var err error
		raw, err = chromedp.Evaluate[jsonRaw]("(async () => JSON.stringify(await ("+js+")))()", chromedp.EvalAwaitPromise)(ctx, tg)
		return err
	}))
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		t.Fatalf("eval %s: %v (%s)", js, err, raw)
	}
}

// jsonRaw is the JSON text a page expression stringified.
type jsonRaw = string

// until waits for a page expression to become true.
func until(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))(ctx, tg)
		return chromedp.Void{}, err
	}
}

func (e *deskEnv) noDialogs(t *testing.T) {
	t.Helper()
	select {
	case d := <-e.dialogs:
		t.Errorf("a JavaScript dialog opened: %s", d)
	default:
	}
}

// auditActions lists the audit log's actions about subject, in order.
func auditActions(t *testing.T, e *deskEnv, subject string) []string {
	t.Helper()
	ctx := context.Background()
	owner, err := pgxpool.New(ctx, e.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	var out []string
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', 'acme', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT action FROM audit_events WHERE tenant = 'acme' AND subject = $1 ORDER BY seq`, subject)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDesk drives the review desk in a real browser: every view, against
// the running service, with one browser for all cases.
func TestDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	e := newDeskEnv(t)
	ctx := context.Background()

	t.Run("sign in keeps the key in sessionStorage only", func(t *testing.T) {
		e.signIn(t, e.editor)
		who := e.text(t, "#who")
		if !strings.Contains(who, "jana") || !strings.Contains(who, "editor") || !strings.Contains(who, "acme") {
			t.Errorf("signed in as %q; want jana, editor, acme", who)
		}
		var stored struct{ Session, Local, Cookie, URL string }
		e.eval(t, `({Session: sessionStorage.getItem("kontext.key") || "", Local: JSON.stringify(localStorage), Cookie: document.cookie, URL: location.href})`, &stored)
		if stored.Session != e.editor {
			t.Errorf("sessionStorage holds %q; want the key", shorten(stored.Session))
		}
		if strings.Contains(stored.Local, e.editor) || strings.Contains(stored.Cookie, e.editor) || strings.Contains(stored.URL, e.editor) {
			t.Errorf("the key is outside sessionStorage: localStorage %q, cookie %q, URL %q", stored.Local, stored.Cookie, stored.URL)
		}
		// The language switch turns the interface German.
		e.run(t, chromedp.Click(chromedp.ID("#lang-toggle")))
		if got := e.text(t, `#tabs button[data-view="write"]`); got != "Schreiben" {
			t.Errorf("after the language switch the Write tab reads %q; want Schreiben", got)
		}
		e.shot(t, "signin-de")
		e.run(t, chromedp.Click(chromedp.ID("#lang-toggle")))
		// A wrong key is refused with a message and not kept.
		e.run(t, until(`(sessionStorage.clear(), true)`, 5*time.Second), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("#key")),
			chromedp.SendKeys(chromedp.ID("#key"), "kx_nope_wrong"), chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)))
		e.run(t, until(`document.getElementById("signin-error").textContent.length > 0`, 10*time.Second))
		var left string
		e.eval(t, `sessionStorage.getItem("kontext.key") || ""`, &left)
		if left != "" {
			t.Errorf("a refused key stayed in sessionStorage")
		}
	})

	t.Run("a streamed draft links each citation to its source passage", func(t *testing.T) {
		e.signIn(t, e.editor)
		e.write(t, "faq_answer", "Wie lange hält die Gipfelflasche 500 warm?")
		decision := e.text(t, "#r-decision")
		var n int
		e.eval(t, `document.querySelectorAll("#r-draft a.cite").length`, &n)
		if n == 0 {
			t.Fatalf("no citation links in the draft %q (decision %q)", e.text(t, "#r-draft"), decision)
		}
		var streamed string
		e.eval(t, `document.getElementById("w-stream").textContent`, &streamed)
		if !strings.Contains(streamed, "[1]") {
			t.Errorf("the stream box shows %q; want the streamed deltas", streamed)
		}
		e.run(t, chromedp.Click(chromedp.CSS("#r-draft a.cite")))
		var focused struct{ ID, Title, Where, Passage string }
		e.eval(t, `(a => ({ID: a.id, Title: a.querySelector("strong").textContent, Where: a.querySelector("span").textContent,
			Passage: a.querySelector("blockquote").textContent}))(document.activeElement)`, &focused)
		if focused.ID != "src-1" || !strings.HasPrefix(focused.Title, "[1] ") || len(focused.Title) < 8 || !strings.HasPrefix(focused.Where, "v1 · ") ||
			len(focused.Passage) < 40 {
			t.Errorf("the citation link focused %+v; want source 1 with its title, version, heading path and passage", focused)
		}
		prov := e.text(t, "#r-prov")
		for _, want := range []string{"cloud-model", "faq_answer", "de-marketing", "€"} {
			if !strings.Contains(prov, want) {
				t.Errorf("provenance %q lacks %q", prov, want)
			}
		}
		if e.text(t, "#r-disclosure") == "" {
			t.Errorf("no AI-disclosure label")
		}
		e.shot(t, "write-cited-draft")
	})

	t.Run("a health claim is highlighted and the draft blocked", func(t *testing.T) {
		e.cloud.Reply(func(openai.ChatCompletionRequest) string {
			return "Firnwerk: Die Gipfelflasche 500 heilt Erkältungen und hält deinen Tee warm [1]."
		})
		defer e.cloud.Reply(firstSourceReply)
		e.signIn(t, e.editor)
		e.write(t, "faq_answer", "Hilft die Gipfelflasche gegen Erkältungen?")
		var cls string
		e.eval(t, `document.getElementById("r-decision").className`, &cls)
		if !strings.Contains(cls, "blocked") {
			t.Errorf("decision %q (%s); want blocked", e.text(t, "#r-decision"), cls)
		}
		var marked string
		e.eval(t, `[...document.querySelectorAll("#r-draft mark.finding")].map(m => m.textContent).join("|")`, &marked)
		if !strings.Contains(strings.ToLower(marked), "heilt") {
			t.Errorf("highlighted %q; want the health claim", marked)
		}
		if f := e.text(t, "#r-findings"); !strings.Contains(f, "category") {
			t.Errorf("findings %q name no category", f)
		}
		e.shot(t, "write-blocked-health-claim")
		// The editor takes the claim out and runs the checks again.
		e.run(t, chromedp.Click(chromedp.CSS("#r-edit summary")), chromedp.WaitVisible(chromedp.ID("#r-edit-text")),
			until(`(document.getElementById("r-edit-text").value = document.getElementById("r-edit-text").value.replace("heilt Erkältungen und ", ""), true)`, time.Second),
			chromedp.Click(chromedp.ID("#r-edit-go")),
			until(`document.querySelector("#r-edit-result .decision") !== null`, 10*time.Second))
		if got := e.text(t, "#r-edit-result .decision"); strings.Contains(got, "Blocked") || !strings.Contains(e.text(t, "#r-edit-result"), "revision 1") {
			t.Errorf("after the edit the checks say %q; want the claim gone and the edit stored as revision 1", got)
		}
		var id, edited string
		e.eval(t, `document.querySelector("#r-prov").textContent.match(/[0-9a-f]{8}-[0-9a-f-]{27}/)[0]`, &id)
		e.eval(t, `document.querySelector("#r-edit-result .draft.edited").textContent`, &edited)
		if strings.Contains(edited, "heilt") || !strings.Contains(edited, "hält deinen Tee warm") {
			t.Fatalf("stored edit %q; want the draft without the claim", edited)
		}
		var history int
		e.run(t, until(`document.querySelector("#r-edit-history li") !== null`, 5*time.Second))
		e.eval(t, `document.querySelectorAll("#r-edit-history li[data-revision]").length`, &history)
		if history != 2 {
			t.Errorf("the history lists %d texts; want the generated one and the edit", history)
		}

		// A reviewer finds revision 1 in the queue and approves it.
		card := `article.review[data-id="` + id + `"]`
		e.signIn(t, e.reviewer)
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="review"]`)),
			chromedp.WaitVisible(chromedp.CSS(card+" button.approve")))
		if meta := e.text(t, card+" .meta"); !strings.Contains(meta, "revision 1") {
			t.Errorf("the card says %q; want revision 1", meta)
		}
		e.run(t, chromedp.Click(chromedp.CSS(card+" button.approve")), chromedp.WaitNotPresent(chromedp.CSS(card+" button.approve")))
		var d generate.Draft
		if code := e.do(ctx, e.reviewer, http.MethodGet, "/v1/generations/"+id, nil, &d); code != 200 || d.Revision != 1 || d.Draft != edited ||
			d.Review == nil || d.Review.Status != "approved" {
			t.Errorf("GET the generation = %d revision %d %q review %+v; want the edit approved", code, d.Revision, d.Draft, d.Review)
		}
		if got := auditActions(t, e, id); !slices.Equal(got, []string{"generation.created", "generation.edited", "review.approved"}) {
			t.Errorf("audit log of %s: %q; want the generation, the edit and the approval", id, got)
		}
	})

	t.Run("an edit that adds a health claim is blocked and cannot be approved", func(t *testing.T) {
		id := (&secEnv{genEnv: e.genEnv, keys: map[string]string{"editor": e.editor}}).needsReview(t, "editor", "Wie lange hält die Gipfelflasche 500 Tee warm?")
		card := `article.review[data-id="` + id + `"]`
		e.signIn(t, e.reviewer)
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="review"]`)),
			until(`document.querySelector('`+card+` button.approve') !== null`, 10*time.Second),
			// Open, fill and save in one step on the card as it is then:
			// the queue may render its cards again after the tab opened.
			until(`(c => { if (!c) return false; c.querySelector('details.edit').open = true;
				c.querySelector('textarea.edit-text').value = "Firnwerk: Die Gipfelflasche 500 heilt Erkältungen [1].";
				c.querySelector('button.save-edit').click(); return true; })(document.querySelector('`+card+`'))`, 5*time.Second),
			until(`document.querySelector('`+card+` .edit-result .decision') !== null`, 10*time.Second))
		if got := e.text(t, card+" .edit-result .decision"); !strings.Contains(got, "Blocked") {
			t.Errorf("the edit's checks say %q; want blocked", got)
		}
		// The queue is read again after the save: the card then shows the
		// revision and its decision.
		e.run(t, until(`document.querySelector('`+card+` .meta').textContent.includes("revision 1")`, 5*time.Second))
		if meta := e.text(t, card+" .meta"); !strings.Contains(meta, "Blocked") {
			t.Errorf("the card says %q; want revision 1 blocked", meta)
		}
		var disabled bool
		e.eval(t, `document.querySelector('`+card+` button.approve').disabled`, &disabled)
		if !disabled {
			t.Error("the approve button of a blocked revision is enabled")
		}
		e.shot(t, "review-blocked-edit")
		var ae apiError
		if code := e.do(ctx, e.reviewer, http.MethodPost, "/v1/reviews/"+id+"/approve", map[string]any{"revision": 1}, &ae); code != http.StatusConflict ||
			!strings.Contains(ae.Error.Message, "blocked") {
			t.Errorf("a forced approval = %d %q; want 409 blocked", code, ae.Error.Message)
		}
	})

	t.Run("a citation of a PDF names its page", func(t *testing.T) {
		mustCLI(t, "ingest", "../../testdata/documents/de-handbuch.pdf", "--tenant", "acme", "--groups", "marketing", "--classification", "public")
		e.signIn(t, e.editor)
		e.write(t, "faq_answer", "Wie oft muss der Barista Pro entkalkt werden?")
		var where string
		e.eval(t, `[...document.querySelectorAll("#r-sources li")].map(li => li.textContent).filter(s => s.includes("Benutzerhandbuch")).join("|")`, &where)
		if !regexp.MustCompile(`p\. \d`).MatchString(where) {
			t.Errorf("the handbook's sources read %q; want their PDF page (p. N)", where)
		}
	})

	t.Run("a reviewer approves a draft in the queue and the audit log has it", func(t *testing.T) {
		id := (&secEnv{genEnv: e.genEnv, keys: map[string]string{"editor": e.editor}}).needsReview(t, "editor", "Wie lange hält die Gipfelflasche 750 warm?")
		card := `article.review[data-id="` + id + `"]`
		e.signIn(t, e.reviewer)
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="review"]`)),
			chromedp.WaitVisible(chromedp.CSS(card+" button.approve")))
		e.shot(t, "review-queue")
		e.run(t,
			chromedp.SendKeys(chromedp.CSS(card+" textarea"), "Geprüft: 48 Stunden laut Datenblatt."),
			chromedp.Click(chromedp.CSS(card+" button.approve")),
			chromedp.WaitNotPresent(chromedp.CSS(card+" button.approve")),
		)
		var action, actor string
		owner, err := pgxpool.New(ctx, e.db.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close()
		err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', 'acme', true)"); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT action, actor FROM audit_events WHERE tenant = 'acme' AND subject = $1 AND action LIKE 'review.%'`, id).Scan(&action, &actor)
		})
		if err != nil || action != "review.approved" || actor != "rita" {
			t.Errorf("audit event for %s: %q by %q (%v); want review.approved by rita", id, action, actor, err)
		}
		// The admin sees the chain verified; the reviewer is not offered it.
		var hidden bool
		e.eval(t, `document.getElementById("q-audit").hidden`, &hidden)
		if !hidden {
			t.Errorf("a reviewer sees the audit verification")
		}
		e.signIn(t, e.admin)
		// The queue renders its cards above the button: wait until it has,
		// or the click lands where the button was.
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="review"]`)),
			until(`document.getElementById("q-count").textContent !== ""`, 10*time.Second),
			chromedp.Click(chromedp.ID("#q-verify")),
			until(`document.getElementById("q-verify-result").textContent.length > 0 || document.getElementById("notice").textContent !== ""`, 20*time.Second))
		if n := e.text(t, "#notice"); n != "" {
			t.Errorf("audit verification: the desk says %q", n)
		}
		if got := e.text(t, "#q-verify-result"); !strings.Contains(got, "Chain intact") {
			t.Errorf("audit verification shows %q; want the chain intact", got)
		}
	})

	t.Run("a viewer sees no approve buttons and the API refuses a forced approval", func(t *testing.T) {
		id := (&secEnv{genEnv: e.genEnv, keys: map[string]string{"editor": e.editor}}).needsReview(t, "editor", "Wie lange hält die Gipfelflasche 500 kalt?")
		e.signIn(t, e.viewer)
		var seen struct {
			Approve, Upload, Write, Review bool
		}
		e.eval(t, `({Approve: document.querySelectorAll("button.approve").length > 0,
			Upload: !document.getElementById("u-form").hidden,
			Write: !document.querySelector('#tabs button[data-view="write"]').hidden,
			Review: !document.querySelector('#tabs button[data-view="review"]').hidden})`, &seen)
		if seen.Approve || seen.Upload || seen.Write || seen.Review {
			t.Errorf("a viewer is offered %+v; want none of them", seen)
		}
		var status int
		e.eval(t, fmt.Sprintf(`fetch("/v1/reviews/%s/approve", {method: "POST", headers: {Authorization: "Bearer " + sessionStorage.getItem("kontext.key"),
			"Content-Type": "application/json"}, body: "{}"}).then(r => r.status)`, id), &status)
		if status != http.StatusForbidden {
			t.Errorf("a viewer's forced approval answered %d; want 403", status)
		}
		var rv struct {
			Reviews []struct {
				GenerationID string `json:"generation_id"`
			}
		}
		if code := e.do(ctx, e.reviewer, http.MethodGet, "/v1/reviews", nil, &rv); code != http.StatusOK {
			t.Fatalf("reviews = %d", code)
		}
		pending := false
		for _, r := range rv.Reviews {
			pending = pending || r.GenerationID == id
		}
		if !pending {
			t.Errorf("the review %s is no longer pending after the viewer's attempt", id)
		}
	})

	t.Run("an uploaded document is listed and found in search", func(t *testing.T) {
		e.signIn(t, e.editor)
		file := writeFiles(t, map[string]string{"talblick.md": "# Talblick Thermobecher\n\nDer Talblick Thermobecher hält Kaffee vier Stunden heiß und passt in jeden Getränkehalter.\n"})
		e.run(t,
			chromedp.Click(chromedp.CSS(`#tabs button[data-view="sources"]`)),
			chromedp.WaitVisible(chromedp.ID("#u-file")),
			chromedp.SetUploadFiles(chromedp.ID("#u-file"), []string{filepath.Join(file, "talblick.md")}),
			chromedp.SetValue(chromedp.ID("#u-class"), "public"),
			chromedp.SendKeys(chromedp.ID("#u-groups"), "marketing"),
			chromedp.Click(chromedp.CSS(`#u-form button[type="submit"]`)),
			until(`document.getElementById("u-result").textContent.includes("talblick.md")`, 20*time.Second),
			until(`[...document.querySelectorAll("#s-docs tbody tr")].some(r => r.textContent.includes("Talblick Thermobecher"))`, 10*time.Second),
		)
		var progress int
		e.eval(t, `document.getElementById("u-progress").value`, &progress)
		if progress != 100 {
			t.Errorf("upload progress %d; want 100", progress)
		}
		e.run(t,
			chromedp.SendKeys(chromedp.ID("#s-query"), "Talblick Thermobecher Kaffee"),
			chromedp.Click(chromedp.CSS(`#s-search button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#s-results li")),
		)
		if got := e.text(t, "#s-results li"); !strings.Contains(got, "Talblick Thermobecher") {
			t.Errorf("the first search result is %q; want the uploaded document", got)
		}
		e.shot(t, "sources")
	})

	t.Run("a Word file uploads with its purpose and validity window", func(t *testing.T) {
		e.signIn(t, e.editor)
		sheet, err := filepath.Abs("../../testdata/documents/de-produktblatt.docx")
		if err != nil {
			t.Fatal(err)
		}
		e.run(t,
			chromedp.Click(chromedp.CSS(`#tabs button[data-view="sources"]`)),
			chromedp.WaitVisible(chromedp.ID("#u-file")),
			chromedp.SetUploadFiles(chromedp.ID("#u-file"), []string{sheet}),
			chromedp.SetValue(chromedp.ID("#u-class"), "internal"),
			chromedp.Click(chromedp.ID("#u-wide")),
			chromedp.SetValue(chromedp.ID("#u-purpose"), "guideline"),
			chromedp.SetValue(chromedp.ID("#u-from"), "2026-01-01"),
			chromedp.SetValue(chromedp.ID("#u-until"), "2030-12-31"),
			chromedp.Click(chromedp.CSS(`#u-form button[type="submit"]`)),
			until(`document.getElementById("u-result").textContent.includes("de-produktblatt.docx") || document.getElementById("notice").textContent != ""`, 20*time.Second),
		)
		if n := e.text(t, "#notice"); n != "" {
			t.Fatalf("the upload failed: %s", n)
		}
		e.run(t, until(`[...document.querySelectorAll("#s-docs tbody tr")].some(r => r.textContent.includes("de-produktblatt.docx"))`, 10*time.Second))
		var row string
		e.eval(t, `[...document.querySelectorAll("#s-docs tbody tr")].find(r => r.textContent.includes("de-produktblatt.docx")).textContent`, &row)
		for _, want := range []string{"guideline", "2026-01-01 – 2030-12-31", "internal", "Everyone in the tenant"} {
			if !strings.Contains(row, want) {
				t.Errorf("the uploaded Word file's row reads %q; want %q in it", row, want)
			}
		}
		e.shot(t, "sources-upload")
		if got := e.text(t, "#u-result"); strings.Contains(got, " 0 ") {
			t.Errorf("the upload result reads %q; want the Word file's chunks", got)
		}
	})

	t.Run("a batch shows its progress to done and exports approved items", func(t *testing.T) {
		e.signIn(t, e.editor)
		csv := "brief,channel,lang\n" +
			"\"Social Post zur Gipfelflasche 500, kurz\",social_post,de\n" +
			"FAQ: Wie lange hält die Gipfelflasche warm?,faq_answer,de\n" +
			"Produkttext Gipfelflasche 750,product_description,de\n"
		e.run(t,
			chromedp.Click(chromedp.CSS(`#tabs button[data-view="batches"]`)),
			chromedp.WaitVisible(chromedp.ID("#b-text")),
			chromedp.SetValue(chromedp.ID("#b-text"), csv),
			chromedp.Click(chromedp.CSS(`#b-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("#b-live")),
			until(`document.getElementById("b-live").dataset.state === "done"`, 60*time.Second),
			until(`document.querySelectorAll("#b-items tbody tr").length === 3`, 10*time.Second),
		)
		var bar struct{ Value, Max float64 }
		e.eval(t, `({Value: document.getElementById("b-progress").value, Max: document.getElementById("b-progress").max})`, &bar)
		if bar.Value != 3 || bar.Max != 3 {
			t.Errorf("progress %v of %v; want 3 of 3", bar.Value, bar.Max)
		}
		counts := e.text(t, "#b-counts")
		if !strings.Contains(counts, "3 of 3 done") || !strings.Contains(counts, "€") {
			t.Errorf("counts %q; want 3 of 3 done and the spending", counts)
		}
		if brief := e.text(t, "#b-items tbody tr td:nth-child(2)"); brief != "Social Post zur Gipfelflasche 500, kurz" {
			t.Errorf("first item's brief %q; the quoted CSV field was not read whole", brief)
		}
		e.shot(t, "batch-done")
	})

	t.Run("evals show the last run with its regressions", func(t *testing.T) {
		e.signIn(t, e.viewer)
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="evals"]`)),
			chromedp.WaitVisible(chromedp.CSS("#v-suites table")))
		if got := e.text(t, "#v-regressions"); !strings.Contains(got, "uwg-superlative") {
			t.Errorf("regressions %q; want the failed case", got)
		}
		if got := e.text(t, "#v-suites"); !strings.Contains(got, "hwg-cure-claim") || !strings.Contains(got, "failed") {
			t.Errorf("suites %q; want every case with its outcome", got)
		}
	})

	t.Run("on a phone nothing is wider than the screen", func(t *testing.T) {
		e.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer e.run(t, chromedp.EmulateReset())
		e.signIn(t, e.admin)
		for _, view := range []string{"write", "review", "sources", "batches"} {
			e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="`+view+`"]`)), chromedp.WaitVisible(chromedp.ID("#view-"+view)))
			var width int
			e.eval(t, `document.documentElement.scrollWidth`, &width)
			if width > 390 {
				t.Errorf("the %s view is %d px wide on a 390 px screen", view, width)
			}
		}
		e.shot(t, "phone-batches")
	})

	t.Run("every view passes axe-core's WCAG 2.1 A and AA rules, in English and German", func(t *testing.T) {
		axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
		if err != nil {
			t.Fatal(err)
		}
		e.signIn(t, e.admin)
		for _, lang := range []string{"en", "de"} {
			e.run(t, until(`(localStorage.setItem("kontext.lang", "`+lang+`"), true)`, time.Second), chromedp.Reload(),
				chromedp.WaitVisible(chromedp.ID("#tabs")))
			// A draft with a finding, so that the write view's result (spans,
			// sources, redactions) is checked too.
			e.write(t, "newsletter", "Newsletter: Die Gipfelflasche 750 heilt Migräne und stärkt das Immunsystem.")
			for _, view := range []string{"write", "review", "sources", "batches", "evals"} {
				e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="`+view+`"]`)),
					until(`!document.getElementById("view-`+view+`").hidden`, 5*time.Second))
				time.Sleep(300 * time.Millisecond) // the view's list loads
				var found []struct {
					ID, Impact, Help string
					Targets          []string
				}
				e.eval(t, `(async () => {
					if (!window.axe) { (0, eval)(`+strconv.Quote(string(axe))+`); }
					const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
					return r.violations.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
				})()`, &found)
				for _, v := range found {
					t.Errorf("%s, %s view: %s (%s): %s", lang, view, v.ID, v.Impact, strings.Join(v.Targets, "; "))
				}
			}
		}
		e.run(t, until(`(localStorage.setItem("kontext.lang", "en"), true)`, time.Second))
	})

	t.Run("the keyboard alone reaches a view and writes a draft", func(t *testing.T) {
		e.signIn(t, e.editor)
		// Tab through the page until the Write tab has the focus, open it
		// with Enter, then Tab to the brief, type, and send with Enter on
		// the button: no pointer.
		tabTo := func(js string) {
			t.Helper()
			for range 60 {
				var ok bool
				e.eval(t, js, &ok)
				if ok {
					return
				}
				e.run(t, chromedp.KeyEvent(kb.Tab))
			}
			t.Fatalf("Tab never reached %s", js)
		}
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="sources"]`)))
		tabTo(`document.activeElement && document.activeElement.dataset.view === "write"`)
		e.run(t, chromedp.KeyEvent(kb.Enter), until(`!document.getElementById("view-write").hidden`, 5*time.Second))
		tabTo(`document.activeElement && document.activeElement.id === "w-brief"`)
		e.run(t, chromedp.KeyEvent("Produkttext für die Gipfelflasche 750"))
		tabTo(`document.activeElement && document.activeElement.id === "w-go"`)
		e.run(t, chromedp.KeyEvent(kb.Enter),
			until(`!document.getElementById("w-result").hidden || document.getElementById("notice").textContent !== ""`, 20*time.Second))
		if msg := e.text(t, "#notice"); msg != "" {
			t.Fatalf("the desk says %q", msg)
		}
		if got := e.text(t, "#w-result"); !strings.Contains(got, "Gipfelflasche") {
			t.Errorf("the draft written by keyboard reads %q", got)
		}
	})

	t.Run("XSS in a document title and in a brief renders as text", func(t *testing.T) {
		const titleXSS = `Sonderangebot <script>alert("title")</script><img src=x onerror=alert('img')>`
		const briefXSS = `"><img src=x onerror=alert('brief')><script>alert(1)</script> Gipfelflasche warm?`
		var doc struct{ ID string }
		if code := e.do(ctx, e.editor, http.MethodPost, "/v1/documents", map[string]any{"external_id": "xss.md", "title": titleXSS,
			"content": "# Angebot\n\nDie Gipfelflasche 500 hält Getränke sechs Stunden warm und ist im Angebot.\n", "classification": "public",
			"allowed_groups": []string{"marketing"}}, &doc); code != http.StatusCreated {
			t.Fatalf("create the document = %d", code)
		}
		e.signIn(t, e.editor)
		e.run(t, chromedp.Click(chromedp.CSS(`#tabs button[data-view="sources"]`)),
			until(`[...document.querySelectorAll("#s-docs tbody tr")].some(r => r.dataset.id === "`+doc.ID+`")`, 10*time.Second))
		var cell string
		e.eval(t, `document.querySelector('#s-docs tr[data-id="`+doc.ID+`"] td').firstChild.textContent`, &cell)
		if cell != titleXSS {
			t.Errorf("the title cell reads %q; want the literal title", cell)
		}
		e.write(t, "faq_answer", briefXSS)
		var injected struct {
			Images, Scripts int
			Brief           string
		}
		e.eval(t, `({Images: document.querySelectorAll("main img").length, Scripts: document.querySelectorAll("script").length,
			Brief: document.getElementById("r-pii-you").textContent})`, &injected)
		if injected.Images != 0 || injected.Scripts != 1 {
			t.Errorf("the page has %d images and %d scripts; an injected element was parsed", injected.Images, injected.Scripts)
		}
		if !strings.Contains(injected.Brief, briefXSS) {
			t.Errorf("the brief shows as %q; want the literal text", injected.Brief)
		}
		time.Sleep(300 * time.Millisecond) // a dialog would open asynchronously
		e.noDialogs(t)
		e.shot(t, "xss-as-text")
	})
}
