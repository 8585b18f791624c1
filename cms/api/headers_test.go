package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"healthcms/cms/api"
)

// Every answer, success or problem, carries the security headers.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t, "sqlite")
	a := e.publish("Framed nowhere")
	for _, res := range []*response{
		e.delivered(a["slug"].(string)).want(200),
		e.do("GET", "/api/v1/delivery/articles/no-such-article", "", nil).want(404),
		e.do("GET", "/api/v1/editor/articles", "editor", nil).want(200),
		e.do("GET", "/api/v1/editor/articles", "", nil).want(401),
		e.do("BREW", "/api/v1/editor/articles", "editor", nil),
		e.do("GET", "/healthz", "", nil).want(200),
		e.do("GET", "/metrics", "", nil).want(200),
	} {
		for h, want := range map[string]string{
			"Content-Security-Policy": "frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", res.req, h, got, want)
			}
		}
	}
}

// rawExchange sends raw bytes to a server and returns its answer.
func rawExchange(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go io.WriteString(c, raw) // the server may answer before reading it all
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return res
}

// net/http answers an oversized header (431) and a malformed request
// (400) before any handler runs; behind api.ProblemListener those answers
// are problem+json too, with the security headers.
func TestNetHTTPErrorsAreProblems(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := httptest.NewUnstartedServer(e.api.Handler())
	srv.Listener = api.ProblemListener(srv.Listener)
	srv.Config.MaxHeaderBytes = 4 << 10
	srv.Start()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()

	for _, c := range []struct {
		name, raw string
		status    int
	}{
		{"huge header", "GET /api/v1/delivery/topics HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", 431},
		{"no host", "GET /api/v1/delivery/topics HTTP/1.1\r\n\r\n", 400},
		{"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400},
		{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n", 501},
		{"unknown HTTP version", "GET / HTTP/2.5\r\nHost: x\r\n\r\n", 505},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := rawExchange(t, addr, c.raw)
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, body)
			}
			var p api.Problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != c.status || p.Title == "" || p.Type == "" {
				t.Fatalf("not a problem document (%v): %s", err, body)
			}
			if res.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("security headers missing: %v", res.Header)
			}
		})
	}
	// Ordinary answers on the same listener pass untouched, including a
	// handler's own 4xx.
	for _, path := range []string{"/api/v1/delivery/topics", "/api/v1/delivery/articles/none"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 || res.Header.Get("Date") == "" || !json.Valid(body) {
			t.Fatalf("%s: %d %v %s", path, res.StatusCode, res.Header, body)
		}
	}
}
