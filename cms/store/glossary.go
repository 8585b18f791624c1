package store

import (
	"context"
	"sync"

	"healthcms/cms"
)

// glossary keeps in memory the published topics delivery reads on every
// search, topic alias and topic lookup: read from the database each time,
// they were a quarter of an uncached search's CPU at 1,000 articles. It
// is kept only while ListenChanges runs, since only then does every
// change reach fire, which forgets it: a server that does not listen (a
// command, a test's second store) reads the database every time. A batch
// keeps a glossary of its own (see DB.Glossary).
type glossary struct {
	mu sync.Mutex
	// on is set while every change, here or by another process, reaches
	// forget.
	on bool
	// gen counts the changes forgotten: a read that began before one is
	// not kept, as it may hold what the change replaced.
	gen    uint64
	topics []*cms.TopicVersion
	kept   bool
}

// get returns the kept topics, or reads and keeps them. The topics are
// shared: callers must not change them.
func (g *glossary) get(read func() ([]*cms.TopicVersion, error)) ([]*cms.TopicVersion, error) {
	g.mu.Lock()
	gen, topics, kept := g.gen, g.topics, g.kept
	g.mu.Unlock()
	if kept {
		return topics, nil
	}
	topics, err := read()
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	if g.on && g.gen == gen {
		g.topics, g.kept = topics, true
	}
	g.mu.Unlock()
	return topics, nil
}

// forget drops the kept topics after a change.
func (g *glossary) forget() {
	g.mu.Lock()
	g.gen++
	g.topics, g.kept = nil, false
	g.mu.Unlock()
}

// keep starts or stops keeping the topics. Either way what is kept is
// forgotten: a read that began before changes were heard may have missed
// one.
func (g *glossary) keep(on bool) {
	g.mu.Lock()
	g.on = on
	g.mu.Unlock()
	g.forget()
}

// keepWhile keeps the topics from now until ctx ends.
func (g *glossary) keepWhile(ctx context.Context) {
	g.keep(true)
	context.AfterFunc(ctx, func() { g.keep(false) })
}
