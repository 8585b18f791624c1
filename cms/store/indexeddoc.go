package store

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/golang/snappy"

	"healthcms/cms"
)

// indexedDoc is a live article as the search index holds it: what a
// result shows and the body its snippet is cut from (compressed), packed
// into one byte slice. Go's collector marks every object of the heap on
// every cycle, and the index is most of a server's heap: one object an
// article, not a dozen (its strings, its topics, its body), keeps those
// cycles short (issue 13).
type indexedDoc struct {
	data               []byte // the fields, in docField order, each a uvarint length and its bytes
	published, updated time.Time
}

// docField numbers the fields of an indexedDoc's data.
type docField int

const (
	fTag docField = iota // tells two versions at one key apart (searchSQL.all)
	fArticleID
	fSlug
	fTitle
	fSummary
	fSummaryDoc
	fTopics // the topic slugs, separated by newlines
	fBody   // snappy-compressed
)

// packDoc packs a live article, its topics and its tag.
func packDoc(it *cms.LiveItem, topics []string, tag string) indexedDoc {
	body := snappy.Encode(nil, []byte(it.BodyText))
	fields := []string{tag, it.ArticleID, it.Slug, it.Title, it.Summary, string(it.SummaryDoc), strings.Join(topics, "\n")}
	n := len(body) + binary.MaxVarintLen32*(len(fields)+1)
	for _, f := range fields {
		n += len(f)
	}
	data := make([]byte, 0, n)
	for _, f := range fields {
		data = binary.AppendUvarint(data, uint64(len(f)))
		data = append(data, f...)
	}
	data = binary.AppendUvarint(data, uint64(len(body)))
	data = append(data, body...)
	return indexedDoc{data: data[:len(data):len(data)], published: it.PublishedAt, updated: it.UpdatedAt}
}

// field returns the bytes of field f (shared: not to be changed).
func (d indexedDoc) field(f docField) []byte {
	b := d.data
	for i := docField(0); ; i++ {
		n, w := binary.Uvarint(b)
		b = b[w:]
		if i == f {
			return b[:n]
		}
		b = b[n:]
	}
}

// text returns field f as a string that shares the doc's bytes: they
// are never changed once packed, and stay while the string does.
func (d indexedDoc) text(f docField) string {
	b := d.field(f)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// topics returns the article's topic slugs.
func (d indexedDoc) topics() []string {
	if t := d.field(fTopics); len(t) > 0 {
		return strings.Split(string(t), "\n")
	}
	return nil
}

// body returns the article's text.
func (d indexedDoc) body() string {
	b, err := snappy.Decode(nil, d.field(fBody))
	if err != nil {
		return "" // cannot be: the index encoded it
	}
	return string(b)
}

// bodyBufs are buffers a search decodes its hits' texts into, one after
// the other: a page of 20 hits would otherwise allocate 20 texts (6 KB
// each at 100k) and make the collector run that much more often.
var bodyBufs = sync.Pool{New: func() any { return new([]byte) }}

// item returns the article as a search result under key k, with the
// snippet for terms cut from its text (the text itself is not kept).
func (d indexedDoc) item(k uint32, terms []cms.SearchTerm) cms.LiveItem {
	it := cms.LiveItem{ArticleID: d.text(fArticleID), Slug: d.text(fSlug), Title: d.text(fTitle),
		Summary: d.text(fSummary), PublishedAt: d.published, UpdatedAt: d.updated,
		SearchKey: strconv.FormatUint(uint64(k), 10), SummaryDoc: d.field(fSummaryDoc)}
	buf := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(buf)
	body := ""
	if b, err := snappy.Decode((*buf)[:cap(*buf)], d.field(fBody)); err == nil && len(b) > 0 {
		*buf = b
		// Snippet copies what it shows: the buffer goes back to the pool.
		body = unsafe.String(&b[0], len(b))
	}
	it.Snippet = cms.Snippet(terms, body, it.Summary, it.Title)
	return it
}
