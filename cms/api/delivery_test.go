package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"healthcms/cms/api"
	"healthcms/cms/store/storetest"
)

const delivery = "/api/v1/delivery"

// publish takes a new article through review to live and returns it.
func (e *env) publish(title string, kv ...any) map[string]any {
	e.t.Helper()
	a := e.create("writer", draft(title, kv...))
	a = e.act("writer", a, "submit").want(200).json()
	a = e.act("reviewer", a, "approve").want(200).json()
	return e.act("editor", a, "publish").want(200).json()
}

// slugs lists the slugs of a delivery list answer.
func slugs(t *testing.T, res *response) ([]string, any) {
	t.Helper()
	m := res.want(200).json()
	var out []string
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any)["slug"].(string))
	}
	return out, m["next_cursor"]
}

func TestDeliveryArticle(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.publish("Upadacitinib", "body_html", "<p>"+strings.Repeat("Upadacitinib is a JAK inhibitor. ", 40)+"</p>")
		slug := a["slug"].(string)
		res := e.delivered(slug).want(200)
		tag := res.Header.Get("ETag")
		if !strings.HasPrefix(tag, `"`) || strings.HasPrefix(tag, "W/") || res.Header.Get("Cache-Control") != "public, max-age=60, stale-while-revalidate=600" ||
			res.Header.Get("Content-Type") != "application/json; charset=utf-8" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("headers: %v", res.Header)
		}
		doc := res.json()
		for _, k := range []string{"slug", "title", "summary", "topics", "published_at", "updated_at", "reviewed_by", "last_reviewed_at",
			"version", "author", "body_html", "references", "jsonld"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("delivery article lacks %q", k)
			}
		}
		for _, k := range []string{"headline", "description", "datePublished", "dateModified", "lastReviewed", "reviewedBy", "author", "about", "citation"} {
			if field(doc, "jsonld", k) == nil {
				t.Errorf("JSON-LD lacks %q", k)
			}
		}
		// Revalidation: 304 without a body, also for a weak or listed tag.
		for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
			nm := e.do("GET", delivery+"/articles/"+slug, "", nil, "If-None-Match", inm)
			if nm.Status != 304 || len(nm.Body) != 0 || nm.Header.Get("ETag") != tag {
				t.Fatalf("If-None-Match %s: %d %q", inm, nm.Status, nm.Body)
			}
		}
		e.do("GET", delivery+"/articles/"+slug, "", nil, "If-None-Match", `"stale"`).want(200)
		// gzip when accepted, identical bytes once decompressed.
		gz := e.do("GET", delivery+"/articles/"+slug, "", nil, "Accept-Encoding", "gzip")
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Vary") != "Accept-Encoding" || len(gz.Body) >= len(res.Body) {
			t.Fatalf("gzip: %v, %d bytes vs %d", gz.Header, len(gz.Body), len(res.Body))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, res.Body) {
			t.Fatal("gzip body differs from the plain one")
		}
		if nz := e.do("GET", delivery+"/articles/"+slug, "", nil, "Accept-Encoding", "gzip;q=0"); nz.Header.Get("Content-Encoding") != "" {
			t.Fatal("gzip sent although refused with q=0")
		}
		if h := e.do("HEAD", delivery+"/articles/"+slug, "", nil); h.Status != 200 || len(h.Body) != 0 || h.Header.Get("ETag") != tag {
			t.Fatalf("HEAD: %d %v", h.Status, h.Header)
		}
		e.delivered("no-such-article").problem(404)

		// A new slug reaches readers with the next publication; the old
		// one then answers 301 to it.
		a = e.save("writer", a, draft("Upadacitinib", "slug", "upadacitinib-rinvoq", "body_html", "<p>Renamed.</p>")).want(200).json()
		if e.delivered("upadacitinib-rinvoq").Status != 301 {
			t.Fatal("a draft's new slug is not redirected to the live one")
		}
		a = e.act("writer", a, "submit").want(200).json()
		a = e.act("reviewer", a, "approve").want(200).json()
		e.act("editor", a, "publish").want(200)
		old := e.delivered(slug)
		if old.Status != 301 || old.Header.Get("Location") != delivery+"/articles/upadacitinib-rinvoq" {
			t.Fatalf("old slug: %d %v", old.Status, old.Header)
		}
		if e.delivered("upadacitinib-rinvoq").want(200).json()["body_html"] != "<p>Renamed.</p>" {
			t.Fatal("new slug does not serve the new version")
		}
	})
}

