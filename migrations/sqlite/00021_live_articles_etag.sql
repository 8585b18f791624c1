-- +goose Up
-- The in-memory search index (issue 13) catches up after every change by
-- comparing each live article's key and ETag with its own: SQLite gives
-- the newest article's key again when it is unpublished and another (or
-- a new version of it) is published, so the key alone cannot tell. This
-- index holds both (the key as its rowid), so the comparison reads a few
-- megabytes, not the rows with their documents.
CREATE INDEX live_articles_etag ON live_articles (etag);

-- +goose Down
DROP INDEX live_articles_etag;
