package store

import (
	"errors"
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
	// searchFrom yields live articles "la" matching the one search
	// parameter, with their relevance as s.score (higher is better).
	searchFrom string
	// searchText turns a reader's query into the parameter searchFrom
	// takes; false when nothing in it can match.
	searchText func(string) (string, bool)
	// notify announces, inside a write transaction, that what delivery
	// serves has changed; other servers hear it once it commits. SQLite
	// runs in one process, so there it is empty.
	notify string
}

var (
	sqliteDialect = dialect{name: "sqlite", bind: sqlx.QUESTION,
		searchFrom: `(SELECT rowid AS k, -bm25(live_search, 10.0, 4.0, 1.0) AS score FROM live_search WHERE live_search MATCH ?) s
			JOIN live_articles la ON la.seq = s.k`,
		searchText: fts5Query,
	}
	postgresDialect = dialect{name: "postgres", bind: sqlx.DOLLAR, forUpdate: " FOR UPDATE SKIP LOCKED",
		searchFrom: `(SELECT l.article_id AS k, ts_rank(l.search, q)::float8 AS score
			FROM live_articles l, websearch_to_tsquery('english', ?) q WHERE l.search @@ q) s
			JOIN live_articles la ON la.article_id = s.k`,
		searchText: func(s string) (string, bool) { return s, true },
		notify:     `SELECT pg_notify('` + changesChannel + `', '')`,
	}
)

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
