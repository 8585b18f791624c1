package api

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// invalidText finds the first JSON string in data that holds invalid
// UTF-8 or an unpaired UTF-16 surrogate escape ("\ud800"), which Go's
// decoder would silently turn into U+FFFD, and returns the path of the
// field it is in ("references[0].url", "" for the top level). A bad field
// name is reported at the object holding it. found is false when every
// string is valid; data is otherwise assumed to be JSON (the decoder
// judges the rest).
func invalidText(data []byte) (field string, found bool) {
	type frame struct {
		object bool
		key    string
		index  int
	}
	var stack []frame
	path := func() string {
		p := ""
		for _, f := range stack {
			if f.object {
				if p != "" {
					p += "."
				}
				p += f.key
			} else {
				p += "[" + strconv.Itoa(f.index) + "]"
			}
		}
		return p
	}
	expectKey := false
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{':
			stack, expectKey = append(stack, frame{object: true}), true
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].object {
					expectKey = true
				} else {
					stack[n-1].index++
				}
			}
		case '"':
			end, ok := scanString(data, i+1)
			isKey := expectKey && len(stack) > 0 && stack[len(stack)-1].object
			if !ok {
				if isKey {
					stack = stack[:len(stack)-1] // the bad name is not a path step
				}
				return path(), true
			}
			if isKey {
				var k string
				// An unterminated name ends the data (end == len): the
				// decoder reports that; there is no name to take.
				if end < len(data) && json.Unmarshal(data[i:end+1], &k) == nil {
					stack[len(stack)-1].key = k
				}
				expectKey = false
			}
			i = end
		default:
			if data[i] >= utf8.RuneSelf {
				return path(), true // outside any string: not JSON either
			}
		}
	}
	return "", false
}

// scanString checks the JSON string whose content starts at data[i] and
// returns the index of its closing quote; ok is false when it holds
// invalid UTF-8 or an unpaired surrogate escape. An unterminated string
// is left to the decoder (ok, at the end of data).
func scanString(data []byte, i int) (end int, ok bool) {
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i, true
		case c == '\\':
			if i+1 < len(data) && data[i+1] == 'u' {
				r, n := surrogate(data, i)
				switch {
				case n == 0:
					i += 2 // not a surrogate (or malformed: the decoder says so)
				case r >= 0xDC00: // a low surrogate without a high one before it
					return i, false
				default:
					if r2, n2 := surrogate(data, i+n); n2 == 0 || r2 < 0xDC00 {
						return i, false
					}
					i += 2 * n
				}
				continue
			}
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false
			}
			i += size
		}
	}
	return len(data), true
}

// surrogate reads a \uXXXX escape at data[i]; n is 6 when it is one and
// names a UTF-16 surrogate (r in D800..DFFF), else 0.
func surrogate(data []byte, i int) (r rune, n int) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
	if err != nil || v < 0xD800 || v > 0xDFFF {
		return 0, 0
	}
	return rune(v), 6
}
