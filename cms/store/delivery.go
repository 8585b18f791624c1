package store

import (
	"context"

	"healthcms/cms"
)

// LiveArticle is one indexed lookup: the slug (current or old) to its
// article, joined to that article's live row.
func (db *DB) LiveArticle(ctx context.Context, slug string) (*cms.LiveDocument, error) {
	var r struct {
		Slug     string `db:"slug"`
		Document string `db:"document"`
		ETag     string `db:"etag"`
	}
	err := db.r.GetContext(ctx, &r, db.q(`SELECT la.slug, la.document, la.etag FROM article_slugs s
		JOIN live_articles la ON la.article_id = s.article_id WHERE s.slug = ?`), slug)
	if err != nil {
		return nil, notFound(err, "article")
	}
	return &cms.LiveDocument{Slug: r.Slug, Document: []byte(r.Document), ETag: r.ETag}, nil
}
