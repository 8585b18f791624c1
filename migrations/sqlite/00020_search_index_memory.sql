-- +goose Up
-- FTS5 keeps what a transaction indexes in memory until it holds
-- 'hashsize' bytes, then writes that out as a new segment, which later
-- merges rewrite (issue 13, bulk writes). With the default of 1 MiB an
-- import, which indexes every live article at its commit (migration
-- 00017), wrote one small segment every few articles and merged them
-- over and over: 16 MiB took 9% off importing 3,000 articles and 13%
-- off 100,000 (327 s -> 285 s, 41 MB more peak RSS). A
-- publication through the API indexes one article, far below either: it
-- is written out at its commit as before. The memory is taken only while
-- a transaction indexes that much.
INSERT INTO live_search (live_search, rank) VALUES ('hashsize', 16777216);
INSERT INTO live_search_head (live_search_head, rank) VALUES ('hashsize', 16777216);

-- +goose Down
INSERT INTO live_search (live_search, rank) VALUES ('hashsize', 1048576);
INSERT INTO live_search_head (live_search_head, rank) VALUES ('hashsize', 1048576);
