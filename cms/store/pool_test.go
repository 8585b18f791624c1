package store_test

import (
	"context"
	"testing"

	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// SQLite readers do not map the database file: each connection would map
// it separately, and the process's RSS would count every page once per
// reader (a 1.85 GB database showed 10.6 GB VmHWM). Their page cache is
// bounded instead. (Before: mmap_size 2147418112 on every reader.)
func TestSQLiteReadersDoNotMapTheFile(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.URL(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read := db.Pools()["read"]
	if read == nil {
		t.Fatal("no read pool")
	}
	// Hold several connections at once, so each is a different one.
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 4 {
		c, err := read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var mmap, cache int64
		if err := c.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&mmap); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
			t.Fatal(err)
		}
		if mmap != 0 || cache >= 0 || -cache > 64<<10 {
			t.Fatalf("reader: mmap_size %d (want 0), cache_size %d (want a bound in KiB, negative, at most 64 MiB)", mmap, cache)
		}
	}
	if st := read.Stats(); st.MaxOpenConnections < 4 || st.MaxOpenConnections > 16 {
		t.Fatalf("read pool of %d connections, want 4 to 16", st.MaxOpenConnections)
	}
}
