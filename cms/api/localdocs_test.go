package api_test

import (
	"bytes"
	"testing"
	"time"

	"healthcms/cms/api"
	"healthcms/cms/store/storetest"
)

// A server that keeps local documents (CMS_LOCAL_DOCUMENTS_DIR), its
// cache off so that every request is a miss, answers what another server
// (or a command) publishes, changes and unpublishes: once it has answered
// a change it never answers what came before it, and once caught up it
// answers from its file again.
func TestLocalDocumentsHearOtherServers(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := storetest.URL(t, d)
			local := newEnvOn(t, storetest.OpenURL(t, u), func(s *api.Server) { s.CacheBytes = 0 })
			if err := local.db.ListenChanges(t.Context(), local.api.Log); err != nil {
				t.Fatal(err)
			}
			other := newEnvOn(t, storetest.OpenURL(t, u))
			a := other.publish("Quuxinib dosing", "body_html", "<p>Taken with glorpwater.</p>")
			if _, err := local.db.KeepLocalDocuments(t.Context(), t.TempDir(), local.api.Log); err != nil {
				t.Fatal(err)
			}
			path := delivery + "/articles/" + a["slug"].(string)
			reads := func() uint64 { s, _ := local.db.LocalDocumentsStats(); return s.Reads }
			// answers wants every answer from now on to be status with
			// text in it, until the file has answered one.
			answers := func(status int, text string) {
				t.Helper()
				r0 := reads()
				for start := time.Now(); reads() == r0; time.Sleep(5 * time.Millisecond) {
					if time.Since(start) > 5*time.Second {
						t.Fatalf("the local documents answered nothing in 5 s: %+v", r0)
					}
					r := local.do("GET", path, "", nil)
					if r.Status != status || !bytes.Contains(r.Body, []byte(text)) {
						t.Fatalf("%d %s, want %d with %q", r.Status, r.Body, status, text)
					}
				}
			}
			answers(200, "glorpwater")

			a = republish(other, a, "Quuxinib, revised")
			waitFor(t, "the new version", func() bool {
				return bytes.Contains(local.do("GET", path, "", nil).want(200).Body, []byte("Body of Quuxinib, revised"))
			})
			answers(200, "Body of Quuxinib, revised")

			other.act("editor", a, "unpublish").want(200)
			waitFor(t, "the unpublication", func() bool { return local.do("GET", path, "", nil).Status == 404 })
			r0 := reads()
			for range 20 {
				local.do("GET", path, "", nil).want(404)
			}
			// An unpublished article is not in the file: the database
			// answers.
			if reads() != r0 {
				t.Fatalf("the local documents answered for an unpublished article")
			}
		})
	}
}
