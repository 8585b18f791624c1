package cms

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"healthcms/workflow"
)

// Store is everything the editor use-cases keep.
type Store interface {
	TopicStore
	ArticleStore
	CommentStore
	UserStore
	AuditStore
}

// Editor holds the use-cases of the editor API. Every write of content goes
// through it, so validation, sanitizing, the workflow rules and the audit
// trail cannot be skipped by any path (API, CLI, seed, scheduler).
type Editor struct {
	Store Store
	// ReviewInterval is how long a medical review stays current.
	ReviewInterval time.Duration
	// RequiredApprovals is how many distinct reviewers must approve an
	// article (CMS_REQUIRED_APPROVALS; 0 means 1); a topic of the article
	// may require more.
	RequiredApprovals int
	// ScheduleFailed, when set, is told of every scheduled publication
	// that failed (for logs and metrics; the cms package keeps no
	// metrics of its own).
	ScheduleFailed func(ScheduleFailure)
}

// Article returns an article.
func (e *Editor) Article(ctx context.Context, id string) (*Article, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.decorate(a), nil
}

// decorate fills in what is derived rather than stored.
func (e *Editor) decorate(a *Article) *Article {
	a.RequiredApprovals = max(1, e.RequiredApprovals, a.TopicApprovals)
	if a.Approvals == nil {
		a.Approvals = []Approval{}
	}
	a.ReviewDueAt = nil
	if a.Live != nil && a.LiveReviewedAt != nil {
		due := a.LiveReviewedAt.Add(e.ReviewInterval)
		a.ReviewDueAt = &due
	}
	return a
}

// ListQuery is the editor list request.
type ListQuery struct {
	State, Topic, Author, Query string
	// Overdue keeps live articles whose medical review is due.
	Overdue bool
	// BySubmission lists articles ever submitted, longest waiting first
	// (submitted_at, oldest first): the reviewers' queue with
	// State in_review.
	BySubmission bool
	Limit        int
	Cursor       string
}

