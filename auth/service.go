package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"healthcms/cms"
	"healthcms/workflow"
)

// Login rate limits: failures counted in a fixed window per account and per
// client address, kept in the database so every server process shares them.
const (
	FailureWindow      = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 20
)

// Service signs people in and manages users.
type Service struct {
	Users      cms.UserStore
	Tokens     cms.TokenStore
	Secret     []byte
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// Session is the answer to a login or refresh.
type Session struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int       `json:"expires_in"`
	RefreshToken string    `json:"refresh_token"`
	User         *cms.User `json:"user"`
}

var errBadLogin = cms.Errorf(cms.EUNAUTHORIZED, "email or password is wrong")

// Login checks an email and password. Unknown email and wrong password give
// the same error after the same work, so accounts cannot be enumerated.
//
// The attempt is counted against the account and the client address
// before the password is checked, so however many guesses arrive at once,
// on however many servers, no more than the limits are ever checked. An
// attempt that did not fail is then taken back: a good login clears the
// account's failures and returns the address its attempt, and an attempt
// that could not be checked (the request ended while waiting to hash, the
// database failed) counts nothing.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (*Session, error) {
	now := cms.Now()
	email = cms.NormalizeEmail(email)
	acctKey := accountKey(email)
	charges, err := s.charge(ctx, now,
		cms.LoginLimit{Key: acctKey, Max: MaxAccountFailures},
		cms.LoginLimit{Key: "address:" + clientAddr, Max: MaxAddressFailures})
	if err != nil {
		return nil, err
	}
	u, err := s.checkLogin(ctx, email, password)
	if err == errBadLogin {
		return nil, err // the charge stands: it was a failure
	}
	if err != nil {
		s.refund(ctx, charges)
		return nil, err
	}
	if err := s.Tokens.ClearLoginFailures(ctx, acctKey); err != nil {
		return nil, err
	}
	s.refund(ctx, charges[1:])
	return s.newSession(ctx, u, cms.NewID(), now)
}

// checkLogin returns the user that email and password sign in, or
// errBadLogin, or another error when the password could not be checked.
func (s *Service) checkLogin(ctx context.Context, email, password string) (*cms.User, error) {
	var u *cms.User
	var hash string
	if cms.PlausibleEmail(email) { // anything else cannot be an account, or even be looked up
		var err error
		u, hash, err = s.Users.UserByEmail(ctx, email)
		if err != nil && cms.ErrorCode(err) != cms.ENOTFOUND {
			return nil, err
		}
	}
	if u == nil || len(password) > cms.MaxPasswordLen {
		if _, err := checkPassword(ctx, dummyHash(), password); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	ok, err := checkPassword(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || u.Disabled {
		return nil, errBadLogin
	}
	return u, nil
}

// charge counts an attempt against limits, or refuses it with 429 and
// Retry-After when any of them has no failures left in its window.
func (s *Service) charge(ctx context.Context, now time.Time, limits ...cms.LoginLimit) ([]cms.LoginCharge, error) {
	charges, retryAt, err := s.Tokens.ChargeLoginAttempt(ctx, limits, now, FailureWindow)
	if err != nil {
		return nil, err
	}
	if charges == nil {
		wait := int(retryAt.Sub(now).Seconds()) + 1
		return nil, &cms.Error{Code: cms.ERATELIMIT, Message: "too many failed logins; try again later", RetryAfter: wait}
	}
	return charges, nil
}

// refund takes back attempts that did not fail. It runs even when the
// request has ended, since the attempt must not go on counting. A refund
// that fails leaves the attempt counted, which errs on the safe side.
func (s *Service) refund(ctx context.Context, charges []cms.LoginCharge) {
	if len(charges) > 0 {
		_ = s.Tokens.RefundLoginAttempt(context.WithoutCancel(ctx), charges)
	}
}

// accountKey names an account's login-failure counter by a hash of the
// email: fixed in size whatever a client sends, and no address in the table.
func accountKey(email string) string { return "account:" + hashToken(email) }

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func (s *Service) newRefresh(u *cms.User, family string, now time.Time) (*cms.RefreshToken, string) {
	raw := RandomToken(32)
	return &cms.RefreshToken{ID: cms.NewID(), FamilyID: family, UserID: u.ID, Hash: hashToken(raw),
		CreatedAt: now, ExpiresAt: now.Add(s.RefreshTTL)}, raw
}

func (s *Service) session(u *cms.User, raw string, now time.Time) (*Session, error) {
	access, err := s.issueAccess(u, now)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.AccessTTL.Seconds()),
		RefreshToken: raw, User: u}, nil
}

