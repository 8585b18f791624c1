package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	authorID = "u-author"
	saverID  = "u-saver"
	hashA    = "sha256:aaaa"
	hashB    = "sha256:bbbb"
	hashC    = "sha256:cccc"
)

var now = time.Date(2026, 11, 25, 16, 35, 38, 0, time.UTC)

// actors are the matrix columns, in this order. Each one stands for a kind of
// caller the rules must tell apart.
var actors = []struct {
	name  string
	actor Actor
}{
	{"writer-author", Actor{ID: authorID, Roles: []Role{RoleWriter}}},
	{"writer-not-author", Actor{ID: "u-writer2", Roles: []Role{RoleWriter}}},
	{"reviewer-creds", Actor{ID: "u-rev", Roles: []Role{RoleReviewer}, Credentials: "MD, Rheumatology"}},
	{"reviewer-no-creds", Actor{ID: "u-rev0", Roles: []Role{RoleReviewer}, Credentials: "  "}},
	{"reviewer-author", Actor{ID: authorID, Roles: []Role{RoleReviewer}, Credentials: "PharmD"}},
	{"reviewer-saver", Actor{ID: saverID, Roles: []Role{RoleReviewer}, Credentials: "MD"}},
	{"writer+reviewer-author", Actor{ID: authorID, Roles: []Role{RoleWriter, RoleReviewer}, Credentials: "MD"}},
	{"editor", Actor{ID: "u-ed", Roles: []Role{RoleEditor}}},
	{"editor+reviewer", Actor{ID: "u-edrev", Roles: []Role{RoleEditor, RoleReviewer}, Credentials: "MD"}},
	{"admin", Actor{ID: "u-admin", Roles: []Role{RoleAdmin}}},
	{"admin+reviewer", Actor{ID: "u-adrev", Roles: []Role{RoleAdmin, RoleReviewer}, Credentials: "PharmD"}},
	{"system", Actor{ID: "", Roles: []Role{RoleSystem}}},
}

// matrix is the written expectation for one action: per state, one cell per
// actor column. "+" allowed (the outcome is in outcomes), "-" ForbiddenError,
// "x" TransitionError.
//
//	columns: writer-author writer-not-author reviewer-creds reviewer-no-creds
//	         reviewer-author reviewer-saver writer+reviewer-author editor
//	         editor+reviewer admin admin+reviewer system
type matrix map[State]string

