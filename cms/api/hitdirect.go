package api

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// The loop writes most hits from templates (issue 13: a hit is one lookup
// and one write of prebuilt bytes). A template is what net/http writes for
// one kind of cached answer, status line and header, made once per server
// by running the code that answers hits on every other path (hitHeaders,
// writeCached, hitWriter.finish) on a stand-in answer whose values are
// markers, and cutting it at the markers and at the two header values
// that change with every request (X-Request-Id, Date). Filling one is a
// few appends: no header map, no sort, no formatting; and the bytes stay
// those of the general path, which the tests compare with net/http's.

// Holes of a template: what a part is followed by.
const (
	holeNone uint8 = iota
	holeID
	holeDate
	holeEtag
	holeType
	holeLen // of the body sent: plain or compressed
	holeLocation
)

// The stand-in answer's values. \x01 is kept as is by appendHeaderValue
// and is in no header value the server writes.
const (
	markEtag     = "\x01etag\x01"
	markType     = "\x01type\x01"
	markLen      = "\x01len\x01"
	markLocation = "\x01location\x01"
)

// hitTemplate is the head of an answer of one kind, for GET or HEAD, as
// literal parts each followed by a hole, without the blank line that ends
// it (Connection: close may still go in).
type hitTemplate struct {
	parts []hitPart
}

type hitPart struct {
	lit  []byte
	hole uint8
}

// hitTemplates are a server's templates by method (GET, HEAD) and kind,
// made on first use.
type hitTemplates [2][numKinds]atomic.Pointer[hitTemplate]

// hitTemplate returns the template of a kind of hit, made on first use.
func (s *Server) hitTemplate(head bool, k hitKind) *hitTemplate {
	m := 0
	if head {
		m = 1
	}
	p := &s.hits.templates[m][k]
	if t := p.Load(); t != nil {
		return t
	}
	t := s.makeHitTemplate(head, k)
	p.Store(t)
	return t
}

// makeHitTemplate answers a request for a stand-in cached answer of kind
// k as every hit is answered, without Origin (the loop answers requests
// with one from templates only when any origin may read delivery, see
// hitConn.direct), and cuts the head it writes into a template.
func (s *Server) makeHitTemplate(head bool, k hitKind) *hitTemplate {
	c := &cachedResponse{status: http.StatusOK, ctype: markType, etag: markEtag, body: []byte{},
		etagV: []string{markEtag}, ctypeV: []string{markType}, lenV: []string{markLen}}
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if head {
		r.Method = http.MethodHead
	}
	switch k {
	case kindGzip:
		c.gzOnce.Do(func() { c.gz, c.gzLenV = []byte{}, []string{markLen} })
		r.Header["Accept-Encoding"] = []string{"gzip"}
	case kindNotModified:
		r.Header["If-None-Match"] = []string{markEtag}
	case kindMoved:
		c = movedTo(markLocation)
	}
	w := &hitWriter{h: http.Header{}}
	w.reset(head)
	s.hitHeaders(w.h, r, new(requestIDHeader))
	s.writeCached(w, r, c)
	w.finish()
	// The head without the blank line that ends it, line by line.
	lines := bytes.Split(w.out[:len(w.out)-len(w.body)-4], []byte("\r\n"))
	t := &hitTemplate{}
	lit := append([]byte{}, lines[0]...)
	for _, line := range lines[1:] {
		lit = append(lit, "\r\n"...)
		name, value, _ := bytes.Cut(line, []byte(": "))
		hole := holeNone
		switch {
		case string(name) == "X-Request-Id":
			hole = holeID
		case string(name) == "Date":
			hole = holeDate
		case string(value) == markEtag:
			hole = holeEtag
		case string(value) == markType:
			hole = holeType
		case string(value) == markLen:
			hole = holeLen
		case string(value) == markLocation:
			hole = holeLocation
		}
		if hole == holeNone {
			lit = append(lit, line...)
			continue
		}
		lit = append(lit, name...)
		lit = append(lit, ": "...)
		t.parts = append(t.parts, hitPart{lit, hole})
		lit = nil
	}
	t.parts = append(t.parts, hitPart{append(lit, "\r\n"...), holeNone})
	return t
}

// fill appends the head of c's answer of kind k to b: the template with
// its holes filled, and the blank line that ends a head.
func (t *hitTemplate) fill(b []byte, c *cachedResponse, k hitKind, id []byte, now time.Time) []byte {
	for _, p := range t.parts {
		b = append(b, p.lit...)
		switch p.hole {
		case holeID:
			b = append(b, id...)
		case holeDate:
			b = appendDate(b, now)
		case holeEtag:
			b = appendHeaderValue(b, c.etagV[0])
		case holeType:
			b = appendHeaderValue(b, c.ctypeV[0])
		case holeLen:
			if k == kindGzip {
				b = append(b, c.gzLenV[0]...)
			} else {
				b = append(b, c.lenV[0]...)
			}
		case holeLocation:
			b = appendHeaderValue(b, c.locationV[0])
		}
	}
	return append(b, "\r\n"...)
}

