package cms

import (
	"context"
	"time"
)

// Preview renders an article's latest draft in the delivery shape, so a
// frontend can show it exactly as it would look live. The reviewer is
// shown only when the approval binds to this very draft.
func (e *Editor) Preview(ctx context.Context, id string) ([]byte, error) {
	a, err := e.Store.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	topics, mentions, err := e.vocabulary(ctx, a.Draft, PlainText(a.Draft.BodyHTML))
	if err != nil {
		return nil, err
	}
	published := a.Draft.SavedAt
	if a.FirstPublishedAt != nil {
		published = *a.FirstPublishedAt
	}
	version := a.PublishedVersions + 1
	var reviewers []DeliveryPerson
	var reviewed *time.Time
	if ap := a.Approval; ap != nil && ap.ContentHash == a.Draft.ContentHash {
		at := ap.At
		for _, r := range a.reviewers() {
			reviewers = append(reviewers, DeliveryPerson{Name: r.Name, Credentials: r.Credentials})
		}
		reviewed = &at
	}
	doc := deliveryArticle(a.Draft, a.Slug, version, topics, mentions, a.Author.Name, published, a.Draft.SavedAt, reviewers, reviewed)
	return mustMarshal(doc), nil
}

// vocabulary is what the published vocabulary says of a revision: its
// topics that are published, by their published names (a topic never
// published is not shown to readers), and the published topics its title,
// summary and body name; bodyText is PlainText of its body, which the
// caller has made already.
func (e *Editor) vocabulary(ctx context.Context, rev *Revision, bodyText string) ([]TopicRef, []Mention, error) {
	pubs, err := e.Store.Glossary(ctx)
	if err != nil {
		return nil, nil, err
	}
	refs := make([]TopicRef, 0, len(rev.Topics))
	for _, slug := range rev.Topics {
		for _, t := range pubs {
			if t.Slug == slug {
				refs = append(refs, TopicRef{Slug: t.Slug, Name: t.Name, Kind: t.Kind})
			}
		}
	}
	return refs, FindMentions(pubs, rev.Title, rev.Summary, bodyText), nil
}
