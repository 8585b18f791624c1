package store

import (
	"context"
	"fmt"
	"sync"

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
// alternated), with half the time in the kernel.
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
// grow (see committedInBulk).
func (db *DB) BulkLoad(ctx context.Context) (done func(), err error) {
	if db.keepSettings.Add(1) == 1 && db.d.name == "postgres" {
		db.bulk.mu.Lock()
		db.bulk.batches = 0
		db.bulk.mu.Unlock()
		err = db.setPendingLists(ctx, bulkPendingKiB)
	}
	return sync.OnceFunc(func() {
		if db.keepSettings.Add(-1) > 0 {
			return
		}
		// A batch that saw the bulk load still on may be starting an
		// ANALYZE: its lock orders that before the wait.
		db.bulk.mu.Lock()
		db.bulk.mu.Unlock()
		db.bulk.analyzing.Wait()
		ctx := context.WithoutCancel(ctx)
		switch db.d.name {
		case "sqlite":
			if c, err := db.w.Connx(ctx); err == nil {
				resetWriter(ctx, c)
				c.Close()
			}
		case "postgres":
			db.setPendingLists(ctx, searchPendingKiB)
		}
	}), err
}

// bulkStats is what a BulkLoad on PostgreSQL keeps of its batches.
type bulkStats struct {
	mu sync.Mutex
	// batches counts the batches committed since the BulkLoad began.
	batches int64
	// analyzing counts the ANALYZEs committedInBulk started.
	analyzing sync.WaitGroup
}

// bulkTables are the tables the batches of a bulk load grow, those the
// use-cases read within a batch among them: live_search is left out,
// since its word statistics (wordstats.go) cost more to gather than the
// rest together and no batch reads it.
const bulkTables = `articles, revisions, events, article_slugs, article_topics, published_versions, live_articles, live_topics`

// committedInBulk counts a batch committed during a BulkLoad on
// PostgreSQL and, each time the count doubles, gathers the planner's
// statistics of bulkTables again, in the background. A bulk load grows
// them from nothing faster than autovacuum looks at them (if it runs at
// all: CI's PostgreSQL runs without), and a batch's statements are
// prepared once and planned for the sizes the statistics give. Planned
// for the empty tables they were, the review history read became a
// parallel scan of every article's revisions and events: seeding
// 100,000 articles took 9 min 1 s rather than 7 min 30 s on one VM.
// Each ANALYZE samples at most 30,000 rows a table (5 s at 100,000
// articles), and doubling keeps them to log2(batches).
func (db *DB) committedInBulk(ctx context.Context) {
	if db.d.name != "postgres" {
		return
	}
	db.bulk.mu.Lock()
	defer db.bulk.mu.Unlock()
	if db.keepSettings.Load() == 0 {
		return
	}
	db.bulk.batches++
	if n := db.bulk.batches; n&(n-1) != 0 {
		return
	}
	db.bulk.analyzing.Add(1)
	go func() {
		defer db.bulk.analyzing.Done()
		// Statistics help the planner and nothing else depends on
		// them, so a failure is left for the next one to mend.
		db.w.ExecContext(context.WithoutCancel(ctx), `ANALYZE `+bulkTables)
	}()
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
