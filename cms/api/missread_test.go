package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/api"
)

// A cache miss reads the one copy of an article its client takes (issue
// 13); whichever copy the cached answer was made from, every client gets
// the bytes it got before: the stored plain document, or the stored
// compressed one, with the same ETag, 304 and HEAD.
func TestMissReadsOneCopy(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) { checkMissReadsOneCopy(t, e, "") })
}

// The same with delivery private: the fast path's key check, then the
// same bytes.
func TestMissReadsOneCopyPrivate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		res := e.do("POST", "/api/v1/editor/api-keys", "admin", map[string]any{"name": "Site", "scope": "delivery"}).want(201).json()
		checkMissReadsOneCopy(t, e, res["key"].(string))
	}, func(s *api.Server) { s.DeliveryPublic = false })
}

func checkMissReadsOneCopy(t *testing.T, first *env, key string) {
	ctx := context.Background()
	a := first.publish("Tofacitinib", "body_html", "<p>"+strings.Repeat("Tofacitinib is a JAK inhibitor taken twice a day. ", 80)+"</p>")
	slug := a["slug"].(string)
	plainDoc, err := first.db.LiveArticle(ctx, slug, cms.LivePlain)
	if err != nil {
		t.Fatal(err)
	}
	gzDoc, err := first.db.LiveArticle(ctx, slug, cms.LiveGzip)
	if err != nil {
		t.Fatal(err)
	}
	if plainDoc.DocumentGz != nil || gzDoc.Document != nil || len(gzDoc.DocumentGz) == 0 || gzDoc.Length != len(plainDoc.Document) ||
		gzDoc.ETag != plainDoc.ETag || gzDoc.Slug != slug {
		t.Fatalf("store reads: plain %d/%d bytes, gzip %d/%d bytes, length %d", len(plainDoc.Document), len(plainDoc.DocumentGz),
			len(gzDoc.Document), len(gzDoc.DocumentGz), gzDoc.Length)
	}
	if unz := gunzip(t, gzDoc.DocumentGz); !bytes.Equal(unz, plainDoc.Document) {
		t.Fatal("the stored compressed copy is not the plain document")
	}
	etag := plainDoc.ETag

	cs := &countingStore{DeliveryStore: first.db}
	e := newEnvOn(t, first.db, func(s *api.Server) {
		s.Delivery = cs
		s.DeliveryPublic = first.api.DeliveryPublic
	})
	// No transparent decompression: the test sees the bytes sent.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	get := func(method string, gz bool, headers ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, e.srv.URL+delivery+"/articles/"+slug, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	// want checks a 200 (or HEAD) answer against the stored copy.
	want := func(what, method string, gz bool) {
		t.Helper()
		res, body := get(method, gz)
		wantBody, enc := plainDoc.Document, ""
		if gz {
			wantBody, enc = gzDoc.DocumentGz, "gzip"
		}
		if res.StatusCode != 200 || res.Header.Get("ETag") != etag || res.Header.Get("Content-Encoding") != enc ||
			res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d %v", what, res.StatusCode, res.Header)
		}
		if !gz || method == "HEAD" {
			if cl := res.Header.Get("Content-Length"); !gz && cl != strconv.Itoa(len(plainDoc.Document)) {
				t.Fatalf("%s: Content-Length %s, want %d", what, cl, len(plainDoc.Document))
			}
		}
		if method == "HEAD" {
			if len(body) != 0 {
				t.Fatalf("%s: a HEAD with a body", what)
			}
			return
		}
		if !bytes.Equal(body, wantBody) || res.Header.Get("Content-Length") != strconv.Itoa(len(wantBody)) {
			t.Fatalf("%s: %d bytes (Content-Length %s), want the stored %d", what, len(body), res.Header.Get("Content-Length"), len(wantBody))
		}
	}
	reads := func(what string, n int64) {
		t.Helper()
		if got := cs.reads.Swap(0); got != n {
			t.Fatalf("%s: %d document reads, want %d", what, got, n)
		}
	}

	// A gzip miss first: the answer holds the compressed copy; a HEAD and
	// a plain GET are hits that read nothing more.
	e.api.PurgeDelivery()
	want("gzip miss", "GET", true)
	reads("gzip miss", 1)
	want("plain HEAD after a gzip miss", "HEAD", false)
	want("gzip HEAD after a gzip miss", "HEAD", true)
	want("plain hit after a gzip miss", "GET", false)
	want("gzip hit after a plain hit", "GET", true)
	want("plain hit again", "GET", false)
	reads("hits after a gzip miss", 0)

	// A plain miss first: the plain document as stored; a gzip hit is
	// compressed here from it, to the very bytes stored (one strong ETag,
	// one compressed representation, whichever server sends it).
	e.api.PurgeDelivery()
	want("plain miss", "GET", false)
	reads("plain miss", 1)
	want("gzip hit after a plain miss", "GET", true)
	reads("gzip hit after a plain miss", 0)

	// HEAD misses, of either kind.
	for _, gz := range []bool{false, true} {
		e.api.PurgeDelivery()
		want("HEAD miss", "HEAD", gz)
		reads("HEAD miss", 1)
		want("GET after a HEAD miss", "GET", gz)
		want("GET of the other kind after a HEAD miss", "GET", !gz)
		reads("GETs after a HEAD miss", 0)
	}

	// Revalidation: a miss reads the validator only; a hit of either kind
	// answers 304 with the same ETag.
	for _, gz := range []bool{false, true} {
		e.api.PurgeDelivery()
		for _, warm := range []bool{false, true} {
			if warm {
				want("warming", "GET", !gz)
			}
			res, body := get("GET", gz, "If-None-Match", etag)
			if res.StatusCode != 304 || len(body) != 0 || res.Header.Get("ETag") != etag {
				t.Fatalf("If-None-Match (cached %v): %d %v", warm, res.StatusCode, res.Header)
			}
			res, _ = get("GET", gz, "If-None-Match", `"stale"`)
			if res.StatusCode != 200 || res.Header.Get("ETag") != etag {
				t.Fatalf("stale If-None-Match (cached %v): %d %v", warm, res.StatusCode, res.Header)
			}
		}
	}
	cs.reads.Store(0)

	// An old slug: a 301 to the live one, from either read.
	old := slug
	a = first.save("writer", a, draft("Tofacitinib", "slug", "tofacitinib-xeljanz", "body_html", "<p>Renamed.</p>")).want(200).json()
	a = first.act("writer", a, "submit").want(200).json()
	a = first.act("reviewer", a, "approve").want(200).json()
	first.act("editor", a, "publish").want(200)
	for _, gz := range []bool{false, true} {
		e.api.PurgeDelivery()
		res, _ := get("GET", gz)
		if res.StatusCode != 301 || res.Header.Get("Location") != delivery+"/articles/tofacitinib-xeljanz" {
			t.Fatalf("old slug %s (gzip %v): %d %v", old, gz, res.StatusCode, res.Header)
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
