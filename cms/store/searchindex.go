package store

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"healthcms/cms"
)

// searchIndex is the search index a server keeps in memory (issue 13):
// the live articles by the words of their titles and summaries (head)
// and of their whole text (all), and by their topics, with what a page of
// results shows, the text its snippets come from compressed. It answers
// what Search answers from the databases' full-text indexes, tier for
// tier, in the same order and with the same cursors, at a cost that does
// not grow with the number of articles: a search walks its words' lists
// newest first and stops after a page, and reads no row. PostgreSQL's
// GIN index and SQLite's FTS5 stay, for a server that does not keep one
// (CMS_SEARCH_INDEX=database) and while one loads.
//
// It is kept current lazily: every change a server hears (fire) counts
// in heard, and the next search first brings the index up to it (see
// DB.currentIndex). Keys are the databases' search keys, so a cursor one
// server gave out pages the same on another.
type searchIndex struct {
	mu sync.RWMutex
	// base is the index as last frozen, the bulk of it; gone are the
	// keys it holds that were dropped since. The rest, docs to topics,
	// is what was added since, but topics, which hold every article.
	base  *frozen
	gone  map[uint32]struct{}
	docs  map[uint32]indexedDoc
	words map[string]*wordLists
	vocab []string // the words, sorted, for prefixes
	fresh []string // words added since vocab was sorted
	// dropped counts the words no article holds any more that vocab may
	// still hold.
	dropped int
	topics  map[string]*postings

	// follower keeps it current (see DB.currentIndex).
	follower
	ready atomic.Bool
	// searches counts for SearchIndexStats.
	searches atomic.Uint64
	// turns lets as many searches run at once as there are processors;
	// the others wait their turn, first come first served (a channel's
	// waiting senders are a queue). Left to Go's scheduler, which runs the
	// goroutine woken last first, a search could wait behind dozens that
	// came after it: with 50 connections on 2 cores, p99 was 305 ms for a
	// p50 of 19; with turns, 78 ms for 23 (one turn: 56 ms, but half the
	// searches a second).
	turns chan struct{}
}

// wordLists are the articles holding a word in their title or summary,
// and anywhere.
type wordLists struct{ head, all postings }

