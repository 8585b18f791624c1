package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck GETs the server's /healthz and exits 0 on 200, 1 otherwise:
// a container image has no curl, so its HEALTHCHECK runs the binary.
func (e *env) healthcheck(args []string) error {
	var target string
	cfg, rest, err := e.flags("healthcheck", args, func(fs *flag.FlagSet) {
		fs.StringVar(&target, "url", "", "URL to check (default: /healthz on CMS_ADDR, on 127.0.0.1 when the host is empty)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("healthcheck takes no arguments, got %q", rest[0])
	}
	if target == "" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return usagef("CMS_ADDR: %v", err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		target = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return usagef("--url: %v", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %d", target, res.StatusCode)
	}
	fmt.Fprintf(e.stdout, "healthy: %s\n", target)
	return nil
}
