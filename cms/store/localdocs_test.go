package store_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
)

// A server's local documents answer delivery's misses with the bytes the
// database holds, plain and compressed; after a change they answer
// nothing older than it (the database does, until they catch up); the
// file they are kept in is not left in its directory, and is rewritten
// once most of it is documents no longer live.
func TestLocalDocuments(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, d)
			people := bulkPeople(t, db)
			ed := &cms.Editor{Store: db}
			var live []*cms.Article
			for i := range 6 {
				body := strings.Repeat(fmt.Sprintf("<p>Dose %d: take it with food. </p>", i), 40+i)
				a, err := advance(ed, people, nil, cms.DraftInput{Title: fmt.Sprintf("Tofacitinib %d", i),
					Summary: "A JAK inhibitor.", BodyHTML: body}, "submit", "approve", "publish")
				if err != nil {
					t.Fatal(err)
				}
				live = append(live, a)
			}
			// Published before compressed copies were kept: the plain
			// copy answers a gzip read, as from the database.
			if err := db.ForgetCompressedDocuments(ctx); err != nil {
				t.Fatal(err)
			}
			old, err := advance(ed, people, nil, cms.DraftInput{Title: "Baricitinib", Summary: "Another.",
				BodyHTML: "<p>Once a day.</p>"}, "submit", "approve", "publish")
			if err != nil {
				t.Fatal(err)
			}
			live = append(live, old)

			dir := t.TempDir()
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
			n, err := db.KeepLocalDocuments(ctx, dir, log)
			if err != nil || n != len(live) {
				t.Fatalf("kept %d documents, %v; want %d", n, err, len(live))
			}
			if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
				t.Fatalf("the directory holds %v (%v); want nothing", ents, err)
			}
			stats := func() store.LocalDocumentsStats { t.Helper(); return localStats(t, db) }
			// same reads slug's two copies and its ETag through delivery
			// and wants what the database answers, and reports whether
			// the file answered all three.
			same := func(slug string) bool {
				t.Helper()
				before := stats().Reads
				for _, c := range []cms.LiveCopy{cms.LivePlain, cms.LiveGzip} {
					got, gerr := db.Delivery().LiveArticle(ctx, slug, c)
					want, werr := db.LiveArticle(ctx, slug, c)
					if werr != nil {
						if cms.ErrorCode(gerr) != cms.ENOTFOUND || cms.ErrorCode(werr) != cms.ENOTFOUND {
							t.Fatalf("%s, copy %d: %v, the database %v", slug, c, gerr, werr)
						}
						continue
					}
					if gerr != nil {
						t.Fatalf("%s, copy %d: %v", slug, c, gerr)
					}
					if got.Slug != want.Slug || got.ETag != want.ETag || got.Length != want.Length ||
						!bytes.Equal(got.Document, want.Document) || !bytes.Equal(got.DocumentGz, want.DocumentGz) {
						t.Fatalf("%s, copy %d: %s %s %d, %d+%d bytes; the database: %s %s %d, %d+%d bytes", slug, c,
							got.Slug, got.ETag, got.Length, len(got.Document), len(got.DocumentGz),
							want.Slug, want.ETag, want.Length, len(want.Document), len(want.DocumentGz))
					}
				}
				got, gerr := db.Delivery().LiveETag(ctx, slug)
				want, werr := db.LiveETag(ctx, slug)
				if got != want || cms.ErrorCode(gerr) != cms.ErrorCode(werr) {
					t.Fatalf("%s: ETag %q, %v; the database: %q, %v", slug, got, gerr, want, werr)
				}
				return stats().Reads == before+3
			}
			caughtUp := func(catchUps uint64) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for stats().CatchUps < catchUps {
					if time.Now().After(deadline) {
						t.Fatalf("no catch-up: %+v", stats())
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			for _, a := range live {
				if !same(a.Slug) {
					t.Fatalf("%s: not answered from the file: %+v", a.Slug, stats())
				}
			}
			if same("no-such-article") {
				t.Fatal("an unknown slug answered from the file")
			}

			// A new version: the database answers the first miss after
			// it (the file is behind) and sets a catch-up going; then
			// the file answers, with the new version.
			s0 := stats()
			a, err := advance(ed, people, live[0], cms.DraftInput{Title: "Tofacitinib 0", Summary: "Revised.",
				BodyHTML: "<p>Revised: take it twice a day.</p>"}, "submit", "approve", "publish")
			if err != nil {
				t.Fatal(err)
			}
			live[0] = a
			if same(a.Slug) {
				t.Fatal("the file answered before it caught up with a new version")
			}
			caughtUp(s0.CatchUps + 1)
			if !same(a.Slug) {
				t.Fatalf("not answered from the file after it caught up: %+v", stats())
			}
			doc, err := db.Delivery().LiveArticle(ctx, a.Slug, cms.LivePlain)
			if err != nil || !bytes.Contains(doc.Document, []byte("twice a day")) {
				t.Fatalf("the new version: %s, %v", doc.Document, err)
			}

			// Unpublished: not found, by the database, and the file
			// drops it.
			s1 := stats()
			if live[1], err = advance(ed, people, live[1], cms.DraftInput{}, "unpublish"); err != nil {
				t.Fatal(err)
			}
			same(live[1].Slug)
			caughtUp(s1.CatchUps + 1)
			if same(live[1].Slug) || stats().Articles != len(live)-1 {
				t.Fatalf("after an unpublication: %+v", stats())
			}

			// New versions until the old ones take most of the file: it
			// is rewritten, smaller, and answers as before.
			db.SetLocalCompactSlack(0)
			grown := stats().FileBytes
			for i := 0; stats().FileBytes >= grown; i++ {
				if i == 30 {
					t.Fatalf("the file was not rewritten: %+v", stats())
				}
				s := stats()
				if live[2], err = advance(ed, people, live[2], cms.DraftInput{Title: "Tofacitinib 2", Summary: "Again.",
					BodyHTML: strings.Repeat(fmt.Sprintf("<p>Version %d. </p>", i), 50)}, "submit", "approve", "publish"); err != nil {
					t.Fatal(err)
				}
				same(live[2].Slug)
				grown = max(grown, s.FileBytes)
				caughtUp(s.CatchUps + 1)
			}
			for i, a := range live {
				if answered := same(a.Slug); answered != (i != 1) {
					t.Fatalf("%s after the rewrite: answered from the file %v", a.Slug, answered)
				}
			}
		})
	}
}

// localStats returns what db's local documents hold and did; the test
// fails when it keeps none.
func localStats(t *testing.T, db *store.DB) store.LocalDocumentsStats {
	t.Helper()
	s, ok := db.LocalDocumentsStats()
	if !ok {
		t.Fatal("no local documents")
	}
	return s
}

// advance saves in as a new revision of a (a new article when a is nil,
// an unchanged one when in is empty) and takes it through actions, each
// by the one of people whose step it is.
func advance(ed *cms.Editor, people [3]*cms.User, a *cms.Article, in cms.DraftInput, actions ...string) (*cms.Article, error) {
	var err error
	switch {
	case a == nil:
		a, err = ed.CreateArticle(ctx, people[0], in)
	case in.Title != "":
		a, err = ed.SaveArticle(ctx, people[0], a.ID, a.Version, in)
	}
	by := map[string]*cms.User{"submit": people[0], "approve": people[1]}
	for _, action := range actions {
		if err != nil {
			return nil, err
		}
		who := by[action]
		if who == nil {
			who = people[2]
		}
		a, err = ed.Transition(ctx, who, a.ID, a.Version, cms.TransitionInput{Action: action})
	}
	return a, err
}
