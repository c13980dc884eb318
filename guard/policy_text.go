package guard

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldedText is a text prepared for matching by the injection scanner and the
// policy engine. It is lower-cased, NFKC-normalised, stripped of zero-width
// characters and combining marks, and folded through a small table of
// confusable characters (Cyrillic and Greek look-alikes, typographic quotes and
// dashes), so that "Ιgnore", "ｉｇｎｏｒｅ" and "ig\u200bnore" all read "ignore".
// Every byte of s maps back to a byte offset of the original text, so findings
// are reported against what the caller passed in.
type foldedText struct {
	s       string
	offs    []int32 // offs[i] is the original offset of s[i]; len(s)+1 entries; nil when s maps 1:1
	origLen int

	zeroWidth   int // zero-width characters found between two letters
	zeroWidthAt int // original offset of the first of them
	homoglyphs  int // confusable runes folded next to a Latin letter
	homoglyphAt int // original offset of the first of them
}

// orig maps a byte offset of the folded text back to the original text.
func (f *foldedText) orig(i int) int {
	if f.offs == nil {
		return i
	}
	if i >= len(f.offs) {
		return f.origLen
	}
	return int(f.offs[i])
}

// zeroWidthRune reports whether r is invisible when rendered and is used to
// split words so that filters miss them.
func zeroWidthRune(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u180e', '\u2061', '\u2062', '\u2063', '\u2064', '\u00ad', '\u034f':
		return true
	}
	return false
}

// foldConfusables maps look-alike characters to the ASCII letter they imitate.
// The table is a deliberately small subset of Unicode's confusables.txt: the
// Cyrillic and Greek letters that are visually identical to Latin letters in
// common fonts, plus typographic punctuation that matters for tokenisation.
var foldConfusables = map[rune]rune{
	// Cyrillic lower and upper case.
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'ɡ': 'g',
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p', 'С': 'c',
	'Т': 't', 'У': 'y', 'Х': 'x', 'І': 'i', 'Ј': 'j', 'Ѕ': 's', 'Ԁ': 'd', 'Ү': 'y',
	// Greek.
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'τ': 't', 'υ': 'u', 'χ': 'x',
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm', 'Ν': 'n',
	'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	// Latin look-alikes and punctuation.
	'ı': 'i', 'ſ': 's', 'ℓ': 'l',
	'\u2018': '\'', '\u2019': '\'', '\u02bc': '\'', '\u2032': '\'',
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
	'\u00a0': ' ', '\u202f': ' ', '\u2007': ' ',
}

func asciiLetter(r rune) bool { return r < 0x80 && ('a' <= r|0x20 && r|0x20 <= 'z') }

// foldText prepares text for matching. ASCII input takes a fast path that only
// lower-cases; other input is folded rune by rune (NFKC is applied per rune,
// which is exact for the precomposed text that editors produce; decomposed
// accents are dropped rather than recomposed, which keeps "ä" written as
// "a"+U+0308 matchable as "a" and defeats combining-mark obfuscation).
func foldText(text string) foldedText {
	ascii := true
	upper := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		f := foldedText{s: text, origLen: len(text)}
		if upper {
			f.s = strings.ToLower(text)
		}
		return f
	}

	f := foldedText{origLen: len(text), zeroWidthAt: -1, homoglyphAt: -1}
	buf := make([]byte, 0, len(text)+8)
	offs := make([]int32, 0, len(text)+9)
	var tmp [utf8.UTFMax]byte
	prev := rune(0)
	for i := 0; i < len(text); {
		c := text[i]
		if c < 0x80 {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			offs = append(offs, int32(i))
			prev = rune(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case zeroWidthRune(r):
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			if r != '\u00ad' && unicode.IsLetter(prev) && unicode.IsLetter(next) {
				if f.zeroWidth == 0 {
					f.zeroWidthAt = i
				}
				f.zeroWidth++
			}
			i += size
			continue
		case unicode.Is(unicode.Mn, r):
			i += size
			continue
		}
		if c, ok := foldConfusables[r]; ok {
			if unicode.IsLetter(c) {
				next, _ := utf8.DecodeRuneInString(text[i+size:])
				if asciiLetter(prev) || asciiLetter(next) {
					if f.homoglyphs == 0 {
						f.homoglyphAt = i
					}
					f.homoglyphs++
				}
			}
			buf = append(buf, byte(c))
			offs = append(offs, int32(i))
			prev = c
			i += size
			continue
		}
		out := text[i : i+size]
		if !(r >= 0xc0 && r <= 0x17e) { // Latin-1 and Latin Extended-A letters are already NFKC
			n := utf8.EncodeRune(tmp[:], r)
			if !norm.NFKC.IsNormal(tmp[:n]) {
				out = norm.NFKC.String(out)
			}
		}
		for _, r2 := range out {
			if unicode.Is(unicode.Mn, r2) {
				continue
			}
			if l, ok := foldConfusables[r2]; ok {
				r2 = l
			} else {
				r2 = unicode.ToLower(r2)
			}
			start := len(buf)
			buf = utf8.AppendRune(buf, r2)
			for j := start; j < len(buf); j++ {
				offs = append(offs, int32(i))
			}
			prev = r2
		}
		i += size
	}
	offs = append(offs, int32(len(text)))
	f.s = string(buf)
	f.offs = offs
	return f
}

// wordToken is one word, number or currency sign of a folded text.
type wordToken struct {
	start, end int32 // byte offsets into the folded text
	flags      uint8
	value      float64 // parsed amount for price tokens
}

const (
	tokNumber    uint8 = 1 << iota // digits, possibly with separators
	tokPrice                       // a number next to a currency
	tokStruck                      // a price inside strike-through markup
	tokSentStart                   // a sentence boundary precedes the token
	tokCurrency                    // a currency sign or code
)

