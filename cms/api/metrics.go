package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// so that several servers in one process (tests) do not collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	cache     *prometheus.CounterVec
	cacheHit  prometheus.Counter
	cacheMiss prometheus.Counter
	// cacheCoalesced counts misses that waited for a build another
	// request had started rather than reading the database themselves.
	cacheCoalesced prometheus.Counter
	byRoute        sync.Map // seriesKey → *routeSeries
}

func newMetrics(extra []prometheus.Collector) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cms_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code."}, []string{"route", "method", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cms_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cms_delivery_cache_total",
			Help: "Delivery answers served from the in-memory cache (hit), built from the database (miss), or shared from a build another request started (coalesced)."}, []string{"result"}),
	}
	m.reg.MustRegister(m.requests, m.durations, m.cache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(extra...)
	m.cacheHit, m.cacheMiss = m.cache.WithLabelValues("hit"), m.cache.WithLabelValues("miss")
	m.cacheCoalesced = m.cache.WithLabelValues("coalesced")
	return m
}

// withMetrics counts and times every request by its route pattern (not
// its path, which would make one series per article).
func (m *metrics) withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r)
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		m.series(chi.RouteContext(r.Context()), methodLabel(r.Method), codeLabel(code)).observe(time.Since(start))
	})
}

// Every label value is one of a fixed set, never raw input: a client
// could otherwise make a new series with each request (a made-up method
// or status each time) and grow /metrics and the heap without bound.
// Route labels are chi's route patterns, "unmatched", and nothing else.

// knownMethods are the methods labelled by name; any other is "OTHER".
var knownMethods = map[string]string{
	"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH",
	"DELETE": "DELETE", "OPTIONS": "OPTIONS", "CONNECT": "CONNECT", "TRACE": "TRACE",
}

func methodLabel(m string) string {
	if l, ok := knownMethods[m]; ok {
		return l
	}
	return "OTHER"
}

// codeLabel keeps codes to the valid range; the server only writes codes
// of its own, but the label must not depend on that.
func codeLabel(code int) int {
	if code < 100 || code > 599 {
		return 0
	}
	return code
}

// routeSeries are the metrics of one route, method and status, looked up
// once: resolving label values hashes them, on every request otherwise.
type routeSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

func (rs *routeSeries) observe(d time.Duration) {
	rs.count.Inc()
	rs.duration.Observe(d.Seconds())
}

// seriesKey names a route by chi's pattern parts, which are strings of the
// route tree: a key made of them costs no allocation, where joining them
// into the route's pattern (chi's RoutePattern) costs several.
type seriesKey struct {
	parts  [4]string
	n      int
	method string
	code   int
}

func (m *metrics) series(rc *chi.Context, method string, code int) *routeSeries {
	k := seriesKey{method: method, code: code}
	if rc != nil {
		k.n = len(rc.RoutePatterns)
		if k.n <= len(k.parts) {
			copy(k.parts[:], rc.RoutePatterns)
		} else {
			k.parts[0] = rc.RoutePattern() // deeper than any route here; still right
		}
	}
	if rs, ok := m.byRoute.Load(k); ok {
		return rs.(*routeSeries)
	}
	route := "unmatched"
	if p := rc.RoutePattern(); p != "" {
		route = p
	}
	c := strconv.Itoa(code)
	if code == 0 {
		c = "other"
	}
	rs := &routeSeries{m.requests.WithLabelValues(route, method, c), m.durations.WithLabelValues(route)}
	m.byRoute.Store(k, rs)
	return rs
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
