package api_test

import (
	"fmt"
	"sync"
	"testing"

	"healthcms/auth"
	"healthcms/cms/store/storetest"
)

// parallelLogins sends n wrong-password logins at once, the i-th for
// email(i) to servers[i%len(servers)], and counts the answers by status.
func parallelLogins(t *testing.T, servers []*env, n int, email func(i int) string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start // all at once, as an attacker would
			res := login(servers[i%len(servers)], email(i), "wrong password!!")
			mu.Lock()
			codes[res.Status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d parallel wrong logins: %v", n, codes)
	return codes
}

// wantLimited checks that exactly limit of n attempts were checked (401)
// and every other one was refused unchecked (429).
func wantLimited(t *testing.T, codes map[int]int, n, limit int) {
	t.Helper()
	if codes[401] != limit || codes[429] != n-limit {
		t.Fatalf("answers %v: want %d × 401 and %d × 429", codes, limit, n-limit)
	}
}

// eachDBAlone is eachDB for the tests below, which run alone (not in
// parallel with others): each holds dozens of database connections at once.
func eachDBAlone(t *testing.T, f func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) { f(t, newEnv(t, d)) })
	}
}

// TestParallelLoginsOneAccount: the limit holds however many wrong guesses
// arrive at the same moment, because each is counted before it is checked.
func TestParallelLoginsOneAccount(t *testing.T) {
	eachDBAlone(t, func(t *testing.T, e *env) {
		const n = 40
		codes := parallelLogins(t, []*env{e}, n, func(int) string { return "editor@example.com" })
		wantLimited(t, codes, n, auth.MaxAccountFailures)
		login(e, "editor@example.com", testPassword).problem(429)
	})
}

// TestParallelLoginsOneAddress: one client guessing over many accounts at
// once gets no more than the address's limit checked.
func TestParallelLoginsOneAddress(t *testing.T) {
	eachDBAlone(t, func(t *testing.T, e *env) {
		const n = 40
		codes := parallelLogins(t, []*env{e}, n, func(i int) string { return fmt.Sprintf("guess%d@example.com", i) })
		wantLimited(t, codes, n, auth.MaxAddressFailures)
		login(e, "admin@example.com", testPassword).problem(429)
	})
}

// TestParallelLoginsTwoServers: two servers on one database share the
// limits, so spreading guesses over them gains an attacker nothing.
func TestParallelLoginsTwoServers(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			pair := func() []*env {
				url := storetest.URL(t, d)
				return []*env{newEnvOn(t, storetest.OpenURL(t, url)), newEnvOn(t, storetest.OpenURL(t, url))}
			}
			const n = 40
			codes := parallelLogins(t, pair(), n, func(int) string { return "editor@example.com" })
			wantLimited(t, codes, n, auth.MaxAccountFailures)
			codes = parallelLogins(t, pair(), n, func(i int) string { return fmt.Sprintf("guess%d@example.com", i) })
			wantLimited(t, codes, n, auth.MaxAddressFailures)
		})
	}
}