// tokenClass classifies ASCII bytes for the tokenizer: 1 letter or digit, 2
// joiner inside a word ('-', '\”), 3 joiner inside a number ('.', ','),
// 4 sentence end, 5 currency sign, 6 percent sign.
var tokenClass = func() (t [128]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
		t[c-'a'+'A'] = 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['-'], t['\''] = 2, 2
	t['.'], t[','] = 3, 3
	t['!'], t['?'], t['\n'], t[';'] = 4, 4, 4, 4
	t['$'] = 5
	t['%'] = 6
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// tokenizeFolded splits a folded text into words. Words are runs of letters
// and digits joined by inner hyphens and apostrophes ("co2-neutral", "don't");
// numbers keep their inner separators ("1.299,99"); "#" directly before a
// digit belongs to the number ("#1"); currency signs are tokens of their own.
func tokenizeFolded(s string, toks []wordToken) []wordToken {
	toks = toks[:0]
	boundary := true
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		cls := uint8(0)
		if c < 0x80 {
			cls = tokenClass[c]
			if c == '#' && i+1 < len(s) && isDigit(s[i+1]) {
				cls = 1
			}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				cls = 1
			case r == '€' || r == '£' || r == '¥':
				cls = 5
			case r == '…':
				cls = 4
			}
		}
		switch cls {
		case 1:
			start := i
			num := isDigit(c) || c == '#'
			i += size
			for i < len(s) {
				c2 := s[i]
				if c2 < 0x80 {
					k := tokenClass[c2]
					if k == 1 {
						if !isDigit(c2) {
							num = false
						}
						i++
						continue
					}
					if (k == 2 || k == 3) && i+1 < len(s) {
						n := s[i+1]
						if k == 2 && (n >= 0x80 || tokenClass[n] == 1) {
							if n < 0x80 || wordRuneAt(s, i+1) {
								i++
								continue
							}
						}
						if k == 3 && isDigit(s[i-1]) && isDigit(n) {
							i++
							continue
						}
					}
					break
				}
				r2, sz := utf8.DecodeRuneInString(s[i:])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					num = false
					i += sz
					continue
				}
				break
			}
			t := wordToken{start: int32(start), end: int32(i)}
			if num {
				t.flags |= tokNumber
			}
			if boundary {
				t.flags |= tokSentStart
			}
			boundary = false
			toks = append(toks, t)
			continue
		case 5:
			toks = append(toks, wordToken{start: int32(i), end: int32(i + size), flags: tokCurrency})
		case 6:
			toks = append(toks, wordToken{start: int32(i), end: int32(i + size)})
		case 3:
			if c == '.' && (i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\n') {
				boundary = true
			}
		case 4:
			boundary = true
		}
		i += size
	}
	markPrices(s, toks)
	return toks
}

func wordRuneAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// currencyWord reports whether a token names a currency.
func currencyWord(w string) bool {
	switch w {
	case "eur", "euro", "euros", "usd", "chf", "gbp", "dollar", "dollars", "€", "$", "£", "fr":
		return true
	}
	return false
}

// markPrices flags number tokens that stand next to a currency as prices and
// parses their amount; prices written inside ~~…~~, <s>, <del> or <strike>
// are also flagged as struck-through.
func markPrices(s string, toks []wordToken) {
	for i := range toks {
		t := &toks[i]
		w := s[t.start:t.end]
		if t.flags&tokCurrency == 0 && currencyWord(w) {
			t.flags |= tokCurrency
		}
	}
	for i := range toks {
		t := &toks[i]
		if t.flags&tokNumber == 0 || s[t.start] == '#' {
			continue
		}
		near := false
		if i > 0 && toks[i-1].flags&tokCurrency != 0 && int(t.start-toks[i-1].end) <= 2 {
			near = true
		}
		if i+1 < len(toks) && toks[i+1].flags&tokCurrency != 0 && int(toks[i+1].start-t.end) <= 3 {
			near = true
		}
		if !near {
			continue
		}
		v, ok := parseMoneyAmount(s[t.start:t.end])
		if !ok {
			continue
		}
		t.flags |= tokPrice
		t.value = v
		if struckAt(s, int(t.start)) {
			t.flags |= tokStruck
		}
	}
}

// struckAt reports whether offset p of a folded text lies inside
// strike-through markup on its line: after an odd number of "~~", or after
// an <s>, <del> or <strike> tag that is not yet closed.
func struckAt(s string, p int) bool {
	ls := strings.LastIndexByte(s[:p], '\n') + 1
	line := s[ls:p]
	if strings.Count(line, "~~")%2 == 1 {
		return true
	}
	for _, tag := range [...]string{"s", "del", "strike"} {
		if o := strings.LastIndex(line, "<"+tag+">"); o >= 0 && strings.LastIndex(line, "</"+tag+">") < o {
			return true
		}
	}
	return false
}

// parseMoneyAmount reads "1.299,99", "1,299.99", "19,99", "19.99" or "199".
// A final separator followed by one or two digits is the decimal mark; other
// separators group thousands.
func parseMoneyAmount(w string) (float64, bool) {
	last := strings.LastIndexAny(w, ".,")
	intPart, frac := w, ""
	if last >= 0 && len(w)-last-1 <= 2 {
		intPart, frac = w[:last], w[last+1:]
	}
	var b strings.Builder
	for i := 0; i < len(intPart); i++ {
		if isDigit(intPart[i]) {
			b.WriteByte(intPart[i])
		}
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	v, err := strconv.ParseFloat(b.String(), 64)
	return v, err == nil
}
