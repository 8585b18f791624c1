package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestPasswordHashAndCheck(t *testing.T) {
	h := HashPassword("correct horse battery staple")
	if !CheckPassword(h, "correct horse battery staple") || CheckPassword(h, "correct horse battery stapler") {
		t.Fatal("a hash must match its password and only it")
	}
	if CheckPassword(dummyHash(), "") || CheckPassword("$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA", "x") {
		t.Fatal("the dummy hash or an absurd one matched")
	}
}

// TestHashesBounded: a burst of hashes runs at most GOMAXPROCS at a time,
// so the 19 MiB each holds while it runs is bounded however many logins
// arrive at once.
func TestHashesBounded(t *testing.T) {
	limit := PasswordHashStats().Limit
	hash := HashPassword("correct horse battery staple")
	var wg sync.WaitGroup
	for range 8 * limit {
		wg.Go(func() { CheckPassword(hash, "wrong password!!") })
	}
	wg.Wait()
	st := PasswordHashStats()
	if st.Peak < 1 || st.Peak > limit || st.Running != 0 {
		t.Fatalf("%d hashes at once: %+v, want a peak from 1 to %d and none running after", 8*limit, st, limit)
	}
}

// TestHashWaitEndsWithRequest: a check waiting for a slot gives up when
// its request ends, unchecked rather than wrong.
func TestHashWaitEndsWithRequest(t *testing.T) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{} // every slot busy
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ok, err := checkPassword(ctx, dummyHash(), "x")
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting check: %v %v, want the deadline's error", ok, err)
	}
	if _, err := hashPassword(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting hash: %v, want the deadline's error", err)
	}
}
