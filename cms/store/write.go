package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"healthcms/cms"
)

// WriteArticle applies one change to an article in one transaction: the
// article row (a compare-and-swap on its version), the slug claim, the new
// revision, the published version and live index, the audit event and the
// webhook events (the outbox). Any failure rolls all of it back.
func (db *DB) WriteArticle(ctx context.Context, w *cms.ArticleWrite) error {
	var x *writer
	write := func(tx conn) error {
		x = &writer{ctx: ctx, tx: tx, d: db.d, a: w.Article, fresh: w.PrevVersion == 0}
		steps := []func() error{x.article(w.PrevVersion, w.Event)}
		if w.NewSlug {
			steps = append(steps, x.claimSlug)
		}
		if w.Revision != nil {
			steps = append(steps, x.revision(w.Revision))
		}
		if w.Published != nil {
			steps = append(steps, x.publish(w.Published))
		}
		if w.Unpublished {
			steps = append(steps, x.unlist)
		}
		steps = append(steps, x.event(w.Event), func() error { return writeOutbox(ctx, tx, db.d, w.Hooks) })
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		if x.delivery {
			return db.announce(ctx, tx)
		}
		return nil
	}
	var err error
	if b := db.batch; b != nil {
		// The batch keeps the article as written, for the next change
		// of it to read (see keptArticles).
		err = b.articles.write(w.Article, func() error { return b.change(write) })
	} else {
		err = db.inTx(ctx, write)
	}
	if err == nil && x.delivery {
		db.fire()
	}
	return err
}

// writer runs the steps of one article write inside its transaction.
type writer struct {
	ctx context.Context
	tx  conn
	d   dialect
	a   *cms.Article
	// fresh is set when the write creates the article: no rows of it
	// exist yet to replace.
	fresh bool
	// delivery is set when the write changes what delivery serves.
	delivery bool
	// seq and head are the article's audit chain once the article step
	// has taken the next place in it: the event's seq and the hash it
	// links to.
	seq  int64
	head string
	// logged is set when the article step stored the event too.
	logged bool
}

func (x *writer) exec(q string, args ...any) (sql.Result, error) {
	return x.tx.ExecContext(x.ctx, x.d.rebind(q), args...)
}

// articleArgs are the mutable columns in the order of the statements below.
func (x *writer) articleArgs() []any {
	a := x.a
	var apRev, apHash, apReviewer, apCreds, apComment any
	var apAt ntm
	if ap := a.Approval; ap != nil {
		apRev, apHash, apReviewer, apCreds, apComment, apAt = ap.Revision, ap.ContentHash, ap.Reviewer.ID, ap.Reviewer.Credentials, ap.Comment, ntm{ap.At, true}
	}
	var liveVer, liveRev, liveBy, liveSlug any
	var liveAt ntm
	if l := a.Live; l != nil {
		liveVer, liveRev, liveBy, liveSlug, liveAt = l.Version, l.Revision, l.PublishedBy.ID, a.LiveSlug, ntm{l.PublishedAt, true}
	}
	var schedBy any
	if a.ScheduledBy != "" {
		schedBy = a.ScheduledBy
	}
	var lastReview, words any
	if a.LastReview != nil {
		lastReview = mustJSON(a.LastReview)
	}
	if a.WordsChangedSinceLive != nil {
		words = *a.WordsChangedSinceLive
	}
	approvals := a.Approvals
	if approvals == nil {
		approvals = []cms.Approval{}
	}
	return []any{a.Slug, string(a.State), a.Version, tm{a.UpdatedAt}, a.Draft.Number, a.Draft.ContentHash, a.Draft.Title,
		apRev, apHash, apReviewer, apCreds, apAt, apComment, ntmOf(a.ScheduledAt), schedBy,
		liveVer, liveRev, liveAt, liveBy, liveSlug, ntmOf(a.LiveReviewedAt), ntmOf(a.FirstPublishedAt), a.PublishedVersions,
		mustJSON(approvals), lastReview, ntmOf(a.SubmittedAt), words}
}

