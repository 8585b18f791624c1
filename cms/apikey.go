package cms

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// API key scopes. A preview key reads drafts as well as live content, so
// it also serves delivery; a delivery key reads live content only.
const (
	ScopeDelivery = "delivery"
	ScopePreview  = "preview"
)

// APIKey is a key frontends use for delivery or preview. The key itself is
// shown once, at creation; only its hash is stored.
type APIKey struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Scope string `json:"scope"`
	// Prefix is the key's first characters, so people can tell keys apart
	// without the key.
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy UserRef    `json:"created_by"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// Allows reports whether the key may read with scope.
func (k *APIKey) Allows(scope string) bool {
	return k.RevokedAt == nil && (k.Scope == scope || k.Scope == ScopePreview)
}

// KeyStore keeps API keys. Key, RevokeKey and KeyByHash return ENOTFOUND
// for an unknown key. CreateKey and RevokeKey write the audit event that
// records the change in the same transaction; RevokeKey writes nothing
// (and succeeds) when the key is already revoked, and announces the change
// so every server forgets the key.
type KeyStore interface {
	CreateKey(ctx context.Context, k *APIKey, hash string, ev *AuditEvent) error
	Key(ctx context.Context, id string) (*APIKey, error)
	Keys(ctx context.Context) ([]*APIKey, error)
	RevokeKey(ctx context.Context, id string, now time.Time, ev *AuditEvent) error
	KeyByHash(ctx context.Context, hash string) (*APIKey, error)
}

// KeyCreated is the audit event of a new key: its name, scope and prefix,
// never the key.
func KeyCreated(k *APIKey, actor UserRef) *AuditEvent {
	return NewAuditEvent(Subject{SubjectAPIKey, k.ID}, actor, EventCreated,
		fmt.Sprintf("%s key %q created (prefix %s)", k.Scope, k.Name, k.Prefix), k.CreatedAt)
}

// KeyRevoked is the audit event of revoking k.
func KeyRevoked(k *APIKey, actor UserRef, at time.Time) *AuditEvent {
	return NewAuditEvent(Subject{SubjectAPIKey, k.ID}, actor, EventRevoked,
		fmt.Sprintf("%s key %q revoked (prefix %s)", k.Scope, k.Name, k.Prefix), at)
}

// NewAPIKey is the input for creating a key.
type NewAPIKey struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
}

// Validate normalizes and checks the input.
func (n *NewAPIKey) Validate() error {
	var v Validation
	n.Name = strings.TrimSpace(n.Name)
	checkLine(&v, "name", n.Name, 1, MaxNameLen)
	if n.Scope != ScopeDelivery && n.Scope != ScopePreview {
		v.Add("scope", "must be delivery or preview")
	}
	return v.Err()
}
