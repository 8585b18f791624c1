package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"healthcms/cms"
)

// dialect is everything that differs between SQLite and PostgreSQL outside
// DDL. Keep it small: the rest of the package is written once.
type dialect struct {
	name string
	bind int
	// forUpdate locks the selected rows of a claim; SQLite has one writer
	// and no row locks, so there it is empty.
	forUpdate string
	// lockRow locks the selected row until the transaction ends, so a
	// read-decide-write cannot interleave with another; SQLite has one
	// writer, so there it is empty.
	lockRow string
	// search is how each database finds live articles by words: see
	// searchSQL.
	search searchSQL
	// announce finishes a write transaction that changed what delivery
	// serves, just before it commits (see DB.announce). PostgreSQL tells
	// other servers, who hear it once it commits. SQLite runs in one
	// process: it indexes for search the articles the transaction
	// published (migration 00017), once per transaction, after newWords.
	announce []string
	// newWords, SQLite's, add the words of 5 letters or more that the
	// transaction's articles hold to search_words, for a search's longer
	// prefixes (migration 00022): the articles are indexed on their own,
	// then read from that index, which is emptied again. A bulk load's
	// batches skip them, and its end runs allWords (see BulkLoad).
	newWords []string
	// allWords, SQLite's, adds the words of the whole index to
	// search_words instead (migration 00023). An import fills an empty
	// database, so there they are the words of its articles, read once
	// they are indexed. It spares indexing every article a second time:
	// for 20,000 articles, in sqlite3, 3.1 s to index them apart and read
	// their words, 0.25 s to read the words from live_search, whose own
	// indexing took 6.5 s.
	allWords []string
	// localRows reads the live documents of search keys for a server's
	// local documents (see localDocs): k, slug, document, document_gz
	// and etag; its one parameter is searchSQL.keysArg's.
	localRows string
}

var (
	sqliteDialect = dialect{name: "sqlite", bind: sqlx.QUESTION,
		search: searchSQL{
			// FTS5 walks its index by rowid (live_articles.seq, newest
			// last), so ORDER BY rowid DESC with a LIMIT stops early.
			head:   `SELECT f.rowid AS k FROM live_search_head f WHERE live_search_head MATCH ?`,
			text:   `SELECT f.rowid AS k FROM live_search f WHERE live_search MATCH ?`,
			tagged: `SELECT f.seq AS k FROM live_articles f WHERE EXISTS (SELECT 1 FROM live_topics tt WHERE tt.article_id = f.article_id AND tt.topic_slug IN (%s))`,
			key:    `f.rowid`, taggedKey: `f.seq`,
			topic: ` AND EXISTS (SELECT 1 FROM live_articles ca JOIN live_topics lt ON lt.article_id = ca.article_id
				WHERE ca.seq = %s AND lt.topic_slug = ?)`,
			// From live_hits (migration 00019): one narrow row a hit, where
			// live_articles would need a second read for the text, which it
			// keeps past the document's overflow pages. A join from the keys,
			// not IN (…): that builds a temporary B-tree of the keys, whose
			// page cache SQLite sets up and frees for every search (9% of
			// its CPU at 100,000 articles).
			rows: `SELECT ` + liveCols + `, la.body_text, la.seq AS k FROM json_each(?) j CROSS JOIN live_hits la ON la.seq = j.value`,
			keys: func(ks string) string { return "[" + ks + "]" },
			all:  `SELECT seq AS k, etag AS tag FROM live_articles INDEXED BY live_articles_etag`,
			topicsOf: `SELECT la.seq AS k, lt.topic_slug AS topic FROM json_each(?) j CROSS JOIN live_articles la ON la.seq = j.value
				JOIN live_topics lt ON lt.article_id = la.article_id`,
			match: fts5Match,
			// None while a bulk load has left search_words behind.
			words: `SELECT word FROM search_words WHERE word >= ? AND word < ?
				AND NOT EXISTS (SELECT 1 FROM settings WHERE key = '` + wordsBehind + `')
				ORDER BY word LIMIT ` + strconv.Itoa(maxPrefixWords+1),
			// Migration 00022.
			prefixLen: 4,
			// SQLite's plans do not depend on the words: each query is
			// prepared once per connection.
			prepare: true, readTx: true,
		},
		newWords: []string{
			`INSERT INTO live_search_fresh (rowid, title, summary, body_text)
				SELECT la.seq, la.title, la.summary, la.body_text FROM live_search_pending p JOIN live_articles la ON la.seq = p.seq`,
			`INSERT OR IGNORE INTO search_words (word) SELECT term FROM live_search_fresh_vocab WHERE length(term) >= 5`,
			`INSERT INTO live_search_fresh (live_search_fresh) VALUES ('delete-all')`,
		},
		allWords: []string{`INSERT OR IGNORE INTO search_words (word) SELECT term FROM live_search_vocab WHERE length(term) >= 5`},
		announce: []string{
			`INSERT INTO live_search (rowid, title, summary, body_text)
				SELECT la.seq, la.title, la.summary, la.body_text FROM live_search_pending p JOIN live_articles la ON la.seq = p.seq`,
			`INSERT INTO live_search_head (rowid, title, summary)
				SELECT la.seq, la.title, la.summary FROM live_search_pending p JOIN live_articles la ON la.seq = p.seq`,
			`DELETE FROM live_search_pending`,
		},
		localRows: `SELECT la.seq AS k, la.slug, la.document, la.document_gz, la.etag FROM json_each(?) j
			CROSS JOIN live_articles la ON la.seq = j.value`,
	}
	postgresDialect = dialect{name: "postgres", bind: sqlx.DOLLAR, forUpdate: " FOR UPDATE SKIP LOCKED", lockRow: " FOR UPDATE",
		search: searchSQL{
			// Search walks the newest rows first (probe), testing each
			// row's vector, which finds a page for a common word; for a
			// rarer one it takes the GIN index's rows and sorts them. The
			// planner is not left to choose: for a word it does not know it
			// would walk every row.
			head:   `SELECT f.seq AS k FROM live_search f WHERE f.head @@ to_tsquery('simple', ?)`,
			text:   `SELECT f.seq AS k FROM live_search f WHERE f.body @@ to_tsquery('simple', ?)`,
			tagged: `SELECT f.seq AS k FROM live_search f WHERE EXISTS (SELECT 1 FROM live_topics tt WHERE tt.article_id = f.article_id AND tt.topic_slug IN (%s))`,
			key:    `f.seq`, taggedKey: `f.seq`,
			topic: ` AND EXISTS (SELECT 1 FROM live_topics lt WHERE lt.article_id = f.article_id AND lt.topic_slug = ?)`,
			rows: `SELECT ` + liveCols + `, la.body_text, s.seq AS k FROM live_search s JOIN live_articles la ON la.article_id = s.article_id
				WHERE s.seq = ANY(?::bigint[])`,
			keys: func(ks string) string { return "{" + ks + "}" },
			all:  `SELECT seq AS k, '' AS tag FROM live_search`,
			topicsOf: `SELECT s.seq AS k, lt.topic_slug AS topic FROM live_search s JOIN live_topics lt ON lt.article_id = s.article_id
				WHERE s.seq = ANY(?::bigint[])`,
			match: tsqueryMatch,
			probe: 500, probeHead: 4000, prepare: true,
		},
		announce: []string{`SELECT pg_notify('` + changesChannel + `', '')`},
		localRows: `SELECT s.seq AS k, la.slug, la.document, la.document_gz, la.etag FROM live_search s
			JOIN live_articles la ON la.article_id = s.article_id WHERE s.seq = ANY(?::bigint[])`,
	}
)