// expectations per action. live lists the HasLive values the matrix holds
// for; actions that do not look at HasLive are checked under both.
var expectations = []struct {
	action Action
	live   []bool
	m      matrix
}{
	{Submit, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "+  -  -  -  -  -  +   +  +  +  +  -",
		InReview:         "x  x  -  -  -  -  x   x  x  x  x  -",
		ChangesRequested: "+  -  -  -  -  -  +   +  +  +  +  -",
		Approved:         "x  x  -  -  -  -  x   x  x  x  x  -",
		Scheduled:        "x  x  -  -  -  -  x   x  x  x  x  -",
		Published:        "+  -  -  -  -  -  +   +  +  +  +  -",
		Archived:         "x  x  -  -  -  -  x   x  x  x  x  -",
	}},
	{Withdraw, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "x  x  -  -  -  -  x   x  x  x  x  -",
		InReview:         "+  -  -  -  -  -  +   +  +  +  +  -",
		ChangesRequested: "x  x  -  -  -  -  x   x  x  x  x  -",
		Approved:         "x  x  -  -  -  -  x   x  x  x  x  -",
		Scheduled:        "x  x  -  -  -  -  x   x  x  x  x  -",
		Published:        "x  x  -  -  -  -  x   x  x  x  x  -",
		Archived:         "x  x  -  -  -  -  x   x  x  x  x  -",
	}},
	{Approve, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  x  x  x  x  x   -  x  -  x  -",
		InReview:         "-  -  +  -  -  -  -   -  +  -  +  -",
		ChangesRequested: "-  -  x  x  x  x  x   -  x  -  x  -",
		Approved:         "-  -  x  x  x  x  x   -  x  -  x  -",
		Scheduled:        "-  -  x  x  x  x  x   -  x  -  x  -",
		Published:        "-  -  x  x  x  x  x   -  x  -  x  -",
		Archived:         "-  -  x  x  x  x  x   -  x  -  x  -",
	}},
	{RequestChanges, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  x  x  x  x  x   -  x  -  x  -",
		InReview:         "-  -  +  -  -  -  -   -  +  -  +  -",
		ChangesRequested: "-  -  x  x  x  x  x   -  x  -  x  -",
		Approved:         "-  -  x  x  x  x  x   -  x  -  x  -",
		Scheduled:        "-  -  x  x  x  x  x   -  x  -  x  -",
		Published:        "-  -  x  x  x  x  x   -  x  -  x  -",
		Archived:         "-  -  x  x  x  x  x   -  x  -  x  -",
	}},
	{Publish, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  x",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  x",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  x",
		Approved:         "-  -  -  -  -  -  -   +  +  +  +  x",
		Scheduled:        "-  -  -  -  -  -  -   x  x  x  x  +",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  x",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  x",
	}},
	{Schedule, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  -",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  -",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  -",
		Approved:         "-  -  -  -  -  -  -   +  +  +  +  -",
		Scheduled:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  -",
	}},
	{Unschedule, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  x",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  x",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  x",
		Approved:         "-  -  -  -  -  -  -   x  x  x  x  x",
		Scheduled:        "-  -  -  -  -  -  -   +  +  +  +  +",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  x",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  x",
	}},
	{Unpublish, []bool{true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   +  +  +  +  -",
		InReview:         "-  -  -  -  -  -  -   +  +  +  +  -",
		ChangesRequested: "-  -  -  -  -  -  -   +  +  +  +  -",
		Approved:         "-  -  -  -  -  -  -   +  +  +  +  -",
		Scheduled:        "-  -  -  -  -  -  -   +  +  +  +  -",
		Published:        "-  -  -  -  -  -  -   +  +  +  +  -",
		Archived:         "-  -  -  -  -  -  -   +  +  +  +  -",
	}},
	{Unpublish, []bool{false}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  -",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  -",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  -",
		Approved:         "-  -  -  -  -  -  -   x  x  x  x  -",
		Scheduled:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  -",
	}},
	{Archive, []bool{false}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   +  +  +  +  -",
		InReview:         "-  -  -  -  -  -  -   +  +  +  +  -",
		ChangesRequested: "-  -  -  -  -  -  -   +  +  +  +  -",
		Approved:         "-  -  -  -  -  -  -   +  +  +  +  -",
		Scheduled:        "-  -  -  -  -  -  -   +  +  +  +  -",
		Published:        "-  -  -  -  -  -  -   +  +  +  +  -",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  -",
	}},
	{Archive, []bool{true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  -",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  -",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  -",
		Approved:         "-  -  -  -  -  -  -   x  x  x  x  -",
		Scheduled:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Archived:         "-  -  -  -  -  -  -   x  x  x  x  -",
	}},
	{Reopen, []bool{false, true}, matrix{
		//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
		Draft:            "-  -  -  -  -  -  -   x  x  x  x  -",
		InReview:         "-  -  -  -  -  -  -   x  x  x  x  -",
		ChangesRequested: "-  -  -  -  -  -  -   x  x  x  x  -",
		Approved:         "-  -  -  -  -  -  -   x  x  x  x  -",
		Scheduled:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Published:        "-  -  -  -  -  -  -   x  x  x  x  -",
		Archived:         "-  -  -  -  -  -  -   +  +  +  +  -",
	}},
}

