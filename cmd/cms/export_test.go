package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// runIn runs Main to completion with stdin.
func runIn(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb storetest.SyncBuffer
	code := Main(t.Context(), args, envFunc(vars), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func dbVars(url string) map[string]string {
	return map[string]string{"CMS_DATABASE_URL": url, "CMS_AUTO_MIGRATE": "true", "CMS_USER_PASSWORD": "an admin's password"}
}

// exportOf runs cms export on url.
func exportOf(t *testing.T, url string) string {
	t.Helper()
	code, out, stderr := run(t, dbVars(url), "export")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	return out
}

// withoutCreatedAt is an export without its header's time.
func withoutCreatedAt(t *testing.T, export string) string {
	t.Helper()
	head, rest, ok := strings.Cut(export, "\n")
	i := strings.Index(head, `"created_at":"`)
	if !ok || i < 0 {
		t.Fatalf("no header: %.200s", export)
	}
	j := strings.Index(head[i+14:], `"`)
	return head[:i] + head[i+14+j:] + "\n" + rest
}

// lastLine is the last line of s, where a command's error is.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// content is an export without the header's time and the API keys, which
// are exported as revoked at the export's time.
func content(t *testing.T, export string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(withoutCreatedAt(t, export), "\n") {
		if !strings.HasPrefix(l, `{"table":"api_keys"`) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// roundTrip imports export into a fresh database, checks its audit trail,
// exports it again and compares.
func roundTrip(t *testing.T, dialect, export string) string {
	t.Helper()
	to := storetest.URL(t, dialect)
	start := time.Now()
	code, _, stderr := runIn(t, dbVars(to), export, "import")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	t.Logf("%s: imported %d bytes in %v", dialect, len(export), time.Since(start))
	if dialect == "postgres" {
		// The import drops the search indexes and builds them again at
		// its commit: both are there, as the migrations made them.
		// pg_index by the table's OID, not the pg_indexes view: the view
		// can describe other tests' indexes before its schema filter, and
		// failed when one was dropped meanwhile ("could not open
		// relation with OID").
		storetest.Exec(t, to, `DO $$ BEGIN
			IF (SELECT count(*) FROM pg_index WHERE indrelid = 'live_search'::regclass
				AND pg_get_indexdef(indexrelid) LIKE '%USING gin%gin_pending_list_limit=''64''%') <> 2 THEN
				RAISE EXCEPTION 'live_search has not its two GIN indexes after the import: %',
					(SELECT string_agg(pg_get_indexdef(indexrelid), '; ') FROM pg_index WHERE indrelid = 'live_search'::regclass);
			END IF;
		END $$`)
	}
	if code, out, stderr := run(t, dbVars(to), "audit", "verify"); code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("audit verify after import: exit %d %q %q", code, out, stderr)
	}
	again := exportOf(t, to)
	if a, b := withoutCreatedAt(t, export), withoutCreatedAt(t, again); a != b {
		al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("line %d differs after a round trip:\n%.400s\n%.400s", i+1, al[i], bl[i])
			}
		}
		t.Fatalf("%d lines exported, %d after a round trip", len(al), len(bl))
	}
	return to
}

// TestExportImportDemoNewsroom: the demo newsroom, with an API key and a
// webhook, survives export and import into a fresh database unchanged,
// its audit chains verifying; the users have no password and the key is
// revoked.
func TestExportImportDemoNewsroom(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			from := storetest.URL(t, dialect)
			db := storetest.OpenURL(t, from)
			as := &auth.Service{Users: db, Tokens: db}
			ed := &cms.Editor{Store: db, ReviewInterval: 365 * 24 * time.Hour}
			e := &env{ctx: t.Context(), stdout: &storetest.SyncBuffer{}, stderr: &storetest.SyncBuffer{}}
			if err := e.seedDemo(t.Context(), as, ed); err != nil {
				t.Fatal(err)
			}
			admin, err := as.CreateUser(t.Context(), cms.CommandLine(), cms.NewUser{Email: "ada@example.com", Name: "Ada", Password: "an admin's password", Roles: []workflow.Role{workflow.RoleAdmin}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := (&auth.Keys{Store: db}).Create(t.Context(), admin, cms.NewAPIKey{Name: "Next.js site", Scope: "delivery"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := (&cms.Webhooks{Store: db}).Create(t.Context(), admin, cms.NewWebhook{URL: "https://hooks.example.com/rebuild", Events: []string{"article.published"}}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			export := exportOf(t, from)
			for _, table := range []string{"users", "topics", "articles", "revisions", "events", "published_versions", "live_articles", "audit_events", "api_keys", "webhooks"} {
				if !strings.Contains(export, `{"table":"`+table+`"`) {
					t.Errorf("the export has no %s", table)
				}
			}
			for _, secret := range []string{"password_hash", "key_hash", `"secret"`, "refresh_tokens", "$argon2", "$2a$"} {
				if strings.Contains(export, secret) {
					t.Errorf("the export holds %s", secret)
				}
			}
			to := roundTrip(t, dialect, export)
			code, _, stderr := run(t, dbVars(to), "user", "set-password", "--email", "ada@example.com")
			if code != 0 {
				t.Fatalf("set-password after import: %d %s", code, stderr)
			}
			// The source is not empty: importing into it is refused, and it
			// is left as it was.
			code, _, stderr = runIn(t, dbVars(from), export, "import")
			if code != 1 || !strings.Contains(lastLine(stderr), "not empty") {
				t.Fatalf("import into a full database: exit %d %q", code, stderr)
			}
			if again := exportOf(t, from); content(t, again) != content(t, export) {
				t.Fatal("a refused import changed the database")
			}
		})
	}
}

// TestImportRefusals: a newer format, a corrupted line in the middle and a
// cut-off export are each refused with one line, leaving the target (which
// holds its first admin, as a new install does) as it was.
func TestImportRefusals(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			from := storetest.URL(t, dialect)
			if code, _, stderr := run(t, dbVars(from), "seed", "--articles", "30", "--topics", "3"); code != 0 {
				t.Fatalf("seed: %d %s", code, stderr)
			}
			export := exportOf(t, from)
			to := storetest.URL(t, dialect)
			if code, _, stderr := run(t, dbVars(to), "user", "create", "--email", "root@example.com", "--name", "Root", "--role", "admin"); code != 0 {
				t.Fatalf("user create: %d %s", code, stderr)
			}
			before := exportOf(t, to)
			lines := strings.SplitAfter(export, "\n")
			mid := len(lines) / 2
			newer := strings.Replace(export, `"version":1`, `"version":2`, 1)
			corrupt := strings.Join(lines[:mid], "") + "{\"table\":\"revisions\",\"row\":{\"article_id\":\n" + strings.Join(lines[mid+1:], "")
			unknown := strings.Join(lines[:mid], "") + "{\"table\":\"articles\",\"row\":{\"no_such_column\":1}}\n" + strings.Join(lines[mid+1:], "")
			cut := strings.Join(lines[:len(lines)-2], "")
			// A revision of an article the export does not hold, and a
			// revision twice: each database refuses them in its own words
			// (SQLite checks the references when the import ends).
			rev := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, `{"table":"revisions"`) })
			if rev < 0 || !strings.HasPrefix(lines[rev+1], `{"table":"revisions"`) {
				t.Fatal("the export holds no two revisions in a row")
			}
			swap := func(i int, line string) string {
				l := slices.Clone(lines)
				l[i] = line
				return strings.Join(l, "")
			}
			orphan := swap(rev, regexp.MustCompile(`"article_id":"[^"]+"`).ReplaceAllString(lines[rev], `"article_id":"00000000-0000-7000-8000-000000000000"`))
			twice := swap(rev+1, lines[rev])
			orphanWant, twiceWant := "rows refer to rows the export does not hold: the first is a row of revisions without its row of articles", "UNIQUE constraint failed: revisions"
			if dialect == "postgres" {
				orphanWant, twiceWant = "violates foreign key constraint", "duplicate key value violates unique constraint"
			}
			for _, c := range []struct{ name, input, want string }{
				{"revision of no article", orphan, orphanWant},
				{"revision twice", twice, twiceWant},
				{"newer format", newer, "format version 2; this cms reads version 1"},
				{"corrupted line", corrupt, fmt.Sprintf("line %d:", mid+1)},
				{"unknown column", unknown, "no_such_column"},
				{"cut off", cut, "cut short"},
				{"not an export", "hello\n", "not a healthcms export"},
			} {
				code, _, stderr := runIn(t, dbVars(to), c.input, "import")
				if code != 1 || strings.Count(stderr, "cms:") != 1 || !strings.Contains(lastLine(stderr), c.want) {
					t.Errorf("%s: exit %d %q, want 1 and one line with %q", c.name, code, stderr, c.want)
				}
				if after := exportOf(t, to); content(t, after) != content(t, before) {
					t.Fatalf("%s: a failed import changed the database", c.name)
				}
			}
			// The first admin stays; the import goes in beside it.
			if code, _, stderr := runIn(t, dbVars(to), export, "import"); code != 0 {
				t.Fatalf("import beside the first admin: %d %s", code, stderr)
			}
			if !strings.Contains(exportOf(t, to), "root@example.com") {
				t.Fatal("the first admin is gone")
			}
		})
	}
}

