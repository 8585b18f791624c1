package api_test

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"healthcms/cms/store/storetest"
)

// eachSearch runs f on each database twice: searching the database's
// full-text index, and searching the in-memory index a server keeps
// (CMS_SEARCH_INDEX=memory), which must answer the same and must be what
// answered.
func eachSearch(t *testing.T, f func(t *testing.T, e *env)) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		for _, mode := range []string{"database", "memory"} {
			t.Run(d+"/"+mode, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, d)
				if mode == "memory" {
					keepIndex(e)
				}
				f(t, e)
				if st, ok := e.db.SearchIndexStats(); mode == "memory" && (!ok || !st.Ready || st.Searches == 0) {
					t.Fatalf("the in-memory index answered no search: %+v", st)
				}
			})
		}
	}
}

// keepIndex has e's server keep its search index in memory.
func keepIndex(e *env) {
	e.t.Helper()
	if _, err := e.db.KeepSearchIndex(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

// eachIndexedBeside runs f on each database with two servers on it: mem
// keeps the search index in memory (and listens for the other's changes
// when listen is set), other searches the database.
func eachIndexedBeside(t *testing.T, listen bool, f func(t *testing.T, mem, other *env)) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := storetest.URL(t, d)
			mem := newEnvOn(t, storetest.OpenURL(t, u))
			if listen {
				if err := mem.db.ListenChanges(t.Context(), mem.api.Log); err != nil {
					t.Fatal(err)
				}
			}
			keepIndex(mem)
			f(t, mem, newEnvOn(t, storetest.OpenURL(t, u)))
		})
	}
}

// The in-memory index answers every search as the database does: the
// same articles in the same order on every page, the same snippets,
// after publications, new versions and unpublications, including the
// newest article's (whose key SQLite gives the next publication again).
func TestSearchIndexAnswersAsTheDatabase(t *testing.T) {
	eachIndexedBeside(t, false, func(t *testing.T, mem, dbs *env) {
		mem.topic("ra", "Rheumatoid arthritis")
		mem.topic("flu", "Influenza")

		rnd := rand.New(rand.NewPCG(13, 14))
		vocab := strings.Fields(`aspirin asthma asthmatic aspire ibuprofen insulin insulinoma dose doses dosing
			flu fluid heart heartburn kidney kidneys renal zeta tablet tablets`)
		words := func(n int) string {
			w := make([]string, n)
			for i := range w {
				w[i] = vocab[rnd.IntN(len(vocab))]
			}
			return strings.Join(w, " ")
		}
		article := func(i int) []any {
			var topics []string
			for _, tp := range []string{"ra", "flu"} {
				if rnd.IntN(3) == 0 {
					topics = append(topics, tp)
				}
			}
			return []any{"summary", words(3), "topics", topics, "body_html", "<p>" + words(25) + "</p>"}
		}
		var live []map[string]any
		for i := range 36 {
			live = append(live, mem.publish(fmt.Sprintf("%s %d", words(2), i), article(i)...))
		}
		queries := []string{"aspirin", "asthma", "asth", "insu", "insulin", "doses", "dosing", "flu", "fluid", "heart",
			"kidney renal", "zeta tablet", "aspi dose", "influenza", "influenza heart", "rheumatoid arthritis kidney",
			"nothingmatches", "ibuprofen zeta heart kidney"}
		compare := func(round string) {
			t.Helper()
			dbs.api.PurgeDelivery()
			for _, q := range queries {
				for _, topic := range []string{"", "ra"} {
					query := "q=" + url.QueryEscape(q)
					if topic != "" {
						query += "&topic=" + topic
					}
					for _, limit := range []string{"2", "7"} {
						if a, b := mem.searchAll(query, limit), dbs.searchAll(query, limit); !slices.Equal(a, b) {
							t.Fatalf("%s: %s, limit %s: the index found %v, the database %v", round, query, limit, a, b)
						}
					}
					pa, sa, _ := mem.searchPage(query + "&limit=20")
					pb, sb, _ := dbs.searchPage(query + "&limit=20")
					if !slices.Equal(pa, pb) || fmt.Sprint(sa) != fmt.Sprint(sb) {
						t.Fatalf("%s: %s: the index's page %v %v, the database's %v %v", round, query, pa, sa, pb, sb)
					}
				}
			}
		}
		compare("published")

		// New versions with other words, unpublications (the newest
		// article's among them), then more publications.
		for i := 0; i < 8; i++ {
			live[i] = republish(mem, live[i], words(2)+" again")
		}
		for _, i := range []int{35, 20, 10} {
			mem.act("editor", live[i], "unpublish").want(200)
		}
		for i := range 4 {
			mem.publish(fmt.Sprintf("%s late %d", words(2), i), article(i)...)
		}
		compare("changed")

		// A few changes more: fewer than the index packs with the rest
		// (it keeps them beside it, and skips what they dropped).
		live[30] = republish(mem, live[30], words(2)+" anew")
		mem.act("editor", live[25], "unpublish").want(200)
		compare("changed again")
	})
}

// A server keeping the index hears what other servers (or a command)
// change in the database, and searches no longer find what it found.
func TestSearchIndexHearsOtherServers(t *testing.T) {
	eachIndexedBeside(t, true, func(t *testing.T, mem, other *env) {
		found := func(q string) func() bool {
			return func() bool {
				got, _, _ := mem.searchPage("q=" + q)
				return len(got) == 1
			}
		}
		a := other.publish("Quuxinib dosing", "body_html", "<p>Taken with glorpwater.</p>")
		waitFor(t, "the index to find what another server published", found("quuxinib"))
		a = republish(other, a, "Quuxinib, revised")
		waitFor(t, "the index to find another server's new version", found("revised"))
		waitFor(t, "the index to forget the old version's words", func() bool { return !found("dosing")() && !found("dosi")() })
		other.act("editor", a, "unpublish").want(200)
		waitFor(t, "the index to forget what another server unpublished", func() bool { return !found("quuxinib")() })
	})
}
