package cms

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"healthcms/workflow"
)

// TransitionInput is a workflow action asked for. At is RFC 3339 text so a
// malformed time is a validation error naming the field, not a decode error.
type TransitionInput struct {
	Action  string  `json:"action"`
	Comment string  `json:"comment"`
	At      *string `json:"at"`
}

// eventOf names the audit action of each workflow action.
var eventOf = map[workflow.Action]string{
	workflow.Submit: EventSubmitted, workflow.Withdraw: EventWithdrawn, workflow.Approve: EventApproved,
	workflow.RequestChanges: EventChangesRequested, workflow.Publish: EventPublished, workflow.Schedule: EventScheduled,
	workflow.Unschedule: EventUnscheduled, workflow.Unpublish: EventUnpublished, workflow.Archive: EventArchived,
	workflow.Reopen: EventReopened,
}

// Transition takes a workflow action on the article at version ifMatch.
// The workflow package decides; this applies its outcome in one write.
func (e *Editor) Transition(ctx context.Context, actor *User, id string, ifMatch int64, in TransitionInput) (*Article, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Version != ifMatch {
		return nil, stale(a.Version)
	}
	e.decorate(a) // the approvals it requires
	now := Now()
	req := workflow.Request{Action: workflow.Action(in.Action), Comment: strings.TrimSpace(in.Comment), Now: now}
	if in.At != nil {
		at, err := time.Parse(time.RFC3339, *in.At)
		if err != nil {
			return nil, Invalid("at", "must be an RFC 3339 time such as 2026-12-01T09:00:00Z")
		}
		at = at.UTC().Truncate(time.Microsecond)
		req.At = &at
	}
	if hasControl(req.Comment, true) {
		return nil, Invalid("comment", "must not contain control characters")
	}
	var hist *ReviewHistory
	if req.Action == workflow.Approve || req.Action == workflow.RequestChanges {
		if hist, err = e.Store.ReviewHistory(ctx, id); err != nil {
			return nil, err
		}
	}
	o, err := workflow.Decide(a.subject(hist), actor.Actor(), req)
	if err != nil {
		return nil, fromWorkflow(err)
	}
	w, err := e.apply(ctx, a, o, req, actor.Ref(), actor)
	if err != nil {
		return nil, err
	}
	switch req.Action {
	case workflow.Approve, workflow.RequestChanges:
		a.LastReview = &Review{Action: string(req.Action), Revision: a.Draft.Number, Comment: req.Comment, At: now,
			Reviewer: ReviewerRef{ID: actor.ID, Name: actor.Name, Credentials: actor.Credentials}}
	case workflow.Submit:
		a.SubmittedAt = &now
	}
	w.Event = a.record(actor.Ref(), eventOf[req.Action], eventRevision(a, o), req.Comment, now)
	w.Hooks = a.hooks(req.Action, o, now)
	if err := e.Store.WriteArticle(ctx, w); err != nil {
		return nil, err
	}
	return e.decorate(a), nil
}

// apply changes a as the outcome says and returns the write that stores it.
// by is who the change is made in the name of; reviewer is the acting user
// (nil for the scheduler, which never approves).
func (e *Editor) apply(ctx context.Context, a *Article, o workflow.Outcome, req workflow.Request, by UserRef, reviewer *User) (*ArticleWrite, error) {
	w := &ArticleWrite{Article: a, PrevVersion: a.Version}
	now := req.Now
	if o.ClearApprovals {
		a.Approvals = []Approval{}
	}
	if o.AddApproval || o.SetApproval {
		ap := Approval{Revision: a.Draft.Number, ContentHash: a.Draft.ContentHash, At: now, Comment: req.Comment,
			Reviewer: ReviewerRef{ID: reviewer.ID, Name: reviewer.Name, Credentials: reviewer.Credentials}}
		a.Approvals = append(a.Approvals, ap)
		if o.SetApproval {
			// The approval that completes the count is the one that binds.
			a.Approval = &ap
		}
	}
	if o.ClearApproval {
		a.Approval = nil
	}
	if o.SetSchedule {
		a.ScheduledAt, a.ScheduledBy = req.At, by.ID
	}
	if o.ClearSchedule {
		a.ScheduledAt, a.ScheduledBy = nil, ""
	}
	if o.ClearLive {
		a.Live, w.Unpublished, a.WordsChangedSinceLive = nil, true, nil
	}
	if o.MakeLive {
		pv, err := e.publication(ctx, a, by, now)
		if err != nil {
			return nil, err
		}
		w.Published = pv
	}
	a.State, a.Version, a.UpdatedAt = o.To, a.Version+1, now
	return w, nil
}

