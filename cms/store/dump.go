package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DumpTable is a table that `cms export` writes and `cms import` reads.
// Its columns are the table's own (so a column added by a migration is
// carried without a change here), less Secrets, which never leave the
// database: import fills them with Fill's values.
type DumpTable struct {
	Name string
	// Order is the ORDER BY that makes two exports of one database equal.
	Order string
	// Secrets are columns left out of the export.
	Secrets []string
	// Fill gives the values import stores in place of the secrets.
	Fill func(row map[string]any) map[string]any
	// Export, when set, adjusts a row as exported (after Secrets are
	// removed), with the export's time.
	Export func(row map[string]any, at string)
	// Own are columns that only one of the databases keeps: an import
	// into the other leaves them out, and that database numbers the rows
	// itself as they are stored.
	Own []string
}

// DumpTables are the tables of an export in dependency order: a row only
// refers to rows of tables before it. Sessions (refresh tokens), login
// failures and settings (the signing secret) are not content and stay out.
// A table added by a migration slots in with one line here, or in
// NotDumped (a test checks every table is in one of the two).
var DumpTables = []DumpTable{
	{Name: "users", Order: "id", Secrets: []string{"password_hash"},
		// No password: an imported user signs in after `cms user set-password`.
		Fill: func(map[string]any) map[string]any { return map[string]any{"password_hash": ""} }},
	{Name: "topics", Order: "slug"},
	{Name: "topic_revisions", Order: "topic_slug, revision"},
	{Name: "topic_approvals", Order: "topic_slug, revision, reviewer_id, at"},
	{Name: "topic_versions", Order: "topic_slug, version"},
	{Name: "articles", Order: "id"},
	{Name: "article_slugs", Order: "slug"},
	{Name: "revisions", Order: "article_id, revision"},
	{Name: "article_topics", Order: "topic_slug, article_id"},
	{Name: "events", Order: "article_id, seq"},
	{Name: "published_versions", Order: "article_id, version"},
	// seq is SQLite's key of a live row (the full-text indexes' rowid);
	// PostgreSQL keys live_search instead, which it fills on import. Both
	// number live rows as they are published, and search lists the newest
	// first by that number: the rows are exported in the order they were
	// published (updated_at is the publication's time), so that a database
	// that numbers them on import numbers them alike. No index has that
	// order: each database sorts the rows (5,000 articles exported in 1.3 s
	// on SQLite against 1.1 s by article_id).
	{Name: "live_articles", Order: "updated_at, article_id", Own: []string{"seq"}},
	{Name: "live_topics", Order: "topic_slug, article_id"},
	{Name: "review_comments", Order: "article_id, at, id"},
	{Name: "api_keys", Order: "id", Secrets: []string{"key_hash"},
		// The key's secret stays behind, so an exported key is a revoked key:
		// it is exported as revoked at the export's time, and imported so.
		Export: func(row map[string]any, at string) {
			if row["revoked_at"] == nil {
				row["revoked_at"] = at
			}
		},
		Fill: func(row map[string]any) map[string]any {
			return map[string]any{"key_hash": fmt.Sprintf("imported, no secret: %v", row["id"])}
		}},
	{Name: "webhooks", Order: "id", Secrets: []string{"secret"}},
	{Name: "webhook_deliveries", Order: "id"},
	{Name: "audit_events", Order: "subject_type, subject_id, seq"},
	{Name: "audit_heads", Order: "subject_type, subject_id"},
}

// NotDumped are the tables an export leaves out on purpose: sessions,
// failed logins, settings (the signing secret), the migration runner's
// own record, and what is derived from dumped rows (SQLite's search_words
// is filled again as the live articles are imported).
var NotDumped = []string{"refresh_tokens", "login_failures", "settings", "goose_db_version", "live_hits", "search_words"}

// DumpTableNamed returns the table of that name.
func DumpTableNamed(name string) (DumpTable, bool) {
	for _, t := range DumpTables {
		if t.Name == name {
			return t, true
		}
	}
	return DumpTable{}, false
}

// column is a column as the dump sees it: binary columns travel as base64,
// times as RFC 3339 in UTC, booleans as true/false.
type column struct {
	name string
	kind string // "bytes", "bool", "time", "int" or "text"
}

func columnKind(dbType string) string {
	switch t := strings.ToUpper(dbType); {
	case t == "BLOB" || t == "BYTEA":
		return "bytes"
	case t == "BOOL" || t == "BOOLEAN":
		return "bool"
	case strings.HasPrefix(t, "TIMESTAMP") || t == "DATETIME":
		return "time"
	case strings.Contains(t, "INT"):
		return "int"
	}
	return "text"
}

type queryer interface {
	QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error)
}

