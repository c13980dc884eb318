package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Chunking defaults, in tokens of the cl100k_base encoding (the tokenizer
// of OpenAI's current embedding models; other models' tokenizers count
// within a few percent of it on German and English prose).
const (
	// DefaultTargetTokens is the size a chunk grows to: the next sentence
	// starts a new chunk once the chunk would pass it. 350 tokens is a few
	// paragraphs, enough context for a passage to stand on its own and
	// small enough that a retrieved chunk is about one thing.
	DefaultTargetTokens = 350
	// DefaultMaxTokens is the hard limit of a chunk. Embedding models
	// accept at least 512 tokens; a longer sentence is cut at token
	// boundaries.
	DefaultMaxTokens = 512
	// DefaultOverlapTokens is about how much of a chunk's end the next
	// chunk of the same section repeats, in whole sentences, so that a
	// statement cut by a chunk boundary is found with its context.
	DefaultOverlapTokens = 50
)

// ChunkOptions configure Split. A zero field takes its default; set
// OverlapTokens to a negative number for no overlap.
type ChunkOptions struct {
	// TargetTokens is the size a chunk grows to (default 350, at least 16).
	TargetTokens int
	// MaxTokens is the hard limit of a chunk's size (default the larger of
	// 512 and TargetTokens).
	MaxTokens int
	// OverlapTokens is the most a chunk repeats of its predecessor in the
	// same section (default 50, less than TargetTokens; negative for none).
	OverlapTokens int
	// MaxChunks, when positive, is the most chunks a document may yield:
	// Split stops with a *TooManyChunksError as soon as one more chunk
	// would be produced, without tokenising the rest of the text.
	MaxChunks int
}

// TooManyChunksError is a document that yields more chunks than
// ChunkOptions.MaxChunks. Split returns it at the first chunk past the
// limit.
type TooManyChunksError struct {
	// Limit is ChunkOptions.MaxChunks.
	Limit int
	// Offset is where in Parsed.Text the chunk past the limit starts: the
	// limit was reached within the first Offset bytes.
	Offset int
}

func (e *TooManyChunksError) Error() string {
	return fmt.Sprintf("ingest: more than %d chunks within the first %d bytes of text", e.Limit, e.Offset)
}

func (o ChunkOptions) withDefaults() (ChunkOptions, error) {
	if o.TargetTokens == 0 {
		o.TargetTokens = DefaultTargetTokens
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = max(DefaultMaxTokens, o.TargetTokens)
	}
	if o.OverlapTokens == 0 {
		o.OverlapTokens = min(DefaultOverlapTokens, o.TargetTokens/2)
	}
	if o.OverlapTokens < 0 {
		o.OverlapTokens = 0
	}
	if o.TargetTokens < 16 || o.MaxTokens < o.TargetTokens || o.OverlapTokens >= o.TargetTokens {
		return o, fmt.Errorf("ingest: chunk options: want 16 <= target <= max and overlap < target; got target %d, max %d, overlap %d",
			o.TargetTokens, o.MaxTokens, o.OverlapTokens)
	}
	return o, nil
}

// Chunk is one retrievable piece of a document.
//
// A chunk is always one contiguous span of the parsed text: Text ==
// Parsed.Text[Start:End], exactly. Overlap is part of that span: a chunk
// that repeats the last sentences of its predecessor starts where those
// sentences start, so consecutive chunks' spans overlap rather than a
// copied prefix being glued on. Offsets are bytes, always on character
// boundaries.
type Chunk struct {
	// Ordinal is the chunk's position in the document, 0, 1, 2, ...
	Ordinal int
	// HeadingPath is the document title and the headings the chunk sits
	// under, joined with HeadingSeparator: "Title › Section › Subsection".
	HeadingPath string
	// Text is the chunk's text.
	Text string
	// Tokens is the number of cl100k_base tokens in Text.
	Tokens int
	// Start and End delimit Text in Parsed.Text.
	Start, End int
	// Page and LastPage are the PDF pages the chunk starts and ends on;
	// 0 for formats without pages.
	Page, LastPage int
}

// HeadingSeparator joins the headings of a chunk's heading path.
const HeadingSeparator = " › "

var (
	encOnce sync.Once
	enc     *tiktoken.Tiktoken
	encErr  error
)

// encoding returns the cl100k_base tokenizer, loaded once from the BPE
// ranks compiled into the binary (no network). A *tiktoken.Tiktoken only
// reads its tables, so one is shared by all goroutines.
func encoding() (*tiktoken.Tiktoken, error) {
	encOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, encErr = tiktoken.GetEncoding("cl100k_base")
		if encErr != nil {
			encErr = fmt.Errorf("ingest: load cl100k_base tokenizer: %w", encErr)
		}
	})
	return enc, encErr
}

