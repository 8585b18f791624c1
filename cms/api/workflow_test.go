package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"healthcms/workflow"
)

// act takes a workflow action on a as who.
func (e *env) act(who string, a map[string]any, action string, extra ...string) *response {
	e.t.Helper()
	body := map[string]any{"action": action}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	return e.do("POST", articles+"/"+a["id"].(string)+"/transitions", who, body, "If-Match", etag(a))
}

func (e *env) delivered(slug string) *response {
	e.t.Helper()
	return e.do("GET", "/api/v1/delivery/articles/"+slug, "", nil)
}

func wantState(t *testing.T, a map[string]any, state string) {
	t.Helper()
	if a["state"] != state {
		t.Fatalf("state %v, want %s", a["state"], state)
	}
}

// TestEditorialStory is the whole life of an article over HTTP.
func TestEditorialStory(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.topic("jak-inhibitors", "JAK inhibitors")
		a := e.create("writer", draft("Baricitinib", "topics", []string{"jak-inhibitors"}, "body_html", "<p>First words.</p>"))
		slug := a["slug"].(string)
		e.delivered(slug).problem(404)

		a = e.act("writer", a, "submit").want(200).json()
		wantState(t, a, "in_review")
		e.save("writer", a, draft("Edit while in review")).problem(409)
		p := e.act("reviewer", a, "request_changes").problem(422)
		if field(p, "errors") == nil || !strings.Contains(string(e.act("reviewer", a, "request_changes", "comment", "  ").Body), "comment") {
			t.Fatalf("request_changes without comment: %v", p)
		}
		e.act("writer", a, "approve").problem(403)
		a = e.act("reviewer", a, "request_changes", "comment", "Cite the RA-BEAM trial.").want(200).json()
		wantState(t, a, "changes_requested")

		a = e.save("writer", a, draft("Baricitinib", "topics", []string{"jak-inhibitors"}, "body_html", "<p>Second words, with RA-BEAM.</p>")).want(200).json()
		wantState(t, a, "draft")
		a = e.act("writer", a, "submit").want(200).json()
		e.act("reviewer2", a, "approve", "at", "2030-01-01T00:00:00Z").problem(422)
		a = e.act("reviewer", a, "approve", "comment", "Accurate.").want(200).json()
		wantState(t, a, "approved")
		if field(a, "approval", "revision") != field(a, "draft", "revision") || field(a, "approval", "content_hash") != field(a, "draft", "content_hash") ||
			field(a, "approval", "reviewer", "credentials") != "MD, Rheumatology" || field(a, "approval", "comment") != "Accurate." {
			t.Fatalf("approval: %v", a["approval"])
		}
		// An edit that changes the words clears the approval.
		a = e.save("writer", a, draft("Baricitinib", "topics", []string{"jak-inhibitors"}, "body_html", "<p>Third words.</p>")).want(200).json()
		wantState(t, a, "draft")
		if a["approval"] != nil {
			t.Fatalf("approval survived a content change: %v", a["approval"])
		}
		e.act("editor", a, "publish").problem(409)
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		// A save that changes nothing of the content keeps the approval.
		a = e.save("writer", a, draft("Baricitinib", "topics", []string{"jak-inhibitors"}, "body_html", "<p>Third words.</p>")).want(200).json()
		wantState(t, a, "approved")
		e.act("writer", a, "publish").problem(403)
		a = e.act("editor", a, "publish").want(200).json()
		wantState(t, a, "published")
		if field(a, "live", "version") != float64(1) || field(a, "live", "revision") != field(a, "approval", "revision") ||
			field(a, "live", "published_by", "id") != e.users["editor"].ID || a["review_due_at"] == nil {
			t.Fatalf("live: %v review_due_at %v", a["live"], a["review_due_at"])
		}

		res := e.delivered(slug).want(200)
		live := res.json()
		if live["body_html"] != "<p>Third words.</p>" || field(live, "reviewed_by", "name") != "Reviewer" ||
			field(live, "reviewed_by", "credentials") != "MD, Rheumatology" || live["version"] != float64(1) ||
			field(live, "author", "name") != "Writer" || field(live, "jsonld", "@type") != "MedicalWebPage" ||
			field(live, "jsonld", "reviewedBy", "name") != "Reviewer" {
			t.Fatalf("delivered: %s", res.Body)
		}
		// Topics come from the approved revision.
		if topics := live["topics"].([]any); len(topics) != 1 || field(topics[0].(map[string]any), "name") != "JAK inhibitors" {
			t.Fatalf("delivered topics: %v", live["topics"])
		}
		firstPublished := live["published_at"]

		// The writer edits the live article: readers keep the old version.
		a = e.save("writer", a, draft("Baricitinib", "body_html", "<p>Fourth words.</p>")).want(200).json()
		wantState(t, a, "draft")
		if a["live"] == nil {
			t.Fatal("editing the draft took the live version down")
		}
		a = e.act("writer", a, "submit").want(200).json()
		if body := e.delivered(slug).want(200).json()["body_html"]; body != "<p>Third words.</p>" {
			t.Fatalf("draft leaked to delivery: %v", body)
		}
		a = e.act("reviewer2", a, "approve").want(200).json()
		a = e.act("editor", a, "publish").want(200).json()
		live = e.delivered(slug).want(200).json()
		if live["body_html"] != "<p>Fourth words.</p>" || live["version"] != float64(2) || live["published_at"] != firstPublished ||
			live["updated_at"] == firstPublished || field(live, "reviewed_by", "credentials") != "PharmD" {
			t.Fatalf("second version: %v", live)
		}

		// Re-review of unchanged live content renews last_reviewed_at.
		before := live["last_reviewed_at"]
		time.Sleep(5 * time.Millisecond)
		a = e.act("writer", a, "submit").want(200).json()
		wantState(t, a, "in_review")
		a = e.act("reviewer", a, "approve").want(200).json()
		a = e.act("editor", a, "publish").want(200).json()
		live = e.delivered(slug).want(200).json()
		if live["last_reviewed_at"] == before || live["version"] != float64(3) {
			t.Fatalf("re-review did not renew last_reviewed_at: %v -> %v", before, live["last_reviewed_at"])
		}

		e.act("editor", a, "archive").problem(409) // live: unpublish first
		a = e.act("editor", a, "unpublish").want(200).json()
		wantState(t, a, "draft")
		if a["live"] != nil {
			t.Fatalf("live after unpublish: %v", a["live"])
		}
		e.delivered(slug).problem(404)
		e.act("editor", a, "unpublish").problem(409)
		a = e.act("editor", a, "archive").want(200).json()
		wantState(t, a, "archived")
		e.save("writer", a, draft("Edit archived")).problem(409)
		a = e.act("editor", a, "reopen").want(200).json()
		wantState(t, a, "draft")

		hist := e.do("GET", articles+"/"+a["id"].(string)+"/history", "writer", nil).want(200).json()["items"].([]any)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.(map[string]any)["action"].(string))
		}
		want := "created,submitted,changes_requested,saved,submitted,approved,saved,submitted,approved,saved,published," +
			"saved,submitted,approved,published,submitted,approved,published,unpublished,archived,reopened"
		if strings.Join(actions, ",") != want {
			t.Fatalf("history:\n got %s\nwant %s", strings.Join(actions, ","), want)
		}
		if c := hist[2].(map[string]any)["comment"]; c != "Cite the RA-BEAM trial." {
			t.Fatalf("comment not recorded: %v", c)
		}
	})
}

