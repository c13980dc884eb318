package guard_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"kontext/guard"
)

// found reports the findings of d in text as "TYPE:value" strings.
func found(d *guard.Detector, text string) []string {
	var out []string
	for _, f := range d.Detect(text) {
		out = append(out, f.Type+":"+f.Value)
	}
	return out
}

func TestDetectPositives(t *testing.T) {
	t.Parallel()
	d := guard.NewDetector(guard.DetectorOptions{AllowList: []string{"Nordquell"}})
	tests := []struct {
		name, text, typ, value string
	}{
		{"email plain", "Schreiben Sie an anna.schmidt@example.de.", guard.TypeEmail, "anna.schmidt@example.de"},
		{"email plus tag", "mail: j.doe+shop@mail.example.co.uk", guard.TypeEmail, "j.doe+shop@mail.example.co.uk"},
		{"phone DE mobile", "Tel. 0171 2345678", guard.TypePhone, "0171 2345678"},
		{"phone DE slash", "Ruf an: 0151/23456789", guard.TypePhone, "0151/23456789"},
		{"phone DE trunk in parentheses", "Fon +49 (0)89 2345 6789", guard.TypePhone, "+49 (0)89 2345 6789"},
		{"phone DE 0049", "Nummer 0049 30 2345678", guard.TypePhone, "0049 30 2345678"},
		{"phone DE area in parentheses", "Büro (030) 12345678", guard.TypePhone, "(030) 12345678"},
		{"phone AT", "Handy +43 664 1234567", guard.TypePhone, "+43 664 1234567"},
		{"phone AT national", "Mobil 0664 1234567", guard.TypePhone, "0664 1234567"},
		{"phone CH", "Zürich +41 44 668 18 00", guard.TypePhone, "+41 44 668 18 00"},
		{"phone CH national", "Tel 044 668 18 00", guard.TypePhone, "044 668 18 00"},
		{"phone GB", "call +44 20 7946 0958", guard.TypePhone, "+44 20 7946 0958"},
		{"phone GB national", "text 07700 900123", guard.TypePhone, "07700 900123"},
		{"phone US", "call +1 (415) 555-2671", guard.TypePhone, "+1 (415) 555-2671"},
		{"phone US national", "call (415) 555-2671 today", guard.TypePhone, "(415) 555-2671"},
		{"phone FR", "appel +33 1 23 45 67 89", guard.TypePhone, "+33 1 23 45 67 89"},
		{"phone FR national", "hotline 01 23 45 67 89", guard.TypePhone, "01 23 45 67 89"},
		{"phone IT", "chiamare +39 06 1234 5678", guard.TypePhone, "+39 06 1234 5678"},
		{"phone IT mobile national", "cell 347 123 4567", guard.TypePhone, "347 123 4567"},
		{"phone ES", "móvil +34 612 34 56 78", guard.TypePhone, "+34 612 34 56 78"},
		{"phone ES national", "móvil 612 34 56 78", guard.TypePhone, "612 34 56 78"},
		{"phone PL", "tel. +48 512 345 678", guard.TypePhone, "+48 512 345 678"},
		{"phone PL national", "tel. 512 345 678", guard.TypePhone, "512 345 678"},
		{"phone NL", "bel +31 20 123 4567", guard.TypePhone, "+31 20 123 4567"},
		{"phone NL national", "bel 06 12345678", guard.TypePhone, "06 12345678"},
		{"iban DE spaced", "IBAN DE89 3704 0044 0532 0130 00", guard.TypeIBAN, "DE89 3704 0044 0532 0130 00"},
		{"iban DE compact", "IBAN DE89370400440532013000.", guard.TypeIBAN, "DE89370400440532013000"},
		{"iban GB", "to GB29 NWBK 6016 1331 9268 19", guard.TypeIBAN, "GB29 NWBK 6016 1331 9268 19"},
		{"iban FR", "FR14 2004 1010 0505 0001 3M02 606", guard.TypeIBAN, "FR14 2004 1010 0505 0001 3M02 606"},
		{"iban NO", "konto NO93 8601 1117 947", guard.TypeIBAN, "NO93 8601 1117 947"},
		{"card visa", "Karte 4111 1111 1111 1111", guard.TypeCard, "4111 1111 1111 1111"},
		{"card mastercard dashes", "card 5500-0000-0000-0004", guard.TypeCard, "5500-0000-0000-0004"},
		{"card amex", "Amex 3782 822463 10005", guard.TypeCard, "3782 822463 10005"},
		{"card compact", "card 4012888888881881", guard.TypeCard, "4012888888881881"},
		{"tax id", "Steuer-ID 86095742719", guard.TypeTaxID, "86095742719"},
		{"tax id grouped", "IdNr 39 170 342 364", guard.TypeTaxID, "39 170 342 364"},
		{"tax id no cue", "Nummer 41372159010 bitte vermerken", guard.TypeTaxID, "41372159010"},
		{"social security spaced", "RVNR 12 150370 M 50 7", guard.TypeSocialSecurity, "12 150370 M 50 7"},
		{"social security compact", "SV-Nummer 65170839J003", guard.TypeSocialSecurity, "65170839J003"},
		{"vat DE", "USt-IdNr. DE136695976", guard.TypeVATID, "DE136695976"},
		{"vat AT", "UID ATU13585627", guard.TypeVATID, "ATU13585627"},
		{"vat IT", "P.IVA IT00743110157", guard.TypeVATID, "IT00743110157"},
		{"vat BE", "BTW BE0403170701", guard.TypeVATID, "BE0403170701"},
		{"vat PL", "NIP PL5260250995", guard.TypeVATID, "PL5260250995"},
		{"vat CH", "UID CHE-116.281.710 MWST", guard.TypeVATID, "CHE-116.281.710 MWST"},
		{"ipv4", "Login von 85.214.132.117", guard.TypeIPAddress, "85.214.132.117"},
		{"ipv6", "from 2001:db8:85a3::8a2e:370:7334", guard.TypeIPAddress, "2001:db8:85a3::8a2e:370:7334"},
		{"ipv6 link local", "Router fe80::1ff:fe23:4567:890a", guard.TypeIPAddress, "fe80::1ff:fe23:4567:890a"},
		{"ipv6 loopback", "host ::1 only", guard.TypeIPAddress, "::1"},
		{"dob geboren am", "geboren am 12.03.1985 in Köln", guard.TypeDateOfBirth, "12.03.1985"},
		{"dob geb.", "Frau Nowak (geb. 21.09.1969)", guard.TypeDateOfBirth, "21.09.1969"},
		{"dob German month", "Sie ist am 3. Mai 1978 geboren.", guard.TypeDateOfBirth, "3. Mai 1978"},
		{"dob Geburtsdatum", "Geburtsdatum: 04.07.1992", guard.TypeDateOfBirth, "04.07.1992"},
		{"dob DOB ISO", "DOB 1987-06-23", guard.TypeDateOfBirth, "1987-06-23"},
		{"dob born English", "born on March 12, 1985", guard.TypeDateOfBirth, "March 12, 1985"},
		{"dob ordinal", "date of birth: 12th March 1985", guard.TypeDateOfBirth, "12th March 1985"},
		{"dob birthday", "Birthday: 02/11/1975", guard.TypeDateOfBirth, "02/11/1975"},
		{"address street", "wohnt in der Goethestraße 14, 50667 Köln.", guard.TypeAddress, "Goethestraße 14, 50667 Köln"},
		{"address str.", "Hauptstr. 8, 80331 München", guard.TypeAddress, "Hauptstr. 8, 80331 München"},
		{"address two words", "Berliner Straße 5 im Erdgeschoss", guard.TypeAddress, "Berliner Straße 5"},
		{"address hyphenated", "Kaiser-Wilhelm-Ring 22", guard.TypeAddress, "Kaiser-Wilhelm-Ring 22"},
		{"address Am", "Am Hafen 3, 24937 Flensburg", guard.TypeAddress, "Am Hafen 3, 24937 Flensburg"},
		{"address An der", "An der Alster 12a wohnt sie", guard.TypeAddress, "An der Alster 12a"},
		{"address weg", "Musterweg 1", guard.TypeAddress, "Musterweg 1"},
		{"address allee range", "Lindenallee 7-9", guard.TypeAddress, "Lindenallee 7-9"},
		{"address gasse", "Sie wohnt Judengasse 4.", guard.TypeAddress, "Judengasse 4"},
		{"address postcode city", "Lieferung nach 10115 Berlin", guard.TypeAddress, "10115 Berlin"},
		{"address city with river", "60311 Frankfurt am Main", guard.TypeAddress, "60311 Frankfurt am Main"},
		{"address post box", "Postfach 10 20 30, 80001 München", guard.TypeAddress, "Postfach 10 20 30, 80001 München"},
		{"address English", "lives at 221B Baker Street, London NW1 6XE.", guard.TypeAddress, "221B Baker Street, London NW1 6XE"},
		{"address English plain", "ship to 42 Oak Avenue, please", guard.TypeAddress, "42 Oak Avenue"},
		{"address US", "350 Fifth Avenue, New York, NY 10118", guard.TypeAddress, "350 Fifth Avenue, New York, NY 10118"},
		{"person Kundin", "Kundin Jana Schneider fragt", guard.TypePerson, "Jana Schneider"},
		{"person Herr", "Sehr geehrter Herr Müller,", guard.TypePerson, "Müller"},
		{"person Frau Dr.", "Frau Dr. Weber schreibt", guard.TypePerson, "Weber"},
		{"person Mr initial", "Mr J. Smith called", guard.TypePerson, "J. Smith"},
		{"person Mrs", "Hello Mrs Johnson,", guard.TypePerson, "Johnson"},
		{"person Dear", "Dear Olivia,", guard.TypePerson, "Olivia"},
		{"person Hallo", "Hallo Emre, danke!", guard.TypePerson, "Emre"},
		{"person Liebe", "Liebe Anna, danke für deine Bewertung", guard.TypePerson, "Anna"},
		{"person greeting unknown name", "Hallo Wiebke-Sophie, alles klar?", guard.TypePerson, "Wiebke-Sophie"},
		{"person customer", "customer Ahmed Hassan asked", guard.TypePerson, "Ahmed Hassan"},
		{"person von", "Nachricht von Fatima Al-Sayed:", guard.TypePerson, "Fatima Al-Sayed"},
		{"person from", "Email from Chloe Martin today", guard.TypePerson, "Chloe Martin"},
		{"person signature German", "Viele Grüße\nJana Schneider", guard.TypePerson, "Jana Schneider"},
		{"person signature comma", "Viele Grüße, Lena", guard.TypePerson, "Lena"},
		{"person signature English", "Best regards,\nEmily Clarke", guard.TypePerson, "Emily Clarke"},
		{"person signature unknown", "Mit freundlichen Grüßen\nK. Wozniak-Berger", guard.TypePerson, "K. Wozniak-Berger"},
		{"person gazetteer and surname", "Heute schrieb Giuseppe Rossi uns.", guard.TypePerson, "Giuseppe Rossi"},
		{"person Turkish", "Kunde Mehmet Yılmaz", guard.TypePerson, "Mehmet Yılmaz"},
		{"person Polish", "Frau Małgorzata Wiśniewska", guard.TypePerson, "Małgorzata Wiśniewska"},
		{"person particle", "Ursula von der Leyen sprach", guard.TypePerson, "Ursula von der Leyen"},
		{"person particle after title", "Frau van der Berg ruft an", guard.TypePerson, "van der Berg"},
		{"person label", "Name: Horst Seidel", guard.TypePerson, "Horst Seidel"},
		{"person ascii spelling", "Juergen Klein hat bestellt", guard.TypePerson, "Juergen Klein"},
		{"person possessive", "Anna Weber's order", guard.TypePerson, "Anna Weber"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.typ + ":" + tc.value
			got := found(d, tc.text)
			for _, g := range got {
				if g == want {
					return
				}
			}
			t.Errorf("Detect(%q) = %q; want %q among them", tc.text, got, want)
		})
	}
}

