package store

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// BulkLoad readies the database for a run of batches and nothing else,
// as `cms seed` writes, until done is called; done undoes it, once
// however often it is called, when the last holder calls it. err says
// the database could not be readied: the batches then run as they would
// without, and done is still to be called.
//
// SQLite: the writing connection keeps a batch's settings (see
// writerConn) from one batch to the next. Giving the batch's page cache
// back after each batch freed its pages (SQLite's allocator hands them
// to the kernel) and the next batch faulted them in again: without that,
// seeding 5,000 articles took 21 s rather than 27 (median of three,
// alternated), with half the time in the kernel. And the batches leave
// search_words (migration 00022) to done, which reads the words of the
// whole full-text index once (dialect.allWords), rather than each
// indexing its articles a second time to read theirs (dialect.newWords).
// Until then a setting, wordsBehind, says search_words lacks words, and
// a search's longer prefixes are left to FTS5's own prefix query (see
// searchSQL.words), which finds the same articles, slower. A killed
// bulk load leaves the setting, and the next one's done mends it.
//
// PostgreSQL: the search index's GIN indexes queue up to bulkPendingKiB
// of new entries, not the few pages searches want read (migration
// 00014), before merging them into the index: merging a few articles at
// a time was a third of the server's work. Seeding 10,000 articles took
// 35 s rather than 46 (100,000: 373 s rather than 543), as fast as
// building the indexes once at the end. A batch that fills a list
// merges it, gathering its entries in 64 MB of work_mem rather than 4
// (see Batch): past 100,000 articles, 5,000 more took 14.5 s rather
// than 15.4. done merges what is queued and gives the indexes the limit
// the migration set (so it also mends what a killed seed left). A search
// of the database meanwhile reads the longer queue, slower; a search of
// the server's in-memory index does not.
//
// Batches also keep PostgreSQL's planner statistics of the tables they
// grow, and on SQLite copy the write-ahead log into the database file
// beside the next batch rather than in the commit (see committedInBulk).
func (db *DB) BulkLoad(ctx context.Context) (done func(), err error) {
	if db.keepSettings.Add(1) == 1 {
		switch db.d.name {
		case "sqlite":
			_, err = db.w.ExecContext(ctx, `INSERT OR REPLACE INTO settings (key, value) VALUES (?, '')`, wordsBehind)
			db.bulk.wordsLater.Store(err == nil)
		case "postgres":
			db.bulk.mu.Lock()
			db.bulk.batches = 0
			db.bulk.mu.Unlock()
			err = db.setPendingLists(ctx, bulkPendingKiB)
		}
	}
	return sync.OnceFunc(func() {
		if db.keepSettings.Add(-1) > 0 {
			return
		}
		db.waitBackground()
		db.bulk.walFull.Store(false)
		ctx := context.WithoutCancel(ctx)
		switch db.d.name {
		case "sqlite":
			if db.bulk.wordsLater.Swap(false) {
				// A failure leaves wordsBehind set: searches stay right,
				// and the next bulk load mends it.
				db.inTx(ctx, func(tx conn) error {
					return execAll(ctx, tx, db.d.allWords, []string{`DELETE FROM settings WHERE key = '` + wordsBehind + `'`})
				})
			}
			if c, err := db.w.Connx(ctx); err == nil {
				resetWriter(ctx, c)
				// Copy the rest of the log and give its file's space
				// back (it is reused, not shrunk, when it starts over).
				c.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
				c.Close()
			}
		case "postgres":
			db.setPendingLists(ctx, searchPendingKiB)
		}
	}), err
}

// bulkStats is what a BulkLoad keeps of its batches.
type bulkStats struct {
	mu sync.Mutex
	// batches counts the batches committed since the BulkLoad began
	// (PostgreSQL).
	batches int64
	// background counts the ANALYZEs and checkpoints committedInBulk
	// started.
	background sync.WaitGroup
	// checkpoint is held while SQLite's log is copied into the database
	// file: one copy at a time.
	checkpoint sync.Mutex
	// walFull says SQLite's log has grown past bulkWALFrames: the next
	// batch copies the rest of it before it writes, so that it starts the
	// log over (see restartWAL).
	walFull atomic.Bool
	// wordsLater says this bulk load set wordsBehind: its batches gather
	// no words for search_words, and done gathers them all.
	wordsLater atomic.Bool
	// walFrames, when not 0, is the limit in place of bulkWALFrames
	// (tests set it).
	walFrames int
}

// wordsBehind is the setting (SQLite's) that says search_words lacks
// the words of articles a bulk load published (see BulkLoad).
const wordsBehind = "search_words_behind"

// bulkTables are the tables the batches of a bulk load grow, those the
// use-cases read within a batch among them: live_search is left out,
// since its word statistics (wordstats.go) cost more to gather than the
// rest together and no batch reads it.
const bulkTables = `articles, revisions, events, article_slugs, article_topics, published_versions, live_articles, live_topics`

