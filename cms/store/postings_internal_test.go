package store

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A postings list holds what a sorted set of its keys holds, through
// appends, keys out of order, removals, sealed blocks and blocks grown
// past their size, and a walk from any key down seeks as a search on the
// sorted keys does.
func TestPostingsAsASortedSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 40 {
		var p postings
		var want []uint32
		next := uint32(1)
		for op := range 3000 {
			switch r := rng.IntN(10); {
			case r < 6: // a publication: the next key
				next += uint32(1 + rng.IntN(3))
				p.add(next)
				want = append(want, next)
			case r < 8: // a key out of order, or one already there
				k := uint32(1 + rng.IntN(int(next)))
				p.add(k)
				if i, found := slices.BinarySearch(want, k); !found {
					want = slices.Insert(want, i, k)
				}
			default: // an unpublication
				k := uint32(1 + rng.IntN(int(next)))
				if len(want) > 0 && rng.IntN(2) == 0 {
					k = want[rng.IntN(len(want))]
				}
				p.remove(k)
				if i, found := slices.BinarySearch(want, k); found {
					want = slices.Delete(want, i, i+1)
				}
			}
			if op%500 == 499 || op == 2999 {
				checkPostings(t, round, &p, want, rng)
			}
		}
	}
}

func checkPostings(t *testing.T, round int, p *postings, want []uint32, rng *rand.Rand) {
	t.Helper()
	if p.n != len(want) {
		t.Fatalf("round %d: %d keys counted, want %d", round, p.n, len(want))
	}
	var got []uint32
	for _, b := range p.blocks {
		got = append(got, b.keys(nil)...)
	}
	got = append(got, p.tail...)
	if !slices.Equal(got, want) {
		t.Fatalf("round %d: keys %v\nwant %v", round, got, want)
	}
	checkWalks(t, round, func() keyIter { return newCursor(p) }, want, rng)

	// Frozen, the list walks the same; with some keys dropped since, and
	// frozen again without them, it walks the keys left.
	f := freeze(&frozen{}, nil, nil, map[string]*wordLists{"w": {all: *p}})
	if len(want) == 0 {
		if f.words() != 0 {
			t.Fatalf("round %d: a word no article holds was frozen", round)
		}
		return
	}
	if f.words() != 1 || f.word(0) != "w" || f.find("w") != 0 || f.find("v") != -1 {
		t.Fatalf("round %d: frozen words %q", round, f.text)
	}
	checkWalks(t, round, func() keyIter { return frozenCursor(f.list(1)) }, want, rng)
	gone, left := map[uint32]struct{}{}, []uint32{}
	for _, k := range want {
		if rng.IntN(3) == 0 {
			gone[k] = struct{}{}
		} else {
			left = append(left, k)
		}
	}
	checkWalks(t, round, func() keyIter { return without{frozenCursor(f.list(1)), gone} }, left, rng)
	if f = freeze(f, gone, nil, nil); len(left) > 0 {
		checkWalks(t, round, func() keyIter { return frozenCursor(f.list(1)) }, left, rng)
	} else if f.words() != 0 {
		t.Fatalf("round %d: a word whose articles all went stayed frozen", round)
	}
}

// checkWalks walks down from the top, by steps and by jumps, and checks
// every seek against the sorted keys want.
func checkWalks(t *testing.T, round int, newIt func() keyIter, want []uint32, rng *rand.Rand) {
	t.Helper()
	for range 5 {
		c := newIt()
		k := uint32(10)
		if len(want) > 0 {
			k += want[len(want)-1]
		}
		for {
			v, ok := c.seek(k)
			i, _ := slices.BinarySearch(want, k+1) // the first key above k
			if i == 0 {
				if ok {
					t.Fatalf("round %d: seek(%d) found %d in %v", round, k, v, want)
				}
				break
			}
			if !ok || v != want[i-1] {
				t.Fatalf("round %d: seek(%d) = %d %v, want %d", round, k, v, ok, want[i-1])
			}
			if v == 0 {
				break
			}
			k = v - 1 - uint32(rng.IntN(int(min(v, 40))))
			if rng.IntN(4) == 0 {
				k = v // the same key again stays
			}
		}
	}
}

// allOf and anyOf walk the keys every list holds and any list holds.
func TestPostingsAllAndAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lists := make([]postings, 3)
	sets := make([]map[uint32]bool, 3)
	for i := range lists {
		sets[i] = map[uint32]bool{}
		for k := uint32(1); k < 5000; k++ {
			if rng.IntN(i+2) == 0 {
				lists[i].add(k)
				sets[i][k] = true
			}
		}
	}
	walk := func(it keyIter) []uint32 {
		var out []uint32
		for k := uint32(6000); ; {
			v, ok := it.seek(k)
			if !ok {
				return out
			}
			out = append(out, v)
			if v == 0 {
				return out
			}
			k = v - 1
		}
	}
	var all, any []uint32
	for k := uint32(5999); k > 0; k-- {
		if sets[0][k] && sets[1][k] && sets[2][k] {
			all = append(all, k)
		}
		if sets[0][k] || sets[1][k] || sets[2][k] {
			any = append(any, k)
		}
	}
	if got := walk(allOf{newCursor(&lists[0]), newCursor(&lists[1]), newCursor(&lists[2])}); !slices.Equal(got, all) {
		t.Fatalf("allOf: %d keys, want %d", len(got), len(all))
	}
	if got := walk(anyOf{newCursor(&lists[0]), newCursor(&lists[1]), newCursor(&lists[2])}); !slices.Equal(got, any) {
		t.Fatalf("anyOf: %d keys, want %d", len(got), len(any))
	}
	if got := walk(allOf{newCursor(&lists[0]), none{}}); len(got) != 0 {
		t.Fatalf("allOf with an empty list: %v", got)
	}
}
