package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences splits text into sentences the way the offline composer and
// citation verification read it: one unit per line at most, Markdown
// bullets, emphasis and table pipes removed, a table row read as
// "Key: value", headings and separator rows kept apart as their own units
// (Heading reports them). A period after a digit or a common abbreviation
// does not end a sentence.
func Sentences(text string) []Unit {
	var out []Unit
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		switch {
		case isHeading(line):
			out = append(out, Unit{Text: strings.TrimSpace(strings.TrimLeft(line, "#")), Heading: true})
			continue
		case strings.HasPrefix(line, "|") || strings.Count(line, " | ") >= 1:
			if row, cells, ok := tableRow(line, i+1 < len(lines) && isSeparatorRow(lines[i+1])); ok {
				out = append(out, Unit{Text: row, Row: true, Cells: cells})
			}
			continue
		}
		line = stripMarkdown(line)
		for _, s := range splitLine(line) {
			out = append(out, Unit{Text: s})
		}
	}
	return out
}

// isHeading reports a Markdown heading ("# Title", "## Title"), not a
// hashtag ("#Werbung").
func isHeading(line string) bool {
	t := strings.TrimLeft(line, "#")
	return len(t) < len(line) && len(line)-len(t) <= 6 && (t == "" || t[0] == ' ')
}

// Unit is one sentence, heading or table row of a text.
type Unit struct {
	Text    string
	Heading bool
	// Row marks a table row; Cells counts its cells. A row of two cells
	// reads as "key: value"; wider rows need their header to be read.
	Row   bool
	Cells int
}

// tableRow reads a Markdown table row as "first: rest"; separator and
// header rows are skipped.
func tableRow(line string, beforeSeparator bool) (string, int, bool) {
	if isSeparatorRow(line) || beforeSeparator {
		return "", 0, false
	}
	var cells []string
	for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
		if c = strings.TrimSpace(stripMarkdown(c)); c != "" {
			cells = append(cells, c)
		}
	}
	if len(cells) < 2 {
		return "", 0, false
	}
	return cells[0] + ": " + strings.Join(cells[1:], ", "), len(cells), true
}

func isSeparatorRow(line string) bool {
	line = strings.TrimSpace(line)
	return strings.HasPrefix(line, "|") && strings.Trim(line, "|-: ") == ""
}

// stripMarkdown removes list markers and emphasis.
func stripMarkdown(line string) string {
	for _, p := range []string{"- ", "* ", "+ ", "> "} {
		if strings.HasPrefix(line, p) {
			line = strings.TrimSpace(line[len(p):])
			break
		}
	}
	line = strings.ReplaceAll(line, "**", "")
	line = strings.ReplaceAll(line, "__", "")
	return strings.ReplaceAll(line, "`", "")
}

var abbreviations = map[string]bool{
	"z": true, "b": true, "ca": true, "nr": true, "bzw": true, "inkl": true, "ggf": true, "u": true, "a": true,
	"dr": true, "st": true, "str": true, "vgl": true, "evtl": true, "usw": true, "etc": true, "e.g": true,
	"i.e": true, "approx": true, "no": true, "mr": true, "mrs": true, "ms": true, "max": true, "min": true,
	"mind": true, "d": true, "h": true, "s": true, "abs": true, "art": true, "tel": true, "zzgl": true, "exkl": true,
}

