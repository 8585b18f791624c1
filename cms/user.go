package cms

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"healthcms/workflow"
)

// Limits on user fields. A password is capped so hashing cannot be made
// expensive by a huge input.
const (
	MinPasswordLen    = 12
	MaxPasswordLen    = 256
	MaxNameLen        = 120
	MaxEmailLen       = 254
	MaxCredentialsLen = 200
)

// User is an account of the newsroom.
type User struct {
	ID    string          `json:"id"`
	Email string          `json:"email"`
	Name  string          `json:"name"`
	Roles []workflow.Role `json:"roles"`
	// Credentials is a reviewer's qualification, shown to readers next to
	// "Medically reviewed by".
	Credentials string    `json:"credentials"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Actor is the user as the workflow rules see them.
func (u *User) Actor() workflow.Actor {
	return workflow.Actor{ID: u.ID, Roles: u.Roles, Credentials: u.Credentials}
}

// Has reports whether the user holds role r.
func (u *User) Has(r workflow.Role) bool { return slices.Contains(u.Roles, r) }

// Ref is the short form of the user that other records embed.
func (u *User) Ref() UserRef { return UserRef{ID: u.ID, Name: u.Name} }

// UserRef names a user inside another record.
type UserRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserStore keeps users. UserByEmail and User return ENOTFOUND for unknown
// users; CreateUser returns ECONFLICT for a taken email. Every change is
// written with the audit events that record it, in one transaction.
type UserStore interface {
	User(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, string, error)
	Users(ctx context.Context) ([]*User, error)
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *User, passwordHash string, ev *AuditEvent) error
	// ChangeUser changes a user in one transaction: change is called with
	// the user as stored, locked against other changes, changes it in
	// place and returns a new password hash ("" keeps the password) and
	// the audit events recording what it changed. A new password or a
	// disabled user revokes the user's refresh tokens in the same
	// transaction. An error from change rolls everything back.
	ChangeUser(ctx context.Context, id string, change func(u *User) (passwordHash string, evs []*AuditEvent, err error)) error
}

// NormalizeEmail lower-cases and trims an email so that one address is
// one account however it is typed.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// PlausibleEmail reports whether a normalized email could belong to an
// account: not too long, valid UTF-8, no control characters.
func PlausibleEmail(email string) bool {
	return email != "" && len(email) <= MaxEmailLen && utf8.ValidString(email) && !hasControl(email, false)
}

// NewUser is the input for creating a user.
type NewUser struct {
	Email       string          `json:"email"`
	Name        string          `json:"name"`
	Password    string          `json:"password"`
	Roles       []workflow.Role `json:"roles"`
	Credentials string          `json:"credentials"`
}

// Validate normalizes the input and checks every field.
func (n *NewUser) Validate() error {
	var v Validation
	n.Email = NormalizeEmail(n.Email)
	checkEmail(&v, n.Email)
	n.Name = strings.TrimSpace(n.Name)
	checkLine(&v, "name", n.Name, 1, MaxNameLen)
	if err := CheckPassword("password", n.Password); err != nil {
		v.Add("password", err.(*Error).Fields[0].Message)
	}
	n.Roles = checkRoles(&v, n.Roles)
	n.Credentials = strings.TrimSpace(n.Credentials)
	checkLine(&v, "credentials", n.Credentials, 0, MaxCredentialsLen)
	return v.Err()
}

// UserPatch is an admin's change to a user; nil fields stay as they are.
type UserPatch struct {
	Name        *string          `json:"name"`
	Roles       *[]workflow.Role `json:"roles"`
	Credentials *string          `json:"credentials"`
	Disabled    *bool            `json:"disabled"`
	Password    *string          `json:"password"`
}

// Validate checks the fields that are set.
func (p *UserPatch) Validate() error {
	var v Validation
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		checkLine(&v, "name", *p.Name, 1, MaxNameLen)
	}
	if p.Roles != nil {
		*p.Roles = checkRoles(&v, *p.Roles)
	}
	if p.Credentials != nil {
		*p.Credentials = strings.TrimSpace(*p.Credentials)
		checkLine(&v, "credentials", *p.Credentials, 0, MaxCredentialsLen)
	}
	if p.Password != nil {
		if err := CheckPassword("password", *p.Password); err != nil {
			v.Add("password", err.(*Error).Fields[0].Message)
		}
	}
	return v.Err()
}

// Apply writes the set fields into u and returns the audit events that
// record each actual change, by actor at the time given: from what to
// what for name, roles and credentials (readers see a reviewer's
// credentials, so who changed them and when must be on record), and that
// a password was set, never the password.
func (p *UserPatch) Apply(u *User, actor UserRef, at time.Time) []*AuditEvent {
	s := Subject{SubjectUser, u.ID}
	var evs []*AuditEvent
	add := func(action, detail string) { evs = append(evs, NewAuditEvent(s, actor, action, detail, at)) }
	if p.Name != nil && *p.Name != u.Name {
		add(EventNameChanged, fmt.Sprintf("name changed from %q to %q", u.Name, *p.Name))
		u.Name = *p.Name
	}
	if p.Roles != nil && !slices.Equal(*p.Roles, u.Roles) {
		add(EventRolesChanged, fmt.Sprintf("roles changed from %q to %q", roleList(u.Roles), roleList(*p.Roles)))
		u.Roles = *p.Roles
	}
	if p.Credentials != nil && *p.Credentials != u.Credentials {
		add(EventCredentialsChanged, fmt.Sprintf("credentials changed from %q to %q", u.Credentials, *p.Credentials))
		u.Credentials = *p.Credentials
	}
	if p.Disabled != nil && *p.Disabled != u.Disabled {
		if *p.Disabled {
			add(EventDisabled, "account disabled: sign-in refused, refresh tokens revoked")
		} else {
			add(EventEnabled, "account enabled")
		}
		u.Disabled = *p.Disabled
	}
	if p.Password != nil {
		evs = append(evs, PasswordChanged(u, actor, at))
	}
	return evs
}

// UserCreated is the audit event of a new user: everything but the password.
func UserCreated(u *User, actor UserRef, at time.Time) *AuditEvent {
	d := fmt.Sprintf("created %s, name %q, roles %q", u.Email, u.Name, roleList(u.Roles))
	if u.Credentials != "" {
		d += fmt.Sprintf(", credentials %q", u.Credentials)
	}
	return NewAuditEvent(Subject{SubjectUser, u.ID}, actor, EventCreated, d, at)
}

// PasswordChanged is the audit event of a new password of u, set by
// actor: u themselves, an admin or the command line. The password is
// never recorded.
func PasswordChanged(u *User, actor UserRef, at time.Time) *AuditEvent {
	d := "password set by " + actor.Name + "; refresh tokens revoked"
	if actor.ID == u.ID {
		d = "password changed by the user; refresh tokens revoked"
	}
	return NewAuditEvent(Subject{SubjectUser, u.ID}, actor, EventPasswordChanged, d, at)
}

func roleList(rs []workflow.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// CheckPassword applies the password rules to the field's value.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return Invalid(field, "must be valid UTF-8")
	case n < MinPasswordLen:
		return Invalid(field, "must be at least 12 characters")
	case len(pw) > MaxPasswordLen:
		return Invalid(field, "must be at most 256 bytes")
	}
	return nil
}

func checkEmail(v *Validation, email string) {
	a, err := mail.ParseAddress(email)
	switch {
	case email == "":
		v.Add("email", "must not be empty")
	case len(email) > MaxEmailLen:
		v.Add("email", "must be at most 254 characters")
	case err != nil || a.Address != email || a.Name != "":
		v.Add("email", "must be an email address")
	}
}

// checkRoles validates roles and returns them without duplicates, in the
// canonical order of workflow.UserRoles.
func checkRoles(v *Validation, roles []workflow.Role) []workflow.Role {
	if len(roles) == 0 {
		v.Add("roles", "must name at least one role")
		return roles
	}
	for _, r := range roles {
		if !r.Valid() {
			v.Add("roles", "must each be one of writer, reviewer, editor, admin")
			return roles
		}
	}
	var out []workflow.Role
	for _, r := range workflow.UserRoles {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return out
}

// checkLine validates a single line of plain text: valid UTF-8, no control
// characters, between min and max characters.
func checkLine(v *Validation, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case hasControl(s, false):
		v.Add(field, "must not contain control characters")
	case n < min && min == 1:
		v.Add(field, "must not be empty")
	case n < min:
		v.Add(field, "is too short")
	case n > max:
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

// hasControl reports control characters; newlines and tabs are allowed
// where multiline is true.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
