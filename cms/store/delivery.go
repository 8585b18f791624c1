package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"healthcms/cms"
)

// LiveArticle is one indexed lookup of the live row by its slug; only a
// slug that is not live (an old one) costs a second lookup, through every
// slug the article had. Both are prepared once: on the hot path neither
// database parses or plans them again.
func (db *DB) LiveArticle(ctx context.Context, slug string) (*cms.LiveDocument, error) {
	var r struct {
		Slug       string `db:"slug"`
		Document   []byte `db:"document"`
		DocumentGz []byte `db:"document_gz"`
		ETag       string `db:"etag"`
	}
	st, err := db.prepared(ctx, &db.stmts.liveBySlug)
	if err != nil {
		return nil, err
	}
	if err = st.GetContext(ctx, &r, slug); errors.Is(err, sql.ErrNoRows) {
		if st, err = db.prepared(ctx, &db.stmts.liveByOldSlug); err != nil {
			return nil, err
		}
		err = st.GetContext(ctx, &r, slug)
	}
	if err != nil {
		return nil, notFound(err, "article")
	}
	return &cms.LiveDocument{Slug: r.Slug, Document: r.Document, DocumentGz: r.DocumentGz, ETag: r.ETag}, nil
}

// LiveETag reads only the validator of a live article, so a revalidation
// that matches costs no document read.
func (db *DB) LiveETag(ctx context.Context, slug string) (string, error) {
	st, err := db.prepared(ctx, &db.stmts.liveETag)
	if err != nil {
		return "", err
	}
	var etag string
	if err := st.GetContext(ctx, &etag, slug); err != nil {
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

func (db *DB) liveItems(ctx context.Context, q string, args ...any) ([]cms.LiveItem, error) {
	var rows []liveRow
	if err := db.rd().SelectContext(ctx, &rows, db.q(q), args...); err != nil {
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
	var args []any
	where := ``
	if q.Topic != "" {
		where, args = `WHERE lt.topic_slug = ?`, append(args, q.Topic)
		if q.After != nil {
			where += ` AND (lt.published_at, lt.article_id) < (?, ?)`
			args = append(args, tm{q.After.At}, q.After.ID)
		}
		return db.liveItems(ctx, `SELECT `+liveCols+`, 0 AS score FROM live_topics lt
			JOIN live_articles la ON la.article_id = lt.article_id `+where+`
			ORDER BY lt.published_at DESC, lt.article_id DESC LIMIT ?`, append(args, q.Limit)...)
	}
	if q.After != nil {
		where, args = `WHERE (la.published_at, la.article_id) < (?, ?)`, append(args, tm{q.After.At}, q.After.ID)
	}
	return db.liveItems(ctx, `SELECT `+liveCols+`, 0 AS score FROM live_articles la `+where+`
		ORDER BY la.published_at DESC, la.article_id DESC LIMIT ?`, append(args, q.Limit)...)
}

// Search is full-text search over live articles, best match first: FTS5
// with bm25 on SQLite, a weighted tsvector with ts_rank on PostgreSQL,
// among the newest 2,000 matches (see dialect.searchCandidates).
func (db *DB) Search(ctx context.Context, q cms.SearchQuery) ([]cms.LiveItem, error) {
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
	return db.liveItems(ctx, query, append(args, q.Limit)...)
}

// EachLive streams every live article, newest first, for sitemaps.
func (db *DB) EachLive(ctx context.Context, fn func(cms.LiveItem) error) error {
	rows, err := db.rd().QueryxContext(ctx, `SELECT la.article_id, la.slug, la.title, la.summary, la.published_at, la.updated_at,
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
