package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"healthcms/cms"
)

type webhookRow struct {
	ID        string         `db:"id"`
	URL       string         `db:"url"`
	Events    string         `db:"events"`
	CreatedAt tm             `db:"created_at"`
	CreatedBy string         `db:"created_by"`
	Creator   sql.NullString `db:"creator"`
}

const webhookSelect = `SELECT h.id, h.url, h.events, h.created_at, h.created_by, u.name AS creator
	FROM webhooks h LEFT JOIN users u ON u.id = h.created_by`

func (r *webhookRow) webhook() *cms.Webhook {
	h := &cms.Webhook{ID: r.ID, URL: r.URL, CreatedAt: r.CreatedAt.Time, CreatedBy: cms.UserRef{ID: r.CreatedBy, Name: r.Creator.String}}
	if json.Unmarshal([]byte(r.Events), &h.Events) != nil || h.Events == nil {
		h.Events = []string{}
	}
	return h
}

// CreateWebhook stores a webhook with the secret that signs its deliveries.
func (db *DB) CreateWebhook(ctx context.Context, h *cms.Webhook, secret string, ev *cms.AuditEvent) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO webhooks (id, url, events, secret, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?)`), h.ID, h.URL, mustJSON(h.Events), secret, tm{h.CreatedAt}, h.CreatedBy.ID)
		if err != nil {
			return err
		}
		forgetSubscribers(tx)
		return appendAudit(ctx, tx, db.d, ev)
	})
}

// Webhooks lists the webhooks not deleted, newest first.
func (db *DB) Webhooks(ctx context.Context) ([]*cms.Webhook, error) {
	var rows []webhookRow
	if err := db.rd().SelectContext(ctx, &rows, webhookSelect+` WHERE h.deleted_at IS NULL ORDER BY h.created_at DESC, h.id DESC`); err != nil {
		return nil, err
	}
	out := make([]*cms.Webhook, len(rows))
	for i := range rows {
		out[i] = rows[i].webhook()
	}
	return out, nil
}

// Webhook returns one webhook, deleted or not.
func (db *DB) Webhook(ctx context.Context, id string) (*cms.Webhook, error) {
	var r webhookRow
	if err := db.rd().GetContext(ctx, &r, db.q(webhookSelect+` WHERE h.id = ?`), id); err != nil {
		return nil, notFound(err, "webhook")
	}
	return r.webhook(), nil
}

// DeleteWebhook marks a webhook deleted and gives up its pending
// deliveries; the rows stay for the log.
func (db *DB) DeleteWebhook(ctx context.Context, id string, now time.Time, ev *cms.AuditEvent) error {
	return db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`), tm{now}, id)
		if err != nil {
			return err
		}
		forgetSubscribers(tx)
		if n, _ := res.RowsAffected(); n == 0 {
			return cms.Errorf(cms.ENOTFOUND, "webhook not found")
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE webhook_deliveries SET next_attempt_at = NULL, failed_at = ?,
			error = 'the webhook was deleted', claim = NULL, claimed_until = NULL
			WHERE webhook_id = ? AND next_attempt_at IS NOT NULL`), tm{now}, id)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.d, ev)
	})
}

type hookDeliveryRow struct {
	ID            string        `db:"id"`
	EventID       string        `db:"event_id"`
	Event         string        `db:"event"`
	CreatedAt     tm            `db:"created_at"`
	Attempts      int           `db:"attempts"`
	StatusCode    sql.NullInt64 `db:"status_code"`
	Error         string        `db:"error"`
	LastAttemptAt ntm           `db:"last_attempt_at"`
	NextAttemptAt ntm           `db:"next_attempt_at"`
	DeliveredAt   ntm           `db:"delivered_at"`
	FailedAt      ntm           `db:"failed_at"`
}

// HookDeliveries lists a webhook's deliveries, newest first, after the
// cursor when there is one.
func (db *DB) HookDeliveries(ctx context.Context, webhookID string, limit int, after *cms.Cursor) ([]*cms.HookDelivery, error) {
	q, args := `SELECT id, event_id, event, created_at, attempts, status_code, error, last_attempt_at, next_attempt_at,
		delivered_at, failed_at FROM webhook_deliveries WHERE webhook_id = ?`, []any{webhookID}
	if after != nil {
		q, args = q+` AND (created_at, id) < (?, ?)`, append(args, tm{after.At}, after.ID)
	}
	var rows []hookDeliveryRow
	if err := db.rd().SelectContext(ctx, &rows, db.q(q+` ORDER BY created_at DESC, id DESC LIMIT ?`), append(args, limit)...); err != nil {
		return nil, err
	}
	out := make([]*cms.HookDelivery, len(rows))
	for i, r := range rows {
		out[i] = &cms.HookDelivery{ID: r.ID, EventID: r.EventID, Event: r.Event, CreatedAt: r.CreatedAt.Time, Attempts: r.Attempts,
			StatusCode: int(r.StatusCode.Int64), Error: r.Error, LastAttemptAt: r.LastAttemptAt.Ptr(),
			NextAttemptAt: r.NextAttemptAt.Ptr(), DeliveredAt: r.DeliveredAt.Ptr(), FailedAt: r.FailedAt.Ptr()}
	}
	return out, nil
}

// writeOutbox records events in the outbox inside the transaction of the
// change they report: one delivery per event and subscribed webhook, due
// at once. Committed with the change or rolled back with it.
func writeOutbox(ctx context.Context, tx conn, d dialect, events []*cms.HookEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows, err := subscribers(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		h := r.webhook()
		for _, e := range events {
			if !h.Wants(e.Event) {
				continue
			}
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, body,
				created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)`), cms.NewID(), h.ID, e.ID, e.Event, string(e.Body),
				tm{e.At}, tm{e.At}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ClaimHooks claims up to limit due deliveries for the caller, under the
