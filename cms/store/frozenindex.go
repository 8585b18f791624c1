package store

import (
	"encoding/binary"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"
)

// frozen is the bulk of a search index: its words, their lists and its
// articles packed into a few large arrays that hold no pointers. Go's
// collector marks every object of the heap on every cycle; the index as
// maps of lists was a million objects at 100k articles, and marking them
// took 200 ms of each cycle, every 1.2 s under load, which set search's
// p99 (issue 13). An array without pointers is one object, never
// scanned. A frozen index never changes: searchIndex keeps the changes
// made since it was frozen beside it (the articles added, in the maps;
// the keys dropped, in gone) and freezes both into a new one once they
// grow (see searchIndex.freezeIfDue).
type frozen struct {
	text   []byte   // the words, sorted, one after the other
	wordAt []uint32 // word i is text[wordAt[i]:wordAt[i+1]]
	// listAt gives each word's two lists: word i's head list is list 2i,
	// its list of all fields 2i+1, and list j's blocks are
	// blocks[listAt[j]:listAt[j+1]].
	listAt []uint32
	// blocks are the lists' blocks, as postings seal them (blockKeys
	// keys each, the last of a list fewer), and one more past the last:
	// block b's deltas are data[blocks[b].at:blocks[b+1].at].
	blocks []fblock
	data   []byte
	keys   []uint32 // the articles' keys, ascending
	docAt  []uint64 // article i's packed bytes are docs[docAt[i]:docAt[i+1]]
	docs   []byte
	times  []int64 // article i's publication and update, Unix nanoseconds, at 2i and 2i+1
}

// fblock is a frozen block: its first and last key and where its deltas
// begin.
type fblock struct {
	first, last uint32
	at          uint64
}

// words is how many words f holds; the zero frozen holds none.
func (f *frozen) words() int { return max(0, len(f.wordAt)-1) }

// word is word i, sharing f's bytes (a frozen index never changes):
// looking words up and merging them into a new frozen index copy none.
func (f *frozen) word(i int) string {
	return unsafe.String(unsafe.SliceData(f.text[f.wordAt[i]:]), f.wordAt[i+1]-f.wordAt[i])
}

// find returns the number of word w, or -1.
func (f *frozen) find(w string) int {
	if i := sort.Search(f.words(), func(i int) bool { return f.word(i) >= w }); i < f.words() && f.word(i) == w {
		return i
	}
	return -1
}

// prefixed returns the numbers of the words that begin with p, from lo
// to hi (excluded).
func (f *frozen) prefixed(p string) (lo, hi int) {
	lo = sort.Search(f.words(), func(i int) bool { return f.word(i) >= p })
	for hi = lo; hi < f.words() && strings.HasPrefix(f.word(hi), p); hi++ {
	}
	return lo, hi
}

// list is list j, for a cursor.
func (f *frozen) list(j int) flist {
	return flist{f: f, lo: int(f.listAt[j]), n: int(f.listAt[j+1] - f.listAt[j])}
}

// flist is one of a frozen index's lists: its blocks from lo on.
type flist struct {
	f     *frozen
	lo, n int
}

func (l flist) blockCount() int         { return l.n }
func (l flist) blockFirst(i int) uint32 { return l.f.blocks[l.lo+i].first }

func (l flist) blockKeys(i int, buf []uint32) []uint32 {
	b := l.lo + i
	return decodeBlock(l.f.blocks[b].first, l.f.data[l.f.blocks[b].at:l.f.blocks[b+1].at], buf)
}

// appendKeys appends the list's keys but those in gone to buf.
func (l flist) appendKeys(buf []uint32, gone map[uint32]struct{}) []uint32 {
	var block []uint32
	for i := 0; i < l.n; i++ {
		block = l.blockKeys(i, block)
		for _, k := range block {
			if _, g := gone[k]; !g {
				buf = append(buf, k)
			}
		}
	}
	return buf
}

// doc returns the article under key k.
func (f *frozen) doc(k uint32) (indexedDoc, bool) {
	i, ok := slices.BinarySearch(f.keys, k)
	if !ok {
		return indexedDoc{}, false
	}
	return f.docOf(i), true
}

func (f *frozen) docOf(i int) indexedDoc {
	return indexedDoc{data: f.docs[f.docAt[i]:f.docAt[i+1]:f.docAt[i+1]],
		published: time.Unix(0, f.times[2*i]).UTC(), updated: time.Unix(0, f.times[2*i+1]).UTC()}
}

// size is how many bytes the frozen index holds.
func (f *frozen) size() int64 {
	return int64(cap(f.text) + 4*cap(f.wordAt) + 4*cap(f.listAt) + 16*cap(f.blocks) + cap(f.data) +
		4*cap(f.keys) + 8*cap(f.docAt) + cap(f.docs) + 8*cap(f.times))
}

