// Package webhook sends the CMS's webhook deliveries: it claims due
// deliveries from the outbox in the database, signs and POSTs them, and
// records each attempt, retrying with exponential backoff. It refuses to
// connect to non-public addresses unless told otherwise, so an admin's
// webhook cannot be used to reach the servers' private network.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// nonPublic are the ranges that are not the public internet, beyond what
// netip.Addr's own predicates (loopback, private, link-local, multicast,
// unspecified) cover.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and broadcast
		"64:ff9b::/96",    // NAT64: may embed a private IPv4 address
		"64:ff9b:1::/48",  // local NAT64
		"100::/64",        // discard
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4: may embed a private IPv4 address
		"2001::/32",       // Teredo
		"fec0::/10",       // deprecated site-local
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// Public reports whether ip is a public internet address.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// errPrivate is refusing a non-public address.
var errPrivate = errors.New("resolves to a loopback, private or otherwise non-public address")

// CheckTarget refuses a webhook URL whose host is, or resolves to, a
// non-public address. The sender checks again on every connection, as DNS
// can change after this check.
func CheckTarget(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !Public(ip) {
			return errPrivate
		}
		return nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("host %q does not resolve", host)
	}
	for _, ip := range ips {
		if !Public(ip) {
			return errPrivate
		}
	}
	return nil
}

// refusePrivate is a net.Dialer Control function: it runs with the address
// actually being connected to, after DNS, and refuses a non-public one.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook target %s: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("webhook target %s: %w", ap.Addr(), errPrivate)
	}
	return nil
}
