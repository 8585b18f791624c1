package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms/api"
	"healthcms/webhook"
)

const webhooks = "/api/v1/editor/webhooks"

// hookReceiver records the bodies POSTed to it and answers 200.
type hookReceiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	srv    *httptest.Server
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, m)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *hookReceiver) got() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.bodies...)
}

// dispatch runs a webhook dispatcher on e's database until the test ends.
func (e *env) dispatch() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := &webhook.Dispatcher{Store: e.db, Interval: 10 * time.Millisecond, Backoff: 10 * time.Millisecond, AllowPrivate: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	go func() { defer close(done); d.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

func checkTargets(s *api.Server) { s.Webhooks.CheckTarget = webhook.CheckTarget }

func TestWebhookAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := map[string]any{"url": "https://hooks.example.com/cms", "events": []string{"article.published", "topic.changed"}}
		for _, who := range []string{"writer", "reviewer", "editor"} {
			e.do("POST", webhooks, who, body).problem(403)
			e.do("GET", webhooks, who, nil).problem(403)
		}
		e.do("GET", webhooks, "", nil).problem(401)

		res := e.do("POST", webhooks, "admin", body).want(201)
		h := res.json()
		secret, _ := h["secret"].(string)
		if len(secret) < 32 || h["url"] != body["url"] || res.Header.Get("Location") != webhooks+"/"+h["id"].(string) ||
			field(h, "created_by", "name") != "Admin" {
			t.Fatalf("created: %s", res.Body)
		}
		given := e.do("POST", webhooks, "admin", map[string]any{"url": "http://hooks.example.com/2", "events": []string{"article.scheduled"},
			"secret": "a secret of my own choosing"}).want(201).json()
		if given["secret"] != "a secret of my own choosing" {
			t.Fatalf("given secret not kept: %v", given)
		}
		listed := e.do("GET", webhooks, "admin", nil).want(200)
		if strings.Contains(string(listed.Body), "secret") || len(listed.json()["items"].([]any)) != 2 {
			t.Fatalf("list: %s", listed.Body)
		}

		for _, bad := range []map[string]any{
			{"url": "ftp://hooks.example.com/", "events": []string{"article.published"}},
			{"url": "/relative", "events": []string{"article.published"}},
			{"url": "https://user:pw@hooks.example.com/", "events": []string{"article.published"}},
			{"url": "https://hooks.example.com/", "events": []string{}},
			{"url": "https://hooks.example.com/", "events": []string{"article.deleted"}},
			{"url": "https://hooks.example.com/", "events": []string{"article.published"}, "secret": "short"},
		} {
			e.do("POST", webhooks, "admin", bad).problem(422)
		}
		e.do("POST", webhooks, "admin", `{"url": 7}`).problem(400)

		id := h["id"].(string)
		log := e.do("GET", webhooks+"/"+id+"/deliveries", "admin", nil).want(200).json()
		if items := log["items"].([]any); len(items) != 0 {
			t.Fatalf("log of a new webhook: %v", log)
		}
		e.do("GET", webhooks+"/"+id+"/deliveries", "editor", nil).problem(403)
		e.do("GET", webhooks+"/nope/deliveries", "admin", nil).problem(404)
		e.do("DELETE", webhooks+"/"+id, "editor", nil).problem(403)
		e.do("DELETE", webhooks+"/"+id, "admin", nil).want(204)
		e.do("DELETE", webhooks+"/"+id, "admin", nil).problem(404)
		if items := e.do("GET", webhooks, "admin", nil).want(200).json()["items"].([]any); len(items) != 1 {
			t.Fatalf("after delete: %v", items)
		}
		// Both changes are on record, in the webhook's own chain, without
		// its secret.
		got, trail := e.auditAll("&subject_type=webhook&subject_id="+id, 10)
		if len(got) != 2 || got[0].Action != "deleted" || got[1].Action != "created" || got[1].Actor.Name != "Admin" ||
			!strings.Contains(got[1].Detail, "https://hooks.example.com/cms") || strings.Contains(trail, secret) {
			t.Fatalf("audit of the webhook: %s", trail)
		}
	})
}

