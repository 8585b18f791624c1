package api

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// 100,000 answers asked for once (unknown slugs) pass through a 1 MiB
// cache without evicting an article asked for twice, and the cache never
// holds more than its bound. (Evicting oldest first, the article was gone
// after about 3,800.)
func TestCacheScanResistance(t *testing.T) {
	c := newResponseCache(1 << 20)
	hot := newCached(jsonType, make([]byte, 8400), `"hot"`, nil)
	c.put("/articles/hot", 0, hot)
	if r, _ := c.get([]byte("/articles/hot")); r != hot {
		t.Fatal("not cached")
	}
	hot.touch()
	for i := range 100_000 {
		c.put(fmt.Sprintf("/articles/no-such-%d", i), 0, &cachedResponse{status: 404, body: []byte("article not found")})
		if c.small.bytes+c.main.bytes > c.max {
			t.Fatalf("after %d answers the cache holds %d bytes, more than its %d", i+1, c.small.bytes+c.main.bytes, c.max)
		}
		if r, _ := c.get([]byte("/articles/hot")); r != hot {
			t.Fatalf("the hot article was evicted after %d unknown slugs", i+1)
		}
	}
	// Answers asked for again do not pin the cache either: a new hot set
	// replaces an old one.
	for i := range 1000 {
		k := fmt.Sprintf("/articles/a-%d", i)
		c.put(k, 0, newCached(jsonType, make([]byte, 8400), `"x"`, nil))
		r, _ := c.get([]byte(k))
		r.touch()
		if c.small.bytes+c.main.bytes > c.max {
			t.Fatalf("the cache holds %d bytes, more than its %d", c.small.bytes+c.main.bytes, c.max)
		}
	}
	if r, _ := c.get([]byte("/articles/hot")); r == hot {
		t.Fatal("an answer not asked for since 1,000 others were is still cached")
	}
}

// The answers a full cache drops are garbage: nothing the cache keeps
// holds on to them. (Its queues once kept a pointer to each answer they
// had moved up, past their end: a 64 MiB cache held 108 MB of documents
// at 100,000 articles, and the collector ran 1.7 times as often.)
func TestCacheHoldsNoEvictedAnswer(t *testing.T) {
	c := newResponseCache(1 << 20)
	const n = 5000
	var freed atomic.Int64
	for i := range n {
		r := newCached(jsonType, make([]byte, 8400), `"x"`, nil)
		runtime.AddCleanup(r, func(int) { freed.Add(1) }, 0)
		c.put(fmt.Sprintf("/articles/a-%d", i), 0, r)
		if i%3 == 0 { // some asked for again, so the main queue turns too
			r.touch()
		}
	}
	held := len(c.m)
	var alive int64
	for range 100 { // cleanups run after a collection, on a goroutine of their own
		runtime.GC()
		if alive = n - freed.Load(); alive <= int64(held) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(c)
	if alive > int64(held) {
		t.Fatalf("%d answers are kept alive for the %d the cache holds", alive, held)
	}
}

func TestCacheKeyNormalizes(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"/x?topic=ra&limit=5", "/x?limit=5&topic=ra&utm=1"},
		{"/x?topic=a%2Db", "/x?topic=a-b"},
		{"/x?topic=a+b", "/x?topic=a%20b"},
		{"/x", "/x?other=1&topic="},
	} {
		ka := appendCacheKey(nil, mustRequest(t, tc.a), []string{"limit", "topic"})
		kb := appendCacheKey(nil, mustRequest(t, tc.b), []string{"limit", "topic"})
		if string(ka) != string(kb) {
			t.Errorf("%s and %s: keys %q and %q", tc.a, tc.b, ka, kb)
		}
	}
	ka := appendCacheKey(nil, mustRequest(t, "/x?topic=a&limit=5"), []string{"limit", "topic"})
	kb := appendCacheKey(nil, mustRequest(t, "/x?topic=a&limit=6"), []string{"limit", "topic"})
	if string(ka) == string(kb) {
		t.Errorf("different limits, one key %q", ka)
	}
}

func mustRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", "http://h"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A hot set filling two thirds of the cache, each article read now and
// then, survives 100,000 unknown slugs whole.
func TestCacheScanResistanceLargeHotSet(t *testing.T) {
	c := newResponseCache(1 << 20)
	var hot []string
	for i := range 60 { // 60 x (8,400 + 2,800 + 256) bytes: 65% of the cache
		k := fmt.Sprintf("/articles/hot-%d", i)
		c.put(k, 0, newCached(jsonType, make([]byte, 8400), `"h"`, nil))
		hot = append(hot, k)
	}
	read := func(after int) {
		for _, k := range hot {
			r, _ := c.get([]byte(k))
			if r == nil {
				t.Fatalf("%s was evicted after %d unknown slugs", k, after)
			}
			r.touch()
		}
	}
	read(0)
	for i := range 100_000 {
		c.put(fmt.Sprintf("/articles/no-such-%d", i), 0, &cachedResponse{status: 404, body: []byte("article not found")})
		if i%500 == 499 {
			read(i + 1)
		}
	}
}

// An answer made from a compressed copy that does not decompress (a
// corrupt stored copy) is served to clients that take gzip and for HEAD,
// and never as an empty or truncated plain body: a plain GET is not a hit.
func TestCorruptCompressedCopyIsNoPlainHit(t *testing.T) {
	c := newCachedGz(jsonType, []byte("\x1f\x8b not gzip at all"), 8400, `"e"`)
	plainGet, _ := http.NewRequest("GET", "/api/v1/delivery/articles/a", nil)
	gzGet, _ := http.NewRequest("GET", "/api/v1/delivery/articles/a", nil)
	gzGet.Header.Set("Accept-Encoding", "gzip")
	head, _ := http.NewRequest("HEAD", "/api/v1/delivery/articles/a", nil)
	if c.servable(plainGet) || !c.servable(gzGet) || !c.servable(head) || c.plain() != nil {
		t.Fatal("a corrupt compressed copy served as a plain body")
	}
	if c.size() != 8400+len(c.gz)+256 {
		t.Fatalf("size %d: not both copies", c.size())
	}
	// What writeCached and the loop send: nothing for a plain GET, the
	// compressed copy to gzip, no body to HEAD.
	if _, _, ok := c.choose(false, false, false); ok {
		t.Fatal("a plain GET is answered from a corrupt compressed copy")
	}
	if k, body, ok := c.choose(false, false, true); !ok || k != kindGzip || string(body) != string(c.gz) {
		t.Fatalf("gzip GET: kind %d, %d bytes, %v", k, len(body), ok)
	}
	if k, body, ok := c.choose(true, false, false); !ok || k != kindPlain || body != nil {
		t.Fatalf("HEAD: kind %d, %d bytes, %v", k, len(body), ok)
	}
}
