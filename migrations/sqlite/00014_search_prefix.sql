-- +goose Up
-- Full-text search that costs the same at every size (issue 13). The
-- index of 00004 (porter stems, positions) was ranked by bm25, whose
-- term-rarity pass walks each word's whole posting list per query. Two
-- smaller indexes replace it, both external-content over live_articles
-- and keyed by live_articles.seq (newest last), so a search walks them
-- newest first and stops after a page:
--   live_search       every word of title, summary and body;
--   live_search_head  the words of title and summary, so articles about
--                     the words rank first (see store.Search).
-- detail=none keeps only which article has a word (no positions; the
-- words are matched one by one, never as phrases), and prefix indexes of
-- 4 to 8 letters make a prefix ("barici") one posting list, not a merge of
-- every word that begins with it. Words are not stemmed: a search word
-- matches as a prefix instead (cms.SearchTerms).
DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
DROP TABLE live_search;

CREATE VIRTUAL TABLE live_search USING fts5(
    title, summary, body_text,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', detail = none, prefix = '4 5 6 7 8'
);
CREATE VIRTUAL TABLE live_search_head USING fts5(
    title, summary,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', detail = none, prefix = '4 5 6 7 8'
);

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

-- Index the articles already live, each index as one segment: a query
-- seeks every segment once per word.
INSERT INTO live_search (live_search) VALUES ('rebuild');
INSERT INTO live_search (live_search) VALUES ('optimize');
INSERT INTO live_search_head (live_search_head) VALUES ('rebuild');
INSERT INTO live_search_head (live_search_head) VALUES ('optimize');

-- +goose Down
DROP TRIGGER live_search_insert;
DROP TRIGGER live_search_delete;
DROP TABLE live_search_head;
DROP TABLE live_search;
CREATE VIRTUAL TABLE live_search USING fts5(
    title, summary, body_text,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
-- +goose StatementBegin
CREATE TRIGGER live_search_insert AFTER INSERT ON live_articles
BEGIN
    INSERT INTO live_search (rowid, title, summary, body_text) VALUES (NEW.seq, NEW.title, NEW.summary, NEW.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER live_search_delete AFTER DELETE ON live_articles
BEGIN
    INSERT INTO live_search (live_search, rowid, title, summary, body_text) VALUES ('delete', OLD.seq, OLD.title, OLD.summary, OLD.body_text);
END;
-- +goose StatementEnd
INSERT INTO live_search (live_search) VALUES ('rebuild');
