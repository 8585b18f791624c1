package api_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// TestSQLiteOtherWriterPurgesCache: a command writing to the SQLite file
// of a running server (another process, here another pool on the file)
// does not leave the server's delivery cache stale.
func TestSQLiteOtherWriterPurgesCache(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	server := newEnvOn(t, storetest.OpenURL(t, dbURL))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := server.db.ListenChanges(ctx, slog.Default()); err != nil {
		t.Fatal(err)
	}
	server.publish("Before")
	list := func() []string {
		s, _ := slugs(t, server.do("GET", delivery+"/articles", "", nil))
		return s
	}
	list()
	if got := list(); len(got) != 1 { // served from the cache now
		t.Fatalf("list: %v", got)
	}

	command := newEnvOn(t, storetest.OpenURL(t, dbURL))
	after := command.publish("After")["slug"].(string)
	start := time.Now()
	for !slices.Contains(list(), after) {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the server still serves %v, without %s", list(), after)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("the server showed the other process's publication after %v", time.Since(start).Round(time.Millisecond))
}
