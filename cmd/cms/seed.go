package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/workflow"
)

// seed fills a database with synthetic live articles for benchmarks: each
// is created, submitted, approved and published through the editor
// use-cases, so the data is exactly what the API would have written; only
// HTTP is skipped. Articles are stored in batches (cms.Editor.Batch): the
// four changes of each of --batch articles in one transaction, several
// articles at a time (see seedBatch).
func (e *env) seed(args []string) error {
	var articles, topics, batch int
	cfg, rest, err := e.flags("seed", args, func(fs *flag.FlagSet) {
		fs.IntVar(&articles, "articles", 1000, "how many live articles to add")
		fs.IntVar(&topics, "topics", 20, "how many topics to spread them over")
		fs.IntVar(&batch, "batch", 0, "how many articles to store per transaction (1: each change commits alone; 0: 1000 on SQLite, 250 on PostgreSQL)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 || articles < 0 || articles > 10_000_000 || topics < 1 || topics > 1000 || batch < 0 || batch > 10_000 {
		return usagef("usage: cms seed [--articles N (0..10000000)] [--topics K (1..1000)] [--batch B (0..10000)]")
	}
	db, err := e.openDB(cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	as := &auth.Service{Users: db, Tokens: db}
	// Synthetic articles are approved by one synthetic reviewer, whatever
	// CMS_REQUIRED_APPROVALS says: they are load for benchmarks.
	ed := &cms.Editor{Store: db, ReviewInterval: cfg.ReviewInterval}
	people, err := seedPeople(e.ctx, as)
	if err != nil {
		return err
	}
	for i := 1; i <= topics; i++ {
		// Topics reach readers only once reviewed and published, as
		// articles do: the seed people take each through the workflow.
		slug := fmt.Sprintf("topic-%d", i)
		t, err := ed.CreateTopic(e.ctx, people[2], cms.TopicInput{Slug: slug, Name: fmt.Sprintf("Topic %d", i),
			Definition: "a synthetic topic for benchmarks", DescriptionHTML: "<p>Synthetic topic for benchmarks.</p>"})
		if cms.ErrorCode(err) == cms.ECONFLICT {
			continue
		}
		for _, step := range []struct {
			who    *cms.User
			action string
		}{{people[2], "submit"}, {people[1], "approve"}, {people[2], "publish"}} {
			if err == nil {
				t, err = ed.TopicTransition(e.ctx, step.who, slug, t.Version, cms.TransitionInput{Action: step.action})
			}
		}
		if err != nil {
			return err
		}
	}
	// How many articles of a batch are written side by side (see
	// seedBatch), and how many batches: workers take batches of
	// consecutive articles. SQLite has one writer, so its batches take
	// turns, and four articles of each keep that writer busier than two
	// (3,000 articles 7-10% faster). PostgreSQL runs the workers'
	// transactions side by side, more than there are CPUs since each
	// spends much of its time waiting on the server, and one article at
	// a time in each of eight transactions seeded 10,000 articles in
	// 25.5-26.7 s, against 26.8-28.2 for two in each of four (and
	// 26.3-26.4 for two in each of six): the articles of one
	// transaction wait on each other's statements.
	perBatch, workers := 1, max(8, 2*runtime.NumCPU())
	if db.Dialect() == "sqlite" {
		perBatch, workers = 4, max(4, runtime.NumCPU())
	}
	// SQLite indexes a batch for search at its commit, one batch at a
	// time, and fewer, larger batches index faster (fewer segments to
	// write and merge): seeding 5,000 articles took 15.6-16.4 s in
	// batches of 1,000 against 18.2-19.0 in batches of 250, and 10,000
	// 29.0-31.7 s against 31.9-34.3 in batches of 500 (2,500: 30.0-30.2).
	// On PostgreSQL the workers' batches run side by side: smaller ones
	// keep them all busy.
	if batch == 0 {
		batch = 250
		if db.Dialect() == "sqlite" {
			batch = 1000
		}
	}
	loaded, err := db.BulkLoad(e.ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: the database could not be readied for a bulk load, so seeding is slower: %v\n", err)
	}
	defer loaded()
	// The collector ran often for the little the seed keeps: at GOGC=400
	// seeding 5,000 articles took 18.9 s rather than 21.2 (median of
	// three, alternated), for 202 MB of peak RSS rather than 160.
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	start := time.Now()
	var next, done atomic.Int64
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				last := next.Add(int64(batch))
				first := last - int64(batch) + 1
				last = min(last, int64(articles))
				if first > last || e.ctx.Err() != nil {
					return
				}
				err := ed.Batch(e.ctx, func(ed *cms.Editor) error {
					return seedBatch(e.ctx, ed, people, first, last, topics, perBatch)
				})
				if err != nil {
					select {
					case errs <- fmt.Errorf("%w (articles %d to %d not stored; %d others were)", err, first, last, done.Load()):
					default:
					}
					return
				}
				n := done.Add(last - first + 1)
				if n/1000 != (n-(last-first+1))/1000 || n == int64(articles) {
					fmt.Fprintf(e.stderr, "\rseeded %d/%d live articles (%.0f/s)", n, articles, float64(n)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	loaded() // part of the time: PostgreSQL merges its queued index entries
	fmt.Fprintln(e.stderr)
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Fprintf(e.stdout, "seeded %d live articles over %d topics in %s\n", done.Load(), topics, time.Since(start).Round(time.Second))
	return e.ctx.Err()
}

// seedBatch stores articles first to last in one batch. n goroutines
// share it, each taking the next article: while one's statements run
// on the batch's transaction, the others sanitize, render and
// compress. On SQLite, where one batch at a time can write, that is
// what keeps both CPUs busy.
func seedBatch(ctx context.Context, ed *cms.Editor, people [3]*cms.User, first, last int64, topics, n int) error {
	var g errgroup.Group
	g.SetLimit(n)
	for i := first; i <= last; i++ {
		// After a failure every change of the batch fails at once (the
		// batch is rolled back), so the rest cost little; Wait returns
		// the first error.
		g.Go(func() error {
			if err := seedArticle1(ctx, ed, people, int(i), topics); err != nil {
				return fmt.Errorf("article %d: %w", i, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// seedPeople finds or makes the writer, reviewer and editor that seeded
// articles are written, reviewed and published by.
func seedPeople(ctx context.Context, as *auth.Service) ([3]*cms.User, error) {
	var out [3]*cms.User
	for i, p := range []struct {
		email, name, creds string
		role               workflow.Role
	}{
		{"seed-writer@example.com", "Seed Writer", "", workflow.RoleWriter},
		{"seed-reviewer@example.com", "Seed Reviewer", "MD", workflow.RoleReviewer},
		{"seed-editor@example.com", "Seed Editor", "", workflow.RoleEditor},
	} {
		u, _, err := as.Users.UserByEmail(ctx, p.email)
		if cms.ErrorCode(err) == cms.ENOTFOUND {
			u, err = as.CreateUser(ctx, cms.CommandLine(), cms.NewUser{Email: p.email, Name: p.name, Password: auth.GeneratePassword(),
				Roles: []workflow.Role{p.role}, Credentials: p.creds})
		}
		if err != nil {
			return out, err
		}
		out[i] = u
	}
	return out, nil
}

// seedWords are what synthetic articles are made of.
var seedWords = strings.Fields(`patients treatment dose daily tablet infection risk blood pressure
	inflammation joint skin gut immune response kinase inhibitor therapy trial placebo efficacy safety
	monitoring liver kidney vaccine shingles herpes zoster cholesterol platelets lymphocytes neutrophils
	rheumatoid arthritis psoriasis colitis alopecia eczema baricitinib tofacitinib upadacitinib
	interaction clearance pregnancy breastfeeding elderly smoking heart clot thrombosis malignancy
	remission relapse flare symptoms fatigue pain swelling stiffness rash hair loss diarrhoea`)

// seedVocabulary is seedWords followed by made-up words, drawn with a
// Zipf distribution as real text is, so that search terms range from very
// common to rare.
var seedVocabulary = func() []string {
	v := append([]string{}, seedWords...)
	for i := 0; i < 20000; i++ {
		v = append(v, fmt.Sprintf("%c%c%c%s%d", 'a'+i%26, 'a'+(i/26)%26, 'a'+(i/676)%26, "ex", i))
	}
	return v
}()

// seedCompound is the code of an investigational compound article i
// alone mentions (as articles cite development codes like LY3009104): a
// rare word, in one article at every size, for the benchmark's rare-word
// searches (bench/run.sh). Eight characters, the longest a search word
// is matched on (cms.MaxPrefixLen), ending in a digit, so that no ending
// is taken off it (cms.SearchTerms): a search for it finds only it.
func seedCompound(i int) string {
	return fmt.Sprintf("ZX%05s%d", strings.ToUpper(strconv.FormatInt(int64(i/10), 36)), i%10)
}

func seedArticle1(ctx context.Context, ed *cms.Editor, people [3]*cms.User, i, topics int) error {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(seedVocabulary)-1))
	words := func(n int) string {
		w := make([]string, n)
		for j := range w {
			w[j] = seedVocabulary[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	var body strings.Builder
	for s := 0; s < 4; s++ {
		fmt.Fprintf(&body, "<h2>%s</h2>", words(3))
		for p := 0; p < 3; p++ {
			fmt.Fprintf(&body, "<p>%s.</p>", words(60))
		}
	}
	fmt.Fprintf(&body, "<p>Investigational compound %s.</p>", seedCompound(i))
	ts := []string{fmt.Sprintf("topic-%d", 1+i%topics)}
	if topics > 1 && i%3 == 0 {
		ts = append(ts, fmt.Sprintf("topic-%d", 1+(i/3)%topics))
	}
	a, err := ed.CreateArticle(ctx, people[0], cms.DraftInput{Title: fmt.Sprintf("Article %d: %s", i, words(5)),
		Summary: words(25) + ".", BodyHTML: body.String(), Topics: ts,
		References: []cms.Reference{{Title: "Reference " + words(4), URL: fmt.Sprintf("https://pubmed.ncbi.nlm.nih.gov/%d/", 10000000+i), PMID: fmt.Sprint(10000000 + i)}}})
	if err != nil {
		return err
	}
	for _, step := range []struct {
		who    *cms.User
		action string
	}{{people[0], "submit"}, {people[1], "approve"}, {people[2], "publish"}} {
		if a, err = ed.Transition(ctx, step.who, a.ID, a.Version, cms.TransitionInput{Action: step.action}); err != nil {
			return err
		}
	}
	return nil
}
