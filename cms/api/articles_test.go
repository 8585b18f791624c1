package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

const articles = "/api/v1/editor/articles"

// draft is a valid draft body; fields may be overridden.
func draft(title string, kv ...any) map[string]any {
	d := map[string]any{"title": title, "summary": "A short summary.", "body_html": "<p>Body of " + title + ".</p>",
		"topics": []string{}, "references": []any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i].(string)] = kv[i+1]
	}
	return d
}

// create makes an article as who and returns its answer.
func (e *env) create(who string, body map[string]any) map[string]any {
	e.t.Helper()
	return e.do("POST", articles, who, body).want(201).json()
}

func etag(a map[string]any) string { return fmt.Sprintf(`"%v"`, a["version"]) }

func (e *env) save(who string, a map[string]any, body map[string]any) *response {
	e.t.Helper()
	return e.do("PUT", articles+"/"+a["id"].(string), who, body, "If-Match", etag(a))
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func TestArticleCreateReadSave(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "jak-inhibitors", "name": "JAK inhibitors"}).want(201)
		res := e.do("POST", articles, "writer", draft("Baricitinib: how it works", "topics", []string{"jak-inhibitors"},
			"references", []map[string]string{{"title": "Trial", "url": "https://pubmed.ncbi.nlm.nih.gov/1/", "pmid": "1", "doi": "10.1056/NEJMoa1506348"}}))
		res.want(201)
		a := res.json()
		if res.Header.Get("ETag") != `"1"` || res.Header.Get("Location") != articles+"/"+a["id"].(string) {
			t.Fatalf("headers: %v", res.Header)
		}
		if a["slug"] != "baricitinib-how-it-works" || a["state"] != "draft" || a["version"] != float64(1) ||
			field(a, "author", "id") != e.users["writer"].ID || field(a, "draft", "revision") != float64(1) ||
			!strings.HasPrefix(field(a, "draft", "content_hash").(string), "sha256:") || a["approval"] != nil || a["live"] != nil {
			t.Fatalf("created: %s", res.Body)
		}
		if field(a, "sanitizer", "changed") != false {
			t.Fatalf("sanitizer report: %v", a["sanitizer"])
		}
		got := e.do("GET", articles+"/"+a["id"].(string), "reviewer", nil).want(200)
		if got.Header.Get("ETag") != `"1"` || got.json()["sanitizer"] != nil {
			t.Fatalf("read: %v %s", got.Header, got.Body)
		}

		// Writes need the version they were based on.
		e.do("PUT", articles+"/"+a["id"].(string), "writer", draft("New title"), "If-Match", "").problem(428)
		e.do("PUT", articles+"/"+a["id"].(string), "writer", draft("New title"), "If-Match", `"7"`).problem(412)
		e.do("PUT", articles+"/"+a["id"].(string), "writer", draft("New title"), "If-Match", `*`).problem(412)
		saved := e.save("writer", a, draft("New title", "body_html", `<p onclick="x()">Hi</p><script>alert(1)</script>`)).want(200)
		b := saved.json()
		if saved.Header.Get("ETag") != `"2"` || field(b, "draft", "revision") != float64(2) || b["slug"] != a["slug"] ||
			field(b, "draft", "body_html") != "<p>Hi</p>" || field(b, "sanitizer", "changed") != true {
			t.Fatalf("saved: %s", saved.Body)
		}
		removed := fmt.Sprint(field(b, "sanitizer", "removed"))
		if !strings.Contains(removed, "script") || !strings.Contains(removed, "p@onclick") {
			t.Fatalf("sanitizer did not say what it removed: %s", removed)
		}
		// The version read before is stale now.
		e.save("writer", a, draft("Lost update")).problem(412)
		e.do("GET", articles+"/nope", "writer", nil).problem(404)
		e.do("PUT", articles+"/nope", "writer", draft("x"), "If-Match", `"1"`).problem(404)
	})
}

func TestArticleOwnership(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Mine"))
		e.save("writer2", a, draft("Theirs")).problem(403)
		e.save("reviewer", a, draft("Reviewer edit")).problem(403)
		e.do("POST", articles, "reviewer", draft("By a reviewer")).problem(403)
		b := e.save("editor", a, draft("Editor edit")).want(200).json()
		c := e.save("admin", b, draft("Admin edit")).want(200).json()
		e.save("writer", c, draft("Mine again")).want(200)
	})
}

