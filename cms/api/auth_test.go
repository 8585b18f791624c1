package api_test

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"healthcms/auth"
	"healthcms/cms/api"
)

func login(e *env, email, password string) *response {
	return e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
}

func TestLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		res := login(e, "Writer@Example.com ", testPassword).want(200).json()
		if res["token_type"] != "Bearer" || res["expires_in"] != float64(900) || res["refresh_token"] == "" {
			t.Fatalf("login answer: %v", res)
		}
		if u := res["user"].(map[string]any); u["email"] != "writer@example.com" || u["roles"].([]any)[0] != "writer" {
			t.Fatalf("login user: %v", u)
		}
		me := e.do("GET", "/api/v1/auth/me", res["access_token"].(string), nil).want(200).json()
		if me["email"] != "writer@example.com" || me["credentials"] != "" || me["disabled"] != false {
			t.Fatalf("me: %v", me)
		}
		// Unknown email and wrong password: the same 401, so accounts
		// cannot be enumerated.
		a := login(e, "nobody@example.com", testPassword).problem(401)
		b := login(e, "editor@example.com", "wrong password!!").problem(401)
		if a["detail"] != b["detail"] || a["type"] != b["type"] {
			t.Fatalf("unknown email %v differs from wrong password %v", a, b)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for i := 0; i < auth.MaxAccountFailures; i++ {
			login(e, "editor@example.com", "wrong password!!").problem(401)
		}
		res := login(e, "editor@example.com", testPassword)
		res.problem(429)
		if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("429 without Retry-After: %v", res.Header)
		}
		// Other accounts are not locked by one account's failures...
		login(e, "admin@example.com", testPassword).want(200)
		// ...but one address guessing across many accounts is.
		for i := 0; i < auth.MaxAddressFailures; i++ {
			login(e, "guess"+strings.Repeat("x", i)+"@example.com", "wrong password!!")
		}
		login(e, "admin@example.com", testPassword).problem(429)
	})
}

// forge signs claims with a method and key of the attacker's choosing.
func forge(t *testing.T, method jwt.SigningMethod, key any, mutate func(c jwt.MapClaims), sub string) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"sub": sub, "roles": []string{"admin"}, "iss": auth.Issuer, "aud": []string{auth.Audience},
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
	if mutate != nil {
		mutate(c)
	}
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokenAttacks(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sub := e.users["writer"].ID
		secret := []byte(testSecret)
		// The control: a token made like the server's passes, so each
		// refusal below is for the reason named, not for a broken forge.
		e.do("GET", "/api/v1/auth/me", forge(t, jwt.SigningMethodHS256, secret, nil, sub), nil).want(200)

		good := e.tok["writer"]
		parts := strings.Split(good, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		tampered := strings.Replace(string(payload), `"roles":["writer"]`, `"roles":["admin"]`, 1)
		if tampered == string(payload) {
			t.Fatalf("payload has no roles to tamper with: %s", payload)
		}
		attacks := map[string]string{
			"alg none":            forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, sub),
			"tampered payload":    parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + parts[2],
			"another secret":      forge(t, jwt.SigningMethodHS256, []byte("another secret that is long enough!!!!"), nil, sub),
			"expired":             forge(t, jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, sub),
			"no expiry":           forge(t, jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { delete(c, "exp") }, sub),
			"HS512, right secret": forge(t, jwt.SigningMethodHS512, secret, nil, sub),
			"HS384, right secret": forge(t, jwt.SigningMethodHS384, secret, nil, sub),
			"wrong audience":      forge(t, jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["aud"] = []string{"healthcms-delivery"} }, sub),
			"wrong issuer":        forge(t, jwt.SigningMethodHS256, secret, func(c jwt.MapClaims) { c["iss"] = "someone-else" }, sub),
			"unknown subject":     forge(t, jwt.SigningMethodHS256, secret, nil, "01900000-0000-7000-8000-000000000000"),
			"garbage":             "not.a.jwt",
		}
		for name, tok := range attacks {
			res := e.do("GET", "/api/v1/editor/users", tok, nil)
			res.problem(401)
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: no WWW-Authenticate: Bearer", name)
			}
		}
		e.do("GET", "/api/v1/auth/me", "", nil).problem(401)
		e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Basic YWRtaW46YWRtaW4=").problem(401)
	})
}

func TestDisabledUserRefusedAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		id := e.users["writer"].ID
		sess := login(e, "writer@example.com", testPassword).want(200).json()
		e.do("GET", "/api/v1/auth/me", "writer", nil).want(200)
		e.do("PATCH", "/api/v1/editor/users/"+id, "admin", map[string]any{"disabled": true}).want(200)
		// The access token has not expired, but the account is disabled.
		e.do("GET", "/api/v1/auth/me", "writer", nil).problem(401)
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": sess["refresh_token"]}).problem(401)
		login(e, "writer@example.com", testPassword).problem(401)
		e.do("PATCH", "/api/v1/editor/users/"+id, "admin", map[string]any{"disabled": false}).want(200)
		login(e, "writer@example.com", testPassword).want(200)
		// The refresh family revoked on disabling stays revoked.
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": sess["refresh_token"]}).problem(401)
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		first := login(e, "editor@example.com", testPassword).want(200).json()["refresh_token"]
		second := e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": first}).want(200).json()
		if second["refresh_token"] == first || second["access_token"] == "" {
			t.Fatalf("refresh did not rotate: %v", second)
		}
		e.do("GET", "/api/v1/auth/me", second["access_token"].(string), nil).want(200)
		third := e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": second["refresh_token"]}).want(200).json()
		// Presenting a spent token again is a theft signal: the whole
		// family, including the newest token, is revoked.
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": first}).problem(401)
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": third["refresh_token"]}).problem(401)
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": "made-up"}).problem(401)

		// Another login is another family, untouched by the revocation.
		other := login(e, "editor@example.com", testPassword).want(200).json()["refresh_token"]
		e.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": other}).want(204)
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": other}).problem(401)
	})
}

