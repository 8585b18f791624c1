// Package auth signs people in: password hashing, JWT access tokens,
// rotating refresh tokens, login rate limiting, and user administration.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argonParams are the costs of one argon2id hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
}

// params: OWASP's recommended minimum (19 MiB, 2 passes), which keeps a
// login near 30 ms on a small machine. Only UseCheapHashingForTests
// changes them.
var params = argonParams{memory: 19 * 1024, time: 2, threads: 1, keyLen: 32}

// HashPassword returns an argon2id hash in the PHC string format, which
// carries its parameters so they can be raised later without a migration.
// It waits for a free hashing slot (see PasswordHashStats).
func HashPassword(pw string) string {
	h, _ := hashPassword(context.Background(), pw) // never fails without a deadline
	return h
}

// hashPassword is HashPassword that gives up when ctx ends while it waits
// for a hashing slot.
func hashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	p := params
	var key []byte
	if err := withHashSlot(ctx, func() {
		key = argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
	}); err != nil {
		return "", err
	}
	return phc(p, salt, key), nil
}

// phc formats a hash in the PHC string format.
func phc(p argonParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether pw matches hash, in constant time. It
// waits for a free hashing slot (see PasswordHashStats).
func CheckPassword(hash, pw string) bool {
	ok, _ := checkPassword(context.Background(), hash, pw)
	return ok
}

// checkPassword is CheckPassword that gives up with ctx's error when ctx
// ends while it waits for a hashing slot; the password is then unchecked.
func checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, nil
	}
	var got []byte
	if err := withHashSlot(ctx, func() { got = argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want))) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the email is unknown, so a login takes
// as long for a missing account as for a wrong password. It costs what a
// real hash of the current parameters costs and matches no password (no
// input hashes to all zeros).
func dummyHash() string {
	p := params
	return phc(p, make([]byte, 16), make([]byte, p.keyLen))
}

// RandomToken returns n random bytes, URL-safe base64 encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// GeneratePassword returns a password for first-run and demo accounts.
func GeneratePassword() string { return RandomToken(18) }