// dumpColumns lists the table's stored columns (not PostgreSQL's generated
// ones, which follow from the others), secrets included.
func (db *DB) dumpColumns(ctx context.Context, q queryer, table string) ([]column, error) {
	var query string
	if db.d.name == "postgres" {
		query = `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`
	} else {
		query = `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`
	}
	rows, err := q.QueryxContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		cols = append(cols, column{name: name, kind: columnKind(typ)})
	}
	if len(cols) == 0 && rows.Err() == nil {
		return nil, fmt.Errorf("table %s: no columns", table)
	}
	return cols, rows.Err()
}

// DumpCounts are the rows of each dump table.
type DumpCounts map[string]int64

// Export calls count with every table's row count, then row with every row
// of every dump table, in DumpTables order, all from one snapshot. now is
// the export's time, for DumpTable.Export.
func (db *DB) Export(ctx context.Context, now time.Time, count func(DumpCounts) error, row func(table string, r map[string]any) error) error {
	at := now.UTC().Format(timeFormat)
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d.name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.w.BeginTxx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	counts := DumpCounts{}
	for _, t := range DumpTables {
		var n int64
		if err := tx.GetContext(ctx, &n, "SELECT COUNT(*) FROM "+t.Name); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		counts[t.Name] = n
	}
	if err := count(counts); err != nil {
		return err
	}
	for _, t := range DumpTables {
		if err := db.exportTable(ctx, tx, t, at, row); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

func (db *DB) exportTable(ctx context.Context, tx *sqlx.Tx, t DumpTable, at string, row func(string, map[string]any) error) error {
	cols, err := db.dumpColumns(ctx, tx, t.Name)
	if err != nil {
		return err
	}
	var names []string
	var kept []column
	for _, c := range cols {
		if !contains(t.Secrets, c.name) {
			names = append(names, c.name)
			kept = append(kept, c)
		}
	}
	rows, err := tx.QueryxContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name+" ORDER BY "+t.Order)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(kept))
	ptrs := make([]any, len(kept))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r := make(map[string]any, len(kept))
		for i, c := range kept {
			r[c.name] = exportValue(c, vals[i])
		}
		if t.Export != nil {
			t.Export(r, at)
		}
		if err := row(t.Name, r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func exportValue(c column, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		if c.kind == "bytes" {
			return base64.StdEncoding.EncodeToString(x)
		}
		return string(x)
	case time.Time:
		return x.UTC().Format(timeFormat) // as SQLite stores them
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ErrNotEmpty is returned by Import when the database holds content.
var ErrNotEmpty = errors.New("the database is not empty")

// Importer writes an export into a database in one transaction: nothing
// is stored unless Commit is called and succeeds.
type Importer struct {
	db *DB
	tx *sqlx.Tx
	// release gives the writing connection back (see writerConn), once.
	release func()
	cols    map[string][]column
	stmts   map[string]*sqlx.Stmt
	// pending are rows stored with the next statement.
	pending pendingRows
	// admin is the first admin the database held before the import.
	admin string
	// searchIndexes are the definitions of the indexes dropped for the
	// import, built at its commit (see deferSearchIndexes).
	searchIndexes []string
}

// BeginImport checks that the database holds no articles, topics or users
// but one admin, and opens the import's transaction.
func (db *DB) BeginImport(ctx context.Context) (*Importer, error) {
	// The whole import is one transaction: with SQLite's default 2 MiB
	// page cache it wrote pages out to the WAL as it went, the same
	// b-tree pages over and over (a quarter of the import's CPU in write
	// syscalls at 100,000 articles). The writing connection gets a large
	// cache for the import, and its own back after it (see writerConn).
	c, release, err := db.writerConn(ctx, importCacheKiB, "FILE")
	if err != nil {
		return nil, err
	}
	if release, err = db.importSettings(ctx, c, release); err != nil {
		return nil, err
	}
	tx, err := c.BeginTxx(ctx, nil)
	if err != nil {
		release()
		return nil, err
	}
	im := &Importer{db: db, tx: tx, release: sync.OnceFunc(release), cols: map[string][]column{}, stmts: map[string]*sqlx.Stmt{}}
	err = im.check(ctx)
	if err == nil {
		err = im.deferSearchIndexes(ctx)
	}
	if err != nil {
		im.Rollback()
		return nil, err
	}
	return im, nil
}

// importSettings turns SQLite's foreign keys off on the import's
// connection, and back on when release gives it back; Commit checks every
// key at once (checkForeignKeys). An import's INSERTs, many rows long,
// keep a statement journal: a copy of each page the statement changes
// that was there before it, which once the page cache is full is nearly
// every page it writes out. Keys checked row by row, and INSERT's own
// undo of a statement that fails halfway (an import's is INSERT OR FAIL,
// see flush: a failed INSERT rolls the whole import back), both made
// that journal more costly; what is left of it goes to a temporary file
// rather than memory (BeginImport's writerConn), where each statement's
// pages were allocated and freed again. Importing 20,000 articles took
// 37.4 s before, 31.7 with the keys and OR FAIL, 29.0 with the file too
// (median of three, alternated).
func (db *DB) importSettings(ctx context.Context, c *sqlx.Conn, release func()) (func(), error) {
	if db.d.name != "sqlite" {
		return release, nil
	}
	back := func() {
		if _, err := c.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err != nil {
			// Never back in the pool without its foreign keys.
			c.Raw(func(any) error { return driver.ErrBadConn })
		}
		release()
	}
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		back()
		return nil, err
	}
	return back, nil
}

// checkForeignKeys refuses an import, on SQLite, that holds a row
// referring to one it does not hold (see importSettings).
func (im *Importer) checkForeignKeys(ctx context.Context) error {
	if im.db.d.name != "sqlite" {
		return nil
	}
	// The first row only: an export of many broken rows would otherwise
	// be read into memory whole to say so.
	var bad []struct {
		Table  string `db:"table"`
		Parent string `db:"parent"`
	}
	if err := im.tx.SelectContext(ctx, &bad, `SELECT "table", parent FROM pragma_foreign_key_check LIMIT 1`); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("rows refer to rows the export does not hold: the first is a row of %s without its row of %s", bad[0].Table, bad[0].Parent)
	}
	return nil
}

// deferSearchIndexes drops, on PostgreSQL, the GIN indexes of
// live_search for the import; buildSearchIndexes makes them again, as
// they were, before it commits. Building a GIN index once from every row
// costs far less than growing it row by row, through its small pending
// lists (migration 00014): importing 100,000 articles took 199 s rather
// than 385. The import's transaction hides both from every other
// session; a search of the database waits for the import meanwhile (the
// drop locks live_search), as it would in a database being restored.
func (im *Importer) deferSearchIndexes(ctx context.Context) error {
	if im.db.d.name != "postgres" {
		return nil
	}
	indexes, err := searchGINIndexes(ctx, im.tx)
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := im.tx.ExecContext(ctx, `DROP INDEX `+pq.QuoteIdentifier(ix.Name)); err != nil {
			return err
		}
		im.searchIndexes = append(im.searchIndexes, ix.Def)
	}
	return nil
}