// Articles lists articles newest change first, with the cursor of the next
// page ("" on the last).
func (e *Editor) Articles(ctx context.Context, q ListQuery) ([]*Article, string, error) {
	f := ArticleFilter{Topic: q.Topic, Author: q.Author, Query: strings.TrimSpace(q.Query), Limit: q.Limit, BySubmission: q.BySubmission}
	if q.State != "" {
		if !workflow.State(q.State).Valid() {
			return nil, "", &Error{Code: EBADREQUEST, Message: "state must be one of draft, in_review, changes_requested, approved, scheduled, published, archived",
				Fields: []FieldError{{"state", "is not a state"}}}
		}
		f.State = workflow.State(q.State)
	}
	if q.Overdue {
		before := Now().Add(-e.ReviewInterval)
		f.ReviewedBefore = &before
	}
	if q.Cursor != "" {
		c, err := DecodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		f.After = c
	}
	f.Limit++ // one more than asked tells whether there is a next page
	as, err := e.Store.Articles(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(as) == f.Limit {
		as = as[:len(as)-1]
		last := as[len(as)-1]
		at := last.UpdatedAt
		if q.BySubmission {
			at = *last.SubmittedAt
		}
		next = Cursor{At: at, ID: last.ID}.Encode()
	}
	for _, a := range as {
		e.decorate(a)
	}
	return as, next, nil
}

// CreateArticle creates an article with its first revision.
func (e *Editor) CreateArticle(ctx context.Context, actor *User, in DraftInput) (*Article, error) {
	if !workflow.CanCreate(actor.Actor()) {
		return nil, Errorf(EFORBIDDEN, "your roles do not allow creating articles")
	}
	rev, report, approvals, err := e.content(ctx, &in)
	if err != nil {
		return nil, err
	}
	slug, err := e.newSlug(ctx, in.Slug, rev.Title, "")
	if err != nil {
		return nil, err
	}
	now := Now()
	rev.Number, rev.SavedBy, rev.SavedAt = 1, actor.Ref(), now
	a := &Article{ID: NewID(), Slug: slug, State: workflow.Draft, Version: 1, Author: actor.Ref(),
		CreatedAt: now, UpdatedAt: now, Draft: rev, Approvals: []Approval{}, TopicApprovals: approvals}
	ev := a.record(actor.Ref(), EventCreated, 1, "", now)
	if err := e.Store.WriteArticle(ctx, &ArticleWrite{Article: a, Revision: rev, NewSlug: true, Event: ev}); err != nil {
		return nil, err
	}
	a.Sanitizer = &report
	return e.decorate(a), nil
}

// SaveArticle saves in as a new revision of the article at version
// ifMatch.
func (e *Editor) SaveArticle(ctx context.Context, actor *User, id string, ifMatch int64, in DraftInput) (*Article, error) {
	return e.save(ctx, actor, id, ifMatch, in, EventSaved, "")
}

// RestoreRevision saves revision n's content as a new revision. Topics
// deleted since n was saved are left out.
func (e *Editor) RestoreRevision(ctx context.Context, actor *User, id string, n int, ifMatch int64) (*Article, error) {
	old, err := e.Store.Revision(ctx, id, n)
	if err != nil {
		return nil, err
	}
	missing, err := e.Store.MissingTopics(ctx, old.Topics)
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, t := range old.Topics {
		if !slices.Contains(missing, t) {
			topics = append(topics, t)
		}
	}
	in := DraftInput{Title: old.Title, Summary: old.Summary, BodyHTML: old.BodyHTML, Topics: topics, References: old.References}
	return e.save(ctx, actor, id, ifMatch, in, EventRestored, "restored revision "+strconv.Itoa(n))
}

func (e *Editor) save(ctx context.Context, actor *User, id string, ifMatch int64, in DraftInput, action, comment string) (*Article, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	// Role, ownership and state first, so a caller who may not edit learns
	// that rather than details of the content.
	if _, err := workflow.Save(a.subject(nil), actor.Actor(), false); err != nil {
		return nil, fromWorkflow(err)
	}
	if a.Version != ifMatch {
		return nil, stale(a.Version)
	}
	rev, report, approvals, err := e.content(ctx, &in)
	if err != nil {
		return nil, err
	}
	newSlug := in.Slug != nil && *in.Slug != a.Slug
	if newSlug {
		if a.Slug, err = e.newSlug(ctx, in.Slug, "", a.ID); err != nil {
			return nil, err
		}
	}
	changed := !sameContent(a.Draft, rev)
	state, err := workflow.Save(a.subject(nil), actor.Actor(), changed)
	if err != nil {
		return nil, fromWorkflow(err)
	}
	if changed {
		// An approval binds to content: new words need a new review, and
		// a schedule made on the old approval must not publish them.
		a.Approval, a.Approvals, a.ScheduledAt, a.ScheduledBy = nil, []Approval{}, nil, ""
		if a.WordsChangedSinceLive, err = e.wordsSinceLive(ctx, a, rev); err != nil {
			return nil, err
		}
	}
	a.TopicApprovals = approvals
	now := Now()
	rev.Number, rev.SavedBy, rev.SavedAt = a.Draft.Number+1, actor.Ref(), now
	a.Draft, a.State, a.Version, a.UpdatedAt = rev, state, a.Version+1, now
	ev := a.record(actor.Ref(), action, rev.Number, comment, now)
	w := &ArticleWrite{Article: a, PrevVersion: ifMatch, Revision: rev, NewSlug: newSlug, Event: ev}
	if err := e.Store.WriteArticle(ctx, w); err != nil {
		return nil, err
	}
	a.Sanitizer = &report
	return e.decorate(a), nil
}

// wordsSinceLive counts the words rev changes against the live version,
// for the reviewers' queue; nil when nothing is live. Counted once per
// save, so lists never diff.
func (e *Editor) wordsSinceLive(ctx context.Context, a *Article, rev *Revision) (*int, error) {
	if a.Live == nil {
		return nil, nil
	}
	live, err := e.Store.Revision(ctx, a.ID, a.Live.Revision)
	if err != nil {
		return nil, err
	}
	n := DiffRevisions(live, rev).WordsChanged
	return &n, nil
}

// content validates and sanitizes a draft and checks that its topics
// exist; approvals is what its topics require (see TopicsOf).
func (e *Editor) content(ctx context.Context, in *DraftInput) (rev *Revision, report SanitizeReport, approvals int, err error) {
	if rev, report, err = in.content(); err != nil {
		return nil, report, 0, err
	}
	missing, approvals, err := e.Store.TopicsOf(ctx, rev.Topics)
	if err != nil {
		return nil, report, 0, err
	}
	if len(missing) > 0 {
		return nil, report, 0, Invalid("topics", "names unknown topics: "+strings.Join(missing, ", "))
	}
	return rev, report, approvals, nil
}

// newSlug returns the slug to claim: an explicit one when free (ECONFLICT
// when another article has or had it), else one made from the title, with
// a numeric suffix when taken.
func (e *Editor) newSlug(ctx context.Context, explicit *string, title, articleID string) (string, error) {
	if explicit != nil {
		owner, err := e.Store.SlugOwner(ctx, *explicit)
		if err != nil {
			return "", err
		}
		if owner != "" && owner != articleID {
			return "", &Error{Code: ECONFLICT, Message: "slug is taken by another article",
				Fields: []FieldError{{"slug", "is taken"}}}
		}
		return *explicit, nil
	}
	base := Slugify(title)
	if base == "" {
		base = "article"
	}
	for i := 1; i <= 1000; i++ {
		slug := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			slug = strings.TrimRight(base[:min(len(base), MaxSlugLen-len(suffix))], "-") + suffix
		}
		owner, err := e.Store.SlugOwner(ctx, slug)
		if err != nil {
			return "", err
		}
		if owner == "" {
			return slug, nil
		}
	}
	return "", Errorf(ECONFLICT, "no free slug near %q; give one explicitly", base)
}