func TestSlugs(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Sjögren's syndrome: an overview"))
		if a["slug"] != "sjogrens-syndrome-an-overview" {
			t.Fatalf("slug %v", a["slug"])
		}
		// A generated slug that is taken gets a suffix; an explicit one is 409.
		b := e.create("writer", draft("Sjögren’s Syndrome — an overview"))
		if b["slug"] != "sjogrens-syndrome-an-overview-2" {
			t.Fatalf("second slug %v", b["slug"])
		}
		e.do("POST", articles, "writer", draft("Other", "slug", "sjogrens-syndrome-an-overview")).problem(409)
		e.do("POST", articles, "writer", draft("Other", "slug", "Not A Slug")).problem(422)
		e.do("POST", articles, "writer", draft("Other", "slug", strings.Repeat("a", 121))).problem(422)
		if s := e.create("writer", draft("!!!"))["slug"]; s != "article" {
			t.Fatalf("slug of a title without letters: %v", s)
		}
		// Changing a slug keeps the old one for the article: nobody else
		// can take it, and the article can take it back.
		renamed := e.save("writer", a, draft("Sjögren's syndrome", "slug", "sjogrens")).want(200).json()
		if renamed["slug"] != "sjogrens" {
			t.Fatalf("renamed: %v", renamed["slug"])
		}
		e.do("POST", articles, "writer", draft("Thief", "slug", "sjogrens-syndrome-an-overview")).problem(409)
		e.save("writer", b, draft("x", "slug", "sjogrens")).problem(409)
		// Omitting the slug keeps the current one.
		kept := e.save("writer", renamed, draft("Sjögren's syndrome, revised")).want(200).json()
		if kept["slug"] != "sjogrens" {
			t.Fatalf("omitted slug changed it: %v", kept["slug"])
		}
		back := e.save("writer", kept, draft("Back", "slug", "sjogrens-syndrome-an-overview")).want(200).json()
		if back["slug"] != "sjogrens-syndrome-an-overview" {
			t.Fatalf("taking an old slug back: %v", back["slug"])
		}
	})
}

func TestArticleValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		cases := []struct {
			body  map[string]any
			field string
		}{
			{draft(""), "title"},
			{draft("   "), "title"},
			{draft(strings.Repeat("t", 201)), "title"},
			{draft("<b>Bold</b> title"), "title"},
			{draft("Bell\a"), "title"},
			{draft("T", "summary", strings.Repeat("s", 1001)), "summary"},
			{draft("T", "summary", "nul\x00"), "summary"},
			{draft("T", "topics", []string{"no-such-topic"}), "topics"},
			{draft("T", "topics", []string{"Bad Slug"}), "topics"},
			{draft("T", "references", []map[string]string{{"title": "x", "url": "javascript:alert(1)"}}), "references[0].url"},
			{draft("T", "references", []map[string]string{{"title": "x", "url": "ftp://example.org/"}}), "references[0].url"},
			{draft("T", "references", []map[string]string{{"title": "x", "url": "/relative"}}), "references[0].url"},
			{draft("T", "references", []map[string]string{{"title": "", "url": "https://example.org/"}}), "references[0].title"},
			{draft("T", "references", []map[string]string{{"title": "x", "url": "https://example.org/", "doi": "not-a-doi"}}), "references[0].doi"},
			{draft("T", "references", []map[string]string{{"title": "x", "url": "https://example.org/", "pmid": "12ab"}}), "references[0].pmid"},
			{draft("T", "body_html", strings.Repeat("<p>x</p>", 1)+"<p>"+strings.Repeat("y", 1<<20)+"</p>"), "body_html"},
		}
		for _, c := range cases {
			res := e.do("POST", articles, "writer", c.body)
			if res.Status == 413 && c.field == "body_html" {
				continue // the test server's body cap is below the body limit
			}
			p := res.problem(422)
			errs := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%v: want an error on %s, got %s", c.body["title"], c.field, res.Body)
			}
		}
		if n := len(e.do("GET", articles, "writer", nil).want(200).json()["items"].([]any)); n != 0 {
			t.Fatalf("refused creates left %d articles", n)
		}
	})
}

