package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// localDocs is every live document, plain and gzip-compressed, that a
// server keeps in a file of its own (KeepLocalDocuments), so that a cache
// miss reads its answer from the file, one pread from the kernel's page
// cache, rather than from the database (issue 13, goal 2): on PostgreSQL
// a miss read from the database costs the database more than nginx
// spends serving a file, whatever the server does (pgbench alone reached
// 0.41-0.57 of nginx's random files at 100,000 articles in runs AD-AF).
//
// It is kept current as the search index is: every change a server hears
// (fire) counts in heard, and the file is used only while it holds every
// change heard (synced >= heard). A miss that finds it behind reads the
// database, which has the change, and sets a catch-up going in the
// background; so it never answers from before a change its server was
// told of, and no reader waits for a catch-up. A slug it does not hold
// (an old slug, an unknown one) is the database's to answer too.
//
// Documents are appended, never overwritten, so a read that found an
// entry reads whole bytes while a catch-up appends; a catch-up rewrites
// the file once more than half of it is documents no longer live. The
// file is removed from its directory as soon as it is created: it goes
// with the process, crash or not, and every start writes it afresh.
type localDocs struct {
	dir string
	log *slog.Logger

	// mu guards f, end, live, bySlug and closed.
	mu  sync.RWMutex
	f   *os.File
	end int64 // where the next document goes
	// live is the bytes of f the entries in bySlug take; mem estimates
	// the memory the entries take.
	live, mem int64
	bySlug    map[string]*localDoc
	// closed is set when the store closes: no catch-up starts after it.
	closed bool
	// stop cancels the background catch-ups, and running waits for them,
	// when the store closes, so that none writes to the closed file or
	// logs after it.
	stop    context.CancelFunc
	stopped context.Context
	running sync.WaitGroup
	// byKey is the entries by search key; only catch-ups, under syncMu,
	// use it.
	byKey map[uint32]*localDoc

	// follower keeps it current (see DB.currentLocal).
	follower
	// compactSlack is the dead bytes the file may hold beyond its live
	// ones before a catch-up rewrites it (under syncMu).
	compactSlack int64
	catching     atomic.Bool // a background catch-up is running
	// retryAt is when a catch-up may start again after one failed (Unix
	// nanoseconds): while the database is down every miss would start
	// one, and log its failure.
	retryAt atomic.Int64
	ready   atomic.Bool
	// reads and failures count for LocalDocumentsStats.
	reads, failures atomic.Uint64
}

// localDoc is one live document in the file: the plain copy at off, n
// bytes, then the compressed one, gzN bytes (0 when the article has none).
type localDoc struct {
	key        uint32
	tag        string // the version's tag (see searchSQL.all)
	slug, etag string
	off        int64
	n, gzN     int32
}

func (e *localDoc) size() int64 { return int64(e.n) + int64(e.gzN) }

// memory estimates what e takes: the entry, its strings, and its place
// in two maps.
func (e *localDoc) memory() int64 { return 160 + int64(len(e.slug)+len(e.etag)+len(e.tag)) }

const (
	// localReadBatch is how many documents a catch-up reads per query.
	localReadBatch = 200
	// localCatchUpTimeout bounds a background catch-up.
	localCatchUpTimeout = 10 * time.Minute
	// localCompactSlack is localDocs.compactSlack's value.
	localCompactSlack = 64 << 20
	// localRetryWait is how long after a failed catch-up the next may
	// start.
	localRetryWait = time.Second
	// localOldFileGrace is how long a rewritten file stays open for reads
	// that found their entry in it before the rewrite.
	localOldFileGrace = time.Minute
)

// KeepLocalDocuments writes every live document to a file in dir and
// has delivery's misses (Delivery().LiveArticle) read it from then on
// (see localDocs); it returns once the file is written, with the number
// of documents in it. Every change must reach fire for the file to stay
// current, so a server calls it after ListenChanges. Until it returns,
// and should it fail, misses read the database as before.
func (db *DB) KeepLocalDocuments(ctx context.Context, dir string, log *slog.Logger) (int, error) {
	f, err := os.CreateTemp(dir, "cms-live-documents-*")
	if err != nil {
		return 0, err
	}
	// Unlinked at once: the open file is all that keeps it.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return 0, err
	}
	ld := &localDocs{dir: dir, log: log, f: f, compactSlack: localCompactSlack, bySlug: map[string]*localDoc{}, byKey: map[uint32]*localDoc{}}
	ld.stopped, ld.stop = context.WithCancel(context.Background())
	ld.heard.Store(1) // not caught up with anything yet
	if !db.local.CompareAndSwap(nil, ld) {
		f.Close()
		return 0, fmt.Errorf("this store keeps local documents already")
	}
	heard := ld.heard.Load()
	if err := db.deliveryRead(ctx, func(src source) error { return db.currentLocal(ctx, ld, src, heard) }); err != nil {
		db.local.Store(nil)
		ld.close()
		return 0, err
	}
	ld.ready.Store(true)
	ld.mu.RLock()
	defer ld.mu.RUnlock()
	return len(ld.bySlug), nil
}

