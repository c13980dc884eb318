package generate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"kontext/guard/policy"
	"kontext/llm"
)

// VerifySource is one numbered source as verification reads it.
type VerifySource struct {
	N     int
	Title string
	Text  string
}

// Verification is the outcome of VerifyCitations.
type Verification struct {
	// Draft is the draft with citations of unknown sources removed.
	Draft     string
	Sentences []Sentence
	Reasons   []Reason
}

var (
	citationRE = regexp.MustCompile(`\s?\[(\d+(?:\s*[,;]\s*\d+)*)\]`)
	listNumRE  = regexp.MustCompile(`^\d{1,2}[.)]\s+`)
)

// VerifyCitations checks a draft against its numbered sources. Numbers that
// appear in a source's title (product names such as "Gipfelflasche 500")
// do not make a sentence factual by themselves. Citations
// of sources that do not exist are removed and flagged. Every sentence that
// states a fact — a number, price, measurement or date, or a product
// property such as a material or a dishwasher rating — must cite a source,
// and a sentence that cites must be supported by what it cites: each of its
// numbers appears in a cited source, each unit after a number too (hours
// as hours, not days), and at least half of its content words (Terms) do.
func VerifyCitations(draft string, sources []VerifySource) Verification {
	known := map[int]string{}
	titles := map[string]bool{}
	for _, s := range sources {
		known[s.N] = s.Text
		for _, w := range llm.Words(s.Title) {
			if n, ok := llm.NormaliseNumber(w); ok {
				titles[n] = true
			}
		}
	}
	var v Verification
	unknown := map[int]bool{}
	v.Draft = citationRE.ReplaceAllStringFunc(draft, func(m string) string {
		lead := ""
		if strings.HasPrefix(m, " ") || strings.HasPrefix(m, "\n") || strings.HasPrefix(m, "\t") {
			lead, m = m[:1], m[1:]
		}
		var keep []string
		for _, f := range strings.FieldsFunc(strings.Trim(m, "[]"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			n, _ := strconv.Atoi(f)
			if _, ok := known[n]; ok {
				keep = append(keep, strconv.Itoa(n))
			} else {
				unknown[n] = true
			}
		}
		if len(keep) == 0 {
			return ""
		}
		return lead + "[" + strings.Join(keep, "][") + "]"
	})
	for _, n := range slices.Sorted(maps.Keys(unknown)) {
		v.Reasons = append(v.Reasons, Reason{Code: "citation", Severity: policy.SeverityReview,
			Message: fmt.Sprintf("Citation [%d] names no source; it was removed.", n)})
	}
	index := map[int]*sourceIndex{}
	for _, u := range llm.Sentences(v.Draft) {
		s := verifySentence(u.Text, known, titles, index)
		v.Sentences = append(v.Sentences, s)
		if !s.Supported {
			v.Reasons = append(v.Reasons, Reason{Code: "citation", Severity: policy.SeverityReview,
				Message: fmt.Sprintf("%s: %q", s.Reason, clip(s.Text, 120))})
		}
	}
	if v.Sentences == nil {
		v.Sentences = []Sentence{}
	}
	return v
}

// sourceIndex is what verification needs of one source.
type sourceIndex struct {
	numbers map[string]bool
	units   map[string]bool
	terms   map[string]bool
}

func indexSource(text string) *sourceIndex {
	ix := &sourceIndex{numbers: map[string]bool{}, units: map[string]bool{}, terms: map[string]bool{}}
	words := llm.Words(text)
	for i, w := range words {
		if n, ok := llm.NormaliseNumber(w); ok {
			ix.numbers[n] = true
			if i+1 < len(words) {
				if u, ok := unitOf(words[i+1]); ok {
					ix.units[u] = true
				}
			}
		}
	}
	for _, sym := range []string{"€", "%", "°"} {
		if strings.Contains(text, sym) {
			ix.units[unitSymbols[sym]] = true
		}
	}
	for _, t := range llm.Terms(text) {
		ix.terms[t] = true
	}
	return ix
}

func verifySentence(text string, known map[int]string, titles map[string]bool, index map[int]*sourceIndex) Sentence {
	s := Sentence{Text: text, Cites: []int{}}
	for _, m := range citationRE.FindAllStringSubmatch(text, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			if n, err := strconv.Atoi(f); err == nil && !slices.Contains(s.Cites, n) {
				s.Cites = append(s.Cites, n)
			}
		}
	}
	body := citationRE.ReplaceAllString(text, "")
	body = strings.ReplaceAll(body, "][", "")
	body = listNumRE.ReplaceAllString(strings.TrimSpace(body), "")
	words := llm.Words(body)
	var numbers, units []string
	for i, w := range words {
		if n, ok := llm.NormaliseNumber(w); ok {
			numbers = append(numbers, n)
			if i+1 < len(words) {
				if u, ok := unitOf(words[i+1]); ok {
					units = append(units, u)
				}
			}
		}
	}
	for sym, u := range unitSymbols {
		if strings.Contains(body, sym) {
			units = append(units, u)
		}
	}
	// A number that is part of a source's title names a product
	// ("Gipfelflasche 500"); it states nothing by itself.
	facts := 0
	for _, n := range numbers {
		if !titles[n] {
			facts++
		}
	}
	s.Factual = facts > 0 || len(units) > 0 || statesProperty(body)
	if len(s.Cites) == 0 {
		s.Supported = !s.Factual
		if s.Factual {
			s.Reason = "states a fact without citing a source"
		}
		return s
	}
	cited := &sourceIndex{numbers: map[string]bool{}, units: map[string]bool{}, terms: map[string]bool{}}
	for _, n := range s.Cites {
		ix, ok := index[n]
		if !ok {
			ix = indexSource(known[n])
			index[n] = ix
		}
		for k := range ix.numbers {
			cited.numbers[k] = true
		}
		for k := range ix.units {
			cited.units[k] = true
		}
		for k := range ix.terms {
			cited.terms[k] = true
		}
	}
	for _, n := range numbers {
		if !cited.numbers[n] {
			s.Reason = fmt.Sprintf("the number %s is not in the cited source%s", n, plural(len(s.Cites)))
			return s
		}
	}
	for _, u := range units {
		if !cited.units[u] {
			s.Reason = fmt.Sprintf("the unit %q is not in the cited source%s", u, plural(len(s.Cites)))
			return s
		}
	}
	var content, found int
	var missing []string
	for _, t := range llm.Terms(body) {
		if t[0] >= '0' && t[0] <= '9' {
			continue
		}
		content++
		if cited.terms[t] {
			found++
		} else {
			missing = append(missing, t)
		}
	}
	if content >= 2 && 2*found < content {
		s.Reason = fmt.Sprintf("most of its words are not in the cited source%s (%s)", plural(len(s.Cites)), strings.Join(first(missing, 5), ", "))
		return s
	}
	s.Supported = true
	return s
}

