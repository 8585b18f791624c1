package cms

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// PublishedVersion is an immutable snapshot of what readers see: the
// delivery document rendered once at publication, with the fields delivery
// indexes it by.
type PublishedVersion struct {
	ArticleID   string
	Version     int
	Revision    int
	ContentHash string
	Slug        string
	Title       string
	Summary     string
	// BodyText is the body without markup, for full-text search.
	BodyText    string
	Topics      []string
	PublishedAt time.Time
	// FirstPublishedAt is the first publication of any version of the
	// article: delivery's published_at.
	FirstPublishedAt time.Time
	PublishedBy      UserRef
	// ReviewedAt is when the published content was medically approved.
	ReviewedAt time.Time
	// Document is the delivery article, DocumentGz the same gzip-compressed;
	// SummaryDoc the list item.
	Document   []byte
	DocumentGz []byte
	SummaryDoc []byte
	// ETag is a strong validator of Document.
	ETag string
}

// DeliverySummary is an article as delivery lists show it.
type DeliverySummary struct {
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Summary     string     `json:"summary"`
	Topics      []TopicRef `json:"topics"`
	PublishedAt time.Time  `json:"published_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// ReviewedBy and LastReviewedAt are always set on live articles; a
	// preview of an unreviewed draft has them null.
	ReviewedBy     *DeliveryPerson `json:"reviewed_by"`
	LastReviewedAt *time.Time      `json:"last_reviewed_at"`
}

// DeliveryArticle is the live article frontends render.
type DeliveryArticle struct {
	DeliverySummary
	// Reviewers are every reviewer whose approval published the article;
	// ReviewedBy is the first.
	Reviewers  []DeliveryPerson `json:"reviewers"`
	Version    int              `json:"version"`
	Author     DeliveryAuthor   `json:"author"`
	BodyHTML   string           `json:"body_html"`
	References []Reference      `json:"references"`
	// Mentions are the published topics named in the text, found when
	// the version was published (see FindMentions).
	Mentions []Mention      `json:"mentions"`
	JSONLD   map[string]any `json:"jsonld"`
}

// TopicRef names a topic inside an article.
type TopicRef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	// Kind types the topic in JSON-LD's about.
	Kind TopicKind `json:"-"`
}

// DeliveryPerson is a reviewer as readers see them.
type DeliveryPerson struct {
	Name        string `json:"name"`
	Credentials string `json:"credentials"`
}

// DeliveryAuthor is an author as readers see them.
type DeliveryAuthor struct {
	Name string `json:"name"`
}

// render builds the delivery documents of a publication.
func render(pv *PublishedVersion, rev *Revision, topics []TopicRef, mentions []Mention, author string, reviewers []ReviewerRef) {
	reviewed := pv.ReviewedAt
	people := make([]DeliveryPerson, len(reviewers))
	for i, r := range reviewers {
		people[i] = DeliveryPerson{Name: r.Name, Credentials: r.Credentials}
	}
	doc := deliveryArticle(rev, pv.Slug, pv.Version, topics, mentions, author, pv.FirstPublishedAt, pv.PublishedAt, people, &reviewed)
	pv.SummaryDoc = mustMarshal(doc.DeliverySummary)
	pv.Document = mustMarshal(doc)
	pv.DocumentGz = Gzip(pv.Document)
	pv.ETag = StrongETag(pv.Document)
}

// deliveryArticle is the one place the delivery shape is assembled, for
// publications and previews alike.
//
// reviewers are the reviewers of the content, first approval first (none
// for a preview of unreviewed words).
func deliveryArticle(rev *Revision, slug string, version int, topics []TopicRef, mentions []Mention, author string, published, updated time.Time,
	reviewers []DeliveryPerson, reviewed *time.Time) *DeliveryArticle {
	var first *DeliveryPerson
	if len(reviewers) > 0 {
		first = &reviewers[0]
	} else {
		reviewers, reviewed = []DeliveryPerson{}, nil
	}
	sum := DeliverySummary{Slug: slug, Title: rev.Title, Summary: rev.Summary, Topics: topics,
		PublishedAt: published, UpdatedAt: updated, ReviewedBy: first, LastReviewedAt: reviewed}
	doc := &DeliveryArticle{DeliverySummary: sum, Reviewers: reviewers, Version: version, Author: DeliveryAuthor{author},
		BodyHTML: rev.BodyHTML, References: rev.References, Mentions: orEmpty(mentions)}
	doc.JSONLD = jsonLD(doc)
	return doc
}

// Gzip compresses b as delivery sends it: at the best ratio, since it is
// done once per publication and read on every request.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// gzipWriters are reused: a writer at BestCompression allocates and
// clears most of a megabyte of tables, more than compressing one
// document costs. A reset writer writes the very same bytes.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

// StrongETag is a strong validator of body: equal bytes, equal tag, on
// every server, so CDNs and clients can revalidate anywhere.
func StrongETag(body []byte) string {
	h := sha256.Sum256(body)
	return `"` + hex.EncodeToString(h[:16]) + `"`
}

// jsonLD is the schema.org MedicalWebPage of an article, which search
// engines read for medical review signals.
func jsonLD(d *DeliveryArticle) map[string]any {
	about := make([]map[string]any, len(d.Topics))
	for i, t := range d.Topics {
		about[i] = map[string]any{"@type": t.Kind.SchemaType(), "name": t.Name}
	}
	mentions := make([]map[string]any, len(d.Mentions))
	for i, m := range d.Mentions {
		mentions[i] = map[string]any{"@type": m.Kind.SchemaType(), "name": m.Name, "description": m.Definition}
	}
	citations := make([]map[string]any, len(d.References))
	for i, r := range d.References {
		c := map[string]any{"@type": "CreativeWork", "name": r.Title, "url": r.URL}
		var ids []string
		if r.DOI != "" {
			ids = append(ids, "doi:"+r.DOI)
		}
		if r.PMID != "" {
			ids = append(ids, "pmid:"+r.PMID)
		}
		if len(ids) > 0 {
			c["identifier"] = ids
		}
		citations[i] = c
	}
	ld := map[string]any{
		"@context":      "https://schema.org",
		"@type":         "MedicalWebPage",
		"headline":      d.Title,
		"description":   d.Summary,
		"datePublished": d.PublishedAt.Format(time.RFC3339),
		"dateModified":  d.UpdatedAt.Format(time.RFC3339),
		"author":        map[string]any{"@type": "Person", "name": d.Author.Name},
		"about":         about,
		"mentions":      mentions,
		"citation":      citations,
	}
	if d.ReviewedBy != nil && d.LastReviewedAt != nil {
		people := make([]map[string]any, len(d.Reviewers))
		for i, r := range d.Reviewers {
			people[i] = map[string]any{"@type": "Person", "name": r.Name}
			if r.Credentials != "" {
				people[i]["honorificSuffix"] = r.Credentials
			}
		}
		// One reviewer stays an object, as before second opinions, so
		// existing readers of reviewedBy keep working; several are an
		// array, which schema.org allows for any property.
		var reviewedBy any = people
		if len(people) == 1 {
			reviewedBy = people[0]
		}
		ld["reviewedBy"], ld["lastReviewed"] = reviewedBy, d.LastReviewedAt.Format(time.RFC3339)
	}
	return ld
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the delivery types hold only plain data
	}
	return b
}
