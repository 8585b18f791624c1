-- +goose Up
-- Full-text index of live articles: an external-content index over
-- live_articles (the text is not stored twice), keyed by live_articles.seq
-- and kept in step by the triggers below, so no Go code differs by database.
CREATE VIRTUAL TABLE live_search USING fts5(
    title, summary, body_text,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- +goose StatementBegin
CREATE TRIGGER live_search_insert AFTER INSERT ON live_articles
BEGIN
    INSERT INTO live_search (rowid, title, summary, body_text) VALUES (NEW.seq, NEW.title, NEW.summary, NEW.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER live_search_delete AFTER DELETE ON live_articles
BEGIN
    INSERT INTO live_search (live_search, rowid, title, summary, body_text) VALUES ('delete', OLD.seq, OLD.title, OLD.summary, OLD.body_text);
END;
-- +goose StatementEnd

-- API keys for delivery and preview. Only a hash of each key is stored;
-- revoking keeps the row so the key can never come back.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
);

-- +goose Down
DROP TABLE api_keys;
DROP TRIGGER live_search_delete;
DROP TRIGGER live_search_insert;
DROP TABLE live_search;
