package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

// builder makes a delivery answer from the database on a cache miss.
type builder func(r *http.Request) (*cachedResponse, error)

// delivered serves an answer from the cache, building and caching it on a
// miss (see fill). params are the query parameters the answer depends on,
// sorted: the cache key is the path and these (see appendCacheKey).
func (s *Server) delivered(build builder, params ...string) http.HandlerFunc {
	if !slices.IsSorted(params) {
		panic("delivered: parameters not sorted") // one order, one key
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var buf [256]byte
		key := appendCacheKey(buf[:0], r, params)
		if resp := builtFor(r, key); resp != nil { // built and counted by the loop
			s.serveCached(w, r, resp)
			return
		}
		resp, _ := s.cache.get(key)
		if resp != nil && resp.servable(r) {
			resp.touch()
			s.metrics.cacheHit.Inc()
			s.serveCached(w, r, resp)
			return
		}
		resp, coalesced, err := s.fill(r.Context(), key, r.Header.Get("If-None-Match"),
			func(ctx context.Context) (*cachedResponse, error) { return build(r.WithContext(ctx)) })
		if coalesced {
			s.metrics.cacheCoalesced.Inc()
		} else {
			s.metrics.cacheMiss.Inc()
		}
		switch {
		case errors.Is(err, errClientGone):
			return // nobody to answer
		case err != nil:
			writeError(w, r, err)
			return
		}
		s.serveCached(w, r, resp)
	}
}

// Header values every delivery answer shares.
var (
	anyOriginV         = []string{"*"}
	exposedV           = []string{"ETag, X-Request-Id"}
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipV              = []string{"gzip"}
)

func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, c *cachedResponse) {
	if c.status == http.StatusNotFound {
		addVary(w.Header())
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "%s", c.body))
		return
	}
	s.writeCached(w, r, c)
}

// addVary adds Accept-Encoding to Vary, after the Origin the CORS
// headers may have put there.
func addVary(h http.Header) {
	if v, ok := h["Vary"]; ok { // Origin, from cors
		h["Vary"] = append(v, varyAcceptEncoding...)
	} else {
		h["Vary"] = varyAcceptEncoding // shared: its cap is its length, so an Add copies it
	}
}

// writeCached answers a cached 200, 301 or (from a build) 304, on the
// fast path and through the router alike: the headers are assigned as
// prebuilt values, never formatted per request. It returns the status and
// the bytes of body written.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, c *cachedResponse) (code, n int) {
	h := w.Header()
	addVary(h)
	h["Cache-Control"] = s.cacheControlV
	inm := r.Header["If-None-Match"]
	k, body, ok := c.choose(r.Method == http.MethodHead, len(inm) > 0 && etagMatchesAny(inm, c.etag), acceptsGzip(r))
	switch {
	case k == kindMoved:
		h["Location"] = c.locationV
		w.WriteHeader(http.StatusMovedPermanently)
		return http.StatusMovedPermanently, 0
	case !ok:
		delete(h, "Cache-Control")
		writeError(w, r, errors.New("a live document's compressed copy does not decompress"))
		return http.StatusInternalServerError, 0
	}
	h["Etag"] = c.etagV
	if k == kindNotModified {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	length := c.lenV
	if k == kindGzip {
		h["Content-Encoding"] = gzipV
		_, length = c.gzipped()
	}
	h["Content-Type"] = c.ctypeV
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		n, _ = writeOnce(w, r, body)
	}
	return http.StatusOK, n
}

func (s *Server) cacheControl() string {
	switch {
	case s.CacheControl != "":
		return s.CacheControl
	case s.DeliveryPublic:
		return "public, max-age=60, stale-while-revalidate=600"
	}
	return "private, max-age=60, stale-while-revalidate=600"
}

const jsonType = "application/json; charset=utf-8"

// deliveryArticle serves a live article's prerendered document as stored:
// no rendering and no JSON encoding on the hot path.
func (s *Server) deliveryArticle(r *http.Request) (*cachedResponse, error) {
	return s.articleAnswer(r.Context(), chi.URLParam(r, "slug"), r.Header.Get("If-None-Match"), acceptsGzip(r))
}

// articleAnswer builds the answer to a request for the live article at
// slug, of a client that sent If-None-Match inm and takes gzip or not;
// the loop builds a miss with it without the router (hitConn.direct).
func (s *Server) articleAnswer(ctx context.Context, slug, inm string, gzipOK bool) (*cachedResponse, error) {
	if inm != "" {
		// A revalidation that matches needs only the validator.
		if etag, err := s.reader.LiveETag(ctx, slug); err == nil && etagMatches(inm, etag) {
			return &cachedResponse{status: http.StatusNotModified, etag: etag, etagV: []string{etag}}, nil
		}
	}
	// One copy read, the one this client takes; the cached answer makes
	// the other when a client asks for it.
	want := cms.LivePlain
	if gzipOK {
		want = cms.LiveGzip
	}
	doc, err := s.reader.LiveArticle(ctx, slug, want)
	if err != nil {
		return nil, err
	}
	if doc.Slug != slug {
		return movedTo("/api/v1/delivery/articles/" + url.PathEscape(doc.Slug)), nil
	}
	if doc.Document == nil && doc.DocumentGz != nil {
		return newCachedGz(jsonType, doc.DocumentGz, doc.Length, doc.ETag), nil
	}
	c := newCached(jsonType, doc.Document, doc.ETag, doc.DocumentGz)
	c.published = true
	return c, nil
}

