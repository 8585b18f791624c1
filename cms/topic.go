package cms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"healthcms/workflow"
)

// Limits on topic fields.
const (
	MaxTopicDescription = 20000
	MaxAliases          = 20
	MaxDefinitionLen    = 300
	MaxRelated          = 50
	// MaxRequiredApprovals bounds the reviewers a topic may require.
	MaxRequiredApprovals = 5
)

// TopicKind says what a topic is; delivery types its JSON-LD by it.
type TopicKind string

// The topic kinds. The string values are part of the HTTP contract.
const (
	KindDrug      TopicKind = "drug"
	KindDrugClass TopicKind = "drug_class"
	KindCondition TopicKind = "condition"
	KindTreatment TopicKind = "treatment"
	KindTest      TopicKind = "test"
	KindOther     TopicKind = "other"
)

// TopicKinds lists every kind.
var TopicKinds = []TopicKind{KindDrug, KindDrugClass, KindCondition, KindTreatment, KindTest, KindOther}

// schemaTypes is the schema.org type of each kind; "other" is any medical
// entity.
var schemaTypes = map[TopicKind]string{KindDrug: "Drug", KindDrugClass: "DrugClass", KindCondition: "MedicalCondition",
	KindTreatment: "MedicalTherapy", KindTest: "MedicalTest", KindOther: "MedicalEntity"}

// SchemaType is the schema.org type JSON-LD gives a topic of this kind.
func (k TopicKind) SchemaType() string {
	if t, ok := schemaTypes[k]; ok {
		return t
	}
	return "MedicalEntity"
}

// TopicContent is everything a reader is shown of a topic: what a topic
// revision holds and what its content hash covers. Related names topics
// by slug; the link is shown on both topics but is content of this one
// only.
type TopicContent struct {
	Name            string    `json:"name"`
	Kind            TopicKind `json:"kind"`
	Definition      string    `json:"definition"`
	DescriptionHTML string    `json:"description_html"`
	Aliases         []string  `json:"aliases"`
	Related         []string  `json:"related"`
}

// TopicContentHash is sha256 over the canonical encoding of what review
// of a topic decides on: the content readers are shown and the number of
// reviewers its articles need (required), which is part of the reviewed
// topic since API.md reads it from the published version. The encoding
// carries its version and its subject ("v": 2, "subject": "topic"), so it
// can never collide with an article's or with the first encoding, which
// left the number out (see TopicContentHashV1).
func TopicContentHash(c *TopicContent, required int) string {
	return sha256Of(struct {
		V               int       `json:"v"`
		Subject         string    `json:"subject"`
		Name            string    `json:"name"`
		Kind            TopicKind `json:"kind"`
		Definition      string    `json:"definition"`
		DescriptionHTML string    `json:"description_html"`
		Aliases         []string  `json:"aliases"`
		Related         []string  `json:"related"`
		Required        int       `json:"required_approvals"`
	}{2, SubjectTopic, c.Name, c.Kind, c.Definition, c.DescriptionHTML, orEmpty(c.Aliases), orEmpty(c.Related), required})
}

// TopicContentHashV1 is the first encoding, of the content alone. New
// revisions are never hashed with it; revisions and versions hashed with
// it keep their hashes, and the store computes it for those made by
// migration 00013, which stored none.
func TopicContentHashV1(c *TopicContent) string {
	return sha256Of(struct {
		V               int       `json:"v"`
		Subject         string    `json:"subject"`
		Name            string    `json:"name"`
		Kind            TopicKind `json:"kind"`
		Definition      string    `json:"definition"`
		DescriptionHTML string    `json:"description_html"`
		Aliases         []string  `json:"aliases"`
		Related         []string  `json:"related"`
	}{1, SubjectTopic, c.Name, c.Kind, c.Definition, c.DescriptionHTML, orEmpty(c.Aliases), orEmpty(c.Related)})
}

// topicHashes are every hash a topic draft has: its own and the one of
// the other encoding, so the self-review rule recognises a reviewer's
// revision whichever encoding hashed it. The v1 hash leaves the number
// of reviewers out, so it may match a revision that differed only in it:
// that errs on the side of a second reviewer.
func topicHashes(t *Topic) []string {
	v1 := TopicContentHashV1(&t.TopicContent)
	if t.ContentHash == v1 {
		return []string{t.ContentHash, TopicContentHash(&t.TopicContent, t.RequiredApprovals)}
	}
	return []string{t.ContentHash, v1}
}