// localDocument returns slug's live document, the copy c asks for, from
// the server's file; ok is false when the file cannot answer (see
// localEntry) or the read fails: the database answers then.
func (db *DB) localDocument(slug string, c cms.LiveCopy) (d *cms.LiveDocument, ok bool) {
	ld, e, f := db.localEntry(slug)
	if e == nil {
		return nil, false
	}
	d = &cms.LiveDocument{Slug: e.slug, ETag: e.etag, Length: int(e.n)}
	var err error
	if c == cms.LiveGzip && e.gzN > 0 {
		d.DocumentGz = make([]byte, e.gzN)
		_, err = f.ReadAt(d.DocumentGz, e.off+int64(e.n))
	} else {
		d.Document = make([]byte, e.n)
		_, err = f.ReadAt(d.Document, e.off)
	}
	if err != nil {
		// A file rewritten and closed under a read that stalled past the
		// grace: the database answers.
		return nil, false
	}
	ld.reads.Add(1)
	return d, true
}

// localETag returns the ETag of the article live at slug from the
// server's local documents, as LiveETag does; ok is false when they
// cannot answer (see localEntry).
func (db *DB) localETag(slug string) (etag string, ok bool) {
	ld, e, _ := db.localEntry(slug)
	if e == nil {
		return "", false
	}
	ld.reads.Add(1)
	return e.etag, true
}

// localEntry returns the local documents' entry for slug and the file it
// is in; e is nil when the server keeps none, the file is behind a change
// heard (a catch-up is set going), or it holds no article live at slug
// (an old slug, an unknown one).
func (db *DB) localEntry(slug string) (ld *localDocs, e *localDoc, f *os.File) {
	ld = db.local.Load()
	if ld == nil || !ld.ready.Load() {
		return nil, nil, nil
	}
	if ld.synced.Load() < ld.heard.Load() {
		db.catchUpLocal(ld)
		return nil, nil, nil
	}
	ld.mu.RLock()
	defer ld.mu.RUnlock()
	return ld, ld.bySlug[slug], ld.f
}

// close stops the background catch-ups, waits for the one running, and
// closes the file; reads after it fail, and the database answers.
func (ld *localDocs) close() {
	ld.stop()
	ld.mu.Lock()
	ld.closed = true
	ld.mu.Unlock()
	ld.running.Wait()
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.f.Close()
}

// catchUpLocal brings ld up to the changes heard in the background,
// unless a catch-up runs already (a change heard meanwhile starts the
// next at the next miss) or one failed less than localRetryWait ago.
func (db *DB) catchUpLocal(ld *localDocs) {
	if time.Now().UnixNano() < ld.retryAt.Load() || !ld.catching.CompareAndSwap(false, true) {
		return
	}
	ld.mu.RLock()
	defer ld.mu.RUnlock()
	if ld.closed {
		ld.catching.Store(false)
		return
	}
	ld.running.Add(1) // under mu, so never after close began to wait
	go func() {
		defer ld.running.Done()
		defer ld.catching.Store(false)
		ctx, cancel := context.WithTimeout(ld.stopped, localCatchUpTimeout)
		defer cancel()
		h := ld.heard.Load() // before deliveryRead picks where the changes are
		err := db.deliveryRead(ctx, func(src source) error { return db.currentLocal(ctx, ld, src, h) })
		if err != nil && ld.stopped.Err() == nil {
			ld.retryAt.Store(time.Now().Add(localRetryWait).UnixNano())
			ld.failures.Add(1)
			ld.log.Error("local documents not caught up; misses read the database", "err", err)
		}
	}()
}

// currentLocal brings ld up to the first h changes heard, reading src,
// which has them: the live articles' keys and tags in one snapshot
// against the file's, then the documents it lacks (or holds in another
// version).
func (db *DB) currentLocal(ctx context.Context, ld *localDocs, src source, h uint64) error {
	return db.catchUp(ctx, &ld.follower, src, h, func(tx *sqlx.Tx, tags map[uint32]string) error {
		return db.localChanges(ctx, ld, tx, tags)
	})
}

// localChanges applies to ld what tags (every live key and tag, read in
// tx) says changed: documents dropped, and documents added, appended to
// the file.
func (db *DB) localChanges(ctx context.Context, ld *localDocs, tx *sqlx.Tx, tags map[uint32]string) error {
	var add []int64
	for k, t := range tags {
		if e := ld.byKey[k]; e == nil || e.tag != t {
			add = append(add, int64(k))
		}
	}
	ld.mu.Lock()
	for k, e := range ld.byKey {
		if t, ok := tags[k]; !ok || t != e.tag {
			ld.remove(e)
		}
	}
	ld.mu.Unlock()
	slices.Sort(add) // newest last, as the rows lie
	for len(add) > 0 {
		n := min(len(add), localReadBatch)
		if err := db.readLocal(ctx, ld, tx, add[:n], tags); err != nil {
			return err
		}
		add = add[n:]
	}
	return ld.compactIfDue()
}

