package api_test

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"healthcms/cms/api"
)

// requestCount reads cms_http_requests_total of a route, method and code.
func requestCount(e *env, route, method string, code int) int {
	e.t.Helper()
	body := string(e.do("GET", "/metrics", "", nil).want(200).Body)
	m := regexp.MustCompile(`cms_http_requests_total\{code="` + strconv.Itoa(code) + `",method="` + method +
		`",route="` + regexp.QuoteMeta(route) + `"\} (\d+)`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// hitAndMiss sends a request twice and checks that the first was a miss
// (answered through the router) and the second a hit (the fast path), and
// that both answers are the same but for the request id and the date.
func hitAndMiss(e *env, method, path, who string, headers ...string) *response {
	e.t.Helper()
	h0, m0 := cacheCounts(e)
	miss := e.do(method, path, who, nil, headers...)
	h1, m1 := cacheCounts(e)
	hit := e.do(method, path, who, nil, headers...)
	h2, m2 := cacheCounts(e)
	if h1 != h0 || m1 != m0+1 || h2 != h1+1 || m2 != m1 {
		e.t.Fatalf("%s %s: hits %d→%d→%d, misses %d→%d→%d; want a miss, then a hit", method, path, h0, h1, h2, m0, m1, m2)
	}
	sameAnswer(e.t, method+" "+path, miss, hit)
	return hit
}

// sameAnswer fails unless a and b have the same status, body and headers
// (X-Request-Id and Date aside).
func sameAnswer(t *testing.T, what string, a, b *response) {
	t.Helper()
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		delete(h, "X-Request-Id")
		delete(h, "Date")
		return h
	}
	if a.Status != b.Status || string(a.Body) != string(b.Body) {
		t.Fatalf("%s: %d %q, then %d %q", what, a.Status, a.Body, b.Status, b.Body)
	}
	if ha, hb := strip(a.Header), strip(b.Header); !maps.EqualFunc(ha, hb, slices.Equal) {
		t.Fatalf("%s: headers differ:\n%v\n%v", what, ha, hb)
	}
}

// A cached answer (the fast path in front of the router) is the answer
// the router gives on a miss, header for header: identity, gzip, HEAD,
// 304, 301, lists, topics, with CORS; unknown parameters find it; each is
// counted in the metrics of its route.
func TestCachedAnswersAreTheRoutersAnswers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Baricitinib in alopecia areata", "topics", []string{"jak-inhibitors"},
			"body_html", "<p>"+strings.Repeat("Baricitinib regrows hair in some patients. ", 60)+"</p>")
		slug := a["slug"].(string)
		path := delivery + "/articles/" + slug
		route := delivery + "/articles/{slug}"

		c0 := requestCount(e, route, "GET", 200)
		full := hitAndMiss(e, "GET", path, "") // gzip, unpacked by the client
		if c := requestCount(e, route, "GET", 200); c != c0+2 {
			t.Fatalf("GET %s counted %d times, want 2", path, c-c0)
		}
		tag := full.Header.Get("ETag")
		if tag == "" || full.Header.Get("X-Content-Type-Options") != "nosniff" || full.Header.Get("Access-Control-Allow-Origin") != "*" ||
			full.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" || full.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("hit headers: %v", full.Header)
		}
		// The same entry, by other requests: a hit each time.
		h0, _ := cacheCounts(e)
		gz := e.do("GET", path, "", nil, "Accept-Encoding", "gzip")
		head := e.do("HEAD", path, "", nil)
		notMod := e.do("GET", path, "", nil, "If-None-Match", tag)
		utm := e.do("GET", path+"?utm_source=news&x=1", "", nil)
		own := e.do("GET", path, "", nil, "X-Request-Id", "proxy-id-0123456789")
		if h, _ := cacheCounts(e); h != h0+5 {
			t.Fatalf("%d hits of 5", h-h0)
		}
		if gz.Status != 200 || gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Content-Length") != strconv.Itoa(len(gz.Body)) {
			t.Fatalf("gzip hit: %d %v", gz.Status, gz.Header)
		}
		if head.Status != 200 || len(head.Body) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(full.Body)) {
			t.Fatalf("HEAD hit: %d %v", head.Status, head.Header)
		}
		if notMod.Status != 304 || len(notMod.Body) != 0 || notMod.Header.Get("ETag") != tag {
			t.Fatalf("revalidation hit: %d %v", notMod.Status, notMod.Header)
		}
		sameAnswer(t, "unknown parameters", full, utm)
		if own.Header.Get("X-Request-Id") != "proxy-id-0123456789" {
			t.Fatalf("X-Request-Id %q, want the proxy's", own.Header.Get("X-Request-Id"))
		}
		if requestCount(e, route, "HEAD", 200) != 1 || requestCount(e, route, "GET", 304) != 1 {
			t.Fatal("HEAD or 304 hit not counted")
		}

		// Every other cached route, misses and hits alike.
		hitAndMiss(e, "GET", delivery+"/articles?topic=jak-inhibitors&limit=5", "")
		hitAndMiss(e, "GET", delivery+"/articles", "", "Accept-Encoding", "gzip")
		hitAndMiss(e, "GET", delivery+"/topics", "")
		hitAndMiss(e, "HEAD", delivery+"/topics/baricitinib", "")
		hitAndMiss(e, "GET", delivery+"/topics/jaki", "") // an alias: 301
		hitAndMiss(e, "GET", delivery+"/search?q=baricitinib", "")
		hitAndMiss(e, "GET", delivery+"/feed.atom", "")
		hitAndMiss(e, "GET", delivery+"/sitemap.xml", "")

		// A cached 404 is answered by the router: its problem carries the
		// request id.
		e.delivered("no-such-article").problem(404)
		if p := e.delivered("no-such-article").problem(404); p["request_id"] == "" {
			t.Fatalf("cached 404 without a request id: %v", p)
		}
		// A URL the router refuses is refused, even if it names a cached answer.
		e.do("GET", path+"?x=%00", "", nil).problem(400)
	})
}

