package api_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// badInput is one malformed or invalid request body and the status it must get.
type badInput struct {
	name   string
	body   string
	ctype  string
	status int
}

// genericBad are refused by the decoder on every JSON route.
func genericBad(limit int) []badInput {
	return []badInput{
		{"malformed", `{"name": `, "", 400},
		{"not an object", `[1, 2]`, "", 400},
		{"empty body", ``, "", 400},
		{"two values", `{} {}`, "", 400},
		{"unknown field", `{"is_admin": true}`, "", 400},
		{"oversized", `{"name": "` + strings.Repeat("a", limit) + `"}`, "", 413},
		{"not JSON", `name=x`, "application/x-www-form-urlencoded", 415},
		{"no content type", `{}`, "-", 415},
	}
}

// writeRoute is a JSON write route with the bodies that must be refused.
type writeRoute struct {
	method, path, who string
	bad               []badInput
	ifMatch           string
}

func huge(n int) string { return strings.Repeat("x", n) }

func usersAndTopicsWrites(e *env) []writeRoute {
	writerID := e.users["writer"].ID
	return []writeRoute{
		{"POST", "/api/v1/auth/login", "", []badInput{
			{"wrong type", `{"email": 5, "password": "x"}`, "", 400},
		}, ""},
		{"POST", "/api/v1/auth/refresh", "", []badInput{
			{"wrong type", `{"refresh_token": ["x"]}`, "", 400},
		}, ""},
		{"POST", "/api/v1/auth/logout", "", []badInput{
			{"wrong type", `{"refresh_token": {}}`, "", 400},
		}, ""},
		{"POST", "/api/v1/auth/password", "editor", []badInput{
			{"wrong type", `{"current_password": 1, "new_password": 2}`, "", 400},
			{"empty", `{"current_password": "", "new_password": ""}`, "", 422},
			{"huge", `{"current_password": "` + testPassword + `", "new_password": "` + huge(5000) + `"}`, "", 422},
		}, ""},
		{"POST", "/api/v1/editor/topics", "editor", []badInput{
			{"wrong type", `{"slug": "a", "name": 7}`, "", 400},
			{"empty", `{"slug": "", "name": ""}`, "", 422},
			{"bad slug", `{"slug": "Not A Slug", "name": "X"}`, "", 422},
			{"huge name", `{"slug": "ok", "name": "` + huge(5000) + `"}`, "", 422},
			{"control characters", `{"slug": "ok", "name": "a\u0000b"}`, "", 422},
			{"bad aliases", `{"slug": "ok", "name": "X", "aliases": [""]}`, "", 422},
			{"taken slug", `{"slug": "existing", "name": "X"}`, "", 409},
		}, ""},
		{"PUT", "/api/v1/editor/topics/existing", "editor", []badInput{
			{"wrong type", `{"name": false}`, "", 400},
			{"empty", `{"name": ""}`, "", 422},
			{"slug change", `{"slug": "other", "name": "X"}`, "", 422},
			{"control characters", `{"name": "tab\tname"}`, "", 422},
		}, ""},
		{"POST", "/api/v1/editor/users", "admin", []badInput{
			{"wrong type", `{"email": "a@example.com", "name": "A", "password": "a long password", "roles": "writer"}`, "", 400},
			{"empty", `{"email": "", "name": "", "password": "", "roles": []}`, "", 422},
			{"bad email", `{"email": "not-an-email", "name": "A", "password": "a long password", "roles": ["writer"]}`, "", 422},
			{"unknown role", `{"email": "a@example.com", "name": "A", "password": "a long password", "roles": ["overlord"]}`, "", 422},
			{"short password", `{"email": "a@example.com", "name": "A", "password": "short", "roles": ["writer"]}`, "", 422},
			{"huge name", `{"email": "a@example.com", "name": "` + huge(5000) + `", "password": "a long password", "roles": ["writer"]}`, "", 422},
			{"control characters", `{"email": "a@example.com", "name": "A\u001b[31m", "password": "a long password", "roles": ["writer"]}`, "", 422},
			{"taken email", `{"email": "writer@example.com", "name": "A", "password": "a long password", "roles": ["writer"]}`, "", 409},
		}, ""},
		{"POST", "/api/v1/editor/api-keys", "admin", []badInput{
			{"wrong type", `{"name": "Site", "scope": ["delivery"]}`, "", 400},
			{"empty", `{"name": "", "scope": ""}`, "", 422},
			{"unknown scope", `{"name": "Site", "scope": "admin"}`, "", 422},
			{"huge name", `{"name": "` + huge(5000) + `", "scope": "delivery"}`, "", 422},
			{"control characters", `{"name": "Site\u0000", "scope": "delivery"}`, "", 422},
		}, ""},
		{"PATCH", "/api/v1/editor/users/" + writerID, "admin", []badInput{
			{"wrong type", `{"disabled": "yes"}`, "", 400},
			{"empty name", `{"name": ""}`, "", 422},
			{"no roles", `{"roles": []}`, "", 422},
			{"short password", `{"password": "short"}`, "", 422},
			{"huge credentials", `{"credentials": "` + huge(5000) + `"}`, "", 422},
		}, ""},
	}
}

// snapshot is what the users and topics routes let an admin see; a refused
// write must leave it as it was.
func snapshot(e *env) string {
	return string(e.do("GET", "/api/v1/editor/users", "admin", nil).want(200).Body) +
		string(e.do("GET", "/api/v1/editor/topics", "admin", nil).want(200).Body) +
		string(e.do("GET", "/api/v1/editor/api-keys", "admin", nil).want(200).Body)
}

