package api

import (
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"kontext"
)

// badText says what makes s unstorable: PostgreSQL's text holds neither
// NUL characters nor invalid UTF-8. Such input is the caller's mistake and
// is refused with 400 before it reaches a query, where it would fail as a
// server error.
func badText(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}

// checkText walks a decoded request body (structs by their JSON names,
// maps by key, slices, pointers) and returns an invalid-request error for
// the first string that badText refuses.
func checkText(v any) error {
	field, problem := walkText(reflect.ValueOf(v), "")
	if problem == "" {
		return nil
	}
	if field == "" {
		field = "body"
	}
	return kontext.Invalidf(field, "%s", problem)
}

func walkText(v reflect.Value, name string) (string, string) {
	switch v.Kind() {
	case reflect.String:
		return name, badText(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return walkText(v.Elem(), name)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "-" {
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			if n, p := walkText(v.Field(i), join(name, tag)); p != "" {
				return n, p
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				if p := badText(iter.Key().String()); p != "" {
					return join(name, "key"), p
				}
			}
			if n, p := walkText(iter.Value(), join(name, iter.Key().String())); p != "" {
				return n, p
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", ""
		}
		for i := range v.Len() {
			if n, p := walkText(v.Index(i), name); p != "" {
				return n, p
			}
		}
	}
	return "", ""
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// checkURL refuses a path or query that holds a NUL character or invalid
// UTF-8 (percent-encoded), whatever the route.
func (s *Server) checkURL(c *gin.Context) {
	if p := badText(c.Request.URL.Path); p != "" {
		writeError(c, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "path: " + p})
		return
	}
	if c.Request.URL.RawQuery != "" {
		for k, vs := range c.Request.URL.Query() {
			if p := badText(k); p != "" {
				writeError(c, kontext.Invalidf("query", "a parameter name %s", p))
				return
			}
			for _, v := range vs {
				if p := badText(v); p != "" {
					writeError(c, kontext.Invalidf(k, "%s", p))
					return
				}
			}
		}
	}
	c.Next()
}
