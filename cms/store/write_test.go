package store_test

import (
	"testing"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestArticleWriteAfterItsChainMoved: a change decided on an article read
// before a review comment moved its audit chain still goes through, its
// event placed after the comment's (PostgreSQL stores the article and its
// event in one statement only where the chain was as read), and a change
// decided on an old version stores nothing.
func TestArticleWriteAfterItsChainMoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		writer := newUser(t, db, "w@example.com", workflow.RoleWriter)
		reviewer := newUser(t, db, "r@example.com", workflow.RoleReviewer)
		ed := &cms.Editor{Store: db}
		created, err := ed.CreateArticle(ctx, writer, cms.DraftInput{Title: "Baricitinib", Summary: "A JAK inhibitor.",
			BodyHTML: "<p>Taken once a day.</p>"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.Article(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ed.AddComment(ctx, reviewer, a.ID, cms.CommentInput{Body: "Cite the dose study."}); err != nil {
			t.Fatal(err)
		}
		write := func(prev int64) (*cms.Event, error) {
			ev := &cms.Event{ArticleID: a.ID, At: cms.Now(), Actor: writer.Ref(), Action: cms.EventSaved, Revision: 1}
			ev.Link(a.AuditSeq, a.AuditHead) // where the chain was as a was read: before the comment
			next := *a
			next.Version, next.UpdatedAt = prev+1, ev.At
			return ev, db.WriteArticle(ctx, &cms.ArticleWrite{Article: &next, PrevVersion: prev, Event: ev})
		}
		ev, err := write(1)
		if err != nil || ev.Seq != 3 {
			t.Fatalf("write after the comment: %v, event at %d, want 3", err, ev.Seq)
		}
		if _, err := write(1); cms.ErrorCode(err) != cms.EPRECONDITION {
			t.Fatalf("write on the old version: %v, want %s", err, cms.EPRECONDITION)
		}
		var seen bool
		err = db.EachChain(ctx, func(c *cms.Chain) error {
			if c.ArticleID != a.ID {
				return nil
			}
			seen = true
			if len(c.Events) != 3 || c.HeadSeq != 3 || c.Events[2].Action != cms.EventSaved {
				t.Errorf("chain: head %d, %d events, want the save third of 3", c.HeadSeq, len(c.Events))
			}
			return c.Verify()
		})
		if err != nil || !seen {
			t.Fatalf("chain: %v (found %v)", err, seen)
		}
		if got, err := db.Article(ctx, a.ID); err != nil || got.Version != 2 || got.AuditSeq != 3 || got.AuditHead != ev.Hash {
			t.Fatalf("article after: %+v %v", got, err)
		}
	})
}