func checkBadInput(t *testing.T, e *env, routes []writeRoute, snap func() string) {
	const limit = 64 << 10 // the test server's body cap
	before := snap()
	for _, r := range routes {
		for _, b := range append(genericBad(limit), r.bad...) {
			ct := b.ctype
			if ct == "-" {
				ct = ""
			} else if ct == "" {
				ct = "application/json"
			}
			res := e.do(r.method, r.path, r.who, []byte(b.body), "Content-Type", ct, "If-Match", r.ifMatch)
			if res.Status != b.status {
				t.Errorf("%s %s %s: %d, want %d: %s", r.method, r.path, b.name, res.Status, b.status, res.Body)
				continue
			}
			p := res.problem(b.status)
			if d, _ := p["detail"].(string); d == "" {
				t.Errorf("%s %s %s: problem without detail: %s", r.method, r.path, b.name, res.Body)
			}
			if b.status == 422 && len(p["errors"].([]any)) == 0 {
				t.Errorf("%s %s %s: 422 without field errors", r.method, r.path, b.name)
			}
		}
	}
	if after := snap(); after != before {
		t.Errorf("refused writes changed data:\nbefore %s\nafter  %s", before, after)
	}
}

func TestBadInputUsersAndTopics(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "existing", "name": "Existing"}).want(201)
		checkBadInput(t, e, usersAndTopicsWrites(e), func() string { return snapshot(e) })
	})
}

func articleWrites(id string) []writeRoute {
	return []writeRoute{
		{"POST", articles, "writer", []badInput{
			{"wrong type", `{"title": 5}`, "", 400},
			{"topics not a list", `{"title": "T", "topics": "psoriasis"}`, "", 400},
			{"references not objects", `{"title": "T", "references": ["https://example.org/"]}`, "", 400},
			{"empty", `{"title": ""}`, "", 422},
			{"huge title", `{"title": "` + huge(5000) + `"}`, "", 422},
			{"huge summary", `{"title": "T", "summary": "` + huge(5000) + `"}`, "", 422},
			{"control characters", `{"title": "T\u0007"}`, "", 422},
			{"unknown topic", `{"title": "T", "topics": ["nope"]}`, "", 422},
			{"taken slug", `{"title": "T", "slug": "existing-article"}`, "", 409},
		}, ""},
		{"PUT", articles + "/" + id, "writer", []badInput{
			{"wrong type", `{"title": ["T"]}`, "", 400},
			{"empty", `{"title": ""}`, "", 422},
			{"bad slug", `{"title": "T", "slug": "--"}`, "", 422},
			{"bad reference", `{"title": "T", "references": [{"title": "x", "url": "javascript:alert(1)"}]}`, "", 422},
		}, `"1"`},
		{"POST", articles + "/" + id + "/transitions", "writer", []badInput{
			{"wrong type", `{"action": 1}`, "", 400},
			{"unknown action", `{"action": "delete"}`, "", 422},
			{"empty", `{"action": ""}`, "", 422},
			{"bad at", `{"action": "submit", "at": "noon"}`, "", 422},
			{"huge comment", `{"action": "submit", "comment": "` + huge(20000) + `"}`, "", 422},
		}, `"1"`},
		{"POST", articles + "/" + id + "/comments", "reviewer", []badInput{
			{"wrong type", `{"body": 5}`, "", 400},
			{"revision not a number", `{"body": "x", "revision": "1"}`, "", 400},
			{"revision out of range", `{"body": "x", "revision": 1e30}`, "", 400},
			{"empty", `{"body": " "}`, "", 422},
			{"huge body", `{"body": "` + huge(5001) + `"}`, "", 422},
			{"huge quote", `{"body": "x", "quote": "` + huge(2001) + `"}`, "", 422},
			{"no such revision", `{"body": "x", "revision": 99999999999}`, "", 422},
			{"control characters", `{"body": "x\u0007"}`, "", 422},
		}, ""},
	}
}

func TestBadInputArticles(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Existing article"))
		id := a["id"].(string)
		checkBadInput(t, e, articleWrites(id), func() string {
			return string(e.do("GET", articles, "admin", nil).want(200).Body) +
				string(e.do("GET", articles+"/"+id+"/history", "admin", nil).want(200).Body)
		})
	})
}

// TestOutOfRangeInput: values no database column can hold are refused
// before they reach the database (a driver error would be a 500).
func TestOutOfRangeInput(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Range"))
		id := a["id"].(string)
		e.do("GET", articles+"/"+id+"/revisions/3000000000", "writer", nil).problem(404)
		e.do("GET", articles+"/"+id+"/diff?from=1&to=3000000000", "writer", nil).problem(400)
		e.do("POST", articles+"/"+id+"/revisions/99999999999/restore", "writer", nil, "If-Match", etag(a)).problem(404)
		e.do("POST", articles+"/"+id+"/transitions", "writer", map[string]any{"action": "submit"}, "If-Match", `"99999999999999999999"`).problem(412)
		far := base64.RawURLEncoding.EncodeToString([]byte("999999999999999999.x"))
		e.do("GET", articles+"?cursor="+far, "writer", nil).problem(400)
		e.do("GET", "/api/v1/delivery/articles?cursor="+far, "", nil).problem(400)
		long := strings.Repeat("a", 5000) + "@example.com"
		e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": long, "password": "wrong password!!"}).problem(401)
		e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": long, "password": strings.Repeat("p", 50000)}).problem(401)
	})
}
