package cms

import (
	"context"
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

// KeyStore keeps API keys. RevokeKey and KeyByHash return ENOTFOUND for an
// unknown key; RevokeKey announces the change so every server forgets it.
type KeyStore interface {
	CreateKey(ctx context.Context, k *APIKey, hash string) error
	Keys(ctx context.Context) ([]*APIKey, error)
	RevokeKey(ctx context.Context, id string, now time.Time) error
	KeyByHash(ctx context.Context, hash string) (*APIKey, error)
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
