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
	// LoginFailures returns the failure count of key and when its window
	// started (zero values for none).
	LoginFailures(ctx context.Context, key string) (int, time.Time, error)
	// RecordLoginFailure counts one failure, starting a new window when the
	// current one is older than window.
	RecordLoginFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error)
	ClearLoginFailures(ctx context.Context, key string) error
}
