package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// HitListener puts a server loop of its own in front of net/http for
// delivery requests (issue 13: net/http alone costs ~3× nginx's CPU per
// request, so a hit must not go through it). It accepts from ln; on each
// connection one goroutine reads request heads and answers delivery GETs
// and HEADs, writing the bytes net/http would write for them in one
// write: a cached answer through the fast path (serveHit), anything else
// of delivery's (a miss above all) through srv's handler (see routed). On
// the first request it does not answer itself (another route or method,
// HTTP/1.0, a header outside a short known set, a body, anything it does
// not parse), it hands the connection, with the bytes it has read, to
// net/http through the listener it returns, which srv serves: every rule,
// timeout and error answer of net/http applies from there on, and the
// connection is never taken back.
//
// Call it after Handler. When delivery needs a key, which the loop does
// not read, it returns ln.
func (s *Server) HitListener(ln net.Listener, srv *http.Server) net.Listener {
	if s.hits == nil || !s.DeliveryPublic {
		return ln
	}
	l := &hitListener{
		Listener: ln, s: s, srv: srv,
		conns: make(chan net.Conn), errc: make(chan error, 1), done: make(chan struct{}),
		loops: map[*hitConn]struct{}{},
	}
	ctx := context.WithValue(context.Background(), http.ServerContextKey, srv)
	l.ctx = context.WithValue(ctx, http.LocalAddrContextKey, ln.Addr())
	go l.accept()
	return l
}

// hitListener is the listener HitListener returns: it yields the
// connections handed to net/http.
type hitListener struct {
	net.Listener
	s     *Server
	srv   *http.Server
	ctx   context.Context
	conns chan net.Conn
	errc  chan error
	done  chan struct{}

	// busy counts the connections answering a request (see Drain).
	busy atomic.Int64

	closeOnce sync.Once
	mu        sync.Mutex
	closed    bool
	loops     map[*hitConn]struct{}
}

func (l *hitListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errc:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting and closes the connections waiting for a request
// in the loop, as http.Server.Shutdown closes its idle ones.
func (l *hitListener) Close() error {
	err := net.ErrClosed
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.Listener.Close()
		l.mu.Lock()
		l.closed = true
		for hc := range l.loops {
			if hc.state.CompareAndSwap(hcIdle, hcClosed) {
				hc.c.Close()
			}
		}
		l.mu.Unlock()
	})
	return err
}

// Drain waits until no connection of the loop is answering a request, or
// ctx is done. Call it after http.Server.Shutdown, which closes the
// listener and waits for net/http's connections only: a miss the loop is
// building goes on until it is answered, as one net/http serves would.
func (l *hitListener) Drain(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for l.busy.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func (l *hitListener) closing() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// accept runs the accept loop, retrying as http.Server.Serve does on
// temporary errors (out of file descriptors).
func (l *hitListener) accept() {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.closing() {
				return
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			l.errc <- err
			return
		}
		delay = 0
		hc := &hitConn{l: l, c: c}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.loops[hc] = struct{}{}
		l.mu.Unlock()
		go hc.serve()
	}
}

// Connection states in the loop: waiting for a request (Close may close
// it), answering one.
const (
	hcIdle int32 = iota
	hcBusy
	hcClosed
)

// hitBufSize is the loop's read buffer: a head that does not fit is
// handed to net/http, which applies MaxHeaderBytes.
const hitBufSize = 8 << 10

// hitConn is a connection in the loop.
type hitConn struct {
	l     *hitListener
	c     net.Conn
	state atomic.Int32
	req   *http.Request
	head  hitHead
	w     hitWriter
	vals  [maxHitHeaders][1]string
	// The read deadline's kind and when it was set; when the write
	// deadline was set (see readDeadline).
	rdKind       int
	rdSet, wdSet time.Time
	id           []byte // a direct answer's request id
	// built is a 404 direct built for the router to write (see build).
	built *builtAnswer
}

