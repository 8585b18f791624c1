package cms

import "context"

// Batcher is a store that can run many changes in one transaction.
type Batcher interface {
	// Batch runs fn with a store whose reads and writes all go through
	// one transaction, committed when fn returns nil; when fn or any
	// change in it fails, nothing of the batch is stored. fn may share
	// the store with goroutines of its own that have all returned when
	// fn returns.
	Batch(ctx context.Context, fn func(Store) error) error
}

// Batch runs fn with an editor whose changes are stored together, in one
// transaction, when fn returns nil, and not at all otherwise. The editor
// given to fn runs the very same use-cases, so validation, sanitizing,
// the workflow, content hashes, approvals and the audit chain hold as
// they do for one change at a time; a bulk load (seed) saves the cost of
// committing each change. A change read back inside the batch sees the
// batch's earlier changes. fn may hand the editor to goroutines of its
// own, which must all have returned when fn returns: their statements take
// turns on the one transaction while the rest of their work runs side by
// side. With a store that cannot batch, fn runs on e and each change
// commits alone.
func (e *Editor) Batch(ctx context.Context, fn func(*Editor) error) error {
	b, ok := e.Store.(Batcher)
	if !ok {
		return fn(e)
	}
	return b.Batch(ctx, func(s Store) error {
		in := *e
		in.Store = s
		return fn(&in)
	})
}
