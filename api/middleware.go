package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	requestIDKey    = "kontext.request_id"
	loggerKey       = "kontext.logger"
	requestIDHeader = "X-Request-ID"
)

// validRequestID limits accepted ids to what is safe to log and echo.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes the caller's X-Request-ID when it is well-formed, makes
// one otherwise, and echoes it on the response.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !validRequestID.MatchString(id) {
		id = newRequestID()
	}
	c.Set(requestIDKey, id)
	c.Set(loggerKey, s.log)
	c.Header(requestIDHeader, id)
	c.Next()
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestIDOf(c *gin.Context) string {
	return c.GetString(requestIDKey)
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.Request.Context(), level, "request",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", c.Request.Method),
		slog.String("route", routeOf(c)),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("remote", c.ClientIP()),
	)
}

// recover turns a panic in a handler into a 500 in the standard body; the
// stack goes to the log, never to the client.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
			panic(v)
		}
		s.log.ErrorContext(c.Request.Context(), "panic",
			slog.String("request_id", requestIDOf(c)),
			slog.String("route", routeOf(c)),
			slog.Any("panic", v),
			slog.String("stack", string(debug.Stack())))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		writeError(c, fmt.Errorf("panic: %v", v))
	}()
	c.Next()
}

// limitBody rejects declared oversized bodies at once and caps the rest, so
// that a handler reading past the limit gets an *http.MaxBytesError.
func (s *Server) limitBody(c *gin.Context) {
	limit := s.bodyLimit(c.FullPath())
	if c.Request.ContentLength > limit {
		writeError(c, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: "request body of " + strconv.FormatInt(c.Request.ContentLength, 10) +
				" bytes exceeds the limit of " + strconv.FormatInt(limit, 10)})
		return
	}
	if c.Request.Body != nil && c.Request.Body != http.NoBody {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// bodyLimit returns the body limit of a route: document uploads may be as
// large as a document may be (plus room for the form); everything else
// gets the general limit.
func (s *Server) bodyLimit(route string) int64 {
	if route == "/v1/documents" {
		return max(s.opts.MaxBodyBytes, s.opts.MaxDocumentBytes+1<<20)
	}
	return s.opts.MaxBodyBytes
}

// IsTooLarge reports whether err came from reading past the body limit.
func IsTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// routeOf returns the matched route pattern, or "unmatched" so that unknown
// paths do not explode metric cardinality.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontext_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kontext_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "status"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kontext_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight)
	return m
}

// observe records request counts and latency by route and status.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()
	c.Next()
	labels := prometheus.Labels{"route": routeOf(c), "method": c.Request.Method, "status": strconv.Itoa(c.Writer.Status())}
	s.metrics.requests.With(labels).Inc()
	s.metrics.latency.With(labels).Observe(time.Since(start).Seconds())
}

// MaxHeaderBytes bounds the request line and headers of a request. Beyond
// it the answer is 431 in the standard error body. The HTTP server's own
// limit (http.Server.MaxHeaderBytes) must be larger, or net/http answers
// first, in plain text, before any handler runs.
const MaxHeaderBytes = 64 << 10

// limitHeaders answers 431 when the request line and headers pass
// MaxHeaderBytes, counted as they arrive on the wire.
func (s *Server) limitHeaders(c *gin.Context) {
	r := c.Request
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	if n > MaxHeaderBytes {
		c.Header("Connection", "close")
		writeError(c, &Error{Status: http.StatusRequestHeaderFieldsTooLarge, Code: "headers_too_large",
			Message: "request line and headers of " + strconv.Itoa(n) + " bytes exceed the limit of " + strconv.Itoa(MaxHeaderBytes)})
		return
	}
	c.Next()
}
