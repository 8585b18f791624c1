package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/api"
	"healthcms/cms/store/storetest"
)

// cacheCounts reads the delivery cache's hit and miss counters.
func cacheCounts(e *env) (hits, misses int) {
	e.t.Helper()
	body := string(e.do("GET", "/metrics", "", nil).want(200).Body)
	count := func(result string) int {
		m := regexp.MustCompile(`cms_delivery_cache_total\{result="` + result + `"\} (\d+)`).FindStringSubmatch(body)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return count("hit"), count("miss") + count("coalesced")
}

// A full cache keeps the answers asked for again over a flood of answers
// asked for once: 2,000 unknown slugs and 200 made-up topics pass through
// a cache with room for 8 articles, and the article read all along is
// still a hit. (Evicting oldest first, the flood evicted it.)
func TestCacheFloodKeepsHotArticle(t *testing.T) {
	eachDB(t, func(t *testing.T, first *env) {
		body := "<p>" + strings.Repeat("Methotrexate is taken once a week, never daily. ", 150) + "</p>"
		hot := first.publish("Methotrexate weekly", "body_html", body)["slug"].(string)
		n := len(first.delivered(hot).want(200).Body)
		e := newEnvOn(t, first.db, func(s *api.Server) { s.CacheBytes = (n + n/3 + 256) * 8 })
		e.delivered(hot).want(200)
		e.delivered(hot).want(200) // asked for again: worth keeping
		for i := range 2000 {
			e.delivered(fmt.Sprintf("no-such-article-%d", i)).problem(404)
			if i%10 == 0 {
				e.do("GET", fmt.Sprintf("%s/articles?topic=made-up-%d", delivery, i), "", nil)
			}
		}
		h0, m0 := cacheCounts(e)
		e.delivered(hot).want(200)
		if h, m := cacheCounts(e); h != h0+1 || m != m0 {
			t.Fatalf("the hot article was evicted by the flood: hits %d→%d, misses %d→%d", h0, h, m0, m)
		}
	})
}

// The cache key is the path and the parameters the answer depends on:
// unknown parameters and their order make no new entry; every parameter
// openapi.json documents for a delivery path does.
func TestCacheKeyIsPathAndKnownParameters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.do("POST", "/api/v1/editor/topics", "editor", map[string]any{"slug": "ra", "name": "Rheumatoid arthritis"}).want(201)
		slug := e.publish("Tofacitinib in RA", "topics", []string{"ra"})["slug"].(string)
		wantHit := func(path string, hit bool) {
			t.Helper()
			h0, _ := cacheCounts(e)
			e.do("GET", path, "", nil)
			if h, _ := cacheCounts(e); (h == h0+1) != hit {
				t.Fatalf("GET %s: hit %v, want %v", path, h == h0+1, hit)
			}
		}
		wantHit(delivery+"/articles?topic=ra&limit=5", false)
		for _, p := range []string{
			"/articles?limit=5&topic=ra",                 // order
			"/articles?topic=ra&limit=5&utm_source=news", // unknown
			"/articles?x=1&topic=r%61&limit=5&topic=uc",  // escaped, repeated: the first counts, as for the handler
			"/articles?topic=ra&limit=5&cursor=",         // empty is absent
		} {
			wantHit(delivery+p, true)
		}
		wantHit(delivery+"/articles/"+slug, false)
		wantHit(delivery+"/articles/"+slug+"?cache-buster=12345", true)
		wantHit(delivery+"/articles/"+slug+"?limit=5", true) // a parameter this path does not read

		// Every documented query parameter is part of its path's key.
		var doc struct {
			Paths      map[string]map[string]json.RawMessage
			Components struct {
				Parameters map[string]struct{ Name, In string }
			}
		}
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		values := map[string]string{"limit": "7", "topic": "ra", "q": "tofacitinib", "page": "1", "cursor": "bm90LWEtY3Vyc29y"}
		fill := strings.NewReplacer("/articles/{slug}", "/articles/"+slug, "/topics/{slug}", "/topics/ra")
		checked := 0
		for path, item := range doc.Paths {
			if !strings.HasPrefix(path, delivery) {
				continue
			}
			var get struct {
				Parameters []struct{ Ref, Name, In string }
			}
			json.Unmarshal(bytes.ReplaceAll(item["get"], []byte(`"$ref"`), []byte(`"ref"`)), &get)
			base := fill.Replace(path)
			var query []string
			for _, p := range get.Parameters {
				if p.Ref != "" {
					c := doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
					p.Name, p.In = c.Name, c.In
				}
				if p.In == "query" {
					query = append(query, p.Name)
				}
			}
			if strings.HasSuffix(path, "/search") {
				base += "?q=ra"
			}
			for _, name := range query {
				v, ok := values[name]
				if !ok {
					t.Fatalf("%s: no test value for its parameter %q", path, name)
				}
				u, _ := url.Parse(base)
				q := u.Query()
				q.Set(name, v)
				u.RawQuery = q.Encode()
				e.do("GET", base, "", nil) // cached, or an error
				wantHit(u.String(), false)
				checked++
			}
		}
		if checked < 8 {
			t.Fatalf("checked %d documented parameters; openapi.json lists more", checked)
		}
	})
}

