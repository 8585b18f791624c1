package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
	"healthcms/workflow"
)

// articleRow is an article joined with its draft revision and the names of
// the people it refers to.
type articleRow struct {
	ID                string         `db:"id"`
	Slug              string         `db:"slug"`
	State             string         `db:"state"`
	Version           int64          `db:"version"`
	AuthorID          string         `db:"author_id"`
	AuthorName        string         `db:"author_name"`
	CreatedAt         tm             `db:"created_at"`
	UpdatedAt         tm             `db:"updated_at"`
	ApprovalRevision  sql.NullInt64  `db:"approval_revision"`
	ApprovalHash      sql.NullString `db:"approval_hash"`
	ApprovalReviewer  sql.NullString `db:"approval_reviewer_id"`
	ReviewerName      sql.NullString `db:"reviewer_name"`
	ApprovalCreds     sql.NullString `db:"approval_credentials"`
	ApprovalAt        ntm            `db:"approval_at"`
	ApprovalComment   sql.NullString `db:"approval_comment"`
	ScheduledAt       ntm            `db:"scheduled_at"`
	ScheduledBy       sql.NullString `db:"scheduled_by"`
	AuditSeq          int64          `db:"audit_seq"`
	AuditHead         string         `db:"audit_head"`
	LiveVersion       sql.NullInt64  `db:"live_version"`
	LiveRevision      sql.NullInt64  `db:"live_revision"`
	LivePublishedAt   ntm            `db:"live_published_at"`
	LivePublishedBy   sql.NullString `db:"live_published_by"`
	PublisherName     sql.NullString `db:"publisher_name"`
	LiveSlug          sql.NullString `db:"live_slug"`
	LiveReviewedAt    ntm            `db:"live_reviewed_at"`
	FirstPublishedAt  ntm            `db:"first_published_at"`
	PublishedVersions int            `db:"published_versions"`
	Approvals         string         `db:"approvals"`
	LastReview        sql.NullString `db:"last_review"`
	SubmittedAt       ntm            `db:"submitted_at"`
	WordsSinceLive    sql.NullInt64  `db:"words_changed_since_live"`
	OpenComments      int            `db:"open_comments"`
	TopicApprovals    int            `db:"topic_approvals"`
	revisionRow
}

// revisionRow is a revision with its saver's name. BodyHTML is empty where
// a query leaves the body out.
type revisionRow struct {
	Revision    int    `db:"revision"`
	Title       string `db:"title"`
	Summary     string `db:"summary"`
	BodyHTML    string `db:"body_html"`
	Topics      string `db:"topics"`
	Refs        string `db:"refs"`
	ContentHash string `db:"content_hash"`
	SavedBy     string `db:"saved_by"`
	SaverName   string `db:"saver_name"`
	SavedAt     tm     `db:"saved_at"`
}

func (r *revisionRow) revision() *cms.Revision {
	rev := &cms.Revision{Number: r.Revision, Title: r.Title, Summary: r.Summary, BodyHTML: r.BodyHTML,
		ContentHash: r.ContentHash, SavedBy: cms.UserRef{ID: r.SavedBy, Name: r.SaverName}, SavedAt: r.SavedAt.Time}
	if json.Unmarshal([]byte(r.Topics), &rev.Topics) != nil || rev.Topics == nil {
		rev.Topics = []string{}
	}
	if json.Unmarshal([]byte(r.Refs), &rev.References) != nil || rev.References == nil {
		rev.References = []cms.Reference{}
	}
	return rev
}

