# test/bench/lib.sh: the set-up every benchmark shares (sourced after test/lib.sh).
#
#   bench_install        install missing Debian packages, then build and install funnel,
#                        or (BENCH_NO_INSTALL=1) use the installed one as it is
#   bench_cluster NAME   a work directory /tmp/funnel-bench-NAME.XXXXXX (WORK) with a
#                        throwaway cluster in it, stopped and removed at exit (kept with
#                        KEEP_CLUSTER=1); a function bench_extra_cleanup, if defined, runs first
#   bench_restart SQL    ALTER SYSTEM the settings every benchmark wants (autovacuum and JIT
#                        off, no checkpoint behind a measurement) plus SQL, then restart
#   bench_prewarm T...   load the tables into shared_buffers, say how big they are and how
#                        long the set-up took (since T_SETUP), warn when they do not fit
#   bench_timed MSG ARGS run $WORK/timed.sql (psql ARGS) into $WORK/timed.out after a warning
#                        if the machine is busy; sets LOAD0 (load average before) and
#                        ELAPSED (seconds)
#   psql_q ARGS          psql as the cluster's owner, quiet, stopping at the first error
#   psql_f NAME ARGS     run stdin as the work directory's NAME.sql (readable by the owner)
#   bench_mem_functions  create public.bench_mem(query): one query's peak memory (below)
#   bench_noop_agg       build test/bench/noop_agg in WORK and create bench.noop_agg(VARIADIC
#                        "any") in the database: the aggregate that does nothing with its
#                        arguments, the floor of a call (below)

bench_install() {
	ensure_deps
	if [ -n "${BENCH_NO_INSTALL:-}" ]; then
		PG_CONFIG=$(find_pg_config)
		[ -x "$PG_CONFIG" ] || { echo "pg_config not found" >&2; exit 2; }
		export PG_CONFIG
		export PATH="$("$PG_CONFIG" --bindir):$PATH"
		say "using the installed funnel ($PG_CONFIG), no build"
	else
		build_install
	fi
}

bench_cleanup() {
	if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup; fi
	cluster_cleanup
	if [ -z "${KEEP_CLUSTER:-}" ]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}

bench_cluster() {
	WORK=$(mktemp -d "/tmp/funnel-bench-$1.XXXXXX")
	chmod 755 "$WORK"
	cluster_start "$WORK/cluster"
	trap bench_cleanup EXIT
}

