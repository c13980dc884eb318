package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// parseJSON reads records: for FormatJSON one object or an array of
// objects, for FormatJSONL one object per line. Each record becomes a
// section, headed by its title when it has one; its text is split into
// paragraphs at blank lines.
func parseJSON(b *builder, data []byte, format string, opts ParseOptions) error {
	var records []map[string]json.RawMessage
	var where []string // where each record is, for error messages
	if format == FormatJSONL {
		line := 0
		for raw := range bytes.Lines(data) {
			line++
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				continue
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil || m == nil {
				return rejectf("line %d is not a JSON object%s", line, jsonReason(err))
			}
			records = append(records, m)
			where = append(where, "line "+strconv.Itoa(line))
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return rejectf("invalid JSON%s", jsonReason(err))
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return rejectf("invalid JSON: more than one value (JSON Lines need the .jsonl extension or an application/jsonl content type)")
		}
		switch t := bytes.TrimSpace(v); {
		case len(t) > 0 && t[0] == '{':
			var m map[string]json.RawMessage
			if err := json.Unmarshal(t, &m); err != nil {
				return rejectf("invalid JSON%s", jsonReason(err))
			}
			records, where = append(records, m), append(where, "the object")
		case len(t) > 0 && t[0] == '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(t, &arr); err != nil {
				return rejectf("invalid JSON%s", jsonReason(err))
			}
			for i, el := range arr {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(el, &m); err != nil || m == nil {
					return rejectf("JSON array element %d is not an object", i)
				}
				records = append(records, m)
				where = append(where, "array element "+strconv.Itoa(i))
			}
		default:
			return rejectf("JSON document is neither an object nor an array of objects")
		}
	}
	if len(records) != 1 {
		// Records are not the document: the first one's title is not its title.
		b.fixed = true
	}
	for i, m := range records {
		raw, ok := m[opts.TextField]
		if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return rejectf("%s has no %q field", where[i], opts.TextField)
		}
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return rejectf("%s: field %q is not a string", where[i], opts.TextField)
		}
		var title string
		if rt, ok := m[opts.TitleField]; ok {
			_ = json.Unmarshal(rt, &title) // a title that is not a string is no title
		}
		if len(records) == 1 {
			b.setTitle(title)
		}
		b.record()
		b.heading(1, title)
		parseText(b, []byte(text))
	}
	return nil
}

func jsonReason(err error) string {
	if err == nil {
		return ""
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return ": " + strings.TrimPrefix(se.Error(), "json: ") + " at offset " + strconv.Itoa(int(se.Offset))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ": unexpected end of input"
	}
	return ": " + strings.TrimPrefix(err.Error(), "json: ")
}