// CountTokens returns the number of cl100k_base tokens in s, counted as
// Split counts them (see longWord).
func CountTokens(s string) (int, error) {
	e, err := encoding()
	if err != nil {
		return 0, err
	}
	return len(encode(e, s)), nil
}

// longWord bounds the runs without white space that the tokenizer sees at
// once: byte-pair encoding takes time quadratic in a run's length, and a
// base64 blob or a megabyte without spaces would stall ingestion. Longer
// runs are encoded in pieces of this many bytes (cut at character
// boundaries), which changes their count by a token or so per piece and
// leaves ordinary text exact.
const longWord = 256

// encode returns the cl100k_base tokens of s, encoding runs without white
// space longer than longWord piecewise; the tokens still decode to s.
func encode(e *tiktoken.Tiktoken, s string) []int {
	var out []int
	seg, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\n' || s[i] == '\t' {
			run = 0
			continue
		}
		run++
		if run > longWord && utf8.RuneStart(s[i]) {
			out = append(out, e.EncodeOrdinary(s[seg:i])...)
			seg, run = i, 1
		}
	}
	if seg == 0 {
		return e.EncodeOrdinary(s)
	}
	return append(out, e.EncodeOrdinary(s[seg:])...)
}

// unit is a sentence, a piece of an over-long sentence, or a heading: the
// smallest span a chunk boundary may fall between.
type unit struct {
	start, end int
	tokens     int
	heading    bool
}

// Split cuts a parsed document into chunks.
//
// Every section (see Parsed.Sections) is chunked on its own, so a chunk
// never spans two headings' text; a heading with no text of its own joins
// the chunk of the section that follows it. Within a section the blocks
// are split into sentences (see the sentence rules below) and packed in
// order: a chunk grows until the next sentence would take it past
// opts.TargetTokens, and the next chunk starts with the last whole
// sentences of the previous one, up to opts.OverlapTokens, but never all
// of them. No chunk has more than opts.MaxTokens tokens: a sentence
// longer than that is cut at token boundaries (moved to the next
// character boundary) into pieces of opts.TargetTokens. The defaults are DefaultTargetTokens,
// DefaultMaxTokens and DefaultOverlapTokens.
//
// Sentences end at ".", "!" or "?" (with any closing quotes and brackets)
// followed by a space and an upper-case letter, a digit or an opening
// quote. A period does not end a sentence after a known German or English
// abbreviation ("z. B.", "z.B.", "u. a.", "bzw.", "ca.", "Dr.", "Nr.",
// "e.g.", "i.e.", "Mr."), a single letter (an initial), a number of one
// or two digits (an ordinal or date: "1. Januar"), or in an ellipsis; "No.",
// "Art.", "Abs." and month abbreviations end no sentence before a number.
// Decimals ("2.5") and dates ("1.10.2026") contain no space and never end
// one.
//
// Chunks are numbered from 0 in document order and cover every character
// of the text but the blank lines between blocks. Split is safe for
// concurrent use.
func Split(p *Parsed, opts ChunkOptions) ([]Chunk, error) {
	return SplitContext(context.Background(), p, opts)
}

