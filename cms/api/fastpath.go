package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"healthcms/cms"
)

// deliveryPrefix is where the delivery routes are mounted.
const deliveryPrefix = "/api/v1/delivery"

// deliveryRoute is a cached delivery route: its chi pattern under
// deliveryPrefix, the query parameters its answer depends on (sorted: the
// cache key, see appendCacheKey) and the builder of its answers.
type deliveryRoute struct {
	pattern string
	params  []string
	build   builder
	// name is the pattern without its leading slash or, for a route
	// ending in /{slug}, the part before that segment, with its slash.
	name string
	slug bool
	// byslug, when set, builds an answer from the route's slug and the
	// request's If-None-Match and gzip choice alone, so that the loop
	// builds a miss of the route without the router (hitConn.direct).
	byslug func(ctx context.Context, slug, inm string, gzipOK bool) (*cachedResponse, error)
	// series are the route's metrics by method (GET, HEAD) and status
	// (see hitCodes), resolved on first use.
	series [2][len(hitCodes)]atomic.Pointer[routeSeries]
}

// hitCodes are the statuses a hit can answer.
var hitCodes = [...]int{http.StatusOK, http.StatusNotModified, http.StatusMovedPermanently}

// hitPath is the fast path in front of the router: a delivery GET or HEAD
// whose answer is cached is found by one lookup and answered with
// prebuilt header values, without routing, middleware or per-request
// formatting. It sets the headers the router's middleware would
// (X-Request-Id, the security headers, CORS) and the same answer headers
// (writeCached), and counts the request in the same metrics series. Every
// other request, a miss, a cached 404 (its problem document carries the
// request id) and a key check that fails go through the router, which
// answers them as before.
type hitPath struct {
	routes    []*deliveryRoute
	templates hitTemplates
}

func (s *Server) newHitPath() *hitPath {
	routes := []*deliveryRoute{
		{pattern: "/articles", params: []string{"cursor", "limit", "topic"}, build: s.deliveryArticles},
		{pattern: "/articles/{slug}", build: s.deliveryArticle, byslug: s.articleAnswer},
		{pattern: "/topics", build: s.deliveryTopics},
		{pattern: "/topics/{slug}", build: s.deliveryTopic},
		{pattern: "/search", params: []string{"cursor", "limit", "q", "topic"}, build: s.deliverySearch},
		{pattern: "/feed.atom", params: []string{"topic"}, build: s.feed},
		{pattern: "/sitemap.xml", params: []string{"page"}, build: s.sitemap},
	}
	for _, rt := range routes {
		rt.name, rt.slug = strings.CutSuffix(rt.pattern[1:], "{slug}")
		if strings.Contains(rt.name, "{") {
			panic("deliveryRoute: only a last {slug} segment is matched") // keep match in step with chi
		}
	}
	return &hitPath{routes: routes}
}

// match finds the route of a delivery path as chi does (on the raw path
// when there is one): a fixed pattern equal to it, or a /{slug} pattern
// whose slug is one non-empty segment.
func (p *hitPath) match(r *http.Request) *deliveryRoute {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	return p.matchPath(path)
}

// matchPath is match of a raw path.
func (p *hitPath) matchPath(path string) *deliveryRoute {
	rest, ok := strings.CutPrefix(path, deliveryPrefix+"/")
	if !ok {
		return nil
	}
	for _, rt := range p.routes {
		if !rt.slug {
			if rest == rt.name {
				return rt
			}
			continue
		}
		if slug, ok := strings.CutPrefix(rest, rt.name); ok && slug != "" && !strings.Contains(slug, "/") {
			return rt
		}
	}
	return nil
}

// withHits puts the fast path in front of the router.
func (s *Server) withHits(router http.Handler) http.Handler {
	if s.cache.max <= 0 {
		return router // no cache, no hits
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.serveHit(w, r) {
			router.ServeHTTP(w, r)
		}
	})
}

// hitHeaders sets the headers the router's middleware would set on a hit
// (X-Request-Id, the security headers, CORS) and returns its request id.
func (s *Server) hitHeaders(h http.Header, r *http.Request, id *requestIDHeader) string {
	rid := id.set(h, r)
	h["X-Content-Type-Options"] = nosniff
	h["Referrer-Policy"] = noReferrer
	h["Content-Security-Policy"] = noFraming
	s.corsHeaders(h, r)
	return rid
}

// countHit counts a hit answered with code, started at start, as the
// router's middleware counts requests, and returns its duration.
func (s *Server) countHit(rt *deliveryRoute, c *cachedResponse, method string, code int, start time.Time) time.Duration {
	c.touch()
	s.metrics.cacheHit.Inc()
	return s.countAnswer(rt, method, code, start)
}

// countAnswer counts a request of rt's answered with code (200, 304 or
// 301), started at start, in the route's series as the router's
// middleware counts requests, and returns its duration.
func (s *Server) countAnswer(rt *deliveryRoute, method string, code int, start time.Time) time.Duration {
	m := 0
	if method == http.MethodHead {
		m = 1
	}
	i := 0
	for hitCodes[i] != code {
		i++
	}
	rs := rt.series[m][i].Load()
	if rs == nil {
		route := deliveryPrefix + rt.pattern // chi's RoutePattern of the route, as withMetrics labels it
		rs = &routeSeries{s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(code)), s.metrics.durations.WithLabelValues(route)}
		rt.series[m][i].Store(rs)
	}
	d := time.Since(start)
	rs.observe(d)
	return d
}

// serveHit answers a cached delivery answer and reports true, or leaves
// the request untouched and reports false.
func (s *Server) serveHit(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	rt := s.hits.match(r)
	if rt == nil || !saneURL(r) {
		return false
	}
	var buf [256]byte
	c, _ := s.cache.get(appendCacheKey(buf[:0], r, rt.params))
	if c == nil || c.status == http.StatusNotFound || !c.servable(r) {
		return false
	}
	if !s.DeliveryPublic {
		tok, ok := bearer(r)
		if !ok || s.Keys.Check(r.Context(), tok, cms.ScopeDelivery) != nil {
			return false // the router answers 401, or 503
		}
	}
	start := time.Now()
	id := s.hitHeaders(w.Header(), r, new(requestIDHeader))
	code, n := s.writeCached(w, r, c)
	d := s.countHit(rt, c, r.Method, code, start)
	if s.AccessLog {
		s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", id),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", code), slog.Int("bytes", n), slog.Duration("duration", d))
	}
	return true
}
