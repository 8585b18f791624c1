package cms_test

import (
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// legacyApproved stores a revision of a hashed with the first encoding
// (no topics), approved under that hash, as articles saved before topics
// became content are; approvedRev is the revision the approval is of.
func (n *newsroom) legacyApproved(t *testing.T, a *cms.Article, topics []string, approvedRev int) *cms.Article {
	t.Helper()
	now := cms.Now()
	rev := &cms.Revision{Number: a.Draft.Number + 1, Title: a.Draft.Title, Summary: a.Draft.Summary, BodyHTML: a.Draft.BodyHTML,
		Topics: topics, References: []cms.Reference{}, SavedBy: n.writer.Ref(), SavedAt: now}
	rev.ContentHash = cms.ContentHashV1(rev)
	prev := a.Version
	a.Draft, a.State, a.Version, a.UpdatedAt = rev, workflow.Approved, a.Version+1, now
	if approvedRev == rev.Number {
		a.Approval = &cms.Approval{Revision: rev.Number, ContentHash: rev.ContentHash, At: now,
			Reviewer: cms.ReviewerRef{ID: n.reviewer.ID, Name: n.reviewer.Name, Credentials: n.reviewer.Credentials}}
	}
	ev := cms.Record(a, n.writer.Ref(), cms.EventSaved, rev.Number, now)
	if err := n.db.WriteArticle(ctx, &cms.ArticleWrite{Article: a, PrevVersion: prev, Revision: rev, Event: ev}); err != nil {
		t.Fatal(err)
	}
	return n.must(n.ed.Article(ctx, a.ID))
}

// TestLegacyHashesKeepTheirApprovals: revisions hashed before topics were
// part of the content hash keep their hash and approval; a save that
// changes nothing keeps them too, and one that changes the topics clears
// the approval.
func TestLegacyHashesKeepTheirApprovals(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			for _, slug := range []string{"psoriasis", "eczema", "itch"} {
				if _, err := n.ed.CreateTopic(ctx, n.editor, cms.TopicInput{Slug: slug, Name: slug}); err != nil {
					t.Fatal(err)
				}
			}
			in := cms.DraftInput{Title: "Apremilast", BodyHTML: "<p>Twice daily.</p>", Topics: []string{"psoriasis"}}
			a := n.must(n.ed.CreateArticle(ctx, n.writer, in))
			a = n.legacyApproved(t, a, []string{"psoriasis"}, 2)
			legacy := a.Draft.ContentHash
			if a.State != workflow.Approved || a.Approval == nil || a.Approval.ContentHash != legacy {
				t.Fatalf("legacy article: %s %+v", a.State, a.Approval)
			}
			// Saving the same content again keeps the approval, and the new
			// revision the hash the approval binds to.
			a = n.must(n.ed.SaveArticle(ctx, n.writer, a.ID, a.Version, in))
			if a.State != workflow.Approved || a.Draft.Number != 3 || a.Draft.ContentHash != legacy || a.Approval == nil {
				t.Fatalf("unchanged save of a legacy revision: %s rev %d hash %s (want %s) approval %+v",
					a.State, a.Draft.Number, a.Draft.ContentHash, legacy, a.Approval)
			}
			if rev, err := n.ed.Revision(ctx, a.ID, 2); err != nil || rev.ContentHash != legacy {
				t.Fatalf("revision 2: %+v %v", rev, err)
			}
			a = n.must(n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "publish"}))
			if a.Live == nil || a.Live.Revision != 2 {
				t.Fatalf("publishing a legacy approval: %+v", a.Live)
			}
			// A topic-only change of a legacy draft clears the approval.
			in.Topics = []string{"psoriasis", "itch"}
			a = n.must(n.ed.SaveArticle(ctx, n.writer, a.ID, a.Version, in))
			if a.State != workflow.Draft || a.Approval != nil || a.Draft.ContentHash != cms.ContentHash(a.Draft) {
				t.Fatalf("topic-only change of a legacy draft: %s %+v %s", a.State, a.Approval, a.Draft.ContentHash)
			}

			// Saved before the fix: an approval of revision 2 (topic eczema)
			// kept by a topic-only change (revision 3, no topics).
			b := n.must(n.ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Dupilumab", Topics: []string{"eczema"}}))
			b = n.legacyApproved(t, b, []string{"eczema"}, 2)
			b = n.legacyApproved(t, b, []string{}, 2)
			if b.Approval == nil || b.Approval.Revision != 2 || b.Approval.ContentHash != b.Draft.ContentHash {
				t.Fatalf("diverged legacy article: %+v", b.Approval)
			}
			// Its approved revision still uses eczema, so eczema stays.
			if err := n.ed.DeleteTopic(ctx, n.editor, "eczema", 0); cms.ErrorCode(err) != cms.ECONFLICT {
				t.Fatalf("deleting a topic an approved revision uses: %v", err)
			}
			// And publishing would show readers topics the draft no longer has.
			if _, err := n.ed.Transition(ctx, n.editor, b.ID, b.Version, cms.TransitionInput{Action: "publish"}); cms.ErrorCode(err) != cms.ETRANSITION {
				t.Fatalf("publishing other topics than the draft's: %v", err)
			}
		})
	}
}
