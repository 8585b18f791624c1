package cms

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/rangetable"
)

// SearchTerm is one word of a reader's search, as both databases match
// it: the word itself, or, with Prefix, any word that begins with it.
type SearchTerm struct {
	Text   string
	Prefix bool
}

// Search terms are matched as prefixes from this many letters on: a
// shorter word ("flu", "hiv") must match exactly, so it does not find
// every word that begins with it.
const minPrefixLen = 4

// MaxPrefixLen is the longest prefix the full-text indexes keep; a longer
// word is looked up by its first MaxPrefixLen letters (one index entry
// rather than a merge of every longer word, which costs a walk of all
// their postings).
const MaxPrefixLen = 8

// maxSearchTerms bounds the words of one search.
const maxSearchTerms = 8

// ftsLetters are the letters and digits that SQLite's unicode61
// tokenizer (Unicode 6.1 tables) also counts as parts of words, so every
// search term is one token there: a term split in two would be a phrase,
// which an index without positions refuses.
var ftsLetters = rangetable.Merge(rangetable.Assigned("6.1.0"))

func searchWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && (r < utf8.RuneSelf || unicode.Is(ftsLetters, r))
}

// SearchTerms splits a reader's query into the terms both databases
// search for, in order, each once: words of letters and digits, lower
// case. A word of minPrefixLen letters or more loses a plural or verb
// ending ("patients" → "patient", "treated" → "treat") and matches as a
// prefix ("barici" finds "baricitinib"); longer than MaxPrefixLen it is
// cut to that. No character of the query reaches an engine's query syntax:
// the terms hold only letters and digits.
func SearchTerms(q string) []SearchTerm {
	var out []SearchTerm
	seen := map[SearchTerm]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !searchWordRune(r) }) {
		t := SearchTerm{Text: w}
		if utf8.RuneCountInString(w) >= minPrefixLen {
			t = SearchTerm{Text: truncateRunes(stem(w), MaxPrefixLen), Prefix: true}
		}
		if !seen[t] && len(out) < maxSearchTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// stem takes one common English ending off a word, keeping at least
// minPrefixLen letters, so that the prefix it becomes also finds the
// other forms of the word.
func stem(w string) string {
	for _, end := range []string{"ies", "es", "s", "ing", "ed"} {
		base, ok := strings.CutSuffix(w, end)
		if !ok || utf8.RuneCountInString(base) < minPrefixLen {
			continue
		}
		if end == "s" && (strings.HasSuffix(base, "s") || strings.HasSuffix(base, "u") || strings.HasSuffix(base, "i")) {
			return w // "stress", "virus", "psoriasis"
		}
		return base
	}
	return w
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// foldedTerm is a term folded as the words of a text are, once per
// snippet rather than once per word.
type foldedTerm struct {
	text   string
	prefix bool
}

func foldTerms(terms []SearchTerm) []foldedTerm {
	out := make([]foldedTerm, len(terms))
	for i, t := range terms {
		out[i] = foldedTerm{string(foldTerm(t.Text)), t.Prefix}
	}
	return out
}

// matches reports whether a folded word of a text matches the term.
func (t foldedTerm) matches(word string) bool {
	if t.prefix {
		return strings.HasPrefix(word, t.text)
	}
	return word == t.text
}

// snippetWords is how many words a snippet shows.
const snippetWords = 30

// Snippet is a passage of a search hit for its result list: plain text,
// HTML-escaped, with the words that match a term wrapped in
// <mark>…</mark>, and "…" where the passage is cut. It is taken from the
// first of the texts (body, summary, title) with a match: the window of
// snippetWords words holding the most matches, earliest first. When none
// matches (an article found by its topic), it is the start of the first
// non-empty text.
func Snippet(terms []SearchTerm, texts ...string) string {
	ft := foldTerms(terms)
	for _, s := range texts {
		if out, ok := snippetOf(ft, s, true); ok {
			return out
		}
	}
	for _, s := range texts {
		if out, ok := snippetOf(ft, s, false); ok {
			return out
		}
	}
	return ""
}

// snippetOf cuts the snippet out of s; with needMatch it fails when no
// word of s matches.
func snippetOf(terms []foldedTerm, s string, needMatch bool) (string, bool) {
	f := fold(s)
	type word struct {
		start, end int // byte span in s
		hit        bool
	}
	var words []word
	for i := 0; i < len(f.runes); {
		if !wordRune(f.runes[i]) {
			i++
			continue
		}
		j := i
		for j < len(f.runes) && wordRune(f.runes[j]) {
			j++
		}
		w := word{start: f.start[i], end: f.end[j-1]}
		folded := string(f.runes[i:j])
		for _, t := range terms {
			if t.matches(folded) {
				w.hit = true
				break
			}
		}
		words = append(words, w)
		i = j
	}
	if len(words) == 0 {
		return "", false
	}
	// The window with the most hits, by a sliding count.
	best, bestHits, hits := 0, 0, 0
	for i := range words {
		if words[i].hit {
			hits++
		}
		if i >= snippetWords && words[i-snippetWords].hit {
			hits--
		}
		if first := max(0, i-snippetWords+1); hits > bestHits {
			best, bestHits = first, hits
		}
	}
	if needMatch && bestHits == 0 {
		return "", false
	}
	// Start the window at its first hit's sentence-ish context: a few
	// words before it, so the hit is not the very first word shown.
	if bestHits > 0 {
		for i := best; i < len(words); i++ {
			if words[i].hit {
				best = max(0, min(i-3, len(words)-snippetWords))
				break
			}
		}
	}
	last := min(len(words), best+snippetWords) - 1
	var b strings.Builder
	if best > 0 {
		b.WriteString("…")
	}
	pos := words[best].start
	for _, w := range words[best : last+1] {
		b.WriteString(html.EscapeString(s[pos:w.start]))
		if w.hit {
			b.WriteString("<mark>" + html.EscapeString(s[w.start:w.end]) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(s[w.start:w.end]))
		}
		pos = w.end
	}
	if last < len(words)-1 {
		b.WriteString("…")
	} else {
		b.WriteString(html.EscapeString(strings.TrimRightFunc(s[pos:], unicode.IsSpace)))
	}
	return b.String(), true
}
