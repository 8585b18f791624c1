package cms

import "math/bits"

// asciiLacks reports whether s is ASCII only and no word of it matches
// any of the terms: what asciiWindow would find, without its walk of
// every word. Most hits of a search at 100,000 articles come from the
// words of their title or summary, and their body mostly lacks the word
// (issue 13): walking those whole bodies, only to fall back to the
// summary, was 40% of a prefix search's CPU. This reads s eight bytes at
// a time for where a term's first two letters show, in either case, and
// looks at the word only there (BenchmarkSnippetWindow: 3 times faster
// than the walk on a body without the word).
func asciiLacks(terms []foldedTerm, s string) bool {
	for _, t := range terms {
		if t.text == "" || holdsASCII(t, s) {
			return false
		}
	}
	return isASCII(s)
}

// ones has a 1 in every byte; highs the top bit of every byte; lower
// sets the bit that makes an ASCII letter lower case (and that digits
// have already): x|0x20 is a byte's letter folded, and only x and
// x^0x20 become the same.
const ones, highs, lower = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020

// holdsASCII reports whether a word of s, if s is ASCII, matches t, which
// is not empty. It may report true of a text that is not ASCII.
func holdsASCII(t foldedTerm, s string) bool {
	c0, c1 := uint64(t.text[0]), uint64(0)
	pair := len(t.text) > 1
	if pair {
		c1 = uint64(t.text[1])
	}
	first, second := c0*ones, c1*ones
	i := 0
	for ; i+9 <= len(s); i += 8 {
		z := (load64(s, i) | lower) ^ first
		if pair {
			z |= (load64(s, i+1) | lower) ^ second
		}
		// The bytes of z that are 0 are where the letters show. This
		// marks every such byte (and may mark one past it, which the
		// check of the word then rejects).
		for m := (z - ones) &^ z & highs; m != 0; m &= m - 1 {
			if wordMatchesASCII(t, s, i+bits.TrailingZeros64(m)/8) {
				return true
			}
		}
	}
	for ; i < len(s); i++ {
		if uint64(s[i]|0x20) == c0 && (!pair || i+1 < len(s) && uint64(s[i+1]|0x20) == c1) && wordMatchesASCII(t, s, i) {
			return true
		}
	}
	return false
}

// wordMatchesASCII reports whether a word of s, read as asciiWindow
// reads words, begins at i and matches t.
func wordMatchesASCII(t foldedTerm, s string, i int) bool {
	if i > 0 && byteFolds[s[i-1]] != 0 {
		return false // inside a word (or after a byte other than ASCII)
	}
	j := i
	for j < len(s) && byteFolds[s[j]]-1 < nonASCII-1 {
		j++
	}
	return t.matchesASCII(s[i:j])
}

// isASCII reports whether every byte of s is ASCII.
func isASCII(s string) bool {
	var all uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		all |= load64(s, i)
	}
	for ; i < len(s); i++ {
		all |= uint64(s[i])
	}
	return all&highs == 0
}

// load64 reads the eight bytes of s from i as one number, first byte
// lowest (the compiler makes it one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
