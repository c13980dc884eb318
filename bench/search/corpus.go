package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// document is one document of a corpus with its chunks.
type document struct {
	tenant string
	groups []string
	lang   string // de or en
	title  string
	chunks []string
}

// query is one benchmark query.
type query struct{ text, lang string }

// corpus is what a benchmark run loads and asks.
type corpus struct {
	docs    []document
	queries []query
}

// assign spreads the documents over the tenants and groups by their share
// of the chunks: tenant "big" holds 90%, 1% of all chunks in group "one",
// 10% in "one" or "ten", and "big-all" callers see every document of the
// tenant (group "all"); tenants "small1" and "small2" hold 5% each.
func assign(docs []document) {
	total := 0
	for _, d := range docs {
		total += len(d.chunks)
	}
	seen := 0
	for i := range docs {
		share := float64(seen) / float64(total)
		switch {
		case share < 0.01:
			docs[i].tenant, docs[i].groups = "big", []string{"one", "ten", "all"}
		case share < 0.10:
			docs[i].tenant, docs[i].groups = "big", []string{"ten", "all"}
		case share < 0.90:
			docs[i].tenant, docs[i].groups = "big", []string{"all"}
		case share < 0.95:
			docs[i].tenant, docs[i].groups = "small1", []string{"all"}
		default:
			docs[i].tenant, docs[i].groups = "small2", []string{"all"}
		}
		seen += len(docs[i].chunks)
	}
}

// The synthetic corpus imitates natural text: a vocabulary of 90 domain
// words and 6,000 invented ones drawn with a Zipf distribution, and
// documents on topics (each document and each query draws most of its words
// from a topic's own 200-word subset), so that vectors cluster by topic.
// Within a topic nothing distinguishes one chunk from another: every chunk
// draws from the same distribution, so a query's nearest chunks are nearly
// equidistant. That makes it a stress test for an approximate index rather
// than a likeness of real text (see the Debian corpus).
var domain = strings.Fields(`Flasche Edelstahl Deckel Dichtung spülmaschinenfest Becher Thermobecher Isolierung heiß kalt
	Stunden Garantie Ersatzteil Farbe Salbei Sand Nachtblau Lunchbox Fach Silikon BPA-frei Kinder Trinkhalm Versand
	Preis Aktion Herbst Newsletter bottle stainless steel lid seal dishwasher safe mug insulation hot cold hours warranty
	spare part colour jar lunch children straw shipping price offer autumn reinigen pflegen abnehmen einfrieren
	Kohlensäure Tee Kaffee Wasser Arbeitsweg Büro Schule Wandern Fahrrad Halterung Gewicht Inhalt Liter Milliliter`)

var vocabulary = func() []string {
	syl := strings.Fields("ka lo mi ne ru sa te vi bo da fe gu hi jo ku la me no pa qui re si to un ver ste ber lin gen")
	r := rand.New(rand.NewPCG(11, 13))
	words := append([]string(nil), domain...)
	seen := map[string]bool{}
	for len(words) < 6090 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}()

type topic []string

