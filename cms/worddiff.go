package cms

import (
	"strings"
	"unicode"
)

// WordEdit is one run of a word-level diff: text kept ("equal"), "delete"d
// or "insert"ed. Number marks a deleted or inserted run holding a digit
// (a dose, a percentage, a duration), so a client can label it.
type WordEdit struct {
	Op     string `json:"op"`
	Text   string `json:"text"`
	Number bool   `json:"number,omitempty"`
}

// maxWordCells bounds the word diff's work (tokens × tokens, after the
// common start and end are taken off); larger changes are shown as the
// old text deleted and the new one inserted.
const maxWordCells = 1_000_000

// tokens splits text into words (letters and digits; a number keeps its
// decimal point or thousands separator: "2.5", "1,000"), runs of white
// space, and single other characters, so that a changed dose is one
// changed token.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		switch r := rs[i]; {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) ||
				(rs[j] == '.' || rs[j] == ',') && unicode.IsDigit(rs[j-1]) && j+1 < len(rs) && unicode.IsDigit(rs[j+1])) {
				j++
			}
		case unicode.IsSpace(r):
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

// diffWords is a word-level diff of two texts, and how many words it
// changes: in each changed stretch, the larger of the words deleted and
// the words inserted, so a replaced word counts once.
func diffWords(from, to string) ([]WordEdit, int) {
	a, b := tokens(from), tokens(to)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]byte, 0, len(a)+len(b)) // '=' '-' '+' per token, in order
	var toks []string
	for i := 0; i < pre; i++ {
		ops, toks = append(ops, '='), append(toks, a[i])
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxWordCells {
		for _, t := range ma {
			ops, toks = append(ops, '-'), append(toks, t)
		}
		for _, t := range mb {
			ops, toks = append(ops, '+'), append(toks, t)
		}
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				ops, toks = append(ops, '='), append(toks, ma[i])
				i, j = i+1, j+1
			case j == len(mb) || i < len(ma) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				ops, toks = append(ops, '-'), append(toks, ma[i])
				i++
			default:
				ops, toks = append(ops, '+'), append(toks, mb[j])
				j++
			}
		}
	}
	for i := len(a) - suf; i < len(a); i++ {
		ops, toks = append(ops, '='), append(toks, a[i])
	}
	return mergeWords(ops, toks)
}

// mergeWords joins token edits into runs: each changed stretch between
// kept text becomes one deletion followed by one insertion.
func mergeWords(ops []byte, toks []string) ([]WordEdit, int) {
	out := []WordEdit{}
	changed := 0
	var eq, del, ins strings.Builder
	nDel, nIns := 0, 0
	marks := false // a changed stretch of punctuation only still counts once
	flush := func() {
		if eq.Len() > 0 {
			out = append(out, WordEdit{Op: "equal", Text: eq.String()})
			eq.Reset()
		}
		if del.Len() > 0 {
			out = append(out, WordEdit{Op: "delete", Text: del.String(), Number: hasDigit(del.String())})
			del.Reset()
		}
		if ins.Len() > 0 {
			out = append(out, WordEdit{Op: "insert", Text: ins.String(), Number: hasDigit(ins.String())})
			ins.Reset()
		}
		n := max(nDel, nIns)
		if n == 0 && marks {
			n = 1
		}
		changed += n
		nDel, nIns, marks = 0, 0, false
	}
	for i, op := range ops {
		t := toks[i]
		word, mark := isWord(t), !isWord(t) && strings.TrimSpace(t) != ""
		switch op {
		case '=':
			if del.Len()+ins.Len() > 0 {
				flush()
			}
			eq.WriteString(t)
		case '-':
			if eq.Len() > 0 {
				flush()
			}
			del.WriteString(t)
			if word {
				nDel++
			}
			marks = marks || mark
		case '+':
			if eq.Len() > 0 {
				flush()
			}
			ins.WriteString(t)
			if word {
				nIns++
			}
			marks = marks || mark
		}
	}
	flush()
	return out, changed
}

func hasDigit(s string) bool { return strings.ContainsFunc(s, unicode.IsDigit) }

// isWord reports whether a token (or run) holds a letter or digit, as
// opposed to white space and punctuation.
func isWord(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}

// wordCount counts the words of a text, as diffWords counts them.
func wordCount(s string) int {
	n := 0
	for _, t := range tokens(s) {
		if isWord(t) {
			n++
		}
	}
	return n
}

// similar reports whether a word diff kept any word: blocks that share
// none (only spaces and punctuation) are shown as one deleted and one
// inserted rather than as a change.
func similar(ws []WordEdit) bool {
	for _, w := range ws {
		if w.Op == "equal" && isWord(w.Text) {
			return true
		}
	}
	return false
}
