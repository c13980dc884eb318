package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/generate"
	"kontext/guard/pii"
	"kontext/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// fakeGen stands in for the generate pipeline: it counts calls per brief,
// charges a fixed cost, fails the first failures[brief] calls with an
// upstream error, and holds calls while hold is set until their context
// ends.
type fakeGen struct {
	mu       sync.Mutex
	calls    map[string]int
	failures map[string]int
	refusals map[string]error // returned on every call for the brief
	cost     float64
	delay    time.Duration
	hold     bool
	started  chan string
}

func newFakeGen() *fakeGen {
	return &fakeGen{calls: map[string]int{}, failures: map[string]int{}, refusals: map[string]error{}, cost: 0.01, started: make(chan string, 1000)}
}

func (g *fakeGen) Validate(p kontext.Principal, req generate.Request) error {
	if req.Brief == "" {
		return kontext.Invalidf("brief", "is required")
	}
	if req.Channel != "newsletter" && req.Channel != "social_post" {
		return kontext.Invalidf("channel", "%q is not a channel", req.Channel)
	}
	return nil
}

func (g *fakeGen) Generate(ctx context.Context, p kontext.Principal, req generate.Request, _ func(generate.Event)) (*generate.Result, error) {
	g.mu.Lock()
	g.calls[req.Brief]++
	fail := g.failures[req.Brief] > 0
	if fail {
		g.failures[req.Brief]--
	}
	hold, delay, refusal := g.hold, g.delay, g.refusals[req.Brief]
	g.mu.Unlock()
	if refusal != nil {
		return nil, refusal
	}
	g.started <- req.Brief
	if got, ok := kontext.FromContext(ctx); !ok || got.User != p.User {
		return nil, errors.New("principal missing from context")
	}
	if hold {
		<-ctx.Done()
		return nil, fmt.Errorf("%w: %w", kontext.ErrUpstream, ctx.Err())
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", kontext.ErrUpstream, ctx.Err())
	}
	if fail {
		return nil, fmt.Errorf("%w: provider answered 503", kontext.ErrUpstream)
	}
	decision := generate.Approved
	if req.Channel == "social_post" {
		decision = generate.NeedsReview
	}
	return &generate.Result{Draft: "Entwurf: " + req.Brief, Decision: decision,
		Usage: generate.Usage{PromptTokens: 100, CompletionTokens: 50, CostEUR: g.cost}}, nil
}

func (g *fakeGen) callsFor(brief string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[brief]
}

var editor = kontext.Principal{Tenant: "acme", User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Editor}

