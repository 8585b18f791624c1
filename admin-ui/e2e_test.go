package adminui_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestBrowser runs the end-to-end tests of e2e/ (Node's test runner driving
// a headless Chromium against the real cms binary), so that `go test ./...`
// covers the admin UI. They need Node, the npm packages (npm ci in
// admin-ui/) and Chromium (CHROMIUM, else /usr/bin/chromium); without them
// the test is skipped, unless CMS_TEST_REQUIRE_BROWSER=1 (CI) makes that a
// failure. -short skips them.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	require := os.Getenv("CMS_TEST_REQUIRE_BROWSER") == "1"
	missing := func(format string, args ...any) {
		t.Helper()
		if require {
			t.Fatalf(format+" (CMS_TEST_REQUIRE_BROWSER=1)", args...)
		}
		t.Skipf(format+"; set CMS_TEST_REQUIRE_BROWSER=1 to make this a failure", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("no Chromium at %s", chromium)
	}
	for _, pkg := range []string{"playwright-core", "@axe-core/playwright"} {
		if _, err := os.Stat(filepath.Join("node_modules", pkg, "package.json")); err != nil {
			missing("%s is not installed: run npm ci in admin-ui/", pkg)
		}
	}

	// go test caches a passing result by the files this process looks at;
	// node and go build read theirs in other processes, so look at every
	// source of the module here, and a change to any of them (a .go file
	// of the server, an e2e test) runs the browser tests again.
	if err := statSources(".."); err != nil {
		t.Fatal(err)
	}

	// One binary for every test file; it embeds dist/ as it is now.
	bin := filepath.Join(t.TempDir(), "cms")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cms")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Stop node in time to show what it printed, before go test's own
	// time-out kills everything without a word.
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-20*time.Second))
		defer cancel()
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-concurrency=1", "--test-reporter=spec", "e2e/")
	// Databases and browser profiles go below a directory of this test's
	// own, removed even when node is killed before it cleans up.
	cmd.Env = append(os.Environ(), "CMS_E2E_BINARY="+bin, "CHROMIUM="+chromium, "TMPDIR="+t.TempDir())
	ownGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("node --test e2e/ took %s:\n%s", time.Since(start).Round(time.Second), out.String())
	if ctx.Err() != nil {
		t.Fatalf("browser tests stopped at go test's time-out (-timeout): %v", ctx.Err())
	}
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}

// statSources stats every file of the module below root except
// dependencies, VCS data and outputs.
func statSources(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "data", "out", "screenshots":
				return filepath.SkipDir
			}
			return nil
		}
		_, err = os.Stat(p)
		return err
	})
}
