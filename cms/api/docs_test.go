package api_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestAPIDocs: /api/docs renders the served document with embedded
// scripts under a policy that allows no inline or foreign script.
func TestAPIDocs(t *testing.T) {
	e := newEnv(t, "sqlite")
	page := e.do("GET", "/api/docs", "", nil).want(200)
	if ct := page.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("Content-Security-Policy %q allows more script than this server's", csp)
	}
	body := string(page.Body)
	if !strings.Contains(body, `data-spec-url="openapi.json"`) { // /api/docs → /api/openapi.json
		t.Errorf("the page does not name the document: %s", body)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "http") {
		t.Errorf("the page has an inline script or a foreign URL: %s", body)
	}
	for _, src := range []string{"docs/redoc.standalone.js", "docs/init.js"} {
		if !strings.Contains(body, `<script src="`+src+`">`) {
			t.Errorf("the page does not load %s", src)
		}
		res := e.do("GET", "/api/"+src, "", nil).want(200)
		if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" || len(res.Body) == 0 {
			t.Errorf("%s: %q, %d bytes", src, ct, len(res.Body))
		}
		e.do("GET", "/api/"+src, "", nil, "If-None-Match", res.Header.Get("ETag")).want(304)
	}
	if b := e.do("GET", "/api/docs/redoc.standalone.js", "", nil).Body; !strings.Contains(string(b), "Redoc") {
		t.Error("the bundle is not Redoc")
	}
	if !strings.Contains(string(e.do("GET", "/api/docs/init.js", "", nil).Body), "Redoc.init") {
		t.Error("init.js does not start Redoc")
	}
	e.do("GET", "/api/docs/index.html", "", nil).problem(404)
	e.do("GET", "/api/docs/..%2Fopenapi.go", "", nil).problem(404)
}

// TestAPIDocsHead: HEAD answers wherever GET does on the docs page, its
// scripts and the OpenAPI document: GET's status and headers, no body.
func TestAPIDocsHead(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, path := range []string{"/api/docs", "/api/docs/init.js", "/api/docs/redoc.standalone.js", "/api/openapi.json"} {
		get := e.do("GET", path, "", nil).want(200)
		head := e.do("HEAD", path, "", nil).want(200)
		if len(head.Body) != 0 {
			t.Errorf("HEAD %s: %d bytes of body", path, len(head.Body))
		}
		for _, h := range []string{"Content-Type", "ETag", "Cache-Control", "Content-Security-Policy"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s: %s %q, GET says %q", path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if cl := head.Header.Get("Content-Length"); cl != strconv.Itoa(len(get.Body)) {
			t.Errorf("HEAD %s: Content-Length %q, GET's body is %d bytes", path, cl, len(get.Body))
		}
		e.do("HEAD", path, "", nil, "If-None-Match", get.Header.Get("ETag")).want(304)
	}
	e.do("HEAD", "/api/docs/index.html", "", nil).want(404)
}
