package cms

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// splitWords lists the words eachWord calls with.
func splitWords(terms []foldedTerm, s string) []snippetWord {
	words := make([]snippetWord, 0, len(s)/6+1)
	eachWord(terms, s, func(w snippetWord) bool { words = append(words, w); return true })
	return words
}

// foldedWords splits s into words through fold, as snippets did before
// eachWord, which must split and match exactly the same.
func foldedWords(terms []foldedTerm, s string) []snippetWord {
	f := fold(s)
	var words []snippetWord
	for i := 0; i < len(f.runes); {
		if !wordRune(f.runes[i]) {
			i++
			continue
		}
		j := i
		for j < len(f.runes) && wordRune(f.runes[j]) {
			j++
		}
		w := snippetWord{start: f.start[i], end: f.end[j-1]}
		folded := string(f.runes[i:j])
		for k, t := range terms {
			if t.prefix && strings.HasPrefix(folded, t.text) || !t.prefix && folded == t.text {
				w.hits |= 1 << k
			}
		}
		words = append(words, w)
		i = j
	}
	return words
}

func TestSplitWordsFoldsAsFoldDoes(t *testing.T) {
	pieces := []string{"Barici", "baricitinib", "SJÖGREN", "sjogren", "Straße", "strasse", "ﬁbrosis", "x²", "½", "ǅ", "İ",
		"e\u0301", "\u00a0", " ", "\t", "—", "’", "<b>", "&", "99", "COVID-19", "\xff", "\uFFFD", "日本", "ß", "Ⅻ", "١٢", "a"}
	terms := foldTerms(append(SearchTerms("barici sjogren strasse fibros covid x 99 ss"), SearchTerm{Text: "日本"}, SearchTerm{Text: "e"}))
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := rng.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(3) == 0 {
				b.WriteByte(' ')
			}
		}
		s := b.String()
		got, want := splitWords(terms, s), foldedWords(terms, s)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: split %v, fold %v", s, got, want)
		}
	}
}

// A body like the seeded ones: 5 KB of words, one in 50 a match.
func snippetBody() string {
	var b strings.Builder
	words := strings.Fields("Patients treatment dose daily tablet infection risk blood pressure inflammation, joint skin — gut immune response.")
	for i := 0; b.Len() < 5000; i++ {
		if i%50 == 49 {
			b.WriteString("baricitinib ")
		}
		b.WriteString(words[i%len(words)] + " ")
	}
	return b.String()
}

func BenchmarkSnippet(b *testing.B) {
	body, terms := snippetBody(), SearchTerms("barici")
	b.ReportAllocs()
	for b.Loop() {
		Snippet(terms, body)
	}
}

// BenchmarkSnippetThroughFold is the split snippets made before
// splitWords, for comparison.
func BenchmarkSnippetThroughFold(b *testing.B) {
	body, terms := snippetBody(), foldTerms(SearchTerms("barici"))
	b.ReportAllocs()
	for b.Loop() {
		foldedWords(terms, body)
	}
}

// splitWords ends a word at any punctuation, symbol or space without
// folding it: true only if none folds to a letter or digit.
func TestNonWordRunesFoldToNoWord(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !unicode.In(r, unicode.P, unicode.S, unicode.Z) {
			continue
		}
		for _, d := range foldRune(r, nil) {
			if wordRune(d) {
				t.Errorf("%U folds to %q, a letter or digit", r, d)
			}
		}
	}
}

// snippetByList is snippetOf written the plain way, over the list of
// every word of s: the two walks of snippetOf, which stop early, must
// choose the very same words.
func snippetByList(terms []foldedTerm, s string, needMatch bool) (string, bool) {
	words := splitWords(terms, s)
	if len(words) == 0 {
		return "", false
	}
	// The first window (snippetWords-snippetLead words, ending at word i)
	// with every term, else the first with the most: its first hit.
	first, most := 0, 0
	for i := range words {
		latest := map[int]int{} // term: its last word in the window
		for j := max(0, i-(snippetWords-snippetLead)+1); j <= i; j++ {
			for t := range terms {
				if words[j].hits&(1<<t) != 0 {
					latest[t] = j
				}
			}
		}
		if len(latest) > most {
			most, first = len(latest), i
			for _, j := range latest {
				first = min(first, j)
			}
		}
		if most == len(terms) {
			break
		}
	}
	if needMatch && most == 0 {
		return "", false
	}
	// snippetLead words before it, or earlier to show snippetWords words.
	start := max(0, min(first-snippetLead, len(words)-snippetWords))
	last := min(len(words), start+snippetWords) - 1
	return writeSnippet(s, words[start:last+1], start > 0, last < len(words)-1), true
}

// snippetOf cuts what the list of every word cuts, from texts with
// letters other than ASCII and from texts of ASCII only (asciiWindow).
func TestSnippetOfAsByList(t *testing.T) {
	for _, words := range [][]string{
		{"baricitinib", "treats", "alopecia", "Sjögren", "patients", "dose", "daily", "&", "<b>", "—", "x", "y", "z"},
		{"baricitinib", "treats", "Alopecia", "sjogren", "patients", "dose", "daily", "&", "<b>", "-", "x", "y", "z", "BARICITINIBS"},
	} {
		snippetOfAsByList(t, words)
	}
}

func snippetOfAsByList(t *testing.T, words []string) {
	terms := foldTerms(SearchTerms("barici alopecia sjogren"))
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		// Texts shorter and longer than a window, with hits anywhere.
		for k := rng.IntN(150); k >= 0; k-- {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString([]string{" ", ", ", ". ", "  "}[rng.IntN(4)])
		}
		s := b.String()
		for _, need := range []bool{true, false} {
			got, gotOK := snippetOf(terms, s, need)
			want, wantOK := snippetByList(terms, s, need)
			if got != want || gotOK != wantOK {
				t.Fatalf("%q (needMatch %v):\n got  %q %v\n want %q %v", s, need, got, gotOK, want, wantOK)
			}
		}
	}
}

// BenchmarkSnippetWindow compares finding the best window of an ASCII
// text word by word (window) and in asciiWindow's tight loop.
func BenchmarkSnippetWindow(b *testing.B) {
	body, terms := strings.ReplaceAll(snippetBody(), "—", "-"), foldTerms(SearchTerms("barici"))
	b.Run("window", func(b *testing.B) {
		for b.Loop() {
			window(terms, body)
		}
	})
	b.Run("asciiWindow", func(b *testing.B) {
		for b.Loop() {
			asciiWindow(terms, body)
		}
	})
	b.Run("Snippet", func(b *testing.B) {
		for b.Loop() {
			Snippet(SearchTerms("barici"), body)
		}
	})
	// A term the text lacks, most hits' body at size (asciiLacks): the
	// walk reads the whole text, asciiWindow need not.
	none := foldTerms(SearchTerms("tofacitinib"))
	b.Run("asciiWalk/lacking", func(b *testing.B) {
		for b.Loop() {
			asciiWalk(none, body)
		}
	})
	b.Run("asciiWindow/lacking", func(b *testing.B) {
		for b.Loop() {
			asciiWindow(none, body)
		}
	})
}
