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
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (*Session, error) {
	now := cms.Now()
	email = cms.NormalizeEmail(email)
	acctKey, addrKey := accountKey(email), "address:"+clientAddr
	if err := s.checkLimit(ctx, acctKey, MaxAccountFailures, now); err != nil {
		return nil, err
	}
	if err := s.checkLimit(ctx, addrKey, MaxAddressFailures, now); err != nil {
		return nil, err
	}
	var err error
	var u *cms.User
	var hash string
	if cms.PlausibleEmail(email) { // anything else cannot be an account, or even be looked up
		u, hash, err = s.Users.UserByEmail(ctx, email)
		if err != nil && cms.ErrorCode(err) != cms.ENOTFOUND {
			return nil, err
		}
	}
	if u == nil || len(password) > cms.MaxPasswordLen {
		CheckPassword(dummyHash, password)
		return nil, s.fail(ctx, now, acctKey, addrKey)
	}
	if !CheckPassword(hash, password) || u.Disabled {
		return nil, s.fail(ctx, now, acctKey, addrKey)
	}
	if err := s.Tokens.ClearLoginFailures(ctx, acctKey); err != nil {
		return nil, err
	}
	return s.newSession(ctx, u, cms.NewID(), now)
}

func (s *Service) fail(ctx context.Context, now time.Time, keys ...string) error {
	for _, k := range keys {
		if _, _, err := s.Tokens.RecordLoginFailure(ctx, k, now, FailureWindow); err != nil {
			return err
		}
	}
	return errBadLogin
}

func (s *Service) checkLimit(ctx context.Context, key string, max int, now time.Time) error {
	n, start, err := s.Tokens.LoginFailures(ctx, key)
	if err != nil {
		return err
	}
	if n >= max && now.Before(start.Add(FailureWindow)) {
		wait := int(start.Add(FailureWindow).Sub(now).Seconds()) + 1
		return &cms.Error{Code: cms.ERATELIMIT, Message: "too many failed logins; try again later", RetryAfter: wait}
	}
	return nil
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
func (s *Service) Refresh(ctx context.Context, raw string) (*Session, error) {
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
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	u, err := s.Users.User(ctx, old.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	next, nextRaw := s.newRefresh(u, old.FamilyID, now)
	ok, err := s.Tokens.RotateRefreshToken(ctx, old.ID, next, now)
	if err != nil {
		return nil, err
	}
	if !ok { // lost a race with another use of the same token: a reuse
		return nil, s.revoke(ctx, old.FamilyID, now)
	}
	return s.session(u, nextRaw, now)
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
// revokes every refresh family of the user. Wrong guesses count against the
// account's login limit.
func (s *Service) ChangePassword(ctx context.Context, u *cms.User, current, next string) error {
	now := cms.Now()
	key := accountKey(u.Email)
	if err := s.checkLimit(ctx, key, MaxAccountFailures, now); err != nil {
		return err
	}
	if err := cms.CheckPassword("new_password", next); err != nil {
		return err
	}
	_, hash, err := s.Users.UserByEmail(ctx, u.Email)
	if err != nil {
		return err
	}
	if len(current) > cms.MaxPasswordLen || !CheckPassword(hash, current) {
		if _, _, err := s.Tokens.RecordLoginFailure(ctx, key, now, FailureWindow); err != nil {
			return err
		}
		return &cms.Error{Code: cms.EINVALID, Message: "current_password is wrong",
			Fields: []cms.FieldError{{Field: "current_password", Message: "is wrong"}}}
	}
	hash = HashPassword(next)
	return s.Users.ChangeUser(ctx, u.ID, func(cur *cms.User) (string, []*cms.AuditEvent, error) {
		return hash, []*cms.AuditEvent{cms.PasswordChanged(cur, u.Ref(), cms.Now())}, nil
	})
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
	u := &cms.User{ID: cms.NewID(), Email: in.Email, Name: in.Name, Roles: in.Roles,
		Credentials: in.Credentials, CreatedAt: cms.Now()}
	if err := s.Users.CreateUser(ctx, u, HashPassword(in.Password), cms.UserCreated(u, actor.Ref(), u.CreatedAt)); err != nil {
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
		hash = HashPassword(*p.Password)
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
