package store

import (
	"context"
	"errors"
	"runtime"
	"slices"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// KeepSearchIndex loads the live articles into a search index in memory
// and has Search answer from it from then on (see searchIndex); it
// returns once the index is loaded, with the number of articles in it.
// Every change must reach fire for the index to stay current, so a
// server calls it after ListenChanges; changes made while it loads are
// caught up by the first search after. Until it returns, and should it
// fail, searches go to the database as before.
func (db *DB) KeepSearchIndex(ctx context.Context) (int, error) {
	ix := newSearchIndex()
	ix.heard.Store(1) // not caught up with anything yet
	db.index.Store(ix)
	heard := ix.heard.Load()
	if err := db.deliveryRead(ctx, func(src source) error { return db.currentIndex(ctx, ix, src, heard) }); err != nil {
		db.index.Store(nil)
		return 0, err
	}
	ix.ready.Store(true)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.articles(), nil
}

// indexHeard is how many changes the search index has heard (0 without
// one): a search takes it before it chooses where to read, so that what
// it reads has them all (see DB.deliveryRead).
func (db *DB) indexHeard() uint64 {
	if ix := db.index.Load(); ix != nil {
		return ix.heard.Load()
	}
	return 0
}

// currentIndex brings the index up to the first h changes heard, reading
// src, which has them: the changes are read as one snapshot, the live
// articles' keys and tags against the index's, and the articles it lacks
// (or holds in another version) read whole. A search waits for it rather
// than answer from before a change its server was told of.
func (db *DB) currentIndex(ctx context.Context, ix *searchIndex, src source, h uint64) error {
	// Not cut short by the client that happened to start it going away:
	// every waiting search needs it.
	ctx = context.WithoutCancel(ctx)
	return db.catchUp(ctx, &ix.follower, src, h, func(tx *sqlx.Tx, tags map[uint32]string) error {
		return db.indexChanges(ctx, ix, tx, tags)
	})
}

// indexChanges applies to ix what tags (every live key and tag, read in
// tx) says changed: articles dropped, and articles added, read whole.
func (db *DB) indexChanges(ctx context.Context, ix *searchIndex, tx *sqlx.Tx, tags map[uint32]string) error {
	var add []int64
	ix.mu.RLock()
	for k, t := range tags {
		if d, ok := ix.doc(k); !ok || string(d.field(fTag)) != t {
			add = append(add, int64(k))
		}
	}
	var gone []uint32
	ix.eachDoc(func(k uint32, d indexedDoc) {
		if t, ok := tags[k]; !ok || t != string(d.field(fTag)) {
			gone = append(gone, k)
		}
	})
	ix.mu.RUnlock()
	slices.Sort(add) // mostly appended to the words' lists, in order

	ix.mu.Lock()
	for _, k := range gone {
		ix.drop(k)
	}
	ix.sortVocab(false)
	ix.mu.Unlock()
	for len(add) > 0 {
		n := min(len(add), indexReadBatch)
		docs, err := db.indexDocs(ctx, tx, add[:n], tags)
		if err != nil {
			return err
		}
		ix.mu.Lock()
		for _, k := range add[:n] {
			if d := docs[k]; d != nil {
				ix.put(uint32(k), d)
			}
		}
		ix.sortVocab(len(add) == n)
		ix.mu.Unlock()
		add = add[n:]
	}
	ix.mu.Lock()
	ix.freezeIfDue()
	ix.mu.Unlock()
	return nil
}

// indexReadBatch is how many articles a catch-up reads at a time.
const indexReadBatch = 500

// indexDocs reads the live articles of keys, with their texts and topics,
// and packs them for the index.
func (db *DB) indexDocs(ctx context.Context, tx *sqlx.Tx, keys []int64, tags map[uint32]string) (map[int64]*newDoc, error) {
	arg := db.d.search.keysArg(keys)
	var rows []hitRow
	if err := tx.SelectContext(ctx, &rows, db.q(db.d.search.rows), arg); err != nil {
		return nil, err
	}
	var topics []struct {
		K     int64  `db:"k"`
		Topic string `db:"topic"`
	}
	if err := tx.SelectContext(ctx, &topics, db.q(db.d.search.topicsOf), arg); err != nil {
		return nil, err
	}
	of := map[int64][]string{}
	for _, t := range topics {
		of[t.K] = append(of[t.K], t.Topic)
	}
	out := make(map[int64]*newDoc, len(rows))
	for _, r := range rows {
		n := &newDoc{item: cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time, SummaryDoc: []byte(r.SummaryDoc), BodyText: r.BodyText},
			topics: of[r.K]}
		n.doc = packDoc(&n.item, n.topics, tags[uint32(r.K)])
		out[r.K] = n
	}
	return out, nil
}

// searchIndexed is Search from the in-memory index, once it is current;
// ok is false when the server keeps none, it is still loading, or it
// could not catch up (the database answers then).
func (db *DB) searchIndexed(ctx context.Context, src source, q cms.SearchQuery, terms []cms.SearchTerm, tier int, before int64, heard uint64) ([]cms.LiveItem, bool, bool, error) {
	ix := db.index.Load()
	if ix == nil || !ix.ready.Load() {
		return nil, false, false, nil
	}
	if err := db.currentIndex(ctx, ix, src, heard); err != nil {
		// The database answers instead, from src, which has every change.
		// A key the index cannot hold will not go away: the server stops
		// keeping an index rather than read every key for every search.
		if errors.Is(err, errKeyRange) {
			db.index.CompareAndSwap(ix, nil)
		}
		return nil, false, false, nil
	}
	ix.searches.Add(1)
	select {
	case ix.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, false, true, ctx.Err()
	}
	defer func() {
		<-ix.turns
		// Handing the turn on made the next search runnable ahead of
		// every goroutine the network woke (Go runs the goroutine a
		// goroutine wakes next, on its own time slice): under load, a
		// chain of searches ran while requests already read waited
		// behind it. Yielding puts this one at the back of the queue
		// they wait in. 1k articles, common pairs, wrk -c50: p99 191-247
		// ms before, 61-68 after, at 1,550 and 1,600-1,660 req/s.
		runtime.Gosched()
	}()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	keys, tiers := ix.search(q, cms.FoldSearchTerms(terms), tier, before)
	more := len(keys) > q.Limit
	if more {
		keys, tiers = keys[:q.Limit], tiers[:q.Limit]
	}
	return ix.items(keys, tiers, terms), more, true, nil
}

// SearchIndexStats is what the in-memory search index holds and did, for
// metrics; ok is false when the server keeps none.
type SearchIndexStats struct {
	// Ready is false while it loads.
	Ready bool
	// Articles and Words it holds, and about how many bytes of memory.
	Articles, Words int
	Bytes           int64
	// Searches it answered, and CatchUps, the times it read the changes
	// made since it last did.
	Searches, CatchUps uint64
}

// SearchIndexStats reports on the in-memory search index.
func (db *DB) SearchIndexStats() (SearchIndexStats, bool) {
	ix := db.index.Load()
	if ix == nil {
		return SearchIndexStats{}, false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return SearchIndexStats{Ready: ix.ready.Load(), Articles: ix.articles(), Words: ix.base.words() + len(ix.words), Bytes: ix.size(),
		Searches: ix.searches.Load(), CatchUps: ix.catchUps.Load()}, true
}
