package store

import (
	"encoding/binary"
	"slices"
	"sort"
)

// postings are the keys of the live articles that hold one word (or are
// tagged with one topic), ascending, for the in-memory search index. Keys
// come almost always in ascending order (a publication takes the next
// one), so they are appended to a short tail, which is sealed into a
// block of delta-encoded varints when full: about one and a half bytes a
// key rather than four. A key that comes out of order (a PostgreSQL
// transaction that took its key before another and committed after it,
// or a SQLite key taken again after the newest article went) is inserted
// into its block.
type postings struct {
	blocks []pblock
	tail   []uint32
	n      int // keys in all
}

// pblock is a sealed run of keys: the first, the last, and the deltas of
// the keys after the first as uvarints.
type pblock struct {
	first, last uint32
	data        []byte
}

// blockKeys is how many keys a block is sealed with. Inserting out of
// order may grow a block past it; it is never split.
const blockKeys = 128

func (p *postings) last() (uint32, bool) {
	if len(p.tail) > 0 {
		return p.tail[len(p.tail)-1], true
	}
	if len(p.blocks) > 0 {
		return p.blocks[len(p.blocks)-1].last, true
	}
	return 0, false
}

// add adds k, unless the list holds it already.
func (p *postings) add(k uint32) {
	if last, ok := p.last(); !ok || k > last {
		p.tail = append(p.tail, k)
		p.n++
		if len(p.tail) == blockKeys {
			p.blocks = append(p.blocks, encodeBlock(p.tail))
			p.tail = p.tail[:0]
		}
		return
	} else if k == last {
		return // the same article's word again
	}
	p.edit(k, func(keys []uint32) []uint32 {
		i, found := slices.BinarySearch(keys, k)
		if found {
			return keys
		}
		p.n++
		return slices.Insert(keys, i, k)
	})
}

// remove takes k out of the list, if it holds it.
func (p *postings) remove(k uint32) {
	p.edit(k, func(keys []uint32) []uint32 {
		i, found := slices.BinarySearch(keys, k)
		if !found {
			return keys
		}
		p.n--
		return slices.Delete(keys, i, i+1)
	})
}

// edit changes the segment where k belongs (the tail, or the block whose
// range holds it or comes next) with fn.
func (p *postings) edit(k uint32, fn func([]uint32) []uint32) {
	if len(p.tail) > 0 && k >= p.tail[0] || len(p.blocks) == 0 {
		p.tail = fn(p.tail)
		return
	}
	i := sort.Search(len(p.blocks), func(i int) bool { return p.blocks[i].last >= k })
	if i == len(p.blocks) {
		p.tail = fn(p.tail) // between the last block and the tail
		return
	}
	keys := fn(p.blocks[i].keys(nil))
	if len(keys) == 0 {
		p.blocks = slices.Delete(p.blocks, i, i+1)
		return
	}
	p.blocks[i] = encodeBlock(keys)
}

func encodeBlock(keys []uint32) pblock {
	b := pblock{first: keys[0], last: keys[len(keys)-1]}
	data := make([]byte, 0, len(keys)+len(keys)/2)
	for i := 1; i < len(keys); i++ {
		data = binary.AppendUvarint(data, uint64(keys[i]-keys[i-1]))
	}
	b.data = slices.Clip(data)
	return b
}

// keys decodes the block's keys into buf.
func (b *pblock) keys(buf []uint32) []uint32 {
	return decodeBlock(b.first, b.data, buf)
}

// decodeBlock decodes a block's keys, its first and its deltas, into buf.
func decodeBlock(first uint32, deltas []byte, buf []uint32) []uint32 {
	buf = append(buf[:0], first)
	k := first
	for d := deltas; len(d) > 0; {
		v, n := binary.Uvarint(d)
		d = d[n:]
		k += uint32(v)
		buf = append(buf, k)
	}
	return buf
}

