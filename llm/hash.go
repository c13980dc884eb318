package llm

import (
	"context"
	"fmt"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// HashEmbedder is the offline embedder: deterministic feature hashing of a
// text's words, word pairs and character n-grams into a fixed number of
// dimensions. It is safe for concurrent use.
//
// Method. The text is NFKC-normalised (full-width forms, ligatures and
// compatibility characters become their plain letters) and lower-cased,
// ß spelled ss. Words are runs of letters and digits. Each word
// contributes a unigram feature (weight 1), each pair of adjacent words a
// bigram feature (weight 0.5), and each character 3-, 4- and 5-gram of the
// word padded with boundary marks ("<spül", "ine>") a feature of weight
// 1/√g for a word of g n-grams, so that a word's n-grams together carry as
// much of the vector's length as the word itself, however long it is
// (weighted less each, they matter as a group). For the
// n-grams the word is also folded: umlauts and accents lose their marks and
// "ae", "oe", "ue" become "a", "o", "u", so that "Spülmaschine",
// "Spuelmaschine" and "Spulmaschine" share them. A feature is hashed with
// 64-bit FNV-1a over its runes, from a seed per feature kind, and a
// splitmix64 finaliser: the hash modulo the dimension picks the dimension
// and its top bit the sign, so that colliding features cancel in
// expectation instead of piling up (the "hashing trick" with a signed
// hash). Each feature's weight is dampened (w ≥ 1 becomes 1 + ln w:
// sublinear term frequency), the vector is L2-normalised, and cosine
// similarity is a dot product.
//
// Why it is a reasonable baseline. The dot product of two such vectors
// approximates their weighted lexical overlap, much like a BM25 score
// without corpus statistics, which is what keyword search of product
// sheets and FAQs mostly needs. Bigrams reward shared phrases ("nicht
// spülmaschinenfest"). The character n-grams carry matches across
// inflection ("Flasche", "Flaschen") and German compounds
// ("spülmaschinenfest" shares most of its n-grams with "Spülmaschine"),
// which plain word matching misses. It knows no synonyms and no meaning
// beyond shared letters; a learned embedding model is configured for that.
// Vectors depend only on the text and the dimension: Model names both.
type HashEmbedder struct {
	dim   int
	model string
}

// DefaultHashDimensions is the offline embedder's default size: 384, the
// size of common small sentence-embedding models, so a table can switch
// between them without changing its column.
const DefaultHashDimensions = 384

var _ Embedder = (*HashEmbedder)(nil)

// NewHashEmbedder returns an offline embedder of dim dimensions (default
// 384 when dim <= 0).
func NewHashEmbedder(dim int) *HashEmbedder {
	if dim <= 0 {
		dim = DefaultHashDimensions
	}
	return &HashEmbedder{dim: dim, model: fmt.Sprintf("kontext-hash-v2-%d", dim)}
}

// Model returns "kontext-hash-v2-<dim>".
func (h *HashEmbedder) Model() string { return h.model }

// Dimensions returns the size of the vectors.
func (h *HashEmbedder) Dimensions() int { return h.dim }

// Embed returns one vector per text; it fails only when ctx ends.
func (h *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = h.Vector(t)
	}
	return out, nil
}

// Vector embeds one text; Embed calls it for each text.
func (h *HashEmbedder) Vector(text string) []float32 {
	f := featurePool.Get().(*features)
	defer featurePool.Put(f)
	f.reset()
	text = norm.NFKC.String(text)
	var prev uint64
	havePrev := false
	for len(text) > 0 {
		// Next word: a run of letters and digits.
		i := 0
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				break
			}
			i += size
		}
		text = text[i:]
		j := 0
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += size
		}
		if j == 0 {
			break
		}
		word := f.lower(text[:j])
		text = text[j:]

		wh := hashRunes(seedWord, word)
		f.add(wh, 1)
		if havePrev {
			f.add(mix(prev^(wh<<1|wh>>63)^seedBigram), 0.5)
		}
		prev, havePrev = wh, true

		folded := f.fold(word)
		n := len(folded) + 2
		if n < 4 {
			continue // words of one letter carry no n-grams
		}
		padded := append(append(append(f.padded[:0], '<'), folded...), '>')
		f.padded = padded
		grams := 0
		for g := 3; g <= 5; g++ {
			if n >= g {
				grams += n - g + 1
			}
		}
		weight := gramWeight / math.Sqrt(float64(grams))
		for g := 3; g <= 5; g++ {
			for k := 0; k+g <= n; k++ {
				f.add(hashRunes(seedGram, padded[k:k+g]), weight)
			}
		}
	}
	if len(f.keys) == 0 {
		// No words (empty text, only punctuation or symbols): one fixed
		// feature keeps the vector a unit vector, since a zero vector has no
		// cosine distance to anything.
		f.add(mix(seedEmpty), 1)
	}
	return f.vector(h.dim)
}

