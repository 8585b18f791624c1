package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/api"
	"healthcms/workflow"
)

// comment posts a review comment on a as who.
func (e *env) comment(who string, a map[string]any, body any) *response {
	e.t.Helper()
	return e.do("POST", articles+"/"+a["id"].(string)+"/comments", who, body)
}

func (e *env) resolve(who string, a map[string]any, c map[string]any) *response {
	e.t.Helper()
	return e.do("POST", articles+"/"+a["id"].(string)+"/comments/"+c["id"].(string)+"/resolve", who, nil)
}

func (e *env) article(a map[string]any) map[string]any {
	e.t.Helper()
	return e.do("GET", articles+"/"+a["id"].(string), "writer", nil).want(200).json()
}

// historyActions lists the actions of an article's history, oldest first.
func (e *env) historyActions(a map[string]any) []string {
	e.t.Helper()
	var h struct {
		Items []struct {
			Seq    int    `json:"seq"`
			Action string `json:"action"`
		} `json:"items"`
	}
	e.do("GET", articles+"/"+a["id"].(string)+"/history", "writer", nil).want(200).decode(&h)
	var out []string
	for i, it := range h.Items {
		if it.Seq != i+1 {
			e.t.Fatalf("history seq %d at place %d", it.Seq, i+1)
		}
		out = append(out, it.Action)
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestReviewComments: every role comments, the right people resolve,
// open_comments counts, comments are audited in the article's chain, and
// they do not change the version a writer's save is based on.
func TestReviewComments(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Baricitinib dosing", "body_html", "<p>The dose is 2 mg once daily.</p>"))
		other := e.create("writer2", draft("Tofacitinib dosing"))
		version := a["version"]

		byRole := map[string]map[string]any{}
		for _, who := range []string{"reviewer", "writer", "editor", "writer2"} {
			c := e.comment(who, a, map[string]any{"body": "  Check this, " + who + ".  ", "quote": "The dose is 2 mg"}).want(201).json()
			if c["body"] != "Check this, "+who+"." || c["quote"] != "The dose is 2 mg" || c["revision"] != float64(1) ||
				field(c, "author", "id") != e.users[who].ID || field(c, "author", "name") == "" || c["at"] == nil ||
				c["resolved_at"] != nil || c["resolved_by"] != nil || c["id"] == "" {
				t.Fatalf("comment by %s: %v", who, c)
			}
			byRole[who] = c
		}
		// Bad comments change nothing.
		for _, bad := range []struct {
			body   any
			status int
		}{
			{map[string]any{"body": "   "}, 422},
			{map[string]any{"body": strings.Repeat("x", 5001)}, 422},
			{map[string]any{"body": "ok", "quote": strings.Repeat("q", 2001)}, 422},
			{map[string]any{"body": "ok", "revision": 2}, 422},
			{map[string]any{"body": "ok", "revision": 0}, 422},
			{map[string]any{"body": "bad\x00nul"}, 422},
			{map[string]any{"body": "ok", "author": "x"}, 400},
			{`{"body": 5}`, 400},
		} {
			e.comment("reviewer", a, bad.body).problem(bad.status)
		}
		e.do("POST", articles+"/no-such-article/comments", "reviewer", map[string]any{"body": "x"}).problem(404)
		e.do("POST", articles+"/"+a["id"].(string)+"/comments", "", map[string]any{"body": "x"}).problem(401)

		got := e.article(a)
		if got["open_comments"] != float64(4) || got["version"] != version {
			t.Fatalf("after 4 comments: open_comments %v, version %v (was %v)", got["open_comments"], got["version"], version)
		}
		// The writer was editing the version read before the comments: the
		// save goes through.
		a = e.save("writer", a, draft("Baricitinib dosing", "body_html", "<p>The dose is 4 mg once daily.</p>")).want(200).json()
		if a["open_comments"] != float64(4) {
			t.Fatalf("a save lost the comment count: %v", a["open_comments"])
		}
		// A comment on an earlier revision names it.
		if c := e.comment("reviewer", a, map[string]any{"body": "Was 2 mg here.", "revision": 1}).want(201).json(); c["revision"] != float64(1) {
			t.Fatalf("comment on revision 1: %v", c)
		}
		if c := e.comment("reviewer2", a, map[string]any{"body": "Now 4 mg."}).want(201).json(); c["revision"] != float64(2) || c["quote"] != "" {
			t.Fatalf("comment on the draft: %v", c)
		}

		// Resolving: the article's author, the comment's author, an editor.
		e.resolve("writer2", a, byRole["reviewer"]).problem(403)  // neither
		e.resolve("reviewer", a, byRole["editor"]).problem(403)   // neither
		e.resolve("reviewer2", a, byRole["writer2"]).problem(403) // neither
		r := e.resolve("writer", a, byRole["reviewer"]).want(200).json()
		if r["resolved_at"] == nil || field(r, "resolved_by", "id") != e.users["writer"].ID || r["body"] != "Check this, reviewer." {
			t.Fatalf("resolved: %v", r)
		}
		if p := e.resolve("writer", a, byRole["reviewer"]).problem(409); !strings.Contains(p["detail"].(string), "already resolved") {
			t.Fatalf("resolved twice: %v", p)
		}
		e.resolve("writer2", a, byRole["writer2"]).want(200)      // the comment's author
		e.resolve("editor", a, byRole["writer"]).want(200)        // an editor
		e.resolve("writer", other, byRole["editor"]).problem(404) // not that article's comment
		e.do("POST", articles+"/"+a["id"].(string)+"/comments/nope/resolve", "editor", nil).problem(404)

		var list struct {
			Items      []map[string]any `json:"items"`
			NextCursor any              `json:"next_cursor"`
		}
		e.do("GET", articles+"/"+a["id"].(string)+"/comments", "reviewer", nil).want(200).decode(&list)
		if len(list.Items) != 6 || list.Items[0]["id"] != byRole["reviewer"]["id"] || list.Items[0]["resolved_at"] == nil ||
			list.Items[5]["body"] != "Now 4 mg." {
			t.Fatalf("comments: %v", list.Items)
		}
		e.do("GET", articles+"/"+a["id"].(string)+"/comments?open=true", "writer", nil).want(200).decode(&list)
		if len(list.Items) != 3 || list.Items[0]["id"] != byRole["editor"]["id"] {
			t.Fatalf("open comments: %v", list.Items)
		}
		e.do("GET", articles+"/"+a["id"].(string)+"/comments?open=maybe", "writer", nil).problem(400)
		e.do("GET", articles+"/no-such-article/comments", "writer", nil).problem(404)
		if got := e.article(a); got["open_comments"] != float64(3) || got["version"] != a["version"] {
			t.Fatalf("open_comments %v version %v, want 3 and %v", got["open_comments"], got["version"], a["version"])
		}
		var listed struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", articles+"?author="+e.users["writer"].ID, "reviewer", nil).want(200).decode(&listed)
		if len(listed.Items) != 1 || listed.Items[0]["open_comments"] != float64(3) {
			t.Fatalf("list: %v", listed.Items)
		}

		// Audited in the article's chain, which verifies end to end.
		acts := e.historyActions(a)
		if count(acts, "commented") != 6 || count(acts, "comment_resolved") != 3 || count(acts, "saved") != 1 {
			t.Fatalf("history: %v", acts)
		}
		if n, err := cms.VerifyAudit(context.Background(), e.db); err != nil || n == 0 {
			t.Fatalf("verify: %d events, %v", n, err)
		}
		// The workflow carries on at the article's version.
		a = e.act("writer", a, "submit").want(200).json()
		wantState(t, a, "in_review")
	})
}

