package cms_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
	"healthcms/workflow"
)

// TestBatch: the changes of a batch are stored together, read back inside
// it, and chain their audit events in order; a batch that fails stores
// nothing of itself and leaves the batches before it stored.
func TestBatch(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			slug := func(s string) *string { return &s }
			publish := func(ed *cms.Editor, s string) (*cms.Article, error) {
				a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Baricitinib " + s, Slug: slug(s),
					BodyHTML: `<p>Taken daily.<script>alert(1)</script></p>`})
				return n.publishWith(ed, a, err)
			}
			var first *cms.Article
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if first, err = publish(ed, "one"); err != nil {
					return err
				}
				_, err = publish(ed, "two")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			a, err := n.ed.Article(ctx, first.ID)
			if err != nil || a.State != "published" || a.Live == nil || a.Draft.BodyHTML != "<p>Taken daily.</p>" {
				t.Fatalf("after the batch: %+v %v", a, err)
			}
			// A batch whose second article takes a slug its first just
			// claimed fails, and its first article is not stored either.
			var third *cms.Article
			err = n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if third, err = publish(ed, "three"); err != nil {
					return err
				}
				_, err = publish(ed, "three")
				return err
			})
			if cms.ErrorCode(err) != cms.ECONFLICT {
				t.Fatalf("a batch taking one slug twice: %v, want ECONFLICT", err)
			}
			if _, err := n.ed.Article(ctx, third.ID); cms.ErrorCode(err) != cms.ENOTFOUND {
				t.Fatalf("the failed batch's first article: %v, want ENOTFOUND", err)
			}
			// An error of fn's own rolls the batch back too.
			boom := errors.New("boom")
			var fourth *cms.Article
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				var err error
				if fourth, err = publish(ed, "four"); err != nil {
					return err
				}
				return boom
			}); !errors.Is(err, boom) {
				t.Fatalf("batch: %v, want boom", err)
			}
			if _, err := n.ed.Article(ctx, fourth.ID); cms.ErrorCode(err) != cms.ENOTFOUND {
				t.Fatalf("the failed batch's article: %v, want ENOTFOUND", err)
			}
			if count, err := cms.VerifyAudit(ctx, n.db); err != nil || count != 8+3 {
				t.Fatalf("audit after batches: %d events, %v; want 11 verified", count, err)
			}
		})
	}
}

