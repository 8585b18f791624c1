package store_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// TestConcurrentMissesReadTheirOwnDocuments: many delivery reads at once,
// of both copies and of a slug no article has, each get their own answer,
// the one a read alone gets; on PostgreSQL they share queries (every
// read is asked of a batch, and there are fewer batches than reads).
func TestConcurrentMissesReadTheirOwnDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ed := &cms.Editor{Store: db}
		people := bulkPeople(t, db)
		for i := range 12 {
			if err := publishArticle(ed, people, fmt.Sprintf("Baricitinib dose %d", i), ""); err != nil {
				t.Fatal(err)
			}
		}
		live, err := db.LiveArticles(ctx, cms.LiveQuery{Limit: 50})
		if err != nil || len(live) != 12 {
			t.Fatalf("live articles: %d, %v", len(live), err)
		}
		d := db.Delivery()
		type want struct {
			slug string
			c    cms.LiveCopy
		}
		alone := map[want]*cms.LiveDocument{}
		var wants []want
		for _, it := range live {
			for _, c := range []cms.LiveCopy{cms.LivePlain, cms.LiveGzip} {
				w := want{it.Slug, c}
				doc, err := d.LiveArticle(ctx, w.slug, c)
				if err != nil {
					t.Fatal(err)
				}
				alone[w] = doc
				wants = append(wants, w)
			}
		}
		wants = append(wants, want{"no-such-drug", cms.LivePlain}, want{"no-such-drug", cms.LiveGzip})

		reads0, docs0 := db.LiveBatchStats()
		const rounds = 8
		start := make(chan struct{})
		errs := make(chan error, rounds*len(wants))
		var wg sync.WaitGroup
		for range rounds {
			for _, w := range wants {
				wg.Go(func() {
					<-start
					doc, err := d.LiveArticle(ctx, w.slug, w.c)
					ref := alone[w]
					switch {
					case ref == nil && cms.ErrorCode(err) != cms.ENOTFOUND:
						errs <- fmt.Errorf("%s: want not found, got %v", w.slug, err)
					case ref == nil:
					case err != nil:
						errs <- fmt.Errorf("%s (%v): %v", w.slug, w.c, err)
					case doc.Slug != ref.Slug || doc.ETag != ref.ETag || doc.Length != ref.Length ||
						!bytes.Equal(doc.Document, ref.Document) || !bytes.Equal(doc.DocumentGz, ref.DocumentGz):
						errs <- fmt.Errorf("%s (%v): got %s's document (etag %s), want the one read alone (etag %s)",
							w.slug, w.c, doc.Slug, doc.ETag, ref.ETag)
					}
				})
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		reads, docs := db.LiveBatchStats()
		reads, docs = reads-reads0, docs-docs0
		if db.Dialect() == "sqlite" {
			if reads != 0 || docs != 0 {
				t.Errorf("SQLite made %d batch reads of %d documents, want none", reads, docs)
			}
			return
		}
		if n := uint64(rounds * len(wants)); docs != n || reads >= docs {
			t.Errorf("%d reads were asked of %d batch queries for %d documents; want every read in a batch, and fewer queries than reads",
				n, reads, docs)
		}
	})
}

// TestLiveDocumentKeepsItsCharacters: a live document read for a miss
// (on PostgreSQL in a batch, as bytes converted from the stored text) is
// the document as published, whatever its characters: both copies hold
// the title and the body's words byte for byte.
func TestLiveDocumentKeepsItsCharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ed := &cms.Editor{Store: db}
		people := bulkPeople(t, db)
		const title = "Baricitinib 2 µg/kg — naïve patients, 日本語, 💊"
		const words = "Dosis für Kinder: ½ Tablette; β-Blocker vermeiden ✓"
		if err := publishArticle(ed, people, title, "<p>"+words+"</p>"); err != nil {
			t.Fatal(err)
		}
		live, err := db.LiveArticles(ctx, cms.LiveQuery{Limit: 1})
		if err != nil || len(live) != 1 {
			t.Fatalf("live articles: %d, %v", len(live), err)
		}
		d := db.Delivery()
		for _, c := range []cms.LiveCopy{cms.LivePlain, cms.LiveGzip} {
			doc, err := d.LiveArticle(ctx, live[0].Slug, c)
			if err != nil {
				t.Fatal(err)
			}
			body := doc.Document
			if c == cms.LiveGzip {
				zr, err := gzip.NewReader(bytes.NewReader(doc.DocumentGz))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			var got struct {
				Title    string `json:"title"`
				BodyHTML string `json:"body_html"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%v: %v in %q", c, err, body)
			}
			if got.Title != title || !strings.Contains(got.BodyHTML, words) || len(body) != doc.Length {
				t.Errorf("%v: title %q, body %q, %d bytes (length %d); want %q and %q", c, got.Title, got.BodyHTML, len(body), doc.Length, title, words)
			}
		}
	})
}

// TestLiveBatchReadIsPlannedOnce: PostgreSQL plans a batch read of live
// documents once and reuses the plan, whatever the batch's size, where
// it planned every batch of fewer than ten slugs anew (30-60 µs a query
// at 100,000 articles). The planner weighs plans by the table's size: on
// a table of a page or two it reused a plan either way, so the articles
// here take a page each, as they do at 100,000.
func TestLiveBatchReadIsPlannedOnce(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("PostgreSQL only: SQLite reads one row a miss")
	}
	url := storetest.URL(t, "postgres")
	db := storetest.OpenURL(t, url)
	ed := &cms.Editor{Store: db}
	people := bulkPeople(t, db)
	// Rows of a page each, as at 100,000 articles: documents kept in the
	// row, compressed to more than half a page.
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		var body strings.Builder
		for range 500 {
			fmt.Fprintf(&body, "%x ", rnd.Uint32())
		}
		body.WriteString(strings.Repeat("Taken twice a day. ", 200))
		if err := publishArticle(ed, people, fmt.Sprintf("Baricitinib dose %d", i), "<p>"+body.String()+"</p>"); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Exec(t, url, `ANALYZE live_articles`)
	// Batches as they come: mostly small, some large.
	sizes := []int{1, 3, 8, 2, 5, 8, 4, 1, 6, 64, 7, 2}
	generic, custom, err := db.LiveBatchPlans(ctx, sizes)
	if err != nil {
		t.Fatal(err)
	}
	for i, copyName := range []string{"plain", "gzip"} {
		// PostgreSQL tries five custom plans before it weighs a generic one.
		if generic[i] != int64(len(sizes)-5) || custom[i] != 5 {
			t.Errorf("%s batch read over %d executions: %d generic plans, %d custom; want %d generic, 5 custom",
				copyName, len(sizes), generic[i], custom[i], len(sizes)-5)
		}
	}
}