// wordOps flattens a word diff to "op:text" strings.
func wordOps(t *testing.T, v any) []string {
	t.Helper()
	ws, ok := v.([]any)
	if !ok {
		t.Fatalf("words: %v", v)
	}
	var out []string
	for _, w := range ws {
		m := w.(map[string]any)
		s := m["op"].(string) + ":" + m["text"].(string)
		if m["number"] == true {
			s += "#"
		}
		out = append(out, s)
	}
	return out
}

func changeOf(t *testing.T, d map[string]any, f string) map[string]any {
	t.Helper()
	for _, c := range d["changes"].([]any) {
		if m := c.(map[string]any); m["field"] == f {
			return m
		}
	}
	t.Fatalf("no %s change in %v", f, d)
	return nil
}

// TestWordDiff: a changed dose is one word deleted and one inserted inside
// an otherwise kept block, flagged as a number; live and draft name
// revisions.
func TestWordDiff(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "jak-inhibitors", "name": "JAK inhibitors"}).want(201)
		a := e.create("writer", draft("Baricitinib dosing", "body_html", "<p>Take it with water.</p><p>The dose is 2 mg once daily.</p>"))
		id := a["id"].(string)
		e.do("GET", articles+"/"+id+"/diff?from=live&to=draft", "reviewer", nil).problem(422)
		if a["words_changed_since_live"] != nil {
			t.Fatalf("words_changed_since_live without live: %v", a["words_changed_since_live"])
		}
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		a = e.act("editor", a, "publish").want(200).json()
		if a["words_changed_since_live"] != float64(0) {
			t.Fatalf("words_changed_since_live after publishing: %v", a["words_changed_since_live"])
		}
		a = e.save("writer", a, draft("Baricitinib dosing in adults", "topics", []string{"jak-inhibitors"},
			"body_html", "<p>Take it with water.</p><p>The dose is 4 mg once daily.</p>")).want(200).json()
		if a["words_changed_since_live"] != float64(3) { // "in adults" and "4"
			t.Fatalf("words_changed_since_live: %v, want 3", a["words_changed_since_live"])
		}

		d := e.do("GET", articles+"/"+id+"/diff?from=live&to=draft", "reviewer", nil).want(200).json()
		if d["from"] != float64(1) || d["to"] != float64(2) || d["words_changed"] != float64(3) {
			t.Fatalf("diff ends: %v", d)
		}
		blocks := changeOf(t, d, "body_html")["blocks"].([]any)
		if len(blocks) != 3 || blocks[0].(map[string]any)["op"] != "equal" {
			t.Fatalf("blocks: %v", blocks)
		}
		del, ins := blocks[1].(map[string]any), blocks[2].(map[string]any)
		want := []string{"equal:The dose is ", "delete:2#", "insert:4#", "equal: mg once daily."}
		if del["op"] != "delete" || ins["op"] != "insert" || del["text"] != "The dose is 2 mg once daily." ||
			strings.Join(wordOps(t, ins["words"]), "|") != strings.Join(want, "|") ||
			strings.Join(wordOps(t, del["words"]), "|") != strings.Join(want, "|") {
			t.Fatalf("changed block: %v / %v", del, ins)
		}
		title := changeOf(t, d, "title")
		if title["from"] != "Baricitinib dosing" || strings.Join(wordOps(t, title["words"]), "|") != "equal:Baricitinib dosing|insert: in adults" {
			t.Fatalf("title: %v", title)
		}
		if topics := changeOf(t, d, "topics"); len(topics["added"].([]any)) != 1 {
			t.Fatalf("topics: %v", topics)
		}
		// Numbers and the two names mix.
		if d2 := e.do("GET", articles+"/"+id+"/diff?from=1&to=draft", "writer", nil).want(200).json(); d2["to"] != float64(2) {
			t.Fatalf("from=1&to=draft: %v", d2)
		}
		e.do("GET", articles+"/"+id+"/diff?from=draft&to=live", "writer", nil).want(200)
		e.do("GET", articles+"/"+id+"/diff?from=newest&to=draft", "writer", nil).problem(400)
		e.do("GET", articles+"/"+id+"/diff?from=1", "writer", nil).problem(400)
		e.do("GET", articles+"/"+id+"/diff?from=1&to=9", "writer", nil).problem(404)
		// Reviewers' list: the count is stored, not diffed per request.
		var listed struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", articles, "reviewer", nil).want(200).decode(&listed)
		if len(listed.Items) != 1 || listed.Items[0]["words_changed_since_live"] != float64(3) {
			t.Fatalf("list: %v", listed.Items)
		}
	})
}

