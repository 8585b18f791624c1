package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"healthcms/cms/api"
)

// contract checks answers against an OpenAPI document: the operation must
// document the status, the content type and (for JSON) the body's schema.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// raw is the document as JSON, and bodies compiles the schemas of its
	// responses once each: kin-openapi recompiles a 3.1 schema on every
	// validation (~10 ms each), which would slow the API suite down.
	raw     map[string]any
	bodies  *jsonschema.Compiler
	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
}

// served is the document the server serves, loaded once per test binary:
// loading and resolving 6,000 lines costs more than most tests.
var served = sync.OnceValues(func() (*contract, error) {
	// The feed, the sitemap and the docs page are documented as strings:
	// their markup is checked by the tests that read them, not by a schema.
	for _, ct := range []string{"application/atom+xml", "application/xml", "text/html"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	return loadContract(api.OpenAPIDocument())
})

// loadContract parses and validates an OpenAPI document.
func loadContract(doc []byte) (*contract, error) {
	l := openapi3.NewLoader()
	d, err := l.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := d.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	d.Servers = nil // match any host: the test servers listen on random ports
	r, err := legacy.NewRouter(d)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	jc := jsonschema.NewCompiler()
	jc.DefaultDraft(jsonschema.Draft2020)
	if err := jc.AddResource("openapi.json", raw); err != nil {
		return nil, err
	}
	return &contract{doc: d, router: r, raw: raw.(map[string]any), bodies: jc, schemas: map[string]*jsonschema.Schema{}}, nil
}

// check returns why the answer to req does not match the document, or nil.
// Paths the document does not name (the admin UI, a 404 for an unknown
// path) and preflights are not checked: there is no operation to check
// them against.
func (c *contract) check(req *http.Request, status int, h http.Header, body []byte) error {
	if req.Method == http.MethodOptions {
		return nil
	}
	r := req.Clone(context.Background())
	if r.Method == http.MethodHead {
		r.Method = http.MethodGet // documented as GET, answered without a body
		body = nil
	}
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		return nil
	}
	if status == http.StatusNotModified || status == http.StatusMethodNotAllowed {
		return nil // no body, and every route may answer them
	}
	if h.Get("Content-Encoding") == "gzip" && len(body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", route.Operation.OperationID, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: gzip: %w", route.Operation.OperationID, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 h,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: false},
	}
	// kin-openapi checks the status, the headers and the content type;
	// the body's schema is checked below.
	in.Options.ExcludeResponseBody = true
	in.SetBodyBytes(body)
	fail := func(err error) error {
		return fmt.Errorf("%s (%s %s) answered %d %s: %s", route.Operation.OperationID, req.Method, req.URL.Path, status, h.Get("Content-Type"), strings.TrimSpace(err.Error()))
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fail(err)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	sch, err := c.bodySchema(route.Path, strings.ToLower(r.Method), status, h.Get("Content-Type"))
	if err != nil {
		return fail(err)
	}
	if sch == nil {
		return nil // not JSON: documented as a string
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fail(fmt.Errorf("the body is not JSON: %w", err))
	}
	if err := sch.Validate(v); err != nil {
		return fail(err)
	}
	return nil
}