func (s *Service) newSession(ctx context.Context, u *cms.User, family string, now time.Time) (*Session, error) {
	rt, raw := s.newRefresh(u, family, now)
	if err := s.Tokens.InsertRefreshToken(ctx, rt); err != nil {
		return nil, err
	}
	return s.session(u, raw, now)
}

var errBadRefresh = cms.Errorf(cms.EUNAUTHORIZED, "refresh token invalid")

// Refresh spends a refresh token for a new pair. Presenting a spent token
// again means it was stolen or replayed: the whole family is revoked.
//
// next, when not empty, is the refresh token of the new pair, chosen by
// the client (NextRefreshTokenOK) and kept by it before it asks: so a
// client whose answer is lost (the page reloaded while the request was in
// flight) still knows the token the server now holds, and retries the
// same exchange: the spent token with the same next, answered with a new
// access token and that next again. This is not a reuse, since only the
// holder of the family's current token can send it; any other spent token
// still revokes the family.
func (s *Service) Refresh(ctx context.Context, raw, next string) (*Session, error) {
	if next != "" && (!NextRefreshTokenOK(next) || next == raw) {
		return nil, cms.Invalid("next_refresh_token", "must be a new random token: 43 to 128 characters of A-Z, a-z, 0-9, - and _")
	}
	now := cms.Now()
	old, err := s.Tokens.RefreshTokenByHash(ctx, hashToken(raw))
	if cms.ErrorCode(err) == cms.ENOTFOUND {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	if old.Revoked || !now.Before(old.ExpiresAt) {
		return nil, errBadRefresh
	}
	if old.Spent {
		return s.retried(ctx, old, next, now)
	}
	u, err := s.Users.User(ctx, old.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	nextToken, nextRaw := s.newRefresh(u, old.FamilyID, now)
	if next != "" {
		if _, err := s.Tokens.RefreshTokenByHash(ctx, hashToken(next)); err == nil {
			return nil, cms.Invalid("next_refresh_token", "is already a refresh token; choose a new random one")
		} else if cms.ErrorCode(err) != cms.ENOTFOUND {
			return nil, err
		}
		nextToken.Hash, nextRaw = hashToken(next), next
	}
	ok, err := s.Tokens.RotateRefreshToken(ctx, old.ID, nextToken, now)
	if err != nil {
		return nil, err
	}
	if !ok { // lost a race with another use of the same token: a reuse, unless it was this exchange
		return s.retried(ctx, old, next, now)
	}
	return s.session(u, nextRaw, now)
}

// NextRefreshTokenOK reports whether a client's choice of its next refresh
// token is one: 43 to 128 characters of base64url, so at least 32 random
// bytes when the client draws them as it should.
func NextRefreshTokenOK(t string) bool {
	if len(t) < 43 || len(t) > 128 {
		return false
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// retried answers a spent token. When next names the token of its family
// that is current (unspent, unrevoked, unexpired), the caller holds the
// session and is repeating an exchange whose answer it lost: it gets a
// new access token and next again. Anything else is a reuse.
func (s *Service) retried(ctx context.Context, old *cms.RefreshToken, next string, now time.Time) (*Session, error) {
	if next == "" {
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	cur, err := s.Tokens.RefreshTokenByHash(ctx, hashToken(next))
	if err != nil && cms.ErrorCode(err) != cms.ENOTFOUND {
		return nil, err
	}
	if err != nil || cur.FamilyID != old.FamilyID || cur.Spent || cur.Revoked || !now.Before(cur.ExpiresAt) {
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	u, err := s.Users.User(ctx, cur.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	return s.session(u, next, now)
}

func (s *Service) revoke(ctx context.Context, family string, now time.Time) error {
	if err := s.Tokens.RevokeFamily(ctx, family, now); err != nil {
		return err
	}
	return errBadRefresh
}

// Logout revokes the family of a refresh token. An unknown token is not an
// error: the caller is logged out either way.
func (s *Service) Logout(ctx context.Context, raw string) error {
	t, err := s.Tokens.RefreshTokenByHash(ctx, hashToken(raw))
	if cms.ErrorCode(err) == cms.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return s.Tokens.RevokeFamily(ctx, t.FamilyID, cms.Now())
}

// Authenticate returns the user of a bearer access token. The user is read
// on every call so that disabling takes effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (*cms.User, error) {
	id, err := s.parseAccess(token, time.Now())
	if err != nil {
		return nil, err
	}
	u, err := s.Users.User(ctx, id)
	if cms.ErrorCode(err) == cms.ENOTFOUND {
		return nil, cms.Errorf(cms.EUNAUTHORIZED, "access token invalid")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, cms.Errorf(cms.EUNAUTHORIZED, "account disabled")
	}
	return u, nil
}

// ChangePassword checks the current password, stores the new one and
// revokes every refresh family of the user. Each check is counted against
// the account's login limit before it is made, as a login's is, and only a
// wrong guess stays counted.
func (s *Service) ChangePassword(ctx context.Context, u *cms.User, current, next string) error {
	if err := cms.CheckPassword("new_password", next); err != nil {
		return err
	}
	now := cms.Now()
	charges, err := s.charge(ctx, now, cms.LoginLimit{Key: accountKey(u.Email), Max: MaxAccountFailures})
	if err != nil {
		return err
	}
	ok, err := s.checkCurrent(ctx, u, current)
	if err != nil || ok {
		s.refund(ctx, charges)
	}
	if err != nil {
		return err
	}
	if !ok {
		return &cms.Error{Code: cms.EINVALID, Message: "current_password is wrong",
			Fields: []cms.FieldError{{Field: "current_password", Message: "is wrong"}}}
	}
	hash, err := hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.Users.ChangeUser(ctx, u.ID, func(cur *cms.User) (string, []*cms.AuditEvent, error) {
		return hash, []*cms.AuditEvent{cms.PasswordChanged(cur, u.Ref(), cms.Now())}, nil
	})
}

// checkCurrent reports whether current is u's password.
func (s *Service) checkCurrent(ctx context.Context, u *cms.User, current string) (bool, error) {
	_, hash, err := s.Users.UserByEmail(ctx, u.Email)
	if err != nil {
		return false, err
	}
	if len(current) > cms.MaxPasswordLen {
		return false, nil
	}
	return checkPassword(ctx, hash, current)
}

// ListUsers lists every user, oldest first. Admins only.
func (s *Service) ListUsers(ctx context.Context, actor *cms.User) ([]*cms.User, error) {
	if err := cms.RequireAdmin(actor, "managing users"); err != nil {
		return nil, err
	}
	return s.Users.Users(ctx)
}

// User returns one user. Admins only.
func (s *Service) User(ctx context.Context, actor *cms.User, id string) (*cms.User, error) {
	if err := cms.RequireAdmin(actor, "managing users"); err != nil {
		return nil, err
	}
	return s.Users.User(ctx, id)
}

// CreateUser validates and stores a new user, with the audit event that
// records it. Admins only (cms.CommandLine is one).
func (s *Service) CreateUser(ctx context.Context, actor *cms.User, in cms.NewUser) (*cms.User, error) {
	if err := cms.RequireAdmin(actor, "managing users"); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &cms.User{ID: cms.NewID(), Email: in.Email, Name: in.Name, Roles: in.Roles,
		Credentials: in.Credentials, CreatedAt: cms.Now()}
	if err := s.Users.CreateUser(ctx, u, hash, cms.UserCreated(u, actor.Ref(), u.CreatedAt)); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser applies an admin's patch, with an audit event for each
// actual change. A new password, or disabling, also revokes the user's
// refresh tokens. An admin may not disable themselves or drop their own
// admin role: that could leave the CMS with no admin.
func (s *Service) UpdateUser(ctx context.Context, actor *cms.User, id string, p cms.UserPatch) (*cms.User, error) {
	if err := cms.RequireAdmin(actor, "managing users"); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if actor.ID == id {
		if p.Disabled != nil && *p.Disabled {
			return nil, cms.Errorf(cms.EFORBIDDEN, "you cannot disable your own account")
		}
		if p.Roles != nil && !slices.Contains(*p.Roles, workflow.RoleAdmin) {
			return nil, cms.Errorf(cms.EFORBIDDEN, "you cannot remove your own admin role")
		}
	}
	hash := "" // hashed before the transaction: hashing is slow on purpose
	if p.Password != nil {
		var err error
		if hash, err = hashPassword(ctx, *p.Password); err != nil {
			return nil, err
		}
	}
	var out *cms.User
	err := s.Users.ChangeUser(ctx, id, func(u *cms.User) (string, []*cms.AuditEvent, error) {
		// The time is taken under the user's lock, so the events of one
		// user are in time order as they are in chain order.
		out = u
		return hash, p.Apply(u, actor.Ref(), cms.Now()), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BearerToken extracts the token of an "Authorization: Bearer …" header.
func BearerToken(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}