// SplitContext is Split that stops with ctx's error once ctx is done; it
// checks between sentences, so that a deadline bounds the CPU one
// document can take.
//
// Units are packed as they are counted, so that Split stops at
// opts.MaxChunks with a *TooManyChunksError having tokenised only the
// text up to the limit.
func SplitContext(ctx context.Context, p *Parsed, opts ChunkOptions) ([]Chunk, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e, err := encoding()
	if err != nil {
		return nil, err
	}
	c := chunker{e: e, p: p, opts: opts}
	var pending []unit // headings waiting for body text
	var pendingPath []string
	for _, sec := range sectionsOf(p) {
		// A section's units are held back while they are only headings: a
		// heading with no text of its own joins the next section's chunk.
		held, pk := pending, packer{c: &c, path: headingPath(p.Title, sec.Path)}
		started := false
		add := func(start, end int, heading bool) {
			for _, u := range c.appendSpan(nil, start, end, heading) {
				switch {
				case started:
					pk.add(u)
				case u.heading:
					held = append(held, u)
				default:
					started = true
					for _, h := range held {
						pk.add(h)
					}
					held = nil
					pk.add(u)
				}
			}
		}
		for _, b := range sec.Blocks {
			if c.err == nil {
				c.err = ctx.Err()
			}
			if c.err != nil {
				return nil, c.err
			}
			if b.Heading {
				add(b.Start, b.End, true)
				continue
			}
			for _, s := range splitSentences(p.Text, b.Start, b.End) {
				if c.err == nil {
					c.err = ctx.Err()
				}
				if c.err != nil {
					return nil, c.err
				}
				add(s[0], s[1], false)
			}
		}
		if !started {
			pending, pendingPath = held, sec.Path
			continue
		}
		pending = nil
		pk.finish()
	}
	if len(pending) > 0 {
		pk := packer{c: &c, path: headingPath(p.Title, pendingPath)}
		for _, u := range pending {
			pk.add(u)
		}
		pk.finish()
	}
	if c.err != nil {
		return nil, c.err
	}
	return c.chunks, nil
}

// sectionsOf returns p's sections, deriving them from the blocks for a
// Parsed built without them.
func sectionsOf(p *Parsed) []Section {
	if len(p.Sections) > 0 || len(p.Blocks) == 0 {
		return p.Sections
	}
	var out []Section
	for i, b := range p.Blocks {
		if b.Heading || i == 0 {
			out = append(out, Section{Path: b.Path, Start: b.Start})
		}
		s := &out[len(out)-1]
		s.Blocks = append(s.Blocks, b)
		s.End = b.End
	}
	return out
}

type chunker struct {
	e      *tiktoken.Tiktoken
	p      *Parsed
	opts   ChunkOptions
	chunks []Chunk
	// err is set when the chunk limit is passed; nothing more is done.
	err error
}

// appendSpan appends text[start:end] as a unit or, when it is longer than
// the maximum, as pieces of the target size.
func (c *chunker) appendSpan(units []unit, start, end int, heading bool) []unit {
	if c.err != nil {
		return units
	}
	toks := encode(c.e, c.p.Text[start:end])
	if len(toks) <= c.opts.MaxTokens {
		return append(units, unit{start: start, end: end, tokens: len(toks), heading: heading})
	}
	return append(units, c.cut(start, end, toks, heading)...)
}

// cut splits an over-long span at token boundaries into pieces of the
// target size (so that a heading still fits before the first), each cut
// moved to a character boundary and each piece re-counted so that none
// exceeds the target.
func (c *chunker) cut(start, end int, toks []int, heading bool) []unit {
	text := c.p.Text
	// offs[k] is where token k ends, in bytes from start.
	offs := make([]int, len(toks))
	n := 0
	for k := range toks {
		n += len(c.e.Decode(toks[k : k+1 : k+1]))
		offs[k] = n
	}
	var out []unit
	pos, i := start, 0 // i is the first token that ends after pos
	for pos < end {
		take := c.opts.TargetTokens
		for {
			j := min(i+take, len(toks))
			cutAt := end
			if j < len(toks) {
				cutAt = min(start+offs[j-1], end)
				for cutAt < end && !utf8.RuneStart(text[cutAt]) {
					cutAt++
				}
			}
			// The space a cut falls on belongs to neither piece.
			pieceEnd, next := cutAt, cutAt
			for pieceEnd > pos+1 && text[pieceEnd-1] == ' ' {
				pieceEnd--
			}
			for next < end && text[next] == ' ' {
				next++
			}
			cnt := len(encode(c.e, text[pos:pieceEnd]))
			if cnt <= c.opts.TargetTokens || take == 1 {
				out = append(out, unit{start: pos, end: pieceEnd, tokens: cnt, heading: heading})
				pos = next
				for i < len(toks) && start+offs[i] <= pos {
					i++
				}
				break
			}
			take -= max(1, cnt-c.opts.TargetTokens)
		}
	}
	return out
}