// approvers lists the reviewer ids of an article's approvals.
func approvers(t *testing.T, a map[string]any) []string {
	t.Helper()
	aps, ok := a["approvals"].([]any)
	if !ok {
		t.Fatalf("approvals: %v", a["approvals"])
	}
	var out []string
	for _, ap := range aps {
		out = append(out, field(ap.(map[string]any), "reviewer", "id").(string))
	}
	return out
}

// secondOpinion takes a through two approvals when two are required:
// the first keeps it in review, the same reviewer again is 409, a new
// round (withdraw, a save, request_changes) starts over, the author who
// also reviews is refused, and the second distinct reviewer completes it.
func secondOpinion(t *testing.T, e *env, a map[string]any) map[string]any {
	t.Helper()
	if a["required_approvals"] != float64(2) || len(approvers(t, a)) != 0 {
		t.Fatalf("before review: required %v approvals %v", a["required_approvals"], a["approvals"])
	}
	a = e.act("writerrev", a, "submit").want(200).json()
	if a["submitted_at"] == nil {
		t.Fatal("submitted_at not set")
	}
	a = e.act("reviewer", a, "approve", "comment", "Dose checked.").want(200).json()
	wantState(t, a, "in_review")
	if got := approvers(t, a); len(got) != 1 || got[0] != e.users["reviewer"].ID || a["approval"] != nil ||
		field(a, "last_review", "action") != "approve" || field(a, "last_review", "reviewer", "credentials") != "MD, Rheumatology" ||
		field(a, "last_review", "revision") != field(a, "draft", "revision") {
		t.Fatalf("after one approval: %v %v %v", a["approvals"], a["approval"], a["last_review"])
	}
	if p := e.act("reviewer", a, "approve").problem(409); !strings.Contains(p["detail"].(string), "already approved") {
		t.Fatalf("same reviewer twice: %v", p)
	}
	e.act("writerrev", a, "approve").problem(403) // the author, though a reviewer

	// Withdrawing, saving and submitting again starts a new round.
	a = e.act("writerrev", a, "withdraw").want(200).json()
	if len(approvers(t, a)) != 0 {
		t.Fatalf("withdraw kept approvals: %v", a["approvals"])
	}
	a = e.save("writerrev", a, draft("Upadacitinib dosing", "topics", a["draft"].(map[string]any)["topics"],
		"body_html", "<p>The dose is 15 mg once daily.</p>")).want(200).json()
	a = e.act("writerrev", a, "submit").want(200).json()
	a = e.act("reviewer", a, "approve").want(200).json()
	if len(approvers(t, a)) != 1 {
		t.Fatalf("new round: %v", a["approvals"])
	}
	a = e.act("reviewer2", a, "request_changes", "comment", "Add the renal dose.").want(200).json()
	if len(approvers(t, a)) != 0 || field(a, "last_review", "action") != "request_changes" || field(a, "last_review", "comment") != "Add the renal dose." {
		t.Fatalf("request_changes: %v %v", a["approvals"], a["last_review"])
	}
	a = e.save("writerrev", a, draft("Upadacitinib dosing", "topics", a["draft"].(map[string]any)["topics"],
		"body_html", "<p>The dose is 15 mg once daily; 7.5 mg with severe renal impairment.</p>")).want(200).json()
	a = e.act("writerrev", a, "submit").want(200).json()
	a = e.act("reviewer", a, "approve", "comment", "First opinion.").want(200).json()
	wantState(t, a, "in_review")
	e.act("editor", a, "publish").problem(409)
	a = e.act("reviewer2", a, "approve", "comment", "Second opinion.").want(200).json()
	wantState(t, a, "approved")
	if got := approvers(t, a); len(got) != 2 || got[0] != e.users["reviewer"].ID || got[1] != e.users["reviewer2"].ID ||
		field(a, "approval", "reviewer", "id") != e.users["reviewer2"].ID || field(a, "approval", "comment") != "Second opinion." {
		t.Fatalf("completed: %v %v", a["approvals"], a["approval"])
	}
	a = e.act("editor", a, "publish").want(200).json()
	live := e.delivered(a["slug"].(string)).want(200).json()
	revs, _ := live["reviewers"].([]any)
	if len(revs) != 2 || field(revs[0].(map[string]any), "name") != "Reviewer" || field(revs[1].(map[string]any), "credentials") != "PharmD" ||
		field(live, "reviewed_by", "name") != "Reviewer" {
		t.Fatalf("delivered reviewers: %v reviewed_by %v", live["reviewers"], live["reviewed_by"])
	}
	ld, _ := field(live, "jsonld", "reviewedBy").([]any)
	if len(ld) != 2 || field(ld[0].(map[string]any), "name") != "Reviewer" || field(ld[1].(map[string]any), "honorificSuffix") != "PharmD" {
		t.Fatalf("JSON-LD reviewedBy: %v", field(live, "jsonld", "reviewedBy"))
	}
	return a
}

