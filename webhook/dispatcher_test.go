package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"healthcms/cms"
	"healthcms/cms/store"
	"healthcms/cms/store/storetest"
	"healthcms/webhook"
	"healthcms/workflow"
)

var admin = &cms.User{ID: "admin-1", Name: "Admin", Roles: []workflow.Role{workflow.RoleAdmin}}

// receiver is a webhook target that records every request and answers
// with the status its answer function gives.
type receiver struct {
	mu     sync.Mutex
	got    []received
	answer func(n int) int // n counts requests from 1
	srv    *httptest.Server
	conns  atomic.Int32 // connections accepted
}

type received struct {
	delivery, event, signature, contentType string
	body                                    []byte
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Get("X-CMS-Delivery"), r.Header.Get("X-CMS-Event"),
			r.Header.Get("X-CMS-Signature"), r.Header.Get("Content-Type"), b})
		n := len(rc.got)
		rc.mu.Unlock()
		w.WriteHeader(rc.answer(n))
	}))
	rc.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			rc.conns.Add(1)
		}
	}
	rc.srv.Start()
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func always(status int) func(int) int { return func(int) int { return status } }

// hook makes a webhook for events at url, bypassing the address check.
func hook(t *testing.T, db *store.DB, target string, events ...string) (*cms.Webhook, string) {
	t.Helper()
	hs := &cms.Webhooks{Store: db}
	h, secret, err := hs.Create(context.Background(), admin, cms.NewWebhook{URL: target, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return h, secret
}

// topics makes n topic.changed events.
func topics(t *testing.T, db *store.DB, prefix string, n int) {
	t.Helper()
	ed := &cms.Editor{Store: db}
	for i := 0; i < n; i++ {
		if _, err := ed.CreateTopic(context.Background(), cms.CommandLine(), cms.TopicInput{Slug: fmt.Sprintf("%s-%d", prefix, i), Name: fmt.Sprintf("%s %d", prefix, i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func dispatcher(db *store.DB) *webhook.Dispatcher {
	return &webhook.Dispatcher{Store: db, Backoff: 20 * time.Millisecond, Interval: 10 * time.Millisecond,
		Timeout: 2 * time.Second, AllowPrivate: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// start runs d until the test ends or the returned stop is called.
func start(t *testing.T, d *webhook.Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// eventually waits up to 10 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func deliveries(t *testing.T, db *store.DB, h *cms.Webhook) []*cms.HookDelivery {
	t.Helper()
	ds, _, err := (&cms.Webhooks{Store: db}).Deliveries(context.Background(), admin, h.ID, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestRetriedUntilAcknowledged: a target failing twice gets the event a
// third time, with the same delivery id and a valid signature each time,
// and then no more.
func TestRetriedUntilAcknowledged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusNoContent
		})
		h, secret := hook(t, db, rc.srv.URL+"/hook", cms.HookTopicChanged)
		topics(t, db, "jak", 1)
		start(t, dispatcher(db))
		eventually(t, "the delivery", func() bool { ds := deliveries(t, db, h); return len(ds) == 1 && ds[0].DeliveredAt != nil })
		time.Sleep(100 * time.Millisecond) // time for a wrong extra attempt
		got := rc.requests()
		if len(got) != 3 {
			t.Fatalf("%d requests, want 3", len(got))
		}
		for i, g := range got {
			if g.delivery != got[0].delivery || g.delivery == "" {
				t.Errorf("attempt %d: delivery id %q, first %q", i+1, g.delivery, got[0].delivery)
			}
			if want := webhook.Sign(secret, g.body); g.signature != want || !strings.HasPrefix(want, "sha256=") {
				t.Errorf("attempt %d: signature %q, want %q", i+1, g.signature, want)
			}
			if g.event != cms.HookTopicChanged || g.contentType != "application/json" {
				t.Errorf("attempt %d: event %q, content type %q", i+1, g.event, g.contentType)
			}
		}
		var body struct {
			ID, Event string
			At        time.Time
			Topic     struct{ Slug, Name string }
		}
		if err := json.Unmarshal(got[0].body, &body); err != nil || body.ID == "" || body.Event != cms.HookTopicChanged ||
			body.At.IsZero() || body.Topic.Slug != "jak-0" || body.Topic.Name != "jak 0" {
			t.Fatalf("body %s: %v", got[0].body, err)
		}
		d := deliveries(t, db, h)[0]
		if d.ID != got[0].delivery || d.Attempts != 3 || d.StatusCode != 204 || d.Error != "" || d.NextAttemptAt != nil ||
			d.FailedAt != nil || d.EventID != body.ID {
			t.Fatalf("delivery log: %+v", d)
		}
		t.Logf("attempts at the receiver: %d, acknowledged: 1", len(got))
	})
}

// TestGivesUp: a target that always fails gets MaxAttempts attempts, then
// the delivery is marked failed.
func TestGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := newReceiver(t, always(http.StatusServiceUnavailable))
		h, _ := hook(t, db, rc.srv.URL, cms.HookTopicChanged)
		topics(t, db, "psoriasis", 1)
		d := dispatcher(db)
		d.MaxAttempts, d.Backoff = 3, time.Millisecond
		start(t, d)
		eventually(t, "giving up", func() bool { ds := deliveries(t, db, h); return len(ds) == 1 && ds[0].FailedAt != nil })
		time.Sleep(50 * time.Millisecond)
		ds := deliveries(t, db, h)
		if n := len(rc.requests()); n != 3 || ds[0].Attempts != 3 || ds[0].StatusCode != 503 || ds[0].NextAttemptAt != nil ||
			!strings.Contains(ds[0].Error, "503") {
			t.Fatalf("%d requests, log %+v", n, ds[0])
		}
	})
}

// TestTwoServersDeliverOnce: two dispatchers on one database, each with a
// pool of its own as two servers would have, send every event exactly
// once between them.
func TestTwoServersDeliverOnce(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			one, two := storetest.OpenURL(t, dbURL), storetest.OpenURL(t, dbURL)
			rc := newReceiver(t, always(http.StatusOK))
			hook(t, one, rc.srv.URL, cms.HookTopicChanged)
			const events = 120
			d1, d2 := dispatcher(one), dispatcher(two)
			start(t, d1)
			start(t, d2)
			topics(t, one, "a", events/2)
			topics(t, two, "b", events/2)
			eventually(t, "every event", func() bool { return len(rc.requests()) >= events })
			time.Sleep(200 * time.Millisecond) // time for a wrong duplicate
			seen := map[string]int{}
			for _, g := range rc.requests() {
				var b struct{ ID string }
				json.Unmarshal(g.body, &b)
				seen[b.ID]++
			}
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			if len(seen) != events || dups != 0 {
				t.Fatalf("%d distinct events of %d, %d duplicates", len(seen), events, dups)
			}
			sent := func(d *webhook.Dispatcher) float64 {
				reg := prometheus.NewRegistry()
				reg.MustRegister(d.Collectors()...)
				mfs, _ := reg.Gather()
				for _, mf := range mfs {
					for _, m := range mf.GetMetric() {
						if mf.GetName() == "cms_webhook_deliveries_total" && m.GetLabel()[0].GetValue() == "delivered" {
							return m.GetCounter().GetValue()
						}
					}
				}
				return 0
			}
			eventually(t, "both servers to record", func() bool { return sent(d1)+sent(d2) == events })
			t.Logf("%d events, %d requests at the receiver, 0 duplicates; server one sent %v, server two %v",
				events, len(rc.requests()), sent(d1), sent(d2))
		})
	}
}

