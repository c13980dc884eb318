package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/audit"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/ingest/pdf"
	"kontext/llm"
	"kontext/retrieval"
)

// providerSettings are what every command that embeds or ingests needs.
var providerSettings = []string{"database-url", "log-level", "log-format", "embedding-base-url", "embedding-api-key",
	"embedding-model", "embedding-dimensions", "secret", "secret-file", "max-document-bytes", "ingest-timeout",
	"pdf-timeout", "pdf-memory-mb", "pdf-max-pages",
	"rerank-url", "rerank-style", "rerank-model", "rerank-api-key", "search-ef", "search-group-ef", "search-exact-threshold",
	"injection-threshold"}

// newEmbedder returns the configured embedder: the offline hashing embedder
// unless an OpenAI-compatible endpoint is configured.
func newEmbedder(cfg Config, log *slog.Logger, auditor *audit.Log) (llm.Embedder, error) {
	if cfg.EmbeddingBaseURL == "" {
		return llm.NewHashEmbedder(cfg.EmbeddingDimensions), nil
	}
	return llm.NewOpenAIEmbedder(llm.OpenAIConfig{
		BaseURL:    cfg.EmbeddingBaseURL,
		APIKey:     cfg.EmbeddingAPIKey,
		Model:      cfg.EmbeddingModel,
		Dimensions: cfg.EmbeddingDimensions,
		HTTPClient: &http.Client{Transport: egressTransport(log, auditor)},
	})
}

// egressTransport is the transport under every provider client: every
// byte to the provider passes the personal data check first. Refusals are
// logged and, when the request carries a principal, written to its
// tenant's audit log (counts by type, never values).
func egressTransport(log *slog.Logger, auditor *audit.Log) *llm.EgressTransport {
	return &llm.EgressTransport{
		Check: newDetector().CheckEgress,
		OnRefuse: func(r *http.Request, err error) {
			log.Warn("egress refused: personal data in a request to a provider", "host", r.URL.Host, "err", err)
			p, ok := kontext.FromContext(r.Context())
			if !ok || auditor == nil {
				return
			}
			details := map[string]any{"host": r.URL.Host}
			var ee *pii.EgressError
			if errors.As(err, &ee) {
				details["types"] = ee.Types
			}
			// A fresh context: the request's may be cancelled by the refusal.
			if aerr := auditor.Record(context.WithoutCancel(r.Context()), audit.Event{Tenant: p.Tenant, Actor: p.User,
				Action: "egress.refused", Subject: r.URL.Host, Details: details}); aerr != nil {
				log.Error("audit of an egress refusal failed", "err", aerr)
			}
		},
	}
}

// searchOptions returns the retrieval options of the configuration: the
// re-ranker, when one is configured, behind the egress check.
func searchOptions(cfg Config, log *slog.Logger, auditor *audit.Log) retrieval.Options {
	opts := retrieval.Options{EfSearch: cfg.SearchEf, ExactThreshold: cfg.SearchExactThreshold,
		GroupEfSearch: cfg.SearchGroupEf, NoGroupIndexes: cfg.SearchGroupEf == 0,
		VectorWeight: cfg.SearchVectorWeight, TextWeight: cfg.SearchTextWeight}
	if cfg.RerankURL != "" {
		opts.Reranker = &retrieval.HTTPReranker{URL: cfg.RerankURL, Style: cfg.RerankStyle, Model: cfg.RerankModel,
			APIKey: cfg.RerankAPIKey, Client: &http.Client{Timeout: 10 * time.Second, Transport: egressTransport(log, auditor)}}
	}
	return opts
}

// newIngester wires the ingest pipeline with the configured embedder and
// the guard's detectors.
func newIngester(_ context.Context, cfg Config, pool *pgxpool.Pool, log *slog.Logger) (*ingest.Ingester, error) {
	emb, err := newEmbedder(cfg, log, audit.New(pool))
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(cfg, log)
	if err != nil {
		return nil, err
	}
	return ingest.New(pool, ingest.Options{
		Embedder:       emb,
		Secret:         secret,
		MaxBytes:       int(cfg.MaxDocumentBytes),
		PrepareTimeout: cfg.IngestTimeout,
		Logger:         log,
		Scanners:       guardScanners(cfg),
		Parse: ingest.ParseOptions{PDF: pdf.Options{Timeout: cfg.PDFTimeout, MemoryBytes: cfg.PDFMemoryBytes,
			MaxPages: cfg.PDFMaxPages}},
	})
}

// loadSecret returns the server secret that keys the personal data index:
// KONTEXT_SECRET if set, else the secret file, created with 32 random bytes
// on first use so that a fresh installation works and keeps its index
// across restarts.
func loadSecret(cfg Config, log *slog.Logger) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	path := cfg.SecretFile
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("secret file %s holds fewer than 32 characters", path)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret file: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create secret file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadSecret(cfg, log) // created concurrently
	}
	if err != nil {
		return nil, fmt.Errorf("create secret file: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	log.Warn("created a new server secret for the personal data index; back it up: erasure by data subject needs it", "path", path)
	return []byte(s), nil
}

func defaultSecretFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "kontext", "secret")
}

// openIngester parses the settings, opens the application pool and builds
// the ingest pipeline; close releases the pool.
func openIngester(ctx context.Context, s *settings) (in *ingest.Ingester, close func(), err error) {
	cfg, err := s.config()
	if err != nil {
		return nil, nil, err
	}
	pool, err := openPool(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	in, err = newIngester(ctx, cfg, pool, newLogger(cfg, os.Stderr))
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return in, pool.Close, nil
}

// newSearcher returns the retrieval store with the configured embedder.
func newSearcher(cfg Config, pool *pgxpool.Pool, log *slog.Logger) (*retrieval.Store, error) {
	emb, err := newEmbedder(cfg, log, audit.New(pool))
	if err != nil {
		return nil, err
	}
	return retrieval.New(pool, emb, searchOptions(cfg, log, audit.New(pool)))
}