// outcomes is the written outcome of every allowed (action, from) pair.
var outcomes = map[Action]map[State]Outcome{
	Submit: {
		Draft:            {From: Draft, To: InReview, ClearApprovals: true},
		ChangesRequested: {From: ChangesRequested, To: InReview, ClearApprovals: true},
		Published:        {From: Published, To: InReview, ClearApprovals: true},
	},
	Withdraw:       {InReview: {From: InReview, To: Draft, ClearApprovals: true}},
	Approve:        {InReview: {From: InReview, To: Approved, SetApproval: true, AddApproval: true}},
	RequestChanges: {InReview: {From: InReview, To: ChangesRequested, ClearApprovals: true}},
	Publish: {
		Approved:  {From: Approved, To: Published, MakeLive: true},
		Scheduled: {From: Scheduled, To: Published, MakeLive: true, ClearSchedule: true},
	},
	Schedule:   {Approved: {From: Approved, To: Scheduled, SetSchedule: true}},
	Unschedule: {Scheduled: {From: Scheduled, To: Approved, ClearSchedule: true}},
	Unpublish: {
		Draft:            {From: Draft, To: Draft, ClearLive: true},
		InReview:         {From: InReview, To: InReview, ClearLive: true},
		ChangesRequested: {From: ChangesRequested, To: ChangesRequested, ClearLive: true},
		Approved:         {From: Approved, To: Approved, ClearLive: true},
		Scheduled:        {From: Scheduled, To: Scheduled, ClearLive: true},
		Published:        {From: Published, To: Draft, ClearLive: true},
		Archived:         {From: Archived, To: Archived, ClearLive: true},
	},
	Archive: {
		Draft:            {From: Draft, To: Archived, ClearApproval: true, ClearApprovals: true},
		InReview:         {From: InReview, To: Archived, ClearApproval: true, ClearApprovals: true},
		ChangesRequested: {From: ChangesRequested, To: Archived, ClearApproval: true, ClearApprovals: true},
		Approved:         {From: Approved, To: Archived, ClearApproval: true, ClearApprovals: true},
		Scheduled:        {From: Scheduled, To: Archived, ClearApproval: true, ClearApprovals: true, ClearSchedule: true},
		Published:        {From: Published, To: Archived, ClearApproval: true, ClearApprovals: true},
	},
	Reopen: {Archived: {From: Archived, To: Draft}},
}

// validRequest is a request whose input passes step four, so the matrix
// isolates roles, states and ownership.
func validRequest(a Action) Request {
	r := Request{Action: a, Comment: "Please cite the 2024 label update.", Now: now}
	if a == Schedule {
		at := now.Add(time.Hour)
		r.At = &at
	}
	return r
}

// subject is an article whose approval matches its draft, so publish is
// decided by state and role alone.
func subject(st State, live bool) Subject {
	return Subject{
		State: st, AuthorID: authorID, HasLive: live,
		DraftHash: hashA, ApprovedHash: hashA,
		Revisions: []SavedRevision{{Number: 1, ContentHash: hashB, SavedBy: authorID}, {Number: 2, ContentHash: hashA, SavedBy: saverID}},
	}
}

func TestDecideMatrix(t *testing.T) {
	covered := map[string]bool{}
	for _, e := range expectations {
		if len(e.m) != len(States) {
			t.Fatalf("%s: matrix has %d states, want %d", e.action, len(e.m), len(States))
		}
		for st, row := range e.m {
			cells := strings.Fields(row)
			if len(cells) != len(actors) {
				t.Fatalf("%s/%s: row has %d cells, want %d", e.action, st, len(cells), len(actors))
			}
			for _, live := range e.live {
				covered[fmt.Sprintf("%s/%s/%v", e.action, st, live)] = true
				for i, ac := range actors {
					name := fmt.Sprintf("%s/%s/live=%v/%s", e.action, st, live, ac.name)
					t.Run(name, func(t *testing.T) {
						got, err := Decide(subject(st, live), ac.actor, validRequest(e.action))
						checkCell(t, cells[i], e.action, st, got, err)
					})
				}
			}
		}
	}
	// Every action × state × HasLive must have a written expectation.
	for _, a := range Actions {
		for _, st := range States {
			for _, live := range []bool{false, true} {
				if !covered[fmt.Sprintf("%s/%s/%v", a, st, live)] {
					t.Errorf("no expectation for %s from %s with live=%v", a, st, live)
				}
			}
		}
	}
}

