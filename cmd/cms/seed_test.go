package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// TestSeedBatchesWriteWhatSingleChangesWrite: seeding in batches stores
// what seeding one change per transaction stores (every table but ids,
// times and what is hashed over them: the same revisions and content
// hashes, approvals, rendered documents, slugs, topics, events), and the
// audit trail verifies.
func TestSeedBatchesWriteWhatSingleChangesWrite(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			var exports [2][]string
			for i, batch := range []string{"1", "7"} {
				url := storetest.URL(t, dialect)
				if code, _, stderr := run(t, dbVars(url), "seed", "--articles", "24", "--topics", "3", "--batch", batch); code != 0 {
					t.Fatalf("seed --batch %s: %d %s", batch, code, stderr)
				}
				if code, out, stderr := run(t, dbVars(url), "audit", "verify"); code != 0 || !strings.Contains(out, "verified") {
					t.Fatalf("audit verify after seed --batch %s: exit %d %q %q", batch, code, out, stderr)
				}
				exports[i] = comparable(t, exportOf(t, url))
			}
			if len(exports[0]) < 24*10 {
				t.Fatalf("only %d rows exported", len(exports[0]))
			}
			for i := range max(len(exports[0]), len(exports[1])) {
				if i >= len(exports[0]) || i >= len(exports[1]) || exports[0][i] != exports[1][i] {
					t.Fatalf("batched seed differs from unbatched (%d and %d rows); first difference:\n%.600s\n%.600s",
						len(exports[0]), len(exports[1]), at(exports[0], i), at(exports[1], i))
				}
			}
		})
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

var (
	uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
)

// comparable is an export's rows without the header, ids and times, and
// without the columns hashed over ids and times (the audit chain, ETags
// and compressed documents, which embed the times) or numbered in the
// order of writing, sorted: what two seeds of the same articles at
// different times must share.
func comparable(t *testing.T, export string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(export), "\n")[1:] {
		var x struct {
			Table string         `json:"table"`
			Row   map[string]any `json:"row"`
		}
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatal(err)
		}
		if x.Row == nil {
			continue // the end line
		}
		for _, c := range []string{"hash", "prev_hash", "audit_head", "etag", "document_gz", "seq"} {
			delete(x.Row, c)
		}
		b, _ := json.Marshal(x)
		out = append(out, timePattern.ReplaceAllString(uuidPattern.ReplaceAllString(string(b), "ID"), "TIME"))
	}
	slices.Sort(out)
	return out
}

// Every seeded article mentions a compound of its own, so the benchmark
// has rare words that match one article at every size: a search for an
// article's compound finds that article alone, in the database's
// full-text index and in the in-memory one.
func TestSeedCompoundsAreRareWords(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, dialect)
			if code, _, stderr := run(t, dbVars(url), "seed", "--articles", "21", "--topics", "2"); code != 0 {
				t.Fatalf("seed: %d %s", code, stderr)
			}
			for _, index := range []string{"database", "memory"} {
				vars := dbVars(url)
				vars["CMS_SEARCH_INDEX"] = index
				s := startServer(t, vars)
				// The in-memory index loads in the background, and
				// searches read the database until it has.
				for deadline := time.Now().Add(60 * time.Second); index == "memory" && metric(t, s, "cms_search_index_articles") != 21; time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the search index did not load the 21 articles")
					}
				}
				for _, i := range []int{1, 7, 10, 12} {
					res, err := http.Get(s.url + "/api/v1/delivery/search?q=" + seedCompound(i))
					if err != nil {
						t.Fatal(err)
					}
					var got struct{ Items []struct{ Slug string } }
					err = json.NewDecoder(res.Body).Decode(&got)
					res.Body.Close()
					want := fmt.Sprintf("article-%d-", i)
					if err != nil || res.StatusCode != 200 || len(got.Items) != 1 || !strings.HasPrefix(got.Items[0].Slug, want) {
						t.Fatalf("%s index: a search for %s: %d %v, found %+v, want the one article %s…", index, seedCompound(i), res.StatusCode, err, got.Items, want)
					}
				}
				if n := metric(t, s, "cms_search_index_searches_total"); index == "memory" && n != 4 {
					t.Fatalf("searches the in-memory index answered: %v, want 4", n)
				}
				s.shutdown(t)
			}
		})
	}
}
