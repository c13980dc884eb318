// Package api is Kontext's HTTP interface: the Gin router, its middleware
// (request ids, access log, metrics, panic recovery, body limits), the one
// place where errors become HTTP responses, and the route handlers. It is
// the only package that imports Gin; handlers call domain packages with a
// context.Context and plain types.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kontext"
)

// DefaultMaxBodyBytes is the request body limit when Options leaves it zero.
const DefaultMaxBodyBytes = 10 << 20

// Options configure a Server. The zero value serves health and metrics with
// sensible defaults.
type Options struct {
	// Logger receives the access log and server errors; nil uses slog.Default.
	Logger *slog.Logger
	// MaxBodyBytes limits every request body; beyond it the request fails
	// with 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Ready reports whether the service can take traffic (database reachable,
	// migrations current). Nil means always ready.
	Ready func(ctx context.Context) error
	// Registry collects the service's metrics; nil creates one with the Go
	// runtime and process collectors.
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string
	// Auth authenticates the API keys of /v1 requests; nil refuses them.
	Auth Authenticator
	// Ingester, Documents and Eraser serve /v1/documents and /v1/erasure;
	// nil leaves those routes out.
	Ingester  Ingester
	Documents Documents
	Eraser    Eraser
	// Searcher serves /v1/search; nil leaves it out.
	Searcher Searcher
	// RateLimits per API key by role; nil uses DefaultRateLimits.
	RateLimits map[kontext.Role]RateLimit
	// Audit records authentication and authorisation events; nil logs them only.
	Audit Auditor
	// Guard serves /v1/guard/*; nil leaves those routes out.
	Guard *Guard
	// Generator serves /v1/generate, /v1/reviews and /v1/usage; nil leaves
	// them out.
	Generator Generator
	// MaxGenerations bounds the generations running at once in this
	// process (default DefaultMaxGenerations); more wait up to a second,
	// then get 503 with Retry-After.
	MaxGenerations int
	// Batches serves /v1/batches; nil leaves it out.
	Batches Batches
	// MaxDocumentBytes limits an uploaded document (default 20 MiB); the
	// document routes accept bodies up to this size plus form overhead.
	MaxDocumentBytes int64
	// AuditVerifier serves /v1/audit/verify (admins); nil leaves it out.
	AuditVerifier AuditVerifier
	// EvalReport is the JSON report file of the last eval run, served by
	// /v1/evals/last; empty leaves the route out.
	EvalReport string
}

// Server is the HTTP handler for the whole API.
type Server struct {
	opts    Options
	log     *slog.Logger
	engine  *gin.Engine
	metrics *httpMetrics
	limits  *limiters
	// generations holds one token per running generation.
	generations chan struct{}
	// roles holds the least role of each authenticated route, by
	// "METHOD /path".
	roles map[string]kontext.Role
}

func init() {
	gin.SetMode(gin.ReleaseMode)
}

