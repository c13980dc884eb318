package pii

import (
	"bytes"
	_ "embed"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexFlags say what a word is to the detectors; one word may carry several.
type lexFlags uint32

const (
	lexFirst       lexFlags = 1 << iota // a first name from the gazetteer
	lexWeakFirst                        // a first name that is also a common word: counts only after a cue
	lexTitle                            // Herr, Frau, Mr, Dr: a name follows
	lexRole                             // Kunde, Kundin, customer: a name may follow
	lexGreeting                         // Hallo, Dear, Liebe: a name may follow
	lexFrom                             // von, from, und, to: a known first name may follow
	lexFromStrong                       // von, from, named: even a weak first name may follow
	lexLabel                            // Name, Ansprechpartner: "label: name"
	lexSignoff                          // Grüße, regards: a name follows on the same or the next line
	lexWeakSignoff                      // thanks, danke, best: a name follows only if it ends the line
	lexNotName                          // capitalised words that are never names
	lexPlace                            // cities and countries: never names
	lexCompany                          // GmbH, AG, Ltd: the capitalised words before are a company
	lexParticle                         // von, van, de, di: inside surnames
	lexMonth                            // month names
	lexBirth                            // geboren, born, DOB: a date nearby is a date of birth
	lexBirthWeak                        // Geburtstag, birthday: likewise, unless it is an anniversary
	lexOrdinal                          // unser, our, Jubiläum: "our 10th birthday" is no person's
	lexStreet                           // Straße, Weg, Platz as a word of their own
	lexStreetPrep                       // Am, An, Auf, Im, Zum: "Am Hafen 3"
	lexArticle                          // der, die, das, dem, den
	lexEnStreet                         // Street, Road, Avenue
	lexUnit                             // a capitalised word after a number that is a quantity, not a place
	lexNegativeCue                      // order, SKU, Bestellnummer: the number after is no personal data
	lexPhoneCue                         // Tel, Telefon, phone
	lexTaxCue                           // Steuer-ID, IdNr, TIN
	lexSSNCue                           // Rentenversicherungsnummer
	lexVersionCue                       // Version, Build, Firmware: dotted numbers after are versions
)

// piiMaxLexWord is the longest word, in bytes, looked up in the lexicon.
const piiMaxLexWord = 40

// firstNamesData is the first-name gazetteer: names common in the EU and
// among its residents, one or more per line, lower case, '#' comments.
//
//go:embed data/firstnames.txt
var firstNamesData string

// weakFirstNames are first names that are also everyday words, brands or
// places; they count as names only after a cue.
const weakFirstNames = `will may mark bill art grace hope joy faith summer amber rose ruby jade iris ivy daisy lily holly
angel sunny sky storm august april june frank jack nick pat rich guy bob don dean earl gene miles chase cash page
paris florence sydney victoria georgia virginia carolina chelsea madison jordan london india china kenya
rosa stella luna nova aurora bella dolce amor fleur blanche claire belle hazel olive sage willow robin
mercedes porsche ferrari ford morgan bentley tesla alexa siri cortana dior chanel gucci armani prada
sonne mai juli can per job bo jo li yu nur dung fang mate saga line tone rune odd mentor gent hagen wolf lion levi
conrad viola gloria roman ernst otto salvador rosario lourdes montserrat milan medina florin nail sultan matt
grant lloyd stanley angus marine jesús jesus ángel sem floor harm helle rim cyrus anders come`

// piiLexicon maps a folded word to its flags; lexiconFilter holds one bit
// per lexiconHash of its keys, so most words that are not in it cost no
// map lookup.
var piiLexicon, lexiconFilter = buildLexicon()

// lexiconHash is a cheap 16-bit hash of a folded word for lexiconFilter.
func lexiconHash(w []byte) uint32 {
	n := len(w)
	return (uint32(n)*0x9E37 ^ uint32(w[0])*0x2B5 ^ uint32(w[n-1])*0x1F3D ^ uint32(w[n/2])*0x3C1) & 0xFFFF
}

// lexiconLookup returns the flags of a folded word.
func lexiconLookup(w []byte) lexFlags {
	if len(w) == 0 {
		return 0
	}
	if h := lexiconHash(w); lexiconFilter[h>>6]&(1<<(h&63)) == 0 {
		return 0
	}
	return piiLexicon[string(w)]
}

func buildLexicon() (map[string]lexFlags, *[1024]uint64) {
	m := make(map[string]lexFlags, 8000)
	add := func(f lexFlags, words string) {
		for _, w := range strings.Fields(words) {
			m[w] |= f
		}
	}
	for _, line := range strings.Split(firstNamesData, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			w = piiFoldString(w)
			m[w] |= lexFirst
			if a := asciiName(w); a != w {
				m[a] |= lexFirst
			}
		}
	}
	for _, w := range strings.Fields(weakFirstNames) {
		m[w] = m[w]&^lexFirst | lexWeakFirst
	}
	add(lexTitle, `herr herrn frau fräulein mr mrs ms miss mx dr prof professor sir madame monsieur mme mlle
		signora signor signore señor señora sr sra pan pani dipl ing mag`)
	add(lexRole, `kunde kundin customer client patient patientin mandant mandantin mieter mieterin
		bewerber bewerberin mitglied member käufer käuferin buyer teilnehmer teilnehmerin abonnent abonnentin
		schüler schülerin student studentin familie family`)
	add(lexGreeting, `hallo hi hey hello dear liebe lieber moin servus salut ciao hola hej hoi bonjour`)
	add(lexFrom, `von from i'm im heiße heisse heißt named to for für mit with an und and or oder bei at`)
	add(lexFromStrong, `von from i'm heiße heisse heißt named`)
	add(lexLabel, `name vorname nachname kundenname ansprechpartner ansprechpartnerin kontaktperson absender
		empfänger recipient sender contact inhaber inhaberin karteninhaber kontoinhaber kontoinhaberin cardholder
		holder fullname surname firstname lastname besteller bestellerin auftraggeber`)
	add(lexSignoff, `grüße grüßen gruß grüsse grüssen gruss regards wishes sincerely greetings mfg lg vg bg
		cordialement saluti saludos pozdrawiam groeten`)
	add(lexWeakSignoff, `thanks thank danke dankeschön best cheers yours`)
	add(lexNotName, `sie ihnen ihr ihre ihres ihrem ihren du dich dir dein deine deinen euch euer eure wir uns
		unser unsere unseren unserem ich mein meine er es man wer was wie wo wann
		team teams kunden kundinnen damen herren leute zusammen alle allerseits everyone all there guys folks
		sir sirs madam madams service support kundenservice kundendienst kundensupport abteilung redaktion
		gruppe community freunde freundinnen fans welt world friends customers members
		the a an our your my his her their this that these those we you they it i and or
		und oder mit für bei auf aus vom zum zur der die das dem den des ein eine einen einem einer im am an in
		bitte danke vielen herzlich herzlichen willkommen welcome thank thanks please happy neu neue neues new
		jetzt now today heute morgen gestern sale rabatt angebot angebote gratis free shop store produkt product
		newsletter info faq hotline bestellung order lieferung versand rechnung gutschein code aktion
		pro plus mini max ultra premium edition set box kit classic original bio organic serie series
		gmbh ag kg ug se ohg ltd llc inc plc co corp bv nv sa sas sarl srl spa
		grüße gruß regards kind best beste viele liebe herzliche freundlichen freundliche mfg
		januar februar märz april mai juni juli august september oktober november dezember
		january february march may june july october december
		montag dienstag mittwoch donnerstag freitag samstag sonntag sonnabend
		monday tuesday wednesday thursday friday saturday sunday
		weihnachten ostern pfingsten silvester christmas easter black friday cyber
		straße strasse weg platz allee gasse street road avenue lane
		gott god hr kollegen kolleginnen kollegen nachbarn gäste guests leser readers abonnenten subscribers
		mitglieder eltern familie family kinder kids partner partnerin`)
	add(lexPlace, `berlin hamburg münchen munich köln cologne frankfurt stuttgart düsseldorf dortmund essen leipzig
		bremen dresden hannover nürnberg nuremberg duisburg bochum wuppertal bielefeld bonn münster mannheim
		karlsruhe augsburg wiesbaden kiel lübeck rostock freiburg heidelberg potsdam mainz erfurt magdeburg
		flensburg kassel saarbrücken regensburg ulm würzburg göttingen jena trier koblenz aachen braunschweig
		wien vienna graz linz salzburg innsbruck klagenfurt zürich zurich genf geneva basel bern lausanne luzern
		london manchester birmingham liverpool leeds bristol edinburgh glasgow cardiff belfast dublin cork
		paris lyon marseille nice toulouse bordeaux lille strasbourg straßburg nantes rom rome roma mailand milan
		milano neapel naples napoli turin torino venedig venice venezia florenz firenze bologna genua genoa
		madrid barcelona valencia sevilla seville bilbao málaga malaga lissabon lisbon lisboa porto
		amsterdam rotterdam utrecht eindhoven haag brüssel brussels bruxelles antwerpen antwerp gent ghent
		luxemburg luxembourg warschau warsaw warszawa krakau kraków krakow danzig gdańsk gdansk breslau wrocław
		posen poznań prag prague praha brünn brno budapest bratislava ljubljana zagreb belgrad belgrade bukarest
		bucharest sofia athen athens thessaloniki istanbul ankara izmir kopenhagen copenhagen stockholm göteborg
		oslo bergen helsinki tallinn riga vilnius reykjavik new york boston chicago washington seattle
		deutschland germany österreich austria schweiz switzerland frankreich france italien italy spanien spain
		portugal polen poland niederlande netherlands holland belgien belgium dänemark denmark schweden sweden
		norwegen norway finnland finland tschechien czechia ungarn hungary griechenland greece türkei turkey
		kroatien croatia rumänien romania bulgarien bulgaria irland ireland england schottland scotland wales
		europa europe amerika america usa afrika africa asien asia
		bayern bavaria sachsen hessen thüringen brandenburg niedersachsen schleswig holstein nordrhein westfalen
		sylt rügen usedom allgäu schwarzwald bodensee nordsee ostsee alpen harz eifel tirol`)
	add(lexCompany, `gmbh ag kg ug se ohg gbr ltd llc inc plc corp bv nv sas sarl srl spa ab oy as kgaa mbh co`)
	add(lexParticle, `von van de der den di da del della du le la ten ter zu vom zum bin ibn al el dos das st`)
	add(lexMonth, `januar jänner februar märz maerz april mai juni juli august september oktober november dezember
		january february march may june july october december jan feb mär mar apr jun jul aug sep sept okt oct nov dez dec`)
	add(lexBirth, `geboren geb born dob geburtsdatum birth birthdate geburt geburtsdaten`)
	add(lexBirthWeak, `geburtstag birthday`)
	add(lexOrdinal, `unser unseren unserem unsere our its jubiläum anniversary ersten zweiten dritten vierten fünften
		zehnten zwanzigsten first second third fourth fifth tenth twentieth`)
	add(lexStreet, `straße strasse str weg platz allee ring gasse damm ufer chaussee markt pfad steig stieg
		promenade kai zeile twiete`)
	add(lexStreetPrep, `am an auf im zum zur unter hinter vor beim bei alte alter alten neue neuer neuen obere
		untere große kleine lange hohe`)
	add(lexArticle, `der die das dem den des`)
	add(lexEnStreet, `street st road rd avenue ave lane ln drive close way place pl square sq court ct crescent
		terrace boulevard blvd gardens row mews parkway grove walk`)
	add(lexUnit, `kunden kundinnen euro eur stück stk mal jahre jahren jahr tage tagen tag wochen monate minuten
		stunden sekunden nutzer mitglieder besucher follower downloads bewertungen sterne punkte teilnehmer
		mitarbeiter menschen haushalte bestellungen exemplare produkte artikel filialen standorte kilometer km
		meter liter tonnen gramm kilo abonnenten leser fans units users customers likes views pieces items
		uhr prozent percent seite seiten page pages kapitel schritt schritte stufe level runde teil folge
		staffel episode woche monat ende anfang mitte lager zimmer raum etage gleis halle tor kasse version
		morgen abend nachmittag vormittag wochenende cent cents dollar pfund franken zloty`)
	add(lexNegativeCue, `bestellnummer bestellnr bestellung auftragsnummer auftragsnr auftrag rechnungsnummer rechnungsnr
		rechnung kundennummer kundennr artikelnummer artikelnr art artnr sku ean gtin isbn upc order invoice
		ticket tracking sendungsnummer sendungsverfolgung paketnummer referenz ref reference vorgangsnummer
		vorgang serial seriennummer modell model item produktnummer nr no mitgliedsnummer vertragsnummer
		bestell-nr artikel-nr kunden-nr rechnungs-nr auftrags-nr id-nummer charge lot batch pzn barcode
		gutscheincode code pin tan`)
	add(lexPhoneCue, `tel telefon telefonnummer phone mobile mobil handy handynummer mobilnummer rufnummer fax
		call anrufen ruf whatsapp cell festnetz durchwahl hotline telephone tel.-nr telefonisch erreichbar
		sms signal téléphone telefono teléfono telefoon`)
	add(lexTaxCue, `steuer-id steuerid steueridentifikationsnummer idnr identifikationsnummer tin steuer-idnr
		steueridnr steuernummer tax-id taxid`)
	add(lexSSNCue, `sozialversicherungsnummer rentenversicherungsnummer versicherungsnummer rvnr svnr sv-nummer
		rv-nummer sozialversicherungs-nr`)
	add(lexVersionCue, `version versionen ver v build firmware release update software app os ios android`)
	var filter [1024]uint64
	for w := range m {
		h := lexiconHash([]byte(w))
		filter[h>>6] |= 1 << (h & 63)
	}
	return m, &filter
}

