package store

import (
	"sync"

	"healthcms/cms"
)

// keptArticles are the articles a batch wrote, each as its last write
// left it, which the batch's next read of it is given rather than a read
// of the database.
//
// A use-case that changes an article reads it first (a transition, a
// save), and in a batch the article is most often one the batch itself
// has just written: `cms seed` creates, submits, approves and publishes
// each article, and three of its 13 statements an article read back what
// the statement before had written. From its first write to the commit
// the batch's transaction holds the article's row, so no one else can
// change it: the copy is what the database would answer. On PostgreSQL,
// where each statement is a round trip to the server, an article is 10
// statements rather than 13, and seeding 10,000 articles took 34-42 s
// rather than 38-49 (six pairs alternated on one VM, each faster, by 12%
// in the median pair); SQLite's reads cost little beside its one writer,
// and it gained nothing measurable (19.0-20.6 s against 19.0-20.9).
//
// The read also joins rows other writes change: the names of the people
// it refers to, the required approvals of its topics, its open comments.
// Every change of the batch but an article's write forgets every
// article kept, before its statements and after them (DB.inTx; a single
// statement through DB.wr, before it), and an article write that such a
// change overlapped keeps nothing (gen). The copy names
// the people as the use-cases that wrote it had them, as the read would
// unless a name changed outside the batch meanwhile: a name, never what
// a rule decides on.
type keptArticles struct {
	mu   sync.Mutex
	byID map[string]*cms.Article
	// gen counts the forgets.
	gen uint64
}

// write runs fn, a write of a, and then keeps a copy of a as written,
// unless fn failed (the batch is then rolled back) or another write
// forgot the kept articles meanwhile.
func (k *keptArticles) write(a *cms.Article, fn func() error) error {
	k.mu.Lock()
	delete(k.byID, a.ID) // while fn runs, a read of the article reads the database
	gen := k.gen
	k.mu.Unlock()
	if err := fn(); err != nil {
		return err
	}
	c := copyArticle(a)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gen == gen {
		if k.byID == nil {
			k.byID = map[string]*cms.Article{}
		}
		k.byID[a.ID] = c
	}
	return nil
}

// get returns a copy of the article kept by id, or nil. The caller may
// change the copy: use-cases change the article they read.
func (k *keptArticles) get(id string) *cms.Article {
	k.mu.Lock()
	a := k.byID[id]
	k.mu.Unlock()
	if a == nil {
		return nil
	}
	return copyArticle(a)
}

// forget drops every article kept.
func (k *keptArticles) forget() {
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.byID)
	k.gen++
}

// copyArticle copies a, nothing shared, as Article reads it back: what
// the editor derives (decorate) or tells only a save left out, what is
// not stored dropped, and empty lists rather than nil ones.
func copyArticle(a *cms.Article) *cms.Article {
	c := *a
	c.RequiredApprovals, c.ReviewDueAt, c.Sanitizer = 0, nil, nil
	if c.Live == nil {
		c.LiveSlug = "" // stored only with a live version (articleArgs)
	}
	if a.Draft != nil {
		rev := *a.Draft
		rev.Topics = append([]string{}, a.Draft.Topics...)
		rev.References = append([]cms.Reference{}, a.Draft.References...)
		c.Draft = &rev
	}
	c.Approvals = append([]cms.Approval{}, a.Approvals...)
	c.Approval, c.Live, c.LastReview = clonePtr(a.Approval), clonePtr(a.Live), clonePtr(a.LastReview)
	c.ScheduledAt, c.SubmittedAt = clonePtr(a.ScheduledAt), clonePtr(a.SubmittedAt)
	c.FirstPublishedAt, c.LiveReviewedAt = clonePtr(a.FirstPublishedAt), clonePtr(a.LiveReviewedAt)
	c.WordsChangedSinceLive = clonePtr(a.WordsChangedSinceLive)
	return &c
}

// clonePtr returns a pointer to a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