// New builds the router with its middleware and routes.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxDocumentBytes <= 0 {
		opts.MaxDocumentBytes = 20 << 20
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
		opts.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if opts.RateLimits == nil {
		opts.RateLimits = DefaultRateLimits
	}
	if opts.MaxGenerations <= 0 {
		opts.MaxGenerations = DefaultMaxGenerations
	}
	s := &Server{opts: opts, log: opts.Logger, metrics: newHTTPMetrics(opts.Registry),
		limits:      &limiters{byKey: map[string]*keyLimiter{}, limits: opts.RateLimits},
		generations: make(chan struct{}, opts.MaxGenerations), roles: map[string]kontext.Role{}}

	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.RemoveExtraSlash = true
	_ = e.SetTrustedProxies(nil)
	e.Use(s.requestID, s.accessLog, s.recover, s.observe, s.limitHeaders, s.limitBody, s.checkURL)
	e.NoRoute(func(c *gin.Context) {
		writeError(c, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no route for " + c.Request.Method + " " + c.Request.URL.Path})
	})
	e.NoMethod(func(c *gin.Context) {
		writeError(c, &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	metricsHandler := promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{ErrorLog: slogPrinter{s.log}})
	e.GET("/metrics", gin.WrapH(metricsHandler))
	e.GET("/openapi.json", s.openapi)
	e.GET("/docs", s.docs)
	e.GET("/docs/:file", s.docsAsset)
	e.GET("/", s.desk)
	e.GET("/desk/:file", s.deskAsset)

	v1 := &v1Routes{s: s, g: e.Group("/v1", s.authenticate, s.rateLimit)}
	v1.handle(http.MethodGet, "/whoami", kontext.Viewer, s.whoami)
	if opts.Ingester != nil && opts.Documents != nil {
		v1.handle(http.MethodPost, "/documents", kontext.Editor, s.createDocument)
		v1.handle(http.MethodGet, "/documents", kontext.Viewer, s.listDocuments)
		v1.handle(http.MethodGet, "/documents/:id", kontext.Viewer, s.getDocument)
		v1.handle(http.MethodDelete, "/documents/:id", kontext.Editor, s.deleteDocument)
		v1.handle(http.MethodPost, "/documents/:id/release", kontext.Reviewer, s.releaseDocument)
	}
	if opts.Searcher != nil {
		v1.handle(http.MethodPost, "/search", kontext.Viewer, s.search)
	}
	if opts.Guard != nil {
		v1.handle(http.MethodPost, "/guard/scan", kontext.Viewer, s.guardScan)
		v1.handle(http.MethodPost, "/guard/check", kontext.Viewer, s.guardCheck)
		if opts.Guard.Redactor != nil {
			v1.handle(http.MethodPost, "/guard/redact", kontext.Viewer, s.guardRedact)
		}
	}
	if opts.Generator != nil {
		v1.handle(http.MethodPost, "/generate", kontext.Editor, s.generate)
		v1.handle(http.MethodGet, "/reviews", kontext.Reviewer, s.reviews)
		v1.handle(http.MethodPost, "/reviews/:id/approve", kontext.Reviewer, s.decideReview(true))
		v1.handle(http.MethodPost, "/reviews/:id/reject", kontext.Reviewer, s.decideReview(false))
		v1.handle(http.MethodPost, "/reviews/:id/edit", kontext.Editor, s.editDraft)
		v1.handle(http.MethodGet, "/generations/:id", kontext.Editor, s.getGeneration)
		v1.handle(http.MethodGet, "/usage", kontext.Editor, s.usage)
	}
	if opts.Batches != nil {
		v1.handle(http.MethodPost, "/batches", kontext.Editor, s.submitBatch)
		v1.handle(http.MethodGet, "/batches", kontext.Editor, s.listBatches)
		v1.handle(http.MethodGet, "/batches/:id", kontext.Editor, s.getBatch)
		v1.handle(http.MethodGet, "/batches/:id/results", kontext.Editor, s.batchResults)
		v1.handle(http.MethodDelete, "/batches/:id", kontext.Editor, s.cancelBatch)
	}
	if opts.Eraser != nil {
		v1.handle(http.MethodPost, "/erasure", kontext.Admin, s.erase)
	}
	if opts.AuditVerifier != nil {
		v1.handle(http.MethodGet, "/audit/verify", kontext.Admin, s.auditVerify)
	}
	if opts.EvalReport != "" {
		v1.handle(http.MethodGet, "/evals/last", kontext.Viewer, s.evalReport)
	}

	s.engine = e
	return s
}

// v1Routes registers the authenticated routes, each with the least role it
// needs, so that the role of every route can be listed (Routes).
type v1Routes struct {
	s *Server
	g *gin.RouterGroup
}

func (v *v1Routes) handle(method, path string, role kontext.Role, h gin.HandlerFunc) {
	v.g.Handle(method, path, v.s.requireRole(role), h)
	v.s.roles[method+" "+v.g.BasePath()+path] = role
}

// Route is one route of the router.
type Route struct {
	Method string
	// Path is the route's pattern in Gin's syntax (/v1/documents/:id).
	Path string
	// Role is the least role the route needs; empty for the routes that
	// need no API key (health, readiness, metrics, the API document).
	Role kontext.Role
}

// Routes lists every route the router serves, as the router itself
// knows them.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path, Role: s.roles[r.Method+" "+r.Path]})
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.engine.ServeHTTP(w, r)
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.opts.Version})
}

func (s *Server) readyz(c *gin.Context) {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(c.Request.Context()); err != nil {
			s.log.WarnContext(c.Request.Context(), "not ready", "err", err, "request_id", requestIDOf(c))
			writeError(c, &Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Message: err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// slogPrinter adapts slog to promhttp's error logger.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Error("metrics", "err", v) }
