package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// client talks to a running server as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (s *server) login(t *testing.T, email, password string) *client {
	t.Helper()
	res := postJSON(t, s.url+"/api/v1/auth/login", map[string]string{"email": email, "password": password})
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&out) != nil {
		t.Fatalf("login %s: %d", email, res.StatusCode)
	}
	return &client{t: t, base: s.url, token: out.AccessToken}
}

func (c *client) call(method, path string, body any, ifMatch string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// demoLogins reads the demo passwords serve --demo printed.
func demoLogins(t *testing.T, out string) map[string]string {
	t.Helper()
	logins := map[string]string{}
	for _, m := range regexp.MustCompile(`demo login (\S+)\s+(\S+) \(`).FindAllStringSubmatch(out, -1) {
		logins[m[1]] = m[2]
	}
	if len(logins) < 4 {
		t.Fatalf("demo logins not printed: %s", out)
	}
	return logins
}

func TestDemoNewsroomAndAuditVerify(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_ADMIN_PASSWORD": "a long admin password", "CMS_SCHEDULER_INTERVAL": "100ms"}
			s := startServer(t, vars, "--demo")
			logins := demoLogins(t, s.out.String())
			writer := s.login(t, "writer@example.com", logins["writer@example.com"])

			_, list := writer.call("GET", "/api/v1/editor/articles?limit=100", nil, "")
			states := map[string]int{}
			var liveSlug string
			for _, it := range list["items"].([]any) {
				a := it.(map[string]any)
				states[a["state"].(string)]++
				if a["live"] != nil && liveSlug == "" {
					liveSlug = a["slug"].(string)
				}
			}
			for _, st := range []string{"draft", "in_review", "changes_requested", "approved", "scheduled", "published"} {
				if states[st] == 0 {
					t.Errorf("demo has no article in state %s: %v", st, states)
				}
			}
			res, err := http.Get(s.url + "/api/v1/delivery/articles/" + liveSlug)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("demo article %q not delivered: %v %v", liveSlug, res, err)
			}
			var live struct {
				Mentions []struct{ Slug, Matched string }
			}
			json.NewDecoder(res.Body).Decode(&live)
			res.Body.Close()
			if len(live.Mentions) == 0 {
				t.Fatalf("demo article %q mentions no topic", liveSlug)
			}
			// The vocabulary is published, reviewed, and reached by alias.
			res, err = http.Get(s.url + "/api/v1/delivery/topics/jak-inhibitors")
			var topic struct {
				Kind, Definition string
				ReviewedBy       *struct{ Name string } `json:"reviewed_by"`
				Related          []struct{ Slug string }
			}
			if err != nil || res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&topic) != nil || topic.Kind != "drug_class" ||
				!strings.HasPrefix(topic.Definition, "a type of targeted medication") || topic.ReviewedBy == nil || len(topic.Related) < 5 {
				t.Fatalf("demo topic: %v %+v %v", res, topic, err)
			}
			res.Body.Close()
			res, err = http.DefaultTransport.RoundTrip(mustRequest(t, s.url+"/api/v1/delivery/topics/janus-kinase-inhibitor"))
			if err != nil || res.StatusCode != 301 || res.Header.Get("Location") != "/api/v1/delivery/topics/jak-inhibitors" {
				t.Fatalf("alias: %v %v", res, err)
			}
			res.Body.Close()

			// The scheduler inside serve publishes a scheduled article at its time.
			editor := s.login(t, "editor@example.com", logins["editor@example.com"])
			_, approved := writer.call("GET", "/api/v1/editor/articles?state=approved", nil, "")
			a := approved["items"].([]any)[0].(map[string]any)
			at := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
			code, _ := editor.call("POST", "/api/v1/editor/articles/"+a["id"].(string)+"/transitions",
				map[string]any{"action": "schedule", "at": at.Format(time.RFC3339)}, fmt.Sprintf(`"%v"`, a["version"]))
			if code != 200 {
				t.Fatalf("schedule: %d", code)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				res, err := http.Get(s.url + "/api/v1/delivery/articles/" + a["slug"].(string))
				if err == nil && res.StatusCode == 200 {
					res.Body.Close()
					break
				}
				if err == nil {
					res.Body.Close()
				}
				if time.Now().After(deadline) {
					t.Fatalf("scheduled article not published by serve's scheduler")
				}
				time.Sleep(100 * time.Millisecond)
			}
			s.shutdown(t)

			// A second --demo start leaves the newsroom alone.
			s2 := startServer(t, vars, "--demo")
			if !strings.Contains(s2.out.String(), "not seeding") {
				t.Fatalf("second --demo: %s", s2.out.String())
			}
			s2.shutdown(t)

			code, out, stderr := run(t, vars, "audit", "verify")
			if code != 0 || !regexp.MustCompile(`verified: \d{2,} events`).MatchString(out) {
				t.Fatalf("audit verify on an intact trail: %d %q %q", code, out, stderr)
			}
		})
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// tamper turns off the append-only guard (as someone with database access
// could) and runs stmt.
func tamper(t *testing.T, dialect, dbURL, stmt string) {
	t.Helper()
	guard := map[string]string{
		"sqlite":   `DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete`,
		"postgres": `ALTER TABLE events DISABLE TRIGGER events_append_only`,
	}[dialect]
	storetest.Exec(t, dbURL, guard, stmt)
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	first := `(SELECT MIN(article_id) FROM events)`
	cases := []struct {
		name, stmt, want string
	}{
		{"altered", `UPDATE events SET comment = 'nothing to see' WHERE seq = 2 AND article_id = ` + first, "event 2: altered"},
		{"deleted in the middle", `DELETE FROM events WHERE seq = 2 AND article_id = ` + first, "event 2: missing"},
		{"deleted at the end", `DELETE FROM events WHERE article_id = ` + first + ` AND seq = (SELECT MAX(seq) FROM events e2 WHERE e2.article_id = events.article_id)`, "removed"},
		{"reordered", `UPDATE events SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE seq IN (2, 3) AND article_id = ` + first, "event 2"},
	}
	for _, dialect := range storetest.Dialects(t) {
		for _, c := range cases {
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				dbURL := storetest.URL(t, dialect)
				vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_ADMIN_PASSWORD": "a long admin password"}
				s := startServer(t, vars, "--demo")
				s.shutdown(t)
				if code, _, _ := run(t, vars, "audit", "verify"); code != 0 {
					t.Fatalf("intact trail: exit %d", code)
				}
				if c.name == "reordered" && dialect == "postgres" {
					// Swapping two keys needs the primary key out of the way.
					storetest.Exec(t, dbURL, `ALTER TABLE events DROP CONSTRAINT events_pkey`)
				}
				if c.name == "reordered" && dialect == "sqlite" {
					c.stmt = `UPDATE events SET seq = -seq WHERE seq IN (2, 3) AND article_id = ` + first + `;
						UPDATE events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3)`
				}
				tamper(t, dialect, dbURL, c.stmt)
				code, out, stderr := run(t, vars, "audit", "verify")
				if code != 1 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "article ") {
					t.Fatalf("tampered trail: exit %d, %q %q; want exit 1 naming %q", code, out, stderr, c.want)
				}
			})
		}
	}
}
