// Package storetest gives each test a fresh database of its own: a SQLite
// file in the test's temporary directory, or a new schema in the PostgreSQL
// named by CMS_TEST_POSTGRES_URL (default: the one at 127.0.0.1:5432, when
// it answers). The schema is dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver, for creating schemas

	"healthcms/cms/store"
)

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=2"

var (
	pgOnce sync.Once
	pgURL  string
	pgErr  error
)

// postgres returns the PostgreSQL URL to test against, or why there is none.
func postgres() (string, error) {
	pgOnce.Do(func() {
		pgURL = os.Getenv("CMS_TEST_POSTGRES_URL")
		if pgURL == "" {
			pgURL = defaultPostgres
		}
		db, err := sql.Open("postgres", pgURL)
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	return pgURL, pgErr
}

// Dialects lists the databases to run a test on: always "sqlite", and
// "postgres" when one answers. With CMS_TEST_REQUIRE_POSTGRES=1 (CI) a
// missing PostgreSQL fails the test instead of being skipped.
func Dialects(t testing.TB) []string {
	t.Helper()
	if _, err := postgres(); err != nil {
		if os.Getenv("CMS_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required but not reachable: %v", err)
		}
		t.Logf("PostgreSQL not reachable (%v): running on SQLite only", err)
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// URL returns the database URL of a new, empty database of the dialect,
// removed when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "cms.db")
	case "postgres":
		base, err := postgres()
		if err != nil {
			t.Fatalf("PostgreSQL: %v", err)
		}
		return newSchema(t, base)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return ""
}

// newSchema creates a schema with a random name and returns base with the
// schema as its search_path; lib/pq passes unknown URL parameters on as
// session settings.
func newSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "cms_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on a new database of the dialect, closed
// when the test ends.
func Open(t testing.TB, dialect string) *store.DB {
	t.Helper()
	return OpenURL(t, URL(t, dialect))
}

// OpenURL returns a migrated store on the database at dbURL (from URL),
// closed when the test ends; several may share one database.
func OpenURL(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after URL's cleanup, so it runs first: close, then drop.
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Each runs f once per dialect of Dialects, as a subtest named after it,
// with a fresh migrated store.
func Each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) { f(t, Open(t, d)) })
	}
}

// Exec runs raw SQL on the test database at dbURL, bypassing the store:
// for tests that tamper with data or inject failures the way an attacker
// or a broken disk would.
func Exec(t testing.TB, dbURL string, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if err := TryExec(t, dbURL, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TryExec runs one raw statement and returns its error.
func TryExec(t testing.TB, dbURL, stmt string) error {
	t.Helper()
	driver, dsn := "postgres", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
