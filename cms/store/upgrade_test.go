package store_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// A database with articles published under the landed schema (up to
// 00006, some without a compressed copy) keeps serving them, listing them
// by topic and finding them after the later migrations, and unpublishing
// still removes them everywhere.
func TestUpgradeKeepsLiveArticles(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			url := storetest.URL(t, d)
			db := landedSchema(t, url, 6)
			// Today's write path also reads the webhooks of 00011; an
			// empty stand-in lets it write under the old schema.
			storetest.Exec(t, url, `CREATE TABLE webhooks (id TEXT PRIMARY KEY, events TEXT NOT NULL, deleted_at TEXT)`)
			ed := &cms.Editor{Store: landed{db}, ReviewInterval: time.Hour}
			// Users and topics are written as the landed schema's code wrote
			// them: the audit tables of their changes came later (00010).
			at := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			writer, reviewer, editor := landedStaff(t, url, at)
			storetest.Exec(t, url, fmt.Sprintf(`INSERT INTO topics (slug, name, description_html, aliases, created_at, updated_at)
				VALUES ('psoriasis', 'Psoriasis', '', '[]', '%s', '%s')`, at, at))
			publish := func(title string) *cms.Article {
				t.Helper()
				a, err := ed.CreateArticle(ctx, writer, cms.DraftInput{Title: title, Summary: "Who may take it.",
					BodyHTML: "<p>Apremilast is taken twice daily.</p>", Topics: []string{"psoriasis"}})
				if err != nil {
					t.Fatalf("%s: %v", title, err)
				}
				for _, step := range []struct {
					who    *cms.User
					action string
				}{{writer, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
					if a, err = ed.Transition(ctx, step.who, a.ID, a.Version, cms.TransitionInput{Action: step.action}); err != nil {
						t.Fatalf("%s, %s: %v", title, step.action, err)
					}
				}
				return a
			}
			// Today's code writes columns that came later (00012, review);
			// they are added for the publication and dropped again before
			// migrating, so 00012 meets a landed row and fills them in.
			later := []string{"topics ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1",
				"topics ADD COLUMN published_versions INTEGER NOT NULL DEFAULT 0",
				"articles ADD COLUMN approvals TEXT NOT NULL DEFAULT '[]'", "articles ADD COLUMN last_review TEXT",
				"articles ADD COLUMN submitted_at TEXT", "articles ADD COLUMN words_changed_since_live INTEGER",
				"articles ADD COLUMN open_comments INTEGER NOT NULL DEFAULT 0"}
			for _, c := range later {
				storetest.Exec(t, url, "ALTER TABLE "+c)
			}
			standInTopicVersions(t, url)
			dropSearchStandIns := standInSearchIndex(t, d, url)
			old := publish("Apremilast for plaque psoriasis")
			dropSearchStandIns()
			for _, c := range later {
				table, rest, _ := strings.Cut(c, " ADD COLUMN ")
				storetest.Exec(t, url, "ALTER TABLE "+table+" DROP COLUMN "+strings.Fields(rest)[0])
			}
			storetest.Exec(t, url, "DROP TABLE topic_versions")
			if err := db.ForgetCompressedDocuments(ctx); err != nil {
				t.Fatal(err)
			}
			before, err := db.LiveArticle(ctx, old.Slug, cms.LivePlain)
			if err != nil {
				t.Fatal(err)
			}

			storetest.Exec(t, url, `DROP TABLE webhooks`)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate from 6: %v", err)
			}
			// Asked for the compressed copy, which it has not: the plain one.
			after, err := db.LiveArticle(ctx, old.Slug, cms.LiveGzip)
			if err != nil || !bytes.Equal(after.Document, before.Document) || after.ETag != before.ETag || after.DocumentGz != nil ||
				after.Length != len(before.Document) {
				t.Fatalf("after migrating: %+v %v", after, err)
			}
			live := func(topic, text string) int {
				t.Helper()
				items, err := db.LiveArticles(ctx, cms.LiveQuery{Topic: topic, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				found, _, err := db.Search(ctx, cms.SearchQuery{Text: text, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != len(found) {
					t.Fatalf("%d live in %s, %d found by %q", len(items), topic, len(found), text)
				}
				return len(items)
			}
			if n := live("psoriasis", "apremilast"); n != 1 {
				t.Fatalf("%d live articles after migrating, want 1", n)
			}
			// 00014 indexes the article for prefixes, title and summary.
			if n := live("psoriasis", "aprem"); n != 1 {
				t.Fatalf("prefix search after migrating: %d", n)
			}
			if found, _, err := db.Search(ctx, cms.SearchQuery{Text: "plaque psoriasis", Limit: 10}); err != nil || len(found) != 1 || found[0].Score != 2 {
				t.Fatalf("title search after migrating: %+v %v", found, err)
			}
			// 00012 makes the landed approval the round's one approval.
			if a, err := db.Article(ctx, old.ID); err != nil || len(a.Approvals) != 1 || a.Approvals[0].Reviewer.ID != reviewer.ID ||
				a.Approvals[0].Reviewer.Name != "reviewer" || a.Approvals[0].ContentHash != a.Approval.ContentHash ||
				!a.Approvals[0].At.Equal(a.Approval.At) || a.WordsChangedSinceLive == nil || *a.WordsChangedSinceLive != 0 {
				t.Fatalf("approvals after migrating: %+v %v", a, err)
			}

			ed.Store = db
			fresh := publish("Apremilast and diarrhoea")
			if doc, err := db.LiveArticle(ctx, fresh.Slug, cms.LiveGzip); err != nil || len(doc.DocumentGz) == 0 {
				t.Fatalf("published after migrating: %+v %v", doc, err)
			}
			if _, err := ed.Transition(ctx, editor, old.ID, old.Version, cms.TransitionInput{Action: "unpublish"}); err != nil {
				t.Fatal(err)
			}
			if n := live("psoriasis", "apremilast"); n != 1 {
				t.Fatalf("%d live articles after unpublishing one of two, want 1", n)
			}
			if topics, err := db.PublishedTopics(ctx); err != nil || len(topics) != 1 || topics[0].ArticleCount != 1 {
				t.Fatalf("topic count: %+v %v", topics, err)
			}
		})
	}
}

// landedStaff writes a writer, a credentialed reviewer and an editor with
// plain SQL, as the code of a landed schema before 00010 (no audit tables)
// wrote users.
func landedStaff(t *testing.T, url, at string) (writer, reviewer, editor *cms.User) {
	t.Helper()
	mk := func(name, creds string, r workflow.Role) *cms.User {
		u := &cms.User{ID: cms.NewID(), Email: name + "@example.com", Name: name, Credentials: creds, Roles: []workflow.Role{r}}
		storetest.Exec(t, url, fmt.Sprintf(`INSERT INTO users (id, email, name, password_hash, roles, credentials, disabled,
			created_at, updated_at) VALUES ('%s', '%s', '%s', 'hash', '%s', '%s', false, '%s', '%s')`, u.ID, u.Email, u.Name, r, creds, at, at))
		return u
	}
	return mk("writer", "", workflow.RoleWriter), mk("reviewer", "MD", workflow.RoleReviewer), mk("editor", "", workflow.RoleEditor)
}

// standInTopicVersions is an empty topic_versions with the columns
// today's article reads join (migrations 00013 and 00015), so today's code
// writes articles under a landed schema; tests drop it before migrating.
func standInTopicVersions(t *testing.T, url string) {
	t.Helper()
	storetest.Exec(t, url, `CREATE TABLE topic_versions (topic_slug TEXT NOT NULL, version INTEGER NOT NULL,
		required_approvals INTEGER)`)
}

// standInSearchIndex lets today's SQLite publication, which indexes the
// articles noted in 00017's live_search_pending into 00014's two indexes
// and gathers their words for 00022's search_words, run under an older
// schema: the landed schema's triggers index the article themselves, and
// empty stand-ins take today's statements. It returns what removes them
// before migrating.
func standInSearchIndex(t *testing.T, d, url string) func() {
	t.Helper()
	if d != "sqlite" {
		return func() {}
	}
	storetest.Exec(t, url, `CREATE TABLE live_search_pending (seq INTEGER PRIMARY KEY)`)
	storetest.Exec(t, url, `CREATE TABLE live_search_head (title TEXT, summary TEXT)`)
	storetest.Exec(t, url, `CREATE TABLE live_search_fresh (live_search_fresh TEXT, title TEXT, summary TEXT, body_text TEXT)`)
	storetest.Exec(t, url, `CREATE TABLE live_search_fresh_vocab (term TEXT)`)
	storetest.Exec(t, url, `CREATE TABLE search_words (word TEXT PRIMARY KEY)`)
	return func() {
		for _, table := range []string{"live_search_pending", "live_search_head", "live_search_fresh", "live_search_fresh_vocab", "search_words"} {
			storetest.Exec(t, url, "DROP TABLE "+table)
		}
	}
}

// landedSchema opens the database at url migrated up to version v only,
// as the code of that landed schema left it; closed when the test ends.
func landedSchema(t *testing.T, url string, v int64) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	return db
}

