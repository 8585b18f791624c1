package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestBatchKeptArticles: in a batch, an article the batch wrote is read
// from the copy the batch keeps. After every use-case of an article's
// life, and after the other writes that change what an article read
// joins (a topic's required approvals, a comment, a name), the article
// read is the article the database holds.
func TestBatchKeptArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		writer := newUser(t, db, "writer@example.com", workflow.RoleWriter)
		editor := newUser(t, db, "editor@example.com", workflow.RoleEditor)
		var reviewers [2]*cms.User
		for i := range reviewers {
			reviewers[i] = newUser(t, db, fmt.Sprintf("reviewer%d@example.com", i), workflow.RoleReviewer)
			reviewers[i].Credentials = "MD"
			if err := db.ChangeUser(ctx, reviewers[i].ID, func(u *cms.User) (string, []*cms.AuditEvent, error) {
				u.Credentials = "MD"
				return "", nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		steps := 0
		err := (&cms.Editor{Store: db, ReviewInterval: time.Hour}).Batch(ctx, func(ed *cms.Editor) error {
			s := ed.Store.(*store.DB)
			// Failures end the batch through its error, which rolls it
			// back: t.Fatal would leave its transaction open.
			var failed error
			fail := func(format string, args ...any) {
				if failed == nil {
					failed = fmt.Errorf(format, args...)
				}
			}
			var a *cms.Article
			// check compares the article read with the database's, and
			// carries the use-case's answer on.
			check := func(step string) func(*cms.Article, error) {
				return func(got *cms.Article, err error) {
					if failed != nil {
						return
					}
					if err != nil {
						fail("%s: %w", step, err)
						return
					}
					a = got
					read, err := s.Article(ctx, a.ID)
					if err != nil {
						fail("%s: read: %w", step, err)
						return
					}
					stored, err := s.StoredArticle(ctx, a.ID)
					if err != nil {
						fail("%s: stored: %w", step, err)
						return
					}
					if !reflect.DeepEqual(read, stored) {
						fail("after %s the article read is\n%s\nnot what the database holds:\n%s", step, dump(read), dump(stored))
					}
					steps++
				}
			}
			act := func(who *cms.User, action string, at *string) {
				if failed == nil {
					check(action)(ed.Transition(ctx, who, a.ID, a.Version, cms.TransitionInput{Action: action, Comment: "ok", At: at}))
				}
			}
			// A topic that takes two reviewers, published in the batch.
			two := 2
			tp, err := ed.CreateTopic(ctx, editor, cms.TopicInput{Slug: "jak-inhibitors", Name: "JAK inhibitors",
				Definition: "drugs that block Janus kinases", RequiredApprovals: &two})
			for _, step := range []struct {
				who    *cms.User
				action string
			}{{editor, "submit"}, {reviewers[0], "approve"}, {editor, "publish"}} {
				if err == nil {
					tp, err = ed.TopicTransition(ctx, step.who, tp.Slug, tp.Version, cms.TransitionInput{Action: step.action})
				}
			}
			if err != nil {
				return fmt.Errorf("topic: %w", err)
			}
			check("create")(ed.CreateArticle(ctx, writer, cms.DraftInput{Title: "Baricitinib", Summary: "A JAK inhibitor.",
				BodyHTML: "<p>Taken once daily.</p>", Topics: []string{"jak-inhibitors"},
				References: []cms.Reference{{Title: "A trial", URL: "https://pubmed.ncbi.nlm.nih.gov/1/", PMID: "1"}}}))
			if failed == nil && a.RequiredApprovals != 2 {
				fail("the topic's reviewers: %d, want 2", a.RequiredApprovals)
			}
			slug := "baricitinib-dosing"
			check("save")(ed.SaveArticle(ctx, writer, a.ID, a.Version, cms.DraftInput{Title: "Baricitinib dosing", Slug: &slug,
				Summary: "A JAK inhibitor.", BodyHTML: "<p>Taken once daily, with or without food.</p>", Topics: []string{"jak-inhibitors"}}))
			act(writer, "submit", nil)
			if failed == nil {
				if _, err := ed.AddComment(ctx, reviewers[0], a.ID, cms.CommentInput{Body: "Cite the label.", Quote: "once daily"}); err != nil {
					fail("comment: %w", err)
				}
			}
			check("comment")(ed.Article(ctx, a.ID))
			if failed == nil && a.OpenComments != 1 {
				fail("open comments: %d, want 1", a.OpenComments)
			}
			act(reviewers[0], "approve", nil)
			act(reviewers[1], "approve", nil)
			act(editor, "publish", nil)
			check("save after publishing")(ed.SaveArticle(ctx, writer, a.ID, a.Version, cms.DraftInput{Title: "Baricitinib dosing",
				Summary: "A JAK inhibitor.", BodyHTML: "<p>Taken once daily, with food.</p>", Topics: []string{"jak-inhibitors"}}))
			act(writer, "submit", nil)
			act(reviewers[0], "request_changes", nil)
			act(writer, "submit", nil)
			act(reviewers[0], "approve", nil)
			act(reviewers[1], "approve", nil)
			at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			act(editor, "schedule", &at)
			act(editor, "unschedule", nil)
			act(editor, "publish", nil)
			if failed == nil {
				if err := s.ChangeUser(ctx, writer.ID, func(u *cms.User) (string, []*cms.AuditEvent, error) {
					u.Name = "Renamed Writer"
					return "", nil, nil
				}); err != nil {
					fail("rename: %w", err)
				}
			}
			check("a rename")(ed.Article(ctx, a.ID))
			if failed == nil && a.Author.Name != "Renamed Writer" {
				fail("the author after a rename: %q", a.Author.Name)
			}
			act(editor, "unpublish", nil)
			act(editor, "archive", nil)
			act(editor, "reopen", nil)
			return failed
		})
		if err != nil {
			t.Fatal(err)
		}
		if steps != 20 {
			t.Fatalf("%d steps checked, want 20", steps)
		}
	})
}

// dump shows an article with what its pointers point at.
func dump(a *cms.Article) string {
	s := fmt.Sprintf("%+v\ndraft %+v\n", *a, *a.Draft)
	// In one order, so that two dumps compare line by line.
	for _, f := range []struct {
		name string
		p    any
	}{{"approval", a.Approval}, {"live", a.Live}, {"last review", a.LastReview}, {"scheduled at", a.ScheduledAt},
		{"submitted at", a.SubmittedAt}, {"first published at", a.FirstPublishedAt}, {"live reviewed at", a.LiveReviewedAt},
		{"words", a.WordsChangedSinceLive}} {
		if v := reflect.ValueOf(f.p); !v.IsNil() {
			s += fmt.Sprintf("%s %+v\n", f.name, v.Elem().Interface())
		}
	}
	return s
}
