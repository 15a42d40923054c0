#!/usr/bin/env bash
# test/bench/citus.sh: funnel's reports on Citus distributed tables against the same rows in
# plain tables on one node (issue 15, item 7).
#
#   CITUS_PG_CONFIG=/path/to/pg_config bash test/bench/citus.sh     # a few minutes
#
# CITUS_PG_CONFIG names a PostgreSQL whose server has Citus installed (citus.so in its
# pkglibdir).  Unset, or without Citus: prints "citus bench: skipped (...)" and exits 0.
#
# What it does: builds funnel and installs it into that PostgreSQL (unless
# CITUS_NO_INSTALL=1); in a fresh mktemp directory starts a coordinator and two workers
# (127.0.0.1, free ports, unix socket in that directory, as user postgres when run as root);
# creates the extensions (funnel on the coordinator, Citus propagates it); makes a user's
# funnel with funnel.create_funnel on the coordinator, and three tables of computed rows
# (deals, their stage history, product events), each twice: distributed by entity (32 shards,
# colocated) and as a plain table on the coordinator (*_local).  Then each workload runs on
# both, interleaved, BENCH_REPS times (default 3), and the best time of each is kept:
#
#   pipeline        SELECT segment, <every accessor of funnel.pipeline(stage, amount, ...)>
#                   FROM deals GROUP BY segment      (grouped by a non-distribution column:
#                   partial aggregates on the workers, combined on the coordinator)
#   journey report  the README's per-segment report: funnel.journey per deal (grouped by the
#                   distribution column, whole on the workers), funnel.summary per segment,
#                   funnel.stage_report of it
#   window_funnel   the level each user reached (funnel.window_funnel per user, grouped by the
#                   distribution column) counted per campaign and level
#
# and prints a table: local time, distributed time, their ratio, and whether the two results
# are equal (compared row by row as text).  A workload that fails on the distributed tables
# is printed as "fails: <error>" and the run goes on.  On this kind of machine (all nodes on
# one host; the machine this was written on has 2 cores) the ratio measures what
# distribution costs (planning, connections, shipping partial states, combining), not a
# speed-up: three servers share the cores one server had.
#
# Settings: CITUS_BENCH_SCALE (default 500; per unit 1,000 deals, 4,000 history rows and 3,200
# events: 500,000, 2,000,000 and 1,600,000), BENCH_REPS (3),
# CITUS_KEEP_DIR=1 keeps the directory (the nodes' logs).  Every node is stopped by its data
# directory (pg_ctl stop) on exit, also on failure or interrupt.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)

skip() { echo "citus bench: skipped (Citus not installed: $*)"; exit 0; }

PGC=${CITUS_PG_CONFIG:-}
[ -n "$PGC" ] || skip "CITUS_PG_CONFIG is not set"
[ -x "$PGC" ] || skip "CITUS_PG_CONFIG=$PGC is not an executable pg_config"
PKGLIB=$("$PGC" --pkglibdir) || skip "$PGC does not run"
[ -f "$PKGLIB/citus.so" ] || skip "no citus.so in $PKGLIB"
BIN=$("$PGC" --bindir)
SCALE=${CITUS_BENCH_SCALE:-500}
REPS=${BENCH_REPS:-3}

say() { printf '== %s\n' "$*"; }

if [ -z "${CITUS_NO_INSTALL:-}" ]; then
	say "build and install funnel into $("$PGC" --version) ($PGC)"
	{ make -s PG_CONFIG="$PGC" && make -s PG_CONFIG="$PGC" install; } >/tmp/citus-bench-build.$$.log 2>&1 \
		|| { tail -30 /tmp/citus-bench-build.$$.log; rm -f /tmp/citus-bench-build.$$.log; echo "citus bench: build failed"; exit 2; }
	rm -f /tmp/citus-bench-build.$$.log