// TestSecondOpinionByTopic: a topic requiring two approvals holds its
// articles in review until two distinct reviewers approved.
func TestSecondOpinionByTopic(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("writerrev", "MD", workflow.RoleWriter, workflow.RoleReviewer)
		topics := "/api/v1/editor/topics"
		for _, bad := range []any{0, 6, "2"} {
			res := e.do("POST", topics, "editor", map[string]any{"slug": "x", "name": "X", "required_approvals": bad})
			if res.Status != 422 && res.Status != 400 {
				t.Fatalf("required_approvals %v: %d", bad, res.Status)
			}
		}
		// The number is read from the published topic: e.topic publishes.
		tp := e.topic("jak-inhibitors", "JAK inhibitors", "required_approvals", 2)
		if tp["required_approvals"] != float64(2) {
			t.Fatalf("topic: %v", tp)
		}
		e.topic("psoriasis", "Psoriasis")
		if got := e.do("GET", topics+"/psoriasis", "writer", nil).want(200).json(); got["required_approvals"] != float64(1) {
			t.Fatalf("default required_approvals: %v", got)
		}
		// One approval is enough for articles of other topics.
		one := e.create("writerrev", draft("Psoriasis basics", "topics", []string{"psoriasis"}))
		if one["required_approvals"] != float64(1) {
			t.Fatalf("required_approvals: %v", one["required_approvals"])
		}
		// The highest among an article's topics applies.
		a := e.create("writerrev", draft("Upadacitinib dosing", "topics", []string{"psoriasis", "jak-inhibitors"}))
		secondOpinion(t, e, a)

		// The reviewers' queue: in review, oldest submission first.
		b := e.create("writer", draft("Queue one", "topics", []string{"jak-inhibitors"}))
		b = e.act("writer", b, "submit").want(200).json()
		c := e.create("writer", draft("Queue two"))
		c = e.act("writer", c, "submit").want(200).json()
		b = e.act("reviewer", b, "approve").want(200).json()
		var q struct {
			Items []map[string]any `json:"items"`
		}
		e.do("GET", articles+"?state=in_review&sort=submitted", "reviewer", nil).want(200).decode(&q)
		if len(q.Items) != 2 || q.Items[0]["id"] != b["id"] || q.Items[1]["id"] != c["id"] ||
			len(approvers(t, q.Items[0])) != 1 || q.Items[0]["required_approvals"] != float64(2) || q.Items[0]["submitted_at"] == nil {
			t.Fatalf("queue: %v", q.Items)
		}
		e.do("GET", articles+"?state=in_review&sort=submitted&limit=1", "reviewer", nil).want(200).decode(&q)
		if len(q.Items) != 1 || q.Items[0]["id"] != b["id"] {
			t.Fatalf("queue page 1: %v", q.Items)
		}
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		e.do("GET", articles+"?state=in_review&sort=submitted&limit=1", "reviewer", nil).want(200).decode(&page)
		e.do("GET", articles+"?state=in_review&sort=submitted&limit=1&cursor="+page.NextCursor, "reviewer", nil).want(200).decode(&q)
		if len(q.Items) != 1 || q.Items[0]["id"] != c["id"] {
			t.Fatalf("queue page 2: %v", q.Items)
		}
		e.do("GET", articles+"?sort=oldest", "reviewer", nil).problem(400)
		if n, err := cms.VerifyAudit(context.Background(), e.db); err != nil || n == 0 {
			t.Fatalf("verify: %d, %v", n, err)
		}
	})
}

