package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"healthcms/cms"
)

// Store is the outbox the dispatcher works from.
type Store interface {
	// ClaimHooks claims up to limit due deliveries under claim until
	// now+lease; no other caller gets them while the lease lasts.
	ClaimHooks(ctx context.Context, claim string, now time.Time, lease time.Duration, limit int) ([]*cms.HookSend, error)
	// RecordHookAttempt stores an attempt's outcome and ends its claim.
	RecordHookAttempt(ctx context.Context, a *cms.HookAttempt) error
	// ReleaseHooks ends a claim without recording an attempt.
	ReleaseHooks(ctx context.Context, claim string) error
	// OldestPendingHook is when the oldest undelivered delivery was made.
	OldestPendingHook(ctx context.Context) (*time.Time, error)
}

// Defaults of the Dispatcher's settings.
const (
	DefaultBackoff     = 5 * time.Second
	DefaultMaxAttempts = 10
	DefaultTimeout     = 10 * time.Second
	DefaultInterval    = time.Second
	// maxBackoff caps the doubling wait between attempts.
	maxBackoff = time.Hour
	// batch is how many deliveries one server sends at once.
	batch = 16
)

// Dispatcher sends due webhook deliveries. Every server runs one; the
// database's claims make each delivery go out from one server at a time,
// and at least once: a delivery is done only once its target answered
// 2xx (or after the last attempt).
type Dispatcher struct {
	Store Store
	// Backoff is the wait before the first retry; it doubles on each.
	Backoff time.Duration
	// MaxAttempts is how many attempts a delivery gets in all.
	MaxAttempts int
	// Timeout bounds one attempt: connecting, sending, and the answer.
	Timeout time.Duration
	// Interval is how often the outbox is looked at for due deliveries.
	Interval time.Duration
	// AllowPrivate lets deliveries go to loopback and private addresses
	// (tests, or targets on the servers' own network).
	AllowPrivate bool
	Log          *slog.Logger

	initOnce  sync.Once
	client    *http.Client
	finished  *prometheus.CounterVec
	failures  prometheus.Counter
	queueAge  prometheus.Gauge
	delivered prometheus.Counter
	gaveUp    prometheus.Counter
}

func (d *Dispatcher) init() {
	d.initOnce.Do(func() {
		if d.Backoff <= 0 {
			d.Backoff = DefaultBackoff
		}
		if d.MaxAttempts <= 0 {
			d.MaxAttempts = DefaultMaxAttempts
		}
		if d.Timeout <= 0 {
			d.Timeout = DefaultTimeout
		}
		if d.Interval <= 0 {
			d.Interval = DefaultInterval
		}
		if d.Log == nil {
			d.Log = slog.Default()
		}
		dialer := &net.Dialer{Timeout: d.Timeout, KeepAlive: 30 * time.Second}
		if !d.AllowPrivate {
			// Checked on the address actually dialled, after DNS: a name
			// that resolved to a public address when the webhook was made
			// may resolve to a private one now.
			dialer.Control = refusePrivate
		}
		d.client = &http.Client{
			Transport: &http.Transport{
				// No proxy from the environment: the address check must be on
				// the target itself.
				Proxy:               nil,
				DialContext:         dialer.DialContext,
				ForceAttemptHTTP2:   true,
				TLSHandshakeTimeout: d.Timeout,
				MaxIdleConnsPerHost: 4,
				IdleConnTimeout:     90 * time.Second,
			},
			// A redirect is an answer, not 2xx: it is not followed, so a
			// target cannot bounce deliveries to another (private) host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		d.finished = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cms_webhook_deliveries_total",
			Help: "Webhook deliveries finished by this server, by result: delivered (a 2xx answer) or failed (given up after the last attempt)."},
			[]string{"result"})
		d.delivered, d.gaveUp = d.finished.WithLabelValues("delivered"), d.finished.WithLabelValues("failed")
		d.failures = prometheus.NewCounter(prometheus.CounterOpts{Name: "cms_webhook_attempt_failures_total",
			Help: "Webhook delivery attempts by this server that failed: an error, a time-out or an answer other than 2xx."})
		d.queueAge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "cms_webhook_queue_age_seconds",
			Help: "Age of the oldest webhook delivery not yet delivered nor given up (0 when none)."})
	})
}

