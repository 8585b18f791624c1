package store

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"healthcms/cms"
)

// liveBatch reads PostgreSQL's live documents for concurrent cache misses
// in shared queries: the slugs waiting at one moment go in one
// `slug = ANY($1)` read, at most liveBatchMax of them, with at most
// liveBatchRunning such reads at once. A read of one document costs
// PostgreSQL and lib/pq about the same whatever it returns: at 100,000
// articles, one query per miss held delivery to 0.22-0.28 of nginx's
// random files, where PostgreSQL alone, read by pgbench, reached 0.53;
// one query for 16-32 slugs returned 1.6-1.9 times as many documents a
// second (issue 13, goal 2). It adds no wait: a miss that finds no read
// running starts one at once, and only misses that arrive while reads
// run wait for the next, which is what they would do for a connection.
//
// A slug the read does not find (an old one, an unknown one) is left to
// the single lookup through article_slugs, by the miss that asked.
type liveBatch struct {
	mu      sync.Mutex
	waiting []*liveWant
	running int

	// batches and docs count the reads made and the documents they were
	// asked for, for metrics.
	batches, docs atomic.Uint64
}

// liveWant is one miss waiting for its document.
type liveWant struct {
	slug string
	gz   bool
	// got receives the answer once; buffered, so a batch never waits for
	// a miss whose client went away.
	got chan liveGot
}

type liveGot struct {
	doc *cms.LiveDocument
	err error
}

const (
	// liveBatchMax bounds a read's slugs (and its answer: ~8.6 KB a
	// document at 100,000 articles).
	liveBatchMax = 64
	// liveBatchTimeout bounds a read, which no one request's context
	// may cancel: others wait for it too.
	liveBatchTimeout = 30 * time.Second
)

// liveBatchRunning is how many batch reads run at once: one per CPU, so
// one is decoded while PostgreSQL answers another, and the rest gather
// into the next reads rather than into more, smaller ones.
func liveBatchRunning() int { return max(runtime.GOMAXPROCS(0), 2) }

// errNotLive is a batch's answer for a slug no live row has.
var errNotLive = errors.New("no live row has this slug")

// read returns the live document of slug, reading it with the other
// misses waiting at the time; errNotLive when no live row has the slug.
func (b *liveBatch) read(ctx context.Context, db *DB, src source, slug string, c cms.LiveCopy) (*cms.LiveDocument, error) {
	w := &liveWant{slug: slug, gz: c == cms.LiveGzip, got: make(chan liveGot, 1)}
	b.mu.Lock()
	b.waiting = append(b.waiting, w)
	if b.running < liveBatchRunning() {
		b.running++
		go b.run(db, src)
	}
	b.mu.Unlock()
	select {
	case g := <-w.got:
		return g.doc, g.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run makes batch reads while misses wait.
func (b *liveBatch) run(db *DB, src source) {
	for {
		b.mu.Lock()
		n := min(len(b.waiting), liveBatchMax)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		ws := make([]*liveWant, n)
		copy(ws, b.waiting)
		b.waiting = slices.Delete(b.waiting, 0, n) // clears the vacated end: no stale wants kept
		b.mu.Unlock()
		b.answer(db, src, ws)
	}
}

// answer reads the documents ws ask for, in one read per copy asked for,
// and gives each want its answer.
func (b *liveBatch) answer(db *DB, src source, ws []*liveWant) {
	ctx, cancel := context.WithTimeout(context.Background(), liveBatchTimeout)
	defer cancel()
	for _, gz := range []bool{false, true} {
		var slugs []string
		for _, w := range ws {
			if w.gz == gz {
				slugs = append(slugs, w.slug)
			}
		}
		if len(slugs) == 0 {
			continue
		}
		b.batches.Add(1)
		b.docs.Add(uint64(len(slugs)))
		docs, err := db.liveMany(ctx, src, slugs, gz)
		for _, w := range ws {
			if w.gz != gz {
				continue
			}
			g := liveGot{err: err}
			if err == nil {
				if g.doc = docs[w.slug]; g.doc == nil {
					g.err = errNotLive
				}
			}
			w.got <- g
		}
	}
}

// liveMany reads the live documents of slugs, by slug: the compressed
// copies when gz, the plain ones otherwise.
func (db *DB) liveMany(ctx context.Context, src source, slugs []string, gz bool) (map[string]*cms.LiveDocument, error) {
	p := &src.stmts.liveMany
	if gz {
		p = &src.stmts.liveGzMany
	}
	st, err := db.prepared(ctx, src, p)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, pq.StringArray(slugs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]*cms.LiveDocument, len(slugs))
	for rows.Next() {
		d := &cms.LiveDocument{}
		if err := scanLive(rows.Scan, d, gz); err != nil {
			return nil, err
		}
		out[d.Slug] = d
	}
	return out, rows.Err()
}

// LiveBatchStats reports PostgreSQL's batch reads of live documents:
// reads made, and the documents they were asked for (delivery's and the
// read replica's together); zero on SQLite, which reads one row a miss.
func (db *DB) LiveBatchStats() (reads, docs uint64) {
	reads, docs = db.stmts.batch.batches.Load(), db.stmts.batch.docs.Load()
	if r := db.rep; r != nil {
		reads += r.stmts.batch.batches.Load()
		docs += r.stmts.batch.docs.Load()
	}
	return reads, docs
}