func TestDetectHardNegatives(t *testing.T) {
	t.Parallel()
	d := guard.NewDetector(guard.DetectorOptions{AllowList: []string{"Nordquell", "Barista Pro", "Anna Kaffee", "Frieda"}})
	tests := []struct{ name, text string }{
		{"product code", "Der Espresso EB-500 ist da."},
		{"product code digits", "Modell KX-4711 mit 1200 Watt"},
		{"EAN", "SKU 4006381333931 (EAN) wieder da"},
		{"GTIN", "GTIN 04006381333931"},
		{"ISBN", "ISBN 978-3-16-148410-0"},
		{"order number", "Ihre Bestellnummer 1234567890 wurde versandt."},
		{"order hash", "Order #100234987 has shipped."},
		{"invoice", "Invoice INV-2024-00981 is due."},
		{"tracking", "Tracking-Nummer 00340434161094042557"},
		{"order with phone-like number", "Bestellung 0171234567 storniert"},
		{"price German", "nur 29,99 € statt 39,99 €"},
		{"price euro first", "kostet €1.299,00 inklusive Versand"},
		{"price CHF", "Listenpreis 2.499 CHF"},
		{"price dollars", "orders over $1,299.00"},
		{"percent", "Sparen Sie 20 % bis Sonntag"},
		{"event date", "Sommerfest am 14.07.2025 in Hamburg"},
		{"event date English", "Join our webinar on 12 March 2025"},
		{"anniversary", "Unser 10. Geburtstag am 12.05.2025 wird gefeiert!"},
		{"anniversary English", "Celebrate our 5th birthday on 3 June 2025"},
		{"birthday without year", "Zum Geburtstag am 12.03. gibt es 20 % Rabatt"},
		{"version", "Version 2.3.1 bringt den Dunkelmodus"},
		{"version four parts", "Version 1.2.3.4 ist fehlerhaft"},
		{"build", "Windows 11 Build 22631.3155"},
		{"firmware", "Firmware 10.0.19041.1 behebt den Fehler"},
		{"cities", "Stores in Berlin, München, Wien und Zürich"},
		{"city greeting", "Hallo Berlin! Wir sind da."},
		{"brand", "Nordquell Coffee Roasters bringt Sumatra Gold zurück"},
		{"brand allow phrase", "Anna Kaffee ist unser Bestseller"},
		{"allow-listed first name", "Unsere Mühle Frieda mahlt fein"},
		{"brand named after a person", "Die Jeans von Tom Tailor und Hugo Boss"},
		{"company", "Die Paul Hartmann AG liefert"},
		{"postcode alone", "Die Postleitzahl 10115 gehört zu Berlin-Mitte."},
		{"count with noun", "Mehr als 12345 Kunden vertrauen uns"},
		{"rank", "Platz 1 im Test 2024"},
		{"page", "Auf Seite 12 des Katalogs"},
		{"weekday", "Am Montag 3 neue Sorten"},
		{"time", "geöffnet 09:00-18:00, Pause 12:30:00"},
		{"greeting group", "Liebe Kaffeefreunde, die Herbstedition ist da!"},
		{"greeting all", "Hallo zusammen, ab Montag neue Zeiten."},
		{"dear customer", "Dear valued customer, prices change on 1 April."},
		{"team signature", "Viele Grüße\nIhr Nordquell-Team"},
		{"signature from place", "Viele Grüße aus Hamburg!"},
		{"placeholders", "Kundin [PERSON_1] ([EMAIL_1], [PHONE_1]) wohnt [ADDRESS_2]."},
		{"url with digits", "https://shop.example.de/p/4006381333931?ref=0171234567"},
		{"social handle", "Follow us @nordquell"},
		{"measurements", "Maße: 30 x 20 x 15 cm, 2,4 kg"},
		{"year range", "Seit 1985-2025 rösten wir"},
		{"coupon", "Code SOMMER25 gilt bis 31.12.2025"},
		{"abbreviated Max", "Max. Füllmenge 1,8 Liter"},
		{"street without number", "Die Karl-Marx-Allee ist gesperrt."},
		{"spring", "Spring 2024 Collection"},
		{"mac address", "MAC 00:1A:2B:3C:4D:5E"},
		{"short number", "Paket 1 von 3"},
		{"IBAN with bad check", "DE89 3704 0044 0532 0130 01"},
		{"card with bad Luhn", "4111 1111 1111 1112"},
		{"tax id with bad check", "Steuer-ID 91718146323"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := found(d, tc.text); len(got) > 0 {
				t.Errorf("Detect(%q) = %q; want none", tc.text, got)
			}
		})
	}
}

