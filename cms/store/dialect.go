package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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
	// searchCandidates selects the matches of a search as (k, score),
	// higher scores better, k a text key joinable to live_articles "la" by
	// searchJoin.
	// Its parameters are the search text and, with %s replaced by
	// searchTopic, the topic. Only the searchWindow newest matches are
	// ranked, so a word found in every article costs what a rare one does.
	searchCandidates, searchTopic, searchJoin string
	// searchText turns a reader's query into the parameter searchCandidates
	// takes; false when nothing in it can match.
	searchText func(string) (string, bool)
	// taggedKey is the search key of the live article "ta", as
	// searchCandidates makes it.
	taggedKey string
	// notify announces, inside a write transaction, that what delivery
	// serves has changed; other servers hear it once it commits. SQLite
	// runs in one process, so there it is empty.
	notify string
}

var (
	sqliteDialect = dialect{name: "sqlite", bind: sqlx.QUESTION,
		// FTS5 walks its index by rowid (live_articles.seq, newest last),
		// so ORDER BY rowid DESC with a LIMIT stops early.
		searchCandidates: `SELECT CAST(f.rowid AS TEXT) AS k, -bm25(live_search, 10.0, 4.0, 1.0) AS score FROM live_search f %s
			WHERE live_search MATCH ?%s ORDER BY f.rowid DESC LIMIT ` + searchWindow,
		searchTopic: `JOIN live_articles ca ON ca.seq = f.rowid JOIN live_topics lt ON lt.article_id = ca.article_id|| AND lt.topic_slug = ?`,
		searchJoin:  `la.seq = CAST(s.k AS INTEGER)`,
		searchText:  fts5Query,
		taggedKey:   `CAST(ta.seq AS TEXT)`,
	}
	postgresDialect = dialect{name: "postgres", bind: sqlx.DOLLAR, forUpdate: " FOR UPDATE SKIP LOCKED", lockRow: " FOR UPDATE",
		// ts_rank in the select list is evaluated after the LIMIT.
		searchCandidates: `SELECT l.article_id AS k, ts_rank(l.search, q)::float8 AS score
			FROM live_articles l CROSS JOIN websearch_to_tsquery('english', ?) q %s
			WHERE l.search @@ q%s ORDER BY l.published_at DESC, l.article_id DESC LIMIT ` + searchWindow,
		searchTopic: `JOIN live_topics lt ON lt.article_id = l.article_id|| AND lt.topic_slug = ?`,
		searchJoin:  `la.article_id = s.k`,
		searchText:  func(s string) (string, bool) { return s, true },
		taggedKey:   `ta.article_id`,
		notify:      `SELECT pg_notify('` + changesChannel + `', '')`,
	}
)

// searchWindow is how many of the newest matches a search ranks.
const searchWindow = "2000"

// candidates is the search's candidate subquery, with or without a topic.
func (d dialect) candidates(topic bool) string {
	join, cond := "", ""
	if topic {
		join, cond, _ = strings.Cut(d.searchTopic, "||")
	}
	return fmt.Sprintf(d.searchCandidates, join, cond)
}

// fts5Query quotes every word of the reader's text as an FTS5 string, so
// no input can use FTS5 syntax (column filters, NEAR, boolean operators);
// the words must all match, as in a web search.
func fts5Query(s string) (string, bool) {
	var terms []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+w+`"`)
	}
	return strings.Join(terms, " "), len(terms) > 0
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