// With origins configured, a hit answers CORS as the router does: the
// allowed origin named, Vary: Origin always, nothing for other origins.
func TestCachedAnswersCORS(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		slug := e.publish("Tofacitinib and shingles")["slug"].(string)
		path := delivery + "/articles/" + slug
		ok := hitAndMiss(e, "GET", path, "", "Origin", "https://www.example.com")
		if ok.Header.Get("Access-Control-Allow-Origin") != "https://www.example.com" ||
			!slices.Equal(ok.Header.Values("Vary"), []string{"Origin", "Accept-Encoding"}) {
			t.Fatalf("allowed origin: %v", ok.Header)
		}
		other := e.do("GET", path, "", nil, "Origin", "https://evil.example")
		none := e.do("GET", path, "", nil)
		for _, res := range []*response{other, none} {
			if res.Status != 200 || res.Header.Get("Access-Control-Allow-Origin") != "" ||
				!slices.Equal(res.Header.Values("Vary"), []string{"Origin", "Accept-Encoding"}) {
				t.Fatalf("other origin: %v", res.Header)
			}
		}
		pre := e.do("OPTIONS", path, "", nil, "Origin", "https://www.example.com", "Access-Control-Request-Method", "GET")
		if pre.Status != 204 || pre.Header.Get("Access-Control-Allow-Methods") == "" {
			t.Fatalf("preflight: %d %v", pre.Status, pre.Header)
		}
	}, func(s *api.Server) { s.CORSOrigins = []string{"https://www.example.com"} })
}

// When delivery is private, a cached answer still needs a delivery key:
// without one, with another kind, or once revoked, 401.
func TestCachedAnswersNeedAKeyWhenPrivate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		slug := e.publish("Ruxolitinib cream")["slug"].(string)
		path := delivery + "/articles/" + slug
		res := e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "Site", "scope": "delivery"}).want(201).json()
		key, id := res["key"].(string), res["id"].(string)
		hit := hitAndMiss(e, "GET", path, key)
		if cc := hit.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Fatalf("Cache-Control %q", cc)
		}
		e.do("GET", path, "", nil).problem(401)
		e.do("GET", path, "editor", nil).problem(401)
		e.do("GET", path, "made-up-key", nil).problem(401)
		e.do("HEAD", path, "", nil).want(401)
		e.do("GET", path, key, nil).want(200)
		e.do("DELETE", "/api/v1/editor/api-keys/"+id, "admin", nil).want(204)
		e.do("GET", path, key, nil).problem(401)
	}, func(s *api.Server) { s.DeliveryPublic = false })
}
