package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms"
)

const auditPath = "/api/v1/editor/audit"

// auditEvent is an item of GET /audit.
type auditEvent struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"`
	Actor   struct{ ID, Name string }
	Subject struct{ Type, ID string }
	Action  string `json:"action"`
	Detail  string `json:"detail"`
	Rev     int    `json:"revision"`
	Prev    string `json:"prev_hash"`
	Hash    string `json:"hash"`
}

// auditPage fetches one page of the audit log as admin.
func (e *env) auditPage(query string) ([]auditEvent, *string, []byte) {
	e.t.Helper()
	res := e.do("GET", auditPath+query, "admin", nil).want(200)
	var page struct {
		Items []auditEvent `json:"items"`
		Next  *string      `json:"next_cursor"`
	}
	res.decode(&page)
	return page.Items, page.Next, res.Body
}

// auditAll walks every page of the log with the given filter and page size
// and returns the events and every body the server sent.
func (e *env) auditAll(filter string, limit int) ([]auditEvent, string) {
	e.t.Helper()
	var all []auditEvent
	var bodies strings.Builder
	q := "?limit=" + fmt.Sprint(limit) + filter
	for i := 0; i < 1000; i++ {
		items, next, body := e.auditPage(q)
		all = append(all, items...)
		bodies.Write(body)
		if next == nil {
			return all, bodies.String()
		}
		q = "?limit=" + fmt.Sprint(limit) + filter + "&cursor=" + url.QueryEscape(*next)
	}
	e.t.Fatal("the audit log does not end")
	return nil, ""
}

// TestAuditLogRecordsPeopleAndKeys makes one change of every audited kind
// through the API and finds each in GET /audit with its subject, action,
// actor and detail, and never a password or key anywhere in the log.
func TestAuditLogRecordsPeopleAndKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const (
			firstPassword = "the first password of Rhea"
			adminPassword = "a password the admin set"
			ownPassword   = "a password Rhea chose herself"
		)
		admin := e.users["admin"]
		u := e.do("POST", "/api/v1/editor/users", "admin", map[string]any{"email": "rhea@example.com", "name": "Rhea",
			"password": firstPassword, "roles": []string{"writer"}, "credentials": "MD"}).want(201).json()
		uid := u["id"].(string)
		patch := func(body map[string]any) {
			e.do("PATCH", "/api/v1/editor/users/"+uid, "admin", body).want(200)
		}
		patch(map[string]any{"roles": []string{"writer", "reviewer"}})
		patch(map[string]any{"credentials": "MD, Rheumatology"})
		patch(map[string]any{"credentials": "MD, Rheumatology"}) // no change, no event
		patch(map[string]any{"disabled": true})
		patch(map[string]any{"disabled": false, "name": "Rhea Reviewer"})
		patch(map[string]any{"password": adminPassword})
		tok := login(e, "rhea@example.com", adminPassword).want(200).json()["access_token"].(string)
		e.do("POST", "/api/v1/auth/password", tok, map[string]string{"current_password": adminPassword, "new_password": ownPassword}).want(204)

		k := e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "Site", "scope": "delivery"}).want(201).json()
		kid, secret := k["id"].(string), k["key"].(string)
		e.do("DELETE", "/api/v1/editor/api-keys/"+kid, "admin", nil).want(204)
		e.do("DELETE", "/api/v1/editor/api-keys/"+kid, "admin", nil).want(204) // already revoked: no event

		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "ra", "name": "RA", "aliases": []string{"RA"}}).want(201)
		e.do("PUT", "/api/v1/editor/topics/ra", "admin", map[string]any{"name": "Rheumatoid arthritis", "aliases": []string{"RA"}}).want(200)
		e.do("DELETE", "/api/v1/editor/topics/ra", "editor", nil).want(204)
		a := e.create("writer", draft("Baricitinib"))

		type want struct{ actor, action, detail string }
		check := func(subject, id string, wants ...want) {
			t.Helper()
			got, _ := e.auditAll("&subject_type="+subject+"&subject_id="+url.QueryEscape(id), 100)
			if len(got) != len(wants) {
				t.Fatalf("%s %s: %d events, want %d: %+v", subject, id, len(got), len(wants), got)
			}
			for i, w := range wants { // newest first
				g := got[i]
				if g.Subject.Type != subject || g.Subject.ID != id || g.Action != w.action || g.Actor.ID != w.actor ||
					!strings.Contains(g.Detail, w.detail) || g.Seq != int64(len(wants)-i) || !strings.HasPrefix(g.Hash, "sha256:") {
					t.Errorf("%s %s event %d: %+v, want %+v", subject, id, i, g, w)
				}
				if i+1 < len(got) && g.Prev != got[i+1].Hash {
					t.Errorf("%s %s event %d does not follow the one before", subject, id, g.Seq)
				}
			}
		}
		check("user", uid,
			want{uid, "password_changed", "changed by the user"},
			want{admin.ID, "password_changed", "set by Admin"},
			want{admin.ID, "enabled", ""},
			want{admin.ID, "name_changed", `from "Rhea" to "Rhea Reviewer"`},
			want{admin.ID, "disabled", ""},
			want{admin.ID, "credentials_changed", `credentials changed from "MD" to "MD, Rheumatology"`},
			want{admin.ID, "roles_changed", `from "writer" to "writer, reviewer"`},
			want{admin.ID, "created", `rhea@example.com`})
		check("api_key", kid, want{admin.ID, "revoked", `delivery key "Site"`}, want{admin.ID, "created", `delivery key "Site"`})
		check("topic", "ra", want{e.users["editor"].ID, "deleted", `"Rheumatoid arthritis"`},
			want{admin.ID, "changed", `name changed from "RA" to "Rheumatoid arthritis"`},
			want{e.users["editor"].ID, "created", `"RA"`})
		check("article", a["id"].(string), want{e.users["writer"].ID, "created", ""})
		// The users the test harness made came from the command line.
		check("user", e.users["writer"].ID, want{"", "created", "writer@example.com"})
		if got, _ := e.auditAll("&subject_id="+e.users["writer"].ID, 10); len(got) != 1 || got[0].Actor.Name != cms.CommandLineName {
			t.Fatalf("harness user: %+v", got)
		}

		// The whole log, in pages of 3 and in one page: the same events,
		// newest first, each once, and no secret anywhere in it.
		all, bodies := e.auditAll("", 3)
		one, body := e.auditAll("", 100)
		if len(all) != len(one) || len(all) < 20 {
			t.Fatalf("%d events in pages of 3, %d in one page", len(all), len(one))
		}
		seen := map[string]bool{}
		for i, ev := range all {
			if ev != one[i] || seen[ev.Hash] {
				t.Fatalf("event %d: %+v paged, %+v in one page (or seen twice)", i, ev, one[i])
			}
			seen[ev.Hash] = true
			if i > 0 && at(ev).After(at(all[i-1])) {
				t.Fatalf("event %d (%s) is newer than the one before (%s)", i, ev.At, all[i-1].At)
			}
		}
		if all[0].Subject.Type != "article" || all[0].Rev != 1 {
			t.Fatalf("newest event: %+v", all[0])
		}
		for _, s := range []string{firstPassword, adminPassword, ownPassword, testPassword, secret} {
			if strings.Contains(bodies+body, s) {
				t.Fatalf("the audit log shows the secret %q", s)
			}
		}

		// Filters by type alone.
		keys, _ := e.auditAll("&subject_type=api_key", 1)
		if len(keys) != 2 || keys[0].Action != "revoked" {
			t.Fatalf("api_key events: %+v", keys)
		}
		arts, _ := e.auditAll("&subject_type=article", 100)
		if len(arts) != 1 || arts[0].Subject.ID != a["id"] {
			t.Fatalf("article events: %+v", arts)
		}

		n, err := cms.VerifyAudit(context.Background(), e.db)
		if err != nil || n != len(all) {
			t.Fatalf("verify: %d events, %v; the log has %d", n, err, len(all))
		}
	})
}

