// Package workflow is the editorial state machine: the states an article's
// working copy moves through, the actions that move it, and who may take them.
//
// It is pure (no I/O, no clock, no storage) so that every rule can be tested
// exhaustively and so that no path into the system (API, CLI, import,
// scheduler) can take a transition without going through the same decision.
package workflow

import (
	"slices"
	"time"
)

// State is the workflow state of an article's working copy. It is separate
// from what readers see: a published article can have a newer draft in review
// while its live version stays up.
type State string

// The workflow states. The string values are part of the HTTP contract.
const (
	Draft            State = "draft"
	InReview         State = "in_review"
	ChangesRequested State = "changes_requested"
	Approved         State = "approved"
	Scheduled        State = "scheduled"
	Published        State = "published"
	Archived         State = "archived"
)

// States lists every state, in the order an article usually meets them, so
// callers (filters, OpenAPI enums, tests) need not repeat the list.
var States = []State{Draft, InReview, ChangesRequested, Approved, Scheduled, Published, Archived}

// Valid reports whether s is one of States; input from clients and from the
// database is checked with it before it reaches the rules.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Action is a transition a user (or the scheduler) asks for.
type Action string

// The transition actions. The string values are part of the HTTP contract.
const (
	Submit         Action = "submit"
	Withdraw       Action = "withdraw"
	Approve        Action = "approve"
	RequestChanges Action = "request_changes"
	Publish        Action = "publish"
	Schedule       Action = "schedule"
	Unschedule     Action = "unschedule"
	Unpublish      Action = "unpublish"
	Archive        Action = "archive"
	Reopen         Action = "reopen"
)

// ActionSave names a save (a new revision) in a TransitionError. It is not a
// transition action: it is absent from Actions and not Valid, so a client
// cannot send it to the transitions endpoint.
const ActionSave Action = "save"

// Actions lists every transition action.
var Actions = []Action{Submit, Withdraw, Approve, RequestChanges, Publish, Schedule, Unschedule, Unpublish, Archive, Reopen}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// Role is what a user is allowed to do. A user may hold several.
type Role string

// The roles. RoleSystem is the scheduler acting on its own; it is never given
// to a user, which is why it is not Valid and not in UserRoles.
const (
	RoleWriter   Role = "writer"
	RoleReviewer Role = "reviewer"
	RoleEditor   Role = "editor"
	RoleAdmin    Role = "admin"
	RoleSystem   Role = "system"
)

// UserRoles lists the roles a user account may hold.
var UserRoles = []Role{RoleWriter, RoleReviewer, RoleEditor, RoleAdmin}

// Valid reports whether r may be given to a user. It is false for RoleSystem
// so that user creation and token claims can never carry it.
func (r Role) Valid() bool { return slices.Contains(UserRoles, r) }

// Actor is who asks for an action.
type Actor struct {
	ID    string
	Roles []Role
	// Credentials is the reviewer's professional qualification ("MD,
	// Rheumatology"). Readers are shown it, so a review without it does not
	// count.
	Credentials string
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Subject is what the rules need to know about the article.
type Subject struct {
	State    State
	AuthorID string
	// HasLive is true while a published version is live.
	HasLive bool
	// DraftHash is the content hash of the current draft revision.
	DraftHash string
	// ApprovedHash is the content hash the approval binds to ("" when no
	// approval).
	ApprovedHash string
	// DraftHashes are every content hash the draft has: its hash under the
	// current encoding and under older ones, so that a revision saved under
	// an older encoding with the same words is recognised. DraftHash alone
	// is used when it is empty.
	DraftHashes []string
	// Revisions are the article's saved revisions and Approvals the
	// approvals in its history; approve and request_changes read them to
	// find whose words are under review.
	Revisions []SavedRevision
	Approvals []PastApproval
	// Approvers are the reviewers who have approved DraftHash in the
	// current review round; RequiredApprovals is how many distinct
	// reviewers must (values below 1 mean 1). Second opinions: the
	// article stays in review until enough have approved.
	Approvers         []string
	RequiredApprovals int
}

// SavedRevision is who saved which content as a revision.
type SavedRevision struct {
	Number      int
	ContentHash string
	SavedBy     string
}

// PastApproval is an approval recorded in an article's history: the
// revision that was the draft when it was given, and by whom.
type PastApproval struct {
	Revision   int
	ReviewerID string
}

// Request is one action asked for, with its input.
type Request struct {
	Action Action
	// Comment is free text recorded with the event; required for
	// request_changes.
	Comment string
	// At is when to publish; only for schedule.
	At *time.Time
	// Now is the caller's clock, passed in to keep the package pure.
	Now time.Time
}

// MaxCommentLength bounds a transition comment, in characters, so the audit
// trail cannot be bloated by a single event.
const MaxCommentLength = 10000

// Outcome is the result of an allowed transition: the new state and the side
// effects the caller must apply in the same transaction.
type Outcome struct {
	From, To State
	// ClearLive ends the live version (unpublish).
	ClearLive bool
	// SetApproval records the reviewer, time, revision and content hash
	// (approve).
	SetApproval bool
	// ClearApproval drops the recorded approval (archive).
	ClearApproval bool
	// AddApproval records the actor's approval of the draft among the
	// approvals of this round (approve); SetApproval is set too when it
	// is the one that completes the count.
	AddApproval bool
	// ClearApprovals starts a new review round: the approvals gathered
	// so far no longer count (submit, withdraw, request_changes, archive).
	ClearApprovals bool
	// MakeLive publishes the approved revision as a new version (publish).
	MakeLive bool
	// SetSchedule records Request.At as the publication time (schedule).
	SetSchedule bool
	// ClearSchedule drops the publication time (unschedule, publish by the
	// scheduler, archive of a scheduled article).
	ClearSchedule bool
}
