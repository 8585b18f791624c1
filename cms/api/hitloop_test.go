package api_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"healthcms/cms/api"
)

// loopPair is the env's handler served twice over TCP as cms serve
// serves it: with the hit loop in front (loop) and without (ref).
type loopPair struct {
	loop, ref string
	handed    *atomic.Int64 // connections the loop handed to net/http
}

func startLoop(e *env, headerTimeout time.Duration) *loopPair {
	e.t.Helper()
	serve := func(hits bool) (string, *atomic.Int64) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			e.t.Fatal(err)
		}
		var conns atomic.Int64
		srv := &http.Server{
			Handler: e.srv.Config.Handler, ReadHeaderTimeout: headerTimeout, IdleTimeout: time.Minute,
			MaxHeaderBytes: 64 << 10, ConnContext: api.ConnContext,
			ConnState: func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			},
		}
		l := net.Listener(ln)
		if hits {
			l = e.api.HitListener(ln, srv)
			if l == ln {
				e.t.Fatal("HitListener: no loop")
			}
		}
		go srv.Serve(api.ProblemListener(l))
		e.t.Cleanup(func() { srv.Close() })
		return ln.Addr().String(), &conns
	}
	p := &loopPair{}
	p.loop, p.handed = serve(true)
	p.ref, _ = serve(false)
	return p
}

// recorder records what is read through it.
type recorder struct {
	r   io.Reader
	buf bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf.Write(p[:n])
	return n, err
}

// exchange sends reqs on one connection, all at once when pipelined, and
// returns the raw answers, each as read off the wire (the last one, when
// the server closes, with whatever came).
func exchange(t *testing.T, addr string, pipelined bool, reqs ...string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if pipelined {
		c.Write([]byte(strings.Join(reqs, "")))
	}
	rec := &recorder{r: c}
	br := bufio.NewReaderSize(rec, 1) // reads no further than an answer
	var out []string
	for _, req := range reqs {
		if !pipelined {
			if _, err := c.Write([]byte(req)); err != nil {
				break
			}
		}
		method, _, _ := strings.Cut(req, " ")
		res, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			if rec.buf.Len() > 0 {
				out = append(out, rec.buf.String())
			}
			break
		}
		io.ReadAll(res.Body)
		res.Body.Close()
		out = append(out, rec.buf.String()[:rec.buf.Len()-br.Buffered()])
		rec.buf.Reset()
		rec.buf.Write(peekAll(br))
	}
	return out
}

func peekAll(br *bufio.Reader) []byte { b, _ := br.Peek(br.Buffered()); return b }

var (
	dateLine  = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)
	requestID = regexp.MustCompile(`[0-9a-f]{12}-[0-9a-z]+`)
)

// normal blanks what differs between two answers to one request: the
// date and a request id made by the server.
func normal(s string) string {
	return requestID.ReplaceAllString(dateLine.ReplaceAllString(s, "Date: -\r"), "ID")
}

// sameOnBoth sends reqs to the loop and to net/http alone and fails
// unless the answers are the same bytes (date and request ids aside).
func (p *loopPair) sameOnBoth(t *testing.T, pipelined bool, reqs ...string) []string {
	t.Helper()
	got := exchange(t, p.loop, pipelined, reqs...)
	want := exchange(t, p.ref, pipelined, reqs...)
	if len(got) != len(want) {
		t.Fatalf("%q: %d answers through the loop, %d from net/http", reqs, len(got), len(want))
	}
	for i := range got {
		if normal(got[i]) != normal(want[i]) {
			t.Fatalf("%q: answer %d through the loop:\n%q\nfrom net/http:\n%q", reqs, i, trim(got[i]), trim(want[i]))
		}
	}
	return got
}

func trim(s string) string {
	if len(s) > 700 {
		return s[:700] + "…"
	}
	return s
}

func get(path string, headers ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: cms.example\r\n" + strings.Join(headers, "") + "\r\n"
}

