#!/usr/bin/env bash
# Read-replica benchmark of healthcms (issue 13, goal 5): see bench/README.md.
#
# Starts a private PostgreSQL primary and a streaming replica of it
# (initdb, pg_basebackup -R) under a temporary directory, seeds N live
# articles with `cms seed`, then drives `cms serve` with the delivery cache
# off (CMS_DELIVERY_CACHE_MB=0: every request is a database read) with
# wrk on random slugs, once with every read on the primary and once with
# CMS_DATABASE_READ_URL set to the replica. Prints req/s, p99, the
# server's CPU per request and how many transactions each PostgreSQL
# instance committed during the run (pg_stat_database.xact_commit: one per
# delivery read, read-only ones included). Everything it starts is stopped
# and removed on exit, also on Ctrl-C.
#
# Settings (environment):
#   BENCH_REPLICA_ARTICLES=1000  live articles to seed
#   BENCH_DURATION=5s            wrk duration of each measured run (after 1 s of warm-up)
#   BENCH_PRIMARY_PORT=15432 BENCH_REPLICA_PORT=15433 BENCH_PORT=18090
#   BENCH_PGBIN=                 PostgreSQL's server binaries (default: the newest /usr/lib/postgresql/*/bin)
#   BENCH_SRC=<repo>             where to build cms from (default: the repository holding bench/)
#
# On one machine the replica competes with the primary and the server for
# the same CPUs, so req/s says little about scaling out; the point is where
# the reads go (the xact columns) and what the routing costs per request.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${BENCH_SRC:-$(dirname "$BENCH_DIR")}
N=${BENCH_REPLICA_ARTICLES:-1000}
DURATION=${BENCH_DURATION:-5s}
PRIMARY_PORT=${BENCH_PRIMARY_PORT:-15432}
REPLICA_PORT=${BENCH_REPLICA_PORT:-15433}
PORT=${BENCH_PORT:-18090}
PGBIN=${BENCH_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
THREADS=2
CONNS=50
PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres?sslmode=disable"
REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres?sslmode=disable"
JWT_SECRET=bench-only-secret-0123456789abcdefghijklmnop

log() { echo "replica.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}
need() { command -v "$1" >/dev/null || die "$1 is missing: $2"; }
need wrk "apt-get install wrk"
need curl "apt-get install curl"
need go "install Go to build cms"
[[ -x $PGBIN/initdb && -x $PGBIN/pg_basebackup && -x $PGBIN/pg_ctl && -x $PGBIN/psql ]] ||
	die "no PostgreSQL server binaries in '$PGBIN' (apt-get install postgresql, or set BENCH_PGBIN)"

TMP=$(mktemp -d /tmp/cms-bench-replica.XXXXXX)
chmod 755 "$TMP"
SERVER_PID=
# as_pg runs a PostgreSQL program as the postgres OS user when root
# (PostgreSQL refuses to run as root).
as_pg() {
	if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [[ $(id -u) == 0 ]]; then chown postgres: "$TMP"; fi

cleanup() {
	set +e
	if [[ -n $SERVER_PID ]]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	for d in replica primary; do
		[[ -f $TMP/$d/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$TMP/$d" stop -m immediate >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_pg() { # dir port
	as_pg "$PGBIN/pg_ctl" -D "$TMP/$1" -l "$TMP/$1.log" -w -t 60 start \
		-o "-p $2 -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=128MB" >/dev/null ||
		die "PostgreSQL ($1) did not start: $(tail -5 "$TMP/$1.log")"
}
psql_at() { "$PGBIN/psql" -X -q -h 127.0.0.1 -U postgres -d postgres -p "$1" -Atc "$2"; }
xacts() { # port: transactions committed in the postgres database
	psql_at "$1" "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'"
}

log "building cms"
(cd "$SRC" && go build -o "$TMP/cms" ./cmd/cms)
CMS=$TMP/cms

log "primary on port $PRIMARY_PORT"
as_pg "$PGBIN/initdb" -D "$TMP/primary" -U postgres -A trust -E UTF8 --no-sync --no-instructions >/dev/null
start_pg primary "$PRIMARY_PORT"

log "seeding $N live articles (cms seed)"
t0=$(date +%s)
CMS_DATABASE_URL=$PRIMARY_URL CMS_JWT_SECRET=$JWT_SECRET "$CMS" seed --articles "$N" --topics 20 >"$TMP/seed.log" 2>&1 ||
	die "seed failed: $(tail -5 "$TMP/seed.log")"
log "seeded in $(($(date +%s) - t0))s"

log "replica on port $REPLICA_PORT (pg_basebackup -R)"
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$TMP/replica" -R -X stream -c fast --no-sync
start_pg replica "$REPLICA_PORT"
for _ in $(seq 1 600); do
	[[ $(psql_at "$REPLICA_PORT" "SELECT pg_last_wal_replay_lsn() >= '$(psql_at "$PRIMARY_PORT" "SELECT pg_current_wal_lsn()")'") == t ]] && break
	sleep 0.1
done

psql_at "$PRIMARY_PORT" "SELECT slug FROM live_articles" >"$TMP/slugs.txt"
[[ $(wc -l <"$TMP/slugs.txt") == "$N" ]] || die "expected $N live slugs, found $(wc -l <"$TMP/slugs.txt")"

in_use() { curl -fsS "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep '^cms_read_replica_in_use 1' >/dev/null; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# run label [CMS_DATABASE_READ_URL]: one measured run; prints a table row.
run() {
	local label=$1 read_url=${2:-}
	env CMS_DATABASE_URL="$PRIMARY_URL" CMS_DATABASE_READ_URL="$read_url" CMS_JWT_SECRET=$JWT_SECRET \
		CMS_ADDR=127.0.0.1:$PORT CMS_DELIVERY_CACHE_MB=0 CMS_ACCESS_LOG=false CMS_AUTO_MIGRATE=false \
		CMS_ADMIN_PASSWORD="bench admin password" CMS_SCHEDULER_INTERVAL=1h \
		"$CMS" serve >"$TMP/serve-$label.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
		sleep 0.1
	done
	if [[ -n $read_url ]]; then
		for _ in $(seq 1 100); do
			in_use && break
			sleep 0.1
		done
		in_use || die "the replica did not come into use"
	fi
	wrk -t$THREADS -c$CONNS -d1s -s "$BENCH_DIR/slugs.lua" "http://127.0.0.1:$PORT" -- "$TMP/slugs.txt" >/dev/null
	# A backend adds its counts to pg_stat_database at most once a second
	# while busy, and within 10 s once idle: wait for the warm-up's.
	sleep 11
	local p0 r0 s0 p1 r1 s1
	p0=$(xacts "$PRIMARY_PORT")
	r0=$(xacts "$REPLICA_PORT")
	s0=$(ticks "$SERVER_PID")
	wrk -t$THREADS -c$CONNS -d"$DURATION" --latency -s "$BENCH_DIR/slugs.lua" "http://127.0.0.1:$PORT" -- "$TMP/slugs.txt" >"$TMP/wrk-$label.txt"
	s1=$(ticks "$SERVER_PID")
	sleep 11
	p1=$(xacts "$PRIMARY_PORT")
	r1=$(xacts "$REPLICA_PORT")
	local reqs p99 total errors
	reqs=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$TMP/wrk-$label.txt")
	p99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk-$label.txt")
	total=$(awk '/requests in/ { print $1 }' "$TMP/wrk-$label.txt")
	errors=$(awk '/Non-2xx/ { print $NF }' "$TMP/wrk-$label.txt")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$reqs" "$p99" \
		"$(awk -v t="$((s1 - s0))" -v n="$total" 'BEGIN { printf "%.0f", (n > 0 ? t * 10000 / n : 0) }')" \
		"$total" "$((p1 - p0))" "$((r1 - r0))" "${errors:-0}"
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

echo
echo "Random slugs over $N articles, cache off, wrk -t$THREADS -c$CONNS -d$DURATION; $(nproc) CPUs shared by server, wrk and both PostgreSQL instances."
echo
echo "| delivery reads go to | req/s | p99 | server CPU µs/req | requests | primary xacts | replica xacts | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
run primary
run replica "$REPLICA_URL"
