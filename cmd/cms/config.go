package main

import (
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"healthcms/auth"
	"healthcms/cms"
)

// Config is every setting of the binary. Each comes from a CMS_ environment
// variable, can be overridden by the flag of the same meaning, has a safe
// default, and is validated before anything starts.
type Config struct {
	DatabaseURL    string
	Addr           string
	JWTSecret      string
	AdminEmail     string
	AdminPassword  string
	DeliveryPublic bool
	ReviewInterval time.Duration
	CORSOrigins    []string
	LogFormat      string
	AccessTTL      time.Duration
	RefreshTTL     time.Duration
	AutoMigrate    bool
	BodyLimit      int64
	AccessLog      bool
	// SchedulerEvery is how often serve looks for scheduled articles due.
	SchedulerEvery time.Duration
	CacheControl   string
	TrustedProxies []netip.Prefix
	DebugAddr      string
	CacheBytes     int
	// SearchIndex is where searches are answered from: "memory" (an index
	// each server keeps) or "database" (the databases' full-text indexes).
	SearchIndex string
	// LocalDocumentsDir, when set, is where each server keeps a file of
	// every live document, which delivery's misses read (store.localDocs).
	LocalDocumentsDir string
	SiteURL           string
	SiteName          string
	// Webhook deliveries: the first retry's wait (doubling), the attempts
	// in all, one attempt's time-out, and whether private targets are allowed.
	WebhookBackoff      time.Duration
	WebhookMaxAttempts  int
	WebhookTimeout      time.Duration
	WebhookAllowPrivate bool
	// EditorCORSOrigins may call the editor and auth APIs from browsers.
	EditorCORSOrigins []string
	// MetricsAddr serves /metrics on a listener of its own when set.
	MetricsAddr string

	// RequiredApprovals is how many distinct reviewers must approve an
	// article (topics may require more).
	RequiredApprovals int

	// DatabaseReadURL is a streaming replica of DatabaseURL that delivery
	// reads go to (PostgreSQL only; empty: none).
	DatabaseReadURL string
}

// option binds one setting to its variable and flag.
type option struct {
	env, flag, usage string
	def              string
	set              func(c *Config, v string) error
}

