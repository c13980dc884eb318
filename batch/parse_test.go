package batch_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"kontext/batch"
)

func TestParseRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{"lines with comments and blanks", "# x\n\n{\"brief\":\"a\",\"channel\":\"social_post\"}\n{\"brief\":\"b\",\"channel\":\"newsletter\"}\n", 2, ""},
		{"array", `[{"brief":"a","channel":"social_post"},{"brief":"b","channel":"newsletter"}]`, 2, ""},
		{"empty", "  \n", 0, "empty"},
		{"only comments", "# a\n# b\n", 0, "blank or a comment"},
		{"unknown field", `{"brief":"a","tenant":"other"}`, 0, "line 1"},
		{"two values on a line", `{"brief":"a"} {"brief":"b"}`, 0, "line 1"},
		{"stray bracket after a line", `{"brief":"a"}]`, 0, "line 1"},
		{"stray brace after a line", "{\"brief\":\"a\"}\n{\"brief\":\"b\"}}", 0, "line 2"},
		{"data after the array", `[{"brief":"a"}]{}`, 0, "after the array"},
		{"truncated array", `[{"brief":"a"}`, 0, "JSON array"},
		{"truncated line", "{\"brief\":\"a\"}\n{\"brief\":", 0, "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reqs, err := batch.ParseRequests([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseRequests(%q) = %d requests, %v; want an error with %q", tc.in, len(reqs), err, tc.wantErr)
				}
				return
			}
			if err != nil || len(reqs) != tc.want {
				t.Fatalf("ParseRequests(%q) = %d requests, %v; want %d", tc.in, len(reqs), err, tc.want)
			}
		})
	}
}

// FuzzParseRequests: the parser never panics, an accepted file holds at
// least one request, and the requests survive being written as JSON Lines
// and parsed again unchanged.
func FuzzParseRequests(f *testing.F) {
	if b, err := os.ReadFile("../examples/campaign.jsonl"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		`[{"brief":"a","channel":"social_post","audience":{"s":{"value":["x","y"],"consent":true}},"options":{"temperature":0.5}}]`,
		"# c\n{\"brief\":\"a\",\"k\":3}\n\n{\"brief\":\"b\",\"options\":{\"document_ids\":[\"x\"]}}\n",
		`{"brief":"a"}]`, `[{"brief":"a"}]]`, "{\"brief\":\"\\u0000\"}", "\xef\xbb\xbf{\"brief\":\"a\"}", `{"brief":"a","audience":{"s":{"value":null}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := batch.ParseRequests(data)
		if err != nil {
			return
		}
		if len(reqs) == 0 {
			t.Fatalf("ParseRequests(%q) accepted no requests", data)
		}
		var lines []byte
		for _, r := range reqs {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("marshal %+v: %v", r, err)
			}
			lines = append(append(lines, b...), '\n')
		}
		again, err := batch.ParseRequests(lines)
		if err != nil {
			t.Fatalf("the parsed requests, written as JSON Lines, do not parse: %v\n%s", err, lines)
		}
		if !reflect.DeepEqual(normal(reqs), normal(again)) {
			t.Fatalf("round trip changed the requests:\n%+v\n%+v", reqs, again)
		}
	})
}

// normal marshals requests, so that nil and empty collections compare equal.
func normal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
