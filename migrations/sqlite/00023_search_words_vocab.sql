-- +goose Up
-- The words of the whole full-text index, read where a transaction's own
-- words are not needed apart (issue 13, bulk writes): an import fills an
-- empty database, so once it has indexed every article it takes the words
-- of 5 letters or more for search_words (migration 00022) from here, rather
-- than indexing every article a second time in live_search_fresh. A
-- virtual table over live_search's index: it stores nothing.
CREATE VIRTUAL TABLE live_search_vocab USING fts5vocab(live_search, 'row');

-- +goose Down
DROP TABLE live_search_vocab;
