package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// checkListenAddr accepts host:port or :port with a numeric port from 0 to
// 65535, so a typo stops the binary at start, before it opens (or
// migrates) the database, rather than when it finally listens.
func checkListenAddr(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("must be host:port or :port, e.g. :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return fmt.Errorf("port %q must be a number from 0 to 65535", port)
	}
	if strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r == '/' || r == 0x7f }) {
		return fmt.Errorf("host %q is not a host name or IP address", host)
	}
	return nil
}

// checkDatabaseURL accepts sqlite:PATH with a non-empty path, or a
// postgres:// (postgresql://) URL that parses, with a valid query.
func checkDatabaseURL(v string) error {
	if path, ok := strings.CutPrefix(v, "sqlite:"); ok {
		if strings.TrimSpace(path) == "" {
			return fmt.Errorf("sqlite: needs a file path")
		}
		if strings.ContainsRune(path, 0) {
			return fmt.Errorf("the sqlite path must not contain NUL")
		}
		return nil
	}
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		return fmt.Errorf("must start with sqlite: or postgres://")
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("is not a valid URL: %s", urlProblem(err))
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return fmt.Errorf("has a malformed query: %s", urlProblem(err))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q must be a number from 1 to 65535", p)
		}
	}
	return nil
}

// urlProblem names what is wrong with a URL without repeating it: it may
// hold a password.
func urlProblem(err error) string {
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	return err.Error()
}
