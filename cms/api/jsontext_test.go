package api

import "testing"

func TestInvalidText(t *testing.T) {
	for _, tt := range []struct {
		in    string
		field string
		found bool
	}{
		{`{"title": "Baricitinib", "topics": ["a", "b"], "n": 1, "ok": true}`, "", false},
		{`{"title": "caf\u00e9 \ud83d\udc8a \\ud800 \"q\""}`, "", false},
		{"{\"title\": \"caf\xc3\xa9 \xf0\x9f\x92\x8a\"}", "", false},
		{"{\"title\": \"\xff\"}", "title", true},
		{"\"\xff\"", "", true},
		{"[\"ok\", \"\xc3\"]", "[1]", true},
		{"{\"a\": {\"b\": [1, {\"c\": \"x\"}, {\"d\": \"\xed\xa0\x80\"}]}}", "a.b[2].d", true},
		{"{\"references\": [{\"title\": \"t\", \"url\": \"u\"}, {\"title\": \"t\", \"url\": \"\xe9\"}]}", "references[1].url", true},
		{"{\"a\": \"x\", \"b\\u00e9\": \"y\", \"c\": [\"\xfe\"]}", "c[0]", true},
		{"{\"a\": {\"n\xff\": 1}}", "a", true},
		{`{"s": "\ud800"}`, "s", true},
		{`{"s": "\udc00\ud800"}`, "s", true},
		{`{"s": "\ud800\u0041"}`, "s", true},
		{`{"s": "\uD83D\uDC8A"}`, "", false},
		{`{"s": "x\ud83d"}`, "s", true},
		{"{\"s\": 1\xff}", "s", true},
	} {
		field, found := invalidText([]byte(tt.in))
		if field != tt.field || found != tt.found {
			t.Errorf("invalidText(%q) = %q, %v; want %q, %v", tt.in, field, found, tt.field, tt.found)
		}
	}
}
