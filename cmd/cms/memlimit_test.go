package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// serve bounds the Go heap by the delivery cache plus headroom while it
// runs, with GOGC off, leaves a limit set by GOMEMLIMIT and a GOGC set
// alone, and restores the previous limit and GOGC when it stops.
func TestServeMemoryLimit(t *testing.T) {
	before, gcBefore := debug.SetMemoryLimit(-1), gcPercent()
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "CMS_DELIVERY_CACHE_MB": "16"})
	if got, want := debug.SetMemoryLimit(-1), int64(16<<20+memoryHeadroom); got != want {
		t.Fatalf("memory limit while serving with a 16 MiB cache: %d, want %d", got, want)
	}
	if got := gcPercent(); got != -1 {
		t.Fatalf("GOGC while serving with a memory limit: %d, want off (-1)", got)
	}
	s.shutdown(t)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit after serve: %d, want the previous %d", got, before)
	}
	if got := gcPercent(); got != gcBefore {
		t.Fatalf("GOGC after serve: %d, want the previous %d", got, gcBefore)
	}

	s = startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "GOMEMLIMIT": "1GiB"})
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("serve changed the limit although GOMEMLIMIT was set: %d, want %d", got, before)
	}
	if got := gcPercent(); got != gcBefore {
		t.Fatalf("serve changed GOGC although GOMEMLIMIT was set: %d, want %d", got, gcBefore)
	}
	s.shutdown(t)

	s = startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "GOGC": "200"})
	if got := gcPercent(); got != gcBefore {
		t.Fatalf("serve changed GOGC although GOGC was set: %d, want %d", got, gcBefore)
	}
	s.shutdown(t)
}

// gcPercent is the collector's GOGC percentage (-1: off).
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// serve loads the search index in memory (CMS_SEARCH_INDEX=memory, the
// default), answers searches from it, and raises the memory limit by what
// it holds; with CMS_SEARCH_INDEX=database it keeps none.
func TestServeSearchIndex(t *testing.T) {
	url := storetest.URL(t, "sqlite")
	if code, _, stderr := run(t, dbVars(url), "seed", "--articles", "30", "--topics", "3"); code != 0 {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	before := debug.SetMemoryLimit(-1)
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": url, "CMS_DELIVERY_CACHE_MB": "16"})
	deadline := time.Now().Add(60 * time.Second)
	for metric(t, s, "cms_search_index_articles") != 30 {
		if time.Now().After(deadline) {
			t.Fatalf("the search index did not load 30 articles: %s", s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res, err := http.Get(s.url + "/api/v1/delivery/search?q=the"); err != nil || res.StatusCode != 200 {
		t.Fatalf("search: %v %v", res, err)
	}
	if n := metric(t, s, "cms_search_index_searches_total"); n != 1 {
		t.Fatalf("searches the index answered: %v, want 1", n)
	}
	if got, least := debug.SetMemoryLimit(-1), int64(16<<20+memoryHeadroom+30*1024); got < least {
		t.Fatalf("memory limit with 30 articles in the index: %d, want at least %d", got, least)
	}
	s.shutdown(t)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit after serve: %d, want the previous %d", got, before)
	}

	s = startServer(t, map[string]string{"CMS_DATABASE_URL": url, "CMS_SEARCH_INDEX": "database"})
	if v := metric(t, s, "cms_search_index_articles"); v != -1 {
		t.Fatalf("cms_search_index_articles with CMS_SEARCH_INDEX=database: %v, want -1", v)
	}
	s.shutdown(t)
}

// serve with CMS_LOCAL_DOCUMENTS_DIR writes every live document to a
// file in that directory, which it removes from the directory at once,
// and answers delivery's misses from it; without, it keeps none.
func TestServeLocalDocuments(t *testing.T) {
	url := storetest.URL(t, "sqlite")
	if code, _, stderr := run(t, dbVars(url), "seed", "--articles", "30", "--topics", "3"); code != 0 {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	dir := t.TempDir()
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": url, "CMS_DELIVERY_CACHE_MB": "0", "CMS_LOCAL_DOCUMENTS_DIR": dir})
	deadline := time.Now().Add(60 * time.Second)
	for metric(t, s, "cms_local_documents_articles") != 30 {
		if time.Now().After(deadline) {
			t.Fatalf("the local documents did not hold 30 articles: %s", s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Fatalf("the directory holds %v (%v); want nothing", ents, err)
	}
	var list struct {
		Items []struct{ Slug string } `json:"items"`
	}
	res, err := http.Get(s.url + "/api/v1/delivery/articles?limit=2")
	if err == nil {
		err = json.NewDecoder(res.Body).Decode(&list)
		res.Body.Close()
	}
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	for _, it := range list.Items {
		if res, err := http.Get(s.url + "/api/v1/delivery/articles/" + it.Slug); err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", it.Slug, res, err)
		}
	}
	if n := metric(t, s, "cms_local_documents_reads_total"); n != 2 {
		t.Fatalf("misses the local documents answered: %v, want 2", n)
	}
	s.shutdown(t)

	s = startServer(t, map[string]string{"CMS_DATABASE_URL": url})
	if v := metric(t, s, "cms_local_documents_articles"); v != -1 {
		t.Fatalf("cms_local_documents_articles without CMS_LOCAL_DOCUMENTS_DIR: %v, want -1", v)
	}
	s.shutdown(t)
}

// metric is the value of a metric the server s exposes in /metrics.
func metric(t *testing.T, s *server, name string) float64 {
	t.Helper()
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