// Topic is a term of the newsroom's medical vocabulary ("JAK inhibitors")
// as editors see it: its working copy (the draft content), the approval
// that binds to content, and what readers see (live). Its slug is its
// identity; every write increments Version, the value of its ETag.
type Topic struct {
	Slug string `json:"slug"`
	TopicContent
	State       workflow.State `json:"state"`
	Version     int64          `json:"version"`
	Revision    int            `json:"revision"`
	ContentHash string         `json:"content_hash"`
	// RequiredApprovals is how many distinct reviewers must approve an
	// article tagged with the topic (1..MaxRequiredApprovals), as the
	// draft says. Articles count it from the latest published version:
	// it is reviewed like the content, so the hash covers it.
	RequiredApprovals int       `json:"required_approvals"`
	Approval          *Approval `json:"approval"`
	Live              *Live     `json:"live"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	// Author is who created the topic, its author for the review rules
	// (CreatedBy); SavedBy and SavedAt say who saved the draft revision
	// and when, so a client can tell whose words are under review. Both
	// are null for topics made before topics were reviewed (00013).
	Author  *UserRef   `json:"author"`
	SavedBy *UserRef   `json:"saved_by"`
	SavedAt *time.Time `json:"saved_at"`

	// CreatedBy is who created the topic: its author for the workflow.
	CreatedBy string `json:"-"`
	// PublishedVersions counts the versions ever published.
	PublishedVersions int `json:"-"`
}

// TopicRevision is one immutable saved state of a topic's content.
type TopicRevision struct {
	Number int `json:"revision"`
	TopicContent
	// RequiredApprovals is the draft's number of reviewers as saved.
	RequiredApprovals int       `json:"required_approvals"`
	ContentHash       string    `json:"content_hash"`
	SavedBy           UserRef   `json:"saved_by"`
	SavedAt           time.Time `json:"saved_at"`
}

// TopicVersion is an immutable published version of a topic: what
// delivery serves of it, with who reviewed it.
type TopicVersion struct {
	Slug     string
	Version  int
	Revision int
	TopicContent
	// RequiredApprovals is how many reviewers the topic's articles need
	// while this is its latest version.
	RequiredApprovals int
	ContentHash       string
	PublishedAt       time.Time
	PublishedBy       UserRef
	// Reviewer and ReviewedAt are nil for a version published before
	// topics were reviewed (migration 00013).
	Reviewer   *DeliveryPerson
	ReviewedAt *time.Time
	// ArticleCount is the number of live articles tagged with the topic;
	// set by the store's lists of published topics only.
	ArticleCount int
}

// TopicWrite is one change to a topic, applied in one transaction or not
// at all: the topic row, an optional new revision, an optional approval
// record, an optional published version, and the audit event.
type TopicWrite struct {
	// Topic is the state after the change, its Version already advanced.
	Topic *Topic
	// PrevVersion is the version the change was decided on (EPRECONDITION
	// when the stored one differs); zero creates the topic (ECONFLICT for
	// a taken slug).
	PrevVersion int64
	Revision    *TopicRevision
	// Approved records Topic.Approval among the topic's past approvals.
	Approved  bool
	Published *TopicVersion
	// Unpublished takes the topic out of delivery.
	Unpublished bool
	Event       *AuditEvent
}

// TopicStore keeps topics. Topic, TopicRevision and WriteTopic return
// ENOTFOUND for an unknown topic; DeleteTopic returns ECONFLICT while any
// article uses the topic or it is live, and EPRECONDITION when the topic
// is no longer at version.
type TopicStore interface {
	Topics(ctx context.Context) ([]*Topic, error)
	Topic(ctx context.Context, slug string) (*Topic, error)
	TopicRevision(ctx context.Context, slug string, n int) (*TopicRevision, error)
	// TopicReviewHistory returns who saved which content and who approved
	// which revision, for the self-review rule.
	TopicReviewHistory(ctx context.Context, slug string) (*ReviewHistory, error)
	WriteTopic(ctx context.Context, w *TopicWrite) error
	DeleteTopic(ctx context.Context, slug string, version int64, ev *AuditEvent) error
	// PublishedTopics returns the live version of every published topic,
	// by name, with its count of live articles.
	PublishedTopics(ctx context.Context) ([]*TopicVersion, error)
	// Glossary is PublishedTopics without the article counts (zero), for
	// finding topics named in an article's text.
	Glossary(ctx context.Context) ([]*TopicVersion, error)
}

// ETag is the topic's version for If-Match, as articles have.
func (t *Topic) ETag() string { return `"` + strconv.FormatInt(t.Version, 10) + `"` }

// TopicVersionOf parses an If-Match header naming a topic version; 0 when
// the header is absent (saves and deletes do not require it; transitions
// do), EPRECONDITION when it names no version.
func TopicVersionOf(ifMatch string) (int64, error) {
	h := strings.TrimSpace(ifMatch)
	if h == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, Errorf(EPRECONDITION, `If-Match does not name a version of this topic (want e.g. "3")`)
	}
	return v, nil
}

// subject is what the workflow rules need to know about the topic; h is
// its review history, needed only to approve or request changes.
func (t *Topic) subject(h *ReviewHistory) workflow.Subject {
	s := workflow.Subject{State: t.State, AuthorID: t.CreatedBy, HasLive: t.Live != nil, DraftHash: t.ContentHash,
		DraftHashes: topicHashes(t)}
	if t.Approval != nil {
		s.ApprovedHash = t.Approval.ContentHash
	}
	if h != nil {
		s.Revisions, s.Approvals = h.Revisions, h.Approvals
	}
	return s
}

// TopicInput is the body of a topic create or replace.
type TopicInput struct {
	Slug            string   `json:"slug"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Definition      string   `json:"definition"`
	DescriptionHTML string   `json:"description_html"`
	Aliases         []string `json:"aliases"`
	Related         []string `json:"related"`
	// RequiredApprovals is how many distinct reviewers must approve an
	// article tagged with the topic; omitted, 1 for a new topic and
	// unchanged for an existing one.
	RequiredApprovals *int `json:"required_approvals"`
}

