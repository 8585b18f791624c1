package api

import (
	_ "embed"
	"net/http"

	"healthcms/cms"
)

// openAPI is the OpenAPI 3.1 document of everything this package serves.
// openapi_test.go checks that it and routes.go name the same operations.
//
//go:embed openapi.json
var openAPI []byte

var openAPIETag = cms.StrongETag(openAPI)

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", openAPIETag)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	if etagMatches(r.Header.Get("If-None-Match"), openAPIETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", jsonType)
	writeBody(w, r, openAPI)
}

// OpenAPIDocument returns the OpenAPI document the server serves, for
// tests that check answers against it.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPI...) }
