package llm

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"kontext"
)

// Price is what a model costs, in EUR per million tokens.
type Price struct {
	PromptPerMTok     float64 `yaml:"prompt" json:"prompt"`
	CompletionPerMTok float64 `yaml:"completion" json:"completion"`
}

// Cost returns the price of u in EUR.
func (p Price) Cost(u Usage) float64 {
	return (float64(u.PromptTokens)*p.PromptPerMTok + float64(u.CompletionTokens)*p.CompletionPerMTok) / 1e6
}

// Provider is one named, configured chat provider.
type Provider struct {
	// Name identifies the provider in requests and provenance.
	Name string
	// Type is "openai" (any OpenAI-compatible endpoint) or "offline".
	Type string
	// Region says where the provider processes data ("eu-de", "local").
	Region string
	// MaxClassification is the highest classification of sources the
	// provider may receive.
	MaxClassification kontext.Classification
	// Chat answers.
	Chat Chat
	// Price is the model's price.
	Price Price
	// Offline reports a provider that runs in the process.
	Offline bool
}

// providerFile is the schema of a providers file:
//
//	providers:
//	  - name: eu-private
//	    type: openai
//	    base_url: https://llm.internal.example/v1
//	    api_key_env: EU_LLM_KEY        # read from the environment, never from the file
//	    model: mistral-large-latest
//	    region: eu-de
//	    max_classification: confidential
//	    timeout: 60s
//	    max_retries: 4
//	    price_eur_per_mtok: {prompt: 1.8, completion: 5.4}
//	  - name: offline
//	    type: offline
//	    region: local
//	    max_classification: confidential
//
// Providers are tried in file order: the first one allowed to receive the
// request's sources answers, unless the request names one.
type providerFile struct {
	Providers []struct {
		Name              string `yaml:"name"`
		Type              string `yaml:"type"`
		BaseURL           string `yaml:"base_url"`
		APIKeyEnv         string `yaml:"api_key_env"`
		Model             string `yaml:"model"`
		Region            string `yaml:"region"`
		MaxClassification string `yaml:"max_classification"`
		Timeout           string `yaml:"timeout"`
		MaxRetries        *int   `yaml:"max_retries"`
		Price             Price  `yaml:"price_eur_per_mtok"`
	} `yaml:"providers"`
}

// LoadProviders reads a providers file (see ParseProviders).
func LoadProviders(path string, client *http.Client, offline Chat) ([]*Provider, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llm: providers: %w", err)
	}
	ps, err := ParseProviders(data, client, offline)
	if err != nil {
		return nil, fmt.Errorf("llm: providers %s: %w", path, err)
	}
	return ps, nil
}

// ParseProviders builds the providers a file describes, reporting every
// problem at once. Network providers send through client (whose transport
// is the egress check); offline providers answer with offline.
func ParseProviders(data []byte, client *http.Client, offline Chat) ([]*Provider, error) {
	var f providerFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a providers file: %w", err)
	}
	if len(f.Providers) == 0 {
		return nil, errors.New("no providers listed")
	}
	var errs []error
	var out []*Provider
	seen := map[string]bool{}
	for i, pc := range f.Providers {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("provider %d (%s): %s", i+1, pc.Name, fmt.Sprintf(format, args...)))
		}
		if err := kontext.ValidateName("name", pc.Name); err != nil {
			bad("%v", err)
		}
		if seen[pc.Name] {
			bad("name listed twice")
		}
		seen[pc.Name] = true
		cls, err := kontext.ParseClassification(pc.MaxClassification)
		if err != nil {
			bad("max_classification: %v", err)
		}
		if pc.Price.PromptPerMTok < 0 || pc.Price.CompletionPerMTok < 0 {
			bad("prices must not be negative")
		}
		if pc.Region == "" {
			bad("region is required")
		}
		p := &Provider{Name: pc.Name, Type: pc.Type, Region: pc.Region, MaxClassification: cls, Price: pc.Price}
		switch pc.Type {
		case "offline":
			if offline == nil {
				bad("no offline provider available")
			}
			p.Chat, p.Offline = offline, true
		case "openai":
			var timeout time.Duration
			if pc.Timeout != "" {
				if timeout, err = time.ParseDuration(pc.Timeout); err != nil || timeout <= 0 {
					bad("timeout %q is not a positive duration", pc.Timeout)
				}
			}
			retries := 0
			if pc.MaxRetries != nil {
				if retries = *pc.MaxRetries; retries == 0 {
					retries = -1 // 0 in the file means none
				}
			}
			key := ""
			if pc.APIKeyEnv != "" {
				key = os.Getenv(pc.APIKeyEnv)
				if key == "" {
					bad("environment variable %s is empty", pc.APIKeyEnv)
				}
			}
			chat, err := NewOpenAIChat(OpenAIChatConfig{BaseURL: pc.BaseURL, APIKey: key, Model: pc.Model,
				Timeout: timeout, MaxRetries: retries, HTTPClient: client})
			if err != nil {
				bad("%v", err)
			}
			p.Chat = chat
		default:
			bad("type %q is not openai or offline", pc.Type)
		}
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Route picks the provider for a request whose most sensitive source is
// highest: the requested one if it may receive such sources, else the first
// in order that may. It never falls back silently: an ineligible or
// unavailable choice is an error matching kontext.ErrConflict, an unknown
// name one matching kontext.ErrInvalid.
func Route(providers []*Provider, highest kontext.Classification, requested string) (*Provider, error) {
	if highest == "" {
		highest = kontext.Public
	}
	if requested != "" {
		for _, p := range providers {
			if p.Name != requested {
				continue
			}
			if p.MaxClassification.Rank() < highest.Rank() {
				return nil, fmt.Errorf("provider %s may receive %s sources at most, and this request's sources are %s: %w",
					p.Name, p.MaxClassification, highest, kontext.ErrConflict)
			}
			return p, nil
		}
		names := make([]string, len(providers))
		for i, p := range providers {
			names[i] = p.Name
		}
		return nil, kontext.Invalidf("options.provider", "%q is not a configured provider (%s)", requested, strings.Join(names, ", "))
	}
	var considered []string
	for _, p := range providers {
		if p.MaxClassification.Rank() >= highest.Rank() {
			return p, nil
		}
		considered = append(considered, fmt.Sprintf("%s (max %s)", p.Name, p.MaxClassification))
	}
	return nil, fmt.Errorf("no configured provider may receive %s sources: %s: %w", highest, strings.Join(considered, ", "), kontext.ErrConflict)
}
