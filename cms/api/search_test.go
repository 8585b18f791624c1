package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// searchPage is one page of a search: slugs, snippets by slug, cursor.
func (e *env) searchPage(query string) ([]string, map[string]string, any) {
	e.t.Helper()
	m := e.do("GET", delivery+"/search?"+query, "", nil).want(200).json()
	var got []string
	snippets := map[string]string{}
	for _, it := range m["items"].([]any) {
		item := it.(map[string]any)
		got = append(got, item["slug"].(string))
		snippets[item["slug"].(string)] = item["snippet"].(string)
	}
	return got, snippets, m["next_cursor"]
}

// searchAll follows the cursors of a search to its end.
func (e *env) searchAll(query string, limit string) []string {
	e.t.Helper()
	var all []string
	page, _, cur := e.searchPage(query + "&limit=" + limit)
	all = append(all, page...)
	for cur != nil {
		page, _, cur = e.searchPage(query + "&limit=" + limit + "&cursor=" + url.QueryEscape(cur.(string)))
		all = append(all, page...)
	}
	return all
}

// Search ranks in tiers: the articles whose title or summary hold every
// word first, whatever their age, then those that hold them anywhere,
// newest first within each; a prefix finds the words it begins; every
// page shows a snippet with the matches marked and the rest escaped.
func TestSearchTiersPrefixAndSnippets(t *testing.T) {
	eachSearch(t, func(t *testing.T, e *env) {
		e.topic("ra", "Rheumatoid arthritis")
		about := e.publish("Baricitinib explained", "summary", "What it does.", "topics", []string{"ra"},
			"body_html", "<p>A JAK inhibitor.</p>")["slug"].(string)
		old := e.publish("Old methotrexate notes", "summary", "Folate.",
			"body_html", "<p>Sometimes combined with baricitinib.</p>")["slug"].(string)
		rare := e.publish("Trial report", "summary", "Results.", "topics", []string{"ra"},
			"body_html", "<p>Patients on baricitinib in the zorblax trial. Use &lt;script&gt; &amp; care.</p>")["slug"].(string)
		headline := e.publish("Dosing", "summary", "Baricitinib is taken once daily.",
			"body_html", "<p>With or without food.</p>")["slug"].(string)

		// Title or summary first (newest first), then the body matches.
		want := []string{headline, about, rare, old}
		for _, q := range []string{"q=baricitinib", "q=BARICITINIB", "q=barici", "q=baricitinibs"} {
			if got, _, _ := e.searchPage(q); !slices.Equal(got, want) {
				t.Fatalf("%s: %v, want %v", q, got, want)
			}
		}
		// A page that holds the last match has no cursor; one before it has.
		if _, _, cur := e.searchPage("q=baricitinib&limit=4"); cur != nil {
			t.Fatalf("a page holding all 4 matches has a cursor: %v", cur)
		}
		if page, _, cur := e.searchPage("q=baricitinib&limit=3"); len(page) != 3 || cur == nil {
			t.Fatalf("a page of 3 of 4 matches: %v, cursor %v", page, cur)
		}
		// Every word must match; a rare word with a common one finds only
		// the articles with both.
		if got, _, _ := e.searchPage("q=" + url.QueryEscape("baricitinib zorblax")); !slices.Equal(got, []string{rare}) {
			t.Fatalf("common and rare word: %v", got)
		}
		if got, _, _ := e.searchPage("q=zorbl"); !slices.Equal(got, []string{rare}) {
			t.Fatalf("rare prefix: %v", got)
		}
		// Short words match whole: "bar" is not a prefix of baricitinib.
		if got, _, _ := e.searchPage("q=bar"); len(got) != 0 {
			t.Fatalf("a 3-letter word matched as a prefix: %v", got)
		}
		// Snippets: matches marked, the rest escaped, from the body first.
		_, sn, _ := e.searchPage("q=barici")
		if s := sn[rare]; s != "Patients on <mark>baricitinib</mark> in the zorblax trial. Use &lt;script&gt; &amp; care." {
			t.Fatalf("snippet %q", s)
		}
		if s := sn[headline]; s != "<mark>Baricitinib</mark> is taken once daily." {
			t.Fatalf("summary snippet %q", s)
		}
		if s := sn[about]; s != "<mark>Baricitinib</mark> explained" {
			t.Fatalf("title snippet %q", s)
		}

		// Paging across the tiers: the same order, nothing twice, nothing lost.
		for _, limit := range []string{"1", "2", "3"} {
			if got := e.searchAll("q=baricitinib", limit); !slices.Equal(got, want) {
				t.Fatalf("limit %s: paged %v, want %v", limit, got, want)
			}
		}
		// A topic filter keeps the tiers and pages the same way.
		if got := e.searchAll("q=baricitinib&topic=ra", "1"); !slices.Equal(got, []string{about, rare}) {
			t.Fatalf("topic filter: %v", got)
		}
		// Unpublishing takes an article out of search at once.
		a := e.do("GET", "/api/v1/editor/articles?q=Trial", "editor", nil).want(200).json()["items"].([]any)[0].(map[string]any)
		e.act("editor", a, "unpublish").want(200)
		if got, _, _ := e.searchPage("q=zorblax"); len(got) != 0 {
			t.Fatalf("unpublished article still found: %v", got)
		}
		if got := e.searchAll("q=baricitinib", "1"); !slices.Equal(got, []string{headline, about, old}) {
			t.Fatalf("after unpublishing: %v", got)
		}
		// A cursor with a key that is not a number or a score that is no tier
		// is refused.
		for _, c := range []string{"czEuYWJj", "czNmZjgwMDAwMDAwMDAwMDAuMQ"} {
			e.do("GET", delivery+"/search?q=baricitinib&cursor="+c, "", nil).problem(400)
		}
	})
}