func TestRevisionsDiffRestore(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Tofacitinib", "body_html", "<h2>Dosage</h2><p>5 mg twice daily.</p><p>Monitor lipids.</p>"))
		b := e.save("writer", a, draft("Tofacitinib dosing", "body_html", "<h2>Dosage</h2><p>5 mg twice daily.</p><p>Check blood counts.</p>")).want(200).json()
		id := a["id"].(string)
		revs := e.do("GET", articles+"/"+id+"/revisions", "reviewer", nil).want(200).json()["items"].([]any)
		if len(revs) != 2 || revs[0].(map[string]any)["revision"] != float64(2) || revs[0].(map[string]any)["title"] != "Tofacitinib dosing" ||
			field(revs[1].(map[string]any), "saved_by", "id") != e.users["writer"].ID {
			t.Fatalf("revisions: %v", revs)
		}
		r1 := e.do("GET", articles+"/"+id+"/revisions/1", "reviewer", nil).want(200).json()
		if r1["title"] != "Tofacitinib" || !strings.Contains(r1["body_html"].(string), "Monitor lipids") {
			t.Fatalf("revision 1: %v", r1)
		}
		e.do("GET", articles+"/"+id+"/revisions/3", "reviewer", nil).problem(404)
		e.do("GET", articles+"/"+id+"/revisions/x", "reviewer", nil).problem(404)

		d := e.do("GET", articles+"/"+id+"/diff?from=1&to=2", "reviewer", nil).want(200)
		body := string(d.Body)
		for _, want := range []string{`"field":"title"`, `"from":"Tofacitinib"`, `"op":"delete","tag":"p","text":"Monitor lipids."`,
			`"op":"insert","tag":"p","text":"Check blood counts."`, `"op":"equal","tag":"h2","text":"Dosage"`} {
			if !strings.Contains(body, want) {
				t.Errorf("diff lacks %s: %s", want, body)
			}
		}
		e.do("GET", articles+"/"+id+"/diff?from=1", "reviewer", nil).problem(400)
		e.do("GET", articles+"/"+id+"/diff?from=1&to=9", "reviewer", nil).problem(404)

		restored := e.do("POST", articles+"/"+id+"/revisions/1/restore", "writer", nil, "If-Match", etag(b)).want(200).json()
		if field(restored, "draft", "revision") != float64(3) || field(restored, "draft", "title") != "Tofacitinib" ||
			field(restored, "draft", "content_hash") != r1["content_hash"] {
			t.Fatalf("restored: %v", restored["draft"])
		}
		e.do("POST", articles+"/"+id+"/revisions/1/restore", "writer", nil, "If-Match", etag(b)).problem(412)
		e.do("POST", articles+"/"+id+"/revisions/1/restore", "writer2", nil, "If-Match", etag(restored)).problem(403)
		hist := e.do("GET", articles+"/"+id+"/history", "reviewer", nil).want(200).json()["items"].([]any)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.(map[string]any)["action"].(string))
		}
		if strings.Join(actions, ",") != "created,saved,restored" {
			t.Fatalf("history: %v", actions)
		}
	})
}

func TestArticleList(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "psoriasis", "name": "Psoriasis"}).want(201)
		var made []map[string]any
		for i := 0; i < 7; i++ {
			who := "writer"
			if i%2 == 1 {
				who = "writer2"
			}
			topics := []string{}
			if i%3 == 0 {
				topics = []string{"psoriasis"}
			}
			made = append(made, e.create(who, draft(fmt.Sprintf("Article %d about Psoriasis", i), "topics", topics)))
		}
		page := func(q string) (ids []string, next any) {
			m := e.do("GET", articles+q, "reviewer", nil).want(200).json()
			for _, it := range m["items"].([]any) {
				item := it.(map[string]any)
				if _, has := item["draft"].(map[string]any)["body_html"]; has {
					t.Fatalf("list item carries a body: %v", item)
				}
				ids = append(ids, item["id"].(string))
			}
			return ids, m["next_cursor"]
		}
		all, next := page("")
		if len(all) != 7 || next != nil || all[0] != made[6]["id"] {
			t.Fatalf("list: %v %v", all, next)
		}
		if ids, _ := page("?author=" + e.users["writer2"].ID); len(ids) != 3 {
			t.Fatalf("author filter: %v", ids)
		}
		if ids, _ := page("?topic=psoriasis"); len(ids) != 3 {
			t.Fatalf("topic filter: %v", ids)
		}
		if ids, _ := page("?q=article%203"); len(ids) != 1 || ids[0] != made[3]["id"] {
			t.Fatalf("title search: %v", ids)
		}
		if ids, _ := page("?q=100%25"); len(ids) != 0 {
			t.Fatalf("%% in a search is literal: %v", ids)
		}
		if ids, _ := page("?state=draft"); len(ids) != 7 {
			t.Fatalf("state filter: %v", ids)
		}
		if ids, _ := page("?state=in_review"); len(ids) != 0 {
			t.Fatalf("state filter: %v", ids)
		}
		e.do("GET", articles+"?state=bogus", "reviewer", nil).problem(400)
		e.do("GET", articles+"?limit=0", "reviewer", nil).problem(400)
		e.do("GET", articles+"?limit=101", "reviewer", nil).problem(400)
		e.do("GET", articles+"?cursor=garbage", "reviewer", nil).problem(400)
		e.do("GET", articles+"?review_due=soon", "reviewer", nil).problem(400)

		// Keyset pages: an article edited between pages moves to the front
		// and is not seen twice; nothing is skipped.
		first, cur := page("?limit=3")
		if len(first) != 3 || cur == nil {
			t.Fatalf("page 1: %v %v", first, cur)
		}
		e.save("writer", made[0], draft("Article 0, edited")).want(200)
		seen := map[string]bool{}
		for _, id := range first {
			seen[id] = true
		}
		for cur != nil {
			var ids []string
			ids, cur = page("?limit=3&cursor=" + cur.(string))
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("article %s seen twice", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != 6 || seen[made[0]["id"].(string)] {
			t.Fatalf("paging saw %d articles (want the 6 not edited)", len(seen))
		}
	})
}