// splitLine splits one line at sentence ends.
func splitLine(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		// The end runs over closing marks and citations ("… warm.“ [4]").
		end := i + 1
		for end < len(line) {
			if strings.IndexByte(".!?\"')", line[end]) >= 0 {
				end++
				continue
			}
			if r, size := utf8.DecodeRuneInString(line[end:]); r == '»' || r == '“' || r == '”' || r == '«' {
				end += size
				continue
			}
			if c := citationEnd(line, end); c > end {
				end = c
				continue
			}
			break
		}
		if end < len(line) && line[end] != ' ' {
			continue
		}
		next := strings.TrimLeft(line[end:], " ")
		if next == "" {
			break
		}
		r, _ := utf8.DecodeRuneInString(next)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '"' && r != '„' && r != '[' {
			continue
		}
		if c == '.' && (i == 0 || isDigit(line[i-1]) || abbreviations[strings.ToLower(lastWord(line[start:i]))]) {
			continue
		}
		// A citation after the period ("… kalt. [1]") stays with its sentence.
		if next[0] == '[' {
			continue
		}
		out = append(out, strings.TrimSpace(line[start:end]))
		start = end
		i = end - 1
	}
	if rest := strings.TrimSpace(line[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// citationEnd returns the end of a citation (" [4]", "[1][3]") at i, or i.
func citationEnd(s string, i int) int {
	j := i
	if j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) || s[j] != '[' {
		return i
	}
	k := j + 1
	for k < len(s) && (isDigit(s[k]) || s[k] == ',' || s[k] == ' ') {
		k++
	}
	if k == j+1 || k >= len(s) || s[k] != ']' {
		return i
	}
	return k + 1
}

func lastWord(s string) string {
	i := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	return strings.Trim(s[i+1:], ".")
}

// Terms returns the content words of text, folded (lower case, umlauts
// and accents without marks, ß as ss) and cut to a stem of at most six
// letters, so that "Spülmaschine" and "spülmaschinenfest" or "Flasche"
// and "Flaschen" meet. Stop words of German and English are left out;
// numbers are kept as written, with a decimal comma read as a point.
func Terms(text string) []string {
	var out []string
	for _, w := range Words(text) {
		if n, ok := NormaliseNumber(w); ok {
			out = append(out, n)
			continue
		}
		f := fold(w)
		if utf8.RuneCountInString(f) < 3 || stopWords[f] {
			continue
		}
		out = append(out, stem(f))
	}
	return out
}

// Words splits text into words: runs of letters and digits, with a
// decimal comma or point between digits kept inside ("24,90").
func Words(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		if !inWord && (r == ',' || r == '.') && start >= 0 && i > 0 && isDigit(text[i-1]) && i+1 < len(text) && isDigit(text[i+1]) {
			inWord = true
		}
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// NormaliseNumber reports whether w is a number and returns it in one
// spelling: decimal comma as point, trailing zeros of a fraction dropped
// ("29,90" and "29.9" both give "29.9"), thousands separators removed
// ("1.000" gives "1000").
func NormaliseNumber(w string) (string, bool) {
	if w == "" || !isDigit(w[0]) {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) && w[i] != ',' && w[i] != '.' {
			return "", false
		}
	}
	// "1.000" or "10.000": a point before exactly three digits is a
	// thousands separator in German prices and counts.
	if i := strings.IndexByte(w, '.'); i > 0 && len(w)-i == 4 && !strings.Contains(w, ",") {
		w = w[:i] + w[i+1:]
	}
	w = strings.ReplaceAll(w, ",", ".")
	if strings.Count(w, ".") > 1 {
		return w, true
	}
	if i := strings.IndexByte(w, '.'); i >= 0 {
		w = strings.TrimRight(strings.TrimRight(w, "0"), ".")
	}
	return w, true
}

func fold(w string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		switch r {
		case 'ä', 'à', 'á', 'â':
			b.WriteRune('a')
		case 'ö', 'ó', 'ò', 'ô':
			b.WriteRune('o')
		case 'ü', 'ú', 'ù', 'û':
			b.WriteRune('u')
		case 'é', 'è', 'ê':
			b.WriteRune('e')
		case 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func stem(w string) string {
	if utf8.RuneCountInString(w) <= 6 {
		return w
	}
	n := 0
	for i := range w {
		if n == 6 {
			return w[:i]
		}
		n++
	}
	return w
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`der die das den dem des ein eine einen einem einer eines und oder aber auch
	nicht nur noch schon sehr mit ohne fur von vom zum zur bei aus auf uber unter nach vor bis seit wie als
	wenn dann dass ist sind war wird werden wurde kann konnen muss soll darf hat haben hatte sein ihr ihre
	ihren dein deine deinen dich dir sie wir uns unser unsere unseren euch man sich hier dort mehr ganz
	alle allen jeder jede jedes diese dieser dieses diesen dem bitte etwa etwas immer wieder damit dazu
	denn doch gibt einfach neue neuen neues jetzt heute
	the and for with without from into onto over under about after before this that these those are was
	were will would can could should must has have had its our your you they them their his her not only
	also very more most all any each every than then there here when what which who how why been being
	just get got new now today`) {
		m[w] = true
	}
	return m
}()
