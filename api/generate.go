package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"kontext"
	"kontext/generate"
)

// Generator writes checked drafts and keeps their reviews and usage.
type Generator interface {
	Generate(ctx context.Context, p kontext.Principal, req generate.Request, events func(generate.Event)) (*generate.Result, error)
	Reviews(ctx context.Context, p kontext.Principal, limit int) ([]generate.Review, error)
	Decide(ctx context.Context, p kontext.Principal, generationID string, approve bool, comment string, revision *int) (generate.Review, error)
	Revise(ctx context.Context, p kontext.Principal, generationID string, e generate.Edit) (*generate.Revision, error)
	Get(ctx context.Context, p kontext.Principal, generationID string) (*generate.Draft, error)
	Usage(ctx context.Context, p kontext.Principal, from, to time.Time) ([]generate.UsageRow, error)
}

var _ Generator = (*generate.Service)(nil)

// DefaultMaxGenerations bounds concurrent generations per process when
// Options leaves it zero.
const DefaultMaxGenerations = 64

// generationError turns the generate package's errors into responses: a
// rejected brief is 422 with the scanner's reasons.
func generationError(err error) error {
	var rej *generate.RejectedError
	if errors.As(err, &rej) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "injection_detected",
			Message: "the brief reads like an attempt to instruct the model and was rejected",
			Details: gin.H{"reasons": rej.Reasons, "score": rej.Score}}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", kontext.ErrTimeout, err)
	}
	return err
}

// acquire takes one of the process's generation slots, waiting at most a
// second; a full house answers 503 with Retry-After.
func (s *Server) acquire(c *gin.Context) bool {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case s.generations <- struct{}{}:
		return true
	case <-c.Request.Context().Done():
		return false
	case <-t.C:
		c.Header("Retry-After", "1")
		writeError(c, &Error{Status: http.StatusServiceUnavailable, Code: "busy",
			Message: fmt.Sprintf("%d generations are running on this server; retry shortly", cap(s.generations))})
		return false
	}
}

// generate answers POST /v1/generate: JSON, or with Accept:
// text/event-stream server-sent events retrieval, delta, citations,
// decision, done (or error).
func (s *Server) generate(c *gin.Context) {
	var req generate.Request
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := checkAudience("audience", req.Audience); err != nil {
		writeError(c, err)
		return
	}
	if !s.acquire(c) {
		return
	}
	defer func() { <-s.generations }()
	p := principalOf(c)
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		res, err := s.opts.Generator.Generate(c.Request.Context(), p, req, nil)
		if err != nil {
			writeError(c, generationError(err))
			return
		}
		c.JSON(http.StatusOK, res)
		return
	}
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	started := false
	send := func(name string, data any) {
		raw, err := json.Marshal(data)
		if err != nil {
			raw, _ = json.Marshal(err.Error())
		}
		if !started {
			w.WriteHeader(http.StatusOK)
			started = true
		}
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, raw)
		w.Flush()
	}
	_, err := s.opts.Generator.Generate(c.Request.Context(), p, req, func(e generate.Event) { send(e.Name, e.Data) })
	if err == nil {
		return
	}
	if !started {
		// Nothing streamed yet: an ordinary error response.
		h.Del("Content-Type")
		writeError(c, generationError(err))
		return
	}
	_, body := errorResponse(c, generationError(err))
	send("error", errorBody{Error: body})
}

func (s *Server) reviews(c *gin.Context) {
	limit, ok := queryInt(c, "limit", 100, 1, 500)
	if !ok {
		return
	}
	list, err := s.opts.Generator.Reviews(c.Request.Context(), principalOf(c), limit)
	if err != nil {
		writeError(c, err)
		return
	}
	if list == nil {
		list = []generate.Review{}
	}
	c.JSON(http.StatusOK, gin.H{"reviews": list})
}

