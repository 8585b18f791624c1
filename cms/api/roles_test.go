package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

var roleKeys = []string{"writer", "reviewer", "editor", "admin"}

// roleCase is one route with the roles that may call it and the status an
// allowed call answers. {n} in path and body is a number unique to the call,
// so each allowed role acts on a resource of its own.
type roleCase struct {
	method, path string
	body         string
	allowed      []string
	status       int
	// setup prepares the call's resource and returns substitutions for
	// the path and the If-Match header ("etag").
	setup func(e *env, n int) map[string]string
}

func expand(s string, n int) string { return strings.ReplaceAll(s, "{n}", fmt.Sprint(n)) }

func topicSetup(e *env, n int) map[string]string {
	e.do("POST", "/api/v1/editor/topics", "admin", map[string]any{"slug": expand("t{n}", n), "name": "T"}).want(201)
	return nil
}

// articleSetup makes a fresh article by "writer" for each call.
func articleSetup(e *env, n int) map[string]string {
	a := e.create("writer", draft(expand("Article {n}", n)))
	return map[string]string{"aid": a["id"].(string), "etag": etag(a)}
}

var usersAndTopicsRoutes = []roleCase{
	{"GET", "/api/v1/editor/topics", "", roleKeys, 200, nil},
	{"POST", "/api/v1/editor/topics", `{"slug":"new-{n}","name":"New"}`, []string{"editor", "admin"}, 201, nil},
	{"GET", "/api/v1/editor/topics/t{n}", "", roleKeys, 200, topicSetup},
	{"PUT", "/api/v1/editor/topics/t{n}", `{"name":"Renamed"}`, []string{"editor", "admin"}, 200, topicSetup},
	{"DELETE", "/api/v1/editor/topics/t{n}", "", []string{"editor", "admin"}, 204, topicSetup},
	{"GET", "/api/v1/editor/users", "", []string{"admin"}, 200, nil},
	{"POST", "/api/v1/editor/users", `{"email":"u{n}@example.com","name":"U","password":"a long password","roles":["writer"]}`, []string{"admin"}, 201, nil},
	{"GET", "/api/v1/editor/users/{id}", "", []string{"admin"}, 200, nil},
	{"PATCH", "/api/v1/editor/users/{id}", `{"name":"Renamed"}`, []string{"admin"}, 200, nil},
	{"GET", "/api/v1/editor/audit", "", []string{"admin"}, 200, nil},
}

// checkRoles calls every route as every role, and without a token.
func checkRoles(t *testing.T, e *env, cases []roleCase, ids map[string]string) {
	n := 0
	for _, c := range cases {
		for _, who := range append([]string{""}, roleKeys...) {
			n++
			subs := map[string]string{}
			for k, v := range ids {
				subs[k] = v
			}
			if c.setup != nil {
				for k, v := range c.setup(e, n) {
					subs[k] = v
				}
			}
			path := expand(c.path, n)
			for k, v := range subs {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
			}
			var body any
			if c.body != "" {
				body = expand(c.body, n)
			}
			res := e.do(c.method, path, who, body, "If-Match", subs["etag"])
			want := 403
			switch {
			case who == "":
				want = 401
			case slices.Contains(c.allowed, who):
				want = c.status
			}
			if res.Status != want {
				t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, who, res.Status, want, res.Body)
			}
		}
	}
}

var articleRoutes = []roleCase{
	{"GET", "/api/v1/editor/articles", "", roleKeys, 200, nil},
	{"POST", "/api/v1/editor/articles", `{"title":"New {n}"}`, []string{"writer", "editor", "admin"}, 201, nil},
	{"GET", "/api/v1/editor/articles/{aid}", "", roleKeys, 200, articleSetup},
	{"PUT", "/api/v1/editor/articles/{aid}", `{"title":"Edited"}`, []string{"writer", "editor", "admin"}, 200, articleSetup},
	{"GET", "/api/v1/editor/articles/{aid}/revisions", "", roleKeys, 200, articleSetup},
	{"GET", "/api/v1/editor/articles/{aid}/revisions/1", "", roleKeys, 200, articleSetup},
	{"GET", "/api/v1/editor/articles/{aid}/diff?from=1&to=1", "", roleKeys, 200, articleSetup},
	{"POST", "/api/v1/editor/articles/{aid}/revisions/1/restore", "", []string{"writer", "editor", "admin"}, 200, articleSetup},
	{"POST", "/api/v1/editor/articles/{aid}/transitions", `{"action":"submit"}`, []string{"writer", "editor", "admin"}, 200, articleSetup},
	{"GET", "/api/v1/editor/articles/{aid}/history", "", roleKeys, 200, articleSetup},
}

func TestRolesArticles(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		checkRoles(t, e, articleRoutes, nil)
		// Writers edit their own articles only: another writer's is 403.
		a := e.create("writer", draft("Not yours"))
		e.save("writer2", a, draft("Mine now")).problem(403)
		e.act("writer2", a, "submit").problem(403)
		e.do("POST", articles+"/"+a["id"].(string)+"/revisions/1/restore", "writer2", nil, "If-Match", etag(a)).problem(403)
	})
}

func TestRolesUsersAndTopics(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		checkRoles(t, e, usersAndTopicsRoutes, map[string]string{"id": e.users["writer2"].ID})
	})
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		id := e.users["admin"].ID
		e.do("PATCH", "/api/v1/editor/users/"+id, "admin", map[string]any{"disabled": true}).problem(403)
		e.do("PATCH", "/api/v1/editor/users/"+id, "admin", map[string]any{"roles": []string{"editor"}}).problem(403)
		u := e.do("PATCH", "/api/v1/editor/users/"+id, "admin", map[string]any{"roles": []string{"admin", "reviewer"}, "credentials": "MD"}).want(200).json()
		if fmt.Sprint(u["roles"]) != "[reviewer admin]" || u["credentials"] != "MD" {
			t.Fatalf("patched: %v", u)
		}
	})
}

// TestTopicIfMatch: topic writes are unconditional unless If-Match names
// the version read; then a concurrent change is a 412, not a lost update.
func TestTopicIfMatch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		res := e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "ra", "name": "RA"}).want(201)
		v1 := res.Header.Get("ETag")
		if v1 == "" || e.do("GET", "/api/v1/editor/topics/ra", "editor", nil).want(200).Header.Get("ETag") != v1 {
			t.Fatalf("topic ETag %q", v1)
		}
		v2 := e.do("PUT", "/api/v1/editor/topics/ra", "editor", map[string]any{"name": "Rheumatoid arthritis"}, "If-Match", v1).want(200).Header.Get("ETag")
		e.do("PUT", "/api/v1/editor/topics/ra", "admin", map[string]any{"name": "Lost update"}, "If-Match", v1).problem(412)
		e.do("DELETE", "/api/v1/editor/topics/ra", "admin", nil, "If-Match", v1).problem(412)
		e.do("PUT", "/api/v1/editor/topics/ra", "admin", map[string]any{"name": "x"}, "If-Match", `"garbage"`).problem(412)
		if n := e.do("GET", "/api/v1/editor/topics/ra", "editor", nil).json()["name"]; n != "Rheumatoid arthritis" {
			t.Fatalf("name %v after refused writes", n)
		}
		e.do("DELETE", "/api/v1/editor/topics/ra", "admin", nil, "If-Match", v2).want(204)
	})
}