func (r *articleRow) article() *cms.Article {
	a := &cms.Article{ID: r.ID, Slug: r.Slug, State: workflow.State(r.State), Version: r.Version,
		Author: cms.UserRef{ID: r.AuthorID, Name: r.AuthorName}, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
		Draft: r.revision(), ScheduledAt: r.ScheduledAt.Ptr(), ScheduledBy: r.ScheduledBy.String,
		LiveSlug: r.LiveSlug.String, FirstPublishedAt: r.FirstPublishedAt.Ptr(), LiveReviewedAt: r.LiveReviewedAt.Ptr(),
		PublishedVersions: r.PublishedVersions, AuditSeq: r.AuditSeq, AuditHead: r.AuditHead,
		SubmittedAt: r.SubmittedAt.Ptr(), OpenComments: r.OpenComments, TopicApprovals: r.TopicApprovals}
	if json.Unmarshal([]byte(r.Approvals), &a.Approvals) != nil || a.Approvals == nil {
		a.Approvals = []cms.Approval{}
	}
	if r.LastReview.Valid {
		var lr cms.Review
		if json.Unmarshal([]byte(r.LastReview.String), &lr) == nil {
			a.LastReview = &lr
		}
	}
	if r.WordsSinceLive.Valid {
		n := int(r.WordsSinceLive.Int64)
		a.WordsChangedSinceLive = &n
	}
	if r.ApprovalHash.Valid {
		a.Approval = &cms.Approval{Revision: int(r.ApprovalRevision.Int64), ContentHash: r.ApprovalHash.String,
			Reviewer: cms.ReviewerRef{ID: r.ApprovalReviewer.String, Name: r.ReviewerName.String, Credentials: r.ApprovalCreds.String},
			At:       r.ApprovalAt.Time, Comment: r.ApprovalComment.String}
	}
	if r.LiveVersion.Valid {
		by := cms.UserRef{ID: r.LivePublishedBy.String, Name: r.PublisherName.String}
		if !r.PublisherName.Valid {
			by.Name = "Scheduler"
		}
		a.Live = &cms.Live{Version: int(r.LiveVersion.Int64), Revision: int(r.LiveRevision.Int64),
			PublishedAt: r.LivePublishedAt.Time, PublishedBy: by}
	}
	return a
}

// articleSelect reads articles with their draft; body is the expression
// for the body column, so lists can leave bodies out.
func articleSelect(body string) string {
	return `SELECT a.id, a.slug, a.state, a.version, a.author_id, au.name AS author_name, a.created_at, a.updated_at,
		a.approval_revision, a.approval_hash, a.approval_reviewer_id, rv.name AS reviewer_name, a.approval_credentials,
		a.approval_at, a.approval_comment, a.scheduled_at, a.scheduled_by, a.audit_seq, a.audit_head,
		a.live_version, a.live_revision, a.live_published_at, a.live_published_by, pb.name AS publisher_name,
		a.live_slug, a.live_reviewed_at, a.first_published_at, a.published_versions,
		a.approvals, a.last_review, a.submitted_at, a.words_changed_since_live, a.open_comments,
		COALESCE((SELECT MAX(v.required_approvals) FROM article_topics xt JOIN topics t ON t.slug = xt.topic_slug
			JOIN topic_versions v ON v.topic_slug = t.slug AND v.version = t.published_versions
			WHERE xt.article_id = a.id), 1) AS topic_approvals,
		r.revision, r.title, r.summary, ` + body + ` AS body_html, r.topics, r.refs, r.content_hash, r.saved_by,
		su.name AS saver_name, r.saved_at
	FROM articles a
	JOIN users au ON au.id = a.author_id
	JOIN revisions r ON r.article_id = a.id AND r.revision = a.draft_revision
	JOIN users su ON su.id = r.saved_by
	LEFT JOIN users rv ON rv.id = a.approval_reviewer_id
	LEFT JOIN users pb ON pb.id = a.live_published_by`
}

// Article returns an article with its full draft. In a batch an article
// the batch wrote comes from what it keeps (see keptArticles).
func (db *DB) Article(ctx context.Context, id string) (*cms.Article, error) {
	if b := db.batch; b != nil {
		if a := b.articles.get(id); a != nil {
			return a, nil
		}
	}
	return db.storedArticle(ctx, id)
}

// storedArticle reads an article with its full draft from the database.
func (db *DB) storedArticle(ctx context.Context, id string) (*cms.Article, error) {
	var r articleRow
	if err := db.rd().GetContext(ctx, &r, db.q(articleSelect("r.body_html")+` WHERE a.id = ?`), id); err != nil {
		return nil, notFound(err, "article")
	}
	return r.article(), nil
}

