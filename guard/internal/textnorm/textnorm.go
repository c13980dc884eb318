// Package textnorm prepares text for the injection scanner and the policy
// checker: Fold lower-cases it, applies NFKC, drops zero-width characters and
// combining marks and folds look-alike letters, keeping a map back to the
// original offsets and a count of the obfuscation it undid; Tokenize splits
// the folded text into words, numbers and currency signs, marking sentence
// starts and prices (with their amount, and whether they are struck through).
//
// Its input is any text; it returns a folded copy and tokens and never
// changes what the caller holds or judges what the text says.
package textnorm

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Folded is a text prepared for matching by the injection scanner and the
// policy engine. It is lower-cased, NFKC-normalised, stripped of zero-width
// characters and combining marks, and folded through a small table of
// confusable characters (Cyrillic and Greek look-alikes, typographic quotes and
// dashes), so that "Ιgnore", "ｉｇｎｏｒｅ" and "ig\u200bnore" all read "ignore".
// Every byte of Text maps back to a byte offset of the original text, so findings
// are reported against what the caller passed in.
type Folded struct {
	Text    string
	offs    []int32 // offs[i] is the original offset of Text[i]; len(Text)+1 entries; nil when Text maps 1:1
	origLen int

	ZeroWidth   int // zero-width characters found between two letters
	ZeroWidthAt int // original offset of the first of them
	Homoglyphs  int // confusable runes folded next to a Latin letter
	HomoglyphAt int // original offset of the first of them
}

// Orig maps a byte offset of the folded text back to the original text.
func (f *Folded) Orig(i int) int {
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

// Fold prepares text for matching. ASCII input takes a fast path that only
// lower-cases; other input is folded rune by rune (NFKC is applied per rune,
// which is exact for the precomposed text that editors produce; decomposed
// accents are dropped rather than recomposed, which keeps "ä" written as
// "a"+U+0308 matchable as "a" and defeats combining-mark obfuscation).
func Fold(text string) Folded {
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
		f := Folded{Text: text, origLen: len(text)}
		if upper {
			f.Text = strings.ToLower(text)
		}
		return f
	}

	f := Folded{origLen: len(text), ZeroWidthAt: -1, HomoglyphAt: -1}
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
				if f.ZeroWidth == 0 {
					f.ZeroWidthAt = i
				}
				f.ZeroWidth++
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
					if f.Homoglyphs == 0 {
						f.HomoglyphAt = i
					}
					f.Homoglyphs++
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
	f.Text = string(buf)
	f.offs = offs
	return f
}

// Token is one word, number or currency sign of a folded text.
type Token struct {
	Start, End int32 // byte offsets into the folded text
	Flags      uint8
	Value      float64 // parsed amount for price tokens
}

// Token flags.
const (
	Number    uint8 = 1 << iota // digits, possibly with separators
	Price                       // a number next to a currency
	Struck                      // a price inside strike-through markup
	SentStart                   // a sentence boundary precedes the token
	Currency                    // a currency sign or code
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

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// Tokenize splits a folded text into words. Words are runs of letters
// and digits joined by inner hyphens and apostrophes ("co2-neutral", "don't");
// numbers keep their inner separators ("1.299,99"); "#" directly before a
// digit belongs to the number ("#1"); currency signs are tokens of their own.
func Tokenize(s string, toks []Token) []Token {
	toks = toks[:0]
	boundary := true
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		cls := uint8(0)
		if c < 0x80 {
			cls = tokenClass[c]
			if c == '#' && i+1 < len(s) && IsDigit(s[i+1]) {
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
			num := IsDigit(c) || c == '#'
			i += size
			for i < len(s) {
				c2 := s[i]
				if c2 < 0x80 {
					k := tokenClass[c2]
					if k == 1 {
						if !IsDigit(c2) {
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
						if k == 3 && IsDigit(s[i-1]) && IsDigit(n) {
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
			t := Token{Start: int32(start), End: int32(i)}
			if num {
				t.Flags |= Number
			}
			if boundary {
				t.Flags |= SentStart
			}
			boundary = false
			toks = append(toks, t)
			continue
		case 5:
			toks = append(toks, Token{Start: int32(i), End: int32(i + size), Flags: Currency})
		case 6:
			toks = append(toks, Token{Start: int32(i), End: int32(i + size)})
		case 3:
			if c == '.' && stopEnds(s, i+1) {
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

// stopEnds reports whether a full stop just before s[i] ends a sentence:
// a space, a line break or the end of the text follows, perhaps after
// closing quotation marks or brackets (a testimonial „… gut.“ Danach …,
// "… good." Then …).
func stopEnds(s string, i int) bool {
	for i < len(s) {
		switch s[i] {
		case ' ', '\n':
			return true
		case '"', '\'', ')', ']':
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '“', '”', '‘', '’', '»', '«':
			i += size
			continue
		}
		return false
	}
	return true
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
func markPrices(s string, toks []Token) {
	for i := range toks {
		t := &toks[i]
		w := s[t.Start:t.End]
		if t.Flags&Currency == 0 && currencyWord(w) {
			t.Flags |= Currency
		}
	}
	for i := range toks {
		t := &toks[i]
		if t.Flags&Number == 0 || s[t.Start] == '#' {
			continue
		}
		near := false
		if i > 0 && toks[i-1].Flags&Currency != 0 && int(t.Start-toks[i-1].End) <= 2 {
			near = true
		}
		if i+1 < len(toks) && toks[i+1].Flags&Currency != 0 && int(toks[i+1].Start-t.End) <= 3 {
			near = true
		}
		if !near {
			continue
		}
		v, ok := parseMoneyAmount(s[t.Start:t.End])
		if !ok {
			continue
		}
		t.Flags |= Price
		t.Value = v
		if struckAt(s, int(t.Start)) {
			t.Flags |= Struck
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
		if IsDigit(intPart[i]) {
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

// ClampSpan limits the byte span [start, end) to a text of n bytes, so that
// a span computed on a folded text, or reported by another detector, can be
// used to slice the original.
func ClampSpan(start, end, n int) (int, int) {
	start = min(max(start, 0), n)
	end = min(max(end, start), n)
	return start, end
}
