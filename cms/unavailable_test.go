package cms_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"healthcms/cms"
)

// sqlState is an error with a SQLSTATE, as lib/pq's and pgx's are.
type sqlState string

func (s sqlState) Error() string    { return "pq: " + string(s) }
func (s sqlState) SQLState() string { return string(s) }

// sqliteError is an error with a result code, as the SQLite driver's are.
type sqliteError struct {
	msg  string
	code int
}

func (e sqliteError) Error() string { return e.msg }
func (e sqliteError) Code() int     { return e.code }

func TestUnavailableClassifiesConnectionErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connect: connection refused"}}
	for _, c := range []struct {
		err  error
		want string
	}{
		{driver.ErrBadConn, cms.EUNAVAILABLE},
		{fmt.Errorf("save: %w", driver.ErrBadConn), cms.EUNAVAILABLE},
		{refused, cms.EUNAVAILABLE},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), cms.EUNAVAILABLE},
		{sqlState("08006"), cms.EUNAVAILABLE}, // connection failure
		{sqlState("57P01"), cms.EUNAVAILABLE}, // admin shutdown
		{sqlState("57P03"), cms.EUNAVAILABLE}, // cannot connect now
		{sqlState("53300"), cms.EUNAVAILABLE}, // too many connections
		{sqliteError{"database is locked (5) (SQLITE_BUSY)", 5}, cms.EUNAVAILABLE},
		{fmt.Errorf("begin: %w", sqliteError{"database is locked (517)", 517}), cms.EUNAVAILABLE}, // SQLITE_BUSY_SNAPSHOT
		{sqliteError{"database table is locked (6)", 6}, cms.EUNAVAILABLE},
		{sqliteError{"constraint failed: UNIQUE constraint failed (2067)", 2067}, cms.EINTERNAL},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), cms.EINTERNAL}, // not the driver's error
		{&cms.CommitError{Err: driver.ErrBadConn}, cms.EUNAVAILABLE},
		{&cms.CommitError{Err: sqlState("40001")}, cms.EINTERNAL},
		{sqlState("23505"), cms.EINTERNAL}, // unique violation: a bug, not an outage
		{sqlState("57014"), cms.EINTERNAL}, // query canceled
		{errors.New("sql: database is closed"), cms.EINTERNAL},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), cms.EINTERNAL},
		{context.Canceled, cms.EINTERNAL},
		{cms.Errorf(cms.ECONFLICT, "slug taken"), cms.ECONFLICT},
	} {
		if got := cms.ErrorCode(c.err); got != c.want {
			t.Errorf("%v: code %q, want %q", c.err, got, c.want)
		}
		u := cms.Unavailable(c.err)
		if (u != nil) != (c.want == cms.EUNAVAILABLE) || u != nil && u.RetryAfter < 1 {
			t.Errorf("%v: Unavailable %+v", c.err, u)
		}
		// Only a cut-off commit may have changed something.
		var ce *cms.CommitError
		if u != nil && errors.As(c.err, &ce) == strings.Contains(u.Message, "nothing was changed") {
			t.Errorf("%v: message %q", c.err, u.Message)
		}
	}
}
