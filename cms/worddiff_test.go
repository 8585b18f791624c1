package cms_test

import (
	"strings"
	"testing"

	"healthcms/cms"
)

func words(ws []cms.WordEdit) string {
	var parts []string
	for _, w := range ws {
		s := w.Op + ":" + w.Text
		if w.Number {
			s += "#"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "|")
}

// TestWordDiff: numbers are one word, decimals and separators included;
// a changed stretch is one deletion then one insertion; unrelated blocks
// are not paired.
func TestWordDiff(t *testing.T) {
	for _, c := range []struct {
		from, to, want string
		n              int
	}{
		{"Take 2.5 mg daily.", "Take 5 mg daily.", "equal:Take |delete:2.5#|insert:5#|equal: mg daily.", 1},
		{"for 10 days", "for 14 days", "equal:for |delete:10#|insert:14#|equal: days", 1},
		{"in 1,000 adults (10%)", "in 1,200 adults (12%)", "equal:in |delete:1,000#|insert:1,200#|equal: adults (|delete:10#|insert:12#|equal:%)", 2},
		{"once daily", "twice daily", "delete:once|insert:twice|equal: daily", 1},
		{"a b c", "a x y c", "equal:a |delete:b|insert:x y|equal: c", 2},
		{"Stop.", "Stop!", "equal:Stop|delete:.|insert:!", 1},
	} {
		d := cms.DiffRevisions(&cms.Revision{Number: 1, Title: c.from}, &cms.Revision{Number: 2, Title: c.to})
		if len(d.Changes) != 1 || words(d.Changes[0].Words) != c.want || d.WordsChanged != c.n {
			t.Errorf("%q → %q: %+v, want %s", c.from, c.to, d.Changes, c.want)
		}
	}
	d := cms.DiffRevisions(&cms.Revision{Number: 1, BodyHTML: "<p>Alpha beta.</p>"}, &cms.Revision{Number: 2, BodyHTML: "<p>Gamma delta.</p>"})
	if bs := d.Changes[0].Blocks; len(bs) != 2 || bs[0].Words != nil || bs[1].Words != nil || d.WordsChanged != 4 {
		t.Errorf("unrelated blocks: %+v, %d words", bs, d.WordsChanged)
	}
}