func TestDeliveryNeverShowsDrafts(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.topic("psoriasis", "Psoriasis")
		live := e.publish("Psoriasis basics", "topics", []string{"psoriasis"}, "body_html", "<p>Plaques and scales.</p>")
		// A newer draft of the live article, in review, with a secret word.
		d := e.save("writer", live, draft("Psoriasis basics", "topics", []string{"psoriasis"}, "body_html", "<p>Zanzibarword plaques.</p>")).want(200).json()
		e.act("writer", d, "submit").want(200)
		// Articles that never went live, in every other state.
		e.create("writer", draft("Zanzibarword draft", "topics", []string{"psoriasis"}))
		ir := e.create("writer", draft("Zanzibarword in review", "topics", []string{"psoriasis"}))
		e.act("writer", ir, "submit").want(200)
		ap := e.create("writer", draft("Zanzibarword approved", "topics", []string{"psoriasis"}))
		ap = e.act("writer", ap, "submit").want(200).json()
		ap = e.act("reviewer", ap, "approve").want(200).json()
		sc := e.act("editor", ap, "schedule", "at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)).want(200).json()
		gone := e.publish("Zanzibarword unpublished", "topics", []string{"psoriasis"})
		gone = e.act("editor", gone, "unpublish").want(200).json()
		e.act("editor", gone, "archive").want(200)

		for _, path := range []string{"/articles", "/articles?topic=psoriasis", "/search?q=zanzibarword", "/search?q=psoriasis",
			"/feed.atom", "/feed.atom?topic=psoriasis", "/sitemap.xml", "/topics", "/topics/psoriasis"} {
			body := string(e.do("GET", delivery+path, "", nil).want(200).Body)
			if strings.Contains(strings.ToLower(body), "zanzibarword") {
				t.Errorf("%s shows a draft: %s", path, body)
			}
		}
		if ids, _ := slugs(t, e.do("GET", delivery+"/articles", "", nil)); len(ids) != 1 {
			t.Fatalf("live list: %v", ids)
		}
		if n := e.do("GET", delivery+"/topics/psoriasis", "", nil).want(200).json()["article_count"]; n != float64(1) {
			t.Fatalf("article_count %v, want 1 (drafts are not counted)", n)
		}
		for _, a := range []map[string]any{ir, sc, gone} {
			e.delivered(a["slug"].(string)).problem(404)
		}
	})
}

func TestDeliveryListsAndCursors(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.topic("jak", "JAK")
		var order []string // newest first
		for i := 0; i < 7; i++ {
			topics := []string{}
			if i%2 == 0 {
				topics = []string{"jak"}
			}
			order = append([]string{e.publish(fmt.Sprintf("Live %d", i), "topics", topics)["slug"].(string)}, order...)
		}
		all, next := slugs(t, e.do("GET", delivery+"/articles", "", nil))
		if strings.Join(all, ",") != strings.Join(order, ",") || next != nil {
			t.Fatalf("list %v, want %v", all, order)
		}
		if jak, _ := slugs(t, e.do("GET", delivery+"/articles?topic=jak", "", nil)); len(jak) != 4 {
			t.Fatalf("topic list: %v", jak)
		}
		// Pages stay stable while articles are published between them: new
		// ones appear only on a fresh first page, nothing repeats or is lost.
		page1, cur := slugs(t, e.do("GET", delivery+"/articles?limit=3", "", nil))
		e.publish("Published between pages")
		seen := append([]string{}, page1...)
		for cur != nil {
			var p []string
			p, cur = slugs(t, e.do("GET", delivery+"/articles?limit=3&cursor="+url.QueryEscape(cur.(string)), "", nil))
			seen = append(seen, p...)
		}
		if strings.Join(seen, ",") != strings.Join(order, ",") {
			t.Fatalf("paged %v, want %v", seen, order)
		}
		// Topic pages page the same way.
		tp, tcur := slugs(t, e.do("GET", delivery+"/articles?topic=jak&limit=3", "", nil))
		rest, _ := slugs(t, e.do("GET", delivery+"/articles?topic=jak&limit=3&cursor="+url.QueryEscape(tcur.(string)), "", nil))
		if len(tp) != 3 || len(rest) != 1 {
			t.Fatalf("topic pages %v %v", tp, rest)
		}
		for _, bad := range []string{"?limit=0", "?limit=101", "?limit=x", "?cursor=nope", "?cursor=" + url.QueryEscape("c2VhcmNo")} {
			e.do("GET", delivery+"/articles"+bad, "", nil).problem(400)
		}
		topics := e.do("GET", delivery+"/topics", "", nil).want(200).json()["items"].([]any)
		if len(topics) != 1 || field(topics[0].(map[string]any), "article_count") != float64(4) {
			t.Fatalf("topics: %v", topics)
		}
		e.do("GET", delivery+"/topics/nope", "", nil).problem(404)
	})
}

