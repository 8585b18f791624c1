package store

import (
	"context"
	"database/sql"

	"healthcms/cms"
)

type commentRow struct {
	ID           string         `db:"id"`
	Revision     int            `db:"revision"`
	Quote        string         `db:"quote"`
	Body         string         `db:"body"`
	AuthorID     string         `db:"author_id"`
	AuthorName   string         `db:"author_name"`
	At           tm             `db:"at"`
	ResolvedAt   ntm            `db:"resolved_at"`
	ResolvedBy   sql.NullString `db:"resolved_by"`
	ResolverName sql.NullString `db:"resolver_name"`
}

func (r *commentRow) comment() *cms.Comment {
	c := &cms.Comment{ID: r.ID, Revision: r.Revision, Quote: r.Quote, Body: r.Body,
		Author: cms.UserRef{ID: r.AuthorID, Name: r.AuthorName}, At: r.At.Time, ResolvedAt: r.ResolvedAt.Ptr()}
	if r.ResolvedBy.Valid {
		c.ResolvedBy = &cms.UserRef{ID: r.ResolvedBy.String, Name: r.ResolverName.String}
	}
	return c
}

const commentSelect = `SELECT c.id, c.revision, c.quote, c.body, c.author_id, au.name AS author_name, c.at,
	c.resolved_at, c.resolved_by, rb.name AS resolver_name
	FROM review_comments c JOIN users au ON au.id = c.author_id LEFT JOIN users rb ON rb.id = c.resolved_by
	WHERE c.article_id = ?`

// Comments lists an article's review comments, oldest first.
func (db *DB) Comments(ctx context.Context, articleID string, openOnly bool) ([]*cms.Comment, error) {
	q := commentSelect
	if openOnly {
		q += ` AND c.resolved_at IS NULL`
	}
	var rows []commentRow
	if err := db.rd().SelectContext(ctx, &rows, db.q(q+` ORDER BY c.at, c.id`), articleID); err != nil {
		return nil, err
	}
	out := make([]*cms.Comment, len(rows))
	for i := range rows {
		out[i] = rows[i].comment()
	}
	return out, nil
}

// Comment returns one of an article's review comments.
func (db *DB) Comment(ctx context.Context, articleID, id string) (*cms.Comment, error) {
	var r commentRow
	if err := db.rd().GetContext(ctx, &r, db.q(commentSelect+` AND c.id = ?`), articleID, id); err != nil {
		return nil, notFound(err, "comment")
	}
	return r.comment(), nil
}

// AddComment stores a comment, counts it open on the article, and appends
// ev to the article's chain, in one transaction. The article's version is
// left alone.
func (db *DB) AddComment(ctx context.Context, articleID string, c *cms.Comment, ev *cms.Event) error {
	return db.inTx(ctx, func(tx conn) error {
		if err := appendArticleEvent(ctx, tx, db.d, ev, `, open_comments = open_comments + 1`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO review_comments (id, article_id, revision, quote, body, author_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), c.ID, articleID, c.Revision, c.Quote, c.Body, c.Author.ID, tm{c.At})
		return err
	})
}

// ResolveComment marks a comment resolved once, counts it closed on the
// article, and appends ev to the article's chain, in one transaction.
func (db *DB) ResolveComment(ctx context.Context, articleID string, c *cms.Comment, ev *cms.Event) error {
	return db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE review_comments SET resolved_at = ?, resolved_by = ?
			WHERE id = ? AND article_id = ? AND resolved_at IS NULL`), tm{*c.ResolvedAt}, c.ResolvedBy.ID, c.ID, articleID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return cms.ErrCommentResolved // resolved by someone else since it was read
		}
		return appendArticleEvent(ctx, tx, db.d, ev, `, open_comments = open_comments - 1`)
	})
}
