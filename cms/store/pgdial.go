package store

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/lib/pq"
)

// pgReadBuffer is how much of what PostgreSQL sends one read of a
// connection takes at most. lib/pq reads through a buffer of 4 KiB and
// reads a longer message straight from the socket, so a batch of live
// documents (~8.6 KB each at 100,000 articles, several to a batch, see
// liveBatch) cost a read system call or two per document, each a wait
// for the next part; reading what has arrived in one call of up to 64 KiB
// takes a batch in a few.
const pgReadBuffer = 64 << 10

// pgConnector opens connections to the PostgreSQL server at rawURL as
// lib/pq does, whose reads go through a buffer of pgReadBuffer bytes.
func pgConnector(rawURL string) (*pq.Connector, error) {
	c, err := pq.NewConnector(rawURL)
	if err != nil {
		return nil, err
	}
	c.Dialer(bufferedDialer{})
	return c, nil
}

// bufferedDialer dials as lib/pq's own dialer does (a net.Dialer with Go's
// defaults) and buffers the connection's reads.
type bufferedDialer struct{ d net.Dialer }

func (b bufferedDialer) Dial(network, address string) (net.Conn, error) {
	return b.DialContext(context.Background(), network, address)
}

func (b bufferedDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return b.DialContext(ctx, network, address)
}

func (b bufferedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := b.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return newBufferedConn(c), nil
}

func newBufferedConn(c net.Conn) net.Conn {
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, pgReadBuffer)}
}

// bufferedConn is a connection whose reads go through r. Everything that
// reads it (lib/pq, and TLS when the connection is upgraded) reads
// through Read, so nothing is read past the buffer.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
