package main

import (
	"runtime/debug"
	"sync"
)

// memoryHeadroom is what serve lets the Go heap hold beyond a full
// delivery cache and the search index before the collector works harder:
// requests in flight, connections, prepared statements, the runtime
// itself.
const memoryHeadroom = 48 << 20

// memoryLimit is serve's soft memory limit: Go's runtime is told how much
// the process may hold before the collector works harder.
type memoryLimit struct {
	mu    sync.Mutex
	cache int64
	prev  int64 // the limit before serve, restored when it stops
	on    bool  // serve sets the limit (GOMEMLIMIT does not)
	// gc is the collector's GOGC percentage before serve, when serve
	// turned it off (GOGC not set), and -2 otherwise.
	gc    int
	index int64 // the search index's bytes when last told
	local int64 // the local documents' entries' bytes when last told
}

// limitMemory sets the Go runtime's soft memory limit to the delivery cache
// plus memoryHeadroom, unless GOMEMLIMIT sets one, and then turns GOGC off
// unless it is set; grow adds the search index's size and a quarter, growLocal
// the local documents' entries' and a quarter. The
// cache and the index are most of the live heap; with no limit the
// collector lets the heap grow to twice what is live (GOGC=100) before it
// collects, so a full 64 MiB cache took the process past 200 MB under
// load. A soft limit only makes collection more frequent near it; it never
// fails an allocation.
func (e *env) limitMemory(cacheBytes int) *memoryLimit {
	m := &memoryLimit{cache: int64(cacheBytes), on: e.getenv("GOMEMLIMIT") == "", gc: -2}
	if m.on {
		m.prev = debug.SetMemoryLimit(m.limit())
		if e.getenv("GOGC") == "" {
			// The limit alone decides when the collector runs. With
			// GOGC=100 as well, a small heap (1,000 articles) was
			// collected several times a second under load: turned off,
			// common-pair searches ran 8-17% faster, p99 30-35 ms
			// rather than 38-40.
			m.gc = debug.SetGCPercent(-1)
		}
	}
	return m
}

func (m *memoryLimit) limit() int64 {
	// A quarter more than the index holds. The bulk of the index is a
	// few arrays without pointers (see store's frozen), which a
	// collection marks at almost no cost, so collecting more often
	// costs little: at 100,000 articles (562 MB of index) the server
	// held 736 MB after loading rather than 1,126 MB with twice the
	// index, for the same CPU per search. (With the index as maps of
	// lists it cost 15% of search throughput.)
	return m.cache + m.index + m.index/4 + m.local + m.local/4 + memoryHeadroom
}

// current is the limit set, or -1 when GOMEMLIMIT sets it.
func (m *memoryLimit) current() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.on {
		return -1
	}
	return m.limit()
}

// grow sets the limit for a search index of indexBytes.
func (m *memoryLimit) grow(indexBytes int64) { m.set(&m.index, indexBytes) }

// growLocal sets the limit for local documents whose entries take b
// bytes (a quarter more, as for the index: maps the collector marks).
func (m *memoryLimit) growLocal(b int64) { m.set(&m.local, b) }

func (m *memoryLimit) set(part *int64, b int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.on && b != *part {
		*part = b
		debug.SetMemoryLimit(m.limit())
	}
}

// restore sets back the limit from before serve.
func (m *memoryLimit) restore() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.on {
		debug.SetMemoryLimit(m.prev)
		m.on = false
	}
	if m.gc != -2 {
		debug.SetGCPercent(m.gc)
		m.gc = -2
	}
}
