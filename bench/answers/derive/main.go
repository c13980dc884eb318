// Command derive builds the question-answering sets of bench/answers from
// deepset-ai/COVID-QA's FAQ file data/faqs/faq_200327.tsv (Apache-2.0):
// per language (de, en) the FAQ entries grouped by their source page, the
// pages split between dev and test (largest first, in the order dev, test,
// test, dev, …, so both get a share of every size; every second page of dev
// goes to train, the answer ranker's training data), and each page's
// answers cut into passages of three consecutive answers, without their
// questions. Each question's gold answer is its own FAQ answer.
//
//	go run ./bench/answers/derive -from /path/to/COVID-QA/data/faqs/faq_200327.tsv
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Set is one language's split: the passages a tenant holds and the
// questions asked over them.
type Set struct {
	Lang      string     `json:"lang"`
	Split     string     `json:"split"`
	Pages     []string   `json:"pages"`
	Passages  []Passage  `json:"passages"`
	Questions []Question `json:"questions"`
}

// Passage is one document of the tenant.
type Passage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Question is one FAQ question with its own answer, the gold.
type Question struct {
	Question string `json:"question"`
	Passage  string `json:"passage"`
	Answer   string `json:"answer"`
}

const perPassage = 3

func main() {
	from := flag.String("from", "", "path of COVID-QA's data/faqs/faq_200327.tsv")
	out := flag.String("out", "testdata/answers", "output directory")
	flag.Parse()
	if err := run(*from, *out); err != nil {
		log.Fatal(err)
	}
}

type entry struct{ q, a, link, source string }

func run(from, out string) error {
	f, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("derive: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("derive: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	byLang := map[string]map[string][]entry{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("derive: %w", err)
		}
		lang := rec[col["lang"]]
		if lang != "de" && lang != "en" {
			continue
		}
		e := entry{q: clean(rec[col["question"]]), a: clean(rec[col["answer"]]), link: rec[col["link"]], source: rec[col["source"]]}
		if len(e.a) < 40 || len(e.a) > 2000 || !strings.HasSuffix(e.q, "?") {
			continue
		}
		if byLang[lang] == nil {
			byLang[lang] = map[string][]entry{}
		}
		byLang[lang][e.link] = append(byLang[lang][e.link], e)
	}
	for _, lang := range []string{"de", "en"} {
		pages := byLang[lang]
		links := make([]string, 0, len(pages))
		for l := range pages {
			links = append(links, l)
		}
		sort.Slice(links, func(i, j int) bool {
			if len(pages[links[i]]) != len(pages[links[j]]) {
				return len(pages[links[i]]) > len(pages[links[j]])
			}
			return links[i] < links[j]
		})
		sets := map[string]*Set{"train": {Lang: lang, Split: "train"}, "dev": {Lang: lang, Split: "dev"}, "test": {Lang: lang, Split: "test"}}
		devPages := 0
		for i, link := range links {
			split := "dev"
			if m := i % 4; m == 1 || m == 2 {
				split = "test"
			} else {
				// Every second page of dev trains the answer ranker
				// (llm/answerrank), so that dev measures it on pages it has
				// not seen.
				if devPages%2 == 1 {
					split = "train"
				}
				devPages++
			}
			s := sets[split]
			s.Pages = append(s.Pages, link)
			es := pages[link]
			for k := 0; k < len(es); k += perPassage {
				group := es[k:min(k+perPassage, len(es))]
				id := fmt.Sprintf("%s-%s-%03d", lang, split, len(s.Passages)+1)
				var texts []string
				for _, e := range group {
					texts = append(texts, e.a)
					s.Questions = append(s.Questions, Question{Question: e.q, Passage: id, Answer: e.a})
				}
				s.Passages = append(s.Passages, Passage{ID: id, Title: fmt.Sprintf("%s (%d)", group[0].source, k/perPassage+1),
					Text: strings.Join(texts, "\n\n")})
			}
		}
		for _, split := range []string{"train", "dev", "test"} {
			data, err := json.MarshalIndent(sets[split], "", " ")
			if err != nil {
				return err
			}
			name := filepath.Join(out, lang+"-"+split+".json")
			if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
				return fmt.Errorf("derive: %w", err)
			}
			fmt.Printf("%s: %d pages, %d passages, %d questions\n", name, len(sets[split].Pages), len(sets[split].Passages), len(sets[split].Questions))
		}
	}
	return nil
}

// clean joins the lines of an answer into paragraphs of single spaces.
func clean(s string) string {
	var paras []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			paras = append(paras, p)
		}
	}
	return strings.Join(paras, " ")
}
