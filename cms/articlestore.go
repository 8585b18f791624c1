package cms

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"healthcms/workflow"
)

// ArticleStore keeps articles, their immutable revisions, published
// versions and audit trail. Article, Revision and History return ENOTFOUND
// for an unknown article or revision.
type ArticleStore interface {
	Article(ctx context.Context, id string) (*Article, error)
	// Articles lists articles newest change first; their drafts carry no
	// body.
	Articles(ctx context.Context, f ArticleFilter) ([]*Article, error)
	// Revisions lists every revision of an article, newest first, without
	// bodies.
	Revisions(ctx context.Context, id string) ([]*Revision, error)
	Revision(ctx context.Context, id string, n int) (*Revision, error)
	History(ctx context.Context, id string) ([]*Event, error)
	// ReviewHistory returns every revision's number, hash and saver and
	// every approval the article's audit trail records.
	ReviewHistory(ctx context.Context, id string) (*ReviewHistory, error)
	// MissingTopics returns those of slugs that are not topics.
	MissingTopics(ctx context.Context, slugs []string) ([]string, error)
	// TopicsOf returns those of slugs that are not topics and the highest
	// required_approvals among the topics (1 for none), as Article reads
	// it into TopicApprovals: what a save checks and needs, in one read.
	TopicsOf(ctx context.Context, slugs []string) (missing []string, approvals int, err error)
	// SlugOwner returns the id of the article that has or had slug, or "".
	SlugOwner(ctx context.Context, slug string) (string, error)
	// WriteArticle applies w atomically; see ArticleWrite.
	WriteArticle(ctx context.Context, w *ArticleWrite) error
}

// ArticleWrite is one change to an article, applied in one transaction or
// not at all: the article row, an optional new revision, an optional new
// slug, an optional published version, and the audit event recording it.
type ArticleWrite struct {
	// Article is the state after the change, its Version already advanced.
	Article *Article
	// PrevVersion is the version the change was decided on; the write fails
	// with EPRECONDITION when the stored version differs (a lost race). Zero
	// creates the article.
	PrevVersion int64
	// Revision is a new revision to append, or nil.
	Revision *Revision
	// NewSlug says Article.Slug is new to this article and must be claimed;
	// ECONFLICT when another article has or had it.
	NewSlug bool
	// Published is a new published version to store, or nil.
	Published *PublishedVersion
	// Unpublished takes the article out of delivery.
	Unpublished bool
	Event       *Event
	// Hooks are the webhook events of the change, recorded with it.
	Hooks []*HookEvent
}

// ArticleFilter selects articles for the editor list.
type ArticleFilter struct {
	State  workflow.State
	Topic  string
	Author string
	// Query matches titles, case-insensitively.
	Query string
	// ReviewedBefore keeps live articles whose last review is older (the
	// review_due=overdue filter).
	ReviewedBefore *time.Time
	// BySubmission orders by submitted_at, oldest first, and leaves out
	// articles never submitted; After is then a position in that order.
	BySubmission bool
	Limit        int
	After        *Cursor
}

// Cursor is a keyset position in a list ordered by time, newest first:
// the time and id of the last item seen. Items are ordered by (time, id),
// so a cursor stays valid while other items change.
type Cursor struct {
	At time.Time
	ID string
}

// Encode makes the opaque cursor string clients send back.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID))
}

// DecodeCursor parses a cursor string; EBADREQUEST when it is not one.
func DecodeCursor(s string) (*Cursor, error) {
	bad := &Error{Code: EBADREQUEST, Message: "cursor is not a cursor this API gave out",
		Fields: []FieldError{{Field: "cursor", Message: "is invalid"}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	us, id, ok := strings.Cut(string(b), ".")
	micros, err := strconv.ParseInt(us, 10, 64)
	at := time.UnixMicro(micros).UTC()
	// Both databases store years 1 to 9999 only; a forged cursor outside
	// them must be refused here, not by the database.
	if !ok || err != nil || id == "" || len(id) > 64 || at.Year() < 1 || at.Year() > 9999 {
		return nil, bad
	}
	return &Cursor{At: at, ID: id}, nil
}
