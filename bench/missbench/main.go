// Command missbench measures delivery cache misses without a network or
// a load generator, so that its numbers hold on a loaded machine: it
// serves random live article slugs of an existing database through the
// API's handler with the cache off and prints, per request, the CPU time
// of this process, of the database's PostgreSQL backends (read from
// /proc, so the server must run on this machine), and the allocations.
//
//	missbench -db sqlite:/path/cms.db [-gzip] [-n 20000] [-cpuprofile f]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"healthcms/cms/api"
	"healthcms/cms/store"
)

type dw struct {
	h http.Header
	n int
	s int
}

func (w *dw) Header() http.Header         { return w.h }
func (w *dw) WriteHeader(c int)           { w.s = c }
func (w *dw) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pgCPU sums utime+stime of the backends connected to dbname (clock
// ticks of 10 ms: run enough requests).
func pgCPU(pg *sql.DB, dbname string) time.Duration {
	if pg == nil {
		return 0
	}
	rows, err := pg.Query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbname)
	if err != nil {
		panic(err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var pid int
		rows.Scan(&pid)
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + st
	}
	return time.Duration(total) * 10 * time.Millisecond // USER_HZ 100
}

func main() {
	url := flag.String("db", "", "CMS database URL")
	n := flag.Int("n", 20000, "requests")
	gz := flag.Bool("gzip", false, "Accept-Encoding: gzip")
	prof := flag.String("cpuprofile", "", "file")
	flag.Parse()
	db, err := store.Open(context.Background(), *url)
	if err != nil {
		panic(err)
	}
	var slugs []string
	var pg *sql.DB
	var dbname string
	if strings.HasPrefix(*url, "postgres") {
		pg, _ = sql.Open("postgres", *url)
		dbname = (*url)[strings.LastIndexByte(*url, '/')+1:]
		dbname = dbname[:strings.IndexByte(dbname, '?')]
	}
	q, err := sql.Open(map[bool]string{true: "postgres", false: "sqlite"}[pg != nil], strings.TrimPrefix(*url, "sqlite:"))
	if err != nil {
		panic(err)
	}
	rows, err := q.Query(`SELECT slug FROM live_articles`)
	if err != nil {
		panic(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		slugs = append(slugs, s)
	}
	rows.Close()
	q.Close()
	s := &api.Server{Delivery: db, DeliveryPublic: true, CacheBytes: 0, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.Handler()
	run := func(k int) (int, int) {
		ok, bytes := 0, 0
		for range k {
			req, _ := http.NewRequest("GET", "/api/v1/delivery/articles/"+slugs[rand.IntN(len(slugs))], nil)
			if *gz {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			w := &dw{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.s == 200 {
				ok++
			}
			bytes += w.n
		}
		return ok, bytes
	}
	run(2000) // warm up: statements, caches
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, p0, t0 := cpu(), pgCPU(pg, dbname), time.Now()
	if *prof != "" {
		f, _ := os.Create(*prof)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ok, bytes := run(*n)
	c1, p1, t1 := cpu(), pgCPU(pg, dbname), time.Now()
	runtime.ReadMemStats(&m1)
	fmt.Printf("%d slugs, gzip=%v: %d/%d ok, %.0f B/req body; Go CPU %.1f µs/req, DB backend CPU %.1f µs/req, wall %.1f µs/req, %.1f allocs/req, %.0f B alloc/req\n",
		len(slugs), *gz, ok, *n, float64(bytes)/float64(*n),
		float64((c1-c0).Microseconds())/float64(*n), float64((p1-p0).Microseconds())/float64(*n), float64(t1.Sub(t0).Microseconds())/float64(*n),
		float64(m1.Mallocs-m0.Mallocs)/float64(*n), float64(m1.TotalAlloc-m0.TotalAlloc)/float64(*n))
}