// landed is the store as the code of a landed schema before 00013 saw it:
// every topic was shown to readers, as it was, for there were no topic
// versions yet.
type landed struct{ *store.DB }

func (l landed) Glossary(ctx context.Context) ([]*cms.TopicVersion, error) {
	return l.PublishedTopics(ctx)
}

func (l landed) PublishedTopics(ctx context.Context) ([]*cms.TopicVersion, error) {
	var out []*cms.TopicVersion
	err := l.DB.EachRow(ctx, `SELECT slug, name FROM topics ORDER BY name, slug`, func(slug, name string) {
		out = append(out, &cms.TopicVersion{Slug: slug, TopicContent: cms.TopicContent{Name: name, Kind: cms.KindOther}})
	})
	return out, err
}

// A database whose topics were written before topics were reviewed (at
// schema 12, the last before 00013: today's article writes need its
// tables and columns) keeps delivering them after migration 00013: each is
// published as it was, without an approval, and goes through review from
// its next change on. Articles published before keep their topics.
func TestUpgradeKeepsTopicsDelivered(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			url := storetest.URL(t, d)
			db := landedSchema(t, url, 12)
			at := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			storetest.Exec(t, url, fmt.Sprintf(`INSERT INTO topics (slug, name, description_html, aliases, created_at, updated_at)
				VALUES ('jak-inhibitors', 'JAK inhibitors', '<p>Targeted drugs.</p>', '["Janus kinase inhibitor"]', '%s', '%s'),
				('psoriasis', 'Psoriasis', '', '[]', '%s', '%s')`, at, at, at, at))
			writer, reviewer, editor := landedStaff(t, url, at)
			ed := &cms.Editor{Store: landed{db}, ReviewInterval: time.Hour}
			storetest.Exec(t, url, "ALTER TABLE topics ADD COLUMN published_versions INTEGER NOT NULL DEFAULT 0")
			standInTopicVersions(t, url)
			dropSearchStandIns := standInSearchIndex(t, d, url)
			a, err := ed.CreateArticle(ctx, writer, cms.DraftInput{Title: "Baricitinib", Summary: "A JAK inhibitor.",
				BodyHTML: "<p>Once daily.</p>", Topics: []string{"jak-inhibitors"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				who    *cms.User
				action string
			}{{writer, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
				if a, err = ed.Transition(ctx, step.who, a.ID, a.Version, cms.TransitionInput{Action: step.action}); err != nil {
					t.Fatalf("%s: %v", step.action, err)
				}
			}
			before, err := db.LiveArticle(ctx, a.Slug, cms.LivePlain)
			if err != nil {
				t.Fatal(err)
			}
			storetest.Exec(t, url, "DROP TABLE topic_versions")
			storetest.Exec(t, url, "ALTER TABLE topics DROP COLUMN published_versions")
			dropSearchStandIns()

			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate from 12: %v", err)
			}
			if after, err := db.LiveArticle(ctx, a.Slug, cms.LivePlain); err != nil || !bytes.Equal(after.Document, before.Document) {
				t.Fatalf("the live article changed: %v", err)
			}
			dl := &cms.Delivery{Store: db}
			glossary, err := dl.Topics(ctx)
			if err != nil || len(glossary) != 2 || glossary[0].Slug != "jak-inhibitors" || glossary[0].ArticleCount != 1 ||
				glossary[0].Aliases[0] != "Janus kinase inhibitor" || glossary[0].Kind != cms.KindOther {
				t.Fatalf("glossary after migrating: %+v %v", glossary, err)
			}
			page, err := dl.Topic(ctx, "jak-inhibitors")
			if err != nil || page.DescriptionHTML != "<p>Targeted drugs.</p>" || page.ReviewedBy != nil {
				t.Fatalf("topic page after migrating: %+v %v", page, err)
			}
			ed.Store = db
			tp, err := ed.Topic(ctx, "jak-inhibitors")
			if err != nil || tp.State != workflow.Published || tp.Live == nil || tp.Live.Version != 1 || tp.Revision != 1 ||
				tp.ContentHash != cms.TopicContentHashV1(&tp.TopicContent) || tp.Approval != nil {
				t.Fatalf("migrated topic: %+v %v", tp, err)
			}
			// Its next change is reviewed before readers see it.
			tp, err = ed.ReplaceTopic(ctx, editor, "jak-inhibitors", tp.Version, cms.TopicInput{Name: "JAK inhibitors", Kind: "drug_class",
				Definition: "a type of targeted medication", Aliases: []string{"Janus kinase inhibitor", "JAKi"}})
			if err != nil || tp.State != workflow.Draft || tp.Revision != 2 {
				t.Fatalf("change after migrating: %+v %v", tp, err)
			}
			if page, _ := dl.Topic(ctx, "jak-inhibitors"); page.Definition != "" {
				t.Fatalf("an unreviewed definition is delivered: %+v", page)
			}
			for _, step := range []struct {
				who    *cms.User
				action string
			}{{editor, "submit"}, {reviewer, "approve"}, {editor, "publish"}} {
				if tp, err = ed.TopicTransition(ctx, step.who, "jak-inhibitors", tp.Version, cms.TransitionInput{Action: step.action}); err != nil {
					t.Fatalf("topic %s: %v", step.action, err)
				}
			}
			if page, err := dl.Topic(ctx, "jak-inhibitors"); err != nil || page.Definition != "a type of targeted medication" ||
				page.Kind != cms.KindDrugClass || page.ReviewedBy == nil {
				t.Fatalf("published after migrating: %+v %v", page, err)
			}
			if n, err := cms.VerifyAudit(ctx, db); err != nil || n == 0 {
				t.Fatalf("audit: %d %v", n, err)
			}
		})
	}
}

