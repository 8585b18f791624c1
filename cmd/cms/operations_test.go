package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

func TestWebhookAndOperationsConfigExits2(t *testing.T) {
	for _, c := range []struct{ env, value string }{
		{"CMS_WEBHOOK_BACKOFF", "soon"},
		{"CMS_WEBHOOK_MAX_ATTEMPTS", "0"},
		{"CMS_WEBHOOK_MAX_ATTEMPTS", "1000"},
		{"CMS_WEBHOOK_TIMEOUT", "1h"},
		{"CMS_WEBHOOK_ALLOW_PRIVATE", "maybe"},
		{"CMS_EDITOR_CORS_ORIGINS", "*"},
		{"CMS_EDITOR_CORS_ORIGINS", "https://tools.example.com/path"},
		{"CMS_METRICS_ADDR", "nonsense"},
	} {
		code, _, stderr := run(t, map[string]string{c.env: c.value}, "serve")
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.env) {
			t.Errorf("%s=%s: exit %d, stderr %q; want 2 and one line naming it", c.env, c.value, code, stderr)
		}
	}
}

// TestServeOperations: the real binary sends webhooks, serves metrics on
// their own listener only, and answers its own healthcheck.
func TestServeOperations(t *testing.T) {
	var mu sync.Mutex
	var events []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		events = append(events, r.Header.Get("X-CMS-Event"))
		mu.Unlock()
	}))
	defer receiver.Close()
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "CMS_ADMIN_PASSWORD": "a long admin password",
		"CMS_METRICS_ADDR": "127.0.0.1:0", "CMS_WEBHOOK_ALLOW_PRIVATE": "true"})
	m := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(s.out.String())
	if m == nil {
		t.Fatalf("no metrics address printed: %s", s.out.String())
	}
	if res, err := http.Get(s.url + "/metrics"); err != nil || res.StatusCode != 404 {
		t.Fatalf("/metrics on the main listener: %v %v", res, err)
	}

	res := postJSON(t, s.url+"/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "a long admin password"})
	var login struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&login)
	res.Body.Close()
	call := func(path string, body string) int {
		req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+login.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := call("/api/v1/editor/webhooks", `{"url":"`+receiver.URL+`","events":["topic.changed"]}`); code != 201 {
		t.Fatalf("create webhook: %d", code)
	}
	if code := call("/api/v1/editor/topics", `{"slug":"jak","name":"JAK inhibitors"}`); code != 201 {
		t.Fatalf("create topic: %d", code)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook not delivered: %v", events)
		}
	}

	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(m[1])
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("metrics listener: %v %v", res, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if body = string(b); strings.Contains(body, `cms_webhook_deliveries_total{result="delivered"} 1`) {
			break
		}
	}
	for _, want := range []string{`cms_webhook_deliveries_total{result="delivered"} 1`, "cms_webhook_queue_age_seconds 0",
		"cms_webhook_attempt_failures_total 0", `cms_http_requests_total{code="201"`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	if code, out, stderr := run(t, nil, "healthcheck", "--url", s.url+"/healthz"); code != 0 || !strings.Contains(out, "healthy") {
		t.Fatalf("healthcheck: %d %q %q", code, out, stderr)
	}
	s.shutdown(t)
	if code, _, stderr := run(t, nil, "healthcheck", "--url", s.url+"/healthz"); code != 1 || !strings.Contains(stderr, "unhealthy") {
		t.Fatalf("healthcheck of a stopped server: %d %q", code, stderr)
	}
}

// TestSeedIntoRunningSQLiteServer: `cms seed` writing to the SQLite file
// of a running server shows on the server's next answers, though its
// delivery cache held the list before.
func TestSeedIntoRunningSQLiteServer(t *testing.T) {
	vars := map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "CMS_ADMIN_PASSWORD": "a long admin password"}
	s := startServer(t, vars)
	if code, _, stderr := run(t, vars, "seed", "--articles", "3", "--topics", "2"); code != 0 {
		t.Fatalf("first seed: %d %s", code, stderr)
	}
	count := func() int {
		res, err := http.Get(s.url + "/api/v1/delivery/articles?limit=100")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var page struct{ Items []any }
		json.NewDecoder(res.Body).Decode(&page)
		return len(page.Items)
	}
	var before int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if before = count(); before == 3 {
			break
		}
	}
	if count() != 3 { // the second answer comes from the cache
		t.Fatalf("%d live articles after the first seed, want 3", before)
	}
	if code, _, stderr := run(t, vars, "seed", "--articles", "5", "--topics", "2"); code != 0 {
		t.Fatalf("second seed: %d %s", code, stderr)
	}
	start := time.Now()
	for n := count(); n != 8; n = count() {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the server still lists %d articles after 5 more were seeded", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the server listed the 5 seeded articles %v after the seed ended", time.Since(start).Round(time.Millisecond))
}