// bytes is about how many bytes the list's keys take.
func (p *postings) bytes() int {
	n := 4 * len(p.tail)
	for i := range p.blocks {
		n += 8 + len(p.blocks[i].data)
	}
	return n
}

// appendKeys appends the list's keys to buf.
func (p *postings) appendKeys(buf []uint32) []uint32 {
	var block []uint32
	for i := range p.blocks {
		block = p.blocks[i].keys(block)
		buf = append(buf, block...)
	}
	return append(buf, p.tail...)
}

// blockList is a list's sealed blocks, which a cursor walks: a
// postings', or one of a frozen index's lists.
type blockList interface {
	blockCount() int
	blockFirst(i int) uint32
	blockKeys(i int, buf []uint32) []uint32
}

func (p *postings) blockCount() int         { return len(p.blocks) }
func (p *postings) blockFirst(i int) uint32 { return p.blocks[i].first }
func (p *postings) blockKeys(i int, buf []uint32) []uint32 {
	return p.blocks[i].keys(buf)
}

// keyIter walks keys from the highest down: seek returns the highest key
// at or below k, and false when there is none. Every seek of one walk
// asks for a key no higher than the one before.
type keyIter interface {
	seek(k uint32) (uint32, bool)
}

// pcursor walks one list: its blocks, then (a postings') its tail.
type pcursor struct {
	l   blockList
	seg int      // the segment read: a block, or the block count for the tail; -1 when done
	cur []uint32 // its keys
	i   int      // the current key, cur[i]; -1 before the first seek
	buf []uint32
}

func newCursor(p *postings) *pcursor {
	return &pcursor{l: p, seg: len(p.blocks), cur: p.tail, i: -1}
}

// frozenCursor walks a frozen index's list.
func frozenCursor(l flist) *pcursor {
	return &pcursor{l: l, seg: l.blockCount(), i: -1}
}

func (c *pcursor) seek(k uint32) (uint32, bool) {
	if c.seg < 0 {
		return 0, false
	}
	if c.i >= 0 && c.cur[c.i] <= k {
		return c.cur[c.i], true
	}
	// Within the segment read, below the current key.
	end := len(c.cur)
	if c.i >= 0 {
		end = c.i
	}
	if end > 0 && c.cur[0] <= k {
		c.i = sort.Search(end, func(j int) bool { return c.cur[j] > k }) - 1
		return c.cur[c.i], true
	}
	// An earlier block: the last whose first key is at or below k.
	s := sort.Search(c.seg, func(j int) bool { return c.l.blockFirst(j) > k }) - 1
	if s < 0 {
		c.seg = -1
		return 0, false
	}
	c.seg = s
	c.buf = c.l.blockKeys(s, c.buf)
	c.cur = c.buf
	c.i = sort.Search(len(c.cur), func(j int) bool { return c.cur[j] > k }) - 1
	return c.cur[c.i], true
}

// anyOf walks the keys of any of its lists (a prefix: the words it
// begins; the topics a search names).
type anyOf []keyIter

func (u anyOf) seek(k uint32) (uint32, bool) {
	best, found := uint32(0), false
	for _, it := range u {
		if v, ok := it.seek(k); ok && (!found || v > best) {
			best, found = v, true
		}
	}
	return best, found
}

// allOf walks the keys that every one of its lists holds, rarest list
// first: each seeks to the key the others reached until all agree.
type allOf []keyIter

func (a allOf) seek(k uint32) (uint32, bool) {
	if len(a) == 0 {
		return 0, false
	}
	for {
		agreed := true
		for _, it := range a {
			v, ok := it.seek(k)
			if !ok {
				return 0, false
			}
			if v < k {
				k, agreed = v, false
				break
			}
		}
		if agreed {
			return k, true
		}
	}
}

// none is a list with no keys (a word no article holds).
type none struct{}

func (none) seek(uint32) (uint32, bool) { return 0, false }
