package store

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// stmt is a read statement prepared on first use: the tables it reads may
// not exist when the store opens, before migrations.
type stmt struct {
	mu    sync.Mutex
	query string
	s     *sqlx.Stmt
}

// statements are the prepared statements of the delivery hot path.
type statements struct {
	liveBySlug, liveByOldSlug, liveGzBySlug, liveGzByOldSlug, liveETag stmt
	// liveMany and liveGzMany read many live documents (PostgreSQL's
	// batch reads, which batch gathers).
	liveMany, liveGzMany stmt
	batch                liveBatch

	// mu guards the rest.
	mu sync.Mutex
	// search holds the prepared search queries by text.
	search map[string]*sqlx.Stmt
	// words are PostgreSQL's statistics of the search index's words,
	// read again every wordStatsFor (see source.wordStats).
	words   *wordStats
	wordsAt time.Time
}

// The columns of a live document read for a client that takes gzip: the
// compressed copy, the plain one only when there is no compressed copy,
// and the plain one's length, which neither database reads the value for
// (PostgreSQL's from the out-of-line value's pointer, SQLite's from the
// record header).
const liveGzCols = `la.slug, la.document_gz, CASE WHEN la.document_gz IS NULL THEN la.document END, octet_length(la.document), la.etag`

// liveSlugs is the condition on the slug of a batch read: any of the
// array parameter, read through a sub-select so that PostgreSQL plans
// the statement once. Given the array itself, the planner knows its
// length in every custom plan and costs a generic one for ten elements;
// batches are mostly smaller (8 on average at 100,000 articles, see
// liveBatch), so it judged the generic plan dearer and planned every
// batch anew: 30-60 µs a query, the same index scan each time. Through
// the sub-select the array is unknown to both, which then cost the same,
// and from the sixth execution on the generic plan is reused. (The cast
// after the parentheses makes ANY take an array, not a subquery's rows.)
const liveSlugs = `ANY((SELECT ?::text[])::text[])`

func newStatements() *statements {
	return &statements{
		liveBySlug:   stmt{query: `SELECT slug, document, etag FROM live_articles WHERE slug = ?`},
		liveGzBySlug: stmt{query: `SELECT ` + liveGzCols + ` FROM live_articles la WHERE la.slug = ?`},
		liveETag:     stmt{query: `SELECT etag FROM live_articles WHERE slug = ?`},
		// The document as bytes (convert_to, in lib/pq's client
		// encoding), which lib/pq reads in binary and hands over as is:
		// as text it was copied once more, into a string, before the
		// scan copied it into bytes. 26 KB allocated a miss at 100,000
		// articles rather than 36 KB (bench/missbench).
		//
		// The slugs go through a sub-select (see liveSlugs).
		liveMany:   stmt{query: `SELECT slug, convert_to(document, 'UTF8'), etag FROM live_articles WHERE slug = ` + liveSlugs},
		liveGzMany: stmt{query: `SELECT ` + liveGzCols + ` FROM live_articles la WHERE la.slug = ` + liveSlugs},
		// An old slug: its article's live row, if any, to redirect to.
		liveByOldSlug: stmt{query: `SELECT la.slug, la.document, la.etag FROM article_slugs s
			JOIN live_articles la ON la.article_id = s.article_id WHERE s.slug = ?`},
		liveGzByOldSlug: stmt{query: `SELECT ` + liveGzCols + ` FROM article_slugs s
			JOIN live_articles la ON la.article_id = s.article_id WHERE s.slug = ?`},
	}
}

// prepared returns p, one of src's statements, prepared on src's pool on
// first use.
func (db *DB) prepared(ctx context.Context, src source, p *stmt) (*sqlx.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		s, err := src.x.PreparexContext(ctx, db.q(p.query))
		if err != nil {
			return nil, err
		}
		p.s = s
	}
	return p.s, nil
}

func (s *statements) close() {
	for _, p := range []*stmt{&s.liveBySlug, &s.liveByOldSlug, &s.liveGzBySlug, &s.liveGzByOldSlug, &s.liveETag, &s.liveMany, &s.liveGzMany} {
		if p.s != nil {
			p.s.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.search {
		st.Close()
	}
}
