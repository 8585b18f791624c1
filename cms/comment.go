package cms

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"healthcms/workflow"
)

// Limits on review comments, in characters.
const (
	MaxCommentBody  = 5000
	MaxCommentQuote = 2000
)

// Comment is a review comment on a passage of one revision of an article.
type Comment struct {
	ID       string `json:"id"`
	Revision int    `json:"revision"`
	// Quote is the passage the comment is about, plain text as selected
	// ("" for a comment on the whole article).
	Quote      string     `json:"quote"`
	Body       string     `json:"body"`
	Author     UserRef    `json:"author"`
	At         time.Time  `json:"at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ResolvedBy *UserRef   `json:"resolved_by"`
}

// CommentInput is the body of a new comment; Revision defaults to the
// current draft's.
type CommentInput struct {
	Body     string `json:"body"`
	Quote    string `json:"quote"`
	Revision *int   `json:"revision"`
}

// CommentStore keeps review comments. Comments and resolutions are
// written with the article event that records them, in one transaction,
// at the head of the article's audit chain; they do not change the
// article's version. ResolveComment returns ECONFLICT for a comment
// already resolved; Comment and ResolveComment ENOTFOUND for a comment
// that is not the article's.
type CommentStore interface {
	Comments(ctx context.Context, articleID string, openOnly bool) ([]*Comment, error)
	Comment(ctx context.Context, articleID, id string) (*Comment, error)
	AddComment(ctx context.Context, articleID string, c *Comment, ev *Event) error
	ResolveComment(ctx context.Context, articleID string, c *Comment, ev *Event) error
}

// mayComment is every role that may read articles: review comments are
// for writers, reviewers and editors alike.
var mayComment = workflow.UserRoles

// mayResolveAny may resolve any comment; others only comments on their
// own articles and their own comments.
var mayResolveAny = []workflow.Role{workflow.RoleEditor, workflow.RoleAdmin}

// Comments lists an article's review comments, oldest first; openOnly
// leaves out resolved ones.
func (e *Editor) Comments(ctx context.Context, actor *User, articleID string, openOnly bool) ([]*Comment, error) {
	if err := RequireRole(actor, "reading review comments", mayComment...); err != nil {
		return nil, err
	}
	if _, err := e.Store.Article(ctx, articleID); err != nil {
		return nil, err
	}
	return e.Store.Comments(ctx, articleID, openOnly)
}

// AddComment adds a review comment to an article. It is audited in the
// article's chain (commented) but does not change the article's version:
// a writer editing the article must not lose their save (412) because a
// reviewer commented meanwhile.
func (e *Editor) AddComment(ctx context.Context, actor *User, articleID string, in CommentInput) (*Comment, error) {
	if err := RequireRole(actor, "commenting", mayComment...); err != nil {
		return nil, err
	}
	a, err := e.Store.Article(ctx, articleID)
	if err != nil {
		return nil, err
	}
	c := &Comment{ID: NewID(), Revision: a.Draft.Number, Quote: in.Quote, Body: strings.TrimSpace(in.Body),
		Author: actor.Ref(), At: Now()}
	var v Validation
	switch n := utf8.RuneCountInString(c.Body); {
	case n == 0:
		v.Add("body", "must not be empty")
	default:
		checkText(&v, "body", c.Body, MaxCommentBody)
	}
	checkText(&v, "quote", c.Quote, MaxCommentQuote)
	if in.Revision != nil {
		if *in.Revision < 1 || *in.Revision > a.Draft.Number {
			v.Add("revision", "is not a revision of this article")
		}
		c.Revision = *in.Revision
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ev := a.record(actor.Ref(), EventCommented, c.Revision, "comment "+c.ID+": "+c.Body, c.At)
	if err := e.Store.AddComment(ctx, articleID, c, ev); err != nil {
		return nil, err
	}
	return c, nil
}

// ResolveComment marks a comment resolved. The article's author, an
// editor or admin, or the comment's author may; a comment already
// resolved is ECONFLICT (the first resolution stands and is the one
// audited).
func (e *Editor) ResolveComment(ctx context.Context, actor *User, articleID, commentID string) (*Comment, error) {
	if err := RequireRole(actor, "resolving review comments", mayComment...); err != nil {
		return nil, err
	}
	a, err := e.Store.Article(ctx, articleID)
	if err != nil {
		return nil, err
	}
	c, err := e.Store.Comment(ctx, articleID, commentID)
	if err != nil {
		return nil, err
	}
	if actor.ID != a.Author.ID && actor.ID != c.Author.ID && RequireRole(actor, "resolving comments", mayResolveAny...) != nil {
		return nil, Errorf(EFORBIDDEN, "only the article's author, the comment's author or an editor may resolve a comment")
	}
	if c.ResolvedAt != nil {
		return nil, resolvedTwice(c)
	}
	now, by := Now(), actor.Ref()
	c.ResolvedAt, c.ResolvedBy = &now, &by
	ev := a.record(by, EventCommentResolved, c.Revision, "comment "+c.ID+" resolved", now)
	if err := e.Store.ResolveComment(ctx, articleID, c, ev); err != nil {
		return nil, err
	}
	return c, nil
}

func resolvedTwice(c *Comment) error {
	return Errorf(ECONFLICT, "the comment was already resolved (by %s at %s)", c.ResolvedBy.Name, c.ResolvedAt.Format(time.RFC3339))
}

// ErrCommentResolved is what the store answers when the comment was
// resolved between reading and writing it.
var ErrCommentResolved = &Error{Code: ECONFLICT, Message: "the comment was already resolved"}