// units maps unit words, folded, to one name per unit.
var units = map[string]string{
	"ml": "ml", "milliliter": "ml", "l": "l", "liter": "l", "litre": "l", "liters": "l", "litres": "l",
	"cl": "cl", "g": "g", "gramm": "g", "gram": "g", "grams": "g", "kg": "kg", "kilogramm": "kg",
	"cm": "cm", "mm": "mm", "m": "m", "meter": "m", "km": "km",
	"h": "h", "std": "h", "stunde": "h", "stunden": "h", "hour": "h", "hours": "h", "hrs": "h",
	"min": "min", "minute": "min", "minuten": "min", "minutes": "min",
	"tag": "day", "tage": "day", "tagen": "day", "day": "day", "days": "day",
	"woche": "week", "wochen": "week", "week": "week", "weeks": "week",
	"monat": "month", "monate": "month", "monaten": "month", "month": "month", "months": "month",
	"jahr": "year", "jahre": "year", "jahren": "year", "year": "year", "years": "year",
	"prozent": "%", "percent": "%", "euro": "€", "eur": "€", "grad": "°",
}

var unitSymbols = map[string]string{"€": "€", "%": "%", "°": "°"}

func unitOf(w string) (string, bool) {
	u, ok := units[strings.ToLower(w)]
	return u, ok
}

// propertyStems mark sentences that state a product property without a
// number: materials, ratings, certifications, origins, guarantees.
var propertyStems = []string{
	"edelstahl", "stainless", "spulmaschinen", "spuelmaschinen", "dishwasher", "bpa", "vakuum", "vacuum", "isoliert",
	"insulated", "auslaufsicher", "leakproof", "leak-proof", "recycelt", "recycled", "garantie", "warranty", "guarantee",
	"zertifiziert", "certified", "gepruft", "geprueft", "tested", "hergestellt", "made in", "frei von", "free of",
	"enthalt", "enthaelt", "contains", "pulverbeschicht", "powder-coat", "powder coat", "silikon", "silicone",
	"polypropylen", "polypropylene", "kohlensaure", "carbonated", "schadstofffrei", "lebensmittelecht", "food-safe",
	"food safe", "wiederverwendbar", "reusable", "plastikfrei", "plastic-free", "vegan", "bio-", "organic",
}

func statesProperty(s string) bool {
	f := strings.ToLower(s)
	f = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss").Replace(f)
	for _, p := range propertyStems {
		if strings.Contains(f, p) {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
