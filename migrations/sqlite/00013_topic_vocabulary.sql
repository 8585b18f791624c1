-- +goose Up
-- Topics become reviewed medical vocabulary: a kind, a definition and
-- related topics, immutable revisions, an approval bound to a content
-- hash, and published versions that delivery reads (never the working
-- copy). The columns name, description_html and aliases stay the working
-- copy (the draft).
ALTER TABLE topics ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';
ALTER TABLE topics ADD COLUMN definition TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN related TEXT NOT NULL DEFAULT '[]';
ALTER TABLE topics ADD COLUMN state TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE topics ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE topics ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN draft_revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE topics ADD COLUMN draft_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN approval_revision INTEGER;
ALTER TABLE topics ADD COLUMN approval_hash TEXT;
ALTER TABLE topics ADD COLUMN approval_reviewer_id TEXT;
ALTER TABLE topics ADD COLUMN approval_reviewer_name TEXT;
ALTER TABLE topics ADD COLUMN approval_credentials TEXT;
ALTER TABLE topics ADD COLUMN approval_at TEXT;
ALTER TABLE topics ADD COLUMN approval_comment TEXT;
ALTER TABLE topics ADD COLUMN live_version INTEGER;
ALTER TABLE topics ADD COLUMN published_versions INTEGER NOT NULL DEFAULT 0;

-- Every saved state of a topic's content. An empty content_hash is a
-- revision made by this migration: its hash is computed from its content
-- when read (the hash is Go's canonical encoding, not reproducible here).
CREATE TABLE topic_revisions (
    topic_slug       TEXT NOT NULL REFERENCES topics (slug) ON DELETE CASCADE,
    revision         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    definition       TEXT NOT NULL,
    description_html TEXT NOT NULL,
    aliases          TEXT NOT NULL,
    related          TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    saved_by         TEXT NOT NULL,
    saved_at         TEXT NOT NULL,
    PRIMARY KEY (topic_slug, revision)
);

-- Every approval a topic was given: the self-review rule reads who
-- approved which revision.
CREATE TABLE topic_approvals (
    topic_slug  TEXT NOT NULL REFERENCES topics (slug) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    reviewer_id TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX topic_approvals_topic ON topic_approvals (topic_slug);

-- The immutable published versions of topics; topics.live_version points
-- at the one delivery serves. A migrated version has no reviewer.
CREATE TABLE topic_versions (
    topic_slug           TEXT NOT NULL REFERENCES topics (slug) ON DELETE CASCADE,
    version              INTEGER NOT NULL,
    revision             INTEGER NOT NULL,
    content_hash         TEXT NOT NULL,
    name                 TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    definition           TEXT NOT NULL,
    description_html     TEXT NOT NULL,
    aliases              TEXT NOT NULL,
    related              TEXT NOT NULL,
    published_at         TEXT NOT NULL,
    published_by         TEXT NOT NULL,
    reviewer_name        TEXT NOT NULL,
    reviewer_credentials TEXT NOT NULL,
    reviewed_at          TEXT,
    PRIMARY KEY (topic_slug, version)
);

-- Today's topics are published as they are, so sites keep them: their
-- current content becomes revision 1 and published version 1, without an
-- approval (they were delivered unreviewed before reviews of topics
-- existed). Their next change goes through review.
UPDATE topics SET state = 'published', live_version = 1, published_versions = 1;
INSERT INTO topic_revisions (topic_slug, revision, name, kind, definition, description_html, aliases, related,
    content_hash, saved_by, saved_at)
SELECT slug, 1, name, kind, definition, description_html, aliases, related, '', '', updated_at FROM topics;
INSERT INTO topic_versions (topic_slug, version, revision, content_hash, name, kind, definition, description_html,
    aliases, related, published_at, published_by, reviewer_name, reviewer_credentials, reviewed_at)
SELECT slug, 1, 1, '', name, kind, definition, description_html, aliases, related, updated_at, '', '', '', NULL FROM topics;

-- +goose Down
DROP TABLE topic_versions;
DROP TABLE topic_approvals;
DROP TABLE topic_revisions;
ALTER TABLE topics DROP COLUMN published_versions;
ALTER TABLE topics DROP COLUMN live_version;
ALTER TABLE topics DROP COLUMN approval_comment;
ALTER TABLE topics DROP COLUMN approval_at;
ALTER TABLE topics DROP COLUMN approval_credentials;
ALTER TABLE topics DROP COLUMN approval_reviewer_name;
ALTER TABLE topics DROP COLUMN approval_reviewer_id;
ALTER TABLE topics DROP COLUMN approval_hash;
ALTER TABLE topics DROP COLUMN approval_revision;
ALTER TABLE topics DROP COLUMN draft_hash;
ALTER TABLE topics DROP COLUMN draft_revision;
ALTER TABLE topics DROP COLUMN created_by;
ALTER TABLE topics DROP COLUMN version;
ALTER TABLE topics DROP COLUMN state;
ALTER TABLE topics DROP COLUMN related;
ALTER TABLE topics DROP COLUMN definition;
ALTER TABLE topics DROP COLUMN kind;
