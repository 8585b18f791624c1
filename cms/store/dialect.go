package store

import (
	"errors"

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
}

var (
	sqliteDialect   = dialect{name: "sqlite", bind: sqlx.QUESTION}
	postgresDialect = dialect{name: "postgres", bind: sqlx.DOLLAR, forUpdate: " FOR UPDATE SKIP LOCKED"}
)

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
