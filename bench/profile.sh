#!/usr/bin/env bash
# CPU and heap profile of `cms serve` under wrk load.
#
#   bench/profile.sh NAME DATABASE_URL CACHE_MB WRK_ARGS...
#
# e.g. (on a database bench/run.sh kept with BENCH_REUSE=1):
#   bench/profile.sh slug-miss sqlite:bench/out/sqlite-100000.db 64 \
#       -s bench/slugs.lua http://127.0.0.1:18090 -- bench/out/slugs-sqlite-100000.txt
#
# It builds the binary from BENCH_SRC (default this repository; set
# BENCH_PROFILE_BUILD=0 to reuse bench/out/prof/cms-pprof) and serves pprof
# on 127.0.0.1:$BENCH_PPROF_PORT (default 16461) through CMS_DEBUG_ADDR.
# The server listens on 127.0.0.1:18090 (the URL in WRK_ARGS must use it).
# wrk runs -t2 -c50 for BENCH_PROFILE_LOAD (default 14s); the CPU profile
# covers 10s of it, after 2s. Output: bench/out/prof/NAME.*
# (cpu.pprof, heap.pprof, top.txt with `go tool pprof -top` flat and
# cumulative, wrk.txt, and the server's VmHWM).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${BENCH_SRC:-$(dirname "$BENCH_DIR")}
OUT=$BENCH_DIR/out/prof
LOAD=${BENCH_PROFILE_LOAD:-14s}
PPROF=127.0.0.1:${BENCH_PPROF_PORT:-16461}
[[ $# -ge 4 ]] || { sed -n '2,8p' "$0" >&2; exit 2; }
name=$1 dburl=$2 cachemb=$3
shift 3
mkdir -p "$OUT"

bin=$OUT/cms-pprof
if [[ ${BENCH_PROFILE_BUILD:-1} == 1 || ! -x $bin ]]; then
	(cd "$SRC" && go build -o "$bin" ./cmd/cms)
fi

busy() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }
for a in "$PPROF" 127.0.0.1:18090; do busy "$a" && { echo "profile: $a is in use" >&2; exit 1; }; done
CMS_DEBUG_ADDR=$PPROF CMS_DATABASE_URL=$dburl CMS_ADDR=127.0.0.1:18090 CMS_ACCESS_LOG=false CMS_DELIVERY_CACHE_MB=$cachemb \
	CMS_JWT_SECRET=bench-only-secret-0123456789abcdefghijklmnop "$bin" serve >"$OUT/$name.server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 150); do curl -fsS -o /dev/null http://127.0.0.1:18090/readyz 2>/dev/null && break; sleep 0.2; done

wrk -t2 -c50 -d"$LOAD" --timeout 10s --latency "$@" >"$OUT/$name.wrk.txt" &
wrkpid=$!
sleep 2
curl -fsS -o "$OUT/$name.cpu.pprof" "http://$PPROF/debug/pprof/profile?seconds=10"
curl -fsS -o "$OUT/$name.heap.pprof" "http://$PPROF/debug/pprof/heap"
wait $wrkpid
{
	grep -E 'Requests/sec|^ +(50|99)%' "$OUT/$name.wrk.txt"
	grep VmHWM "/proc/$pid/status"
	echo
	go tool pprof -top -nodecount=30 "$bin" "$OUT/$name.cpu.pprof" 2>/dev/null
	echo
	go tool pprof -top -cum -nodecount=45 "$bin" "$OUT/$name.cpu.pprof" 2>/dev/null | tail -n +6
	echo
	go tool pprof -sample_index=alloc_space -top -nodecount=15 "$bin" "$OUT/$name.heap.pprof" 2>/dev/null | tail -n +4
} >"$OUT/$name.top.txt"
cat "$OUT/$name.top.txt"
