package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeFormat is how times are written: fixed width, so that SQLite's TEXT
// columns sort and compare in time order, and understood by PostgreSQL's
// timestamptz input.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// tm is a time column. SQLite hands back text, PostgreSQL a time.Time.
type tm struct{ time.Time }

// Value implements driver.Valuer.
func (t tm) Value() (driver.Value, error) { return t.UTC().Format(timeFormat), nil }

// Scan implements sql.Scanner.
func (t *tm) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T into a time", v)
}

func (t *tm) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = p.UTC()
	return nil
}

// ntm is a nullable time column.
type ntm struct {
	Time  time.Time
	Valid bool
}

func ntmOf(p *time.Time) ntm {
	if p == nil {
		return ntm{}
	}
	return ntm{*p, true}
}

// Ptr returns the time or nil.
func (n ntm) Ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}

// Value implements driver.Valuer.
func (n ntm) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return tm{n.Time}.Value()
}

// Scan implements sql.Scanner.
func (n *ntm) Scan(v any) error {
	if v == nil {
		*n = ntm{}
		return nil
	}
	var t tm
	if err := t.Scan(v); err != nil {
		return err
	}
	*n = ntm{t.Time, true}
	return nil
}
