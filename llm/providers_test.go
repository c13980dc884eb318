package llm_test

import (
	"errors"
	"strings"
	"testing"

	"kontext"
	"kontext/llm"
)

func TestParseProviders(t *testing.T) {
	t.Setenv("TEST_LLM_KEY", "sk-test")
	good := `providers:
  - name: eu-public
    type: openai
    base_url: http://127.0.0.1:9/v1
    api_key_env: TEST_LLM_KEY
    model: m
    region: eu-de
    max_classification: internal
    timeout: 30s
    price_eur_per_mtok: {prompt: 1.5, completion: 6}
  - name: offline
    type: offline
    region: local
    max_classification: confidential
`
	ps, err := llm.ParseProviders([]byte(good), nil, llm.Offline{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "eu-public" || ps[0].MaxClassification != kontext.Internal || !ps[1].Offline {
		t.Fatalf("ParseProviders = %+v", ps)
	}
	if got := ps[0].Price.Cost(llm.Usage{PromptTokens: 1_000_000, CompletionTokens: 500_000}); got != 4.5 {
		t.Errorf("Cost = %v; want 4.5", got)
	}
	bad := []struct{ name, file, want string }{
		{"empty", "providers: []", "no providers"},
		{"unknown field", "providers:\n  - name: a\n    typo: 1", "typo"},
		{"duplicate", "providers:\n  - {name: a, type: offline, region: x, max_classification: public}\n  - {name: a, type: offline, region: x, max_classification: public}", "twice"},
		{"bad type", "providers:\n  - {name: a, type: magic, region: x, max_classification: public}", "not openai or offline"},
		{"bad classification", "providers:\n  - {name: a, type: offline, region: x, max_classification: secret}", "max_classification"},
		{"no region", "providers:\n  - {name: a, type: offline, max_classification: public}", "region"},
		{"bad url", "providers:\n  - {name: a, type: openai, base_url: 'ftp://x', model: m, region: x, max_classification: public}", "http(s)"},
		{"missing key", "providers:\n  - {name: a, type: openai, base_url: 'http://x/v1', model: m, api_key_env: NOPE_UNSET_KEY, region: x, max_classification: public}", "NOPE_UNSET_KEY"},
		{"negative price", "providers:\n  - {name: a, type: offline, region: x, max_classification: public, price_eur_per_mtok: {prompt: -1}}", "negative"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := llm.ParseProviders([]byte(tc.file), nil, llm.Offline{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseProviders(%s) = %v; want an error mentioning %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestRoute(t *testing.T) {
	public := &llm.Provider{Name: "us-cloud", MaxClassification: kontext.Public}
	internal := &llm.Provider{Name: "eu-cloud", MaxClassification: kontext.Internal}
	private := &llm.Provider{Name: "on-prem", MaxClassification: kontext.Confidential}
	all := []*llm.Provider{public, internal, private}
	tests := []struct {
		name      string
		providers []*llm.Provider
		highest   kontext.Classification
		requested string
		want      *llm.Provider
		err       error
	}{
		{"public goes to the first", all, kontext.Public, "", public, nil},
		{"internal skips the public provider", all, kontext.Internal, "", internal, nil},
		{"confidential goes on premises", all, kontext.Confidential, "", private, nil},
		{"requested and eligible", all, kontext.Public, "on-prem", private, nil},
		{"requested but not eligible", all, kontext.Confidential, "eu-cloud", nil, kontext.ErrConflict},
		{"unknown name", all, kontext.Public, "nope", nil, kontext.ErrInvalid},
		{"none eligible", []*llm.Provider{public, internal}, kontext.Confidential, "", nil, kontext.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := llm.Route(tc.providers, tc.highest, tc.requested)
			if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("Route(%s, %q) = %v, %v; want %v, %v", tc.highest, tc.requested, got, err, tc.want, tc.err)
			}
		})
	}
}
