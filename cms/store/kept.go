package store

import (
	"context"
	"sync"
)

// kept is a value read from the database and kept in memory for as long
// as every change that could alter it reaches forget. It keeps delivery's
// glossary (the published topics every search, topic alias and topic
// lookup read: read each time, they were a quarter of an uncached
// search's CPU at 1,000 articles) while ListenChanges runs, since only
// then does every change reach fire, which forgets it: a server that does
// not listen (a command, a test's second store) reads the database every
// time. A batch keeps its own glossary and webhooks (see batch).
type kept[T any] struct {
	mu sync.Mutex
	// on is set while every change, here or by another process, reaches
	// forget.
	on bool
	// gen counts the changes forgotten: a read that began before one is
	// not kept, as it may hold what the change replaced.
	gen  uint64
	v    T
	have bool
}

// get returns the kept value, or reads and keeps it. The value is
// shared: callers must not change it.
func (k *kept[T]) get(read func() (T, error)) (T, error) {
	k.mu.Lock()
	gen, v, have := k.gen, k.v, k.have
	k.mu.Unlock()
	if have {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	k.mu.Lock()
	if k.on && k.gen == gen {
		k.v, k.have = v, true
	}
	k.mu.Unlock()
	return v, nil
}

// forget drops the kept value after a change.
func (k *kept[T]) forget() {
	k.mu.Lock()
	k.gen++
	var zero T
	k.v, k.have = zero, false
	k.mu.Unlock()
}

// keep starts or stops keeping the value. Either way what is kept is
// forgotten: a read that began before changes were heard may have missed
// one.
func (k *kept[T]) keep(on bool) {
	k.mu.Lock()
	k.on = on
	k.mu.Unlock()
	k.forget()
}

// keepWhile keeps the value from now until ctx ends.
func (k *kept[T]) keepWhile(ctx context.Context) {
	k.keep(true)
	context.AfterFunc(ctx, func() { k.keep(false) })
}