func TestDeliverySearch(t *testing.T) {
	eachSearch(t, func(t *testing.T, e *env) {
		e.topic("ra", "Rheumatoid arthritis")
		e.publish("Methotrexate basics", "body_html", "<p>Often combined with baricitinib in trials.</p>")
		best := e.publish("Baricitinib for rheumatoid arthritis", "summary", "How baricitinib works.", "topics", []string{"ra"},
			"body_html", "<p>Baricitinib blocks JAK1 and JAK2. Baricitinib is taken once daily.</p>")
		e.publish("Unrelated", "body_html", "<p>Nothing to see.</p>")
		got, _ := slugs(t, e.do("GET", delivery+"/search?q=baricitinib", "", nil))
		if len(got) != 2 || got[0] != best["slug"] {
			t.Fatalf("search: %v, want %s first", got, best["slug"])
		}
		if got, _ := slugs(t, e.do("GET", delivery+"/search?q=baricitinib&topic=ra", "", nil)); len(got) != 1 {
			t.Fatalf("search by topic: %v", got)
		}
		if got, _ := slugs(t, e.do("GET", delivery+"/search?q=Baricitinib+daily", "", nil)); len(got) != 1 {
			t.Fatalf("every word must match: %v", got)
		}
		// Paging by cursor gives the same order as one page.
		p1, cur := slugs(t, e.do("GET", delivery+"/search?q=baricitinib&limit=1", "", nil))
		p2, end := slugs(t, e.do("GET", delivery+"/search?q=baricitinib&limit=1&cursor="+url.QueryEscape(cur.(string)), "", nil))
		if append(p1, p2...)[0] != got[0] || len(p2) != 1 || end != nil {
			t.Fatalf("search pages %v %v %v", p1, p2, end)
		}
		// Query syntax of either engine is just text here.
		for _, q := range []string{`title:baricitinib OR "`, `NEAR(a b)`, `-baricitinib`, `a & b | !c`, `***`, `"unbalanced`} {
			e.do("GET", delivery+"/search?q="+url.QueryEscape(q), "", nil).want(200)
		}
		e.do("GET", delivery+"/search", "", nil).problem(400)
		e.do("GET", delivery+"/search?q=", "", nil).problem(400)
		e.do("GET", delivery+"/search?q="+strings.Repeat("a", 201), "", nil).problem(400)
		e.do("GET", delivery+"/search?q=x&cursor=bad", "", nil).problem(400)
	})
}

func TestFeedAndSitemap(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.topic("uc", "Ulcerative colitis")
		a := e.publish("Tofacitinib in UC", "topics", []string{"uc"}, "summary", "Induction & maintenance <dosing>.")
		e.publish("Other article")
		res := e.do("GET", delivery+"/feed.atom?topic=uc", "", nil).want(200)
		if res.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" || res.Header.Get("ETag") == "" {
			t.Fatalf("feed headers: %v", res.Header)
		}
		var feed struct {
			Title   string `xml:"title"`
			Entries []struct {
				Title   string `xml:"title"`
				ID      string `xml:"id"`
				Summary string `xml:"summary"`
				Link    struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(res.Body, &feed); err != nil {
			t.Fatalf("feed is not XML: %v", err)
		}
		if feed.Title != "Example Health: Ulcerative colitis" || len(feed.Entries) != 1 || feed.Entries[0].Summary != "Induction & maintenance <dosing>." ||
			feed.Entries[0].Link.Href != "https://health.example.com/articles/"+a["slug"].(string) || feed.Entries[0].ID != "urn:uuid:"+a["id"].(string) {
			t.Fatalf("feed: %+v", feed)
		}
		var all struct {
			Entries []struct{} `xml:"entry"`
		}
		xml.Unmarshal(e.do("GET", delivery+"/feed.atom", "", nil).want(200).Body, &all)
		if len(all.Entries) != 2 {
			t.Fatalf("whole feed has %d entries", len(all.Entries))
		}
		e.do("GET", delivery+"/feed.atom?topic=nope", "", nil).problem(404)

		var sm struct {
			URLs []struct {
				Loc string `xml:"loc"`
			} `xml:"url"`
		}
		if err := xml.Unmarshal(e.do("GET", delivery+"/sitemap.xml", "", nil).want(200).Body, &sm); err != nil {
			t.Fatal(err)
		}
		locs := fmt.Sprint(sm.URLs)
		if len(sm.URLs) != 3 || !strings.Contains(locs, "https://health.example.com/topics/uc") ||
			!strings.Contains(locs, "https://health.example.com/articles/"+a["slug"].(string)) {
			t.Fatalf("sitemap: %v", locs)
		}
		e.do("GET", delivery+"/sitemap.xml?page=2", "", nil).problem(404)
	})
}

