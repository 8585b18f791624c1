package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestBulkLoadSearchPendingLists: on PostgreSQL a bulk load lets the
// search index's GIN indexes queue 16 MB of entries, merged in a batch's
// 64 MB of work_mem, and when it is done merges them and gives the
// indexes the 64 kB the migration set.
func TestBulkLoadSearchPendingLists(t *testing.T) {
	db := storetest.Open(t, "postgres")
	limits := func(want string) {
		t.Helper()
		got := map[string]string{}
		if err := db.EachRow(ctx, `SELECT c.relname, array_to_string(c.reloptions, ',') FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
			WHERE i.indrelid = 'live_search'::regclass AND am.amname = 'gin'`, func(name, opts string) { got[name] = opts }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["live_search_head"] != want || got["live_search_body"] != want {
			t.Fatalf("GIN index options %v, want %s for both", got, want)
		}
	}
	limits("gin_pending_list_limit=64")
	workMem := func(want string, wanted bool) {
		t.Helper()
		if err := db.Batch(ctx, func(s cms.Store) error {
			got, err := s.(*store.DB).WorkMem(ctx)
			if err == nil && (got == want) != wanted {
				t.Errorf("a batch's work_mem is %s (want %s: %v)", got, want, wanted)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	workMem("64MB", false)
	done, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	limits("gin_pending_list_limit=16384")
	// A batch that fills a pending list merges it in work_mem.
	workMem("64MB", true)
	people := bulkPeople(t, db)
	if err := publishArticle(&cms.Editor{Store: db}, people, "Tofacitinib", ""); err != nil {
		t.Fatal(err)
	}
	done()
	done() // once however often
	limits("gin_pending_list_limit=64")
	workMem("64MB", false)
	// The publication's entries were merged: nothing is left queued.
	if err := db.EachRow(ctx, `SELECT gin_clean_pending_list('live_search_head')::text, gin_clean_pending_list('live_search_body')::text`,
		func(head, body string) {
			if head != "0" || body != "0" {
				t.Errorf("pages still queued after the bulk load: %s, %s", head, body)
			}
		}); err != nil {
		t.Fatal(err)
	}
}

// TestBulkLoadGathersStatistics: on PostgreSQL the batches of a bulk
// load gather the planner's statistics of the tables they grow, which a
// batch outside one leaves to autovacuum.
func TestBulkLoadGathersStatistics(t *testing.T) {
	db := storetest.Open(t, "postgres")
	tables := []string{"articles", "revisions", "events", "article_slugs", "published_versions", "live_articles"}
	analyzed := func() map[string]string {
		t.Helper()
		got := map[string]string{}
		if err := db.EachRow(ctx, `SELECT tablename, count(*)::text FROM pg_stats WHERE schemaname = current_schema()
			GROUP BY tablename`, func(table, n string) { got[table] = n }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	people := bulkPeople(t, db)
	publish := func(title string) { publishInBatch(t, db, people, title) }
	publish("Tofacitinib")
	if got := analyzed(); len(got) > 0 {
		t.Fatalf("a batch outside a bulk load gathered statistics: %v", got)
	}
	done, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	publish("Baricitinib")
	done() // waits for what the batch started
	got := analyzed()
	for _, table := range tables {
		if got[table] == "" {
			t.Errorf("no statistics of %s after a bulk load: %v", table, got)
		}
	}
}

// bulkPeople makes the writer, reviewer and editor an article is
// created, approved and published by.
func bulkPeople(t *testing.T, db *store.DB) [3]*cms.User {
	t.Helper()
	reviewer := &cms.User{ID: cms.NewID(), Email: "r@example.com", Name: "R", Roles: []workflow.Role{workflow.RoleReviewer},
		Credentials: "MD", CreatedAt: cms.Now()}
	if err := db.CreateUser(ctx, reviewer, "hash", cms.UserCreated(reviewer, cli, reviewer.CreatedAt)); err != nil {
		t.Fatal(err)
	}
	return [3]*cms.User{newUser(t, db, "w@example.com", workflow.RoleWriter), reviewer, newUser(t, db, "e@example.com", workflow.RoleEditor)}
}

// publishInBatch publishes an article of title, by people, in a batch
// of its own.
func publishInBatch(t *testing.T, db *store.DB, people [3]*cms.User, title string) {
	t.Helper()
	if err := (&cms.Editor{Store: db}).Batch(ctx, func(ed *cms.Editor) error { return publishArticle(ed, people, title, "") }); err != nil {
		t.Fatal(err)
	}
}

// publishArticle creates an article of title and body (HTML; empty: a
// short one) and takes it through submit, approve and publish, each by
// the one of people whose step it is.
func publishArticle(ed *cms.Editor, people [3]*cms.User, title, body string) error {
	if body == "" {
		body = "<p>Taken twice a day.</p>"
	}
	a, err := ed.CreateArticle(ctx, people[0], cms.DraftInput{Title: title, Summary: "A JAK inhibitor.", BodyHTML: body})
	for i, action := range []string{"submit", "approve", "publish"} {
		if err == nil {
			a, err = ed.Transition(ctx, people[i], a.ID, a.Version, cms.TransitionInput{Action: action})
		}
	}
	return err
}

// TestBulkLoadCopiesSQLiteLog: on SQLite the commits of a bulk load
// leave the write-ahead log to a copy in the background, which fills the
// database file between batches; a log grown past its limit is started
// over by the next batch, so it stays as large as a batch or two; done
// copies the rest, empties the log's file and gives the writer its own
// checkpoints back. A reader on the same file sees every batch meanwhile.
func TestBulkLoadCopiesSQLiteLog(t *testing.T) {
	u := storetest.URL(t, "sqlite")
	file := strings.TrimPrefix(u, "sqlite:")
	db := storetest.OpenURL(t, u)
	reader := storetest.OpenURL(t, u)
	size := func(name string) int64 {
		t.Helper()
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	autoCheckpoint := func(want int) {
		t.Helper()
		if got, err := db.WriterAutoCheckpoint(ctx); err != nil || got != want {
			t.Fatalf("the writer's wal_autocheckpoint is %d (%v), want %d", got, err, want)
		}
	}
	live := func(want int) {
		t.Helper()
		if err := reader.EachRow(ctx, `SELECT count(*), '' FROM live_articles`, func(n, _ string) {
			if n != strconv.Itoa(want) {
				t.Fatalf("the reader sees %s live articles, want %d", n, want)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	people := bulkPeople(t, db)
	publish := func(title string) {
		t.Helper()
		publishInBatch(t, db, people, title)
		db.WaitBulkLoad()
	}
	autoCheckpoint(1000)
	db.SetBulkWALFrames(8) // fewer pages than a batch writes
	done, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := size(file)
	publish("Tofacitinib")
	autoCheckpoint(0) // the batch set it, and the bulk load keeps it
	live(1)
	// Only a copy of the log writes to the database file.
	if after := size(file); after <= before {
		t.Fatalf("the database file is %d bytes after a batch, as before it: its pages were not copied from the log", after)
	}
	// A reader that takes its snapshot before a batch commits, and holds
	// it until the batch's pages have been copied, keeps them in the log,
	// so that the next batch begins with pages still to copy, as it does
	// when batches follow each other without a pause: SQLite would not
	// start the log over then.
	raw, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// The log's file is as large as the log has been: empty it first.
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var first int64
	for i := range 20 {
		var tx *sql.Tx
		err := (&cms.Editor{Store: db}).Batch(ctx, func(ed *cms.Editor) error {
			err := publishArticle(ed, people, fmt.Sprintf("Drug %d", i), "")
			if err == nil {
				tx, err = raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			}
			if err == nil {
				var n int
				err = tx.QueryRowContext(ctx, `SELECT count(*) FROM live_articles`).Scan(&n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		db.WaitBulkLoad()
		tx.Rollback()
		if i == 1 {
			first = size(file + "-wal")
		}
	}
	live(21)
	// Never started over, the log would hold the last 20 batches.
	if last := size(file + "-wal"); last > 3*first {
		t.Fatalf("the log grew from %d bytes after two batches to %d after 20: it was not started over", first, last)
	}
	done()
	autoCheckpoint(1000)
	if n := size(file + "-wal"); n != 0 {
		t.Fatalf("the log's file holds %d bytes after the bulk load", n)
	}
	live(21)
}

// TestBulkLoadGathersWordsAtItsEnd: on SQLite the batches of a bulk load
// leave the words of longer prefixes (search_words) to its end, and
// searches by such prefixes find every article meanwhile, after the end,
// and after a bulk load that never ended, which the next one mends.
func TestBulkLoadGathersWordsAtItsEnd(t *testing.T) {
	u := storetest.URL(t, "sqlite")
	db := storetest.OpenURL(t, u)
	people := bulkPeople(t, db)
	publish := func(title string) { publishInBatch(t, db, people, title) }
	finds := func(db *store.DB, text string, want ...string) {
		t.Helper()
		items, _, err := db.Search(ctx, cms.SearchQuery{Text: text, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Title)
		}
		slices.Sort(got)
		if slices.Sort(want); !slices.Equal(got, want) {
			t.Fatalf("%q finds %q, want %q", text, got, want)
		}
	}
	known := func(db *store.DB, word string, want bool) {
		t.Helper()
		got := false
		if err := db.EachRow(ctx, `SELECT word, '' FROM search_words`, func(w, _ string) { got = got || w == word }); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("search_words holds %q: %v, want %v", word, got, want)
		}
	}
	// Outside a bulk load a batch gathers its words.
	publish("Baricitinibum")
	known(db, "baricitinibum", true)
	done, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	publish("Baricitinib")
	known(db, "baricitinib", false)
	// search_words begins only one of the two articles' words with
	// "barici" now: searching it as those words would miss the other.
	finds(db, "barici", "Baricitinib", "Baricitinibum")
	done()
	known(db, "baricitinib", true)
	finds(db, "barici", "Baricitinib", "Baricitinibum")
	finds(db, "baricitinib", "Baricitinib", "Baricitinibum")

	// A bulk load that never ends (a killed seed), seen from another
	// store, as another process would.
	if _, err := db.BulkLoad(ctx); err != nil {
		t.Fatal(err)
	}
	publish("Baricitinibs")
	other := storetest.OpenURL(t, u)
	known(other, "baricitinibs", false)
	finds(other, "barici", "Baricitinib", "Baricitinibs", "Baricitinibum")
	mend, err := other.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mend()
	known(other, "baricitinibs", true)
	finds(other, "barici", "Baricitinib", "Baricitinibs", "Baricitinibum")
}