func (hc *hitConn) serve() {
	l := hc.l
	defer func() {
		l.mu.Lock()
		delete(l.loops, hc)
		l.mu.Unlock()
	}()
	hc.req = (&http.Request{}).WithContext(l.ctx)
	hc.req.RemoteAddr = hc.c.RemoteAddr().String()
	hc.w.h = make(http.Header, 16)
	buf := make([]byte, hitBufSize)
	start, end := 0, 0
	first := true
	for {
		n, verdict := parseHead(buf[start:end], &hc.head)
		switch verdict {
		case headMore:
			if start > 0 {
				end = copy(buf, buf[start:end])
				start = 0
			}
			if end == len(buf) {
				hc.handOff(buf[:end])
				return
			}
			// Between requests the idle timeout applies; from the
			// first byte of a head, the header timeout, as in net/http.
			if end == 0 && !first {
				hc.readDeadline(dlIdle, time.Now(), l.srv.IdleTimeout, l.srv.ReadTimeout)
			} else {
				hc.readDeadline(dlHeader, time.Now(), l.srv.ReadHeaderTimeout, l.srv.ReadTimeout)
			}
			m, err := hc.c.Read(buf[end:])
			end += m
			if err != nil && m == 0 {
				hc.close()
				return
			}
			continue
		case headHandOff:
			hc.handOff(buf[start:end])
			return
		}
		if !hc.state.CompareAndSwap(hcIdle, hcBusy) {
			return // closed by Close
		}
		l.busy.Add(1)
		now := time.Now()
		if !hc.direct(now) {
			switch hc.answer() {
			case answerNone:
				hc.idle()
				hc.handOff(buf[start:end])
				return
			case answerAborted:
				hc.close()
				return
			}
		}
		first = false
		if hc.rdKind == dlHeader {
			hc.rdKind = dlNone // the next head gets a header deadline of its own
		}
		start += n
		if start == end {
			start, end = 0, 0
		}
		closing := l.closing()
		if closing {
			hc.w.out = append(hc.w.out[:len(hc.w.out)-len(hc.w.body)-2], "Connection: close\r\n\r\n"...)
			hc.w.out = append(hc.w.out, hc.w.body...)
		}
		if d := l.srv.WriteTimeout; d > 0 && now.Sub(hc.wdSet) > deadlineSlack {
			hc.c.SetWriteDeadline(now.Add(d))
			hc.wdSet = now
		}
		_, err := hc.c.Write(hc.w.out)
		if err != nil || closing {
			hc.close()
			return
		}
		hc.idle()
		if l.closing() && hc.state.CompareAndSwap(hcIdle, hcClosed) {
			hc.c.Close()
			return
		}
	}
}

// Read deadlines of the loop: none yet, between requests, within a head.
const (
	dlNone = iota
	dlIdle
	dlHeader
)

// deadlineSlack is how stale a deadline of the same kind may be before the
// loop sets it again: setting one costs a timer update, and a connection
// that keeps asking would pay it twice per request. Timeouts of a minute
// or two are kept to within a second.
const deadlineSlack = time.Second

// readDeadline sets the read deadline of a kind to now plus d (or alt,
// see deadline), unless one of that kind was set less than deadlineSlack
// ago. A header deadline is set once per head: its timeout runs from the
// head's first byte.
func (hc *hitConn) readDeadline(kind int, now time.Time, d, alt time.Duration) {
	if hc.rdKind == kind && (kind == dlHeader || now.Sub(hc.rdSet) <= deadlineSlack) {
		return
	}
	hc.c.SetReadDeadline(deadline(now, d, alt))
	hc.rdKind, hc.rdSet = kind, now
}

// idle ends an answer: the connection waits for the next request.
func (hc *hitConn) idle() {
	hc.state.Store(hcIdle)
	hc.l.busy.Add(-1)
}

