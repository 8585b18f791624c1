package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"healthcms/cms"
)

// LiveArticle is one indexed lookup of the live row by its slug; only a
// slug that is not live (an old one) costs a second lookup, through every
// slug the article had. Both are prepared once: on the hot path neither
// database parses or plans them again. It reads the one copy of the
// document c asks for: on PostgreSQL each is stored out of line, and
// reading both cost a miss half as much again (issue 13). On PostgreSQL
// the live row is read in one query with those of the other misses of
// the moment (see liveBatch).
func (db *DB) LiveArticle(ctx context.Context, slug string, c cms.LiveCopy) (*cms.LiveDocument, error) {
	return db.liveArticle(ctx, db.primarySource(), slug, c)
}

func (db *DB) liveArticle(ctx context.Context, src source, slug string, c cms.LiveCopy) (*cms.LiveDocument, error) {
	lookups := []*stmt{&src.stmts.liveBySlug, &src.stmts.liveByOldSlug}
	if c == cms.LiveGzip {
		lookups = []*stmt{&src.stmts.liveGzBySlug, &src.stmts.liveGzByOldSlug}
	}
	if db.d.name == "postgres" {
		// The live row with the other misses of the moment (see
		// liveBatch); an old slug's alone.
		d, err := src.stmts.batch.read(ctx, db, src, slug, c)
		if !errors.Is(err, errNotLive) {
			return d, err
		}
		lookups = lookups[1:]
	}
	ctx = db.pointRead(ctx)
	// Plain database/sql scans: sqlx's reflection over a struct cost
	// more than the rest of the Go side of the read.
	var d cms.LiveDocument
	scan := func(st *sqlx.Stmt) error {
		return scanLive(st.QueryRowContext(ctx, slug).Scan, &d, c == cms.LiveGzip)
	}
	err := sql.ErrNoRows
	for _, p := range lookups {
		st, perr := db.prepared(ctx, src, p)
		if perr != nil {
			return nil, perr
		}
		if err = scan(st); !errors.Is(err, sql.ErrNoRows) {
			break
		}
	}
	if err != nil {
		return nil, notFound(err, "article")
	}
	return &d, nil
}