func options() []option {
	return []option{
		{"CMS_DATABASE_URL", "database-url", "sqlite:PATH or postgres://…", "sqlite:./data/cms.db", func(c *Config, v string) error {
			if err := checkDatabaseURL(v); err != nil {
				return err
			}
			c.DatabaseURL = v
			return nil
		}},
		{"CMS_DATABASE_READ_URL", "database-read-url", "postgres://… of a streaming replica of CMS_DATABASE_URL for delivery reads (empty: none)", "", func(c *Config, v string) error {
			if v == "" {
				c.DatabaseReadURL = ""
				return nil
			}
			if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return fmt.Errorf("must be a postgres:// URL of a streaming replica")
			}
			if err := checkDatabaseURL(v); err != nil {
				return err
			}
			c.DatabaseReadURL = v
			return nil
		}},
		{"CMS_ADDR", "addr", "listen address", ":8080", func(c *Config, v string) error {
			if err := checkListenAddr(v); err != nil {
				return err
			}
			c.Addr = v
			return nil
		}},
		{"CMS_JWT_SECRET", "jwt-secret", "HS256 key, at least 32 bytes (generated and stored when empty)", "", func(c *Config, v string) error {
			if v != "" && len(v) < auth.MinSecretLen {
				return fmt.Errorf("must be at least %d bytes", auth.MinSecretLen)
			}
			c.JWTSecret = v
			return nil
		}},
		{"CMS_ADMIN_EMAIL", "admin-email", "first admin's email", "admin@example.com", func(c *Config, v string) error {
			if !strings.Contains(v, "@") {
				return fmt.Errorf("must be an email address")
			}
			c.AdminEmail = v
			return nil
		}},
		{"CMS_ADMIN_PASSWORD", "admin-password", "first admin's password (generated and printed when empty)", "", func(c *Config, v string) error {
			if v != "" && len([]rune(v)) < 12 {
				return fmt.Errorf("must be at least 12 characters")
			}
			c.AdminPassword = v
			return nil
		}},
		{"CMS_DELIVERY_PUBLIC", "delivery-public", "serve delivery without a key", "true", boolOpt(func(c *Config, b bool) { c.DeliveryPublic = b })},
		{"CMS_REVIEW_INTERVAL", "review-interval", "how long a medical review stays current", "8760h", durOpt(func(c *Config, d time.Duration) { c.ReviewInterval = d })},
		{"CMS_REQUIRED_APPROVALS", "required-approvals", "distinct medical reviewers who must approve an article (a topic may require more)", "1", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > cms.MaxRequiredApprovals {
				return fmt.Errorf("must be a whole number from 1 to %d", cms.MaxRequiredApprovals)
			}
			c.RequiredApprovals = n
			return nil
		}},
		{"CMS_CORS_ORIGINS", "cors-origins", "comma-separated origins allowed to call delivery (* for any)", "*", func(c *Config, v string) error {
			c.CORSOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o != "" {
					if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
						return fmt.Errorf("%q must be * or start with http:// or https://", o)
					}
					c.CORSOrigins = append(c.CORSOrigins, o)
				}
			}
			return nil
		}},
		{"CMS_LOG_FORMAT", "log-format", "text or json", "text", func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("must be text or json")
			}
			c.LogFormat = v
			return nil
		}},
		{"CMS_ACCESS_TTL", "access-ttl", "access token lifetime", "15m", durOpt(func(c *Config, d time.Duration) { c.AccessTTL = d })},
		{"CMS_REFRESH_TTL", "refresh-ttl", "refresh token lifetime", "720h", durOpt(func(c *Config, d time.Duration) { c.RefreshTTL = d })},
		{"CMS_AUTO_MIGRATE", "auto-migrate", "apply pending migrations when serving (false: refuse to serve while any are pending)", "true", boolOpt(func(c *Config, b bool) { c.AutoMigrate = b })},
		{"CMS_BODY_LIMIT", "body-limit", "request body cap in bytes", "2097152", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 || n > 64<<20 {
				return fmt.Errorf("must be a byte count from 1024 to 67108864")
			}
			c.BodyLimit = n
			return nil
		}},
		{"CMS_ACCESS_LOG", "access-log", "log one line per request", "true", boolOpt(func(c *Config, b bool) { c.AccessLog = b })},
		{"CMS_DELIVERY_CACHE_CONTROL", "delivery-cache-control", "Cache-Control of delivery answers (default: public, or private when delivery needs a key)", "", func(c *Config, v string) error {
			if strings.ContainsAny(v, "\r\n") {
				return fmt.Errorf("must be one header value")
			}
			c.CacheControl = strings.TrimSpace(v)
			return nil
		}},
		{"CMS_TRUSTED_PROXIES", "trusted-proxies", "comma-separated CIDRs of load balancers whose X-Forwarded-For names the client", "", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				n, err := netip.ParsePrefix(p)
				if err != nil {
					return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", p)
				}
				c.TrustedProxies = append(c.TrustedProxies, n)
			}
			return nil
		}},
		{"CMS_DELIVERY_CACHE_MB", "delivery-cache-mb", "memory for cached delivery answers, in MiB (0: no cache)", "64", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 16384 {
				return fmt.Errorf("must be a whole number of MiB from 0 to 16384")
			}
			c.CacheBytes = n << 20
			return nil
		}},
		{"CMS_SEARCH_INDEX", "search-index", "memory: each server keeps a search index in memory, loaded at start (about 5 KB per live article); database: searches read the database's full-text index", "memory", func(c *Config, v string) error {
			if v != "memory" && v != "database" {
				return fmt.Errorf("must be memory or database")
			}
			c.SearchIndex = v
			return nil
		}},
		{"CMS_LOCAL_DOCUMENTS_DIR", "local-documents-dir", "directory where each server keeps a file of every live document (about 12 KB an article, written at start, removed from the directory at once), so that delivery's cache misses read it rather than the database (empty: misses read the database)", "", func(c *Config, v string) error {
			if v == "" {
				c.LocalDocumentsDir = ""
				return nil
			}
			if st, err := os.Stat(v); err != nil || !st.IsDir() {
				return fmt.Errorf("must be an existing directory")
			}
			c.LocalDocumentsDir = v
			return nil
		}},
		{"CMS_SITE_URL", "site-url", "the publisher's site, which feeds and sitemaps link to (articles at /articles/{slug}, topics at /topics/{slug})", "http://localhost:3000", func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				return fmt.Errorf("must be an absolute http(s) URL such as https://health.example.com")
			}
			c.SiteURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"CMS_SITE_NAME", "site-name", "the site's name, the title of its feeds", "healthcms", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" || len(v) > 200 {
				return fmt.Errorf("must be 1 to 200 characters")
			}
			c.SiteName = v
			return nil
		}},
		{"CMS_DEBUG_ADDR", "debug-addr", "address for Go's pprof profiles (empty: off; keep it on localhost)", "", func(c *Config, v string) error {
			if v != "" && checkListenAddr(v) != nil {
				return fmt.Errorf("must be host:port, e.g. 127.0.0.1:6060")
			}
			c.DebugAddr = v
			return nil
		}},
		{"CMS_WEBHOOK_BACKOFF", "webhook-backoff", "wait before the first retry of a webhook delivery, doubling on each", "5s", durOpt(func(c *Config, d time.Duration) { c.WebhookBackoff = d })},
		{"CMS_WEBHOOK_MAX_ATTEMPTS", "webhook-max-attempts", "attempts per webhook delivery before giving up", "10", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return fmt.Errorf("must be a whole number from 1 to 100")
			}
			c.WebhookMaxAttempts = n
			return nil
		}},
		{"CMS_WEBHOOK_TIMEOUT", "webhook-timeout", "time-out of one webhook delivery attempt", "10s", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > 5*time.Minute {
				return fmt.Errorf("must be a positive duration of at most 5m, such as 10s")
			}
			c.WebhookTimeout = d
			return nil
		}},
		{"CMS_WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "allow webhooks to loopback, private and link-local addresses", "false", boolOpt(func(c *Config, b bool) { c.WebhookAllowPrivate = b })},
		{"CMS_EDITOR_CORS_ORIGINS", "editor-cors-origins", "comma-separated origins allowed to call the editor and auth APIs from browsers", "", func(c *Config, v string) error {
			c.EditorCORSOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				u, err := url.Parse(o)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
					return fmt.Errorf("%q must be an origin such as https://tools.example.com (no *, no path)", o)
				}
				c.EditorCORSOrigins = append(c.EditorCORSOrigins, strings.TrimSuffix(o, "/"))
			}
			return nil
		}},
		{"CMS_METRICS_ADDR", "metrics-addr", "address for /metrics on a listener of its own, which takes it off the main one (empty: on the main one)", "", func(c *Config, v string) error {
			if _, port, ok := strings.Cut(v, ":"); v != "" && (!ok || port == "") {
				return fmt.Errorf("must be host:port, e.g. 127.0.0.1:9090")
			}
			c.MetricsAddr = v
			return nil
		}},
		{"CMS_SCHEDULER_INTERVAL", "scheduler-interval", "how often to publish scheduled articles that are due", "1s", durOpt(func(c *Config, d time.Duration) { c.SchedulerEvery = d })},
	}
}

