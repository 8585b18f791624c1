package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"healthcms/cms"
)

// MigrateTo applies migrations up to version v only, for tests of upgrades
// from a schema that has landed.
func (db *DB) MigrateTo(ctx context.Context, v int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// MigrateDownTo rolls migrations back to version v, for tests of Down.
func (db *DB) MigrateDownTo(ctx context.Context, v int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}

// ForgetCompressedDocuments makes every live row look published before
// compressed copies were kept (migration 00006).
func (db *DB) ForgetCompressedDocuments(ctx context.Context) error {
	_, err := db.w.ExecContext(ctx, `UPDATE live_articles SET document_gz = NULL`)
	return err
}

// EachRow runs a query of two text columns and calls fn with each row.
func (db *DB) EachRow(ctx context.Context, q string, fn func(a, b string)) error {
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// WriterSettings reads SQLite's temp_store and cache_size where writes
// go: inside a batch its transaction, otherwise the writing connection.
func (db *DB) WriterSettings(ctx context.Context) (tempStore, cacheSize int, err error) {
	if err = db.wr().GetContext(ctx, &tempStore, "PRAGMA temp_store"); err == nil {
		err = db.wr().GetContext(ctx, &cacheSize, "PRAGMA cache_size")
	}
	return tempStore, cacheSize, err
}

// WriterAutoCheckpoint reads SQLite's wal_autocheckpoint on the writing
// connection.
func (db *DB) WriterAutoCheckpoint(ctx context.Context) (pages int, err error) {
	err = db.w.GetContext(ctx, &pages, "PRAGMA wal_autocheckpoint")
	return pages, err
}

// SetBulkWALFrames sets how many pages SQLite's log may hold in a bulk
// load before a batch starts it over.
func (db *DB) SetBulkWALFrames(n int) { db.bulk.walFrames = n }

// WaitBulkLoad waits for what a bulk load's batches started in the
// background (ANALYZEs, copies of SQLite's log).
func (db *DB) WaitBulkLoad() { db.waitBackground() }

// WriterForeignKeys reads SQLite's foreign_keys on the writing connection.
func (db *DB) WriterForeignKeys(ctx context.Context) (on bool, err error) {
	err = db.w.GetContext(ctx, &on, "PRAGMA foreign_keys")
	return on, err
}

// WorkMem reads PostgreSQL's work_mem where writes go: inside a batch its
// transaction.
func (db *DB) WorkMem(ctx context.Context) (string, error) {
	var v string
	err := db.wr().GetContext(ctx, &v, "SHOW work_mem")
	return v, err
}

// SetLocalCompactSlack sets the dead bytes the local documents' file may
// hold beyond its live ones before it is rewritten.
func (db *DB) SetLocalCompactSlack(n int64) {
	ld := db.local.Load()
	ld.syncMu.Lock()
	defer ld.syncMu.Unlock()
	ld.compactSlack = n
}

// LiveBatchPlans prepares each of PostgreSQL's batch reads of live
// documents (plain, gzip) on one connection of the read pool, runs it once
// for each size in sizes with that many slugs no article has, and returns
// how often PostgreSQL reused its generic plan and how often it planned
// the statement anew (pg_prepared_statements), one pair per statement.
func (db *DB) LiveBatchPlans(ctx context.Context, sizes []int) (generic, custom []int64, err error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	s := newStatements()
	for _, p := range []*stmt{&s.liveMany, &s.liveGzMany} {
		q := db.q(p.query)
		st, err := conn.PrepareContext(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range sizes {
			slugs := make(pq.StringArray, n)
			for i := range slugs {
				slugs[i] = fmt.Sprintf("no-such-article-%d", i)
			}
			rows, err := st.QueryContext(ctx, slugs)
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			rows.Close()
		}
		var g, c int64
		err = conn.QueryRowContext(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`, q).Scan(&g, &c)
		st.Close()
		if err != nil {
			return nil, nil, err
		}
		generic, custom = append(generic, g), append(custom, c)
	}
	return generic, custom, nil
}

// StoredArticle reads an article from the database, also in a batch,
// where Article answers with the copy the batch keeps of an article it
// wrote.
func (db *DB) StoredArticle(ctx context.Context, id string) (*cms.Article, error) {
	return db.storedArticle(ctx, id)
}
