package store

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

type tokenRow struct {
	ID        string `db:"id"`
	FamilyID  string `db:"family_id"`
	UserID    string `db:"user_id"`
	Hash      string `db:"token_hash"`
	CreatedAt tm     `db:"created_at"`
	ExpiresAt tm     `db:"expires_at"`
	SpentAt   ntm    `db:"spent_at"`
	RevokedAt ntm    `db:"revoked_at"`
}

// InsertRefreshToken stores a new refresh token.
func (db *DB) InsertRefreshToken(ctx context.Context, t *cms.RefreshToken) error {
	return insertToken(ctx, db.w, db.d, t)
}

func insertToken(ctx context.Context, ex sqlx.ExecerContext, d dialect, t *cms.RefreshToken) error {
	_, err := ex.ExecContext(ctx, d.rebind(`INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, t.FamilyID, t.UserID, t.Hash, tm{t.CreatedAt}, tm{t.ExpiresAt})
	return err
}

// RefreshTokenByHash finds a refresh token by its hash.
func (db *DB) RefreshTokenByHash(ctx context.Context, hash string) (*cms.RefreshToken, error) {
	var r tokenRow
	// Read from the writer: a token rotated a moment ago must be seen spent.
	err := db.wr().GetContext(ctx, &r, db.q(`SELECT id, family_id, user_id, token_hash, created_at, expires_at, spent_at, revoked_at FROM refresh_tokens WHERE token_hash = ?`), hash)
	if err != nil {
		return nil, notFound(err, "refresh token")
	}
	return &cms.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, UserID: r.UserID, Hash: r.Hash, CreatedAt: r.CreatedAt.Time,
		ExpiresAt: r.ExpiresAt.Time, Spent: r.SpentAt.Valid, Revoked: r.RevokedAt.Valid}, nil
}

// RotateRefreshToken spends old and stores next in one transaction. The
// conditional update is the claim: of two concurrent uses of one token,
// exactly one sees a row change.
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, next *cms.RefreshToken, now time.Time) (bool, error) {
	ok := false
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE refresh_tokens SET spent_at = ? WHERE id = ? AND spent_at IS NULL AND revoked_at IS NULL`), tm{now}, oldID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ok = true
		return insertToken(ctx, tx, db.d, next)
	})
	return ok, err
}

// RevokeFamily revokes every token of a family.
func (db *DB) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	_, err := db.wr().ExecContext(ctx, db.q(`UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`), tm{now}, familyID)
	return err
}

func revokeUser(ctx context.Context, tx conn, d dialect, userID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, d.rebind(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), tm{now}, userID)
	return err
}

// errOverLimit rolls back a charge that found a limit spent.
var errOverLimit = errors.New("login limit reached")

// ChargeLoginAttempt counts one attempt against every limit in one
// transaction. Each upsert increments and returns its count in one
// statement, holding the row until the transaction ends, so concurrent
// attempts on any number of servers are counted one after another and no
// more than Max of them pass in a window. A limit found spent rolls the
// whole charge back: refused attempts cost nothing and count nothing.
// Callers charge keys in one fixed order (account, then address), so two
// charges never wait on each other's rows in a cycle.
func (db *DB) ChargeLoginAttempt(ctx context.Context, limits []cms.LoginLimit, now time.Time, window time.Duration) ([]cms.LoginCharge, time.Time, error) {
	var charges []cms.LoginCharge
	var retryAt time.Time
	err := db.inTx(ctx, func(tx conn) error {
		charges = charges[:0]
		for _, l := range limits {
			var r struct {
				Count int `db:"count"`
				Start tm  `db:"window_start"`
			}
			err := tx.GetContext(ctx, &r, db.q(`INSERT INTO login_failures (key, window_start, count) VALUES (?, ?, 1)
				ON CONFLICT (key) DO UPDATE SET
					count = CASE WHEN login_failures.window_start < ? THEN 1 ELSE login_failures.count + 1 END,
					window_start = CASE WHEN login_failures.window_start < ? THEN excluded.window_start ELSE login_failures.window_start END
				RETURNING count, window_start`), l.Key, tm{now}, tm{now.Add(-window)}, tm{now.Add(-window)})
			if err != nil {
				return err
			}
			if r.Count > l.Max {
				retryAt = r.Start.Time.Add(window)
				return errOverLimit
			}
			charges = append(charges, cms.LoginCharge{Key: l.Key, WindowStart: r.Start.Time})
		}
		return nil
	})
	if errors.Is(err, errOverLimit) {
		return nil, retryAt, nil
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	return charges, time.Time{}, nil
}

// RefundLoginAttempt takes back charged attempts. The window must still be
// the one charged: a window started afresh since holds other attempts.
func (db *DB) RefundLoginAttempt(ctx context.Context, charges []cms.LoginCharge) error {
	return db.inTx(ctx, func(tx conn) error {
		for _, c := range charges {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE login_failures SET count = count - 1 WHERE key = ? AND window_start = ? AND count > 0`),
				c.Key, tm{c.WindowStart}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearLoginFailures forgets the failures of key (after a good login, or
// when an operator sets a new password).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := db.wr().ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE key = ?`), key)
	return err
}
