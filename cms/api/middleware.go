package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"healthcms/cms"
)

type (
	requestKey struct{}
	userKey    struct{}
)

// requestInfo is what every request carries in its context: its id and
// the server's logger, which logger() tags with the id only when a line is
// actually logged (most requests log nothing).
type requestInfo struct {
	id  string
	log *slog.Logger
}

// wellFormedID reports whether a client's request id is one to keep: 8
// to 64 letters, digits, dots, underscores and dashes. It runs on every
// request, cache hits included, so it is a loop, not a regexp.
func wellFormedID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for i := range len(id) {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func requestID(ctx context.Context) string {
	if ri, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return ri.id
	}
	return ""
}

// withRequestID gives every request an id, echoed in X-Request-Id and
// carried by every log line of the request. A well-formed id from a proxy
// in front is kept so one id follows the request end to end.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One allocation for the context, its value and the header's
		// slice: this runs on every request but cache hits.
		rc := &requestCtx{Context: r.Context()}
		rc.info = requestInfo{rc.id.set(w.Header(), r), s.Log}
		next.ServeHTTP(w, r.WithContext(rc))
	})
}

// requestCtx is a request's context carrying its requestInfo: what
// context.WithValue would make, plus room for the X-Request-Id header
// value, in one allocation.
type requestCtx struct {
	context.Context
	info requestInfo
	id   requestIDHeader
}

// requestIDHeader holds a request's X-Request-Id header value and the
// bytes of an id made for it, so that giving a request its id is one
// allocation (or none, inside a requestCtx).
type requestIDHeader struct {
	v [1]string
	b [32]byte
}

// set gives r its id: a well-formed one it came with, else a new one. It
// sets the X-Request-Id header of the answer and returns the id.
func (x *requestIDHeader) set(h http.Header, r *http.Request) string {
	id := ""
	if v := r.Header["X-Request-Id"]; len(v) > 0 && wellFormedID(v[0]) {
		id = v[0]
	} else {
		b := appendNewRequestID(x.b[:0])
		// b is x.b (13 + at most 13 bytes), never written again.
		id = unsafe.String(&b[0], len(b))
	}
	x.v[0] = id
	h["X-Request-Id"] = x.v[:]
	return id
}

// appendNewRequestID appends a new request id to b.
func appendNewRequestID(b []byte) []byte {
	return strconv.AppendUint(append(b, requestIDPrefix...), requestCount.Add(1), 36)
}

// Value answers requestKey{} with the request's info.
func (c *requestCtx) Value(key any) any {
	if key == (requestKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

// requestIDs are this process's random prefix and a counter: unique across
// processes and restarts, and cheap on every request. They name requests
// in logs; they are not secrets.
var (
	requestIDPrefix = func() string {
		b := make([]byte, 6)
		rand.Read(b)
		return hex.EncodeToString(b) + "-"
	}()
	requestCount atomic.Uint64
)

// withSaneURL refuses a path or query holding a NUL byte or invalid
// UTF-8: nothing this API names can contain them, and a database would
// refuse them only after the request had come a long way.
func withSaneURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !saneURL(r) {
			writeError(w, r, cms.Errorf(cms.EBADREQUEST, "the URL holds a NUL byte or invalid UTF-8"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// saneURL reports whether r's path and query values are valid UTF-8
// without NUL.
func saneURL(r *http.Request) bool {
	ok := saneText(r.URL.Path)
	// A raw query without escapes is what its values are made of
	// ('+' aside, a space), so checking it is checking them, without
	// parsing it.
	if q := r.URL.RawQuery; q != "" && (strings.Contains(q, "%") || !saneText(q)) {
		for _, vs := range r.URL.Query() {
			for _, v := range vs {
				ok = ok && saneText(v)
			}
		}
	}
	return ok
}

func saneText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// statusWriter remembers the status and size of an answer for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush sends what was written so far, when the real writer can.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withAccessLog logs one line per request and turns a panic into a logged
// 500, so one bad request cannot take the process down.
func (s *Server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var start time.Time
		if s.AccessLog {
			start = time.Now()
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger(r.Context()).Error("panic", "value", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, r, errPanic)
				}
			}
			if s.AccessLog {
				logger(r.Context()).LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
					slog.Duration("duration", time.Since(start)))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "handler panicked" }

var (
	nosniff    = []string{"nosniff"}
	noReferrer = []string{"no-referrer"}
	noFraming  = []string{"frame-ancestors 'none'"}
)

// withSecurityHeaders sets headers every answer should carry. They are
// set before the handler runs, so a handler may replace them: the admin UI
// sends a fuller Content-Security-Policy of its own.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = noReferrer
		h["Content-Security-Policy"] = noFraming
		next.ServeHTTP(w, r)
	})
}

// authenticate requires a valid editor access token and puts its user in
// the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			writeError(w, r, cms.Errorf(cms.EUNAUTHORIZED, "an access token is required (Authorization: Bearer …)"))
			return
		}
		u, err := s.Auth.Authenticate(r.Context(), tok)
		if err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// currentUser is the authenticated user; routes behind authenticate only.
func currentUser(r *http.Request) *cms.User {
	u, _ := r.Context().Value(userKey{}).(*cms.User)
	return u
}
