package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"strconv"
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

type problemConn struct{ net.Conn }

// The methods net/http looks for on a *net.TCPConn.
var (
	_ interface{ CloseWrite() error } = (*problemConn)(nil)
	_ io.ReaderFrom                   = (*problemConn)(nil)
)

// netHTTPErrorHeaders ends the status line of net/http's own error answers.
var netHTTPErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c *problemConn) Write(p []byte) (int, error) {
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
