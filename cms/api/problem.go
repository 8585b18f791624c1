package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"healthcms/cms"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string           `json:"type"`
	Title     string           `json:"title"`
	Status    int              `json:"status"`
	Detail    string           `json:"detail,omitempty"`
	Errors    []cms.FieldError `json:"errors,omitempty"`
	RequestID string           `json:"request_id,omitempty"`
}

// Codes that exist only at the HTTP layer.
const (
	codeTooLarge  = "too_large"
	codeMediaType = "media_type"
)

// problemKinds maps each error code to its status, type and title. This
// table is the one place where errors become HTTP.
var problemKinds = map[string]struct {
	status int
	typ    string
	title  string
}{
	cms.EBADREQUEST:   {http.StatusBadRequest, "/problems/bad-request", "Bad request"},
	cms.EUNAUTHORIZED: {http.StatusUnauthorized, "/problems/unauthorized", "Unauthorized"},
	cms.EFORBIDDEN:    {http.StatusForbidden, "/problems/forbidden", "Forbidden"},
	cms.ENOTFOUND:     {http.StatusNotFound, "/problems/not-found", "Not found"},
	cms.ECONFLICT:     {http.StatusConflict, "/problems/conflict", "Conflict"},
	cms.ETRANSITION:   {http.StatusConflict, "/problems/invalid-transition", "Invalid transition"},
	cms.EPRECONDITION: {http.StatusPreconditionFailed, "/problems/precondition-failed", "Precondition failed"},
	cms.EPRECONDREQ:   {http.StatusPreconditionRequired, "/problems/precondition-required", "Precondition required"},
	codeTooLarge:      {http.StatusRequestEntityTooLarge, "/problems/body-too-large", "Request body too large"},
	codeMediaType:     {http.StatusUnsupportedMediaType, "/problems/unsupported-media-type", "Unsupported media type"},
	cms.EINVALID:      {http.StatusUnprocessableEntity, "/problems/validation", "Invalid request"},
	cms.ERATELIMIT:    {http.StatusTooManyRequests, "/problems/rate-limited", "Too many requests"},
	cms.EUNAVAILABLE:  {http.StatusServiceUnavailable, "/problems/unavailable", "Service unavailable"},
}

// writeError answers err as problem+json. Domain errors show their
// message; anything else is logged with the request id and answered with a
// bare 500, so no driver or stack detail ever reaches a client. A
// database that cannot be reached is a 503 with Retry-After (logged, as
// operators need to know), so clients retry rather than report a bug.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem{RequestID: requestID(r.Context())}
	var e *cms.Error
	if u := cms.Unavailable(err); u != nil {
		logger(r.Context()).Warn("database unavailable", "err", err, "method", r.Method, "path", r.URL.Path)
		err = u
	}
	kind, known := problemKinds[cms.ErrorCode(err)]
	if errors.As(err, &e) && known {
		p.Type, p.Title, p.Status, p.Detail, p.Errors = kind.typ, kind.title, kind.status, e.Message, e.Fields
		switch e.Code {
		case cms.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="healthcms"`)
		case cms.ERATELIMIT, cms.EUNAVAILABLE:
			w.Header().Set("Retry-After", strconv.Itoa(max(e.RetryAfter, 1)))
		}
	} else {
		// A request whose client left fails with whatever its cancelled
		// context made of it: not worth an error line either.
		if !errors.Is(err, errClientGone) && r.Context().Err() == nil {
			logger(r.Context()).Error("internal error", "err", err, "method", r.Method, "path", r.URL.Path)
		}
		p.Type, p.Title, p.Status = "/problems/internal", "Internal server error", http.StatusInternalServerError
		p.Detail = "something went wrong on our side; quote the request id when reporting it"
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// errClientGone marks an error caused by the client hanging up; it is not
// worth an error log line.
var errClientGone = errors.New("client went away")

func logger(ctx interface{ Value(any) any }) *slog.Logger {
	if ri, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return ri.log.With("request_id", ri.id)
	}
	return slog.Default()
}
