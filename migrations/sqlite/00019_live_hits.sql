-- +goose Up
-- A search hit is one row read (issue 13). With migration 00018 each hit
-- of a search page read two rows in two B-trees: its live_articles row
-- for the fields of the result list, and its live_texts row for the
-- snippet. At 100,000 articles each is a 16 KiB page read from the
-- kernel's cache or the disk, and those reads were about 40% of an
-- uncached search's CPU. live_hits holds both, the list's fields and the
-- text (one to two hits a page), written and removed with the live row
-- as live_texts was. live_articles keeps its own copies: delivery lists
-- read them, and the full-text indexes are built from them.
CREATE TABLE live_hits (
    seq          INTEGER PRIMARY KEY,
    article_id   TEXT NOT NULL,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    published_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    summary_doc  TEXT NOT NULL,
    body_text    TEXT NOT NULL
);
INSERT INTO live_hits (seq, article_id, slug, title, summary, published_at, updated_at, summary_doc, body_text)
    SELECT seq, article_id, slug, title, summary, published_at, updated_at, summary_doc, body_text FROM live_articles;
DROP TRIGGER live_texts_insert;
DROP TRIGGER live_texts_delete;
DROP TABLE live_texts;
-- +goose StatementBegin
CREATE TRIGGER live_hits_insert AFTER INSERT ON live_articles
BEGIN
    INSERT INTO live_hits (seq, article_id, slug, title, summary, published_at, updated_at, summary_doc, body_text)
        VALUES (NEW.seq, NEW.article_id, NEW.slug, NEW.title, NEW.summary, NEW.published_at, NEW.updated_at,
                NEW.summary_doc, NEW.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER live_hits_delete AFTER DELETE ON live_articles
BEGIN
    DELETE FROM live_hits WHERE seq = OLD.seq;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER live_hits_insert;
DROP TRIGGER live_hits_delete;
DROP TABLE live_hits;
CREATE TABLE live_texts (
    seq       INTEGER PRIMARY KEY,
    body_text TEXT NOT NULL
);
INSERT INTO live_texts (seq, body_text) SELECT seq, body_text FROM live_articles;
-- +goose StatementBegin
CREATE TRIGGER live_texts_insert AFTER INSERT ON live_articles
BEGIN
    INSERT INTO live_texts (seq, body_text) VALUES (NEW.seq, NEW.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER live_texts_delete AFTER DELETE ON live_articles
BEGIN
    DELETE FROM live_texts WHERE seq = OLD.seq;
END;
-- +goose StatementEnd