// Cached answers through the hit loop are net/http's answers byte for
// byte (date and request id aside): identity, gzip, HEAD, 304, lists,
// topics, CORS, a request id of the client's; all on one connection the
// loop keeps, pipelined too.
func TestHitLoopAnswersAsNetHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Baricitinib in alopecia areata", "topics", []string{"jak-inhibitors"},
			"body_html", "<p>"+strings.Repeat("Baricitinib regrows hair in some patients. ", 200)+"</p>")
		path := delivery + "/articles/" + a["slug"].(string)
		p := startLoop(e, 10*time.Second)
		etag := e.do("GET", path, "", nil).want(200).Header.Get("ETag")
		reqs := []string{
			get(path),
			get(path, "Accept-Encoding: gzip\r\n"),
			get(path, "Accept-Encoding: gzip, deflate, br\r\nUser-Agent: wrk\r\nAccept: */*\r\nConnection: keep-alive\r\n"),
			"HEAD " + path + " HTTP/1.1\r\nHost: cms.example\r\n\r\n",
			get(path, "If-None-Match: "+etag+"\r\n"),
			get(path, "If-None-Match: \"other\"\r\n"),
			get(path, "Origin: https://app.example\r\nX-Request-Id: client-chosen-id-1\r\n"),
			get(delivery + "/topics/jak-inhibitors"),
			get(delivery+"/articles?topic=jak-inhibitors&utm_source=x", "Accept-Encoding: gzip\r\n"),
		}
		for _, r := range reqs { // fill the cache
			exchange(t, p.ref, false, r)
		}
		p.sameOnBoth(t, false, reqs...)
		p.sameOnBoth(t, true, reqs...)
		if n := p.handed.Load(); n != 0 {
			t.Fatalf("%d connections handed to net/http, want 0", n)
		}
		// A client's request id is kept.
		if got := exchange(t, p.loop, false, reqs[6])[0]; !strings.Contains(got, "X-Request-Id: client-chosen-id-1\r\n") {
			t.Fatalf("request id not kept:\n%s", trim(got))
		}
	})
}

// Every kind of hit the loop writes from a template is net/http's answer
// byte for byte, for GET and HEAD: identity, gzip, 304, 301 (a topic
// alias), a client's request id and a malformed one; and on a server that
// names its CORS origins, with the allowed origin, another one and none.
// All on connections the loop keeps.
func TestHitLoopAnswersEveryKindAsNetHTTP(t *testing.T) {
	for name, origins := range map[string][]string{"any origin": nil, "one origin": {"https://app.example"}} {
		t.Run(name, func(t *testing.T) { hitLoopKinds(t, origins) })
	}
}

func hitLoopKinds(t *testing.T, origins []string) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Baricitinib and shingles", "topics", []string{"jak-inhibitors"},
			"body_html", "<p>"+strings.Repeat("Baricitinib raises the risk of shingles. ", 100)+"</p>")
		path := delivery + "/articles/" + a["slug"].(string)
		alias := delivery + "/topics/jaki"
		p := startLoop(e, 10*time.Second)
		etag := e.do("GET", path, "", nil).want(200).Header.Get("ETag")
		var reqs []string
		for _, method := range []string{"GET", "HEAD"} {
			for _, target := range []string{path, alias} {
				for _, hdr := range []string{
					"",
					"Accept-Encoding: gzip\r\n",
					"If-None-Match: " + etag + "\r\n",
					"If-None-Match: W/" + etag + ", \"x\"\r\nAccept-Encoding: gzip;q=0\r\n",
					"X-Request-Id: proxy-id-0123456789\r\n",
					"X-Request-Id: short\r\n",
					"Origin: https://app.example\r\n",
					"Origin: https://evil.example\r\nAccept-Encoding: gzip\r\n",
				} {
					reqs = append(reqs, method+" "+target+" HTTP/1.1\r\nHost: cms.example\r\n"+hdr+"\r\n")
				}
			}
		}
		for _, r := range reqs { // fill the cache
			exchange(t, p.ref, false, r)
		}
		got := p.sameOnBoth(t, false, reqs...)
		p.sameOnBoth(t, true, reqs...)
		if n := p.handed.Load(); n != 0 {
			t.Fatalf("%d connections handed to net/http, want 0", n)
		}
		for i, want := range map[int]string{0: "HTTP/1.1 200 ", 1: "Content-Encoding: gzip\r\n", 2: "HTTP/1.1 304 ",
			3: "HTTP/1.1 304 ", 4: "X-Request-Id: proxy-id-0123456789\r\n", 8: "HTTP/1.1 301 ", 16: "HTTP/1.1 200 "} {
			if !strings.Contains(got[i], want) {
				t.Fatalf("answer %d lacks %q:\n%s", i, want, trim(got[i]))
			}
		}
		if strings.Contains(got[5], "X-Request-Id: short\r\n") {
			t.Fatalf("a malformed request id kept:\n%s", trim(got[5]))
		}
	}, func(s *api.Server) { s.CORSOrigins = origins })
}