// TestDeliveredAfterRestart: events recorded while no server sends, and a
// delivery in flight when its server stops, are delivered by the next one.
func TestDeliveredAfterRestart(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			first := storetest.OpenURL(t, dbURL)
			hang := make(chan struct{})
			var once sync.Once
			rc := newReceiver(t, func(n int) int {
				if n == 1 {
					<-hang // the first attempt never answers before its server stops
				}
				return http.StatusOK
			})
			t.Cleanup(func() { once.Do(func() { close(hang) }) })
			h, _ := hook(t, first, rc.srv.URL, cms.HookTopicChanged)
			topics(t, first, "in-flight", 1)
			stop := start(t, dispatcher(first))
			eventually(t, "the first attempt", func() bool { return len(rc.requests()) == 1 })
			stop()
			once.Do(func() { close(hang) })
			topics(t, first, "while-down", 2)
			first.Close()

			second := storetest.OpenURL(t, dbURL)
			start(t, dispatcher(second))
			eventually(t, "every delivery", func() bool {
				ds := deliveries(t, second, h)
				for _, d := range ds {
					if d.DeliveredAt == nil {
						return false
					}
				}
				return len(ds) == 3
			})
			if n := len(rc.requests()); n != 4 {
				t.Fatalf("%d requests, want 4 (the abandoned one, sent again, and two)", n)
			}
		})
	}
}

