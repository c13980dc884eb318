package ingest

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"gopkg.in/yaml.v3"
)

// markdown is safe for concurrent use: a goldmark parser keeps no state
// between documents.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// parseMarkdown walks goldmark's syntax tree: headings open sections,
// paragraphs, list items, table rows and code blocks become blocks.
func parseMarkdown(b *builder, data []byte) {
	data = frontMatter(b, data)
	doc := markdown.Parser().Parse(text.NewReader(data))
	var walk func(n gast.Node)
	walk = func(n gast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *gast.Heading:
				b.heading(c.Level, inlineText(c, data))
			case *gast.Paragraph, *gast.TextBlock:
				b.para(inlineText(c, data))
			case *gast.FencedCodeBlock, *gast.CodeBlock:
				b.para(linesText(c, data))
			case *gast.HTMLBlock:
				// Raw HTML: its text counts, its tags and comments do not.
				b.para(htmlFragmentText(linesText(c, data)))
			case *east.Table:
				for row := c.FirstChild(); row != nil; row = row.NextSibling() {
					var cells []string
					for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
						cells = append(cells, clean(inlineText(cell, data)))
					}
					b.para(strings.Join(cells, " | "))
				}
			case *gast.ThematicBreak:
			default:
				// Lists, list items, block quotes: their children are blocks.
				walk(c)
			}
		}
	}
	walk(doc)
}

// frontMatter strips a leading YAML front matter block ("---" lines) and
// takes its title, if any. A block that is not YAML is left as text.
func frontMatter(b *builder, data []byte) []byte {
	rest, ok := bytes.CutPrefix(data, []byte("---\n"))
	if !ok {
		if rest, ok = bytes.CutPrefix(data, []byte("---\r\n")); !ok {
			return data
		}
	}
	var meta []byte
	for off := 0; off < len(rest); {
		line := rest[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		if t := bytes.TrimRight(line, "\r\n"); string(t) == "---" || string(t) == "..." {
			meta = rest[:off]
			rest = rest[off+len(line):]
			break
		}
		off += len(line)
	}
	if meta == nil {
		return data
	}
	var fm map[string]any
	if err := yaml.Unmarshal(meta, &fm); err != nil {
		return data
	}
	if t, ok := fm["title"].(string); ok {
		b.setTitle(t)
	}
	return rest
}

// inlineText returns the text of an inline subtree, keeping link and
// image texts and dropping markup and inline HTML; line breaks become
// spaces.
func inlineText(n gast.Node, src []byte) string {
	var sb strings.Builder
	var walk func(n gast.Node, raw bool)
	walk = func(n gast.Node, raw bool) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *gast.Text:
				v := c.Segment.Value(src)
				if !raw && !c.IsRaw() {
					v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
				}
				sb.Write(v)
				if c.SoftLineBreak() || c.HardLineBreak() {
					sb.WriteByte(' ')
				}
			case *gast.String:
				sb.Write(c.Value)
			case *gast.CodeSpan:
				walk(c, true)
			case *gast.RawHTML:
				// Inline tags and comments are markup, not text.
			case *gast.AutoLink:
				sb.Write(c.Label(src))
			default:
				walk(c, raw)
			}
		}
	}
	walk(n, false)
	return sb.String()
}

// linesText returns the raw lines of a block node.
func linesText(n gast.Node, src []byte) string {
	var sb strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		sb.Write(seg.Value(src))
	}
	return sb.String()
}
