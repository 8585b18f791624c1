package main

import "runtime/debug"

// memoryHeadroom is what serve lets the Go heap hold beyond a full
// delivery cache before the collector works harder: requests in flight,
// connections, prepared statements, the runtime itself.
const memoryHeadroom = 48 << 20

// limitMemory sets the Go runtime's soft memory limit to the delivery cache
// plus memoryHeadroom, unless GOMEMLIMIT sets one, and returns a function
// that restores the previous limit. The cache is most of the live heap;
// with no limit the collector lets the heap grow to twice what is live
// (GOGC=100) before it collects, so a full 64 MiB cache took the process
// past 200 MB under load. A soft limit only makes collection more
// frequent near it; it never fails an allocation.
func (e *env) limitMemory(cacheBytes int) (restore func(), limit int64) {
	if e.getenv("GOMEMLIMIT") != "" {
		return func() {}, debug.SetMemoryLimit(-1)
	}
	limit = int64(cacheBytes) + memoryHeadroom
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }, limit
}
