package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"healthcms/cms/api"
)

// TestOpenAPIMatchesRoutes: every route the router serves is documented,
// and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, "sqlite")
	res := e.do("GET", "/api/openapi.json", "", nil).want(200)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(res.Body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %v %q", err, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	s := &api.Server{Log: e.api.Log}
	err := chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.ReplaceAll(route, "/*/", "/"), "/*")
		if method != "HEAD" && method != "OPTIONS" && route != "/api/docs/{file}" { // the docs page's scripts
			served[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, extra []string
	for op := range served {
		if !documented[op] {
			missing = append(missing, op)
		}
	}
	for op := range documented {
		if !served[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	if len(served) < 35 {
		t.Fatalf("only %d routes walked", len(served))
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, "sqlite")
	a := e.publish("Measured")
	for i := 0; i < 3; i++ {
		e.delivered(a["slug"].(string)).want(200)
	}
	body := string(e.do("GET", "/metrics", "", nil).want(200).Body)
	for _, want := range []string{
		`cms_http_requests_total{code="200",method="GET",route="/api/v1/delivery/articles/{slug}"} 3`,
		`cms_delivery_cache_total{result="hit"} 2`,
		`cms_delivery_cache_total{result="miss"} 1`,
		`cms_http_request_duration_seconds_bucket{route="/api/v1/editor/articles/{id}/transitions"`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
