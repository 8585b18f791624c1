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
		liveMany:   stmt{query: `SELECT slug, convert_to(document, 'UTF8'), etag FROM live_articles WHERE slug = ANY(?)`},
		liveGzMany: stmt{query: `SELECT ` + liveGzCols + ` FROM live_articles la WHERE la.slug = ANY(?)`},
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
