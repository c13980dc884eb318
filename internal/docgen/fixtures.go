package docgen

import (
	"fmt"
	"strings"
)

// Fixture is one generated document under testdata/documents.
type Fixture struct {
	// Name is the file name.
	Name string
	// Build renders it.
	Build func() ([]byte, error)
}

// Fixtures are the documents under testdata/documents, in name order.
// Their golden text (<name>.golden) is what the parsers make of them.
func Fixtures() []Fixture {
	pdfs := map[string]PDF{
		"de-preisliste.pdf":       preisliste(),
		"de-pressemitteilung.pdf": pressemitteilung(),
		"de-handbuch.pdf":         handbuch(),
		"de-scan.pdf":             scanned(),
		"de-zweispaltig.pdf":      zweispaltig(),
		"en-datasheet.pdf":        datasheet(),
		"en-encrypted.pdf":        encrypted(),
		"en-press-release.pdf":    pressRelease(),
		"en-two-column.pdf":       twoColumn(),
		"en-spec-table.pdf":       specTable(),
	}
	docxs := map[string]DOCX{
		"de-produktblatt.docx": produktblatt(),
		"de-briefing.docx":     briefing(),
		"en-brief.docx":        brief(),
		"en-tracked.docx":      tracked(),
	}
	var out []Fixture
	for name, d := range pdfs {
		out = append(out, Fixture{Name: name, Build: d.Bytes})
	}
	for name, d := range docxs {
		out = append(out, Fixture{Name: name, Build: d.Bytes})
	}
	out = append(out,
		Fixture{Name: "en-truncated.pdf", Build: func() ([]byte, error) {
			b, err := datasheet().Bytes()
			return b[:len(b)*2/5], err
		}},
		Fixture{Name: "de-kaputt.pdf", Build: func() ([]byte, error) {
			return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n" + strings.Repeat("[[[[[[[[", 4096) + "\n%%EOF\n"), nil
		}},
		Fixture{Name: "en-truncated.docx", Build: func() ([]byte, error) {
			b, err := brief().Bytes()
			return b[:len(b)/2], err
		}},
		Fixture{Name: "de-zipbombe.docx", Build: func() ([]byte, error) { return ZipBomb(200 << 20) }},
	)
	sortFixtures(out)
	return out
}

func sortFixtures(fs []Fixture) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Name < fs[j-1].Name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func datasheet() PDF {
	return PDF{Title: "Aurora X2 Headphones - Data Sheet", Author: "Jane Miller", Outline: true,
		Header: "Aurora Audio - Product Data Sheet", Footer: "Aurora X2 Data Sheet - page {page} - aurora-audio.example",
		Pages: [][]Element{{
			H1("Aurora X2 Wireless Headphones"),
			P("The Aurora X2 are over-ear wireless headphones with hybrid active noise cancel-\nlation, designed for long flights and open-plan offices."),
			H2("Key features"),
			P("Adaptive noise cancellation adjusts to the surroundings forty times a second. The companion app offers a ten-band equaliser and a transparency mode for announcements."),
			H2("Technical specifications"),
			Table([]string{"Property", "Value"},
				[]string{"Battery life", "38 hours (ANC on)"},
				[]string{"Charging time", "2.5 hours (USB-C)"},
				[]string{"Weight", "254 g"},
				[]string{"Bluetooth", "5.3, multipoint"},
				[]string{"Drivers", "40 mm dynamic"}),
		}, {
			H2("Warranty and service"),
			P("Every Aurora X2 comes with a three-year manufacturer warranty. Ear cushions are wear parts and are covered for twelve months; replacement cushions can be ordered from the service portal."),
			H3("Repairs"),
			P("Repairs are handled by the service centre in Leipzig within ten working days. Send the headphones in the original packaging together with the proof of pur-\nchase."),
			H2("Box contents"),
			P("Headphones, hard-shell travel case, USB-C cable, 3.5 mm audio cable and a flight adapter."),
		}}}
}

func preisliste() PDF {
	return PDF{Title: "Preisliste Frühjahr 2026", Author: "Klaus Becker",
		Header: "Nordlicht Software GmbH - Preisliste", Footer: "Seite {page} - Preise zzgl. MwSt.",
		Pages: [][]Element{{
			H1("Preisliste Frühjahr 2026"),
			P("Alle Preise gelten ab dem 1. März 2026 für Neukunden und Vertragsverlängerungen."),
			H2("Lizenzen"),
			Table([]string{"Produkt", "Monatlich", "Jährlich"},
				[]string{"Nordlicht Basis", "19,00 EUR", "190,00 EUR"},
				[]string{"Nordlicht Team", "49,00 EUR", "490,00 EUR"},
				[]string{"Nordlicht Enterprise", "129,00 EUR", "1.290,00 EUR"}),
		}, {
			H2("Zusatzleistungen"),
			Table([]string{"Leistung", "Einheit", "Preis"},
				[]string{"Einrichtung vor Ort", "pro Tag", "950,00 EUR"},
				[]string{"Schulung online", "pro Stunde", "120,00 EUR"},
				[]string{"Premium-Support", "pro Monat", "250,00 EUR"}),
			H2("Zahlungsbedingungen"),
			P("Rechnungen sind innerhalb von 14 Tagen ohne Abzug zahlbar. Bei jährlicher Zahlung gewähren wir zwei Gratismonate gegenüber der monat-\nlichen Abrechnung."),
		}}}
}

func pressemitteilung() PDF {
	return PDF{Title: "Pressemitteilung: Grünwerk eröffnet Werk in Kassel", Author: "Petra Schulz",
		Pages: [][]Element{{
			H1("Grünwerk eröffnet neues Werk in Kassel"),
			P("Kassel, 2. März 2026 - Die Grünwerk AG hat heute ihr drittes Werk für Wärme-\npumpen eröffnet. Am Standort Kassel entstehen 420 neue Arbeitsplätze."),
			H2("Produktion ab Sommer"),
			P("Die Serienfertigung der Wärmepumpe Aerotherm 9 beginnt im Juni. Das Werk soll jährlich bis zu 60.000 Geräte liefern und wird vollständig mit Strom aus der eigenen Photovoltaik-\nanlage betrieben."),
			H2("Über Grünwerk"),
			P("Die Grünwerk AG mit Sitz in Hannover entwickelt Heizsysteme für Ein- und Mehrfamilienhäuser und beschäftigt rund 2.100 Menschen."),
			H2("Pressekontakt"),
			P("Grünwerk AG, Unternehmenskommunikation, presse@gruenwerk.example"),
		}}}
}

func handbuch() PDF {
	pages := [][]Element{{
		H1("Benutzerhandbuch Kaffeevollautomat Barista Pro"),
		P("Dieses Handbuch beschreibt Aufstellung, Bedienung und Pflege des Barista Pro. Bewahren Sie es für spätere Nachfragen auf."),
		H2("1 Aufstellung"),
		P("Stellen Sie das Gerät auf eine ebene, wasserfeste Fläche mit mindestens 10 cm Abstand zur Wand. Schließen Sie es nur an eine geerdete Steckdose an."),
		H3("1.1 Wassertank füllen"),
		P("Füllen Sie den Wassertank mit frischem, kaltem Leitungswasser bis zur Markierung MAX. Verwenden Sie kein Mineralwasser mit Kohlensäure."),
	}, {
		H2("2 Bedienung"),
		H3("2.1 Kaffee zubereiten"),
		P("Drücken Sie die Taste für die gewünschte Tasse. Die Mahlmenge stellen Sie mit dem Drehregler in fünf Stufen ein; Stufe 3 ist für die meisten Bohnen geeignet."),
		H3("2.2 Milchschaum"),
		P("Tauchen Sie die Dampfdüse in kalte Milch und öffnen Sie den Dampfhahn langsam. Reinigen Sie die Düse nach jedem Gebrauch mit einem feuchten Tuch."),
	}, {
		H2("3 Pflege und Entkalkung"),
		P("Das Gerät meldet sich nach etwa 200 Bezügen zur Entkalkung. Verwenden Sie ausschließlich den Entkalker Barista Clean; das Programm dauert rund 25 Minuten."),
		H3("3.1 Brühgruppe reinigen"),
		P("Nehmen Sie die Brühgruppe einmal pro Woche heraus und spülen Sie sie unter fließendem Wasser ab. Verwenden Sie dabei kein Spülmittel."),
	}}
	return PDF{Title: "Benutzerhandbuch Barista Pro", Author: "Technische Redaktion Müller", Outline: true,
		Header: "Barista Pro - Benutzerhandbuch", Footer: "Seite {page}", Pages: pages}
}

func scanned() PDF {
	return PDF{Title: "Lieferschein (Scan)", Author: "Scanner",
		Pages: [][]Element{{Scan("Lieferschein Nummer 4711 vom 2. März 2026 an Nordlicht Software GmbH")}}}
}

func zweispaltig() PDF {
	return PDF{Title: "Kundenmagazin Frühling", Author: "Redaktion",
		Pages: [][]Element{{
			H1("Kundenmagazin: Neues aus dem Frühling"),
			Columns([]string{
				"Die linke Spalte beginnt mit unserem Gartenthema. Hochbeete aus Lärchenholz halten bis zu fünfzehn Jahre und brauchen keine chemische Behandlung.",
				"Im Frühjahr empfehlen wir, die Erde mit reifem Kompost aufzufrischen. So bleibt das Beet ohne Kunstdünger fruchtbar.",
			}, []string{
				"Die rechte Spalte widmet sich dem Fahrrad. Vor der ersten Tour lohnt ein Blick auf Reifendruck, Bremsen und Kette.",
				"Unsere Werkstätten bieten bis Ende April einen Frühjahrscheck zum Festpreis von 39 Euro an.",
			}),
			P("Impressum: Kundenmagazin der Beispiel Handels GmbH, erscheint viermal im Jahr."),
		}}}
}

func encrypted() PDF {
	d := datasheet()
	d.Title = "Aurora X3 Launch Plan (confidential)"
	d.UserPassword = "s3cret"
	return d
}

func pressRelease() PDF {
	return PDF{Title: "Press release: Helios Bikes opens Amsterdam store", Author: "Tom Baker",
		Pages: [][]Element{{
			H1("Helios Bikes opens its first store in Amsterdam"),
			P("Amsterdam, 2 March 2026 - Helios Bikes today opened its first flagship store outside Germany. The store on the Prinsengracht offers test rides of the full e-bike range."),
			H2("Service and test rides"),
			P("Visitors can book a free 45-minute test ride online. The in-house workshop services all Helios models and offers a same-day repair for punctures and brake adjust-\nments."),
			H2("About Helios Bikes"),
			P("Helios Bikes was founded in Freiburg in 2015 and sells about 30,000 e-bikes a year through 40 partner shops."),
		}}}
}

func twoColumn() PDF {
	return PDF{Title: "Newsletter: Spring update", Author: "Editorial team",
		Pages: [][]Element{{
			H1("Spring update for customers"),
			Columns([]string{
				"The left column covers the new mobile app. Version 4 adds offline maps and lets riders download routes before a trip.",
				"The app also shows the remaining battery range for every route, based on the rider's own history.",
			}, []string{
				"The right column covers our trade-in programme. Customers who return an old e-bike receive a credit of up to 600 euros.",
				"Trade-ins are accepted in every partner shop until the end of May.",
			}),
			P("Questions about this newsletter go to the customer service team."),
		}}}
}

func specTable() PDF {
	rows := [][]string{{"Model", "Capacity", "Range", "Price"}}
	for i, m := range []string{"City 300", "Trek 500", "Cargo 750", "Mountain 625", "Fold 250"} {
		rows = append(rows, []string{"Helios " + m, fmt.Sprintf("%d Wh", []int{300, 500, 750, 625, 250}[i]),
			fmt.Sprintf("%d km", []int{70, 110, 140, 95, 55}[i]), fmt.Sprintf("%d EUR", []int{2499, 3299, 4899, 4199, 1999}[i])})
	}
	return PDF{Title: "Helios e-bike range 2026", Author: "Product management", Outline: true,
		Footer: "Helios Bikes - Range 2026 - {page}",
		Pages: [][]Element{{
			H1("Helios e-bike range 2026"),
			P("The table lists battery capacity, typical range and the recommended retail price of every model."),
			Table(rows...),
			H2("Notes on range"),
			P("Range figures are measured with the middle assistance level at 20 degrees Celsius; cold weather reduces the range by up to a third."),
		}, {
			H2("Accessories"),
			P("Every model fits the Helios rear rack and the 20-litre pannier. A second battery is available for the Trek 500 and the Cargo 750."),
		}}}
}

func brief() DOCX {
	return DOCX{Title: "Newsletter brief: spring campaign", Author: "Anna Weber",
		Body: []Para{
			{Heading: 1, Text: "Spring campaign brief"},
			{Text: "The spring newsletter goes out on 16 March to all customers who opted in."},
			{Heading: 2, Text: "Audience"},
			{Text: "Existing customers who bought an e-bike in the last three years."},
			{Heading: 2, Text: "Key messages"},
			{List: "bullet", Text: "The trade-in programme pays up to 600 euros for an old e-bike."},
			{List: "bullet", Text: "The new app shows offline maps."},
			{List: "bullet", Text: "Test rides are free in every store."},
			{Heading: 2, Text: "Offer overview"},
			{Rows: [][]string{{"Offer", "Discount", "Valid until"}, {"Trade-in credit", "up to 600 EUR", "31 May"}, {"Service check", "39 EUR flat", "30 April"}}},
			{Heading: 3, Text: "Tone"},
			{Text: "Friendly and direct; no superlatives, no exclamation marks.", Comment: 1},
		},
		Comments: []string{"Anna: check with legal whether we may name the competitor."},
	}
}

func tracked() DOCX {
	return DOCX{Title: "Product text draft: Aurora X2", Author: "Mark Jones",
		Body: []Para{
			{Heading: 1, Text: "Aurora X2 product text"},
			{Text: "The Aurora X2 runs for ", Deleted: "30 hours", Inserted: "38 hours on one charge."},
			{Text: "Noise cancellation adapts to the surroundings.", Footnote: 1},
			{Heading: 2, Text: "Call to action"},
			{Text: "Order now and get a travel case ", Deleted: "at half price", Inserted: "free of charge."},
		},
		Footnotes: []string{"Measured in the laboratory of the manufacturer."},
		Comments:  []string{"Mark: the phone number of the customer is +49 170 1234567."},
	}
}

func produktblatt() DOCX {
	return DOCX{Title: "Produktblatt Aerotherm 9", Author: "Julia Hoffmann", HeadingStyle: "berschrift",
		Body: []Para{
			{Heading: 1, Text: "Wärmepumpe Aerotherm 9"},
			{Text: "Die Aerotherm 9 ist eine Luft-Wasser-Wärmepumpe für Einfamilienhäuser bis 180 Quadratmeter."},
			{Heading: 2, Text: "Technische Daten"},
			{Rows: [][]string{{"Merkmal", "Wert"}, {"Heizleistung", "9 kW"}, {"Schallleistung", "52 dB(A)"}, {"Kältemittel", "R290 (Propan)"}, {"Jahresarbeitszahl", "4,6"}}},
			{Heading: 2, Text: "Förderung"},
			{Text: "Für den Einbau gibt es bis zu 70 Prozent Zuschuss aus der Bundesförderung für effiziente Gebäude."},
			{Heading: 2, Text: "Lieferumfang"},
			{List: "number", Text: "Außeneinheit mit Wandkonsole"},
			{List: "number", Text: "Inneneinheit mit Pufferspeicher"},
			{List: "number", Text: "Bedienteil mit App-Anbindung"},
		}}
}

func briefing() DOCX {
	return DOCX{Title: "Briefing Social Media April", Author: "Lena Fischer", HeadingStyle: "berschrift",
		Body: []Para{
			{Heading: 1, Text: "Briefing Social Media April"},
			{Text: "Im April bewerben wir den Frühjahrscheck der Werkstätten."},
			{Heading: 2, Text: "Kanäle"},
			{List: "bullet", Text: "Instagram: drei Beiträge und zwei Stories pro Woche"},
			{List: "bullet", Text: "LinkedIn: ein Beitrag pro Woche"},
			{Heading: 2, Text: "Freigabe"},
			{Text: "Alle Beiträge gehen bis Donnerstag an die Rechtsabteilung.", Footnote: 1, Comment: 1},
		},
		Footnotes: []string{"Ausnahme: Stories mit reinem Bildmaterial."},
		Comments:  []string{"Lena: Herr Wagner ist im April im Urlaub, bitte Frau Braun fragen."},
	}
}