// TestTopicsAreReviewedContent: readers see an article's topics, so a
// change of topics alone is a change of content: it clears the approval,
// and publishing is refused until the new topics are reviewed.
func TestTopicsAreReviewedContent(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, slug := range []string{"psoriasis", "alopecia-areata"} {
			e.topic(slug, slug)
		}
		// Not published yet: the delete below is refused for the article's
		// sake, not the readers'.
		jak := e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "jak-inhibitors", "name": "JAK inhibitors"}).want(201).json()
		a := e.create("writer", draft("Deucravacitinib", "topics", []string{"psoriasis"}))
		hash := field(a, "draft", "content_hash")
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		a = e.save("writer", a, draft("Deucravacitinib", "topics", []string{"psoriasis", "alopecia-areata"})).want(200).json()
		wantState(t, a, "draft")
		if a["approval"] != nil || field(a, "draft", "content_hash") == hash {
			t.Fatalf("a topic-only change kept the approval: hash %v -> %v, approval %v", hash, field(a, "draft", "content_hash"), a["approval"])
		}
		e.act("editor", a, "publish").problem(409)
		// The same goes for a schedule made on the old approval.
		a = e.save("writer", a, draft("Deucravacitinib", "topics", []string{"psoriasis"})).want(200).json()
		if field(a, "draft", "content_hash") != hash {
			t.Fatalf("the same content hashed differently: %v, want %v", field(a, "draft", "content_hash"), hash)
		}
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		a = e.act("editor", a, "schedule", "at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)).want(200).json()
		a = e.save("editor", a, draft("Deucravacitinib", "topics", []string{"jak-inhibitors"})).want(200).json()
		wantState(t, a, "draft")
		if a["approval"] != nil || a["scheduled_at"] != nil {
			t.Fatalf("a topic-only change kept the schedule: %v %v", a["approval"], a["scheduled_at"])
		}
		// A topic that an approved version uses cannot be deleted.
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		e.do("DELETE", "/api/v1/editor/topics/jak-inhibitors", "editor", nil).problem(409)
		jak = e.topicAct("editor", jak, "submit").want(200).json()
		jak = e.topicAct("reviewer", jak, "approve").want(200).json()
		e.topicAct("editor", jak, "publish").want(200)
		a = e.act("editor", a, "publish").want(200).json()
		live := e.delivered(a["slug"].(string)).want(200).json()
		if topics := live["topics"].([]any); len(topics) != 1 || field(topics[0].(map[string]any), "slug") != "jak-inhibitors" {
			t.Fatalf("delivered topics: %v", live["topics"])
		}
	})
}

