package store

import (
	"context"
	"slices"
	"strings"

	"healthcms/cms"
)

// appendAudit writes ev at the end of its subject's chain, inside the
// transaction of the change it records. The upsert of the head takes the
// head's row lock (on PostgreSQL; SQLite has one writer), so concurrent
// changes of one subject queue for their places instead of colliding.
func appendAudit(ctx context.Context, tx conn, d dialect, ev *cms.AuditEvent) error {
	if ev == nil {
		return cms.Errorf(cms.EINTERNAL, "a change without its audit event")
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := tx.GetContext(ctx, &head, d.rebind(`INSERT INTO audit_heads (subject_type, subject_id, seq, hash) VALUES (?, ?, 1, '')
		ON CONFLICT (subject_type, subject_id) DO UPDATE SET seq = audit_heads.seq + 1 RETURNING seq, hash`),
		ev.Subject.Type, ev.Subject.ID); err != nil {
		return err
	}
	ev.Link(head.Seq-1, head.Hash)
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO audit_events (subject_type, subject_id, seq, at, actor_id, actor_name,
		action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), ev.Subject.Type, ev.Subject.ID, ev.Seq, tm{ev.At},
		ev.Actor.ID, ev.Actor.Name, ev.Action, ev.Detail, ev.PrevHash, ev.Hash); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, d.rebind(`UPDATE audit_heads SET hash = ? WHERE subject_type = ? AND subject_id = ?`),
		ev.Hash, ev.Subject.Type, ev.Subject.ID)
	return err
}

type auditRow struct {
	Type      string `db:"subject_type"`
	ID        string `db:"subject_id"`
	Seq       int64  `db:"seq"`
	At        tm     `db:"at"`
	ActorID   string `db:"actor_id"`
	ActorName string `db:"actor_name"`
	Action    string `db:"action"`
	Detail    string `db:"detail"`
	Revision  int    `db:"revision"`
	PrevHash  string `db:"prev_hash"`
	Hash      string `db:"hash"`
}

func (r *auditRow) event() *cms.AuditEvent {
	return &cms.AuditEvent{Subject: cms.Subject{Type: r.Type, ID: r.ID}, Seq: r.Seq, At: r.At.Time,
		Actor: cms.UserRef{ID: r.ActorID, Name: r.ActorName}, Action: r.Action, Detail: r.Detail, Revision: r.Revision,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

const (
	auditCols = `subject_type, subject_id, seq, at, actor_id, actor_name, action, detail, 0 AS revision, prev_hash, hash`
	// Article events in the audit log's shape: the comment is the detail.
	articleAuditCols = `'article' AS subject_type, article_id AS subject_id, seq, at, actor_id, actor_name, action,
		comment AS detail, revision, prev_hash, hash`
)

// AuditLog lists the events f selects, newest first. Article events and
// the other subjects' events live in two tables; each is read in order
// along an index up to the limit, and the two are merged here.
func (db *DB) AuditLog(ctx context.Context, f cms.AuditFilter) ([]*cms.AuditEvent, error) {
	var rows []auditRow
	if f.Type == "" || f.Type == cms.SubjectArticle {
		q, args := `SELECT `+articleAuditCols+` FROM events WHERE 1 = 1`, []any{}
		if f.ID != "" {
			q, args = q+` AND article_id = ?`, append(args, f.ID)
		}
		if c := f.After; c != nil {
			// The order is (at, type, id, seq); every row here has the
			// type "article", so the cursor's type decides at its time.
			switch strings.Compare(cms.SubjectArticle, c.Subject.Type) {
			case -1:
				q, args = q+` AND at <= ?`, append(args, tm{c.At})
			case 1:
				q, args = q+` AND at < ?`, append(args, tm{c.At})
			default:
				q, args = q+` AND (at, article_id, seq) < (?, ?, ?)`, append(args, tm{c.At}, c.Subject.ID, c.Seq)
			}
		}
		var part []auditRow
		if err := db.rd().SelectContext(ctx, &part, db.q(q+` ORDER BY at DESC, article_id DESC, seq DESC LIMIT ?`), append(args, f.Limit)...); err != nil {
			return nil, err
		}
		rows = append(rows, part...)
	}
	if f.Type != cms.SubjectArticle {
		q, args := `SELECT `+auditCols+` FROM audit_events WHERE 1 = 1`, []any{}
		if f.Type != "" {
			q, args = q+` AND subject_type = ?`, append(args, f.Type)
		}
		if f.ID != "" {
			q, args = q+` AND subject_id = ?`, append(args, f.ID)
		}
		if c := f.After; c != nil {
			q, args = q+` AND (at, subject_type, subject_id, seq) < (?, ?, ?, ?)`, append(args, tm{c.At}, c.Subject.Type, c.Subject.ID, c.Seq)
		}
		var part []auditRow
		if err := db.rd().SelectContext(ctx, &part, db.q(q+` ORDER BY at DESC, subject_type DESC, subject_id DESC, seq DESC LIMIT ?`), append(args, f.Limit)...); err != nil {
			return nil, err
		}
		rows = append(rows, part...)
	}
	slices.SortFunc(rows, func(a, b auditRow) int {
		if c := b.At.Compare(a.At.Time); c != 0 {
			return c
		}
		if c := strings.Compare(b.Type, a.Type); c != 0 {
			return c
		}
		if c := strings.Compare(b.ID, a.ID); c != 0 {
			return c
		}
		return int(b.Seq - a.Seq)
	})
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
	}
	out := make([]*cms.AuditEvent, len(rows))
	for i := range rows {
		out[i] = rows[i].event()
	}
	return out, nil
}

// EachSubjectChain calls fn with the chain of every subject other than an
// article: every subject with a head or with events, in subject order.
func (db *DB) EachSubjectChain(ctx context.Context, fn func(*cms.SubjectChain) error) error {
	var heads []struct {
		Type string `db:"subject_type"`
		ID   string `db:"subject_id"`
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := db.rd().SelectContext(ctx, &heads, `SELECT subject_type, subject_id, seq, hash FROM audit_heads`); err != nil {
		return err
	}
	var subjects []cms.Subject
	if err := db.rd().SelectContext(ctx, &subjects, `SELECT DISTINCT subject_type AS type, subject_id AS id FROM audit_events`); err != nil {
		return err
	}
	chains := map[cms.Subject]*cms.SubjectChain{}
	for _, s := range subjects {
		chains[s] = &cms.SubjectChain{Subject: s, HeadSeq: -1}
	}
	for _, h := range heads {
		s := cms.Subject{Type: h.Type, ID: h.ID}
		chains[s] = &cms.SubjectChain{Subject: s, HeadSeq: h.Seq, HeadHash: h.Hash}
	}
	keys := make([]cms.Subject, 0, len(chains))
	for s := range chains {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b cms.Subject) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, s := range keys {
		var rows []auditRow
		if err := db.rd().SelectContext(ctx, &rows, db.q(`SELECT `+auditCols+` FROM audit_events
			WHERE subject_type = ? AND subject_id = ? ORDER BY seq`), s.Type, s.ID); err != nil {
			return err
		}
		c := chains[s]
		for i := range rows {
			c.Events = append(c.Events, rows[i].event())
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}
