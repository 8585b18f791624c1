package cms

import (
	"context"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LiveDocument is a live article's prerendered delivery document.
type LiveDocument struct {
	// Slug is the slug the article is live at; a request for any other
	// slug the article had is redirected to it.
	Slug     string
	Document []byte
	// DocumentGz is Document gzip-compressed, or nil when it was published
	// before compressed copies were kept (it is then compressed on first
	// request).
	DocumentGz []byte
	ETag       string
	// Length is the length of Document in bytes, also when a read left
	// Document out (LiveGzip).
	Length int
}

// LiveCopy says which copy of a live document a read fetches: a miss
// reads the one its client takes, not both (issue 13).
type LiveCopy uint8

const (
	// LivePlain reads Document only; DocumentGz is nil.
	LivePlain LiveCopy = iota
	// LiveGzip reads DocumentGz and Length; Document is nil, unless the
	// article has no compressed copy, when it is read in its place.
	LiveGzip
)

// LiveItem is a live article in a delivery list or search result: its
// prerendered summary and what feeds, sitemaps and cursors need.
type LiveItem struct {
	ArticleID   string
	Slug        string
	Title       string
	Summary     string
	PublishedAt time.Time
	UpdatedAt   time.Time
	// Score is the search relevance, higher is better, and SearchKey the
	// tie-breaker the store pages search results by (search only).
	Score      float64
	SearchKey  string
	SummaryDoc []byte
	// BodyText is the article's text (search only, for the snippet), and
	// Snippet the passage of the article a search result shows (a store
	// may cut it itself, leaving BodyText empty).
	BodyText string
	Snippet  string
}

// LiveQuery selects live articles, newest first publication first.
type LiveQuery struct {
	Topic string
	Limit int
	After *Cursor
}

// SearchQuery is a full-text search over live articles, best match first.
type SearchQuery struct {
	Text  string
	Topic string
	// Tagged also finds the live articles tagged with any of these topics
	// (the topics the text names), after the text's own matches.
	Tagged []string
	Limit  int
	After  *ScoreCursor
}

// DeliveryStore reads what readers see: live articles only. Nothing in it
// can reach a draft.
type DeliveryStore interface {
	// LiveArticle returns the live document of the article that has or had
	// slug; ENOTFOUND when there is none or it is not live.
	LiveArticle(ctx context.Context, slug string, c LiveCopy) (*LiveDocument, error)
	// LiveETag returns the ETag of the article live at slug (its current
	// slug only), reading nothing else; ENOTFOUND otherwise.
	LiveETag(ctx context.Context, slug string) (string, error)
	LiveArticles(ctx context.Context, q LiveQuery) ([]LiveItem, error)
	// Search returns a page of at most q.Limit matches, best first, and
	// whether more follow it.
	Search(ctx context.Context, q SearchQuery) (items []LiveItem, more bool, err error)
	// PublishedTopics returns the live version of every published topic,
	// by name, with its count of live articles.
	PublishedTopics(ctx context.Context) ([]*TopicVersion, error)
	// Glossary is PublishedTopics without the counts (zero), which take a
	// walk over every live article's topics: for what needs only the
	// topics' words, such as every search.
	Glossary(ctx context.Context) ([]*TopicVersion, error)
	// EachLive calls fn with every live article, newest first.
	EachLive(ctx context.Context, fn func(LiveItem) error) error
}

// Delivery holds the use-cases of the read-only delivery API.
type Delivery struct {
	Store DeliveryStore
}

// LiveArticle returns the live document of the article that has or had
// slug; ENOTFOUND when there is none or it is not live.
func (d *Delivery) LiveArticle(ctx context.Context, slug string, c LiveCopy) (*LiveDocument, error) {
	return d.Store.LiveArticle(ctx, slug, c)
}

// LiveETag returns the ETag of the article live at slug, reading nothing
// else, so a revalidation costs the least; ENOTFOUND otherwise.
func (d *Delivery) LiveETag(ctx context.Context, slug string) (string, error) {
	return d.Store.LiveETag(ctx, slug)
}

// EachLive calls fn with every live article, newest first (the sitemap).
func (d *Delivery) EachLive(ctx context.Context, fn func(LiveItem) error) error {
	return d.Store.EachLive(ctx, fn)
}

// MaxSearchLen bounds a search query.
const MaxSearchLen = 200

// Articles lists live articles (of a topic when set) with the cursor of
// the next page ("" on the last).
func (d *Delivery) Articles(ctx context.Context, topic string, limit int, cursor string) ([]LiveItem, string, error) {
	if topic != "" {
		// A topic that is not published is not shown, nor are its lists.
		if _, err := d.publishedTopic(ctx, topic); ErrorCode(err) == ENOTFOUND {
			return []LiveItem{}, "", nil
		} else if err != nil {
			return nil, "", err
		}
	}
	q := LiveQuery{Topic: topic, Limit: limit + 1}
	if cursor != "" {
		c, err := DecodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		q.After = c
	}
	items, err := d.Store.LiveArticles(ctx, q)
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	items = items[:limit]
	last := items[limit-1]
	return items, Cursor{At: last.PublishedAt, ID: last.ArticleID}.Encode(), nil
}

// SearchTopic is a published topic a search query names.
type SearchTopic struct {
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// SearchResult is a page of search results with the cursor of the next
// page ("" on the last) and the published topics the query names.
type SearchResult struct {
	Topics []SearchTopic
	Items  []LiveItem
	Next   string
}

// Search runs a full-text search. A query that names published topics
// (by name or alias, as FindMentions finds them in an article) lists
// them and also finds the live articles tagged with them.
func (d *Delivery) Search(ctx context.Context, text, topic string, limit int, cursor string) (*SearchResult, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxSearchLen || hasControl(text, false) {
		return nil, &Error{Code: EBADREQUEST, Message: "q must be 1 to 200 characters of text",
			Fields: []FieldError{{"q", "must be 1 to 200 characters"}}}
	}
	q := SearchQuery{Text: text, Topic: topic, Limit: limit}
	if cursor != "" {
		c, err := DecodeScoreCursor(cursor)
		if err != nil {
			return nil, err
		}
		q.After = c
	}
	pubs, err := d.Store.Glossary(ctx)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Topics: []SearchTopic{}}
	for _, m := range FindMentions(pubs, text) {
		res.Topics = append(res.Topics, SearchTopic{Slug: m.Slug, Name: m.Name, Definition: m.Definition})
		q.Tagged = append(q.Tagged, m.Slug)
	}
	var more bool
	if res.Items, more, err = d.Store.Search(ctx, q); err != nil {
		return nil, err
	}
	if more && len(res.Items) > 0 {
		last := res.Items[len(res.Items)-1]
		res.Next = ScoreCursor{Score: last.Score, ID: last.SearchKey}.Encode()
	}
	// Snippets for the page returned only; a store may have cut them
	// already (one that keeps the texts compressed in memory).
	terms := SearchTerms(text)
	for i := range res.Items {
		if it := &res.Items[i]; it.Snippet == "" {
			it.Snippet, it.BodyText = Snippet(terms, it.BodyText, it.Summary, it.Title), ""
		}
	}
	return res, nil
}

// ScoreCursor is a keyset position in a list ordered by score, best first.
type ScoreCursor struct {
	Score float64
	ID    string
}

// Encode makes the opaque cursor string. The score is written as its exact
// bits so the next query compares against the very same value.
func (c ScoreCursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("s" + strconv.FormatUint(math.Float64bits(c.Score), 16) + "." + c.ID))
}

// DecodeScoreCursor parses a search cursor; EBADREQUEST when it is not one.
func DecodeScoreCursor(s string) (*ScoreCursor, error) {
	bad := &Error{Code: EBADREQUEST, Message: "cursor is not a cursor this API gave out",
		Fields: []FieldError{{Field: "cursor", Message: "is invalid"}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 's' {
		return nil, bad
	}
	bits, id, ok := strings.Cut(string(b[1:]), ".")
	u, err := strconv.ParseUint(bits, 16, 64)
	f := math.Float64frombits(u)
	if !ok || err != nil || id == "" || len(id) > 64 || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, bad
	}
	return &ScoreCursor{Score: f, ID: id}, nil
}
