package pii_test

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kontext/guard/pii"
)

// benchParagraphs are mixed German and English marketing copy and
// customer-support messages, about one in three carrying personal data.
var benchParagraphs = []string{
	"Unsere neue Herbstedition ist da! Der Espresso EB-500 mahlt frisch, brüht in 25 Sekunden und kostet jetzt nur 299,00 € statt 349,00 €. Bestellen Sie bis Sonntag und sparen Sie 15 % mit dem Code HERBST15. Gratis Versand ab 49 € Bestellwert.",
	"Kundin Jana Schneider (jana.schneider@web.de, 0171 {7}) fragt, wann ihre Bestellung 1234567890 geliefert wird. Sie wohnt in der Goethestraße 14, 50667 Köln und bittet um Rückruf am Vormittag.",
	"Our single-origin beans come from small farms in Ethiopia and Colombia. Every batch is roasted on Tuesday and shipped within 48 hours, so your coffee arrives fresh. Try the Barista Pro 3 with a 2-year warranty and free returns for 30 days.",
	"Hi Laura,\nthanks for your message. We have refunded 29,99 € to your card ending in 1881. If you have any questions, call us on +44 20 7946 {4} or reply to this email.\nBest regards,\nEmily Clarke\nCustomer Service",
	"Die Kaffeemühle MX-2000 überzeugt mit 40 Mahlstufen, einem Bohnenbehälter für 250 g und einem leisen Motor. Im Test der Fachzeitschrift erreichte sie Platz 1 mit der Note 1,4. Erhältlich in Schwarz, Weiß und Edelstahl ab 1.299,00 €.",
	"Sehr geehrter Herr Müller,\nvielen Dank für Ihre Nachricht vom 12.03.2025. Die Erstattung auf Ihr Konto DE89 3704 0044 0532 0130 00 wurde veranlasst. Bei Rückfragen erreichen Sie uns unter 030 {8}.\nMit freundlichen Grüßen\nSophie Krüger",
	"Join our webinar on 12 March 2025 at 10:00 CET and learn how to dial in your grinder. Seats are limited to 500 participants. Version 2.3.1 of our app brings dark mode, a brew timer and recipes from our roasters in Hamburg, Vienna and Zurich.",
	"Ticket #48213: Customer Olivia Bennett (olivia.bennett@gmail.com) reports that the parcel was left at 221B Baker Street, London NW1 6XE although she asked for a pick-up point. Login from IP 203.0.113.42, born 1990-04-17 per account data.",
	"Nachhaltigkeit ist uns wichtig: Wir verwenden recycelte Verpackungen, arbeiten mit fairen Partnern zusammen und veröffentlichen jedes Jahr einen Bericht. Mehr als 50.000 Kundinnen und Kunden vertrauen bereits auf Nordquell – danke dafür!",
	"Hallo Emre, dein Gutschein über 25 € ist im Kundenkonto hinterlegt und drei Jahre gültig. Viele Grüße, Lena vom Nordquell-Team",
	"Product update: the Grinder Max now ships with a burr cleaning brush. SKU 4006381333931, EAN listed on the box. Firmware 10.0.19041.1 fixes the display issue reported in the forum. Prices start at $199 and €189.",
	"Frau Ayşe Demir hat ihre Adresse geändert: Am Hafen 3, 24937 Flensburg. Steuer-ID 39170342364 bitte für die Rechnung vermerken; USt-IdNr. DE136695976.",
}

// benchCorpus returns about n bytes of paragraphs in a fixed pseudo-random
// order, with fresh phone numbers in each.
func benchCorpus(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < n {
		p := benchParagraphs[r.IntN(len(benchParagraphs))]
		// Phone numbers differ in every paragraph: "{7}" is seven digits.
		for {
			i := strings.IndexByte(p, '{')
			if i < 0 {
				break
			}
			b.WriteString(p[:i])
			for range int(p[i+1] - '0') {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
			p = p[i+3:]
		}
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	return b.String()
}

// benchTexts returns count texts of about size bytes each, cut from one
// corpus at paragraph boundaries.
func benchTexts(count, size int) []string {
	corpus := benchCorpus(count*size + size)
	out := make([]string, 0, count)
	for len(out) < count {
		end := min(size, len(corpus))
		if i := strings.LastIndex(corpus[:end], "\n\n"); i > size/2 {
			end = i + 2
		}
		out = append(out, corpus[:end])
		corpus = corpus[end:]
	}
	return out
}

// The benchmarks cycle through more distinct phone numbers than the
// detector's validation cache holds, so they measure libphonenumber's cost
// as new text meets it, not a warm cache.

func BenchmarkDetect(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	texts := benchTexts(64, 64<<10)
	b.SetBytes(int64(len(texts[0])))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Detect(texts[i%len(texts)])
		i++
	}
}

func BenchmarkDetect2KB(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	texts := benchTexts(4096, 2<<10)
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Detect(texts[i%len(texts)])
		i++
	}
}

// BenchmarkDetect2KBLatency reports the median and 99th percentile time of
// one Detect call on a 2 KB text, over many different texts.
func BenchmarkDetect2KBLatency(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	texts := benchTexts(4096, 2<<10)
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		start := time.Now()
		d.Detect(texts[i%len(texts)])
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns/2KB")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns/2KB")
}

// demoCorpus returns the text files of the demo corpus (product sheets,
// FAQs, brand guides, support mail), repeated to at least n bytes.
func demoCorpus(b *testing.B, n int) string {
	b.Helper()
	var sb strings.Builder
	err := filepath.WalkDir(filepath.Join("..", "..", "examples", "acme"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		sb.Write(data)
		sb.WriteString("\n\n")
		return err
	})
	if err != nil || sb.Len() == 0 {
		b.Skipf("demo corpus ../../examples/acme unavailable: %v", err)
	}
	text := sb.String()
	for len(text) < n {
		text += text
	}
	return text
}

// BenchmarkDetectDemoCorpus measures the demo tenant's own documents, which
// hold little personal data: the common case at ingest.
func BenchmarkDetectDemoCorpus(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Acme"}})
	text := demoCorpus(b, 256<<10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(text)
	}
}

func BenchmarkRedact(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	text := benchCorpus(64 << 10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Redact(text)
	}
}

func BenchmarkCheckEgress(b *testing.B) {
	d := pii.NewDetector(pii.DetectorOptions{})
	redacted, _ := d.Redact(benchCorpus(16 << 10))
	payload := []byte(fmt.Sprintf(`{"model":"m","temperature":0.2,"messages":[{"role":"system","content":"You write newsletters."},{"role":"user","content":%q}]}`, redacted))
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.CheckEgress(payload); err != nil {
			b.Fatalf("CheckEgress(redacted) = %v; want nil", err)
		}
	}
}