fi
[ -f "$PKGLIB/funnel.so" ] || { echo "citus bench: funnel is not installed in $PKGLIB"; exit 2; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

WORK=$(mktemp -d /tmp/funnel-citus-bench.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
NODES=()

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

# a port of 127.0.0.1 nobody listens on
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		[ -e "$WORK/.s.PGSQL.$p" ] && continue
		echo "$p"; return
	done
}

# start_node NAME: initdb and start a node; sets PORT_<NAME>
start_node() {
	local name=$1 dir="$WORK/$1" port try
	as_owner "$BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C >"$WORK/$name.initdb.log" 2>&1 \
		|| { cat "$WORK/$name.initdb.log"; echo "citus bench: initdb failed"; exit 2; }
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
shared_buffers = 256MB
work_mem = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
jit = off
max_wal_size = '4GB'
timezone = 'UTC'
log_min_messages = warning
CONF
		if as_owner "$BIN/pg_ctl" -D "$dir" -l "$WORK/$name.log" -w -t 60 start >/dev/null 2>&1; then
			NODES+=("$dir")
			printf -v "PORT_$name" '%s' "$port"
			return 0
		fi
	done
	tail -20 "$WORK/$name.log"; echo "citus bench: $name did not start"; exit 2
}

q() {
	local port=$1; shift
	as_owner "$BIN/psql" -X -q -h "$WORK" -p "$port" -U postgres -d postgres "$@"
}

T0=$(date +%s)
start_node coord
start_node w1
start_node w2
for n in coord w1 w2; do
	q "$(eval echo "\$PORT_$n")" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION citus" \
		|| { echo "citus bench: CREATE EXTENSION citus on $n failed"; exit 2; }
done
q "$PORT_coord" -v ON_ERROR_STOP=1 >/dev/null <<SQL || { echo "citus bench: registering the workers failed"; exit 2; }
SELECT citus_set_coordinator_host('127.0.0.1', $PORT_coord);
SELECT citus_add_node('127.0.0.1', $PORT_w1);
SELECT citus_add_node('127.0.0.1', $PORT_w2);
CREATE EXTENSION funnel;
SQL
say "$(q "$PORT_coord" -At -c "SELECT 'Citus ' || (SELECT extversion FROM pg_extension WHERE extname = 'citus')
	|| ', funnel ' || (SELECT extversion FROM pg_extension WHERE extname = 'funnel') || ', ' || split_part(version(), ' on ', 1)")"
say "a coordinator and 2 workers on one host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) of memory"

say "data set (scale $SCALE)"
cat >"$WORK/setup.sql" <<'SQL'
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET citus.shard_count = 32;
SELECT funnel.create_funnel('deal_stage',
    ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'],
    won => ARRAY['won'], lost => ARRAY['lost']);
SELECT funnel.set_stage('lead'::deal_stage, probability => 0.1);
SELECT funnel.set_stage('qualified'::deal_stage, probability => 0.2);
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.5);
SELECT funnel.set_stage('negotiation'::deal_stage, probability => 0.7);

-- deals: h, a fixed scramble of the id, decides the outcome, stage, amount and dates
CREATE TABLE deals_local (id bigint PRIMARY KEY, segment text NOT NULL, stage deal_stage,
    amount numeric, created_at timestamptz NOT NULL, closed_at timestamptz);
INSERT INTO deals_local
SELECT id, (ARRAY['smb', 'mid', 'ent'])[id % 3 + 1],
       CASE WHEN h % 101 = 0 THEN NULL
            WHEN h % 1000 < 250 THEN 'won'
            WHEN h % 1000 < 450 THEN 'lost'
            ELSE (ARRAY['lead', 'qualified', 'proposal', 'negotiation'])[h % 4 + 1]::deal_stage END,
       CASE WHEN h % 37 = 0 THEN NULL ELSE (h * 7 % 500 + 1) * 100 + id % 100 END,
       created,
       CASE WHEN h % 1000 < 450 THEN created + (h % 90 + 1) * interval '1 day' + (h % 24) * interval '1 hour' END
FROM (SELECT id, (id * 2654435761) % 1000003 AS h,
             timestamptz '2025-01-01 00:00+00' + (id % 180) * interval '1 day' + (id % 600) * interval '1 minute' AS created
      FROM generate_series(1, 1000 * :scale) id) g;

-- one path per deal (h % 6), rows a day apart
CREATE TABLE deal_history_local (deal_id bigint NOT NULL, segment text NOT NULL, stage deal_stage,
    entered_at timestamptz NOT NULL);
INSERT INTO deal_history_local
SELECT d.id, d.segment, p.stage::deal_stage,
       d.created_at + (p.k - 1) * interval '1 day' + (d.h % 13) * interval '1 hour'
