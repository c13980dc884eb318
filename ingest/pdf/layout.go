package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// frag is one positioned run of text as pdftohtml reports it: a line or
// the part of a line between wide gaps (a table cell, a column's line).
type frag struct {
	top, left, width, height float64
	size                     float64
	bold                     bool
	text                     string
}

func (f frag) right() float64  { return f.left + f.width }
func (f frag) bottom() float64 { return f.top + f.height }

type page struct {
	number        int
	width, height float64
	frags         []frag
}

type outlineItem struct {
	title string
	level int
	page  int
}

// parseXML reads pdftohtml -xml output: pages with their text runs and
// font sizes, and the outline.
func parseXML(out []byte) ([]page, []outlineItem, error) {
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	fonts := map[string]float64{}
	var pages []page
	var outline []outlineItem
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("pdftohtml output: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			a := attrs(t)
			switch t.Name.Local {
			case "page":
				n, _ := strconv.Atoi(a["number"])
				pages = append(pages, page{number: n, width: num(a["width"]), height: num(a["height"])})
			case "fontspec":
				fonts[a["id"]] = num(a["size"])
			case "text":
				inner, bold, err := innerText(dec)
				if err != nil {
					return nil, nil, err
				}
				if strings.TrimSpace(inner) == "" || len(pages) == 0 {
					continue
				}
				p := &pages[len(pages)-1]
				p.frags = append(p.frags, frag{top: num(a["top"]), left: num(a["left"]), width: num(a["width"]),
					height: num(a["height"]), size: fonts[a["font"]], bold: bold, text: inner})
			case "outline":
				depth++
			case "item":
				inner, _, err := innerText(dec)
				if err != nil {
					return nil, nil, err
				}
				n, _ := strconv.Atoi(a["page"])
				if title := norm(inner); title != "" {
					outline = append(outline, outlineItem{title: title, level: depth, page: n})
				}
			}
		case xml.EndElement:
			if t.Name.Local == "outline" {
				depth--
			}
		}
	}
	return pages, outline, nil
}

func attrs(t xml.StartElement) map[string]string {
	m := make(map[string]string, len(t.Attr))
	for _, a := range t.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// innerText reads up to the end of the current element, returning its
// character data and whether all of it was inside <b>.
func innerText(dec *xml.Decoder) (string, bool, error) {
	var sb strings.Builder
	depth, boldDepth := 1, 0
	bold, plain := false, false
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return "", false, fmt.Errorf("pdftohtml output: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local == "b" {
				boldDepth++
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "b" && boldDepth > 0 {
				boldDepth--
			}
		case xml.CharData:
			s := html.UnescapeString(string(t))
			if strings.TrimSpace(s) != "" {
				if boldDepth > 0 {
					bold = true
				} else {
					plain = true
				}
			}
			sb.WriteString(s)
		}
	}
	return sb.String(), bold && !plain, nil
}

// norm is text for comparison: white space runs as one space, trimmed.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

var digits = regexp.MustCompile(`\d+`)

// line is a visual line: the fragments at one height, left to right.
type line struct {
	frags []frag
	page  int
}

func (l line) top() float64    { return l.frags[0].top }
func (l line) height() float64 { return l.frags[0].height }
func (l line) text() string {
	parts := make([]string, len(l.frags))
	for i, f := range l.frags {
		parts[i] = norm(f.text)
	}
	return strings.Join(parts, " ")
}

// layout turns pages of fragments into blocks in reading order, and
// counts the pages with text.
func layout(pages []page, outline []outlineItem) ([]Block, int) {
	dropRepeated(pages)
	body := bodySize(pages)
	headingLevel := headingLevels(pages, outline, body)
	var blocks []Block
	textPages := 0
	for _, p := range pages {
		if len(p.frags) == 0 {
			continue
		}
		textPages++
		for _, region := range readingOrder(p) {
			blocks = appendRegion(blocks, region, p.number, body, headingLevel)
		}
	}
	return blocks, textPages
}

// dropRepeated removes headers and footers: a fragment in the top or
// bottom tenth of a page whose text, digits aside, recurs there on at least
// half the pages (and on two at least). Bare page numbers there go too.
func dropRepeated(pages []page) {
	margin := func(p page, f frag) bool { return f.top < p.height*0.1 || f.bottom() > p.height*0.9 }
	key := func(f frag) string { return digits.ReplaceAllString(strings.ToLower(norm(f.text)), "#") }
	seen := map[string]int{}
	for _, p := range pages {
		onPage := map[string]bool{}
		for _, f := range p.frags {
			if margin(p, f) && !onPage[key(f)] {
				onPage[key(f)] = true
				seen[key(f)]++
			}
		}
	}
	for i := range pages {
		p := &pages[i]
		kept := p.frags[:0]
		for _, f := range p.frags {
			if margin(*p, f) {
				k := key(f)
				if k == "#" || (len(pages) >= 2 && seen[k] >= 2 && 2*seen[k] >= len(pages)) {
					continue
				}
			}
			kept = append(kept, f)
		}
		p.frags = kept
	}
}

