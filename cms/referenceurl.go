package cms

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// referenceURL checks that raw is an absolute http(s) URL and returns it
// normalized: scheme and host in lower case (an international host in its
// ASCII form), and every character that may not stand as is in a URL
// (spaces, quotes, angle brackets, backslashes, non-ASCII letters, …)
// percent-encoded, so the stored URL can go into an attribute, a feed or
// JSON-LD as it is. ok is false for anything else, and for URLs with a
// user name or password, which only serve to disguise the host
// ("https://nih.gov@example.com").
func referenceURL(raw string) (string, bool) {
	if raw == "" || len(raw) > MaxRefURLLen || !utf8.ValidString(raw) || hasControl(raw, false) {
		return "", false
	}
	// The path, query and fragment are escaped before parsing, so that
	// what the parser would refuse (a lone %) or keep verbatim (the
	// query) is encoded alike; the authority is left for the parser.
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", false
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], escapeURLTail(rest[i:])
	}
	u, err := url.Parse(scheme + "://" + authority + tail)
	if err != nil || u.Opaque != "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host, ok := referenceHost(u)
	if !ok {
		return "", false
	}
	out := u.Scheme + "://" + host + tail
	return out, len(out) <= MaxRefURLLen
}

// referenceHost is u's host in lower case, an international name in its
// ASCII form, with the port; ok is false for anything but a DNS name or
// an IP address.
func referenceHost(u *url.URL) (string, bool) {
	name := strings.ToLower(u.Hostname())
	if strings.Contains(name, ":") { // an IPv6 literal
		if _, err := netip.ParseAddr(name); err != nil {
			return "", false
		}
		name = "[" + name + "]"
	} else {
		if !isASCII(name) {
			ascii, err := idna.Lookup.ToASCII(name)
			if err != nil {
				return "", false
			}
			name = strings.ToLower(ascii)
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
				return "", false
			}
		}
	}
	if name == "" || name == "[]" {
		return "", false
	}
	if p := u.Port(); p != "" {
		name += ":" + p
	}
	return name, true
}

// escapeURLTail percent-encodes every byte of a URL's path, query and
// fragment that is not allowed there as is; existing %XX escapes stay, a
// lone % becomes %25.
func escapeURLTail(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c != '%' && urlSafe(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// urlSafe reports whether c may stand unescaped in a URL (RFC 3986's
// unreserved and reserved characters).
func urlSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
