package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// LiveArticle is one indexed lookup of the live row by its slug; only a
// slug that is not live (an old one) costs a second lookup, through every
// slug the article had. Both are prepared once: on the hot path neither
// database parses or plans them again. It reads the one copy of the
// document c asks for: on PostgreSQL each is stored out of line, and
// reading both cost a miss half as much again (issue 13).
func (db *DB) LiveArticle(ctx context.Context, slug string, c cms.LiveCopy) (*cms.LiveDocument, error) {
	return db.liveArticle(ctx, db.primarySource(), slug, c)
}

func (db *DB) liveArticle(ctx context.Context, src source, slug string, c cms.LiveCopy) (*cms.LiveDocument, error) {
	bySlug, byOld := &src.stmts.liveBySlug, &src.stmts.liveByOldSlug
	if c == cms.LiveGzip {
		bySlug, byOld = &src.stmts.liveGzBySlug, &src.stmts.liveGzByOldSlug
	}
	st, err := db.prepared(ctx, src, bySlug)
	if err != nil {
		return nil, err
	}
	// Plain database/sql scans: sqlx's reflection over a struct cost
	// more than the rest of the Go side of the read.
	var d cms.LiveDocument
	scan := func(st *sqlx.Stmt) error {
		row := st.QueryRowContext(ctx, slug)
		if c == cms.LiveGzip {
			var length int64
			err := row.Scan(&d.Slug, &d.DocumentGz, &d.Document, &length, &d.ETag)
			d.Length = int(length)
			return err
		}
		err := row.Scan(&d.Slug, &d.Document, &d.ETag)
		d.Length = len(d.Document)
		return err
	}
	if err = scan(st); errors.Is(err, sql.ErrNoRows) {
		if st, err = db.prepared(ctx, src, byOld); err != nil {
			return nil, err
		}
		err = scan(st)
	}
	if err != nil {
		return nil, notFound(err, "article")
	}
	return &d, nil
}

// LiveETag reads only the validator of a live article, so a revalidation
// that matches costs no document read.
func (db *DB) LiveETag(ctx context.Context, slug string) (string, error) {
	return db.liveETag(ctx, db.primarySource(), slug)
}

func (db *DB) liveETag(ctx context.Context, src source, slug string) (string, error) {
	st, err := db.prepared(ctx, src, &src.stmts.liveETag)
	if err != nil {
		return "", err
	}
	var etag string
	if err := st.QueryRowContext(ctx, slug).Scan(&etag); err != nil {
		return "", notFound(err, "article")
	}
	return etag, nil
}

type liveRow struct {
	ArticleID   string  `db:"article_id"`
	Slug        string  `db:"slug"`
	Title       string  `db:"title"`
	Summary     string  `db:"summary"`
	PublishedAt tm      `db:"published_at"`
	UpdatedAt   tm      `db:"updated_at"`
	Score       float64 `db:"score"`
	SearchKey   string  `db:"search_key"`
	SummaryDoc  string  `db:"summary_doc"`
}

const liveCols = `la.article_id, la.slug, la.title, la.summary, la.published_at, la.updated_at, la.summary_doc`

func (db *DB) liveItems(ctx context.Context, src source, q string, args ...any) ([]cms.LiveItem, error) {
	var rows []liveRow
	if err := src.x.SelectContext(ctx, &rows, db.q(q), args...); err != nil {
		return nil, err
	}
	out := make([]cms.LiveItem, len(rows))
	for i, r := range rows {
		out[i] = cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time, Score: r.Score, SearchKey: r.SearchKey,
			SummaryDoc: []byte(r.SummaryDoc)}
	}
	return out, nil
}

// LiveArticles pages through live articles, newest first publication
// first. The cursor is a row-value comparison, which both databases turn
// into an index seek: page 500 costs what page 1 costs.
func (db *DB) LiveArticles(ctx context.Context, q cms.LiveQuery) ([]cms.LiveItem, error) {
	return db.liveArticles(ctx, db.primarySource(), q)
}

func (db *DB) liveArticles(ctx context.Context, src source, q cms.LiveQuery) ([]cms.LiveItem, error) {
	var args []any
	where := ``
	if q.Topic != "" {
		where, args = `WHERE lt.topic_slug = ?`, append(args, q.Topic)
		if q.After != nil {
			where += ` AND (lt.published_at, lt.article_id) < (?, ?)`
			args = append(args, tm{q.After.At}, q.After.ID)
		}
		return db.liveItems(ctx, src, `SELECT `+liveCols+`, 0 AS score FROM live_topics lt
			JOIN live_articles la ON la.article_id = lt.article_id `+where+`
			ORDER BY lt.published_at DESC, lt.article_id DESC LIMIT ?`, append(args, q.Limit)...)
	}
	if q.After != nil {
		where, args = `WHERE (la.published_at, la.article_id) < (?, ?)`, append(args, tm{q.After.At}, q.After.ID)
	}
	return db.liveItems(ctx, src, `SELECT `+liveCols+`, 0 AS score FROM live_articles la `+where+`
		ORDER BY la.published_at DESC, la.article_id DESC LIMIT ?`, append(args, q.Limit)...)
}