func newSearchIndex() *searchIndex {
	return &searchIndex{base: &frozen{}, gone: map[uint32]struct{}{},
		docs: map[uint32]indexedDoc{}, words: map[string]*wordLists{}, topics: map[string]*postings{},
		turns: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// freshMax is how many new words a prefix search scans unsorted before
// they are sorted into vocab.
const freshMax = 1024

// newDoc is a live article read for the index: as it is packed, and its
// texts and topics, which put reads its words from.
type newDoc struct {
	doc    indexedDoc
	item   cms.LiveItem
	topics []string
}

// put adds an article under key k. The caller holds mu.
func (ix *searchIndex) put(k uint32, n *newDoc) {
	ix.docs[k] = n.doc
	head := func(w []byte) {
		l := ix.lists(w)
		l.head.add(k)
		l.all.add(k)
	}
	cms.EachSearchWord(n.item.Title, head)
	cms.EachSearchWord(n.item.Summary, head)
	cms.EachSearchWord(n.item.BodyText, func(w []byte) { ix.lists(w).all.add(k) })
	for _, t := range n.topics {
		p := ix.topics[t]
		if p == nil {
			p = &postings{}
			ix.topics[t] = p
		}
		p.add(k)
	}
}

// lists returns the lists of word w, adding the word when new.
func (ix *searchIndex) lists(w []byte) *wordLists {
	if l := ix.words[string(w)]; l != nil {
		return l
	}
	l := &wordLists{}
	s := string(w)
	ix.words[s] = l
	ix.fresh = append(ix.fresh, s)
	return l
}

// drop removes the article under key k. The caller holds mu.
func (ix *searchIndex) drop(k uint32) {
	d, ok := ix.docs[k]
	if !ok {
		if d, ok = ix.doc(k); ok { // in base
			ix.gone[k] = struct{}{}
			ix.dropTopics(k, d)
		}
		return
	}
	delete(ix.docs, k)
	seen := map[string]bool{}
	each := func(w []byte) {
		if !seen[string(w)] {
			seen[string(w)] = true
			if l := ix.words[string(w)]; l != nil {
				l.head.remove(k)
				if l.all.remove(k); l.all.n == 0 {
					// No live article holds it (any more): vocab keeps it
					// until it is next sorted.
					delete(ix.words, string(w))
					ix.dropped++
				}
			}
		}
	}
	cms.EachSearchWord(string(d.field(fTitle)), each)
	cms.EachSearchWord(string(d.field(fSummary)), each)
	cms.EachSearchWord(d.body(), each)
	ix.dropTopics(k, d)
}

// dropTopics takes key k out of the lists of its article's topics.
func (ix *searchIndex) dropTopics(k uint32, d indexedDoc) {
	for _, t := range d.topics() {
		if p := ix.topics[t]; p != nil {
			if p.remove(k); p.n == 0 {
				delete(ix.topics, t)
			}
		}
	}
}

// doc returns the article under key k.
func (ix *searchIndex) doc(k uint32) (indexedDoc, bool) {
	if d, ok := ix.docs[k]; ok {
		return d, true
	}
	if _, g := ix.gone[k]; g {
		return indexedDoc{}, false
	}
	return ix.base.doc(k)
}

// eachDoc calls fn with every article and its key.
func (ix *searchIndex) eachDoc(fn func(uint32, indexedDoc)) {
	for k, d := range ix.docs {
		fn(k, d)
	}
	for i, k := range ix.base.keys {
		if _, g := ix.gone[k]; !g {
			fn(k, ix.base.docOf(i))
		}
	}
}

// articles is how many articles the index holds.
func (ix *searchIndex) articles() int {
	return len(ix.docs) + len(ix.base.keys) - len(ix.gone)
}

// freezeMin is the fewest changes since the index was last frozen that
// freeze it again; from 8 times as many articles on, an eighth of them.
// Freezing reads and writes the whole index (about a second at 100k
// articles, under mu), while the maps of changes are what the collector
// has to mark and a dropped key costs a lookup wherever a search meets
// it: an eighth bounds both, at editors' pace for days.
const freezeMin = 16

// freezeIfDue freezes the changes into base once there are enough. The
// caller holds mu.
func (ix *searchIndex) freezeIfDue() {
	if len(ix.docs)+len(ix.gone) <= max(freezeMin, len(ix.base.keys)/8) {
		return
	}
	ix.base = freeze(ix.base, ix.gone, ix.docs, ix.words)
	ix.gone, ix.docs, ix.words = map[uint32]struct{}{}, map[uint32]indexedDoc{}, map[string]*wordLists{}
	ix.vocab, ix.fresh, ix.dropped = nil, nil, 0
}

// sortVocab sorts the fresh words into vocab once there are many (or
// all of them, with force), and takes out the words dropped since: then,
// or once there are many. The caller holds mu.
func (ix *searchIndex) sortVocab(force bool) {
	if (len(ix.fresh) == 0 || !force && len(ix.fresh) < freshMax) && ix.dropped < freshMax {
		return
	}
	ix.vocab = append(ix.vocab, ix.fresh...)
	slices.Sort(ix.vocab)
	// A word dropped and added again is there twice.
	ix.vocab = slices.Compact(ix.vocab)
	if ix.dropped > 0 {
		ix.vocab = slices.DeleteFunc(ix.vocab, func(w string) bool { return ix.words[w] == nil })
	}
	ix.fresh, ix.dropped = nil, 0
}

// term is what a search term walks in one field: a word's list, or, for a
// prefix, the lists of every word it begins.
func (ix *searchIndex) term(t cms.SearchTerm, head bool) keyIter {
	pick := func(l *wordLists) keyIter {
		if head {
			return newCursor(&l.head)
		}
		return newCursor(&l.all)
	}
	frozenWord := func(i int) keyIter {
		j := 2*i + 1
		if head {
			j = 2 * i
		}
		var it keyIter = frozenCursor(ix.base.list(j))
		if len(ix.gone) > 0 {
			it = without{it, ix.gone}
		}
		return it
	}
	var u anyOf
	if !t.Prefix {
		if i := ix.base.find(t.Text); i >= 0 {
			u = append(u, frozenWord(i))
		}
		if l := ix.words[t.Text]; l != nil {
			u = append(u, pick(l))
		}
		return oneOf(u)
	}
	lo, hi := ix.base.prefixed(t.Text)
	for i := lo; i < hi; i++ {
		u = append(u, frozenWord(i))
	}
	for i := sort.SearchStrings(ix.vocab, t.Text); i < len(ix.vocab) && strings.HasPrefix(ix.vocab[i], t.Text); i++ {
		if l := ix.words[ix.vocab[i]]; l != nil { // nil: dropped
			u = append(u, pick(l))
		}
	}
	for _, w := range ix.fresh {
		if l := ix.words[w]; l != nil && strings.HasPrefix(w, t.Text) {
			u = append(u, pick(l))
		}
	}
	return oneOf(u)
}

// oneOf is the walk of any of the lists of u.
func oneOf(u anyOf) keyIter {
	switch len(u) {
	case 0:
		return none{}
	case 1:
		return u[0]
	}
	return u
}

// every is the walk of the articles holding every term in the field, and
// of the topic when one is given.
func (ix *searchIndex) every(terms []cms.SearchTerm, head bool, topic string) keyIter {
	var a allOf
	if topic != "" {
		p := ix.topics[topic]
		if p == nil {
			return none{}
		}
		a = append(a, newCursor(p))
	}
	for _, t := range terms {
		a = append(a, ix.term(t, head))
	}
	return a
}

// search is Search over the index: the keys of a page and one more, each
// with its tier (see DB.Search). terms are folded (cms.FoldSearchTerms).
// The caller holds mu for reading.
func (ix *searchIndex) search(q cms.SearchQuery, terms []cms.SearchTerm, tier int, before int64) (keys []int64, tiers []int) {
	want := q.Limit + 1
	for ; tier >= 0 && len(keys) < want; tier, before = tier-1, math.MaxInt64 {
		var it, higher keyIter
		switch tier {
		case 2:
			it = ix.every(terms, true, q.Topic)
		case 1:
			it, higher = ix.every(terms, false, q.Topic), ix.every(terms, true, "")
		case 0:
			var tagged anyOf
			for _, t := range q.Tagged {
				if p := ix.topics[t]; p != nil {
					tagged = append(tagged, newCursor(p))
				}
			}
			it, higher = tagged, ix.every(terms, false, "")
			if q.Topic != "" {
				it = allOf{ix.every(nil, false, q.Topic), tagged}
			}
		}
		if before <= 0 {
			continue
		}
		k := uint32(min(before-1, math.MaxUint32))
		for len(keys) < want {
			v, ok := it.seek(k)
			if !ok {
				break
			}
			if higher == nil || !holds(higher, v) {
				keys, tiers = append(keys, int64(v)), append(tiers, tier)
			}
			if v == 0 {
				break
			}
			k = v - 1
		}
	}
	return keys, tiers
}

// holds reports whether the walk it holds key v (its walk goes on from v
// down).
func holds(it keyIter, v uint32) bool {
	got, ok := it.seek(v)
	return ok && got == v
}

// items returns the live articles of the keys, in the order of the keys,
// each with its snippet for terms. The caller holds mu for reading.
func (ix *searchIndex) items(keys []int64, tiers []int, terms []cms.SearchTerm) []cms.LiveItem {
	out := make([]cms.LiveItem, 0, len(keys))
	for i, k := range keys {
		d, ok := ix.doc(uint32(k))
		if !ok {
			continue
		}
		it := d.item(uint32(k), terms)
		it.Score = float64(tiers[i])
		out = append(out, it)
	}
	return out
}

// size is about how many bytes of memory the index holds: what its
// articles, words and lists take, with the overhead of Go's maps and
// slices. The caller holds mu for reading.
func (ix *searchIndex) size() int64 {
	const docOverhead, wordOverhead, listOverhead, blockOverhead, goneOverhead = 96, 80, 56, 40, 16
	n := ix.base.size() + goneOverhead*int64(len(ix.gone))
	for _, d := range ix.docs {
		n += docOverhead + int64(cap(d.data))
	}
	list := func(p *postings) int64 {
		n := int64(listOverhead + 4*cap(p.tail))
		for i := range p.blocks {
			n += blockOverhead + int64(cap(p.blocks[i].data))
		}
		return n
	}
	for w, l := range ix.words {
		n += wordOverhead + int64(len(w)) + list(&l.head) + list(&l.all)
	}
	for _, p := range ix.topics {
		n += list(p)
	}
	return n + int64(16*(len(ix.vocab)+len(ix.fresh)))
}
