package store_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// What a server keeps in step with the live articles, when PostgreSQL
// goes down after a change, answers nothing from before it. A catch-up
// of the local documents that fails is counted and logged, and tried
// again after a wait, not at every miss; misses read the database
// meanwhile (unavailable while it is down). A search waits
// for the in-memory index's catch-up, so it is unavailable too. Once the
// database is back, the next catch-ups succeed: the file answers the new
// version and the index finds its words.
func TestFollowersThroughOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	t.Parallel()
	cluster := storetest.NewCluster(t)
	db := storetest.OpenURL(t, cluster.URL)
	people := bulkPeople(t, db)
	ed := &cms.Editor{Store: db}
	a, err := advance(ed, people, nil, cms.DraftInput{Title: "Methotrexate", Summary: "Weekly, not daily.",
		BodyHTML: "<p>Take it once a week.</p>"}, "submit", "approve", "publish")
	if err != nil {
		t.Fatal(err)
	}
	logs := &storetest.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))
	if n, err := db.KeepLocalDocuments(ctx, t.TempDir(), log); err != nil || n != 1 {
		t.Fatalf("kept %d documents, %v; want 1", n, err)
	}
	if n, err := db.KeepSearchIndex(ctx); err != nil || n != 1 {
		t.Fatalf("indexed %d articles, %v; want 1", n, err)
	}
	search := func(text string) ([]cms.LiveItem, error) {
		found, _, err := db.Delivery().Search(ctx, cms.SearchQuery{Text: text, Limit: 10})
		return found, err
	}
	if found, err := search("week"); err != nil || len(found) != 1 {
		t.Fatalf("before the change: found %v, %v", found, err)
	}
	stats := func() store.LocalDocumentsStats { t.Helper(); return localStats(t, db) }
	read := func() (*cms.LiveDocument, error) { return db.Delivery().LiveArticle(ctx, a.Slug, cms.LivePlain) }
	if d, err := read(); err != nil || !bytes.Contains(d.Document, []byte("once a week")) || stats().Reads != 1 {
		t.Fatalf("before the change: %v, %+v", err, stats())
	}

	// A new version, heard; the database goes down before any miss sets
	// a catch-up going.
	if a, err = advance(ed, people, a, cms.DraftInput{Title: "Methotrexate", Summary: "Weekly, not daily.",
		BodyHTML: "<p>Take it once a week, never daily: daily doses have killed.</p>"}, "submit", "approve", "publish"); err != nil {
		t.Fatal(err)
	}
	cluster.Stop("fast")
	before := stats()
	deadline := time.Now().Add(20 * time.Second)
	for stats().Failures == before.Failures {
		if time.Now().After(deadline) {
			t.Fatalf("no failed catch-up counted: %+v", stats())
		}
		// Each miss while the file is behind reads the database, here
		// down, and sets a catch-up going if none runs.
		if d, err := read(); cms.ErrorCode(err) != cms.EUNAVAILABLE {
			t.Fatalf("a miss with the database down: %v (answered: %v); want unavailable", err, d != nil)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Misses go on; a failed catch-up is not tried again at each of them
	// (each would log), but after a wait.
	failed := stats().Failures
	for range 30 {
		if _, err := read(); cms.ErrorCode(err) != cms.EUNAVAILABLE {
			t.Fatalf("a miss with the database down: %v; want unavailable", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := stats(); s.Failures > failed+1 {
		t.Fatalf("%d catch-ups failed in 30 misses over 0.3 s: %+v", s.Failures-failed, s)
	}
	if s := stats(); s.Reads != before.Reads || s.CatchUps != before.CatchUps {
		t.Fatalf("the file answered or caught up with the database down: %+v, before %+v", s, before)
	}
	if !strings.Contains(logs.String(), "local documents not caught up") {
		t.Fatalf("the failure was not logged: %q", logs.String())
	}
	if found, err := search("killed"); cms.ErrorCode(err) != cms.EUNAVAILABLE {
		t.Fatalf("a search with the database down: %v, %v; want unavailable", found, err)
	}

	// Back up: the database answers the new version, and a catch-up
	// brings the file to it.
	cluster.Start()
	deadline = time.Now().Add(20 * time.Second)
	for {
		d, err := read()
		if err == nil && !bytes.Contains(d.Document, []byte("never daily")) {
			t.Fatalf("after the outage the old version was answered: %s, %+v", d.Document, stats())
		}
		if err == nil && stats().Reads > before.Reads {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the file does not answer after the outage: %v, %+v", err, stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := stats(); s.CatchUps <= before.CatchUps {
		t.Fatalf("answered from the file without a catch-up: %+v", s)
	}
	ix, _ := db.SearchIndexStats()
	if found, err := search("killed"); err != nil || len(found) != 1 || found[0].Slug != a.Slug {
		t.Fatalf("a search after the outage: %v, %v", found, err)
	}
	if after, _ := db.SearchIndexStats(); after.Searches != ix.Searches+1 || after.CatchUps < 2 {
		t.Fatalf("the search after the outage was not the caught-up index's: %+v, before it %+v", after, ix)
	}
}