// Search is full-text search over live articles, best match first: FTS5
// with bm25 on SQLite, a weighted tsvector with ts_rank on PostgreSQL,
// among the newest 2,000 matches (see dialect.searchCandidates).
func (db *DB) Search(ctx context.Context, q cms.SearchQuery) ([]cms.LiveItem, error) {
	return db.search(ctx, db.primarySource(), q)
}

func (db *DB) search(ctx context.Context, src source, q cms.SearchQuery) ([]cms.LiveItem, error) {
	match, ok := db.d.searchText(q.Text)
	if !ok {
		return nil, nil // nothing searchable in the text: no match
	}
	args := []any{match}
	if q.Topic != "" {
		args = append(args, q.Topic)
	}
	// Rank and page the candidates by their keys alone, then read the
	// page's rows: the other way round reads every candidate's row.
	cands := db.d.candidates(q.Topic != "")
	if len(q.Tagged) > 0 {
		// The articles tagged with a topic the text names are found too,
		// ranked after the text's own matches (score 0); an article found
		// both ways keeps its text score.
		tagged := `SELECT ` + db.d.taggedKey + ` AS k, 0.0 AS score FROM live_topics tt JOIN live_articles ta ON ta.article_id = tt.article_id
			WHERE tt.topic_slug IN (?` + strings.Repeat(", ?", len(q.Tagged)-1) + `)`
		for _, t := range q.Tagged {
			args = append(args, t)
		}
		if q.Topic != "" {
			tagged += ` AND EXISTS (SELECT 1 FROM live_topics tf WHERE tf.article_id = ta.article_id AND tf.topic_slug = ?)`
			args = append(args, q.Topic)
		}
		cands = `SELECT k, MAX(score) AS score FROM (SELECT * FROM (` + cands + `) m UNION ALL ` + tagged + `) u GROUP BY k`
	}
	page := `SELECT k, score FROM (` + cands + `) c`
	if q.After != nil {
		page += ` WHERE (score < ? OR (score = ? AND k < ?))`
		args = append(args, q.After.Score, q.After.Score, q.After.ID)
	}
	page += ` ORDER BY score DESC, k DESC LIMIT ?`
	query := `SELECT ` + liveCols + `, s.score, s.k AS search_key FROM (` + page + `) s JOIN live_articles la ON ` + db.d.searchJoin +
		` ORDER BY s.score DESC, s.k DESC`
	return db.liveItems(ctx, src, query, append(args, q.Limit)...)
}

// EachLive streams every live article, newest first, for sitemaps.
func (db *DB) EachLive(ctx context.Context, fn func(cms.LiveItem) error) error {
	return db.eachLive(ctx, db.primarySource(), fn)
}

func (db *DB) eachLive(ctx context.Context, src source, fn func(cms.LiveItem) error) error {
	rows, err := src.x.QueryxContext(ctx, `SELECT la.article_id, la.slug, la.title, la.summary, la.published_at, la.updated_at,
		'' AS summary_doc, 0 AS score FROM live_articles la ORDER BY la.published_at DESC, la.article_id DESC`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r liveRow
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := fn(cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Delivery returns the store delivery reads from: the read replica's
// when there is one (UseReplica), the store itself otherwise. The DB's
// own methods of the same names read the primary, for the editor (a
// preview lists the published topics too).
func (db *DB) Delivery() cms.DeliveryStore {
	if db.rep == nil {
		return db
	}
	return replicated{db}
}

// replicated reads delivery's data through deliveryRead.
type replicated struct{ db *DB }

func (r replicated) LiveArticle(ctx context.Context, slug string, c cms.LiveCopy) (doc *cms.LiveDocument, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		doc, err = r.db.liveArticle(ctx, src, slug, c)
		return err
	})
	return doc, err
}

func (r replicated) LiveETag(ctx context.Context, slug string) (etag string, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		etag, err = r.db.liveETag(ctx, src, slug)
		return err
	})
	return etag, err
}

func (r replicated) LiveArticles(ctx context.Context, q cms.LiveQuery) (items []cms.LiveItem, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		items, err = r.db.liveArticles(ctx, src, q)
		return err
	})
	return items, err
}

func (r replicated) Search(ctx context.Context, q cms.SearchQuery) (items []cms.LiveItem, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		items, err = r.db.search(ctx, src, q)
		return err
	})
	return items, err
}

func (r replicated) PublishedTopics(ctx context.Context) (ts []*cms.TopicVersion, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		ts, err = r.db.publishedTopics(ctx, src)
		return err
	})
	return ts, err
}

// EachLive streams from one database: once an item has gone out, a
// failure is not retried on the primary, which would repeat items.
func (r replicated) EachLive(ctx context.Context, fn func(cms.LiveItem) error) error {
	sent := false
	var first error
	return r.db.deliveryRead(ctx, func(src source) error {
		if sent {
			return fmt.Errorf("the read replica failed in the middle of a stream: %w", first)
		}
		first = r.db.eachLive(ctx, src, func(it cms.LiveItem) error {
			sent = true
			return fn(it)
		})
		return first
	})
}
