package cms

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Block is one block of an article body as text: a paragraph, heading,
// list item, table row, etc. Diffs and search work on blocks, not markup.
type Block struct {
	Tag  string `json:"tag"`
	Text string `json:"text"`
}

// blockTags are elements whose text forms a block of its own.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Li: true, atom.Pre: true, atom.Tr: true, atom.Caption: true, atom.Figcaption: true, atom.Dt: true,
	atom.Dd: true, atom.Blockquote: true,
}

// Blocks splits sanitized body HTML into text blocks, in document order.
// Text outside any block element forms blocks tagged "text".
func Blocks(body string) []Block {
	var out []Block
	var cur *Block
	var sb strings.Builder
	depth := 0
	flush := func() {
		if t := strings.Join(strings.Fields(sb.String()), " "); t != "" {
			tag := "text"
			if cur != nil {
				tag = cur.Tag
			}
			out = append(out, Block{Tag: tag, Text: t})
		}
		sb.Reset()
	}
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			sb.Write(z.Text())
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if blockTags[a] {
				if depth == 0 {
					flush()
					cur = &Block{Tag: a.String()}
				} else {
					sb.WriteByte(' ')
				}
				depth++
			} else if a == atom.Br || a == atom.Td || a == atom.Th {
				sb.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if blockTags[atom.Lookup(name)] && depth > 0 {
				depth--
				if depth == 0 {
					flush()
					cur = nil
				}
			}
		}
	}
}

// PlainText is the body's text without markup, blocks separated by
// newlines: what full-text search indexes.
func PlainText(body string) string {
	bs := Blocks(body)
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Text
	}
	return strings.Join(parts, "\n")
}
