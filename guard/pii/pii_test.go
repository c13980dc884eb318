package pii_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"kontext/guard/pii"
)

// found reports the findings of d in text as "TYPE:value" strings.
func found(d *pii.Detector, text string) []string {
	var out []string
	for _, f := range d.Detect(text) {
		out = append(out, f.Type+":"+f.Value)
	}
	return out
}

func TestDetectPositives(t *testing.T) {
	t.Parallel()
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
	tests := []struct {
		name, text, typ, value string
	}{
		{"email plain", "Schreiben Sie an anna.schmidt@example.de.", pii.TypeEmail, "anna.schmidt@example.de"},
		{"email plus tag", "mail: j.doe+shop@mail.example.co.uk", pii.TypeEmail, "j.doe+shop@mail.example.co.uk"},
		{"phone DE mobile", "Tel. 0171 2345678", pii.TypePhone, "0171 2345678"},
		{"phone DE slash", "Ruf an: 0151/23456789", pii.TypePhone, "0151/23456789"},
		{"phone DE trunk in parentheses", "Fon +49 (0)89 2345 6789", pii.TypePhone, "+49 (0)89 2345 6789"},
		{"phone DE 0049", "Nummer 0049 30 2345678", pii.TypePhone, "0049 30 2345678"},
		{"phone DE area in parentheses", "Büro (030) 12345678", pii.TypePhone, "(030) 12345678"},
		{"phone AT", "Handy +43 664 1234567", pii.TypePhone, "+43 664 1234567"},
		{"phone AT national", "Mobil 0664 1234567", pii.TypePhone, "0664 1234567"},
		{"phone CH", "Zürich +41 44 668 18 00", pii.TypePhone, "+41 44 668 18 00"},
		{"phone CH national", "Tel 044 668 18 00", pii.TypePhone, "044 668 18 00"},
		{"phone GB", "call +44 20 7946 0958", pii.TypePhone, "+44 20 7946 0958"},
		{"phone GB national", "text 07700 900123", pii.TypePhone, "07700 900123"},
		{"phone US", "call +1 (415) 555-2671", pii.TypePhone, "+1 (415) 555-2671"},
		{"phone US national", "call (415) 555-2671 today", pii.TypePhone, "(415) 555-2671"},
		{"phone FR", "appel +33 1 23 45 67 89", pii.TypePhone, "+33 1 23 45 67 89"},
		{"phone FR national", "hotline 01 23 45 67 89", pii.TypePhone, "01 23 45 67 89"},
		{"phone IT", "chiamare +39 06 1234 5678", pii.TypePhone, "+39 06 1234 5678"},
		{"phone IT mobile national", "cell 347 123 4567", pii.TypePhone, "347 123 4567"},
		{"phone ES", "móvil +34 612 34 56 78", pii.TypePhone, "+34 612 34 56 78"},
		{"phone ES national", "móvil 612 34 56 78", pii.TypePhone, "612 34 56 78"},
		{"phone PL", "tel. +48 512 345 678", pii.TypePhone, "+48 512 345 678"},
		{"phone PL national", "tel. 512 345 678", pii.TypePhone, "512 345 678"},
		{"phone NL", "bel +31 20 123 4567", pii.TypePhone, "+31 20 123 4567"},
		{"phone NL national", "bel 06 12345678", pii.TypePhone, "06 12345678"},
		{"iban DE spaced", "IBAN DE89 3704 0044 0532 0130 00", pii.TypeIBAN, "DE89 3704 0044 0532 0130 00"},
		{"iban DE compact", "IBAN DE89370400440532013000.", pii.TypeIBAN, "DE89370400440532013000"},
		{"iban GB", "to GB29 NWBK 6016 1331 9268 19", pii.TypeIBAN, "GB29 NWBK 6016 1331 9268 19"},
		{"iban FR", "FR14 2004 1010 0505 0001 3M02 606", pii.TypeIBAN, "FR14 2004 1010 0505 0001 3M02 606"},
		{"iban NO", "konto NO93 8601 1117 947", pii.TypeIBAN, "NO93 8601 1117 947"},
		{"card visa", "Karte 4111 1111 1111 1111", pii.TypeCard, "4111 1111 1111 1111"},
		{"card mastercard dashes", "card 5500-0000-0000-0004", pii.TypeCard, "5500-0000-0000-0004"},
		{"card amex", "Amex 3782 822463 10005", pii.TypeCard, "3782 822463 10005"},
		{"card compact", "card 4012888888881881", pii.TypeCard, "4012888888881881"},
		{"tax id", "Steuer-ID 86095742719", pii.TypeTaxID, "86095742719"},
		{"tax id grouped", "IdNr 39 170 342 364", pii.TypeTaxID, "39 170 342 364"},
		{"tax id no cue", "Nummer 41372159010 bitte vermerken", pii.TypeTaxID, "41372159010"},
		{"social security spaced", "RVNR 12 150370 M 50 7", pii.TypeSocialSecurity, "12 150370 M 50 7"},
		{"social security compact", "SV-Nummer 65170839J003", pii.TypeSocialSecurity, "65170839J003"},
		{"vat DE", "USt-IdNr. DE136695976", pii.TypeVATID, "DE136695976"},
		{"vat AT", "UID ATU13585627", pii.TypeVATID, "ATU13585627"},
		{"vat IT", "P.IVA IT00743110157", pii.TypeVATID, "IT00743110157"},
		{"vat BE", "BTW BE0403170701", pii.TypeVATID, "BE0403170701"},
		{"vat PL", "NIP PL5260250995", pii.TypeVATID, "PL5260250995"},
		{"vat CH", "UID CHE-116.281.710 MWST", pii.TypeVATID, "CHE-116.281.710 MWST"},
		{"ipv4", "Login von 85.214.132.117", pii.TypeIPAddress, "85.214.132.117"},
		{"ipv6", "from 2001:db8:85a3::8a2e:370:7334", pii.TypeIPAddress, "2001:db8:85a3::8a2e:370:7334"},
		{"ipv6 link local", "Router fe80::1ff:fe23:4567:890a", pii.TypeIPAddress, "fe80::1ff:fe23:4567:890a"},
		{"ipv6 loopback", "host ::1 only", pii.TypeIPAddress, "::1"},
		{"dob geboren am", "geboren am 12.03.1985 in Köln", pii.TypeDateOfBirth, "12.03.1985"},
		{"dob geb.", "Frau Nowak (geb. 21.09.1969)", pii.TypeDateOfBirth, "21.09.1969"},
		{"dob German month", "Sie ist am 3. Mai 1978 geboren.", pii.TypeDateOfBirth, "3. Mai 1978"},
		{"dob Geburtsdatum", "Geburtsdatum: 04.07.1992", pii.TypeDateOfBirth, "04.07.1992"},
		{"dob DOB ISO", "DOB 1987-06-23", pii.TypeDateOfBirth, "1987-06-23"},
		{"dob born English", "born on March 12, 1985", pii.TypeDateOfBirth, "March 12, 1985"},
		{"dob ordinal", "date of birth: 12th March 1985", pii.TypeDateOfBirth, "12th March 1985"},
		{"dob birthday", "Birthday: 02/11/1975", pii.TypeDateOfBirth, "02/11/1975"},
		{"address street", "wohnt in der Goethestraße 14, 50667 Köln.", pii.TypeAddress, "Goethestraße 14, 50667 Köln"},
		{"address str.", "Hauptstr. 8, 80331 München", pii.TypeAddress, "Hauptstr. 8, 80331 München"},
		{"address two words", "Berliner Straße 5 im Erdgeschoss", pii.TypeAddress, "Berliner Straße 5"},
		{"address hyphenated", "Kaiser-Wilhelm-Ring 22", pii.TypeAddress, "Kaiser-Wilhelm-Ring 22"},
		{"address Am", "Am Hafen 3, 24937 Flensburg", pii.TypeAddress, "Am Hafen 3, 24937 Flensburg"},
		{"address An der", "An der Alster 12a wohnt sie", pii.TypeAddress, "An der Alster 12a"},
		{"address weg", "Musterweg 1", pii.TypeAddress, "Musterweg 1"},
		{"address allee range", "Lindenallee 7-9", pii.TypeAddress, "Lindenallee 7-9"},
		{"address gasse", "Sie wohnt Judengasse 4.", pii.TypeAddress, "Judengasse 4"},
		{"address postcode city", "Lieferung nach 10115 Berlin", pii.TypeAddress, "10115 Berlin"},
		{"address city with river", "60311 Frankfurt am Main", pii.TypeAddress, "60311 Frankfurt am Main"},
		{"address post box", "Postfach 10 20 30, 80001 München", pii.TypeAddress, "Postfach 10 20 30, 80001 München"},
		{"address English", "lives at 221B Baker Street, London NW1 6XE.", pii.TypeAddress, "221B Baker Street, London NW1 6XE"},
		{"address English plain", "ship to 42 Oak Avenue, please", pii.TypeAddress, "42 Oak Avenue"},
		{"address US", "350 Fifth Avenue, New York, NY 10118", pii.TypeAddress, "350 Fifth Avenue, New York, NY 10118"},
		{"person Kundin", "Kundin Jana Schneider fragt", pii.TypePerson, "Jana Schneider"},
		{"person Herr", "Sehr geehrter Herr Müller,", pii.TypePerson, "Müller"},
		{"person Frau Dr.", "Frau Dr. Weber schreibt", pii.TypePerson, "Weber"},
		{"person Mr initial", "Mr J. Smith called", pii.TypePerson, "J. Smith"},
		{"person Mrs", "Hello Mrs Johnson,", pii.TypePerson, "Johnson"},
		{"person Dear", "Dear Olivia,", pii.TypePerson, "Olivia"},
		{"person Hallo", "Hallo Emre, danke!", pii.TypePerson, "Emre"},
		{"person Liebe", "Liebe Anna, danke für deine Bewertung", pii.TypePerson, "Anna"},
		{"person greeting unknown name", "Hallo Wiebke-Sophie, alles klar?", pii.TypePerson, "Wiebke-Sophie"},
		{"person customer", "customer Ahmed Hassan asked", pii.TypePerson, "Ahmed Hassan"},
		{"person von", "Nachricht von Fatima Al-Sayed:", pii.TypePerson, "Fatima Al-Sayed"},
		{"person from", "Email from Chloe Martin today", pii.TypePerson, "Chloe Martin"},
		{"person signature German", "Viele Grüße\nJana Schneider", pii.TypePerson, "Jana Schneider"},
		{"person signature comma", "Viele Grüße, Lena", pii.TypePerson, "Lena"},
		{"person signature English", "Best regards,\nEmily Clarke", pii.TypePerson, "Emily Clarke"},
		{"person signature unknown", "Mit freundlichen Grüßen\nK. Wozniak-Berger", pii.TypePerson, "K. Wozniak-Berger"},
		{"person gazetteer and surname", "Heute schrieb Giuseppe Rossi uns.", pii.TypePerson, "Giuseppe Rossi"},
		{"person Turkish", "Kunde Mehmet Yılmaz", pii.TypePerson, "Mehmet Yılmaz"},
		{"person Polish", "Frau Małgorzata Wiśniewska", pii.TypePerson, "Małgorzata Wiśniewska"},
		{"person particle", "Ursula von der Leyen sprach", pii.TypePerson, "Ursula von der Leyen"},
		{"person particle after title", "Frau van der Berg ruft an", pii.TypePerson, "van der Berg"},
		{"person label", "Name: Horst Seidel", pii.TypePerson, "Horst Seidel"},
		{"person ascii spelling", "Juergen Klein hat bestellt", pii.TypePerson, "Juergen Klein"},
		{"person possessive", "Anna Weber's order", pii.TypePerson, "Anna Weber"},
		{"person before an institute's name", "Heute schrieb Anna Weber vom Robert Koch-Institut", pii.TypePerson, "Anna Weber"},
		{"person weak name after a cue", "Nachricht von Anders Nilsson:", pii.TypePerson, "Anders Nilsson"},
		{"person title before a thing's name", "Herr Robert Koch", pii.TypePerson, "Robert Koch"},
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
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell", "Barista Pro", "Anna Kaffee", "Frieda"}})
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
		// "Côme" is a first name; folded to ASCII it is the English verb.
		{"imperative come", "Come and see us at the Baby Show, stand C14."},
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
		{"institute hyphenated", "Das Robert Koch-Institut schätzt derzeit eine Infektionssterblichkeit"},
		{"institute in genitive", "Nach Angaben des Robert Koch Instituts ( RKI ) treten"},
		{"institute hyphens only", "bei der Max-Planck-Gesellschaft und im Robert-Koch-Institut"},
		{"institute English", "Robert Koch Institute (RKI) (4)"},
		{"tree named after a person", "Fraser Fir 5–6 ft: £79.99, Douglas Fir from £59"},
		{"tree named after a person, German", "Die Douglas-Tanne und die Nordmann Tanne sind da."},
		{"dish named after a person", "Caesar Salad mit Hähnchen"},
		{"first name in a compound noun", "in der Corina-Krise finden Sie"},
		{"adverb at sentence start", "Anders kann der Fall liegen, wenn ein Vertrag fehlt."},
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
	d := pii.NewDetector(pii.DetectorOptions{})
	text := "Kundin Jana Schneider (jana.schneider@web.de, 0171 2345678), Goethestraße 14, 50667 Köln, geboren am 12.03.1985."
	fs := d.Detect(text)
	want := []string{pii.TypePerson, pii.TypeEmail, pii.TypePhone, pii.TypeAddress, pii.TypeDateOfBirth}
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
			d := pii.NewDetector(pii.DetectorOptions{Region: tc.region})
			got := false
			for _, f := range d.Detect("Telefon " + tc.text + " bitte") {
				got = got || f.Type == pii.TypePhone && f.Value == tc.text
			}
			if got != tc.want {
				t.Errorf("Detect(%q) with region %q found phone %v; want %v", tc.text, tc.region, got, tc.want)
			}
		})
	}
}

func TestServiceNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region, phone string
		want          bool
	}{
		{"DE", "0800 400 12 34", true},  // toll-free
		{"DE", "0180 6 123456", true},   // shared cost
		{"DE", "+49 800 4001234", true}, // toll-free, international form
		{"GB", "0800 048 1234", true},
		{"GB", "0345 600 1234", true},  // UK non-geographic (UAN)
		{"DE", "0171 2345678", false},  // mobile
		{"DE", "040 800 900-0", false}, // a fixed line, even a switchboard
		{"GB", "0161 496 0512", false}, // geographic
		{"GB", "07700 900456", false},  // mobile
		{"DE", "12", false},
	}
	for _, tc := range tests {
		t.Run(tc.region+" "+tc.phone, func(t *testing.T) {
			t.Parallel()
			d := pii.NewDetector(pii.DetectorOptions{Region: tc.region})
			if got := d.ServiceNumber(tc.phone); got != tc.want {
				t.Errorf("ServiceNumber(%q) with region %q = %v; want %v", tc.phone, tc.region, got, tc.want)
			}
		})
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	got := pii.Types()
	if len(got) != 11 || got[0] != pii.TypeEmail || got[10] != pii.TypePerson {
		t.Errorf("Types() = %v; want the 11 types from EMAIL to PERSON", got)
	}
	got[0] = "changed"
	if pii.Types()[0] != pii.TypeEmail {
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
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell", "Anna Kaffee"}})
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
	d := pii.NewDetector(pii.DetectorOptions{AllowList: []string{"Nordquell"}})
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
	d := pii.NewDetector(pii.DetectorOptions{})
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
