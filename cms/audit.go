package cms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of an article's audit trail. Events are append-only
// and hash-chained: each Hash covers the event and the hash before it, so
// an altered, removed or reordered event breaks the chain.
type Event struct {
	ArticleID string    `json:"-"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Actor     UserRef   `json:"actor"`
	Action    string    `json:"action"`
	Revision  int       `json:"revision"`
	Comment   string    `json:"comment"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// The audit actions of API.md's history list.
const (
	EventCreated          = "created"
	EventSaved            = "saved"
	EventRestored         = "restored"
	EventSubmitted        = "submitted"
	EventWithdrawn        = "withdrawn"
	EventApproved         = "approved"
	EventChangesRequested = "changes_requested"
	EventPublished        = "published"
	EventScheduled        = "scheduled"
	EventUnscheduled      = "unscheduled"
	EventUnpublished      = "unpublished"
	EventArchived         = "archived"
	EventReopened         = "reopened"
	// EventScheduleFailed: the scheduler could not publish the article at
	// its time and took it off the schedule (back to approved).
	EventScheduleFailed = "schedule_failed"
	// EventCommented and EventCommentResolved record review comments.
	EventCommented       = "commented"
	EventCommentResolved = "comment_resolved"
)

// computeHash is sha256 over a canonical encoding of every field but the
// hash itself, the previous hash included.
func (e *Event) computeHash() string {
	b, err := json.Marshal([]any{e.ArticleID, e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor.ID, e.Actor.Name,
		e.Action, e.Revision, e.Comment, e.PrevHash})
	if err != nil {
		panic(err) // plain values always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// record appends an event to the article's chain and returns it; the
// caller stores it in the same transaction as the change it records.
//
// The store places it again (Link) after the head it holds locked in the
// writing transaction: review comments add to the chain without changing
// the article's version, so the head may have moved since a was read.
func (a *Article) record(actor UserRef, action string, revision int, comment string, at time.Time) *Event {
	e := &Event{ArticleID: a.ID, At: at, Actor: actor, Action: action, Revision: revision, Comment: comment}
	e.Link(a.AuditSeq, a.AuditHead)
	a.AuditSeq, a.AuditHead = e.Seq, e.Hash
	return e
}

// Link places the event after the chain's head (prevSeq, prevHash) and
// seals it with its hash.
func (e *Event) Link(prevSeq int64, prevHash string) {
	e.Seq, e.PrevHash = prevSeq+1, prevHash
	e.Hash = e.computeHash()
}

// Chain is one article's audit trail with the head the article row points
// to; the head catches a deleted last event.
type Chain struct {
	ArticleID string
	HeadSeq   int64
	HeadHash  string
	Events    []*Event
}

// BrokenChainError names the first event where a chain does not verify:
// the subject whose chain it is and the event's place in that chain.
type BrokenChainError struct {
	Subject Subject
	Seq     int64
	Reason  string
}

// Error implements error.
func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("%s %s, event %d: %s", e.Subject.Type, e.Subject.ID, e.Seq, e.Reason)
}

// Verify checks the chain end to end: consecutive sequence numbers from 1,
// each event's previous hash the hash before it, each hash recomputed, and
// the last event the head the article points to.
func (c *Chain) Verify() error {
	subject := Subject{SubjectArticle, c.ArticleID}
	prev := ""
	for i, e := range c.Events {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &BrokenChainError{subject, want, fmt.Sprintf("missing or reordered: found event %d in its place", e.Seq)}
		case e.PrevHash != prev:
			return &BrokenChainError{subject, e.Seq, "does not follow the event before it (previous hash differs)"}
		case e.computeHash() != e.Hash:
			return &BrokenChainError{subject, e.Seq, "altered: its content does not match its hash"}
		}
		prev = e.Hash
	}
	if int64(len(c.Events)) != c.HeadSeq || prev != c.HeadHash {
		return &BrokenChainError{subject, int64(len(c.Events)) + 1, fmt.Sprintf("the article's head is event %d but the trail ends at %d: events were removed", c.HeadSeq, len(c.Events))}
	}
	return nil
}

// AuditStore reads the audit trail: every chain for verification, and
// every event for the audit log.
type AuditStore interface {
	// EachChain calls fn with every article's chain, in article id order,
	// stopping at the first error fn returns.
	EachChain(ctx context.Context, fn func(*Chain) error) error
	// EachSubjectChain calls fn with the chain of every other subject
	// (topics, users, API keys, webhooks), in subject order, stopping at
	// the first error fn returns. A subject with events but no head, or a
	// head but no events, is passed too, so Verify reports it.
	EachSubjectChain(ctx context.Context, fn func(*SubjectChain) error) error
	// AuditLog lists the events of every subject that f selects, newest
	// first: by time, then subject type, subject id and place in the
	// chain, all descending.
	AuditLog(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
}

// VerifyAudit checks every chain, articles' and every other subject's, and
// returns how many events it checked, or the first break.
func VerifyAudit(ctx context.Context, s AuditStore) (int, error) {
	n := 0
	err := s.EachChain(ctx, func(c *Chain) error {
		n += len(c.Events)
		return c.Verify()
	})
	if err != nil {
		return n, err
	}
	err = s.EachSubjectChain(ctx, func(c *SubjectChain) error {
		n += len(c.Events)
		return c.Verify()
	})
	return n, err
}
