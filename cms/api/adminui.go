package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"healthcms/cms"
)

// adminCSP is the admin UI's policy: scripts and connections only from this
// origin, never inline script or eval, and no framing. Inline styles are
// allowed because the editor (TipTap) and Svelte set style attributes.
const adminCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// adminFile is one built file of the admin UI, read, hashed and compressed
// once at start so that serving it costs a map lookup.
type adminFile struct {
	body, gzipped []byte // gzipped is nil when compressing does not pay
	etag          string
	contentType   string
}

// adminUI serves the single-page app: real files under assets/, and
// index.html for every other path, so that a deep link works on reload.
// Its files are read, hashed and compressed once, on the first request,
// so that servers and tests that never serve the UI do not pay for it.
type adminUI struct {
	dist    fs.FS // holds "dist/index.html" and "dist/assets/…"; nil: no UI
	once    sync.Once
	files   map[string]*adminFile // by path below /admin/, e.g. "assets/index.js"
	index   *adminFile
	loadErr error
}

// load reads every file of dist. A nil dist, or one without index.html,
// leaves the UI empty: every path is a 404 (built without the UI).
func (ui *adminUI) load() {
	ui.files = map[string]*adminFile{}
	if ui.dist == nil {
		return
	}
	sub, err := fs.Sub(ui.dist, "dist")
	if err == nil {
		err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := fs.ReadFile(sub, p)
			if err != nil {
				return err
			}
			ui.files[p] = newAdminFile(p, body)
			return nil
		})
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		ui.loadErr = err
	}
	ui.index = ui.files["index.html"]
}

func newAdminFile(name string, body []byte) *adminFile {
	sum := sha256.Sum256(body)
	f := &adminFile{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
	f.contentType = mime.TypeByExtension(path.Ext(name))
	if f.contentType == "" {
		f.contentType = "application/octet-stream"
	}
	if len(body) >= 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			f.gzipped = buf.Bytes()
		}
	}
	return f
}

// serve answers GET and HEAD below /admin/.
func (ui *adminUI) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Set here, after the security-headers middleware, so the full policy
	// replaces the API's frame-ancestors-only one.
	h.Set("Content-Security-Policy", adminCSP)
	ui.once.Do(ui.load)
	if ui.loadErr != nil {
		// Only a broken embedded file system gets here; the API still works.
		writeError(w, r, fmt.Errorf("admin UI: %w", ui.loadErr))
		return
	}
	rel := strings.TrimPrefix(r.URL.Path, "/admin/")
	f := ui.files[rel]
	switch {
	case f != nil:
	case strings.HasPrefix(rel, "assets/"):
		// A missing asset is a 404, never index.html: a script tag that
		// received HTML would fail in a confusing way.
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "no such file of the admin UI"))
		return
	default:
		f = ui.index // a route of the app
	}
	if f == nil {
		writeError(w, r, cms.Errorf(cms.ENOTFOUND, "this binary was built without the admin UI"))
		return
	}
	// no-cache: browsers revalidate every file with its ETag, so a new
	// binary's UI is picked up at once (file names carry no content hash).
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", f.contentType)
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// redirectTo answers 302 to a fixed path of this server.
func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}
}