// claim token, until now+lease. Claims are taken in the database (FOR
// UPDATE SKIP LOCKED on PostgreSQL; on SQLite the one writer makes the
// update a compare-and-swap), so several servers never send the same
// delivery at once; a server that dies holding one loses it when its
// lease ends.
func (db *DB) ClaimHooks(ctx context.Context, claim string, now time.Time, lease time.Duration, limit int) ([]*cms.HookSend, error) {
	// Most polls find nothing due: find that out on a reader, without
	// taking SQLite's write lock or PostgreSQL row locks.
	var due []int
	if err := db.rd().SelectContext(ctx, &due, db.q(`SELECT 1 FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL
		AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) LIMIT 1`), tm{now}, tm{now}); err != nil || len(due) == 0 {
		return nil, err
	}
	var ids []string
	err := db.wr().SelectContext(ctx, &ids, db.q(`UPDATE webhook_deliveries SET claim = ?, claimed_until = ? WHERE id IN (
		SELECT id FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
			AND (claimed_until IS NULL OR claimed_until < ?)
		ORDER BY next_attempt_at, id LIMIT ?`+db.d.forUpdate+`) RETURNING id`), claim, tm{now.Add(lease)}, tm{now}, tm{now}, limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var rows []struct {
		ID        string `db:"id"`
		WebhookID string `db:"webhook_id"`
		URL       string `db:"url"`
		Secret    string `db:"secret"`
		Event     string `db:"event"`
		Body      string `db:"body"`
		Attempts  int    `db:"attempts"`
	}
	// Read from the writer: on SQLite a reader could miss the claim just made.
	if err := db.wr().SelectContext(ctx, &rows, db.q(`SELECT d.id, d.webhook_id, h.url, h.secret, d.event, d.body, d.attempts
		FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id WHERE d.claim = ? ORDER BY d.next_attempt_at, d.id`), claim); err != nil {
		return nil, err
	}
	out := make([]*cms.HookSend, len(rows))
	for i, r := range rows {
		out[i] = &cms.HookSend{ID: r.ID, WebhookID: r.WebhookID, URL: r.URL, Secret: r.Secret, Event: r.Event,
			Body: []byte(r.Body), Attempts: r.Attempts}
	}
	return out, nil
}

// RecordHookAttempt stores the outcome of an attempt and ends the claim,
// unless the claim was lost (its lease ended and another server took the
// delivery): then the other server's outcome counts.
func (db *DB) RecordHookAttempt(ctx context.Context, a *cms.HookAttempt) error {
	var status any
	if a.StatusCode != 0 {
		status = a.StatusCode
	}
	var delivered, failed ntm
	if a.Delivered {
		delivered = ntm{a.At, true}
	} else if a.Next == nil {
		failed = ntm{a.At, true}
	}
	_, err := db.wr().ExecContext(ctx, db.q(`UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?,
		status_code = ?, error = ?, delivered_at = ?, failed_at = ?, next_attempt_at = ?, claim = NULL, claimed_until = NULL
		WHERE id = ? AND claim = ?`), tm{a.At}, status, a.Error, delivered, failed, ntmOf(a.Next), a.ID, a.Claim)
	return err
}

// OldestPendingHook returns when the oldest delivery not yet delivered
// nor given up was recorded, nil when there is none.
func (db *DB) OldestPendingHook(ctx context.Context) (*time.Time, error) {
	var t ntm
	err := db.rd().GetContext(ctx, &t, `SELECT MIN(created_at) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL`)
	return t.Ptr(), err
}

// ReleaseHooks ends a claim without recording an attempt, so another
// server (or this one, restarted) sends its deliveries at once.
func (db *DB) ReleaseHooks(ctx context.Context, claim string) error {
	_, err := db.wr().ExecContext(ctx, db.q(`UPDATE webhook_deliveries SET claim = NULL, claimed_until = NULL WHERE claim = ?`), claim)
	return err
}

// subscribers reads the webhooks not deleted (id and events) through q.
// A batch reads them once, and again after a webhook is created or
// deleted in it (forgetSubscribers): a bulk load reads them once per
// batch, not once per change.
func subscribers(ctx context.Context, q conn) ([]webhookRow, error) {
	read := func() (rows []webhookRow, err error) {
		err = q.SelectContext(ctx, &rows, `SELECT id, events FROM webhooks WHERE deleted_at IS NULL`)
		return rows, err
	}
	if b, ok := q.(*batch); ok {
		return b.subscribers.get(read)
	}
	return read()
}

// forgetSubscribers makes a batch read its webhooks again, after a change
// to them (written: a read begun before it may not see it).
func forgetSubscribers(q conn) {
	if b, ok := q.(*batch); ok {
		b.subscribers.forget()
	}
}