func newTopic(r *rand.Rand) topic {
	t := make(topic, 200)
	for i := range t {
		t[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return t
}

func sentence(r *rand.Rand, t topic, z *rand.Zipf) string {
	n := 8 + r.IntN(10)
	ws := make([]string, n)
	for i := range ws {
		if r.IntN(10) < 6 {
			ws[i] = t[r.IntN(len(t))]
		} else {
			ws[i] = vocabulary[z.Uint64()]
		}
	}
	return strings.Join(ws, " ") + "."
}

// synthetic builds n chunks in documents of 50 and q queries, each a
// sentence on a random topic.
func synthetic(n, q int) corpus {
	r := rand.New(rand.NewPCG(7, 9))
	const perDoc = 50
	z := rand.NewZipf(r, 1.1, 1, uint64(len(vocabulary)-1))
	topics := make([]topic, 300)
	for i := range topics {
		topics[i] = newTopic(r)
	}
	var c corpus
	for d := 0; d < n/perDoc; d++ {
		t := topics[r.IntN(len(topics))]
		doc := document{lang: "de", title: fmt.Sprintf("doc-%d", d), chunks: make([]string, perDoc)}
		for i := range doc.chunks {
			var sb strings.Builder
			for range 6 {
				sb.WriteString(sentence(r, t, z))
				sb.WriteByte(' ')
			}
			doc.chunks[i] = sb.String()
		}
		c.docs = append(c.docs, doc)
	}
	assign(c.docs)
	qr := rand.New(rand.NewPCG(3, 4))
	qz := rand.NewZipf(qr, 1.1, 1, uint64(len(vocabulary)-1))
	for range q {
		c.queries = append(c.queries, query{strings.TrimSuffix(sentence(qr, topics[qr.IntN(len(topics))], qz), "."), "de"})
	}
	return c
}

// debian builds a corpus of real text: the package descriptions of a
// Debian release in English and German (bench/search/debian-corpus.sh
// fetches them into dir). A package is a document, each distinct paragraph
// of its description a chunk (a paragraph repeated across packages, such as
// "This package contains the development files.", is kept once), and the
// one-line synopses of the loaded packages are the queries, in their
// language, as a user would name what they look for. Documents are taken in
// a fixed random order until n chunks are loaded.
func debian(dir string, n, q int) (corpus, error) {
	var all []document
	var synopses []string
	seen := map[string]bool{}
	for _, lang := range []string{"en", "de"} {
		path := filepath.Join(dir, "Translation-"+lang)
		docs, syn, err := readTranslation(path, lang, seen)
		if err != nil {
			return corpus{}, fmt.Errorf("%w (fetch the corpus with: bash bench/search/debian-corpus.sh %s)", err, dir)
		}
		all = append(all, docs...)
		synopses = append(synopses, syn...)
	}
	r := rand.New(rand.NewPCG(7, 9))
	order := r.Perm(len(all))
	var c corpus
	var qpool []query
	total := 0
	for _, i := range order {
		if total >= n {
			break
		}
		d := all[i]
		if len(d.chunks) > n-total {
			d.chunks = d.chunks[:n-total]
		}
		total += len(d.chunks)
		c.docs = append(c.docs, d)
		if synopses[i] != "" {
			qpool = append(qpool, query{synopses[i], d.lang})
		}
	}
	if total < n {
		return corpus{}, fmt.Errorf("the Debian corpus has %d distinct paragraphs, fewer than the %d asked for", total, n)
	}
	assign(c.docs)
	qr := rand.New(rand.NewPCG(3, 4))
	for range q {
		c.queries = append(c.queries, qpool[qr.IntN(len(qpool))])
	}
	return c, nil
}

// readTranslation parses a Translation file: records of "Package:",
// "Description-md5:" and "Description-<lang>: synopsis" followed by the
// long description, indented by one space, " ." separating paragraphs.
// Paragraphs already in seen (lower-cased, spaces collapsed) are skipped,
// as are those of fewer than four words; a package without a paragraph
// left is not a document.
func readTranslation(path, lang string, seen map[string]bool) ([]document, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var docs []document
	var synopses []string
	cur := document{lang: lang}
	var syn string
	var para []string
	flushPara := func() {
		text := strings.Join(para, " ")
		para = para[:0]
		words := strings.Fields(text)
		key := strings.ToLower(strings.Join(words, " "))
		if len(words) < 4 || seen[key] {
			return
		}
		seen[key] = true
		cur.chunks = append(cur.chunks, strings.Join(words, " "))
	}
	flushDoc := func() {
		flushPara()
		if cur.title != "" && len(cur.chunks) > 0 {
			docs = append(docs, cur)
			synopses = append(synopses, syn)
		}
		cur, syn = document{lang: lang}, ""
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	field := "Description-" + lang + ": "
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flushDoc()
		case strings.HasPrefix(line, "Package: "):
			cur.title = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, field):
			syn = strings.TrimSpace(strings.TrimPrefix(line, field))
			if len(strings.Fields(syn)) < 2 {
				syn = ""
			}
		case line == " .":
			flushPara()
		case strings.HasPrefix(line, " "):
			para = append(para, strings.TrimSpace(line))
		}
	}
	flushDoc()
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(docs) == 0 {
		return nil, nil, fmt.Errorf("%s: no package descriptions", path)
	}
	return docs, synopses, nil
}