// TestBatchSearch: what a batch publishes, unpublishes and publishes
// again is found by search exactly as delivery has it once the batch
// commits (SQLite indexes a transaction's publications just before it
// commits, migration 00017), and the full-text indexes stay true to the
// live rows.
func TestBatchSearch(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			step := func(ed *cms.Editor, a *cms.Article, who *cms.User, action string) *cms.Article {
				t.Helper()
				a, err := ed.Transition(ctx, who, a.ID, a.Version, cms.TransitionInput{Action: action})
				if err != nil {
					t.Fatalf("%s: %v", action, err)
				}
				return a
			}
			publish := func(ed *cms.Editor, a *cms.Article) *cms.Article {
				t.Helper()
				return n.must(n.publishWith(ed, a, nil))
			}
			found := func(q string) []string {
				t.Helper()
				items, _, err := n.db.Search(ctx, cms.SearchQuery{Text: q, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				var slugs []string
				for _, it := range items {
					slugs = append(slugs, it.Slug)
				}
				return slugs
			}
			var alpha *cms.Article
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				for _, s := range []string{"alpha", "beta", "gamma"} {
					a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Apremilast " + s, BodyHTML: "<p>Taken with " + s + "food.</p>"})
					if err != nil {
						return err
					}
					a = publish(ed, a)
					switch s {
					case "alpha":
						alpha = a
					case "beta": // unpublished before it was ever indexed
						step(ed, a, n.editor, "unpublish")
					}
				}
				// Alpha changed and published again, in the same batch.
				a, err := ed.SaveArticle(ctx, n.writer, alpha.ID, alpha.Version, cms.DraftInput{Title: "Apremilast alpha",
					BodyHTML: "<p>Taken with breakfast.</p>"})
				if err != nil {
					return err
				}
				alpha = publish(ed, a)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]string{"apremilast": "apremilast-alpha apremilast-gamma", "breakfast": "apremilast-alpha",
				"alphafood": "", "betafood": "", "gammafood": "apremilast-gamma"} {
				if got := strings.Join(found(q), " "); got != want {
					t.Errorf("%q after the batch: %q, want %q", q, got, want)
				}
			}
			// A hit carries what the live row holds: the list's fields as a
			// delivery list shows them, and the text published last.
			hits, _, err := n.db.Search(ctx, cms.SearchQuery{Text: "apremilast", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			live, err := n.db.LiveArticles(ctx, cms.LiveQuery{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				i := slices.IndexFunc(live, func(l cms.LiveItem) bool { return l.ArticleID == h.ArticleID })
				if i < 0 {
					t.Fatalf("hit %s is not live", h.Slug)
				}
				want := live[i]
				want.Score, want.SearchKey, want.BodyText = h.Score, h.SearchKey, h.BodyText
				if !reflect.DeepEqual(h, want) {
					t.Errorf("hit %s differs from its live row: title %q, summary %q, summary_doc %s; live %q, %q, %s",
						h.Slug, h.Title, h.Summary, h.SummaryDoc, want.Title, want.Summary, want.SummaryDoc)
				}
				if text := map[string]string{"apremilast-alpha": "Taken with breakfast.", "apremilast-gamma": "Taken with gammafood."}[h.Slug]; h.BodyText != text {
					t.Errorf("hit %s has the text %q, want %q", h.Slug, h.BodyText, text)
				}
			}
			// Indexed articles leave the index when unpublished.
			step(n.ed, alpha, n.editor, "unpublish")
			if got := found("breakfast"); got != nil {
				t.Errorf("breakfast after unpublishing: %q", got)
			}
			if dialect == "sqlite" {
				storetest.Exec(t, n.url, `INSERT INTO live_search (live_search, rank) VALUES ('integrity-check', 1)`,
					`INSERT INTO live_search_head (live_search_head, rank) VALUES ('integrity-check', 1)`)
			}
		})
	}
}

// TestBatchGlossary: a batch reads the glossary once, yet an article it
// publishes after publishing a topic mentions that topic, and one
// published before does not.
func TestBatchGlossary(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			article := func(ed *cms.Editor, slug string) error {
				a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Living with Zeta syndrome", Slug: &slug,
					BodyHTML: "<p>Zeta syndrome flares in winter.</p>"})
				_, err = n.publishWith(ed, a, err)
				return err
			}
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				if err := article(ed, "before"); err != nil {
					return err
				}
				tp, err := ed.CreateTopic(ctx, n.editor, cms.TopicInput{Slug: "zeta", Name: "Zeta syndrome", Kind: "condition",
					Definition: "a made-up condition", DescriptionHTML: "<p>Made up.</p>"})
				for _, step := range []struct {
					who    *cms.User
					action string
				}{{n.editor, "submit"}, {n.reviewer, "approve"}, {n.editor, "publish"}} {
					if err == nil {
						tp, err = ed.TopicTransition(ctx, step.who, "zeta", tp.Version, cms.TransitionInput{Action: step.action})
					}
				}
				if err != nil {
					return err
				}
				return article(ed, "after")
			}); err != nil {
				t.Fatal(err)
			}
			for slug, want := range map[string]bool{"before": false, "after": true} {
				d, err := n.db.LiveArticle(ctx, slug, cms.LivePlain)
				if err != nil {
					t.Fatal(err)
				}
				var doc struct{ Mentions []cms.Mention }
				if err := json.Unmarshal(d.Document, &doc); err != nil {
					t.Fatal(err)
				}
				if got := len(doc.Mentions) == 1 && doc.Mentions[0].Slug == "zeta"; got != want {
					t.Errorf("%s: mentions %+v, want zeta: %v", slug, doc.Mentions, want)
				}
			}
		})
	}
}