// countingStore counts the live-article reads that reach the database;
// block, when set, is called first with the request's context.
type countingStore struct {
	cms.DeliveryStore
	reads atomic.Int64
	block func(ctx context.Context) error
}

func (c *countingStore) LiveArticle(ctx context.Context, slug string, lc cms.LiveCopy) (*cms.LiveDocument, error) {
	c.reads.Add(1)
	if c.block != nil {
		if err := c.block(ctx); err != nil {
			return nil, err
		}
	}
	return c.DeliveryStore.LiveArticle(ctx, slug, lc)
}

// 200 concurrent requests for an article nobody has asked for yet make
// one database read, and all 200 get the article (without coalescing:
// 200 reads): through the router, and through the hit loop, which builds
// an article's miss itself.
func TestCacheStampedeReadsOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, first *env) {
		slug := first.publish("Baricitinib", "body_html", "<p>"+strings.Repeat("Baricitinib is a JAK inhibitor. ", 60)+"</p>")["slug"].(string)
		for _, loop := range []bool{false, true} {
			cs := &countingStore{DeliveryStore: first.db, block: func(context.Context) error {
				time.Sleep(300 * time.Millisecond) // the stampede piles up behind the first read
				return nil
			}}
			e := newEnvOn(t, first.db, func(s *api.Server) { s.Delivery = cs })
			base := e.srv.URL
			if loop {
				base = "http://" + startLoop(e, 10*time.Second).loop
			}
			stampede(t, base+delivery+"/articles/"+slug, cs)
		}
	})
}

// stampede asks for url 200 times at once and checks that every answer
// is the same 200 and that cs read the article once.
func stampede(t *testing.T, url string, cs *countingStore) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	bodies := make([][]byte, 200)
	errs := make(chan error, 200)
	for i := range bodies {
		wg.Go(func() {
			res, err := client.Get(url)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(res.Body)
			if res.StatusCode != 200 {
				errs <- fmt.Errorf("status %d: %s", res.StatusCode, b.Bytes())
			}
			bodies[i] = b.Bytes()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) || len(b) == 0 {
			t.Fatalf("the answers differ")
		}
	}
	if n := cs.reads.Load(); n != 1 {
		t.Fatalf("%s: 200 concurrent requests for one cold article read it %d times, want 1", url, n)
	}
}

// A client that hangs up while its answer is read from the database
// leaves no error in the log, and the answer is still cached for the next.
func TestClientGoneLogsNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, first *env) {
		slug := first.publish("Abatacept", "body_html", "<p>Abatacept is a biologic.</p>")["slug"].(string)
		entered, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		cs := &countingStore{DeliveryStore: first.db, block: func(ctx context.Context) error {
			once.Do(func() { close(entered) })
			select {
			case <-release:
				return nil
			case <-ctx.Done(): // what a database driver does
				return ctx.Err()
			}
		}}
		var logs storetest.SyncBuffer
		e := newEnvOn(t, first.db, func(s *api.Server) {
			s.Delivery = cs
			s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		})
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+delivery+"/articles/"+slug, nil)
		gone := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
			}
			gone <- err
		}()
		<-entered
		cancel()
		if err := <-gone; err == nil {
			t.Fatal("the cancelled request got an answer")
		}
		time.Sleep(200 * time.Millisecond) // the server notices the closed connection
		close(release)
		e.delivered(slug).want(200)
		e.srv.Close() // waits for every handler
		if l := logs.String(); l != "" {
			t.Fatalf("logged when a client went away:\n%s", l)
		}
		if n := cs.reads.Load(); n != 1 {
			t.Fatalf("%d reads, want 1: the answer read for the client who left serves the next", n)
		}
	})
}
