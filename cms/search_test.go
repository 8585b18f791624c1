package cms_test

import (
	"reflect"
	"strings"
	"testing"

	"healthcms/cms"
)

func TestSearchTerms(t *testing.T) {
	p := func(s string) cms.SearchTerm { return cms.SearchTerm{Text: s, Prefix: true} }
	x := func(s string) cms.SearchTerm { return cms.SearchTerm{Text: s} }
	for q, want := range map[string][]cms.SearchTerm{
		"Barici":                       {p("barici")},
		"patients":                     {p("patient")},
		"therapies treated bleeding":   {p("therap"), p("treat"), p("bleed")},
		"psoriasis virus stress":       {p("psoriasi"), p("virus"), p("stress")},
		"doses uses":                   {p("dose"), p("uses")},
		"hypertension":                 {p("hyperten")},
		"flu HIV ra":                   {x("flu"), x("hiv"), x("ra")},
		`title:x OR "a" NEAR(b) *** -`: {p("title"), x("x"), x("or"), x("a"), p("near"), x("b")},
		"covid-19 x²":                  {p("covid"), x("19"), x("x")},
		"Sjögren Sjögren":              {p("sjögren")},
		"!!!":                          nil,
	} {
		if got := cms.SearchTerms(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	terms := cms.SearchTerms("barici sjogren")
	// words is n words of two letters, prefix then a letter.
	words := func(prefix string, n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = prefix + string(rune('a'+(i+1)%26))
		}
		return strings.Join(w, " ")
	}
	for _, c := range []struct {
		texts []string
		want  string
	}{
		{[]string{"Baricitinib & <b>Sjögren</b>."}, "<mark>Baricitinib</mark> &amp; &lt;b&gt;<mark>Sjögren</mark>&lt;/b&gt;."},
		{[]string{"No match here.", "Summary with baricitinib."}, "Summary with <mark>baricitinib</mark>."},
		{[]string{"Nothing.", "Nor here."}, "Nothing."},
		{[]string{"one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty " +
			"twentyone twentytwo twentythree twentyfour twentyfive twentysix twentyseven twentyeight twentynine thirty thirtyone thirtytwo thirtythree baricitinib thirtyfive"},
			// Thirty words, ending where the text does.
			"…six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twentyone twentytwo " +
				"twentythree twentyfour twentyfive twentysix twentyseven twentyeight twentynine thirty thirtyone thirtytwo thirtythree <mark>baricitinib</mark> thirtyfive"},
		// Where both terms show, not where one shows most often.
		{[]string{words("x", 40) + " baricitinib and baricitinib or baricitinib " + words("y", 40) + " baricitinib for Sjögren " + words("z", 40)},
			"…ym yn yo <mark>baricitinib</mark> for <mark>Sjögren</mark> zb zc zd ze zf zg zh zi zj zk zl zm zn zo zp zq zr zs zt zu zv zw zx zy…"},
	} {
		if got := cms.Snippet(terms, c.texts...); got != c.want {
			t.Errorf("%q: %q, want %q", c.texts, got, c.want)
		}
	}
}
