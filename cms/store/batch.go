package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"healthcms/cms"
)

// conn runs statements: a pool, a transaction, or a batch's transaction.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// rd is where reads go: the read pool, or inside a batch its
// transaction, so the batch reads its own writes.
func (db *DB) rd() conn {
	if db.batch != nil {
		return db.batch
	}
	return db.r
}

// wr is where writes outside a transaction go: the write pool, or inside
// a batch its transaction (on SQLite the batch holds the one writing
// connection: going around it would wait for ever). In a batch it
// forgets the articles the batch keeps (see keptArticles), as any write
// but an article's does; before the statement only, which is enough for
// what goes through here (tokens, settings, deliveries, claims): none of
// it is what an article read joins.
func (db *DB) wr() conn {
	if db.batch != nil {
		db.batch.articles.forget()
		return db.batch
	}
	return db.w
}

// Batch runs fn with a store whose every read and write goes through one
// transaction, committed when fn returns nil and rolled back otherwise:
// all of fn's changes are stored or none. The use-cases run on it
// unchanged (see cms.Editor.Batch), so every rule holds as it does one
// change at a time, and audit events chain in the order they are written.
// What a batch saves is the commit of each change and, since a batch
// repeats the same statements, preparing them again: each is prepared
// once per batch. fn may share the store with goroutines of its own, all
// returned before fn returns: their statements take turns on the one
// transaction (SQLite has one writing connection, so a batch's work is
// otherwise the only work), while what the use-cases do between
// statements (sanitizing, rendering, compressing) runs side by side. The
// store must not be used after fn returns.
func (db *DB) Batch(ctx context.Context, fn func(cms.Store) error) error {
	if db.batch != nil {
		return fn(db) // already in one: join it
	}
	c, release, err := db.writerConn(ctx, batchCacheKiB, "MEMORY")
	if err != nil {
		return err
	}
	db.restartWAL(ctx, c)
	tx, err := c.BeginTxx(ctx, nil)
	if err != nil {
		release()
		return err
	}
	if db.d.name == "postgres" && db.keepSettings.Load() > 0 {
		// In a bulk load a batch that fills a GIN pending list merges it
		// (see BulkLoad), gathering its entries in work_mem: with 64 MB
		// rather than the default 4 it writes each word's entries once
		// a merge rather than once per 4 MB.
		if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			tx.Rollback()
			release()
			return err
		}
	}
	b := &batch{tx: tx, stmts: map[string]*sqlx.Stmt{}}
	b.glossary.keep(true)
	b.subscribers.keep(true)
	// The view shares everything but the hooks, which run on db after
	// the commit, and delivery's glossary, which must not keep what the
	// batch has not committed (the view keeps nothing in it).
	view := &DB{d: db.d, w: db.w, r: db.r, url: db.url, stmts: db.stmts, batch: b, gloss: &kept[[]*cms.TopicVersion]{}}
	err = fn(view)
	b.mu.Lock() // fn's goroutines have returned; this orders what they set
	failed, announce, fire := b.err, b.announce, b.fire
	b.mu.Unlock()
	if failed != nil && (err == nil || errors.Is(err, errBatchAborted)) {
		// fn may return what a goroutine was told after another's change
		// failed first; the batch's error is the first change's.
		err = fmt.Errorf("a change in the batch failed, so none of the batch was stored: %w", failed)
	}
	if err == nil && announce {
		err = db.announce(ctx, tx)
	}
	b.close()
	if err != nil {
		tx.Rollback()
		release()
		return err
	}
	err = tx.Commit()
	release() // before the hooks, which may use the connection
	if err != nil {
		return &cms.CommitError{Err: err}
	}
	db.committedInBulk(ctx)
	if fire {
		db.fire()
	}
	return nil
}

// writerConn takes the writing connection for a batch or an import,
// with a page cache of cacheKiB on SQLite and its statement journals in
// tempStore (MEMORY or FILE); release gives it back to the pool with its
// own settings (unless BulkLoad is held).
func (db *DB) writerConn(ctx context.Context, cacheKiB int, tempStore string) (c *sqlx.Conn, release func(), err error) {
	if c, err = db.w.Connx(ctx); err != nil {
		return nil, nil, err
	}
	if db.d.name != "sqlite" {
		return c, func() { c.Close() }, nil
	}
	// A statement that may have to undo itself alone, inside a
	// transaction, keeps the pages it changes in a statement journal, a
	// temporary file past 64 KiB: in a batch that was 62 page writes an
	// article. A batch's statements each change a few pages, so their
	// journals stay in memory (an import's do not: see importSettings).
	// And a batch changes more pages than the connection's 2 MiB cache
	// holds, which wrote and read them back again and again. With both,
	// seeding 1,000 articles takes 19,800 reads and writes, not 94,000
	// (3,000 articles: 11.8 -> 10.5 s, median of three). The settings can
	// only change outside a transaction, and the connection gets its own
	// back after: one statement of a migration may change the whole
	// database. Setting what a connection already has (the batch before
	// kept it, see BulkLoad) changes nothing and costs nothing.
	release = func() {
		if db.keepSettings.Load() == 0 {
			resetWriter(ctx, c)
		}
		c.Close()
	}
	settings := []string{"PRAGMA temp_store = " + tempStore, fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB)}
	if db.keepSettings.Load() > 0 {
		// In a bulk load the log is copied in the background (see
		// committedInBulk), not by the commits.
		settings = append(settings, "PRAGMA wal_autocheckpoint = 0")
	}
	for _, set := range settings {
		if _, err := c.ExecContext(ctx, set); err != nil {
			resetWriter(ctx, c)
			c.Close()
			return nil, nil, err
		}
	}
	return c, release, nil
}