// buildSearchIndexes makes the indexes deferSearchIndexes dropped. A
// GIN build gathers entries in maintenance_work_mem and writes them out
// each time it fills: it gets 256 MB rather than the default 64.
func (im *Importer) buildSearchIndexes(ctx context.Context) error {
	if len(im.searchIndexes) == 0 {
		return nil
	}
	if _, err := im.tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	for _, def := range im.searchIndexes {
		if _, err := im.tx.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	return nil
}

// check refuses a database that holds articles, topics or users but one
// admin, and notes the admin.
func (im *Importer) check(ctx context.Context) error {
	tx := im.tx
	var articles, topics int64
	if err := tx.GetContext(ctx, &articles, "SELECT COUNT(*) FROM articles"); err != nil {
		return err
	}
	if err := tx.GetContext(ctx, &topics, "SELECT COUNT(*) FROM topics"); err != nil {
		return err
	}
	var users []struct {
		Email string `db:"email"`
		Roles string `db:"roles"`
	}
	if err := tx.SelectContext(ctx, &users, "SELECT email, roles FROM users"); err != nil {
		return err
	}
	if articles > 0 || topics > 0 || len(users) > 1 || len(users) == 1 && !strings.Contains(users[0].Roles, "admin") {
		return fmt.Errorf("%w: it holds %d articles, %d topics and %d users; import needs one with none but the first admin", ErrNotEmpty, articles, topics, len(users))
	}
	if len(users) == 1 {
		im.admin = users[0].Email
	}
	return nil
}

// Row stores one exported row of table.
func (im *Importer) Row(ctx context.Context, table string, r map[string]any) error {
	t, ok := DumpTableNamed(table)
	if !ok {
		return fmt.Errorf("unknown table %q", table)
	}
	cols, ok := im.cols[table]
	if !ok {
		var err error
		if cols, err = im.db.dumpColumns(ctx, im.tx, table); err != nil {
			return err
		}
		im.cols[table] = cols
	}
	if t.Fill != nil {
		for k, v := range t.Fill(r) {
			if r[k] == nil {
				r[k] = v
			}
		}
	}
	for _, k := range t.Own {
		if !slicesContainsCol(cols, k) {
			delete(r, k)
		}
	}
	if table == "users" && im.admin != "" && r["email"] == im.admin {
		return fmt.Errorf("the export has a user with the email of this database's admin (%s): import into a database without users, or make the first admin with another email", im.admin)
	}
	var names []string
	var args []any
	for _, c := range cols {
		v, ok := r[c.name]
		if !ok {
			continue // a column newer than the export: its default
		}
		a, err := importValue(c, v)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", table, c.name, err)
		}
		names = append(names, c.name)
		args = append(args, a)
	}
	if len(names) != len(r) {
		for k := range r {
			if !slicesContainsCol(cols, k) {
				return fmt.Errorf("%s: no column %q in this database", table, k)
			}
		}
	}
	key := table + "(" + strings.Join(names, ", ") + ")"
	if key != im.pending.key || im.pending.rows == im.pending.max {
		if err := im.flush(ctx); err != nil {
			return err
		}
		// Up to importRows rows per statement, within both databases'
		// limits on parameters (SQLite 32,766, PostgreSQL 65,535).
		im.pending = pendingRows{key: key, table: table, cols: len(names), max: max(1, min(importRows, 30000/len(names)))}
	}
	im.pending.args = append(im.pending.args, args...)
	im.pending.rows++
	return nil
}

