package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A handler's own Content-Security-Policy (the admin UI's) wins over the
// default the middleware sets.
func TestHandlerCSPWins(t *testing.T) {
	const own = "default-src 'self'; frame-ancestors 'none'"
	h := withSecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", own)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/", nil))
	if got := rec.Header().Values("Content-Security-Policy"); len(got) != 1 || got[0] != own {
		t.Fatalf("Content-Security-Policy %q, want only %q", got, own)
	}
}
