-- +goose Up
-- Cheaper indexing for search (issue 13, bulk writes). Migration 00014
-- gave both FTS5 indexes prefix indexes of 4 to 8 letters: every word of
-- an article was written six times, and that was a third of seeding and
-- half of an import, all on SQLite's one writer (10,000 seeded articles:
-- 21.1-21.9 s; with a 4-letter prefix index only 14.6-15.4 s). Now only
-- the 4-letter prefix index is kept. A longer prefix (5 to 8 letters)
-- is looked up in search_words, every indexed word of 5 letters or more,
-- and searched as the words it begins, one OR another (store.Search): a
-- walk newest first that stops after the page, as the prefix index was.
-- FTS5's own query for such a prefix would first merge the whole
-- posting lists of those words.
DROP TABLE live_search;
DROP TABLE live_search_head;
CREATE VIRTUAL TABLE live_search USING fts5(
    title, summary, body_text,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', detail = none, prefix = '4'
);
CREATE VIRTUAL TABLE live_search_head USING fts5(
    title, summary,
    content = 'live_articles', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2', detail = none, prefix = '4'
);
INSERT INTO live_search (live_search, rank) VALUES ('hashsize', 16777216);
INSERT INTO live_search_head (live_search_head, rank) VALUES ('hashsize', 16777216);
INSERT INTO live_search (live_search) VALUES ('rebuild');
INSERT INTO live_search (live_search) VALUES ('optimize');
INSERT INTO live_search_head (live_search_head) VALUES ('rebuild');
INSERT INTO live_search_head (live_search_head) VALUES ('optimize');

-- The words are FTS5's own (its tokenizer folds text as no Go code here
-- does exactly). Words are never taken out: one no article holds any more
-- only adds a word to an OR that matches nothing.
CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE live_search_vocab USING fts5vocab(live_search, 'row');
INSERT INTO search_words (word) SELECT term FROM live_search_vocab WHERE length(term) >= 5;
DROP TABLE live_search_vocab;

-- What a transaction publishes is first indexed here, in an index without
-- content or prefixes that holds that transaction's articles only, to
-- read their words from (store.announce): the words of one transaction,
-- not of every article.
CREATE VIRTUAL TABLE live_search_fresh USING fts5(
    title, summary, body_text,
    content = '', tokenize = 'unicode61 remove_diacritics 2', detail = none
);
INSERT INTO live_search_fresh (live_search_fresh, rank) VALUES ('hashsize', 16777216);
CREATE VIRTUAL TABLE live_search_fresh_vocab USING fts5vocab(live_search_fresh, 'row');

-- +goose Down
DROP TABLE live_search_fresh_vocab;
DROP TABLE live_search_fresh;
DROP TABLE search_words;
DROP TABLE live_search;
DROP TABLE live_search_head;
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
INSERT INTO live_search (live_search, rank) VALUES ('hashsize', 16777216);
INSERT INTO live_search_head (live_search_head, rank) VALUES ('hashsize', 16777216);
INSERT INTO live_search (live_search) VALUES ('rebuild');
INSERT INTO live_search (live_search) VALUES ('optimize');
INSERT INTO live_search_head (live_search_head) VALUES ('rebuild');
INSERT INTO live_search_head (live_search_head) VALUES ('optimize');
