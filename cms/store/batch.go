package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"

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
// connection: going around it would wait for ever).
func (db *DB) wr() conn {
	if db.batch != nil {
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
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
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
	if err == nil && failed != nil {
		err = fmt.Errorf("a change in the batch failed, so none of the batch was stored: %w", failed)
	}
	if err == nil && announce {
		err = db.announce(ctx, tx)
	}
	b.close()
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return &cms.CommitError{Err: err}
	}
	if fire {
		db.fire()
	}
	return nil
}

// batch is the transaction of a Batch, with the statements it prepared.
// mu is the connection's turn (see with) and guards the fields.
type batch struct {
	tx    *sqlx.Tx
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
	// err is the first change that failed: the batch is rolled back.
	err error
	// announce and fire are set when a change in the batch changed
	// delivery: it is announced once, before the commit, and the hooks
	// run once, after it.
	announce, fire bool
	// glossary and subscribers are the batch's published topics and
	// webhooks, read once (see DB.Glossary and subscribers).
	glossary    kept[[]*cms.TopicVersion]
	subscribers kept[[]webhookRow]
}

// with runs fn with query's statement, prepared once per batch. The
// transaction's connection takes one call at a time, rows read and all:
// fn's goroutines share it, and a PostgreSQL connection cannot start a
// statement while the rows of another are still being read.
func (b *batch) with(ctx context.Context, query string, fn func(*sqlx.Stmt) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	s, ok := b.stmts[query]
	if !ok {
		var err error
		if s, err = b.tx.PreparexContext(ctx, query); err != nil {
			return err
		}
		b.stmts[query] = s
	}
	return fn(s)
}

// failed returns the first change of the batch that failed, if any.
func (b *batch) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// fail records a change that failed: the batch is rolled back.
func (b *batch) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
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
