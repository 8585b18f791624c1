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
	topics, err := e.topicRefs(ctx, a.Draft.Topics)
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
	doc := deliveryArticle(a.Draft, a.Slug, version, topics, a.Author.Name, published, a.Draft.SavedAt, reviewers, reviewed)
	return mustMarshal(doc), nil
}

// topicRefs names topics by slug, leaving out any deleted since.
func (e *Editor) topicRefs(ctx context.Context, slugs []string) ([]TopicRef, error) {
	refs := make([]TopicRef, 0, len(slugs))
	for _, slug := range slugs {
		t, err := e.Store.Topic(ctx, slug)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		refs = append(refs, TopicRef{Slug: t.Slug, Name: t.Name})
	}
	return refs, nil
}
