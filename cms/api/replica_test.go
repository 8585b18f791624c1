package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"testing"
	"time"

	"healthcms/cms/api"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// replicaSetup is a private primary, a streaming replica of it made by
// pg_basebackup, and the migrated schema on both.
type replicaSetup struct {
	primary, replica *storetest.Cluster
}

func newReplicaSetup(t *testing.T) *replicaSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters")
	}
	s := &replicaSetup{primary: storetest.NewCluster(t)}
	s.replica = s.primary.Replica()
	return s
}

// server starts an API server on the primary whose delivery reads go to
// the replica, listening for other servers' changes as cms serve does.
func (s *replicaSetup) server(t *testing.T) (*env, *store.DB) {
	t.Helper()
	db := storetest.OpenURL(t, s.primary.URL)
	if err := db.UseReplica(s.replica.URL, slog.New(slog.NewTextHandler(testLog{t}, nil))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := db.ListenChanges(ctx, slog.Default()); err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, db, func(s *api.Server) { s.Delivery = db.Delivery() }), db
}

// replicaTitle is the title live at slug on the replica itself, "" when
// none: what a server reading it would serve.
func (s *replicaSetup) replicaTitle(t *testing.T, slug string) string {
	t.Helper()
	db, err := sql.Open("postgres", s.replica.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var title string
	if err := db.QueryRow(`SELECT title FROM live_articles WHERE slug = $1`, slug).Scan(&title); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return title
}

// waitReplicaHas waits until the replica itself serves title at slug: a
// server's waitInUse covers only the changes it has been told of, and a
// reading server may not yet have been told of another's write.
func (s *replicaSetup) waitReplicaHas(t *testing.T, slug, title string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for s.replicaTitle(t, slug) != title {
		if time.Now().After(deadline) {
			t.Fatalf("the replica never replayed %q", title)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *replicaSetup) pauseReplay(t *testing.T) {
	t.Helper()
	storetest.Exec(t, s.replica.URL, `SELECT pg_wal_replay_pause()`)
}

func (s *replicaSetup) resumeReplay(t *testing.T) {
	t.Helper()
	storetest.Exec(t, s.replica.URL, `SELECT pg_wal_replay_resume()`)
}

// waitInUse waits until the server reads delivery from the replica again:
// it has replayed every change the server knows of. This waits for the
// replica; it times nothing.
func waitInUse(t *testing.T, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if st, _ := db.ReplicaStats(); st.InUse {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica was not in use again within 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// listFromReplica fails unless a cache miss of delivery's list, once the
// replica is in use, reads the replica and finds the titles want. The
// server may hear a NOTIFY of its own last change after the replica came
// into use, and then reads the primary until it has learned that
// change's position again: so each try, up to 20, is a new URL (limit
// first, first+1, …), a new miss.
func listFromReplica(t *testing.T, e *env, db *store.DB, first int, want ...string) {
	t.Helper()
	for try := 0; ; try++ {
		waitInUse(t, db)
		before, _ := db.ReplicaStats()
		if got := listTitles(e, first+try); !slices.Equal(got, want) {
			t.Fatalf("list from the replica: %v, want %v", got, want)
		}
		after, _ := db.ReplicaStats()
		if after.ReplicaReads > before.ReplicaReads {
			return
		}
		if try == 20 {
			t.Fatalf("no cache miss with the replica in use read it in 20 tries: %+v then %+v", before, after)
		}
	}
}

func republish(e *env, a map[string]any, title string) map[string]any {
	e.t.Helper()
	a = e.save("writer", a, draft(title)).want(200).json()
	a = e.act("writer", a, "submit").want(200).json()
	a = e.act("reviewer", a, "approve").want(200).json()
	return e.act("editor", a, "publish").want(200).json()
}

func deliveredTitle(e *env, slug string) string {
	e.t.Helper()
	return e.delivered(slug).want(200).json()["title"].(string)
}

// listTitles is the first page of delivery's list with the given limit:
// each limit is a URL of its own, so a new one is a cache miss that
// must reach a database.
func listTitles(e *env, limit int) []string {
	e.t.Helper()
	m := e.do("GET", fmt.Sprintf("%s/articles?limit=%d", delivery, limit), "", nil).want(200).json()
	var out []string
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any)["title"].(string))
	}
	return out
}

// TestReadReplicaOwnWrites: a server whose delivery reads go to a
// streaming replica serves its own publications at once, from the
// primary, while the replica has not replayed them (replay paused), and
// never caches the replica's older answer; once replay resumes, delivery
// reads go to the replica again. With the replica down, delivery reads
// go to the primary.
func TestReadReplicaOwnWrites(t *testing.T) {
	s := newReplicaSetup(t)
	e, db := s.server(t)

	a := e.publish("Baricitinib, first version")
	slug := a["slug"].(string)
	if got := deliveredTitle(e, slug); got != "Baricitinib, first version" {
		t.Fatalf("delivered %q", got)
	}
	listFromReplica(t, e, db, 30, "Baricitinib, first version")

	s.pauseReplay(t)
	a = republish(e, a, "Baricitinib, second version")
	if got := s.replicaTitle(t, slug); got != "Baricitinib, first version" {
		t.Fatalf("the paused replica has %q: the test cannot tell stale from fresh", got)
	}
	for i := 0; i < 3; i++ { // a miss, then hits of what it cached
		if got := deliveredTitle(e, slug); got != "Baricitinib, second version" {
			t.Fatalf("after its own publication the server served %q", got)
		}
	}
	if got := listTitles(e, 4); len(got) != 1 || got[0] != "Baricitinib, second version" {
		t.Fatalf("a new list after the publication: %v", got)
	}
	if st, _ := db.ReplicaStats(); st.InUse {
		t.Fatalf("the replica is in use while it lacks a change: %+v", st)
	}

	e.act("editor", a, "unpublish").want(200)
	e.delivered(slug).problem(404)
	if got := listTitles(e, 5); len(got) != 0 {
		t.Fatalf("a list after unpublishing: %v", got)
	}

	s.resumeReplay(t)
	waitInUse(t, db)
	e.delivered(slug).problem(404)
	listFromReplica(t, e, db, 60)

	// The replica down: delivery reads go to the primary, and it comes
	// back into use when the replica does.
	b := e.publish("Tofacitinib")["slug"].(string)
	waitInUse(t, db)
	s.replica.Stop("immediate")
	if got := deliveredTitle(e, b); got != "Tofacitinib" {
		t.Fatalf("with the replica down: %q", got)
	}
	if got := listTitles(e, 7); len(got) != 1 {
		t.Fatalf("a list with the replica down: %v", got)
	}
	s.replica.Start()
	waitInUse(t, db)
	if got := listTitles(e, 8); len(got) != 1 || got[0] != "Tofacitinib" {
		t.Fatalf("a list with the replica back: %v", got)
	}
}

// TestReadReplicaOtherServersChange: one server writes on the primary; a
// second only reads, through the replica. Once the second has been told
// of a change (its cache answers the new version), it never serves the
// old one again, not even for answers it had not cached, although the
// replica (replay paused) still holds the old one. Once replay resumes,
// its reads go to the replica again.
func TestReadReplicaOtherServersChange(t *testing.T) {
	s := newReplicaSetup(t)
	writer := newEnvOn(t, storetest.OpenURL(t, s.primary.URL))
	reader, db := s.server(t)
	// A second reader keeps the search index in memory: it must not catch
	// up from the paused replica either.
	indexed, _ := s.server(t)
	keepIndex(indexed)

	a := writer.publish("Upadacitinib, first version")
	slug := a["slug"].(string)
	// The reader may not have been told of the write yet, and then reads
	// the replica at once: wait for the replica itself.
	s.waitReplicaHas(t, slug, "Upadacitinib, first version")
	waitInUse(t, db)
	if got := deliveredTitle(reader, slug); got != "Upadacitinib, first version" {
		t.Fatalf("the reader served %q", got)
	}
	listTitles(reader, 3) // cached

	s.pauseReplay(t)
	a = republish(writer, a, "Upadacitinib, second version")
	deadline := time.Now().Add(30 * time.Second)
	for deliveredTitle(reader, slug) != "Upadacitinib, second version" { // the cached first version, until the notification
		if time.Now().After(deadline) {
			t.Fatal("the reader never served the second version")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.replicaTitle(t, slug); got != "Upadacitinib, first version" {
		t.Fatalf("the paused replica has %q: the test cannot tell stale from fresh", got)
	}
	for limit := 3; limit < 10; limit++ { // the cached one, then new misses
		if got := listTitles(reader, limit); len(got) != 1 || got[0] != "Upadacitinib, second version" {
			t.Fatalf("limit %d: after the notification the reader served %v", limit, got)
		}
		if got := deliveredTitle(reader, slug); got != "Upadacitinib, second version" {
			t.Fatalf("after the notification the reader served %q", got)
		}
	}
	q := "/api/v1/delivery/search?q=" + url.QueryEscape("Upadacitinib")
	for _, r := range []*env{reader, indexed} {
		if m := r.do("GET", q, "", nil).want(200).json(); len(m["items"].([]any)) != 1 ||
			m["items"].([]any)[0].(map[string]any)["title"] != "Upadacitinib, second version" {
			t.Fatalf("search on the reader: %v", m)
		}
	}
	if st, _ := indexed.db.SearchIndexStats(); st.Searches != 1 {
		t.Fatalf("the index answered %d searches, want 1", st.Searches)
	}

	s.resumeReplay(t)
	waitInUse(t, db)
	before, _ := db.ReplicaStats()
	if got := listTitles(reader, 11); len(got) != 1 || got[0] != "Upadacitinib, second version" {
		t.Fatalf("from the replica after replay resumed: %v", got)
	}
	if after, _ := db.ReplicaStats(); after.ReplicaReads <= before.ReplicaReads {
		t.Fatalf("with replay resumed, the reader did not read the replica: %+v then %+v", before, after)
	}
}
