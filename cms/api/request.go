package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"healthcms/auth"
	"healthcms/cms"
)

// decode reads a JSON request body into v, strictly: the body must be
// JSON, within the size cap, one value, with no unknown fields and every
// field of the right type. Each failure is the 4xx API.md names.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &cms.Error{Code: codeMediaType, Message: "the request body must be JSON (Content-Type: application/json)"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.BodyLimit))
	if err != nil {
		return decodeError(err, s.BodyLimit)
	}
	// Go's decoder replaces invalid UTF-8 with U+FFFD without a word;
	// storing that would change the writer's words behind their back.
	if field, bad := invalidText(data); bad {
		e := &cms.Error{Code: cms.EBADREQUEST, Message: "the body holds text that is not valid UTF-8"}
		if field != "" {
			e.Message = field + " is not valid UTF-8 text"
			e.Fields = []cms.FieldError{{Field: field, Message: "must be valid UTF-8 text"}}
		}
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, s.BodyLimit)
	}
	if _, err := dec.Token(); err != io.EOF {
		return cms.Errorf(cms.EBADREQUEST, "the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return &cms.Error{Code: codeTooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
	case errors.Is(err, io.EOF):
		return cms.Errorf(cms.EBADREQUEST, "the body is empty; a JSON object is required")
	case errors.As(err, &syn):
		return cms.Errorf(cms.EBADREQUEST, "malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return cms.Errorf(cms.EBADREQUEST, "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return cms.Errorf(cms.EBADREQUEST, "the body must be a JSON %s", jsonKind(typ.Type.Kind().String()))
		}
		return &cms.Error{Code: cms.EBADREQUEST, Message: fmt.Sprintf("%s must be %s", field, jsonKind(typ.Type.Kind().String())),
			Fields: []cms.FieldError{{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &cms.Error{Code: cms.EBADREQUEST, Message: fmt.Sprintf("unknown field %q", name),
			Fields: []cms.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	return cms.Errorf(cms.EBADREQUEST, "the body is not valid JSON")
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "ptr":
		return "a value of another type"
	}
	return "of another type"
}

// queryInt reads an integer query parameter within [min, max], def when
// absent.
func queryInt(r *http.Request, name string, def, min, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, &cms.Error{Code: cms.EBADREQUEST, Message: fmt.Sprintf("%s must be a whole number from %d to %d", name, min, max),
			Fields: []cms.FieldError{{Field: name, Message: fmt.Sprintf("must be from %d to %d", min, max)}}}
	}
	return n, nil
}

// bearer returns the token of the Authorization header.
func bearer(r *http.Request) (string, bool) { return auth.BearerToken(r.Header.Get("Authorization")) }

// clientAddr is the address login limits count against: the peer, or,
// when the peer is a trusted load balancer, the nearest address in
// X-Forwarded-For that is not one. Any client can write that header, so it
// is believed only as far as trusted hops go; without trusted proxies
// every client behind one balancer would share one limit.
func (s *Server) clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap()
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0 && s.trusted(addr); i-- {
		next, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = next.Unmap()
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// writeJSON answers v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// list is API.md's list envelope.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}
