package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	adminui "healthcms/admin-ui"
	"healthcms/auth"
	"healthcms/cms"
	"healthcms/cms/api"
	"healthcms/cms/store"
	"healthcms/webhook"
	"healthcms/workflow"
)

// shutdownGrace is how long in-flight requests get after SIGTERM; API.md
// promises an exit within 10 s.
const shutdownGrace = 8 * time.Second

func (e *env) serve(args []string) error {
	var demo bool
	cfg, rest, err := e.flags("serve", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "seed demo users, topics and articles into an empty database")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("serve takes no arguments, got %q", rest[0])
	}
	db, err := e.openDB(cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.DatabaseReadURL != "" {
		if err := db.UseReplica(cfg.DatabaseReadURL, e.log); err != nil {
			return err
		}
	}
	app, err := e.wire(cfg, db)
	if err != nil {
		return err
	}
	if err := e.firstAdmin(cfg, app.auth); err != nil {
		return err
	}
	if demo {
		if err := e.seedDemo(e.ctx, app.auth, app.editor); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}

	limit := e.limitMemory(cfg.CacheBytes)
	defer limit.restore()
	e.log.Info("memory limit", "bytes", limit.current())
	if cfg.SearchIndex == "memory" {
		e.keepSearchIndex(app.db, limit)
	}
	if cfg.LocalDocumentsDir != "" {
		e.keepLocalDocuments(app.db, cfg.LocalDocumentsDir, limit)
	}

	if cfg.DebugAddr != "" {
		stop, err := e.serveDebug(cfg.DebugAddr)
		if err != nil {
			return fmt.Errorf("debug listener on %s: %w", cfg.DebugAddr, err)
		}
		defer stop()
	}
	if cfg.MetricsAddr != "" {
		stop, err := e.serveMetrics(cfg.MetricsAddr, app.metrics)
		if err != nil {
			return fmt.Errorf("metrics listener on %s: %w", cfg.MetricsAddr, err)
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// The scheduler stops before the database closes: stopScheduler is
	// deferred after db.Close, so it runs first.
	schedCtx, stopSched := context.WithCancel(e.ctx)
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); e.runScheduler(schedCtx, app.editor, db, cfg.SchedulerEvery) }()
	defer func() { stopSched(); <-schedDone }()
	// Webhook deliveries, like scheduled publishing, run in every server
	// and are claimed in the database.
	hooksCtx, stopHooks := context.WithCancel(e.ctx)
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); app.hooks.Run(hooksCtx) }()
	defer func() { stopHooks(); <-hooksDone }()

	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// With api.ProblemListener: delivery answers go out in one write.
		ConnContext: api.ConnContext,
	}
	fmt.Fprintf(e.stdout, "cms: serving on http://%s (database %s)\n", ln.Addr(), db.Dialect())
	served := make(chan error, 1)
	// Delivery GETs (hits and misses) are answered by a loop of its own in
	// front of net/http; net/http's own 431 and 400 answers become
	// problem+json too.
	hl := app.listener(ln, srv)
	go func() { served <- srv.Serve(api.ProblemListener(hl)) }()
	select {
	case err := <-served:
		return err
	case <-e.ctx.Done():
	}
	e.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// The loop's answers in progress, which Shutdown does not wait for.
	if d, ok := hl.(interface{ Drain(context.Context) error }); ok {
		if err := d.Drain(ctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openDB connects and either applies pending migrations or refuses to go on
// while any are pending.
func (e *env) openDB(cfg *Config, migrate bool) (*store.DB, error) {
	db, err := store.Open(e.ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if migrate {
		n, err := db.Migrate(e.ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if n > 0 {
			e.log.Info("applied migrations", "count", n)
		}
		return db, nil
	}
	pending, err := db.Pending(e.ctx)
	if err == nil && pending {
		err = errors.New("migrations are pending: run `cms migrate up` or set CMS_AUTO_MIGRATE=true")
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// app is everything wired together.
type app struct {
	db      *store.DB
	auth    *auth.Service
	editor  *cms.Editor
	handler http.Handler
	hooks   *webhook.Dispatcher
	// metrics serves /metrics, for its own listener (CMS_METRICS_ADDR).
	metrics http.Handler
	// listener puts the loop that answers delivery requests in front
	// of net/http (api.Server.HitListener).
	listener func(net.Listener, *http.Server) net.Listener
}

func (e *env) wire(cfg *Config, db *store.DB) (*app, error) {
	secret := cfg.JWTSecret
	if secret == "" {
		var err error
		// Stored so that every process and every restart signs with the same key.
		if secret, err = db.PutSettingIfAbsent(e.ctx, "jwt_secret", auth.RandomToken(48)); err != nil {
			return nil, fmt.Errorf("store generated JWT secret: %w", err)
		}
	}
	as := &auth.Service{Users: db, Tokens: db, Secret: []byte(secret), AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL}
	ed := &cms.Editor{Store: db, ReviewInterval: cfg.ReviewInterval, RequiredApprovals: cfg.RequiredApprovals}
	var pools []prometheus.Collector
	for name, p := range db.Pools() {
		pools = append(pools, collectors.NewDBStatsCollector(p, name))
	}
	var failures prometheus.Collector
	ed.ScheduleFailed, failures = e.scheduleFailures()
	pools = append(pools, failures)
	pools = append(pools, replicaMetrics(db)...)
	pools = append(pools, searchIndexMetrics(db)...)
	pools = append(pools, liveBatchMetrics(db)...)
	pools = append(pools, localDocumentsMetrics(db)...)
	hooks := &webhook.Dispatcher{Store: db, Backoff: cfg.WebhookBackoff, MaxAttempts: cfg.WebhookMaxAttempts,
		Timeout: cfg.WebhookTimeout, AllowPrivate: cfg.WebhookAllowPrivate, Log: e.log}
	pools = append(pools, hooks.Collectors()...)
	hookAdmin := &cms.Webhooks{Store: db}
	if !cfg.WebhookAllowPrivate {
		hookAdmin.CheckTarget = webhook.CheckTarget
	}
	srv := &api.Server{
		Collectors:     pools,
		Auth:           as,
		Editor:         ed,
		Keys:           &auth.Keys{Store: db},
		DeliveryPublic: cfg.DeliveryPublic,
		CacheControl:   cfg.CacheControl,
		CacheBytes:     cfg.CacheBytes,
		CORSOrigins:    cfg.CORSOrigins,
		TrustedProxies: cfg.TrustedProxies,
		SiteURL:        cfg.SiteURL,
		SiteName:       cfg.SiteName,
		Delivery:       db.Delivery(),
		Ready:          func(ctx context.Context) error { return ready(ctx, db) },
		Log:            e.log,
		BodyLimit:      cfg.BodyLimit,
		AccessLog:      cfg.AccessLog,

		Webhooks:          hookAdmin,
		EditorCORSOrigins: cfg.EditorCORSOrigins,
		MetricsElsewhere:  cfg.MetricsAddr != "",
		AdminUI:           adminui.Dist,
	}
	handler := srv.Handler()
	// Cached delivery answers and keys are forgotten on every change, made
	// here or, on PostgreSQL, by any other server.
	db.OnChange(srv.PurgeDelivery)
	if err := db.ListenChanges(e.ctx, e.log); err != nil {
		return nil, fmt.Errorf("listen for changes: %w", err)
	}
	return &app{db: db, auth: as, editor: ed, handler: handler, hooks: hooks, metrics: srv.MetricsHandler(), listener: srv.HitListener}, nil
}

func ready(ctx context.Context, db *store.DB) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	pending, err := db.Pending(ctx)
	if err == nil && pending {
		err = errors.New("migrations pending")
	}
	return err
}

// firstAdmin creates the first admin on an empty database. A generated
// password is printed once, to stdout, and never stored in clear.
func (e *env) firstAdmin(cfg *Config, as *auth.Service) error {
	n, err := as.Users.CountUsers(e.ctx)
	if err != nil || n > 0 {
		return err
	}
	pw, generated := cfg.AdminPassword, false
	if pw == "" {
		pw, generated = auth.GeneratePassword(), true
	}
	u, err := as.CreateUser(e.ctx, cms.CommandLine(), cms.NewUser{Email: cfg.AdminEmail, Name: "Administrator", Password: pw,
		Roles: []workflow.Role{workflow.RoleAdmin}})
	if cms.ErrorCode(err) == cms.ECONFLICT {
		return nil // another process created it first
	} else if err != nil {
		return fmt.Errorf("create first admin: %w", err)
	}
	if generated {
		fmt.Fprintf(e.stdout, "cms: created admin %s with password %s (shown once; change it after logging in)\n", u.Email, pw)
	} else {
		fmt.Fprintf(e.stdout, "cms: created admin %s\n", u.Email)
	}
	return nil
}

// runScheduler publishes scheduled articles when they are due, starting
// at once so that articles due while the server was down go out on start.
// Every server runs one; the database decides which publishes what.
func (e *env) runScheduler(ctx context.Context, ed *cms.Editor, db *store.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := ed.PublishDue(ctx, db)
		if err != nil && ctx.Err() == nil {
			e.log.Error("scheduled publishing", "err", err)
		}
		if n > 0 {
			e.log.Info("published scheduled articles", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