// searchSQL finds live articles by words. Every query selects keys k
// (integers, newest publication highest) of one kind of match; Search
// adds a key range, the topic filter, ORDER BY k DESC and a LIMIT, so
// each walks its index newest first and stops after a page.
type searchSQL struct {
	// head matches every term in a title or summary, text anywhere; the
	// parameter is match's query.
	head, text string
	// tagged is the live articles tagged with the topics in %s (a list of
	// ? placeholders).
	tagged string
	// key is the key column of head and text, taggedKey of tagged.
	key, taggedKey string
	// topic restricts to the articles of one topic, the key in %s where
	// the query needs it.
	topic string
	// rows reads the live rows and body text of keys, each with its key
	// k; its one parameter is keys of the comma-separated keys.
	rows string
	keys func(string) string
	// match writes the terms in the engine's query syntax.
	match func([]cms.SearchTerm) string
	// words, when set, lists the indexed words (word) a prefix begins,
	// from the prefix (first parameter) up to the next one (second), at
	// most maxPrefixWords and one more: the index keeps prefix indexes of
	// prefixLen letters only, and a longer prefix is searched as the words
	// it begins (see s.expandPrefixes).
	words     string
	prefixLen int
	// probe, when not 0, is how many of the newest rows a PostgreSQL
	// search tests before it turns to the GIN index (see s.keys); probeHead
	// is that for the words of titles and summaries, which are stored in
	// the row (the body's are out of line: each row tested is a read).
	probe, probeHead int
	// prepare keeps the queries prepared: planning a full-text query on
	// PostgreSQL reads the words' statistics, which cost as much as running
	// it. The shapes (a probe bounded by its LIMIT, a GIN scan fenced by
	// OFFSET 0) leave a generic plan no choice that depends on the words.
	prepare bool
	// readTx runs a search's queries in one read transaction (SQLite: FTS5
	// loads an index's structure once per transaction, not per query).
	readTx bool
	// all lists every live article's key k and tag, which differs between
	// two versions that had the same key: the in-memory index compares it
	// with its own (see DB.currentIndex). SQLite may give a key again
	// (the newest article unpublished, the next publication takes its
	// key), so there it is the version's ETag, read from an index (SQLite
	// migration 00021); PostgreSQL's keys are never given again.
	all string
	// topicsOf lists the topic slugs (topic) of the live articles of keys
	// (k), its one parameter as rows'.
	topicsOf string
}

// keysArg is the parameter of rows and topicsOf for keys.
func (q searchSQL) keysArg(keys []int64) string {
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = strconv.FormatInt(k, 10)
	}
	return q.keys(strings.Join(ks, ","))
}

// fts5Match writes terms as an FTS5 query: each a quoted string, which
// holds only letters and digits (cms.SearchTerms), so no input can use
// FTS5 syntax (column filters, NEAR, boolean operators); a prefix term
// gets *. The terms must all match, as in a web search.
func fts5Match(terms []cms.SearchTerm) string { return joinTerms(terms, " ", `"`, "*") }

// tsqueryMatch writes terms as a to_tsquery argument: each term quoted
// (letters and digits only, cms.SearchTerms), :* for a prefix, all
// joined by &.
func tsqueryMatch(terms []cms.SearchTerm) string { return joinTerms(terms, " & ", `'`, ":*") }

// joinTerms writes each term between quotes, with prefix after a prefix
// term, separated by sep.
func joinTerms(terms []cms.SearchTerm, sep, quote, prefix string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(quote + t.Text + quote)
		if t.Prefix {
			b.WriteString(prefix)
		}
	}
	return b.String()
}

func (d dialect) rebind(q string) string { return sqlx.Rebind(d.bind, q) }

// isUnique reports a unique or primary-key violation.
func isUnique(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKey reports a foreign-key violation.
func isForeignKey(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
