package cms

import (
	"slices"
)

// Diff is what changed between two revisions, field by field. Fields that
// did not change are left out.
type Diff struct {
	From    int           `json:"from"`
	To      int           `json:"to"`
	Changes []FieldChange `json:"changes"`
	// WordsChanged counts the words of title, summary and body that
	// changed (see diffWords).
	WordsChanged int `json:"words_changed"`
}

// FieldChange is the change of one field. Text fields carry From and To;
// the body carries Blocks, a diff of its text blocks; lists carry Added and
// Removed.
type FieldChange struct {
	Field  string      `json:"field"`
	From   any         `json:"from,omitempty"`
	To     any         `json:"to,omitempty"`
	Blocks []BlockEdit `json:"blocks,omitempty"`
	// Words is the word-level diff of a title or summary.
	Words   []WordEdit `json:"words,omitempty"`
	Added   []any      `json:"added,omitempty"`
	Removed []any      `json:"removed,omitempty"`
}

// BlockEdit is one block of a body diff: kept ("equal"), "insert"ed or
// "delete"d.
//
// A block whose words changed is a delete followed by an insert of the
// same tag, both carrying the same Words: the word-level diff from the
// deleted text to the inserted one. A client that knows Words shows it
// once, in place of the pair.
type BlockEdit struct {
	Op string `json:"op"`
	Block
	Words []WordEdit `json:"words,omitempty"`
}

// maxDiffCells bounds the block diff's work (blocks × blocks); larger
// bodies are shown as all old blocks deleted and all new ones inserted.
const maxDiffCells = 1_000_000

// DiffRevisions compares two revisions.
func DiffRevisions(a, b *Revision) *Diff {
	d := &Diff{From: a.Number, To: b.Number, Changes: []FieldChange{}}
	if a.Title != b.Title {
		ws, n := diffWords(a.Title, b.Title)
		d.Changes = append(d.Changes, FieldChange{Field: "title", From: a.Title, To: b.Title, Words: ws})
		d.WordsChanged += n
	}
	if a.Summary != b.Summary {
		ws, n := diffWords(a.Summary, b.Summary)
		d.Changes = append(d.Changes, FieldChange{Field: "summary", From: a.Summary, To: b.Summary, Words: ws})
		d.WordsChanged += n
	}
	if a.BodyHTML != b.BodyHTML {
		blocks, n := pairBlocks(diffBlocks(Blocks(a.BodyHTML), Blocks(b.BodyHTML)))
		d.Changes = append(d.Changes, FieldChange{Field: "body_html", Blocks: blocks})
		d.WordsChanged += n
	}
	if added, removed := listDiff(a.Topics, b.Topics); len(added)+len(removed) > 0 {
		d.Changes = append(d.Changes, FieldChange{Field: "topics", Added: added, Removed: removed})
	}
	if added, removed := listDiff(a.References, b.References); len(added)+len(removed) > 0 {
		d.Changes = append(d.Changes, FieldChange{Field: "references", Added: added, Removed: removed})
	}
	return d
}

func listDiff[T comparable](a, b []T) (added, removed []any) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// diffBlocks is a longest-common-subsequence diff of two block lists.
func diffBlocks(a, b []Block) []BlockEdit {
	out := []BlockEdit{}
	if len(a)*len(b) > maxDiffCells {
		for _, x := range a {
			out = append(out, BlockEdit{Op: "delete", Block: x})
		}
		for _, x := range b {
			out = append(out, BlockEdit{Op: "insert", Block: x})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, BlockEdit{Op: "equal", Block: a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, BlockEdit{Op: "delete", Block: a[i]})
			i++
		default:
			out = append(out, BlockEdit{Op: "insert", Block: b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, BlockEdit{Op: "delete", Block: a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, BlockEdit{Op: "insert", Block: b[j]})
	}
	return out
}

// pairBlocks finds the changed blocks in a block diff: in each stretch of
// deleted and inserted blocks between kept ones, the k-th deleted and the
// k-th inserted block of the same tag that share words are a changed
// block, diffed word by word. It returns the edits, pairs together, and
// how many words changed.
func pairBlocks(edits []BlockEdit) ([]BlockEdit, int) {
	out := make([]BlockEdit, 0, len(edits))
	changed := 0
	for i := 0; i < len(edits); {
		if edits[i].Op == "equal" {
			out = append(out, edits[i])
			i++
			continue
		}
		var dels, inss []BlockEdit
		for ; i < len(edits) && edits[i].Op != "equal"; i++ {
			if edits[i].Op == "delete" {
				dels = append(dels, edits[i])
			} else {
				inss = append(inss, edits[i])
			}
		}
		for k := 0; k < max(len(dels), len(inss)); k++ {
			if k < len(dels) && k < len(inss) && dels[k].Tag == inss[k].Tag {
				if ws, n := diffWords(dels[k].Text, inss[k].Text); similar(ws) {
					dels[k].Words, inss[k].Words = ws, ws
					out = append(out, dels[k], inss[k])
					changed += n
					continue
				}
			}
			if k < len(dels) {
				out = append(out, dels[k])
				changed += wordCount(dels[k].Text)
			}
			if k < len(inss) {
				out = append(out, inss[k])
				changed += wordCount(inss[k].Text)
			}
		}
	}
	return out, changed
}
