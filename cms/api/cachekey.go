package api

import (
	"net/http"
	"net/url"
	"strings"
)

// appendCacheKey appends the cache key of a delivery request to dst: its
// path and, in the order given (sorted), the first non-empty value of each
// parameter in params, the ones its answer depends on. Other parameters
// change nothing in the answer, so they make no entry of their own
// (?utm_source=… or a cache-busting ?x=random cannot fill the cache), and
// the order of the parameters in the URL does not matter. Values are
// unescaped, so ?topic=a%2Db and ?topic=a-b are one entry, and separated by
// NUL, which withSaneURL keeps out of every value.
func appendCacheKey(dst []byte, r *http.Request, params []string) []byte {
	return appendKey(dst, r.URL.EscapedPath(), r.URL.RawQuery, params)
}

// appendKey is appendCacheKey of an escaped path and a raw query.
func appendKey(dst []byte, path, rawQuery string, params []string) []byte {
	dst = append(dst, path...)
	if rawQuery == "" || len(params) == 0 {
		return dst
	}
	for _, name := range params {
		if v, ok := firstParam(rawQuery, name); ok && v != "" {
			dst = append(dst, 0)
			dst = append(dst, name...)
			dst = append(dst, '=')
			dst = append(dst, v...)
		}
	}
	return dst
}

// firstParam finds the first value of name in a raw query as
// url.ParseQuery reads it (pairs it cannot parse skipped), which is what
// the handlers see through r.URL.Query().Get. It allocates only for
// escaped names and values.
func firstParam(raw, name string) (string, bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, ok := unescapeQuery(k); !ok || k != name {
			continue
		}
		if v, ok := unescapeQuery(v); ok {
			return v, true
		}
	}
	return "", false
}

func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
