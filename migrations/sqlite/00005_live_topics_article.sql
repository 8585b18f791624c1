-- +goose Up
-- Unpublishing deletes an article's rows from live_topics by article; its
-- primary key starts with the topic, so without this index every such
-- delete read the whole table.
CREATE INDEX live_topics_article ON live_topics (article_id);

-- +goose Down
DROP INDEX live_topics_article;