// close closes the connection; called while answering, it ends the answer.
func (hc *hitConn) close() {
	if hc.state.Swap(hcClosed) == hcBusy {
		hc.l.busy.Add(-1)
	}
	hc.c.Close()
}

// deadline is now plus d, or plus alt when d is 0 (net/http's fallback),
// or none.
func deadline(now time.Time, d, alt time.Duration) time.Time {
	if d == 0 {
		d = alt
	}
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(d)
}

// handOff gives the connection, and the bytes read but not answered, to
// net/http.
func (hc *hitConn) handOff(pending []byte) {
	l := hc.l
	l.mu.Lock()
	delete(l.loops, hc)
	l.mu.Unlock()
	if !hc.state.CompareAndSwap(hcIdle, hcBusy) {
		return // closed by Close
	}
	// net/http sets its own deadlines; none of ours may outlive the loop.
	hc.c.SetDeadline(time.Time{})
	c := &handedConn{Conn: hc.c, pending: bytes.Clone(pending)}
	select {
	case l.conns <- c:
	case <-l.done:
		hc.c.Close()
	}
}

// What answer did with a request.
const (
	answerNone    = iota // nothing written: net/http's to answer
	answerWritten        // the answer is in hc.w
	answerAborted        // the handler panicked: close the connection, as net/http does
)

// answer answers the parsed request: a cached answer through serveHit, and
// any other delivery GET or HEAD (a miss, a cached 404, a revalidation a
// build answers) through routed. Anything else it leaves untouched.
func (hc *hitConn) answer() int {
	h, r := &hc.head, hc.req
	u, err := url.ParseRequestURI(h.uri)
	if err != nil {
		return answerNone
	}
	clear(hc.w.h)
	hdr := r.Header
	if hdr == nil {
		hdr = make(http.Header, maxHitHeaders)
	}
	clear(hdr)
	for i := range h.n {
		hc.vals[i][0] = h.vals[i]
		hdr[h.names[i]] = hc.vals[i][:]
	}
	r.Method, r.URL, r.RequestURI, r.Host, r.Header = h.method, u, h.uri, h.host, hdr
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Body, r.ContentLength = http.NoBody, 0
	hc.w.reset(r.Method == http.MethodHead)
	s := hc.l.s
	switch {
	case s.serveHit(&hc.w, r):
	case s.hits.match(r) == nil:
		return answerNone
	case !hc.routed(hc.withBuilt(r)):
		return answerAborted
	}
	hc.w.finish()
	return answerWritten
}

// withBuilt returns r carrying the answer direct built for it, if any
// (a 404: rare enough for the copy of r).
func (hc *hitConn) withBuilt(r *http.Request) *http.Request {
	if hc.built == nil {
		return r
	}
	b := hc.built
	hc.built = nil
	return r.WithContext(context.WithValue(r.Context(), builtKey{}, b))
}

// routed answers a delivery request the cache does not hold through the
// server's handler, as net/http would call it, into the loop's writer: the
// router builds, caches, counts and logs it as it does every request, and
// the answer goes out in one write, on a connection that stays in the
// loop. A cache miss through net/http cost about twice the CPU of the
// same miss in the loop (issue 13, goal 2). It reports false when the
// handler panicked past its own recovery (http.ErrAbortHandler).
func (hc *hitConn) routed(r *http.Request) (ok bool) {
	w := &hc.w
	w.owned = true
	defer func() {
		w.owned = false
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				hc.l.s.Log.Error("panic", "value", v, "stack", string(debug.Stack()))
			}
			ok = false
		}
	}()
	hc.l.srv.Handler.ServeHTTP(w, r)
	return true
}

// handedConn is a connection handed to net/http: its first reads return
// the bytes the loop read.
type handedConn struct {
	net.Conn
	pending []byte
}

