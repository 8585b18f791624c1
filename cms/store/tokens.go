package store

import (
	"context"
	"database/sql"
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
	err := db.w.GetContext(ctx, &r, db.q(`SELECT id, family_id, user_id, token_hash, created_at, expires_at, spent_at, revoked_at FROM refresh_tokens WHERE token_hash = ?`), hash)
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
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
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
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`), tm{now}, familyID)
	return err
}

func revokeUser(ctx context.Context, tx *sqlx.Tx, d dialect, userID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, d.rebind(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), tm{now}, userID)
	return err
}

// LoginFailures returns the failure count of key and when its window began.
func (db *DB) LoginFailures(ctx context.Context, key string) (int, time.Time, error) {
	var r struct {
		Count int `db:"count"`
		Start tm  `db:"window_start"`
	}
	err := db.w.GetContext(ctx, &r, db.q(`SELECT count, window_start FROM login_failures WHERE key = ?`), key)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, time.Time{}, nil
		}
		return 0, time.Time{}, err
	}
	return r.Count, r.Start.Time, nil
}

// RecordLoginFailure counts one failure in one statement, so concurrent
// failures from several servers are all counted.
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error) {
	var r struct {
		Count int `db:"count"`
		Start tm  `db:"window_start"`
	}
	err := db.w.GetContext(ctx, &r, db.q(`INSERT INTO login_failures (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN login_failures.window_start < ? THEN 1 ELSE login_failures.count + 1 END,
			window_start = CASE WHEN login_failures.window_start < ? THEN excluded.window_start ELSE login_failures.window_start END
		RETURNING count, window_start`), key, tm{now}, tm{now.Add(-window)}, tm{now.Add(-window)})
	return r.Count, r.Start.Time, err
}

// ClearLoginFailures forgets the failures of key (after a good login).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := db.w.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE key = ?`), key)
	return err
}
