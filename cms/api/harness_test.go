package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/api"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

const testSecret = "a test secret that is long enough for HS256!"

// env is a real server on a real database, with one user per role.
type env struct {
	t     *testing.T
	db    *store.DB
	auth  *auth.Service
	srv   *httptest.Server
	ed    *cms.Editor
	api   *api.Server
	users map[string]*cms.User // by role name, plus "author2" and "reviewer2"
	tok   map[string]string    // access tokens by the same keys
}

const testPassword = "correct horse battery staple"

// eachDB runs f on a fresh env per database, its server configured by
// configure. Every env has a database of its own, so the test runs in
// parallel with other tests, and its databases with each other: most of a
// test's time is spent waiting for a database.
func eachDB(t *testing.T, f func(t *testing.T, e *env), configure ...func(*api.Server)) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, d, configure...))
		})
	}
}

// newEnv starts a server on a fresh database of the dialect; configure
// functions may change the server's settings before it starts.
func newEnv(t *testing.T, dialect string, configure ...func(*api.Server)) *env {
	t.Helper()
	return newEnvOn(t, storetest.Open(t, dialect), configure...)
}

// newEnvOn starts a server on db, which may be shared with another env.
func newEnvOn(t *testing.T, db *store.DB, configure ...func(*api.Server)) *env {
	t.Helper()
	as := &auth.Service{Users: db, Tokens: db, Secret: []byte(testSecret), AccessTTL: 15 * time.Minute, RefreshTTL: time.Hour}
	ed := &cms.Editor{Store: db, ReviewInterval: 365 * 24 * time.Hour}
	s := &api.Server{
		Auth: as, Delivery: db.Delivery(),
		Keys: &auth.Keys{Store: db}, DeliveryPublic: true, CacheBytes: 8 << 20,
		SiteURL: "https://health.example.com", SiteName: "Example Health",
		Editor:    ed,
		Webhooks:  &cms.Webhooks{Store: db},
		Ready:     db.Ping,
		Log:       slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		BodyLimit: 64 << 10,
	}
	for _, c := range configure {
		c(s)
	}
	srv := httptest.NewServer(s.Handler())
	db.OnChange(s.PurgeDelivery)
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, auth: as, srv: srv, ed: ed, api: s, users: map[string]*cms.User{}, tok: map[string]string{}}
	for _, u := range []struct {
		key, creds string
		roles      []workflow.Role
	}{
		{"writer", "", []workflow.Role{workflow.RoleWriter}},
		{"writer2", "", []workflow.Role{workflow.RoleWriter}},
		{"reviewer", "MD, Rheumatology", []workflow.Role{workflow.RoleReviewer}},
		{"reviewer2", "PharmD", []workflow.Role{workflow.RoleReviewer}},
		{"editor", "", []workflow.Role{workflow.RoleEditor}},
		{"admin", "", []workflow.Role{workflow.RoleAdmin}},
	} {
		e.addUser(u.key, u.creds, u.roles...)
	}
	return e
}

// addUser creates a user and logs them in.
func (e *env) addUser(key, creds string, roles ...workflow.Role) *cms.User {
	e.t.Helper()
	if u, _, err := e.db.UserByEmail(context.Background(), key+"@example.com"); err == nil {
		e.users[key] = u // made by another env on the same database
		res := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": testPassword})
		e.tok[key] = res.want(200).json()["access_token"].(string)
		return u
	}
	u, err := e.auth.CreateUser(context.Background(), cms.CommandLine(), cms.NewUser{Email: key + "@example.com", Name: strings.ToUpper(key[:1]) + key[1:],
		Password: testPassword, Roles: roles, Credentials: creds})
	if err != nil {
		e.t.Fatalf("create %s: %v", key, err)
	}
	e.users[key] = u
	res := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": testPassword})
	res.want(200)
	e.tok[key] = res.json()["access_token"].(string)
	return u
}

// noRedirects lets tests see a 301 rather than where it leads.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// testLog shows the server's error log lines in the test's output.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is an answer with its body read.
type response struct {
	t      *testing.T
	req    string
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("%s: status %d, want %d: %s", r.req, r.Status, status, r.Body)
	}
	return r
}

func (r *response) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("%s: body is not a JSON object: %v: %s", r.req, err, r.Body)
	}
	return m
}

// decode reads the body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: %v: %s", r.req, err, r.Body)
	}
}

// problem checks that the answer is a problem+json of the status and returns it.
func (r *response) problem(status int) map[string]any {
	r.t.Helper()
	r.want(status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("%s: Content-Type %q, want application/problem+json", r.req, ct)
	}
	p := r.json()
	if p["status"] != float64(status) || p["type"] == "" || p["title"] == "" {
		r.t.Fatalf("%s: not a problem document: %s", r.req, r.Body)
	}
	return p
}

// do sends a request as the user whose token key names ("" for none); body
// is marshalled unless it is a string or []byte, which are sent as is.
func (e *env) do(method, path, who string, body any, headers ...string) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		tok, ok := e.tok[who]
		if !ok {
			tok = who // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.Header.Get("X-Request-Id") == "" {
		e.t.Fatalf("%s %s: no X-Request-Id", method, path)
	}
	checkContract(e.t, req, res.StatusCode, res.Header, b)
	return &response{t: e.t, req: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: b}
}
