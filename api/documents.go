package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"kontext"
	"kontext/ingest"
)

// Ingester stores documents.
type Ingester interface {
	Ingest(ctx context.Context, req ingest.Request) (ingest.Result, error)
}

// Documents reads and deletes stored documents as a principal.
type Documents interface {
	Get(ctx context.Context, p kontext.Principal, id string) (ingest.Document, error)
	List(ctx context.Context, p kontext.Principal, f ingest.ListFilter) (ingest.Page, error)
	Delete(ctx context.Context, p kontext.Principal, id string) error
	Release(ctx context.Context, p kontext.Principal, id, comment string) (ingest.Document, error)
}

// Eraser removes a data subject's personal data.
type Eraser interface {
	Erase(ctx context.Context, p kontext.Principal, subject string) (ingest.ErasureReceipt, error)
}

var (
	_ Ingester  = (*ingest.Ingester)(nil)
	_ Documents = (*ingest.Store)(nil)
	_ Eraser    = (*ingest.Ingester)(nil)
)

// documentJSON is the JSON form of POST /v1/documents.
type documentJSON struct {
	Name              string         `json:"name"`
	ContentType       string         `json:"content_type"`
	Content           *string        `json:"content"`
	ExternalID        string         `json:"external_id"`
	Title             string         `json:"title"`
	SourceURI         string         `json:"source_uri"`
	Language          string         `json:"language"`
	Classification    string         `json:"classification"`
	AllowedGroups     []string       `json:"allowed_groups"`
	AllowedUsers      []string       `json:"allowed_users"`
	TenantWide        bool           `json:"tenant_wide"`
	ValidFrom         *time.Time     `json:"valid_from"`
	ValidUntil        *time.Time     `json:"valid_until"`
	RetainUntil       *time.Time     `json:"retain_until"`
	Metadata          map[string]any `json:"metadata"`
	AllowInstructions bool           `json:"allow_instructions"`
	Purpose           string         `json:"purpose"`
}

func (d documentJSON) request(p kontext.Principal) ingest.Request {
	req := ingest.Request{
		Principal: p, Name: d.Name, ContentType: d.ContentType, ExternalID: d.ExternalID, Title: d.Title,
		SourceURI: d.SourceURI, Language: d.Language, Classification: kontext.Classification(d.Classification),
		AllowedGroups: d.AllowedGroups, AllowedUsers: d.AllowedUsers, TenantWide: d.TenantWide,
		ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil, RetainUntil: d.RetainUntil, Metadata: d.Metadata,
		AllowInstructions: d.AllowInstructions, Purpose: kontext.Purpose(d.Purpose),
	}
	if d.Content != nil {
		req.Data = []byte(*d.Content)
	}
	if req.Name == "" {
		req.Name = d.ExternalID
	}
	return req
}

// createDocument ingests one document from a multipart upload (field
// "file" plus form fields) or a JSON body with the text in "content".
func (s *Server) createDocument(c *gin.Context) {
	p := principalOf(c)
	var req ingest.Request
	mediaType, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		var err error
		if req, err = multipartDocument(c, p); err != nil {
			writeError(c, err)
			return
		}
	case "application/json":
		var body documentJSON
		if err := decodeJSONText(c, &body); err != nil {
			var inv *kontext.InvalidError
			if errors.As(err, &inv) && inv.Field == "content" {
				// As the parser answers content that is not UTF-8 text.
				err = &Error{Status: http.StatusUnprocessableEntity, Code: "rejected", Message: "content " + inv.Message}
			}
			writeError(c, err)
			return
		}
		if body.Content == nil {
			writeError(c, kontext.Invalidf("content", "is required (or upload the file as multipart/form-data)"))
			return
		}
		// The content is the parser's to judge (binary content is
		// rejected with its reason); every other field must be storable.
		fields := body
		fields.Content = nil
		if err := checkText(fields); err != nil {
			writeError(c, err)
			return
		}
		req = body.request(p)
	default:
		writeError(c, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send multipart/form-data with a file field, or application/json"})
		return
	}
	res, err := s.opts.Ingester.Ingest(c.Request.Context(), req)
	if err != nil {
		var rej *ingest.RejectedError
		if errors.As(err, &rej) && !errors.Is(err, kontext.ErrTooLarge) {
			writeError(c, &Error{Status: http.StatusUnprocessableEntity, Code: "rejected", Message: rej.Reason})
			return
		}
		writeError(c, err)
		return
	}
	status := http.StatusCreated
	if res.Outcome == ingest.OutcomeUnchanged {
		status = http.StatusOK
	}
	c.Header("Location", "/v1/documents/"+res.DocumentID)
	c.JSON(status, res)
}