func TestDeliveryCORS(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *api.Server) { s.CORSOrigins = []string{"https://www.example.com"} })
	res := e.do("GET", delivery+"/topics", "", nil, "Origin", "https://www.example.com").want(200)
	if res.Header.Get("Access-Control-Allow-Origin") != "https://www.example.com" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
		t.Fatalf("allowed origin: %v", res.Header)
	}
	if h := e.do("GET", delivery+"/topics", "", nil, "Origin", "https://evil.example").Header; h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin allowed: %v", h)
	}
	pre := e.do("OPTIONS", delivery+"/articles/x", "", nil, "Origin", "https://www.example.com", "Access-Control-Request-Method", "GET")
	if pre.Status != 204 || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "If-None-Match") {
		t.Fatalf("preflight: %d %v", pre.Status, pre.Header)
	}
}

func TestPrivateDeliveryPreviewAndKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.publish("Private article")
		slug := a["slug"].(string)

		key := func(scope string) (string, string) {
			res := e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "Site", "scope": scope}).want(201).json()
			return res["key"].(string), res["id"].(string)
		}
		dk, did := key("delivery")
		pk, _ := key("preview")
		e.do("GET", delivery+"/articles/"+slug, "", nil).problem(401)
		e.do("GET", delivery+"/articles/"+slug, "editor", nil).problem(401) // an access token is not a key
		e.do("GET", delivery+"/articles/"+slug, "made-up-key", nil).problem(401)
		// Keyed answers must not land in shared caches.
		if cc := e.do("GET", delivery+"/articles/"+slug, dk, nil).want(200).Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Errorf("private delivery sends Cache-Control %q", cc)
		}
		e.do("GET", delivery+"/articles/"+slug, pk, nil).want(200)

		// Preview: the latest draft, never cached or indexed, preview keys only.
		d := e.save("writer", a, draft("Private article, revised", "body_html", "<p>Draft words.</p>")).want(200).json()
		prev := "/api/v1/preview/articles/" + d["id"].(string)
		e.do("GET", prev, "", nil).problem(401)
		e.do("GET", prev, dk, nil).problem(401)
		e.do("GET", prev, "editor", nil).problem(401)
		res := e.do("GET", prev, pk, nil).want(200)
		if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Robots-Tag") != "noindex" {
			t.Fatalf("preview headers: %v", res.Header)
		}
		p := res.json()
		if p["body_html"] != "<p>Draft words.</p>" || p["title"] != "Private article, revised" || p["reviewed_by"] != nil || p["version"] != float64(2) {
			t.Fatalf("preview: %s", res.Body)
		}
		e.do("GET", "/api/v1/preview/articles/nope", pk, nil).problem(404)
		if e.do("GET", delivery+"/articles/"+slug, dk, nil).want(200).json()["body_html"] == "<p>Draft words.</p>" {
			t.Fatal("delivery shows the draft")
		}

		// Keys are listed without their secret; a revoked key stops at once.
		list := string(e.do("GET", "/api/v1/editor/api-keys", "admin", nil).want(200).Body)
		if strings.Contains(list, dk) || !strings.Contains(list, dk[:12]) {
			t.Fatalf("key list: %s", list)
		}
		e.do("DELETE", "/api/v1/editor/api-keys/"+did, "admin", nil).want(204)
		e.do("GET", delivery+"/articles/"+slug, dk, nil).problem(401)
		e.do("DELETE", "/api/v1/editor/api-keys/nope", "admin", nil).problem(404)
		e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "x", "scope": "admin"}).problem(422)
		e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "", "scope": "delivery"}).problem(422)
		for _, who := range []string{"writer", "reviewer", "editor"} {
			e.do("GET", "/api/v1/editor/api-keys", who, nil).problem(403)
			e.do("POST", "/api/v1/editor/api-keys", who, map[string]any{"name": "x", "scope": "delivery"}).problem(403)
		}
	}, func(s *api.Server) { s.DeliveryPublic = false })
}

