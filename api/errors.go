package api

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"kontext"
)

// Error is an error with the HTTP status and machine-readable code it should
// be answered with. Handlers return it for failures that have no domain
// sentinel; Message is shown to the client as is.
type Error struct {
	Status  int
	Code    string
	Message string
	// Details, when set, is returned beside the message (for example the
	// reasons a brief was rejected).
	Details any
}

func (e *Error) Error() string { return e.Message }

// errorBody is the one error format of every response:
// {"error":{"code":"...","message":"...","request_id":"..."}}.
type errorBody struct {
	Error errorFields `json:"error"`
}

type errorFields struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Details   any    `json:"details,omitempty"`
}

// statuses maps the codes of kontext.Failure to HTTP statuses.
var statuses = map[string]int{
	"not_found":        http.StatusNotFound,
	"unauthenticated":  http.StatusUnauthorized,
	"forbidden":        http.StatusForbidden,
	"conflict":         http.StatusConflict,
	"invalid_request":  http.StatusBadRequest,
	"too_large":        http.StatusRequestEntityTooLarge,
	"unavailable":      http.StatusServiceUnavailable,
	"provider_error":   http.StatusBadGateway,
	"provider_timeout": http.StatusGatewayTimeout,
	"personal_data":    http.StatusUnprocessableEntity,
}

// writeError answers the request with err in the standard error body and
// aborts the handler chain. It is the one place errors become responses:
// 5xx are logged with the request's fields and the client gets a plain
// message and the request id, never internals.
func writeError(c *gin.Context, err error) {
	status, body := errorResponse(c, err)
	c.Header("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", retryAfterUnavailable)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: body})
}

// errorResponse maps err to its status and body, logging 5xx; writeError
// and the error event of a stream share it.
func errorResponse(c *gin.Context, err error) (int, errorFields) {
	status, body := http.StatusInternalServerError, errorFields{Code: "internal", Message: "internal error"}
	var apiErr *Error
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &apiErr):
		status, body.Code, body.Message, body.Details = apiErr.Status, apiErr.Code, apiErr.Message, apiErr.Details
	case errors.As(err, &maxErr):
		status, body.Code = http.StatusRequestEntityTooLarge, "too_large"
		body.Message = "request body exceeds the limit"
	default:
		if code, msg := kontext.Failure(err); statuses[code] != 0 {
			status, body.Code, body.Message = statuses[code], code, msg
		}
		if status == http.StatusInternalServerError && databaseDown(err) {
			status, body.Code, body.Message = http.StatusServiceUnavailable, "unavailable", "the database is unavailable; retry shortly"
			err = errors.Join(kontext.ErrUnavailable, err)
		}
	}
	body.RequestID = requestIDOf(c)
	if status >= 500 {
		logger(c).ErrorContext(c.Request.Context(), "request failed",
			slog.String("request_id", body.RequestID),
			slog.String("method", c.Request.Method),
			slog.String("route", c.FullPath()),
			slog.Int("status", status),
			slog.Any("err", err))
	}
	return status, body
}

// logger returns the server's logger stored on the context by New's middleware.
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// retryAfterUnavailable is the Retry-After of a 503 that set none: long
// enough for a restarting database to accept connections again.
const retryAfterUnavailable = "2"

// databaseDown reports whether err says the database cannot serve now: a
// failed connection, a connection that broke, or a server shutting down
// or starting up (SQLSTATE 57P01, 57P02, 57P03 and class 08). Such a
// request may succeed when repeated, so it is answered 503, not 500.
func databaseDown(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return false // an HTTP call (a provider, a re-ranker), not the database
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed")
}