// TestSecondOpinionEverywhere: CMS_REQUIRED_APPROVALS=2 (the Editor's
// RequiredApprovals) asks two reviewers of every article.
func TestSecondOpinionEverywhere(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.addUser("writerrev", "MD", workflow.RoleWriter, workflow.RoleReviewer)
		secondOpinion(t, e, e.create("writerrev", draft("Upadacitinib dosing")))

		// A reviewer whose words may be under review is no second opinion,
		// even after another reviewer approved in this round.
		e.addUser("edrev", "MD", workflow.RoleEditor, workflow.RoleReviewer)
		a := e.create("writer", draft("Filgotinib dosing"))
		a = e.save("edrev", a, draft("Filgotinib dosing", "body_html", "<p>200 mg once daily.</p>")).want(200).json()
		a = e.save("writer", a, draft("Filgotinib dosing", "body_html", "<p>200 mg once daily, with food.</p>")).want(200).json()
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		e.act("edrev", a, "approve").problem(403)
		a = e.act("reviewer2", a, "approve").want(200).json()
		wantState(t, a, "approved")
	}, func(s *api.Server) { s.Editor.RequiredApprovals = 2 })
}

// TestCommentsDuringSaves: comments made while a writer saves never make a
// save fail: the chain takes both, in some order, and verifies.
func TestCommentsDuringSaves(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Concurrent review"))
		var wg sync.WaitGroup
		statuses := make(chan int, 20)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := []string{"reviewer", "reviewer2", "editor"}[i%3]
				statuses <- e.do("POST", articles+"/"+a["id"].(string)+"/comments", who, map[string]any{"body": "note"}).Status
			}()
		}
		for i := range 10 {
			res := e.save("writer", a, draft("Concurrent review", "body_html", "<p>Take "+string(rune('1'+i))+" mg.</p>"))
			if res.Status != 200 {
				t.Errorf("save %d during comments: %d %s", i, res.Status, res.Body)
				break
			}
			a = res.json()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 201 {
				t.Errorf("comment: %d", s)
			}
		}
		acts := e.historyActions(a)
		if got := e.article(a); got["open_comments"] != float64(10) || count(acts, "commented") != 10 || count(acts, "saved") != 10 {
			t.Fatalf("open_comments %v, history %v", got["open_comments"], acts)
		}
		if _, err := cms.VerifyAudit(context.Background(), e.db); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWebhookSecondOpinion: the first of two approvals leaves the article