// committedInBulk is told of each batch committed during a BulkLoad.
//
// PostgreSQL: it counts them and, each time the count doubles, gathers
// the planner's statistics of bulkTables again, in the background. A
// bulk load grows them from nothing faster than autovacuum looks at them
// (if it runs at all: CI's PostgreSQL runs without), and a batch's
// statements are prepared once and planned for the sizes the statistics
// give. Planned for the empty tables they were, the review history read
// became a parallel scan of every article's revisions and events:
// seeding 100,000 articles took 9 min 1 s rather than 7 min 30 s on one
// VM. Each ANALYZE samples at most 30,000 rows a table (5 s at 100,000
// articles), and doubling keeps them to log2(batches).
//
// SQLite: a commit copied the log into the database file once the log
// passed 1,000 pages (wal_autocheckpoint), and synced both, on the one
// writer, while every other batch waited for it: seeding 10,000 articles,
// the commits took 2.9-3.4 s, and 1.0-1.1 s without the copies. In a
// bulk load the writer leaves the log alone (see writerConn) and the
// copy runs here, in the background on a reading connection, beside the
// next batch's writes (a PASSIVE checkpoint, which never blocks them).
func (db *DB) committedInBulk(ctx context.Context) {
	db.bulk.mu.Lock()
	defer db.bulk.mu.Unlock()
	if db.keepSettings.Load() == 0 {
		return
	}
	switch db.d.name {
	case "sqlite":
		if !db.bulk.checkpoint.TryLock() {
			return // the copy running now, or the next, takes this batch's pages too
		}
		db.bulk.background.Add(1)
		go func() {
			defer db.bulk.background.Done()
			defer db.bulk.checkpoint.Unlock()
			// A failed copy is left to the next: the log keeps every page
			// until one is made.
			var busy, frames, copied int
			err := db.r.QueryRowxContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
			if err == nil && frames > cmp.Or(db.bulk.walFrames, bulkWALFrames) {
				db.bulk.walFull.Store(true)
			}
		}()
	case "postgres":
		db.bulk.batches++
		if n := db.bulk.batches; n&(n-1) != 0 {
			return
		}
		db.bulk.background.Add(1)
		go func() {
			defer db.bulk.background.Done()
			// Statistics help the planner and nothing else depends on
			// them, so a failure is left for the next one to mend.
			db.w.ExecContext(context.WithoutCancel(ctx), `ANALYZE `+bulkTables)
		}()
	}
}

// waitBackground waits for the ANALYZEs and log copies committedInBulk
// started. A batch that saw the bulk load still on may be starting one:
// its lock orders that before the wait.
func (db *DB) waitBackground() {
	db.bulk.mu.Lock()
	db.bulk.mu.Unlock()
	db.bulk.background.Wait()
}

// bulkWALFrames is how far SQLite's log may grow in a bulk load, in
// pages (16 KiB: 256 MiB), before a batch starts it over. A writer
// starts the log over only when every page of it has been copied into
// the database file as it begins, and in a bulk load the next batch
// begins before the last one's pages are copied, so left alone the log
// would grow to the size of everything loaded. A batch of 1,000 seeded
// articles writes about 64 MB to it: the batch that starts it over,
// which waits for the copy of the batch before, is one in four.
const bulkWALFrames = 16384

// restartWAL, on SQLite in a bulk load, copies what is left of the log
// into the database file when the log has grown past bulkWALFrames, on
// the writing connection c before its batch begins: with the writer
// held no page is added meanwhile, so the batch's first write starts the
// log over. It waits for the copy running in the background, which
// leaves it little to do. A failure is left to the next batch.
func (db *DB) restartWAL(ctx context.Context, c *sqlx.Conn) {
	if db.d.name != "sqlite" || !db.bulk.walFull.Load() {
		return
	}
	db.bulk.checkpoint.Lock()
	defer db.bulk.checkpoint.Unlock()
	db.bulk.walFull.Store(false)
	// PASSIVE, not RESTART: RESTART would also wait, up to the busy
	// timeout, for readers still reading the log (a search index loading
	// reads for 20 s), and the batch with it. While they read, the log
	// grows on.
	c.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
}

const (
	// searchPendingKiB is the pending list of live_search's GIN indexes
	// that migration 00014 sets.
	searchPendingKiB = 64
	// bulkPendingKiB is their pending list during a BulkLoad.
	bulkPendingKiB = 16 << 10
)

// setPendingLists sets the pending-list limit of live_search's GIN
// indexes, merging what their lists hold when it lowers it.
func (db *DB) setPendingLists(ctx context.Context, kib int) error {
	indexes, err := searchGINIndexes(ctx, db.w)
	for _, ix := range indexes {
		if err != nil {
			break
		}
		name := pq.QuoteIdentifier(ix.Name)
		_, err = db.w.ExecContext(ctx, fmt.Sprintf(`ALTER INDEX %s SET (gin_pending_list_limit = %d)`, name, kib))
		if err == nil && kib < bulkPendingKiB {
			_, err = db.w.ExecContext(ctx, `SELECT gin_clean_pending_list($1::regclass)`, name)
		}
	}
	return err
}

// ginIndex is one of live_search's GIN indexes on PostgreSQL, with its
// definition.
type ginIndex struct {
	Name string `db:"name"`
	Def  string `db:"def"`
}

// searchGINIndexes lists live_search's GIN indexes on PostgreSQL.
func searchGINIndexes(ctx context.Context, c conn) ([]ginIndex, error) {
	var out []ginIndex
	err := c.SelectContext(ctx, &out, `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		WHERE i.indrelid = 'live_search'::regclass AND am.amname = 'gin' ORDER BY c.relname`)
	return out, err
}
