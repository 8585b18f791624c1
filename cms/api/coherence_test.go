package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"testing"
	"time"

	"healthcms/cms/store/storetest"
)

// TestSQLiteOtherWriterPurgesCache: a command writing to the SQLite file
// of a running server (another process, here another pool on the file)
// does not leave the server's delivery cache stale.
func TestSQLiteOtherWriterPurgesCache(t *testing.T) {
	dbURL := storetest.URL(t, "sqlite")
	server := newEnvOn(t, storetest.OpenURL(t, dbURL))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := server.db.ListenChanges(ctx, slog.Default()); err != nil {
		t.Fatal(err)
	}
	server.publish("Before")
	list := func() []string {
		s, _ := slugs(t, server.do("GET", delivery+"/articles", "", nil))
		return s
	}
	list()
	if got := list(); len(got) != 1 { // served from the cache now
		t.Fatalf("list: %v", got)
	}

	command := newEnvOn(t, storetest.OpenURL(t, dbURL))
	after := command.publish("After")["slug"].(string)
	start := time.Now()
	for !slices.Contains(list(), after) {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the server still serves %v, without %s", list(), after)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("the server showed the other process's publication after %v", time.Since(start).Round(time.Millisecond))
}

// TestGlossaryFollowsOtherWriters: a listening server keeps the glossary
// (the published topics a search names) in memory, and forgets it when
// another process publishes or unpublishes a topic; once it stops
// listening it reads the database every time. Each search asks a new
// text, so that no answer comes from the answer cache.
func TestGlossaryFollowsOtherWriters(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.URL(t, d)
			server := newEnvOn(t, storetest.OpenURL(t, dbURL))
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			if err := server.db.ListenChanges(ctx, slog.Default()); err != nil {
				t.Fatal(err)
			}
			n := 0
			named := func(words string) []string {
				n++
				q := url.Values{"q": {fmt.Sprintf("%s %d", words, n)}}
				return topicSlugs(t, server.do("GET", delivery+"/search?"+q.Encode(), "", nil), "topics")
			}
			if got := named("alopecia areata"); len(got) != 0 {
				t.Fatalf("topics before any was published: %v", got)
			}
			command := newEnvOn(t, storetest.OpenURL(t, dbURL))
			aa := command.topic("aa", "Alopecia areata")
			waitFor(t, "the server to name the topic another process published", func() bool {
				return slices.Equal(named("alopecia areata"), []string{"aa"})
			})
			command.topicAct("editor", aa, "unpublish").want(200)
			waitFor(t, "the server to stop naming the topic another process unpublished", func() bool {
				return len(named("alopecia areata")) == 0
			})

			cancel()
			time.Sleep(50 * time.Millisecond) // the listener stops
			named("alopecia areata")
			command.topic("ps", "Psoriasis")
			if got := named("psoriasis"); !slices.Equal(got, []string{"ps"}) {
				t.Fatalf("a server that no longer listens names %v, want the topic just published", got)
			}
		})
	}
}
