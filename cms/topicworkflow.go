package cms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"healthcms/workflow"
)

// TopicTransition takes a workflow action on the topic at version
// ifMatch. Topics follow the articles' state machine (workflow.Decide)
// with the same roles and the same hash-bound approval; they are not
// scheduled, since a definition is published when it is ready.
func (e *Editor) TopicTransition(ctx context.Context, actor *User, slug string, ifMatch int64, in TransitionInput) (*Topic, error) {
	t, err := e.Store.Topic(ctx, slug)
	if err != nil {
		return nil, err
	}
	if t.Version != ifMatch {
		return nil, staleTopic(t.Version)
	}
	now := Now()
	req := workflow.Request{Action: workflow.Action(in.Action), Comment: strings.TrimSpace(in.Comment), Now: now}
	if req.Action == workflow.Schedule || req.Action == workflow.Unschedule {
		return nil, Invalid("action", "topics are published, not scheduled")
	}
	if in.At != nil {
		return nil, Invalid("at", "is only allowed with schedule")
	}
	if hasControl(req.Comment, true) {
		return nil, Invalid("comment", "must not contain control characters")
	}
	var hist *ReviewHistory
	if req.Action == workflow.Approve || req.Action == workflow.RequestChanges {
		if hist, err = e.Store.TopicReviewHistory(ctx, slug); err != nil {
			return nil, err
		}
	}
	o, err := workflow.Decide(t.subject(hist), actor.Actor(), req)
	if err != nil {
		return nil, fromWorkflow(err)
	}
	w := &TopicWrite{Topic: t, PrevVersion: t.Version}
	if o.SetApproval {
		t.Approval = &Approval{Revision: t.Revision, ContentHash: t.ContentHash, At: now, Comment: req.Comment,
			Reviewer: ReviewerRef{ID: actor.ID, Name: actor.Name, Credentials: actor.Credentials}}
		w.Approved = true
	}
	if o.ClearApproval {
		t.Approval = nil
	}
	if o.ClearLive {
		t.Live, w.Unpublished = nil, true
	}
	revision := t.Revision
	if o.MakeLive {
		if w.Published, err = e.topicPublication(ctx, t, actor.Ref(), now); err != nil {
			return nil, err
		}
		revision = w.Published.Revision
	}
	t.State, t.Version, t.UpdatedAt = o.To, t.Version+1, now
	detail := fmt.Sprintf("revision %d", revision)
	if req.Comment != "" {
		detail += ": " + req.Comment
	}
	w.Event = NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), eventOf[req.Action], detail, now)
	if err := e.Store.WriteTopic(ctx, w); err != nil {
		return nil, err
	}
	return t, nil
}

// topicPublication makes the approved revision the topic's next published
// version: an immutable snapshot with its reviewer, which delivery serves.
func (e *Editor) topicPublication(ctx context.Context, t *Topic, by UserRef, now time.Time) (*TopicVersion, error) {
	rev, err := e.Store.TopicRevision(ctx, t.Slug, t.Approval.Revision)
	if err != nil {
		return nil, err
	}
	if rev.ContentHash != t.Approval.ContentHash {
		// Cannot happen while revisions are immutable; refuse loudly if it does.
		return nil, Errorf(ETRANSITION, "the approved revision does not match its approval")
	}
	t.PublishedVersions++
	reviewed := t.Approval.At
	v := &TopicVersion{Slug: t.Slug, Version: t.PublishedVersions, Revision: rev.Number, TopicContent: rev.TopicContent,
		RequiredApprovals: rev.RequiredApprovals, ContentHash: rev.ContentHash, PublishedAt: now, PublishedBy: by,
		Reviewer:   &DeliveryPerson{Name: t.Approval.Reviewer.Name, Credentials: t.Approval.Reviewer.Credentials},
		ReviewedAt: &reviewed}
	t.Live = &Live{Version: v.Version, Revision: rev.Number, PublishedAt: now, PublishedBy: by}
	return v, nil
}

// TopicHistory returns a topic's audit trail, oldest first: its saves and
// every workflow action, as the audit log records them.
func (e *Editor) TopicHistory(ctx context.Context, slug string) ([]*AuditEvent, error) {
	if _, err := e.Store.Topic(ctx, slug); err != nil {
		return nil, err
	}
	var out []*AuditEvent
	f := AuditFilter{Type: SubjectTopic, ID: slug, Limit: 500}
	for {
		page, err := e.Store.AuditLog(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = &AuditCursor{At: last.At, Subject: last.Subject, Seq: last.Seq}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
