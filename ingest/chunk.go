package ingest

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Chunking defaults, in tokens of the cl100k_base encoding.
const (
	// DefaultTargetTokens is the size a chunk grows to before a new one starts.
	DefaultTargetTokens = 350
	// DefaultMaxTokens is the hard limit; longer sentences are cut at token boundaries.
	DefaultMaxTokens = 512
	// DefaultOverlapTokens is how much of a chunk's end the next chunk of the
	// same section repeats, in whole sentences.
	DefaultOverlapTokens = 50
)

// ChunkOptions configure Split; zero values take the defaults.
type ChunkOptions struct {
	TargetTokens  int
	MaxTokens     int
	OverlapTokens int
}

func (o ChunkOptions) withDefaults() (ChunkOptions, error) {
	if o.TargetTokens == 0 {
		o.TargetTokens = DefaultTargetTokens
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = max(DefaultMaxTokens, o.TargetTokens)
	}
	if o.OverlapTokens == 0 {
		o.OverlapTokens = DefaultOverlapTokens
	}
	if o.OverlapTokens < 0 {
		o.OverlapTokens = 0
	}
	if o.TargetTokens < 16 || o.MaxTokens < o.TargetTokens || o.OverlapTokens >= o.TargetTokens {
		return o, fmt.Errorf("ingest: chunk options: want 16 <= target <= max and overlap < target, got target %d, max %d, overlap %d",
			o.TargetTokens, o.MaxTokens, o.OverlapTokens)
	}
	return o, nil
}

// Chunk is one retrievable piece of a document: a contiguous span of the
// parsed text (Text == Parsed.Text[Start:End]), within one section.
type Chunk struct {
	Ordinal     int
	HeadingPath string
	Text        string
	Tokens      int
	Start, End  int
}

// HeadingSeparator joins the headings of a chunk's heading path.
const HeadingSeparator = " › "

var (
	encOnce sync.Once
	enc     *tiktoken.Tiktoken
	encErr  error
)

// encoding returns the cl100k_base tokenizer, loaded once from the BPE
// ranks embedded in the binary (no network).
func encoding() (*tiktoken.Tiktoken, error) {
	encOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, encErr = tiktoken.GetEncoding("cl100k_base")
	})
	return enc, encErr
}

// CountTokens returns the number of cl100k_base tokens in s.
func CountTokens(s string) (int, error) {
	e, err := encoding()
	if err != nil {
		return 0, fmt.Errorf("ingest: tokenizer: %w", err)
	}
	return len(e.EncodeOrdinary(s)), nil
}

// unit is a sentence or heading: the smallest span a chunk boundary may
// fall between.
type unit struct {
	start, end int
	tokens     int
	heading    bool
}

// Split splits a parsed document into chunks: a new chunk at every heading,
// paragraphs and sentences packed up to the target size, consecutive chunks
// of one section overlapping by whole sentences.
func Split(p *Parsed, opts ChunkOptions) ([]Chunk, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e, err := encoding()
	if err != nil {
		return nil, fmt.Errorf("ingest: tokenizer: %w", err)
	}
	var chunks []Chunk
	emit := func(units []unit, path []string) {
		if len(units) == 0 {
			return
		}
		start, end := units[0].start, units[len(units)-1].end
		// The sum of the units' counts: BPE tokens do not span the
		// whitespace between sentences and blocks, so this matches a count
		// of the whole span but for the separators, at half the cost.
		tokens := 0
		for _, u := range units {
			tokens += u.tokens
		}
		chunks = append(chunks, Chunk{
			Ordinal:     len(chunks),
			HeadingPath: headingPath(p.Title, path),
			Text:        p.Text[start:end],
			Tokens:      tokens,
			Start:       start,
			End:         end,
		})
	}

	var pending []unit // headings waiting for body text
	for _, sec := range sections(p) {
		units := pending
		pending = nil
		for _, b := range sec.blocks {
			if b.Heading {
				units = append(units, unit{start: b.Start, end: b.End, tokens: len(e.EncodeOrdinary(p.Text[b.Start:b.End])), heading: true})
				continue
			}
			for _, s := range splitSentences(p.Text, b.Start, b.End) {
				n := len(e.EncodeOrdinary(p.Text[s[0]:s[1]]))
				if n <= opts.MaxTokens {
					units = append(units, unit{start: s[0], end: s[1], tokens: n})
					continue
				}
				units = append(units, cutAtTokens(e, p.Text, s[0], s[1], opts.MaxTokens)...)
			}
		}
		if onlyHeadings(units) {
			// A heading with no text of its own goes with the next section.
			pending = units
			continue
		}
		pack(units, opts, func(us []unit) { emit(us, sec.path) })
	}
	if len(pending) > 0 {
		emit(pending, nil)
	}
	return chunks, nil
}

// pack groups units into chunks of about the target size with overlap.
func pack(units []unit, opts ChunkOptions, emit func([]unit)) {
	var cur []unit
	tokens := 0
	for i := 0; i < len(units); i++ {
		u := units[i]
		if len(cur) > 0 && tokens+u.tokens > opts.TargetTokens && !onlyHeadings(cur) {
			emit(cur)
			// Start the next chunk with the last sentences of this one.
			var overlap []unit
			ot := 0
			for j := len(cur) - 1; j >= 0; j-- {
				if cur[j].heading || ot+cur[j].tokens > opts.OverlapTokens || ot+cur[j].tokens+u.tokens > opts.MaxTokens {
					break
				}
				ot += cur[j].tokens
				overlap = append([]unit{cur[j]}, overlap...)
			}
			cur, tokens = overlap, ot
		}
		cur = append(cur, u)
		tokens += u.tokens
	}
	if len(cur) > 0 {
		emit(cur)
	}
}

