package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"healthcms/cms/store/storetest"
)

// cms serve answers a header over its 64 KiB limit, which net/http refuses
// before any handler runs, with a problem document like every other error.
func TestServeAnswersHugeHeaderWithProblem(t *testing.T) {
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite")})
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go io.WriteString(c, "GET /api/v1/delivery/topics HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 80<<10)+"\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 431 || res.Header.Get("Content-Type") != "application/problem+json" ||
		res.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" || !strings.Contains(string(body), `"status":431`) {
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
	}
}