// TestExportImportSeeded: a seeded newsroom of 1,000 live articles (10,000
// with CMS_TEST_LONG=1) round-trips unchanged.
func TestExportImportSeeded(t *testing.T) {
	n := 1000
	if os.Getenv("CMS_TEST_LONG") == "1" {
		n = 10000
	}
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			from := storetest.URL(t, dialect)
			if code, _, stderr := run(t, dbVars(from), "seed", "--articles", fmt.Sprint(n)); code != 0 {
				t.Fatalf("seed: %d %s", code, stderr)
			}
			start := time.Now()
			export := exportOf(t, from)
			t.Logf("%s: exported %d articles, %d bytes, in %v", dialect, n, len(export), time.Since(start))
			if got := strings.Count(export, `{"table":"live_articles"`); got != n {
				t.Fatalf("%d live articles exported, want %d", got, n)
			}
			roundTrip(t, dialect, export)
		})
	}
}

// TestImportOlderExportKeepsTopicApprovals: an export made before topic
// revisions and versions held required_approvals (migration 00015) is
// imported with the topic's number in them, as migrating would have given
// them, so its articles still need as many reviewers.
func TestImportOlderExportKeepsTopicApprovals(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			from := storetest.URL(t, dialect)
			db := storetest.OpenURL(t, from)
			as := &auth.Service{Users: db, Tokens: db}
			ed := &cms.Editor{Store: db, ReviewInterval: time.Hour}
			mk := func(email string, creds string, r workflow.Role) *cms.User {
				u, err := as.CreateUser(t.Context(), cms.CommandLine(), cms.NewUser{Email: email, Name: email, Password: "a long enough password",
					Roles: []workflow.Role{r}, Credentials: creds})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			editor, reviewer := mk("e@example.com", "", workflow.RoleEditor), mk("r@example.com", "MD", workflow.RoleReviewer)
			three := 3
			tp, err := ed.CreateTopic(t.Context(), editor, cms.TopicInput{Slug: "jak-inhibitors", Name: "JAK inhibitors", RequiredApprovals: &three})
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				who    *cms.User
				action string
			}{{editor, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
				if tp, err = ed.TopicTransition(t.Context(), step.who, tp.Slug, tp.Version, cms.TransitionInput{Action: step.action}); err != nil {
					t.Fatalf("%s: %v", step.action, err)
				}
			}
			db.Close()
			var older strings.Builder
			for _, line := range strings.SplitAfter(exportOf(t, from), "\n") {
				if strings.HasPrefix(line, `{"table":"topic_revisions"`) || strings.HasPrefix(line, `{"table":"topic_versions"`) {
					if !strings.Contains(line, `"required_approvals":3`) {
						t.Fatalf("exported without the number: %s", line)
					}
					line = strings.Replace(strings.Replace(line, `"required_approvals":3,`, "", 1), `,"required_approvals":3`, "", 1)
				}
				older.WriteString(line)
			}
			to := storetest.URL(t, dialect)
			if code, _, stderr := runIn(t, dbVars(to), older.String(), "import"); code != 0 {
				t.Fatalf("import: exit %d: %s", code, stderr)
			}
			db = storetest.OpenURL(t, to)
			if _, n, err := db.TopicsOf(t.Context(), []string{"jak-inhibitors"}); err != nil || n != 3 {
				t.Fatalf("imported topic asks for %d (%v), want 3", n, err)
			}
			if rev, err := db.TopicRevision(t.Context(), "jak-inhibitors", 1); err != nil || rev.RequiredApprovals != 3 {
				t.Fatalf("imported revision: %+v %v", rev, err)
			}
		})
	}
}

