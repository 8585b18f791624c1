package api_test

import (
	"strings"
	"testing"

	"healthcms/cms/api"
)

const tool = "https://tools.example.com"

// TestEditorCORS: the editor and auth APIs answer browsers on the
// configured origins, never with credentials, and nobody else.
func TestEditorCORS(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *api.Server) { s.EditorCORSOrigins = []string{tool, "http://localhost:5173"} })
	preflight := func(path, origin string) *response {
		return e.do("OPTIONS", path, "", nil, "Origin", origin, "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "authorization, content-type, if-match")
	}
	for _, path := range []string{"/api/v1/editor/articles/x", "/api/v1/auth/login", "/api/v1/editor/webhooks"} {
		res := preflight(path, tool).want(204)
		h := res.Header
		if h.Get("Access-Control-Allow-Origin") != tool || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
			h.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type, If-Match" || h.Get("Access-Control-Allow-Credentials") != "" ||
			!strings.Contains(h.Get("Vary"), "Origin") {
			t.Fatalf("%s preflight: %v", path, h)
		}
		other := preflight(path, "https://evil.example.net").want(204)
		for k := range other.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Fatalf("%s preflight from another origin: %s: %v", path, k, other.Header)
			}
		}
	}
	res := e.do("GET", "/api/v1/editor/articles", "writer", nil, "Origin", tool).want(200)
	if h := res.Header; h.Get("Access-Control-Allow-Origin") != tool || h.Get("Access-Control-Expose-Headers") != "ETag, Location, Retry-After, X-Request-Id" ||
		h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("GET: %v", h)
	}
	res = e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "writer@example.com", "password": "wrong password!"}, "Origin", tool).want(401)
	if res.Header.Get("Access-Control-Allow-Origin") != tool {
		t.Fatalf("login: %v", res.Header)
	}
	if h := e.do("GET", "/api/v1/editor/articles", "writer", nil, "Origin", "https://evil.example.net").want(200).Header; h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin: %v", h)
	}

	// Not configured: no CORS at all.
	plain := newEnv(t, "sqlite")
	res = plain.do("OPTIONS", "/api/v1/editor/articles", "", nil, "Origin", tool, "Access-Control-Request-Method", "GET")
	if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Status == 204 {
		t.Fatalf("unconfigured preflight: %d %v", res.Status, res.Header)
	}
}