// readLocal reads the documents of keys and appends them to ld's file.
func (db *DB) readLocal(ctx context.Context, ld *localDocs, tx *sqlx.Tx, keys []int64, tags map[uint32]string) error {
	rows, err := tx.QueryContext(ctx, db.q(db.d.localRows), db.d.search.keysArg(keys))
	if err != nil {
		return err
	}
	defer rows.Close()
	var got []*localDoc
	w := bufio.NewWriterSize(&fileAppender{f: ld.f, off: ld.end}, 1<<20)
	off := ld.end
	for rows.Next() {
		var k int64
		var doc, gz sql.RawBytes
		e := &localDoc{}
		if err := rows.Scan(&k, &e.slug, &doc, &gz, &e.etag); err != nil {
			return err
		}
		// k is one of tags' keys, which catchUp checked.
		e.key, e.tag, e.off = uint32(k), tags[uint32(k)], off
		e.n, e.gzN = int32(len(doc)), int32(len(gz))
		if _, err := w.Write(doc); err != nil {
			return err
		}
		if _, err := w.Write(gz); err != nil {
			return err
		}
		off += e.size()
		got = append(got, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.end = off
	for _, e := range got {
		if old := ld.byKey[e.key]; old != nil {
			ld.remove(old)
		}
		if old := ld.bySlug[e.slug]; old != nil {
			ld.remove(old)
		}
		ld.byKey[e.key], ld.bySlug[e.slug] = e, e
		ld.live += e.size()
		ld.mem += e.memory()
	}
	return nil
}

// remove drops e. The caller holds mu and syncMu.
func (ld *localDocs) remove(e *localDoc) {
	delete(ld.byKey, e.key)
	if ld.bySlug[e.slug] == e {
		delete(ld.bySlug, e.slug)
	}
	ld.live -= e.size()
	ld.mem -= e.memory()
}

// compactIfDue rewrites the file with the live documents only once the
// others take more than half of it and compactSlack. Reads that
// found their entry before go on reading the old file, which is closed
// after localOldFileGrace. The caller holds syncMu.
func (ld *localDocs) compactIfDue() error {
	ld.mu.RLock()
	old, end, live := ld.f, ld.end, ld.live
	ld.mu.RUnlock()
	if end-live <= max(live, ld.compactSlack) {
		return nil
	}
	f, err := os.CreateTemp(ld.dir, "cms-live-documents-*")
	if err != nil {
		return err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	moved := make(map[uint32]*localDoc, len(ld.byKey))
	var off int64
	var buf []byte
	for k, e := range ld.byKey {
		if int64(cap(buf)) < e.size() {
			buf = make([]byte, e.size())
		}
		buf = buf[:e.size()]
		if _, err := old.ReadAt(buf, e.off); err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(buf); err != nil {
			f.Close()
			return err
		}
		m := *e
		m.off = off
		moved[k] = &m
		off += e.size()
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	bySlug := make(map[string]*localDoc, len(moved))
	for _, e := range moved {
		bySlug[e.slug] = e
	}
	ld.mu.Lock()
	ld.f, ld.end, ld.live, ld.byKey, ld.bySlug = f, off, off, moved, bySlug
	ld.mu.Unlock()
	time.AfterFunc(localOldFileGrace, func() { old.Close() })
	return nil
}

// fileAppender writes to f from off on, with pwrite: reads of the
// documents already in f go on meanwhile.
type fileAppender struct {
	f   *os.File
	off int64
}

func (a *fileAppender) Write(p []byte) (int, error) {
	n, err := a.f.WriteAt(p, a.off)
	a.off += int64(n)
	return n, err
}

// LocalDocumentsStats is what a server's local documents hold and did.
type LocalDocumentsStats struct {
	// Ready is false while the file is first written.
	Ready bool
	// Articles is the live documents in the file; FileBytes its size.
	Articles  int
	FileBytes int64
	// MemoryBytes estimates the memory their entries take.
	MemoryBytes int64
	// Reads counts the misses answered from the file (documents, and
	// revalidations' ETags); CatchUps the times
	// it read the changes made since it last did; Failures the catch-ups
	// that failed.
	Reads, CatchUps, Failures uint64
}

// LocalDocumentsStats returns the local documents' figures; ok is false
// when the server keeps none.
func (db *DB) LocalDocumentsStats() (s LocalDocumentsStats, ok bool) {
	ld := db.local.Load()
	if ld == nil {
		return s, false
	}
	ld.mu.RLock()
	s.Articles, s.FileBytes, s.MemoryBytes = len(ld.bySlug), ld.end, ld.mem
	ld.mu.RUnlock()
	s.Ready = ld.ready.Load()
	s.Reads, s.CatchUps, s.Failures = ld.reads.Load(), ld.catchUps.Load(), ld.failures.Load()
	return s, true
}
