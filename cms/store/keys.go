package store

import (
	"context"
	"database/sql"
	"time"

	"healthcms/cms"
)

type keyRow struct {
	ID        string         `db:"id"`
	Name      string         `db:"name"`
	Scope     string         `db:"scope"`
	Prefix    string         `db:"prefix"`
	CreatedAt tm             `db:"created_at"`
	CreatedBy string         `db:"created_by"`
	Creator   sql.NullString `db:"creator"`
	RevokedAt ntm            `db:"revoked_at"`
}

const keySelect = `SELECT k.id, k.name, k.scope, k.prefix, k.created_at, k.created_by, u.name AS creator, k.revoked_at
	FROM api_keys k LEFT JOIN users u ON u.id = k.created_by`

func (r *keyRow) key() *cms.APIKey {
	by := cms.UserRef{ID: r.CreatedBy, Name: r.Creator.String}
	if !r.Creator.Valid {
		by.Name = cms.CommandLineName
	}
	return &cms.APIKey{ID: r.ID, Name: r.Name, Scope: r.Scope, Prefix: r.Prefix, CreatedAt: r.CreatedAt.Time,
		CreatedBy: by, RevokedAt: r.RevokedAt.Ptr()}
}

// CreateKey stores a key's hash and description, and the audit event
// recording it.
func (db *DB) CreateKey(ctx context.Context, k *cms.APIKey, hash string, ev *cms.AuditEvent) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO api_keys (id, name, scope, key_hash, prefix, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), k.ID, k.Name, k.Scope, hash, k.Prefix, tm{k.CreatedAt}, k.CreatedBy.ID)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.d, ev)
	})
}

// Key returns one key.
func (db *DB) Key(ctx context.Context, id string) (*cms.APIKey, error) {
	var r keyRow
	if err := db.rd().GetContext(ctx, &r, db.q(keySelect+` WHERE k.id = ?`), id); err != nil {
		return nil, notFound(err, "API key")
	}
	return r.key(), nil
}

// Keys lists every key, revoked ones too, newest first.
func (db *DB) Keys(ctx context.Context) ([]*cms.APIKey, error) {
	var rows []keyRow
	if err := db.rd().SelectContext(ctx, &rows, keySelect+` ORDER BY k.created_at DESC, k.id DESC`); err != nil {
		return nil, err
	}
	out := make([]*cms.APIKey, len(rows))
	for i := range rows {
		out[i] = rows[i].key()
	}
	return out, nil
}

// RevokeKey revokes a key for good, records ev, and tells every server.
// A key already revoked stays as it was, and nothing is recorded.
func (db *DB) RevokeKey(ctx context.Context, id string, now time.Time, ev *cms.AuditEvent) error {
	return db.changing(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), tm{now}, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			return notFound(tx.GetContext(ctx, &one, db.q(`SELECT 1 FROM api_keys WHERE id = ?`), id), "API key")
		}
		return appendAudit(ctx, tx, db.d, ev)
	})
}

// KeyByHash finds a key by the hash of its secret.
func (db *DB) KeyByHash(ctx context.Context, hash string) (*cms.APIKey, error) {
	var r keyRow
	if err := db.rd().GetContext(ctx, &r, db.q(keySelect+` WHERE k.key_hash = ?`), hash); err != nil {
		return nil, notFound(err, "API key")
	}
	return r.key(), nil
}