// env is a database of the test's own with tenants acme and beta.
type env struct {
	pool *pgxpool.Pool
	gen  *fakeGen
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := dbtest.NewDatabase(t, true)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, tenant := range []string{"acme", "beta"} {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.tenant', $1, true)", tenant); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO tenants (id) VALUES ($1)", tenant)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return &env{pool: pool, gen: newFakeGen()}
}

// service starts a working service; it stops when the test ends.
func (e *env) service(t *testing.T, concurrency int, id string) *Service {
	t.Helper()
	s, err := New(Config{Pool: e.pool, Generator: e.gen, Concurrency: concurrency, ID: id,
		RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond,
		JobTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

func requests(prefix string, n int) []generate.Request {
	out := make([]generate.Request, n)
	for i := range out {
		out[i] = generate.Request{Brief: fmt.Sprintf("%s %d", prefix, i+1), Channel: "newsletter", Lang: "de"}
	}
	return out
}

// wait polls the batch until it has no open items.
func wait(t *testing.T, s *Service, p kontext.Principal, id string) Summary {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sum, err := s.Status(context.Background(), p, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sum.Open() {
			return sum
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch still open after 60 s: %+v", sum)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func items(t *testing.T, s *Service, p kontext.Principal, id string) []Item {
	t.Helper()
	var out []Item
	if err := s.Results(context.Background(), p, id, func(it Item) error {
		out = append(out, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTwoWorkersShareABatchExactlyOnce(t *testing.T) {
	e := newEnv(t)
	e.gen.delay = 5 * time.Millisecond
	a := e.service(t, 4, "worker-a")
	b := e.service(t, 4, "worker-b")
	reqs := requests("Herbstkampagne", 60)
	sum, err := a.Submit(context.Background(), editor, Submission{Items: reqs})
	if err != nil {
		t.Fatal(err)
	}
	// Both workers are running, so one may take an item between the
	// submission's commit and the summary Submit reads back.
	if sum.Items != 60 || sum.Pending+sum.Running+sum.Approved != 60 || sum.State != BatchRunning {
		t.Fatalf("submitted: %+v", sum)
	}
	sum = wait(t, b, editor, sum.ID)
	if sum.Approved != 60 || sum.State != BatchDone || sum.FinishedAt == nil {
		t.Fatalf("finished: %+v", sum)
	}
	for _, r := range reqs {
		if n := e.gen.callsFor(r.Brief); n != 1 {
			t.Errorf("%q generated %d times, want once", r.Brief, n)
		}
	}
	if want := 60 * 0.01; sum.CostEUR < want-1e-9 || sum.CostEUR > want+1e-9 || sum.Tokens != 60*150 {
		t.Errorf("spent %.4f EUR, %d tokens; want %.2f, %d", sum.CostEUR, sum.Tokens, want, 60*150)
	}
	got := items(t, a, editor, sum.ID)
	if len(got) != 60 {
		t.Fatalf("%d results, want 60", len(got))
	}
	for i, it := range got {
		if it.N != i+1 || it.State != StateApproved || it.Result == nil || it.Result.Draft != "Entwurf: "+reqs[i].Brief || it.Attempts != 1 {
			t.Errorf("item %d: %+v", i+1, it)
		}
	}
	// Both clients took items.
	var byA, byB int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE attempted_by[1] = 'worker-a'),
		count(*) FILTER (WHERE attempted_by[1] = 'worker-b') FROM river.river_job WHERE kind = 'kontext_batch_item'`).Scan(&byA, &byB); err != nil {
		t.Fatal(err)
	}
	if byA == 0 || byB == 0 || byA+byB != 60 {
		t.Errorf("worker-a took %d, worker-b %d of 60", byA, byB)
	}
	t.Logf("worker-a took %d items, worker-b %d", byA, byB)
}

func TestResubmitIsIdempotent(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, 0, "")
	reqs := requests("Ostern", 5)
	first, err := s.Submit(context.Background(), editor, Submission{Items: reqs, BudgetEUR: 1})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Submit(context.Background(), editor, Submission{Items: reqs, BudgetEUR: 1})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || !again.Existing || first.Existing {
		t.Fatalf("resubmit: first %s (existing %v), again %s (existing %v)", first.ID, first.Existing, again.ID, again.Existing)
	}
	keyed, err := s.Submit(context.Background(), editor, Submission{Items: reqs, BudgetEUR: 1, IdempotencyKey: "ostern-2"})
	if err != nil || keyed.ID == first.ID {
		t.Fatalf("a new key makes a new batch: %v %v", keyed.ID, err)
	}
	// A colleague's identical submission, or one with the same key, is the
	// colleague's own batch: not jana's, which the colleague may not see.
	colleague := editor
	colleague.User = "emil"
	for _, key := range []string{"", "ostern-2"} {
		theirs, err := s.Submit(context.Background(), colleague, Submission{Items: reqs, BudgetEUR: 1, IdempotencyKey: key})
		if err != nil || theirs.Existing || theirs.ID == first.ID || theirs.ID == keyed.ID || theirs.SubmittedBy != "emil" {
			t.Fatalf("colleague's submission with key %q: %+v, %v; want a new batch of emil's", key, theirs, err)
		}
	}
	var jobs, rows int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM river.river_job WHERE kind = 'kontext_batch_item'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if err := s.inTenant(context.Background(), "acme", func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM batch_items`).Scan(&rows)
	}); err != nil {
		t.Fatal(err)
	}
	if jobs != 20 || rows != 20 {
		t.Errorf("%d jobs and %d items after five submits of 5 (four distinct), want 20 and 20", jobs, rows)
	}
}

func TestSubmitValidatesEveryItem(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, 0, "")
	reqs := requests("Sommer", 3)
	reqs[1].Channel = "fax"
	reqs[2].Brief = ""
	_, err := s.Submit(context.Background(), editor, Submission{Items: reqs})
	if !errors.Is(err, kontext.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{"item 2", "fax", "item 3", "brief"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	viewer := editor
	viewer.Role = kontext.Viewer
	if _, err := s.Submit(context.Background(), viewer, Submission{Items: requests("x", 1)}); !errors.Is(err, kontext.ErrForbidden) {
		t.Errorf("viewer submit: %v, want ErrForbidden", err)
	}
	if _, err := s.Submit(context.Background(), editor, Submission{}); !errors.Is(err, kontext.ErrInvalid) {
		t.Errorf("empty batch: %v, want ErrInvalid", err)
	}
	var n int
	if err := s.inTenant(context.Background(), "acme", func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM batches`).Scan(&n)
	}); err != nil || n != 0 {
		t.Errorf("%d batches after rejected submits (%v), want 0", n, err)
	}
}

func TestBudgetCutOff(t *testing.T) {
	e := newEnv(t)
	e.gen.cost = 0.10
	s := e.service(t, 1, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: requests("Budget", 12), BudgetEUR: 0.35})
	if err != nil {
		t.Fatal(err)
	}
	sum = wait(t, s, editor, sum.ID)
	// One worker: items run one at a time, so the fourth reaches 0.40 ≥ 0.35.
	if sum.Approved != 4 || sum.SkippedBudget != 8 || sum.State != BatchBudgetExhausted {
		t.Fatalf("budget: %+v", sum)
	}
	if sum.CostEUR < 0.40-1e-9 || sum.CostEUR > 0.40+1e-9 {
		t.Errorf("spent %.4f, want 0.40", sum.CostEUR)
	}
	for _, it := range items(t, s, editor, sum.ID)[4:] {
		if it.State != StateSkippedBudget || e.gen.callsFor(it.Request.Brief) != 0 {
			t.Errorf("item %d: %s, generated %d times", it.N, it.State, e.gen.callsFor(it.Request.Brief))
		}
	}
}

func TestTokenBudget(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, 1, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: requests("Tokens", 5), BudgetTokens: 300})
	if err != nil {
		t.Fatal(err)
	}
	sum = wait(t, s, editor, sum.ID)
	if sum.Approved != 2 || sum.SkippedBudget != 3 || sum.Tokens != 300 {
		t.Fatalf("token budget: %+v", sum)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	e.gen.hold = true
	s := e.service(t, 2, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: requests("Abbruch", 20)})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // both slots are generating
		<-e.gen.started
	}
	sum, err = s.Cancel(context.Background(), editor, sum.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.State != BatchCancelled || sum.Pending != 0 {
		t.Fatalf("after cancel: %+v", sum)
	}
	sum = wait(t, s, editor, sum.ID)
	if sum.Cancelled != 20 || sum.FinishedAt == nil {
		t.Fatalf("cancelled batch: %+v", sum)
	}
	calls := 0
	for _, r := range requests("Abbruch", 20) {
		calls += e.gen.callsFor(r.Brief)
	}
	if calls != 2 {
		t.Errorf("%d generations started, want the 2 running at cancel", calls)
	}
	// Cancelling again is harmless.
	if again, err := s.Cancel(context.Background(), editor, sum.ID); err != nil || again.Cancelled != 20 {
		t.Errorf("second cancel: %+v %v", again, err)
	}
}

func TestProviderFailsTwiceThenSucceeds(t *testing.T) {
	e := newEnv(t)
	reqs := requests("Wiederholung", 3)
	e.gen.failures[reqs[1].Brief] = 2
	e.gen.failures[reqs[2].Brief] = 99
	s := e.service(t, 2, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: reqs})
	if err != nil {
		t.Fatal(err)
	}
	sum = wait(t, s, editor, sum.ID)
	got := items(t, s, editor, sum.ID)
	if got[0].State != StateApproved || got[0].Attempts != 1 {
		t.Errorf("item 1: %+v", got[0])
	}
	if got[1].State != StateApproved || got[1].Attempts != 3 || e.gen.callsFor(reqs[1].Brief) != 3 {
		t.Errorf("item 2: state %s after %d attempts (%d calls), want approved after 3", got[1].State, got[1].Attempts, e.gen.callsFor(reqs[1].Brief))
	}
	if got[2].State != StateFailed || got[2].Attempts != DefaultMaxAttempts {
		t.Errorf("item 3: %+v, want failed after %d attempts", got[2], DefaultMaxAttempts)
	}
	// The owner reads what POST /v1/generate would answer, not the chain.
	if want := "the model provider failed after retries; try again later"; got[2].ErrorCode != "provider_error" || got[2].Error != want {
		t.Errorf("item 3 error %q (code %q); want %q (provider_error)", got[2].Error, got[2].ErrorCode, want)
	}
	if sum.Approved != 2 || sum.Failed != 1 || sum.State != BatchDone {
		t.Errorf("summary: %+v", sum)
	}
}

// TestRefusedItemsReadLikeTheAPI: an item the egress guard or the role
// refuses fails at once with the synchronous API's code and plain message,
// and is not retried (the same input is refused again).
func TestRefusedItemsReadLikeTheAPI(t *testing.T) {
	e := newEnv(t)
	reqs := requests("Verweigert", 3)
	e.gen.refusals[reqs[0].Brief] = fmt.Errorf("generate: send prompt: %w", &pii.EgressError{Types: map[string]int{pii.TypePerson: 1}})
	e.gen.refusals[reqs[1].Brief] = fmt.Errorf("review r1 was already decided: %w", kontext.ErrConflict)
	s := e.service(t, 1, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: reqs})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, s, editor, sum.ID)
	got := items(t, s, editor, sum.ID)
	tests := []struct {
		item          int
		state, code   string
		message       string
		attempts, max int
	}{
		{0, StateFailed, "personal_data", "the request holds personal data that may not be sent to the configured model provider; remove it or use placeholders", 1, 1},
		{1, StateFailed, "conflict", "review r1 was already decided", 1, DefaultMaxAttempts},
		{2, StateApproved, "", "", 1, 1},
	}
	for _, tt := range tests {
		it := got[tt.item]
		if it.State != tt.state || it.ErrorCode != tt.code || it.Error != tt.message {
			t.Errorf("item %d: state %s, code %q, error %q; want %s, %q, %q", tt.item+1, it.State, it.ErrorCode, it.Error, tt.state, tt.code, tt.message)
		}
		if it.Attempts < tt.attempts || it.Attempts > tt.max {
			t.Errorf("item %d: %d attempts, want %d to %d", tt.item+1, it.Attempts, tt.attempts, tt.max)
		}
	}
}

func TestBatchVisibility(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, 0, "")
	sum, err := s.Submit(context.Background(), editor, Submission{Items: requests("Sichtbar", 2)})
	if err != nil {
		t.Fatal(err)
	}
	other := editor
	other.User = "otto"
	admin := editor
	admin.User, admin.Role = "ada", kontext.Admin
	lowAdmin := admin
	lowAdmin.Clearance = kontext.Public
	stranger := editor
	stranger.Tenant = "beta"
	for name, p := range map[string]kontext.Principal{"colleague": other, "public admin": lowAdmin, "other tenant": stranger} {
		if _, err := s.Status(context.Background(), p, sum.ID); !errors.Is(err, kontext.ErrNotFound) {
			t.Errorf("%s reads the batch: %v, want ErrNotFound", name, err)
		}
		if _, err := s.Cancel(context.Background(), p, sum.ID); !errors.Is(err, kontext.ErrNotFound) {
			t.Errorf("%s cancels the batch: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := s.Status(context.Background(), admin, sum.ID); err != nil {
		t.Errorf("admin reads the batch: %v", err)
	}
	if _, err := s.Status(context.Background(), editor, "not-a-uuid"); !errors.Is(err, kontext.ErrNotFound) {
		t.Errorf("bad id: %v", err)
	}
}

func TestTenantsAreServedFairly(t *testing.T) {
	e := newEnv(t)
	submitter := e.service(t, 0, "")
	big, err := submitter.Submit(context.Background(), editor, Submission{Items: requests("Gross", 40)})
	if err != nil {
		t.Fatal(err)
	}
	small := editor
	small.Tenant = "beta"
	if _, err := submitter.Submit(context.Background(), small, Submission{Items: requests("Klein", 4)}); err != nil {
		t.Fatal(err)
	}
	e.service(t, 1, "")
	var order []string
	for len(order) < 44 {
		order = append(order, <-e.gen.started)
	}
	last := 0
	for i, b := range order {
		if len(b) > 5 && b[:5] == "Klein" {
			last = i
		}
	}
	// Round-robin: beta's 4 items interleave with acme's first ones
	// instead of waiting behind all 40.
	if last > 8 {
		t.Errorf("beta's last item ran as number %d of 44: %v", last+1, order[:12])
	}
	wait(t, submitter, editor, big.ID)
}
