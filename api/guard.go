package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"kontext"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
)

// Guard holds the checks the /v1/guard routes run.
type Guard struct {
	// Injection scans briefs and documents for prompt injection.
	Injection *inject.InjectionScanner
	// Redactor finds personal data; nil leaves /v1/guard/redact out and the
	// personal_data policy rule off.
	Redactor Redactor

	mu       sync.Mutex
	checkers map[string]*policy.Checker
}

// Redactor replaces personal data in text by placeholders.
type Redactor interface {
	Detect(text string) []pii.Finding
	Redact(text string) (string, []pii.Finding)
}

// checker returns the checker of a built-in pack. Packs are addressed by
// name only: a request can never make the server read a file.
func (g *Guard) checker(name string) (*policy.Checker, error) {
	if !slices.Contains(policy.BuiltinPacks(), name) {
		return nil, kontext.Invalidf("pack", "%q is not a built-in pack (%s)", name, strings.Join(policy.BuiltinPacks(), ", "))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.checkers[name]; ok {
		return c, nil
	}
	p, err := policy.LoadPack(name)
	if err != nil {
		return nil, err
	}
	var opts []policy.CheckerOption
	if g.Redactor != nil {
		opts = append(opts, policy.WithPersonalData(g.Redactor))
	}
	c := policy.NewChecker(p, opts...)
	if g.checkers == nil {
		g.checkers = map[string]*policy.Checker{}
	}
	g.checkers[name] = c
	return c, nil
}

// maxGuardText bounds the text of one guard call.
const maxGuardText = 1 << 20

// decodeGuard decodes a guard request whose text is read by text and
// checks that text; on failure it has answered the request.
func decodeGuard(c *gin.Context, body any, text func() string) bool {
	if err := decodeJSON(c, body); err != nil {
		writeError(c, err)
		return false
	}
	t := text()
	switch {
	case strings.TrimSpace(t) == "":
		writeError(c, kontext.Invalidf("text", "is required"))
		return false
	case len(t) > maxGuardText:
		writeError(c, kontext.Invalidf("text", "longer than %d bytes", maxGuardText))
		return false
	}
	return true
}

func (s *Server) guardScan(c *gin.Context) {
	var body struct {
		Text string `json:"text"`
		As   string `json:"as"`
	}
	if !decodeGuard(c, &body, func() string { return body.Text }) {
		return
	}
	if body.As == "" {
		body.As = "brief"
	}
	src, err := inject.ParseSource(body.As)
	if err != nil {
		writeError(c, kontext.Invalidf("as", "%q is not brief or document", body.As))
		return
	}
	c.JSON(http.StatusOK, s.opts.Guard.Injection.Scan(body.Text, src))
}

func (s *Server) guardCheck(c *gin.Context) {
	var body struct {
		Text        string         `json:"text"`
		Pack        string         `json:"pack"`
		Channel     string         `json:"channel"`
		Lang        string         `json:"lang"`
		Brand       map[string]any `json:"brand"`
		AIDisclosed bool           `json:"ai_disclosed"`
	}
	if !decodeGuard(c, &body, func() string { return body.Text }) {
		return
	}
	if body.Pack == "" {
		body.Pack = "de-marketing"
	}
	checker, err := s.opts.Guard.checker(body.Pack)
	if err != nil {
		writeError(c, err)
		return
	}
	opts := policy.CheckOptions{Channel: body.Channel, Lang: body.Lang, AIDisclosed: body.AIDisclosed}
	if body.Brand != nil {
		// The brand pack arrives as JSON; its loader reads YAML, of which
		// JSON is a subset.
		raw, err := yaml.Marshal(body.Brand)
		if err != nil {
			writeError(c, kontext.Invalidf("brand", "not a brand pack"))
			return
		}
		if opts.Brand, err = policy.ParseBrand(raw); err != nil {
			writeError(c, kontext.Invalidf("brand", "%v", err))
			return
		}
	}
	c.JSON(http.StatusOK, checker.Check(body.Text, opts))
}

func (s *Server) guardRedact(c *gin.Context) {
	var body struct {
		Text string `json:"text"`
	}
	if !decodeGuard(c, &body, func() string { return body.Text }) {
		return
	}
	text, findings := s.opts.Guard.Redactor.Redact(body.Text)
	if findings == nil {
		findings = []pii.Finding{}
	}
	c.JSON(http.StatusOK, gin.H{"text": text, "findings": findings})
}
