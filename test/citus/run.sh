#!/usr/bin/env bash
# test/citus/run.sh: funnel on Citus, a coordinator and two workers on this machine.
#
#   CITUS_PG_CONFIG=/path/to/pg_config bash test/citus/run.sh
#
# CITUS_PG_CONFIG names a PostgreSQL whose server has Citus installed (citus.so in its
# pkglibdir).  Unset, or without Citus: prints "citus: skipped (...)" and exits 0, so the
# suite can be part of `make test` on machines without Citus.
#
# What it does: builds funnel and installs it into that PostgreSQL (unless
# CITUS_NO_INSTALL=1); in a fresh mktemp directory starts a coordinator and two workers, plus
# a third node that joins the cluster later in the suite, as user postgres (when run as root),
# each on a free port of 127.0.0.1 chosen now and a unix socket in that directory only, with
# shared_preload_libraries = citus; makes the nodes' OIDs differ (a few throwaway types on
# the workers, as on any real cluster); creates extension citus on every node, registers the
# workers on the coordinator (citus_set_coordinator_host, citus_add_node), creates extension
# funnel on the coordinator (Citus propagates it to the workers); loads the data set
# (test/citus/setup.sql: distributed tables and local copies of the same rows); then runs the
# checks of test/citus/citus.sql, each chunk (a "-- @@ name" header up to the next) in a
# psql session of its own, so that a crash costs one chunk, not the rest.  Every check prints
# one "PASS name" or "FAIL name: why" line; an ERROR outside a check, or a chunk that prints
# nothing (a server crash), counts as a failure too.  Ends with "citus: N passed, M failed"
# and exits non-zero when anything failed.  Every node is stopped by its data directory
# (pg_ctl stop) on exit, also on failure or interrupt; the directory is removed unless
# CITUS_KEEP_DIR=1 (the nodes' logs are there).
#
# Other settings: CITUS_SCALE (default 1) multiplies the data set (3,000 deals at 1);
# CITUS_ONLY=regex runs only the chunks whose name matches.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)

skip() { echo "citus: skipped (Citus not installed: $*)"; exit 0; }

PGC=${CITUS_PG_CONFIG:-}
[ -n "$PGC" ] || skip "CITUS_PG_CONFIG is not set"
[ -x "$PGC" ] || skip "CITUS_PG_CONFIG=$PGC is not an executable pg_config"
PKGLIB=$("$PGC" --pkglibdir) || skip "$PGC does not run"
[ -f "$PKGLIB/citus.so" ] || skip "no citus.so in $PKGLIB"
BIN=$("$PGC" --bindir)
SCALE=${CITUS_SCALE:-1}
ONLY=${CITUS_ONLY:-}

say() { printf '== %s\n' "$*"; }

if [ -z "${CITUS_NO_INSTALL:-}" ]; then
	say "build and install funnel into $("$PGC" --version) ($PGC)"
	{ make -s PG_CONFIG="$PGC" && make -s PG_CONFIG="$PGC" install; } >/tmp/citus-build.$$.log 2>&1 \
		|| { tail -30 /tmp/citus-build.$$.log; rm -f /tmp/citus-build.$$.log; echo "citus: build failed"; exit 2; }
	rm -f /tmp/citus-build.$$.log
fi
[ -f "$PKGLIB/funnel.so" ] || { echo "citus: funnel is not installed in $PKGLIB"; exit 2; }

# run a command as the nodes' owner (postgres when we are root)
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

