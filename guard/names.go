package guard

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// firstNames is a gazetteer of first names common in the EU and among its
// residents: German, Austrian and Swiss, Turkish, Polish, Italian, Arabic,
// English, French, Spanish, Dutch, Greek, Croatian, Romanian, Russian and
// Ukrainian. Lower case.
var firstNames = setOfWords(`
anna maria sophie sophia marie emma mia hannah hanna lena lea leonie laura lara julia lisa sarah sara katharina
johanna clara klara charlotte amelie emilia ella luisa louisa paula greta frieda ida mila nele lina jana jule
sabine petra monika andrea claudia susanne stefanie christina nicole birgit martina heike kerstin anja nadine
sandra melanie tanja katrin simone ulrike ute renate gabriele ursula helga ingrid karin brigitte elke silke
barbara angelika doris christa inge gisela marianne hildegard elisabeth margarete irmgard erika edith
alexander maximilian paul leon lukas luca luka felix jonas elias noah ben finn tim jan niklas nico david
julian moritz philipp tobias daniel michael thomas andreas stefan stephan christian markus marcus matthias
martin peter frank jürgen juergen uwe klaus wolfgang hans dieter werner günter guenter horst manfred helmut
gerhard walter karl heinz bernd rainer ralf jörg joerg sven dirk olaf torsten thorsten holger kai jens lars
florian sebastian benjamin dominik fabian patrick simon jonathan johannes malte hauke jannik tom max oskar
emil anton theo henry henri karsten volker norbert hubert josef joseph franz georg ludwig friedrich otto
mehmet mustafa ahmet ali hasan hüseyin huseyin ibrahim ismail murat emre burak can cem deniz serkan kemal
osman yusuf ayse ayşe fatma emine hatice zeynep elif merve esra büşra busra özlem ozlem derya selin ebru
piotr paweł pawel krzysztof tomasz andrzej marcin michał michal jakub kamil łukasz grzegorz wojciech mateusz
agnieszka katarzyna małgorzata malgorzata joanna magdalena ewa aleksandra zofia natalia dorota marta
giuseppe giovanni antonio francesco mario luigi marco alessandro andrea matteo lorenzo davide federico
giulia chiara francesca sofia alessia martina giorgia valentina elena silvia paola rosa lucia
mohammed muhammad mohamed mahmoud ahmed ahmad omar khaled khalid hassan hussein youssef yusuf karim tarek
fatima aisha aischa layla leila amira yasmin jasmin nour noor mariam maryam samira salma rania huda
james john robert william richard joseph charles christopher matthew anthony mark steven paul andrew joshua
kevin brian george edward ronald timothy jason jeffrey ryan jacob gary nicholas eric stephen larry justin
scott brandon oliver harry jack jacob charlie thomas oscar william george noah leo arthur freddie
mary patricia jennifer linda elizabeth susan jessica karen nancy betty margaret lisa dorothy sandra ashley
kimberly emily donna michelle carol amanda melissa deborah stephanie rebecca sharon cynthia kathleen amy
olivia isla ava grace lily freya evie poppy isabella ruby chloe sienna daisy florence alice phoebe
jean pierre michel philippe alain nicolas françois francois laurent éric julien sébastien sebastien olivier
marie nathalie isabelle sylvie catherine françoise francoise valérie valerie sandrine céline celine camille
manon chloé léa lea inès ines juliette louise jade
josé jose antonio manuel francisco juan javier carlos miguel rafael pedro alejandro pablo sergio jorge
carmen josefa isabel dolores pilar teresa ana cristina lucía marta rosa raquel
jan pieter piet hendrik dirk willem bram sander thijs daan sem luuk stijn ruben bas wouter joost
anouk femke sanne lotte fleur iris noa eva sophie fenna roos
nikolaos giorgos georgios dimitris konstantinos eleni katerina ivan ivana marko petra tomislav ana
andrei alexandru mihai ion gheorghe elena ioana mihaela dmitri sergei olga tatiana natalia oksana olena
olivia mehmet jana malte piotr sofia
`)

