package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"healthcms/cms"
)

// cachedResponse is a delivery answer kept in memory, its body plain and,
// once a client has asked for it, gzip-compressed, so serving it again is a
// map lookup and a write. An article read for a client that takes gzip
// holds the compressed copy only, until a client asks for the plain one
// (newCachedGz): a miss reads one copy from the database, not both.
type cachedResponse struct {
	status   int // 200, 301 or 404
	ctype    string
	etag     string
	location string
	// body is the plain body; nil until plain() makes it when lazy.
	body []byte
	// The header values of a hit, made once: the hot path assigns them
	// rather than formatting and canonicalizing them per request.
	etagV, ctypeV, lenV, locationV []string

	// lazy: the body is gz decompressed, made on first demand under
	// plainOnce (nil when gz does not decompress).
	lazy      bool
	plainLen  int
	plainOnce sync.Once
	// sz, when not 0, is size(), fixed when the answer is made: a lazy
	// body is written after the cache has counted the answer in.
	sz int

	gzOnce sync.Once
	gz     []byte // nil when the body is too small to be worth it
	gzLenV []string
	// published: the body is a live document, whose compressed copy is
	// stored at publication; made here, it is made as publication makes
	// it (cms.Gzip), so that every server sends the same bytes under the
	// document's one strong ETag.
	published bool

	// Cache bookkeeping. used is set by a hit (no lock: a hit only reads
	// it, and writes it once); the rest is guarded by responseCache.mu.
	used   atomic.Bool
	key    string
	inMain bool
}

// size is what the answer holds in memory, counting a compressed copy
// (made later, perhaps) as a third of the body.
func (c *cachedResponse) size() int {
	if c.sz != 0 {
		return c.sz
	}
	return len(c.body) + len(c.body)/3 + len(c.location) + 256
}

// touch marks the answer as asked for again since it was stored.
func (c *cachedResponse) touch() {
	if !c.used.Load() { // a load, not a store, on every hit but the first: no shared cache line written
		c.used.Store(true)
	}
}

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

// newCachedGz builds a 200 answer from its body gzip-compressed and the
// plain body's length; the plain body is decompressed on first demand. It
// counts in the cache as both copies, which it may come to hold.
func newCachedGz(ctype string, gz []byte, length int, etag string) *cachedResponse {
	c := &cachedResponse{status: http.StatusOK, ctype: ctype, etag: etag, lazy: true, plainLen: length, sz: length + len(gz) + 256,
		etagV: []string{etag}, ctypeV: []string{ctype}, lenV: []string{strconv.Itoa(length)}}
	c.gzOnce.Do(func() { c.gz, c.gzLenV = gz, []string{strconv.Itoa(len(gz))} })
	return c
}

// plain returns the plain body, decompressing it on the first call when
// the answer was made from its compressed copy; nil when that copy does
// not decompress to a body of the length stored beside it.
func (c *cachedResponse) plain() []byte {
	if !c.lazy {
		return c.body
	}
	c.plainOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(c.gz))
		if err != nil {
			return
		}
		body, err := readAllInto(zr, make([]byte, 0, c.plainLen))
		if err == nil && len(body) == c.plainLen {
			c.body = body
		}
	})
	return c.body
}

