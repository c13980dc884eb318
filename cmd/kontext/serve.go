package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kontext/api"
	"kontext/audit"
	"kontext/batch"
	"kontext/generate"
	"kontext/ingest"
	"kontext/internal/readpool"
	"kontext/migrations"
	"kontext/retrieval"
)

// Main is the running service: its pool, router and HTTP server. Run starts
// it and returns once it listens; Close shuts it down gracefully. Tests use
// it the way main does.
type Main struct {
	Config Config
	Logger *slog.Logger

	// wrap, when set, wraps the router (tests add routes through it).
	wrap func(http.Handler) http.Handler

	pool     *pgxpool.Pool
	reads    *readpool.Pool // nil without replicas
	router   *api.Server
	server   *http.Server
	listener net.Listener
	serveErr chan error
	batches  *batch.Service
	gen      *generate.Service
	mu       sync.Mutex    // orders a late worker start against Close
	stopped  chan struct{} // closed by Close
}

// NewMain returns a Main for the configuration.
func NewMain(cfg Config, log *slog.Logger) *Main {
	if log == nil {
		log = slog.Default()
	}
	return &Main{Config: cfg, Logger: log, serveErr: make(chan error, 1), stopped: make(chan struct{})}
}

// Run migrates (unless disabled), opens the application pool and starts
// serving HTTP. It returns once the listener is open.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	m.Logger.Info("starting kontext", append([]any{slog.String("version", version)}, cfg.logAttrs()...)...)
	firstURL := cfg.DatabaseURL
	if cfg.MigrateOnStart {
		firstURL = cfg.OwnerDatabaseURL
	}
	if err := waitForDatabase(ctx, firstURL, cfg.DBWait, m.Logger); err != nil {
		return err
	}
	if cfg.MigrateOnStart {
		if err := migrate(ctx, cfg, m.Logger); err != nil {
			return err
		}
	}

	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	poolCfg.MaxConns = cfg.DBMaxConns
	if !cfg.NoWorkers {
		poolCfg.MaxConns += 4 // River: its listener and its fetches and completions
	}
	poolCfg.AfterConnect = pgxvec.RegisterTypes
	if m.pool, err = pgxpool.NewWithConfig(ctx, poolCfg); err != nil {
		return fmt.Errorf("open database pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.pool.Ping(pingCtx); err != nil {
		return fmt.Errorf("connect to database as %s: %w %s", poolCfg.ConnConfig.User, err, dbDownHint)
	}

	ingester, err := newIngester(ctx, cfg, m.pool, m.Logger)
	if err != nil {
		return err
	}

	emb, err := newEmbedder(cfg, m.Logger, audit.New(m.pool))
	if err != nil {
		return err
	}
	searchOpts := searchOptions(cfg, m.Logger, audit.New(m.pool))
	var writer interface {
		api.Ingester
		api.Eraser
	} = ingester
	var documents api.Documents = ingest.NewStore(m.pool)
	if len(cfg.ReplicaURLs) > 0 {
		if m.reads, err = readpool.New(ctx, m.pool, cfg.ReplicaURLs, readpool.Options{MaxLag: cfg.ReplicaMaxLag, Wait: cfg.ReplicaWait, Logger: m.Logger}); err != nil {
			return err
		}
		searchOpts.Reads, writer = m.reads, readsAfterWrites{Ingester: ingester, reads: m.reads}
		documents = documentsAfterWrites{Store: ingest.NewStore(m.pool), reads: m.reads}
	}
	searcher, err := retrieval.New(m.pool, emb, searchOpts)
	if err != nil {
		return err
	}

	generator, err := newGenerator(cfg, m.pool, searcher, m.Logger)
	if err != nil {
		return err
	}
	m.gen = generator
	if m.batches, err = newBatches(cfg, m.pool, generator, m.Logger, !cfg.NoWorkers); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		api.NewPoolCollector(m.pool, "app"))
	m.router = api.New(api.Options{
		Logger:       m.Logger,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Ready:        m.ready,
		Registry:     reg,
		Version:      version,
		Auth:         api.NewKeys(m.pool),
		Audit:        audit.New(m.pool),
		RateLimits:   cfg.RateLimits,

		Ingester:         writer,
		Documents:        documents,
		Eraser:           writer,
		Searcher:         searcher,
		Generator:        generator,
		Batches:          m.batches,
		MaxGenerations:   cfg.MaxGenerations,
		MaxDocumentBytes: cfg.MaxDocumentBytes,
		AuditVerifier:    audit.New(m.pool),
		EvalReport:       cfg.EvalReport,
		Guard:            &api.Guard{Injection: injectionScanner(cfg), Redactor: newDetector()},
	})
	var handler http.Handler = m.router
	if m.wrap != nil {
		handler = m.wrap(handler)
	}
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    4 << 20, // above api.MaxHeaderBytes, which answers 431 in the error body
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	if m.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := m.startWorkers(ctx); err != nil {
		return err
	}
	m.Logger.Info("listening", slog.String("addr", m.listener.Addr().String()), slog.String("provider", cfg.providerName()),
		slog.Int("batch_workers", map[bool]int{true: 0, false: cfg.WorkerConcurrency}[cfg.NoWorkers]))
	go func() {
		err := m.server.Serve(m.listener)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.serveErr <- err
	}()
	return nil
}

