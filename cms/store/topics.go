package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

type topicRow struct {
	Slug            string `db:"slug"`
	Name            string `db:"name"`
	DescriptionHTML string `db:"description_html"`
	Aliases         string `db:"aliases"`
	Required        int    `db:"required_approvals"`
	CreatedAt       tm     `db:"created_at"`
	UpdatedAt       tm     `db:"updated_at"`
}

const topicCols = `slug, name, description_html, aliases, created_at, updated_at, required_approvals`

func (r *topicRow) topic() *cms.Topic {
	t := &cms.Topic{Slug: r.Slug, Name: r.Name, DescriptionHTML: r.DescriptionHTML, RequiredApprovals: r.Required, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
	if json.Unmarshal([]byte(r.Aliases), &t.Aliases) != nil || t.Aliases == nil {
		t.Aliases = []string{}
	}
	return t
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data is stored as JSON
	}
	return string(b)
}

// Topics returns every topic by name.
func (db *DB) Topics(ctx context.Context) ([]*cms.Topic, error) {
	var rows []topicRow
	if err := db.r.SelectContext(ctx, &rows, `SELECT `+topicCols+` FROM topics ORDER BY name, slug`); err != nil {
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
	if err := db.r.GetContext(ctx, &r, db.q(`SELECT `+topicCols+` FROM topics WHERE slug = ?`), slug); err != nil {
		return nil, notFound(err, "topic")
	}
	return r.topic(), nil
}

// CreateTopic stores a new topic and the audit event recording it.
func (db *DB) CreateTopic(ctx context.Context, t *cms.Topic, ev *cms.AuditEvent) error {
	return db.changing(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO topics (`+topicCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			t.Slug, t.Name, t.DescriptionHTML, mustJSON(t.Aliases), tm{t.CreatedAt}, tm{t.UpdatedAt}, t.RequiredApprovals)
		if isUnique(err) {
			return &cms.Error{Code: cms.ECONFLICT, Message: "slug is taken", Fields: []cms.FieldError{{Field: "slug", Message: "is taken"}}}
		}
		if err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, db.d, ev); err != nil {
			return err
		}
		return writeOutbox(ctx, tx, db.d, []*cms.HookEvent{cms.TopicChanged(cms.HookTopic{Slug: t.Slug, Name: t.Name}, t.UpdatedAt)})
	})
}

// UpdateTopic replaces a topic's name, description and aliases; t's
// CreatedAt is set to the stored one. ev records the change.
func (db *DB) UpdateTopic(ctx context.Context, t *cms.Topic, since *time.Time, ev *cms.AuditEvent) error {
	return db.changing(ctx, func(tx *sqlx.Tx) error {
		q, args := `UPDATE topics SET name = ?, description_html = ?, aliases = ?, updated_at = ?, required_approvals = ? WHERE slug = ?`,
			[]any{t.Name, t.DescriptionHTML, mustJSON(t.Aliases), tm{t.UpdatedAt}, t.RequiredApprovals, t.Slug}
		if err := topicWrite(ctx, tx, db.d, q, args, t.Slug, since); err != nil {
			return err
		}
		var c tm
		if err := tx.GetContext(ctx, &c, db.q(`SELECT created_at FROM topics WHERE slug = ?`), t.Slug); err != nil {
			return err
		}
		t.CreatedAt = c.Time
		if err := appendAudit(ctx, tx, db.d, ev); err != nil {
			return err
		}
		return writeOutbox(ctx, tx, db.d, []*cms.HookEvent{cms.TopicChanged(cms.HookTopic{Slug: t.Slug, Name: t.Name}, t.UpdatedAt)})
	})
}

// DeleteTopic deletes a topic no article uses; ev records it.
func (db *DB) DeleteTopic(ctx context.Context, slug string, since *time.Time, ev *cms.AuditEvent) error {
	return db.changing(ctx, func(tx *sqlx.Tx) error {
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
		err := topicWrite(ctx, tx, db.d, `DELETE FROM topics WHERE slug = ?`, []any{slug}, slug, since)
		if isForeignKey(err) {
			return cms.Errorf(cms.ECONFLICT, "topic is used by articles; remove it from them first")
		}
		if err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, db.d, ev); err != nil {
			return err
		}
		return writeOutbox(ctx, tx, db.d, []*cms.HookEvent{cms.TopicChanged(cms.HookTopic{Slug: slug, Deleted: true}, cms.Now())})
	})
}

// topicWrite runs a write of one topic, conditional on its version when
// since is set, and tells a missing topic from a changed one.
func topicWrite(ctx context.Context, tx *sqlx.Tx, d dialect, q string, args []any, slug string, since *time.Time) error {
	if since != nil {
		q, args = q+` AND updated_at = ?`, append(args, tm{*since})
	}
	res, err := tx.ExecContext(ctx, d.rebind(q), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var one int
	if err := tx.GetContext(ctx, &one, d.rebind(`SELECT 1 FROM topics WHERE slug = ?`), slug); err != nil {
		return notFound(err, "topic")
	}
	return cms.Errorf(cms.EPRECONDITION, "the topic was changed since you read it; reload it and apply your change again")
}