// eventRevision is the revision an event is about: the one made live for a
// publication, the draft otherwise.
func eventRevision(a *Article, o workflow.Outcome) int {
	if o.MakeLive {
		return a.Live.Revision
	}
	return a.Draft.Number
}

// publication renders the approved revision as the next published version
// and points the article's live state at it.
func (e *Editor) publication(ctx context.Context, a *Article, by UserRef, now time.Time) (*PublishedVersion, error) {
	// The approved revision is most often the draft, read with the
	// article: its content, hashed again, must be exactly what the
	// approval is bound to. Otherwise it is read (a round trip less for
	// most publications: 5% of seeding on PostgreSQL).
	rev := a.Draft
	if rev == nil || rev.Number != a.Approval.Revision || ContentHash(rev) != a.Approval.ContentHash {
		var err error
		if rev, err = e.Store.Revision(ctx, a.ID, a.Approval.Revision); err != nil {
			return nil, err
		}
	}
	if rev.ContentHash != a.Approval.ContentHash {
		// Cannot happen while revisions are immutable; refuse loudly if it does.
		return nil, Errorf(ETRANSITION, "the approved revision does not match its approval")
	}
	if !slices.Equal(rev.Topics, a.Draft.Topics) {
		// Only revisions hashed before topics were content can get here:
		// their approval did not cover topics, and readers must not get
		// topics other than the draft's without a review that saw them.
		return nil, Errorf(ETRANSITION, "the draft's topics are not the approved revision's; submit it for review again")
	}
	bodyText := PlainText(rev.BodyHTML)
	topics, mentions, err := e.vocabulary(ctx, rev, bodyText)
	if err != nil {
		return nil, err
	}
	first := now
	if a.FirstPublishedAt != nil {
		first = *a.FirstPublishedAt
	}
	a.PublishedVersions++
	reviewed := a.Approval.At
	pv := &PublishedVersion{ArticleID: a.ID, Version: a.PublishedVersions, Revision: rev.Number, ContentHash: rev.ContentHash,
		Slug: a.Slug, Title: rev.Title, Summary: rev.Summary, BodyText: bodyText, Topics: rev.Topics,
		PublishedAt: now, FirstPublishedAt: first, PublishedBy: by, ReviewedAt: reviewed}
	render(pv, rev, topics, mentions, a.Author.Name, a.reviewers())
	a.Live = &Live{Version: pv.Version, Revision: rev.Number, PublishedAt: now, PublishedBy: by}
	zero := 0 // the draft is what goes live
	a.WordsChangedSinceLive = &zero
	a.LiveSlug, a.FirstPublishedAt, a.LiveReviewedAt = a.Slug, &first, &reviewed
	return pv, nil
}

// reviewers are the reviewers whose approvals of the approved content
// publish it, first approval first; approvals stored before second
// opinions existed are the one approval.
func (a *Article) reviewers() []ReviewerRef {
	var out []ReviewerRef
	for _, ap := range a.Approvals {
		if ap.ContentHash == a.Approval.ContentHash {
			out = append(out, ap.Reviewer)
		}
	}
	if len(out) == 0 {
		out = []ReviewerRef{a.Approval.Reviewer}
	}
	return out
}

// scheduler is the actor of scheduled publications.
var scheduler = UserRef{ID: "system", Name: "Scheduler"}

// SchedulerStore claims scheduled articles that are due.
type SchedulerStore interface {
	// ClaimDue marks up to limit due scheduled articles as claimed by the
	// caller until now+lease and returns their ids. Claims are taken in the
	// database (FOR UPDATE SKIP LOCKED on PostgreSQL), so several servers
	// share the work without taking the same article.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
}

// ScheduleFailure is a scheduled publication that did not go out.
type ScheduleFailure struct {
	ArticleID string
	Err       error
	// Permanent is set when the article cannot be published as it is (its
	// approved content no longer publishes): it was taken off the
	// schedule, back to approved, with the reason in its history, and is
	// not tried again. Otherwise the failure may pass (the database): the
	// article stays scheduled and is tried again when its claim runs out.
	Permanent bool
}

// claimLease is how long a claim on a due article lasts; an article whose
// publication failed for a passing reason is tried again after it.
const claimLease = time.Minute