// direct answers the parsed request from a template into hc.w, or reports
// false having written nothing, for answer (serveHit) to try. It takes
// what serveHit would answer with the same bytes and needs no URL parsing
// for: a path of unreserved characters (so it is its own escaped form), a
// query without escapes (so every value is sane and read as is), no Origin
// unless any origin may read delivery, and no access log to write.
func (hc *hitConn) direct(now time.Time) bool {
	s, h := hc.l.s, &hc.head
	hc.built = nil
	if s.AccessLog {
		return false
	}
	path, query, _ := strings.Cut(h.uri, "?")
	if !unreservedPath(path) || strings.IndexByte(query, '%') >= 0 {
		return false
	}
	rt := s.hits.matchPath(path)
	if rt == nil {
		return false
	}
	var inm, ae, rid string
	for i := range h.n {
		switch h.names[i] {
		case "If-None-Match":
			inm = h.vals[i]
		case "Accept-Encoding":
			ae = h.vals[i]
		case "X-Request-Id":
			rid = h.vals[i]
		case "Origin":
			if !s.anyOrigin {
				return false
			}
		}
	}
	var kb [256]byte
	key := appendKey(kb[:0], path, query, rt.params)
	c, _ := s.cache.get(key)
	built := false
	if c == nil {
		if c = hc.build(rt, path, key, inm, ae); c == nil {
			return false
		}
		built = true
	}
	if c.status == http.StatusNotFound {
		return false
	}
	head := h.method == http.MethodHead
	k, body, ok := c.choose(head, inm != "" && etagMatches(inm, c.etag), ae != "" && gzipAccepted(ae))
	if !ok {
		return false // a corrupt compressed copy: serveHit refuses it too
	}
	code := http.StatusOK
	switch k {
	case kindMoved:
		code = http.StatusMovedPermanently
	case kindNotModified:
		code = http.StatusNotModified
	}
	if rid != "" && wellFormedID(rid) {
		hc.id = append(hc.id[:0], rid...)
	} else {
		hc.id = appendNewRequestID(hc.id[:0])
	}
	w := &hc.w
	w.out = s.hitTemplate(head, k).fill(w.out[:0], c, k, hc.id, now)
	w.body = nil
	if len(body) > 0 {
		w.out, w.body = append(w.out, body...), body
	}
	if built {
		s.countAnswer(rt, h.method, code, now)
	} else {
		s.countHit(rt, c, h.method, code, now)
	}
	return true
}

// build answers a miss of a route whose answers are built from the slug
// alone (an article's) as the router would, through the same coalesced
// flight (fill: one database read for every request waiting on the key,
// cached unless the cache is off), but without the router's parsing,
// routing and middleware: at 100,000 articles those were about a tenth
// of a SQLite miss's CPU. It returns nil, having counted nothing, for
// anything else and when the build fails: the router builds again and
// answers the error. A 404 is counted here and left in hc for the router
// to write (its problem document carries the request id), without
// building it again (see builtAnswer).
func (hc *hitConn) build(rt *deliveryRoute, path string, key []byte, inm, ae string) *cachedResponse {
	s := hc.l.s
	if rt.byslug == nil {
		return nil
	}
	slug := path[len(deliveryPrefix)+1+len(rt.name):]
	gzipOK := ae != "" && gzipAccepted(ae)
	c, coalesced, err := s.fill(hc.l.ctx, key, inm, func(ctx context.Context) (*cachedResponse, error) {
		return rt.byslug(ctx, slug, inm, gzipOK)
	})
	if err != nil {
		return nil
	}
	if coalesced {
		s.metrics.cacheCoalesced.Inc()
	} else {
		s.metrics.cacheMiss.Inc()
	}
	if c.status == http.StatusNotFound {
		hc.built = &builtAnswer{key: string(key), resp: c}
	}
	return c
}

// builtAnswer is an answer the loop built for a request and hands to the
// router to write, through the request's context (see delivered).
type builtAnswer struct {
	key  string
	resp *cachedResponse
}

type builtKey struct{}

// builtFor returns the answer the loop built for r's key, if it did.
func builtFor(r *http.Request, key []byte) *cachedResponse {
	if b, ok := r.Context().Value(builtKey{}).(*builtAnswer); ok && b.key == string(key) {
		return b.resp
	}
	return nil
}

// unreservedPath reports whether a path is of letters, digits, "-._~"
// and "/" only.
func unreservedPath(p string) bool {
	for i := range len(p) {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '/':
		default:
			return false
		}
	}
	return true
}