func multipartDocument(c *gin.Context, p kontext.Principal) (ingest.Request, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		if IsTooLarge(err) {
			return ingest.Request{}, err
		}
		return ingest.Request{}, kontext.Invalidf("file", "a multipart field named file is required")
	}
	f, err := fh.Open()
	if err != nil {
		return ingest.Request{}, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return ingest.Request{}, fmt.Errorf("read upload: %w", err)
	}
	d := documentJSON{
		Name:           path.Base(fh.Filename),
		ContentType:    fh.Header.Get("Content-Type"),
		ExternalID:     c.PostForm("external_id"),
		Title:          c.PostForm("title"),
		SourceURI:      c.PostForm("source_uri"),
		Language:       c.PostForm("language"),
		Classification: c.PostForm("classification"),
		Purpose:        c.PostForm("purpose"),
		AllowedGroups:  splitForm(c.PostFormArray("allowed_groups")),
		AllowedUsers:   splitForm(c.PostFormArray("allowed_users")),
	}
	if d.ContentType == "application/octet-stream" {
		d.ContentType = ""
	}
	if d.ExternalID == "" {
		d.ExternalID = d.Name
	}
	for _, b := range []struct {
		field string
		dst   *bool
	}{{"tenant_wide", &d.TenantWide}, {"allow_instructions", &d.AllowInstructions}} {
		if v := c.PostForm(b.field); v != "" {
			if *b.dst, err = strconv.ParseBool(v); err != nil {
				return ingest.Request{}, kontext.Invalidf(b.field, "%q is not true or false", v)
			}
		}
	}
	for _, t := range []struct {
		field string
		dst   **time.Time
	}{{"valid_from", &d.ValidFrom}, {"valid_until", &d.ValidUntil}, {"retain_until", &d.RetainUntil}} {
		if v := c.PostForm(t.field); v != "" {
			ts, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return ingest.Request{}, kontext.Invalidf(t.field, "%q is not an RFC 3339 time", v)
			}
			*t.dst = &ts
		}
	}
	if v := c.PostForm("metadata"); v != "" {
		if off, problem := badJSONText([]byte(v)); off >= 0 {
			return ingest.Request{}, kontext.Invalidf("metadata", "%s", problem)
		}
		if err := json.Unmarshal([]byte(v), &d.Metadata); err != nil {
			return ingest.Request{}, kontext.Invalidf("metadata", "not a JSON object")
		}
	}
	if err := checkText(d); err != nil {
		return ingest.Request{}, err
	}
	req := d.request(p)
	req.Data = data
	return req, nil
}

// splitForm accepts repeated fields and comma-separated values alike.
func splitForm(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func (s *Server) getDocument(c *gin.Context) {
	d, err := s.opts.Documents.Get(c.Request.Context(), principalOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) listDocuments(c *gin.Context) {
	for k := range c.Request.URL.Query() {
		switch k {
		case "classification", "language", "status", "external_id", "limit", "after":
		default:
			writeError(c, kontext.Invalidf(k, "unknown filter; use classification, language, status, external_id, limit, after"))
			return
		}
	}
	f := ingest.ListFilter{
		Classification: kontext.Classification(c.Query("classification")),
		Language:       c.Query("language"),
		Status:         c.Query("status"),
		ExternalID:     c.Query("external_id"),
		After:          c.Query("after"),
	}
	var ok bool
	if f.Limit, ok = queryInt(c, "limit", 50, 1, 500); !ok {
		return
	}
	page, err := s.opts.Documents.List(c.Request.Context(), principalOf(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) deleteDocument(c *gin.Context) {
	if err := s.opts.Documents.Delete(c.Request.Context(), principalOf(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// optionalComment reads the optional body {"comment": "..."} of a
// decision (review, release); on a bad body it answers and reports false.
func optionalComment(c *gin.Context) (string, bool) {
	var body struct {
		Comment string `json:"comment"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			writeError(c, err)
			return "", false
		}
	}
	return body.Comment, true
}

// releaseDocument lets a quarantined document into search; the optional
// comment (why the reviewer judged it harmless) goes to the audit log.
func (s *Server) releaseDocument(c *gin.Context) {
	comment, ok := optionalComment(c)
	if !ok {
		return
	}
	d, err := s.opts.Documents.Release(c.Request.Context(), principalOf(c), c.Param("id"), comment)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) erase(c *gin.Context) {
	var body struct {
		Subject string `json:"subject"`
	}
	if err := decodeJSON(c, &body); err != nil {
		writeError(c, err)
		return
	}
	receipt, err := s.opts.Eraser.Erase(c.Request.Context(), principalOf(c), body.Subject)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, receipt)
}

// decodeJSON reads a JSON body strictly: unknown fields and trailing data
// are errors, so that typos do not pass silently; a string that PostgreSQL
// cannot store (a NUL character) is an invalid request.
func decodeJSON(c *gin.Context, dst any) error {
	if err := decodeJSONText(c, dst); err != nil {
		return err
	}
	return checkText(dst)
}

// decodeJSONText is decodeJSON without the check of the decoded strings,
// for bodies whose text is judged by its own parser. The raw body is
// checked all the same: invalid UTF-8 or a lone surrogate escape anywhere
// is an *kontext.InvalidError naming the top-level field.
func decodeJSONText(c *gin.Context, dst any) error {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json"}
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if IsTooLarge(err) {
			return err
		}
		return fmt.Errorf("read body: %w", err)
	}
	// Before decoding, which would turn invalid UTF-8 into U+FFFD.
	if err := checkJSONText(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if IsTooLarge(err) {
			return err
		}
		return kontext.Invalidf("body", "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	// More would miss a stray ']' or '}'; only the end of the body will do.
	if _, err := dec.Token(); err != io.EOF {
		if IsTooLarge(err) {
			return err
		}
		return kontext.Invalidf("body", "invalid JSON: data after the object")
	}
	return nil
}
