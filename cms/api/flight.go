package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"healthcms/cms"
)

// flightKey names one build of an answer: requests for the same key (and,
// for revalidations, the same If-None-Match, which a build may answer
// with a 304) between the same two purges share it.
type flightKey struct {
	key string
	gen uint64
}

// flight is a build of an answer in progress; done is closed when resp
// or err is set.
type flight struct {
	done chan struct{}
	resp *cachedResponse
	err  error
}

// flightTimeout bounds a build that no waiting client can cancel: just
// under cms serve's write timeout (60 s), past which no waiting request
// could write the answer anyway (a sitemap of 100,000 articles included).
const flightTimeout = 55 * time.Second

// fill returns the answer to a request that missed the cache: every
// request for the same answer that arrives while it is being built waits
// for that one build (one database read for a thousand requests of a
// stampede), and the build's answer is cached before the next request can
// miss. coalesced reports that this request joined a build another had
// started; errClientGone that its client left before that was done.
//
// The build runs on the goroutine of the request that started it, with a
// context that the requests' clients do not cancel: one client going away
// must not fail the answer of the others who wait for it, and leaves
// nothing to log; that request then waits for the build, to cache it,
// and its answer goes nowhere. A goroutine of its own per build started
// with a small stack and grew it to the depth of the database driver's
// calls on every miss: 4-6% of a SQLite miss's CPU at 100,000 articles.
//
// ctx is the request's: its end is the client's leaving; inm is the
// request's If-None-Match.
func (s *Server) fill(ctx context.Context, key []byte, inm string, build func(context.Context) (*cachedResponse, error)) (resp *cachedResponse, coalesced bool, err error) {
	c := s.cache
	fk := string(key)
	if inm != "" {
		fk += "\x00" + inm
	}
	c.fmu.Lock()
	// Looked up again under fmu: a build that ended since the first look
	// cached its answer before it left flights.
	resp, gen := c.get(key)
	if resp != nil {
		c.fmu.Unlock()
		return resp, true, nil
	}
	k := flightKey{fk, gen}
	f, coalesced := c.flights[k]
	if !coalesced {
		f = &flight{done: make(chan struct{})}
		c.flights[k] = f
		c.fmu.Unlock()
		s.fly(ctx, string(key), k, f, build)
		return f.resp, false, f.err
	}
	c.fmu.Unlock()
	select {
	case <-f.done:
		return f.resp, coalesced, f.err
	case <-ctx.Done():
		return nil, coalesced, errClientGone
	}
}

// fly builds an answer, caches it, and hands it to the flight's waiters,
// whether or not the client of the request whose ctx it is still there.
func (s *Server) fly(ctx context.Context, key string, k flightKey, f *flight, build func(context.Context) (*cachedResponse, error)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flightTimeout)
	defer func() {
		if v := recover(); v != nil {
			logger(ctx).Error("panic", "value", v, "stack", string(debug.Stack()))
			f.resp, f.err = nil, fmt.Errorf("building %s: %w", key, errPanic)
		}
		cancel()
		s.cache.fmu.Lock()
		delete(s.cache.flights, k)
		s.cache.fmu.Unlock()
		close(f.done)
	}()
	resp, err := build(ctx)
	if cms.ErrorCode(err) == cms.ENOTFOUND {
		// Cached as a marker: the problem document is made per request,
		// since it carries the request id.
		resp, err = &cachedResponse{status: http.StatusNotFound, body: []byte(err.Error())}, nil
	}
	if err == nil && resp.status != http.StatusNotModified { // a 304 says nothing of the body
		s.cache.put(key, k.gen, resp)
	}
	f.resp, f.err = resp, err
}