// Revisions lists an article's revisions, newest first.
func (e *Editor) Revisions(ctx context.Context, id string) ([]*Revision, error) {
	if _, err := e.Store.Article(ctx, id); err != nil {
		return nil, err
	}
	return e.Store.Revisions(ctx, id)
}

// Revision returns one revision.
func (e *Editor) Revision(ctx context.Context, id string, n int) (*Revision, error) {
	return e.Store.Revision(ctx, id, n)
}

// Diff compares two revisions of an article. from and to are revision
// numbers, "live" (the live version's revision; EINVALID when nothing is
// live) or "draft" (the current draft's).
func (e *Editor) Diff(ctx context.Context, id string, from, to string) (*Diff, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	var revs [2]*Revision
	for i, ref := range []struct{ field, v string }{{"from", from}, {"to", to}} {
		n, err := revisionRef(a, ref.field, ref.v)
		if err != nil {
			return nil, err
		}
		if revs[i], err = e.Store.Revision(ctx, id, n); err != nil {
			return nil, err
		}
	}
	return DiffRevisions(revs[0], revs[1]), nil
}

// revisionRef resolves a diff end: a revision number, "live" or "draft".
func revisionRef(a *Article, field, v string) (int, error) {
	switch v {
	case "draft":
		return a.Draft.Number, nil
	case "live":
		if a.Live == nil {
			return 0, Invalid(field, "is live, but the article has no live version")
		}
		return a.Live.Revision, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, &Error{Code: EBADREQUEST, Message: field + " must be a revision number (1, 2, …), live or draft",
			Fields: []FieldError{{Field: field, Message: "must be a revision number, live or draft"}}}
	}
	return n, nil
}

// History returns an article's audit trail, oldest first.
func (e *Editor) History(ctx context.Context, id string) ([]*Event, error) {
	if _, err := e.Store.Article(ctx, id); err != nil {
		return nil, err
	}
	return e.Store.History(ctx, id)
}
