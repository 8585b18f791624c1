package store

import "context"

// MigrateTo applies migrations up to version v only, for tests of upgrades
// from a schema that has landed.
func (db *DB) MigrateTo(ctx context.Context, v int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// ForgetCompressedDocuments makes every live row look published before
// compressed copies were kept (migration 00006).
func (db *DB) ForgetCompressedDocuments(ctx context.Context) error {
	_, err := db.w.ExecContext(ctx, `UPDATE live_articles SET document_gz = NULL`)
	return err
}
