package auth

import (
	"context"
	"sync"

	"healthcms/cms"
)

// maxCachedKeys bounds the key cache, so a client sending random keys
// cannot grow it without limit.
const maxCachedKeys = 10000

// Keys creates, revokes and checks API keys. Checks are answered from
// memory after the first lookup of a key, so a private delivery API costs
// no database query per request; Purge (wired to the store's change
// announcements) forgets everything when any key is revoked anywhere.
type Keys struct {
	Store cms.KeyStore

	mu    sync.RWMutex
	cache map[string]*cms.APIKey // by hash; nil value: no such key
	// gen counts purges. A key read from the database is cached only if
	// no purge happened since the read began, so a key read just before
	// its revocation is not remembered as valid after it (the delivery
	// cache guards its answers the same way).
	gen uint64
}

// Create makes a key and returns it with the secret, which is shown
// once; the audit event records it without the secret. Admins only
// (cms.CommandLine is one).
func (k *Keys) Create(ctx context.Context, actor *cms.User, in cms.NewAPIKey) (*cms.APIKey, string, error) {
	if err := cms.RequireAdmin(actor, "managing API keys"); err != nil {
		return nil, "", err
	}
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	raw := "hcms_" + in.Scope[:1] + "_" + RandomToken(32)
	key := &cms.APIKey{ID: cms.NewID(), Name: in.Name, Scope: in.Scope, Prefix: raw[:12], CreatedAt: cms.Now(), CreatedBy: actor.Ref()}
	if err := k.Store.CreateKey(ctx, key, hashToken(raw), cms.KeyCreated(key, actor.Ref())); err != nil {
		return nil, "", err
	}
	return key, raw, nil
}

// List lists every key, revoked ones too, newest first. Admins only.
func (k *Keys) List(ctx context.Context, actor *cms.User) ([]*cms.APIKey, error) {
	if err := cms.RequireAdmin(actor, "managing API keys"); err != nil {
		return nil, err
	}
	return k.Store.Keys(ctx)
}

// Revoke revokes a key for good, on every server. Revoking a revoked key
// changes nothing and records nothing. Admins only.
func (k *Keys) Revoke(ctx context.Context, actor *cms.User, id string) error {
	if err := cms.RequireAdmin(actor, "managing API keys"); err != nil {
		return err
	}
	key, err := k.Store.Key(ctx, id)
	if err != nil {
		return err
	}
	now := cms.Now()
	return k.Store.RevokeKey(ctx, id, now, cms.KeyRevoked(key, actor.Ref(), now))
}

// Check returns nil when raw is a live key allowing scope, else
// EUNAUTHORIZED. Editor access tokens are never keys: they hash to nothing.
func (k *Keys) Check(ctx context.Context, raw, scope string) error {
	h := hashToken(raw)
	k.mu.RLock()
	key, cached := k.cache[h]
	gen := k.gen
	k.mu.RUnlock()
	if !cached {
		var err error
		key, err = k.Store.KeyByHash(ctx, h)
		if cms.ErrorCode(err) == cms.ENOTFOUND {
			key = nil
		} else if err != nil {
			return err
		}
		k.mu.Lock()
		if k.gen == gen {
			if k.cache == nil || len(k.cache) >= maxCachedKeys {
				k.cache = map[string]*cms.APIKey{}
			}
			k.cache[h] = key
		}
		k.mu.Unlock()
	}
	if key == nil || !key.Allows(scope) {
		return cms.Errorf(cms.EUNAUTHORIZED, "a valid %s key is required (Authorization: Bearer …)", scope)
	}
	return nil
}

// Purge forgets every cached key.
func (k *Keys) Purge() {
	k.mu.Lock()
	k.cache = nil
	k.gen++
	k.mu.Unlock()
}
