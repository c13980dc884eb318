package llm

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// HashEmbedder is the offline embedder: deterministic feature hashing of a
// text's words, word pairs and character n-grams into a fixed number of
// dimensions.
//
// Method: the text is NFKC-normalised and case-folded (ß as ss, umlauts
// also folded to their base letters for the n-grams). Each word
// contributes a unigram feature (weight 1), each adjacent pair a bigram
// feature (0.5), and each character 3-, 4- and 5-gram of the word padded
// with boundary marks a feature (0.25, spread over the word's n-grams).
// A feature is hashed with 64-bit FNV-1a: the low bits pick the
// dimension, a high bit the sign, so collisions cancel in expectation
// instead of piling up. Term frequencies are dampened (1 + log tf) and the
// vector is L2-normalised, so cosine similarity is a dot product.
//
// Why it is a reasonable baseline: cosine similarity of these vectors
// approximates weighted lexical overlap, like BM25 without corpus
// statistics, and the character n-grams carry it across inflection and
// German compounds ("spülmaschinenfest" shares most n-grams with
// "Spülmaschine"), which plain word matching misses. It knows no synonyms;
// a real embedding model is configured for that.
type HashEmbedder struct {
	dim   int
	model string
}

// DefaultHashDimensions is the offline embedder's default size.
const DefaultHashDimensions = 384

// NewHashEmbedder returns an offline embedder of dim dimensions (default
// 384 when dim <= 0).
func NewHashEmbedder(dim int) *HashEmbedder {
	if dim <= 0 {
		dim = DefaultHashDimensions
	}
	return &HashEmbedder{dim: dim, model: fmt.Sprintf("kontext-hash-v1-%d", dim)}
}

// Model returns "kontext-hash-v1-<dim>".
func (h *HashEmbedder) Model() string { return h.model }

// Dimensions returns the vector size.
func (h *HashEmbedder) Dimensions() int { return h.dim }

// Embed returns one vector per text; it never fails but for a cancelled
// context.
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

// Vector embeds one text.
func (h *HashEmbedder) Vector(text string) []float32 {
	acc := make([]float64, h.dim)
	counts := map[uint64]float64{}
	words := tokenize(text)
	for i, w := range words {
		counts[hash("w\x00"+w)] += 1
		if i > 0 {
			counts[hash("b\x00"+words[i-1]+"\x00"+w)] += 0.5
		}
		grams := ngrams(fold(w))
		if len(grams) > 0 {
			weight := 0.25 * 3 / float64(len(grams))
			if weight > 0.25 {
				weight = 0.25
			}
			for _, g := range grams {
				counts[hash("c\x00"+g)] += weight
			}
		}
	}
	for f, tf := range counts {
		v := 1 + math.Log(1+tf) - math.Log(2)
		if tf < 1 {
			v = tf
		}
		idx := int(f % uint64(h.dim))
		if f>>63 == 1 {
			v = -v
		}
		acc[idx] += v
	}
	var norm2 float64
	for _, v := range acc {
		norm2 += v * v
	}
	vec := make([]float32, h.dim)
	if norm2 == 0 {
		return vec
	}
	inv := 1 / math.Sqrt(norm2)
	for i, v := range acc {
		vec[i] = float32(v * inv)
	}
	return vec
}

// tokenize returns the case-folded words of text (letters and digits).
func tokenize(text string) []string {
	text = norm.NFKC.String(text)
	fields := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := fields[:0]
	for _, f := range fields {
		f = strings.ToLower(f)
		f = strings.ReplaceAll(f, "ß", "ss")
		out = append(out, f)
	}
	return out
}

var umlauts = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "é", "e", "è", "e", "à", "a", "ç", "c", "ñ", "n")

// fold removes diacritics common in German and Romance languages so that
// "Spülmaschine" and "Spuelmaschine"/"spulmaschine" share n-grams.
func fold(w string) string {
	w = strings.ReplaceAll(w, "ae", "a")
	w = strings.ReplaceAll(w, "oe", "o")
	w = strings.ReplaceAll(w, "ue", "u")
	return umlauts.Replace(w)
}

// ngrams returns the 3- to 5-grams of a word padded with '<' and '>'.
func ngrams(w string) []string {
	if utf8.RuneCountInString(w) < 2 {
		return nil
	}
	r := []rune("<" + w + ">")
	var out []string
	for n := 3; n <= 5; n++ {
		for i := 0; i+n <= len(r); i++ {
			out = append(out, string(r[i:i+n]))
		}
	}
	return out
}

// hash is 64-bit FNV-1a.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
