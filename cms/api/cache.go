package api

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// cachedResponse is a delivery answer kept in memory, its body plain and,
// once a client has asked for it, gzip-compressed, so serving it again is a
// map lookup and a write.
type cachedResponse struct {
	status   int // 200, 301 or 404
	ctype    string
	etag     string
	location string
	body     []byte
	// The header values of a hit, made once: the hot path assigns them
	// rather than formatting and canonicalizing them per request.
	etagV, ctypeV, lenV []string

	gzOnce sync.Once
	gz     []byte // nil when the body is too small to be worth it
	gzLenV []string
}

// size is what the answer holds in memory, counting a compressed copy
// (made later, perhaps) as a third of the body.
func (c *cachedResponse) size() int { return len(c.body) + len(c.body)/3 + len(c.location) + 256 }

// minGzip is the smallest body worth compressing.
const minGzip = 512

// newCached builds a 200 answer. gz is the body already compressed (at
// publication) or nil, when it is compressed on first demand.
func newCached(ctype string, body []byte, etag string, gz []byte) *cachedResponse {
	c := &cachedResponse{status: http.StatusOK, ctype: ctype, body: body, etag: etag,
		etagV: []string{etag}, ctypeV: []string{ctype}, lenV: []string{strconv.Itoa(len(body))}}
	if gz != nil {
		c.gzOnce.Do(func() { c.gz, c.gzLenV = gz, []string{strconv.Itoa(len(gz))} })
	}
	return c
}

// gzipped returns the compressed body and its length header, compressing
// it on the first call (fast, not small: it runs on a request), or nil when
// the body is too small to be worth it.
func (c *cachedResponse) gzipped() ([]byte, []string) {
	c.gzOnce.Do(func() {
		if len(c.body) < minGzip {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(c.body)
		zw.Close()
		c.gz, c.gzLenV = buf.Bytes(), []string{strconv.Itoa(buf.Len())}
	})
	return c.gz, c.gzLenV
}

// responseCache holds delivery answers by URL until anything delivery
// serves changes, then forgets them all: publishing is rare, reading is
// constant, and whole purges cannot leave one stale entry behind.
type responseCache struct {
	mu    sync.RWMutex
	m     map[string]*cachedResponse
	bytes int
	max   int
	// fifo holds the keys in the order they were first stored, oldest at
	// head; evict drops from there.
	fifo []string
	head int
	// gen counts purges. An answer built from the database is stored only
	// if no purge happened since it was started, so an answer read before
	// a publication can never be cached after it.
	gen uint64
}

func newResponseCache(maxBytes int) *responseCache {
	return &responseCache{m: map[string]*cachedResponse{}, max: maxBytes}
}

func (c *responseCache) get(key string) (*cachedResponse, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key], c.gen
}

func (c *responseCache) put(key string, gen uint64, r *cachedResponse) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.bytes+r.size() > c.max {
		c.evict(c.max / 8)
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= old.size()
	} else {
		c.fifo = append(c.fifo, key)
	}
	c.m[key] = r
	c.bytes += r.size()
}

// evict drops the oldest entries until at least n bytes are free. Oldest
// first rather than at random: answers stored together were allocated
// together, so dropping them together frees whole spans of the Go heap;
// random eviction left every span part-used, and the heap held about
// twice the cache's bytes. No bookkeeping on hits, and dropping an eighth
// at a time leaves no cliff where a full cache forgets everything at once.
func (c *responseCache) evict(n int) {
	for c.head < len(c.fifo) && c.bytes+n > c.max {
		k := c.fifo[c.head]
		c.fifo[c.head] = ""
		c.head++
		if v, ok := c.m[k]; ok {
			delete(c.m, k)
			c.bytes -= v.size()
		}
	}
	if c.head > len(c.fifo)/2 {
		c.fifo = append(c.fifo[:0], c.fifo[c.head:]...)
		c.head = 0
	}
}

// Purge forgets every answer.
func (c *responseCache) Purge() {
	c.mu.Lock()
	c.m, c.bytes = map[string]*cachedResponse{}, 0
	c.fifo, c.head = nil, 0
	c.gen++
	c.mu.Unlock()
}

// etagMatches reports whether an If-None-Match header matches etag, by
// the weak comparison RFC 9110 prescribes for If-None-Match.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client takes gzip (and did not refuse it
// with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
