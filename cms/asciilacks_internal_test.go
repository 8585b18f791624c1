package cms

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// lacksTerms are terms asciiLacks must tell apart: prefixes and whole
// words, led by a letter or a digit (a digit's byte|0x20 is also a
// control character's), one letter long, and not ASCII.
var lacksTerms = [][]foldedTerm{
	foldTerms(SearchTerms("barici")),
	foldTerms(SearchTerms("flu hiv")),
	foldTerms(SearchTerms("barici alopecia zx00048")),
	{{text: "b", prefix: true}},
	{{text: "1a"}},
	{{text: "a1b", prefix: true}},
	{{text: "sjögren", prefix: true}},
}

// lacksPieces are what the texts are made of: the terms' words in every
// case, inside other words, cut short, beside punctuation, control
// characters and letters other than ASCII.
var lacksPieces = []string{
	"baricitinib", "BARICITINIB", "Barici", "bAriCi", "barIC", "xbarici", "bari", "flu", "FLU", "flus", "hiv", "Hiv",
	"alopecia", "ZX000482", "zx00048", "b", "B", "1a", "1A", "1ab", "a1b", "A1Bc", "a1", "\x11a", "\x02ARICI",
	"Sjögren", "sjogren", "é", "—", "the", "a", " ", " ", "  ", ", ", ".", "-", "\n", "<", "'",
}

// asciiLacks says "lacks" exactly where asciiWalk, the walk of every
// word, finds no match in an ASCII text.
func TestASCIILacksAsTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	for n := 0; n < 50000; n++ {
		var b strings.Builder
		for k := rng.IntN(40); k >= 0; k-- {
			b.WriteString(lacksPieces[rng.IntN(len(lacksPieces))])
			if rng.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		checkASCIILacks(t, lacksTerms[n%len(lacksTerms)], b.String())
	}
}

func checkASCIILacks(t *testing.T, terms []foldedTerm, s string) {
	t.Helper()
	_, _, found, ascii := asciiWalk(terms, s)
	if want := ascii && !found; asciiLacks(terms, s) != want {
		t.Fatalf("asciiLacks(%+v, %q) = %v, the walk says %v", terms, s, !want, want)
	}
}

// FuzzASCIILacks checks asciiLacks against the walk on any text.
func FuzzASCIILacks(f *testing.F) {
	f.Add("Baricitinib (BARICITINIB) is a JAK inhibitor; zx00048 1a", 0)
	f.Add("xbarici \x02ARICI Sjögren", 2)
	f.Fuzz(func(t *testing.T, s string, which int) {
		checkASCIILacks(t, lacksTerms[uint(which)%uint(len(lacksTerms))], s)
	})
}
