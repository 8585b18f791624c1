package auth_test

import (
	"context"
	"testing"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// racingKeys is a key store whose lookup runs between reading a key and
// returning it: the window in which another request may revoke it.
type racingKeys struct {
	cms.KeyStore
	afterRead func()
}

func (s *racingKeys) KeyByHash(ctx context.Context, hash string) (*cms.APIKey, error) {
	k, err := s.KeyStore.KeyByHash(ctx, hash)
	if f := s.afterRead; f != nil {
		s.afterRead = nil
		f()
	}
	return k, err
}

// A key read from the database just before it is revoked (and the cache
// purged) must not be cached as valid after the purge: the next check
// asks the database again and refuses the key.
func TestRevokedKeyIsNotCachedAcrossPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		store := &racingKeys{KeyStore: db}
		keys := &auth.Keys{Store: store}
		db.OnChange(keys.Purge)
		as := &auth.Service{Users: db, Tokens: db, Secret: []byte("a test secret that is long enough for HS256!")}
		u, err := as.CreateUser(ctx, cms.CommandLine(), cms.NewUser{Email: "admin@example.com", Name: "Admin",
			Password: "correct horse battery staple", Roles: []workflow.Role{workflow.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
				k, raw, err := keys.Create(ctx, u, cms.NewAPIKey{Name: "frontend", Scope: cms.ScopeDelivery})
		if err != nil {
			t.Fatal(err)
		}
		// The first check reads the key, still live; the revocation (with
		// its purge) lands before the check caches what it read.
		store.afterRead = func() {
			if err := db.RevokeKey(ctx, k.ID, cms.Now(), cms.KeyRevoked(k, u.Ref(), cms.Now())); err != nil {
				t.Fatal(err)
			}
			keys.Purge() // what the change announcement does, without waiting for it
		}
		if err := keys.Check(ctx, raw, cms.ScopeDelivery); err != nil {
			t.Fatalf("check that began before the revocation: %v", err)
		}
		if err := keys.Check(ctx, raw, cms.ScopeDelivery); cms.ErrorCode(err) != cms.EUNAUTHORIZED {
			t.Fatalf("revoked key checked after the purge: %v, want unauthorized", err)
		}
	})
}
