package workflow

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Decide says whether actor a may take request r on the article s and, if so,
// what the transition does.
//
// The checks run in a fixed order so the caller always gets the most
// fundamental reason: a role that may never take the action (ForbiddenError),
// then an action that does not fit the state (TransitionError), then
// ownership, credentials and self-review (ForbiddenError), and only then the
// request's input (InvalidError). An unknown action is an InvalidError on
// "action" before anything else, since no rule can apply to it.
func Decide(s Subject, a Actor, r Request) (Outcome, error) {
	if !r.Action.Valid() {
		return Outcome{}, &InvalidError{Field: "action", Message: "is not a known action"}
	}
	if err := mayEver(a, r.Action); err != nil {
		return Outcome{}, err
	}
	o, err := transition(s, a, r.Action)
	if err != nil {
		return Outcome{}, err
	}
	if err := authorize(s, a, r.Action); err != nil {
		return Outcome{}, err
	}
	if err := validate(r); err != nil {
		return Outcome{}, err
	}
	return o, nil
}

// Save says whether actor a may save a new revision of s and which state the
// article is in afterwards.
//
// A changed content hash sends the article back to draft: an approval binds
// to content, so new words need a new review. The caller must then also clear
// the approval and any schedule. An unchanged hash keeps the state (and the
// approval), because the reviewed words are still exactly what is there.
func Save(s Subject, a Actor, hashChanged bool) (State, error) {
	if !a.Has(RoleWriter) && !isEditor(a) {
		return "", &ForbiddenError{Reason: "only writers, editors and admins may edit articles"}
	}
	switch s.State {
	case Draft, ChangesRequested, Approved, Scheduled, Published:
	default:
		// In review the reviewer must see what they decide on; archived
		// articles are frozen until reopened.
		return "", &TransitionError{State: s.State, Action: ActionSave}
	}
	if !isEditor(a) && !owns(a, s) {
		return "", &ForbiddenError{Reason: "writers may only edit their own articles"}
	}
	if hashChanged {
		return Draft, nil
	}
	return s.State, nil
}

// CanCreate reports whether the actor may create articles. Reviewers may not:
// keeping authorship and review apart is what makes the review independent.
func CanCreate(a Actor) bool { return a.Has(RoleWriter) || isEditor(a) }

// isEditor is true for the roles that run the publication side.
func isEditor(a Actor) bool { return a.Has(RoleEditor) || a.Has(RoleAdmin) }

// owns reports whether a wrote s. An empty ID never owns anything, so a
// half-built actor cannot match an article whose author is unknown.
func owns(a Actor, s Subject) bool { return a.ID != "" && a.ID == s.AuthorID }

// mayEver is step one: whether any of the actor's roles could take the action
// from some state.
func mayEver(a Actor, act Action) error {
	var ok bool
	switch act {
	case Submit, Withdraw:
		ok = a.Has(RoleWriter) || isEditor(a)
	case Approve, RequestChanges:
		// Editors and admins review only when they also hold the reviewer
		// role: review is a medical qualification, not a seniority.
		ok = a.Has(RoleReviewer)
	case Publish:
		ok = isEditor(a) || a.Has(RoleSystem)
	case Unschedule:
		// The scheduler takes an article it cannot publish off the
		// schedule, so it does not retry it for ever.
		ok = isEditor(a) || a.Has(RoleSystem)
	default: // Schedule, Unpublish, Archive, Reopen
		ok = isEditor(a)
	}
	if !ok {
		return &ForbiddenError{Reason: "your roles do not allow " + string(act)}
	}
	return nil
}