// Collectors are the dispatcher's Prometheus metrics.
func (d *Dispatcher) Collectors() []prometheus.Collector {
	d.init()
	return []prometheus.Collector{d.finished, d.failures, d.queueAge}
}

// Run sends due deliveries until ctx ends, starting at once so that
// deliveries left by a stopped server go out on start. Attempts in flight
// when ctx ends are abandoned unrecorded, so they are sent again later.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		for {
			n, err := d.Once(ctx)
			if err != nil && ctx.Err() == nil {
				d.Log.Error("webhook deliveries", "err", err)
			}
			if err != nil || n < batch {
				break
			}
		}
		if age, err := d.Store.OldestPendingHook(ctx); err == nil {
			if age == nil {
				d.queueAge.Set(0)
			} else {
				d.queueAge.Set(time.Since(*age).Seconds())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once claims one batch of due deliveries, sends them and records the
// outcomes; it returns how many it claimed.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	d.init()
	claim := cms.NewID()
	sends, err := d.Store.ClaimHooks(ctx, claim, cms.Now(), 2*d.Timeout+30*time.Second, batch)
	if err != nil || len(sends) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, s := range sends {
		wg.Add(1)
		go func() { defer wg.Done(); d.send(ctx, claim, s) }()
	}
	wg.Wait()
	if ctx.Err() != nil {
		// Hand what was not recorded back at once rather than when the lease ends.
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return len(sends), d.Store.ReleaseHooks(rctx, claim)
	}
	return len(sends), nil
}

// Sign is the X-CMS-Signature of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// send makes one attempt and records it.
func (d *Dispatcher) send(ctx context.Context, claim string, s *cms.HookSend) {
	status, err := d.post(ctx, s)
	if ctx.Err() != nil {
		return // shutting down: not the target's fault; released by Once
	}
	a := &cms.HookAttempt{ID: s.ID, At: cms.Now(), Claim: claim, StatusCode: status}
	switch {
	case err != nil:
		a.Error = err.Error()
	case status < 200 || status > 299:
		a.Error = fmt.Sprintf("answered %d %s", status, http.StatusText(status))
	default:
		a.Delivered = true
	}
	if len(a.Error) > 500 {
		a.Error = a.Error[:500]
	}
	if !a.Delivered {
		d.failures.Inc()
		if done := s.Attempts + 1; done < d.MaxAttempts {
			next := a.At.Add(d.backoff(done))
			a.Next = &next
		}
	}
	if err := d.Store.RecordHookAttempt(ctx, a); err != nil {
		d.Log.Error("record webhook attempt", "delivery", s.ID, "err", err)
		return
	}
	switch {
	case a.Delivered:
		d.delivered.Inc()
	case a.Next == nil:
		d.gaveUp.Inc()
		d.Log.Warn("webhook delivery given up", "delivery", s.ID, "webhook", s.WebhookID, "attempts", s.Attempts+1, "err", a.Error)
	}
}

// backoff is the wait after the n-th failed attempt: Backoff, doubling.
func (d *Dispatcher) backoff(n int) time.Duration {
	w := d.Backoff
	for i := 1; i < n && w < maxBackoff; i++ {
		w *= 2
	}
	return min(w, maxBackoff)
}

// post sends the delivery and returns the answer's status.
func (d *Dispatcher) post(ctx context.Context, s *cms.HookSend) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(s.Body))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "healthcms-webhook/1")
	h.Set("X-CMS-Event", s.Event)
	h.Set("X-CMS-Delivery", s.ID)
	h.Set("X-CMS-Signature", Sign(s.Secret, s.Body))
	res, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	// Read a little of the answer so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}
