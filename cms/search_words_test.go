package cms_test

import (
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
)

// TestSearchFindsEveryWordOfABody: a body of repeated words in every
// case, with punctuation, accents and non-ASCII dashes, is found by each
// of its words from the database's full-text index, and on SQLite FTS5's
// integrity check, which tokenizes the whole text again, finds the index
// as it should be: after publishing, after publishing a new text, and
// after unpublishing.
func TestSearchFindsEveryWordOfABody(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			body := `<p>Pain, pain and PAIN: Pain-relief at 10&nbsp;mg. Naïve CAFÉ—relief; Ärzte’s dose-dependent effect, effect!</p>
				<p>Ωmega 3… x2 X2 then pain again, PAIN again (pain).</p>`
			a, err := n.ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Living with pain", BodyHTML: body})
			if a, err = n.publishWith(n.ed, a, err); err != nil {
				t.Fatal(err)
			}
			found := func(q string) bool {
				t.Helper()
				items, _, err := n.db.Search(ctx, cms.SearchQuery{Text: q, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				return len(items) == 1 && items[0].ArticleID == a.ID
			}
			check := func(when string) {
				t.Helper()
				if dialect != "sqlite" {
					return
				}
				if err := storetest.TryExec(t, n.url, `INSERT INTO live_search (live_search, rank) VALUES ('integrity-check', 1)`); err != nil {
					t.Fatalf("the full-text index once %s: %v", when, err)
				}
			}
			for _, q := range []string{"pain", "relief", "mg", "naïve", "café", "ärzte", "dependent", "effect", "ωmega", "x2", "again"} {
				if !found(q) {
					t.Errorf("%q does not find the article", q)
				}
			}
			check("published")
			a, err = n.ed.SaveArticle(ctx, n.writer, a.ID, a.Version, cms.DraftInput{Title: "Living with pain",
				BodyHTML: strings.ReplaceAll(body, "relief", "comfort")})
			if a, err = n.publishWith(n.ed, a, err); err != nil {
				t.Fatal(err)
			}
			if found("relief") || !found("comfort") {
				t.Errorf("after a new text: relief %v, comfort %v; want false, true", found("relief"), found("comfort"))
			}
			check("published again")
			if _, err := n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "unpublish"}); err != nil {
				t.Fatal(err)
			}
			if found("pain") {
				t.Error("pain finds the article after it was unpublished")
			}
			check("unpublished")
		})
	}
}
