-- +goose Up
-- Full-text search that costs the same at every size (issue 13). The
-- generated column of 00004 (english stems with positions, ~7 KB per
-- article, stored out of line) made every candidate a detoast. A narrow
-- side table replaces it, one row per live article, numbered in order of
-- publication (seq, newest last) so a search walks it newest first and
-- stops after a page:
--   head  the words of title and summary, so articles about the words
--         rank first (see store.Search);
--   body  every word of title, summary and body.
-- Both are stripped (no positions: words are matched one by one) and not
-- stemmed (a search word matches as a prefix instead, cms.SearchTerms),
-- and GIN indexed for the rarer words. head (~300 bytes) stays in the row
-- (STORAGE MAIN), so walking newest first tests it without a detoast;
-- body (~5 KB) is kept out of line uncompressed (EXTERNAL), so the row
-- stays narrow (~20 per page) and the GIN path's heap visits for a
-- word in 1% of 100,000 articles touch a few pages, not one per article.
ALTER TABLE live_articles DROP COLUMN search;

CREATE TABLE live_search (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE REFERENCES live_articles (article_id) ON DELETE CASCADE,
    head       TSVECTOR NOT NULL,
    body       TSVECTOR NOT NULL
);
ALTER TABLE live_search ALTER COLUMN head SET STORAGE MAIN;
ALTER TABLE live_search ALTER COLUMN body SET STORAGE EXTERNAL;
-- +goose StatementBegin
CREATE FUNCTION live_search_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_search (article_id, head, body) VALUES (NEW.article_id,
        strip(to_tsvector('simple', NEW.title || ' ' || NEW.summary)),
        strip(to_tsvector('simple', NEW.title || ' ' || NEW.summary || ' ' || NEW.body_text)));
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER live_search_index AFTER INSERT ON live_articles
    FOR EACH ROW EXECUTE FUNCTION live_search_index();

-- The articles already live, oldest publication first.
INSERT INTO live_search (article_id, head, body)
SELECT article_id, strip(to_tsvector('simple', title || ' ' || summary)),
    strip(to_tsvector('simple', title || ' ' || summary || ' ' || body_text))
FROM live_articles ORDER BY updated_at, article_id;
-- Indexed once filled: building a GIN index is faster than growing it.
-- Publications queue their words in a pending list that every search
-- reads whole (gin_pending_list_limit, 4 MB by default: ~450 pages per
-- query); 64 kB keeps that to a few pages and flushes every few articles.
CREATE INDEX live_search_head ON live_search USING GIN (head) WITH (gin_pending_list_limit = 64);
CREATE INDEX live_search_body ON live_search USING GIN (body) WITH (gin_pending_list_limit = 64);
-- How common each word is (pg_stats most_common_elems) decides between
-- walking newest first and reading the GIN index: known from the start.
ANALYZE live_search;

-- +goose Down
DROP TRIGGER live_search_index ON live_articles;
DROP FUNCTION live_search_index();
DROP TABLE live_search;
ALTER TABLE live_articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', summary), 'B') ||
    setweight(to_tsvector('english', body_text), 'C')
) STORED;
CREATE INDEX live_articles_search ON live_articles USING GIN (search);
