package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"kontext/generate"
)

// ParseRequests reads a batch file: JSON Lines, one generate request per
// line (blank lines and lines starting with # are skipped), or one JSON
// array of requests. Errors name the line.
// ParseRequests reads a batch file (see parseRequests). An empty
// document_ids list is no list: it reads as omitted, as it is written.
func ParseRequests(data []byte) ([]generate.Request, error) {
	reqs, err := parseRequests(data)
	for i := range reqs {
		if len(reqs[i].Options.DocumentIDs) == 0 {
			reqs[i].Options.DocumentIDs = nil
		}
	}
	return reqs, err
}

func parseRequests(data []byte) ([]generate.Request, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("no requests: the file is empty")
	}
	if trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		var reqs []generate.Request
		if err := dec.Decode(&reqs); err != nil {
			return nil, fmt.Errorf("JSON array: %w", err)
		}
		if !atEnd(dec) {
			return nil, errors.New("JSON array: data after the array")
		}
		if len(reqs) == 0 {
			return nil, errors.New("no requests: the array is empty")
		}
		return reqs, nil
	}
	var reqs []generate.Request
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		var r generate.Request
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !atEnd(dec) {
			return nil, fmt.Errorf("line %d: more than one JSON value", line)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, errors.New("no requests: every line is blank or a comment")
	}
	return reqs, nil
}

// atEnd reports whether nothing but white space follows the decoded value.
// Decoder.More is not enough: it reports false before a stray ']' or '}'.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}
