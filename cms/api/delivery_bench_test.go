package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/api"
)

// benchStore is a DeliveryStore holding one live article in memory, so a
// benchmark measures the HTTP layer and the cache, not a database.
type benchStore struct {
	cms.DeliveryStore // nil: only the methods below are called
	doc               *cms.LiveDocument
}

func (s *benchStore) LiveArticle(ctx context.Context, slug string, _ cms.LiveCopy) (*cms.LiveDocument, error) {
	if slug != s.doc.Slug {
		return nil, cms.Errorf(cms.ENOTFOUND, "article not found")
	}
	return s.doc, nil
}

func (s *benchStore) LiveETag(ctx context.Context, slug string) (string, error) {
	if slug != s.doc.Slug {
		return "", cms.Errorf(cms.ENOTFOUND, "article not found")
	}
	return s.doc.ETag, nil
}

// discardWriter is the cheapest ResponseWriter: what a benchmark of the
// handler counts is the handler's own work.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchDelivery serves the same request b.N times from a warm cache; the
// article is 8.4 KB of JSON like a typical health article's.
func benchDelivery(b *testing.B, headers ...string) {
	body := []byte(`{"slug":"upadacitinib","body_html":"` + strings.Repeat("Upadacitinib is a JAK inhibitor taken once a day. ", 168) + `"}` + "\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	etag := cms.StrongETag(body)
	s := &api.Server{Delivery: &benchStore{doc: &cms.LiveDocument{Slug: "upadacitinib", Document: body, DocumentGz: gz.Bytes(), ETag: etag}},
		DeliveryPublic: true, CacheBytes: 8 << 20, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.Handler()
	req, _ := http.NewRequest("GET", "/api/v1/delivery/articles/upadacitinib", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		v := headers[i+1]
		if v == "ETAG" {
			v = etag
		}
		req.Header.Set(headers[i], v)
	}
	w := &discardWriter{h: http.Header{}}
	// The miss, by a plain request, as a browser's first visit: a 304
	// built on a miss is not cached (it says nothing of the body).
	h.ServeHTTP(w, httptest.NewRequest("GET", req.URL.Path, nil))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		clear(w.h)
		w.status, w.n = 0, 0
		h.ServeHTTP(w, req)
	}
	b.StopTimer()
	if w.status != http.StatusOK && w.status != http.StatusNotModified {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkDeliveryHit is a cached article, identity-encoded.
func BenchmarkDeliveryHit(b *testing.B) { benchDelivery(b) }

// BenchmarkDeliveryHitGzip is a cached article to a client taking gzip.
func BenchmarkDeliveryHitGzip(b *testing.B) {
	benchDelivery(b, "Accept-Encoding", "gzip, deflate, br")
}

// BenchmarkDelivery304 is a revalidation of a cached article.
func BenchmarkDelivery304(b *testing.B) { benchDelivery(b, "If-None-Match", "ETAG") }
