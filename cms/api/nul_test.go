package api_test

import (
	"testing"
)

// TestNulAndInvalidUTF8 sends what PostgreSQL cannot store or compare (a
// NUL byte, invalid UTF-8) through every kind of input: none may reach the
// database as a 500.
func TestNulAndInvalidUTF8(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Clean"))
		id := a["id"].(string)
		for _, path := range []string{
			"/api/v1/delivery/articles/a%00b", "/api/v1/delivery/articles/a%ffb", "/api/v1/delivery/topics/%00",
			"/api/v1/delivery/articles?topic=%00", "/api/v1/delivery/search?q=a%00b", "/api/v1/delivery/search?q=%ff",
			"/api/v1/editor/articles/%00", "/api/v1/editor/articles/%ff", "/api/v1/editor/topics/%00",
			"/api/v1/editor/users/%00", "/api/v1/editor/articles?author=%00", "/api/v1/editor/articles?q=%00",
			"/api/v1/editor/articles?topic=%ff", "/api/v1/editor/articles/" + id + "/revisions/%00",
		} {
			if res := e.do("GET", path, "admin", nil); res.Status >= 500 {
				t.Errorf("GET %s: %d %s", path, res.Status, res.Body)
			}
		}
		bodies := []struct{ method, path, body string }{
			{"POST", "/api/v1/auth/login", `{"email": "a\u0000@example.com", "password": "x"}`},
			{"POST", "/api/v1/auth/refresh", `{"refresh_token": "\u0000"}`},
			{"POST", "/api/v1/editor/articles", `{"title": "T", "body_html": "<p>a\u0000b</p>"}`},
			{"POST", "/api/v1/editor/articles", `{"title": "T", "references": [{"title": "x", "url": "https://example.org/", "doi": "10.1234/a\u0000b"}]}`},
			{"POST", "/api/v1/editor/topics", `{"slug": "t", "name": "T", "description_html": "<p>\u0000</p>", "aliases": ["a\u0000"]}`},
			{"POST", "/api/v1/editor/users", `{"email": "n\u0000@example.com", "name": "N", "password": "a long password", "roles": ["writer"]}`},
		}
		for _, b := range bodies {
			if res := e.do(b.method, b.path, "admin", []byte(b.body)); res.Status >= 500 {
				t.Errorf("%s %s %s: %d %s", b.method, b.path, b.body, res.Status, res.Body)
			}
		}
	})
}
