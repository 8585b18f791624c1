package store

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// changesChannel is the PostgreSQL channel on which every server announces
// a committed change of what delivery serves or who may read it.
const changesChannel = "cms_changes"

// hooks are the functions OnChange registered.
type hooks struct {
	mu  sync.Mutex
	fns []func()
}

// OnChange registers fn to run after every committed change of what
// delivery serves or who may read it: a publication, an unpublication, a
// topic or an API key. On SQLite that is every change, as all writes go
// through this process; on PostgreSQL, ListenChanges adds the changes of
// every other server.
func (db *DB) OnChange(fn func()) {
	db.hooks.mu.Lock()
	defer db.hooks.mu.Unlock()
	db.hooks.fns = append(db.hooks.fns, fn)
}

func (db *DB) fire() {
	if db.batch != nil {
		db.batch.flag(&db.batch.fire) // the hooks run after the batch commits
		return
	}
	if db.rep != nil {
		// Before the hooks purge the cache: see replica.changed.
		db.rep.changed()
	}
	// After the replica learned the change's position: a glossary read
	// from now on goes where the change is, and so do the search
	// index's and the local documents' catch-ups.
	db.gloss.forget()
	if ix := db.index.Load(); ix != nil {
		ix.heard.Add(1)
	}
	if ld := db.local.Load(); ld != nil {
		ld.heard.Add(1)
	}
	db.hooks.mu.Lock()
	fns := append([]func(){}, db.hooks.fns...)
	db.hooks.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// announce finishes, inside the writing transaction, a change of what
// delivery serves: on PostgreSQL it tells other servers that the change is
// coming (the notification is delivered only on commit); on SQLite it
// indexes the articles published for search. Every write transaction that
// changes delivery calls it last before it commits; in a batch it runs
// once, before the batch commits.
func (db *DB) announce(ctx context.Context, ex sqlx.ExecerContext) error {
	if db.batch != nil {
		db.batch.flag(&db.batch.announce)
		return nil
	}
	words := db.d.newWords
	if db.bulk.wordsLater.Load() {
		words = nil // the bulk load's end gathers them (see BulkLoad)
	}
	return execAll(ctx, ex, words, db.d.announce)
}

// announceImport is announce for an import, which fills an empty
// database: the words for search_words are read from the full-text index
// once it holds every article (dialect.allWords), not gathered apart.
func (db *DB) announceImport(ctx context.Context, ex sqlx.ExecerContext) error {
	return execAll(ctx, ex, db.d.announce, db.d.allWords)
}

// execAll runs the statements of each list in turn.
func execAll(ctx context.Context, ex sqlx.ExecerContext, lists ...[]string) error {
	for _, qs := range lists {
		for _, q := range qs {
			if _, err := ex.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// changing runs fn in a write transaction that changes what delivery
// serves: it is announced with the commit and the hooks run after it.
func (db *DB) changing(ctx context.Context, fn func(tx conn) error) error {
	err := db.inTx(ctx, func(tx conn) error {
		if err := fn(tx); err != nil {
			return err
		}
		return db.announce(ctx, tx)
	})
	if err == nil {
		if db.batch != nil {
			// A topic may have changed: the batch reads its glossary
			// again (article writes, the rest of a batch, leave it).
			db.batch.glossary.forget()
		}
		db.fire()
	}
	return err
}

// ListenChanges runs OnChange's functions whenever another server
// announces a change, until ctx ends. A lost connection could hide
// announcements, so the functions also run on every reconnect. On SQLite
// other processes announce nothing (a `cms seed`, `user` or `key` writing
// to the file of a running server), so the file is watched instead. While
// it listens, delivery keeps the glossary in memory (see kept).
func (db *DB) ListenChanges(ctx context.Context, log *slog.Logger) error {
	if db.d.name == "sqlite" {
		ctx, cancel := context.WithCancel(ctx)
		db.stopWatch = cancel
		go db.watchFile(ctx, log)
		return nil
	}
	l := pq.NewListener(db.url, time.Second, 30*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			db.fire()
		case pq.ListenerEventConnectionAttemptFailed, pq.ListenerEventDisconnected:
			log.Warn("change listener lost its connection", "err", err)
		}
	})
	if err := l.Listen(changesChannel); err != nil {
		l.Close()
		return err
	}
	if db.rep != nil {
		// A change committed before the LISTEN was announced to no one:
		// the replica must have replayed up to a position learned now.
		db.rep.changed()
	}
	db.gloss.keepWhile(ctx)
	go func() {
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.Notify:
				db.fire()
			case <-time.After(time.Minute):
				go l.Ping()
			}
		}
	}()
	return nil
}

// filePoll is how often a SQLite server looks for writes by other
// processes: one PRAGMA on an idle connection, so cheap enough to do
// four times a second, and soon enough for an editor's command.
const filePoll = 250 * time.Millisecond

// watchFile runs OnChange's functions when another process has committed
// to the SQLite file. PRAGMA data_version, asked on the writer connection,
// changes when any other connection commits and never for the
// connection's own commits, which already run the functions.
func (db *DB) watchFile(ctx context.Context, log *slog.Logger) {
	version := func() (int64, error) {
		var v int64
		err := db.wr().GetContext(ctx, &v, `PRAGMA data_version`)
		return v, err
	}
	last, err := version()
	// Every commit from now on is seen.
	db.gloss.keepWhile(ctx)
	t := time.NewTicker(filePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, verr := version()
		switch {
		case verr != nil:
			if ctx.Err() == nil {
				log.Warn("watching the database file for other writers", "err", verr)
			}
		case err != nil || v != last:
			// Also after an error: a change may have been missed.
			db.fire()
		}
		last, err = v, verr
	}
}