func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tok := login(e, "editor@example.com", testPassword).want(200).json()["refresh_token"]
		const n = 8
		codes := make(chan int, n)
		for i := 0; i < n; i++ {
			go func() {
				res := e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": tok})
				codes <- res.Status
			}()
		}
		ok := 0
		for i := 0; i < n; i++ {
			if <-codes == 200 {
				ok++
			}
		}
		if ok > 1 {
			t.Fatalf("%d concurrent refreshes with one token succeeded, want at most 1", ok)
		}
	})
}

func TestChangePassword(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rt := login(e, "writer@example.com", testPassword).want(200).json()["refresh_token"]
		p := e.do("POST", "/api/v1/auth/password", "writer", map[string]string{"current_password": "wrong password!!", "new_password": "a brand new password"}).problem(422)
		if p["errors"].([]any)[0].(map[string]any)["field"] != "current_password" {
			t.Fatalf("problem: %v", p)
		}
		e.do("POST", "/api/v1/auth/password", "writer", map[string]string{"current_password": testPassword, "new_password": "short"}).problem(422)
		e.do("POST", "/api/v1/auth/password", "writer", map[string]string{"current_password": testPassword, "new_password": "a brand new password"}).want(204)
		e.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": rt}).problem(401)
		login(e, "writer@example.com", testPassword).problem(401)
		login(e, "writer@example.com", "a brand new password").want(200)
	})
}

// TestLoginLimitBehindProxy: behind a trusted load balancer the limit is
// per client named in X-Forwarded-For; from anyone else the header is
// ignored, or a client could dodge its limit by writing it.
func TestLoginLimitBehindProxy(t *testing.T) {
	t.Parallel()
	fail := func(e *env, xff string) int {
		return e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "x" + xff + "@example.com", "password": "wrong password!!"},
			"X-Forwarded-For", xff).Status
	}
	behind := newEnv(t, "sqlite", func(s *api.Server) { s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	for i := 0; i < auth.MaxAddressFailures; i++ {
		fail(behind, "203.0.113.5")
	}
	if got := fail(behind, "203.0.113.5"); got != 429 {
		t.Fatalf("client behind the proxy: %d, want 429", got)
	}
	if got := fail(behind, "198.51.100.7, 203.0.113.9"); got != 401 {
		t.Fatalf("another client behind the proxy: %d, want 401", got)
	}
	direct := newEnv(t, "sqlite")
	for i := 0; i < auth.MaxAddressFailures; i++ {
		fail(direct, fmt.Sprintf("192.0.2.%d", i)) // forged, each different
	}
	if got := fail(direct, "192.0.2.200"); got != 429 {
		t.Fatalf("forged X-Forwarded-For from an untrusted peer dodged the limit: %d", got)
	}
}

// TestRefreshRetriedWithChosenToken: a client that chose its next refresh
// token and lost the answer (a reload while the refresh was in flight)
// sends the same exchange again and keeps its session; a spent token with
// another next token, or none, is still a reuse that revokes the family.
func TestRefreshRetriedWithChosenToken(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		refresh := func(tok, next any) *response {
			body := map[string]any{"refresh_token": tok}
			if next != nil {
				body["next_refresh_token"] = next
			}
			return e.do("POST", "/api/v1/auth/refresh", "", body)
		}
		next := strings.Repeat("n", 20) + strings.Repeat("A", 23)
		first := login(e, "editor@example.com", testPassword).want(200).json()["refresh_token"]
		for _, bad := range []any{"short", strings.Repeat("x", 129), strings.Repeat("é", 43), first} {
			refresh(first, bad).problem(422)
		}
		got := refresh(first, next).want(200).json()
		if got["refresh_token"] != next {
			t.Fatalf("the chosen token was not used: %v", got["refresh_token"])
		}
		// The answer was lost: the same exchange again keeps the session.
		again := refresh(first, next).want(200).json()
		if again["refresh_token"] != next || again["access_token"] == "" {
			t.Fatalf("retried exchange: %v", again)
		}
		e.do("GET", "/api/v1/auth/me", again["access_token"].(string), nil).want(200)
		// A token the server holds cannot be chosen again.
		other := login(e, "editor@example.com", testPassword).want(200).json()["refresh_token"]
		refresh(other, next).problem(422)
		// The chosen token works as any other, and once it is spent the
		// retry is a reuse: the family goes, newest token included.
		next2 := strings.Repeat("m", 43)
		refresh(next, next2).want(200)
		refresh(first, next).problem(401)
		refresh(next2, nil).problem(401)
		// Another family: a spent token with a wrong next token is a reuse too.
		third := refresh(other, nil).want(200).json()["refresh_token"]
		refresh(other, strings.Repeat("z", 43)).problem(401)
		refresh(third, nil).problem(401)
	})
}
