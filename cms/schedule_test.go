package cms_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// failures collects what an Editor reports of failed scheduled publications.
type failures struct {
	mu   sync.Mutex
	list []cms.ScheduleFailure
}

func (f *failures) add(x cms.ScheduleFailure) { f.mu.Lock(); f.list = append(f.list, x); f.mu.Unlock() }

func (f *failures) all() []cms.ScheduleFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]cms.ScheduleFailure(nil), f.list...)
}

// schedule schedules an approved article at the given time.
func (n *newsroom) schedule(a *cms.Article, at time.Time) *cms.Article {
	when := at.UTC().Format(time.RFC3339)
	return n.must(n.ed.Transition(ctx, n.editor, a.ID, a.Version, cms.TransitionInput{Action: "schedule", At: &when}))
}

// TestBrokenScheduledArticleDoesNotStallOthers: an article that cannot be
// published, due first, must not keep the healthy ones due after it from
// going out; it is taken off the schedule with the reason in its history
// and reported, and not tried again.
func TestBrokenScheduledArticleDoesNotStallOthers(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			var seen failures
			n.ed.ScheduleFailed = seen.add
			if _, err := n.ed.CreateTopic(ctx, n.editor, cms.TopicInput{Slug: "withdrawn-drug", Name: "Withdrawn drug"}); err != nil {
				t.Fatal(err)
			}
			broken := n.must(n.ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Broken", Topics: []string{"withdrawn-drug"}}))
			broken = n.must(n.ed.Transition(ctx, n.writer, broken.ID, broken.Version, cms.TransitionInput{Action: "submit"}))
			broken = n.must(n.ed.Transition(ctx, n.reviewer, broken.ID, broken.Version, cms.TransitionInput{Action: "approve"}))
			start := time.Now().Truncate(time.Second)
			broken = n.schedule(broken, start.Add(2*time.Second))
			var healthy []*cms.Article
			for i := 0; i < 5; i++ {
				healthy = append(healthy, n.schedule(n.approved(t, fmt.Sprintf("Healthy %d", i)), start.Add(3*time.Second)))
			}
			// The topic disappears behind the CMS's back (the CMS itself
			// refuses to delete a topic a scheduled version uses): the
			// broken article can never be published as it is.
			storetest.Exec(t, n.url, `DELETE FROM article_topics WHERE topic_slug = 'withdrawn-drug'`,
				`DELETE FROM topics WHERE slug = 'withdrawn-drug'`)
			time.Sleep(time.Until(start.Add(3*time.Second)) + 50*time.Millisecond)

			got, err := n.ed.PublishDue(ctx, n.db)
			if got != 5 || err != nil {
				t.Fatalf("published %d of 5 healthy articles (%v)", got, err)
			}
			for i, h := range healthy {
				if a := n.must(n.ed.Article(ctx, h.ID)); a.State != workflow.Published || a.Live == nil || a.Live.PublishedBy.ID != n.editor.ID {
					t.Fatalf("healthy %d: %s live %+v", i, a.State, a.Live)
				}
			}
			f := seen.all()
			if len(f) != 1 || f[0].ArticleID != broken.ID || !f[0].Permanent || f[0].Err == nil {
				t.Fatalf("failures reported: %+v", f)
			}
			b := n.must(n.ed.Article(ctx, broken.ID))
			if b.State != workflow.Approved || b.ScheduledAt != nil || b.Live != nil || b.Approval == nil {
				t.Fatalf("broken article after the run: %s scheduled %v live %+v", b.State, b.ScheduledAt, b.Live)
			}
			evs, err := n.ed.History(ctx, broken.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := evs[len(evs)-1]
			if last.Action != cms.EventScheduleFailed || last.Actor.ID != "system" || !strings.Contains(last.Comment, "topic") {
				t.Fatalf("last event: %+v", last)
			}
			if _, err := cms.VerifyAudit(ctx, n.db); err != nil {
				t.Fatal(err)
			}
			// Not tried again: nothing left to publish, nothing new reported.
			if got, err := n.ed.PublishDue(ctx, n.db); got != 0 || err != nil || len(seen.all()) != 1 {
				t.Fatalf("second run: %d %v, %d failures", got, err, len(seen.all()))
			}
		})
	}
}

// flakyUsers fails reading users while on, as a database that drops a
// connection would.
type flakyUsers struct {
	cms.Store
	on bool
}

func (s *flakyUsers) User(ctx context.Context, id string) (*cms.User, error) {
	if s.on {
		return nil, errors.New("connection reset by peer")
	}
	return s.Store.User(ctx, id)
}

// TestScheduledPublicationKeepsTheEditorsName: a passing error reading the
// editor who scheduled an article must not publish it in the scheduler's
// name; it is reported, the article stays scheduled and goes out in the
// editor's name when tried again.
func TestScheduledPublicationKeepsTheEditorsName(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			n := openNewsroom(t, d)
			var seen failures
			flaky := &flakyUsers{Store: n.db, on: true}
			ed := &cms.Editor{Store: flaky, ReviewInterval: time.Hour, ScheduleFailed: seen.add}
			at := time.Now().Add(2 * time.Second).Truncate(time.Second)
			a := n.schedule(n.approved(t, "Tofacitinib"), at)
			time.Sleep(time.Until(at) + 50*time.Millisecond)

			if got, err := ed.PublishDue(ctx, n.db); got != 0 || err != nil {
				t.Fatalf("published %d with the user store down (%v)", got, err)
			}
			if f := seen.all(); len(f) != 1 || f[0].ArticleID != a.ID || f[0].Permanent {
				t.Fatalf("failures reported: %+v", f)
			}
			if b := n.must(n.ed.Article(ctx, a.ID)); b.State != workflow.Scheduled || b.Live != nil {
				t.Fatalf("after a passing failure: %s live %+v", b.State, b.Live)
			}
			// The claim holds it for a minute; end it rather than wait.
			storetest.Exec(t, n.url, `UPDATE articles SET schedule_claimed_until = NULL`)
			flaky.on = false
			if got, err := ed.PublishDue(ctx, n.db); got != 1 || err != nil {
				t.Fatalf("second run published %d (%v)", got, err)
			}
			if b := n.must(n.ed.Article(ctx, a.ID)); b.Live == nil || b.Live.PublishedBy.ID != n.editor.ID {
				t.Fatalf("published by %+v, want the editor", b.Live)
			}
		})
	}
}
