package cms

import (
	"regexp"
	"slices"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// SanitizeReport says what sanitizing took out of a writer's HTML, so the
// save answer can explain why their paste changed.
type SanitizeReport struct {
	// Changed is true whenever the stored HTML is not byte-for-byte what was
	// sent, including harmless re-encoding (an apostrophe becomes &#39;), so a
	// client comparing its copy with the stored one knows to reload.
	Changed bool `json:"changed"`
	// Removed names what the writer lost: elements as "script", attributes
	// as "img@onerror" (also when only the value was rewritten). Sorted and
	// unique so the answer is stable; never nil so it encodes as [].
	Removed []string `json:"removed"`
}

// SanitizeHTML returns raw cleaned by the article policy, and what was removed.
// Every path that stores writer HTML (article bodies, topic descriptions,
// imports, seeds) goes through it, so nothing unsanitized reaches a reader.
func SanitizeHTML(raw string) (string, SanitizeReport) {
	// NUL is never content (HTML parsers drop or replace it) and no
	// database text column can hold it, so it goes before anything else;
	// invalid UTF-8 likewise becomes U+FFFD.
	clean := fixedPoint(articlePolicy.Sanitize, strings.ToValidUTF8(strings.ReplaceAll(raw, "\x00", ""), "\uFFFD"))
	return clean, SanitizeReport{
		Changed: clean != raw,
		Removed: removedMarkup(raw, clean),
	}
}

// articlePolicy is built once: a bluemonday policy is safe for concurrent
// use once nobody mutates it, and building it per call would cost more than
// sanitizing a short body.
var articlePolicy = newArticlePolicy()

// idGrammar is the only shape of id a writer may set. A fixed prefix means an
// id can never equal a global the page's scripts look up (DOM clobbering of
// window.config, document.forms and the like), while still letting in-article
// citations (#ref-1), footnotes, figures, tables and sections be linked.
const idGrammar = `(?:ref|fn|fig|tbl|sec)-[a-zA-Z0-9_-]{1,64}`

// newArticlePolicy is an explicit allowlist for medical articles. Starting
// from NewPolicy rather than UGCPolicy matters: UGCPolicy drops alt text
// holding ":", "%", "±", "–", "=" or ";" (which figure descriptions of
// trial results are full of) and lets any id through.
func newArticlePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// No h1: the frontend renders the article title as the page's only h1;
	// a second one in the body breaks the outline screen readers and search
	// engines rely on. The report names it, so the writer can demote it.
	p.AllowElements(
		"p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
		"blockquote", "pre", "code", "ul", "ol", "li", "dl", "dt", "dd",
		"strong", "em", "b", "i", "u", "s", "small", "mark", "q", "abbr", "dfn",
		"sup", "sub", "span", "div", "section", "aside", "figure", "figcaption",
		"kbd", "samp", "var", "del", "ins",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
	)

	// bluemonday does not anchor Matching patterns; every one below is
	// anchored so that a valid prefix cannot smuggle a tail through.
	id := regexp.MustCompile(`^` + idGrammar + `$`)
	// Absolute http(s) only, no whitespace anywhere: this rejects "//host"
	// (protocol-relative, which AllowRelativeURLs would accept) and any
	// value a browser would reassemble by dropping tabs or newlines.
	webURL := regexp.MustCompile(`^(?i:https?)://\S+$`)
	// Links may also be mailto: or a fragment pointing at a prefixed id, for
	// citations such as <sup><a href="#ref-1">1</a></sup>.
	href := regexp.MustCompile(`^(?:(?i:https?)://\S+|(?i:mailto):\S+|#` + idGrammar + `)$`)
	smallInt := regexp.MustCompile(`^[1-9][0-9]{0,2}$`)
	dimension := regexp.MustCompile(`^[0-9]{1,4}$`)
	ordinal := regexp.MustCompile(`^-?[0-9]{1,6}$`)
	datetime := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,3})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$`)

	p.AllowAttrs("id").Matching(id).Globally()

	// Fragment links are relative URLs, and bluemonday only lets those
	// through with AllowRelativeURLs, which would also admit "//evil.example"
	// and "/admin". The anchored patterns on every URL attribute (a@href,
	// img@src, cite) are what keep relative URLs down to "#<id>" on links.
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)

	p.AllowAttrs("href").Matching(href).OnElements("a")
	p.AllowAttrs("title").OnElements("a", "abbr", "dfn", "img")
	// Outbound links get rel="nofollow noopener" and open in a new tab, so a
	// cited site neither borrows the publisher's ranking nor gets a handle
	// on the article's window. bluemonday replaces whatever rel and target
	// the writer sent (neither is allowed in), which keeps a second pass
	// from changing anything.
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowAttrs("cite").Matching(webURL).OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("datetime").Matching(datetime).OnElements("del", "ins")

	p.AllowAttrs("start").Matching(ordinal).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(?i:reversed)?$`)).OnElements("ol")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[1aAiI]$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(ordinal).OnElements("li")

	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(?:row|col|rowgroup|colgroup)$`)).OnElements("th")
	p.AllowAttrs("colspan", "rowspan").Matching(smallInt).OnElements("th", "td")
	p.AllowAttrs("span").Matching(smallInt).OnElements("col", "colgroup")

	// alt is free text on purpose (the UGCPolicy note above); bluemonday
	// escapes attribute values on output, so no character in it is unsafe.
	p.AllowAttrs("src").Matching(webURL).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(dimension).OnElements("img")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("img")

	// Dropping these tags is not enough: their text would surface in the
	// article (a script's source, a stylesheet, an SVG's or a form's
	// labels). script and style are dropped with their content by
	// bluemonday already; the rest are listed here.
	p.SkipElementsContent(
		"script", "style", "template", "iframe", "object", "embed", "applet",
		"svg", "math", "noscript", "noembed", "noframes", "frame", "frameset",
		"title", "textarea", "select",
	)
	return p
}

// maxSanitizeRounds bounds the search for a fixed point. bluemonday filters
// a token stream rather than a tree, so one pass can in principle leave
// something a second pass would still change (a rewritten URL that
// normalises further, say). Storing the fixed point means re-saving an
// article never shows the writer a change they did not make.
const maxSanitizeRounds = 4

// fixedPoint applies clean until its output stops changing. If it never
// settles, the markup is given up and the text kept, escaped: that is safe,
// stable under any further pass, and loses none of the writer's words.
func fixedPoint(clean func(string) string, s string) string {
	out := clean(s)
	for range maxSanitizeRounds {
		next := clean(out)
		if next == out {
			return out
		}
		out = next
	}
	return html.EscapeString(out)
}

// markup is one thing the report can say was removed: an element (attr
// empty) or one attribute with its value, so a rewritten value counts as
// the old one removed.
type markup struct {
	element, attr, value string
}

// removedMarkup compares what the tokenizer sees in and out, as multisets,
// so "one of your two images lost its onerror" is reported as well as
// "script". Attributes of an element that is gone entirely are left out:
// "iframe" says it all, "iframe@src" would only be noise.
func removedMarkup(in, out string) []string {
	before, after := countMarkup(in), countMarkup(out)
	removed := []string{}
	for m, n := range before {
		if after[m] >= n || !reportableName(m.element) {
			continue
		}
		if m.attr == "" {
			removed = append(removed, m.element)
			continue
		}
		if after[markup{element: m.element}] > 0 && reportableName(m.attr) {
			removed = append(removed, m.element+"@"+m.attr)
		}
	}
	slices.Sort(removed)
	return slices.Compact(removed)
}

// countMarkup tokenizes like bluemonday does, so raw-text content (a
// <textarea> holding "<img>") is text on both sides and never miscounted.
func countMarkup(s string) map[markup]int {
	counts := map[markup]int{}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return counts
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			counts[markup{element: t.Data}]++
			for _, a := range t.Attr {
				counts[markup{element: t.Data, attr: strings.ToLower(a.Key), value: a.Val}]++
			}
		}
	}
}

// reportableName keeps junk the tokenizer accepts as a name (`<img """>`
// yields an attribute called `"""`) out of an answer meant for writers.
func reportableName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_:.", r)) {
			return false
		}
	}
	return true
}
