package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"golang.org/x/term"

	"kontext"
	"kontext/batch"
	"kontext/generate"
)

// newBatches returns the batch service; with work it also runs workers at
// the configured concurrency (Start begins them).
func newBatches(cfg Config, pool *pgxpool.Pool, gen *generate.Service, log *slog.Logger, work bool) (*batch.Service, error) {
	bc := batch.Config{Pool: pool, Generator: gen, Logger: log, MaxAttempts: cfg.BatchMaxAttempts, MaxItems: cfg.BatchMaxItems,
		JobTimeout: cfg.BatchJobTimeout, RescueAfter: cfg.BatchRescueAfter, RetryBase: cfg.BatchRetryBase}
	if work {
		bc.Concurrency = cfg.WorkerConcurrency
	}
	return batch.New(bc)
}

func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "kontext batch submit FILE --tenant T --groups G [--budget-eur X] [--wait] [--json] | status ID | results ID | cancel ID | list (each --tenant T)"
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("kontext batch "+sub, flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant (required)")
	user := fs.String("user", currentUser(), "user the batch runs as")
	asJSON := fs.Bool("json", false, "print JSON")
	var groups, clearance, key *string
	var budget *float64
	var budgetTokens *int64
	var wait *bool
	switch sub {
	case "submit":
		groups = fs.String("groups", "", "comma-separated groups whose documents may be used")
		clearance = fs.String("clearance", "internal", "clearance: public, internal, confidential")
		budget = fs.Float64("budget-eur", 0, "stop starting items once this much is spent (0: no budget)")
		budgetTokens = fs.Int64("budget-tokens", 0, "stop starting items once this many tokens are used (0: no budget)")
		key = fs.String("idempotency-key", "", "submitting again with the same key returns the first batch (default: derived from the file's content and budget)")
		wait = fs.Bool("wait", false, "show progress until the batch ends, then the summary")
	case "status", "results", "cancel", "list":
	default:
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	s := newSettings()
	s.register(fs, append(append(append([]string{}, providerSettings...), generateSettings...), batchSettings...)...)
	pos, err := positional(fs, args, stderr)
	if err != nil {
		return err
	}
	wantPos := map[string]int{"submit": 1, "status": 1, "results": 1, "cancel": 1, "list": 0}[sub]
	if len(pos) != wantPos || *tenant == "" {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	// Reading and cancelling act for the tenant's administration.
	p := kontext.Principal{Tenant: *tenant, User: *user, Clearance: kontext.Confidential, Role: kontext.Admin}
	var reqs []generate.Request
	if sub == "submit" {
		cls, err := kontext.ParseClassification(*clearance)
		if err != nil {
			return fmt.Errorf("%w: --clearance: %v", errUsage, err)
		}
		p = kontext.Principal{Tenant: *tenant, User: *user, Groups: splitList(*groups), Clearance: cls, Role: kontext.Editor}
		if done, err := dryRun(ctx, s); done {
			return err
		}
		var data []byte
		if pos[0] == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(pos[0])
		}
		if err != nil {
			return err
		}
		if reqs, err = batch.ParseRequests(data); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	cfg, err := s.config()
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := newLogger(cfg, os.Stderr)
	var gen *generate.Service
	if sub == "submit" {
		// The generator validates each request before anything is written.
		if gen, err = newPipeline(cfg, pool, log); err != nil {
			return err
		}
	}
	svc, err := newBatches(cfg, pool, gen, log, false)
	if err != nil {
		return err
	}
	switch sub {
	case "submit":
		sum, err := svc.Submit(ctx, p, batch.Submission{Items: reqs, BudgetEUR: *budget, BudgetTokens: *budgetTokens, IdempotencyKey: *key})
		if err != nil {
			return err
		}
		if sum.Existing {
			fmt.Fprintf(stderr, "this batch was submitted before as %s (same content and budget); pass --idempotency-key to run it again\n", sum.ID)
		}
		if !*wait {
			if *asJSON {
				return json.NewEncoder(stdout).Encode(sum)
			}
			_, err := fmt.Fprintln(stdout, sum.ID)
			return err
		}
		if sum, err = watch(ctx, svc, p, sum, stderr); err != nil {
			return err
		}
		return printBatch(stdout, sum, *asJSON)
	case "status":
		sum, err := svc.Status(ctx, p, pos[0])
		if err != nil {
			return err
		}
		return printBatch(stdout, sum, *asJSON)
	case "cancel":
		sum, err := svc.Cancel(ctx, p, pos[0])
		if err != nil {
			return err
		}
		return printBatch(stdout, sum, *asJSON)
	case "list":
		list, err := svc.List(ctx, p, 50)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(list)
		}
		for _, b := range list {
			fmt.Fprintf(stdout, "%s  %-16s %5d/%-5d items  €%.4f  %s  %s\n", b.ID, b.State, b.Done(), b.Items, b.CostEUR,
				b.SubmittedBy, b.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		return nil
	}
	// results: one JSON object per line, in item order.
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	if err := svc.Results(ctx, p, pos[0], func(it batch.Item) error { return enc.Encode(it) }); err != nil {
		return err
	}
	return w.Flush()
}

// newPipeline builds the generate service as the generate command does.
func newPipeline(cfg Config, pool *pgxpool.Pool, log *slog.Logger) (*generate.Service, error) {
	searcher, err := newSearcher(cfg, pool, log)
	if err != nil {
		return nil, err
	}
	return newGenerator(cfg, pool, searcher, log)
}

// jsonSummary is the one-object summary `--json` prints.
type jsonSummary struct {
	BatchID       string  `json:"batch_id"`
	State         string  `json:"state"`
	Items         int     `json:"items"`
	Approved      int     `json:"approved"`
	NeedsReview   int     `json:"needs_review"`
	Blocked       int     `json:"blocked"`
	Failed        int     `json:"failed"`
	SkippedBudget int     `json:"skipped_budget"`
	Cancelled     int     `json:"cancelled"`
	Pending       int     `json:"pending"`
	Running       int     `json:"running"`
	CostEUR       float64 `json:"cost_eur"`
	Tokens        int64   `json:"tokens"`
}

func printBatch(w io.Writer, s batch.Summary, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(jsonSummary{BatchID: s.ID, State: s.State, Items: s.Items, Approved: s.Approved,
			NeedsReview: s.NeedsReview, Blocked: s.Blocked, Failed: s.Failed, SkippedBudget: s.SkippedBudget,
			Cancelled: s.Cancelled, Pending: s.Pending, Running: s.Running, CostEUR: s.CostEUR, Tokens: s.Tokens})
	}
	fmt.Fprintf(w, "batch %s: %s\n", s.ID, s.State)
	fmt.Fprintf(w, "  items          %d\n  approved       %d\n  needs_review   %d\n  blocked        %d\n  failed         %d\n",
		s.Items, s.Approved, s.NeedsReview, s.Blocked, s.Failed)
	fmt.Fprintf(w, "  skipped_budget %d\n  cancelled      %d\n", s.SkippedBudget, s.Cancelled)
	if s.Open() {
		fmt.Fprintf(w, "  pending        %d\n  running        %d\n", s.Pending, s.Running)
	}
	budget := ""
	if s.BudgetEUR != nil {
		budget = fmt.Sprintf(" of €%.2f", *s.BudgetEUR)
	}
	fmt.Fprintf(w, "  spent          €%.4f%s, %d tokens\n", s.CostEUR, budget, s.Tokens)
	if s.FinishedAt != nil {
		fmt.Fprintf(w, "  took           %s\n", s.FinishedAt.Sub(s.CreatedAt).Round(100*time.Millisecond))
	}
	return nil
}

// watch shows the batch's progress until it has no open items: one line
// redrawn on a terminal, a line every five seconds otherwise.
func watch(ctx context.Context, svc *batch.Service, p kontext.Principal, sum batch.Summary, w io.Writer) (batch.Summary, error) {
	tty := false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
	}
	every := 5 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	start, last := time.Now(), time.Time{}
	startDone, hinted := sum.Done(), false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if !sum.Open() {
			break
		}
		if time.Since(last) >= every {
			last = time.Now()
			line := progressLine(sum, time.Since(start), startDone)
			if tty {
				fmt.Fprintf(w, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(w, "progress:", line)
			}
		}
		if !hinted && sum.Done() == startDone && sum.Running == 0 && time.Since(start) > 10*time.Second {
			hinted = true
			fmt.Fprintf(w, "\nno worker has taken an item yet: is `kontext worker` or `kontext serve` running against this database?\n")
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "stopped watching; the batch goes on: kontext batch status %s --tenant %s\n", sum.ID, p.Tenant)
			return sum, ctx.Err()
		case <-tick.C:
		}
		var err error
		if sum, err = svc.Status(ctx, p, sum.ID); err != nil && ctx.Err() == nil {
			return sum, err
		}
	}
	if tty {
		fmt.Fprintf(w, "\r\033[K%s\n", progressLine(sum, time.Since(start), startDone))
	}
	return sum, nil
}

