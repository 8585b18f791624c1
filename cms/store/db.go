// Package store keeps the CMS's data in SQLite (the embedded default) or
// PostgreSQL (production). Queries are written once with ? and rebound; what
// really differs between the two lives in dialect.go; only DDL is written per
// database (migrations/).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // SQLite driver, pure Go

	"healthcms/cms"
)

// DB is the store. On SQLite writes go through a pool of exactly one
// connection (SQLite has one writer; queueing in Go beats SQLITE_BUSY) and
// reads through a separate read-only pool; on PostgreSQL both are one pool.
type DB struct {
	d     dialect
	w     *sqlx.DB
	r     *sqlx.DB
	url   string // PostgreSQL only, for the change listener
	hooks hooks
	stmts *statements
	// stopWatch ends the SQLite file watch of ListenChanges.
	stopWatch func()
	// rep is the read replica delivery reads go to (UseReplica), or nil.
	rep *replica
	// batch is set on the store a Batch hands out: every statement goes
	// through its transaction.
	batch *batch
	// gloss is delivery's glossary, kept while ListenChanges runs.
	gloss *kept[[]*cms.TopicVersion]
	// index is the in-memory search index, kept after KeepSearchIndex.
	index atomic.Pointer[searchIndex]
	// local is the live documents kept in a file, after
	// KeepLocalDocuments.
	local atomic.Pointer[localDocs]
	// keepSettings counts the holders of BulkLoad.
	keepSettings atomic.Int32
	// bulk is what a BulkLoad keeps of its batches.
	bulk bulkStats
}

// Open connects to the database named by rawURL: "sqlite:PATH" or
// "postgres://…". A SQLite file and its directory are created when absent.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	var db *DB
	var err error
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db, err = openPostgres(rawURL)
	default:
		return nil, errors.New("database URL must start with sqlite: or postgres://")
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.d.name, err)
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: needs a file path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	// NORMAL is durable across application crashes in WAL mode; only an OS
	// crash can lose the last transactions, and it never corrupts the file.
	q.Set("_synchronous", "NORMAL")
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	wq := cloneValues(q)
	// IMMEDIATE takes the write lock at BEGIN, so a transaction that reads
	// and then writes cannot fail halfway with SQLITE_BUSY.
	wq.Set("_txlock", "immediate")
	// 16 KiB pages hold a live article's row up to its compressed
	// document in one page: a delivery read is one mapped page, without
	// walking overflow pages. It takes effect only on a new database.
	wq.Add("_pragma", "page_size(16384)")
	w, err := sqlx.Open("sqlite", base+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	rq := cloneValues(q)
	rq.Set("_query_only", "1")
	// Readers copy pages in (one pread each, from the kernel's page cache)
	// rather than map the file: SQLite maps it once per connection, and
	// with a 2 GiB mmap_size each of eight readers came to count every
	// page it touched in the process's RSS, so a 1.85 GB database showed
	// a 10.6 GB VmHWM (issue 13). Delivery reads one row per miss, and the
	// answer cache in front takes the hits: the pread costs little there.
	// The pages a reader reuses (the B-tree's upper levels) stay in its
	// own page cache, readerCacheKiB each, which is counted truthfully.
	rq.Add("_pragma", "mmap_size(0)")
	rq.Add("_pragma", "cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
	r, err := sqlx.Open("sqlite", base+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	n := readers()
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	return &DB{d: sqliteDialect, w: w, r: r, stmts: newStatements(), gloss: &kept[[]*cms.TopicVersion]{}}, nil
}

// readerCacheKiB is the page cache of each SQLite reading connection:
// with 16 KiB pages, room for the interior pages of the live tables'
// indexes at 100,000 articles, and readers() of them stay within the
// server's memory budget (see README, Performance).
const readerCacheKiB = 8 << 10

// readers is the size of a read pool (SQLite's, PostgreSQL's, a
// replica's): two per CPU the Go runtime uses, so one connection can wait
// on a page read while another computes, and no more, since each holds a
// page cache (a SQLite connection's, a PostgreSQL backend's); 4 to 16.
func readers() int { return min(max(2*runtime.GOMAXPROCS(0), 4), 16) }

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// A PostgreSQL store has two pools on the one server, as a SQLite store
// has: reads (delivery's and the editor's) on readers() connections, and
// everything else (writes, transactions) on up to pgWriters. One pool of
// 32 let 50 concurrent delivery misses keep 32 backends busy on a 2-CPU
// machine, each evicting the others' pages from its caches and from
// shared_buffers: a miss at 100,000 articles cost 400-470 µs of CPU with
// 32 connections against 190-240 µs with 4 (issue 13, goal 2). Keeping
// the writes apart means a burst of reads never queues a publication, and
// a transaction held on the write pool that reads through the read pool
// never waits for a connection of the pool it holds one of.
const pgWriters = 16

func openPostgres(rawURL string) (*DB, error) {
	c, err := pgConnector(rawURL)
	if err != nil {
		return nil, err
	}
	w := sqlx.NewDb(sql.OpenDB(c), "postgres")
	w.SetMaxOpenConns(pgWriters)
	w.SetMaxIdleConns(pgWriters)
	r := sqlx.NewDb(sql.OpenDB(c), "postgres")
	n := readers()
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{d: postgresDialect, w: w, r: r, url: rawURL, stmts: newStatements(), gloss: &kept[[]*cms.TopicVersion]{}}, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	if db.stopWatch != nil {
		db.stopWatch()
	}
	var err error
	if db.rep != nil {
		err = db.rep.close()
	}
	if ld := db.local.Load(); ld != nil {
		ld.close()
	}
	db.stmts.close()
	return errors.Join(err, db.w.Close(), db.r.Close())
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Ping checks that both pools reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx conn) error) error {
	if b := db.batch; b != nil {
		// What this change writes may be what an article read joins
		// (a name, a topic, a comment): the articles the batch keeps
		// are read again (see keptArticles). An article's own write
		// keeps them (DB.WriteArticle).
		b.articles.forget()
		defer b.articles.forget()
		return b.change(fn)
	}
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		// A commit cut off by a lost connection may have been applied.
		return &cms.CommitError{Err: err}
	}
	return nil
}

// q rebinds a query written with ? for this database.
func (db *DB) q(query string) string { return db.d.rebind(query) }

// notFound turns sql.ErrNoRows into the domain's ENOTFOUND.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return cms.Errorf(cms.ENOTFOUND, "%s not found", what)
	}
	return err
}

// Pools names the connection pools, for pool metrics: "write" and
// "read", and "replica" for the delivery reads of a read replica.
func (db *DB) Pools() map[string]*sql.DB {
	pools := map[string]*sql.DB{"write": db.w.DB, "read": db.r.DB}
	if db.rep != nil {
		pools["replica"] = db.rep.pool.DB
	}
	return pools
}
