-- +goose Up
-- A search reads the plain text of each hit of its page, for the hit's
-- snippet (issue 13). In live_articles it is the last column, after the
-- document and its compressed copy, so SQLite reached it only by walking
-- the row's overflow pages: three 16 KiB pages read per hit, 40% of an
-- uncached search's CPU at 100,000 articles. live_texts keeps a copy in a
-- narrow table (about three texts a page), written and removed with the
-- live row. live_articles keeps its own, which the full-text indexes are
-- built from (their external content).
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

-- +goose Down
DROP TRIGGER live_texts_insert;
DROP TRIGGER live_texts_delete;
DROP TABLE live_texts;