func TestDetectOverlapsAndOrder(t *testing.T) {
	t.Parallel()
	d := guard.NewDetector(guard.DetectorOptions{})
	text := "Kundin Jana Schneider (jana.schneider@web.de, 0171 2345678), Goethestraße 14, 50667 Köln, geboren am 12.03.1985."
	fs := d.Detect(text)
	want := []string{guard.TypePerson, guard.TypeEmail, guard.TypePhone, guard.TypeAddress, guard.TypeDateOfBirth}
	if len(fs) != len(want) {
		t.Fatalf("Detect(%q) = %+v; want types %v", text, fs, want)
	}
	for i, f := range fs {
		if f.Type != want[i] {
			t.Errorf("finding %d is %s; want %s", i, f.Type, want[i])
		}
		if i > 0 && f.Start < fs[i-1].End {
			t.Errorf("finding %d (%d-%d) overlaps the one before (%d-%d)", i, f.Start, f.End, fs[i-1].Start, fs[i-1].End)
		}
		if f.Value != text[f.Start:f.End] || f.Score <= 0 || f.Score > 1 {
			t.Errorf("finding %d = %+v; want Value == text[Start:End] and a score in (0,1]", i, f)
		}
	}
}

func TestDetectRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region, text string
		want         bool
	}{
		{"DE", "0171 2345678", true},
		{"", "0171 2345678", true},
		{"GB", "020 7946 0958", true},
		{"DE", "020 7946 0958", true}, // not German, but valid in a fallback region (GB)
		{"US", "415 555 2671", true},
		{"DE", "0123 4", false},
	}
	for _, tc := range tests {
		t.Run(tc.region+" "+tc.text, func(t *testing.T) {
			t.Parallel()
			d := guard.NewDetector(guard.DetectorOptions{Region: tc.region})
			got := false
			for _, f := range d.Detect("Telefon " + tc.text + " bitte") {
				got = got || f.Type == guard.TypePhone && f.Value == tc.text
			}
			if got != tc.want {
				t.Errorf("Detect(%q) with region %q found phone %v; want %v", tc.text, tc.region, got, tc.want)
			}
		})
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	got := guard.Types()
	if len(got) != 11 || got[0] != guard.TypeEmail || got[10] != guard.TypePerson {
		t.Errorf("Types() = %v; want the 11 types from EMAIL to PERSON", got)
	}
	got[0] = "changed"
	if guard.Types()[0] != guard.TypeEmail {
		t.Error("Types() returns a slice that aliases the package's list")
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range benchParagraphs {
		f.Add(s)
	}
	for _, s := range []string{"", "@", "+", "(0", "::", "1.2.3.4", "DE89", "Herr ", "Viele Grüße\n", "[PERSON_1]",
		"Am Hafen 3", "geb. 1.1.1960", "ATU1", "CHE-", "0049 (0) 30", "\xff\xfe", "Ä-Ö Ü", "12 150370 M 50 7"} {
		f.Add(s)
	}
	d := guard.NewDetector(guard.DetectorOptions{AllowList: []string{"Nordquell", "Anna Kaffee"}})
	f.Fuzz(func(t *testing.T, text string) {
		fs := d.Detect(text)
		for i, x := range fs {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("finding %+v out of range for a text of %d bytes", x, len(text))
			}
			if x.Value != text[x.Start:x.End] {
				t.Fatalf("finding %+v: Value != text[Start:End] = %q", x, text[x.Start:x.End])
			}
			if i > 0 && x.Start < fs[i-1].End {
				t.Fatalf("findings %+v and %+v overlap or are out of order", fs[i-1], x)
			}
			if utf8.ValidString(text) && !utf8.ValidString(x.Value) {
				t.Fatalf("finding %+v splits a UTF-8 sequence", x)
			}
		}
	})
}