func (s *Server) decideReview(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var body struct {
			Comment string `json:"comment"`
			// Revision is the revision decided on; an approval of an
			// edited draft must name it.
			Revision *int `json:"revision"`
		}
		if c.Request.ContentLength != 0 {
			if err := decodeJSON(c, &body); err != nil {
				writeError(c, err)
				return
			}
		}
		id := c.Param("id")
		if !uuidLike(id) {
			writeError(c, fmt.Errorf("review %q: %w", id, kontext.ErrNotFound))
			return
		}
		rv, err := s.opts.Generator.Decide(c.Request.Context(), principalOf(c), id, approve, body.Comment, body.Revision)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, rv)
	}
}

// editDraft answers POST /v1/reviews/:id/edit: the editor's text becomes
// the draft's next revision, checked as the generated draft was.
func (s *Server) editDraft(c *gin.Context) {
	var e generate.Edit
	if err := decodeJSON(c, &e); err != nil {
		writeError(c, err)
		return
	}
	id := c.Param("id")
	if !uuidLike(id) {
		writeError(c, fmt.Errorf("generation %q: %w", id, kontext.ErrNotFound))
		return
	}
	rev, err := s.opts.Generator.Revise(c.Request.Context(), principalOf(c), id, e)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, rev)
}

// getGeneration answers GET /v1/generations/:id: the draft (the approved
// revision's text once approved) and every revision.
func (s *Server) getGeneration(c *gin.Context) {
	id := c.Param("id")
	if !uuidLike(id) {
		writeError(c, fmt.Errorf("generation %q: %w", id, kontext.ErrNotFound))
		return
	}
	d, err := s.opts.Generator.Get(c.Request.Context(), principalOf(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) usage(c *gin.Context) {
	now := time.Now().UTC()
	to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	var err error
	if v, ok := c.GetQuery("from"); ok {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			writeError(c, kontext.Invalidf("from", "%q is not a date (YYYY-MM-DD)", v))
			return
		}
	}
	if v, ok := c.GetQuery("to"); ok {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			writeError(c, kontext.Invalidf("to", "%q is not a date (YYYY-MM-DD)", v))
			return
		}
		to = to.AddDate(0, 0, 1) // inclusive
	}
	if to.Sub(from) > 366*24*time.Hour {
		writeError(c, kontext.Invalidf("from", "the range may span at most 366 days"))
		return
	}
	rows, err := s.opts.Generator.Usage(c.Request.Context(), principalOf(c), from, to)
	if err != nil {
		writeError(c, err)
		return
	}
	if rows == nil {
		rows = []generate.UsageRow{}
	}
	var total generate.UsageRow
	for _, r := range rows {
		total.Generations += r.Generations
		total.PromptTokens += r.PromptTokens
		total.CompletionTokens += r.CompletionTokens
		total.CostEUR += r.CostEUR
	}
	c.JSON(http.StatusOK, gin.H{"from": from.Format(time.DateOnly), "to": to.AddDate(0, 0, -1).Format(time.DateOnly),
		"days": rows, "total": gin.H{"generations": total.Generations, "prompt_tokens": total.PromptTokens,
			"completion_tokens": total.CompletionTokens, "cost_eur": total.CostEUR}})
}

// queryInt reads an optional integer query parameter within [lo, hi]; a
// present but malformed or out-of-range value is answered with 400 and ok
// false.
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, bool) {
	v, present := c.GetQuery(name)
	if !present {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		writeError(c, kontext.Invalidf(name, "%q is not a whole number from %d to %d", v, lo, hi))
		return 0, false
	}
	return n, true
}

// uuidLike reports whether s has the shape of a UUID, so that a malformed
// id is a 404 rather than a database error.
func uuidLike(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

// MaxAudienceValue bounds the value of one audience attribute, in bytes;
// the generate pipeline holds every caller (CLI, batches) to it too.
const MaxAudienceValue = generate.MaxAudienceValue

// checkAudience refuses an attribute whose value passes MaxAudienceValue,
// naming it. The number of attributes is bounded by generate.MaxAudience.
func checkAudience(field string, a generate.Audience) error {
	for name, attr := range a {
		if len(attr.Value) > MaxAudienceValue {
			return kontext.Invalidf(field+"."+name, "value of %d bytes is longer than %d", len(attr.Value), MaxAudienceValue)
		}
	}
	return nil
}
