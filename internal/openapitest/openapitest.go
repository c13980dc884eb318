// Package openapitest checks HTTP exchanges with the running API against
// its OpenAPI document: the route list both ways, and request and response
// bodies against the document's schemas (libopenapi-validator, which
// implements OpenAPI 3.1 and JSON Schema 2020-12). Tests import it; the
// binary does not.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Checker validates exchanges against one document.
type Checker struct {
	v      validator.Validator
	model  *v3.Document
	raw    map[string]any
	schema schema_validation.SchemaValidator
}

// New parses the document (JSON or YAML), builds its model and checks it
// against the OpenAPI 3.1 schema; any error fails t.
func New(t testing.TB, spec []byte) *Checker {
	t.Helper()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("openapi: parse: %v", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("openapi: build model: %v", err)
	}
	// JSON Lines bodies are documented as strings (one JSON value per
	// line); CheckLines validates their lines.
	lines := content.DecoderFunc(func(in *content.DecodeInput) (any, error) {
		b, err := io.ReadAll(in.Body)
		return string(b), err
	})
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions(),
		config.WithBodyDecoder("application/x-ndjson", lines), config.WithBodyDecoder("application/jsonl", lines))
	if len(errs) > 0 {
		t.Fatalf("openapi: validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi: document: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s (line %d)", se.Reason, se.KeywordLocation, se.Line)
			}
		}
		t.FailNow()
	}
	c := &Checker{v: v, model: &model.Model, schema: schema_validation.NewSchemaValidator(config.WithFormatAssertions())}
	var raw map[string]any
	if err := json.Unmarshal(spec, &raw); err == nil {
		c.raw = raw
	}
	return c
}

// Operation is one method on one path of the document.
type Operation struct {
	Method string
	// Path in the document's syntax: /v1/documents/{id}.
	Path string
	// Role is the operation's x-kontext-role; empty when it has none.
	Role string
	// Public is true when the operation declares security: [].
	Public bool
	// Responses are the documented status codes.
	Responses []string
}

// Operations lists every operation of the document, sorted.
func (c *Checker) Operations() []Operation {
	var out []Operation
	for path, item := range c.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			o := Operation{Method: strings.ToUpper(method), Path: path}
			if ext, ok := op.Extensions.Get("x-kontext-role"); ok {
				o.Role = ext.Value
			}
			o.Public = op.Security != nil && len(op.Security) == 0
			if op.Responses != nil {
				for code := range op.Responses.Codes.KeysFromOldest() {
					o.Responses = append(o.Responses, code)
				}
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// PathOf turns a Gin route pattern into the document's syntax.
func PathOf(ginPath string) string {
	return ginParam.ReplaceAllString(ginPath, "{$1}")
}

// Check validates one exchange: the request (parameters and body) and the
// response (status, headers, body). The bodies are passed separately
// because the originals have been read.
func (c *Checker) Check(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) {
	t.Helper()
	if err := c.Exchange(req, reqBody, status, header, respBody); err != nil {
		t.Error(err)
	}
}

// Exchange is Check returning the problems as an error.
func (c *Checker) Exchange(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	r.ContentLength = int64(len(reqBody))
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(respBody)),
		Request: r, ContentLength: int64(len(respBody))}
	var problems []string
	if ok, errs := c.v.ValidateHttpResponse(r, resp); !ok {
		problems = append(problems, describe("response", errs)...)
	}
	if status < 400 || status == http.StatusNotFound {
		// Requests the server refused are often refused because they do
		// not match the document; only accepted ones must match it.
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		if ok, errs := c.v.ValidateHttpRequest(r); !ok && status < 400 {
			problems = append(problems, describe("request", errs)...)
		}
	}
	if len(problems) > 0 {
		body := respBody
		if len(body) > 600 {
			body = append(body[:600:600], "…"...)
		}
		return fmt.Errorf("%s %s → %d does not match the OpenAPI document:\n  %s\n  response: %s",
			req.Method, req.URL.RequestURI(), status, strings.Join(problems, "\n  "), body)
	}
	return nil
}

// CheckRecorder validates an exchange recorded with httptest.
func (c *Checker) CheckRecorder(t testing.TB, req *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	c.Check(t, req, reqBody, rec.Code, rec.Header(), rec.Body.Bytes())
}

// CheckLines validates each line of a JSON Lines body against the named
// component schema.
func (c *Checker) CheckLines(t testing.TB, schemaName string, body []byte) int {
	t.Helper()
	proxy, ok := c.model.Components.Schemas.Get(schemaName)
	if !ok {
		t.Fatalf("openapi: no schema %s", schemaName)
	}
	schema := proxy.Schema()
	n := 0
	for line := range bytes.Lines(body) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n++
		if ok, errs := c.schema.ValidateSchemaBytesWithVersion(schema, line, 3.1); !ok {
			t.Errorf("line %d does not match %s:\n  %s\n  %s", n, schemaName, strings.Join(describe("line", errs), "\n  "), line)
		}
	}
	return n
}

// CheckValue validates a JSON value against the named component schema.
func (c *Checker) CheckValue(t testing.TB, schemaName string, value []byte) {
	t.Helper()
	proxy, ok := c.model.Components.Schemas.Get(schemaName)
	if !ok {
		t.Fatalf("openapi: no schema %s", schemaName)
	}
	if ok, errs := c.schema.ValidateSchemaBytesWithVersion(proxy.Schema(), value, 3.1); !ok {
		t.Errorf("value does not match %s:\n  %s\n  %s", schemaName, strings.Join(describe("value", errs), "\n  "), value)
	}
}

func describe(what string, errs []*liberrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		msg := what + ": " + e.Message + ": " + e.Reason
		for _, se := range e.SchemaValidationErrors {
			msg += fmt.Sprintf("\n    %s: %s", se.FieldPath, se.Reason)
		}
		out = append(out, msg)
	}
	return out
}
