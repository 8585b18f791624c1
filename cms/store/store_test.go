package store_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

var ctx = context.Background()

// cli is the actor of the changes these tests make.
var cli = cms.CommandLine().Ref()

func newUser(t *testing.T, db *store.DB, email string, roles ...workflow.Role) *cms.User {
	t.Helper()
	u := &cms.User{ID: cms.NewID(), Email: email, Name: "N " + email, Roles: roles, CreatedAt: cms.Now()}
	if err := db.CreateUser(ctx, u, "hash-of-"+email, cms.UserCreated(u, cli, u.CreatedAt)); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMigrations(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			db, err := store.Open(ctx, storetest.URL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if p, err := db.Pending(ctx); err != nil || !p {
				t.Fatalf("fresh database: pending %v %v", p, err)
			}
			n, err := db.Migrate(ctx)
			if err != nil || n == 0 {
				t.Fatalf("migrate: %d %v", n, err)
			}
			if p, err := db.Pending(ctx); err != nil || p {
				t.Fatalf("after migrate: pending %v %v", p, err)
			}
			if n, err := db.Migrate(ctx); err != nil || n != 0 {
				t.Fatalf("second migrate applied %d: %v", n, err)
			}
			st, err := db.MigrationStatuses(ctx)
			if err != nil || len(st) == 0 || !st[0].Applied || st[0].Name == "" {
				t.Fatalf("statuses: %+v %v", st, err)
			}
		})
	}
}

// TestSearchIndexMemory: on SQLite both full-text indexes keep 16 MiB of
// what a transaction indexes before writing it out as a segment
// (migration 00020), and the migration's Down gives them FTS5's default
// of 1 MiB back.
func TestSearchIndexMemory(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	hashsize := func() map[string]string {
		t.Helper()
		got := map[string]string{}
		if err := db.EachRow(ctx, `SELECT 'live_search', v FROM live_search_config WHERE k = 'hashsize'
			UNION ALL SELECT 'live_search_head', v FROM live_search_head_config WHERE k = 'hashsize'`,
			func(table, v string) { got[table] = v }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := hashsize(); got["live_search"] != "16777216" || got["live_search_head"] != "16777216" {
		t.Fatalf("hashsize after migrating: %v, want 16777216 for both", got)
	}
	if err := db.MigrateDownTo(ctx, 19); err != nil {
		t.Fatal(err)
	}
	if got := hashsize(); got["live_search"] != "1048576" || got["live_search_head"] != "1048576" {
		t.Fatalf("hashsize after its Down: %v, want 1048576 for both", got)
	}
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		u := newUser(t, db, "a@example.com", workflow.RoleWriter, workflow.RoleReviewer)
		got, hash, err := db.UserByEmail(ctx, "a@example.com")
		if err != nil || hash != "hash-of-a@example.com" || got.ID != u.ID || len(got.Roles) != 2 || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("by email: %+v %q %v", got, hash, err)
		}
		dup := &cms.User{ID: cms.NewID(), Email: "a@example.com", Name: "B", Roles: []workflow.Role{workflow.RoleWriter}, CreatedAt: cms.Now()}
		if err := db.CreateUser(ctx, dup, "x", cms.UserCreated(dup, cli, dup.CreatedAt)); cms.ErrorCode(err) != cms.ECONFLICT {
			t.Fatalf("duplicate email: %v", err)
		}
		if _, err := db.User(ctx, "nope"); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
		if _, _, err := db.UserByEmail(ctx, "nope@example.com"); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("unknown email: %v", err)
		}
		name, creds, disabled := "Renamed", "MD", true
		patch := cms.UserPatch{Name: &name, Credentials: &creds, Disabled: &disabled}
		if err := db.ChangeUser(ctx, u.ID, func(u *cms.User) (string, []*cms.AuditEvent, error) {
			return "", patch.Apply(u, cli, cms.Now()), nil
		}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.User(ctx, u.ID)
		if got.Name != "Renamed" || got.Credentials != "MD" || !got.Disabled {
			t.Fatalf("updated: %+v", got)
		}
		if n, err := db.CountUsers(ctx); n != 1 || err != nil {
			t.Fatalf("count %d %v", n, err)
		}
		if err := db.ChangeUser(ctx, "nope", func(u *cms.User) (string, []*cms.AuditEvent, error) {
			return "", nil, nil
		}); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
	})
}

func TestRefreshTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		u := newUser(t, db, "a@example.com", workflow.RoleWriter)
		now := cms.Now()
		tok := func(family string) *cms.RefreshToken {
			return &cms.RefreshToken{ID: cms.NewID(), FamilyID: family, UserID: u.ID, Hash: cms.NewID(), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		}
		first := tok("f1")
		if err := db.InsertRefreshToken(ctx, first); err != nil {
			t.Fatal(err)
		}
		second := tok("f1")
		if ok, err := db.RotateRefreshToken(ctx, first.ID, second, now); !ok || err != nil {
			t.Fatalf("rotate: %v %v", ok, err)
		}
		// The conditional update is the claim: a second rotation of the
		// same token loses and writes nothing.
		if ok, err := db.RotateRefreshToken(ctx, first.ID, tok("f1"), now); ok || err != nil {
			t.Fatalf("second rotate: %v %v", ok, err)
		}
		got, err := db.RefreshTokenByHash(ctx, first.Hash)
		if err != nil || !got.Spent || got.Revoked || !got.ExpiresAt.Equal(first.ExpiresAt) {
			t.Fatalf("spent token: %+v %v", got, err)
		}
		other := tok("f2")
		db.InsertRefreshToken(ctx, other)
		if err := db.RevokeFamily(ctx, "f1", now); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.RefreshTokenByHash(ctx, second.Hash); !got.Revoked {
			t.Fatal("family not revoked")
		}
		if got, _ := db.RefreshTokenByHash(ctx, other.Hash); got.Revoked {
			t.Fatal("another family was revoked")
		}
		// A new password revokes every family of the user.
		if err := db.ChangeUser(ctx, u.ID, func(u *cms.User) (string, []*cms.AuditEvent, error) {
			return "new hash", []*cms.AuditEvent{cms.PasswordChanged(u, cli, now)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.RefreshTokenByHash(ctx, other.Hash); !got.Revoked {
			t.Fatal("a new password left a family alive")
		}
		if _, err := db.RefreshTokenByHash(ctx, "unknown"); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("unknown hash: %v", err)
		}
	})
}

func TestLoginAttemptCharges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := cms.Now()
		acct := cms.LoginLimit{Key: "account:a", Max: 3}
		addr := cms.LoginLimit{Key: "address:x", Max: 4}
		charge := func(at time.Time, limits ...cms.LoginLimit) ([]cms.LoginCharge, time.Time) {
			t.Helper()
			c, retryAt, err := db.ChargeLoginAttempt(ctx, limits, at, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return c, retryAt
		}
		for i := 1; i <= 3; i++ {
			c, _ := charge(now.Add(time.Duration(i)*time.Second), acct, addr)
			if len(c) != 2 || c[0].Key != acct.Key || !c[0].WindowStart.Equal(now.Add(time.Second)) {
				t.Fatalf("charge %d: %+v", i, c)
			}
		}
		// The account is spent: refused with the end of its window, and
		// the address is not charged either (3 of 4, not 4).
		c, retryAt := charge(now.Add(5*time.Second), acct, addr)
		if c != nil || !retryAt.Equal(now.Add(time.Second+time.Minute)) {
			t.Fatalf("over the limit: %+v, retry at %v", c, retryAt)
		}
		if c, _ := charge(now.Add(5*time.Second), addr); len(c) != 1 {
			t.Fatal("the refused charge counted against the address")
		}
		if c, _ := charge(now.Add(5*time.Second), addr); c != nil {
			t.Fatal("the address allowed a fifth attempt")
		}
		// A refund gives one attempt back.
		c, _ = charge(now.Add(5*time.Second), cms.LoginLimit{Key: "account:b", Max: 1})
		if err := db.RefundLoginAttempt(ctx, c); err != nil {
			t.Fatal(err)
		}
		if again, _ := charge(now.Add(6*time.Second), cms.LoginLimit{Key: "account:b", Max: 1}); again == nil {
			t.Fatal("refunded attempt still counted")
		}
		// After the window a new count starts, and a refund from the old
		// window does not touch it.
		later := now.Add(2 * time.Minute)
		old, _ := charge(now.Add(10*time.Second), cms.LoginLimit{Key: "account:c", Max: 5})
		if c, _ := charge(later, acct); len(c) != 1 || !c[0].WindowStart.Equal(later) {
			t.Fatalf("new window: %+v", c)
		}
		c, _ = charge(later, cms.LoginLimit{Key: "account:c", Max: 1})
		if err := db.RefundLoginAttempt(ctx, old); err != nil {
			t.Fatal(err)
		}
		if c, _ := charge(later, cms.LoginLimit{Key: "account:c", Max: 1}); c != nil {
			t.Fatal("a refund from an old window emptied the new one")
		}
		// Clearing forgets every failure of the key.
		if err := db.ClearLoginFailures(ctx, acct.Key); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if c, _ := charge(later, acct); c == nil {
				t.Fatal("cleared account still limited")
			}
		}
	})
}

func TestTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := cms.Now()
		content := cms.TopicContent{Name: "JAK inhibitors", Kind: cms.KindDrugClass, DescriptionHTML: "<p>x</p>",
			Aliases: []string{"Janus kinase inhibitor"}, Related: []string{}}
		tp := &cms.Topic{Slug: "jak-inhibitors", TopicContent: content, State: workflow.Draft, Version: 1, Revision: 1,
			ContentHash: cms.TopicContentHash(&content, 1), RequiredApprovals: 1, CreatedAt: now, UpdatedAt: now}
		ev := func(action string) *cms.AuditEvent {
			return cms.NewAuditEvent(cms.Subject{Type: cms.SubjectTopic, ID: "jak-inhibitors"}, cli, action, "", now)
		}
		rev := &cms.TopicRevision{Number: 1, TopicContent: content, RequiredApprovals: 1, ContentHash: tp.ContentHash, SavedBy: cli, SavedAt: now}
		if err := db.WriteTopic(ctx, &cms.TopicWrite{Topic: tp, Revision: rev, Event: ev("created")}); err != nil {
			t.Fatal(err)
		}
		if err := db.WriteTopic(ctx, &cms.TopicWrite{Topic: tp, Event: ev("created")}); cms.ErrorCode(err) != cms.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		got, err := db.Topic(ctx, "jak-inhibitors")
		if err != nil || got.Aliases[0] != "Janus kinase inhibitor" || !got.CreatedAt.Equal(now) || got.Kind != cms.KindDrugClass ||
			got.ContentHash != tp.ContentHash || got.Live != nil {
			t.Fatalf("topic: %+v %v", got, err)
		}
		if r, err := db.TopicRevision(ctx, "jak-inhibitors", 1); err != nil || r.ContentHash != tp.ContentHash || r.Name != "JAK inhibitors" {
			t.Fatalf("revision: %+v %v", r, err)
		}
		up := *got
		up.Name, up.Version = "JAK", 2
		if err := db.WriteTopic(ctx, &cms.TopicWrite{Topic: &up, PrevVersion: 1, Event: ev("changed")}); err != nil {
			t.Fatalf("update: %v", err)
		}
		// A write based on the version before is refused: no lost update.
		lost := up
		lost.Name = "Lost"
		if err := db.WriteTopic(ctx, &cms.TopicWrite{Topic: &lost, PrevVersion: 1, Event: ev("changed")}); cms.ErrorCode(err) != cms.EPRECONDITION {
			t.Fatalf("stale update: %v", err)
		}
		if err := db.DeleteTopic(ctx, "jak-inhibitors", 1, ev("deleted")); cms.ErrorCode(err) != cms.EPRECONDITION {
			t.Fatalf("stale delete: %v", err)
		}
		nope := up
		nope.Slug = "nope"
		if err := db.WriteTopic(ctx, &cms.TopicWrite{Topic: &nope, PrevVersion: 1, Event: ev("changed")}); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
		if err := db.DeleteTopic(ctx, "jak-inhibitors", 2, ev("deleted")); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteTopic(ctx, "jak-inhibitors", 2, ev("deleted")); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("delete twice: %v", err)
		}
		if ts, err := db.Topics(ctx); len(ts) != 0 || err != nil {
			t.Fatalf("topics: %v %v", ts, err)
		}
	})
}

func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v, err := db.PutSettingIfAbsent(ctx, "jwt_secret", "first")
		if v != "first" || err != nil {
			t.Fatalf("%q %v", v, err)
		}
		if v, _ := db.PutSettingIfAbsent(ctx, "jwt_secret", "second"); v != "first" {
			t.Fatalf("second put replaced the value: %q", v)
		}
	})
}

