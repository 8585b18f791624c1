package cms

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"
)

// unavailableRetryAfter is the wait, in seconds, suggested to clients
// while the database cannot be reached.
const unavailableRetryAfter = 5

// Unavailable returns an EUNAVAILABLE error when err says the database
// cannot be reached right now, and nil otherwise. The store's drivers
// share no error types, so this reads the standard signs they give: a
// connection the driver has given up (driver.ErrBadConn), a network error
// (refused, reset, timed out), or a SQLSTATE of class 08 (connection
// exception), 57P01-57P03 (the server shutting down, or not yet
// accepting connections) or 53300 (too many connections).
//
// SQLite's "database is locked" is not the same thing, but it ends the
// same way: this server writes through one connection, so it only sees
// it when another process (a backup, a CLI command) has held the write
// lock for the whole busy timeout (10 s). The transaction never began,
// nothing changed, and the request may be retried later: 503 as well,
// saying the database is busy rather than unreachable.
func Unavailable(err error) *Error {
	if err == nil || errors.As(err, new(*Error)) {
		return nil
	}
	if sqliteBusy(err) {
		return &Error{Code: EUNAVAILABLE, RetryAfter: unavailableRetryAfter,
			Message: "the database is busy; nothing was changed, try again shortly"}
	}
	if !unreachable(err) {
		return nil
	}
	if errors.As(err, new(*CommitError)) {
		return &Error{Code: EUNAVAILABLE, RetryAfter: unavailableRetryAfter,
			Message: "the connection to the database was lost while saving, so the change may or may not have been saved; reload before trying again"}
	}
	return &Error{Code: EUNAVAILABLE, RetryAfter: unavailableRetryAfter,
		Message: "the database cannot be reached; nothing was changed, try again shortly"}
}

// CommitError is a failed commit. When the connection was lost during it,
// the database may have applied the transaction or not, and no one can
// tell the client which: the one case where a 503 cannot promise that
// nothing changed. Writes carry If-Match, so a retry of one that went
// through is refused (412) rather than applied twice.
type CommitError struct{ Err error }

func (e *CommitError) Error() string { return "commit: " + e.Err.Error() }

// Unwrap returns the driver's error.
func (e *CommitError) Unwrap() error { return e.Err }

func unreachable(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		code := state.SQLState()
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == "53300"
	}
	// context.DeadlineExceeded passes for a net.Error (it has Timeout), but
	// a request's own deadline or cancellation says nothing of the database.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.As(err, &ne) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// sqliteBusy recognises SQLITE_BUSY and SQLITE_LOCKED (and their
// extended codes) by the SQLite driver's result code and message.
func sqliteBusy(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) || !strings.Contains(err.Error(), "locked") {
		return false
	}
	primary := coded.Code() & 0xff
	return primary == 5 || primary == 6 // SQLITE_BUSY, SQLITE_LOCKED
}
