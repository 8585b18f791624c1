package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// conn runs statements: a pool, a transaction, or a batch's transaction.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
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
// once per batch. The store given to fn is for fn's goroutine only and
// must not be used after fn returns.
func (db *DB) Batch(ctx context.Context, fn func(cms.Store) error) error {
	if db.batch != nil {
		return fn(db) // already in one: join it
	}
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	b := &batch{tx: tx, stmts: map[string]*sqlx.Stmt{}}
	// The view shares everything but the hooks, which run on db after
	// the commit.
	view := &DB{d: db.d, w: db.w, r: db.r, url: db.url, stmts: db.stmts, batch: b}
	err = fn(view)
	if err == nil && b.err != nil {
		err = fmt.Errorf("a change in the batch failed, so none of the batch was stored: %w", b.err)
	}
	if err == nil && b.announce {
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
	if b.fire {
		db.fire()
	}
	return nil
}

// batch is the transaction of a Batch, with the statements it prepared.
type batch struct {
	tx    *sqlx.Tx
	stmts map[string]*sqlx.Stmt
	// err is the first change that failed: the batch is rolled back.
	err error
	// announce and fire are set when a change in the batch changed
	// delivery: it is announced once, before the commit, and the hooks
	// run once, after it.
	announce, fire bool
}

func (b *batch) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if b.err != nil {
		return nil, b.err
	}
	if s, ok := b.stmts[query]; ok {
		return s, nil
	}
	s, err := b.tx.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	b.stmts[query] = s
	return s, nil
}

func (b *batch) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}

func (b *batch) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (b *batch) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return err
	}
	return s.GetContext(ctx, dest, args...)
}

func (b *batch) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return err
	}
	return s.SelectContext(ctx, dest, args...)
}

func (b *batch) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryxContext(ctx, args...)
}

func (b *batch) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}