// resetWriter gives SQLite's writing connection its own settings back.
func resetWriter(ctx context.Context, c *sqlx.Conn) {
	for _, reset := range []string{"PRAGMA temp_store = DEFAULT", "PRAGMA cache_size = -2000", "PRAGMA wal_autocheckpoint = 1000"} {
		c.ExecContext(context.WithoutCancel(ctx), reset)
	}
}

// batchCacheKiB is the page cache of SQLite's writing connection during
// a batch.
const batchCacheKiB = 64 << 10

// batch is the transaction of a Batch, with the statements it prepared.
// mu is the connection's turn (see with) and guards the fields.
type batch struct {
	tx    *sqlx.Tx
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
	// err is the first change that failed: the batch is rolled back.
	err error
	// aborted is set when a statement failed on PostgreSQL, which then
	// refuses every later statement of the transaction (see with).
	aborted bool
	// announce and fire are set when a change in the batch changed
	// delivery: it is announced once, before the commit, and the hooks
	// run once, after it.
	announce, fire bool
	// glossary and subscribers are the batch's published topics and
	// webhooks, read once (see DB.Glossary and subscribers).
	glossary    kept[[]*cms.TopicVersion]
	subscribers kept[[]webhookRow]
	// articles are the articles the batch wrote, as it wrote them.
	articles keptArticles
}

// change runs fn, one change of the batch, on its transaction. A change
// that fails may have written some of its rows: the batch is then rolled
// back whole, whatever its caller makes of the error.
func (b *batch) change(fn func(tx conn) error) error {
	if err := b.failed(); err != nil {
		return err
	}
	err := fn(b)
	if err != nil {
		b.fail(err)
	}
	return err
}

// with runs fn with query's statement, prepared once per batch. The
// transaction's connection takes one call at a time, rows read and all:
// fn's goroutines share it, and a PostgreSQL connection cannot start a
// statement while the rows of another are still being read.
//
// A statement that PostgreSQL refuses aborts the transaction, yet the
// change that ran it records its failure (fail) only once it has made
// sense of the error, outside the turn: a goroutine taking the next turn
// in between is told errBatchAborted, not the database's "current
// transaction is aborted", and Batch reports the first change's error.
func (b *batch) with(ctx context.Context, query string, fn func(*sqlx.Stmt) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	if b.aborted {
		return errBatchAborted
	}
	s, ok := b.stmts[query]
	if !ok {
		var err error
		if s, err = b.tx.PreparexContext(ctx, query); err != nil {
			b.aborted = isServerError(err)
			return err
		}
		b.stmts[query] = s
	}
	err := fn(s)
	b.aborted = isServerError(err)
	return err
}

// errBatchAborted is what a batch's statement is told after another
// statement of the batch failed on PostgreSQL.
var errBatchAborted = errors.New("an earlier change in the batch failed")

// isServerError reports an error PostgreSQL sent, which aborts the
// transaction it happened in. SQLite's transaction goes on after a
// failed statement; sql.ErrNoRows is no failure.
func isServerError(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe)
}

// failed returns the first change of the batch that failed, if any.
func (b *batch) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// fail records a change that failed: the batch is rolled back. A change
// told errBatchAborted did not fail first: the one that did records its
// own error.
func (b *batch) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil && !errors.Is(err, errBatchAborted) {
		b.err = err
	}
}

// flag sets one of the batch's flags (announce, fire).
func (b *batch) flag(f *bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*f = true
}

func (b *batch) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}

func (b *batch) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = b.with(ctx, query, func(s *sqlx.Stmt) error {
		res, err = s.ExecContext(ctx, args...)
		return err
	})
	return res, err
}

func (b *batch) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return b.with(ctx, query, func(s *sqlx.Stmt) error { return s.GetContext(ctx, dest, args...) })
}

func (b *batch) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return b.with(ctx, query, func(s *sqlx.Stmt) error { return s.SelectContext(ctx, dest, args...) })
}
