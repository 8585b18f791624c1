package cms

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// foldedWords splits s into words through fold, as snippets did before
// splitWords, which must split and match exactly the same.
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
		for _, t := range terms {
			if t.prefix && strings.HasPrefix(folded, t.text) || !t.prefix && folded == t.text {
				w.hit = true
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
