package main

import (
	"runtime/debug"
	"testing"

	"healthcms/cms/store/storetest"
)

// serve bounds the Go heap by the delivery cache plus headroom while it
// runs, leaves a limit set by GOMEMLIMIT alone, and restores the previous
// limit when it stops.
func TestServeMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "CMS_DELIVERY_CACHE_MB": "16"})
	if got, want := debug.SetMemoryLimit(-1), int64(16<<20+memoryHeadroom); got != want {
		t.Fatalf("memory limit while serving with a 16 MiB cache: %d, want %d", got, want)
	}
	s.shutdown(t)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit after serve: %d, want the previous %d", got, before)
	}

	s = startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite"), "GOMEMLIMIT": "1GiB"})
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("serve changed the limit although GOMEMLIMIT was set: %d, want %d", got, before)
	}
	s.shutdown(t)
}
