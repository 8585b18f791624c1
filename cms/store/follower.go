package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// follower is the bookkeeping of what a server keeps in step with the
// live articles, lazily: the in-memory search index and the local
// documents. Every change the server hears (fire) counts in heard; a
// catch-up brings what is kept up to the first h changes heard, from one
// snapshot of the live articles' keys and tags, and only then counts h
// in synced. What is kept answers only while synced has every change
// heard, so never from before a change its server was told of.
type follower struct {
	// heard counts the changes heard; synced is heard's value last caught
	// up with (under syncMu, which one catch-up holds).
	heard, synced atomic.Uint64
	syncMu        sync.Mutex
	// catchUps counts the catch-ups made, for metrics.
	catchUps atomic.Uint64
}

// catchUp brings f up to the first h changes heard, reading src, which
// has them, unless it is there already (or another catch-up got it there
// meanwhile): fn gets a read-only transaction in which every read sees
// one snapshot, and every live article's key and tag (searchSQL.all) in
// it, and applies what differs from what f's owner keeps.
func (db *DB) catchUp(ctx context.Context, f *follower, src source, h uint64, fn func(tx *sqlx.Tx, tags map[uint32]string) error) error {
	if f.synced.Load() >= h {
		return nil
	}
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	if f.synced.Load() >= h {
		return nil
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d.name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every read
	}
	tx, err := src.x.BeginTxx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var live []struct {
		K   int64  `db:"k"`
		Tag string `db:"tag"`
	}
	if err := tx.SelectContext(ctx, &live, db.d.search.all); err != nil {
		return err
	}
	tags := make(map[uint32]string, len(live))
	for _, r := range live {
		if r.K <= 0 || r.K > math.MaxUint32 {
			return fmt.Errorf("search key %d: %w", r.K, errKeyRange)
		}
		tags[uint32(r.K)] = r.Tag
	}
	if err := fn(tx, tags); err != nil {
		return err
	}
	f.synced.Store(h)
	f.catchUps.Add(1)
	return nil
}

// errKeyRange is a search key that neither the in-memory search index
// nor the local documents can hold (their keys are 32-bit).
var errKeyRange = errors.New("out of the in-memory search index's range")
