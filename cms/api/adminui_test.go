package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	adminui "healthcms/admin-ui"
	"healthcms/cms/api"
)

const fakeIndex = `<!doctype html><html><head><script type="module" src="/admin/assets/index.js"></script></head><body><div id="app"></div></body></html>`

var fakeScript = "console.log('admin');\n" + strings.Repeat("export const x = 'padding so that gzip pays';\n", 40)

// adminHandler is a server with only the admin UI of dist.
func adminHandler(t *testing.T, dist fstest.MapFS) http.Handler {
	t.Helper()
	s := &api.Server{Log: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))}
	if dist != nil {
		s.AdminUI = dist
	}
	return s.Handler()
}

func fakeDist() fstest.MapFS {
	return fstest.MapFS{
		"dist/index.html":      {Data: []byte(fakeIndex)},
		"dist/assets/index.js": {Data: []byte(fakeScript)},
		"dist/assets/app.css":  {Data: []byte("body{margin:0}")},
	}
}

func serveAdmin(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestAdminUIDeepLinks: every /admin/ path that is not a file answers
// index.html, so the app's routes work on reload.
func TestAdminUIDeepLinks(t *testing.T) {
	h := adminHandler(t, fakeDist())
	for _, p := range []string{"/admin/", "/admin/login", "/admin/articles", "/admin/articles/new",
		"/admin/articles/01HXYZ", "/admin/articles/v1.2", "/admin/reviews", "/admin/users?x=1", "/admin/index.html"} {
		rec := serveAdmin(h, "GET", p)
		if rec.Code != 200 || rec.Body.String() != fakeIndex {
			t.Fatalf("GET %s: %d %q", p, rec.Code, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, cc)
		}
	}
	// HEAD answers the headers without the body.
	rec := serveAdmin(h, "HEAD", "/admin/articles")
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" {
		t.Fatalf("HEAD: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
}

// TestAdminUIAssets: real files with a strong ETag, 304 on a match, gzip
// when accepted, and a problem (never index.html) for a missing asset.
func TestAdminUIAssets(t *testing.T) {
	h := adminHandler(t, fakeDist())
	rec := serveAdmin(h, "GET", "/admin/assets/index.js")
	if rec.Code != 200 || rec.Body.String() != fakeScript {
		t.Fatalf("asset: %d %q", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := rec.Header().Get("ETag")
	if !regexp.MustCompile(`^"[A-Za-z0-9_-]{16,}"$`).MatchString(etag) {
		t.Fatalf("ETag %q is not a strong tag", etag)
	}
	if css := serveAdmin(h, "GET", "/admin/assets/app.css"); !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") ||
		css.Header().Get("ETag") == etag {
		t.Errorf("css: %v", css.Header())
	}

	for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		nm := serveAdmin(h, "GET", "/admin/assets/index.js", "If-None-Match", inm)
		if nm.Code != 304 || nm.Body.Len() != 0 || nm.Header().Get("ETag") != etag {
			t.Fatalf("If-None-Match %s: %d %q", inm, nm.Code, nm.Body.String())
		}
	}
	if stale := serveAdmin(h, "GET", "/admin/assets/index.js", "If-None-Match", `"stale"`); stale.Code != 200 {
		t.Fatalf("stale ETag: %d", stale.Code)
	}

	gz := serveAdmin(h, "GET", "/admin/assets/index.js", "Accept-Encoding", "br, gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept-Encoding" ||
		gz.Header().Get("ETag") != etag {
		t.Fatalf("gzip: %v", gz.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != fakeScript || gz.Body.Len() >= len(fakeScript) {
		t.Fatalf("gzip body: %d bytes, unpacks to %q", gz.Body.Len(), plain)
	}
	if nz := serveAdmin(h, "GET", "/admin/assets/index.js", "Accept-Encoding", "gzip;q=0"); nz.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip;q=0 got gzip")
	}

	for _, p := range []string{"/admin/assets/missing.js", "/admin/assets/", "/admin/assets/../index.html"} {
		miss := serveAdmin(h, "GET", p)
		if miss.Code != 404 || miss.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("GET %s: %d %s %q", p, miss.Code, miss.Header().Get("Content-Type"), miss.Body.String())
		}
	}
}

// TestAdminUICSP: the admin UI's policy allows no inline script or eval
// and no framing, on pages and files alike.
func TestAdminUICSP(t *testing.T) {
	h := adminHandler(t, fakeDist())
	for _, p := range []string{"/admin/", "/admin/articles/x", "/admin/assets/index.js"} {
		csp := serveAdmin(h, "GET", p).Header().Values("Content-Security-Policy")
		if len(csp) != 1 {
			t.Fatalf("%s: Content-Security-Policy %q", p, csp)
		}
		directives := map[string]string{}
		for _, d := range strings.Split(csp[0], ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		if directives["script-src"] != "'self'" || directives["default-src"] != "'self'" ||
			directives["frame-ancestors"] != "'none'" || directives["object-src"] != "'none'" {
			t.Fatalf("%s: weak policy %q", p, csp[0])
		}
		if strings.Contains(directives["script-src"], "unsafe") {
			t.Fatalf("%s: script-src %q", p, directives["script-src"])
		}
	}
}

// TestAdminUIRedirects: / and /admin lead to the UI.
func TestAdminUIRedirects(t *testing.T) {
	h := adminHandler(t, fakeDist())
	for _, p := range []string{"/", "/admin"} {
		for _, m := range []string{"GET", "HEAD"} {
			rec := serveAdmin(h, m, p)
			if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/admin/" {
				t.Fatalf("%s %s: %d %q", m, p, rec.Code, rec.Header().Get("Location"))
			}
		}
	}
}

// TestAdminUIMissing: a server without the UI answers problems, not a
// blank page or a panic.
func TestAdminUIMissing(t *testing.T) {
	h := adminHandler(t, nil)
	for _, p := range []string{"/admin/", "/admin/articles", "/admin/assets/index.js"} {
		if rec := serveAdmin(h, "GET", p); rec.Code != 404 {
			t.Fatalf("GET %s without a UI: %d", p, rec.Code)
		}
	}
}

// TestAdminUIEmbedded: the binary's own build is served, and every script
// and stylesheet index.html names is there.
func TestAdminUIEmbedded(t *testing.T) {
	s := &api.Server{Log: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})), AdminUI: adminui.Dist}
	h := s.Handler()
	index := serveAdmin(h, "GET", "/admin/articles")
	if index.Code != 200 || !strings.Contains(index.Body.String(), `<div id="app">`) {
		t.Fatalf("index: %d %q", index.Code, index.Body.String())
	}
	refs := regexp.MustCompile(`(?:src|href)="(/admin/assets/[^"]+)"`).FindAllStringSubmatch(index.Body.String(), -1)
	if len(refs) == 0 {
		t.Fatal("index.html names no asset")
	}
	for _, m := range refs {
		if rec := serveAdmin(h, "GET", m[1]); rec.Code != 200 || rec.Body.Len() == 0 {
			t.Fatalf("%s: %d", m[1], rec.Code)
		}
	}
}
