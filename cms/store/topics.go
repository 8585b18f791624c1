package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"healthcms/cms"
	"healthcms/workflow"
)

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data is stored as JSON
	}
	return string(b)
}

// strings decodes a JSON list of strings, empty when it is not one.
func stringList(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil || out == nil {
		return []string{}
	}
	return out
}

// contentRow is a topic's content columns, in the working copy, a revision
// and a published version alike.
type contentRow struct {
	Name            string `db:"name"`
	Kind            string `db:"kind"`
	Definition      string `db:"definition"`
	DescriptionHTML string `db:"description_html"`
	Aliases         string `db:"aliases"`
	Related         string `db:"related"`
}

func (r *contentRow) content() cms.TopicContent {
	return cms.TopicContent{Name: r.Name, Kind: cms.TopicKind(r.Kind), Definition: r.Definition,
		DescriptionHTML: r.DescriptionHTML, Aliases: stringList(r.Aliases), Related: stringList(r.Related)}
}

// hashOf is a stored content hash, or the content's when none is stored:
// revisions and versions made by migration 00013 have none, since the
// canonical encoding is Go's. Theirs is the first encoding, of the
// content alone, which their approvals bound to.
func hashOf(stored string, c *cms.TopicContent) string {
	if stored != "" {
		return stored
	}
	return cms.TopicContentHashV1(c)
}

type topicRow struct {
	Slug string `db:"slug"`
	contentRow
	State             string         `db:"state"`
	Version           int64          `db:"version"`
	CreatedBy         string         `db:"created_by"`
	DraftRevision     int            `db:"draft_revision"`
	DraftHash         string         `db:"draft_hash"`
	Required          int            `db:"required_approvals"`
	ApRevision        sql.NullInt64  `db:"approval_revision"`
	ApHash            sql.NullString `db:"approval_hash"`
	ApReviewerID      sql.NullString `db:"approval_reviewer_id"`
	ApReviewerName    sql.NullString `db:"approval_reviewer_name"`
	ApCredentials     sql.NullString `db:"approval_credentials"`
	ApAt              ntm            `db:"approval_at"`
	ApComment         sql.NullString `db:"approval_comment"`
	LiveVersion       sql.NullInt64  `db:"live_version"`
	LiveRevision      sql.NullInt64  `db:"live_revision"`
	LivePublishedAt   ntm            `db:"live_published_at"`
	LivePublishedBy   sql.NullString `db:"live_published_by"`
	LivePublisherName sql.NullString `db:"live_publisher_name"`
	PublishedVersions int            `db:"published_versions"`
	CreatedAt         tm             `db:"created_at"`
	UpdatedAt         tm             `db:"updated_at"`
	AuthorName        sql.NullString `db:"author_name"`
	SavedBy           sql.NullString `db:"saved_by"`
	SaverName         sql.NullString `db:"saver_name"`
	SavedAt           ntm            `db:"saved_at"`
}

const topicSelect = `SELECT t.slug, t.name, t.kind, t.definition, t.description_html, t.aliases, t.related, t.state, t.version,
	t.created_by, t.draft_revision, t.draft_hash, t.approval_revision, t.approval_hash, t.approval_reviewer_id,
	t.approval_reviewer_name, t.approval_credentials, t.approval_at, t.approval_comment, t.live_version, t.required_approvals,
	v.revision AS live_revision, v.published_at AS live_published_at, v.published_by AS live_published_by,
	u.name AS live_publisher_name, t.published_versions, t.created_at, t.updated_at,
	au.name AS author_name, r.saved_by, su.name AS saver_name, r.saved_at
	FROM topics t LEFT JOIN topic_versions v ON v.topic_slug = t.slug AND v.version = t.live_version
	LEFT JOIN users u ON u.id = v.published_by
	LEFT JOIN users au ON au.id = t.created_by
	LEFT JOIN topic_revisions r ON r.topic_slug = t.slug AND r.revision = t.draft_revision
	LEFT JOIN users su ON su.id = r.saved_by`