func TestReviewRules(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("doctor", "MD", workflow.RoleEditor, workflow.RoleReviewer)
		e.addUser("nocreds", "", workflow.RoleReviewer)
		// Self-approval: the author may not review their own article.
		own := e.create("doctor", draft("By the doctor"))
		own = e.act("doctor", own, "submit").want(200).json()
		p := e.act("doctor", own, "approve").problem(403)
		if !strings.Contains(p["detail"].(string), "own") {
			t.Fatalf("self-approval: %v", p)
		}
		// Nor may someone who saved a revision since the last approval.
		a := e.create("writer", draft("Co-written"))
		a = e.save("doctor", a, draft("Co-written, edited by the doctor")).want(200).json()
		a = e.act("writer", a, "submit").want(200).json()
		e.act("doctor", a, "approve").problem(403)
		e.act("doctor", a, "request_changes", "comment", "x").problem(403)
		// Without credentials there is no review.
		e.act("nocreds", a, "approve").problem(403)
		// Editors and admins review only with the reviewer role.
		e.act("editor", a, "approve").problem(403)
		e.act("admin", a, "approve").problem(403)
		// The writer cannot withdraw someone else's article.
		e.act("writer2", a, "withdraw").problem(403)
		a = e.act("reviewer", a, "approve").want(200).json()
		e.act("reviewer", a, "approve").problem(409)
		// Once approved, the doctor's edit is history: a later round is theirs to review.
		a = e.save("writer", a, draft("Co-written, again")).want(200).json()
		a = e.act("writer", a, "submit").want(200).json()
		e.act("doctor", a, "approve").want(200)
	})
}

