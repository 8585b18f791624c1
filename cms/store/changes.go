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
	db.hooks.mu.Lock()
	fns := append([]func(){}, db.hooks.fns...)
	db.hooks.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// announce tells other servers, inside the writing transaction, that a
// change is coming: PostgreSQL delivers the notification only on commit.
func (db *DB) announce(ctx context.Context, ex sqlx.ExecerContext) error {
	if db.d.notify == "" {
		return nil
	}
	_, err := ex.ExecContext(ctx, db.d.notify)
	return err
}

// changing runs fn in a write transaction that changes what delivery
// serves: it is announced with the commit and the hooks run after it.
func (db *DB) changing(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return db.announce(ctx, tx)
	})
	if err == nil {
		db.fire()
	}
	return err
}

// ListenChanges runs OnChange's functions whenever another server
// announces a change, until ctx ends. A lost connection could hide
// announcements, so the functions also run on every reconnect. On SQLite
// it returns at once: there are no other servers.
func (db *DB) ListenChanges(ctx context.Context, log *slog.Logger) error {
	if db.d.notify == "" {
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