// estimate is an upper bound of the tokens of the span from the first to
// the last unit: their counts plus one for each separator between them.
func estimate(units []unit) int {
	n := len(units) - 1
	for _, u := range units {
		n += u.tokens
	}
	return max(n, 0)
}

// packer groups a section's units, given in order, into chunks of about
// the target size, with overlap.
type packer struct {
	c     *chunker
	path  string
	cur   []unit
	fresh int // units of cur not repeated from the previous chunk
}

func (k *packer) add(u unit) {
	c := k.c
	if c.err != nil {
		return
	}
	next := estimate(k.cur) + 1 + u.tokens
	if k.fresh > 0 && next > c.opts.TargetTokens && (!onlyHeadings(k.cur) || next > c.opts.MaxTokens) {
		c.emit(k.cur, k.path)
		k.cur, k.fresh = c.overlap(k.cur, u), 0
	}
	k.cur = append(k.cur, u)
	k.fresh++
}

// finish emits the last chunk of the section.
func (k *packer) finish() {
	if k.fresh > 0 {
		k.c.emit(k.cur, k.path)
	}
}

// overlap returns the last sentences of a chunk that the next one, which
// will add u, repeats: at most OverlapTokens, never a heading, never the
// whole chunk, and leaving room for u within the maximum.
func (c *chunker) overlap(prev []unit, u unit) []unit {
	tokens, k := 0, len(prev)
	for k > 1 {
		cand := prev[k-1]
		if cand.heading || tokens+cand.tokens+1 > c.opts.OverlapTokens ||
			tokens+cand.tokens+1+u.tokens+1 > c.opts.MaxTokens {
			break
		}
		tokens += cand.tokens + 1
		k--
	}
	return append([]unit(nil), prev[k:]...)
}

// emit appends the chunk spanning units, counting its tokens exactly. The
// estimate the packing used is an upper bound in practice; should the
// exact count still pass the maximum, the units are split in two.
func (c *chunker) emit(units []unit, path string) {
	if c.err != nil {
		return
	}
	start, end := units[0].start, units[len(units)-1].end
	text := c.p.Text[start:end]
	tokens := units[0].tokens // a single unit was counted exactly
	if len(units) > 1 {
		tokens = len(encode(c.e, text))
	}
	if tokens > c.opts.MaxTokens && len(units) > 1 {
		half := len(units) / 2
		c.emit(units[:half], path)
		c.emit(units[half:], path)
		return
	}
	if c.opts.MaxChunks > 0 && len(c.chunks) == c.opts.MaxChunks {
		c.err = &TooManyChunksError{Limit: c.opts.MaxChunks, Offset: start}
		return
	}
	first, last := pageSpan(c.p, start, end)
	c.chunks = append(c.chunks, Chunk{Ordinal: len(c.chunks), HeadingPath: path, Text: text, Tokens: tokens, Start: start, End: end,
		Page: first, LastPage: last})
}

func onlyHeadings(us []unit) bool {
	for _, u := range us {
		if !u.heading {
			return false
		}
	}
	return true
}

// headingPath joins the title and a section's headings; the title is not
// repeated when the first heading is the title.
func headingPath(title string, path []string) string {
	if title != "" && (len(path) == 0 || path[0] != title) {
		path = append([]string{title}, path...)
	}
	return strings.Join(path, HeadingSeparator)
}