// content validates the input and returns the slug and the content to
// save, the description sanitized with the article policy. On replace the
// slug comes from the path and the input's, if given, must match it.
// Whether related topics exist is checked by the caller, which has the
// store.
func (in *TopicInput) content(pathSlug string) (string, *TopicContent, error) {
	var v Validation
	slug := strings.TrimSpace(in.Slug)
	switch {
	case pathSlug != "" && slug != "" && slug != pathSlug:
		v.Add("slug", "cannot be changed; it is the topic's identity")
	case pathSlug != "":
		slug = pathSlug
	default:
		checkSlug(&v, "slug", slug)
	}
	c := &TopicContent{Name: strings.TrimSpace(in.Name), Kind: TopicKind(strings.TrimSpace(in.Kind)),
		Definition: strings.TrimSpace(in.Definition)}
	checkLine(&v, "name", c.Name, 1, MaxNameLen)
	if c.Kind == "" {
		c.Kind = KindOther
	} else if !slices.Contains(TopicKinds, c.Kind) {
		v.Add("kind", "must be one of drug, drug_class, condition, treatment, test, other")
	}
	switch {
	case !utf8.ValidString(c.Definition):
		v.Add("definition", "must be valid UTF-8")
	case strings.ContainsAny(c.Definition, "\r\n"):
		v.Add("definition", "must be one sentence on one line")
	case hasControl(c.Definition, false):
		v.Add("definition", "must not contain control characters")
	case strings.ContainsAny(c.Definition, "<>"):
		// Definitions are shown inline as plain text (tooltips, JSON-LD).
		v.Add("definition", "must be plain text without < or >")
	case utf8.RuneCountInString(c.Definition) > MaxDefinitionLen:
		v.Add("definition", fmt.Sprintf("must be at most %d characters", MaxDefinitionLen))
	}
	desc, _ := SanitizeHTML(in.DescriptionHTML)
	if len(desc) > MaxTopicDescription {
		v.Add("description_html", "must be at most 20000 bytes")
	}
	c.DescriptionHTML = desc
	c.Aliases = make([]string, 0, len(in.Aliases))
	if len(in.Aliases) > MaxAliases {
		v.Add("aliases", "must be at most 20")
	}
	for _, a := range in.Aliases {
		a = strings.TrimSpace(a)
		var av Validation
		checkLine(&av, "aliases", a, 1, MaxNameLen)
		if err := av.Err(); err != nil {
			v.Add("aliases", "must each be 1 to 120 characters of plain text")
			break
		}
		if !containsFold(c.Aliases, a) && !strings.EqualFold(a, c.Name) {
			c.Aliases = append(c.Aliases, a)
		}
	}
	c.Related = make([]string, 0, len(in.Related))
	if len(in.Related) > MaxRelated {
		v.Add("related", fmt.Sprintf("must be at most %d", MaxRelated))
	}
	for _, r := range in.Related {
		switch {
		case !ValidSlug(r):
			v.Add("related", "must each be a topic slug")
		case r == slug:
			v.Add("related", "must not name the topic itself")
		case !slices.Contains(c.Related, r):
			c.Related = append(c.Related, r)
			continue
		default:
			continue
		}
		break
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	return slug, c, nil
}

// requiredApprovals validates the input's required_approvals and returns
// it, or current when it is omitted.
func (in *TopicInput) requiredApprovals(current int) (int, error) {
	if in.RequiredApprovals == nil {
		return current, nil
	}
	if n := *in.RequiredApprovals; n < 1 || n > MaxRequiredApprovals {
		return 0, Invalid("required_approvals", fmt.Sprintf("must be 1 to %d", MaxRequiredApprovals))
	}
	return *in.RequiredApprovals, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Topics returns every topic by name.
func (e *Editor) Topics(ctx context.Context) ([]*Topic, error) { return e.Store.Topics(ctx) }

// Topic returns one topic.
func (e *Editor) Topic(ctx context.Context, slug string) (*Topic, error) {
	return e.Store.Topic(ctx, slug)
}

// TopicRevision returns one revision of a topic.
func (e *Editor) TopicRevision(ctx context.Context, slug string, n int) (*TopicRevision, error) {
	return e.Store.TopicRevision(ctx, slug, n)
}

// checkRelated refuses related slugs that are not topics.
func (e *Editor) checkRelated(ctx context.Context, c *TopicContent) error {
	missing, err := e.Store.MissingTopics(ctx, c.Related)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return Invalid("related", "names topics that do not exist: "+strings.Join(missing, ", "))
	}
	return nil
}

// CreateTopic validates, sanitizes and stores a new topic as a draft: it
// reaches readers only once reviewed and published. Editors and admins
// only.
func (e *Editor) CreateTopic(ctx context.Context, actor *User, in TopicInput) (*Topic, error) {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return nil, err
	}
	slug, c, err := in.content("")
	if err != nil {
		return nil, err
	}
	required, err := in.requiredApprovals(1)
	if err != nil {
		return nil, err
	}
	if err := e.checkRelated(ctx, c); err != nil {
		return nil, err
	}
	now := Now()
	rev := &TopicRevision{Number: 1, TopicContent: *c, RequiredApprovals: required, ContentHash: TopicContentHash(c, required),
		SavedBy: actor.Ref(), SavedAt: now}
	by := actor.Ref()
	t := &Topic{Slug: slug, TopicContent: *c, State: workflow.Draft, Version: 1, Revision: 1, ContentHash: rev.ContentHash,
		RequiredApprovals: required, CreatedAt: now, UpdatedAt: now, CreatedBy: actor.ID, Author: &by, SavedBy: &by, SavedAt: &now}
	ev := NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), EventCreated, fmt.Sprintf("topic %q created (revision 1)", c.Name), now)
	if err := e.Store.WriteTopic(ctx, &TopicWrite{Topic: t, Revision: rev, Event: ev}); err != nil {
		return nil, err
	}
	return t, nil
}

