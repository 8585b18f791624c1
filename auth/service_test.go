package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestUncheckedLoginsCountNothing: logins that end before their password
// could be checked (every hashing slot busy) are refunded, so a slow
// server does not lock people out, while checked failures still count.
func TestUncheckedLoginsCountNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := &Service{Users: db, Tokens: db, Secret: []byte("a test secret that is long enough for HS256!"), AccessTTL: time.Minute, RefreshTTL: time.Hour}
		ctx := context.Background()
		if _, err := s.CreateUser(ctx, cms.CommandLine(), cms.NewUser{Email: "w@example.com", Name: "W", Password: "correct horse battery staple",
			Roles: []workflow.Role{workflow.RoleWriter}}); err != nil {
			t.Fatal(err)
		}
		for range cap(hashSlots) {
			hashSlots <- struct{}{}
		}
		release := sync.OnceFunc(func() {
			for range cap(hashSlots) {
				<-hashSlots
			}
		})
		defer release() // also when the test fails
		for range 2 * MaxAccountFailures {
			short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
			deadline, _ := short.Deadline()
			_, err := s.Login(short, "w@example.com", "wrong password!!", "192.0.2.1")
			// Read the clock, not short.Err(): a dial to the database bound
			// by the same deadline can return before the context's own
			// timer has marked it done (seen on a loaded machine).
			ended := !time.Now().Before(deadline)
			cancel()
			// The deadline ends the login while it waits for a slot or, on a
			// busy machine, during a query or the connection's dial
			// (PostgreSQL's driver then reports the statement cancelled or
			// an i/o timeout): either way with no verdict.
			code := cms.ErrorCode(err)
			if err == nil || code == cms.EUNAUTHORIZED || code == cms.ERATELIMIT || !ended {
				t.Fatalf("login with every slot busy: %v (deadline passed: %v), want it ended by the deadline", err, ended)
			}
		}
		release()
		for i := range MaxAccountFailures {
			if _, err := s.Login(ctx, "w@example.com", "wrong password!!", "192.0.2.1"); cms.ErrorCode(err) != cms.EUNAUTHORIZED {
				t.Fatalf("checked failure %d: %v, want 401", i+1, err)
			}
		}
		if _, err := s.Login(ctx, "w@example.com", "correct horse battery staple", "192.0.2.1"); cms.ErrorCode(err) != cms.ERATELIMIT {
			t.Fatalf("after %d checked failures: %v, want 429", MaxAccountFailures, err)
		}
	})
}
