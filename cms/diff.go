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
}

// FieldChange is the change of one field. Text fields carry From and To;
// the body carries Blocks, a diff of its text blocks; lists carry Added and
// Removed.
type FieldChange struct {
	Field   string      `json:"field"`
	From    any         `json:"from,omitempty"`
	To      any         `json:"to,omitempty"`
	Blocks  []BlockEdit `json:"blocks,omitempty"`
	Added   []any       `json:"added,omitempty"`
	Removed []any       `json:"removed,omitempty"`
}

// BlockEdit is one block of a body diff: kept ("equal"), "insert"ed or
// "delete"d.
type BlockEdit struct {
	Op string `json:"op"`
	Block
}

// maxDiffCells bounds the block diff's work (blocks × blocks); larger
// bodies are shown as all old blocks deleted and all new ones inserted.
const maxDiffCells = 1_000_000

// DiffRevisions compares two revisions.
func DiffRevisions(a, b *Revision) *Diff {
	d := &Diff{From: a.Number, To: b.Number, Changes: []FieldChange{}}
	if a.Title != b.Title {
		d.Changes = append(d.Changes, FieldChange{Field: "title", From: a.Title, To: b.Title})
	}
	if a.Summary != b.Summary {
		d.Changes = append(d.Changes, FieldChange{Field: "summary", From: a.Summary, To: b.Summary})
	}
	if a.BodyHTML != b.BodyHTML {
		d.Changes = append(d.Changes, FieldChange{Field: "body_html", Blocks: diffBlocks(Blocks(a.BodyHTML), Blocks(b.BodyHTML))})
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
			out = append(out, BlockEdit{"delete", x})
		}
		for _, x := range b {
			out = append(out, BlockEdit{"insert", x})
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
			out = append(out, BlockEdit{"equal", a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, BlockEdit{"delete", a[i]})
			i++
		default:
			out = append(out, BlockEdit{"insert", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, BlockEdit{"delete", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, BlockEdit{"insert", b[j]})
	}
	return out
}
