package api

import (
	"bytes"
	"net/textproto"
	"net/url"
	"strings"
)

// Verdicts of parseHead.
const (
	headOK      = iota // a head the loop may answer
	headMore           // no whole head yet
	headHandOff        // net/http's to answer
)

// maxHitHeaders bounds the header fields of a request the loop answers.
const maxHitHeaders = 16

// hitHead is a request head parsed by parseHead.
type hitHead struct {
	method, uri, host string
	names, vals       [maxHitHeaders]string // canonical names
	n                 int
}

// hitHeaders are the header fields a request the loop answers may carry,
// by lower-case name: what browsers, CDNs and HTTP clients send on a GET
// and what the fast path reads. Anything else (Authorization, a body's
// Content-Length or Transfer-Encoding, Expect, Upgrade, Cookie…) goes to
// net/http.
var hitHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection", "Dnt",
		"Host", "If-None-Match", "Origin", "Pragma", "Referer", "Sec-Fetch-Dest",
		"Sec-Fetch-Mode", "Sec-Fetch-Site", "User-Agent", "X-Request-Id",
	} {
		m[strings.ToLower(k)] = textproto.CanonicalMIMEHeaderKey(k)
	}
	return m
}()

// parseHead reads the request head at the start of b. It reports headOK
// and the head's size with h filled when it is a request the loop may
// answer: GET or HEAD, HTTP/1.1, an origin-form URI, CRLF line ends, one
// Host, header fields of hitHeaders only, each once, with printable ASCII
// values, Connection only keep-alive. It reports headMore when b is
// the beginning of such a head, and headHandOff for everything else, as
// early as it can tell. It never changes b.
func parseHead(b []byte, h *hitHead) (int, int) {
	if len(b) == 0 {
		return 0, headMore
	}
	for _, m := range [...]string{"GET ", "HEAD "} {
		if n := min(len(b), len(m)); string(b[:n]) == m[:n] {
			goto method
		}
	}
	return 0, headHandOff
method:
	end := bytes.Index(b, []byte("\r\n\r\n"))
	scan := b
	if end >= 0 {
		scan = b[:end+4]
	}
	// A bare LF or CR: net/http's rules, not ours.
	for i, c := range scan {
		if c == '\n' && (i == 0 || scan[i-1] != '\r') || c == '\r' && i+1 < len(scan) && scan[i+1] != '\n' {
			return 0, headHandOff
		}
	}
	if end < 0 {
		return 0, headMore
	}
	s := string(b[:end]) // one allocation for every string of the request
	line, rest, _ := strings.Cut(s, "\r\n")
	method, line, ok1 := strings.Cut(line, " ")
	uri, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || method != "GET" && method != "HEAD" || proto != "HTTP/1.1" || !hitURI(uri) {
		return 0, headHandOff
	}
	if strings.IndexByte(uri, '%') >= 0 {
		// Escapes are all net/url may refuse in such a URI; the loop
		// parses the URI only when it answers through serveHit.
		if _, err := url.ParseRequestURI(uri); err != nil {
			return 0, headHandOff
		}
	}
	*h = hitHead{method: method, uri: uri}
	haveHost := false
	for rest != "" {
		var field string
		field, rest, _ = strings.Cut(rest, "\r\n")
		name, value, ok := strings.Cut(field, ":")
		if !ok || len(name) > 32 {
			return 0, headHandOff
		}
		var lower [32]byte
		for i := range len(name) {
			c := name[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		canon, ok := hitHeaders[string(lower[:len(name)])]
		if !ok || !hitValue(value) {
			return 0, headHandOff
		}
		value = strings.Trim(value, " \t")
		switch canon {
		case "Host":
			if haveHost || !hitHost(value) {
				return 0, headHandOff
			}
			haveHost, h.host = true, value
			continue
		case "Connection":
			if !strings.EqualFold(value, "keep-alive") {
				return 0, headHandOff
			}
		}
		for i := range h.n {
			if h.names[i] == canon {
				return 0, headHandOff // a field twice: net/http's to combine
			}
		}
		if h.n == maxHitHeaders {
			return 0, headHandOff
		}
		h.names[h.n], h.vals[h.n] = canon, value
		h.n++
	}
	if !haveHost {
		return 0, headHandOff
	}
	return end + 4, headOK
}

// hitURI reports whether uri is an origin-form URI of unreserved,
// sub-delims, ':', '@', '/', '?' and '%' only.
func hitURI(uri string) bool {
	if len(uri) == 0 || uri[0] != '/' || len(uri) > 2048 {
		return false
	}
	for i := range len(uri) {
		c := uri[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hitValue reports whether a field value is printable ASCII and tabs.
func hitValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; (c < ' ' && c != '\t') || c > '~' {
			return false
		}
	}
	return true
}

// hitHost reports whether a Host value is a plain name or address and port.
func hitHost(v string) bool {
	if v == "" {
		return false
	}
	for i := range len(v) {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_':
		default:
			return false
		}
	}
	return true
}