// articleCols are the columns articleArgs fills, in its order.
var articleCols = []string{"slug", "state", "version", "updated_at", "draft_revision", "draft_hash", "draft_title",
	"approval_revision", "approval_hash", "approval_reviewer_id", "approval_credentials", "approval_at", "approval_comment",
	"scheduled_at", "scheduled_by",
	"live_version", "live_revision", "live_published_at", "live_published_by", "live_slug", "live_reviewed_at",
	"first_published_at", "published_versions", "approvals", "last_review", "submitted_at", "words_changed_since_live"}

var (
	// A new article's audit chain starts with the event of this write,
	// stored with it.
	articleInsert = `INSERT INTO articles (id, author_id, created_at, audit_seq, audit_head, ` + strings.Join(articleCols, ", ") +
		`) VALUES (?, ?, ?, 1, ?` + strings.Repeat(", ?", len(articleCols)) + `)`
	// A write also ends any scheduler's claim: the claim was on the old
	// state. It takes the next place in the audit chain for its event.
	articleSet    = `UPDATE articles SET ` + strings.Join(articleCols, " = ?, ") + ` = ?, schedule_claimed_until = NULL, `
	articleUpdate = articleSet + `audit_seq = audit_seq + 1 WHERE id = ? AND version = ? RETURNING audit_seq, audit_head`
	// articleUpdateLogged is articleUpdate with the event, in one
	// statement, at the place in the chain the event was linked to as the
	// article was read (cms.Article.record), if the chain is still there.
	articleUpdateLogged = `WITH a AS (` + articleSet + `audit_seq = ?, audit_head = ?
		WHERE id = ? AND version = ? AND audit_seq = ? AND audit_head = ? RETURNING id)
		INSERT INTO events (` + eventCols + `) SELECT ?::text, ?::integer, ?::timestamptz, ?::text, ?::text, ?::text,
		?::integer, ?::text, ?::text, ?::text FROM a`
	eventInsert = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// article inserts the row (prev 0) or updates it if its version is still
// prev. The conditional update is what makes concurrent writes safe: of two
// writers that read the same version, exactly one changes the row. The
// same statement takes the event's place in the chain, under the row's
// lock (see appendArticleEvent). A new article's row is stored with its
// first event, ev; on PostgreSQL an update is too, when the chain is
// where ev was linked, sparing the server a round trip (logged).
func (x *writer) article(prev int64, ev *cms.Event) func() error {
	return func() error {
		a := x.a
		if ev == nil {
			return errNoEvent
		}
		if prev == 0 {
			ev.Link(0, "")
			x.seq, x.logged = 1, true
			return slugConflict(x.inserts(
				insert{articleInsert, append([]any{a.ID, a.Author.ID, tm{a.CreatedAt}, ev.Hash}, x.articleArgs()...)},
				insert{eventInsert, eventArgs(ev)}))
		}
		if x.d.name == "postgres" {
			args := append(x.articleArgs(), ev.Seq, ev.Hash, a.ID, prev, ev.Seq-1, ev.PrevHash)
			res, err := x.exec(articleUpdateLogged, append(args, eventArgs(ev)...)...)
			if err != nil {
				return slugConflict(err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				x.seq, x.head, x.logged = ev.Seq, ev.PrevHash, true
				return nil
			}
			// A lost race or a moved chain: the update below tells which.
		}
		var head chainHead
		err := x.tx.GetContext(x.ctx, &head, x.d.rebind(articleUpdate), append(x.articleArgs(), a.ID, prev)...)
		if errors.Is(err, sql.ErrNoRows) {
			return cms.Errorf(cms.EPRECONDITION, "the article was changed by someone else at the same time; reload it and apply your change again")
		}
		if err != nil {
			return slugConflict(err)
		}
		x.seq, x.head = head.Seq, head.Hash
		return nil
	}
}

// insert is one INSERT statement of a write, with its arguments.
type insert struct {
	query string
	args  []any
}

// inserts runs inserts none of which reads what another writes: on
// PostgreSQL as one statement, all but the last as WITH queries, since
// a round trip costs its server more than a row does; SQLite, in
// process, runs them one by one. Foreign keys from one to another hold:
// PostgreSQL checks them as the statement ends. With the event stored
// with its article (see article) and the reads the use-cases no longer
// make, an article created, submitted, approved and published takes
// PostgreSQL 13 statements rather than 27; these writes alone made
// seeding 10,000 articles take 30 s rather than 35.
func (x *writer) inserts(ins ...insert) error {
	if x.d.name != "postgres" {
		for _, in := range ins {
			if _, err := x.exec(in.query, in.args...); err != nil {
				return err
			}
		}
		return nil
	}
	var with []string
	var args []any
	for i, in := range ins[:len(ins)-1] {
		with = append(with, fmt.Sprintf("w%d AS (%s)", i, in.query))
		args = append(args, in.args...)
	}
	last := ins[len(ins)-1]
	q := last.query
	if len(with) > 0 {
		q = "WITH " + strings.Join(with, ", ") + " " + q
	}
	_, err := x.exec(q, append(args, last.args...)...)
	return err
}

// rowsInsert is an insert of one row for each of keys into table's
// cols: the key, then rest.
func rowsInsert(table, cols string, keys []string, rest ...any) insert {
	in := insert{query: "INSERT INTO " + table + " (" + cols + ") VALUES "}
	row := "(?" + strings.Repeat(", ?", len(rest)) + ")"
	for i, k := range keys {
		if i > 0 {
			in.query += ", "
		}
		in.query += row
		in.args = append(append(in.args, k), rest...)
	}
	return in
}

// chainHead is an article's audit chain as its row has it.
type chainHead struct {
	Seq  int64  `db:"audit_seq"`
	Hash string `db:"audit_head"`
}

var errSlugTaken = &cms.Error{Code: cms.ECONFLICT, Message: "slug is taken by another article",
	Fields: []cms.FieldError{{Field: "slug", Message: "is taken"}}}

// slugConflict turns the unique violation of a slug taken in a race into
// the same answer as a slug found taken before writing.
func slugConflict(err error) error {
	if isUnique(err) {
		return errSlugTaken
	}
	return err
}

// claimSlug records the article's slug among every slug it ever had;
// a slug another article has or had is refused. A slug new to every
// article is claimed in one statement; only one that is taken, or was
// this article's before, is looked up after.
func (x *writer) claimSlug() error {
	var owner string
	err := x.tx.GetContext(x.ctx, &owner, x.d.rebind(`INSERT INTO article_slugs (slug, article_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (slug) DO NOTHING RETURNING article_id`), x.a.Slug, x.a.ID, tm{x.a.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		err = x.tx.GetContext(x.ctx, &owner, x.d.rebind(`SELECT article_id FROM article_slugs WHERE slug = ?`), x.a.Slug)
	}
	if err != nil {
		return err
	}
	if owner != x.a.ID {
		return errSlugTaken
	}
	return nil
}

// revision appends a revision and points the topic index at its topics.
func (x *writer) revision(r *cms.Revision) func() error {
	return func() error {
		if !x.fresh {
			if _, err := x.exec(`DELETE FROM article_topics WHERE article_id = ?`, x.a.ID); err != nil {
				return err
			}
		}
		ins := []insert{{`INSERT INTO revisions (article_id, revision, title, summary, body_html, topics, refs, content_hash, saved_by, saved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{x.a.ID, r.Number, r.Title, r.Summary, r.BodyHTML, mustJSON(r.Topics),
			mustJSON(r.References), r.ContentHash, r.SavedBy.ID, tm{r.SavedAt}}}}
		if len(r.Topics) > 0 {
			ins = append(ins, rowsInsert("article_topics", "topic_slug, article_id", r.Topics, x.a.ID))
		}
		return topicGone(x.inserts(ins...))
	}
}

// topicGone reports a topic deleted between validation and write.
func topicGone(err error) error {
	if isForeignKey(err) {
		return cms.Invalid("topics", "names a topic that was just deleted")
	}
	return err
}

// publish stores a published version and makes it what delivery serves.
func (x *writer) publish(p *cms.PublishedVersion) func() error {
	return func() error {
		// A first publication has no live row to replace.
		if p.Version > 1 {
			if err := x.unlist(); err != nil {
				return err
			}
		}
		x.delivery = true
		ins := []insert{
			{`INSERT INTO published_versions (article_id, version, revision, content_hash, slug, title, summary,
				topics, published_at, first_published_at, published_by, reviewed_at, document, summary_doc, etag)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{p.ArticleID, p.Version, p.Revision, p.ContentHash, p.Slug, p.Title,
				p.Summary, mustJSON(p.Topics), tm{p.PublishedAt}, tm{p.FirstPublishedAt}, p.PublishedBy.ID, tm{p.ReviewedAt},
				string(p.Document), string(p.SummaryDoc), p.ETag}},
			{`INSERT INTO live_articles (article_id, slug, version, published_at, updated_at, title, summary, body_text,
				document, document_gz, summary_doc, etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{p.ArticleID, p.Slug, p.Version,
				tm{p.FirstPublishedAt}, tm{p.PublishedAt}, p.Title, p.Summary, p.BodyText, string(p.Document), p.DocumentGz,
				string(p.SummaryDoc), p.ETag}},
		}
		if len(p.Topics) > 0 {
			ins = append(ins, rowsInsert("live_topics", "topic_slug, article_id, published_at", p.Topics, p.ArticleID, tm{p.FirstPublishedAt}))
		}
		return topicGone(x.inserts(ins...))
	}
}

// unlist takes the article out of delivery. Its live_topics rows go
// with the live row (ON DELETE CASCADE), as its search entry does.
func (x *writer) unlist() error {
	res, err := x.exec(`DELETE FROM live_articles WHERE article_id = ?`, x.a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		x.delivery = true
	}
	return nil
}

// event appends the audit event recording the change, at the place the
// article step took.
func (x *writer) event(e *cms.Event) func() error {
	return func() error {
		// The article step refused a write without its event.
		if !x.logged {
			e.Link(x.seq-1, x.head)
			if err := insertEvent(x.ctx, x.tx, x.d, e); err != nil {
				return err
			}
		}
		x.a.AuditSeq, x.a.AuditHead = e.Seq, e.Hash
		return nil
	}
}

// appendArticleEvent writes ev at the head of its article's chain, inside
// the transaction of the change it records, and moves the head; set adds
// assignments to the same update of the article row (", open_comments =
// open_comments + 1"). Taking the head here, under the row's lock (on
// PostgreSQL; SQLite has one writer), rather than as the article was
// read, lets review comments extend the chain without changing the
// article's version: a save decided on that version still goes through
// and takes the next place.
func appendArticleEvent(ctx context.Context, tx conn, d dialect, ev *cms.Event, set string) error {
	if ev == nil {
		return errNoEvent
	}
	var head chainHead
	if err := tx.GetContext(ctx, &head, d.rebind(`UPDATE articles SET audit_seq = audit_seq + 1`+set+`
		WHERE id = ? RETURNING audit_seq, audit_head`), ev.ArticleID); err != nil {
		return notFound(err, "article")
	}
	ev.Link(head.Seq-1, head.Hash)
	return insertEvent(ctx, tx, d, ev)
}

// insertEvent writes a linked event and moves its article's chain head
// to it; on PostgreSQL in one statement, as a round trip costs more than
// either write.
func insertEvent(ctx context.Context, tx conn, d dialect, ev *cms.Event) error {
	args := eventArgs(ev)
	if d.name == "postgres" {
		_, err := tx.ExecContext(ctx, `WITH e AS (INSERT INTO events (`+eventCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10))
			UPDATE articles SET audit_head = $10 WHERE id = $1`, args...)
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE articles SET audit_head = ? WHERE id = ?`, ev.Hash, ev.ArticleID)
	return err
}

var errNoEvent = cms.Errorf(cms.EINTERNAL, "a change without its audit event")

// eventCols are the columns of an article's audit event, in the order
// of eventArgs.
const eventCols = `article_id, seq, at, actor_id, actor_name, action, revision, comment, prev_hash, hash`

func eventArgs(ev *cms.Event) []any {
	return []any{ev.ArticleID, ev.Seq, tm{ev.At}, ev.Actor.ID, ev.Actor.Name, ev.Action, ev.Revision, ev.Comment, ev.PrevHash, ev.Hash}
}

// ClaimDue claims due scheduled articles for this caller until now+lease.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	var ids []string
	err := db.wr().SelectContext(ctx, &ids, db.q(`UPDATE articles SET schedule_claimed_until = ? WHERE id IN (
		SELECT id FROM articles WHERE state = 'scheduled' AND scheduled_at <= ?
			AND (schedule_claimed_until IS NULL OR schedule_claimed_until < ?)
		ORDER BY scheduled_at, id LIMIT ?`+db.d.forUpdate+`) RETURNING id`), tm{now.Add(lease)}, tm{now}, tm{now}, limit)
	return ids, err
}
