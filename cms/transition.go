package cms

import (
	"context"
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
	var savers []string
	if req.Action == workflow.Approve || req.Action == workflow.RequestChanges {
		if savers, err = e.Store.SaversSinceApproval(ctx, id); err != nil {
			return nil, err
		}
	}
	o, err := workflow.Decide(a.subject(savers), actor.Actor(), req)
	if err != nil {
		return nil, fromWorkflow(err)
	}
	w, err := e.apply(ctx, a, o, req, actor.Ref(), actor)
	if err != nil {
		return nil, err
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
	if o.SetApproval {
		a.Approval = &Approval{Revision: a.Draft.Number, ContentHash: a.Draft.ContentHash, At: now, Comment: req.Comment,
			Reviewer: ReviewerRef{ID: reviewer.ID, Name: reviewer.Name, Credentials: reviewer.Credentials}}
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
		a.Live, w.Unpublished = nil, true
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
	rev, err := e.Store.Revision(ctx, a.ID, a.Approval.Revision)
	if err != nil {
		return nil, err
	}
	if rev.ContentHash != a.Approval.ContentHash {
		// Cannot happen while revisions are immutable; refuse loudly if it does.
		return nil, Errorf(ETRANSITION, "the approved revision does not match its approval")
	}
	topics, err := e.topicRefs(ctx, rev.Topics)
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
		Slug: a.Slug, Title: rev.Title, Summary: rev.Summary, BodyText: PlainText(rev.BodyHTML), Topics: rev.Topics,
		PublishedAt: now, FirstPublishedAt: first, PublishedBy: by, ReviewedAt: reviewed}
	render(pv, rev, topics, a.Author.Name, a.Approval.Reviewer)
	a.Live = &Live{Version: pv.Version, Revision: rev.Number, PublishedAt: now, PublishedBy: by}
	a.LiveSlug, a.FirstPublishedAt, a.LiveReviewedAt = a.Slug, &first, &reviewed
	return pv, nil
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

// PublishDue publishes every scheduled article whose time has come and
// returns how many it published. It is safe to run on several servers at
// once: an article is published exactly once, because the write is a
// compare-and-swap on the article's version, and the claim keeps servers
// from doing the same work twice.
func (e *Editor) PublishDue(ctx context.Context, claims SchedulerStore) (int, error) {
	published := 0
	for {
		ids, err := claims.ClaimDue(ctx, Now(), time.Minute, 20)
		if err != nil || len(ids) == 0 {
			return published, err
		}
		for _, id := range ids {
			ok, err := e.publishScheduled(ctx, id)
			if err != nil {
				return published, err
			}
			if ok {
				published++
			}
		}
	}
}

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
	o, err := workflow.Decide(a.subject(nil), workflow.Actor{ID: scheduler.ID, Roles: []workflow.Role{workflow.RoleSystem}}, req)
	if err != nil {
		return false, nil // the approval no longer matches: never publish
	}
	by := scheduler
	if u, err := e.Store.User(ctx, a.ScheduledBy); err == nil {
		by = u.Ref()
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