// TestWebhookPrivateTargets: loopback, private and link-local targets,
// by address or by a name that resolves to one, are refused at creation.
func TestWebhookPrivateTargets(t *testing.T) {
	e := newEnv(t, "sqlite", checkTargets)
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/hook", "http://10.0.0.7/", "http://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fd00::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/"} {
		p := e.do("POST", webhooks, "admin", map[string]any{"url": u, "events": []string{"article.published"}}).problem(422)
		if !strings.Contains(p["detail"].(string)+string(mustJSON(p["errors"])), "url") {
			t.Errorf("%s: %v", u, p)
		}
	}
	if items := e.do("GET", webhooks, "admin", nil).want(200).json()["items"].([]any); len(items) != 0 {
		t.Fatalf("stored: %v", items)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// TestWebhookArticleEvents: every article event reaches a subscribed
// webhook with the article's id, slug and live version.
func TestWebhookArticleEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rc := newHookReceiver(t)
		all := []string{"article.submitted", "article.approved", "article.changes_requested", "article.published",
			"article.unpublished", "article.scheduled", "topic.changed"}
		h := e.do("POST", webhooks, "admin", map[string]any{"url": rc.srv.URL, "events": all}).want(201).json()
		// Subscribed to nothing that happens below: gets nothing.
		other := e.do("POST", webhooks, "admin", map[string]any{"url": rc.srv.URL + "/other", "events": []string{"article.scheduled"}}).want(201).json()
		e.dispatch()

		a := e.create("writer", draft("Tofacitinib"))
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "request_changes", "comment", "cite the trial").want(200).json()
		a = e.save("writer", a, draft("Tofacitinib", "body_html", "<p>Now with the trial.</p>")).want(200).json()
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		a = e.act("editor", a, "publish").want(200).json()
		a = e.act("editor", a, "unpublish").want(200).json()
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "jak", "name": "JAK inhibitors"}).want(201)

		b := e.create("writer", draft("Baricitinib"))
		b = e.act("writer", b, "submit").want(200).json()
		b = e.act("reviewer", b, "approve").want(200).json()
		at := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339)
		e.act("editor", b, "schedule", "at", at).want(200)
		time.Sleep(time.Until(mustTime(t, at)) + 50*time.Millisecond)
		if n, err := e.ed.PublishDue(context.Background(), e.db); err != nil || n != 1 {
			t.Fatalf("scheduled publishing: %d, %v", n, err)
		}

		want := []string{
			"article.submitted " + a["id"].(string), "article.changes_requested " + a["id"].(string),
			"article.submitted " + a["id"].(string), "article.approved " + a["id"].(string),
			"article.published " + a["id"].(string) + " 1", "article.unpublished " + a["id"].(string),
			"topic.changed jak",
			"article.submitted " + b["id"].(string), "article.approved " + b["id"].(string),
			"article.scheduled " + b["id"].(string), "article.published " + b["id"].(string) + " 1",
		}
		var got []string
		deadline := time.Now().Add(10 * time.Second)
		for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			got = got[:0]
			for _, m := range rc.got() {
				s := m["event"].(string)
				if art, ok := m["article"].(map[string]any); ok {
					s += " " + art["id"].(string)
					if v, ok := art["live_version"].(float64); ok {
						s += fmt.Sprintf(" %v", v)
					}
					if art["slug"] == "" {
						t.Fatalf("no slug: %v", m)
					}
				}
				if tp, ok := m["topic"].(map[string]any); ok {
					s += " " + tp["slug"].(string)
				}
				got = append(got, s)
			}
			if len(got) >= len(want)+1 {
				break
			}
		}
		slices.Sort(got)
		wantAll := append(want, "article.scheduled "+b["id"].(string)) // the second webhook's
		slices.Sort(wantAll)
		if !slices.Equal(got, wantAll) {
			t.Fatalf("events:\n got %v\nwant %v", got, wantAll)
		}
		// The receiver answers before the attempt is recorded.
		var log map[string]any
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			log = e.do("GET", webhooks+"/"+h["id"].(string)+"/deliveries?limit=5", "admin", nil).want(200).json()
			if first := log["items"].([]any)[0].(map[string]any); first["delivered_at"] != nil {
				break
			}
		}
		items := log["items"].([]any)
		if len(items) != 5 || log["next_cursor"] == nil {
			t.Fatalf("log page: %v", log)
		}
		first := items[0].(map[string]any)
		if first["delivered_at"] == nil || first["attempts"] != float64(1) || first["status_code"] != float64(200) || first["event"] != "article.published" {
			t.Fatalf("log item: %v", first)
		}
		rest := e.do("GET", webhooks+"/"+h["id"].(string)+"/deliveries?limit=200&cursor="+log["next_cursor"].(string), "admin", nil).want(200).json()
		if n := len(rest["items"].([]any)); n != len(want)-5 {
			t.Fatalf("second page: %d items", n)
		}
		e.do("GET", webhooks+"/"+other["id"].(string)+"/deliveries", "admin", nil).want(200)
	})
}

func mustTime(t *testing.T, s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
