package cms

import (
	"slices"
	"time"

	"healthcms/workflow"
)

// Article is an article as editors see it: its working copy (the draft),
// the approval that binds to content, and what readers see (live). Every
// write increments Version, the value of its ETag.
type Article struct {
	ID        string         `json:"id"`
	Slug      string         `json:"slug"`
	State     workflow.State `json:"state"`
	Version   int64          `json:"version"`
	Author    UserRef        `json:"author"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Draft     *Revision      `json:"draft"`
	Approval  *Approval      `json:"approval"`
	// Approvals are the approvals of the current review round, oldest
	// first; RequiredApprovals is how many distinct reviewers it needs.
	Approvals         []Approval `json:"approvals"`
	RequiredApprovals int        `json:"required_approvals"`
	Live              *Live      `json:"live"`
	ScheduledAt       *time.Time `json:"scheduled_at"`
	ReviewDueAt       *time.Time `json:"review_due_at"`
	// OpenComments counts unresolved review comments; LastReview is the
	// latest approve or request_changes.
	OpenComments int     `json:"open_comments"`
	LastReview   *Review `json:"last_review"`
	// SubmittedAt is when the article last entered review (its wait in a
	// reviewer's queue).
	SubmittedAt *time.Time `json:"submitted_at"`
	// WordsChangedSinceLive counts the words the draft changes against the
	// live version, counted when the draft is saved; null without a live
	// version.
	WordsChangedSinceLive *int `json:"words_changed_since_live"`
	// Sanitizer is set only on the answer to a save.
	Sanitizer *SanitizeReport `json:"sanitizer,omitempty"`

	// ScheduledBy is the editor who scheduled publication; the scheduler
	// publishes in their name.
	ScheduledBy string `json:"-"`
	// LiveSlug is the slug readers reach the live version at; a new slug
	// saved in the draft reaches readers with the next publication.
	LiveSlug string `json:"-"`
	// FirstPublishedAt is when any version first went live; delivery's
	// published_at.
	FirstPublishedAt *time.Time `json:"-"`
	// LiveReviewedAt is when the live content was last medically reviewed.
	LiveReviewedAt *time.Time `json:"-"`
	// PublishedVersions counts the versions ever published; the next is
	// one more.
	PublishedVersions int `json:"-"`
	// TopicApprovals is the highest required_approvals among the draft's
	// topics (1 without topics).
	TopicApprovals int `json:"-"`
	// AuditSeq and AuditHead are the tip of the article's audit chain.
	AuditSeq  int64  `json:"-"`
	AuditHead string `json:"-"`
}

// Revision is one immutable saved state of an article's content.
type Revision struct {
	Number      int         `json:"revision"`
	Title       string      `json:"title"`
	Summary     string      `json:"summary"`
	BodyHTML    string      `json:"body_html"`
	Topics      []string    `json:"topics"`
	References  []Reference `json:"references"`
	ContentHash string      `json:"content_hash"`
	SavedBy     UserRef     `json:"saved_by"`
	SavedAt     time.Time   `json:"saved_at"`
}

// Reference is a cited source.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	DOI   string `json:"doi,omitempty"`
	PMID  string `json:"pmid,omitempty"`
}

// Approval is a medical review decision, bound to the content it approved.
type Approval struct {
	Revision    int         `json:"revision"`
	ContentHash string      `json:"content_hash"`
	Reviewer    ReviewerRef `json:"reviewer"`
	At          time.Time   `json:"at"`
	Comment     string      `json:"comment"`
}

// Review is a review decision as the writer sees it: approve or
// request_changes, with the reviewer's comment.
//
// Revision (beyond the contract) is the draft revision decided on, so a
// reviewer can diff from it to the draft: "changes since I reviewed".
type Review struct {
	Action   string      `json:"action"`
	Revision int         `json:"revision"`
	Comment  string      `json:"comment"`
	Reviewer ReviewerRef `json:"reviewer"`
	At       time.Time   `json:"at"`
}

// ReviewerRef names a reviewer with the credentials they reviewed under.
type ReviewerRef struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Credentials string `json:"credentials"`
}

// Live is the published version readers see.
type Live struct {
	Version     int       `json:"version"`
	Revision    int       `json:"revision"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy UserRef   `json:"published_by"`
}

// subject is what the workflow rules need to know about the article; h is
// its review history, needed only to approve or request changes (nil
// otherwise).
func (a *Article) subject(h *ReviewHistory) workflow.Subject {
	s := workflow.Subject{State: a.State, AuthorID: a.Author.ID, HasLive: a.Live != nil, DraftHash: a.Draft.ContentHash}
	if a.Approval != nil {
		s.ApprovedHash = a.Approval.ContentHash
	}
	s.RequiredApprovals = a.RequiredApprovals
	for _, ap := range a.Approvals {
		if ap.ContentHash == a.Draft.ContentHash {
			s.Approvers = append(s.Approvers, ap.Reviewer.ID)
		}
	}
	if h != nil {
		s.DraftHashes, s.Revisions = contentHashes(a.Draft), h.Revisions
		// An approval of the round under way is not "the last approval by
		// another reviewer": it reviewed the same words this reviewer is
		// asked about, so it must not shorten the window of words that
		// are theirs. A second opinion is independent or it is not one.
		for _, p := range h.Approvals {
			if !slices.ContainsFunc(a.Approvals, func(ap Approval) bool {
				return ap.Revision == p.Revision && ap.Reviewer.ID == p.ReviewerID
			}) {
				s.Approvals = append(s.Approvals, p)
			}
		}
	}
	return s
}

// ReviewHistory is what the self-review rule reads of an article's past:
// who saved which content, and who approved which revision.
type ReviewHistory struct {
	Revisions []workflow.SavedRevision
	Approvals []workflow.PastApproval
}
