package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// requestSeries counts the series of cms_http_requests_total.
func requestSeries(e *env) int {
	e.t.Helper()
	body := string(e.do("GET", "/metrics", "", nil).want(200).Body)
	return strings.Count(body, "\ncms_http_requests_total{")
}

// No client input becomes a label value: made-up methods on matched and
// unmatched paths all count as one method, so a client cannot grow
// /metrics (and the server's heap) one series per request.
func TestMetricsSeriesAreBounded(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.do("GET", "/api/v1/delivery/topics", "", nil).want(200)
	before := requestSeries(e)
	for i := 0; i < 200; i++ {
		path := "/api/v1/delivery/topics"
		if i%2 == 1 {
			path = fmt.Sprintf("/no/such/path/%d", i)
		}
		res := e.do(fmt.Sprintf("MADEUP%d", i), path, "", nil)
		if res.Status < 400 || res.Status >= 500 {
			t.Fatalf("%s: status %d, want a 4xx", res.req, res.Status)
		}
	}
	after := requestSeries(e)
	// At most the OTHER method on the two routes, each with its code, and
	// the /metrics reads themselves.
	if after-before > 4 {
		t.Fatalf("%d series before 200 made-up methods, %d after", before, after)
	}
	t.Logf("request series: %d before 200 made-up methods, %d after", before, after)
	body := string(e.do("GET", "/metrics", "", nil).Body)
	if strings.Contains(body, "MADEUP") {
		t.Fatal("a made-up method is a label value")
	}
	if !strings.Contains(body, `method="OTHER"`) {
		t.Fatal(`made-up methods are not counted as method="OTHER"`)
	}
}
