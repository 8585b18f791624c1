package cms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

var ctx = context.Background()

// newsroom is an Editor on a store with a writer, a reviewer and an editor.
type newsroom struct {
	ed                       *cms.Editor
	db                       *store.DB
	url                      string
	writer, reviewer, editor *cms.User
}

func openNewsroom(t testing.TB, dialect string) *newsroom {
	t.Helper()
	url := storetest.URL(t, dialect)
	db := openStore(t, url)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	n := &newsroom{ed: &cms.Editor{Store: db, ReviewInterval: time.Hour}, db: db, url: url}
	mk := func(name, creds string, r workflow.Role) *cms.User {
		u := &cms.User{ID: cms.NewID(), Email: name + "@example.com", Name: name, Roles: []workflow.Role{r}, Credentials: creds, CreatedAt: cms.Now()}
		if err := db.CreateUser(ctx, u, "x", cms.UserCreated(u, cms.CommandLine().Ref(), u.CreatedAt)); err != nil {
			t.Fatal(err)
		}
		return u
	}
	n.writer, n.reviewer, n.editor = mk("writer", "", workflow.RoleWriter), mk("reviewer", "MD", workflow.RoleReviewer), mk("editor", "", workflow.RoleEditor)
	return n
}

func openStore(t testing.TB, url string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (n *newsroom) must(a *cms.Article, err error) *cms.Article {
	if err != nil {
		panic(err) // a test helper: the stack shows which step failed
	}
	return a
}

// publishWith takes an article just created (a, err: CreateArticle's
// answer) through submit, approve and publish with ed, which may be a
// batch's editor; the first error stops it.
func (n *newsroom) publishWith(ed *cms.Editor, a *cms.Article, err error) (*cms.Article, error) {
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

// approved makes an approved article.
func (n *newsroom) approved(t *testing.T, title string) *cms.Article {
	t.Helper()
	a, err := n.ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: title, BodyHTML: "<p>" + title + "</p>"})
	if err != nil {
		t.Fatal(err)
	}
	a = n.must(n.ed.Transition(ctx, n.writer, a.ID, a.Version, cms.TransitionInput{Action: "submit"}))
	return n.must(n.ed.Transition(ctx, n.reviewer, a.ID, a.Version, cms.TransitionInput{Action: "approve"}))
}

func count(t *testing.T, n *newsroom, id, action string) int {
	t.Helper()
	evs, err := n.ed.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c := 0
	for _, e := range evs {
		if e.Action == action {
			c++
		}
	}
	return c
}

// TestScheduledPublishingExactlyOnce runs three schedulers, each with its
// own connection pool as three servers would have, on one database, against
// 50 articles due in the same second.
func TestScheduledPublishingExactlyOnce(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			var approved []*cms.Article
			for i := 0; i < 50; i++ {
				approved = append(approved, n.approved(t, fmt.Sprintf("Scheduled %d", i)))
			}
			// The same second for all, far enough ahead to schedule them all
			// first even on a loaded machine.
			at := time.Now().Add(5 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
			when := at.Format(time.RFC3339)
			var ids []string
			for _, a := range approved {
				a = n.must(n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "schedule", At: &when}))
				ids = append(ids, a.ID)
			}
			// One article loses its approval before its time: it must not go out.
			last := n.must(n.ed.Article(ctx, ids[49]))
			n.must(n.ed.SaveArticle(ctx, n.writer, last.ID, last.Version, cms.DraftInput{Title: "Changed after scheduling"}))

			if got, err := n.ed.PublishDue(ctx, n.db); got != 0 || err != nil {
				t.Fatalf("published %d before their time (%v)", got, err)
			}
			time.Sleep(time.Until(at) + 50*time.Millisecond)
			var wg sync.WaitGroup
			results := make([]int, 3)
			for i := range results {
				db := openStore(t, n.url)
				ed := &cms.Editor{Store: db, ReviewInterval: time.Hour}
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := ed.PublishDue(ctx, db)
					if err != nil {
						t.Errorf("scheduler %d: %v", i, err)
					}
					results[i] = c
				}()
			}
			wg.Wait()
			if total := results[0] + results[1] + results[2]; total != 49 {
				t.Fatalf("schedulers published %v = %d, want 49", results, total)
			}
			for i, id := range ids {
				a := n.must(n.ed.Article(ctx, id))
				want, wantState := 1, workflow.Published
				if i == 49 {
					want, wantState = 0, workflow.Draft
				}
				if c := count(t, n, id, cms.EventPublished); c != want || a.State != wantState {
					t.Fatalf("article %d: %d published events, state %s", i, c, a.State)
				}
				if i < 49 && (a.Live == nil || a.Live.Version != 1 || a.Live.PublishedBy.ID != n.editor.ID || a.ScheduledAt != nil) {
					t.Fatalf("article %d: live %+v scheduled %v", i, a.Live, a.ScheduledAt)
				}
			}
			if c, _ := n.ed.PublishDue(ctx, n.db); c != 0 {
				t.Fatalf("a second run published %d more", c)
			}
		})
	}
}

