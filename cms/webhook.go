package cms

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"healthcms/workflow"
)

// Webhook events: what a publisher's systems can be told about.
const (
	HookArticleSubmitted        = "article.submitted"
	HookArticleApproved         = "article.approved"
	HookArticleChangesRequested = "article.changes_requested"
	HookArticlePublished        = "article.published"
	HookArticleUnpublished      = "article.unpublished"
	HookArticleScheduled        = "article.scheduled"
	HookTopicChanged            = "topic.changed"
)

// HookEvents lists every webhook event.
var HookEvents = []string{HookArticleSubmitted, HookArticleApproved, HookArticleChangesRequested,
	HookArticlePublished, HookArticleUnpublished, HookArticleScheduled, HookTopicChanged}

// Limits of a webhook's fields.
const (
	MaxHookURLLen    = 2000
	MinHookSecretLen = 16
	MaxHookSecretLen = 200
)

// Webhook is a URL that is sent the events it subscribes to. Its secret,
// which signs every delivery, is shown once, at creation.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy UserRef   `json:"created_by"`
}

// Wants reports whether the webhook subscribes to event.
func (h *Webhook) Wants(event string) bool { return slices.Contains(h.Events, event) }

// NewWebhook is the input for creating a webhook; an empty Secret is
// generated.
type NewWebhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// HookEvent is one event recorded for the webhooks, in the transaction of
// the change it reports. Body is the JSON every subscribed webhook is sent,
// byte for byte on every attempt, so its signature never changes.
type HookEvent struct {
	ID    string
	Event string
	At    time.Time
	Body  []byte
}

// HookArticle is the article an event is about.
type HookArticle struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	// LiveVersion is the published version readers see, nil when none.
	LiveVersion *int `json:"live_version"`
}

// HookTopic is the topic a topic.changed event is about.
type HookTopic struct {
	Slug    string `json:"slug"`
	Name    string `json:"name,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

func newHookEvent(event string, at time.Time, article *HookArticle, topic *HookTopic) *HookEvent {
	e := &HookEvent{ID: NewID(), Event: event, At: at}
	e.Body, _ = json.Marshal(struct {
		ID      string       `json:"id"`
		Event   string       `json:"event"`
		At      time.Time    `json:"at"`
		Article *HookArticle `json:"article,omitempty"`
		Topic   *HookTopic   `json:"topic,omitempty"`
	}{e.ID, event, at, article, topic})
	return e
}

// TopicChanged is the topic.changed event of a topic created, replaced
// (name set) or deleted.
func TopicChanged(t HookTopic, at time.Time) *HookEvent {
	return newHookEvent(HookTopicChanged, at, nil, &t)
}

// hookOf names the webhook event of each workflow action that has one.
var hookOf = map[workflow.Action]string{
	workflow.Submit: HookArticleSubmitted, workflow.Approve: HookArticleApproved,
	workflow.RequestChanges: HookArticleChangesRequested, workflow.Schedule: HookArticleScheduled,
}

// hooks returns the webhook events of a workflow outcome applied to a:
// what readers see changing comes first (any action that makes the article
// live or takes it down), then the action's own event.
func (a *Article) hooks(act workflow.Action, o workflow.Outcome, at time.Time) []*HookEvent {
	name := hookOf[act]
	if act == workflow.Approve && !o.SetApproval {
		// One of several approvals (second opinions): the article is still
		// in review, so nothing is approved yet.
		name = ""
	}
	switch {
	case o.MakeLive:
		name = HookArticlePublished
	case o.ClearLive:
		name = HookArticleUnpublished
	}
	if name == "" {
		return nil
	}
	ref := &HookArticle{ID: a.ID, Slug: a.Slug}
	if a.Live != nil {
		v := a.Live.Version
		ref.LiveVersion = &v
	}
	return []*HookEvent{newHookEvent(name, at, ref, nil)}
}

// HookDelivery is one event sent (or being sent) to one webhook: the
// webhook's delivery log.
type HookDelivery struct {
	ID        string    `json:"id"`
	EventID   string    `json:"event_id"`
	Event     string    `json:"event"`
	CreatedAt time.Time `json:"created_at"`
	Attempts  int       `json:"attempts"`
	// StatusCode and Error are those of the last attempt (0 and "" before
	// the first, or when it got no answer).
	StatusCode    int        `json:"status_code"`
	Error         string     `json:"error"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	// FailedAt is when delivery was given up, after the last attempt.
	FailedAt *time.Time `json:"failed_at"`
}

// HookSend is a delivery claimed for sending.
type HookSend struct {
	ID, WebhookID, URL, Secret, Event string
	Body                              []byte
	// Attempts is how many were made before this one.
	Attempts int
}

// HookAttempt is the outcome of one attempt to send a claimed delivery.
type HookAttempt struct {
	ID    string
	At    time.Time
	Claim string
	// StatusCode is the target's answer, 0 when there was none.
	StatusCode int
	Error      string
	Delivered  bool
	// Next is when to try again; nil (and not Delivered) gives up.
	Next *time.Time
}