// TestBatchGoroutines: goroutines sharing a batch's editor store all
// their changes together, in one transaction, with every audit chain
// intact; one that fails stores nothing of the batch.
func TestBatchGoroutines(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			// run publishes the titles from four goroutines in one batch.
			run := func(titles ...string) error {
				return n.ed.Batch(ctx, func(ed *cms.Editor) error {
					errs := make(chan error, len(titles))
					for _, title := range titles {
						go func() {
							slug := strings.ReplaceAll(strings.ToLower(title), " ", "-")
							a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: title, Slug: &slug,
								BodyHTML: "<p>" + title + " daily.</p>"})
							_, err = n.publishWith(ed, a, err)
							errs <- err
						}()
					}
					var first error
					for range titles {
						if err := <-errs; err != nil && first == nil {
							first = err
						}
					}
					return first
				})
			}
			var titles []string
			for i := range 12 {
				titles = append(titles, fmt.Sprintf("Tofacitinib %d", i))
			}
			if err := run(titles...); err != nil {
				t.Fatal(err)
			}
			items, err := n.db.LiveArticles(ctx, cms.LiveQuery{Limit: 100})
			if err != nil || len(items) != 12 {
				t.Fatalf("after the batch: %d live articles, %v; want 12", len(items), err)
			}
			// The second batch names a slug twice: one of its goroutines
			// fails, and none of its articles is stored.
			if err := run("Upadacitinib", "Filgotinib", "Upadacitinib"); cms.ErrorCode(err) != cms.ECONFLICT {
				t.Fatalf("a batch taking one slug twice: %v, want ECONFLICT", err)
			}
			if items, err := n.db.LiveArticles(ctx, cms.LiveQuery{Limit: 100}); err != nil || len(items) != 12 {
				t.Fatalf("after the failed batch: %d live articles, %v; want 12", len(items), err)
			}
			if count, err := cms.VerifyAudit(ctx, n.db); err != nil || count != 12*4+3 {
				t.Fatalf("audit after batches: %d events, %v; want 51 verified (four an article, three users)", count, err)
			}
		})
	}
}

// TestBatchWebhooks: a batch reads the webhooks once, yet a webhook
// created in it receives the changes after it and not those before, and
// one deleted in it receives none after.
func TestBatchWebhooks(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			n := openNewsroom(t, dialect)
			admin := &cms.User{ID: cms.NewID(), Name: "admin", Roles: []workflow.Role{workflow.RoleAdmin}}
			publish := func(ed *cms.Editor, slug string) error {
				a, err := ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Deucravacitinib " + slug, Slug: &slug,
					BodyHTML: "<p>Once daily.</p>"})
				_, err = n.publishWith(ed, a, err)
				return err
			}
			hooks := func(ed *cms.Editor) *cms.Webhooks { return &cms.Webhooks{Store: ed.Store.(cms.WebhookStore)} }
			var hook *cms.Webhook
			if err := n.ed.Batch(ctx, func(ed *cms.Editor) error {
				if err := publish(ed, "before"); err != nil {
					return err
				}
				var err error
				if hook, _, err = hooks(ed).Create(ctx, admin, cms.NewWebhook{URL: "https://example.com/hook",
					Events: []string{cms.HookArticlePublished}}); err != nil {
					return err
				}
				if err := publish(ed, "after"); err != nil {
					return err
				}
				if err := hooks(ed).Delete(ctx, admin, hook.ID); err != nil {
					return err
				}
				return publish(ed, "deleted")
			}); err != nil {
				t.Fatal(err)
			}
			ds, err := n.db.HookDeliveries(ctx, hook.ID, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || ds[0].Event != cms.HookArticlePublished {
				t.Fatalf("deliveries of the webhook created between two publications: %+v, want the second's only", ds)
			}
		})
	}
}
