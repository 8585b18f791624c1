package cms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits on topic fields.
const (
	MaxTopicDescription = 20000
	MaxAliases          = 20
	// MaxRequiredApprovals bounds the reviewers a topic may require.
	MaxRequiredApprovals = 5
)

// Topic groups articles ("JAK inhibitors"). Its slug is its identity.
type Topic struct {
	Slug            string   `json:"slug"`
	Name            string   `json:"name"`
	DescriptionHTML string   `json:"description_html"`
	Aliases         []string `json:"aliases"`
	// RequiredApprovals is how many distinct reviewers must approve an
	// article tagged with the topic (1..MaxRequiredApprovals).
	RequiredApprovals int       `json:"required_approvals"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// TopicStore keeps topics. CreateTopic returns ECONFLICT for a taken slug;
// Topic, UpdateTopic and DeleteTopic return ENOTFOUND for an unknown one;
// DeleteTopic returns ECONFLICT while any article uses the topic. With a
// non-nil since, UpdateTopic and DeleteTopic act only if the topic was
// last updated at exactly that time (EPRECONDITION otherwise). Every
// change is written with the audit event ev that records it, in one
// transaction.
type TopicStore interface {
	Topics(ctx context.Context) ([]*Topic, error)
	Topic(ctx context.Context, slug string) (*Topic, error)
	CreateTopic(ctx context.Context, t *Topic, ev *AuditEvent) error
	UpdateTopic(ctx context.Context, t *Topic, since *time.Time, ev *AuditEvent) error
	DeleteTopic(ctx context.Context, slug string, since *time.Time, ev *AuditEvent) error
}

// ETag is the topic's version for If-Match: its last update time.
func (t *Topic) ETag() string { return `"` + strconv.FormatInt(t.UpdatedAt.UnixMicro(), 10) + `"` }

// TopicVersion parses an If-Match header naming a topic version; nil when
// the header is absent (topic writes do not require it), EPRECONDITION
// when it names no version.
func TopicVersion(ifMatch string) (*time.Time, error) {
	if ifMatch == "" {
		return nil, nil
	}
	us, err := strconv.ParseInt(strings.Trim(ifMatch, `"`), 10, 64)
	at := time.UnixMicro(us).UTC()
	if err != nil || at.Year() < 1 || at.Year() > 9999 {
		return nil, Errorf(EPRECONDITION, "If-Match does not name a version of this topic")
	}
	return &at, nil
}

// TopicInput is the body of a topic create or replace.
type TopicInput struct {
	Slug            string   `json:"slug"`
	Name            string   `json:"name"`
	DescriptionHTML string   `json:"description_html"`
	Aliases         []string `json:"aliases"`
	// RequiredApprovals defaults to 1 when omitted.
	RequiredApprovals *int `json:"required_approvals"`
}

// Topic validates the input and returns the topic to store, its
// description sanitized with the article policy. On replace the slug comes
// from the path and the input's, if given, must match it.
func (in *TopicInput) Topic(pathSlug string, now time.Time) (*Topic, error) {
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
	name := strings.TrimSpace(in.Name)
	checkLine(&v, "name", name, 1, MaxNameLen)
	desc, _ := SanitizeHTML(in.DescriptionHTML)
	if len(desc) > MaxTopicDescription {
		v.Add("description_html", "must be at most 20000 bytes")
	}
	aliases := make([]string, 0, len(in.Aliases))
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
		if !containsFold(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	required := 1
	if in.RequiredApprovals != nil {
		required = *in.RequiredApprovals
		if required < 1 || required > MaxRequiredApprovals {
			v.Add("required_approvals", "must be 1 to 5")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Topic{Slug: slug, Name: name, DescriptionHTML: desc, Aliases: aliases, RequiredApprovals: required,
		CreatedAt: now, UpdatedAt: now}, nil
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

// CreateTopic validates, sanitizes and stores a new topic. Editors and
// admins only.
func (e *Editor) CreateTopic(ctx context.Context, actor *User, in TopicInput) (*Topic, error) {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return nil, err
	}
	t, err := in.Topic("", Now())
	if err != nil {
		return nil, err
	}
	ev := NewAuditEvent(Subject{SubjectTopic, t.Slug}, actor.Ref(), EventCreated, fmt.Sprintf("topic %q created", t.Name), t.CreatedAt)
	if err := e.Store.CreateTopic(ctx, t, ev); err != nil {
		return nil, err
	}
	return t, nil
}

// topicRetries bounds how often a write without If-Match is retried when
// the topic changed between reading it (for the audit detail) and writing.
const topicRetries = 20

// ReplaceTopic replaces the name, description and aliases of a topic, if
// it is still at version since (any version when nil). Editors and admins
// only.
func (e *Editor) ReplaceTopic(ctx context.Context, actor *User, slug string, since *time.Time, in TopicInput) (*Topic, error) {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return nil, err
	}
	t, err := in.Topic(slug, Now())
	if err != nil {
		return nil, err
	}
	// The audit detail compares with the topic as it was, so the write is
	// made conditional on the version read: the detail is exact even when
	// the caller sent no If-Match. The time is taken after the read, so a
	// topic's versions and events are in time order as they are in chain
	// order.
	for i := 0; ; i++ {
		old, err := e.Store.Topic(ctx, slug)
		if err != nil {
			return nil, err
		}
		at := since
		if at == nil {
			at = &old.UpdatedAt
		}
		t.UpdatedAt = Now()
		ev := NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), EventChanged, topicChanges(old, t), t.UpdatedAt)
		err = e.Store.UpdateTopic(ctx, t, at, ev)
		if since == nil && ErrorCode(err) == EPRECONDITION && i < topicRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// DeleteTopic deletes a topic that no article uses, if it is still at
// version since (any version when nil). Editors and admins only.
func (e *Editor) DeleteTopic(ctx context.Context, actor *User, slug string, since *time.Time) error {
	if err := RequireRole(actor, "changing topics", roleTopics...); err != nil {
		return err
	}
	for i := 0; ; i++ {
		old, err := e.Store.Topic(ctx, slug)
		if err != nil {
			return err
		}
		at := since
		if at == nil {
			at = &old.UpdatedAt
		}
		ev := NewAuditEvent(Subject{SubjectTopic, slug}, actor.Ref(), EventDeleted, fmt.Sprintf("topic %q deleted", old.Name), Now())
		err = e.Store.DeleteTopic(ctx, slug, at, ev)
		if since == nil && ErrorCode(err) == EPRECONDITION && i < topicRetries {
			continue
		}
		return err
	}
}

// topicChanges says which fields of a topic changed, from what to what;
// the description, being long HTML, only that it changed.
func topicChanges(old, t *Topic) string {
	var parts []string
	if old.Name != t.Name {
		parts = append(parts, fmt.Sprintf("name changed from %q to %q", old.Name, t.Name))
	}
	if old.DescriptionHTML != t.DescriptionHTML {
		parts = append(parts, "description changed")
	}
	if !slices.Equal(old.Aliases, t.Aliases) {
		parts = append(parts, fmt.Sprintf("aliases changed from %q to %q", strings.Join(old.Aliases, ", "), strings.Join(t.Aliases, ", ")))
	}
	if old.RequiredApprovals != t.RequiredApprovals {
		parts = append(parts, fmt.Sprintf("required approvals changed from %d to %d", old.RequiredApprovals, t.RequiredApprovals))
	}
	if len(parts) == 0 {
		return "saved without changes"
	}
	return strings.Join(parts, "; ")
}
