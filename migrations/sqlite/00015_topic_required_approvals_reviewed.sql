-- +goose Up
-- A topic's required_approvals becomes part of the reviewed topic: each
-- revision saves it and each published version keeps it, and articles
-- count it from the topic's latest published version, never from the
-- working row an editor may change unreviewed. Existing revisions and
-- versions take the topic's current value. NULL is a row written without
-- it (an import of an older export); the import fills it in the same way.
ALTER TABLE topic_revisions ADD COLUMN required_approvals INTEGER;
ALTER TABLE topic_versions ADD COLUMN required_approvals INTEGER;
UPDATE topic_revisions SET required_approvals =
    (SELECT t.required_approvals FROM topics t WHERE t.slug = topic_revisions.topic_slug);
UPDATE topic_versions SET required_approvals =
    (SELECT t.required_approvals FROM topics t WHERE t.slug = topic_versions.topic_slug);

-- +goose Down
ALTER TABLE topic_versions DROP COLUMN required_approvals;
ALTER TABLE topic_revisions DROP COLUMN required_approvals;