// TestTextCompression: on PostgreSQL the long texts every publication
// writes are compressed with lz4 (migration 00017), and its Down gives
// them the server's default back. A server built without lz4 skips it.
func TestTextCompression(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	db := openWithLZ4(t)
	methods := func() map[string]string {
		t.Helper()
		got := map[string]string{}
		if err := db.EachRow(ctx, `SELECT attrelid::regclass::text || '.' || attname, attcompression::text FROM pg_attribute
			WHERE (attrelid, attname) IN (('revisions'::regclass, 'body_html'), ('published_versions'::regclass, 'document'),
				('live_articles'::regclass, 'body_text'))`, func(col, m string) { got[col] = m }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := func(m string) map[string]string {
		return map[string]string{"revisions.body_html": m, "published_versions.document": m, "live_articles.body_text": m}
	}
	if got := methods(); !maps.Equal(got, want("l")) {
		t.Fatalf("after migrating: %v, want lz4 (l) for each", got)
	}
	if err := db.MigrateDownTo(ctx, 16); err != nil {
		t.Fatal(err)
	}
	if got := methods(); !maps.Equal(got, want("")) {
		t.Fatalf("after its Down: %v, want the default (empty) for each", got)
	}
}

// openWithLZ4 opens a PostgreSQL store, skipping t unless the server
// is built with lz4.
func openWithLZ4(t *testing.T) *store.DB {
	t.Helper()
	if !slices.Contains(storetest.Dialects(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	db := storetest.Open(t, "postgres")
	var lz4 bool
	if err := db.EachRow(ctx, `SELECT 'lz4', ('lz4' = ANY(enumvals))::text FROM pg_settings WHERE name = 'default_toast_compression'`,
		func(_, v string) { lz4 = v == "true" }); err != nil {
		t.Fatal(err)
	}
	if !lz4 {
		t.Skip("this PostgreSQL is built without lz4")
	}
	return db
}

// TestLiveDocumentInline: on PostgreSQL a live article's document is
// compressed with lz4 and kept in its row when it fits (migration
// 00018), and a published article's document is stored so and read back
// whole; the migration's Down gives migration 00016's layout back.
func TestLiveDocumentInline(t *testing.T) {
	db := openWithLZ4(t)
	layout := func() string {
		t.Helper()
		var got string
		if err := db.EachRow(ctx, `SELECT a.attstorage::text || ' ' || a.attcompression::text,
				coalesce(array_to_string(c.reloptions, ','), '')
			FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			WHERE a.attrelid = 'live_articles'::regclass AND a.attname = 'document'`,
			func(col, opts string) { got = col + " " + opts }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := layout(), "m l toast_tuple_target=8160"; got != want {
		t.Fatalf("after migrating: %q, want %q", got, want)
	}

	// A document of ~12 KB, larger than a typical article's, published:
	// stored compressed with lz4, to well under the row's 8160 bytes, so
	// that STORAGE MAIN keeps it in the row.
	body := strings.Repeat("<p>Metformin lowers blood glucose; take it with meals. </p>", 150)
	if err := publishArticle(&cms.Editor{Store: db}, bulkPeople(t, db), "Metformin inline", body); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.EachRow(ctx, `SELECT pg_column_compression(document), (pg_column_size(document) < octet_length(document)
			AND pg_column_size(document) < 8160)::text FROM live_articles WHERE slug = 'metformin-inline'`,
		func(m, small string) { stored = m + " " + small }); err != nil {
		t.Fatal(err)
	}
	if stored != "lz4 true" {
		t.Fatalf("stored document: %q, want lz4 and smaller than its text, in the row", stored)
	}
	d, err := db.LiveArticle(ctx, "metformin-inline", cms.LivePlain)
	if n := strings.Count(string(d.Document), "take it with meals"); err != nil || n != 150 {
		t.Fatalf("read back: %d of its 150 sentences, %v", n, err)
	}

	if err := db.MigrateDownTo(ctx, 17); err != nil {
		t.Fatal(err)
	}
	if got, want := layout(), "e  "; got != want {
		t.Fatalf("after its Down: %q, want %q", got, want)
	}
}

// TestLiveKeysInline: on PostgreSQL a live row keeps its slug, ETag and
// summary in the row beside its compressed document (migration 00019),
// so a miss fetches nothing from the TOAST table; under the migration's
// Down they go out of line, as before it.
func TestLiveKeysInline(t *testing.T) {
	db := openWithLZ4(t)
	people := bulkPeople(t, db)
	body := strings.Repeat("<p>Metformin lowers blood glucose; take it with meals. </p>", 150)
	// outOfLine counts the slug's, the ETag's and the summary's values
	// that the live row of slug keeps in its TOAST table.
	outOfLine := func(slug string) int {
		t.Helper()
		var toast string
		if err := db.EachRow(ctx, `SELECT 'toast', reltoastrelid::regclass::text FROM pg_class WHERE oid = 'live_articles'::regclass`,
			func(_, v string) { toast = v }); err != nil {
			t.Fatal(err)
		}
		n := -1
		if err := db.EachRow(ctx, `SELECT 'n', count(*)::text FROM `+toast+` t, live_articles la
				WHERE la.slug = '`+slug+`' AND t.chunk_data IN (convert_to(la.slug, 'UTF8'), convert_to(la.etag, 'UTF8'), convert_to(la.summary_doc, 'UTF8'))`,
			func(_, v string) { n, _ = strconv.Atoi(v) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	read := func(slug string) {
		t.Helper()
		d, err := db.LiveArticle(ctx, slug, cms.LivePlain)
		if err != nil || d.Slug != slug || d.ETag == "" || strings.Count(string(d.Document), "take it with meals") != 150 {
			t.Fatalf("read back %q: %v", slug, err)
		}
	}

	if err := publishArticle(&cms.Editor{Store: db}, people, "Metformin keys inline", body); err != nil {
		t.Fatal(err)
	}
	if n := outOfLine("metformin-keys-inline"); n != 0 {
		t.Fatalf("%d of the slug, ETag and summary out of line, want none", n)
	}
	read("metformin-keys-inline")

	if err := db.MigrateDownTo(ctx, 18); err != nil {
		t.Fatal(err)
	}
	if err := publishArticle(&cms.Editor{Store: db}, people, "Metformin keys out of line", body); err != nil {
		t.Fatal(err)
	}
	if n := outOfLine("metformin-keys-out-of-line"); n != 3 {
		t.Fatalf("under the Down: %d of the slug, ETag and summary out of line, want 3", n)
	}
	read("metformin-keys-out-of-line")
}

// TestBatchWriterSettings: on SQLite a batch keeps statement journals in
// memory and has a larger page cache, and the writing connection has
// its own settings back after it, whether the batch commits or fails
// (a migration's statement may change the whole database), unless
// BulkLoad holds them.
func TestBatchWriterSettings(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	check := func(s cms.Store, wantTemp, wantCache int) {
		t.Helper()
		temp, cache, err := s.(*store.DB).WriterSettings(ctx)
		if err != nil || temp != wantTemp || cache != wantCache {
			t.Fatalf("temp_store %d, cache_size %d (%v); want %d, %d", temp, cache, err, wantTemp, wantCache)
		}
	}
	check(db, 0, -2000)
	for _, fail := range []error{nil, errors.New("the batch fails")} {
		err := db.Batch(ctx, func(s cms.Store) error {
			check(s, 2, -65536)
			return fail
		})
		if !errors.Is(err, fail) {
			t.Fatalf("batch: %v, want %v", err, fail)
		}
		check(db, 0, -2000)
	}
	// A run of batches (cms seed) keeps them from one batch to the next,
	// and gives them back when it is done, once however often it says so.
	done, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.Batch(ctx, func(s cms.Store) error { check(s, 2, -65536); return nil }); err != nil {
			t.Fatal(err)
		}
		check(db, 2, -65536)
	}
	done()
	check(db, 0, -2000)
	again, err := db.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if err := db.Batch(ctx, func(cms.Store) error { return nil }); err != nil {
		t.Fatal(err)
	}
	check(db, 2, -65536)
	again()
	check(db, 0, -2000)
}

// TestImportWriterSettings: an import turns the writing connection's
// foreign keys off (it checks them all at its end) and its statement
// journal to a file; the connection has its own settings back after it,
// committed or not.
func TestImportWriterSettings(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	for _, commit := range []bool{false, true} {
		im, err := db.BeginImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if commit {
			err = im.Commit(ctx)
		} else {
			im.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		on, err := db.WriterForeignKeys(ctx)
		temp, cache, err2 := db.WriterSettings(ctx)
		if err != nil || err2 != nil || !on || temp != 0 || cache != -2000 {
			t.Fatalf("after an import (commit %v): foreign keys %v, temp_store %d, cache_size %d (%v, %v); want true, 0, -2000",
				commit, on, temp, cache, err, err2)
		}
	}
}
