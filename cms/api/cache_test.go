package api_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"healthcms/cms/api"
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
	return count("hit"), count("miss")
}

// A full cache forgets its oldest answers first: dropping answers stored
// together frees the heap they were allocated in together.
func TestCacheEvictsOldestFirst(t *testing.T) {
	eachDB(t, func(t *testing.T, first *env) {
		body := "<p>" + strings.Repeat("Methotrexate is taken once a week, never daily. ", 150) + "</p>"
		var slugs []string
		for i := 1; i <= 9; i++ {
			a := first.publish(fmt.Sprintf("Cached article %d", i), "body_html", body)
			slugs = append(slugs, a["slug"].(string))
		}
		// Room for eight and a half answers of this size, as the cache
		// counts them (the answer, a third of it for its compressed copy,
		// 256 bytes of bookkeeping).
		n := len(first.delivered(slugs[0]).want(200).Body)
		room := (n+n/3+256)*8 + n/2
		e := newEnvOn(t, first.db, func(s *api.Server) { s.CacheBytes = room })

		for _, s := range slugs { // nine misses; the ninth evicts the first
			e.delivered(s).want(200)
		}
		for i := len(slugs) - 1; i >= 1; i-- { // the eight newest are kept
			e.delivered(slugs[i]).want(200)
		}
		if hits, misses := cacheCounts(e); hits != 8 || misses != 9 {
			t.Fatalf("after storing nine and reading the eight newest: %d hits, %d misses; want 8 and 9", hits, misses)
		}
		e.delivered(slugs[0]).want(200)
		if hits, misses := cacheCounts(e); hits != 8 || misses != 10 {
			t.Fatalf("the oldest answer was kept: %d hits, %d misses; want 8 and 10", hits, misses)
		}
	})
}