func checkCell(t *testing.T, cell string, a Action, st State, got Outcome, err error) {
	t.Helper()
	switch cell {
	case "+":
		want, ok := outcomes[a][st]
		if !ok {
			t.Fatalf("matrix allows %s from %s but outcomes has no entry", a, st)
		}
		if err != nil {
			t.Fatalf("err = %v, want %+v", err, want)
		}
		if got != want {
			t.Fatalf("outcome = %+v, want %+v", got, want)
		}
	case "-":
		var fe *ForbiddenError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v (%T), want *ForbiddenError", err, err)
		}
		if got != (Outcome{}) {
			t.Fatalf("outcome = %+v with an error, want zero", got)
		}
	case "x":
		var te *TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v (%T), want *TransitionError", err, err)
		}
		if te.State != st || te.Action != a {
			t.Fatalf("TransitionError = %+v, want state %s action %s", te, st, a)
		}
		if got != (Outcome{}) {
			t.Fatalf("outcome = %+v with an error, want zero", got)
		}
	default:
		t.Fatalf("bad matrix cell %q", cell)
	}
}

func TestSelfApproval(t *testing.T) {
	const me, other, other2 = "u-rev", "u-other", "u-other2"
	reviewer := Actor{ID: me, Roles: []Role{RoleWriter, RoleReviewer}, Credentials: "MD"}
	rev := func(n int, hash, by string) SavedRevision {
		return SavedRevision{Number: n, ContentHash: hash, SavedBy: by}
	}
	tests := []struct {
		name    string
		s       Subject
		allowed bool
	}{
		{"author", Subject{State: InReview, AuthorID: me, DraftHash: hashA}, false},
		{"saved since creation, never approved", Subject{State: InReview, AuthorID: authorID, DraftHash: hashB,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashB, authorID)}}, false},
		{"saved since the last approval", Subject{State: InReview, AuthorID: authorID, DraftHash: hashB,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashB, authorID)},
			Approvals: []PastApproval{{1, other}}}, false},
		{"saved before an approval by another reviewer", Subject{State: InReview, AuthorID: authorID, DraftHash: hashB,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashB, authorID)},
			Approvals: []PastApproval{{2, other}}}, true},
		{"saved before their own approval only", Subject{State: InReview, AuthorID: authorID, DraftHash: hashB,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashA, authorID), rev(4, hashB, authorID)},
			Approvals: []PastApproval{{1, other}, {3, me}}}, false},
		// The restore story: the reviewer's words of revision 2 come back
		// as revision 4, after another reviewer approved revision 3.
		{"their words restored after an approval", Subject{State: InReview, AuthorID: authorID, DraftHash: hashC,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashA, authorID), rev(4, hashC, authorID)},
			Approvals: []PastApproval{{3, other}}}, false},
		{"their words under an older hash encoding", Subject{State: InReview, AuthorID: authorID, DraftHash: hashC, DraftHashes: []string{hashC, hashB},
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashB, me), rev(3, hashA, authorID), rev(4, hashC, authorID)},
			Approvals: []PastApproval{{3, other}}}, false},
		{"their old words not under review", Subject{State: InReview, AuthorID: authorID, DraftHash: hashB,
			Revisions: []SavedRevision{rev(1, hashA, authorID), rev(2, hashC, me), rev(3, hashA, authorID), rev(4, hashB, authorID)},
			Approvals: []PastApproval{{3, other}}}, true},
		{"others saved, approved by others", Subject{State: InReview, AuthorID: authorID, DraftHash: hashA,
			Revisions: []SavedRevision{rev(1, hashB, authorID), rev(2, hashA, other)}, Approvals: []PastApproval{{1, other2}}}, true},
	}
	for _, tt := range tests {
		for _, a := range []Action{Approve, RequestChanges} {
			t.Run(tt.name+"/"+string(a), func(t *testing.T) {
				_, err := Decide(tt.s, reviewer, validRequest(a))
				var fe *ForbiddenError
				switch {
				case tt.allowed && err != nil:
					t.Fatalf("err = %v, want allowed", err)
				case !tt.allowed && !errors.As(err, &fe):
					t.Fatalf("err = %v, want *ForbiddenError", err)
				}
			})
		}
	}
	// An actor without an ID cannot be matched against author or savers.
	s := Subject{State: InReview, AuthorID: authorID, DraftHash: hashA, Revisions: []SavedRevision{rev(1, hashA, authorID)}}
	anon := Actor{Roles: []Role{RoleReviewer}, Credentials: "MD"}
	var fe *ForbiddenError
	if _, err := Decide(s, anon, validRequest(Approve)); !errors.As(err, &fe) {
		t.Fatalf("reviewer without ID: err = %v, want *ForbiddenError", err)
	}
}

