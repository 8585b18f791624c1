package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// ProblemListener wraps the server's listener so that the few errors
// net/http answers by itself, before any handler runs, are problem+json
// like every other error: 431 for a header over http.Server's
// MaxHeaderBytes, 400 for a malformed request, 501 for an unknown
// transfer coding, 505 for an HTTP version it does not speak. net/http
// writes those straight to the connection as text/plain, with no hook to
// change them (net/http.(*conn).serve), so the wrapper recognises them on
// the way out.
//
// It is sound because net/http writes each such answer whole, in one
// Write, as a status line followed by exactly two headers
// ("Content-Type: text/plain; charset=utf-8" and "Connection: close"),
// which no answer from a handler has: those always carry Date and a
// length or chunked coding. It is cheap: one length check and prefix
// comparison per Write, on buffers net/http has already assembled.
func ProblemListener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

type problemConn struct {
	net.Conn
	// gather, when not nil, takes the writes of an answer that writeOnce
	// sends in one write.
	gather *[]byte
}

type connKey struct{}

// ConnContext puts a connection of ProblemListener in the context of its
// requests, so that an answer can be sent in one write (writeOnce). Set
// it as the http.Server's ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*problemConn); ok {
		return context.WithValue(ctx, connKey{}, pc)
	}
	return ctx
}

// gatherBufs hold answers on their way to one write.
var gatherBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// oneWriteMin is the smallest body writeOnce gathers: net/http sends the
// header and a body that fit its 4 KiB connection buffer in one write
// already.
const oneWriteMin = 2 << 10

// writeOnce writes body, the whole body of an answer whose header is set,
// in one write to the connection where net/http would make two or more:
// a body past its 4 KiB buffer goes out as the buffer's first 4 KiB and
// then the rest, and on loopback or a LAN each write costs about what
// a whole small answer does (issue 13: a bare net/http server spent ~30 µs
// more per 8.4 KB answer than per 3.7 KB one). net/http still writes the
// header and the body, and keeps the connection's state; the connection
// gathers what it is given until the answer is flushed, then sends it
// with one call. Without ProblemListener and ConnContext (tests), on
// HTTP/2, or for a small body, it is w.Write.
func writeOnce(w http.ResponseWriter, r *http.Request, body []byte) (int, error) {
	pc, _ := r.Context().Value(connKey{}).(*problemConn)
	f, ok := w.(http.Flusher)
	if pc == nil || !ok || r.ProtoMajor != 1 || len(body) < oneWriteMin {
		return w.Write(body)
	}
	buf := gatherBufs.Get().(*[]byte)
	// HTTP/1 handlers run on the connection's goroutine, which is also
	// the only one that writes to it: nothing else sees gather.
	pc.gather = buf
	n, err := w.Write(body)
	f.Flush()
	pc.gather = nil
	if _, werr := pc.Conn.Write(*buf); err == nil {
		err = werr
	}
	if cap(*buf) <= 256<<10 { // a sitemap's buffer is not worth keeping
		*buf = (*buf)[:0]
		gatherBufs.Put(buf)
	}
	return n, err
}

// The methods net/http looks for on a *net.TCPConn.
var (
	_ interface{ CloseWrite() error } = (*problemConn)(nil)
	_ io.ReaderFrom                   = (*problemConn)(nil)
)

// netHTTPErrorHeaders ends the status line of net/http's own error answers.
var netHTTPErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c *problemConn) Write(p []byte) (int, error) {
	if c.gather != nil {
		*c.gather = append(*c.gather, p...)
		return len(p), nil
	}
	// Such answers are a few hundred bytes at most.
	if len(p) < 1024 && (bytes.HasPrefix(p, []byte("HTTP/1.1 4")) || bytes.HasPrefix(p, []byte("HTTP/1.1 5"))) {
		if out, ok := problemAnswer(p); ok {
			if _, err := c.Conn.Write(out); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

// CloseWrite half-closes a TCP connection, as net/http does after an
// error answer so the client reads it before the connection closes
// (net/http looks for the method on the connection it is given).
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the TCP connection's sendfile and splice for bodies
// copied from files; net/http uses it only after the header is written.
func (c *problemConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// problemAnswer turns net/http's text/plain error answer p into a
// problem+json one, or reports false when p is not such an answer.
func problemAnswer(p []byte) ([]byte, bool) {
	statusLine, text, ok := bytes.Cut(p, netHTTPErrorHeaders)
	if !ok || len(statusLine) < len("HTTP/1.1 400") || bytes.ContainsAny(statusLine, "\r\n") {
		return nil, false
	}
	status, err := strconv.Atoi(string(statusLine[9:12]))
	if err != nil {
		return nil, false
	}
	title, detail := "Bad request", string(text)
	typ := "/problems/bad-request"
	switch status {
	case 431:
		title, typ = "Request header fields too large", "/problems/header-too-large"
		detail = "the request's header fields are larger than the server accepts"
	case 501:
		title, typ = "Not implemented", "/problems/not-implemented"
	case 505:
		title, typ = "HTTP version not supported", "/problems/http-version-not-supported"
	}
	body, _ := json.Marshal(Problem{Type: typ, Title: title, Status: status, Detail: detail})
	var b bytes.Buffer
	b.Write(statusLine)
	b.WriteString("\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n" +
		"Content-Security-Policy: frame-ancestors 'none'\r\nConnection: close\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.Write(body)
	return b.Bytes(), true
}
