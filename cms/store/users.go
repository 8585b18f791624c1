package store

import (
	"context"
	"strings"

	"healthcms/cms"
	"healthcms/workflow"
)

type userRow struct {
	ID           string `db:"id"`
	Email        string `db:"email"`
	Name         string `db:"name"`
	PasswordHash string `db:"password_hash"`
	Roles        string `db:"roles"`
	Credentials  string `db:"credentials"`
	Disabled     bool   `db:"disabled"`
	CreatedAt    tm     `db:"created_at"`
}

const userCols = `id, email, name, password_hash, roles, credentials, disabled, created_at`

func (r *userRow) user() *cms.User {
	u := &cms.User{ID: r.ID, Email: r.Email, Name: r.Name, Credentials: r.Credentials, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt.Time, Roles: []workflow.Role{}}
	for _, s := range strings.Split(r.Roles, ",") {
		if s != "" {
			u.Roles = append(u.Roles, workflow.Role(s))
		}
	}
	return u
}

func joinRoles(rs []workflow.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// User returns a user by id.
func (db *DB) User(ctx context.Context, id string) (*cms.User, error) {
	var r userRow
	if err := db.rd().GetContext(ctx, &r, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id); err != nil {
		return nil, notFound(err, "user")
	}
	return r.user(), nil
}

// UserByEmail returns a user and their password hash.
func (db *DB) UserByEmail(ctx context.Context, email string) (*cms.User, string, error) {
	var r userRow
	if err := db.rd().GetContext(ctx, &r, db.q(`SELECT `+userCols+` FROM users WHERE email = ?`), email); err != nil {
		return nil, "", notFound(err, "user")
	}
	return r.user(), r.PasswordHash, nil
}

// Users returns every user, oldest first.
func (db *DB) Users(ctx context.Context) ([]*cms.User, error) {
	var rows []userRow
	if err := db.rd().SelectContext(ctx, &rows, `SELECT `+userCols+` FROM users ORDER BY created_at, id`); err != nil {
		return nil, err
	}
	out := make([]*cms.User, len(rows))
	for i := range rows {
		out[i] = rows[i].user()
	}
	return out, nil
}

// CountUsers returns how many users there are.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.rd().GetContext(ctx, &n, `SELECT COUNT(*) FROM users`)
	return n, err
}

// CreateUser stores a new user and the audit event recording it.
func (db *DB) CreateUser(ctx context.Context, u *cms.User, passwordHash string, ev *cms.AuditEvent) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO users (`+userCols+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			u.ID, u.Email, u.Name, passwordHash, joinRoles(u.Roles), u.Credentials, u.Disabled, tm{u.CreatedAt}, tm{u.CreatedAt})
		if isUnique(err) {
			return &cms.Error{Code: cms.ECONFLICT, Message: "email is taken", Fields: []cms.FieldError{{Field: "email", Message: "is taken"}}}
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.d, ev)
	})
}

// ChangeUser changes a user under its row lock: change decides on the
// user as stored, and the user, a new password hash and the audit events
// are written together. A new password or a disabled user revokes the
// user's refresh tokens in the same transaction.
func (db *DB) ChangeUser(ctx context.Context, id string, change func(u *cms.User) (string, []*cms.AuditEvent, error)) error {
	now := cms.Now()
	return db.inTx(ctx, func(tx conn) error {
		var r userRow
		if err := tx.GetContext(ctx, &r, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`+db.d.lockRow), id); err != nil {
			return notFound(err, "user")
		}
		u := r.user()
		passwordHash, evs, err := change(u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET name = ?, roles = ?, credentials = ?, disabled = ?, updated_at = ? WHERE id = ?`),
			u.Name, joinRoles(u.Roles), u.Credentials, u.Disabled, tm{now}, u.ID); err != nil {
			return err
		}
		if passwordHash != "" {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ? WHERE id = ?`), passwordHash, u.ID); err != nil {
				return err
			}
		}
		for _, ev := range evs {
			if err := appendAudit(ctx, tx, db.d, ev); err != nil {
				return err
			}
		}
		if passwordHash != "" || u.Disabled {
			return revokeUser(ctx, tx, db.d, u.ID, now)
		}
		return nil
	})
}