// PublishDue publishes every scheduled article whose time has come and
// returns how many it published. It is safe to run on several servers at
// once: an article is published exactly once, because the write is a
// compare-and-swap on the article's version, and the claim keeps servers
// from doing the same work twice.
//
// Each article is published on its own: one that fails is reported to
// ScheduleFailed and the others go out. It returns an error only when no
// article can be claimed (or ctx ends).
func (e *Editor) PublishDue(ctx context.Context, claims SchedulerStore) (int, error) {
	published := 0
	for {
		ids, err := claims.ClaimDue(ctx, Now(), claimLease, 20)
		if err != nil || len(ids) == 0 {
			return published, err
		}
		for _, id := range ids {
			ok, err := e.publishScheduled(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return published, ctx.Err()
				}
				// Still claimed (passing failures) or unscheduled
				// (permanent ones), so the next claim does not return it.
				e.scheduleFailed(ctx, id, err)
				continue
			}
			if ok {
				published++
			}
		}
	}
}

// systemActor is the scheduler as the workflow rules know it.
var systemActor = workflow.Actor{ID: scheduler.ID, Roles: []workflow.Role{workflow.RoleSystem}}

func (e *Editor) publishScheduled(ctx context.Context, id string) (bool, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return false, err
	}
	now := Now()
	if a.State != workflow.Scheduled || a.ScheduledAt == nil || a.ScheduledAt.After(now) {
		return false, nil // changed since the claim: nothing to do
	}
	req := workflow.Request{Action: workflow.Publish, Now: now}
	o, err := workflow.Decide(a.subject(nil), systemActor, req)
	if err != nil {
		return false, fromWorkflow(err) // the approval no longer matches: never publish
	}
	// The publication is made in the name of the editor who scheduled it.
	// Only when that is unknowable is it the scheduler's: a passing error
	// reading the user must not change whose name readers and the history
	// show, so it fails this attempt instead.
	by := scheduler
	if a.ScheduledBy != "" {
		u, err := e.Store.User(ctx, a.ScheduledBy)
		switch ErrorCode(err) {
		case "":
			by = u.Ref()
		case ENOTFOUND:
		default:
			return false, err
		}
	}
	w, err := e.apply(ctx, a, o, req, by, nil)
	if err != nil {
		return false, err
	}
	w.Event = a.record(scheduler, EventPublished, a.Live.Revision, "published at the scheduled time for "+by.Name, now)
	w.Hooks = a.hooks(req.Action, o, now)
	switch err := e.Store.WriteArticle(ctx, w); ErrorCode(err) {
	case "":
		return true, nil
	case EPRECONDITION:
		return false, nil // another server or an editor got there first
	default:
		return false, err
	}
}

// permanentFailure reports whether a publication error says the article
// cannot be published as it is, so that trying again cannot help.
func permanentFailure(err error) bool {
	switch ErrorCode(err) {
	case EINVALID, ETRANSITION, ENOTFOUND, ECONFLICT, EFORBIDDEN:
		return true
	}
	return false
}

// scheduleFailed records a failed scheduled publication: a permanent one
// takes the article off the schedule with the reason in its history;
// every one is reported to ScheduleFailed.
func (e *Editor) scheduleFailed(ctx context.Context, id string, err error) {
	f := ScheduleFailure{ArticleID: id, Err: err}
	if permanentFailure(err) {
		if uerr := e.unscheduleFailed(ctx, id, err); uerr != nil {
			f.Err = fmt.Errorf("%w; taking it off the schedule failed too: %w", err, uerr)
		} else {
			f.Permanent = true
		}
	}
	if e.ScheduleFailed != nil {
		e.ScheduleFailed(f)
	}
}

// unscheduleFailed takes a scheduled article that cannot be published
// back to approved, recording why; an editor fixes it and schedules it
// again.
func (e *Editor) unscheduleFailed(ctx context.Context, id string, cause error) error {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return err
	}
	now := Now()
	req := workflow.Request{Action: workflow.Unschedule, Now: now}
	o, err := workflow.Decide(a.subject(nil), systemActor, req)
	if err != nil {
		return nil // no longer scheduled: nothing to take off
	}
	w, err := e.apply(ctx, a, o, req, scheduler, nil)
	if err != nil {
		return err
	}
	w.Event = a.record(scheduler, EventScheduleFailed, a.Draft.Number, "not published at the scheduled time: "+cause.Error(), now)
	if err := e.Store.WriteArticle(ctx, w); ErrorCode(err) != EPRECONDITION {
		return err
	}
	return nil // changed meanwhile: the editor's change stands
}