// summaries answers a list of prerendered summaries: the stored JSON of
// each is copied into the envelope as is (a search result's with its
// snippet added as the last member).
// prefix, when not empty, is members written before the items.
func summaries(prefix string, items []cms.LiveItem, next string, snippets bool) *cachedResponse {
	// One buffer of about the answer's size: grown by doubling, it was
	// most of what an uncached search allocated (105 KB for a 19 KB page),
	// and so what set how often the collector ran.
	n := len(prefix) + len(next) + 64
	for _, it := range items {
		n += len(it.SummaryDoc) + len(it.Snippet) + len(it.Snippet)/8 + 16
	}
	b := bytes.NewBuffer(make([]byte, 0, n))
	enc := json.NewEncoder(b)
	// The snippet's marks stay as written (no \u003c): it is HTML.
	enc.SetEscapeHTML(false)
	b.WriteString(`{` + prefix + `"items":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		doc := bytes.TrimRight(it.SummaryDoc, " \n")
		if !snippets || len(doc) == 0 || doc[len(doc)-1] != '}' {
			b.Write(doc)
			continue
		}
		b.Write(doc[:len(doc)-1])
		b.WriteString(`,"snippet":`)
		enc.Encode(it.Snippet)
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteByte('}')
	}
	b.WriteString(`],"next_cursor":`)
	if next == "" {
		b.WriteString("null")
	} else {
		enc.Encode(next)
		b.Truncate(b.Len() - 1)
	}
	b.WriteString("}\n")
	body := b.Bytes()
	return newCached(jsonType, body, cms.StrongETag(body), nil)
}

func (s *Server) deliveryArticles(r *http.Request) (*cachedResponse, error) {
	limit, err := queryInt(r, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	items, next, err := s.reader.Articles(r.Context(), q.Get("topic"), limit, q.Get("cursor"))
	if err != nil {
		return nil, err
	}
	return summaries("", items, next, false), nil
}

func (s *Server) deliverySearch(r *http.Request) (*cachedResponse, error) {
	limit, err := queryInt(r, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	res, err := s.reader.Search(r.Context(), q.Get("q"), q.Get("topic"), limit, q.Get("cursor"))
	if err != nil {
		return nil, err
	}
	topics, _ := json.Marshal(res.Topics)
	return summaries(`"topics":`+string(topics)+`,`, res.Items, res.Next, true), nil
}

// jsonAnswer encodes v as a cacheable 200.
func jsonAnswer(v any) *cachedResponse {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // delivery types are plain data
	}
	body = append(body, '\n')
	return newCached(jsonType, body, cms.StrongETag(body), nil)
}

func (s *Server) deliveryTopics(r *http.Request) (*cachedResponse, error) {
	ts, err := s.reader.Topics(r.Context())
	if err != nil {
		return nil, err
	}
	return jsonAnswer(map[string]any{"items": ts}), nil
}

func (s *Server) deliveryTopic(r *http.Request) (*cachedResponse, error) {
	slug := chi.URLParam(r, "slug")
	t, err := s.reader.Topic(r.Context(), slug)
	if cms.ErrorCode(err) == cms.ENOTFOUND {
		// An alias in place of the slug: the topic's own path.
		if to, aerr := s.reader.TopicAlias(r.Context(), slug); aerr == nil {
			return movedTo("/api/v1/delivery/topics/" + url.PathEscape(to)), nil
		}
	}
	if err != nil {
		return nil, err
	}
	return jsonAnswer(t), nil
}

// requireKey guards delivery when it is configured private, and preview
// always.
func (s *Server) requireKey(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if scope == cms.ScopeDelivery && s.DeliveryPublic {
				next.ServeHTTP(w, r)
				return
			}
			tok, ok := bearer(r)
			if !ok {
				writeError(w, r, cms.Errorf(cms.EUNAUTHORIZED, "a %s key is required (Authorization: Bearer …)", scope))
				return
			}
			if err := s.Keys.Check(r.Context(), tok, scope); err != nil {
				writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// cors lets browsers on the configured origins read delivery.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		allowed := s.corsHeaders(h, r)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, If-None-Match")
				h.Set("Access-Control-Max-Age", "86400")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsHeaders sets the CORS headers of a delivery answer to r and
// reports whether its origin may read it.
func (s *Server) corsHeaders(h http.Header, r *http.Request) bool {
	if s.anyOrigin {
		h["Access-Control-Allow-Origin"] = anyOriginV
		h["Access-Control-Expose-Headers"] = exposedV
		return true
	}
	// The answer depends on the origin, also for requests without
	// one, or a CDN could hand a browser a copy without the header.
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(s.CORSOrigins, origin) {
		return false
	}
	h["Access-Control-Allow-Origin"] = []string{origin}
	h["Access-Control-Expose-Headers"] = exposedV
	return true
}

func (s *Server) preview(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	doc, err := s.Editor.Preview(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", jsonType)
	w.Write(doc)
}
