// Package api is the CMS's HTTP interface: the editor, auth, delivery and
// preview APIs of API.md, as problem+json-speaking chi routers. Handlers are
// thin: decode, call the domain, encode.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"healthcms/auth"
	"healthcms/cms"
)

// Server holds what the handlers need. Handler builds the router.
// Handlers call use-cases (Auth, Editor, Keys, the delivery reader), never
// a store, so every permission check and audit event is in one place.
type Server struct {
	Auth   *auth.Service
	Editor *cms.Editor
	// Webhooks manages webhooks (admins).
	Webhooks *cms.Webhooks
	// Delivery is the store the delivery use-cases (cms.Delivery) read
	// live content from; handlers use those.
	Delivery cms.DeliveryStore
	// Keys checks delivery and preview keys.
	Keys *auth.Keys
	// DeliveryPublic serves delivery without a key.
	DeliveryPublic bool
	// CacheControl is sent with delivery answers. Empty: public, max-age=60,
	// stale-while-revalidate=600, or private when delivery needs a key, so
	// no shared cache hands keyed content to someone without one.
	CacheControl string
	// CORSOrigins may read delivery from browsers; empty or "*" is any.
	CORSOrigins []string
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client, for login limits per client address.
	TrustedProxies []netip.Prefix
	// SiteURL is the publisher's site, which feeds and sitemaps link to;
	// SiteName titles the feeds.
	SiteURL, SiteName string
	// CacheBytes bounds the delivery answer cache (0: no cache).
	CacheBytes int
	// Collectors are further Prometheus metrics to serve (database pools).
	Collectors []prometheus.Collector
	// MetricsElsewhere leaves /metrics off this handler: MetricsHandler
	// is served on a listener of its own.
	MetricsElsewhere bool
	// EditorCORSOrigins may call the editor and auth APIs from browsers.
	EditorCORSOrigins []string

	cache         *responseCache
	cacheControlV []string
	hits          *hitPath
	// anyOrigin: CORSOrigins lets any origin read delivery.
	anyOrigin bool
	reader    *cms.Delivery
	metrics   *metrics
	// Ready reports whether the database is reachable and migrated.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// BodyLimit caps request bodies, in bytes (413 above).
	BodyLimit int64
	// AccessLog logs one line per request.
	AccessLog bool
	// AdminUI holds the admin app's built files under "dist/" (see package
	// adminui), served at /admin/. Nil: /admin/ answers 404.
	AdminUI fs.FS

	adminUI *adminUI
}

// Handler returns the whole HTTP interface.
func (s *Server) Handler() http.Handler {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.BodyLimit == 0 {
		s.BodyLimit = 2 << 20
	}
	s.cache = newResponseCache(s.CacheBytes)
	s.cacheControlV = []string{s.cacheControl()}
	s.metrics = newMetrics(s.Collectors)
	s.reader = &cms.Delivery{Store: s.Delivery}
	s.adminUI = &adminUI{dist: s.AdminUI}
	s.anyOrigin = len(s.CORSOrigins) == 0 || slices.Contains(s.CORSOrigins, "*")
	s.hits = s.newHitPath()
	return s.withHits(s.routes())
}

// MetricsHandler serves the Prometheus metrics; valid after Handler.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// PurgeDelivery forgets every cached delivery answer and API key. Wire it
// to the store's change announcements.
func (s *Server) PurgeDelivery() {
	s.cache.Purge()
	s.Keys.Purge()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 503 while the database is unreachable or migrations are
// pending, so a load balancer sends no traffic to a server that cannot work.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(r.Context()); err != nil {
		logger(r.Context()).Warn("not ready", "err", err)
		w.Header().Set("Cache-Control", "no-store")
		writeProblem(w, Problem{Type: "/problems/not-ready", Title: "Not ready", Status: http.StatusServiceUnavailable,
			Detail: "the database is unreachable or migrations are pending", RequestID: requestID(r.Context())})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
