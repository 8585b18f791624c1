package api_test

import (
	"strings"
	"testing"
	"time"

	"healthcms/cms/api"
)

// A delivery request the cache does not hold is answered in the loop, on
// a connection the loop keeps, with the bytes net/http answers the same
// miss with (date and request id aside): a document read from the
// database, plain, gzip and HEAD; a 304 and a 200 a revalidation builds;
// a 301 of an old slug and of a topic alias; a 404 of an article and of a
// topic, GET and HEAD (a problem document, no length declared); lists,
// search, CORS. It is cached (the next one is a hit) and counted in its
// route's metrics. With the cache off, every delivery request is such a
// miss, and the loop answers it too.
func TestHitLoopAnswersMissesAsNetHTTP(t *testing.T) {
	for name, cacheBytes := range map[string]int{"cache on": 8 << 20, "cache off": 0} {
		t.Run(name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, e *env) { hitLoopMisses(t, e, cacheBytes > 0) },
				func(s *api.Server) { s.CacheBytes = cacheBytes })
		})
	}
}

func hitLoopMisses(t *testing.T, e *env, cached bool) {
	e.jakSite()
	body := "<p>" + strings.Repeat("Baricitinib regrows hair in some patients. ", 200) + "</p>"
	a := e.publish("Baricitinib in alopecia areata", "topics", []string{"jak-inhibitors"}, "body_html", body)
	old := delivery + "/articles/" + a["slug"].(string)
	a = e.save("writer", a, draft("Baricitinib in alopecia", "slug", "baricitinib-alopecia",
		"topics", []string{"jak-inhibitors"}, "body_html", body)).want(200).json()
	a = e.act("writer", a, "submit").want(200).json()
	a = e.act("reviewer", a, "approve").want(200).json()
	e.act("editor", a, "publish").want(200)
	path := delivery + "/articles/baricitinib-alopecia"
	etag := e.do("GET", path, "", nil).want(200).Header.Get("ETag")
	p := startLoop(e, 10*time.Second)
	reqs := []string{
		get(path),
		get(path, "Accept-Encoding: gzip, deflate, br\r\nUser-Agent: wrk\r\nAccept: */*\r\n"),
		"HEAD " + path + " HTTP/1.1\r\nHost: cms.example\r\n\r\n",
		get(path, "If-None-Match: "+etag+"\r\n"),
		get(path, "If-None-Match: \"other\"\r\n"),
		get(old),
		get(delivery + "/topics/jaki"),
		get(delivery + "/articles/no-such-article"),
		"HEAD " + delivery + "/articles/no-such-article HTTP/1.1\r\nHost: cms.example\r\n\r\n",
		get(delivery + "/topics/no-such-topic"),
		get(delivery + "/topics/jak-inhibitors"),
		get(delivery+"/articles?topic=jak-inhibitors&utm_source=x", "Accept-Encoding: gzip\r\n"),
		get(delivery+"/search?q=barici", "Origin: https://app.example\r\nX-Request-Id: client-chosen-id-1\r\n"),
	}
	wantStatus := []string{"200", "200", "200", "304", "200", "301", "301", "404", "404", "404", "200", "200", "200"}
	route := "/api/v1/delivery/articles/{slug}"
	for i, req := range reqs {
		e.api.PurgeDelivery()
		n0 := requestCount(e, route, "GET", 200)
		want := exchange(t, p.ref, false, req)
		e.api.PurgeDelivery()
		_, m0 := cacheCounts(e)
		if i == 0 {
			// net/http's server counts its request once the answer is
			// written, which the client may have read before.
			waitFor(t, "the reference answer to be counted", func() bool { return requestCount(e, route, "GET", 200) > n0 })
			n0++
		}
		got := exchange(t, p.loop, false, req, req)
		_, m1 := cacheCounts(e)
		if len(got) != 2 || len(want) != 1 {
			t.Fatalf("%q: %d answers through the loop, %d from net/http", req, len(got), len(want))
		}
		if !strings.HasPrefix(got[0], "HTTP/1.1 "+wantStatus[i]+" ") {
			t.Fatalf("%q: want %s, got:\n%s", req, wantStatus[i], trim(got[0]))
		}
		if normal(got[0]) != normal(want[0]) {
			t.Fatalf("%q: the miss through the loop:\n%q\nfrom net/http:\n%q", req, trim(got[0]), trim(want[0]))
		}
		if normal(got[1]) != normal(want[0]) {
			t.Fatalf("%q: asked again through the loop:\n%q\nfirst:\n%q", req, trim(got[1]), trim(want[0]))
		}
		// The revalidation a build answers is not cached: a 304 says
		// nothing of the body.
		misses := 1
		if !cached || wantStatus[i] == "304" {
			misses = 2
		}
		if m1-m0 != misses {
			t.Fatalf("%q: %d misses, want %d", req, m1-m0, misses)
		}
		if i == 0 {
			waitFor(t, "the loop's answers to be counted", func() bool { return requestCount(e, route, "GET", 200)-n0 >= 2 })
			if n := requestCount(e, route, "GET", 200) - n0; n != 2 {
				t.Fatalf("%q: counted %d times in its route's metrics, want 2", req, n)
			}
		}
	}
	if n := p.handed.Load(); n != 0 {
		t.Fatalf("%d connections handed to net/http, want 0", n)
	}
}
