package cms

import (
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

// matchesASCII reports whether a word of ASCII letters and digits, as
// written, matches the term.
func (t foldedTerm) matchesASCII(w string) bool {
	n := len(t.text)
	if len(w) < n || !t.prefix && len(w) != n {
		return false
	}
	for k := 0; k < n; k++ {
		if asciiFolds[w[k]] != t.text[k] {
			return false
		}
	}
	return true
}

// matchesBytes reports whether a folded word of a text matches the term
// (the comparisons of string conversions do not allocate).
func (t foldedTerm) matchesBytes(word []byte) bool {
	if t.prefix {
		return len(word) >= len(t.text) && string(word[:len(t.text)]) == t.text
	}
	return string(word) == t.text
}

// snippetWords is how many words a snippet shows, snippetLead of them
// before the first hit it shows.
const snippetWords, snippetLead = 30, 3

// Snippet is a passage of a search hit for its result list: plain text,
// HTML-escaped, with the words that match a term wrapped in
// <mark>…</mark>, and "…" where the passage is cut. It is taken from the
// first of the texts (body, summary, title) with a match: the first
// place where every term of the search shows within a snippet, or, where
// none holds them all, the first that holds the most of them. When none
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

// htmlEscaper escapes as html.EscapeString does, writing straight into
// the snippet rather than into a new string per word.
var htmlEscaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

// snippetWord is a word of a text: its byte span, and the terms it
// matches (bit i for terms[i]).
type snippetWord struct {
	start, end int
	hits       uint64
}

// byteFolds is asciiFolds for every byte: nonASCII for the bytes of
// other characters.
var byteFolds = func() (t [256]byte) {
	copy(t[:], asciiFolds[:])
	for c := utf8.RuneSelf; c < len(t); c++ {
		t[c] = nonASCII
	}
	return t
}()

// nonASCII is byteFolds' mark of a byte of a character other than ASCII.
const nonASCII = 0xff

// asciiFolds is what each ASCII letter and digit folds to (itself, lower
// case); 0 for the rest, which end a word.
var asciiFolds = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// eachWord calls fn with each word of s in order, until fn returns false:
// a word is a run of letters and digits as fold folds them, marked when it
// matches a term. It runs on every uncached search, for each hit of the
// page, over the hit's whole body, so it folds one word at a time into one
// buffer, ASCII without any table, and keeps no list of the words.
func eachWord(terms []foldedTerm, s string, fn func(snippetWord) bool) {
	var buf []byte      // the word being read, folded
	var folds []rune    // what one non-ASCII rune folds to
	var cur snippetWord // the word being read, when buf is not empty
	stop := false       // fn returned false
	endWord := func() {
		if len(buf) == 0 {
			return
		}
		for i, t := range terms {
			if t.matchesBytes(buf) {
				cur.hits |= 1 << i
			}
		}
		stop = !fn(cur)
		buf = buf[:0]
	}
	for i := 0; i < len(s) && !stop; {
		if c := s[i]; c < utf8.RuneSelf && asciiFolds[c] != 0 && len(buf) == 0 {
			// A word that starts with ASCII: read its ASCII run at once and,
			// if that is the whole word, match it where it stands.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && asciiFolds[s[j]] != 0 {
				j++
			}
			if j == len(s) || s[j] < utf8.RuneSelf {
				w := snippetWord{start: i, end: j}
				for k, t := range terms {
					if t.matchesASCII(s[i:j]) {
						w.hits |= 1 << k
					}
				}
				if !fn(w) {
					return
				}
				i = j
				continue
			}
			// Letters may follow ("Sjögren"): on, a rune at a time.
			cur = snippetWord{start: i, end: j}
			for ; i < j; i++ {
				buf = append(buf, asciiFolds[s[i]])
			}
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if f := asciiFolds[c]; f != 0 {
				if len(buf) == 0 {
					cur = snippetWord{start: i}
				}
				buf, cur.end = append(buf, f), i+1
			} else if len(buf) > 0 {
				endWord()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		end := i + size
		if unicode.In(r, unicode.P, unicode.S, unicode.Z) {
			// Punctuation, symbols and spaces ("’", "—", "°") fold to no
			// letter or digit (TestNonWordRunesFoldToNoWord): no need to
			// fold them.
			endWord()
			i = end
			continue
		}
		folds = foldRune(r, folds[:0])
		for _, d := range folds {
			if !wordRune(d) {
				endWord()
				continue
			}
			if len(buf) == 0 {
				cur = snippetWord{start: i}
			}
			buf, cur.end = utf8.AppendRune(buf, d), end
		}
		i = end
	}
	endWord()
}

// snippetOf cuts the snippet out of s; with needMatch it fails when no
// word of s matches. It walks s twice rather than keep its words: first
// to find the window (and no further), then for the few words around it
// (a 5 KB body has a thousand words, and the list of them was most of a
// snippet's allocation).
func snippetOf(terms []foldedTerm, s string, needMatch bool) (string, bool) {
	first, fromAt, found, ascii := asciiWindow(terms, s)
	if !ascii {
		first, found = window(terms, s)
	}
	if needMatch && !found {
		return "", false
	}
	// The words the snippet can show: from far enough before the
	// window's first hit to still show snippetWords words should s end
	// soon after it, to one word past the last that can be shown, which
	// tells whether s goes on.
	from := max(0, first-snippetWords)
	words := make([]snippetWord, 0, 2*snippetWords+1)
	off, i := 0, 0
	if ascii {
		off, i = fromAt, from // no need to walk the words before
	}
	eachWord(terms, s[off:], func(w snippetWord) bool {
		w.start, w.end = w.start+off, w.end+off
		if i >= from {
			words = append(words, w)
		}
		i++
		return len(words) < cap(words)
	})
	if len(words) == 0 {
		return "", false // s has no words
	}
	// snippetLead words before the first hit, or earlier when s ends
	// before snippetWords words from there.
	start := max(0, first-from-snippetLead)
	if len(words) < cap(words) {
		start = max(0, min(start, len(words)-snippetWords))
	}
	last := min(len(words), start+snippetWords) - 1
	return writeSnippet(s, words[start:last+1], from+start > 0, last < len(words)-1), true
}

// cover finds a snippet's window as the words of a text go by: the first
// word of the first place where every term shows within snippetWords
// minus snippetLead words (so that all show in the snippet), or the first
// that holds the most terms. A search stops reading there: a snippet
// cut from the whole of each hit's text was most of a search's CPU (issue
// 13), and the first place with all the terms is as good a passage as
// any for a reader, where the one with most hits was often one word
// repeated.
type cover struct {
	terms int
	// seen is where each term was last seen, plus one (0: not yet).
	seen        [maxSearchTerms]int
	first, most int
}

// add notes word n, which matches the terms of mask, and reports whether
// the window is found: every term shows.
func (c *cover) add(n int, mask uint64) bool {
	held, first := 0, n
	for t := 0; t < c.terms; t++ {
		if mask&(1<<t) != 0 {
			c.seen[t] = n + 1
		}
		if at := c.seen[t] - 1; at >= 0 && at > n-(snippetWords-snippetLead) {
			held, first = held+1, min(first, at)
		}
	}
	if held > c.most {
		c.first, c.most = first, held
	}
	return held == c.terms
}

// window finds the window of s (see cover): its first word, and whether
// any word of s matches.
func window(terms []foldedTerm, s string) (first int, found bool) {
	c, n := cover{terms: min(len(terms), maxSearchTerms)}, 0
	eachWord(terms, s, func(w snippetWord) bool {
		n++
		return w.hits == 0 || !c.add(n-1, w.hits)
	})
	return c.first, c.most > 0
}

// asciiWindow is window for a text of ASCII only, as most are, in one
// tight loop over its bytes with no call per word. It also gives where
// the words snippetOf reads begin, snippetWords before the window's
// first: fromAt. ascii is false, and nothing else set, when s holds any
// other byte before the window ends.
func asciiWindow(terms []foldedTerm, s string) (first, fromAt int, found, ascii bool) {
	if asciiLacks(terms, s) {
		return 0, 0, false, true // what the walk would find, much sooner
	}
	return asciiWalk(terms, s)
}

// asciiWalk is asciiWindow's walk of every word of s.
func asciiWalk(terms []foldedTerm, s string) (first, fromAt int, found, ascii bool) {
	c, n := cover{terms: min(len(terms), maxSearchTerms)}, 0
	// starts is where the last len(starts) words begin, by their number
	// (a power of two): enough to hold the word snippetWords before a
	// window's first, which is at most snippetWords-snippetLead back.
	var starts [64]int
	// firsts are the letters the terms begin with: a word that begins
	// with another is matched against none (most words are not).
	var firsts [256]bool
	for _, t := range terms {
		if t.text == "" { // matches every word; no search makes one
			for c := range firsts {
				firsts[c] = true
			}
			break
		}
		firsts[t.text[0]] = true
	}
	for i := 0; i < len(s); {
		f := byteFolds[s[i]]
		if f == 0 {
			i++
			continue
		}
		if f == nonASCII {
			return 0, 0, false, false
		}
		// The word goes on while its bytes fold to a letter or digit
		// (1 to nonASCII-1: one comparison).
		j := i + 1
		for j < len(s) && byteFolds[s[j]]-1 < nonASCII-1 {
			j++
		}
		starts[n%len(starts)] = i
		var mask uint64
		if firsts[f] {
			for k, t := range terms {
				if t.matchesASCII(s[i:j]) {
					mask |= 1 << k
				}
			}
		}
		if mask != 0 {
			most := c.most
			all := c.add(n, mask)
			if c.most > most {
				fromAt = starts[max(0, c.first-snippetWords)%len(starts)]
			}
			if all {
				break
			}
		}
		n++
		i = j
	}
	return c.first, fromAt, c.most > 0, true
}

// writeSnippet writes the words of s shown, HTML-escaped, hits marked,
// with "…" where s goes on before or after them.
func writeSnippet(s string, shown []snippetWord, before, after bool) string {
	var b strings.Builder
	b.Grow(shown[len(shown)-1].end - shown[0].start + 64)
	if before {
		b.WriteString("…")
	}
	pos := shown[0].start
	for _, w := range shown {
		htmlEscaper.WriteString(&b, s[pos:w.start])
		if w.hits != 0 {
			b.WriteString("<mark>")
			htmlEscaper.WriteString(&b, s[w.start:w.end])
			b.WriteString("</mark>")
		} else {
			htmlEscaper.WriteString(&b, s[w.start:w.end])
		}
		pos = w.end
	}
	if after {
		b.WriteString("…")
	} else {
		htmlEscaper.WriteString(&b, strings.TrimRightFunc(s[pos:], unicode.IsSpace))
	}
	return b.String()
}

// EachSearchWord calls fn with each word of s as a search matches it: a
// run of letters and digits, folded as snippets fold it (lower case,
// accents removed), so that what an in-memory index finds is what the
// snippet marks. The word is only valid during the call.
func EachSearchWord(s string, fn func(word []byte)) {
	var buf []byte   // the word being read, folded
	var folds []rune // what one non-ASCII rune folds to
	flush := func() {
		if len(buf) > 0 {
			fn(buf)
			buf = buf[:0]
		}
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if f := asciiFolds[c]; f != 0 {
				buf = append(buf, f)
			} else {
				flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.In(r, unicode.P, unicode.S, unicode.Z) {
			flush() // as in eachWord
			continue
		}
		folds = foldRune(r, folds[:0])
		for _, d := range folds {
			if !wordRune(d) {
				flush()
				continue
			}
			buf = utf8.AppendRune(buf, d)
		}
	}
	flush()
}

// FoldSearchTerms returns the terms folded as EachSearchWord folds the
// words they match.
func FoldSearchTerms(terms []SearchTerm) []SearchTerm {
	out := make([]SearchTerm, len(terms))
	for i, t := range foldTerms(terms) {
		out[i] = SearchTerm{Text: t.text, Prefix: t.prefix}
	}
	return out
}
