-- +goose Up
-- The live pointer: which published version readers see, kept on the
-- article row so one write moves it together with the workflow state.
ALTER TABLE articles ADD COLUMN live_version INTEGER;
ALTER TABLE articles ADD COLUMN live_revision INTEGER;
ALTER TABLE articles ADD COLUMN live_published_at TEXT;
ALTER TABLE articles ADD COLUMN live_published_by TEXT;
ALTER TABLE articles ADD COLUMN live_slug TEXT;
ALTER TABLE articles ADD COLUMN live_reviewed_at TEXT;
ALTER TABLE articles ADD COLUMN first_published_at TEXT;
ALTER TABLE articles ADD COLUMN published_versions INTEGER NOT NULL DEFAULT 0;
-- A scheduler's claim on a due article; it does not change the version, so
-- it never invalidates an editor's If-Match.
ALTER TABLE articles ADD COLUMN schedule_claimed_until TEXT;
CREATE INDEX articles_live_reviewed ON articles (live_reviewed_at) WHERE live_version IS NOT NULL;

-- Every version ever published, with the delivery documents rendered once
-- at publication. Append-only: unpublishing deletes nothing.
CREATE TABLE published_versions (
    article_id         TEXT NOT NULL REFERENCES articles (id),
    version            INTEGER NOT NULL,
    revision           INTEGER NOT NULL,
    content_hash       TEXT NOT NULL,
    slug               TEXT NOT NULL,
    title              TEXT NOT NULL,
    summary            TEXT NOT NULL,
    topics             TEXT NOT NULL,
    published_at       TEXT NOT NULL,
    first_published_at TEXT NOT NULL,
    published_by       TEXT NOT NULL,
    reviewed_at        TEXT NOT NULL,
    document           TEXT NOT NULL,
    summary_doc        TEXT NOT NULL,
    etag               TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- What delivery reads: one row per live article, the current published
-- version's documents copied in, so serving an article is one indexed
-- lookup. Maintained in the same transaction as the live pointer.
CREATE TABLE live_articles (
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
    etag         TEXT NOT NULL
);
CREATE INDEX live_articles_published ON live_articles (published_at, article_id);

-- Topics of live articles, for topic lists and counts; the foreign key
-- keeps a topic from being deleted while a live article uses it.
CREATE TABLE live_topics (
    topic_slug   TEXT NOT NULL REFERENCES topics (slug),
    article_id   TEXT NOT NULL REFERENCES live_articles (article_id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    PRIMARY KEY (topic_slug, article_id)
);
CREATE INDEX live_topics_published ON live_topics (topic_slug, published_at, article_id);

-- +goose StatementBegin
CREATE TRIGGER published_versions_no_update BEFORE UPDATE ON published_versions
BEGIN
    SELECT RAISE(ABORT, 'published_versions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER published_versions_no_delete BEFORE DELETE ON published_versions
BEGIN
    SELECT RAISE(ABORT, 'published_versions is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE live_topics;
DROP TABLE live_articles;
DROP TABLE published_versions;
DROP INDEX articles_live_reviewed;
ALTER TABLE articles DROP COLUMN schedule_claimed_until;
ALTER TABLE articles DROP COLUMN published_versions;
ALTER TABLE articles DROP COLUMN first_published_at;
ALTER TABLE articles DROP COLUMN live_reviewed_at;
ALTER TABLE articles DROP COLUMN live_slug;
ALTER TABLE articles DROP COLUMN live_published_by;
ALTER TABLE articles DROP COLUMN live_published_at;
ALTER TABLE articles DROP COLUMN live_revision;
ALTER TABLE articles DROP COLUMN live_version;
