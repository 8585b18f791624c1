package cms

import (
	"context"
	"time"
)

// RefreshToken is one link of a rotating refresh-token family. Only a hash
// of the token is stored.
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
	Spent     bool
	Revoked   bool
}

// TokenStore keeps refresh tokens and login-failure counters in the
// database, so every server process sees the same ones.
type TokenStore interface {
	InsertRefreshToken(ctx context.Context, t *RefreshToken) error
	// RefreshTokenByHash returns ENOTFOUND for an unknown hash.
	RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error)
	// RotateRefreshToken marks old spent and inserts next, atomically; it
	// reports false when old was already spent or revoked (a lost race).
	RotateRefreshToken(ctx context.Context, oldID string, next *RefreshToken, now time.Time) (bool, error)
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
	// ChargeLoginAttempt counts one login attempt against every limit, in
	// one transaction, before the password is checked: either all are
	// charged (and returned, for RefundLoginAttempt) or, when any limit has
	// no failures left in its window, none is and retryAt is when that
	// window ends. A window older than window starts afresh.
	ChargeLoginAttempt(ctx context.Context, limits []LoginLimit, now time.Time, window time.Duration) (charges []LoginCharge, retryAt time.Time, err error)
	// RefundLoginAttempt gives charged attempts back (an attempt that did
	// not fail), unless their window has started afresh since.
	RefundLoginAttempt(ctx context.Context, charges []LoginCharge) error
	// ClearLoginFailures forgets every failure counted against key.
	ClearLoginFailures(ctx context.Context, key string) error
}

// LoginLimit is a counter of login failures, per account or per client
// address, and how many failures its window allows.
type LoginLimit struct {
	Key string
	Max int
}

// LoginCharge is one attempt counted against a limit's window.
type LoginCharge struct {
	Key         string
	WindowStart time.Time
}