func (r *topicRow) topic() *cms.Topic {
	t := &cms.Topic{Slug: r.Slug, TopicContent: r.content(), State: workflow.State(r.State), Version: r.Version,
		Revision: r.DraftRevision, RequiredApprovals: r.Required, CreatedBy: r.CreatedBy, PublishedVersions: r.PublishedVersions,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
	t.ContentHash = hashOf(r.DraftHash, &t.TopicContent)
	// Topics made by migration 00013 have no author and a revision saved
	// by no one: those stay null.
	if r.CreatedBy != "" {
		t.Author = &cms.UserRef{ID: r.CreatedBy, Name: r.AuthorName.String}
	}
	if r.SavedBy.Valid && r.SavedBy.String != "" {
		t.SavedBy = &cms.UserRef{ID: r.SavedBy.String, Name: r.SaverName.String}
	}
	if r.SavedAt.Valid && t.SavedBy != nil {
		at := r.SavedAt.Time
		t.SavedAt = &at
	}
	if r.ApRevision.Valid {
		t.Approval = &cms.Approval{Revision: int(r.ApRevision.Int64), ContentHash: r.ApHash.String, At: r.ApAt.Time,
			Comment: r.ApComment.String, Reviewer: cms.ReviewerRef{ID: r.ApReviewerID.String, Name: r.ApReviewerName.String,
				Credentials: r.ApCredentials.String}}
	}
	if r.LiveVersion.Valid && r.LiveRevision.Valid {
		t.Live = &cms.Live{Version: int(r.LiveVersion.Int64), Revision: int(r.LiveRevision.Int64), PublishedAt: r.LivePublishedAt.Time,
			PublishedBy: cms.UserRef{ID: r.LivePublishedBy.String, Name: r.LivePublisherName.String}}
	}
	return t
}

// Topics returns every topic by name.
func (db *DB) Topics(ctx context.Context) ([]*cms.Topic, error) {
	var rows []topicRow
	if err := db.rd().SelectContext(ctx, &rows, topicSelect+` ORDER BY t.name, t.slug`); err != nil {
		return nil, err
	}
	out := make([]*cms.Topic, len(rows))
	for i := range rows {
		out[i] = rows[i].topic()
	}
	return out, nil
}

// Topic returns one topic.
func (db *DB) Topic(ctx context.Context, slug string) (*cms.Topic, error) {
	var r topicRow
	if err := db.rd().GetContext(ctx, &r, db.q(topicSelect+` WHERE t.slug = ?`), slug); err != nil {
		return nil, notFound(err, "topic")
	}
	return r.topic(), nil
}

type topicRevisionRow struct {
	Number int `db:"revision"`
	contentRow
	Required    int            `db:"required_approvals"`
	ContentHash string         `db:"content_hash"`
	SavedBy     string         `db:"saved_by"`
	SaverName   sql.NullString `db:"saver_name"`
	SavedAt     tm             `db:"saved_at"`
}

// TopicRevision returns one revision of a topic.
func (db *DB) TopicRevision(ctx context.Context, slug string, n int) (*cms.TopicRevision, error) {
	var r topicRevisionRow
	if err := db.rd().GetContext(ctx, &r, db.q(`SELECT r.revision, r.name, r.kind, r.definition, r.description_html, r.aliases,
		r.related, COALESCE(r.required_approvals, 1) AS required_approvals, r.content_hash, r.saved_by, u.name AS saver_name, r.saved_at FROM topic_revisions r
		LEFT JOIN users u ON u.id = r.saved_by WHERE r.topic_slug = ? AND r.revision = ?`), slug, n); err != nil {
		return nil, notFound(err, "topic revision")
	}
	rev := &cms.TopicRevision{Number: r.Number, TopicContent: r.content(), RequiredApprovals: r.Required, SavedBy: cms.UserRef{ID: r.SavedBy, Name: r.SaverName.String},
		SavedAt: r.SavedAt.Time}
	rev.ContentHash = hashOf(r.ContentHash, &rev.TopicContent)
	return rev, nil
}

// TopicReviewHistory returns who saved which content of a topic and who
// approved which revision.
func (db *DB) TopicReviewHistory(ctx context.Context, slug string) (*cms.ReviewHistory, error) {
	var revs []topicRevisionRow
	if err := db.rd().SelectContext(ctx, &revs, db.q(`SELECT revision, name, kind, definition, description_html, aliases, related,
		content_hash, saved_by, saved_at FROM topic_revisions WHERE topic_slug = ?`), slug); err != nil {
		return nil, err
	}
	var aps []struct {
		Revision int    `db:"revision"`
		By       string `db:"reviewer_id"`
	}
	if err := db.rd().SelectContext(ctx, &aps, db.q(`SELECT revision, reviewer_id FROM topic_approvals WHERE topic_slug = ?`), slug); err != nil {
		return nil, err
	}
	h := &cms.ReviewHistory{}
	for _, r := range revs {
		c := r.content()
		h.Revisions = append(h.Revisions, workflow.SavedRevision{Number: r.Number, ContentHash: hashOf(r.ContentHash, &c), SavedBy: r.SavedBy})
	}
	for _, a := range aps {
		h.Approvals = append(h.Approvals, workflow.PastApproval{Revision: a.Revision, ReviewerID: a.By})
	}
	return h, nil
}

// topicCols are the topic columns a write sets, in topicArgs' order.
var topicCols = []string{"name", "kind", "definition", "description_html", "aliases", "related", "state", "version",
	"draft_revision", "draft_hash", "approval_revision", "approval_hash", "approval_reviewer_id", "approval_reviewer_name",
	"approval_credentials", "approval_at", "approval_comment", "live_version", "published_versions", "updated_at",
	"required_approvals"}

func topicArgs(t *cms.Topic) []any {
	var apRev, apHash, apID, apName, apCreds, apComment any
	var apAt ntm
	if ap := t.Approval; ap != nil {
		apRev, apHash, apID, apName, apCreds, apComment, apAt = ap.Revision, ap.ContentHash, ap.Reviewer.ID, ap.Reviewer.Name,
			ap.Reviewer.Credentials, ap.Comment, ntm{ap.At, true}
	}
	var live any
	if t.Live != nil {
		live = t.Live.Version
	}
	return []any{t.Name, string(t.Kind), t.Definition, t.DescriptionHTML, mustJSON(orEmpty(t.Aliases)), mustJSON(orEmpty(t.Related)),
		string(t.State), t.Version, t.Revision, t.ContentHash, apRev, apHash, apID, apName, apCreds, apAt, apComment, live,
		t.PublishedVersions, tm{t.UpdatedAt}, t.RequiredApprovals}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	topicInsert = `INSERT INTO topics (slug, created_by, created_at, ` + strings.Join(topicCols, ", ") + `) VALUES (?, ?, ?` +
		strings.Repeat(", ?", len(topicCols)) + `)`
	topicUpdate = `UPDATE topics SET ` + strings.Join(topicCols, " = ?, ") + ` = ? WHERE slug = ? AND version = ?`
)

// WriteTopic applies one change to a topic in one transaction: the topic
// row (a compare-and-swap on its version), the new revision, the approval
// record, the published version, and the audit event. Delivery hears of
// it on commit.
func (db *DB) WriteTopic(ctx context.Context, w *cms.TopicWrite) error {
	t := w.Topic
	return db.changing(ctx, func(tx conn) error {
		exec := func(q string, args ...any) (sql.Result, error) { return tx.ExecContext(ctx, db.q(q), args...) }
		if w.PrevVersion == 0 {
			_, err := exec(topicInsert, append([]any{t.Slug, t.CreatedBy, tm{t.CreatedAt}}, topicArgs(t)...)...)
			if isUnique(err) {
				return &cms.Error{Code: cms.ECONFLICT, Message: "slug is taken", Fields: []cms.FieldError{{Field: "slug", Message: "is taken"}}}
			}
			if err != nil {
				return err
			}
		} else {
			res, err := exec(topicUpdate, append(topicArgs(t), t.Slug, w.PrevVersion)...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				var one int
				if err := tx.GetContext(ctx, &one, db.q(`SELECT 1 FROM topics WHERE slug = ?`), t.Slug); err != nil {
					return notFound(err, "topic")
				}
				return cms.Errorf(cms.EPRECONDITION, "the topic was changed by someone else at the same time; reload it and apply your change again")
			}
		}
		if r := w.Revision; r != nil {
			if _, err := exec(`INSERT INTO topic_revisions (topic_slug, revision, name, kind, definition, description_html, aliases,
				related, required_approvals, content_hash, saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Slug,
				r.Number, r.Name, string(r.Kind), r.Definition, r.DescriptionHTML, mustJSON(orEmpty(r.Aliases)),
				mustJSON(orEmpty(r.Related)), r.RequiredApprovals, r.ContentHash, r.SavedBy.ID, tm{r.SavedAt}); err != nil {
				return err
			}
		}
		if w.Approved && t.Approval != nil {
			if _, err := exec(`INSERT INTO topic_approvals (topic_slug, revision, reviewer_id, at) VALUES (?, ?, ?, ?)`,
				t.Slug, t.Approval.Revision, t.Approval.Reviewer.ID, tm{t.Approval.At}); err != nil {
				return err
			}
		}
		if v := w.Published; v != nil {
			var reviewer, creds string
			if v.Reviewer != nil {
				reviewer, creds = v.Reviewer.Name, v.Reviewer.Credentials
			}
			if _, err := exec(`INSERT INTO topic_versions (topic_slug, version, revision, content_hash, name, kind, definition,
				description_html, aliases, related, required_approvals, published_at, published_by, reviewer_name,
				reviewer_credentials, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Slug, v.Version,
				v.Revision, v.ContentHash, v.Name, string(v.Kind), v.Definition, v.DescriptionHTML, mustJSON(orEmpty(v.Aliases)),
				mustJSON(orEmpty(v.Related)), v.RequiredApprovals, tm{v.PublishedAt}, v.PublishedBy.ID, reviewer, creds,
				ntmOf(v.ReviewedAt)); err != nil {
				return err
			}
		}
		if err := appendAudit(ctx, tx, db.d, w.Event); err != nil {
			return err
		}
		return writeOutbox(ctx, tx, db.d, []*cms.HookEvent{cms.TopicChanged(cms.HookTopic{Slug: t.Slug, Name: t.Name}, t.UpdatedAt)})
	})
}

// DeleteTopic deletes a topic no article uses, if it is still at version;
// ev records it. Its revisions and versions go with it; its audit chain
// stays.
func (db *DB) DeleteTopic(ctx context.Context, slug string, version int64, ev *cms.AuditEvent) error {
	return db.changing(ctx, func(tx conn) error {
		// Foreign keys guard the topics of drafts and live versions; an
		// approved (or scheduled) revision is the draft's content, but one
		// hashed before topics were content may name topics the draft
		// dropped. A valid slug holds no quote, % or _, so the pattern
		// matches exactly the JSON string of the slug.
		if cms.ValidSlug(slug) { // anything else is no topic: ENOTFOUND below
			var used []string
			if err := tx.SelectContext(ctx, &used, db.q(`SELECT a.id FROM articles a JOIN revisions r
				ON r.article_id = a.id AND r.revision = a.approval_revision WHERE r.topics LIKE ? LIMIT 1`), `%"`+slug+`"%`); err != nil {
				return err
			}
			if len(used) > 0 {
				return cms.Errorf(cms.ECONFLICT, "topic is used by an approved or scheduled article; remove it from the article first")
			}
		}
		// Said before "published", which is the lesser reason: a topic
		// unpublished would still be refused for its articles.
		var tagged []int
		if err := tx.SelectContext(ctx, &tagged, db.q(`SELECT 1 FROM article_topics WHERE topic_slug = ?
			UNION ALL SELECT 1 FROM live_topics WHERE topic_slug = ? LIMIT 1`), slug, slug); err != nil {
			return err
		}
		if len(tagged) > 0 {
			return cms.Errorf(cms.ECONFLICT, "topic is used by articles; remove it from them first")
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM topics WHERE slug = ? AND version = ? AND live_version IS NULL`), slug, version)
		if isForeignKey(err) {
			return cms.Errorf(cms.ECONFLICT, "topic is used by articles; remove it from them first")
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var live sql.NullInt64
			if err := tx.GetContext(ctx, &live, db.q(`SELECT live_version FROM topics WHERE slug = ?`), slug); err != nil {
				return notFound(err, "topic")
			}
			if live.Valid {
				return cms.Errorf(cms.ECONFLICT, "the topic is published; unpublish it first")
			}
			return cms.Errorf(cms.EPRECONDITION, "the topic was changed since you read it; reload it and apply your change again")
		}
		if err := appendAudit(ctx, tx, db.d, ev); err != nil {
			return err
		}
		return writeOutbox(ctx, tx, db.d, []*cms.HookEvent{cms.TopicChanged(cms.HookTopic{Slug: slug, Deleted: true}, cms.Now())})
	})
}

type topicVersionRow struct {
	Slug     string `db:"topic_slug"`
	Version  int    `db:"version"`
	Revision int    `db:"revision"`
	contentRow
	ContentHash  string `db:"content_hash"`
	PublishedAt  tm     `db:"published_at"`
	PublishedBy  string `db:"published_by"`
	Reviewer     string `db:"reviewer_name"`
	Credentials  string `db:"reviewer_credentials"`
	ReviewedAt   ntm    `db:"reviewed_at"`
	ArticleCount int    `db:"article_count"`
}

// PublishedTopics returns the live version of every published topic, by
// name, with its number of live articles.
func (db *DB) PublishedTopics(ctx context.Context) ([]*cms.TopicVersion, error) {
	return db.publishedTopics(ctx, db.rd(), articleCount)
}

// articleCount is the article_count of PublishedTopics.
const articleCount = `(SELECT COUNT(*) FROM live_topics lt WHERE lt.topic_slug = t.slug)`

// Glossary returns what PublishedTopics does but the article counts,
// which take a walk over every live article's topics: publishing reads
// the glossary once per article, and must not cost more as articles are
// added. A batch reads it once, and again after each change of a topic
// in the batch (see changing): a bulk load of articles reads it once per
// batch, not once per publication.
func (db *DB) Glossary(ctx context.Context) ([]*cms.TopicVersion, error) {
	read := func() ([]*cms.TopicVersion, error) { return db.publishedTopics(ctx, db.rd(), noCount) }
	if db.batch != nil {
		return db.batch.glossary.get(read)
	}
	return read()
}

// noCount is the article_count of Glossary: none.
const noCount = `0`

// publishedTopics reads the published topics through q with count as
// their article_count.
func (db *DB) publishedTopics(ctx context.Context, q conn, count string) ([]*cms.TopicVersion, error) {
	var rows []topicVersionRow
	if err := q.SelectContext(ctx, &rows, `SELECT v.topic_slug, v.version, v.revision, v.name, v.kind, v.definition,
		v.description_html, v.aliases, v.related, v.content_hash, v.published_at, v.published_by, v.reviewer_name,
		v.reviewer_credentials, v.reviewed_at, `+count+` AS article_count
		FROM topics t JOIN topic_versions v ON v.topic_slug = t.slug AND v.version = t.live_version
		ORDER BY v.name, t.slug`); err != nil {
		return nil, err
	}
	out := make([]*cms.TopicVersion, len(rows))
	for i, r := range rows {
		v := &cms.TopicVersion{Slug: r.Slug, Version: r.Version, Revision: r.Revision, TopicContent: r.content(),
			PublishedAt: r.PublishedAt.Time, PublishedBy: cms.UserRef{ID: r.PublishedBy}, ArticleCount: r.ArticleCount}
		v.ContentHash = hashOf(r.ContentHash, &v.TopicContent)
		if r.ReviewedAt.Valid {
			at := r.ReviewedAt.Time
			v.Reviewer, v.ReviewedAt = &cms.DeliveryPerson{Name: r.Reviewer, Credentials: r.Credentials}, &at
		}
		out[i] = v
	}
	return out, nil
}