// freeze packs what old holds (but the keys in gone) and the articles and
// words added since into a new frozen index. Every key is in one or the
// other: an article added under a key old holds (SQLite takes the key of
// the newest article again once it goes) comes after the key was dropped,
// so gone holds it.
func freeze(old *frozen, gone map[uint32]struct{}, docs map[uint32]indexedDoc, words map[string]*wordLists) *frozen {
	var listBytes int
	for _, l := range words {
		listBytes += l.head.bytes() + l.all.bytes()
	}
	nf := &frozen{
		text:   make([]byte, 0, len(old.text)+len(words)*12),
		wordAt: make([]uint32, 1, old.words()+len(words)+1),
		listAt: make([]uint32, 0, 2*(old.words()+len(words))+1),
		blocks: make([]fblock, 0, len(old.blocks)+listBytes/(blockKeys*3/2)+2*len(words)+1),
		data:   make([]byte, 0, len(old.data)+listBytes),
	}
	added := slices.Sorted(maps.Keys(words))
	// A word's keys in old, in words, and its two lists.
	var a, b, head, all []uint32
	add := func(w string, oi int, l *wordLists) {
		keysOf := func(j int, p *postings, out []uint32) []uint32 {
			a, b = a[:0], b[:0]
			if oi >= 0 {
				a = old.list(2*oi+j).appendKeys(a, gone)
			}
			if p != nil {
				b = p.appendKeys(b)
			}
			return mergeKeys(a, b, out[:0])
		}
		var hp, ap *postings
		if l != nil {
			hp, ap = &l.head, &l.all
		}
		if head, all = keysOf(0, hp, head), keysOf(1, ap, all); len(all) == 0 {
			return // no article holds it any more
		}
		nf.text = append(nf.text, w...)
		nf.wordAt = append(nf.wordAt, uint32(len(nf.text)))
		nf.listAt = append(nf.listAt, uint32(len(nf.blocks)))
		nf.appendList(head)
		nf.listAt = append(nf.listAt, uint32(len(nf.blocks)))
		nf.appendList(all)
	}
	for oi, di := 0, 0; oi < old.words() || di < len(added); {
		switch {
		case di == len(added) || oi < old.words() && old.word(oi) < added[di]:
			add(old.word(oi), oi, nil)
			oi++
		case oi == old.words() || added[di] < old.word(oi):
			add(added[di], -1, words[added[di]])
			di++
		default: // in both
			add(added[di], oi, words[added[di]])
			oi, di = oi+1, di+1
		}
	}
	nf.listAt = append(nf.listAt, uint32(len(nf.blocks)))
	nf.blocks = append(nf.blocks, fblock{at: uint64(len(nf.data))})

	// The articles, by key.
	keys := slices.Sorted(maps.Keys(docs))
	n, size := len(keys), 0
	for _, k := range keys {
		size += len(docs[k].data)
	}
	for i, k := range old.keys {
		if _, g := gone[k]; !g {
			n, size = n+1, size+int(old.docAt[i+1]-old.docAt[i])
		}
	}
	nf.keys, nf.docAt = make([]uint32, 0, n), make([]uint64, 1, n+1)
	nf.docs, nf.times = make([]byte, 0, size), make([]int64, 0, 2*n)
	put := func(k uint32, d indexedDoc) {
		nf.keys = append(nf.keys, k)
		nf.docs = append(nf.docs, d.data...)
		nf.docAt = append(nf.docAt, uint64(len(nf.docs)))
		nf.times = append(nf.times, d.published.UnixNano(), d.updated.UnixNano())
	}
	for oi, di := 0, 0; oi < len(old.keys) || di < len(keys); {
		if di == len(keys) || oi < len(old.keys) && old.keys[oi] < keys[di] {
			if _, g := gone[old.keys[oi]]; !g {
				put(old.keys[oi], old.docOf(oi))
			}
			oi++
			continue
		}
		if oi < len(old.keys) && old.keys[oi] == keys[di] {
			oi++ // dropped, then added again: gone holds it
		}
		put(keys[di], docs[keys[di]])
		di++
	}
	return nf
}

// appendList seals keys into blocks.
func (f *frozen) appendList(keys []uint32) {
	for i := 0; i < len(keys); i += blockKeys {
		block := keys[i:min(i+blockKeys, len(keys))]
		f.blocks = append(f.blocks, fblock{first: block[0], last: block[len(block)-1], at: uint64(len(f.data))})
		for j := 1; j < len(block); j++ {
			f.data = binary.AppendUvarint(f.data, uint64(block[j]-block[j-1]))
		}
	}
}

// mergeKeys appends the keys of two ascending lists to out, in order,
// each once.
func mergeKeys(a, b, out []uint32) []uint32 {
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			out, a = append(out, a[0]), a[1:]
		case b[0] < a[0]:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// without walks a frozen list but the keys dropped since it was frozen.
type without struct {
	it   keyIter
	gone map[uint32]struct{}
}

func (w without) seek(k uint32) (uint32, bool) {
	for {
		v, ok := w.it.seek(k)
		if !ok {
			return 0, false
		}
		if _, g := w.gone[v]; !g {
			return v, true
		}
		if v == 0 {
			return 0, false
		}
		k = v - 1
	}
}