psql_q() { as_owner psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The call floor: bench.noop_agg(args...) counts its rows like count(*), but the
# executor deforms, evaluates and passes the same arguments as funnel's aggregate
# beside it, to a C transition function that ignores them (test/bench/noop_agg).
# What funnel costs above it is funnel's own work; what it costs above count(*) is
# PostgreSQL's, paid by any aggregate called that way.  Built in a copy in WORK and
# loaded by path: nothing is installed.
bench_noop_agg() {
	cp -r test/bench/noop_agg "$WORK/noop_agg"
	rm -f "$WORK"/noop_agg/*.o "$WORK"/noop_agg/*.so "$WORK"/noop_agg/*.bc
	[ "$(id -u)" = 0 ] && chown -R postgres "$WORK/noop_agg"
	as_owner make -s -C "$WORK/noop_agg" PG_CONFIG="$PG_CONFIG" >"$WORK/noop_agg/build.log" 2>&1 \
		|| { cat "$WORK/noop_agg/build.log" >&2; exit 2; }
	sed -e "s|MODULE_PATHNAME|$WORK/noop_agg/noop_agg.so|g" \
		-e 's/^CREATE FUNCTION /CREATE FUNCTION bench./' -e 's/^CREATE AGGREGATE /CREATE AGGREGATE bench./' \
		-e 's/SFUNC = noop_agg_trans/SFUNC = bench.noop_agg_trans/' test/bench/noop_agg/noop_agg--1.0.sql \
		| psql_f noop_agg -c "CREATE SCHEMA IF NOT EXISTS bench" >/dev/null || exit 2
}

psql_f() {
	local f="$WORK/$1.sql"
	shift
	cat >"$f"
	[ "$(id -u)" = 0 ] && chown postgres "$f"
	psql_q "$@" -f "$f"
}

bench_restart() {
	psql_q >/dev/null <<SQL || exit 2
ALTER SYSTEM SET autovacuum = off;           -- nothing runs behind a measurement
ALTER SYSTEM SET jit = off;                  -- no compile-time noise
ALTER SYSTEM SET max_wal_size = '8GB';       -- checkpoints only where we ask for them
ALTER SYSTEM SET checkpoint_timeout = '1h';
$1
SQL
	as_owner pg_ctl -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 -m fast restart >/dev/null \
		|| { cat "$CLUSTER_DIR/server.log" >&2; exit 2; }
	CLUSTER_PID=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
	say "server pid $CLUSTER_PID, socket $PGHOST, shared_buffers $(psql_q -At -c 'SHOW shared_buffers')"
}

bench_prewarm() {
	local list pages bytes sb
	list=$(printf "'%s'," "$@")
	read -r pages bytes sb < <(psql_q -At -F ' ' -c "SELECT sum(pg_prewarm(t)), sum(pg_relation_size(t)),
		(SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers')
		FROM unnest(ARRAY[${list%,}]::regclass[]) t") || exit 2
	say "tables $*: $((bytes / 1048576)) MB ($pages pages pre-warmed), shared_buffers $((sb / 1048576)) MB, set-up took $(( $(date +%s) - T_SETUP ))s"
	[ "$bytes" -lt "$sb" ] || echo "   WARNING: the tables do not fit in shared_buffers (BENCH_SHARED_BUFFERS)" >&2
}

bench_timed() {
	local msg=$1 t0
	shift
	[ "$(id -u)" = 0 ] && chown postgres "$WORK/timed.sql"
	LOAD0=$(cut -d' ' -f1 /proc/loadavg)
	awk -v l="$LOAD0" 'BEGIN { exit !(l > 0.5) }' \
		&& say "WARNING: load average $LOAD0 before timing: other processes are running, figures will be noisy"
	say "timing: $msg (work_mem $WORK_MEM)"
	t0=$(date +%s)
	psql_q "$@" -f "$WORK/timed.sql" >"$WORK/timed.out" 2>&1 || { cat "$WORK/timed.out" >&2; exit 2; }
	ELAPSED=$(( $(date +%s) - t0 ))
}

# The timed session's figures, from $WORK/timed.out (after bench_timed): per
# variant of VARIANTS ("@@ <variant>" before each timed query, "@@cpu <ms>"
# after a serial one, psql's "Time: <ms>"), the minimum wall time in BEST and
# on-CPU time in BESTCPU, and every round's in ALL and ALLCPU (warm-up runs
# left out).  Exits 2 when a variant has no timing.
bench_best() {
	local kind v ms
	declare -gA BEST=() ALL=() BESTCPU=() ALLCPU=()
	while read -r kind v ms; do
		[ "$v" = warm ] && continue
		if [ "$kind" = C ]; then
			ALLCPU[$v]="${ALLCPU[$v]:-}${ALLCPU[$v]:+ }$(printf '%.0f' "$ms")"
			if [ -z "${BESTCPU[$v]:-}" ] || awk -v a="$ms" -v b="${BESTCPU[$v]}" 'BEGIN { exit !(a < b) }'; then BESTCPU[$v]=$ms; fi
			continue
		fi
		ALL[$v]="${ALL[$v]:-}${ALL[$v]:+ }$(printf '%.0f' "$ms")"
		if [ -z "${BEST[$v]:-}" ] || awk -v a="$ms" -v b="${BEST[$v]}" 'BEGIN { exit !(a < b) }'; then BEST[$v]=$ms; fi
	done < <(awk '/^@@cpu / { if (v != "") print "C", v, $2; next } /^@@ / { v = $2 } /^Time: / { if (v != "") print "T", v, $2 }' "$WORK/timed.out")
	for v in "${VARIANTS[@]}"; do
		[ -n "${BEST[$v]:-}" ] || { echo "no timing for $v in $WORK/timed.out" >&2; cat "$WORK/timed.out" >&2; exit 2; }
	done
}

# a / b to two decimals, "-" when either is missing or b is 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# The backend's on-CPU time in ns (/proc/self/schedstat) as SQL in CPU_NS, and
# CPU=t when the server can read it (else empty: wall times only).
bench_cpu_probe() {
	CPU_NS="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"
	CPU=$(psql_q -At -c "SELECT $CPU_NS > 0" 2>/dev/null)
	[ "$CPU" = t ] || CPU=""
}

# $WORK/timed.sql, one session: SESSION_SQL, a warm-up round (r = 0), then
# REPS rounds of all NV VARIANTS ("group.query.mode") in an order rotated by
# one each round, each query (query_sql QUERY GROUP after mode_sql MODE)
# marked "@@ <variant> <round>" and timed by psql, then its on-CPU time
# "@@cpu <ms>" when CPU is set (bench_cpu_probe).  WARM_SKIP (a case
# pattern of query names, optional): queries left out of the warm-up.
bench_timed_sql() {
	local skip=${1:-} r i v g q m
	{
		echo "$SESSION_SQL"
		for ((r = 0; r <= REPS; r++)); do
			for ((i = 0; i < NV; i++)); do
				v=${VARIANTS[(i + r) % NV]}
				IFS=. read -r g q m <<<"$v"
				# shellcheck disable=SC2254
				[ $r = 0 ] && [ -n "$skip" ] && case $q in $skip) true ;; *) false ;; esac && continue
				mode_sql "$m"
				if [ $r = 0 ]; then echo "\\echo @@ warm"; else echo "\\echo @@ $v $r"; fi
				echo '\o /dev/null'
				[ -n "$CPU" ] && echo "SELECT $CPU_NS AS c0 \\gset"
				echo '\timing on'
				query_sql "$q" "$g"
				echo ';'
				echo '\timing off'
				[ -n "$CPU" ] && echo "SELECT round(($CPU_NS - :c0) / 1e6, 3) AS cpu_ms \\gset" && echo '\echo @@cpu :cpu_ms'
				echo '\o'
			done
		done
	} >"$WORK/timed.sql"
}

# public.bench_mem(q) runs q under EXPLAIN ANALYZE and returns the peak memory of its hash
# aggregates (the sum of their "Peak Memory Usage", kB allocated: the journeys' two levels
# are in memory together; and the most "HashAgg Batches": more than 1 means it spilled) and
# the backend's peak private memory, kB touched: VmHWM (peak resident set) less the shared
# buffers and files it maps at the end (RssShmem, RssFile: still mapped, so at least what
# they were at the peak) less its private memory before the query (RssAnon).  Run each
# measured query in a backend of its own: VmHWM never goes down.
bench_mem_functions() {
	psql_q >/dev/null <<'SQL' || exit 2
CREATE FUNCTION public.bench_status(k text) RETURNS bigint LANGUAGE sql AS
$f$ SELECT substring(pg_read_file('/proc/self/status') FROM k || ':\s+(\d+)')::bigint $f$;
CREATE FUNCTION public.bench_mem(q text, OUT hash_kb bigint, OUT batches int, OUT backend_kb bigint)
LANGUAGE plpgsql AS $f$
DECLARE
    plan jsonb;
    anon0 bigint := public.bench_status('RssAnon');
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO plan;
    SELECT sum(v::text::bigint) INTO hash_kb FROM jsonb_path_query(plan, 'lax $.**."Peak Memory Usage"') v;
    SELECT max(v::text::int) INTO batches FROM jsonb_path_query(plan, 'lax $.**."HashAgg Batches"') v;
    backend_kb := public.bench_status('VmHWM') - public.bench_status('RssShmem')
                  - public.bench_status('RssFile') - anon0;
END
$f$;
SQL
}
