package main

import (
	"time"

	"healthcms/cms/store"
)

// keepSearchIndex loads the search index into memory in the background
// (searches read the database until it is loaded) and keeps the memory
// limit in step with its size, every second while it loads and every
// half minute after.
func (e *env) keepSearchIndex(db *store.DB, limit *memoryLimit) {
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		start := time.Now()
		n, err := db.KeepSearchIndex(e.ctx)
		if err != nil {
			if e.ctx.Err() == nil {
				e.log.Error("search index not loaded; searches read the database", "err", err)
			}
			return
		}
		st, _ := db.SearchIndexStats()
		limit.grow(st.Bytes)
		e.log.Info("search index loaded", "articles", n, "words", st.Words, "bytes", st.Bytes,
			"took", time.Since(start).Round(time.Millisecond), "memory limit", limit.current())
	}()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-e.ctx.Done():
				return
			case <-loaded:
				loaded = nil
				t.Reset(30 * time.Second)
			case <-t.C:
				if st, ok := db.SearchIndexStats(); ok {
					limit.grow(st.Bytes)
				}
			}
		}
	}()
}
