-- +goose Up
CREATE TABLE articles (
    id                   TEXT PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    state                TEXT NOT NULL,
    version              INTEGER NOT NULL,
    author_id            TEXT NOT NULL REFERENCES users (id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    draft_revision       INTEGER NOT NULL,
    draft_hash           TEXT NOT NULL,
    draft_title          TEXT NOT NULL,
    approval_revision    INTEGER,
    approval_hash        TEXT,
    approval_reviewer_id TEXT REFERENCES users (id),
    approval_credentials TEXT,
    approval_at          TEXT,
    approval_comment     TEXT,
    scheduled_at         TEXT,
    scheduled_by         TEXT REFERENCES users (id),
    audit_seq            INTEGER NOT NULL DEFAULT 0,
    audit_head           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_changed ON articles (updated_at, id);
CREATE INDEX articles_state_changed ON articles (state, updated_at, id);
CREATE INDEX articles_author_changed ON articles (author_id, updated_at, id);
CREATE INDEX articles_scheduled ON articles (scheduled_at) WHERE scheduled_at IS NOT NULL;

-- Every slug an article ever had, so old links can be redirected and no
-- other article can take them.
CREATE TABLE article_slugs (
    slug       TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id),
    created_at TEXT NOT NULL
);
CREATE INDEX article_slugs_article ON article_slugs (article_id);

CREATE TABLE revisions (
    article_id   TEXT NOT NULL REFERENCES articles (id),
    revision     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body_html    TEXT NOT NULL,
    topics       TEXT NOT NULL,
    refs         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    saved_by     TEXT NOT NULL REFERENCES users (id),
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
);

-- The topics of each article's current draft, for the editor list filter.
CREATE TABLE article_topics (
    topic_slug TEXT NOT NULL REFERENCES topics (slug),
    article_id TEXT NOT NULL REFERENCES articles (id),
    PRIMARY KEY (topic_slug, article_id)
);
CREATE INDEX article_topics_article ON article_topics (article_id);

-- The audit trail: one hash chain per article, append-only.
CREATE TABLE events (
    article_id TEXT NOT NULL REFERENCES articles (id),
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    comment    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
);

-- +goose StatementBegin
CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE events;
DROP TABLE article_topics;
DROP TABLE revisions;
DROP TABLE article_slugs;
DROP TABLE articles;
