package auth

import (
	"context"
	"runtime"
	"sync/atomic"
)

// hashSlots bounds how many argon2id hashes run at once. Each holds its
// memory cost (19 MiB) while it runs, and more of them than there are
// processors only share the same CPUs more slowly, so a burst of logins
// would otherwise grow the heap by 19 MiB a request for no gain. Callers
// beyond the bound wait, for as long as their request lasts.
var hashSlots = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))

// hashesRunning and hashesPeak make the bound observable.
var hashesRunning, hashesPeak atomic.Int64

// withHashSlot runs hash once a slot is free, or returns ctx's error if
// ctx ends first.
func withHashSlot(ctx context.Context, hash func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	n := hashesRunning.Add(1)
	defer hashesRunning.Add(-1)
	for {
		p := hashesPeak.Load()
		if n <= p || hashesPeak.CompareAndSwap(p, n) {
			break
		}
	}
	hash()
	return nil
}

// HashStats describes the password hashes of this process.
type HashStats struct {
	Limit   int // how many may run at once (GOMAXPROCS at start)
	Running int // running now
	Peak    int // the most that ever ran at once
}

// PasswordHashStats reports how many password hashes run now, at most,
// and at the most so far.
func PasswordHashStats() HashStats {
	return HashStats{Limit: cap(hashSlots), Running: int(hashesRunning.Load()), Peak: int(hashesPeak.Load())}
}
