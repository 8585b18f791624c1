-- +goose Up
-- Webhooks: where to POST which events. The secret signs every delivery,
-- so it is kept (it is shown once, at creation, and never listed). A
-- deleted webhook keeps its row, so its delivery log stays readable.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL, -- JSON array of event names
    secret     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at TIMESTAMPTZ
);

-- The outbox: one row per event and webhook, inserted in the transaction
-- of the change, so a crash can delay a delivery but never lose it.
-- next_attempt_at is NULL once delivered or given up; claim and
-- claimed_until are the lease of the server sending it.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id),
    event_id        TEXT NOT NULL,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claim           TEXT,
    claimed_until   TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    status_code     INTEGER,
    error           TEXT NOT NULL DEFAULT '',
    delivered_at    TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
