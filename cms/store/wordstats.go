package store

import (
	"context"
	"strings"
	"time"

	"github.com/lib/pq"

	"healthcms/cms"
)

// wordStats are what PostgreSQL's statistics say of the words of the
// search index: the most common words of titles and summaries (head) and
// of whole articles (body), each with the share of articles that hold it
// (pg_stats' most_common_elems, kept by ANALYZE and autovacuum). A search
// walks the newest articles only for words known to be common; for any
// other the GIN index's rows are few enough to read (s.probeKeys).
type wordStats struct {
	freq map[string][]wordFreq // by column
}

type wordFreq struct {
	word  string
	share float64
}

// wordStatsFor is how long a search uses the statistics it read.
const wordStatsFor = 10 * time.Minute

// density estimates the share of articles whose column col holds every
// term, taking the terms as independent: 0 when a term is not among the
// column's most common words, since it is then rarer than all of them.
func (ws *wordStats) density(col string, terms []cms.SearchTerm) float64 {
	d := 1.0
	for _, t := range terms {
		share := 0.0
		for _, w := range ws.freq[col] {
			if w.word == t.Text || t.Prefix && strings.HasPrefix(w.word, t.Text) {
				share += w.share
			}
		}
		if share == 0 {
			return 0
		}
		d *= min(share, 1)
	}
	return d
}

// wordStats returns the statistics of the search index's words on
// PostgreSQL, read at most every wordStatsFor; nil on SQLite, before the
// table was first analyzed, or when they cannot be read (searches then
// walk the newest rows first for every word, as before).
func (src source) wordStats(ctx context.Context) *wordStats {
	st := src.stmts
	st.mu.Lock()
	ws, fresh := st.words, time.Since(st.wordsAt) < wordStatsFor
	if !fresh {
		st.wordsAt = time.Now() // one search reads them; the others go on with the old
	}
	st.mu.Unlock()
	if fresh {
		return ws
	}
	// Not cut short by the search's client going away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rows, err := src.x.QueryContext(ctx, `SELECT attname::text, most_common_elems::text::text[], most_common_elem_freqs
		FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'live_search'
		AND attname IN ('head', 'body') AND most_common_elems IS NOT NULL`)
	if err != nil {
		return ws
	}
	defer rows.Close()
	next := &wordStats{freq: map[string][]wordFreq{}}
	for rows.Next() {
		var col string
		var words pq.StringArray
		var shares pq.Float64Array
		if err := rows.Scan(&col, &words, &shares); err != nil || len(shares) < len(words) {
			return ws
		}
		for i, w := range words {
			next.freq[col] = append(next.freq[col], wordFreq{w, shares[i]})
		}
	}
	if rows.Err() != nil {
		return ws
	}
	if len(next.freq) == 0 {
		next = nil
	}
	st.mu.Lock()
	st.words = next
	st.mu.Unlock()
	return next
}