// piiFold appends the lower-case form of w to buf, with typographic
// apostrophes made plain.
func piiFold(buf []byte, w string) []byte {
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(w[i:])
		if r == '’' {
			r = '\''
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
		i += size
	}
	return buf
}

func piiFoldString(w string) string { return string(piiFold(nil, w)) }

// asciiName spells a folded name without diacritics ("jürgen" → "juergen",
// "łukasz" → "lukasz"), so the gazetteer matches both spellings.
func asciiName(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch r {
		case 'ä':
			b.WriteString("ae")
		case 'ö':
			b.WriteString("oe")
		case 'ü':
			b.WriteString("ue")
		case 'ß':
			b.WriteString("ss")
		default:
			if a, ok := plainLetter[r]; ok {
				b.WriteRune(a)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

var plainLetter = map[rune]rune{
	'á': 'a', 'à': 'a', 'â': 'a', 'ã': 'a', 'å': 'a', 'ą': 'a', 'ă': 'a', 'ç': 'c', 'ć': 'c', 'č': 'c',
	'ď': 'd', 'đ': 'd', 'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'ę': 'e', 'ě': 'e', 'ğ': 'g', 'í': 'i',
	'ì': 'i', 'î': 'i', 'ï': 'i', 'ı': 'i', 'ł': 'l', 'ń': 'n', 'ñ': 'n', 'ň': 'n', 'ó': 'o', 'ò': 'o',
	'ô': 'o', 'õ': 'o', 'ø': 'o', 'ř': 'r', 'ś': 's', 'š': 's', 'ş': 's', 'ș': 's', 'ť': 't', 'ț': 't',
	'ú': 'u', 'ù': 'u', 'û': 'u', 'ů': 'u', 'ý': 'y', 'ź': 'z', 'ż': 'z', 'ž': 'z',
}

// builtinAllowPhrases are brands named after persons that every
// Detector exempts, in folded form; tenants add their own with AllowList.
var builtinAllowPhrases = []string{"hugo boss", "tom tailor", "marc o'polo", "tommy hilfiger", "calvin klein",
	"ralph lauren", "jack wolfskin", "jack daniel", "ben & jerry", "dr. oetker", "tom ford", "karl lagerfeld",
	"marco polo", "mary kay", "estée lauder", "yves saint laurent", "christian dior", "giorgio armani",
	"paul hartmann", "hans im glück", "peter hahn", "emma matratzen", "anna kaffee", "thomas sabo", "otto group",
	"max mara", "hugo junkers", "mercedes benz", "mercedes-benz", "alfa romeo", "aston martin", "john deere",
	"ben sherman", "fred perry", "paul smith", "ted baker", "victoria's secret", "victoria beckham"}

// persons is the name pass over the tokens.
func (s *piiScan) persons() {
	toks := s.toks
	for k := 0; k < len(toks); k++ {
		t := &toks[k]
		if t.kind != piiWord || t.flags == 0 {
			continue
		}
		f := t.flags
		end := -1
		switch {
		case f&lexTitle != 0 && t.shape&(piiShapeCap|piiShapeUpper) != 0:
			end = s.nameAfter(k, 0.9, nameAny)
		case f&lexRole != 0 && !s.next(k, lexTitle):
			end = s.nameAfter(k, 0.8, nameAny)
		case f&lexGreeting != 0 && !s.next(k, lexTitle):
			end = s.nameAfter(k, 0.9, nameGreeting)
		case f&lexFrom != 0 && !s.next(k, lexTitle):
			end = s.nameAfter(k, 0.8, nameKnownFirst)
		case f&lexLabel != 0 && t.e < len(s.text) && s.text[t.e] == ':':
			end = s.nameAfter(k, 0.85, nameLabel)
		case f&(lexSignoff|lexWeakSignoff) != 0:
			end = s.signoff(k)
		case f&lexFirst != 0 && t.cap() && s.nameWord(k):
			switch e := s.thingless(k, s.collect(k)); {
			case e < k:
				// The name of an institution or a thing: "Robert Koch-Institut".
			case e > k && s.fullName(k, e):
				end = s.emit(k, e, 0.8)
			case e == k && !s.inTitle(k):
				// A known first name on its own: "Anna hat angerufen".
				end = s.emit(k, k, 0.6)
			}
		}
		if end > k {
			k = end
		}
	}
}

// next reports whether the token after k is adjacent and carries flag f.
func (s *piiScan) next(k int, f lexFlags) bool {
	return k+1 < len(s.toks) && s.toks[k+1].flags&f != 0 && s.adjacent(k, k+1)
}

// Kinds of name that may follow a cue.
const (
	nameAny        = iota // any capitalised name words (after a title or role)
	nameGreeting          // a known first name, or a name that ends the greeting
	nameKnownFirst        // only a known first name
	nameLabel             // after "Name:", the name may follow the colon
)

// nameAfter reports the name following the cue at k and returns the index
// of its last token, or -1.
func (s *piiScan) nameAfter(k int, score float64, kind int) int {
	j := k + 1
	// Further titles and initials: "Herr Dr. Müller", "Mr J. Smith".
	for j < len(s.toks) && s.adjacent(j-1, j) && s.toks[j].kind == piiWord &&
		(s.toks[j].flags&lexTitle != 0 && s.toks[j].shape&(piiShapeCap|piiShapeUpper) != 0) {
		j++
	}
	if j >= len(s.toks) || !s.adjacent(j-1, j) && !(kind == nameLabel && j == k+1 && s.sameLine(k, j)) {
		return -1
	}
	first := j
	initial := s.initial(j)
	if initial {
		if j+1 >= len(s.toks) || !s.adjacent(j, j+1) {
			return -1
		}
		j++
	}
	if !s.nameWord(j) {
		// "Frau van der Berg": particles before the surname.
		q := j
		for q < len(s.toks) && q-j < 2 && s.toks[q].flags&lexParticle != 0 && !s.toks[q].cap() && s.adjacent(q, q+1) {
			q++
		}
		if q == j || kind != nameAny || !s.nameWord(q) {
			return -1
		}
		return s.emit(j, s.collect(q), score)
	}
	e := s.collect(j)
	known := s.toks[j].flags&(lexFirst|lexWeakFirst) != 0
	switch kind {
	case nameKnownFirst:
		// After "von", "from" a weak first name will do; after "und",
		// "mit", "to" only an unambiguous one.
		strong := s.toks[j].flags&lexFirst != 0 || s.toks[k].flags&lexFromStrong != 0
		if !known || !strong || initial {
			return -1
		}
		if s.toks[j].flags&lexFirst == 0 && e == j && s.inTitle(j) {
			return -1 // "heißt Grace Edition": a product, not a person
		}
		// "im Robert-Koch-Institut", "mit der Anne-Frank-Schule": a
		// thing named after someone; a title or role cue still counts.
		if e = s.thingless(j, e); e < j {
			return -1
		}
	case nameGreeting:
		if !known {
			if !s.endsClause(e) || e == j && pluralNoun(s.foldBytes(j)) {
				return -1
			}
			score = 0.7
		}
	}
	if known && score < 0.9 {
		score = math.Round((score+0.05)*100) / 100
	}
	return s.emit(first, e, score)
}

// signoff reports the name after a sign-off ("Viele Grüße,\nJana
// Schneider", "Best regards, Olivia") and returns its last token, or -1.
func (s *piiScan) signoff(k int) int {
	text := s.text
	j := k + 1
	if j >= len(s.toks) {
		return -1
	}
	// Between the sign-off and the name: punctuation, spaces, at most two
	// line breaks; nothing else.
	gap := text[s.toks[k].e:s.toks[j].s]
	if len(gap) > 8 || strings.Count(gap, "\n") > 2 || strings.Trim(gap, " ,!.\r\n\t") != "" {
		return -1
	}
	weak := s.toks[k].flags&lexSignoff == 0
	if weak && !strings.ContainsAny(gap, ",!\n") {
		return -1
	}
	for j < len(s.toks) && s.toks[j].flags&lexTitle != 0 && s.toks[j].shape&(piiShapeCap|piiShapeUpper) != 0 && s.adjacent(j, j+1) {
		j++
	}
	first := j
	if s.initial(j) && s.adjacent(j, j+1) {
		j++ // "K. Wozniak"
	}
	if !s.nameWord(j) {
		return -1
	}
	e := s.collect(j)
	known := s.toks[j].flags&(lexFirst|lexWeakFirst) != 0
	if !s.endsLine(e) && (weak || !known) {
		return -1
	}
	score := 0.7
	if known {
		score = 0.9
	}
	return s.emit(first, e, score)
}

// collect extends the name starting at token k over following name words
// and surname particles ("Ursula von der Leyen") and returns the index of
// its last token.
func (s *piiScan) collect(k int) int {
	e := k
	words := 1
	for j := k + 1; j < len(s.toks) && words < 4 && s.adjacent(j-1, j); j++ {
		if s.text[s.toks[j-1].e] == '.' && !s.initial(j-1) {
			break // "Max. Füllmenge": names are not abbreviated
		}
		t := &s.toks[j]
		if t.kind != piiWord {
			break
		}
		if t.flags&lexParticle != 0 && !t.cap() && t.shape&piiShapeUpper == 0 {
			continue // "von", "van der": kept only if a name word follows
		}
		if !s.nameWord(j) {
			break
		}
		e = j
		words++
	}
	return e
}

// fullName reports whether tokens k..e, found from a first name alone,
// look like a person's name rather than a company or a phrase.
func (s *piiScan) fullName(k, e int) bool {
	if e+1 < len(s.toks) && s.adjacent(e, e+1) && s.toks[e+1].flags&lexCompany != 0 {
		return false
	}
	if e+1 < len(s.toks) && s.toks[e+1].s-s.toks[e].e <= 3 && strings.Contains(s.text[s.toks[e].e:s.toks[e+1].s], "&") {
		return false
	}
	return true
}

// namedAfterHeads are the nouns that make a name before them (joined by a
// hyphen or followed by the noun) the name of an institution, a prize or
// a thing rather than a person: "Robert Koch-Institut", "Robert Koch
// Institute", "Max-Planck-Gesellschaft", "Anne-Frank-Schule", and the trees
// and dishes named after someone: "Fraser Fir", "Douglas-Tanne", "Caesar
// Salad".
var namedAfterHeads = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`institut institute stiftung foundation gesellschaft society universität university
		klinik klinikum krankenhaus hospital schule school gymnasium akademie academy museum zentrum center centre
		preis prize award medaille medal stadion stadium bahnhof flughafen airport kaserne kirche church brücke bridge
		krise syndrom syndrome krankheit disease effekt effect prinzip principle gesetz verlag
		fir firs spruce tanne tannen fichte salad salat torte sponge`) {
		m[w] = true
	}
	return m
}()

// namedAt returns the index of the first token in k..e, or right after e,
// that makes the name in tokens k..e the name of a thing: a word after the
// first, or a hyphenated part of one, that is one of namedAfterHeads (a
// genitive "s" aside). It returns -1 when there is none.
func (s *piiScan) namedAt(k, e int) int {
	head := func(w []byte) bool {
		return namedAfterHeads[string(w)] || bytes.HasSuffix(w, []byte("s")) && namedAfterHeads[string(w[:len(w)-1])]
	}
	for j := k; j <= e+1 && j < len(s.toks); j++ {
		if j == e+1 && (s.toks[j].kind != piiWord || !s.adjacent(e, j)) {
			break
		}
		w := s.foldBytes(j)
		if h := bytes.LastIndexByte(w, '-'); h >= 0 && head(w[h+1:]) || j > k && head(w) {
			return j
		}
	}
	return -1
}

// thingless returns the end of the person's name in tokens k..e with a
// thing named after someone taken off its end: "Anna Weber vom Robert
// Koch-Institut" is Anna Weber, up to the particle before the thing's
// name; "Robert Koch-Institut" is no person (-1). Without a thing's name it
// returns e.
func (s *piiScan) thingless(k, e int) int {
	j := s.namedAt(k, e)
	if j < 0 {
		return e
	}
	for p := j - 1; p > k; p-- {
		if t := &s.toks[p]; t.flags&lexParticle != 0 && !t.cap() {
			for p > k+1 && s.toks[p-1].flags&lexParticle != 0 && !s.toks[p-1].cap() {
				p--
			}
			return p - 1
		}
	}
	return -1
}

// inTitle reports whether the word k sits in a run of capitalised words
// (a heading, a product or event name such as "Sale Grace Edition"), where
// a lone first name is not taken for a person.
func (s *piiScan) inTitle(k int) bool {
	capWord := func(j int) bool {
		return j >= 0 && j < len(s.toks) && s.toks[j].kind == piiWord && s.toks[j].shape&(piiShapeCap|piiShapeUpper) != 0
	}
	return capWord(k-1) && s.adjacent(k-1, k) && s.toks[k-1].flags&lexFrom == 0 || capWord(k+1) && s.adjacent(k, k+1)
}

// nameWord reports whether token k can be part of a name: a capitalised
// word that is no cue, common word, place or allow-listed name.
func (s *piiScan) nameWord(k int) bool {
	if k >= len(s.toks) {
		return false
	}
	t := &s.toks[k]
	if t.kind != piiWord || !t.cap() || t.e-t.s < 2 {
		return false
	}
	const never = lexNotName | lexPlace | lexTitle | lexRole | lexGreeting | lexSignoff | lexCompany | lexMonth |
		lexStreet | lexEnStreet | lexLabel
	if t.flags&never != 0 && t.flags&lexFirst == 0 {
		return false
	}
	b := s.foldBytes(k)
	if len(s.d.allowWords) > 0 && s.d.allowWords[string(b)] {
		return false
	}
	return !streetName(b)
}

// initial reports whether token k is an initial such as "J." in "Mr J. Smith".
func (s *piiScan) initial(k int) bool {
	t := &s.toks[k]
	return t.kind == piiWord && t.e-t.s == 1 && piiIsUpper(s.text[t.s]) && t.e < len(s.text) && s.text[t.e] == '.'
}

// adjacent reports whether tokens a and b are separated only by spaces
// and at most one period (after an abbreviation), on one line.
func (s *piiScan) adjacent(a, b int) bool {
	if b >= len(s.toks) {
		return false
	}
	gap := s.text[s.toks[a].e:s.toks[b].s]
	if len(gap) == 0 || len(gap) > 3 {
		return false
	}
	dots := 0
	for k := 0; k < len(gap); k++ {
		switch gap[k] {
		case ' ', '\t':
		case '.':
			dots++
		default:
			return false
		}
	}
	return dots <= 1 && (dots == 0 || gap[0] == '.')
}

// sameLine reports whether tokens a and b are on one line with only
// punctuation and spaces between them.
func (s *piiScan) sameLine(a, b int) bool {
	gap := s.text[s.toks[a].e:s.toks[b].s]
	return len(gap) <= 4 && strings.Trim(gap, " :\t") == ""
}

// endsClause reports whether the name ending at token e is followed by a
// comma, an exclamation mark, a colon or the end of the line.
func (s *piiScan) endsClause(e int) bool {
	rest := s.text[s.toks[e].e:]
	rest = strings.TrimLeft(rest, " \t")
	return rest == "" || strings.IndexByte(",!:\r\n", rest[0]) >= 0
}

// endsLine reports whether the name ending at token e ends its line
// (punctuation aside).
func (s *piiScan) endsLine(e int) bool {
	rest := s.text[s.toks[e].e:]
	rest = strings.TrimLeft(rest, " \t.,!")
	return rest == "" || rest[0] == '\n' || rest[0] == '\r'
}

// emit records a person found in tokens k..e (after the allow-list check)
// and returns e, or -1 if the allow list exempts it.
func (s *piiScan) emit(k, e int, score float64) int {
	start, end := s.toks[k].s, s.toks[e].e
	if s.allowedPhrase(k, e) {
		return -1
	}
	s.add(TypePerson, start, end, score)
	return e
}

// allowedPhrase reports whether a multi-word allow-list entry that shares
// a word with tokens k..e occurs whole around them.
func (s *piiScan) allowedPhrase(k, e int) bool {
	for j := k; j <= e; j++ {
		phrases := s.d.phraseIndex[string(s.foldBytes(j))]
		if len(phrases) == 0 {
			continue
		}
		start, end := s.toks[k].s, s.toks[e].e
		for _, p := range phrases {
			lo, hi := max(0, start-len(p)), min(len(s.text), end+len(p))
			window := strings.Join(strings.Fields(piiFoldString(s.text[lo:hi])), " ")
			if strings.Contains(window, p) {
				return true
			}
		}
	}
	return false
}

// foldBytes returns the folded text of token k in the scan's buffer, valid
// until the next call.
func (s *piiScan) foldBytes(k int) []byte {
	t := &s.toks[k]
	s.buf = piiFold(s.buf[:0], s.text[t.s:t.e])
	return s.buf
}

// pluralNoun reports whether a folded word reads as a plural noun for a
// group ("Kaffeefreunde", "Leserinnen", "Nachbarn"), which greetings
// address as often as persons.
func pluralNoun(w []byte) bool {
	for _, suf := range [...]string{"freunde", "freundinnen", "innen", "kunden", "fans", "leser", "gäste", "nachbarn",
		"mitglieder", "eltern", "abonnenten", "kollegen", "leute", "teilnehmer", "liebhaber", "lovers", "friends",
		"fans", "members", "folks", "team", "all", "everyone", "welt", "world"} {
		if bytes.HasSuffix(w, []byte(suf)) {
			return true
		}
	}
	return false
}
