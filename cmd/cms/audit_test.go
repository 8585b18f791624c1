package main

import (
	"strings"
	"testing"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// tamperAudit turns off the append-only guard of the audit events of
// subjects other than articles (as someone with database access could)
// and runs stmt.
func tamperAudit(t *testing.T, dialect, dbURL, stmt string) {
	t.Helper()
	guard := map[string]string{
		"sqlite":   `DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete`,
		"postgres": `ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
	}[dialect]
	storetest.Exec(t, dbURL, guard, stmt)
}

// TestAuditVerifyFindsTamperedUserEvents: a user made with `cms user
// create` whose credentials then change twice has a chain of three
// events; `cms audit verify` counts them, and names the user and the
// event once any of them is altered or removed.
func TestAuditVerifyFindsTamperedUserEvents(t *testing.T) {
	cases := []struct {
		name, stmt, want string
	}{
		{"altered", `UPDATE audit_events SET detail = 'credentials changed from "" to "PhD"' WHERE subject_type = 'user' AND seq = 2`, "event 2: altered"},
		{"deleted in the middle", `DELETE FROM audit_events WHERE subject_type = 'user' AND seq = 2`, "event 2: missing"},
		{"deleted at the end", `DELETE FROM audit_events WHERE subject_type = 'user' AND seq = 3`, "event 3: the head is event 3 but the trail ends at 2"},
		{"head removed", `DELETE FROM audit_heads WHERE subject_type = 'user'`, "event 1: the chain has events but its head was removed"},
	}
	for _, dialect := range storetest.Dialects(t) {
		for _, c := range cases {
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				dbURL := storetest.URL(t, dialect)
				vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_USER_PASSWORD": "a reviewer's password"}
				if code, _, stderr := run(t, vars, "user", "create", "--email", "rita@example.com", "--name", "Rita", "--role", "reviewer"); code != 0 {
					t.Fatalf("user create: %d %q", code, stderr)
				}
				db, err := store.Open(t.Context(), dbURL)
				if err != nil {
					t.Fatal(err)
				}
				u, _, err := db.UserByEmail(t.Context(), "rita@example.com")
				if err != nil {
					t.Fatal(err)
				}
				as := &auth.Service{Users: db, Tokens: db}
				for _, creds := range []string{"MD", "MD, Rheumatology"} {
					if _, err := as.UpdateUser(t.Context(), cms.CommandLine(), u.ID, cms.UserPatch{Credentials: &creds}); err != nil {
						t.Fatal(err)
					}
				}
				db.Close()
				if code, out, stderr := run(t, vars, "audit", "verify"); code != 0 || !strings.Contains(out, "verified: 3 events") {
					t.Fatalf("intact trail: exit %d %q %q", code, out, stderr)
				}
				tamperAudit(t, dialect, dbURL, c.stmt)
				code, out, stderr := run(t, vars, "audit", "verify")
				if code != 1 || !strings.Contains(stderr, "user "+u.ID+", "+c.want) {
					t.Fatalf("tampered trail: exit %d, %q %q; want exit 1 naming user %s, %q", code, out, stderr, u.ID, c.want)
				}
			})
		}
	}
}