// transition is step two: whether the action fits the state, and its outcome.
func transition(s Subject, a Actor, act Action) (Outcome, error) {
	o := Outcome{From: s.State}
	bad := func(reason string) (Outcome, error) {
		return Outcome{}, &TransitionError{State: s.State, Action: act, Reason: reason}
	}
	switch act {
	case Submit:
		// From published it is a re-review of unchanged content.
		if s.State != Draft && s.State != ChangesRequested && s.State != Published {
			return bad("")
		}
		o.To, o.ClearApprovals = InReview, true
	case Withdraw:
		if s.State != InReview {
			return bad("")
		}
		o.To, o.ClearApprovals = Draft, true
	case Approve:
		if s.State != InReview {
			return bad("")
		}
		if a.ID != "" && slices.Contains(s.Approvers, a.ID) {
			// A second opinion is another reviewer's: the same one twice
			// would count one review as two.
			return bad("you have already approved this content; it needs another reviewer")
		}
		o.To, o.AddApproval = InReview, true
		if len(s.Approvers)+1 >= max(1, s.RequiredApprovals) {
			o.To, o.SetApproval = Approved, true
		}
	case RequestChanges:
		if s.State != InReview {
			return bad("")
		}
		o.To, o.ClearApprovals = ChangesRequested, true
	case Publish:
		switch {
		case s.State == Approved && isEditor(a):
		case s.State == Scheduled && a.Has(RoleSystem):
			// Only the scheduler publishes a scheduled article, so it goes
			// out at its time exactly once; a user unschedules first.
			o.ClearSchedule = true
		default:
			return bad("")
		}
		if s.ApprovedHash == "" || s.ApprovedHash != s.DraftHash {
			// The last line of defence against publishing unreviewed words.
			return bad("the draft is not the approved content")
		}
		o.To, o.MakeLive = Published, true
	case Schedule:
		if s.State != Approved {
			return bad("")
		}
		o.To, o.SetSchedule = Scheduled, true
	case Unschedule:
		if s.State != Scheduled {
			return bad("")
		}
		o.To, o.ClearSchedule = Approved, true
	case Unpublish:
		if !s.HasLive {
			return bad("nothing is live")
		}
		// Only a published working copy falls back to draft; a newer draft
		// in review or scheduled keeps its own course.
		o.To, o.ClearLive = s.State, true
		if s.State == Published {
			o.To = Draft
		}
	case Archive:
		if s.State == Archived {
			return bad("")
		}
		if s.HasLive {
			// Archiving must not silently take content away from readers.
			return bad("unpublish it first")
		}
		o.To, o.ClearApproval, o.ClearApprovals = Archived, true, true
		o.ClearSchedule = s.State == Scheduled
	case Reopen:
		if s.State != Archived {
			return bad("")
		}
		o.To = Draft
	}
	return o, nil
}

// authorize is step three: the checks that depend on who the actor is
// relative to this article.
func authorize(s Subject, a Actor, act Action) error {
	switch act {
	case Submit, Withdraw:
		if !isEditor(a) && !owns(a, s) {
			return &ForbiddenError{Reason: "writers may only " + string(act) + " their own articles"}
		}
	case Approve, RequestChanges:
		// An empty ID could not be matched against the author or the savers,
		// so it could slip past both checks below.
		if a.ID == "" {
			return &ForbiddenError{Reason: "a review must be made by an identified reviewer"}
		}
		if a.ID == s.AuthorID {
			return &ForbiddenError{Reason: "reviewers may not review their own articles"}
		}
		if savedWordsUnderReview(s, a.ID) {
			return &ForbiddenError{Reason: "reviewers may not review words they saved: they saved a revision since the last approval by another reviewer, or a revision with the content under review"}
		}
		if strings.TrimSpace(a.Credentials) == "" {
			return &ForbiddenError{Reason: "a review needs credentials on the reviewer's profile"}
		}
	}
	return nil
}

// savedWordsUnderReview reports whether any of the content under review is
// the reviewer's: a revision they saved since the last approval by another
// reviewer (since creation when there is none), or a revision they saved,
// at any time, with the content hash under review. The second rule is why
// who saved since the approval is not enough: words restored from an old
// revision are the words of whoever saved that revision, not of whoever
// restored them.
func savedWordsUnderReview(s Subject, id string) bool {
	since := 0
	for _, ap := range s.Approvals {
		if ap.ReviewerID != id && ap.Revision > since {
			since = ap.Revision
		}
	}
	hashes := s.DraftHashes
	if len(hashes) == 0 {
		hashes = []string{s.DraftHash}
	}
	for _, r := range s.Revisions {
		if r.SavedBy == id && (r.Number > since || slices.Contains(hashes, r.ContentHash)) {
			return true
		}
	}
	return false
}

// validate is step four: the request's own input.
func validate(r Request) error {
	if utf8.RuneCountInString(r.Comment) > MaxCommentLength {
		return &InvalidError{Field: "comment", Message: fmt.Sprintf("must be at most %d characters", MaxCommentLength)}
	}
	if r.Action == RequestChanges && strings.TrimSpace(r.Comment) == "" {
		return &InvalidError{Field: "comment", Message: "is required when requesting changes"}
	}
	if r.Action == Schedule {
		if r.At == nil {
			return &InvalidError{Field: "at", Message: "is required when scheduling"}
		}
		if !r.At.After(r.Now) {
			return &InvalidError{Field: "at", Message: "must be in the future"}
		}
	} else if r.At != nil {
		// Refused rather than ignored: "publish" with a time would otherwise
		// publish now, which is not what the caller meant.
		return &InvalidError{Field: "at", Message: "is only allowed with schedule"}
	}
	return nil
}
