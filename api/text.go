package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf16"
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

// badJSONText returns the offset of the first character of a raw JSON body
// that cannot be stored as text, with what is wrong with it, or -1. It
// looks at the bytes as they arrived, because encoding/json replaces
// invalid UTF-8 by U+FFFD while decoding, where checkText no longer sees
// it. A \u escape of a lone UTF-16 surrogate ("\ud800") is refused the same
// way: it names no character, and the decoder would store U+FFFD in its
// place. A surrogate pair ("\ud83d\ude00") is one character and is fine.
func badJSONText(raw []byte) (int, string) {
	for i := 0; i < len(raw); {
		b := raw[i]
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return i, "is not valid UTF-8"
			}
			i += size
			continue
		}
		if b != '\\' {
			i++
			continue
		}
		// A backslash starts an escape inside a string; outside one the
		// body is not JSON and the decoder refuses it.
		if r, ok := hex4(raw, i+2); ok && i+1 < len(raw) && raw[i+1] == 'u' && utf16.IsSurrogate(r) {
			if lo, ok := hex4(raw, i+8); r < 0xdc00 && ok && raw[i+6] == '\\' && raw[i+7] == 'u' && lo >= 0xdc00 && lo <= 0xdfff {
				i += 12
				continue
			}
			return i, "holds a \\u escape of a lone UTF-16 surrogate, which is no character"
		}
		i += 2
	}
	return -1, ""
}

// hex4 reads the four hex digits at raw[i:].
func hex4(raw []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// fieldAt names the top-level field of a JSON object whose name or value
// holds the byte at offset off, or returns "body" when raw is no object or
// off lies outside every field's value.
func fieldAt(raw []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "body"
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "body"
		}
		keyEnd := dec.InputOffset()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "body"
		}
		if int64(off) < keyEnd {
			return "body" // a field's name
		}
		if int64(off) < dec.InputOffset() {
			key, _ := t.(string)
			return key
		}
	}
	return "body"
}

// checkJSONText refuses a raw JSON body holding invalid UTF-8 or a lone
// surrogate escape, naming the top-level field, with 400.
func checkJSONText(raw []byte) error {
	off, problem := badJSONText(raw)
	if off < 0 {
		return nil
	}
	return kontext.Invalidf(fieldAt(raw, off), "%s (at byte %d of the body)", problem, off)
}
