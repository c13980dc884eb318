package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"kontext"
	"kontext/batch"
	"kontext/generate"
)

// Batches submits, reads and cancels batches.
type Batches interface {
	Submit(ctx context.Context, p kontext.Principal, sub batch.Submission) (batch.Summary, error)
	Status(ctx context.Context, p kontext.Principal, id string) (batch.Summary, error)
	List(ctx context.Context, p kontext.Principal, limit int) ([]batch.Summary, error)
	Results(ctx context.Context, p kontext.Principal, id string, fn func(batch.Item) error) error
	Cancel(ctx context.Context, p kontext.Principal, id string) (batch.Summary, error)
}

var _ Batches = (*batch.Service)(nil)

// batchBody is the JSON object form of a submission.
type batchBody struct {
	Items          []generate.Request `json:"items"`
	BudgetEUR      float64            `json:"budget_eur"`
	BudgetTokens   int64              `json:"budget_tokens"`
	IdempotencyKey string             `json:"idempotency_key"`
}

// submitBatch takes a JSON array of requests, a JSON object {items,
// budget_eur, budget_tokens, idempotency_key}, or JSON Lines
// (application/x-ndjson or application/jsonl). Budgets may also come as the
// query parameters budget_eur and budget_tokens, the key as the
// Idempotency-Key header. A new batch answers 202, a repeated submission
// 200 with the first batch.
func (s *Server) submitBatch(c *gin.Context) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mt {
	case "application/json", "application/x-ndjson", "application/jsonl", "application/json-seq":
	default:
		writeError(c, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send application/json (an array of requests or {\"items\": [...]}) or application/x-ndjson (one request per line)"})
		return
	}
	data, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, err)
		return
	}
	// Before decoding, which would turn invalid UTF-8 into U+FFFD.
	if err := checkJSONText(data); err != nil {
		writeError(c, err)
		return
	}
	var sub batch.Submission
	trimmed := strings.TrimSpace(string(data))
	if mt == "application/json" && strings.HasPrefix(trimmed, "{") {
		var body batchBody
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeError(c, kontext.Invalidf("body", "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: ")))
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			writeError(c, kontext.Invalidf("body", "invalid JSON: data after the object"))
			return
		}
		sub = batch.Submission{Items: body.Items, BudgetEUR: body.BudgetEUR, BudgetTokens: body.BudgetTokens, IdempotencyKey: body.IdempotencyKey}
	} else {
		if sub.Items, err = batch.ParseRequests(data); err != nil {
			writeError(c, kontext.Invalidf("body", "%v", err))
			return
		}
	}
	if v, ok := c.GetQuery("budget_eur"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			writeError(c, kontext.Invalidf("budget_eur", "want a non-negative number of EUR"))
			return
		}
		sub.BudgetEUR = f
	}
	if v, ok := c.GetQuery("budget_tokens"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(c, kontext.Invalidf("budget_tokens", "want a non-negative integer"))
			return
		}
		sub.BudgetTokens = n
	}
	if k := c.GetHeader("Idempotency-Key"); k != "" {
		sub.IdempotencyKey = k
	}
	if err := checkText(sub); err != nil {
		writeError(c, err)
		return
	}
	for i, it := range sub.Items {
		if err := checkAudience(fmt.Sprintf("items[%d].audience", i), it.Audience); err != nil {
			writeError(c, err)
			return
		}
	}
	sum, err := s.opts.Batches.Submit(c.Request.Context(), principalOf(c), sub)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/v1/batches/"+sum.ID)
	status := http.StatusAccepted
	if sum.Existing {
		status = http.StatusOK
	}
	c.JSON(status, sum)
}

func (s *Server) getBatch(c *gin.Context) {
	sum, err := s.opts.Batches.Status(c.Request.Context(), principalOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}

func (s *Server) listBatches(c *gin.Context) {
	limit, ok := queryInt(c, "limit", 50, 1, 200)
	if !ok {
		return
	}
	list, err := s.opts.Batches.List(c.Request.Context(), principalOf(c), limit)
	if err != nil {
		writeError(c, err)
		return
	}
	if list == nil {
		list = []batch.Summary{}
	}
	c.JSON(http.StatusOK, gin.H{"batches": list})
}

func (s *Server) cancelBatch(c *gin.Context) {
	sum, err := s.opts.Batches.Cancel(c.Request.Context(), principalOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}

// batchResults streams the items as JSON Lines in item order. Errors before
// the first item get the standard error body; later ones end the stream.
func (s *Server) batchResults(c *gin.Context) {
	p, id := principalOf(c), c.Param("id")
	if _, err := s.opts.Batches.Status(c.Request.Context(), p, id); err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Status(http.StatusOK)
	w := bufio.NewWriterSize(c.Writer, 64<<10)
	enc := json.NewEncoder(w)
	n := 0
	err := s.opts.Batches.Results(c.Request.Context(), p, id, func(it batch.Item) error {
		if err := enc.Encode(it); err != nil {
			return err
		}
		if n++; n%100 == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
			c.Writer.Flush()
		}
		return nil
	})
	if err != nil {
		s.log.Warn("batch results stream ended early", "batch", id, "items", n, "err", err)
	}
	_ = w.Flush()
}
