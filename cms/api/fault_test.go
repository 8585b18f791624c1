package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// faultCall is one request of the fault test and its answer; safe to make
// from any goroutine (env.do is not: it fails the test on a transport error).
func (e *env) faultCall(method, path, who string, body any, headers ...string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tok[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 20 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

// faultStats counts answers by kind of request and phase of the test.
type faultStats struct {
	mu     sync.Mutex
	counts map[string]map[int]int // "phase kind" → status → count
	bad    []string               // answers that break the contract
}

func (s *faultStats) add(phase, kind string, status int, h http.Header, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := phase + " " + kind
	if s.counts[k] == nil {
		s.counts[k] = map[int]int{}
	}
	s.counts[k][status]++
	switch {
	case status == http.StatusServiceUnavailable:
		var p struct {
			Type   string
			Status int
		}
		if h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(body, &p) != nil || p.Status != 503 || p.Type != "/problems/unavailable" {
			s.bad = append(s.bad, fmt.Sprintf("%s: 503 without Retry-After or problem+json: %v %s", k, h, body))
		}
	case status >= 500:
		s.bad = append(s.bad, fmt.Sprintf("%s: %d %s", k, status, body))
	case kind == "cached read" && status != http.StatusOK:
		s.bad = append(s.bad, fmt.Sprintf("%s: cached delivery answered %d %s", k, status, body))
	}
}

func (s *faultStats) n(phase, kind string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[phase+" "+kind][status]
}

// ackedSave is a save the server acknowledged (2xx).
type ackedSave struct {
	id       string
	revision int
	title    string
}

// While PostgreSQL is down, writes and uncached reads are answered 503
// (problem+json, Retry-After), never 500, and cached delivery goes on
// answering 200; when it is back, the same server recovers without a
// restart, and every write it acknowledged is in the database.
func TestPostgresOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	cluster := storetest.NewCluster(t)
	db := storetest.OpenURL(t, cluster.URL)
	e := newEnvOn(t, db)

	var slugs []string
	for i := 0; i < 4; i++ {
		slugs = append(slugs, e.publish(fmt.Sprintf("Cached through the outage %d", i))["slug"].(string))
		e.delivered(slugs[i]).want(200) // into the cache
	}
	var phase atomic.Value
	phase.Store("up")
	stats := &faultStats{counts: map[string]map[int]int{}}
	var (
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		ackMu   sync.Mutex
		acked   []ackedSave
		created []string
		tries   atomic.Int64
		errs    atomic.Int64
	)
	loop := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	// Writers: each saves its own article again and again, and now and
	// then creates another.
	for w := 0; w < 3; w++ {
		a := e.create("writer", draft(fmt.Sprintf("Writer %d under load", w)))
		id, version := a["id"].(string), a["version"].(float64)
		loop(func(i int) {
			ph := phase.Load().(string)
			tries.Add(1)
			if i%5 == 4 {
				title := fmt.Sprintf("Created by writer %d, attempt %d", w, i)
				status, h, body, err := e.faultCall("POST", articles, "writer", draft(title))
				if err != nil {
					errs.Add(1)
					return
				}
				stats.add(ph, "write", status, h, body)
				if status == http.StatusCreated {
					var c struct{ ID string }
					json.Unmarshal(body, &c)
					ackMu.Lock()
					created = append(created, c.ID)
					ackMu.Unlock()
				}
				return
			}
			title := fmt.Sprintf("Writer %d, save %d", w, i)
			status, h, body, err := e.faultCall("PUT", articles+"/"+id, "writer", draft(title), "If-Match", fmt.Sprintf(`"%v"`, version))
			if err != nil {
				errs.Add(1)
				return
			}
			stats.add(ph, "write", status, h, body)
			switch status {
			case http.StatusOK:
				var a struct {
					Version float64
					Draft   struct{ Revision int }
				}
				json.Unmarshal(body, &a)
				version = a.Version
				ackMu.Lock()
				acked = append(acked, ackedSave{id, a.Draft.Revision, title})
				ackMu.Unlock()
			case http.StatusPreconditionFailed:
				// A save answered 503 whose commit went through after all:
				// read the version again.
				status, _, body, err := e.faultCall("GET", articles+"/"+id, "writer", nil)
				if err == nil && status == http.StatusOK {
					var a struct{ Version float64 }
					json.Unmarshal(body, &a)
					version = a.Version
				}
			}
		})
	}
	// Cached delivery reads, and reads that must reach the database: the
	// editor API and delivery searches never asked before.
	for r := 0; r < 2; r++ {
		loop(func(i int) {
			ph := phase.Load().(string)
			tries.Add(1)
			status, h, body, err := e.faultCall("GET", "/api/v1/delivery/articles/"+slugs[i%len(slugs)], "", nil)
			if err != nil {
				errs.Add(1)
				return
			}
			stats.add(ph, "cached read", status, h, body)
		})
		loop(func(i int) {
			ph := phase.Load().(string)
			tries.Add(1)
			path := fmt.Sprintf("/api/v1/delivery/search?q=outage%d%d", r, i)
			who := ""
			if i%2 == 0 {
				path, who = articles+"?limit=5", "editor"
			}
			status, h, body, err := e.faultCall("GET", path, who, nil)
			if err != nil {
				errs.Add(1)
				return
			}
			stats.add(ph, "uncached read", status, h, body)
		})
	}

	// Two outages: a fast shutdown (sessions are told 57P01, new
	// connections 57P03, then refused), and an immediate one, like a crash
	// (connections drop without a word).
	for _, mode := range []string{"fast", "immediate"} {
		time.Sleep(1500 * time.Millisecond)
		phase.Store("stopping " + mode)
		cluster.Stop(mode)
		phase.Store("down " + mode)
		time.Sleep(2 * time.Second)
		phase.Store("starting " + mode)
		cluster.Start()
		phase.Store("recovering " + mode)
		deadline := time.Now().Add(15 * time.Second)
		for stats.n("recovering "+mode, "write", http.StatusOK) == 0 {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("no write succeeded within 15 s of PostgreSQL coming back: %v", stats.counts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		up := "up after " + mode
		phase.Store(up)
		// Load goes on until both writes and uncached reads have succeeded
		// again (the recovery under test), for a second at least.
		deadline = time.Now().Add(10 * time.Second)
		time.Sleep(time.Second)
		for time.Now().Before(deadline) && (stats.n(up, "write", http.StatusOK) == 0 || stats.n(up, "uncached read", http.StatusOK) == 0) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()

	t.Logf("answers by phase: %v", stats.counts)
	for _, b := range stats.bad {
		t.Error(b)
	}
	var down503, downCached int
	for _, mode := range []string{"fast", "immediate"} {
		for _, kind := range []string{"write", "uncached read"} {
			n := stats.n("down "+mode, kind, http.StatusServiceUnavailable)
			if n == 0 {
				t.Errorf("no %s was answered 503 while PostgreSQL was down (%s shutdown)", kind, mode)
			}
			down503 += n
		}
		n := stats.n("down "+mode, "cached read", http.StatusOK)
		if n == 0 {
			t.Errorf("no cached delivery read was answered while PostgreSQL was down (%s shutdown)", mode)
		}
		downCached += n
		if stats.n("up after "+mode, "write", http.StatusOK) == 0 || stats.n("up after "+mode, "uncached read", http.StatusOK) == 0 {
			t.Errorf("the server did not recover from a %s shutdown: no write or uncached read succeeded after PostgreSQL came back", mode)
		}
	}
	if n := errs.Load(); n > 0 {
		t.Errorf("%d requests failed without an answer", n)
	}

	// Every acknowledged write is in the database.
	found := 0
	for _, s := range acked {
		res := e.do("GET", fmt.Sprintf("%s/%s/revisions/%d", articles, s.id, s.revision), "editor", nil)
		if res.Status == http.StatusOK && res.json()["title"] == s.title {
			found++
		} else {
			t.Errorf("acknowledged save %q (revision %d of %s) is lost: %d %s", s.title, s.revision, s.id, res.Status, res.Body)
		}
	}
	for _, id := range created {
		if e.do("GET", articles+"/"+id, "editor", nil).Status == http.StatusOK {
			found++
		} else {
			t.Errorf("acknowledged article %s is lost", id)
		}
	}
	t.Logf("%d requests; %d writes acknowledged, %d found after two outages; %d writes and uncached reads answered 503 while down; %d cached reads answered 200 while down",
		tries.Load(), len(acked)+len(created), found, down503, downCached)
}
