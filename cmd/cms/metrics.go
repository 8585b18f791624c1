package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// serveMetrics serves /metrics on a listener of its own (CMS_METRICS_ADDR),
// so it can be kept on an internal network while the API is public. It
// stops with serve.
func (e *env) serveMetrics(addr string, metrics http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("metrics server", "err", err)
		}
	}()
	fmt.Fprintf(e.stdout, "cms: metrics on http://%s/metrics\n", ln.Addr())
	return func() { srv.Close() }, nil
}
