package api_test

import (
	"fmt"
	"testing"
)

// TestInvalidUTF8IsRefused: a JSON string with bytes that are not UTF-8
// (or an unpaired surrogate escape) is refused with 400 naming the field,
// on every route that decodes a body; Go's decoder would otherwise store
// U+FFFD in place of the writer's words without a word.
func TestInvalidUTF8IsRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "existing", "name": "Existing"}).want(201)
		a := e.create("writer", draft("Clean"))
		id := a["id"].(string)
		cases := []struct {
			method, path, who, body, field string
		}{
			{"POST", articles, "writer", "{\"title\": \"Baricitinib \xff\xfe\", \"body_html\": \"<p>x</p>\"}", "title"},
			{"POST", articles, "writer", "{\"title\": \"T\", \"body_html\": \"<p>dose: 2\xc3 mg</p>\"}", "body_html"},
			{"POST", articles, "writer", "{\"title\": \"T\", \"references\": [{\"title\": \"ok\", \"url\": \"https://example.org/\"}, {\"title\": \"Trial\", \"url\": \"https://example.org/\xe9tude\"}]}", "references[1].url"},
			{"POST", articles, "writer", `{"title": "T", "summary": "half a pair \ud83d here"}`, "summary"},
			{"POST", articles, "writer", `{"title": "T", "summary": "a low half \udc00 alone"}`, "summary"},
			{"PUT", articles + "/" + id, "writer", "{\"title\": \"Clean\", \"body_html\": \"<p>\x80</p>\"}", "body_html"},
			{"POST", articles + "/" + id + "/transitions", "writer", "{\"action\": \"submit\", \"comment\": \"\xc0\xaf\"}", "comment"},
			{"POST", "/api/v1/editor/topics", "editor", "{\"slug\": \"t\", \"name\": \"T\", \"aliases\": [\"ok\", \"JAK\xffi\"]}", "aliases[1]"},
			{"PUT", "/api/v1/editor/topics/existing", "editor", "{\"name\": \"Exist\xedng\"}", "name"},
			{"POST", "/api/v1/editor/users", "admin", "{\"email\": \"n@example.com\", \"name\": \"N\xff\", \"password\": \"a long password\", \"roles\": [\"writer\"]}", "name"},
			{"PATCH", "/api/v1/editor/users/" + e.users["writer"].ID, "admin", "{\"credentials\": \"MD \xff\"}", "credentials"},
			{"POST", "/api/v1/editor/api-keys", "admin", "{\"name\": \"site \xff\", \"scope\": \"delivery\"}", "name"},
			{"POST", "/api/v1/auth/login", "", "{\"email\": \"writer@example.com\", \"password\": \"pass\xff\"}", "password"},
		}
		for _, c := range cases {
			res := e.do(c.method, c.path, c.who, []byte(c.body), "If-Match", etag(a))
			p := res.problem(400)
			errs, _ := p["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s %s %q: errors %v, want field %s", c.method, c.path, c.body, p["errors"], c.field)
			}
		}
		// Nothing was stored.
		list := e.do("GET", articles, "writer", nil).want(200).json()["items"].([]any)
		if len(list) != 1 || fmt.Sprint(e.do("GET", articles+"/"+id, "writer", nil).json()["version"]) != "1" {
			t.Fatalf("a refused body changed articles: %d, %v", len(list), list)
		}
		// Valid escapes of non-BMP characters (a surrogate pair) still work.
		res := e.do("POST", articles, "writer", []byte(`{"title": "Escaped \ud83d\udc8a pill"}`)).want(201).json()
		if field(res, "draft", "title") != "Escaped \U0001F48A pill" {
			t.Fatalf("surrogate pair: %v", field(res, "draft", "title"))
		}
	})
}