// TestTwoServersSeeEachOthersPublications runs two servers, each with its
// own pool and answer cache, on one PostgreSQL: what one publishes or
// unpublishes, the other answers right after.
func TestTwoServersSeeEachOthersPublications(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	url := storetest.URL(t, "postgres")
	open := func() *env {
		db := storetest.OpenURL(t, url)
		e := newEnvOn(t, db)
		if err := db.ListenChanges(t.Context(), e.api.Log); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := open(), open()
	art := a.publish("Shared article", "body_html", "<p>Version one.</p>")
	slug := art["slug"].(string)
	if b.delivered(slug).want(200).json()["body_html"] != "<p>Version one.</p>" {
		t.Fatal("server b does not see server a's publication")
	}
	b.delivered(slug).want(200) // now cached on b
	art = a.save("writer", art, draft("Shared article", "body_html", "<p>Version two.</p>")).want(200).json()
	art = a.act("writer", art, "submit").want(200).json()
	art = a.act("reviewer", art, "approve").want(200).json()
	art = a.act("editor", art, "publish").want(200).json()
	waitFor(t, "b to serve version two", func() bool {
		return b.delivered(slug).json()["body_html"] == "<p>Version two.</p>"
	})
	a.act("editor", art, "unpublish").want(200)
	waitFor(t, "b to stop serving the unpublished article", func() bool { return b.delivered(slug).Status == 404 })
}

// waitFor polls cond for up to two seconds: a notification crosses
// processes in milliseconds, but not synchronously.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
}

// TestTopicOfLiveArticleCannotBeDeleted: a topic stays while a live
// version uses it, even after the draft dropped it.
func TestTopicOfLiveArticleCannotBeDeleted(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		aa := e.topic("aa", "Alopecia areata")
		a := e.publish("Ritlecitinib", "topics", []string{"aa"})
		usedBy := func() {
			t.Helper()
			if p := e.do("DELETE", "/api/v1/editor/topics/aa", "editor", nil).problem(409); !strings.Contains(p["detail"].(string), "article") {
				t.Fatalf("refused for another reason: %v", p["detail"])
			}
		}
		usedBy()
		a = e.save("writer", a, draft("Ritlecitinib")).want(200).json() // the draft drops the topic
		usedBy()
		if n := e.do("GET", delivery+"/topics/aa", "", nil).want(200).json()["article_count"]; n != float64(1) {
			t.Fatalf("article_count %v", n)
		}
		e.act("editor", a, "unpublish").want(200)
		// A published topic is not deleted from under readers.
		e.do("DELETE", "/api/v1/editor/topics/aa", "editor", nil).problem(409)
		e.topicAct("editor", aa, "unpublish").want(200)
		e.do("DELETE", "/api/v1/editor/topics/aa", "editor", nil).want(204)
		e.do("GET", delivery+"/topics/aa", "", nil).problem(404)
	})
}

// TestDeliveryWithoutCache: with the answer cache off every request takes
// the database path, which must answer alike (a matching revalidation
// reads only the ETag).
func TestDeliveryWithoutCache(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := e.publish("Uncached", "body_html", "<p>"+strings.Repeat("Long enough to compress. ", 40)+"</p>")
		slug := a["slug"].(string)
		full := e.delivered(slug).want(200)
		tag := full.Header.Get("ETag")
		for i := 0; i < 2; i++ {
			nm := e.do("GET", delivery+"/articles/"+slug, "", nil, "If-None-Match", tag)
			if nm.Status != 304 || len(nm.Body) != 0 || nm.Header.Get("ETag") != tag || nm.Header.Get("Cache-Control") == "" {
				t.Fatalf("revalidation %d: %d %v", i, nm.Status, nm.Header)
			}
		}
		if gz := e.do("GET", delivery+"/articles/"+slug, "", nil, "Accept-Encoding", "gzip"); gz.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("no gzip from the stored compressed copy: %v", gz.Header)
		}
		e.do("GET", delivery+"/articles/"+slug, "", nil, "If-None-Match", `"other"`).want(200)
		e.delivered("nope").problem(404)
		e.do("GET", delivery+"/articles/nope", "", nil, "If-None-Match", tag).problem(404)
	}, func(s *api.Server) { s.CacheBytes = 0 })
}
