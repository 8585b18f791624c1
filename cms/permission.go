package cms

import (
	"slices"

	"healthcms/workflow"
)

// Who may change what, besides the article workflow (workflow.Decide).
// Every use-case that changes something checks its actor here; the HTTP
// routes check again, as a second line.
var (
	// roleAdmin manages users, API keys and webhooks and reads the audit log.
	roleAdmin = []workflow.Role{workflow.RoleAdmin}
	// roleTopics writes topics.
	roleTopics = []workflow.Role{workflow.RoleEditor, workflow.RoleAdmin}
)

// RequireRole returns nil when actor holds one of roles, else EFORBIDDEN
// saying what was refused ("managing users"). No roles, or no actor,
// refuses everyone: a forgotten list must not open a door.
func RequireRole(actor *User, doing string, roles ...workflow.Role) error {
	if actor == nil || len(roles) == 0 || !slices.ContainsFunc(roles, actor.Has) {
		return Errorf(EFORBIDDEN, "your roles do not allow %s", doing)
	}
	return nil
}

// RequireAdmin refuses (EFORBIDDEN) an actor who is not an admin.
func RequireAdmin(actor *User, doing string) error { return RequireRole(actor, doing, roleAdmin...) }

// CommandLineName is the name the audit trail gives the operator of the
// cms command (see CommandLine).
const CommandLineName = "cms command line"

// CommandLine is the actor of changes made with the cms command itself
// rather than by a signed-in user: the first admin created by `cms serve`,
// `cms user create`, `cms key create`, the demo newsroom and `cms seed`.
// Whoever can run the command can open the database, so it holds the
// editor and admin roles; it has no account, so its id is empty and the
// audit trail names it CommandLineName.
func CommandLine() *User {
	return &User{ID: "", Name: CommandLineName, Roles: []workflow.Role{workflow.RoleEditor, workflow.RoleAdmin}}
}