// bodySize is the font size of most of the text.
func bodySize(pages []page) float64 {
	chars := map[float64]int{}
	for _, p := range pages {
		for _, f := range p.frags {
			chars[f.size] += utf8.RuneCountInString(f.text)
		}
	}
	best, n := 0.0, -1
	for size, c := range chars {
		if c > n || (c == n && size < best) {
			best, n = size, c
		}
	}
	return best
}

// headingLevels returns a function giving a line's heading level, 0 for
// body text. With an outline, headings are the lines that match one of its
// entries (at the entry's depth); without, lines set larger than the body
// text or entirely in bold are headings, their level the rank of their size.
func headingLevels(pages []page, outline []outlineItem, body float64) func(text string, size float64, bold bool) int {
	if len(outline) > 0 {
		levels := map[string]int{}
		for _, o := range outline {
			if _, ok := levels[strings.ToLower(o.title)]; !ok {
				levels[strings.ToLower(o.title)] = o.level
			}
		}
		return func(text string, size float64, bold bool) int {
			return levels[strings.ToLower(norm(text))]
		}
	}
	isHeading := func(size float64, bold bool) bool { return size >= body*1.15 || (bold && size >= body) }
	var sizes []float64
	for _, p := range pages {
		for _, f := range p.frags {
			if isHeading(f.size, f.bold) && !containsSize(sizes, f.size) {
				sizes = append(sizes, f.size)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sizes)))
	return func(text string, size float64, bold bool) int {
		if !isHeading(size, bold) || utf8.RuneCountInString(text) > 150 {
			return 0
		}
		for i, s := range sizes {
			if s == size {
				return min(i+1, 6)
			}
		}
		return 0
	}
}

func containsSize(sizes []float64, s float64) bool {
	for _, v := range sizes {
		if v == s {
			return true
		}
	}
	return false
}

// readingOrder groups a page's fragments into lines and returns the lines
// in reading order as regions: full-width stretches, and the left then the
// right column of each two-column stretch.
func readingOrder(p page) [][]line {
	frags := append([]frag(nil), p.frags...)
	sort.SliceStable(frags, func(i, j int) bool {
		if frags[i].top != frags[j].top {
			return frags[i].top < frags[j].top
		}
		return frags[i].left < frags[j].left
	})
	var lines []line
	for _, f := range frags {
		if n := len(lines); n > 0 {
			l := &lines[n-1]
			if abs(f.top-l.top()) <= f.height*0.3 {
				l.frags = append(l.frags, f)
				continue
			}
		}
		lines = append(lines, line{frags: []frag{f}, page: p.number})
	}
	for i := range lines {
		sort.SliceStable(lines[i].frags, func(a, b int) bool { return lines[i].frags[a].left < lines[i].frags[b].left })
	}
	gutter, ok := findGutter(p, frags)
	if !ok {
		return [][]line{lines}
	}
	// Lines with text across the gutter are full width and end a
	// two-column stretch; the others are split into their two sides.
	var regions [][]line
	var cur, left, right []line
	flush := func() {
		if len(left)+len(right) > 0 {
			if len(cur) > 0 {
				regions = append(regions, cur)
				cur = nil
			}
			regions = append(regions, left, right)
			left, right = nil, nil
		}
	}
	for _, l := range lines {
		crosses := false
		for _, f := range l.frags {
			if f.left < gutter && f.right() > gutter {
				crosses = true
			}
		}
		if crosses {
			flush()
			cur = append(cur, l)
			continue
		}
		var lf, rf []frag
		for _, f := range l.frags {
			if f.right() <= gutter {
				lf = append(lf, f)
			} else {
				rf = append(rf, f)
			}
		}
		if len(cur) > 0 && len(left)+len(right) == 0 && (len(lf) == 0 || len(rf) == 0) && !inColumns(l, gutter, frags) {
			cur = append(cur, l)
			continue
		}
		if len(cur) > 0 {
			regions = append(regions, cur)
			cur = nil
		}
		if len(lf) > 0 {
			left = append(left, line{frags: lf, page: l.page})
		}
		if len(rf) > 0 {
			right = append(right, line{frags: rf, page: l.page})
		}
	}
	flush()
	if len(cur) > 0 {
		regions = append(regions, cur)
	}
	return regions
}

// inColumns reports whether a one-sided line sits level with the column
// text (a column's last lines run on after the other column has ended).
func inColumns(l line, gutter float64, frags []frag) bool {
	for _, f := range frags {
		if f.top < l.top() && f.left > gutter && l.frags[0].right() <= gutter && l.top()-f.top < 4*f.height {
			return true
		}
	}
	return false
}

