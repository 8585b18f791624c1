-- +goose Up
-- A cache miss reads a live row's slug, document and ETag; a page of a
-- list reads its summaries. Migration 18 keeps the document in the row,
-- but PostgreSQL moves EXTENDED columns out of line before it compresses
-- a MAIN one: while the 8-9 KB document is still uncompressed the row
-- is over toast_tuple_target, so every EXTENDED value over 24 bytes went
-- to the TOAST table, the slug and the ETag included, and a miss fetched
-- both through the TOAST index (a profile of random misses at 10,000
-- articles: TOAST fetches were 11% of the whole machine's samples, a
-- third of PostgreSQL's). MAIN keeps them in the row: the document,
-- compressed, still fits beside them. By hand, 10,000 articles, cache
-- off, random slugs, alternated: 15,414, 14,887 and 13,797 req/s against
-- 12,587, 11,658 and 13,303 before. Only rows written from now on are
-- stored so; every publication writes its live row anew.
ALTER TABLE live_articles
    ALTER COLUMN slug SET STORAGE MAIN,
    ALTER COLUMN etag SET STORAGE MAIN,
    ALTER COLUMN summary_doc SET STORAGE MAIN;

-- +goose Down
ALTER TABLE live_articles
    ALTER COLUMN slug SET STORAGE EXTENDED,
    ALTER COLUMN etag SET STORAGE EXTENDED,
    ALTER COLUMN summary_doc SET STORAGE EXTENDED;
