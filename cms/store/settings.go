package store

import "context"

// PutSettingIfAbsent stores value under key unless a value is there, and
// returns the stored value. Two servers starting at once agree on one.
func (db *DB) PutSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := db.wr().ExecContext(ctx, db.q(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`), key, value); err != nil {
		return "", err
	}
	var v string
	err := db.wr().GetContext(ctx, &v, db.q(`SELECT value FROM settings WHERE key = ?`), key)
	return v, err
}
