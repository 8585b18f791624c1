-- +goose Up
-- live_articles rebuilt with its columns in the order delivery reads them
-- (SQLite only: PostgreSQL keeps large values out of line whatever their
-- order). The table is copied, not altered: SQLite cannot move columns.
-- live_topics refers to live_articles and cascades deletes: keep its rows
-- aside so that dropping the old table cannot take them along.
CREATE TEMP TABLE saved_live_topics AS SELECT topic_slug, article_id, published_at FROM live_topics;
DROP TABLE live_topics;

CREATE TABLE live_articles_new (
    -- An integer key of its own, which VACUUM never renumbers (an implicit
    -- rowid may be): the full-text index is keyed by it.
    seq          INTEGER PRIMARY KEY,
    article_id   TEXT NOT NULL UNIQUE REFERENCES articles (id),
    slug         TEXT NOT NULL UNIQUE,
    version      INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- Columns in the order reads need them: SQLite reads a row from its
    -- start, through overflow pages, only as far as the last column asked
    -- for. A revalidation stops at etag, a list at summary_doc, an article
    -- at document_gz; only full-text indexing ever reads body_text.
    etag         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    summary_doc  TEXT NOT NULL,
    document     TEXT NOT NULL,
    -- NULL for articles published before 00006: compressed on first request.
    document_gz  BLOB,
    body_text    TEXT NOT NULL
);
-- seq is copied, so the external-content full-text index stays valid.
INSERT INTO live_articles_new (seq, article_id, slug, version, published_at, updated_at,
    etag, title, summary, summary_doc, document, document_gz, body_text)
SELECT seq, article_id, slug, version, published_at, updated_at,
    etag, title, summary, summary_doc, document, document_gz, body_text FROM live_articles;
DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
DROP TABLE live_articles;
ALTER TABLE live_articles_new RENAME TO live_articles;
CREATE INDEX live_articles_published ON live_articles (published_at, article_id);

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

CREATE TABLE live_topics (
    topic_slug   TEXT NOT NULL REFERENCES topics (slug),
    article_id   TEXT NOT NULL REFERENCES live_articles (article_id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    PRIMARY KEY (topic_slug, article_id)
);
INSERT INTO live_topics (topic_slug, article_id, published_at)
SELECT topic_slug, article_id, published_at FROM saved_live_topics;
DROP TABLE saved_live_topics;
CREATE INDEX live_topics_published ON live_topics (topic_slug, published_at, article_id);
CREATE INDEX live_topics_article ON live_topics (article_id);

-- +goose Down
-- Back to the column order of 00003 and 00006.
-- live_topics refers to live_articles and cascades deletes: keep its rows
-- aside so that dropping the old table cannot take them along.
CREATE TEMP TABLE saved_live_topics AS SELECT topic_slug, article_id, published_at FROM live_topics;
DROP TABLE live_topics;

CREATE TABLE live_articles_new (
    -- An integer key of its own, which VACUUM never renumbers (an implicit
    -- rowid may be): the full-text index is keyed by it.
    seq          INTEGER PRIMARY KEY,
    article_id   TEXT NOT NULL UNIQUE REFERENCES articles (id),
    slug         TEXT NOT NULL UNIQUE,
    version      INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body_text    TEXT NOT NULL,
    document     TEXT NOT NULL,
    summary_doc  TEXT NOT NULL,
    etag         TEXT NOT NULL,
    document_gz  BLOB
);
-- seq is copied, so the external-content full-text index stays valid.
INSERT INTO live_articles_new (seq, article_id, slug, version, published_at, updated_at,
    etag, title, summary, summary_doc, document, document_gz, body_text)
SELECT seq, article_id, slug, version, published_at, updated_at,
    etag, title, summary, summary_doc, document, document_gz, body_text FROM live_articles;
DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
DROP TABLE live_articles;
ALTER TABLE live_articles_new RENAME TO live_articles;
CREATE INDEX live_articles_published ON live_articles (published_at, article_id);

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

CREATE TABLE live_topics (
    topic_slug   TEXT NOT NULL REFERENCES topics (slug),
    article_id   TEXT NOT NULL REFERENCES live_articles (article_id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    PRIMARY KEY (topic_slug, article_id)
);
INSERT INTO live_topics (topic_slug, article_id, published_at)
SELECT topic_slug, article_id, published_at FROM saved_live_topics;
DROP TABLE saved_live_topics;
CREATE INDEX live_topics_published ON live_topics (topic_slug, published_at, article_id);
CREATE INDEX live_topics_article ON live_topics (article_id);
