package ingest

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipHTML are elements whose content is not part of a page's text:
// code, metadata, navigation, complementary content and controls.
var skipHTML = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Aside: true, atom.Footer: true, atom.Button: true, atom.Select: true,
	atom.Option: true, atom.Textarea: true, atom.Svg: true, atom.Math: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Canvas: true, atom.Audio: true, atom.Video: true,
	atom.Dialog: true,
}

// sectioningHTML are elements inside which a <header> belongs to the
// content (an article's heading) rather than to the page's banner.
var sectioningHTML = map[atom.Atom]bool{atom.Main: true, atom.Article: true, atom.Section: true}

// blockHTML are elements that end a block of text.
var blockHTML = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true,
	atom.Article: true, atom.Main: true, atom.Header: true, atom.Dd: true, atom.Dt: true, atom.Figure: true,
	atom.Figcaption: true, atom.Br: true, atom.Hr: true, atom.Table: true, atom.Ul: true, atom.Ol: true,
	atom.Dl: true, atom.Address: true, atom.Caption: true, atom.Details: true, atom.Summary: true,
	atom.Fieldset: true, atom.Legend: true, atom.Body: true, atom.Html: true, atom.Form: true,
}

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// parseHTML extracts a page's main text: the first visible <main>, else
// the outermost <article> elements, else the body.
func parseHTML(b *builder, data []byte) error {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return rejectf("unreadable HTML: %v", err)
	}
	if t := findElements(doc, atom.Title, true); len(t) > 0 {
		b.setTitle(innerText(t[0], true))
	}
	roots := findElements(doc, atom.Main, true)
	if len(roots) > 1 {
		roots = roots[:1]
	}
	if len(roots) == 0 {
		roots = findElements(doc, atom.Article, false)
	}
	if len(roots) == 0 {
		roots = []*html.Node{doc}
	}
	w := htmlWalker{b: b}
	for _, r := range roots {
		w.walk(r, r.DataAtom == atom.Main || r.DataAtom == atom.Article)
		w.flush()
	}
	return nil
}

// htmlWalker collects the running text of the current block.
type htmlWalker struct {
	b   *builder
	cur strings.Builder
}

func (w *htmlWalker) flush() {
	w.b.para(w.cur.String())
	w.cur.Reset()
}

// walk adds n's text; inSection is true inside main, article or section,
// where a <header> is content.
func (w *htmlWalker) walk(n *html.Node, inSection bool) {
	switch n.Type {
	case html.TextNode:
		w.cur.WriteString(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		if skipHTML[n.DataAtom] || hidden(n) || (n.DataAtom == atom.Header && !inSection) {
			return
		}
		if lvl, ok := headingLevel[n.DataAtom]; ok {
			w.flush()
			w.b.heading(lvl, innerText(n, false))
			return
		}
		if n.DataAtom == atom.Tr {
			w.flush()
			w.b.para(rowText(n))
			return
		}
		if n.DataAtom == atom.Img {
			return
		}
		if blockHTML[n.DataAtom] {
			w.flush()
			defer w.flush()
		}
		inSection = inSection || sectioningHTML[n.DataAtom]
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, inSection)
	}
}

// rowText joins the cells of a table row with " | ".
func rowText(tr *html.Node) string {
	var cells []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) && !hidden(c) {
			cells = append(cells, clean(innerText(c, false)))
		}
	}
	return strings.Join(cells, " | ")
}

// hidden reports elements a reader never sees.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "style":
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// findElements returns the elements of type a under n in document order,
// visible ones only; nested matches are skipped unless all is set.
func findElements(n *html.Node, a atom.Atom, all bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && hidden(n) {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == a {
			out = append(out, n)
			if !all {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// innerText returns the text under n, with a space where a block element
// or line break separates words. raw keeps the text of elements that are
// normally skipped (the <title> inside <head>).
func innerText(n *html.Node, raw bool) string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data)
			return
		case html.ElementNode:
			if !raw && (skipHTML[n.DataAtom] || hidden(n)) {
				return
			}
			if blockHTML[n.DataAtom] || n.DataAtom == atom.Td || n.DataAtom == atom.Th {
				sb.WriteByte(' ')
				defer sb.WriteByte(' ')
			}
		case html.CommentNode:
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

// htmlFragmentText returns the text of an HTML fragment embedded in
// Markdown, without tags, comments or skipped elements.
func htmlFragmentText(s string) string {
	body := &html.Node{Type: html.ElementNode, DataAtom: atom.Body, Data: "body"}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for _, n := range nodes {
		sb.WriteString(innerText(n, false))
		sb.WriteByte(' ')
	}
	return sb.String()
}
