// Package batch runs many generate requests as one durable batch: a batch
// row, one item row and one River job per request, written in one
// transaction; workers in any number of processes take the jobs, generate
// as the submitting principal and store each item's outcome together with
// the job's completion, so an item's outcome is recorded exactly once.
//
// A batch may carry a budget in EUR and in tokens. Spending is counted from
// each generation's real usage; once it reaches the budget the items not
// yet started are skipped (skipped_budget). Items already running when the
// budget is reached finish and are counted, so a batch may overshoot its
// budget by at most the cost of the items in flight.
//
// Fairness: River takes available jobs in (priority, scheduled_at, id)
// order. A batch item's job is dated by its rank among its tenant's
// unfinished items (a fixed epoch plus one millisecond per rank), so the
// workers serve tenants round-robin: a tenant that submits 10 items after
// another submitted 10,000 waits for about 10 of them, not all.
package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"kontext"
	"kontext/generate"
	"kontext/migrations"
)

// fetchCooldown is the least time between two fetches of one worker process.
const fetchCooldown = 20 * time.Millisecond

// Queue is the River queue batch items run in.
const Queue = "kontext_batch"

// Defaults and limits.
const (
	DefaultConcurrency = 10
	DefaultMaxAttempts = 5
	DefaultMaxItems    = 10000
	DefaultJobTimeout  = 5 * time.Minute
	DefaultRetryBase   = 2 * time.Second
	DefaultRetryMax    = 5 * time.Minute
)

// Generator is the generate pipeline a worker runs per item.
type Generator interface {
	Generate(ctx context.Context, p kontext.Principal, req generate.Request, events func(generate.Event)) (*generate.Result, error)
	Validate(p kontext.Principal, req generate.Request) error
}

// Config configures a Service.
type Config struct {
	Pool      *pgxpool.Pool
	Generator Generator
	Logger    *slog.Logger
	// Concurrency is the number of items this process works at once; zero
	// makes a service that submits and reads batches but works none.
	Concurrency int
	// MaxAttempts bounds the attempts per item on provider errors
	// (default 5).
	MaxAttempts int
	// MaxItems bounds a batch's size (default 10,000).
	MaxItems int
	// JobTimeout bounds one attempt (default 5 minutes).
	JobTimeout time.Duration
	// RescueAfter is how long an attempt may stay running before another
	// worker takes it over, for a worker that died mid-item (default
	// JobTimeout + 1 minute).
	RescueAfter time.Duration
	// RetryBase and RetryMax shape the backoff between attempts: RetryBase
	// doubled per attempt, at most RetryMax, with ±10% jitter (defaults 2 s
	// and 5 minutes).
	RetryBase, RetryMax time.Duration
	// PollInterval is how often idle workers look for jobs besides
	// River's insert notifications (default 1 s).
	PollInterval time.Duration
	// ID names this process among River's clients (default: River's).
	ID string
}

// Service submits, reads and cancels batches, and works their items when
// configured with a concurrency.
type Service struct {
	cfg     Config
	log     *slog.Logger
	client  *river.Client[pgx.Tx]
	started atomic.Bool
}

// New returns a service; call Start to begin working items.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil {
		return nil, errors.New("batch: a pool is required")
	}
	if cfg.Concurrency < 0 {
		return nil, errors.New("batch: concurrency must not be negative")
	}
	if cfg.Concurrency > 0 && cfg.Generator == nil {
		return nil, errors.New("batch: a generator is required to work items")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = cfg.JobTimeout + time.Minute
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = max(DefaultRetryMax, cfg.RetryBase)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: log}
	rc := &river.Config{
		ID:                   cfg.ID,
		Schema:               migrations.RiverSchema,
		Logger:               log.With("component", "river"),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		Plugins:              []rivertype.Plugin{&fairDating{}},
		FetchPollInterval:    cfg.PollInterval,
		// The application role owns no table, so it cannot reindex River's;
		// `kontext migrate` runs as the owner and is the place for that.
		ReindexerSchedule: river.NeverSchedule(),
	}
	// A free slot is refilled after at most fetchCooldown; River's default
	// of 100 ms costs a 500 ms item a fifth of its time.
	rc.FetchCooldown = fetchCooldown
	if cfg.PollInterval > 0 {
		rc.FetchCooldown = min(fetchCooldown, cfg.PollInterval)
	}
	if cfg.Concurrency > 0 {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &itemWorker{s: s}); err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.Concurrency}}
	}
	client, err := river.NewClient(riverpgxv5.New(cfg.Pool), rc)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	s.client = client
	return s, nil
}

// Working reports whether this service works items.
func (s *Service) Working() bool { return s.cfg.Concurrency > 0 }

// Start begins working items; it returns at once. A service without
// concurrency has nothing to start.
func (s *Service) Start(ctx context.Context) error {
	if !s.Working() {
		return nil
	}
	if err := s.client.Start(ctx); err != nil {
		return err
	}
	s.started.Store(true)
	return nil
}

// Stop stops taking new items and waits for the running ones until ctx
// ends, then cancels them; cancelled items are retried by another worker.
func (s *Service) Stop(ctx context.Context) error {
	if !s.started.Load() {
		return nil
	}
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.client.StopAndCancel(cctx)
	}
	return err
}

// itemArgs is a River job's payload: which item, nothing more. The request
// itself, which may hold personal data, stays in batch_items under
// row-level security.
type itemArgs struct {
	Tenant string `json:"tenant" river:"unique"`
	Batch  string `json:"batch" river:"unique"`
	N      int    `json:"n" river:"unique"`
	// Rank dates the job for fair scheduling; see fairDating.
	Rank int `json:"rank"`
}

func (itemArgs) Kind() string { return "kontext_batch_item" }

func (itemArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// fairEpoch anchors fair dating: rank r is due at fairEpoch + r ms, long
// past, so every item is available at once and River's (scheduled_at, id)
// order interleaves tenants.
var fairEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// fairDating dates batch item jobs by their rank and keeps them available:
// River would mark an explicitly dated job "scheduled".
type fairDating struct{ river.MiddlewareDefaults }

func (*fairDating) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, p := range params {
		if a, ok := p.Args.(itemArgs); ok {
			at := fairEpoch.Add(time.Duration(a.Rank) * time.Millisecond)
			p.ScheduledAt = &at
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}

// backoff doubles the wait per attempt from base up to max, with jitter.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return time.Now().Add(d + jitter)
}

// inTenant runs fn in a transaction scoped to the tenant as a whole: the
// bookkeeping of batches is the service's, not a principal's.
func (s *Service) inTenant(ctx context.Context, tenant string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('kontext.tenant', $1, true), set_config('kontext.scope', 'tenant', true)`, tenant); err != nil {
			return err
		}
		return fn(tx)
	})
}

// inSession runs fn in a transaction declared for the principal.
func (s *Service) inSession(ctx context.Context, p kontext.Principal, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		return fn(tx)
	})
}