func (c *handedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite and ReadFrom are the TCP connection's (see problemConn).
func (c *handedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *handedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// hitWriter is the ResponseWriter of an answer in the loop: it writes
// the status line, the header and the body as net/http's response writer
// does for these answers (net/http.(*chunkWriter).writeHeader), into one
// buffer.
type hitWriter struct {
	h      http.Header
	out    []byte
	body   []byte
	status int
	head   bool
	keys   []string
	// owned: the answer comes from the router (routed), whose handlers
	// may write from buffers they reuse (json.Encoder's): the body is
	// copied into buf, and kept for a HEAD too, for its length.
	owned bool
	buf   []byte
}

func (w *hitWriter) reset(head bool) {
	w.status, w.head = 0, head
	w.out, w.body, w.buf = keepSmall(w.out), nil, keepSmall(w.buf)
}

// maxKeptBuf bounds the buffers a connection keeps between requests: an
// article's answer fits many times over, and a connection that was once
// sent a sitemap page of 50,000 URLs does not hold its megabytes for as
// long as it stays open.
const maxKeptBuf = 256 << 10

func keepSmall(b []byte) []byte {
	if cap(b) > maxKeptBuf {
		return nil
	}
	return b[:0]
}

func (w *hitWriter) Header() http.Header { return w.h }

func (w *hitWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *hitWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.owned {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if w.head {
		return len(p), nil // as net/http: taken, not sent
	}
	if w.body == nil {
		w.body = p // the cached body, kept as is
	} else {
		w.body = append(slices.Clip(w.body), p...)
	}
	return len(p), nil
}

func bodyAllowed(code int) bool {
	return !(code >= 100 && code < 200 || code == http.StatusNoContent || code == http.StatusNotModified)
}

// finish writes the answer to out; the body comes last, so that a
// Connection: close can go in before it.
func (w *hitWriter) finish() {
	code := w.status
	if code == 0 {
		code = http.StatusOK
	}
	b := append(w.out[:0], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(code)...)
	b = append(b, "\r\n"...)
	if !bodyAllowed(code) {
		delete(w.h, "Content-Type")
		delete(w.h, "Content-Length")
		delete(w.h, "Transfer-Encoding")
	}
	// What a routed answer wrote; net/http would know the same of it
	// when the handler returns.
	written := len(w.body)
	if len(w.buf) > 0 {
		written = len(w.buf)
		if _, ok := w.h["Content-Type"]; !ok && written > 0 && bodyAllowed(code) {
			w.h.Set("Content-Type", http.DetectContentType(w.buf[:min(written, 512)]))
		}
		if !w.head {
			w.body = w.buf
		}
	}
	w.keys = w.keys[:0]
	for k := range w.h {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	for _, k := range w.keys {
		for _, v := range w.h[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendHeaderValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if _, ok := w.h["Date"]; !ok {
		b = append(b, "Date: "...)
		b = appendDate(b, time.Now())
		b = append(b, "\r\n"...)
	}
	// A body without a length: net/http sets it when the body fits its
	// 2 KiB buffer before chunking, and chunks a longer one on a GET (the
	// loop sends its length instead, as valid), sends neither on a HEAD.
	if _, ok := w.h["Content-Length"]; !ok && bodyAllowed(code) && (!w.head || written > 0 && written <= 2048) {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(written), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	w.out = append(b, w.body...)
}

// appendHeaderValue appends v as http.Header.Write does: newlines as
// spaces, surrounding white space trimmed.
func appendHeaderValue(b []byte, v string) []byte {
	for len(v) > 0 && isTrimmed(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isTrimmed(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

func isTrimmed(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// hitDate is the Date header's value for the current second.
var hitDate atomic.Pointer[dateValue]

type dateValue struct {
	sec int64
	b   []byte
}

func appendDate(b []byte, now time.Time) []byte {
	d := hitDate.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateValue{now.Unix(), now.UTC().AppendFormat(nil, http.TimeFormat)}
		hitDate.Store(d)
	}
	return append(b, d.b...)
}