// importRows is how many rows one INSERT of an import stores. One
// statement per row made most of an import's time the statements' own
// cost: on SQLite each also flushed the full-text index of the rows
// before it, on PostgreSQL each was a round trip.
const importRows = 200

// pendingRows are rows of one table and column list not yet inserted.
type pendingRows struct {
	key, table string
	cols       int
	rows, max  int
	args       []any
}

// flush inserts the pending rows with one statement.
func (im *Importer) flush(ctx context.Context) error {
	p := &im.pending
	if p.rows == 0 {
		return nil
	}
	stmtKey := p.key + "x" + strconv.Itoa(p.rows)
	st, ok := im.stmts[stmtKey]
	if !ok {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", p.cols), ", ") + ")"
		insert := "INSERT INTO "
		if im.db.d.name == "sqlite" {
			insert = "INSERT OR FAIL INTO " // see importSettings
		}
		q := insert + p.key + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", p.rows), ", ")
		var err error
		if st, err = im.tx.PreparexContext(ctx, im.db.q(q)); err != nil {
			return err
		}
		im.stmts[stmtKey] = st
	}
	if _, err := st.ExecContext(ctx, p.args...); err != nil {
		return fmt.Errorf("%s (one of the %d rows before this line): %w", p.table, p.rows, err)
	}
	p.rows, p.args = 0, p.args[:0]
	return nil
}

func slicesContainsCol(cols []column, name string) bool {
	for _, c := range cols {
		if c.name == name {
			return true
		}
	}
	return false
}

func importValue(c column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case "bytes":
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("want base64")
		}
		return base64.StdEncoding.DecodeString(s)
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number:
			return x.String() != "0", nil
		}
		return nil, fmt.Errorf("want a boolean, not %v", v)
	case "int":
		switch x := v.(type) {
		case json.Number:
			return x.Int64()
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return nil, fmt.Errorf("want an integer, not %v", v)
	}
	if n, ok := v.(json.Number); ok {
		return n.String(), nil
	}
	return v, nil
}

// Commit stores the import and tells running servers that delivery
// changed.
func (im *Importer) Commit(ctx context.Context) error {
	if err := im.flush(ctx); err != nil {
		return err
	}
	for _, st := range im.stmts {
		st.Close()
	}
	// An export made before migration 00015 has no required_approvals in
	// topic revisions and versions: they take the topic's, as migrating
	// that database would have given them.
	for _, table := range []string{"topic_revisions", "topic_versions"} {
		if _, err := im.tx.ExecContext(ctx, `UPDATE `+table+` SET required_approvals =
			(SELECT t.required_approvals FROM topics t WHERE t.slug = `+table+`.topic_slug) WHERE required_approvals IS NULL`); err != nil {
			return err
		}
	}
	if err := im.checkForeignKeys(ctx); err != nil {
		return err
	}
	if err := im.buildSearchIndexes(ctx); err != nil {
		return err
	}
	if err := im.db.announceImport(ctx, im.tx); err != nil {
		return err
	}
	err := im.tx.Commit()
	im.release()
	if err != nil {
		return err
	}
	im.db.fire()
	return nil
}

// importCacheKiB is the page cache of SQLite's writing connection during
// an import.
const importCacheKiB = 256 << 10

// Rollback drops the import; after Commit it does nothing.
func (im *Importer) Rollback() {
	for _, st := range im.stmts {
		st.Close()
	}
	im.tx.Rollback()
	im.release()
}
