package auth

import "testing"

// UseCheapHashingForTests makes new password hashes cost almost nothing
// (8 KiB, one pass), so test suites that create and log in many users do
// not spend their time in argon2. Hashes carry their parameters, so they
// still verify the same way. It panics outside a test binary: production
// hashes must never be cheap. Call it before anything hashes, e.g. from a
// test package's init.
func UseCheapHashingForTests() {
	if !testing.Testing() {
		panic("auth: cheap password hashing outside a test binary")
	}
	params = argonParams{memory: 8, time: 1, threads: 1, keyLen: 32}
}