WORK=$(mktemp -d /tmp/funnel-citus.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
NODES=()          # data directories of the started nodes

stop_all() {
	local d
	[ -n "${STOPPED:-}" ] && return
	STOPPED=1
	for d in "${NODES[@]}"; do
		[ -f "$d/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$d" -m fast -w -t 60 stop >/dev/null 2>&1
	done
	if [ -z "${CITUS_KEEP_DIR:-}" ]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# a port of 127.0.0.1 nobody listens on (bash's /dev/tcp connects when someone does)
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		[ -e "$WORK/.s.PGSQL.$p" ] && continue
		echo "$p"; return
	done
}

# start_node NAME: initdb and start a node; sets PORT_<NAME>; retries with another port
# when the one chosen was taken in the meantime
start_node() {
	local name=$1 dir="$WORK/$1" port try
	as_owner "$BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C >"$WORK/$name.initdb.log" 2>&1 \
		|| { cat "$WORK/$name.initdb.log"; echo "citus: initdb failed"; exit 2; }
	cp "$dir/postgresql.conf" "$dir/postgresql.conf.orig"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		cp "$dir/postgresql.conf.orig" "$dir/postgresql.conf"
		cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$WORK'
shared_preload_libraries = 'citus'
max_connections = 100
max_prepared_transactions = 100
max_worker_processes = 16
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_min_messages = warning
citus.log_distributed_deadlock_detection = off
CONF
		if as_owner "$BIN/pg_ctl" -D "$dir" -l "$WORK/$name.log" -w -t 60 start >/dev/null 2>&1; then
			NODES+=("$dir")
			printf -v "PORT_$name" '%s' "$port"
			return 0
		fi
	done
	tail -20 "$WORK/$name.log"; echo "citus: $name did not start"; exit 2
}

# psql on node port P, as postgres, through the unix socket in $WORK
q() {
	local port=$1; shift
	as_owner env PGOPTIONS="${PGOPTIONS:-}" "$BIN/psql" -X -q -h "$WORK" -p "$port" -U postgres -d postgres "$@"
}

# wait_ready PORT: the node accepts connections again (after a crash it recovers first)
wait_ready() {
	local i
	for i in $(seq 1 120); do
		as_owner "$BIN/pg_isready" -q -h "$WORK" -p "$1" && return 0
		sleep 0.5
	done
	return 1
}

say "nodes in $WORK"
start_node coord
start_node w1
start_node w2
start_node w3
say "coordinator $PORT_coord, workers $PORT_w1 $PORT_w2, a node joining later $PORT_w3"

# Node-local OIDs differ between nodes of a real cluster: make them differ here too (types
# the coordinator never hears of), so that any value carrying an OID from node to node shows.
pad=0
for n in w1 w2 w3; do
	pad=$((pad + 7))
	q "$(eval echo "\$PORT_$n")" -v ON_ERROR_STOP=1 >/dev/null <<SQL || { echo "citus: padding $n failed"; exit 2; }
CREATE SCHEMA oid_padding;
SELECT format('CREATE TYPE oid_padding.t%s AS ENUM (''a'', ''b'')', g) FROM generate_series(1, $pad) g \gexec
SQL
done

for n in coord w1 w2 w3; do
	q "$(eval echo "\$PORT_$n")" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION citus" \
		|| { echo "citus: CREATE EXTENSION citus on $n failed"; exit 2; }
done
q "$PORT_coord" -v ON_ERROR_STOP=1 >/dev/null <<SQL || { echo "citus: registering the workers failed"; exit 2; }
SELECT citus_set_coordinator_host('127.0.0.1', $PORT_coord);
SELECT citus_add_node('127.0.0.1', $PORT_w1);
SELECT citus_add_node('127.0.0.1', $PORT_w2);
CREATE EXTENSION funnel;
SQL
VERSIONS=$(q "$PORT_coord" -At -c "SELECT 'Citus ' || (SELECT extversion FROM pg_extension WHERE extname = 'citus')
	|| ', funnel ' || (SELECT extversion FROM pg_extension WHERE extname = 'funnel') || ', ' || version()")
say "$VERSIONS"

say "data set (scale $SCALE)"
# the SQL files are read by psql as the nodes' owner, who may not reach the checkout: copies
cp "$TOP/test/citus/setup.sql" "$WORK/setup.sql"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/setup.sql"
q "$PORT_coord" -v ON_ERROR_STOP=1 -v scale="$SCALE" -f "$WORK/setup.sql" >"$WORK/setup.log" 2>&1 \
	|| { tail -20 "$WORK/setup.log"; echo "citus: setup failed"; exit 2; }
q "$PORT_coord" -At -c "SELECT format('%s deals, %s history rows, %s events', (SELECT count(*) FROM deals_local),
	(SELECT count(*) FROM deal_history_local), (SELECT count(*) FROM events_local))" | sed 's/^/== /'

# split citus.sql into chunks: a "-- @@ name" line starts one
mkdir "$WORK/chunks"
awk -v dir="$WORK/chunks" '
	/^-- @@ / { n++; f = sprintf("%s/%03d.sql", dir, n); name = substr($0, 7); print name > (f ".name"); close(f ".name") }
	n > 0 { print > f }
' "$TOP/test/citus/citus.sql"
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK/chunks"

PASSED=0
FAILED=0
for chunk in "$WORK"/chunks/*.sql; do
	name=$(cat "$chunk.name")
	if [ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]]; then continue; fi
	out="$chunk.out"
	PGOPTIONS="-c statement_timeout=300s" q "$PORT_coord" -At -v ON_ERROR_STOP=0 \
		-v late_port="$PORT_w3" -v work="$WORK" -f "$chunk" >"$out" 2>&1
	rc=$?
	results=$(grep -E '^(PASS|FAIL) ' "$out")
	[ -n "$results" ] && echo "$results"
	PASSED=$((PASSED + $(grep -c '^PASS ' <<<"$results")))
	FAILED=$((FAILED + $(grep -c '^FAIL ' <<<"$results")))
	err=$(grep -vE '^(PASS|FAIL) ' "$out" \
		| grep -E '(ERROR|FATAL|PANIC):|server closed the connection|connection to server .* lost' | head -1)
	if [ -n "$err" ]; then
		echo "FAIL $name: outside a check: $err"
		FAILED=$((FAILED + 1))
	elif [ -z "$results" ]; then
		echo "FAIL $name: no result (psql exit $rc): $(tail -1 "$out")"
		FAILED=$((FAILED + 1))
	fi
	# a crashed node restarts (crash recovery): wait for every node before the next chunk
	for n in coord w1 w2 w3; do
		wait_ready "$(eval echo "\$PORT_$n")" || { echo "FAIL $name: node $n did not come back"; FAILED=$((FAILED + 1)); }
	done
done

crashes=$(grep -l 'terminated by signal' "$WORK"/*.log 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')
[ -n "$crashes" ] && say "server processes crashed (terminated by signal) on: $crashes(logs: CITUS_KEEP_DIR=1)"
echo "citus: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
