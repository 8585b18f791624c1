package api

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"healthcms/cms"
)

// docsFiles are the API docs page and its assets: Redoc's standalone
// bundle (see docs/README.md for its version and licence) and the script
// that starts it. Embedded, so the page works without a CDN.
//
//go:embed docs/index.html docs/init.js docs/redoc.standalone.js
var docsFiles embed.FS

// docsCSP allows only this server's scripts. Redoc styles its page with
// styled-components, which inserts <style> elements (so 'unsafe-inline'
// for styles only), and runs its search index in a Worker made from a
// blob: URL; it fetches the document from this server.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsAssets are the files the page loads, by their name under /api/docs/.
var docsAssets = map[string]string{
	"redoc.standalone.js": "text/javascript; charset=utf-8",
	"init.js":             "text/javascript; charset=utf-8",
}

var docsETags = map[string]string{}

func init() {
	for _, name := range []string{"index.html", "init.js", "redoc.standalone.js"} {
		b, err := docsFiles.ReadFile("docs/" + name)
		if err != nil {
			panic(err)
		}
		docsETags[name] = cms.StrongETag(b)
	}
}

// docsPage serves the API docs page.
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	serveDocsFile(w, r, "index.html", "text/html; charset=utf-8")
}

// docsAsset serves a script of the docs page.
func (s *Server) docsAsset(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	ct, ok := docsAssets[name]
	if !ok {
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "no such resource"))
		return
	}
	serveDocsFile(w, r, name, ct)
}

func serveDocsFile(w http.ResponseWriter, r *http.Request, name, contentType string) {
	b, err := docsFiles.ReadFile("docs/" + name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("ETag", docsETags[name])
	h.Set("Cache-Control", "public, max-age=300")
	if etagMatches(r.Header.Get("If-None-Match"), docsETags[name]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	writeBody(w, r, b)
}

// writeBody writes a whole body with its length, or only the length when
// the request is HEAD.
func writeBody(w http.ResponseWriter, r *http.Request, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write(b)
}