// WebhookStore keeps webhooks and their deliveries. Webhook returns
// ENOTFOUND for an unknown webhook, DeleteWebhook for an unknown or
// deleted one.
type WebhookStore interface {
	// CreateWebhook and DeleteWebhook record ev in the same transaction.
	CreateWebhook(ctx context.Context, h *Webhook, secret string, ev *AuditEvent) error
	// Webhooks lists the webhooks not deleted, newest first.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	Webhook(ctx context.Context, id string) (*Webhook, error)
	// DeleteWebhook deletes a webhook and gives up its pending deliveries.
	DeleteWebhook(ctx context.Context, id string, now time.Time, ev *AuditEvent) error
	// HookDeliveries lists a webhook's deliveries, newest first.
	HookDeliveries(ctx context.Context, webhookID string, limit int, after *Cursor) ([]*HookDelivery, error)
}

// Webhooks holds the use-cases of webhooks; admins only.
type Webhooks struct {
	Store WebhookStore
	// CheckTarget refuses a target URL whose host is not allowed (a
	// private address); nil allows any.
	CheckTarget func(ctx context.Context, u *url.URL) error
}

func mustAdmin(actor *User) error {
	if actor == nil || !actor.Has(workflow.RoleAdmin) {
		return Errorf(EFORBIDDEN, "only admins manage webhooks")
	}
	return nil
}

// List returns every webhook, without secrets.
func (s *Webhooks) List(ctx context.Context, actor *User) ([]*Webhook, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, err
	}
	return s.Store.Webhooks(ctx)
}

// Create stores a webhook and returns it with its secret, which is never
// shown again.
func (s *Webhooks) Create(ctx context.Context, actor *User, in NewWebhook) (*Webhook, string, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, "", err
	}
	u, err := in.validate()
	if err != nil {
		return nil, "", err
	}
	if s.CheckTarget != nil {
		if err := s.CheckTarget(ctx, u); err != nil {
			return nil, "", Invalid("url", err.Error())
		}
	}
	secret := in.Secret
	if secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b)
	}
	h := &Webhook{ID: NewID(), URL: u.String(), Events: in.Events, CreatedAt: Now(), CreatedBy: actor.Ref()}
	if err := s.Store.CreateWebhook(ctx, h, secret, webhookEvent(h, actor.Ref(), EventCreated, h.CreatedAt)); err != nil {
		return nil, "", err
	}
	return h, secret, nil
}

// validate normalizes and checks the input and returns the parsed URL.
func (in *NewWebhook) validate() (*url.URL, error) {
	var v Validation
	in.URL = strings.TrimSpace(in.URL)
	u, err := url.Parse(in.URL)
	switch {
	case in.URL == "" || len(in.URL) > MaxHookURLLen || hasControl(in.URL, false):
		v.Add("url", "must be an http or https URL of at most 2000 characters")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "":
		v.Add("url", "must be an absolute http or https URL")
	case u.User != nil:
		v.Add("url", "must not hold a user name or password (the signature authenticates deliveries)")
	case u.Fragment != "":
		v.Add("url", "must not have a fragment")
	}
	var events []string
	for _, e := range in.Events {
		if !slices.Contains(HookEvents, e) {
			v.Add("events", "has "+quote(e)+", which is not one of "+strings.Join(HookEvents, ", "))
		} else if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if len(in.Events) == 0 {
		v.Add("events", "must name at least one event")
	}
	in.Events = events
	if in.Secret != "" && (len(in.Secret) < MinHookSecretLen || len(in.Secret) > MaxHookSecretLen || hasControl(in.Secret, false)) {
		v.Add("secret", "must be 16 to 200 characters without control characters, or left out to have one generated")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return u, nil
}

// quote shows a user's value in a message, cut short.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// Delete deletes a webhook: nothing more is sent to it; its log stays.
func (s *Webhooks) Delete(ctx context.Context, actor *User, id string) error {
	if err := mustAdmin(actor); err != nil {
		return err
	}
	h, err := s.Store.Webhook(ctx, id)
	if err != nil {
		return err
	}
	now := Now()
	return s.Store.DeleteWebhook(ctx, id, now, webhookEvent(h, actor.Ref(), EventDeleted, now))
}

// webhookEvent is the audit event of creating or deleting h: its target
// and events, never its secret.
func webhookEvent(h *Webhook, actor UserRef, action string, at time.Time) *AuditEvent {
	return NewAuditEvent(Subject{SubjectWebhook, h.ID}, actor, action,
		fmt.Sprintf("webhook to %s %s (events %s)", h.URL, action, strings.Join(h.Events, ", ")), at)
}

// Deliveries returns a page of a webhook's delivery log, newest first,
// with the cursor of the next page ("" on the last).
func (s *Webhooks) Deliveries(ctx context.Context, actor *User, id string, limit int, cursor string) ([]*HookDelivery, string, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, "", err
	}
	if _, err := s.Store.Webhook(ctx, id); err != nil {
		return nil, "", err
	}
	var after *Cursor
	if cursor != "" {
		c, err := DecodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = c
	}
	ds, err := s.Store.HookDeliveries(ctx, id, limit+1, after)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ds) > limit {
		ds = ds[:limit]
		last := ds[limit-1]
		next = Cursor{At: last.CreatedAt, ID: last.ID}.Encode()
	}
	return ds, next, nil
}
