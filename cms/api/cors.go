package api

import (
	"net/http"
	"slices"
)

var (
	editorAllowMethods = []string{"GET, POST, PUT, PATCH, DELETE, OPTIONS"}
	editorAllowHeaders = []string{"Authorization, Content-Type, If-Match"}
	editorExposed      = []string{"ETag, Location, Retry-After, X-Request-Id"}
	preflightMaxAge    = []string{"600"}
)

// editorCORS lets browser tools on the origins of EditorCORSOrigins call
// the editor and auth APIs with bearer tokens. Credentials (cookies) are
// never allowed: Access-Control-Allow-Credentials is not sent, so a page
// cannot ride on a user's session. Other origins get no CORS headers.
func (s *Server) editorCORS(next http.Handler) http.Handler {
	if len(s.EditorCORSOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(s.EditorCORSOrigins, origin)
		if allowed {
			h["Access-Control-Allow-Origin"] = []string{origin}
			h["Access-Control-Expose-Headers"] = editorExposed
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h["Access-Control-Allow-Methods"] = editorAllowMethods
				h["Access-Control-Allow-Headers"] = editorAllowHeaders
				h["Access-Control-Max-Age"] = preflightMaxAge
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