// topicRetries bounds how often a write without If-Match is retried when
// the topic changed between reading it and writing.
const topicRetries = 20

// ReplaceTopic saves new content for a topic, at version ifMatch (any
// version when 0: topic saves keep their optional If-Match). A change of
// content or of required approvals is a new immutable revision and sends
// the topic back to draft, clearing its approval; readers keep the published version until the
// new one is reviewed and published. Editors and admins only.
func (e *Editor) ReplaceTopic(ctx context.Context, actor *User, slug string, ifMatch int64, in TopicInput) (*Topic, error) {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return nil, err
	}
	_, c, err := in.content(slug)
	if err != nil {
		return nil, err
	}
	if _, err := in.requiredApprovals(1); err != nil {
		return nil, err
	}
	if err := e.checkRelated(ctx, c); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		t, err := e.Store.Topic(ctx, slug)
		if err != nil {
			return nil, err
		}
		if ifMatch != 0 && t.Version != ifMatch {
			return nil, staleTopic(t.Version)
		}
		required, _ := in.requiredApprovals(t.RequiredApprovals)
		hash := TopicContentHash(c, required)
		if t.ContentHash == TopicContentHashV1(c) && required == t.RequiredApprovals {
			// A draft hashed before the number of reviewers was: nothing
			// changed, so it keeps its hash and its approval.
			hash = t.ContentHash
		}
		changed := hash != t.ContentHash
		state, err := workflow.Save(t.subject(nil), actor.Actor(), changed)
		if err != nil {
			return nil, fromWorkflow(err)
		}
		old, oldRequired := t.TopicContent, t.RequiredApprovals
		now := Now()
		w := &TopicWrite{Topic: t, PrevVersion: t.Version}
		detail := "saved without changes"
		if changed {
			t.Revision++
			w.Revision = &TopicRevision{Number: t.Revision, TopicContent: *c, RequiredApprovals: required, ContentHash: hash,
				SavedBy: actor.Ref(), SavedAt: now}
			by := actor.Ref()
			t.TopicContent, t.RequiredApprovals, t.ContentHash, t.Approval = *c, required, hash, nil
			t.SavedBy, t.SavedAt = &by, &now
			detail = topicChanges(&old, c)
			if required != oldRequired {
				change := fmt.Sprintf("required approvals changed from %d to %d", oldRequired, required)
				if detail == "saved without changes" {
					detail = change
				} else {
					detail += "; " + change
				}
			}
			detail += fmt.Sprintf(" (revision %d)", t.Revision)
		}
		t.State, t.Version, t.UpdatedAt = state, t.Version+1, now
		w.Event = NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), EventChanged, detail, now)
		err = e.Store.WriteTopic(ctx, w)
		if ifMatch == 0 && ErrorCode(err) == EPRECONDITION && i < topicRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// DeleteTopic deletes a topic that no article uses and that is not live,
