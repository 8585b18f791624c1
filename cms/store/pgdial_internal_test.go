package store

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
)

// countingConn counts the reads made of its connection.
type countingConn struct {
	net.Conn
	reads int
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.reads++
	return c.Conn.Read(p)
}

// TestBufferedConnReadsWhatHasArrivedAtOnce: messages of a batch that
// have arrived are taken from the socket in one read, where lib/pq's own
// 4 KiB buffer alone read the socket twice a document; and they arrive
// whole and in order.
func TestBufferedConnReadsWhatHasArrivedAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Five messages of ~8.6 KB, as PostgreSQL's DataRows of five live
	// documents: a type byte, then the length of what follows.
	var sent []byte
	for i := range 5 {
		body := bytes.Repeat([]byte{byte('a' + i)}, 8600)
		sent = append(sent, 'D', 0, 0, byte((len(body)+4)>>8), byte(len(body)+4))
		sent = append(sent, body...)
	}
	// serve writes every message to the next connection at once.
	written := make(chan error, 1)
	serve := func() {
		c, err := ln.Accept()
		if err == nil {
			_, err = c.Write(sent)
			defer c.Close()
		}
		written <- err
	}
	go serve()

	read := func(wrap func(net.Conn) net.Conn) (int, []byte) {
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		cc := &countingConn{Conn: raw}
		r := bufio.NewReader(wrap(cc)) // lib/pq's buffer
		var got []byte
		for range 5 {
			head := make([]byte, 5)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatal(err)
			}
			body := make([]byte, int(head[3])<<8|int(head[4])-4)
			if _, err := io.ReadFull(r, body); err != nil {
				t.Fatal(err)
			}
			got = append(append(got, head...), body...)
		}
		return cc.reads, got
	}

	reads, got := read(newBufferedConn)
	if !bytes.Equal(got, sent) {
		t.Fatalf("read %d bytes that differ from the %d sent", len(got), len(sent))
	}
	if reads > 2 {
		t.Errorf("%d reads of the socket for 5 messages that had arrived; want 1 or 2", reads)
	}

	go serve()
	unbuffered, _ := read(func(c net.Conn) net.Conn { return c })
	if unbuffered <= reads {
		t.Errorf("lib/pq's buffer alone read the socket %d times, the buffered connection %d: the test shows nothing", unbuffered, reads)
	}
}
