-- +goose Up
-- The audit trail of every subject other than an article (topics, users,
-- API keys, webhooks): one hash chain per subject, append-only. Articles
-- keep their chains in events, headed by their own row.
CREATE TABLE audit_events (
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (subject_type, subject_id, seq)
);
-- The audit log lists newest first, of everything or of one subject type.
CREATE INDEX audit_events_at ON audit_events (at, subject_type, subject_id, seq);
CREATE INDEX audit_events_type_at ON audit_events (subject_type, at, subject_id, seq);
CREATE INDEX events_at ON events (at, article_id, seq);

-- The head of each subject's chain: its last event's place and hash, so a
-- removed last event is noticed. Deleting a topic keeps its head: a topic
-- made again with the same slug continues the chain.
CREATE TABLE audit_heads (
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (subject_type, subject_id)
);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_heads;
DROP INDEX events_at;
DROP TABLE audit_events;