func boolOpt(f func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		f(c, b)
		return nil
	}
}

func durOpt(f func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 15m or 8760h")
		}
		f(c, d)
		return nil
	}
}

// optionValue lets a flag write through the option's parser.
type optionValue struct {
	c *Config
	o option
}

func (v optionValue) String() string { return v.o.def }
func (v optionValue) Set(s string) error {
	if err := v.o.set(v.c, s); err != nil {
		return fmt.Errorf("%s", err)
	}
	return nil
}

// check validates what depends on more than one setting, once the
// environment and the flags are both applied.
func (c *Config) check() error {
	if c.DatabaseReadURL == "" {
		return nil
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("CMS_DATABASE_READ_URL (--database-read-url): a read replica needs a postgres:// CMS_DATABASE_URL")
	}
	if c.DatabaseReadURL == c.DatabaseURL {
		return fmt.Errorf("CMS_DATABASE_READ_URL (--database-read-url): names the same database as CMS_DATABASE_URL; give a streaming replica's URL, or leave it empty")
	}
	return nil
}

// loadConfig applies defaults, then the environment, and registers flags on
// fs so that parsing fs afterwards overrides both.
func loadConfig(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, o := range options() {
		if err := o.set(c, o.def); err != nil {
			panic("bad default for " + o.env) // a programming error
		}
		if v := getenv(o.env); v != "" {
			if err := o.set(c, v); err != nil {
				return nil, fmt.Errorf("%s: %v", o.env, err)
			}
		}
		fs.Var(optionValue{c, o}, o.flag, o.usage+" ($"+o.env+")")
	}
	return c, nil
}