// pointRead returns the context for a read of one row by a key, which
// on SQLite does without ctx's cancellation: modernc's driver watches a
// cancelable context with a goroutine and a progress handler per
// statement, which cost a miss 10-20% of its rate at 100,000 articles
// (issue 13). Such a read ends in microseconds, and a wait for a lock,
// rare for a reader of a WAL database, ends at the busy timeout.
func (db *DB) pointRead(ctx context.Context) context.Context {
	if db.d.name == "sqlite" {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// scanLive scans a live row into d: slug, document and etag, or with gz
// the columns liveGzCols names.
func scanLive(scan func(dest ...any) error, d *cms.LiveDocument, gz bool) error {
	if gz {
		var length int64
		err := scan(&d.Slug, &d.DocumentGz, &d.Document, &length, &d.ETag)
		d.Length = int(length)
		return err
	}
	err := scan(&d.Slug, &d.Document, &d.ETag)
	d.Length = len(d.Document)
	return err
}

// LiveETag reads only the validator of a live article, so a revalidation
// that matches costs no document read.
func (db *DB) LiveETag(ctx context.Context, slug string) (string, error) {
	return db.liveETag(ctx, db.primarySource(), slug)
}

func (db *DB) liveETag(ctx context.Context, src source, slug string) (string, error) {
	st, err := db.prepared(ctx, src, &src.stmts.liveETag)
	if err != nil {
		return "", err
	}
	ctx = db.pointRead(ctx)
	var etag string
	if err := st.QueryRowContext(ctx, slug).Scan(&etag); err != nil {
		return "", notFound(err, "article")
	}
	return etag, nil
}

type liveRow struct {
	ArticleID   string  `db:"article_id"`
	Slug        string  `db:"slug"`
	Title       string  `db:"title"`
	Summary     string  `db:"summary"`
	PublishedAt tm      `db:"published_at"`
	UpdatedAt   tm      `db:"updated_at"`
	Score       float64 `db:"score"`
	SearchKey   string  `db:"search_key"`
	SummaryDoc  string  `db:"summary_doc"`
}

const liveCols = `la.article_id, la.slug, la.title, la.summary, la.published_at, la.updated_at, la.summary_doc`

func (db *DB) liveItems(ctx context.Context, src source, q string, args ...any) ([]cms.LiveItem, error) {
	var rows []liveRow
	if err := src.x.SelectContext(ctx, &rows, db.q(q), args...); err != nil {
		return nil, err
	}
	out := make([]cms.LiveItem, len(rows))
	for i, r := range rows {
		out[i] = cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time, Score: r.Score, SearchKey: r.SearchKey,
			SummaryDoc: []byte(r.SummaryDoc)}
	}
	return out, nil
}

// LiveArticles pages through live articles, newest first publication
// first. The cursor is a row-value comparison, which both databases turn
// into an index seek: page 500 costs what page 1 costs.
func (db *DB) LiveArticles(ctx context.Context, q cms.LiveQuery) ([]cms.LiveItem, error) {
	return db.liveArticles(ctx, db.primarySource(), q)
}

func (db *DB) liveArticles(ctx context.Context, src source, q cms.LiveQuery) ([]cms.LiveItem, error) {
	var args []any
	where := ``
	if q.Topic != "" {
		where, args = `WHERE lt.topic_slug = ?`, append(args, q.Topic)
		if q.After != nil {
			where += ` AND (lt.published_at, lt.article_id) < (?, ?)`
			args = append(args, tm{q.After.At}, q.After.ID)
		}
		return db.liveItems(ctx, src, `SELECT `+liveCols+`, 0 AS score FROM live_topics lt
			JOIN live_articles la ON la.article_id = lt.article_id `+where+`
			ORDER BY lt.published_at DESC, lt.article_id DESC LIMIT ?`, append(args, q.Limit)...)
	}
	if q.After != nil {
		where, args = `WHERE (la.published_at, la.article_id) < (?, ?)`, append(args, tm{q.After.At}, q.After.ID)
	}
	return db.liveItems(ctx, src, `SELECT `+liveCols+`, 0 AS score FROM live_articles la `+where+`
		ORDER BY la.published_at DESC, la.article_id DESC LIMIT ?`, append(args, q.Limit)...)
}

// Search is full-text search over live articles, best match first, in
// tiers: first the articles whose title or summary hold every term (score
// 2), then those that hold them anywhere (1), then, when the text names
// topics, the articles tagged with them that the text does not find (0);
// newest publication first within a tier. Each tier is a walk of an index
// newest first that stops after a page, so a word in every article costs
// what a rare one does, at any size: no ranking pass over all the
// matches, no global statistics (see dialect.search). A page that
// reaches past a tier runs the next one; a match of a lower tier that a
// higher one holds is left out by a look-up over the same key range.
//
// It finds the keys of one match more than the page, to know whether
// more follow, but reads the rows of the page only: a hit's row, with the
// text its snippet is cut from, costs what the rest of a search does.
//
// A server that keeps the search index in memory (KeepSearchIndex)
// answers from it instead, the same answers.
func (db *DB) Search(ctx context.Context, q cms.SearchQuery) ([]cms.LiveItem, bool, error) {
	return db.search(ctx, db.primarySource(), q, db.indexHeard())
}

// search searches src; heard is what indexHeard said before src was
// chosen (a replica chosen has every change heard by then).
func (db *DB) search(ctx context.Context, src source, q cms.SearchQuery, heard uint64) ([]cms.LiveItem, bool, error) {
	terms := cms.SearchTerms(q.Text)
	if len(terms) == 0 {
		return nil, false, nil // nothing searchable in the text: no match
	}
	tier, before := 2, int64(math.MaxInt64)
	if q.After != nil {
		k, err := strconv.ParseInt(q.After.ID, 10, 64)
		t := int(q.After.Score)
		if err != nil || float64(t) != q.After.Score || t < 0 || t > 2 {
			return nil, false, &cms.Error{Code: cms.EBADREQUEST, Message: "cursor is not a cursor this API gave out",
				Fields: []cms.FieldError{{Field: "cursor", Message: "is invalid"}}}
		}
		tier, before = t, k
	}
	if items, more, ok, err := db.searchIndexed(ctx, src, q, terms, tier, before, heard); ok {
		return items, more, err
	}
	ss := s{db: db, src: src, sql: db.d.search, terms: terms, topic: q.Topic}
	if ss.sql.readTx {
		// One read transaction for the whole search: FTS5 loads an
		// index's structure once per transaction, not once per query, and
		// every tier sees the same snapshot.
		tx, err := src.x.BeginTxx(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		ss.tx, ss.unprepared = tx, new([]string)
		defer func() {
			tx.Rollback()
			// Shapes this search ran unprepared are prepared now that its
			// connection is back in the pool (see sel).
			for _, q := range *ss.unprepared {
				src.prepareSearch(ctx, q)
			}
		}()
	}
	// Written once the snapshot is taken: on SQLite the match names the
	// words a longer prefix begins, as the snapshot has them.
	if ss.sql.words == "" {
		ss.match = ss.sql.match(terms)
	} else {
		m, err := ss.expandPrefixes(ctx)
		if err != nil {
			return nil, false, err
		}
		ss.match = m
	}
	var keys []int64
	var scores []float64
	want := q.Limit + 1 // the page and one more
	for ; tier >= 0 && len(keys) < want; tier, before = tier-1, math.MaxInt64 {
		need := want - len(keys)
		var ks []int64
		var err error
		switch tier {
		case 2:
			ks, err = ss.keys(ctx, ss.sql.head, ss.sql.key, []any{ss.match}, before, 0, need, true)
		case 1:
			ks, err = ss.excluding(ctx, ss.sql.text, ss.sql.key, []any{ss.match}, ss.sql.head, before, need)
		case 0:
			if len(q.Tagged) == 0 {
				continue
			}
			tagged := fmt.Sprintf(ss.sql.tagged, "?"+strings.Repeat(", ?", len(q.Tagged)-1))
			var args []any
			for _, t := range q.Tagged {
				args = append(args, t)
			}
			ks, err = ss.excluding(ctx, tagged, ss.sql.taggedKey, args, ss.sql.text, before, need)
		}
		if err != nil {
			return nil, false, err
		}
		for _, k := range ks {
			keys, scores = append(keys, k), append(scores, float64(tier))
		}
	}
	more := len(keys) > q.Limit
	if more {
		keys, scores = keys[:q.Limit], scores[:q.Limit]
	}
	items, err := ss.items(ctx, keys, scores)
	return items, more, err
}

// s is one search in progress.
type s struct {
	db  *DB
	src source   // the pool and statements it reads from
	tx  *sqlx.Tx // when the queries are prepared
	// unprepared collects the queries run on tx before they were prepared.
	unprepared *[]string
	sql        searchSQL
	terms      []cms.SearchTerm
	match      string
	topic      string
}

// sel runs a query of the search into dest. In a transaction it uses the
// query's prepared statement, or, the first time a shape is run, the query
// as it is, leaving it to be prepared once the transaction is over:
// preparing on the pool needs a connection of its own, and with every
// reading connection held by a search waiting to prepare, none would come.
func (ss s) sel(ctx context.Context, dest any, q string, args ...any) error {
	q = ss.db.q(q)
	if ss.tx == nil {
		if !ss.sql.prepare {
			return ss.src.x.SelectContext(ctx, dest, q, args...)
		}
		// No connection held: the statement is prepared on the pool now.
		if st := ss.src.prepareSearch(ctx, q); st != nil {
			return st.SelectContext(ctx, dest, args...)
		}
		return ss.src.x.SelectContext(ctx, dest, q, args...)
	}
	if st := ss.src.searchStmt(q); st != nil {
		return ss.tx.StmtxContext(ctx, st).SelectContext(ctx, dest, args...)
	}
	*ss.unprepared = append(*ss.unprepared, q)
	return ss.tx.SelectContext(ctx, dest, q, args...)
}

// searchStmt returns the query's statement prepared on the source's pool,
// or nil when it is not prepared yet (a search has a few dozen shapes).
func (src source) searchStmt(q string) *sqlx.Stmt {
	src.stmts.mu.Lock()
	defer src.stmts.mu.Unlock()
	return src.stmts.search[q]
}

// prepareSearch returns q prepared on the source's pool, preparing it
// unless it already is; nil when preparing fails, which leaves it to be
// tried again by the next search that runs it.
func (src source) prepareSearch(ctx context.Context, q string) *sqlx.Stmt {
	if st := src.searchStmt(q); st != nil {
		return st
	}
	st, err := src.x.PreparexContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil
	}
	src.stmts.mu.Lock()
	defer src.stmts.mu.Unlock()
	if src.stmts.search == nil {
		src.stmts.search = map[string]*sqlx.Stmt{}
	}
	if prev := src.stmts.search[q]; prev != nil {
		st.Close() // another search prepared it meanwhile
		return prev
	}
	src.stmts.search[q] = st
	return st
}

// keys runs a search query: the keys below before and from lo on (0: no
// bound), newest first, at most limit (0: all), of the topic when
// filtered.
func (ss s) keys(ctx context.Context, base, key string, args []any, before, lo int64, limit int, filter bool) ([]int64, error) {
	if ss.sql.probe > 0 {
		return ss.probeKeys(ctx, base, args, before, lo, limit, filter)
	}
	q := base
	args = append([]any{}, args...)
	if before != math.MaxInt64 {
		q += ` AND ` + key + ` < ?`
		args = append(args, before)
	}
	if lo > 0 {
		q += ` AND ` + key + ` >= ?`
		args = append(args, lo)
	}
	if filter && ss.topic != "" {
		q += strings.ReplaceAll(ss.sql.topic, "%s", key)
		args = append(args, ss.topic)
	}
	q += ` ORDER BY ` + key + ` DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	var ks []int64
	err := ss.sel(ctx, &ks, q, args...)
	return ks, err
}

// probeKeys is keys on PostgreSQL, which has no index that is both by
// word and newest first. A key range (lo) is walked newest first, or
// looked up through GIN when it is wide. A first page of words that
// PostgreSQL's statistics know to be common (see wordStats) tests the
// probe newest rows below before, which fills it. Any other takes the GIN
// index's rows, up to sparseCap unsorted: a rare word's are then all
// there, and sorted here. Past the cap, or short of a page after the
// probe, the GIN index's rows are read and sorted, a bounded number since
// the probe found them scarce. The probe's LIMIT and the GIN reads'
// OFFSET 0 keep the planner from undoing either choice, and their bound
// is written seq + 0 so that it is not an index condition: the planner
// would AND the GIN rows with a bitmap of every key below it.
func (ss s) probeKeys(ctx context.Context, base string, args []any, before, lo int64, limit int, filter bool) ([]int64, error) {
	run := func(source string, sargs []any, lim int, fence, ordered bool) ([]int64, error) {
		q := strings.Replace(base, ` FROM live_search f `, ` FROM `+source+` f `, 1)
		a := append(append([]any{}, sargs...), args...)
		if filter && ss.topic != "" {
			q += ss.sql.topic
			a = append(a, ss.topic)
		}
		if fence {
			q = `SELECT k FROM (` + q + ` OFFSET 0) m`
		}
		if ordered {
			// A walk comes newest first: the LIMIT stops it early.
			q += ` ORDER BY k DESC`
		}
		if lim > 0 {
			q += ` LIMIT ?`
			a = append(a, lim)
		}
		var ks []int64
		err := ss.sel(ctx, &ks, q, a...)
		return ks, err
	}
	if lo > 0 {
		if before-lo > int64(ss.sql.probe) {
			// A wide range holds few matches (it is that of a page of a
			// sparser match, whose words these include): through GIN.
			return run(`(SELECT * FROM live_search WHERE seq + 0 < ? AND seq + 0 >= ?)`, []any{before, lo}, limit, true, true)
		}
		return run(`(SELECT * FROM live_search WHERE seq < ? AND seq >= ? ORDER BY seq DESC OFFSET 0)`, []any{before, lo}, limit, false, true)
	}
	gin := `(SELECT * FROM live_search WHERE seq + 0 < ?)`
	probe, col := ss.sql.probe, ""
	switch base {
	case ss.sql.head:
		probe, col = ss.sql.probeHead, "head"
	case ss.sql.text:
		col = "body"
	}
	if ws := ss.src.wordStats(ctx); col != "" && ws != nil && ws.density(col, ss.terms)*float64(probe) < 2*float64(limit) {
		ks, err := run(gin, []any{before}, sparseCap+1, true, false)
		if err != nil || len(ks) <= sparseCap {
			slices.SortFunc(ks, func(a, b int64) int { return cmp.Compare(b, a) })
			return ks[:min(len(ks), limit)], err
		}
	}
	ks, err := run(`(SELECT * FROM live_search WHERE seq < ? ORDER BY seq DESC LIMIT `+strconv.Itoa(probe)+`)`, []any{before}, limit, false, true)
	if err != nil || len(ks) == limit {
		return ks, err
	}
	return run(gin, []any{before}, limit, true, true)
}

// sparseCap is how many of the GIN index's rows a PostgreSQL search reads
// unsorted for words not known to be common, hoping to have them all.
const sparseCap = 1000

// excluding runs base like keys, leaving out the keys that the match
// query excl finds (a higher tier), which it looks up over the key range
// of each batch only, so both walks stop together.
func (ss s) excluding(ctx context.Context, base, key string, args []any, excl string, before int64, need int) ([]int64, error) {
	var out []int64
	for batch := max(2*need, 16); ; batch = min(2*batch, 1024) {
		ks, err := ss.keys(ctx, base, key, args, before, 0, batch, true)
		if err != nil || len(ks) == 0 {
			return out, err
		}
		higher, err := ss.keys(ctx, excl, ss.sql.key, []any{ss.match}, ks[0]+1, ks[len(ks)-1], 0, false)
		if err != nil {
			return nil, err
		}
		skip := make(map[int64]bool, len(higher))
		for _, k := range higher {
			skip[k] = true
		}
		for _, k := range ks {
			if !skip[k] {
				if out = append(out, k); len(out) == need {
					return out, nil
				}
			}
		}
		if len(ks) < batch {
			return out, nil
		}
		before = ks[len(ks)-1]
	}
}

// hitRow is a row of searchSQL.rows: a hit's live row, its text and its
// key.
type hitRow struct {
	liveRow
	BodyText string `db:"body_text"`
	K        int64  `db:"k"`
}

// items reads the live rows of the keys, in their order.
func (ss s) items(ctx context.Context, keys []int64, scores []float64) ([]cms.LiveItem, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var rows []hitRow
	if err := ss.sel(ctx, &rows, ss.sql.rows, ss.sql.keysArg(keys)); err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(keys))
	for i, k := range keys {
		at[k] = i
	}
	found := make([]*cms.LiveItem, len(keys))
	for _, r := range rows {
		i := at[r.K]
		found[i] = &cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time, Score: scores[i], SearchKey: strconv.FormatInt(r.K, 10),
			SummaryDoc: []byte(r.SummaryDoc), BodyText: r.BodyText}
	}
	out := make([]cms.LiveItem, 0, len(keys))
	for _, it := range found {
		if it != nil { // nil: unpublished since its key was found (PostgreSQL reads outside one snapshot)
			out = append(out, *it)
		}
	}
	return out, nil
}

// EachLive streams every live article, newest first, for sitemaps.
func (db *DB) EachLive(ctx context.Context, fn func(cms.LiveItem) error) error {
	return db.eachLive(ctx, db.primarySource(), fn)
}

func (db *DB) eachLive(ctx context.Context, src source, fn func(cms.LiveItem) error) error {
	rows, err := src.x.QueryxContext(ctx, `SELECT la.article_id, la.slug, la.title, la.summary, la.published_at, la.updated_at,
		'' AS summary_doc, 0 AS score FROM live_articles la ORDER BY la.published_at DESC, la.article_id DESC`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r liveRow
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := fn(cms.LiveItem{ArticleID: r.ArticleID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			PublishedAt: r.PublishedAt.Time, UpdatedAt: r.UpdatedAt.Time}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Delivery returns the store delivery reads from: the read replica when
// there is one (UseReplica), the primary otherwise, and the glossary kept
// in memory while ListenChanges runs. The DB's own methods of the same
// names read the primary every time, for the editor (a preview lists the
// published topics too).
func (db *DB) Delivery() cms.DeliveryStore { return replicated{db} }

// replicated reads delivery's data through deliveryRead.
type replicated struct{ db *DB }

// LiveArticle reads the server's local documents first, when it keeps
// them (KeepLocalDocuments) and they hold every change heard.
func (r replicated) LiveArticle(ctx context.Context, slug string, c cms.LiveCopy) (doc *cms.LiveDocument, err error) {
	if d, ok := r.db.localDocument(slug, c); ok {
		return d, nil
	}
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		doc, err = r.db.liveArticle(ctx, src, slug, c)
		return err
	})
	return doc, err
}

// LiveETag reads the server's local documents first, as LiveArticle.
func (r replicated) LiveETag(ctx context.Context, slug string) (etag string, err error) {
	if e, ok := r.db.localETag(slug); ok {
		return e, nil
	}
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		etag, err = r.db.liveETag(ctx, src, slug)
		return err
	})
	return etag, err
}

func (r replicated) LiveArticles(ctx context.Context, q cms.LiveQuery) (items []cms.LiveItem, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		items, err = r.db.liveArticles(ctx, src, q)
		return err
	})
	return items, err
}

func (r replicated) Search(ctx context.Context, q cms.SearchQuery) (items []cms.LiveItem, more bool, err error) {
	heard := r.db.indexHeard()
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		items, more, err = r.db.search(ctx, src, q, heard)
		return err
	})
	return items, more, err
}

func (r replicated) PublishedTopics(ctx context.Context) (ts []*cms.TopicVersion, err error) {
	err = r.db.deliveryRead(ctx, func(src source) (err error) {
		ts, err = r.db.publishedTopics(ctx, src.x, articleCount)
		return err
	})
	return ts, err
}

func (r replicated) Glossary(ctx context.Context) ([]*cms.TopicVersion, error) {
	return r.db.gloss.get(func() (ts []*cms.TopicVersion, err error) {
		err = r.db.deliveryRead(ctx, func(src source) (err error) {
			ts, err = r.db.publishedTopics(ctx, src.x, noCount)
			return err
		})
		return ts, err
	})
}

// EachLive streams from one database: once an item has gone out, a
// failure is not retried on the primary, which would repeat items.
func (r replicated) EachLive(ctx context.Context, fn func(cms.LiveItem) error) error {
	sent := false
	var first error
	return r.db.deliveryRead(ctx, func(src source) error {
		if sent {
			return fmt.Errorf("the read replica failed in the middle of a stream: %w", first)
		}
		first = r.db.eachLive(ctx, src, func(it cms.LiveItem) error {
			sent = true
			return fn(it)
		})
		return first
	})
}