// bodySchema is the compiled schema of an operation's answer of that
// status and content type; nil when the body is not JSON.
func (c *contract) bodySchema(path, method string, status int, contentType string) (*jsonschema.Schema, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	ptr := "/paths/" + pointerToken(path) + "/" + method + "/responses"
	responses, _ := c.at(ptr).(map[string]any)
	code := fmt.Sprint(status)
	if _, ok := responses[code]; !ok {
		code = "default"
	}
	ptr += "/" + code
	if res, ok := c.at(ptr).(map[string]any); ok {
		if ref, ok := res["$ref"].(string); ok {
			ptr = strings.TrimPrefix(ref, "#")
		}
	}
	content, _ := c.at(ptr + "/content").(map[string]any)
	if len(content) == 0 && contentType == "" {
		return nil, nil // no body documented, none sent
	}
	key := ""
	for _, k := range []string{contentType, mt, strings.Split(mt, "/")[0] + "/*", "*/*"} {
		if _, ok := content[k]; ok {
			key = k
			break
		}
	}
	if key == "" {
		return nil, fmt.Errorf("content type %q is not documented for this status", contentType)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil, nil
	}
	loc := "openapi.json#" + ptr + "/content/" + pointerToken(key) + "/schema"
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[loc]; ok {
		return s, nil
	}
	s, err := c.bodies.Compile(loc)
	if err != nil {
		return nil, err
	}
	c.schemas[loc] = s
	return s, nil
}

// at is the value at a JSON pointer in the document.
func (c *contract) at(ptr string) any {
	var v any = c.raw
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	return v
}

func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// checkContract fails t when the answer does not match the served document.
func checkContract(t *testing.T, req *http.Request, status int, h http.Header, body []byte) {
	t.Helper()
	c, err := served()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := c.check(req, status, h, body); err != nil {
		t.Errorf("answer does not match openapi.json: %v", err)
	}
}

// TestContractCatchesDrift: the check the harness runs on every answer
// fails an answer that holds a field its schema does not document, lacks
// one it requires, or has an undocumented status, and it checks delivery
// answers served from the cache as well as fresh ones.
func TestContractCatchesDrift(t *testing.T) {
	e := newEnv(t, "sqlite")
	a := e.publish("Drift")
	slug := a["slug"].(string)
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	// The server's delivery article has a title the broken document no
	// longer names, and lacks a field the broken document requires.
	art := schemas["DeliveryArticle"].(map[string]any)
	delete(art["properties"].(map[string]any), "title")
	art["properties"].(map[string]any)["invented"] = map[string]any{"type": "string"}
	broken, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := loadContract(broken)
	if err != nil {
		t.Fatal(err)
	}
	good, err := served()
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"the database", "the cache"} {
		req, res := e.raw("GET", "/api/v1/delivery/articles/"+slug)
		if err := good.check(req, res.StatusCode, res.Header, res.body); err != nil {
			t.Errorf("from %s, the served document refuses a right answer: %v", from, err)
		}
		err := bad.check(req, res.StatusCode, res.Header, res.body)
		if err == nil || !strings.Contains(err.Error(), "deliveryGetArticle") || !strings.Contains(err.Error(), "title") {
			t.Errorf("from %s, an undocumented field passed: %v", from, err)
		}
	}
	delete(art["properties"].(map[string]any), "invented")
	art["properties"].(map[string]any)["title"] = map[string]any{"type": "string"}
	art["required"] = append(art["required"].([]any), "invented")
	broken2, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	bad2, err := loadContract(broken2)
	if err != nil {
		t.Fatal(err)
	}
	req, res := e.raw("GET", "/api/v1/delivery/articles/"+slug)
	if err := bad2.check(req, res.StatusCode, res.Header, res.body); err == nil || !strings.Contains(err.Error(), "invented") {
		t.Errorf("a documented required field missing passed: %v", err)
	}
	// A status the operation does not document.
	req, res = e.raw("GET", "/api/v1/delivery/articles/"+slug)
	if err := good.check(req, http.StatusTeapot, res.Header, res.body); err == nil {
		t.Error("an undocumented status passed")
	}
	// The wrong content type.
	h := res.Header.Clone()
	h.Set("Content-Type", "text/html")
	if err := good.check(req, res.StatusCode, h, res.body); err == nil {
		t.Error("an undocumented content type passed")
	}
}

type rawResponse struct {
	*http.Response
	body []byte
}

// raw sends an anonymous request without the harness's own check.
func (e *env) raw(method, path string) (*http.Request, rawResponse) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return req, rawResponse{res, b}
}
