package cms

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kinds of subject the audit trail records changes of. Each subject
// (one article, one topic, one user, one key, one webhook) has a hash
// chain of its own, so a subject's history can be read and verified
// without the rest.
const (
	SubjectArticle = "article"
	SubjectTopic   = "topic"
	SubjectUser    = "user"
	SubjectAPIKey  = "api_key"
	SubjectWebhook = "webhook"
)

// SubjectTypes lists every subject type, for validating filters.
var SubjectTypes = []string{SubjectArticle, SubjectTopic, SubjectUser, SubjectAPIKey, SubjectWebhook}

// The audit actions of subjects other than articles; "created" is
// EventCreated. Users: created, name_changed, roles_changed,
// credentials_changed, disabled, enabled, password_changed. API keys:
// created, revoked. Topics: created, changed, deleted. Webhooks: created,
// deleted.
const (
	EventChanged            = "changed"
	EventDeleted            = "deleted"
	EventRevoked            = "revoked"
	EventNameChanged        = "name_changed"
	EventRolesChanged       = "roles_changed"
	EventCredentialsChanged = "credentials_changed"
	EventDisabled           = "disabled"
	EventEnabled            = "enabled"
	EventPasswordChanged    = "password_changed"
)

// Subject names what an audit event is about.
type Subject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// AuditEvent is one entry of the audit log. Article events are kept in
// their articles' chains (Event) and shown in this shape too, with their
// comment as Detail; the events of every other subject are AuditEvents
// from the start. Detail says what changed, from what to what, and never
// holds a secret.
type AuditEvent struct {
	// Seq is the event's place in its subject's chain, from 1.
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   UserRef   `json:"actor"`
	Subject Subject   `json:"subject"`
	Action  string    `json:"action"`
	Detail  string    `json:"detail"`
	// Revision is the article revision an article event concerns; zero
	// (left out) for other subjects.
	Revision int    `json:"revision,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// NewAuditEvent returns an event not yet placed in its chain: the store
// calls Link inside the transaction that writes it.
func NewAuditEvent(s Subject, actor UserRef, action, detail string, at time.Time) *AuditEvent {
	return &AuditEvent{Subject: s, Actor: actor, Action: action, Detail: detail, At: at}
}

// Link places the event after the head of its subject's chain and seals
// it with its hash. The store calls it with the head it holds locked in
// the writing transaction, so two changes cannot take the same place.
func (e *AuditEvent) Link(prevSeq int64, prevHash string) {
	e.Seq, e.PrevHash = prevSeq+1, prevHash
	e.Hash = e.computeHash()
}

// computeHash is sha256 over a canonical, versioned encoding of every
// field but the hash itself, the previous hash included.
func (e *AuditEvent) computeHash() string {
	b, err := json.Marshal([]any{"audit/1", e.Subject.Type, e.Subject.ID, e.Seq, e.At.UTC().Format(time.RFC3339Nano),
		e.Actor.ID, e.Actor.Name, e.Action, e.Detail, e.PrevHash})
	if err != nil {
		panic(err) // plain values always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// SubjectChain is the audit trail of one subject other than an article,
// with the head the store keeps for it; the head catches a deleted last
// event. HeadSeq is -1 when the subject has events but no head.
type SubjectChain struct {
	Subject  Subject
	HeadSeq  int64
	HeadHash string
	Events   []*AuditEvent
}

// Verify checks the chain end to end, as Chain.Verify does an article's.
func (c *SubjectChain) Verify() error {
	if c.HeadSeq < 0 {
		return &BrokenChainError{c.Subject, 1, "the chain has events but its head was removed"}
	}
	prev := ""
	for i, e := range c.Events {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &BrokenChainError{c.Subject, want, fmt.Sprintf("missing or reordered: found event %d in its place", e.Seq)}
		case e.PrevHash != prev:
			return &BrokenChainError{c.Subject, e.Seq, "does not follow the event before it (previous hash differs)"}
		case e.computeHash() != e.Hash:
			return &BrokenChainError{c.Subject, e.Seq, "altered: its content does not match its hash"}
		}
		prev = e.Hash
	}
	if int64(len(c.Events)) != c.HeadSeq || prev != c.HeadHash {
		return &BrokenChainError{c.Subject, int64(len(c.Events)) + 1, fmt.Sprintf("the head is event %d but the trail ends at %d: events were removed", c.HeadSeq, len(c.Events))}
	}
	return nil
}

// AuditFilter selects events for the audit log; empty fields select all.
type AuditFilter struct {
	Type, ID string
	Limit    int
	After    *AuditCursor
}

// AuditCursor is a keyset position in the audit log: the order key of the
// last event seen.
type AuditCursor struct {
	At      time.Time
	Subject Subject
	Seq     int64
}

// Encode makes the opaque cursor string clients send back.
func (c AuditCursor) Encode() string {
	s := strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatInt(c.Seq, 10) + "." + c.Subject.Type + "." + c.Subject.ID
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// DecodeAuditCursor parses a cursor string; EBADREQUEST when it is not one.
func DecodeAuditCursor(s string) (*AuditCursor, error) {
	bad := &Error{Code: EBADREQUEST, Message: "cursor is not a cursor this API gave out",
		Fields: []FieldError{{Field: "cursor", Message: "is invalid"}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(string(b), ".", 4)
	if len(parts) != 4 {
		return nil, bad
	}
	us, err1 := strconv.ParseInt(parts[0], 10, 64)
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	at := time.UnixMicro(us).UTC()
	if err1 != nil || err2 != nil || seq < 1 || !slices.Contains(SubjectTypes, parts[2]) || parts[3] == "" ||
		len(parts[3]) > 200 || at.Year() < 1 || at.Year() > 9999 {
		return nil, bad
	}
	return &AuditCursor{At: at, Subject: Subject{parts[2], parts[3]}, Seq: seq}, nil
}

// AuditQuery is the audit log request.
type AuditQuery struct {
	SubjectType, SubjectID string
	Limit                  int
	Cursor                 string
}

// Audit lists every recorded change, newest first, with the cursor of the
// next page ("" on the last). Admins only.
func (e *Editor) Audit(ctx context.Context, actor *User, q AuditQuery) ([]*AuditEvent, string, error) {
	if err := RequireRole(actor, "reading the audit log", roleAdmin...); err != nil {
		return nil, "", err
	}
	if q.SubjectType != "" && !slices.Contains(SubjectTypes, q.SubjectType) {
		return nil, "", &Error{Code: EBADREQUEST, Message: "subject_type must be one of " + strings.Join(SubjectTypes, ", "),
			Fields: []FieldError{{"subject_type", "is not a subject type"}}}
	}
	f := AuditFilter{Type: q.SubjectType, ID: q.SubjectID, Limit: q.Limit + 1}
	if q.Cursor != "" {
		c, err := DecodeAuditCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		f.After = c
	}
	evs, err := e.Store.AuditLog(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(evs) == f.Limit {
		evs = evs[:len(evs)-1]
		last := evs[len(evs)-1]
		next = AuditCursor{At: last.At, Subject: last.Subject, Seq: last.Seq}.Encode()
	}
	return evs, next, nil
}
