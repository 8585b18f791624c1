package cms_test

import (
	"errors"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
)

// TestBatch: the changes of a batch are stored together, read back inside
// it, and chain their audit events in order; a batch that fails stores
// nothing of itself and leaves the batches before it stored.
func TestBatch(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			slug := func(s string) *string { return &s }
			publish := func(ed *cms.Editor, s string) (*cms.Article, error) {
				a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Baricitinib " + s, Slug: slug(s),
					BodyHTML: `<p>Taken daily.<script>alert(1)</script></p>`})
				for _, step := range []struct {
					who    *cms.User
					action string
				}{{n.writer, "submit"}, {n.reviewer, "approve"}, {n.editor, "publish"}} {
					if err == nil {
						a, err = ed.Transition(ctx, step.who, a.ID, a.Version, cms.TransitionInput{Action: step.action})
					}
				}
				return a, err
			}
			var first *cms.Article
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if first, err = publish(ed, "one"); err != nil {
					return err
				}
				_, err = publish(ed, "two")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			a, err := n.ed.Article(ctx, first.ID)
			if err != nil || a.State != "published" || a.Live == nil || a.Draft.BodyHTML != "<p>Taken daily.</p>" {
				t.Fatalf("after the batch: %+v %v", a, err)
			}
			// A batch whose second article takes a slug its first just
			// claimed fails, and its first article is not stored either.
			var third *cms.Article
			err = n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if third, err = publish(ed, "three"); err != nil {
					return err
				}
				_, err = publish(ed, "three")
				return err
			})
			if cms.ErrorCode(err) != cms.ECONFLICT {
				t.Fatalf("a batch taking one slug twice: %v, want ECONFLICT", err)
			}
			if _, err := n.ed.Article(ctx, third.ID); cms.ErrorCode(err) != cms.ENOTFOUND {
				t.Fatalf("the failed batch's first article: %v, want ENOTFOUND", err)
			}
			// An error of fn's own rolls the batch back too.
			boom := errors.New("boom")
			var fourth *cms.Article
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if fourth, err = publish(ed, "four"); err != nil {
					return err
				}
				return boom
			}); !errors.Is(err, boom) {
				t.Fatalf("batch: %v, want boom", err)
			}
			if _, err := n.ed.Article(ctx, fourth.ID); cms.ErrorCode(err) != cms.ENOTFOUND {
				t.Fatalf("the failed batch's article: %v, want ENOTFOUND", err)
			}
			if count, err := cms.VerifyAudit(ctx, n.db); err != nil || count != 8+3 {
				t.Fatalf("audit after batches: %d events, %v; want 11 verified", count, err)
			}
		})
	}
}
