package store_test

import (
	"slices"
	"strings"
	"testing"

	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// Every table of the schema is either exported or left out on purpose, so
// a migration that adds a table cannot make `cms export` lose its rows
// silently.
func TestEveryTableIsDumpedOrLeftOutOnPurpose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var tables []string
		add := func(name, kind string) {
			// SQLite's own tables and its full-text index (live_search, live_search_head and
			// their shadow tables; PostgreSQL's live_search), kept by triggers, follow from dumped rows.
			if kind == "table" || kind == "BASE TABLE" {
				if !strings.HasPrefix(name, "sqlite_") && !strings.HasPrefix(name, "live_search") {
					tables = append(tables, name)
				}
			}
		}
		if err := db.EachRow(ctx, `SELECT name, type FROM sqlite_master`, add); err != nil {
			if err := db.EachRow(ctx, `SELECT table_name, table_type FROM information_schema.tables
				WHERE table_schema = current_schema()`, add); err != nil {
				t.Fatal(err)
			}
		}
		if len(tables) < 10 {
			t.Fatalf("found only tables %v", tables)
		}
		for _, name := range tables {
			_, dumped := store.DumpTableNamed(name)
			if !dumped && !slices.Contains(store.NotDumped, name) {
				t.Errorf("table %s is neither in store.DumpTables nor in store.NotDumped", name)
			}
		}
	})
}