// Migration 00015 gives the revisions and published versions of existing
// topics the topic's required_approvals, which articles then count from
// the published version; its Down takes the columns away again.
func TestUpgradeKeepsTopicApprovals(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			url := storetest.URL(t, d)
			db := landedSchema(t, url, 12)
			at := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			storetest.Exec(t, url, fmt.Sprintf(`INSERT INTO topics (slug, name, description_html, aliases, required_approvals,
				created_at, updated_at) VALUES ('jak-inhibitors', 'JAK inhibitors', '', '[]', 3, '%s', '%s'),
				('psoriasis', 'Psoriasis', '', '[]', 1, '%s', '%s')`, at, at, at, at))
			if err := db.MigrateTo(ctx, 13); err != nil { // publishes both as they are
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for slug, want := range map[string]int{"jak-inhibitors": 3, "psoriasis": 1} {
				if _, n, err := db.TopicsOf(ctx, []string{slug}); err != nil || n != want {
					t.Fatalf("%s after migrating: %d %v, want %d", slug, n, err, want)
				}
				if rev, err := db.TopicRevision(ctx, slug, 1); err != nil || rev.RequiredApprovals != want {
					t.Fatalf("%s revision 1: %+v %v", slug, rev, err)
				}
			}
			if err := db.MigrateDownTo(ctx, 13); err != nil {
				t.Fatalf("down from 00015: %v", err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if _, n, err := db.TopicsOf(ctx, []string{"jak-inhibitors", "psoriasis"}); err != nil || n != 3 {
				t.Fatalf("after down and up: %d %v", n, err)
			}
		})
	}
}
