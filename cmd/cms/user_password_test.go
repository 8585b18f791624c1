package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/store/storetest"
)

func TestUserSetPassword(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			vars := map[string]string{"CMS_DATABASE_URL": dbURL, "CMS_USER_PASSWORD": "the first password"}
			if code, out, stderr := run(t, vars, "user", "create", "--email", "w@example.com", "--name", "W", "--role", "writer"); code != 0 {
				t.Fatalf("user create: %d %q %q", code, out, stderr)
			}
			db := storetest.OpenURL(t, dbURL)
			as := &auth.Service{Users: db, Tokens: db, Secret: []byte("a test secret that is long enough for HS256!"), AccessTTL: time.Minute, RefreshTTL: time.Hour}
			ctx := context.Background()
			sess, err := as.Login(ctx, "w@example.com", "the first password", "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			// Locked out by guesses: the reset lets the user in at once.
			for range auth.MaxAccountFailures {
				as.Login(ctx, "w@example.com", "a wrong guess!!", "192.0.2.2")
			}

			vars["CMS_USER_PASSWORD"] = "the second password"
			code, out, stderr := run(t, vars, "user", "set-password", "--email", "W@Example.com")
			if code != 0 || !strings.Contains(out, "w@example.com") || strings.Contains(out, "password:") {
				t.Fatalf("set-password: %d %q %q", code, out, stderr)
			}
			if _, err := as.Refresh(ctx, sess.RefreshToken, ""); cms.ErrorCode(err) != cms.EUNAUTHORIZED {
				t.Fatalf("refresh after set-password: %v, want the session revoked", err)
			}
			if _, err := as.Login(ctx, "w@example.com", "the first password", "192.0.2.3"); cms.ErrorCode(err) != cms.EUNAUTHORIZED {
				t.Fatalf("old password: %v", err)
			}
			if _, err := as.Login(ctx, "w@example.com", "the second password", "192.0.2.3"); err != nil {
				t.Fatalf("new password: %v", err)
			}
			// The reset is on record, as the command line's, in the user's chain.
			evs, err := db.AuditLog(ctx, cms.AuditFilter{Type: cms.SubjectUser, Limit: 10})
			if err != nil || len(evs) != 2 || evs[0].Action != cms.EventPasswordChanged || evs[0].Actor.Name != cms.CommandLineName {
				t.Fatalf("audit after set-password: %v %+v", err, evs)
			}

			// Without CMS_USER_PASSWORD one is generated and printed once.
			delete(vars, "CMS_USER_PASSWORD")
			code, out, _ = run(t, vars, "user", "set-password", "--email", "w@example.com")
			m := regexp.MustCompile(`password: (\S{12,}) \(shown once\)`).FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("generated password: %d %q", code, out)
			}
			if _, err := as.Login(ctx, "w@example.com", m[1], "192.0.2.3"); err != nil {
				t.Fatalf("printed password: %v", err)
			}

			if code, _, stderr := run(t, vars, "user", "set-password", "--email", "nobody@example.com"); code != 1 || !strings.Contains(stderr, "no user") {
				t.Fatalf("unknown email: %d %q", code, stderr)
			}
		})
	}
}

func TestUserSetPasswordUsage(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"CMS_DATABASE_URL": "sqlite:" + dir + "/cms.db"}
	cases := []struct {
		vars map[string]string
		args []string
		want string
	}{
		{vars, []string{"user", "set-password"}, "--email"},
		{vars, []string{"user", "set-password", "--email"}, "email"},
		{vars, []string{"user", "set-password", "--email", "w@example.com", "extra"}, "extra"},
		{vars, []string{"user", "set-password", "--emial", "w@example.com"}, "emial"},
		{map[string]string{"CMS_DATABASE_URL": vars["CMS_DATABASE_URL"], "CMS_USER_PASSWORD": "short"}, []string{"user", "set-password", "--email", "w@example.com"}, "CMS_USER_PASSWORD"},
		{vars, []string{"user", "reset"}, "set-password"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.vars, c.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming %s", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(dir + "/cms.db"); !os.IsNotExist(err) {
		t.Fatalf("bad usage touched the database: %v", err)
	}
}
