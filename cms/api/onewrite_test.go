package api_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"healthcms/cms/api"
)

// countingListener counts the writes to its connections.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// Behind ProblemListener with ConnContext (as cms serve runs it), a
// delivery answer larger than net/http's 4 KiB buffer goes out in one
// write, on a miss and on a hit, and is the answer the plain server gives;
// the connection goes on serving the next requests.
func TestDeliveryAnswersInOneWrite(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.jakSite()
		slug := e.publish("Baricitinib for alopecia areata", "topics", []string{"jak-inhibitors"},
			"body_html", "<p>"+strings.Repeat("Baricitinib regrows scalp hair in about a third of patients. ", 150)+"</p>")["slug"].(string)
		var writes atomic.Int64
		srv := httptest.NewUnstartedServer(e.srv.Config.Handler)
		srv.Listener = api.ProblemListener(countingListener{srv.Listener, &writes})
		srv.Config.ConnContext = api.ConnContext
		// Set before Start: the server reads it from its own goroutines.
		var conns atomic.Int64
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, DisableCompression: true}}
		path := delivery + "/articles/" + slug
		for _, c := range []struct {
			method, path, header, value string
			status                      int
		}{
			{"GET", path, "", "", 200}, // a miss
			{"GET", path, "", "", 200}, // a hit
			{"GET", path, "Accept-Encoding", "gzip", 200},
			{"HEAD", path, "", "", 200},
			{"GET", delivery + "/articles?topic=jak-inhibitors", "", "", 200},
			{"GET", delivery + "/articles?topic=jak-inhibitors", "", "", 200},
			{"GET", delivery + "/topics/jak-inhibitors", "", "", 200},
		} {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
			if c.header != "" {
				req.Header.Set(c.header, c.value)
			}
			w0 := writes.Load()
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if n := writes.Load() - w0; n != 1 {
				t.Errorf("%s %s %s: %d writes, want 1", c.method, c.path, c.value, n)
			}
			// The same answer from the plain test server (which has the
			// same cache: a hit now).
			want := e.do(c.method, c.path, "", nil, "Accept-Encoding", "identity")
			if c.header != "" {
				want = e.do(c.method, c.path, "", nil, c.header, c.value)
			}
			sameAnswer(t, c.method+" "+c.path, want, &response{t: t, Status: res.StatusCode, Header: res.Header, Body: body})
		}
		if n := conns.Load(); n != 1 {
			t.Fatalf("%d connections, want 1 kept alive", n)
		}
	})
}