func TestReviewerCredentials(t *testing.T) {
	s := Subject{State: InReview, AuthorID: authorID}
	for _, creds := range []string{"", " ", "\t\n"} {
		r := Actor{ID: "u-rev", Roles: []Role{RoleReviewer}, Credentials: creds}
		var fe *ForbiddenError
		if _, err := Decide(s, r, validRequest(Approve)); !errors.As(err, &fe) {
			t.Errorf("credentials %q: err = %v, want *ForbiddenError", creds, err)
		}
	}
	// An editor's seniority does not stand in for a reviewer's credentials.
	ed := Actor{ID: "u-ed", Roles: []Role{RoleEditor, RoleReviewer}}
	var fe *ForbiddenError
	if _, err := Decide(s, ed, validRequest(Approve)); !errors.As(err, &fe) {
		t.Errorf("editor+reviewer without credentials: err = %v, want *ForbiddenError", err)
	}
}

func TestPublishHashMismatch(t *testing.T) {
	editor := Actor{ID: "u-ed", Roles: []Role{RoleEditor}}
	system := Actor{Roles: []Role{RoleSystem}}
	tests := []struct {
		name           string
		state          State
		actor          Actor
		draft, approve string
	}{
		{"editor, different hash", Approved, editor, hashB, hashA},
		{"editor, no approval", Approved, editor, hashA, ""},
		{"editor, both empty", Approved, editor, "", ""},
		{"scheduler, different hash", Scheduled, system, hashB, hashA},
		{"scheduler, no approval", Scheduled, system, hashA, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Subject{State: tt.state, AuthorID: authorID, DraftHash: tt.draft, ApprovedHash: tt.approve}
			_, err := Decide(s, tt.actor, validRequest(Publish))
			var te *TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TransitionError", err)
			}
			if te.Reason == "" {
				t.Errorf("TransitionError has no reason: %v", te)
			}
		})
	}
}

func TestScheduleAt(t *testing.T) {
	editor := Actor{ID: "u-ed", Roles: []Role{RoleEditor}}
	s := subject(Approved, false)
	past, later := now.Add(-time.Minute), now.Add(time.Second)
	tests := []struct {
		name  string
		at    *time.Time
		valid bool
	}{
		{"missing", nil, false},
		{"past", &past, false},
		{"now", &now, false},
		{"future", &later, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Decide(s, editor, Request{Action: Schedule, At: tt.at, Now: now})
			if tt.valid {
				if err != nil || !o.SetSchedule {
					t.Fatalf("outcome %+v, err %v; want a schedule", o, err)
				}
				return
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Field != "at" {
				t.Fatalf("err = %v, want *InvalidError on at", err)
			}
		})
	}
	// A time on any other action is refused, so "publish at" cannot publish now.
	r := validRequest(Publish)
	r.At = &later
	var ie *InvalidError
	if _, err := Decide(s, editor, r); !errors.As(err, &ie) || ie.Field != "at" {
		t.Fatalf("publish with at: err = %v, want *InvalidError on at", err)
	}
}

func TestRequestChangesComment(t *testing.T) {
	r := Actor{ID: "u-rev", Roles: []Role{RoleReviewer}, Credentials: "MD"}
	s := subject(InReview, false)
	for _, c := range []string{"", "   ", "\n\t"} {
		_, err := Decide(s, r, Request{Action: RequestChanges, Comment: c, Now: now})
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != "comment" {
			t.Errorf("comment %q: err = %v, want *InvalidError on comment", c, err)
		}
	}
	// Approve needs no comment.
	if _, err := Decide(s, r, Request{Action: Approve, Now: now}); err != nil {
		t.Errorf("approve without comment: %v", err)
	}
	// An overlong comment is refused on any action.
	long := strings.Repeat("é", MaxCommentLength+1)
	var ie *InvalidError
	if _, err := Decide(s, r, Request{Action: Approve, Comment: long, Now: now}); !errors.As(err, &ie) || ie.Field != "comment" {
		t.Errorf("overlong comment: err = %v, want *InvalidError on comment", err)
	}
	if _, err := Decide(s, r, Request{Action: Approve, Comment: long[:2*MaxCommentLength], Now: now}); err != nil {
		t.Errorf("comment of exactly %d characters: %v", MaxCommentLength, err)
	}
}