FROM (SELECT id, segment, created_at, (id * 2654435761) % 1000003 AS h FROM deals_local) d,
     LATERAL unnest(CASE d.h % 6
         WHEN 0 THEN ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'won']
         WHEN 1 THEN ARRAY['lead', 'proposal', 'lost']
         WHEN 2 THEN ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'proposal', 'negotiation', 'won']
         WHEN 3 THEN ARRAY['lead', 'qualified']
         WHEN 4 THEN ARRAY['lead', 'lead', 'qualified', 'proposal']
         ELSE ARRAY['lead', 'qualified', 'lost'] END) WITH ORDINALITY AS p(stage, k);

-- one pattern per user (h % 5): a full funnel within the hour, a slow trial, a visit only,
-- signup before visit with a detour, a second visit two days later
CREATE TABLE events_local (user_id bigint NOT NULL, campaign text NOT NULL, event text NOT NULL,
    at timestamptz NOT NULL);
INSERT INTO events_local
SELECT u.id, (ARRAY['spring', 'search', 'social'])[u.id % 3 + 1], e.event, u.base + e.off
FROM (SELECT id, (id * 2654435761) % 1000003 AS h,
             timestamptz '2025-03-01 00:00+00' + (id % 20) * interval '1 day'
                 + ((id * 2654435761) % 1000003 % 600) * interval '1 minute' AS base
      FROM generate_series(1, 1000 * :scale) id) u,
     LATERAL (SELECT * FROM (VALUES
         (0, 'visit', interval '0'), (0, 'signup', interval '4 min'), (0, 'trial', interval '30 min'),
         (0, 'purchase', interval '55 min'),
         (1, 'visit', interval '0'), (1, 'signup', interval '20 min'), (1, 'trial', interval '2 hours'),
         (2, 'visit', interval '0'),
         (3, 'signup', interval '0'), (3, 'visit', interval '1 min'), (3, 'signup', interval '10 min'),
         (3, 'pricing', interval '15 min'), (3, 'trial', interval '20 min'),
         (4, 'visit', interval '0'), (4, 'visit', interval '2 days'), (4, 'signup', interval '2 days 30 min')
     ) v(pattern, event, off) WHERE v.pattern = u.h % 5) e;

CREATE TABLE deals (LIKE deals_local INCLUDING ALL);
CREATE TABLE deal_history (LIKE deal_history_local INCLUDING ALL);
CREATE TABLE events (LIKE events_local INCLUDING ALL);
SELECT create_distributed_table('deals', 'id');
SELECT create_distributed_table('deal_history', 'deal_id', colocate_with => 'deals');
SELECT create_distributed_table('events', 'user_id', colocate_with => 'deals');
INSERT INTO deals SELECT * FROM deals_local;
INSERT INTO deal_history SELECT * FROM deal_history_local;
INSERT INTO events SELECT * FROM events_local;
VACUUM ANALYZE;

CREATE SCHEMA bench;
-- every accessor of a pipeline state, as one text
CREATE FUNCTION bench.pipeline_facts(p funnel.pipeline) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' | ', funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p),
        funnel.open_count(p), funnel.win_rate(p), funnel.avg_deal_size(p),
        funnel.deal_size_quantile(p, 0.5), funnel.avg_cycle_length(p),
        funnel.cycle_length_quantile(p, 0.5), funnel.open_value(p), funnel.weighted_value(p),
        funnel.sales_velocity(p))
$$;

-- bench.run(query): the query's rows (as texts, sorted) into pg_temp.bench_<tag>, and its
-- time in ms; NULL time and the error in bench.last_error when it fails
CREATE TABLE bench.last_error (e text);
CREATE FUNCTION bench.run(tag text, query text) RETURNS float8
LANGUAGE plpgsql AS $fn$
DECLARE
    t0 timestamptz;
    st text;
    msg text;
BEGIN
    DELETE FROM bench.last_error;
    EXECUTE format('DROP TABLE IF EXISTS pg_temp.%I', 'bench_' || tag);
    t0 := clock_timestamp();
    BEGIN
        EXECUTE format('CREATE TEMP TABLE %I AS SELECT r::text AS r FROM (%s) r', 'bench_' || tag, query);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        INSERT INTO bench.last_error VALUES (st || ' ' || left(regexp_replace(msg, '\s+', ' ', 'g'), 160));
        RETURN NULL;
    END;
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END
$fn$;

-- bench.verdict(): the distributed run's error, or whether its rows equal the local run's
CREATE FUNCTION bench.verdict() RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    err text := (SELECT e FROM bench.last_error);
    ndiff bigint;
    n bigint;