// features accumulates hashed feature counts; pooled to spare the
// allocator on the hot path.
type features struct {
	keys   []uint64
	counts map[uint64]float64
	word   []rune
	folded []rune
	padded []rune
}

var featurePool = sync.Pool{New: func() any { return &features{counts: make(map[uint64]float64, 512)} }}

func (f *features) reset() {
	clear(f.counts)
	f.keys = f.keys[:0]
}

func (f *features) add(k uint64, w float64) {
	if _, ok := f.counts[k]; !ok {
		f.keys = append(f.keys, k)
	}
	f.counts[k] += w
}

// lower case-folds a word into runes, ß as ss.
func (f *features) lower(s string) []rune {
	w := f.word[:0]
	for _, r := range s {
		r = unicode.ToLower(r)
		if r == 'ß' {
			w = append(w, 's', 's')
			continue
		}
		w = append(w, r)
	}
	f.word = w
	return w
}

// fold removes the diacritics common in German and Romance languages and
// spells ae/oe/ue as a/o/u, so that "Spülmaschine", "Spuelmaschine" and
// "spulmaschine" share n-grams.
func (f *features) fold(w []rune) []rune {
	out := f.folded[:0]
	for i := 0; i < len(w); i++ {
		r := w[i]
		switch r {
		case 'ä', 'à', 'á', 'â':
			r = 'a'
		case 'ö', 'ó', 'ò', 'ô':
			r = 'o'
		case 'ü', 'ú', 'ù', 'û':
			r = 'u'
		case 'é', 'è', 'ê':
			r = 'e'
		case 'ç':
			r = 'c'
		case 'ñ':
			r = 'n'
		case 'a', 'o', 'u':
			if i+1 < len(w) && w[i+1] == 'e' {
				i++
			}
		}
		out = append(out, r)
	}
	f.folded = out
	return out
}

// vector turns the counts into a signed, dampened, L2-normalised vector.
// Features are visited in insertion order so that the float sums, and so
// the vectors, are identical from run to run.
func (f *features) vector(dim int) []float32 {
	acc := make([]float64, dim)
	for _, k := range f.keys {
		tf := f.counts[k]
		v := tf
		if tf >= 1 {
			v = 1 + math.Log(tf)
		}
		if k>>63 == 1 {
			v = -v
		}
		acc[k%uint64(dim)] += v
	}
	var norm2 float64
	for _, v := range acc {
		norm2 += v * v
	}
	vec := make([]float32, dim)
	if norm2 == 0 {
		return vec
	}
	inv := 1 / math.Sqrt(norm2)
	for i, v := range acc {
		vec[i] = float32(v * inv)
	}
	return vec
}

// Seeds keep words, word pairs and n-grams in separate hash spaces.
const (
	seedWord   uint64 = 0x9e3779b97f4a7c15
	seedBigram uint64 = 0xc2b2ae3d27d4eb4f
	seedGram   uint64 = 0x165667b19e3779f9
	seedEmpty  uint64 = 0x27d4eb2f165667c5
)

// gramWeight scales a word's character n-grams: each of a word's g
// n-grams weighs gramWeight/√g, so that together they carry as much of the
// vector's length as the word itself, however long the word.
const gramWeight = 1.0

// hashRunes is 64-bit FNV-1a over the runes (as 32-bit values), started
// from a seed, finished with a mixer so that the top bit is a fair sign.
func hashRunes(seed uint64, rs []rune) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for _, r := range rs {
		h ^= uint64(r)
		h *= 1099511628211
	}
	return mix(h)
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