// if it is still at version ifMatch (any version when 0). Editors and
// admins only.
func (e *Editor) DeleteTopic(ctx context.Context, actor *User, slug string, ifMatch int64) error {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return err
	}
	for i := 0; ; i++ {
		old, err := e.Store.Topic(ctx, slug)
		if err != nil {
			return err
		}
		if ifMatch != 0 && old.Version != ifMatch {
			return staleTopic(old.Version)
		}
		ev := NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), EventDeleted, fmt.Sprintf("topic %q deleted", old.Name), Now())
		err = e.Store.DeleteTopic(ctx, slug, old.Version, ev)
		if ifMatch == 0 && ErrorCode(err) == EPRECONDITION && i < topicRetries {
			continue
		}
		return err
	}
}

// staleTopic is the answer to an If-Match that is not the topic's version.
func staleTopic(current int64) error {
	return Errorf(EPRECONDITION, "the topic has changed (it is at version %d); reload it and apply your change again", current)
}

// topicChanges says which fields of a topic changed, from what to what;
// the description, being long HTML, only that it changed.
func topicChanges(old, t *TopicContent) string {
	var parts []string
	if old.Name != t.Name {
		parts = append(parts, fmt.Sprintf("name changed from %q to %q", old.Name, t.Name))
	}
	if old.Kind != t.Kind {
		parts = append(parts, fmt.Sprintf("kind changed from %q to %q", old.Kind, t.Kind))
	}
	if old.Definition != t.Definition {
		parts = append(parts, fmt.Sprintf("definition changed from %q to %q", old.Definition, t.Definition))
	}
	if old.DescriptionHTML != t.DescriptionHTML {
		parts = append(parts, "description changed")
	}
	if !slices.Equal(old.Aliases, t.Aliases) {
		parts = append(parts, fmt.Sprintf("aliases changed from %q to %q", strings.Join(old.Aliases, ", "), strings.Join(t.Aliases, ", ")))
	}
	if !slices.Equal(old.Related, t.Related) {
		parts = append(parts, fmt.Sprintf("related changed from %q to %q", strings.Join(old.Related, ", "), strings.Join(t.Related, ", ")))
	}
	if len(parts) == 0 {
		return "saved without changes"
	}
	return strings.Join(parts, "; ")
}