// TestPrivateTargetRefusedWhenConnecting: with private targets not
// allowed, a name resolving to 127.0.0.1 is refused at connection time;
// the target never sees a connection.
func TestPrivateTargetRefusedWhenConnecting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := newReceiver(t, always(http.StatusOK))
		u, _ := url.Parse(rc.srv.URL)
		h, _ := hook(t, db, "http://localhost:"+u.Port()+"/hook", cms.HookTopicChanged)
		topics(t, db, "ra", 1)
		d := dispatcher(db)
		d.AllowPrivate, d.MaxAttempts = false, 2
		start(t, d)
		eventually(t, "giving up", func() bool { ds := deliveries(t, db, h); return len(ds) == 1 && ds[0].FailedAt != nil })
		ds := deliveries(t, db, h)
		if n := rc.conns.Load(); n != 0 || ds[0].Attempts != 2 || !strings.Contains(ds[0].Error, "non-public") {
			t.Fatalf("%d connections to the target, log %+v", n, ds[0])
		}
	})
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"0.0.0.0": false, "100.64.0.1": false, "224.0.0.1": false, "255.255.255.255": false, "::1": false, "::": false,
		"fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false,
		"ff02::1": false, "198.18.0.1": false,
	} {
		if got := webhook.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestDeletedWebhookGetsNothing: deleting a webhook gives up its pending
// deliveries; its log stays readable.
func TestDeletedWebhookGetsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := newReceiver(t, always(http.StatusOK))
		h, _ := hook(t, db, rc.srv.URL, cms.HookTopicChanged)
		topics(t, db, "uc", 2)
		hs := &cms.Webhooks{Store: db}
		if err := hs.Delete(context.Background(), admin, h.ID); err != nil {
			t.Fatal(err)
		}
		if err := hs.Delete(context.Background(), admin, h.ID); cms.ErrorCode(err) != cms.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		writer := &cms.User{ID: "w", Roles: []workflow.Role{workflow.RoleWriter, workflow.RoleEditor}}
		if err := hs.Delete(context.Background(), writer, h.ID); cms.ErrorCode(err) != cms.EFORBIDDEN {
			t.Fatalf("delete by a non-admin: %v", err)
		}
		topics(t, db, "after", 1)
		d := dispatcher(db)
		if n, err := d.Once(context.Background()); n != 0 || err != nil {
			t.Fatalf("claimed %d, %v", n, err)
		}
		ds := deliveries(t, db, h)
		if len(ds) != 2 || ds[0].FailedAt == nil || ds[0].NextAttemptAt != nil || ds[0].Error != "the webhook was deleted" || len(rc.requests()) != 0 {
			t.Fatalf("log after delete: %d items, %+v; %d requests", len(ds), ds[0], len(rc.requests()))
		}
	})
}

// TestRedirectsAndTimeOutsFail: a redirect is not followed and a target
// slower than the time-out is not waited for; both count as failed
// attempts.
func TestRedirectsAndTimeOutsFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		elsewhere := newReceiver(t, always(http.StatusOK))
		redirect := httptest.NewServer(http.RedirectHandler(elsewhere.srv.URL, http.StatusFound))
		defer redirect.Close()
		release := make(chan struct{})
		slow := newReceiver(t, func(int) int { <-release; return http.StatusOK })
		defer close(release)
		toRedirect, _ := hook(t, db, redirect.URL, cms.HookTopicChanged)
		toSlow, _ := hook(t, db, slow.srv.URL, cms.HookTopicChanged)
		topics(t, db, "ad", 1)
		d := dispatcher(db)
		d.MaxAttempts, d.Timeout = 1, 200*time.Millisecond
		start(t, d)
		eventually(t, "both given up", func() bool {
			a, b := deliveries(t, db, toRedirect), deliveries(t, db, toSlow)
			return len(a) == 1 && a[0].FailedAt != nil && len(b) == 1 && b[0].FailedAt != nil
		})
		r, s := deliveries(t, db, toRedirect)[0], deliveries(t, db, toSlow)[0]
		if r.StatusCode != 302 || !strings.Contains(r.Error, "302") || len(elsewhere.requests()) != 0 {
			t.Errorf("redirect: %+v; %d requests where it pointed", r, len(elsewhere.requests()))
		}
		if s.StatusCode != 0 || !strings.Contains(s.Error, "deadline exceeded") {
			t.Errorf("slow target: %+v", s)
		}
	})
}