// startWorkers starts the batch workers. Against a database whose
// migrations are pending (serve --migrate=false) they start once the
// migrations are in place, checked every five seconds.
func (m *Main) startWorkers(ctx context.Context) error {
	if !m.batches.Working() {
		return nil
	}
	start := func() error {
		if err := m.batches.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start batch workers: %w", err)
		}
		return nil
	}
	if err := migrations.Current(ctx, m.pool); err == nil {
		return start()
	}
	m.Logger.Warn("batch workers wait for the database migrations (run kontext migrate)")
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-m.stopped:
				return
			case <-t.C:
			}
			if migrations.Current(context.WithoutCancel(ctx), m.pool) != nil {
				continue
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			select {
			case <-m.stopped:
			default:
				if err := start(); err != nil {
					m.Logger.Error("batch workers", "err", err)
				} else {
					m.Logger.Info("batch workers started")
				}
			}
			return
		}
	}()
	return nil
}

// Routes lists the routes the running server serves, with their roles.
func (m *Main) Routes() []api.Route {
	if m.router == nil {
		return nil
	}
	return m.router.Routes()
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Wait blocks until ctx is done (a signal) or the server fails.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.serveErr:
		return err
	}
}

// Close stops accepting connections, lets in-flight requests finish up to
// the shutdown timeout, then closes the pool.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		m.Logger.Info("shutting down", slog.String("deadline", m.Config.ShutdownTimeout.String()))
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
			_ = m.server.Close()
		}
	}
	m.mu.Lock()
	select {
	case <-m.stopped:
	default:
		close(m.stopped)
	}
	m.mu.Unlock()
	if m.batches != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.batches.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop batch workers: %w", err))
		}
	}
	if m.reads != nil {
		m.reads.Close()
	}
	if m.pool != nil {
		m.pool.Close()
	}
	if len(errs) == 0 {
		m.Logger.Info("stopped")
	}
	return errors.Join(errs...)
}

// ready reports whether the service can take traffic. Its messages are
// shown to callers of /readyz, so they name the condition, not internals.
func (m *Main) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := m.pool.Ping(ctx); err != nil {
		m.Logger.Warn("readiness: database ping failed", "err", err)
		return errors.New("database unreachable")
	}
	if err := migrations.Current(ctx, m.pool); err != nil {
		if errors.Is(err, migrations.ErrPending) {
			return err
		}
		m.Logger.Warn("readiness: migration check failed", "err", err)
		return errors.New("cannot read the migration state")
	}
	return nil
}

// testWrap lets this package's tests add routes to a served process; it is
// nil outside tests.
var testWrap func(http.Handler) http.Handler

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext serve", flag.ContinueOnError)
	s := newSettings()
	s.register(fs, serveSettings...)
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
	m := NewMain(cfg, newLogger(cfg, os.Stderr))
	m.wrap = testWrap
	if err := m.Run(ctx); err != nil {
		_ = m.Close()
		return err
	}
	werr := m.Wait(ctx)
	cerr := m.Close()
	return errors.Join(werr, cerr)
}

func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	poolCfg, err := pgxpool.ParseConfig(cfg.OwnerDatabaseURL)
	if err != nil {
		return fmt.Errorf("owner database url: %w", err)
	}
	poolCfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return fmt.Errorf("open owner pool: %w", err)
	}
	defer pool.Close()
	appCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	appRole := appCfg.ConnConfig.User
	if appRole == poolCfg.ConnConfig.User {
		log.Warn("the application connects as the schema owner; set KONTEXT_OWNER_DATABASE_URL to a separate role so that the application role owns nothing (row-level security is forced on the owner too)")
		appRole = ""
	}
	applied, err := migrations.Migrate(ctx, pool, migrations.Options{AppRole: appRole, Logger: log})
	if err != nil {
		if retryableConnect(err) {
			return fmt.Errorf("migrate as %s: %w %s", poolCfg.ConnConfig.User, err, dbDownHint)
		}
		return fmt.Errorf("migrate as %s: %w", poolCfg.ConnConfig.User, err)
	}
	log.Info("migrations current", slog.Int("applied", len(applied)), slog.Int("version", migrations.Latest()))
	return ensureIndex(ctx, cfg, pool, log)
}

// ensureIndex creates the HNSW index of the configured embedding model.
func ensureIndex(ctx context.Context, cfg Config, owner *pgxpool.Pool, log *slog.Logger) error {
	emb, err := newEmbedder(cfg, log, nil)
	if err != nil {
		return err
	}
	dims := emb.Dimensions()
	if dims == 0 {
		dims = cfg.EmbeddingDimensions
	}
	created, err := ingest.EnsureIndex(ctx, owner, emb.Model(), dims)
	if err != nil {
		return err
	}
	if created {
		log.Info("vector index created", slog.String("model", emb.Model()), slog.Int("dimensions", dims), slog.String("index", ingest.IndexName(emb.Model())))
	}
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext migrate", flag.ContinueOnError)
	s := newSettings()
	s.register(fs, migrateSettings...)
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
	if err := migrate(ctx, cfg, newLogger(cfg, os.Stderr)); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "database at migration version %d\n", migrations.Latest())
	return err
}
