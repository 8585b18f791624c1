package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadAddressOrDatabaseURLRefusedAtStart: a listen address or database
// URL that cannot work stops every command with exit 2 and one line naming
// the setting, before anything opens (or creates, or migrates) a database.
func TestBadAddressOrDatabaseURLRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cms.db")
	cases := []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"CMS_ADDR": ":99999"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_ADDR": ":http-nope"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_ADDR": "abc"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_ADDR": "localhost:-1"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_ADDR": "bad host:8080"}, nil, "CMS_ADDR"},
		{map[string]string{"CMS_ADDR": "::1:8080"}, nil, "CMS_ADDR"},
		{nil, []string{"serve", "--addr", ":65536"}, "addr"},
		{map[string]string{"CMS_DEBUG_ADDR": "127.0.0.1:99999"}, nil, "CMS_DEBUG_ADDR"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://%zz"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://db.example.org:port/cms"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://db.example.org:70000/cms"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://db.example.org/cms?sslmode=%zz"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "mysql://x"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "sqlite:"}, nil, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_URL": "sqlite:  "}, nil, "CMS_DATABASE_URL"},
		{nil, []string{"migrate", "--database-url", "postgres://%zz", "up"}, "database-url"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://%zz"}, []string{"user", "set-password", "--email", "w@example.com"}, "CMS_DATABASE_URL"},
		{map[string]string{"CMS_DATABASE_READ_URL": "postgres://replica.example.org/cms"}, nil, "CMS_DATABASE_READ_URL"},
		{map[string]string{"CMS_DATABASE_READ_URL": "sqlite:./replica.db"}, nil, "CMS_DATABASE_READ_URL"},
		{map[string]string{"CMS_DATABASE_READ_URL": "postgres://%zz"}, nil, "CMS_DATABASE_READ_URL"},
		{map[string]string{"CMS_DATABASE_URL": "postgres://db.example.org/cms", "CMS_DATABASE_READ_URL": "postgres://db.example.org/cms"}, nil, "CMS_DATABASE_READ_URL"},
		{nil, []string{"serve", "--database-read-url", "mysql://replica"}, "database-read-url"},
		{map[string]string{"CMS_LOCAL_DOCUMENTS_DIR": "/nonexistent/cms-local"}, nil, "CMS_LOCAL_DOCUMENTS_DIR"},
		{nil, []string{"serve", "--local-documents-dir", "/etc/hostname"}, "local-documents-dir"},
		{nil, []string{"serve", "--database-read-url", "postgres://replica.example.org/cms"}, "database-read-url"},
	}
	for _, c := range cases {
		vars := map[string]string{"CMS_DATABASE_URL": "sqlite:" + file, "CMS_ADMIN_PASSWORD": "a long admin password"}
		for k, v := range c.vars {
			vars[k] = v
		}
		code, out, stderr := run(t, vars, c.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) || out != "" {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want 2 and one line naming %s", c.vars, c.args, code, out, stderr, c.want)
		}
		if u := c.vars["CMS_DATABASE_URL"]; strings.HasPrefix(u, "postgres://") && strings.Contains(stderr, u) {
			t.Errorf("%v: the error repeats the URL, which may hold a password: %q", c.vars, stderr)
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Fatalf("%v %v: the database was touched before the bad setting was refused", c.vars, c.args)
		}
	}
}

// TestGoodAddressesAccepted: the check refuses only what cannot work.
func TestGoodAddressesAccepted(t *testing.T) {
	for _, a := range []string{":8080", "127.0.0.1:0", "localhost:65535", "[::1]:8080", "[::]:443", "0.0.0.0:80"} {
		if err := checkListenAddr(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, u := range []string{"sqlite:./data/cms.db", "sqlite:/var/lib/cms/cms.db", "postgres://cms:s%40cret@db.example.org:5432/cms?sslmode=require",
		"postgresql://db/cms", "postgres:///cms?host=/var/run/postgresql"} {
		if err := checkDatabaseURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