// readAllInto appends all of r to b.
func readAllInto(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			// One byte more than announced: read on, to find out.
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// servable reports whether the answer can be served to r: not when r
// needs the plain body and it cannot be made (a stored compressed copy
// that is corrupt), when the request is answered by building it afresh.
func (c *cachedResponse) servable(r *http.Request) bool {
	return !c.lazy || r.Method == http.MethodHead || acceptsGzip(r) || c.plain() != nil
}

// hitKind is the kind of answer a cached answer gives a request.
type hitKind uint8

const (
	kindPlain       hitKind = iota // 200, the plain body
	kindGzip                       // 200, the compressed body
	kindNotModified                // 304
	kindMoved                      // 301
	numKinds
)

// choose picks the answer c gives a request: a HEAD or not, whose
// If-None-Match matches c's ETag (revalidated) or not, from a client that
// takes gzip or not. body is what to send (nil for a HEAD, a 304 or a
// 301); ok is false when that is the plain body and it cannot be made (a
// corrupt compressed copy, see servable).
func (c *cachedResponse) choose(head, revalidated, gzipOK bool) (k hitKind, body []byte, ok bool) {
	switch {
	case c.status == http.StatusMovedPermanently:
		return kindMoved, nil, true
	case c.status == http.StatusNotModified || revalidated:
		return kindNotModified, nil, true
	}
	if gzipOK {
		if gz, _ := c.gzipped(); gz != nil {
			if head {
				gz = nil
			}
			return kindGzip, gz, true
		}
	}
	if head {
		return kindPlain, nil, true
	}
	body = c.plain()
	return kindPlain, body, body != nil || !c.lazy
}

// movedTo builds a 301 answer to location.
func movedTo(location string) *cachedResponse {
	return &cachedResponse{status: http.StatusMovedPermanently, location: location, locationV: []string{location}}
}

// gzipped returns the compressed body and its length header, compressing
// it on the first call (fast, not small: it runs on a request; a live
// document as publication does), or nil when the body is too small to be
// worth it.
func (c *cachedResponse) gzipped() ([]byte, []string) {
	c.gzOnce.Do(func() {
		body := c.plain()
		if c.published && body != nil {
			c.gz = cms.Gzip(body)
			c.gzLenV = []string{strconv.Itoa(len(c.gz))}
			return
		}
		if len(body) < minGzip {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		c.gz, c.gzLenV = buf.Bytes(), []string{strconv.Itoa(buf.Len())}
	})
	return c.gz, c.gzLenV
}

// queue is a FIFO of cached answers with the bytes they hold.
type queue struct {
	items []*cachedResponse
	head  int
	bytes int
}

func (q *queue) push(c *cachedResponse) { q.items = append(q.items, c) }
func (q *queue) len() int               { return len(q.items) - q.head }

func (q *queue) pop() *cachedResponse {
	c := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head > len(q.items)/2 {
		// Reuse the front of the slice. Delete clears the end it
		// vacates: a pointer left there past the length would keep an
		// evicted answer from the collector until overwritten.
		q.items = slices.Delete(q.items, 0, q.head)
		q.head = 0
	}
	return c
}

// smallShare is the part of the cache that answers asked for only once
// pass through (1/smallShare).
const smallShare = 10

// responseCache holds delivery answers by request until anything delivery
// serves changes, then forgets them all: publishing is rare, reading is
// constant, and whole purges cannot leave one stale entry behind.
//
// When full it evicts by S3-FIFO (Yang et al., SOSP 2023): a new answer
// enters a small queue (a tenth of the bytes); answers asked for again by
// the time they leave it move to the main queue, the others are dropped.
// The main queue gives every answer asked for since its last turn another
// round. So a flood of answers nobody asks for twice (unknown slugs, made-up
// search words, forged cursors) churns the small queue only and never
// evicts the hot set (up to about three quarters of the cache: an eviction
// frees an eighth, and the small queue keeps a tenth), and a hit costs no
// lock and no list update, just an atomic flag. Both queues are FIFOs: answers stored together leave
// together, which frees whole spans of the Go heap (random eviction left
// every span part-used, and the heap held about twice the cache's bytes).
type responseCache struct {
	mu          sync.RWMutex
	m           map[string]*cachedResponse
	small, main queue
	max         int
	// gen counts purges. An answer built from the database is stored only
	// if no purge happened since it was started, so an answer read before
	// a publication can never be cached after it.
	gen uint64

	fmu     sync.Mutex
	flights map[flightKey]*flight
}

func newResponseCache(maxBytes int) *responseCache {
	return &responseCache{m: map[string]*cachedResponse{}, max: maxBytes, flights: map[flightKey]*flight{}}
}

// get looks up an answer; key is a []byte so that a key assembled on the
// stack is looked up without being copied into a string.
func (c *responseCache) get(key []byte) (*cachedResponse, uint64) {
	c.mu.RLock()
	r, gen := c.m[string(key)], c.gen
	c.mu.RUnlock()
	return r, gen
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
	if old, ok := c.m[key]; ok { // left in its queue, skipped when it comes out
		c.queueOf(old).bytes -= old.size()
	}
	r.key, r.inMain = key, false
	c.m[key] = r
	c.small.push(r)
	c.small.bytes += r.size()
	if c.small.bytes+c.main.bytes > c.max {
		c.evict(c.max / 8)
	}
}

func (c *responseCache) queueOf(r *cachedResponse) *queue {
	if r.inMain {
		return &c.main
	}
	return &c.small
}

// evict drops answers until at least n bytes are free. Dropping an eighth
// at a time leaves no cliff where a full cache forgets everything at once.
func (c *responseCache) evict(n int) {
	// Every answer gets at most one second chance per call, so hits
	// arriving meanwhile cannot keep the loop going.
	chances := c.small.len() + c.main.len()
	for c.small.bytes+c.main.bytes+n > c.max && c.small.len()+c.main.len() > 0 {
		fromSmall := c.main.len() == 0 || c.small.bytes > c.max/smallShare && c.small.len() > 0
		q := &c.main
		if fromSmall {
			q = &c.small
		}
		r := q.pop()
		if c.m[r.key] != r { // replaced since: its bytes were counted off then
			continue
		}
		q.bytes -= r.size()
		if r.used.Load() && chances > 0 {
			chances--
			r.used.Store(false)
			r.inMain = true
			c.main.push(r)
			c.main.bytes += r.size()
			continue
		}
		delete(c.m, r.key)
	}
}

// Purge forgets every answer.
func (c *responseCache) Purge() {
	c.mu.Lock()
	c.m = map[string]*cachedResponse{}
	c.small, c.main = queue{}, queue{}
	c.gen++
	c.mu.Unlock()
}

// etagMatches reports whether an If-None-Match header matches etag, by
// the weak comparison RFC 9110 prescribes for If-None-Match.
func etagMatches(header, etag string) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// etagMatchesAny is etagMatches over every If-None-Match line of a
// request, without joining them.
func etagMatchesAny(header []string, etag string) bool {
	for _, h := range header {
		if etagMatches(h, etag) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client takes gzip (and did not refuse it
// with q=0). It runs on every hit, so it cuts rather than splits.
func acceptsGzip(r *http.Request) bool {
	ae := r.Header["Accept-Encoding"]
	if len(ae) == 0 {
		return false
	}
	s := ae[0]
	if len(ae) > 1 {
		s = strings.Join(ae, ",")
	}
	return gzipAccepted(s)
}

// gzipAccepted is acceptsGzip of an Accept-Encoding value.
func gzipAccepted(s string) bool {
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
