package cms

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Mention is a published topic named in an article, as delivery shows it
// so a frontend can define the term inline.
type Mention struct {
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	Kind       TopicKind `json:"kind"`
	Definition string    `json:"definition"`
	// Matched is the text as it appears in the article ("JAKi").
	Matched string `json:"matched"`
}

// folded is text reduced for matching: lower case, accents removed,
// every run of spaces one space, with each folded rune's byte span in the
// original so a match can be shown as written.
type folded struct {
	runes []rune
	start []int
	end   []int
}

// fold reduces s for matching. Each original rune folds on its own, so the
// spans stay exact.
func fold(s string) folded {
	f := folded{runes: make([]rune, 0, len(s)), start: make([]int, 0, len(s)), end: make([]int, 0, len(s))}
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if r == utf8.RuneError {
			end = i + 1
		}
		if unicode.IsSpace(r) {
			if n := len(f.runes); n > 0 && f.runes[n-1] == ' ' {
				f.end[n-1] = end
				continue
			}
			f.runes, f.start, f.end = append(f.runes, ' '), append(f.start, i), append(f.end, end)
			continue
		}
		if r < utf8.RuneSelf {
			// ASCII folds to itself, lower-cased: no folding, no accents to
			// remove. This fast path keeps publishing a long article cheap.
			f.runes, f.start, f.end = append(f.runes, unicode.ToLower(r)), append(f.start, i), append(f.end, end)
			continue
		}
		n := len(f.runes)
		f.runes = foldRune(r, f.runes)
		for range f.runes[n:] {
			f.start, f.end = append(f.start, i), append(f.end, end)
		}
	}
	return f
}

// foldRune appends what one rune other than a space folds to: itself lower
// cased if ASCII; otherwise its foldings, accents removed, lower cased
// (none, one or several runes).
func foldRune(r rune, out []rune) []rune {
	if r < utf8.RuneSelf {
		return append(out, unicode.ToLower(r))
	}
	for _, d := range norm.NFD.String(foldings.Replace(string(r))) {
		if !unicode.Is(unicode.Mn, d) {
			out = append(out, unicode.ToLower(d))
		}
	}
	return out
}

// foldTerm is a name or alias folded for matching, trimmed of spaces.
func foldTerm(s string) []rune {
	f := fold(strings.TrimSpace(s))
	return f.runes
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// term is one name or alias of a topic to look for.
type term struct {
	runes []rune
	topic *TopicVersion
}

// FindMentions returns the topics whose names or aliases occur in the
// texts: whole words only, case-insensitive, accents folded, the longest
// term first (so "Janus kinase inhibitor" wins over a topic named
// "Janus kinase" on the same words), each topic once, in the order they
// first appear. Matched is the text as written. "psoriasis" is not found
// inside "psoriatic": a word must begin and end where the term does.
func FindMentions(topics []*TopicVersion, texts ...string) []Mention {
	var terms []term
	for _, t := range topics {
		for _, name := range append([]string{t.Name}, t.Aliases...) {
			if r := foldTerm(name); len(r) > 0 {
				terms = append(terms, term{r, t})
			}
		}
	}
	// Longest first; equal lengths by slug so the answer is the same on
	// every publication of the same words.
	slices.SortStableFunc(terms, func(a, b term) int {
		if len(a.runes) != len(b.runes) {
			return len(b.runes) - len(a.runes)
		}
		return strings.Compare(a.topic.Slug, b.topic.Slug)
	})
	type found struct {
		at, text int
		m        Mention
	}
	var hits []found
	seen := map[string]bool{}
	firsts := map[string]bool{}
	for _, tm := range terms {
		if n := firstWordLen(tm.runes); n > 0 {
			firsts[string(tm.runes[:n])] = true
		}
	}
	for ti, text := range texts {
		f := fold(text)
		starts := wordStarts(f.runes, firsts)
		taken := make([]bool, len(f.runes))
		for _, tm := range terms {
			if seen[tm.topic.Slug] {
				continue
			}
			if at := findWord(f, starts, taken, tm.runes); at >= 0 {
				for i := at; i < at+len(tm.runes); i++ {
					taken[i] = true
				}
				seen[tm.topic.Slug] = true
				hits = append(hits, found{at, ti, Mention{Slug: tm.topic.Slug, Name: tm.topic.Name, Kind: tm.topic.Kind,
					Definition: tm.topic.Definition, Matched: text[f.start[at]:f.end[at+len(tm.runes)-1]]}})
			}
		}
	}
	slices.SortStableFunc(hits, func(a, b found) int {
		if a.text != b.text {
			return a.text - b.text
		}
		return a.at - b.at
	})
	out := make([]Mention, len(hits))
	for i, h := range hits {
		out[i] = h.m
	}
	return out
}

// wordStarts indexes where each word of runes that is in firsts (the
// first words of the terms) begins, by the word, so a term is looked for
// only where its first word is: publication costs the same with a
// glossary of ten topics or a thousand, and the text's other words are
// only passed over.
func wordStarts(runes []rune, firsts map[string]bool) map[string][]int {
	out := map[string][]int{}
	var key []byte
	for i := 0; i < len(runes); i++ {
		if !wordRune(runes[i]) || i > 0 && wordRune(runes[i-1]) {
			continue
		}
		j := i
		key = key[:0]
		for j < len(runes) && wordRune(runes[j]) {
			key = utf8.AppendRune(key, runes[j])
			j++
		}
		if firsts[string(key)] { // a lookup by string(key) does not copy key
			w := string(key)
			out[w] = append(out[w], i)
		}
		i = j - 1
	}
	return out
}

// firstWordLen is the length of term's first word: the letters and
// digits it begins with.
func firstWordLen(term []rune) int {
	n := 0
	for n < len(term) && wordRune(term[n]) {
		n++
	}
	return n
}

// findWord returns where term first occurs in f as whole words on runes
// no longer match has taken, or -1.
func findWord(f folded, starts map[string][]int, taken []bool, term []rune) int {
	n := firstWordLen(term)
	if n == 0 {
		return -1 // a term must begin with a letter or digit to be a word
	}
	for _, at := range starts[string(term[:n])] {
		end := at + len(term)
		if end > len(f.runes) || !slices.Equal(f.runes[at:end], term) {
			continue
		}
		if end < len(f.runes) && wordRune(f.runes[end]) && wordRune(term[len(term)-1]) {
			continue
		}
		if slices.Contains(taken[at:end], true) {
			continue
		}
		return at
	}
	return -1
}
