package auth

import (
	"context"

	"healthcms/cms"
)

// SetPassword gives the user with email a new password, for an operator
// resetting a forgotten or compromised one: every refresh token of the
// user is revoked (their sessions end once their access tokens expire),
// the change is audited as the command line's, and the account's failed
// logins are forgotten, so a user locked out by
// guesses can sign in with the new password at once.
func (s *Service) SetPassword(ctx context.Context, email, password string) (*cms.User, error) {
	if err := cms.CheckPassword("password", password); err != nil {
		return nil, err
	}
	email = cms.NormalizeEmail(email)
	var u *cms.User
	if cms.PlausibleEmail(email) {
		var err error
		if u, _, err = s.Users.UserByEmail(ctx, email); err != nil && cms.ErrorCode(err) != cms.ENOTFOUND {
			return nil, err
		}
	}
	if u == nil {
		return nil, cms.Errorf(cms.ENOTFOUND, "no user has the email %q", email)
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	err = s.Users.ChangeUser(ctx, u.ID, func(cur *cms.User) (string, []*cms.AuditEvent, error) {
		u = cur
		return hash, []*cms.AuditEvent{cms.PasswordChanged(cur, cms.CommandLine().Ref(), cms.Now())}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Tokens.ClearLoginFailures(ctx, accountKey(email)); err != nil {
		return nil, err
	}
	return u, nil
}