// TestConcurrentSaves races many saves with the same If-Match and with
// fresh ones: exactly one of each round wins, and the revisions stored are
// exactly the successful saves.
func TestConcurrentSaves(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.create("writer", draft("Race"))
		id := a["id"].(string)
		const n = 12
		var mu sync.Mutex
		wins, stale := 0, 0
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res := e.do("PUT", articles+"/"+id, "writer", draft(fmt.Sprintf("Race %d", i)), "If-Match", `"1"`)
				mu.Lock()
				defer mu.Unlock()
				switch res.Status {
				case 200:
					wins++
				case 412:
					stale++
				default:
					t.Errorf("save: %d %s", res.Status, res.Body)
				}
			}(i)
		}
		wg.Wait()
		if wins != 1 || stale != n-1 {
			t.Fatalf("same If-Match: %d won, %d stale; want 1 and %d", wins, stale, n-1)
		}
		// Fresh If-Match each time: writers retry on 412 until they win.
		wg = sync.WaitGroup{}
		okSaves := 1 + 1 // the create and the winner above
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for {
					cur := e.do("GET", articles+"/"+id, "writer", nil).json()
					res := e.do("PUT", articles+"/"+id, "writer", draft(fmt.Sprintf("Fresh %d", i)), "If-Match", etag(cur))
					if res.Status == 200 {
						mu.Lock()
						okSaves++
						mu.Unlock()
						return
					}
					if res.Status != 412 {
						t.Errorf("save: %d %s", res.Status, res.Body)
						return
					}
				}
			}(i)
		}
		wg.Wait()
		revs := e.do("GET", articles+"/"+id+"/revisions", "writer", nil).json()["items"].([]any)
		cur := e.do("GET", articles+"/"+id, "writer", nil).json()
		hist := e.do("GET", articles+"/"+id+"/history", "writer", nil).json()["items"].([]any)
		if len(revs) != okSaves || cur["version"] != float64(okSaves) || len(hist) != okSaves {
			t.Fatalf("%d successful saves, %d revisions, version %v, %d events", okSaves, len(revs), cur["version"], len(hist))
		}
	})
}

// TestReferenceURLsAreNormalized: a reference URL is stored percent-encoded
// (no raw quote, angle bracket or space reaches a revision, a preview or
// delivery), and what is not an absolute http(s) URL is refused.
func TestReferenceURLsAreNormalized(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		raw := `https://Example.ORG/label search?q="><script>alert(1)</script>#x"y`
		want := `https://example.org/label%20search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E#x%22y`
		ref := func(url string) []map[string]string { return []map[string]string{{"title": "Label", "url": url}} }
		a := e.create("writer", draft("Baricitinib label", "references", ref(raw)))
		id := a["id"].(string)
		rev := e.do("GET", articles+"/"+id+"/revisions/1", "writer", nil).want(200).json()
		got := rev["references"].([]any)[0].(map[string]any)["url"]
		if got != want || field(a, "draft", "references") == nil {
			t.Fatalf("stored url %q, want %q", got, want)
		}
		for _, bad := range []string{"javascript:alert(1)", "//example.org/x", "https://nih.gov@example.com/", `https://exa"mple.org/`, "mailto:a@example.org"} {
			p := e.save("writer", a, draft("Baricitinib label", "references", ref(bad))).problem(422)
			if !strings.Contains(string(e.do("GET", articles+"/"+id, "writer", nil).Body), `"version":1`) ||
				!strings.Contains(fmt.Sprint(p["errors"]), "references[0].url") {
				t.Fatalf("%s: %v", bad, p)
			}
		}
	})
}
