package cms

import (
	"time"

	"github.com/google/uuid"
)

// NewID returns a new UUIDv7 string. Version 7 sorts by creation time, so
// IDs double as a stable tie-breaker in keyset pagination and index well.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Now is the time every record is stamped with: UTC, truncated to the
// microsecond because that is what PostgreSQL keeps, so a time reads back
// exactly as written on both databases (the audit hash chain depends on it).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
