package main

import (
	"time"

	"healthcms/cms/store"
)

// keepSearchIndex loads the search index into memory in the background
// (searches read the database until it is loaded) and keeps the memory
// limit in step with its size.
func (e *env) keepSearchIndex(db *store.DB, limit *memoryLimit) {
	e.keepLoaded("search index", "searches read the database",
		func() ([]any, error) {
			n, err := db.KeepSearchIndex(e.ctx)
			if err != nil {
				return nil, err
			}
			st, _ := db.SearchIndexStats()
			return []any{"articles", n, "words", st.Words, "bytes", st.Bytes}, nil
		},
		func() (int64, bool) { st, ok := db.SearchIndexStats(); return st.Bytes, ok },
		limit, limit.grow)
}

// keepLocalDocuments writes the live documents to a file in dir in the
// background (misses read the database until it is written) and keeps the
// memory limit in step with the entries kept for them.
func (e *env) keepLocalDocuments(db *store.DB, dir string, limit *memoryLimit) {
	e.keepLoaded("local documents", "misses read the database",
		func() ([]any, error) {
			n, err := db.KeepLocalDocuments(e.ctx, dir, e.log)
			if err != nil {
				return nil, err
			}
			st, _ := db.LocalDocumentsStats()
			return []any{"articles", n, "file bytes", st.FileBytes, "memory bytes", st.MemoryBytes}, nil
		},
		func() (int64, bool) { st, ok := db.LocalDocumentsStats(); return st.MemoryBytes, ok },
		limit, limit.growLocal)
}

// keepLoaded runs load in the background, logging what it loaded or why
// it failed (meanwhile, and then, instead), and tells grow, one of
// limit's, the size of what it keeps every second while it loads and
// every half minute after.
func (e *env) keepLoaded(what, instead string, load func() ([]any, error), size func() (int64, bool), limit *memoryLimit, grow func(int64)) {
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		start := time.Now()
		attrs, err := load()
		if err != nil {
			if e.ctx.Err() == nil {
				e.log.Error(what+" not loaded; "+instead, "err", err)
			}
			return
		}
		if n, ok := size(); ok {
			grow(n)
		}
		e.log.Info(what+" loaded", append(attrs, "took", time.Since(start).Round(time.Millisecond), "memory limit", limit.current())...)
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
				if n, ok := size(); ok {
					grow(n)
				}
			}
		}
	}()
}
