package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"kontext"
)

// Authenticator turns a presented API key into the key's record.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (Key, error)
}

var _ Authenticator = (*Keys)(nil)

// authenticate requires a valid bearer key and puts its principal on the
// request context. The principal comes from the key and nowhere else.
func (s *Server) authenticate(c *gin.Context) {
	if s.opts.Auth == nil {
		writeError(c, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "authentication is not configured"})
		return
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="kontext"`)
		writeError(c, &Error{Status: http.StatusUnauthorized, Code: "unauthenticated",
			Message: "send an API key as Authorization: Bearer <key>"})
		return
	}
	key, err := s.opts.Auth.Authenticate(c.Request.Context(), token)
	if err != nil {
		if errors.Is(err, ErrKeyRevoked) {
			// The key's tenant is known: the attempt goes to its audit log.
			s.auditAuth(c, key.Tenant, key.User, "auth.revoked_key", map[string]any{"key_prefix": key.Prefix, "key_id": key.ID})
		}
		if errors.Is(err, kontext.ErrUnauthenticated) {
			s.log.WarnContext(c.Request.Context(), "authentication failed",
				slog.String("request_id", requestIDOf(c)), slog.String("reason", err.Error()),
				slog.String("key_prefix", safePrefix(token)), slog.String("remote", c.ClientIP()))
			c.Header("WWW-Authenticate", `Bearer realm="kontext", error="invalid_token"`)
			writeError(c, &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "invalid or revoked API key"})
			return
		}
		writeError(c, err)
		return
	}
	p := key.Principal()
	c.Set(principalKey, p)
	c.Set(keyIDKey, key.ID)
	c.Set(keyPrefixKey, key.Prefix)
	c.Request = c.Request.WithContext(kontext.NewContext(c.Request.Context(), p))
	c.Next()
}

const (
	principalKey = "kontext.principal"
	keyIDKey     = "kontext.key_id"
	keyPrefixKey = "kontext.key_prefix"
)

// principalOf returns the authenticated principal of the request.
func principalOf(c *gin.Context) kontext.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(kontext.Principal)
	return pr
}

// requireRole lets the request through only if the principal's role
// includes min; refusals go to the tenant's audit log.
func (s *Server) requireRole(min kontext.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principalOf(c)
		if !p.Role.Allows(min) {
			s.auditAuth(c, p.Tenant, p.User, "auth.forbidden", map[string]any{
				"key_prefix": c.GetString(keyPrefixKey), "role": p.Role, "needed": min})
			writeError(c, &Error{Status: http.StatusForbidden, Code: "forbidden",
				Message: "this call needs the " + string(min) + " role; the key has " + string(p.Role)})
			return
		}
		c.Next()
	}
}

// safePrefix returns the identifying prefix of a presented key for logs,
// never the secret part.
func safePrefix(token string) string {
	if strings.HasPrefix(token, keyPrefix) && len(token) >= prefixLen {
		return token[:prefixLen]
	}
	return "(not a kontext key)"
}

// whoami answers with the principal of the presented key.
func (s *Server) whoami(c *gin.Context) {
	c.JSON(http.StatusOK, principalOf(c))
}