func ExampleDetector_Detect() {
	d := guard.NewDetector(guard.DetectorOptions{AllowList: []string{"Nordquell"}})
	for _, f := range d.Detect("Kundin Jana Schneider (jana.schneider@web.de, 0171 2345678) schreibt an Nordquell.") {
		fmt.Printf("%s %q\n", f.Type, f.Value)
	}
	// Output:
	// PERSON "Jana Schneider"
	// EMAIL "jana.schneider@web.de"
	// PHONE "0171 2345678"
}

// A name that runs into a street on a flattened address line keeps its own
// words: the pseudonymised text must hold nothing Detect finds again.
func TestDetectNameBeforeStreet(t *testing.T) {
	t.Parallel()
	d := guard.NewDetector(guard.DetectorOptions{})
	tests := []struct {
		text string
		want []string
	}{
		{"My delivery address: Tom Whitaker Gumpendorfer Straße 88/12 1060 Wien Austria",
			[]string{"PERSON:Tom Whitaker", "ADDRESS:Gumpendorfer Straße 88/12 1060 Wien"}},
		{"Lieferadresse: Aylin Demir Schillerstraße 12 87435 Kempten",
			[]string{"PERSON:Aylin Demir", "ADDRESS:Schillerstraße 12 87435 Kempten"}},
	}
	for _, tc := range tests {
		if got := found(d, tc.text); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Detect(%q) = %q; want %q", tc.text, got, tc.want)
		}
		out, _, _ := d.Pseudonymise(tc.text)
		if again := found(d, out); len(again) > 0 {
			t.Errorf("Detect(Pseudonymise(%q)) = %q; want nothing", tc.text, again)
		}
	}
}
