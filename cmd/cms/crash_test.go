package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// buildCMS builds the real binary once per test run.
var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

func buildCMS(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cms-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "cms")
		out, err := exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(buildBin)) })
	return buildBin
}

// process is a `cms serve` running as a process of its own.
type process struct {
	cmd  *exec.Cmd
	url  string
	logs bytes.Buffer
	done chan struct{}
}

func startProcess(t *testing.T, bin string, vars map[string]string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CMS_ADDR=127.0.0.1:0", "CMS_ACCESS_LOG=false")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`serving on (http://[0-9.:]+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	go func() { cmd.Wait(); close(p.done) }()
	select {
	case u, ok := <-urls:
		if !ok {
			<-p.done
			t.Fatalf("cms serve exited before serving: %s", p.logs.String())
		}
		p.url = u
	case <-time.After(90 * time.Second):
		t.Fatalf("cms serve did not start: %s", p.logs.String())
	}
	return p
}

// kill is kill -9: no shutdown, no flush, no deferred function runs.
func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop is SIGTERM, a clean shutdown.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("cms serve did not stop within 15 s of SIGTERM")
	}
}

// user is a client logged in to a process; call is safe from any goroutine.
type user struct {
	base, token string
}

var crashClient = &http.Client{Timeout: 20 * time.Second}

func (u *user) call(method, path string, body any, ifMatch string) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := crashClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return res.StatusCode, m, nil
}

func mustLogin(t *testing.T, base, email, password string) *user {
	t.Helper()
	status, m, err := (&user{base: base}).call("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, "")
	if err != nil || status != 200 {
		t.Fatalf("login %s: %d %v %v", email, status, m, err)
	}
	return &user{base: base, token: m["access_token"].(string)}
}

// acked is what the server acknowledged before it was killed.
type acked struct {
	mu        sync.Mutex
	created   []string                  // article ids
	saves     map[string]map[int]string // article id → revision → title
	published map[string]float64        // article id → live version
	n         int
}

// TestKill9 kills `cms serve` with SIGKILL while writers save, submit,
// approve and publish concurrently, starts it again on the same database,
// and checks that every acknowledged write is there, that nothing is
// half-published (every live article is served by delivery at its live
// version; every article delivery serves is live), and that the audit
// trail verifies.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the cms binary")
	}
	bin := buildCMS(t)
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) { kill9(t, bin, storetest.URL(t, dialect)) })
	}
}

