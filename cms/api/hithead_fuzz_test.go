package api

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
)

// FuzzHitHead: parseHead never panics nor changes its input, and a head
// it lets the hit loop answer is one net/http reads as the same request:
// method, URI, Host and header fields (so the loop answers nothing
// net/http would refuse or read differently).
func FuzzHitHead(f *testing.F) {
	for _, s := range []string{
		"GET /api/v1/delivery/articles/a HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
		"HEAD /api/v1/delivery/topics?limit=5 HTTP/1.1\r\nHost: x:8080\r\nIf-None-Match: \"e\"\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\n b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		var h hitHead
		n, verdict := parseHead(b, &h)
		if !bytes.Equal(in, b) {
			t.Fatal("parseHead changed its input")
		}
		if verdict != headOK {
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("head of %d bytes in %d", n, len(b))
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:n])))
		if err != nil {
			t.Fatalf("net/http refuses a head the loop answers: %v", err)
		}
		if r.Method != h.method || r.RequestURI != h.uri || r.Host != h.host || r.Proto != "HTTP/1.1" ||
			r.ContentLength != 0 || r.Close {
			t.Fatalf("net/http reads %s %s %s host %q, the loop %s %s host %q", r.Method, r.RequestURI, r.Proto, r.Host, h.method, h.uri, h.host)
		}
		if len(r.Header) != h.n {
			t.Fatalf("net/http reads %d fields, the loop %d", len(r.Header), h.n)
		}
		for i := range h.n {
			if v := r.Header[h.names[i]]; len(v) != 1 || v[0] != h.vals[i] {
				t.Fatalf("%s: net/http reads %q, the loop %q", h.names[i], v, h.vals[i])
			}
		}
	})
}