// TestCheckOrder pins the order of the checks where several fail at once.
func TestCheckOrder(t *testing.T) {
	reviewer := Actor{ID: "u-rev", Roles: []Role{RoleReviewer}, Credentials: "MD"}
	noCreds := Actor{ID: "u-rev0", Roles: []Role{RoleReviewer}}
	writer2 := Actor{ID: "u-writer2", Roles: []Role{RoleWriter}}
	editor := Actor{ID: "u-ed", Roles: []Role{RoleEditor}}
	var (
		fe *ForbiddenError
		te *TransitionError
		ie *InvalidError
	)
	tests := []struct {
		name   string
		s      Subject
		a      Actor
		r      Request
		target any
	}{
		{"role before state", subject(Draft, false), reviewer, validRequest(Publish), &fe},
		{"state before ownership", subject(Approved, false), writer2, validRequest(Submit), &te},
		{"ownership before input", subject(InReview, false), noCreds, Request{Action: RequestChanges, Now: now}, &fe},
		{"state before input", subject(Draft, false), editor, Request{Action: Schedule, Now: now}, &te},
		{"role before input", subject(Approved, false), reviewer, Request{Action: Schedule, Now: now}, &fe},
		{"unknown action first", subject(Draft, false), Actor{}, Request{Action: "delete", Now: now}, &ie},
		{"save is not a transition", subject(Draft, false), editor, Request{Action: ActionSave, Now: now}, &ie},
		{"no roles", subject(Draft, false), Actor{ID: authorID}, validRequest(Submit), &fe},
		{"unknown state", subject("limbo", false), editor, validRequest(Submit), &te},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decide(tt.s, tt.a, tt.r)
			if !errors.As(err, tt.target) {
				t.Fatalf("err = %v (%T), want %T", err, err, tt.target)
			}
		})
	}
}

func TestSave(t *testing.T) {
	// Cells: "D" saved, now draft; "=" saved, state kept; "-" ForbiddenError;
	// "x" TransitionError. Columns as in the Decide matrix.
	tests := []struct {
		hashChanged bool
		m           matrix
	}{
		{true, matrix{
			//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
			Draft:            "D  -  -  -  -  -  D   D  D  D  D  -",
			InReview:         "x  x  -  -  -  -  x   x  x  x  x  -",
			ChangesRequested: "D  -  -  -  -  -  D   D  D  D  D  -",
			Approved:         "D  -  -  -  -  -  D   D  D  D  D  -",
			Scheduled:        "D  -  -  -  -  -  D   D  D  D  D  -",
			Published:        "D  -  -  -  -  -  D   D  D  D  D  -",
			Archived:         "x  x  -  -  -  -  x   x  x  x  x  -",
		}},
		{false, matrix{
			//                 wA wN rC r0 rA rS wrA ed eR ad aR sy
			Draft:            "=  -  -  -  -  -  =   =  =  =  =  -",
			InReview:         "x  x  -  -  -  -  x   x  x  x  x  -",
			ChangesRequested: "=  -  -  -  -  -  =   =  =  =  =  -",
			Approved:         "=  -  -  -  -  -  =   =  =  =  =  -",
			Scheduled:        "=  -  -  -  -  -  =   =  =  =  =  -",
			Published:        "=  -  -  -  -  -  =   =  =  =  =  -",
			Archived:         "x  x  -  -  -  -  x   x  x  x  x  -",
		}},
	}
	for _, tt := range tests {
		if len(tt.m) != len(States) {
			t.Fatalf("matrix has %d states, want %d", len(tt.m), len(States))
		}
		for st, row := range tt.m {
			cells := strings.Fields(row)
			if len(cells) != len(actors) {
				t.Fatalf("%s: row has %d cells", st, len(cells))
			}
			for i, ac := range actors {
				for _, live := range []bool{false, true} {
					name := fmt.Sprintf("changed=%v/%s/live=%v/%s", tt.hashChanged, st, live, ac.name)
					t.Run(name, func(t *testing.T) {
						got, err := Save(subject(st, live), ac.actor, tt.hashChanged)
						var (
							fe *ForbiddenError
							te *TransitionError
						)
						switch cells[i] {
						case "D", "=":
							want := Draft
							if cells[i] == "=" {
								want = st
							}
							if err != nil || got != want {
								t.Fatalf("Save = %q, %v; want %q", got, err, want)
							}
						case "-":
							if !errors.As(err, &fe) {
								t.Fatalf("err = %v, want *ForbiddenError", err)
							}
						case "x":
							if !errors.As(err, &te) || te.Action != ActionSave || te.State != st {
								t.Fatalf("err = %v, want *TransitionError{%s, save}", err, st)
							}
						default:
							t.Fatalf("bad cell %q", cells[i])
						}
					})
				}
			}
		}
	}
}