// in review, so only the second sends article.approved.
func TestWebhookSecondOpinion(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rc := newHookReceiver(t)
		e.do("POST", webhooks, "admin", map[string]any{"url": rc.srv.URL, "events": []string{"article.submitted", "article.approved"}}).want(201)
		e.dispatch()
		a := e.create("writer", draft("Abrocitinib"))
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		wantState(t, a, "in_review")
		// The submission is delivered; give a wrong approval time to follow.
		waitFor(t, "article.submitted", func() bool { return len(rc.got()) >= 1 })
		time.Sleep(300 * time.Millisecond)
		if got := rc.got(); len(got) != 1 || got[0]["event"] != "article.submitted" {
			t.Fatalf("after the first approval: %v", got)
		}
		a = e.act("reviewer2", a, "approve").want(200).json()
		wantState(t, a, "approved")
		waitFor(t, "article.approved", func() bool { return len(rc.got()) >= 2 })
		time.Sleep(100 * time.Millisecond)
		if got := rc.got(); len(got) != 2 || got[1]["event"] != "article.approved" {
			t.Fatalf("after the second approval: %v", got)
		}
	}, func(s *api.Server) { s.Editor.RequiredApprovals = 2 })
}

// TestTopicApprovalsAreReviewed: the number of reviewers a topic asks of
// its articles is part of the reviewed topic. An editor's change to it
// is a new revision like any other; articles keep needing the published
// number until the change is approved and published. A topic never
// published asks for the default only.
func TestTopicApprovalsAreReviewed(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		required := func(a map[string]any) any {
			return e.do("GET", articles+"/"+a["id"].(string), "writer", nil).want(200).json()["required_approvals"]
		}
		// Never published: its number is not reviewed, so it counts for nothing.
		draftTopic := e.do("POST", topicsPath, "editor", map[string]any{"slug": "tofacitinib", "name": "Tofacitinib",
			"required_approvals": 3}).want(201).json()
		if draftTopic["required_approvals"] != float64(3) {
			t.Fatalf("draft topic: %v", draftTopic)
		}
		a := e.create("writer", draft("Tofacitinib and shingles", "topics", []string{"tofacitinib"}))
		if got := required(a); got != float64(1) {
			t.Fatalf("a topic never published asks for %v", got)
		}

		jak := e.topic("jak-inhibitors", "JAK inhibitors", "required_approvals", 2)
		b := e.create("writer", draft("Baricitinib dosing", "topics", []string{"jak-inhibitors"}))
		if got := required(b); got != float64(2) {
			t.Fatalf("published topic asks for %v", got)
		}
		// The editor raises it without review: a new revision, back to draft.
		rev := jak["revision"]
		jak = e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "required_approvals": 3},
			"If-Match", etag(jak)).want(200).json()
		if jak["required_approvals"] != float64(3) || jak["state"] != "draft" || jak["revision"] == rev {
			t.Fatalf("after the change: %v", jak)
		}
		if got := required(b); got != float64(2) {
			t.Fatalf("an unreviewed change counts: %v", got)
		}
		// Lowering it without review does not count either.
		jak = e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "required_approvals": 1},
			"If-Match", etag(jak)).want(200).json()
		if got := required(b); got != float64(2) {
			t.Fatalf("an unreviewed lowering counts: %v", got)
		}
		// Approving and publishing 3 makes it count.
		jak = e.do("PUT", topicsPath+"/jak-inhibitors", "editor", map[string]any{"name": "JAK inhibitors", "required_approvals": 3},
			"If-Match", etag(jak)).want(200).json()
		jak = e.topicAct("editor", jak, "submit").want(200).json()
		jak = e.topicAct("reviewer", jak, "approve").want(200).json()
		if got := required(b); got != float64(2) {
			t.Fatalf("approved but not published: %v", got)
		}
		revision := e.do("GET", fmt.Sprintf("%s/jak-inhibitors/revisions/%v", topicsPath, jak["revision"]), "writer", nil).want(200).json()
		if revision["required_approvals"] != float64(3) {
			t.Fatalf("the revision: %v", revision)
		}
		jak = e.topicAct("editor", jak, "publish").want(200).json()
		if got := required(b); got != float64(3) {
			t.Fatalf("after publishing: %v", got)
		}
		// The approval decides with the published number too.
		b = e.act("writer", e.do("GET", articles+"/"+b["id"].(string), "writer", nil).want(200).json(), "submit").want(200).json()
		b = e.act("reviewer", b, "approve").want(200).json()
		wantState(t, b, "in_review")
		// Unpublishing the topic is no review: its number still counts.
		jak = e.topicAct("editor", jak, "unpublish").want(200).json()
		if got := required(b); got != float64(3) {
			t.Fatalf("after unpublishing the topic: %v", got)
		}
	})
}
