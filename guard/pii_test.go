package guard_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"kontext/guard"
)

type labelled struct {
	Text  string `json:"text"`
	Spans []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"spans"`
}

func loadPII(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pii", "labelled.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("labelled set: %v", err)
		}
		out = append(out, l)
	}
	return out
}

// TestPIILabelledSet reports precision and recall per type on the labelled
// set and fails below the floors.
func TestPIILabelledSet(t *testing.T) {
	t.Parallel()
	det := guard.NewDetector(guard.DetectorOptions{AllowList: []string{"Nordquell", "Aquaro"}})
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	get := func(typ string) *counts {
		if per[typ] == nil {
			per[typ] = &counts{}
		}
		return per[typ]
	}
	for _, l := range loadPII(t) {
		want := map[string]int{}
		for _, s := range l.Spans {
			want[s.Type+"\x00"+s.Value]++
		}
		for _, f := range det.Detect(l.Text) {
			k := f.Type + "\x00" + f.Value
			if want[k] > 0 {
				want[k]--
				get(f.Type).tp++
			} else {
				get(f.Type).fp++
				t.Logf("false positive %s %q in %q", f.Type, f.Value, l.Text)
			}
		}
		for k, n := range want {
			if n > 0 {
				typ, val, _ := strings.Cut(k, "\x00")
				get(typ).fn += n
				t.Logf("missed %s %q in %q", typ, val, l.Text)
			}
		}
	}
	floors := map[string][2]float64{ // precision, recall
		guard.TypeEmail: {0.95, 0.95}, guard.TypePhone: {0.95, 0.95}, guard.TypeIBAN: {0.95, 0.95},
		guard.TypeCard: {0.95, 0.95}, guard.TypeTaxID: {0.95, 0.95}, guard.TypeVATID: {0.95, 0.95},
		guard.TypeIPAddress: {0.95, 0.95}, guard.TypeSocialSecurity: {0.95, 0.95}, guard.TypeDateOfBirth: {0.95, 0.95},
		guard.TypeAddress: {0.9, 0.9}, guard.TypePerson: {0.85, 0.9},
	}
	types := make([]string, 0, len(per))
	for typ := range per {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		c := per[typ]
		p, r := ratio(c.tp, c.tp+c.fp), ratio(c.tp, c.tp+c.fn)
		t.Logf("%-16s precision %.3f recall %.3f (tp %d, fp %d, fn %d)", typ, p, r, c.tp, c.fp, c.fn)
		if f, ok := floors[typ]; ok && (p < f[0] || r < f[1]) {
			t.Errorf("%s: precision %.3f recall %.3f below the floors %.2f/%.2f", typ, p, r, f[0], f[1])
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func TestPseudonymiseAndRestore(t *testing.T) {
	t.Parallel()
	det := guard.NewDetector(guard.DetectorOptions{})
	v := det.NewVault()
	brief, _ := v.Pseudonymise("Antworte Kundin Jana Schneider (jana.schneider@web.de).")
	chunk, _ := v.Pseudonymise("Frau Jana Schneider schrieb von JANA.SCHNEIDER@web.de und 0171 2345678.")
	if want := "Antworte Kundin [PERSON_1] ([EMAIL_1])."; brief != want {
		t.Errorf("Pseudonymise(brief) = %q; want %q", brief, want)
	}
	if want := "Frau [PERSON_1] schrieb von [EMAIL_1] und [PHONE_1]."; chunk != want {
		t.Errorf("Pseudonymise(chunk) = %q; want %q (same value, same placeholder)", chunk, want)
	}
	draft := "Hallo [PERSON_1], wir melden uns unter [PHONE_1]. [PERSON_9] [EMAIL_1]"
	tests := []struct {
		name  string
		allow guard.RestorePolicy
		want  string
	}{
		{"public post gets nothing back", guard.RestoreNothing, draft},
		{"customer reply may greet by name", guard.RestorePolicy{guard.TypePerson: true},
			"Hallo Jana Schneider, wir melden uns unter [PHONE_1]. [PERSON_9] [EMAIL_1]"},
		{"forged placeholders stay", guard.RestorePolicy{guard.TypePerson: true, guard.TypePhone: true, guard.TypeEmail: true},
			"Hallo Jana Schneider, wir melden uns unter 0171 2345678. [PERSON_9] jana.schneider@web.de"},
	}
	for _, tc := range tests {
		if got := v.Restore(draft, tc.allow); got != tc.want {
			t.Errorf("%s: Restore = %q; want %q", tc.name, got, tc.want)
		}
	}
	if c := v.Counts(); c[guard.TypePerson] != 1 || c[guard.TypeEmail] != 1 || c[guard.TypePhone] != 1 {
		t.Errorf("Counts() = %v; want one of each", c)
	}
}

func TestCheckEgress(t *testing.T) {
	t.Parallel()
	det := guard.NewDetector(guard.DetectorOptions{})
	tests := []struct {
		name    string
		payload string
		refused bool
	}{
		{"placeholders pass", `{"messages":[{"role":"user","content":"Schreib an [PERSON_1] ([EMAIL_1])."}]}`, false},
		{"raw email refused", `{"input":["Kundin jana.schneider@web.de fragt"]}`, true},
		{"escaped email refused", `{"input":["Kundin jana.schneider\u0040web.de fragt"]}`, true},
		{"phone in nested field refused", `{"messages":[{"content":"ruf 0171 2345678 an"}]}`, true},
		{"plain text body", `IBAN DE89 3704 0044 0532 0130 00`, true},
		{"prices pass", `{"input":["Die Flasche kostet 34,90 € statt 39,90 €."]}`, false},
	}
	for _, tc := range tests {
		err := det.CheckEgress([]byte(tc.payload))
		if tc.refused != (err != nil) {
			t.Errorf("%s: CheckEgress = %v; want refused %v", tc.name, err, tc.refused)
		}
		if err != nil {
			var ee *guard.EgressError
			if !errors.As(err, &ee) || !errors.Is(err, guard.ErrPersonalData) {
				t.Errorf("%s: error %v is not an *EgressError matching ErrPersonalData", tc.name, err)
			}
			if strings.Contains(err.Error(), "jana") || strings.Contains(err.Error(), "2345678") {
				t.Errorf("%s: error %q carries the value", tc.name, err)
			}
		}
	}
}

func TestNormaliseValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ typ, in, want string }{
		{guard.TypeEmail, " Jana.Schneider@Web.DE ", "jana.schneider@web.de"},
		{guard.TypePhone, "0171 2345678", "+491712345678"},
		{guard.TypePhone, "+49 171 2345678", "+491712345678"},
		{guard.TypeIBAN, "de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{guard.TypePerson, "Jana  SCHNEIDER", "jana schneider"},
	}
	for _, tc := range tests {
		if got := guard.NormaliseValue(tc.typ, tc.in); got != tc.want {
			t.Errorf("NormaliseValue(%s, %q) = %q; want %q", tc.typ, tc.in, got, tc.want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"Kundin Jana Schneider (jana.schneider@web.de, 0171 2345678)", "DE89 3704 0044 0532 0130 00",
		"4111 1111 1111 1111", "geboren am 12.03.1985", "Lindenstraße 12, 24937 Flensburg", "::1 2001:db8::1", "+49 (0) 30 1234"} {
		f.Add(s)
	}
	det := guard.NewDetector(guard.DetectorOptions{})
	f.Fuzz(func(t *testing.T, text string) {
		fs := det.Detect(text)
		last := 0
		for _, x := range fs {
			if x.Start < last || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("finding %+v out of order or range (len %d)", x, len(text))
			}
			if x.Value != text[x.Start:x.End] {
				t.Fatalf("finding value %q != text[%d:%d]", x.Value, x.Start, x.End)
			}
			last = x.End
		}
		v := det.NewVault()
		out, _ := v.Pseudonymise(text)
		all := guard.RestorePolicy{}
		for _, typ := range []string{"EMAIL", "PHONE", "IBAN", "CARD", "TAX_ID", "SOCIAL_SECURITY", "VAT_ID", "IP_ADDRESS", "DATE_OF_BIRTH", "ADDRESS", "PERSON"} {
			all[typ] = true
		}
		if !strings.Contains(text, "[") {
			// Restoring everything gives the text back, up to spellings of
			// one value that share a placeholder.
			back := v.Restore(out, all)
			if len(fs) == 0 && back != text {
				t.Fatalf("Restore(Pseudonymise(%q)) = %q", text, back)
			}
		}
	})
}

func piiBenchText() string {
	var b strings.Builder
	for _, l := range loadPII(&testing.T{}) {
		b.WriteString(l.Text)
		b.WriteString(" Die Flasche ist spülmaschinenfest und hält Getränke zwölf Stunden kalt. ")
	}
	return b.String()
}

// corpusText is the demo corpus: German and English product sheets, FAQs,
// a press release, a price list and support mail, as a realistic mix.
func corpusText(b *testing.B) string {
	var sb strings.Builder
	err := filepath.WalkDir(filepath.Join("..", "examples", "acme"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		sb.Write(data)
		sb.WriteByte('\n')
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return sb.String()
}

// BenchmarkDetectCorpus measures the realistic mix.
func BenchmarkDetectCorpus(b *testing.B) {
	det := guard.NewDetector(guard.DetectorOptions{})
	text := corpusText(b)
	for len(text) < 256<<10 {
		text += text
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		det.Detect(text)
	}
}

// BenchmarkDetect measures text dense with personal data: every sentence
// of the labelled set.
func BenchmarkDetect(b *testing.B) {
	det := guard.NewDetector(guard.DetectorOptions{})
	text := piiBenchText()
	for len(text) < 64<<10 {
		text += text
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		det.Detect(text)
	}
}

// BenchmarkDetect2KB detects in consecutive 2 KB windows of the corpus and
// reports the 99th percentile latency of one window.
func BenchmarkDetect2KB(b *testing.B) {
	det := guard.NewDetector(guard.DetectorOptions{})
	text := corpusText(b)
	var windows []string
	for i := 0; i+2048 <= len(text); i += 2048 {
		windows = append(windows, text[i:i+2048])
	}
	b.SetBytes(2048)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		det.Detect(windows[i%len(windows)])
		lat = append(lat, time.Since(start))
		i++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