func onlyHeadings(us []unit) bool {
	for _, u := range us {
		if !u.heading {
			return false
		}
	}
	return true
}

type section struct {
	path   []string
	blocks []Block
}

// sections groups blocks: each heading starts a section.
func sections(p *Parsed) []section {
	var out []section
	for _, b := range p.Blocks {
		if b.Heading || len(out) == 0 {
			out = append(out, section{path: b.Path})
		}
		out[len(out)-1].blocks = append(out[len(out)-1].blocks, b)
	}
	return out
}

func headingPath(title string, path []string) string {
	if title != "" && (len(path) == 0 || path[0] != title) {
		path = append([]string{title}, path...)
	}
	return strings.Join(path, HeadingSeparator)
}

// cutAtTokens splits an over-long span at token boundaries, moved to rune
// boundaries so that no chunk cuts a character in half.
func cutAtTokens(e *tiktoken.Tiktoken, text string, start, end, maxTokens int) []unit {
	toks := e.EncodeOrdinary(text[start:end])
	var out []unit
	pos := start
	for i := 0; i < len(toks); i += maxTokens {
		j := min(i+maxTokens, len(toks))
		n := len(e.Decode(toks[i:j]))
		cut := min(pos+n, end)
		for cut < end && !utf8.RuneStart(text[cut]) {
			cut++
		}
		if j == len(toks) {
			cut = end
		}
		if cut > pos {
			out = append(out, unit{start: pos, end: cut, tokens: j - i})
		}
		pos = cut
	}
	if pos < end {
		out = append(out, unit{start: pos, end: end, tokens: len(e.EncodeOrdinary(text[pos:end]))})
	}
	return out
}

// abbreviations do not end a sentence when followed by a period.
var abbreviations = setOf(
	// German
	"z", "b", "bzw", "ca", "dr", "prof", "nr", "str", "usw", "vgl", "ggf", "evtl", "inkl", "exkl", "zzgl",
	"u", "a", "d", "h", "o", "s", "sog", "bspw", "etc", "max", "min", "mind", "tel", "abs", "art", "ff", "gem",
	"hr", "fr", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez", "st",
	"geb", "allg", "entspr", "zt", "usf", "mio", "mrd", "std", "akt", "bd", "hrsg", "lt", "ref",
	// English
	"e", "i", "mr", "mrs", "ms", "vs", "no", "approx", "incl", "excl", "dept", "est", "fig", "jr", "sr",
	"inc", "ltd", "co", "corp", "mt", "oct", "dec", "mar", "p", "pp", "vol", "ed", "al",
)

// splitSentences returns the sentence spans of text[start:end]. A period,
// question mark or exclamation mark ends a sentence when followed by space
// and an upper-case letter, digit or quote, unless it ends an abbreviation,
// an initial or an ordinal number ("1. Januar"), or is part of an ellipsis.
func splitSentences(text string, start, end int) [][2]int {
	var out [][2]int
	s := start
	i := start
	for i < end {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			i++
			continue
		}
		j := i + 1
		for j < end && (text[j] == '.' || text[j] == '!' || text[j] == '?' || text[j] == '"' || text[j] == '\'' || text[j] == ')') {
			j++
		}
		// Closing quotes written as multi-byte characters.
		for j < end {
			r, size := utf8.DecodeRuneInString(text[j:])
			if r != '“' && r != '”' && r != '«' && r != '»' && r != '’' {
				break
			}
			j += size
		}
		if j >= end || text[j] != ' ' {
			i = j
			continue
		}
		k := j
		for k < end && text[k] == ' ' {
			k++
		}
		if k >= end {
			break
		}
		next, _ := utf8.DecodeRuneInString(text[k:])
		if !(unicode.IsUpper(next) || unicode.IsDigit(next) || strings.ContainsRune("\"„“'‚(«»[", next)) {
			i = k
			continue
		}
		if c == '.' && j == i+1 && !endsSentence(text[s:i]) {
			i = k
			continue
		}
		out = append(out, [2]int{s, j})
		s = k
		i = k
	}
	if s < end {
		out = append(out, [2]int{s, end})
	}
	return out
}

// endsSentence reports whether the word before a period is a sentence
// end rather than an abbreviation, initial or ordinal.
func endsSentence(before string) bool {
	w := before
	if i := strings.LastIndexFunc(w, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == '/' }); i >= 0 {
		w = w[i+1:]
	}
	w = strings.TrimLeft(w, "\"„“'‚([")
	if w == "" {
		return true
	}
	lower := strings.ToLower(w)
	// "z.B", "u.a", "e.g", "i.e": letters with inner periods.
	if strings.Contains(lower, ".") {
		last := lower[strings.LastIndex(lower, ".")+1:]
		if utf8.RuneCountInString(last) <= 2 {
			return false
		}
	}
	if abbreviations[lower] {
		return false
	}
	if utf8.RuneCountInString(w) == 1 && unicode.IsLetter([]rune(w)[0]) {
		return false // an initial
	}
	if len(w) <= 2 && allDigits(w) {
		return false // an ordinal: "1. Januar", "3. Platz"
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