func TestCanCreate(t *testing.T) {
	want := map[string]bool{
		"writer-author": true, "writer-not-author": true,
		"reviewer-creds": false, "reviewer-no-creds": false, "reviewer-author": false, "reviewer-saver": false,
		"writer+reviewer-author": true,
		"editor":                 true, "editor+reviewer": true, "admin": true, "admin+reviewer": true,
		"system": false,
	}
	for _, ac := range actors {
		if got := CanCreate(ac.actor); got != want[ac.name] {
			t.Errorf("CanCreate(%s) = %v, want %v", ac.name, got, want[ac.name])
		}
	}
}

func TestValid(t *testing.T) {
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	for _, a := range Actions {
		if !a.Valid() {
			t.Errorf("%q not valid", a)
		}
	}
	for _, r := range UserRoles {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	if State("deleted").Valid() || Action("delete").Valid() || ActionSave.Valid() ||
		Role("superuser").Valid() || RoleSystem.Valid() || State("").Valid() {
		t.Error("an unknown value is valid")
	}
	if len(States) != 7 || len(Actions) != 10 || len(UserRoles) != 4 {
		t.Errorf("lists have %d states, %d actions, %d roles", len(States), len(Actions), len(UserRoles))
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&TransitionError{State: Draft, Action: Publish}, `cannot "publish" an article in state "draft"`},
		{&TransitionError{State: Approved, Action: Publish, Reason: "the draft is not the approved content"},
			`cannot "publish" an article in state "approved": the draft is not the approved content`},
		{&ForbiddenError{Reason: "no"}, "no"},
		{&ForbiddenError{}, "forbidden"},
		{&InvalidError{Field: "comment", Message: "is required"}, "comment is required"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	// Wrapped, they are still found, which is how the API maps them.
	var te *TransitionError
	if !errors.As(fmt.Errorf("article x: %w", &TransitionError{State: Draft, Action: Publish}), &te) {
		t.Error("errors.As does not find a wrapped *TransitionError")
	}
}

// TestSecondOpinions: with two approvals required, the first keeps the
// article in review, the same reviewer cannot count twice, and the second
// distinct reviewer completes it.
func TestSecondOpinions(t *testing.T) {
	rev := Actor{ID: "u-rev", Roles: []Role{RoleReviewer}, Credentials: "MD"}
	s := subject(InReview, false)
	s.RequiredApprovals = 2
	o, err := Decide(s, rev, validRequest(Approve))
	if err != nil || o.To != InReview || !o.AddApproval || o.SetApproval {
		t.Fatalf("first of two: %+v, %v", o, err)
	}
	s.Approvers = []string{"u-rev"}
	var te *TransitionError
	if _, err := Decide(s, rev, validRequest(Approve)); !errors.As(err, &te) {
		t.Fatalf("same reviewer twice: %v, want a TransitionError", err)
	}
	o, err = Decide(s, Actor{ID: "u-rev2", Roles: []Role{RoleReviewer}, Credentials: "PharmD"}, validRequest(Approve))
	if err != nil || o.To != Approved || !o.AddApproval || !o.SetApproval {
		t.Fatalf("second of two: %+v, %v", o, err)
	}
}
