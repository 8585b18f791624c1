package store

import (
	"context"
	"strings"
	"unicode/utf8"
)

// maxPrefixWords is how many words a prefix is searched as, one OR
// another, at most. A prefix that begins more is left to FTS5, which
// merges the posting lists of all of them before the first match: for so
// many words, most of them rare, that costs less than walking them side
// by side.
const maxPrefixWords = 64

// expandPrefixes writes the search's match for an index that keeps prefix
// indexes of searchSQL.prefixLen letters only (SQLite, migration 00022).
// A longer prefix is searched as the words it begins, read from the
// table of indexed words in the search's snapshot: ("baricitinib" OR
// "baricitinibs"), which FTS5 walks newest first, stopping after the
// page, as it walks one word. FTS5's own query for that prefix would merge
// the whole posting lists of those words first, a cost that grows with
// the number of articles. The table holds FTS5's words as its tokenizer
// folded them, which no Go code here folds exactly alike: a prefix with a
// letter other than ASCII is left to FTS5 (its letters are folded there),
// as is one the table gives no word for (it begins none, and matches
// nothing either way; or a bulk load has left the table behind, see
// BulkLoad) or more than maxPrefixWords.
func (ss s) expandPrefixes(ctx context.Context) (string, error) {
	var b strings.Builder
	for i, t := range ss.terms {
		if i > 0 {
			b.WriteString(" AND ") // FTS5 joins a parenthesized OR by AND only
		}
		// As many letters as bytes: ASCII only.
		if n := utf8.RuneCountInString(t.Text); !t.Prefix || n <= ss.sql.prefixLen || n != len(t.Text) {
			b.WriteString(ss.sql.match(ss.terms[i : i+1]))
			continue
		}
		// The words from the prefix up to the prefix with its last
		// letter one higher: those that begin with it (ASCII, so a byte).
		next := t.Text[:len(t.Text)-1] + string(t.Text[len(t.Text)-1]+1)
		var words []string
		if err := ss.sel(ctx, &words, ss.sql.words, t.Text, next); err != nil {
			return "", err
		}
		if len(words) == 0 || len(words) > maxPrefixWords {
			b.WriteString(ss.sql.match(ss.terms[i : i+1]))
			continue
		}
		b.WriteString("(")
		for j, w := range words {
			if j > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(`"` + strings.ReplaceAll(w, `"`, `""`) + `"`)
		}
		b.WriteString(")")
	}
	return b.String(), nil
}