// TestNoSelfReviewThroughRestore: a reviewer's own words that come back
// by a restore, after someone else approved other words, are still theirs.
func TestNoSelfReviewThroughRestore(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("doctor", "MD", workflow.RoleEditor, workflow.RoleReviewer)
		restore := func(a map[string]any, n int) map[string]any {
			t.Helper()
			return e.do("POST", fmt.Sprintf("%s/%s/revisions/%d/restore", articles, a["id"], n), "writer", nil, "If-Match", etag(a)).want(200).json()
		}
		a := e.create("writer", draft("Upadacitinib", "body_html", "<p>Words of the writer.</p>"))                  // rev 1
		a = e.save("doctor", a, draft("Upadacitinib", "body_html", "<p>Words of the doctor.</p>")).want(200).json() // rev 2
		a = restore(a, 1)                                                                                           // rev 3
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		a = restore(a, 2) // rev 4: the doctor's words again, saved by the writer
		if field(a, "draft", "revision") != float64(4) || field(a, "draft", "body_html") != "<p>Words of the doctor.</p>" {
			t.Fatalf("restored: %v", a["draft"])
		}
		a = e.act("writer", a, "submit").want(200).json()
		p := e.act("doctor", a, "approve").problem(403)
		if !strings.Contains(p["detail"].(string), "words they saved") {
			t.Fatalf("self-review through restore: %v", p)
		}
		e.act("doctor", a, "request_changes", "comment", "Looks fine to me").problem(403)
		a = e.act("reviewer2", a, "approve").want(200).json()
		a = e.act("doctor", a, "publish").want(200).json()
		if field(a, "live", "revision") != float64(4) || field(a, "approval", "reviewer", "id") != e.users["reviewer2"].ID {
			t.Fatalf("published: live %v approval %v", a["live"], a["approval"])
		}
	})
}

func TestInvalidTransitions(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Draft"))
		for _, action := range []string{"withdraw", "publish", "unschedule", "unpublish", "reopen"} {
			p := e.act("editor", a, action).problem(409)
			if p["type"] != "/problems/invalid-transition" || !strings.Contains(p["detail"].(string), action) ||
				!strings.Contains(p["detail"].(string), "draft") {
				t.Errorf("%s from draft: %v", action, p)
			}
		}
		e.act("reviewer", a, "approve").problem(409)
		e.act("editor", a, "teleport").problem(422)
		e.do("POST", articles+"/"+a["id"].(string)+"/transitions", "editor", map[string]any{"action": "submit"}).problem(428)
		e.do("POST", articles+"/"+a["id"].(string)+"/transitions", "editor", map[string]any{"action": "submit"}, "If-Match", `"9"`).problem(412)
		if v := e.do("GET", articles+"/"+a["id"].(string), "writer", nil).json()["version"]; v != float64(1) {
			t.Fatalf("refused transitions changed the article: version %v", v)
		}
	})
}

func TestScheduleAndReviewDue(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Scheduled"))
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		e.act("editor", a, "schedule").problem(422)
		e.act("editor", a, "schedule", "at", "tomorrow").problem(422)
		e.act("editor", a, "schedule", "at", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)).problem(422)
		e.act("writer", a, "schedule", "at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)).problem(403)
		at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		a = e.act("editor", a, "schedule", "at", at.Format(time.RFC3339)).want(200).json()
		wantState(t, a, "scheduled")
		if a["scheduled_at"] != at.Format(time.RFC3339) {
			t.Fatalf("scheduled_at %v, want %v", a["scheduled_at"], at)
		}
		e.act("editor", a, "publish").problem(409) // the scheduler publishes, or unschedule first
		a = e.act("editor", a, "unschedule").want(200).json()
		wantState(t, a, "approved")
		if a["scheduled_at"] != nil {
			t.Fatalf("unscheduled but scheduled_at %v", a["scheduled_at"])
		}
		a = e.act("editor", a, "schedule", "at", at.Format(time.RFC3339)).want(200).json()
		// New words clear the approval and the schedule.
		a = e.save("writer", a, draft("Scheduled, changed")).want(200).json()
		if a["state"] != "draft" || a["scheduled_at"] != nil || a["approval"] != nil {
			t.Fatalf("after a content change: %v %v %v", a["state"], a["scheduled_at"], a["approval"])
		}

		// review_due=overdue lists live articles whose review has lapsed.
		b := e.create("writer", draft("Reviewed long ago"))
		b = e.act("writer", b, "submit").want(200).json()
		b = e.act("reviewer", b, "approve").want(200).json()
		b = e.act("editor", b, "publish").want(200).json()
		overdue := func() int {
			return len(e.do("GET", articles+"?review_due=overdue", "editor", nil).want(200).json()["items"].([]any))
		}
		if n := overdue(); n != 0 {
			t.Fatalf("%d overdue with a year's interval", n)
		}
		e.ed.ReviewInterval = time.Millisecond
		time.Sleep(5 * time.Millisecond)
		if n := overdue(); n != 1 {
			t.Fatalf("%d overdue with a lapsed review, want 1", n)
		}
	})
}
