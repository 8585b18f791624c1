package cms_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
)

// TestSearchPathsAgree: over 700 live articles, with the database's
// statistics of their words up to date, every page of a search is what a
// plain reading of the texts gives, whichever way the store finds it: a
// walk of the newest rows for common words, the full-text index for rare
// ones (on PostgreSQL, all of a rare word's rows read unsorted), a wide
// key range looked up through the index for the matches of a higher tier.
func TestSearchPathsAgree(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			const total = 700
			// Article i (published in order, so newer as i grows) holds:
			// alpha everywhere in its body; beta in every 10th body; gamma
			// in every 100th; delta in every 50th title; epsilon in the
			// summary of article 3 and the body of article 650.
			type text struct{ title, summary, body string }
			texts := make([]text, total)
			for i := range texts {
				title, summary, body := fmt.Sprintf("Article %d", i), "A synthetic article.", "alpha words"
				if i%10 == 0 {
					body += " beta"
				}
				if i%100 == 0 {
					body += " gamma"
				}
				if i%50 == 0 {
					title += " delta"
				}
				if i == 3 {
					summary += " epsilon"
				}
				if i == 650 {
					body += " epsilon"
				}
				texts[i] = text{title, summary, body}
			}
			for lo := 0; lo < total; lo += 100 {
				if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
					for i := lo; i < lo+100; i++ {
						tx := texts[i]
						a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: tx.title, Summary: tx.summary,
							BodyHTML: "<p>" + tx.body + "</p>"})
						if _, err := n.publishWith(ed, a, err); err != nil {
							return fmt.Errorf("article %d: %w", i, err)
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			if dialect == "postgres" {
				storetest.Exec(t, n.url, "ANALYZE live_search")
			}
			has := func(s, w string) bool {
				for _, f := range strings.Fields(s) {
					if strings.HasPrefix(strings.ToLower(f), w) {
						return true
					}
				}
				return false
			}
			d := &cms.Delivery{Store: n.db}
			for _, q := range []string{"alpha", "beta", "gamma", "delta", "epsilon", "alpha gamma", "beta delta", "delt", "epsilon alpha", "zeta"} {
				// Expected: title or summary holding every word, newest
				// first, then the rest holding them anywhere.
				words := strings.Fields(q)
				var head, rest []string
				for i := total - 1; i >= 0; i-- {
					tx := texts[i]
					inHead, inBody := true, true
					for _, w := range words {
						inHead = inHead && has(tx.title+" "+tx.summary, w)
						inBody = inBody && has(tx.title+" "+tx.summary+" "+tx.body, w)
					}
					switch {
					case inHead:
						head = append(head, fmt.Sprintf("Article %d", i))
					case inBody:
						rest = append(rest, fmt.Sprintf("Article %d", i))
					}
				}
				want := append(head, rest...)
				for _, limit := range []int{7, 50} {
					var got []string
					cursor := ""
					for page := 0; page < 200; page++ {
						res, err := d.Search(ctx, q, "", limit, cursor)
						if err != nil {
							t.Fatalf("%q: %v", q, err)
						}
						for _, it := range res.Items {
							got = append(got, strings.TrimSuffix(it.Title, " delta"))
						}
						if cursor = res.Next; cursor == "" {
							break
						}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%q by %d: %d found %.60q…, want %d %.60q…", q, limit, len(got), got, len(want), want)
					}
				}
			}
		})
	}
}
