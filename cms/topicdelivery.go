package cms

import (
	"context"
	"slices"
	"time"
)

// DeliveryTopic is a published topic as the glossary lists it.
type DeliveryTopic struct {
	Slug            string    `json:"slug"`
	Name            string    `json:"name"`
	Kind            TopicKind `json:"kind"`
	Definition      string    `json:"definition"`
	DescriptionHTML string    `json:"description_html"`
	Aliases         []string  `json:"aliases"`
	ArticleCount    int       `json:"article_count"`
	// UpdatedAt is when the published version went live (sitemaps).
	UpdatedAt time.Time `json:"-"`
}

// RelatedTopic is a published topic linked from or to another.
type RelatedTopic struct {
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	Kind       TopicKind `json:"kind"`
	Definition string    `json:"definition"`
}

// DeliveryTopicPage is one published topic as its page shows it.
type DeliveryTopicPage struct {
	DeliveryTopic
	Related        []RelatedTopic  `json:"related"`
	ReviewedBy     *DeliveryPerson `json:"reviewed_by"`
	LastReviewedAt *time.Time      `json:"last_reviewed_at"`
	PublishedAt    time.Time       `json:"published_at"`
	JSONLD         map[string]any  `json:"jsonld"`
}

func deliveryTopic(v *TopicVersion) DeliveryTopic {
	return DeliveryTopic{Slug: v.Slug, Name: v.Name, Kind: v.Kind, Definition: v.Definition,
		DescriptionHTML: v.DescriptionHTML, Aliases: orEmpty(v.Aliases), ArticleCount: v.ArticleCount, UpdatedAt: v.PublishedAt}
}

// Topics returns every published topic, as published, with its count of
// live articles: the glossary.
func (d *Delivery) Topics(ctx context.Context) ([]DeliveryTopic, error) {
	pubs, err := d.Store.PublishedTopics(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryTopic, len(pubs))
	for i, v := range pubs {
		out[i] = deliveryTopic(v)
	}
	return out, nil
}

// publishedTopic returns the live version of a published topic;
// ENOTFOUND when it is not published.
func (d *Delivery) publishedTopic(ctx context.Context, slug string) (*TopicVersion, error) {
	pubs, err := d.Store.Glossary(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range pubs {
		if v.Slug == slug {
			return v, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "topic not found")
}

// Topic returns the page of a published topic: its published version,
// the published topics related to it either way, its reviewer and its
// JSON-LD; ENOTFOUND when it is not published.
func (d *Delivery) Topic(ctx context.Context, slug string) (*DeliveryTopicPage, error) {
	pubs, err := d.Store.PublishedTopics(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pubs, func(v *TopicVersion) bool { return v.Slug == slug })
	if i < 0 {
		return nil, Errorf(ENOTFOUND, "topic not found")
	}
	v := pubs[i]
	p := &DeliveryTopicPage{DeliveryTopic: deliveryTopic(v), Related: []RelatedTopic{}, ReviewedBy: v.Reviewer,
		LastReviewedAt: v.ReviewedAt, PublishedAt: v.PublishedAt}
	// A link is saved on one topic and shown on both: those this version
	// names, then those whose published versions name it.
	for _, o := range pubs {
		if o.Slug != v.Slug && (slices.Contains(v.Related, o.Slug) || slices.Contains(o.Related, v.Slug)) {
			p.Related = append(p.Related, RelatedTopic{Slug: o.Slug, Name: o.Name, Kind: o.Kind, Definition: o.Definition})
		}
	}
	p.JSONLD = topicJSONLD(p)
	return p, nil
}

// TopicAlias returns the slug of the published topic that slug names by
// one of its aliases (or its name) slugified like a title ("janus-kinase-
// inhibitor" for "Janus kinase inhibitor"), so a reader's guess at a URL
// finds the topic; ENOTFOUND when none does.
func (d *Delivery) TopicAlias(ctx context.Context, slug string) (string, error) {
	pubs, err := d.Store.Glossary(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range pubs {
		for _, a := range append([]string{v.Name}, v.Aliases...) {
			if v.Slug != slug && Slugify(a) == slug {
				return v.Slug, nil
			}
		}
	}
	return "", Errorf(ENOTFOUND, "topic not found")
}

// topicJSONLD is the schema.org MedicalWebPage of a topic page, about the
// topic typed by its kind.
func topicJSONLD(p *DeliveryTopicPage) map[string]any {
	about := map[string]any{"@type": p.Kind.SchemaType(), "name": p.Name}
	if p.Definition != "" {
		about["description"] = p.Definition
	}
	if len(p.Aliases) > 0 {
		about["alternateName"] = p.Aliases
	}
	ld := map[string]any{
		"@context":     "https://schema.org",
		"@type":        "MedicalWebPage",
		"name":         p.Name,
		"about":        about,
		"dateModified": p.PublishedAt.Format(time.RFC3339),
	}
	if p.Definition != "" {
		ld["description"] = p.Definition
	}
	if len(p.Related) > 0 {
		rel := make([]map[string]any, len(p.Related))
		for i, r := range p.Related {
			rel[i] = map[string]any{"@type": r.Kind.SchemaType(), "name": r.Name}
		}
		ld["mentions"] = rel
	}
	if p.ReviewedBy != nil && p.LastReviewedAt != nil {
		reviewer := map[string]any{"@type": "Person", "name": p.ReviewedBy.Name}
		if p.ReviewedBy.Credentials != "" {
			reviewer["honorificSuffix"] = p.ReviewedBy.Credentials
		}
		ld["reviewedBy"], ld["lastReviewed"] = reviewer, p.LastReviewedAt.Format(time.RFC3339)
	}
	return ld
}