func at(ev auditEvent) time.Time {
	t, err := time.Parse(time.RFC3339Nano, ev.At)
	if err != nil {
		panic(err)
	}
	return t
}

// TestAuditLogAccess: admins only; bad filters and cursors are 400.
func TestAuditLogAccess(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, who := range []string{"writer", "reviewer", "editor"} {
			e.do("GET", auditPath, who, nil).problem(403)
		}
		e.do("GET", auditPath, "", nil).problem(401)
		e.do("GET", auditPath+"?subject_type=people", "admin", nil).problem(400)
		e.do("GET", auditPath+"?cursor=nonsense", "admin", nil).problem(400)
		e.do("GET", auditPath+"?limit=0", "admin", nil).problem(400)
		e.do("GET", auditPath+"?limit=101", "admin", nil).problem(400)
		if items, next, _ := e.auditPage("?subject_type=webhook"); len(items) != 0 || next != nil {
			t.Fatalf("webhooks: %v %v", items, next)
		}
	})
}

// TestAuditDetailsExactUnderConcurrency: changes of one user's
// credentials, and of one topic's name without If-Match, made at the same
// time each record from what to what exactly: every event starts where
// the event before it in the chain ended.
func TestAuditDetailsExactUnderConcurrency(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const n = 8
		uid := e.users["reviewer"].ID
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "ra", "name": "RA"}).want(201)
		var wg sync.WaitGroup
		errs := make(chan string, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if res := e.do("PATCH", "/api/v1/editor/users/"+uid, "admin", map[string]any{"credentials": fmt.Sprintf("MD %d", i)}); res.Status != 200 {
					errs <- fmt.Sprintf("PATCH: %d %s", res.Status, res.Body)
				}
			}()
			go func() {
				defer wg.Done()
				if res := e.do("PUT", "/api/v1/editor/topics/ra", "editor", map[string]any{"name": fmt.Sprintf("RA %d", i)}); res.Status != 200 {
					errs <- fmt.Sprintf("PUT: %d %s", res.Status, res.Body)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		follow := func(subject, id, prefix, first string) {
			t.Helper()
			evs, _ := e.auditAll("&subject_type="+subject+"&subject_id="+id, 100)
			var changes []auditEvent
			for i := len(evs) - 1; i >= 0; i-- { // oldest first
				if evs[i].Action != "created" {
					changes = append(changes, evs[i])
				}
			}
			if len(changes) != n {
				t.Fatalf("%s %s: %d changes recorded, want %d: %+v", subject, id, len(changes), n, evs)
			}
			prev := first
			for _, ev := range changes {
				var from, to string
				if _, err := fmt.Sscanf(strings.TrimPrefix(ev.Detail, prefix), "changed from %q to %q", &from, &to); err != nil || from != prev {
					t.Fatalf("%s %s event %d: %q does not start at %q (%v)", subject, id, ev.Seq, ev.Detail, prev, err)
				}
				prev = to
			}
		}
		follow("user", uid, "credentials ", "MD, Rheumatology")
		follow("topic", "ra", "name ", "RA")
	})
}
