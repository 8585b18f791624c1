-- +goose Up
-- Full-text index of live articles: title weighs most, then summary, then
-- body. Generated, so it can never disagree with the row.
ALTER TABLE live_articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', summary), 'B') ||
    setweight(to_tsvector('english', body_text), 'C')
) STORED;
CREATE INDEX live_articles_search ON live_articles USING GIN (search);

-- API keys for delivery and preview. Only a hash of each key is stored;
-- revoking keeps the row so the key can never come back.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- +goose Down
DROP TABLE api_keys;
DROP INDEX live_articles_search;
ALTER TABLE live_articles DROP COLUMN search;