// findGutter looks for the space between two columns of prose: at least
// three lines on each side that fill most of their half of the text area,
// none of them crossing the space between. Table cells are short and
// leave most of their column empty, so a table is not read as columns.
func findGutter(p page, frags []frag) (float64, bool) {
	if len(frags) < 6 {
		return 0, false
	}
	minLeft, maxRight := frags[0].left, frags[0].right()
	for _, f := range frags {
		minLeft, maxRight = min(minLeft, f.left), max(maxRight, f.right())
	}
	mid := (minLeft + maxRight) / 2
	half := (maxRight - minLeft) / 2
	var leftEnd, rightStart float64 = minLeft, maxRight
	nl, nr := 0, 0
	for _, f := range frags {
		if f.width < half*0.6 || f.width > half*1.05 {
			continue
		}
		switch {
		case f.right() <= mid+half*0.1 && f.left < mid-half*0.5:
			nl++
			leftEnd = max(leftEnd, f.right())
		case f.left >= mid-half*0.1:
			nr++
			rightStart = min(rightStart, f.left)
		}
	}
	if nl < 3 || nr < 3 || rightStart <= leftEnd {
		return 0, false
	}
	return (leftEnd + rightStart) / 2, true
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// appendRegion turns lines in reading order into blocks: table rows,
// headings and paragraphs.
func appendRegion(blocks []Block, lines []line, pageNo int, body float64, level func(string, float64, bool) int) []Block {
	var para strings.Builder
	var prev *line
	paraPage := pageNo
	flush := func() {
		if s := norm(para.String()); s != "" {
			blocks = append(blocks, Block{Kind: Paragraph, Text: s, Page: paraPage})
		}
		para.Reset()
		prev = nil
	}
	for i := range lines {
		l := &lines[i]
		if cells := tableCells(*l); len(cells) > 1 {
			flush()
			blocks = append(blocks, Block{Kind: Row, Text: strings.Join(cells, " | "), Page: pageNo})
			continue
		}
		text := l.text()
		f := l.frags[0]
		if lv := level(text, f.size, f.bold); lv > 0 {
			flush()
			// A heading set on two lines continues the one before.
			if n := len(blocks); n > 0 && i > 0 && blocks[n-1].Kind == Heading && blocks[n-1].Level == lv &&
				lines[i-1].frags[0].size == f.size && l.top()-lines[i-1].top() < 1.6*f.height && level(blocks[n-1].Text, f.size, f.bold) == 0 {
				blocks[n-1].Text += " " + norm(text)
				continue
			}
			blocks = append(blocks, Block{Kind: Heading, Level: lv, Text: norm(text), Page: pageNo})
			continue
		}
		if prev != nil && (l.top()-prev.top() > 1.8*prev.height() || prev.frags[0].size != f.size) {
			flush()
		}
		if prev == nil {
			paraPage = pageNo
			para.WriteString(norm(text))
		} else {
			joinLine(&para, norm(text))
		}
		prev = l
	}
	flush()
	return blocks
}

// tableCells returns a line's cells when its fragments stand apart like
// table cells: more than one, separated by gaps wider than two spaces.
func tableCells(l line) []string {
	if len(l.frags) < 2 {
		return nil
	}
	cells := []string{norm(l.frags[0].text)}
	for i := 1; i < len(l.frags); i++ {
		f, p := l.frags[i], l.frags[i-1]
		if f.left-p.right() < f.size*0.6 {
			cells[len(cells)-1] += " " + norm(f.text)
			continue
		}
		cells = append(cells, norm(f.text))
	}
	if len(cells) < 2 {
		return nil
	}
	return cells
}

// keepHyphen are words after a line-end hyphen that show the hyphen is
// part of the text ("Ein- und Mehrfamilienhäuser"), not a word split.
var keepHyphen = map[string]bool{"und": true, "oder": true, "bis": true, "sowie": true, "and": true, "or": true, "to": true}

// joinLine appends the next line of a paragraph, joining a word
// hyphenated at the line end ("Wärme-" + "pumpen" → "Wärmepumpen").
func joinLine(sb *strings.Builder, next string) {
	cur := sb.String()
	if strings.HasSuffix(cur, "-") && len(cur) > 1 {
		r, _ := utf8.DecodeLastRuneInString(cur[:len(cur)-1])
		first, _ := utf8.DecodeRuneInString(next)
		word, _, _ := strings.Cut(next, " ")
		if unicode.IsLetter(r) && unicode.IsLower(first) && !keepHyphen[strings.Trim(word, ",.;")] {
			sb.Reset()
			sb.WriteString(cur[:len(cur)-1])
			sb.WriteString(next)
			return
		}
		if unicode.IsLetter(r) && unicode.IsUpper(first) {
			// "E-" + "Mail": the hyphen belongs to the word.
			sb.WriteString(next)
			return
		}
	}
	sb.WriteByte(' ')
	sb.WriteString(next)
}
