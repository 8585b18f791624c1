package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

func envFunc(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// run runs Main to completion.
func run(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb storetest.SyncBuffer
	code := Main(t.Context(), args, envFunc(vars), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// server is a running `cms serve`.
type server struct {
	url    string
	out    *storetest.SyncBuffer
	stop   context.CancelFunc
	exited chan int
	once   sync.Once
}

func startServer(t *testing.T, vars map[string]string, args ...string) *server {
	t.Helper()
	vars["CMS_ADDR"] = "127.0.0.1:0"
	vars["CMS_ACCESS_LOG"] = "false"
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{out: &storetest.SyncBuffer{}, stop: cancel, exited: make(chan int, 1)}
	var errb storetest.SyncBuffer
	go func() {
		s.exited <- Main(ctx, append([]string{"serve"}, args...), envFunc(vars), strings.NewReader(""), s.out, &errb)
	}()
	re := regexp.MustCompile(`serving on (http://[0-9.:]+)`)
	// Generous: a busy CI machine migrates and seeds slowly; this waits, it
	// does not time anything.
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.out.String()); m != nil {
			s.url = m[1]
			t.Cleanup(func() { s.shutdown(t) })
			return s
		}
		select {
		case code := <-s.exited:
			t.Fatalf("serve exited %d: %s %s", code, s.out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start: %s %s", s.out.String(), errb.String())
	return nil
}

// shutdown is SIGTERM: Main must return 0 within API.md's 10 s.
func (s *server) shutdown(t *testing.T) {
	s.once.Do(func() {
		s.stop()
		select {
		case code := <-s.exited:
			if code != 0 {
				t.Errorf("serve exited %d after shutdown", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not exit within 10 s of shutdown")
		}
	})
}

func postJSON(t *testing.T, url string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestServeEndToEnd(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			s := startServer(t, map[string]string{"CMS_DATABASE_URL": dbURL})
			m := regexp.MustCompile(`created admin (\S+) with password (\S+)`).FindStringSubmatch(s.out.String())
			if m == nil {
				t.Fatalf("no generated admin password printed: %s", s.out.String())
			}
			for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/openapi.json"} {
				res, err := http.Get(s.url + p)
				if err != nil || res.StatusCode != 200 || res.Header.Get("X-Request-Id") == "" {
					t.Fatalf("%s: %v %v", p, res, err)
				}
				res.Body.Close()
			}
			res := postJSON(t, s.url+"/api/v1/auth/login", map[string]string{"email": m[1], "password": m[2]})
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("login with printed password: %d", res.StatusCode)
			}
			s.shutdown(t)

			// A second start on the same database creates no admin and
			// prints no password.
			s2 := startServer(t, map[string]string{"CMS_DATABASE_URL": dbURL})
			if strings.Contains(s2.out.String(), "password") {
				t.Fatalf("second start printed a password: %s", s2.out.String())
			}
		})
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "CMS_ADMIN_PASSWORD": "a long admin password"})
	// The request body is streamed in two parts, so the handler is
	// provably in the middle of the request when shutdown starts.
	pr, pw := io.Pipe()
	status := make(chan int, 1)
	go func() {
		res, err := http.Post(s.url+"/api/v1/auth/login", "application/json", pr)
		if err != nil {
			status <- -1
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	pw.Write([]byte(`{"email": "admin@example.com", `))
	time.Sleep(200 * time.Millisecond)
	done := make(chan struct{})
	go func() { s.shutdown(t); close(done) }()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("server exited with a request in flight")
	default:
	}
	pw.Write([]byte(`"password": "a long admin password"}`))
	pw.Close()
	if code := <-status; code != 200 {
		t.Fatalf("in-flight request got %d", code)
	}
	<-done
}

func TestBadConfigurationExits2(t *testing.T) {
	cases := []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"CMS_DELIVERY_PUBLIC": "maybe"}, nil, "CMS_DELIVERY_PUBLIC"},
		{map[string]string{"CMS_JWT_SECRET": "too-short"}, nil, "CMS_JWT_SECRET"},
		{map[string]string{"CMS_DATABASE_URL": "mysql://x"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_REVIEW_INTERVAL": "-5h"}, nil, "CMS_REVIEW_INTERVAL"},
		{map[string]string{"CMS_REQUIRED_APPROVALS": "0"}, nil, "CMS_REQUIRED_APPROVALS"},
		{map[string]string{"CMS_REQUIRED_APPROVALS": "two"}, nil, "CMS_REQUIRED_APPROVALS"},
		{map[string]string{"CMS_ADDR": "nonsense"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_LOG_FORMAT": "xml"}, nil, "CMS_LOG_FORMAT"},
		{nil, []string{"serve", "--no-such-flag"}, "no-such-flag"},
		{nil, []string{"serve", "--addr", "nonsense"}, "addr"},
		{nil, []string{"frobnicate"}, "unknown command"},
		{nil, []string{"migrate", "sideways"}, "usage"},
		{nil, []string{"user", "create", "--email", "x@example.com"}, "--name"},
		{nil, []string{"user", "create", "--email", "x@example.com", "--name", "X", "--role", "overlord"}, "roles"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.vars, c.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 and one line naming %s", c.vars, c.args, code, stderr, c.want)
		}
	}
}

func TestUserCreateAndMigrate(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_AUTO_MIGRATE": "false"}
	if code, _, stderr := run(t, vars, "serve"); code != 1 || !strings.Contains(stderr, "migrations are pending") {
		t.Fatalf("serve with pending migrations: %d %q", code, stderr)
	}
	code, out, _ := run(t, vars, "migrate", "status")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %d %q", code, out)
	}
	if code, out, _ := run(t, vars, "migrate", "up"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate up: %d %q", code, out)
	}
	vars["CMS_USER_PASSWORD"] = "a reviewer's password"
	code, out, stderr := run(t, vars, "user", "create", "--email", "Rita@Example.com", "--name", "Rita Reviewer", "--role", "reviewer,writer", "--credentials", "MD, Rheumatology")
	if code != 0 || !strings.Contains(out, "rita@example.com") || strings.Contains(out, "password") {
		t.Fatalf("user create: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := run(t, vars, "user", "create", "--email", "rita@example.com", "--name", "Again", "--role", "writer"); code != 1 || !strings.Contains(stderr, "taken") {
		t.Fatalf("duplicate user: %d %q", code, stderr)
	}
	delete(vars, "CMS_USER_PASSWORD")
	code, out, _ = run(t, vars, "user", "create", "--email", "w@example.com", "--name", "W", "--role", "writer")
	if code != 0 || !regexp.MustCompile(`password: \S{12,} \(shown once\)`).MatchString(out) {
		t.Fatalf("generated password: %d %q", code, out)
	}
	if code, out, _ := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "cms ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// A delivery miss the hit loop is answering when shutdown starts (held
// in its database read by a lock on the live table) is answered before
// serve returns: http.Server.Shutdown does not wait for the loop's
// connections, serve does.
func TestShutdownFinishesDeliveryMiss(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL, whose table lock can hold a read")
	}
	dbURL := storetest.URL(t, "postgres")
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_ADMIN_PASSWORD": "a long admin password"})
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`LOCK TABLE live_articles IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	status := make(chan int, 1)
	go func() {
		res, err := http.Get(s.url + "/api/v1/delivery/articles/no-such-article")
		if err != nil {
			status <- -1
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case code := <-status:
		t.Fatalf("the miss was answered (%d) while its read was locked out", code)
	default:
	}
	done := make(chan struct{})
	go func() { s.shutdown(t); close(done) }()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("server exited with a delivery miss in flight")
	default:
	}
	tx.Rollback()
	if code := <-status; code != http.StatusNotFound {
		t.Fatalf("in-flight miss got %d, want 404", code)
	}
	<-done
}