// TestPublishIsOneTransaction injects a failure at the last step of a
// publication (the audit event): the version, the live pointer and the
// delivery index written before it must all be rolled back.
func TestPublishIsOneTransaction(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			a := n.approved(t, "Crash test")
			inject, heal := map[string][2]string{
				"sqlite": {`CREATE TRIGGER fail_publish BEFORE INSERT ON events WHEN NEW.action = 'published'
					BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, `DROP TRIGGER fail_publish`},
				"postgres": {`CREATE FUNCTION fail_publish() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN IF NEW.action = 'published' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
					CREATE TRIGGER fail_publish BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_publish()`,
					`DROP TRIGGER fail_publish ON events`},
			}[d][0], map[string]string{"sqlite": `DROP TRIGGER fail_publish`, "postgres": `DROP TRIGGER fail_publish ON events`}[d]
			storetest.Exec(t, n.url, inject)
			if _, err := n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "publish"}); err == nil {
				t.Fatal("publish succeeded despite the injected failure")
			}
			after := n.must(n.ed.Article(ctx, a.ID))
			if after.Version != a.Version || after.State != workflow.Approved || after.Live != nil || after.PublishedVersions != 0 {
				t.Fatalf("a failed publish left a trace: %+v", after)
			}
			if _, err := n.db.LiveArticle(ctx, a.Slug, cms.LivePlain); cms.ErrorCode(err) != cms.ENOTFOUND {
				t.Fatalf("delivery serves a failed publication: %v", err)
			}
			if c := count(t, n, a.ID, cms.EventPublished); c != 0 {
				t.Fatalf("%d published events", c)
			}
			storetest.Exec(t, n.url, heal)
			pub := n.must(n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "publish"}))
			if pub.Live == nil || pub.Live.Version != 1 {
				t.Fatalf("publish after healing: %+v", pub.Live)
			}
			if _, err := n.db.LiveArticle(ctx, a.Slug, cms.LivePlain); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRevisionsAndAuditAreAppendOnly: the database itself refuses to
// change or remove a revision, a published version or an audit event.
func TestRevisionsAndAuditAreAppendOnly(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			a := n.approved(t, "Immutable")
			n.must(n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "publish"}))
			for _, stmt := range []string{
				`UPDATE revisions SET title = 'forged'`, `DELETE FROM revisions`,
				`UPDATE events SET comment = 'forged'`, `DELETE FROM events`,
				`UPDATE published_versions SET document = '{}'`, `DELETE FROM published_versions`,
			} {
				if err := storetest.TryExec(t, n.url, stmt); err == nil {
					t.Errorf("%s: allowed", stmt)
				}
			}
			if rev, err := n.ed.Revision(ctx, a.ID, 1); err != nil || rev.Title != "Immutable" {
				t.Fatalf("revision after attempts: %+v %v", rev, err)
			}
		})
	}
}
