package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/api"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// fuzzServer is one server on SQLite for every input of a fuzz target,
// with a user per role logged in. Requests go straight to its handler:
// no network, so the fuzzer spends its time in the code under test.
type fuzzServer struct {
	h       http.Handler
	tok     map[string]string
	article string // an article of the writer's
	victim  string // a user the admin may change
	mu      sync.Mutex
}

func newFuzzServer(f *testing.F) *fuzzServer {
	db := storetest.Open(f, "sqlite")
	as := &auth.Service{Users: db, Tokens: db, Secret: []byte(testSecret), AccessTTL: time.Hour, RefreshTTL: time.Hour}
	s := &api.Server{Auth: as, Delivery: db, Webhooks: &cms.Webhooks{Store: db}, Keys: &auth.Keys{Store: db}, DeliveryPublic: true,
		Editor: &cms.Editor{Store: db, ReviewInterval: time.Hour}, Ready: db.Ping, BodyLimit: 64 << 10,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	fs := &fuzzServer{h: s.Handler(), tok: map[string]string{}}
	for _, r := range []workflow.Role{workflow.RoleWriter, workflow.RoleEditor, workflow.RoleAdmin, workflow.RoleReviewer} {
		u, err := as.CreateUser(context.Background(), cms.CommandLine(), cms.NewUser{Email: string(r) + "@example.com", Name: string(r),
			Password: testPassword, Roles: []workflow.Role{r}, Credentials: "MD"})
		if err != nil {
			f.Fatal(err)
		}
		sess, err := as.Login(context.Background(), u.Email, testPassword, "192.0.2.1")
		if err != nil {
			f.Fatal(err)
		}
		fs.tok[string(r)] = sess.AccessToken
		if r == workflow.RoleReviewer {
			fs.victim = u.ID
		}
	}
	status, body := fs.do("POST", articles, "writer", `{"title": "Fuzzed article", "body_html": "<p>x</p>"}`)
	if status != http.StatusCreated {
		f.Fatalf("create: %d %s", status, body)
	}
	var a struct{ ID string }
	json.Unmarshal(body, &a)
	fs.article = a.ID
	if status, body := fs.do("POST", "/api/v1/editor/topics", "editor", `{"slug": "existing", "name": "Existing"}`); status != http.StatusCreated {
		f.Fatalf("topic: %d %s", status, body)
	}
	return fs
}

func (fs *fuzzServer) do(method, path, who, body string) (int, []byte) {
	rec := fs.serve(method, path, who, body)
	return rec.Code, rec.Body.Bytes()
}

// serve sends body as who, with the If-Match of an article's first version.
func (fs *fuzzServer) serve(method, path, who, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", `"1"`)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+fs.tok[who])
	}
	rec := httptest.NewRecorder()
	fs.h.ServeHTTP(rec, req)
	return rec
}

// check sends body and requires a clean answer: a 2xx with a JSON body
// (the input was a valid value and was taken) or a 4xx problem+json (it
// was refused, with a reason); never a 5xx or a panic (the handler's
// panic recovery would answer 500).
func (fs *fuzzServer) check(t *testing.T, method, path, who, body string) {
	t.Helper()
	rec := fs.serve(method, path, who, body)
	switch {
	case rec.Code >= 200 && rec.Code < 300:
		if rec.Code != http.StatusNoContent && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: %d with a body that is not JSON: %s", method, path, body, rec.Code, rec.Body)
		}
	case rec.Code >= 400 && rec.Code < 500:
		var p api.Problem
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" ||
			json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code || p.Type == "" || p.Title == "" {
			t.Fatalf("%s %s %q: %d is not a problem document: %s", method, path, body, rec.Code, rec.Body)
		}
	default:
		t.Fatalf("%s %s %q: status %d: %s", method, path, body, rec.Code, rec.Body)
	}
}

// fuzzSeeds adds the bodies every decoder must refuse, then the target's own.
func fuzzSeeds(f *testing.F, own ...string) {
	for _, b := range genericBad(64 << 10) {
		if len(b.body) < 4096 {
			f.Add(b.body)
		}
	}
	f.Add(`{"a":` + strings.Repeat("[", 10000) + `}`)
	f.Add("\xff\xfe{}")
	f.Add(`{"title": "\ud800"}`)
	for _, s := range own {
		f.Add(s)
	}
}

func FuzzArticleDraftInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"title": "Baricitinib: how it works", "summary": "s", "body_html": "<p>x</p>", "topics": ["existing"],
		"references": [{"title": "Trial", "url": "https://pubmed.ncbi.nlm.nih.gov/1/", "pmid": "1", "doi": "10.1056/NEJMoa1506348"}]}`,
		`{"title": 5}`, `{"title": "T", "topics": "psoriasis"}`, `{"title": "T", "references": ["https://example.org/"]}`,
		`{"title": ""}`, `{"title": "T\u0007"}`, `{"title": "T", "topics": ["nope"]}`, `{"title": "T", "slug": "--"}`,
		`{"title": "T", "slug": null}`, `{"title": "T", "references": [{"title": "x", "url": "javascript:alert(1)"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", articles, "writer", body)
		fs.check(t, "PUT", articles+"/"+fs.article, "writer", body)
	})
}

func FuzzTransitionInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"action": "submit"}`, `{"action": "schedule", "at": "2030-01-01T00:00:00Z"}`,
		`{"action": "request_changes", "comment": "why"}`, `{"action": 1}`, `{"action": "delete"}`, `{"action": ""}`,
		`{"action": "submit", "at": "noon"}`, `{"action": "schedule", "at": "99999-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", articles+"/"+fs.article+"/transitions", "editor", body)
	})
}

func FuzzTopicInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"slug": "jak-inhibitors", "name": "JAK inhibitors", "description_html": "<p>x</p>", "aliases": ["JAK"]}`,
		`{"slug": "a", "name": 7}`, `{"slug": "", "name": ""}`, `{"slug": "Not A Slug", "name": "X"}`,
		`{"slug": "ok", "name": "a\u0000b"}`, `{"slug": "ok", "name": "X", "aliases": [""]}`, `{"name": false}`,
		`{"slug": "other", "name": "X"}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/editor/topics", "editor", body)
		fs.check(t, "PUT", "/api/v1/editor/topics/existing", "editor", body)
	})
}

func FuzzNewUser(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"email": "a@example.com", "name": "A", "password": "a long password", "roles": ["writer"], "credentials": "MD"}`,
		`{"email": "a@example.com", "name": "A", "password": "a long password", "roles": "writer"}`,
		`{"email": "not-an-email", "name": "A", "password": "a long password", "roles": ["writer"]}`,
		`{"email": "a@example.com", "name": "A", "password": "a long password", "roles": ["overlord"]}`,
		`{"email": "a@example.com", "name": "A\u001b[31m", "password": "a long password", "roles": ["writer"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/editor/users", "admin", body)
	})
}

func FuzzUserPatch(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"name": "B", "roles": ["reviewer"], "credentials": "PharmD", "disabled": false}`,
		`{"disabled": "yes"}`, `{"name": ""}`, `{"roles": []}`, `{"password": "short"}`, `{"roles": null}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "PATCH", "/api/v1/editor/users/"+fs.victim, "admin", body)
	})
}

func FuzzLoginBody(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"email": "writer@example.com", "password": "wrong password"}`, `{"email": 5, "password": "x"}`,
		`{"email": "`+strings.Repeat("a", 5000)+`@example.com", "password": "p"}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/auth/login", "", body)
	})
}

func FuzzRefreshBody(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"refresh_token": "abc"}`, `{"refresh_token": ["x"]}`, `{"refresh_token": {}}`, `{"refresh_token": ""}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/auth/refresh", "", body)
		fs.check(t, "POST", "/api/v1/auth/logout", "", body)
	})
}

func FuzzPasswordBody(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"current_password": "wrong password", "new_password": "a new long password"}`,
		`{"current_password": 1, "new_password": 2}`, `{"current_password": "", "new_password": ""}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/auth/password", "writer", body)
	})
}

func FuzzAPIKeyInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"name": "Site", "scope": "delivery"}`, `{"name": "Site", "scope": ["delivery"]}`,
		`{"name": "", "scope": ""}`, `{"name": "Site", "scope": "admin"}`, `{"name": "Site\u0000", "scope": "preview"}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/editor/api-keys", "admin", body)
	})
}

func FuzzWebhookInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"url": "https://hooks.example.com/cms", "events": ["article.published"]}`,
		`{"url": "https://hooks.example.com/cms", "events": ["article.published"], "secret": "a secret of my own choosing"}`,
		`{"url": 7}`, `{"url": "ftp://x/", "events": []}`, `{"url": "https://a/", "events": "topic.changed"}`,
		`{"url": "https://u:p@a/", "events": ["nope"]}`, `{"url": "https://a/\u0000", "events": ["topic.changed"], "secret": 1}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", "/api/v1/editor/webhooks", "admin", body)
	})
}

func FuzzCommentInput(f *testing.F) {
	fs := newFuzzServer(f)
	fuzzSeeds(f, `{"body": "Check the dose.", "quote": "2 mg"}`, `{"body": "On the first revision.", "revision": 1}`,
		`{"body": ""}`, `{"body": 5}`, `{"body": "x", "revision": 1e30}`, `{"body": "x", "revision": -1}`,
		`{"body": "x\u0000", "quote": "\ud800"}`, `{"body": "x", "author": "someone"}`)
	f.Fuzz(func(t *testing.T, body string) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.check(t, "POST", articles+"/"+fs.article+"/comments", "reviewer", body)
	})
}