BEGIN
    IF err IS NOT NULL OR to_regclass('pg_temp.bench_d') IS NULL THEN
        RETURN 'fails: ' || coalesce(err, 'no result');
    END IF;
    EXECUTE 'SELECT count(*) FROM ((SELECT r FROM pg_temp.bench_d EXCEPT ALL SELECT r FROM pg_temp.bench_l)
             UNION ALL (SELECT r FROM pg_temp.bench_l EXCEPT ALL SELECT r FROM pg_temp.bench_d)) x' INTO ndiff;
    EXECUTE 'SELECT count(*) FROM pg_temp.bench_l' INTO n;
    RETURN CASE WHEN ndiff = 0 THEN format('equal (%s rows)', n) ELSE format('DIFFER: %s of %s rows', ndiff, n) END;
END
$fn$;
SQL
[ "$(id -u)" = 0 ] && chown postgres "$WORK/setup.sql"
q "$PORT_coord" -v ON_ERROR_STOP=1 -v scale="$SCALE" -f "$WORK/setup.sql" >"$WORK/setup.log" 2>&1 \
	|| { tail -20 "$WORK/setup.log"; echo "citus bench: setup failed"; exit 2; }
say "$(q "$PORT_coord" -At -c "SELECT format('%s deals, %s history rows, %s events; distributed in %s shards per table; set-up took %ss',
	(SELECT count(*) FROM deals_local), (SELECT count(*) FROM deal_history_local), (SELECT count(*) FROM events_local),
	(SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'deals'::regclass), $(( $(date +%s) - T0 )))")"

# the workloads: NAME|QUERY, tables named in braces ({deals}: distributed; {deals}_local: local)
WORKLOADS=(
"pipeline by segment|SELECT segment, bench.pipeline_facts(funnel.pipeline(stage, amount, created_at, closed_at)) FROM {deals} GROUP BY segment"
"journey + summary report|SELECT segment, r.* FROM (SELECT segment, funnel.summary(j) AS s FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j FROM {deal_history} GROUP BY deal_id, segment) x GROUP BY segment) y, funnel.stage_report(y.s) r"
"window_funnel per user|SELECT campaign, level, count(*) FROM (SELECT user_id, campaign, funnel.window_funnel('1 hour', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS level FROM {events} GROUP BY user_id, campaign) x GROUP BY campaign, level"
)

say "timings: best of $REPS runs, local and distributed interleaved"
printf '%-26s %12s %14s %8s  %s\n' "workload" "local ms" "distributed ms" "ratio" "results"
for w in "${WORKLOADS[@]}"; do
	name=${w%%|*}
	tmpl=${w#*|}
	dq=$(sed -E 's/\{(\w+)\}/\1/g' <<<"$tmpl")
	lq=$(sed -E 's/\{(\w+)\}/\1_local/g' <<<"$tmpl")
	# one session: the temp tables of both runs are compared at the end
	out=$(q "$PORT_coord" -At -F '|' -v ON_ERROR_STOP=1 -v dq="$dq" -v lq="$lq" -v reps="$REPS" <<'SQL'
SET client_min_messages = warning;
CREATE TEMP TABLE times (kind text, ms float8);
SELECT format('INSERT INTO times SELECT %L, bench.run(%L, %L); INSERT INTO times SELECT %L, bench.run(%L, %L);',
              'local', 'l', :'lq', 'dist', 'd', :'dq')
FROM generate_series(1, :reps) \gexec
SELECT coalesce((SELECT min(ms)::numeric(12,1)::text FROM times WHERE kind = 'local'), '-'),
       coalesce((SELECT min(ms)::numeric(12,1)::text FROM times WHERE kind = 'dist'), '-'),
       coalesce((SELECT (min(ms) FILTER (WHERE kind = 'dist') / nullif(min(ms) FILTER (WHERE kind = 'local'), 0))::numeric(8,2)::text FROM times), '-'),
       bench.verdict();
SQL
	) || { printf '%-26s %s\n' "$name" "fails: the session failed: $(tail -1 <<<"$out")"; continue; }
	IFS='|' read -r lms dms ratio res <<<"$(tail -1 <<<"$out")"
	printf '%-26s %12s %14s %8s  %s\n' "$name" "$lms" "$dms" "$ratio" "$res"
done
say "total $(( $(date +%s) - T0 ))s"
