package store_test

import (
	"bytes"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// A database with articles published under the landed schema (up to
// 00006, some without a compressed copy) keeps serving them, listing them
// by topic and finding them after the later migrations, and unpublishing
// still removes them everywhere.
func TestUpgradeKeepsLiveArticles(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			dbURL := storetest.URL(t, d)
			db, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			// Today's write path also reads the webhooks of 00011; an
			// empty stand-in lets it write under the old schema.
			storetest.Exec(t, dbURL, `CREATE TABLE webhooks (id TEXT PRIMARY KEY, events TEXT NOT NULL, deleted_at TEXT)`)
			ed := &cms.Editor{Store: db, ReviewInterval: time.Hour}
			writer := newUser(t, db, "writer@example.com", workflow.RoleWriter)
			reviewer := &cms.User{ID: cms.NewID(), Email: "reviewer@example.com", Name: "Reviewer", Credentials: "MD",
				Roles: []workflow.Role{workflow.RoleReviewer}, CreatedAt: cms.Now()}
			if err := db.CreateUser(ctx, reviewer, "hash"); err != nil {
				t.Fatal(err)
			}
			editor := newUser(t, db, "editor@example.com", workflow.RoleEditor)
			if _, err := ed.CreateTopic(ctx, cms.TopicInput{Slug: "psoriasis", Name: "Psoriasis"}); err != nil {
				t.Fatal(err)
			}
			publish := func(title string) *cms.Article {
				t.Helper()
				a, err := ed.CreateArticle(ctx, writer, cms.DraftInput{Title: title, Summary: "Who may take it.",
					BodyHTML: "<p>Apremilast is taken twice daily.</p>", Topics: []string{"psoriasis"}})
				if err != nil {
					t.Fatalf("%s: %v", title, err)
				}
				for _, step := range []struct {
					who    *cms.User
					action string
				}{{writer, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
					if a, err = ed.Transition(ctx, step.who, a.ID, a.Version, cms.TransitionInput{Action: step.action}); err != nil {
						t.Fatalf("%s, %s: %v", title, step.action, err)
					}
				}
				return a
			}
			old := publish("Apremilast for plaque psoriasis")
			if err := db.ForgetCompressedDocuments(ctx); err != nil {
				t.Fatal(err)
			}
			before, err := db.LiveArticle(ctx, old.Slug)
			if err != nil {
				t.Fatal(err)
			}

			storetest.Exec(t, dbURL, `DROP TABLE webhooks`)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate from 6: %v", err)
			}
			after, err := db.LiveArticle(ctx, old.Slug)
			if err != nil || !bytes.Equal(after.Document, before.Document) || after.ETag != before.ETag || after.DocumentGz != nil {
				t.Fatalf("after migrating: %+v %v", after, err)
			}
			live := func(topic, text string) int {
				t.Helper()
				items, err := db.LiveArticles(ctx, cms.LiveQuery{Topic: topic, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				found, err := db.Search(ctx, cms.SearchQuery{Text: text, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != len(found) {
					t.Fatalf("%d live in %s, %d found by %q", len(items), topic, len(found), text)
				}
				return len(items)
			}
			if n := live("psoriasis", "apremilast"); n != 1 {
				t.Fatalf("%d live articles after migrating, want 1", n)
			}

			fresh := publish("Apremilast and diarrhoea")
			if doc, err := db.LiveArticle(ctx, fresh.Slug); err != nil || len(doc.DocumentGz) == 0 {
				t.Fatalf("published after migrating: %+v %v", doc, err)
			}
			if _, err := ed.Transition(ctx, editor, old.ID, old.Version, cms.TransitionInput{Action: "unpublish"}); err != nil {
				t.Fatal(err)
			}
			if n := live("psoriasis", "apremilast"); n != 1 {
				t.Fatalf("%d live articles after unpublishing one of two, want 1", n)
			}
			if topic, err := db.DeliveryTopic(ctx, "psoriasis"); err != nil || topic.ArticleCount != 1 {
				t.Fatalf("topic count: %+v %v", topic, err)
			}
		})
	}
}