func kill9(t *testing.T, bin, dbURL string) {
	const adminPassword = "a long admin password"
	vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_ADMIN_PASSWORD": adminPassword,
		"CMS_JWT_SECRET": "a crash test secret that is long enough", "CMS_SCHEDULER_INTERVAL": "1h"}
	p := startProcess(t, bin, vars)
	admin := mustLogin(t, p.url, "admin@example.com", adminPassword)
	const password = "a long user password"
	for _, u := range []struct{ email, role, creds string }{
		{"writer@example.com", "writer", ""}, {"reviewer@example.com", "reviewer", "MD"}, {"editor@example.com", "editor", ""},
	} {
		status, m, err := admin.call("POST", "/api/v1/editor/users", map[string]any{"email": u.email, "name": u.role,
			"password": password, "roles": []string{u.role}, "credentials": u.creds}, "")
		if err != nil || status != 201 {
			t.Fatalf("create %s: %d %v %v", u.role, status, m, err)
		}
	}
	writer := mustLogin(t, p.url, "writer@example.com", password)
	reviewer := mustLogin(t, p.url, "reviewer@example.com", password)
	editor := mustLogin(t, p.url, "editor@example.com", password)

	ack := &acked{saves: map[string]map[int]string{}, published: map[string]float64{}}
	var attempts, failures atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// step makes one request; false when the server is gone.
			step := func(who *user, method, path string, body any, ifMatch string) (int, map[string]any, bool) {
				attempts.Add(1)
				status, m, err := who.call(method, path, body, ifMatch)
				if err != nil {
					failures.Add(1)
					return 0, nil, false
				}
				return status, m, true
			}
			for i := 0; ; i++ {
				title := fmt.Sprintf("Worker %d article %d", w, i)
				status, a, ok := step(writer, "POST", "/api/v1/editor/articles", map[string]any{"title": title,
					"summary": "s", "body_html": "<p>First words of " + title + ".</p>"}, "")
				if !ok {
					return
				}
				if status != 201 {
					t.Errorf("create: %d %v", status, a)
					return
				}
				id := a["id"].(string)
				ack.mu.Lock()
				ack.created = append(ack.created, id)
				ack.saves[id] = map[int]string{1: title}
				ack.n++
				ack.mu.Unlock()
				version := a["version"].(float64)
				for s := 2; s <= 3; s++ {
					t2 := fmt.Sprintf("%s, save %d", title, s)
					status, a, ok = step(writer, "PUT", "/api/v1/editor/articles/"+id, map[string]any{"title": t2,
						"summary": "s", "body_html": "<p>Words of " + t2 + ".</p>"}, fmt.Sprintf(`"%v"`, version))
					if !ok {
						return
					}
					if status != 200 {
						t.Errorf("save: %d %v", status, a)
						return
					}
					version = a["version"].(float64)
					ack.mu.Lock()
					ack.saves[id][int(a["draft"].(map[string]any)["revision"].(float64))] = t2
					ack.n++
					ack.mu.Unlock()
				}
				for _, act := range []struct {
					who    *user
					action string
				}{{writer, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
					status, a, ok = step(act.who, "POST", "/api/v1/editor/articles/"+id+"/transitions",
						map[string]any{"action": act.action}, fmt.Sprintf(`"%v"`, version))
					if !ok {
						return
					}
					if status != 200 {
						t.Errorf("%s: %d %v", act.action, status, a)
						return
					}
					version = a["version"].(float64)
					ack.mu.Lock()
					ack.n++
					if act.action == "publish" {
						ack.published[id] = a["live"].(map[string]any)["version"].(float64)
					}
					ack.mu.Unlock()
				}
			}
		}()
	}
	// Kill mid-way: once some articles are published and writes are in flight.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ack.mu.Lock()
		n, pub := ack.n, len(ack.published)
		ack.mu.Unlock()
		if n >= 200 && pub >= 12 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.kill()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	p = startProcess(t, bin, vars)
	editor = mustLogin(t, p.url, "editor@example.com", password)
	reader := &user{base: p.url}
	found := 0
	for id, revs := range ack.saves {
		for rev, title := range revs {
			status, r, err := editor.call("GET", fmt.Sprintf("/api/v1/editor/articles/%s/revisions/%d", id, rev), nil, "")
			if err != nil || status != 200 || r["title"] != title {
				t.Errorf("acknowledged save %q (revision %d of %s) is lost: %d %v %v", title, rev, id, status, r, err)
				continue
			}
			found++
		}
	}
	for id, version := range ack.published {
		status, a, err := editor.call("GET", "/api/v1/editor/articles/"+id, nil, "")
		if err != nil || status != 200 || a["live"] == nil || a["live"].(map[string]any)["version"].(float64) < version {
			t.Errorf("acknowledged publication of %s (version %v) is lost: %d %v %v", id, version, status, a, err)
			continue
		}
		found++
	}
	// Every article: live and delivery agree, whatever the kill interrupted.
	var live int
	cursor := ""
	for {
		path := "/api/v1/editor/articles?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		status, page, err := editor.call("GET", path, nil, "")
		if err != nil || status != 200 {
			t.Fatalf("list: %d %v %v", status, page, err)
		}
		for _, it := range page["items"].([]any) {
			a := it.(map[string]any)
			slug := a["slug"].(string)
			status, doc, err := reader.call("GET", "/api/v1/delivery/articles/"+slug, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			lv, isLive := a["live"].(map[string]any)
			switch {
			case isLive && (status != 200 || doc["version"] != lv["version"]):
				t.Errorf("article %s is live at version %v, delivery answers %d %v", a["id"], lv["version"], status, doc["version"])
			case !isLive && status != 404:
				t.Errorf("article %s is not live, delivery answers %d", a["id"], status)
			case !isLive && a["state"] == "published":
				t.Errorf("article %s is published without a live version", a["id"])
			}
			if isLive {
				live++
			}
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	status, list, err := reader.call("GET", "/api/v1/delivery/articles?limit=100", nil, "")
	if err != nil || status != 200 || len(list["items"].([]any)) != live {
		t.Errorf("delivery lists %v articles, %d are live (%d %v)", list["items"], live, status, err)
	}
	p.stop(t)
	if code, out, errOut := run(t, vars, "audit", "verify"); code != 0 {
		t.Errorf("cms audit verify exited %d: %s %s", code, out, errOut)
	}
	saves := 0
	for _, revs := range ack.saves {
		saves += len(revs)
	}
	t.Logf("%d requests, %d failed when the server was killed; %d writes acknowledged (creates, saves, transitions); "+
		"of them %d saves and %d publications checked, %d found after the restart; %d live articles, all consistent",
		attempts.Load(), failures.Load(), ack.n, saves, len(ack.published), found, live)
}