// A connection starts in the loop and is handed to net/http, with what it
// sent, on the first request the loop does not answer: a POST, an editor
// call, HTTP/1.0, a header the loop does not take, Connection: close;
// pipelined too. Each is answered as net/http answers it, on the same
// connection. (Delivery misses stay in the loop: hitmiss_test.go.)
func TestHitLoopHandsOff(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Tofacitinib in alopecia", "topics", []string{"jak-inhibitors"})
		path := delivery + "/articles/" + a["slug"].(string)
		p := startLoop(e, 10*time.Second)
		exchange(t, p.ref, false, get(path))
		editor := get("/api/v1/editor/topics", "Authorization: Bearer "+e.tok["editor"]+"\r\n")
		for i, then := range []string{
			"POST " + path + " HTTP/1.1\r\nHost: cms.example\r\nContent-Length: 2\r\n\r\n{}",
			editor,
			"GET " + path + " HTTP/1.0\r\nHost: cms.example\r\n\r\n",
			get(path, "Cookie: a=b\r\n"),
			get(path, "Connection: close\r\n"),
		} {
			for _, pipelined := range []bool{false, true} {
				h0 := p.handed.Load()
				got := p.sameOnBoth(t, pipelined, get(path), then, get(path))
				if n := p.handed.Load() - h0; n != 1 {
					t.Fatalf("case %d: %d connections handed off, want 1", i, n)
				}
				if i == 1 && !strings.HasPrefix(got[1], "HTTP/1.1 200 ") {
					t.Fatalf("editor call: %s", trim(got[1]))
				}
				if (i == 2 || i == 4) && len(got) != 2 {
					t.Fatalf("case %d: %d answers, want 2 and the connection closed", i, len(got))
				}
			}
		}
	})
}

// What net/http refuses, it refuses through the loop too: smuggling
// attempts, bare LF line ends, obs-fold, a space before the colon, a
// header too large (431 problem), no Host.
func TestHitLoopRefusesAsNetHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Upadacitinib in alopecia", "topics", []string{"jak-inhibitors"})
		path := delivery + "/articles/" + a["slug"].(string)
		p := startLoop(e, 10*time.Second)
		exchange(t, p.ref, false, get(path))
		for _, bad := range []string{
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
			"GET " + path + " HTTP/1.1\nHost: x\n\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost : x\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: a\r\n b\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n",
			"GET " + path + " HTTP/1.2\r\nHost: x\r\n\r\n",
			"GET  " + path + " HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET " + path + "#x HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: \x01\r\n\r\n",
		} {
			got := p.sameOnBoth(t, false, bad, get(path))
			if strings.Contains(bad, "X-Big") && !strings.Contains(got[0], "431") {
				t.Fatalf("a header too large: %s", trim(got[0]))
			}
		}
	})
}

// A head sent slowly, never finished, times out as in net/http; a
// connection the loop keeps closes on Connection: close (handed off).
func TestHitLoopTimesOutPartialHeads(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		a := e.publish("Ritlecitinib in alopecia", "topics", []string{"jak-inhibitors"})
		path := delivery + "/articles/" + a["slug"].(string)
		p := startLoop(e, 300*time.Millisecond)
		exchange(t, p.ref, false, get(path))
		for _, partial := range []string{"GET " + path, get(path) + "GET " + path + " HTTP/1.1\r\nHo"} {
			c, err := net.Dial("tcp", p.loop)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(20 * time.Second))
			c.Write([]byte(partial))
			_, err = io.ReadAll(c)
			c.Close()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("%q: the server kept the connection open", partial)
			}
		}
	})
}

// With keys required for delivery there are no hits for a loop to answer.
func TestHitLoopPrivateDelivery(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *api.Server) { s.DeliveryPublic = false })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if l := e.api.HitListener(ln, &http.Server{}); l != ln {
		t.Fatal("a hit loop in front of private delivery")
	}
}