// TestExportImportAcrossDatabases: a newsroom moves from SQLite to
// PostgreSQL and back by export and import, its audit chains verifying on
// each, and comes back as it left but for the live rows' SQLite keys,
// which each import numbers anew.
func TestExportImportAcrossDatabases(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	t.Parallel()
	from := storetest.URL(t, "sqlite")
	if code, _, stderr := run(t, dbVars(from), "seed", "--articles", "40"); code != 0 {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	moved := func(export, dialect string) string {
		t.Helper()
		to := storetest.URL(t, dialect)
		if code, _, stderr := runIn(t, dbVars(to), export, "import"); code != 0 {
			t.Fatalf("import into %s: exit %d: %s", dialect, code, lastLine(stderr))
		}
		if code, out, stderr := run(t, dbVars(to), "audit", "verify"); code != 0 || !strings.Contains(out, "verified") {
			t.Fatalf("audit verify on %s: exit %d %q %q", dialect, code, out, stderr)
		}
		return exportOf(t, to)
	}
	start := exportOf(t, from)
	back := moved(moved(start, "postgres"), "sqlite")
	seq := regexp.MustCompile(`"seq":[0-9]+,?`)
	rows := func(export string) []string {
		var out []string
		for _, l := range strings.Split(export, "\n")[1:] { // the header names the dialect and the time
			if strings.HasPrefix(l, `{"table":"live_articles"`) {
				l = seq.ReplaceAllString(l, "")
			}
			if !strings.HasPrefix(l, `{"table":"api_keys"`) {
				out = append(out, l)
			}
		}
		return out
	}
	a, b := rows(start), rows(back)
	if strings.Count(start, `{"table":"live_articles"`) != 40 {
		t.Fatalf("the export holds %d live articles, want 40", strings.Count(start, `{"table":"live_articles"`))
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Fatalf("row %d differs after SQLite → PostgreSQL → SQLite:\n%.400s\n%.400s", i+1, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		t.Fatalf("%d rows exported, %d after the moves", len(a), len(b))
	}
}

// TestImportKeepsSearchOrder: search lists the article published last
// first; after a move to PostgreSQL, which numbers the live rows as the
// import stores them, it still does, though that article was written
// first.
func TestImportKeepsSearchOrder(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	t.Parallel()
	ctx := t.Context()
	from := storetest.URL(t, "sqlite")
	db := storetest.OpenURL(t, from)
	ed := &cms.Editor{Store: db, ReviewInterval: 365 * 24 * time.Hour}
	people, err := seedPeople(ctx, &auth.Service{Users: db, Tokens: db})
	if err != nil {
		t.Fatal(err)
	}
	var drafts []*cms.Article
	for _, title := range []string{"Metformin, written first", "Metformin, written second"} {
		a, err := ed.CreateArticle(ctx, people[0], cms.DraftInput{Title: title, BodyHTML: "<p>Taken with food.</p>"})
		if err != nil {
			t.Fatal(err)
		}
		drafts = append(drafts, a)
	}
	for _, a := range []*cms.Article{drafts[1], drafts[0]} { // the first written is published last
		for i, action := range []string{"submit", "approve", "publish"} {
			if a, err = ed.Transition(ctx, people[i], a.ID, a.Version, cms.TransitionInput{Action: action}); err != nil {
				t.Fatal(err)
			}
		}
	}
	order := func(url string) string {
		t.Helper()
		s := storetest.OpenURL(t, url)
		items, _, err := s.Search(ctx, cms.SearchQuery{Text: "metformin", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, it := range items {
			slugs = append(slugs, it.Slug)
		}
		return strings.Join(slugs, " ")
	}
	want := order(from)
	if want != "metformin-written-first metformin-written-second" {
		t.Fatalf("on SQLite: %q", want)
	}
	to := storetest.URL(t, "postgres")
	if code, _, stderr := runIn(t, dbVars(to), exportOf(t, from), "import"); code != 0 {
		t.Fatalf("import: exit %d: %s", code, lastLine(stderr))
	}
	if got := order(to); got != want {
		t.Fatalf("on PostgreSQL after the import: %q, want %q", got, want)
	}
}

// TestImportFindsWordsByLongerPrefixes: after an import, a search by the
// first letters of a longer word (five or more, which SQLite looks up in
// the words it has indexed) finds what it found before the export, and
// still does once an article published after the import adds another
// word that they begin.
func TestImportFindsWordsByLongerPrefixes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	from := storetest.URL(t, "sqlite")
	if code, _, stderr := run(t, dbVars(from), "seed", "--articles", "40"); code != 0 {
		t.Fatalf("seed: %d %s", code, stderr)
	}
	export := exportOf(t, from)
	found := func(db *store.DB, text string) []string {
		t.Helper()
		items, _, err := db.Search(ctx, cms.SearchQuery{Text: text, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, it := range items {
			slugs = append(slugs, it.Slug)
		}
		slices.Sort(slugs)
		return slugs
	}
	// A word of the seed's vocabulary, and the codes of articles 1-40
	// (ZX000001 to ZX000040), by five to nine letters.
	texts := []string{"barici", "baricitin", "zx000", "zx0000", "zx00003"}
	want := map[string][]string{}
	seeded := storetest.OpenURL(t, from)
	for _, text := range texts {
		if want[text] = found(seeded, text); len(want[text]) == 0 {
			t.Fatalf("%q finds nothing in the seeded database", text)
		}
	}
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			to := storetest.URL(t, dialect)
			if code, _, stderr := runIn(t, dbVars(to), export, "import"); code != 0 {
				t.Fatalf("import: exit %d: %s", code, lastLine(stderr))
			}
			db := storetest.OpenURL(t, to)
			for _, text := range texts {
				if got := found(db, text); !slices.Equal(got, want[text]) {
					t.Errorf("%q after the import finds %d articles, before it %d: %v", text, len(got), len(want[text]), got)
				}
			}
			// Words every text above begins, in an article published now.
			people, err := seedPeople(ctx, &auth.Service{Users: db, Tokens: db})
			if err != nil {
				t.Fatal(err)
			}
			ed := &cms.Editor{Store: db, ReviewInterval: 365 * 24 * time.Hour}
			a, err := ed.CreateArticle(ctx, people[0], cms.DraftInput{Title: "Baricitinibum and ZX00003Z",
				BodyHTML: "<p>A new salt, under its development code.</p>"})
			if err != nil {
				t.Fatal(err)
			}
			for i, action := range []string{"submit", "approve", "publish"} {
				if a, err = ed.Transition(ctx, people[i], a.ID, a.Version, cms.TransitionInput{Action: action}); err != nil {
					t.Fatal(err)
				}
			}
			for _, text := range texts {
				w := append([]string{a.Slug}, want[text]...)
				slices.Sort(w)
				if got := found(db, text); !slices.Equal(got, w) {
					t.Errorf("%q after a publication finds %d articles, want %d: %v", text, len(got), len(w), got)
				}
			}
		})
	}
}