// A prefix of 5 to 8 letters finds every word it begins, however many
// (SQLite searches up to 64 of them one by one and leaves more to FTS5,
// migration 00022), and one with an accent finds the word, whatever its
// case.
func TestSearchLongPrefixes(t *testing.T) {
	eachSearch(t, func(t *testing.T, e *env) {
		var many []string
		for i := range 70 {
			many = append(many, fmt.Sprintf("carx%03d", i))
		}
		lists := e.publish("Word lists", "summary", "Codes.", "body_html", "<p>"+strings.Join(many[:69], " ")+"</p>")["slug"].(string)
		last := e.publish("The last code", "summary", "One.", "body_html", "<p>"+many[69]+"</p>")["slug"].(string)
		clinic := e.publish("Clinic notes", "summary", "Rhythm.", "body_html", "<p>Cardioversion restores the rhythm.</p>")["slug"].(string)
		sjogren := e.publish("Dry eyes", "summary", "Sjögren syndrome.", "body_html", "<p>Tears.</p>")["slug"].(string)
		for q, want := range map[string][]string{
			"carx0":   {last, lists}, // 70 words
			"carx06":  {last, lists}, // 10 words
			"carx068": {lists},
			"carx070": nil,
			"cardiov": {clinic},
			"cardioy": nil,
			"sjögr":   {sjogren},
			"SJÖGREN": {sjogren},
		} {
			if got := e.searchAll("q="+url.QueryEscape(q), "1"); !slices.Equal(got, want) {
				t.Fatalf("%s: %v, want %v", q, got, want)
			}
		}
	})
}

// Topic-tagged articles that the words do not find come last, after
// every text match, and page like the rest.
func TestSearchTaggedAfterTextMatches(t *testing.T) {
	eachSearch(t, func(t *testing.T, e *env) {
		e.topic("psoriasis", "Psoriasis")
		tagged := e.publish("Skin plaques", "summary", "Scales.", "topics", []string{"psoriasis"}, "body_html", "<p>Itching.</p>")["slug"].(string)
		text := e.publish("Creams", "summary", "Moisturisers.", "body_html", "<p>Used in psoriasis.</p>")["slug"].(string)
		both := e.publish("Psoriasis basics", "summary", "Overview.", "topics", []string{"psoriasis"}, "body_html", "<p>Plaques.</p>")["slug"].(string)
		want := []string{both, text, tagged}
		for _, limit := range []string{"1", "2", "10"} {
			if got := e.searchAll("q=psoriasis", limit); !slices.Equal(got, want) {
				t.Fatalf("limit %s: %v, want %v", limit, got, want)
			}
		}
		_, sn, _ := e.searchPage("q=psoriasis")
		if sn[tagged] != "Itching." || strings.Contains(sn[tagged], "<mark>") {
			t.Fatalf("snippet of a tagged-only article: %q", sn[tagged])
		}
	})
}

// TestSearchColdShapesConcurrently: many searches of shapes not yet
// prepared, at once, more than the reading connections. Each held its
// read transaction's connection while preparing on the pool, which
// needed another: with every connection so held, none came, and search
// hung for good (found by the benchmark: 0 answers in 4 s).
func TestSearchColdShapesConcurrently(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.topic("ra", "Rheumatoid arthritis")
		for i := range 3 {
			e.publish(fmt.Sprintf("Baricitinib note %d", i), "summary", "Once daily.", "topics", []string{"ra"},
				"body_html", "<p>Patients take baricitinib with food.</p>")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		queries := []string{"q=baricitinib", "q=patients", "q=food", "q=daily", "q=zzzz", "q=baricitinib&topic=ra", "q=note+food"}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := e.srv.URL + "/api/v1/delivery/search?" + queries[i%len(queries)] + "&limit=" + strconv.Itoa(1+i%9)
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("%s: %d", u, res.StatusCode)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
