package api

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
)

// deliveryArticle serves a live article's prerendered document as stored:
// no rendering, no JSON encoding on the hot path.
func (s *Server) deliveryArticle(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	doc, err := s.Delivery.LiveArticle(r.Context(), slug)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if doc.Slug != slug {
		http.Redirect(w, r, "/api/v1/delivery/articles/"+url.PathEscape(doc.Slug), http.StatusMovedPermanently)
		return
	}
	h := w.Header()
	h.Set("ETag", doc.ETag)
	h.Set("Cache-Control", s.cacheControl())
	if r.Header.Get("If-None-Match") == doc.ETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.Write(doc.Document)
}

func (s *Server) cacheControl() string {
	if s.CacheControl != "" {
		return s.CacheControl
	}
	return "public, max-age=60, stale-while-revalidate=600"
}
