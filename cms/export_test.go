package cms

import "time"

// ContentHashV1 lets tests build revisions as they were hashed before
// topics were content.
var ContentHashV1 = contentHashV1

// Record appends an audit event to a's chain, for tests that write
// articles through the store directly.
func Record(a *Article, actor UserRef, action string, revision int, at time.Time) *Event {
	return a.record(actor, action, revision, "", at)
}
