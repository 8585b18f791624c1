package cms_test

import (
	"fmt"
	"strings"
	"testing"

	"healthcms/cms"
	"healthcms/cms/store/storetest"
)

// body100KB is a realistic article body of about 100 KB: headings,
// paragraphs, a dosage table and citation links.
var body100KB = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, `<h2 id="sec-%d">Section %d</h2><p>Baricitinib is an oral <abbr title="Janus kinase">JAK</abbr> inhibitor; `+
			`in trials, 41%% vs 18%% reached ACR20 (p&lt;0.001).<sup><a href="#ref-%d">%d</a></sup> Monitor lymphocytes, `+
			`neutrophils and lipids.</p><table><caption>Dosing</caption><thead><tr><th scope="col">Dose</th><th scope="col">eGFR</th></tr></thead>`+
			`<tbody><tr><td>4 mg</td><td>≥ 60</td></tr><tr><td>2 mg</td><td>30–60</td></tr></tbody></table>`+
			`<p>See <a href="https://pubmed.ncbi.nlm.nih.gov/%d/">the trial</a>.</p>`, i, i, i, i, 28199814+i)
	}
	return b.String()
}()

// BenchmarkSaveDraft100KB measures one save of a 100 KB body through the
// editor use-case: validation, sanitizing, hashing and the transaction
// (revision, article row, topics, audit event), on each database.
func BenchmarkSaveDraft100KB(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			n := openNewsroom(b, d)
			a, err := n.ed.CreateArticle(ctx, n.writer, cms.DraftInput{Title: "Benchmark", BodyHTML: body100KB})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body100KB)))
			i := 0
			for b.Loop() {
				i++
				// A small change each time, so every save is a new hash.
				body := body100KB + fmt.Sprintf("<p>Edit %d.</p>", i)
				if a, err = n.ed.SaveArticle(ctx, n.writer, a.ID, a.Version, cms.DraftInput{Title: "Benchmark", BodyHTML: body}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
