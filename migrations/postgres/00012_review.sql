-- +goose Up
-- Medical review (issue 11): second opinions, review comments, and what a
-- reviewer's queue shows.

-- How many distinct reviewers must approve an article tagged with the
-- topic (the highest among its topics applies).
ALTER TABLE topics ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1;

-- The approvals of the current review round (a JSON array), the latest
-- review decision (JSON or NULL), when the article last entered review,
-- how many words its draft changes against the live version (NULL without
-- one), and how many review comments are unresolved.
ALTER TABLE articles ADD COLUMN approvals TEXT NOT NULL DEFAULT '[]';
ALTER TABLE articles ADD COLUMN last_review TEXT;
ALTER TABLE articles ADD COLUMN submitted_at TIMESTAMPTZ;
ALTER TABLE articles ADD COLUMN words_changed_since_live INTEGER;
ALTER TABLE articles ADD COLUMN open_comments INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_state_submitted ON articles (state, submitted_at, id);

-- An approval given before this migration is the round's one approval.
UPDATE articles SET approvals = json_build_array(json_build_object(
    'revision', approval_revision, 'content_hash', approval_hash,
    'reviewer', json_build_object('id', approval_reviewer_id,
        'name', COALESCE((SELECT name FROM users WHERE users.id = articles.approval_reviewer_id), ''),
        'credentials', COALESCE(approval_credentials, '')),
    'at', to_char(approval_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'comment', COALESCE(approval_comment, '')))::text
WHERE approval_hash IS NOT NULL AND state IN ('approved', 'scheduled', 'published');
UPDATE articles SET submitted_at = (SELECT MAX(e.at) FROM events e WHERE e.article_id = articles.id AND e.action = 'submitted')
WHERE state = 'in_review';
-- A published working copy is what is live; other live articles are
-- counted at their next save.
UPDATE articles SET words_changed_since_live = 0 WHERE live_version IS NOT NULL AND state = 'published';

-- Review comments on passages of a revision. Rows are never deleted; a
-- resolution sets resolved_at and resolved_by once.
CREATE TABLE review_comments (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id),
    revision    INTEGER NOT NULL,
    quote       TEXT NOT NULL,
    body        TEXT NOT NULL,
    author_id   TEXT NOT NULL REFERENCES users (id),
    at          TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    resolved_by TEXT REFERENCES users (id)
);
CREATE INDEX review_comments_article ON review_comments (article_id, at, id);

-- +goose Down
DROP TABLE review_comments;
DROP INDEX articles_state_submitted;
ALTER TABLE articles DROP COLUMN open_comments;
ALTER TABLE articles DROP COLUMN words_changed_since_live;
ALTER TABLE articles DROP COLUMN submitted_at;
ALTER TABLE articles DROP COLUMN last_review;
ALTER TABLE articles DROP COLUMN approvals;
ALTER TABLE topics DROP COLUMN required_approvals;
