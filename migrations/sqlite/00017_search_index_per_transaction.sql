-- +goose Up
-- Full-text indexing once per transaction, not once per article (issue 13,
-- bulk writes). FTS5 writes what it has indexed to disk, as a new segment,
-- at every savepoint, and SQLite opens one for each later statement of
-- the transaction that may need undoing: with the triggers of 00014, a
-- batch of 250 publications made ~2,000 one-article segments, and merging
-- them was 40% of seeding. Publishing now only notes the article's seq in
-- live_search_pending; the store indexes the noted articles with one
-- statement per index just before the transaction commits (store.announce),
-- so readers never see a live article that search does not find.
CREATE TABLE live_search_pending (seq INTEGER PRIMARY KEY);

DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
-- +goose StatementBegin
CREATE TRIGGER live_search_insert AFTER INSERT ON live_articles
BEGIN
    INSERT OR IGNORE INTO live_search_pending (seq) VALUES (NEW.seq);
END;
-- +goose StatementEnd
-- An article unpublished in the transaction that published it was never
-- indexed: it only leaves the pending list.
-- +goose StatementBegin
CREATE TRIGGER live_search_delete AFTER DELETE ON live_articles
BEGIN
    INSERT INTO live_search (live_search, rowid, title, summary, body_text)
        SELECT 'delete', OLD.seq, OLD.title, OLD.summary, OLD.body_text
        WHERE NOT EXISTS (SELECT 1 FROM live_search_pending WHERE seq = OLD.seq);
    INSERT INTO live_search_head (live_search_head, rowid, title, summary)
        SELECT 'delete', OLD.seq, OLD.title, OLD.summary
        WHERE NOT EXISTS (SELECT 1 FROM live_search_pending WHERE seq = OLD.seq);
    DELETE FROM live_search_pending WHERE seq = OLD.seq;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
-- Articles still pending (none after a committed transaction) are indexed.
INSERT INTO live_search (rowid, title, summary, body_text)
    SELECT la.seq, la.title, la.summary, la.body_text FROM live_search_pending p JOIN live_articles la ON la.seq = p.seq;
INSERT INTO live_search_head (rowid, title, summary)
    SELECT la.seq, la.title, la.summary FROM live_search_pending p JOIN live_articles la ON la.seq = p.seq;
DROP TABLE live_search_pending;
-- +goose StatementBegin
CREATE TRIGGER live_search_insert AFTER INSERT ON live_articles
BEGIN
    INSERT INTO live_search (rowid, title, summary, body_text) VALUES (NEW.seq, NEW.title, NEW.summary, NEW.body_text);
    INSERT INTO live_search_head (rowid, title, summary) VALUES (NEW.seq, NEW.title, NEW.summary);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER live_search_delete AFTER DELETE ON live_articles
BEGIN
    INSERT INTO live_search (live_search, rowid, title, summary, body_text) VALUES ('delete', OLD.seq, OLD.title, OLD.summary, OLD.body_text);
    INSERT INTO live_search_head (live_search_head, rowid, title, summary) VALUES ('delete', OLD.seq, OLD.title, OLD.summary);
END;
-- +goose StatementEnd
