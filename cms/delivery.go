package cms

import "context"

// LiveDocument is a live article's prerendered delivery document.
type LiveDocument struct {
	// Slug is the slug the article is live at; a request for any other
	// slug the article had is redirected to it.
	Slug     string
	Document []byte
	ETag     string
}

// DeliveryStore reads what readers see: live articles only.
type DeliveryStore interface {
	// LiveArticle returns the live document of the article that has or had
	// slug; ENOTFOUND when there is none or it is not live.
	LiveArticle(ctx context.Context, slug string) (*LiveDocument, error)
}
