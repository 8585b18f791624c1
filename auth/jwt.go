package auth

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"healthcms/cms"
	"healthcms/workflow"
)

// Issuer and audience of editor access tokens. Delivery keys are not JWTs,
// so an access token can never pass as one.
const (
	Issuer   = "healthcms"
	Audience = "healthcms-editor"
)

// MinSecretLen is API.md's floor for CMS_JWT_SECRET.
const MinSecretLen = 32

type claims struct {
	Roles []workflow.Role `json:"roles"`
	jwt.RegisteredClaims
}

func (s *Service) issueAccess(u *cms.User, now time.Time) (string, error) {
	c := claims{Roles: u.Roles, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   u.ID,
		Issuer:    Issuer,
		Audience:  jwt.ClaimStrings{Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.AccessTTL)),
		ID:        cms.NewID(),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.Secret)
}

// parseAccess verifies signature, algorithm (HS256 only: no "none", no
// RS/HS confusion), issuer, audience and expiry, and returns the subject.
func (s *Service) parseAccess(token string, now time.Time) (string, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil || c.Subject == "" {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return "", cms.Errorf(cms.EUNAUTHORIZED, "access token expired")
		}
		return "", cms.Errorf(cms.EUNAUTHORIZED, "access token invalid")
	}
	return c.Subject, nil
}
