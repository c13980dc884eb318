package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"kontext"
	"kontext/audit"
	"kontext/web"
)

// AuditVerifier recomputes a tenant's audit hash chain.
type AuditVerifier interface {
	Verify(ctx context.Context, tenant string) (audit.Verification, error)
}

var _ AuditVerifier = (*audit.Log)(nil)

func deskHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", web.CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// desk answers GET / with the review desk page.
func (s *Server) desk(c *gin.Context) {
	deskHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", web.Page())
}

// deskAsset answers GET /desk/:file with a script or style of the page.
func (s *Server) deskAsset(c *gin.Context) {
	data, ctype, ok := web.Asset(c.Param("file"))
	if !ok {
		writeError(c, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such file"})
		return
	}
	deskHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ctype, data)
}

// auditVerify answers GET /v1/audit/verify: the result of recomputing the
// caller's tenant's audit chain.
func (s *Server) auditVerify(c *gin.Context) {
	v, err := s.opts.AuditVerifier.Verify(c.Request.Context(), principalOf(c).Tenant)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// evalReport answers GET /v1/evals/last with the report of the last eval
// run (the file kontext eval --json wrote): per suite, the cases and their
// outcome, and the regressions against the baseline.
func (s *Server) evalReport(c *gin.Context) {
	data, err := os.ReadFile(s.opts.EvalReport)
	if errors.Is(err, fs.ErrNotExist) {
		writeError(c, fmt.Errorf("no eval run has written %s yet (make eval does): %w", s.opts.EvalReport, kontext.ErrNotFound))
		return
	}
	if err != nil {
		writeError(c, fmt.Errorf("eval report: %w", err))
		return
	}
	if !json.Valid(data) {
		writeError(c, fmt.Errorf("eval report %s is not JSON: %w", s.opts.EvalReport, kontext.ErrUnavailable))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", data)
}