func setOfWords(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// personCues precede a name: titles, roles, greetings.
var personCues = setOfWords(`herr herrn frau fräulein kunde kunden kundin mr mr. mrs mrs. ms ms. miss dr dr. prof prof.
customer client dear hallo hi hello liebe lieber sehr geehrte geehrter von from mitarbeiterin mitarbeiter
ansprechpartner ansprechpartnerin kollegin kollege colleague patient patientin`)

// signOffs end a letter; the name follows on the next line or after a comma.
var signOffs = []string{"viele grüße", "liebe grüße", "beste grüße", "freundliche grüße", "mit freundlichen grüßen",
	"herzliche grüße", "gruß", "grüße", "lg", "vg", "best regards", "kind regards", "regards", "best", "cheers",
	"thanks", "thank you", "danke", "sincerely", "yours sincerely", "mfg"}

// notNames are capitalised words that follow cues without being names.
var notNames = setOfWords(`team kunde kundin kunden service support nordquell sie ihnen du dich dir ihr euch wir
the a an our your all everyone zusammen alle kollegen kolleginnen damen herren leute und and or oder
kundinnen freunde freundinnen mitglieder leserinnen leser abonnenten abonnentinnen gäste fans nachbarn
customers friends members readers subscribers guests there`)

// persons finds names after cues, in sign-offs, and known first names
// followed by a capitalised surname.
func (d *Detector) persons(text, lower string, ws []wordSpan) []Finding {
	var out []Finding
	isName := func(k int) bool {
		if k >= len(ws) {
			return false
		}
		w := text[ws[k].s:ws[k].e]
		if !capitalised(w) {
			return false
		}
		lw := lowerWord(lower, text, ws[k])
		return !notNames[lw] && !d.allow[lw] && !personCues[lw]
	}
	// gap reports whether the words k-1 and k are separated only by
	// spaces (and at most one period after a title), on one line.
	adjacent := func(k int) bool {
		between := text[ws[k-1].e:ws[k].s]
		return strings.TrimLeft(strings.TrimSpace(between), ".") == "" && !strings.Contains(between, "\n")
	}
	name := func(k int, score float64) int {
		// A name is one to three capitalised words in a row.
		end := k
		for end+1 < len(ws) && end-k < 2 && isName(end+1) && adjacent(end+1) {
			end++
		}
		out = append(out, Finding{Type: TypePerson, Start: ws[k].s, End: ws[end].e, Score: score, Value: text[ws[k].s:ws[end].e]})
		return end
	}
	for k := 0; k < len(ws); k++ {
		w := text[ws[k].s:ws[k].e]
		lw := lowerWord(lower, text, ws[k])
		if personCues[lw] && k+1 < len(ws) && isName(k+1) && adjacent(k+1) {
			// "Kunde Müller", "Dear Olivia", "von Jana Schneider"; "von"
			// and "from" only before a known first name, since they also
			// precede places and companies.
			if (lw == "von" || lw == "from") && !firstNames[lowerWord(lower, text, ws[k+1])] {
				continue
			}
			k = name(k+1, 0.85)
			continue
		}
		if capitalised(w) && firstNames[lw] && !d.allow[lw] {
			if k+1 < len(ws) && isName(k+1) && adjacent(k+1) {
				k = name(k, 0.8)
				continue
			}
		}
	}
	// Sign-offs: "Viele Grüße\nJana Schneider", "Thanks, Olivia Bennett".
	for k := range ws {
		phrases := signOffByLast[lowerWord(lower, text, ws[k])]
		if len(phrases) == 0 || k+1 >= len(ws) {
			continue
		}
		matched := false
		for _, ph := range phrases {
			if k+1 < len(ph) {
				continue
			}
			ok := true
			for j := range ph {
				if lowerWord(lower, text, ws[k-len(ph)+1+j]) != ph[j] {
					ok = false
					break
				}
			}
			if ok {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		between := text[ws[k].e:ws[k+1].s]
		if strings.Trim(between, ",! \n\r") == "" && isName(k+1) {
			name(k+1, 0.75)
		}
	}
	return out
}

// signOffByLast indexes the sign-offs by their last word.
var signOffByLast = func() map[string][][]string {
	m := map[string][][]string{}
	for _, so := range signOffs {
		words := strings.Fields(so)
		last := words[len(words)-1]
		m[last] = append(m[last], words)
	}
	return m
}()

// streetSuffixes end German street names; englishStreets follow English ones.
var (
	streetSuffixes = []string{"straße", "strasse", "str.", "weg", "platz", "allee", "ring", "gasse", "damm", "ufer",
		"chaussee", "steig", "pfad", "markt", "berg", "hof"}
	// streetSuffixByLast indexes the suffixes by their last byte.
	streetSuffixByLast = func() map[byte][]string {
		m := map[byte][]string{}
		for _, s := range streetSuffixes {
			m[s[len(s)-1]] = append(m[s[len(s)-1]], s)
		}
		return m
	}()
	englishStreets = setOfWords(`street st st. road rd rd. avenue ave ave. lane ln ln. drive dr close way place
		square court crescent terrace gardens`)
)

// addresses finds German and English street addresses (street and house
// number, optionally followed by postcode and city) and "postcode city"
// after a street or at the start of a line.
func (d *Detector) addresses(text, lower string, ws []wordSpan) []Finding {
	var out []Finding
	houseNumber := func(i int) int {
		// Skip spaces, then digits with an optional letter or range.
		for i < len(text) && text[i] == ' ' {
			i++
		}
		s := i
		for i < len(text) && isDigitByte(text[i]) {
			i++
		}
		if i == s || i-s > 4 {
			return -1
		}
		if i < len(text) && (text[i] >= 'a' && text[i] <= 'z') && (i+1 >= len(text) || !isWordByte(text[i+1])) {
			i++
		}
		if i < len(text) && isWordByte(text[i]) {
			return -1
		}
		return i
	}
	postcodeCity := func(i int) int {
		// ", 24937 Flensburg" or " 24937 Flensburg".
		j := i
		for j < len(text) && (text[j] == ',' || text[j] == ' ' || text[j] == '\n') {
			j++
		}
		s := j
		for j < len(text) && isDigitByte(text[j]) {
			j++
		}
		if j-s != 5 || j >= len(text) || text[j] != ' ' {
			return i
		}
		if k := wordAt(ws, j+1); k >= 0 && capitalised(text[ws[k].s:ws[k].e]) {
			return ws[k].e
		}
		return i
	}
	for k, w := range ws {
		// Street names, "Am …"/"An der …" and English street words are
		// capitalised: other words are not looked at.
		if !capitalisedRune(text[w.s:]) {
			continue
		}
		word := lowerWord(lower, text, w)
		end := w.e
		if end < len(text) && text[end] == '.' {
			end++
			word += "."
		}
		start := -1
		for _, suf := range streetSuffixByLast[word[len(word)-1]] {
			if strings.HasSuffix(word, suf) && (len(word) > len(suf)+2 || k > 0) && capitalisedRune(text[w.s:]) {
				start = w.s
				// "Bahnhof Straße", "Alte Gasse": include a preceding capitalised word.
				if word == suf && k > 0 && capitalised(text[ws[k-1].s:ws[k-1].e]) {
					start = ws[k-1].s
				}
				break
			}
		}
		if start < 0 && (word == "am" || word == "an" || word == "auf") && capitalisedRune(text[w.s:]) && k+1 < len(ws) {
			// "Am Hafen 3", "An der Alster 12".
			nk := k + 1
			if nw := lowerWord(lower, text, ws[nk]); (nw == "der" || nw == "dem" || nw == "den") && nk+1 < len(ws) {
				nk++
			}
			if capitalised(text[ws[nk].s:ws[nk].e]) && houseNumber(ws[nk].e) > 0 {
				start, end = w.s, ws[nk].e
			}
		}
		if start >= 0 {
			if hn := houseNumber(end); hn > 0 {
				e := postcodeCity(hn)
				out = append(out, Finding{Type: TypeAddress, Start: start, End: e, Score: 0.85, Value: text[start:e]})
			}
			continue
		}
		// English: "221B Baker Street", "12 High Road".
		if !englishStreets[word] && englishStreets[strings.TrimSuffix(word, ".")] {
			word, end = strings.TrimSuffix(word, "."), w.e // a sentence's period, not an abbreviation's
		}
		if englishStreets[word] && k >= 1 && capitalised(text[ws[k-1].s:ws[k-1].e]) {
			s := ws[k-1].s
			if k >= 2 && capitalised(text[ws[k-2].s:ws[k-2].e]) && text[ws[k-2].e:ws[k-1].s] == " " {
				s = ws[k-2].s
			}
			j := s - 1
			for j >= 0 && text[j] == ' ' {
				j--
			}
			e := j + 1
			if j > 0 && (text[j] >= 'A' && text[j] <= 'Z' || text[j] >= 'a' && text[j] <= 'z') && isDigitByte(text[j-1]) {
				j-- // "221B"
			}
			for j >= 0 && isDigitByte(text[j]) {
				j--
			}
			if e-(j+1) >= 1 && e-(j+1) <= 5 && isDigitByte(text[j+1]) && (j < 0 || !isWordByte(text[j])) {
				out = append(out, Finding{Type: TypeAddress, Start: j + 1, End: end, Score: 0.8, Value: text[j+1 : end]})
			}
		}
	}
	return out
}

// asciiLower lowers A-Z only, so that byte offsets stay those of text.
func asciiLower(text string) string {
	b := []byte(text)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// lowerWord returns the word in lower case: a slice of the ASCII-lowered
// text when the word is ASCII (no allocation), strings.ToLower otherwise.
func lowerWord(lower, text string, w wordSpan) string {
	for i := w.s; i < w.e; i++ {
		if text[i] >= 0x80 {
			return strings.ToLower(text[w.s:w.e])
		}
	}
	return lower[w.s:w.e]
}

// wordAt returns the index of the word starting at byte pos, or -1.
func wordAt(ws []wordSpan, pos int) int {
	k := sort.Search(len(ws), func(i int) bool { return ws[i].s >= pos })
	if k < len(ws) && ws[k].s == pos {
		return k
	}
	return -1
}

func capitalisedRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// birthCueWords precede a date of birth ("geboren am", "geb.", "date of
// birth", "DOB", "birth date").
var birthCueWords = setOfWords(`geboren geb geburtsdatum geburtstag born dob birthday birth`)

var monthNames = setOfWords(`januar jänner februar märz maerz april mai juni juli august september oktober november
dezember january february march may june july october december jan feb mär mar apr jun jul aug sep sept okt oct nov dez dec`)

// birthDates finds dates within a short distance after a birth cue.
func birthDates(text, lower string, ws []wordSpan) []Finding {
	var out []Finding
	for k, w := range ws {
		lw := lowerWord(lower, text, w)
		if !birthCueWords[lw] {
			continue
		}
		from := w.e
		if lw == "birth" && k+1 < len(ws) && lowerWord(lower, text, ws[k+1]) == "date" {
			from = ws[k+1].e // "birth date"
		}
		// The date starts within 12 bytes after the cue.
		j := from
		for j < len(text) && j-from < 12 && !isDigitByte(text[j]) {
			j++
		}
		if s, e, ok := dateAt(text, lower, j); ok {
			out = append(out, Finding{Type: TypeDateOfBirth, Start: s, End: e, Score: 0.9, Value: text[s:e]})
		}
	}
	return out
}

// dateAt reads "12.03.1985", "12. März 1985", "1985-03-12", "03/12/1985",
// "12 March 1985" or "March 12, 1985" at i.
func dateAt(text, lower string, i int) (int, int, bool) {
	if i >= len(text) || !isDigitByte(text[i]) {
		return 0, 0, false
	}
	e := i
	for e < len(text) && (isDigitByte(text[e]) || text[e] == '.' || text[e] == '-' || text[e] == '/') {
		e++
	}
	tok := strings.TrimRight(text[i:e], ".")
	digits := len(digitsOf(tok))
	if digits >= 6 && digits <= 8 && strings.ContainsAny(tok, ".-/") {
		return i, i + len(tok), true
	}
	// "12. März 1985", "12 March 1985".
	k := e
	for k < len(text) && text[k] == ' ' {
		k++
	}
	ws := k
	for k < len(text) && (isWordByte(text[k]) && !isDigitByte(text[k])) {
		k++
	}
	if monthNames[lower[ws:k]] {
		m := k
		for m < len(text) && (text[m] == ' ' || text[m] == '.') {
			m++
		}
		y := m
		for y < len(text) && isDigitByte(text[y]) {
			y++
		}
		if y-m == 4 {
			return i, y, true
		}
	}
	return 0, 0, false
}
