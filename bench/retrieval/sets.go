package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// set is a retrieval benchmark: documents, queries and which documents
// are relevant to each query.
type set struct {
	name    string
	lang    string // de or en, as ingested and queried
	docs    []doc
	queries []query
}

type doc struct {
	id, text string
}

type query struct {
	id, text string
	relevant map[string]bool
	// test is the split: queries whose FNV hash of the text is odd are
	// the test split, the others the development split that defaults were
	// chosen on.
	test bool
}

func split(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%2 == 1
}

// covidQA builds a FAQ-retrieval set from deepset-ai/COVID-QA: the
// documents are one language's FAQ entries (question and answer), the
// queries the paraphrases of the labelled question-similarity pairs
// (similar = 1) whose first question is an entry's question, and the
// relevant document that entry.
func covidQA(dir, lang string) (set, error) {
	s := set{name: "covidqa-" + lang, lang: lang}
	faqFile, comma := "faq_covidbert.csv", ','
	if lang == "de" {
		faqFile, comma = "faq_200327.tsv", '\t'
	}
	rows, err := readCSV(filepath.Join(dir, faqFile), comma)
	if err != nil {
		return s, err
	}
	head := index(rows[0])
	byQuestion := map[string]string{}
	for i, r := range rows[1:] {
		if r[head["lang"]] != lang {
			continue
		}
		q := strings.TrimSpace(r[head["question"]])
		if _, dup := byQuestion[q]; dup || q == "" {
			continue
		}
		id := fmt.Sprintf("%s-%d", lang, i+1)
		byQuestion[q] = id
		s.docs = append(s.docs, doc{id: id, text: q + "\n\n" + strings.TrimSpace(r[head["answer"]])})
	}
	pairs, err := readCSV(filepath.Join(dir, "eval_question_similarity_"+lang+".csv"), ',')
	if err != nil {
		return s, err
	}
	seen := map[string]bool{}
	for i, r := range pairs[1:] {
		if len(r) < 3 || r[2] != "1" {
			continue
		}
		id, ok := byQuestion[strings.TrimSpace(r[0])]
		text := strings.TrimSpace(r[1])
		if !ok || text == "" || seen[text+"\x00"+id] {
			continue
		}
		seen[text+"\x00"+id] = true
		s.queries = append(s.queries, query{id: fmt.Sprint(i + 1), text: text, relevant: map[string]bool{id: true}, test: split(text)})
	}
	return s, nil
}

func readCSV(path string, comma rune) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

func index(head []string) map[string]int {
	m := map[string]int{}
	for i, h := range head {
		m[h] = i
	}
	return m
}

var (
	trecDoc   = regexp.MustCompile(`(?s)<DOC>\s*<DOCNO>\s*(\S+)\s*</DOCNO>(.*?)</DOC>`)
	trecTopic = regexp.MustCompile(`(?s)<top>\s*<num>\s*(\S+)\s*</num>\s*<title>(.*?)</title>\s*</top>`)
)

// vaswani reads the Vaswani/NPL collection in TREC format (as in
// pyterrier's test fixtures): abstracts, queries and binary judgements.
func vaswani(dir string) (set, error) {
	s := set{name: "vaswani-en", lang: "en"}
	b, err := os.ReadFile(filepath.Join(dir, "doc-text.trec"))
	if err != nil {
		return s, err
	}
	for _, m := range trecDoc.FindAllSubmatch(b, -1) {
		s.docs = append(s.docs, doc{id: string(m[1]), text: strings.TrimSpace(string(m[2]))})
	}
	if b, err = os.ReadFile(filepath.Join(dir, "query-text.trec")); err != nil {
		return s, err
	}
	rel := map[string]map[string]bool{}
	f, err := os.Open(filepath.Join(dir, "qrels"))
	if err != nil {
		return s, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 4 && fs[3] != "0" {
			if rel[fs[0]] == nil {
				rel[fs[0]] = map[string]bool{}
			}
			rel[fs[0]][fs[2]] = true
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return s, err
	}
	for _, m := range trecTopic.FindAllSubmatch(b, -1) {
		id := string(m[1])
		// The topics are in capitals; the abstracts in lower case.
		text := strings.ToLower(strings.Join(strings.Fields(string(m[2])), " "))
		if len(rel[id]) > 0 {
			s.queries = append(s.queries, query{id: id, text: text, relevant: rel[id], test: split(text)})
		}
	}
	if len(s.docs) == 0 || len(s.queries) == 0 {
		return s, fmt.Errorf("%s: no documents or queries", dir)
	}
	return s, nil
}
