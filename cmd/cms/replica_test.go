package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// TestServeWithReadReplica: cms serve with CMS_DATABASE_READ_URL serves
// what `cms seed` (another process) published on the primary, and its
// metrics show delivery reading from the replica once it has replayed it.
func TestServeWithReadReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters")
	}
	primary := storetest.NewCluster(t)
	replica := primary.Replica()
	if code, _, stderr := run(t, map[string]string{"CMS_DATABASE_URL": primary.URL}, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": primary.URL, "CMS_DATABASE_READ_URL": replica.URL,
		"CMS_ADMIN_PASSWORD": "a long admin password"})
	if code, _, stderr := run(t, map[string]string{"CMS_DATABASE_URL": primary.URL}, "seed", "--articles", "3", "--topics", "1"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	get := func(path string) string {
		t.Helper()
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		return string(b)
	}
	items := func(path string) int {
		var m struct{ Items []any }
		json.Unmarshal([]byte(get(path)), &m)
		return len(m.Items)
	}
	// The seed's notification reaches the server a moment after the seed
	// exits; until then the server may answer from before it.
	for deadline := time.Now().Add(10 * time.Second); items("/api/v1/delivery/articles") != 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the list after seeding has %d articles, want 3", items("/api/v1/delivery/articles"))
		}
	}
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(get("/metrics"), "\ncms_read_replica_in_use 1\n"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica never came into use: %s", get("/metrics"))
		}
	}
	if n := items("/api/v1/delivery/articles?limit=2"); n != 2 {
		t.Fatalf("a list from the replica has %d articles, want 2", n)
	}
	m := regexp.MustCompile(`cms_delivery_database_reads_total\{database="replica"\} (\d+)`).FindStringSubmatch(get("/metrics"))
	if m == nil || m[1] == "0" {
		t.Fatalf("no delivery read counted on the replica: %v", m)
	}
	// An article's miss reads its document in a batch query.
	var list struct{ Items []struct{ Slug string } }
	if err := json.Unmarshal([]byte(get("/api/v1/delivery/articles")), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("the list: %v %v", list, err)
	}
	get("/api/v1/delivery/articles/" + list.Items[0].Slug)
	if m := get("/metrics"); !regexp.MustCompile(`\ncms_delivery_batch_documents_total [1-9]`).MatchString(m) ||
		!regexp.MustCompile(`\ncms_delivery_batch_reads_total [1-9]`).MatchString(m) {
		t.Errorf("a miss was not counted in the batch reads' metrics")
	}
	for _, want := range []string{`cms_delivery_database_reads_total{database="primary"}`, "cms_read_replica_lag_bytes",
		`go_sql_open_connections{db_name="replica"}`} {
		if !strings.Contains(get("/metrics"), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