func progressLine(s batch.Summary, elapsed time.Duration, startDone int) string {
	rate := 0.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(s.Done()-startDone) / secs
	}
	width := 30
	filled := 0
	if s.Items > 0 {
		filled = width * s.Done() / s.Items
	}
	return fmt.Sprintf("[%s%s] %d/%d  approved %d  needs_review %d  blocked %d  failed %d  skipped %d  %.1f items/s  €%.4f",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), s.Done(), s.Items, s.Approved, s.NeedsReview,
		s.Blocked, s.Failed, s.SkippedBudget+s.Cancelled, rate, s.CostEUR)
}

func runWorker(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext worker", flag.ContinueOnError)
	s := newSettings()
	s.register(fs, append(append(append(append([]string{}, providerSettings...), generateSettings...), batchSettings...),
		"concurrency", "db-max-conns", "db-wait", "shutdown-timeout")...)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	cfg, err := s.config()
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	if err := waitForDatabase(ctx, cfg.DatabaseURL, cfg.DBWait, log); err != nil {
		return err
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	// Each working item holds a connection at times; leave room for River.
	poolCfg.MaxConns = max(cfg.DBMaxConns, int32(cfg.WorkerConcurrency)+4)
	poolCfg.AfterConnect = pgxvec.RegisterTypes
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	gen, err := newPipeline(cfg, pool, log)
	if err != nil {
		return err
	}
	svc, err := newBatches(cfg, pool, gen, log, true)
	if err != nil {
		return err
	}
	if err := svc.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	log.Info("working batch items", slog.Int("concurrency", cfg.WorkerConcurrency), slog.String("provider", cfg.providerName()))
	<-ctx.Done()
	log.Info("stopping workers", slog.String("deadline", cfg.ShutdownTimeout.String()))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return svc.Stop(sctx)
}