// Articles lists articles by filter, newest change first, keyset-paginated.
func (db *DB) Articles(ctx context.Context, f cms.ArticleFilter) ([]*cms.Article, error) {
	q := articleSelect("''")
	var where []string
	var args []any
	if f.Topic != "" {
		q += ` JOIN article_topics atp ON atp.article_id = a.id AND atp.topic_slug = ?`
		args = append(args, f.Topic)
	}
	if f.State != "" {
		where, args = append(where, `a.state = ?`), append(args, string(f.State))
	}
	if f.Author != "" {
		where, args = append(where, `a.author_id = ?`), append(args, f.Author)
	}
	if f.Query != "" {
		where = append(where, `LOWER(a.draft_title) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(strings.ToLower(f.Query))+"%")
	}
	if f.ReviewedBefore != nil {
		where, args = append(where, `a.live_version IS NOT NULL AND a.live_reviewed_at < ?`), append(args, tm{*f.ReviewedBefore})
	}
	order := ` ORDER BY a.updated_at DESC, a.id DESC LIMIT ?`
	switch {
	case f.BySubmission:
		where = append(where, `a.submitted_at IS NOT NULL`)
		if f.After != nil {
			where, args = append(where, `(a.submitted_at, a.id) > (?, ?)`), append(args, tm{f.After.At}, f.After.ID)
		}
		order = ` ORDER BY a.submitted_at, a.id LIMIT ?`
	case f.After != nil:
		where, args = append(where, `(a.updated_at, a.id) < (?, ?)`), append(args, tm{f.After.At}, f.After.ID)
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += order
	args = append(args, f.Limit)
	var rows []articleRow
	if err := db.rd().SelectContext(ctx, &rows, db.q(q), args...); err != nil {
		return nil, err
	}
	out := make([]*cms.Article, len(rows))
	for i := range rows {
		out[i] = rows[i].article()
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const revisionSelect = `SELECT r.revision, r.title, r.summary, %s AS body_html, r.topics, r.refs, r.content_hash, r.saved_by,
	u.name AS saver_name, r.saved_at FROM revisions r JOIN users u ON u.id = r.saved_by`

// Revisions lists an article's revisions, newest first, without bodies.
func (db *DB) Revisions(ctx context.Context, id string) ([]*cms.Revision, error) {
	var rows []revisionRow
	q := strings.Replace(revisionSelect, "%s", "''", 1) + ` WHERE r.article_id = ? ORDER BY r.revision DESC`
	if err := db.rd().SelectContext(ctx, &rows, db.q(q), id); err != nil {
		return nil, err
	}
	out := make([]*cms.Revision, len(rows))
	for i := range rows {
		out[i] = rows[i].revision()
	}
	return out, nil
}

// Revision returns one revision with its body.
func (db *DB) Revision(ctx context.Context, id string, n int) (*cms.Revision, error) {
	var r revisionRow
	q := strings.Replace(revisionSelect, "%s", "r.body_html", 1) + ` WHERE r.article_id = ? AND r.revision = ?`
	if err := db.rd().GetContext(ctx, &r, db.q(q), id, n); err != nil {
		return nil, notFound(err, "revision")
	}
	return r.revision(), nil
}

// ReviewHistory returns who saved which revision and who approved which.
func (db *DB) ReviewHistory(ctx context.Context, id string) (*cms.ReviewHistory, error) {
	// One query for both, a round trip less for each review.
	var rows []struct {
		Approval bool   `db:"approval"`
		Number   int    `db:"revision"`
		Hash     string `db:"content_hash"`
		By       string `db:"who"`
	}
	if err := db.rd().SelectContext(ctx, &rows, db.q(`SELECT 1 = 0 AS approval, revision, content_hash, saved_by AS who
		FROM revisions WHERE article_id = ?
		UNION ALL SELECT 1 = 1, revision, '', actor_id FROM events WHERE article_id = ? AND action = ?`), id, id, cms.EventApproved); err != nil {
		return nil, err
	}
	h := &cms.ReviewHistory{}
	for _, r := range rows {
		if r.Approval {
			h.Approvals = append(h.Approvals, workflow.PastApproval{Revision: r.Number, ReviewerID: r.By})
		} else {
			h.Revisions = append(h.Revisions, workflow.SavedRevision{Number: r.Number, ContentHash: r.Hash, SavedBy: r.By})
		}
	}
	return h, nil
}

// MissingTopics returns the slugs that are not topics.
func (db *DB) MissingTopics(ctx context.Context, slugs []string) ([]string, error) {
	missing, _, err := db.TopicsOf(ctx, slugs)
	return missing, err
}

// TopicsOf returns those of slugs that are not topics, and the highest
// required_approvals among the latest published versions of the others:
// the number is part of the reviewed topic, so a draft's unreviewed
// change to it counts for nothing, and a topic never published asks for
// no more than the default (1). The latest version, not the live one:
// unpublishing a topic is no review, so it does not lower what its
// articles need.
func (db *DB) TopicsOf(ctx context.Context, slugs []string) (missing []string, approvals int, err error) {
	if len(slugs) == 0 {
		return nil, 1, nil
	}
	q, args, err := sqlx.In(`SELECT t.slug, v.required_approvals FROM topics t
		LEFT JOIN topic_versions v ON v.topic_slug = t.slug AND v.version = t.published_versions WHERE t.slug IN (?)`, slugs)
	if err != nil {
		return nil, 0, err
	}
	var found []struct {
		Slug     string        `db:"slug"`
		Required sql.NullInt64 `db:"required_approvals"`
	}
	if err := db.rd().SelectContext(ctx, &found, db.q(q), args...); err != nil {
		return nil, 0, err
	}
	topics := map[string]bool{}
	published := false
	for _, t := range found {
		topics[t.Slug] = true
		if n := int(t.Required.Int64); t.Required.Valid && (!published || n > approvals) {
			approvals, published = n, true
		}
	}
	if !published {
		approvals = 1
	}
	for _, s := range slugs {
		if !topics[s] {
			missing = append(missing, s)
		}
	}
	return missing, approvals, nil
}

// SlugOwner returns the article that has or had slug, or "".
func (db *DB) SlugOwner(ctx context.Context, slug string) (string, error) {
	var id string
	err := db.rd().GetContext(ctx, &id, db.q(`SELECT article_id FROM article_slugs WHERE slug = ?`), slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// History returns an article's audit events, oldest first.
func (db *DB) History(ctx context.Context, id string) ([]*cms.Event, error) {
	return events(ctx, db.r, db.d, id)
}

type eventRow struct {
	ArticleID string `db:"article_id"`
	Seq       int64  `db:"seq"`
	At        tm     `db:"at"`
	ActorID   string `db:"actor_id"`
	ActorName string `db:"actor_name"`
	Action    string `db:"action"`
	Revision  int    `db:"revision"`
	Comment   string `db:"comment"`
	PrevHash  string `db:"prev_hash"`
	Hash      string `db:"hash"`
}

func events(ctx context.Context, q conn, d dialect, id string) ([]*cms.Event, error) {
	var rows []eventRow
	err := q.SelectContext(ctx, &rows, d.rebind(`SELECT article_id, seq, at, actor_id, actor_name, action, revision, comment, prev_hash, hash
		FROM events WHERE article_id = ? ORDER BY seq`), id)
	if err != nil {
		return nil, err
	}
	out := make([]*cms.Event, len(rows))
	for i, r := range rows {
		out[i] = &cms.Event{ArticleID: r.ArticleID, Seq: r.Seq, At: r.At.Time, Actor: cms.UserRef{ID: r.ActorID, Name: r.ActorName},
			Action: r.Action, Revision: r.Revision, Comment: r.Comment, PrevHash: r.PrevHash, Hash: r.Hash}
	}
	return out, nil
}

// EachChain calls fn with every article's audit chain, in id order.
func (db *DB) EachChain(ctx context.Context, fn func(*cms.Chain) error) error {
	var heads []struct {
		ID   string `db:"id"`
		Seq  int64  `db:"audit_seq"`
		Head string `db:"audit_head"`
	}
	if err := db.rd().SelectContext(ctx, &heads, `SELECT id, audit_seq, audit_head FROM articles ORDER BY id`); err != nil {
		return err
	}
	for _, h := range heads {
		evs, err := events(ctx, db.r, db.d, h.ID)
		if err != nil {
			return err
		}
		if err := fn(&cms.Chain{ArticleID: h.ID, HeadSeq: h.Seq, HeadHash: h.Head, Events: evs}); err != nil {
			return err
		}
	}
	return nil
}
