// Command nethttp is the ceiling of a net/http server for bench/run.sh:
// it answers every request with one file's bytes and the headers of a
// cached delivery answer, all prebuilt, with no routing, middleware, cache
// lookup or logging. Measured beside nginx and the CMS in the same run, it
// shows how much of the gap to nginx is net/http's own per-request cost.
//
//	nethttp -addr 127.0.0.1:18082 -file article.json -gz article.json.gz -etag '"…"'
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18082", "listen address")
	file := flag.String("file", "", "the body")
	gzFile := flag.String("gz", "", "the body, gzip-compressed (optional)")
	etag := flag.String("etag", `"x"`, "the ETag")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	var gz []byte
	if *gzFile != "" {
		if gz, err = os.ReadFile(*gzFile); err != nil {
			log.Fatal(err)
		}
	}
	common := map[string][]string{
		"Cache-Control":                 {"public, max-age=60, stale-while-revalidate=600"},
		"Vary":                          {"Accept-Encoding"},
		"Access-Control-Allow-Origin":   {"*"},
		"Access-Control-Expose-Headers": {"ETag, X-Request-Id"},
		"X-Content-Type-Options":        {"nosniff"},
		"Referrer-Policy":               {"no-referrer"},
		"Content-Security-Policy":       {"frame-ancestors 'none'"},
		"X-Request-Id":                  {"0123456789ab-1"},
		"Etag":                          {*etag},
	}
	ctype, gzipV := []string{"application/json; charset=utf-8"}, []string{"gzip"}
	bodyLen, gzLen := []string{strconv.Itoa(len(body))}, []string{strconv.Itoa(len(gz))}
	h := func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for k, v := range common {
			hd[k] = v
		}
		if inm := r.Header["If-None-Match"]; len(inm) > 0 && inm[0] == *etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hd["Content-Type"] = ctype
		b, l := body, bodyLen
		if ae := r.Header["Accept-Encoding"]; gz != nil && len(ae) > 0 && strings.Contains(ae[0], "gzip") {
			hd["Content-Encoding"] = gzipV
			b, l = gz, gzLen
		}
		hd["Content-Length"] = l
		w.Write(b)
	}
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(h)))
}
