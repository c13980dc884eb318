package pii_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"kontext/guard/pii"
)

func chatPayload(t *testing.T, content string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"model":       "gpt-4o-mini",
		"temperature": 0.2,
		"max_tokens":  4711,
		"messages": []map[string]string{
			{"role": "system", "content": "Du schreibst Newsletter für Nordquell. Antworte in Sie-Form."},
			{"role": "user", "content": content},
		},
	})
	if err != nil {
		t.Fatalf("marshal payload: %v", err)
	}
	return b
}

func TestCheckEgress(t *testing.T) {
	t.Parallel()
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	tests := []struct {
		name    string
		payload []byte
		want    map[string]int // nil: no error
	}{
		{"placeholders only", chatPayload(t, "Antworte [PERSON_1] ([EMAIL_1], [PHONE_1]) zur Bestellung 1234567890."), nil},
		{"marketing brief", chatPayload(t, "Schreibe einen Newsletter zum Espresso EB-500 für 299,00 €, gültig bis 31.12.2025."), nil},
		{"raw email and phone", chatPayload(t, "Antworte jana.schneider@web.de, Tel. 0171 2345678."),
			map[string]int{pii.TypeEmail: 1, pii.TypePhone: 1}},
		{"raw name", chatPayload(t, "Schreibe an Kundin Jana Schneider."), map[string]int{pii.TypePerson: 1}},
		{"escaped in JSON", []byte(`{"input":["Mail: jana\u002eschneider\u0040web.de"]}`), map[string]int{pii.TypeEmail: 1}},
		{"split by JSON escapes", []byte(`{"input":"Viele Gr\u00fc\u00dfe\nJana Schneider"}`), map[string]int{pii.TypePerson: 1}},
		{"embedding batch", []byte(`{"model":"e5","input":["IBAN DE89 3704 0044 0532 0130 00","ok","4111 1111 1111 1111"]}`),
			map[string]int{pii.TypeIBAN: 1, pii.TypeCard: 1}},
		{"plain text body", []byte("Kunde Tom Becker, tom.becker@example.de"), map[string]int{pii.TypePerson: 1, pii.TypeEmail: 1}},
		{"short JSON numbers", []byte(`{"seed":1712345678,"max_tokens":4711,"temperature":0.2}`), nil},
		{"card as a JSON number", []byte(`{"n":4111111111111111}`), map[string]int{pii.TypeCard: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := d.CheckEgress(tc.payload)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckEgress(%s) = %v; want nil", tc.payload, err)
				}
				return
			}
			if !errors.Is(err, pii.ErrPersonalData) {
				t.Fatalf("CheckEgress(%s) = %v; want an error matching ErrPersonalData", tc.payload, err)
			}
			var ee *pii.EgressError
			if !errors.As(err, &ee) {
				t.Fatalf("CheckEgress(%s) = %T; want *EgressError", tc.payload, err)
			}
			if fmt.Sprint(ee.Types) != fmt.Sprint(tc.want) {
				t.Errorf("CheckEgress(%s).Types = %v; want %v", tc.payload, ee.Types, tc.want)
			}
			for _, leak := range []string{"jana", "Jana", "0171", "DE89", "4111", "Becker"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q repeats the personal data %q", err, leak)
				}
			}
		})
	}
}

func TestCheckEgressAfterPseudonymise(t *testing.T) {
	t.Parallel()
	d := pii.NewDetector(pii.DetectorOptions{})
	text := strings.Join(benchParagraphs, "\n\n")
	if err := d.CheckEgress(chatPayload(t, text)); err == nil {
		t.Fatal("CheckEgress(raw support text) = nil; want an error")
	}
	redacted, _ := d.Redact(text)
	if err := d.CheckEgress(chatPayload(t, redacted)); err != nil {
		t.Errorf("CheckEgress(redacted text) = %v; want nil", err)
	}
}

func TestEgressErrorWrapped(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("llm: send request: %w", &pii.EgressError{Types: map[string]int{pii.TypePhone: 2, pii.TypeEmail: 1}})
	if !errors.Is(err, pii.ErrPersonalData) {
		t.Errorf("errors.Is(%v, ErrPersonalData) = false; want true", err)
	}
	if want := "llm: send request: guard: refused outbound payload with personal data not in placeholder form (EMAIL 1, PHONE 2)"; err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
}
