package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"kontext"
	"kontext/audit"
)

// RateLimit is a token bucket: Rate requests per second on average, Burst
// at once.
type RateLimit struct {
	Rate  float64
	Burst int
}

// DefaultRateLimits apply per API key by role when Options leaves them empty.
var DefaultRateLimits = map[kontext.Role]RateLimit{
	kontext.Viewer:   {Rate: 20, Burst: 40},
	kontext.Editor:   {Rate: 20, Burst: 40},
	kontext.Reviewer: {Rate: 20, Burst: 40},
	kontext.Admin:    {Rate: 10, Burst: 20},
}

// ParseRateLimits reads "viewer=20:40,admin=5:10" (rate per second, then
// burst) over the defaults.
func ParseRateLimits(s string) (map[kontext.Role]RateLimit, error) {
	out := map[kontext.Role]RateLimit{}
	for r, l := range DefaultRateLimits {
		out[r] = l
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, spec, ok := strings.Cut(part, "=")
		role, err := kontext.ParseRole(strings.TrimSpace(name))
		if !ok || err != nil {
			return nil, fmt.Errorf("rate limit %q: want role=rate:burst with a role of viewer, editor, reviewer, admin", part)
		}
		rs, bs, _ := strings.Cut(spec, ":")
		r, err1 := strconv.ParseFloat(rs, 64)
		b, err2 := strconv.Atoi(bs)
		if err1 != nil || err2 != nil || r <= 0 || b < 1 {
			return nil, fmt.Errorf("rate limit %q: want a positive rate and a burst of at least 1", part)
		}
		out[role] = RateLimit{Rate: r, Burst: b}
	}
	return out, nil
}

// limiters holds one token bucket per API key.
type limiters struct {
	mu     sync.Mutex
	byKey  map[string]*keyLimiter
	limits map[kontext.Role]RateLimit
}

type keyLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

func (l *limiters) get(key string, role kontext.Role) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if kl, ok := l.byKey[key]; ok {
		kl.seen = now
		return kl.lim
	}
	// Forget keys idle for ten minutes, so the map stays small.
	if len(l.byKey) > 10000 {
		for k, kl := range l.byKey {
			if now.Sub(kl.seen) > 10*time.Minute {
				delete(l.byKey, k)
			}
		}
	}
	lim := l.limits[role]
	kl := &keyLimiter{lim: rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst), seen: now}
	l.byKey[key] = kl
	return kl.lim
}

// rateLimit answers 429 with Retry-After when the key's bucket is empty.
func (s *Server) rateLimit(c *gin.Context) {
	p := principalOf(c)
	lim := s.limits.get(c.GetString(keyIDKey), p.Role)
	if r := lim.Reserve(); !r.OK() || r.Delay() > 0 {
		delay := time.Second
		if r.OK() {
			delay = r.Delay()
			r.Cancel()
		}
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(delay.Seconds()))))
		writeError(c, &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many requests for this API key; retry after the number of seconds in Retry-After"})
		return
	}
	c.Next()
}

// Auditor records security events in the tenant's audit log.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

var _ Auditor = (*audit.Log)(nil)

// auditAuth records an authentication or authorisation event; it never
// holds the key, only its identifying prefix. Failures to record are logged.
func (s *Server) auditAuth(c *gin.Context, tenant, actor, action string, details map[string]any) {
	if s.opts.Audit == nil || tenant == "" {
		return
	}
	details["request_id"] = requestIDOf(c)
	details["route"] = routeOf(c)
	details["method"] = c.Request.Method
	if err := s.opts.Audit.Record(c.Request.Context(), audit.Event{Tenant: tenant, Actor: actor, Action: action, Details: details}); err != nil {
		s.log.ErrorContext(c.Request.Context(), "audit failed", slog.String("action", action), slog.Any("err", err))
	}
}
