-- +goose Up
-- The live document gzip-compressed once, at publication, so that serving
-- it compressed costs nothing per request. NULL for articles published
-- before this column existed: those are compressed on first request.
ALTER TABLE live_articles ADD COLUMN document_gz BLOB;

-- +goose Down
ALTER TABLE live_articles DROP COLUMN document_gz;
