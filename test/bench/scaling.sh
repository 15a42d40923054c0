#!/usr/bin/env bash
# test/bench/scaling.sh: how funnel's cost grows with the work (issue 20, part 1).
#
# For every family of aggregates, a grid of rows x groups, each point beside
# its floor (count(*) with the same grouping over the same rows) and the plain
# SQL a user would write, in one run, serial and with 2 parallel workers:
#
#   family               table    rows                     groups (GROUP BY)
#   pipeline (+6 acc.)   deal     ROWS                     id % G
#   win_rate, avg_deal_size, median_deal_size, avg_cycle_length,
#   median_cycle_length, conversion_rate (the direct aggregates)
#                        deal     ROWS                     id % G
#   journey              history  ~ROWS (ROWS/4 entities)  journeys per entity,
#                                                          summaries per entity_id % G,
#                                                          stage_report of each
#   window_funnel, window_funnel_times, sequence_count
#                        events   ROWS                     id % G (the "user")
#   rollup               summ     10 .. 10,000 stored      1 (one rollup)
#                                 summaries
#   triggers             deals    TRIGGER_ROWS             - (one UPDATE of all rows)
#
# G = 1 is the ungrouped query (no GROUP BY); a grid point runs only where every
# group has at least 10 rows (1M groups from 10^7 rows).  Tables:
#   deal     test/bench/pipeline.sql (random stages, 5% NULL amounts, ...)
#   history  test/bench/journeys.sql (ROWS/4 entities, ~4 rows each, time order)
#   events   id 1..ROWS, ts = 2025-03-01 + id ms (so a user's events, id % G,
#            are exactly G ms apart and the 4-step funnel's window is 6*G ms:
#            the same density of events in a window at every G), event drawn
#            from visit 20%, signup 12%, trial 8%, purchase 5% and 4 others
#
# Floors: deal, history and events have one floor each per (G, mode), shared by
# the families over that table.  Rollup's floor is count(*) over the stored
# summaries, its plain SQL the sum of per-cohort stage counts a user would
# store instead (reached, entered, drop_off; no medians: plain SQL cannot merge
# them).  Triggers: floor = the UPDATE with no trigger (and, beside it, the
# empty C BEFORE + AFTER row triggers of test/bench/noop_trigger), funnel =
# funnel.track (enforce + record), plain = the PL/pgSQL pair of triggers.sh.
#
# Each size's variants run in one psql session, BENCH_REPS rounds (fewer,
# BENCH_REPS_LARGE, from BENCH_LARGE rows up), all variants of the size in each
# round, the order rotating; the median is kept.  Serial variants are timed by
# wall clock (psql \timing) and by the backend's on-CPU time
# (/proc/self/schedstat), the latter steadier on a shared machine and the one
# the ratios and charts use for serial; 2-worker variants by wall clock only.
# Every timed run prints a one-row checksum of its answers (sums over the
# groups); funnel's must equal the plain SQL's of the same round (relative
# tolerance 1e-9, 1% for medians and quantiles), serial and parallel.
#
# Writes into BENCH_OUT (test/bench/scaling/):
#   scaling-runs.tsv   every timed run
#   scaling.tsv        medians per point: ms, ns per row, funnel / floor,
#                      funnel / plain, check
#   scaling-FAMILY.png ns per row against groups, one line per query x rows
#                      (gnuplot; installed with apt-get when run as root)
#
# Run from the repository root, as root (or as a user who can run initdb):
#   BENCH_NO_INSTALL=1 bash test/bench/scaling.sh          # the full grid
#   BENCH_SMOKE=1 BENCH_NO_INSTALL=1 bash test/bench/scaling.sh   # ~1 minute
# Knobs: BENCH_ROWS ("100000 1000000 10000000"), BENCH_GROUPS ("1 50 5000
#   1000000"), BENCH_MODES ("s p"), BENCH_FAMILIES (all), BENCH_REPS (3),
#   BENCH_LARGE (10000000), BENCH_REPS_LARGE (1), BENCH_BIG (10000000: from
#   this many rows up only BENCH_BIG_MODES ("s") and BENCH_BIG_QUERIES ("floor
#   funnel") run, the plain SQL being 3-10x slower), BENCH_TRIGGER_ROWS ("100000
#   1000000"), BENCH_ROLLUP_STATES ("10 100 1000 10000"), BENCH_SHARED_BUFFERS
#   (2GB), BENCH_WORK_MEM (1GB), BENCH_OUT, BENCH_APPEND=1 (add to the runs
#   already in BENCH_OUT/scaling-runs.tsv, so a grid can be run in parts and
#   charted as one), BENCH_NO_INSTALL=1, KEEP_CLUSTER=1, BENCH_MEMORY=1 (after
#   each size's timed rounds, every serial variant once more in a backend of its
#   own: the hash aggregates' peak memory from EXPLAIN ANALYZE and the backend's
#   peak private memory, into scaling-memory.tsv; see memory_session).
# A benchmark, not a test: exits 0 whatever the ratios (2 when the set-up
# fails, 1 when an answer differs).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

if [ -n "${BENCH_SMOKE:-}" ]; then
	ROWS_LIST=${BENCH_ROWS:-"20000 100000"}
	GROUPS_LIST=${BENCH_GROUPS:-"1 50 5000"}
	REPS=${BENCH_REPS:-1}
	TRIGGER_ROWS=${BENCH_TRIGGER_ROWS-"20000"}
	ROLLUP_STATES=${BENCH_ROLLUP_STATES-"10 100"}
	OUT=${BENCH_OUT:-/tmp/funnel-scaling-smoke}
else
	ROWS_LIST=${BENCH_ROWS:-"100000 1000000 10000000"}
	GROUPS_LIST=${BENCH_GROUPS:-"1 50 5000 1000000"}
	REPS=${BENCH_REPS:-3}
	TRIGGER_ROWS=${BENCH_TRIGGER_ROWS-"100000 1000000"}
	ROLLUP_STATES=${BENCH_ROLLUP_STATES-"10 100 1000 10000"}
	OUT=${BENCH_OUT:-test/bench/scaling}
fi
LARGE=${BENCH_LARGE:-10000000}
BIG=${BENCH_BIG:-10000000}
BIG_MODES=${BENCH_BIG_MODES:-"s"}
BIG_QUERIES=${BENCH_BIG_QUERIES:-"floor funnel"}
REPS_LARGE=${BENCH_REPS_LARGE:-1}
MODES=${BENCH_MODES:-"s p"}
FAMILIES=${BENCH_FAMILIES:-"pipeline win_rate avg_deal_size median_deal_size avg_cycle_length median_cycle_length conversion_rate journey rollup window_funnel window_funnel_times sequence_count triggers"}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-2GB}
WORK_MEM=${BENCH_WORK_MEM:-1GB}

has_family() { [[ " $FAMILIES " == *" $1 "* ]]; }
. test/bench/scaling_sql.sh   # DEAL_FAMILIES, EVENT_FAMILIES, gb, ks, mode_sql, query_sql FAMILY QUERY G, events_table_sql ROWS

# per family: the tolerance of each checksum field (medians and quantiles: 1%)
declare -A TOL=([pipeline]="0 1e-9 1e-9 0.01 1e-9 0.01 1e-9" [win_rate]="0 1e-9" [avg_deal_size]="0 1e-9"
	[median_deal_size]="0 0.01" [avg_cycle_length]="0 1e-9" [median_cycle_length]="0 0.01"
	[conversion_rate]="0 1e-9" [journey]="0 0 0 0 0.01" [rollup]="0 0 0 0"
	[window_funnel]="0 0" [window_funnel_times]="0 1e-9" [sequence_count]="0" [triggers]="0")

bench_install
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
command -v gnuplot >/dev/null || {
	if [ "$(id -u)" = 0 ]; then
		say "installing gnuplot-nox (the charts)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null \
			|| echo "   WARNING: gnuplot could not be installed: no charts" >&2
	else
		echo "   WARNING: gnuplot not found (apt-get install gnuplot-nox): no charts" >&2
	fi
}

T_START=$(date +%s)
RUNS=$OUT/scaling-runs.tsv
PG_VERSION=$("$("$PG_CONFIG" --bindir)/postgres" --version | awk '{ print $3 }')
if [ -n "${BENCH_CHARTS_ONLY:-}" ]; then
	# medians, checks and charts again from the runs already in $RUNS, no cluster
	[ -s "$RUNS" ] || { echo "no $RUNS" >&2; exit 2; }
	WORK=$(mktemp -d /tmp/funnel-bench-scaling.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
else
bench_cluster scaling
bench_restart "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS';"
psql_q >/dev/null -c "CREATE EXTENSION funnel" -c "CREATE EXTENSION pg_prewarm" || exit 2

[ -n "${BENCH_APPEND:-}" ] && [ -s "$RUNS" ] \
	|| printf 'family\trows\tgroups\tmode\tquery\tround\twall_ms\tcpu_ms\tanswer\n' >"$RUNS"
MEM=$OUT/scaling-memory.tsv
if [ -n "${BENCH_MEMORY:-}" ]; then
	[ -n "${BENCH_APPEND:-}" ] && [ -s "$MEM" ] \
		|| printf 'family\trows\tgroups\tquery\thash_peak_kb\thashagg_batches\tbackend_peak_kb\tabove_floor_kb\tbytes_per_group\n' >"$MEM"
	bench_mem_functions   # test/bench/lib.sh
fi

CPU_NS="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"

# timed_block ID SQL [ANSWER]: one timed run, its CPU time, and its answer (the row
# SQL prints, or ANSWER's, run after the CPU time is read)
timed_block() {
	echo "\\echo @@ $1"
	echo "SELECT $CPU_NS AS c0 \\gset"
	echo '\timing on'
	printf '%s;\n' "$2"
	echo '\timing off'
	echo "SELECT round(($CPU_NS - :c0) / 1e6, 3) AS cpu_ms \\gset"
	[ -n "${3:-}" ] && printf '%s;\n' "$3"
	echo '\echo @@cpu :cpu_ms'
}

# parse_runs OUTFILE ROWS: append the runs of a timed session to $RUNS
# (ids are FAMILY:QUERY:G:MODE:ROUND; the answer is the row psql printed)
parse_runs() {
	awk -F'\t' -v rows="$2" '
	/^@@cpu / { split($0, a, " "); if (id != "") { split(id, p, ":"); printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p[1], rows, p[3], p[4], p[2], p[5], ms, a[2], ans }; id = ""; next }
	/^@@ / { id = substr($0, 4); ans = ""; ms = ""; next }
	/^Time: / { split($0, a, " "); ms = a[2]; next }
	id != "" { ans = $0 }' "$1" >>"$RUNS"
}

# memory_session ROWS: every serial variant of VARIANTS once more, each in a backend of
# its own (psql per variant), through bench_mem; a line of $MEM each.  above_floor_kb is
# the hash aggregates' peak less that of the floor over the same table and groups (run
# before the families in VARIANTS), bytes_per_group that difference per group: what a
# group's state costs beyond count(*)'s entry (the journey's includes the rows/4 journeys
# of its inner level)
memory_session() {
	local rows=$1 v f q g m sql hash batches backend t above per
	local -A floor_kb=()
	say "memory: $rows rows (load average $(cut -d' ' -f1 /proc/loadavg))"
	for v in "${VARIANTS[@]}"; do
		IFS=: read -r f q g m <<<"$v"
		[ "$m" = s ] || continue
		sql=$(query_sql "$f" "$q" "$g")
		{
			echo "SET work_mem = '$WORK_MEM';"
			mode_sql s
			printf 'SELECT * FROM public.bench_mem($bq$%s$bq$);\n' "$sql"
		} >"$WORK/mem.sql"
		[ "$(id -u)" = 0 ] && chown postgres "$WORK/mem.sql"
		psql_q -At -F '|' -f "$WORK/mem.sql" >"$WORK/mem.out" 2>&1 || { tail -20 "$WORK/mem.out" >&2; exit 2; }
		IFS='|' read -r hash batches backend < <(awk -F'|' 'NF == 3' "$WORK/mem.out" | tail -1)
		case $f in
		deal | history | events) t=$f; floor_kb[$f]=${hash:-0} ;;
		journey) t=history ;;
		window_funnel | window_funnel_times | sequence_count) t=events ;;
		*) t=deal ;;
		esac
		above=NA per=NA
		if [ "$q" != floor ] && [ -n "$hash" ] && [ -n "${floor_kb[$t]:-}" ]; then
			above=$((hash - floor_kb[$t]))
			per=$((above * 1024 / g))
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$rows" "$g" "$q" "${hash:-NA}" "${batches:-NA}" \
			"$backend" "$above" "$per" >>"$MEM"
	done
}

run_session() {  # run_session NAME ROWS: $WORK/NAME.sql, timed, parsed
	[ "$(id -u)" = 0 ] && chown postgres "$WORK/$1.sql"
	local t0=$(date +%s)
	say "timing: $1 (load average $(cut -d' ' -f1 /proc/loadavg))"
	psql_q -At -F '|' -f "$WORK/$1.sql" >"$WORK/$1.out" 2>&1 || { tail -30 "$WORK/$1.out" >&2; exit 2; }
	parse_runs "$WORK/$1.out" "$2"
	say "   $(grep -c '^@@cpu' "$WORK/$1.out") runs in $(( $(date +%s) - t0 ))s"
}

# ---------------------------------------------------------------- data + grid
need_deal="" need_history="" need_events=""
for f in $DEAL_FAMILIES; do has_family "$f" && need_deal=1; done
for f in $EVENT_FAMILIES; do has_family "$f" && need_events=1; done
has_family journey && need_history=1

for rows in $ROWS_LIST; do
	T_SETUP=$(date +%s)
	say "rows $rows: set-up"
	tables=""
	psql_q >/dev/null -c "DROP TABLE IF EXISTS deal, history, walk_step, events" 2>/dev/null
	if [ -n "$need_deal" ]; then
		psql_q -v rows="$rows" -v owners=50 -f test/bench/pipeline.sql >/dev/null || exit 2
		tables="$tables deal"
	fi
	if [ -n "$need_history" ]; then
		psql_q -v entities="$((rows / 4))" -f test/bench/journeys.sql >/dev/null || exit 2
		tables="$tables history"
	fi
	if [ -n "$need_events" ]; then
		events_table_sql "$rows" | psql_f events >/dev/null || exit 2
		tables="$tables events"
	fi
	[ -n "$tables" ] || continue
	# shellcheck disable=SC2086
	bench_prewarm $tables
	reps=$REPS
	[ "$rows" -ge "$LARGE" ] && reps=$REPS_LARGE
	modes=$MODES queries="floor funnel plain"
	[ "$rows" -ge "$BIG" ] && modes=$BIG_MODES queries=$BIG_QUERIES
	VARIANTS=()
	for g in $GROUPS_LIST; do
		[ "$g" = 1 ] || [ $((g * 10)) -le "$rows" ] || continue
		for m in $modes; do
			[ -n "$need_deal" ] && VARIANTS+=("deal:floor:$g:$m")
			[ -n "$need_history" ] && VARIANTS+=("history:floor:$g:$m")
			[ -n "$need_events" ] && VARIANTS+=("events:floor:$g:$m")
			for f in $DEAL_FAMILIES journey $EVENT_FAMILIES; do
				has_family "$f" || continue
				for q in funnel plain; do
					[[ " $queries " == *" $q "* ]] && VARIANTS+=("$f:$q:$g:$m")
				done
			done
		done
	done
	NV=${#VARIANTS[@]}
	{
		echo "SET work_mem = '$WORK_MEM';"
		for ((r = 1; r <= reps; r++)); do
			for ((i = 0; i < NV; i++)); do
				v=${VARIANTS[(i + (r - 1) * 7) % NV]}
				IFS=: read -r f q g m <<<"$v"
				mode_sql "$m"
				timed_block "$v:$r" "$(query_sql "$f" "$q" "$g")"
			done
		done
	} >"$WORK/grid_$rows.sql"
	run_session "grid_$rows" "$rows"
	[ -n "${BENCH_MEMORY:-}" ] && memory_session "$rows"
	psql_q >/dev/null -c "DROP TABLE IF EXISTS deal, events"
	# keep the largest history up to 10^6 rows for the rollup's summaries
	if has_family rollup && [ -n "$need_history" ] && [ "$rows" -le 1000000 ]; then
		psql_q >/dev/null -c "DROP TABLE IF EXISTS history_r" -c "ALTER TABLE history RENAME TO history_r"
	fi
	psql_q >/dev/null -c "DROP TABLE IF EXISTS history, walk_step"
done

# ---------------------------------------------------------------- rollup
if has_family rollup && [ -n "$ROLLUP_STATES" ]; then
	say "rollup: stored summaries of $(psql_q -At -c "SELECT count(*) FROM history_r" 2>/dev/null || echo '?') history rows in $ROLLUP_STATES cohorts"
	if [ -z "$(psql_q -At -c "SELECT to_regclass('history_r')")" ]; then
		psql_q -v entities=250000 -f test/bench/journeys.sql >/dev/null || exit 2
		psql_q >/dev/null -c "ALTER TABLE history RENAME TO history_r" || exit 2
	fi
	for n in $ROLLUP_STATES; do
		psql_f "summ_$n" >/dev/null <<SQL || exit 2
SET work_mem = '$WORK_MEM';
CREATE TABLE summ_$n AS
SELECT k AS cohort, funnel.summary(j) s
FROM (SELECT entity_id % $n AS k, funnel.journey(stage, at) j FROM history_r GROUP BY entity_id) x GROUP BY k;
CREATE TABLE counts_$n AS
SELECT cohort, r.position, r.stage, r.reached, r.entered, r.drop_off + coalesce(r.in_progress, 0) AS drop_off FROM summ_$n, funnel.stage_report(s) r;
VACUUM ANALYZE summ_$n, counts_$n;
SELECT pg_prewarm('summ_$n'), pg_prewarm('counts_$n');
SQL
		{
			echo "SET work_mem = '$WORK_MEM';"
			for ((r = 1; r <= REPS * 3; r++)); do
				for m in $MODES; do for q in floor funnel plain; do
					mode_sql "$m"
					timed_block "rollup:$q:1:$m:$r" "$(query_sql rollup "$q" 1 "$n")"
				done; done
			done
		} >"$WORK/rollup_$n.sql"
		run_session "rollup_$n" "$n"
	done
fi

# ---------------------------------------------------------------- triggers
if has_family triggers && [ -n "$TRIGGER_ROWS" ]; then
	cp -r test/bench/noop_trigger "$WORK/noop"
	rm -f "$WORK"/noop/*.o "$WORK"/noop/*.so "$WORK"/noop/*.bc
	[ "$(id -u)" = 0 ] && chown -R postgres "$WORK/noop"
	as_owner make -s -C "$WORK/noop" PG_CONFIG="$PG_CONFIG" >"$WORK/noop/build.log" 2>&1 \
		|| { cat "$WORK/noop/build.log" >&2; exit 2; }
	NOOP_SQL=$(sed -e "s|MODULE_PATHNAME|$WORK/noop/noop_trigger.so|g" \
		-e 's/^CREATE FUNCTION /CREATE FUNCTION bench./' test/bench/noop_trigger/noop_trigger--1.0.sql)
	psql_f trig_setup >/dev/null <<SQL || exit 2
CREATE SCHEMA bench;
$NOOP_SQL
CREATE TABLE bench.deals (id bigint PRIMARY KEY, stage funnel.sales_stage NOT NULL);
SELECT funnel.track('bench.deals', 'stage', 'id', 'bench.deals_stage_history', NULL, false);
CREATE TABLE bench.deals_history_plpgsql (LIKE bench.deals_stage_history INCLUDING ALL);
DROP TABLE bench.deals;
CREATE TABLE bench.stage_transitions (from_stage funnel.sales_stage, to_stage funnel.sales_stage,
                                      PRIMARY KEY (from_stage, to_stage));
INSERT INTO bench.stage_transitions
SELECT from_stage::funnel.sales_stage, to_stage::funnel.sales_stage FROM funnel.transitions('funnel.sales_stage');
CREATE FUNCTION bench.check_stage() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.stage IS DISTINCT FROM OLD.stage THEN
        IF NOT EXISTS (SELECT 1 FROM bench.stage_transitions t
                       WHERE t.from_stage = OLD.stage AND t.to_stage = NEW.stage) THEN
            RAISE EXCEPTION 'illegal stage change of deal % from % to %', OLD.id, OLD.stage, NEW.stage
                USING ERRCODE = '23514';
        END IF;
        NEW.stage_changed_at := now();
    END IF;
    RETURN NEW;
END
\$fn\$;
CREATE FUNCTION bench.record_stage() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.stage IS DISTINCT FROM OLD.stage THEN
        INSERT INTO bench.deals_history_plpgsql (id, from_stage, to_stage, changed_at, changed_by)
        VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage, now(), current_user);
    END IF;
    RETURN NULL;
END
\$fn\$;
SQL
	trig_variant() {  # floor = no trigger, floor_c = empty C pair, funnel = track, plain = PL/pgSQL
		case $1 in
		floor) ;;
		floor_c) echo "CREATE TRIGGER noop_before BEFORE INSERT OR UPDATE ON bench.deals FOR EACH ROW EXECUTE FUNCTION bench.noop_before_row();
		               CREATE TRIGGER noop_after AFTER INSERT OR UPDATE ON bench.deals FOR EACH ROW EXECUTE FUNCTION bench.noop_after();" ;;
		funnel) echo "SELECT funnel.track('bench.deals', 'stage', 'id', 'bench.deals_stage_history', 'stage_changed_at', backfill => false);" ;;
		plain) echo "CREATE TRIGGER deals_check_stage BEFORE INSERT OR UPDATE ON bench.deals FOR EACH ROW EXECUTE FUNCTION bench.check_stage();
		             CREATE TRIGGER deals_record_stage AFTER INSERT OR UPDATE ON bench.deals FOR EACH ROW EXECUTE FUNCTION bench.record_stage();" ;;
		esac
	}
	for rows in $TRIGGER_ROWS; do
		say "triggers: $rows rows"
		psql_q >/dev/null <<SQL || exit 2
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.deals_tpl;
CREATE TABLE bench.deals_tpl AS
SELECT g::bigint AS id, (CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END)::funnel.sales_stage AS stage,
       round((g % 100000)::numeric, 2)::numeric(12,2) AS amount,
       timestamptz '2024-01-01 00:00+00' + g * interval '7 seconds' AS stage_changed_at,
       'rep_' || (g % 97) AS owner, timestamptz '2023-06-01 00:00+00' + (g % 5000) * interval '1 hour' AS created_at
FROM generate_series(1, $rows) g;
SQL
		reps=$REPS
		[ "$rows" -ge "$LARGE" ] && reps=$REPS_LARGE
		: >"$WORK/trig.out"
		vs=(floor floor_c funnel plain)
		for ((r = 1; r <= reps; r++)); do
			for ((i = 0; i < 4; i++)); do
				v=${vs[(i + r - 1) % 4]}
				psql_f trig_reset >/dev/null <<SQL || exit 2
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.deals;
CREATE TABLE bench.deals (id bigint NOT NULL, stage funnel.sales_stage NOT NULL, amount numeric(12,2),
    stage_changed_at timestamptz NOT NULL, owner text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO bench.deals SELECT * FROM bench.deals_tpl;
ALTER TABLE bench.deals ADD PRIMARY KEY (id);
TRUNCATE bench.deals_stage_history, bench.deals_history_plpgsql;
VACUUM (FREEZE, ANALYZE) bench.deals;
$(trig_variant "$v")
CHECKPOINT;
SQL
				case $v in
				funnel) ans="SELECT count(*) FROM bench.deals_stage_history" ;;
				plain) ans="SELECT count(*) FROM bench.deals_history_plpgsql" ;;
				*) ans="" ;;
				esac
				timed_block "triggers:$v:1:s:$r" "UPDATE bench.deals SET stage = CASE stage WHEN 'lead' THEN 'qualified'::funnel.sales_stage
                             WHEN 'qualified' THEN 'proposal'::funnel.sales_stage END" "$ans" >"$WORK/trig.sql"
				[ "$(id -u)" = 0 ] && chown postgres "$WORK/trig.sql"
				psql_q -At -f "$WORK/trig.sql" >>"$WORK/trig.out" 2>&1 || { tail -20 "$WORK/trig.out" >&2; exit 2; }
			done
		done
		parse_runs "$WORK/trig.out" "$rows"
	done
fi

fi  # BENCH_CHARTS_ONLY

# ---------------------------------------------------------------- medians, checks
SUMMARY=$OUT/scaling.tsv
say "medians and checks -> $SUMMARY"
awk -F'\t' -v tolspec="$(for f in "${!TOL[@]}"; do printf '%s=%s;' "$f" "${TOL[$f]}"; done)" \
    -v deal="$DEAL_FAMILIES" -v events="$EVENT_FAMILIES" '
function median(s,    a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	if (n == 0) return ""
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function near(x, y, tol,    d, m) {
	if (x == y) return 1
	if (x == "" || y == "") return 0
	d = x - y; if (d < 0) d = -d
	m = (x < 0 ? -x : x); if ((y < 0 ? -y : y) > m) m = (y < 0 ? -y : y)
	return d <= tol * m + 1e-9
}
BEGIN {
	n = split(tolspec, t, ";"); for (i = 1; i <= n; i++) if (t[i] != "") { split(t[i], kv, "="); TOLS[kv[1]] = kv[2] }
	n = split(deal, a, " "); for (i = 1; i <= n; i++) FLOOR[a[i]] = "deal"
	n = split(events, a, " "); for (i = 1; i <= n; i++) FLOOR[a[i]] = "events"
	FLOOR["journey"] = "history"; FLOOR["rollup"] = "rollup"; FLOOR["triggers"] = "triggers"
}
NR > 1 {
	k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $5
	W[k] = W[k] " " $7; C[k] = C[k] " " $8; N[k]++
	ANS[$1, $2, $3, $4, $5, $6] = $9
	if ($5 == "funnel") { F[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = 1; R[$1, $2, $3, $4, $6] = 1 }
}
END {
	printf "family\trows\tgroups\tmode\tfloor_ms\tplain_ms\tfunnel_ms\tfloor_ns_row\tplain_ns_row\tfunnel_ns_row\tfunnel_x_floor\tfunnel_x_plain\truns\tcheck\ttiming\n"
	for (p in F) {
		split(p, a, SUBSEP); fam = a[1]; rows = a[2]; g = a[3]; m = a[4]
		fl = FLOOR[fam]
		kf = fl SUBSEP rows SUBSEP g SUBSEP m SUBSEP "floor"
		kp = fam SUBSEP rows SUBSEP g SUBSEP m SUBSEP "plain"
		kq = fam SUBSEP rows SUBSEP g SUBSEP m SUBSEP "funnel"
		if (fam == "rollup" || fam == "triggers") kf = fam SUBSEP rows SUBSEP g SUBSEP m SUBSEP "floor"
		# serial: on-CPU time of the backend; 2 workers: wall time
		src = (m == "s") ? "cpu" : "wall"
		if (m == "s") { vf = median(C[kf]); vp = median(C[kp]); vq = median(C[kq]) }
		else { vf = median(W[kf]); vp = median(W[kp]); vq = median(W[kq]) }
		hasp = (N[kp] > 0)
		# checks: every round, funnel = plain (field by field), and funnel = funnel serial
		ok = "OK"; ntol = split(TOLS[fam], tl, " ")
		for (r = 1; (fam, rows, g, m, r) in R; r++) {
			x = ANS[fam, rows, g, m, "funnel", r]; y = ANS[fam, rows, g, m, "plain", r]
			z = ANS[fam, rows, g, "s", "funnel", 1]
			nx = split(x, xs, "|"); ny = split(y, ys, "|"); split(z, zs, "|")
			if (!hasp) { ok = "-"; continue }
			if (nx != ny || nx == 0) { ok = "DIFF"; continue }
			for (i = 1; i <= nx; i++) {
				tol = (i <= ntol) ? tl[i] : 1e-9
				if (!near(xs[i], ys[i], tol) || !near(xs[i], zs[i], (tol > 1e-9 ? tol : 1e-9))) ok = "DIFF"
			}
		}
		printf "%s\t%s\t%s\t%s\t%.1f\t%s\t%.1f\t%.1f\t%s\t%.1f\t%.2f\t%s\t%d\t%s\t%s\n", fam, rows, g, (m == "s" ? "serial" : "2 workers"),
			vf, (hasp ? sprintf("%.1f", vp) : "NA"), vq, vf * 1e6 / rows, (hasp ? sprintf("%.1f", vp * 1e6 / rows) : "NA"), vq * 1e6 / rows,
			(vf > 0 ? vq / vf : 0), (hasp && vp > 0 ? sprintf("%.2f", vq / vp) : "NA"), N[kq], ok, src
	}
}' "$RUNS" | { read -r h; echo "$h"; sort -t$'\t' -k1,1 -k4,4r -k2,2n -k3,3n; } >"$SUMMARY"

# the empty C trigger pair beside the no-trigger floor, for triggers
awk -F'\t' 'NR > 1 && $1 == "triggers" && $5 == "floor_c" { print }' "$RUNS" >"$WORK/floor_c.tsv"

column -t -s$'\t' "$SUMMARY"
ndiff=$(awk -F'\t' 'NR > 1 && $14 == "DIFF"' "$SUMMARY" | wc -l)

# ---------------------------------------------------------------- charts
if command -v gnuplot >/dev/null; then
	say "charts -> $OUT/scaling-*.png"
	for fam in $(awk -F'\t' 'NR > 1 { print $1 }' "$SUMMARY" | sort -u); do
		dat="$WORK/chart_$fam.dat"
		: >"$dat"
		plots_s="" plots_p="" idx=0
		xlabel="groups (GROUP BY, log scale; 1 = no GROUP BY)"
		xcol=3
		case $fam in rollup) xlabel="stored summaries rolled up"; xcol=2 ;; triggers) xlabel="rows updated (one UPDATE)"; xcol=2 ;; esac
		for m in serial "2 workers"; do
			for q in floor plain funnel; do
				case $q in floor) col=8 lc=1 ;; plain) col=9 lc=7 ;; funnel) col=10 lc=2 ;; esac
				for rows in $(awk -F'\t' -v f="$fam" 'NR > 1 && $1 == f { print $2 }' "$SUMMARY" | sort -un); do
					[ "$xcol" = 2 ] && [ "$rows" != "$(awk -F'\t' -v f="$fam" 'NR > 1 && $1 == f { print $2 }' "$SUMMARY" | sort -un | head -1)" ] && continue
					series=$(awk -F'\t' -v f="$fam" -v r="$rows" -v m="$m" -v c="$col" -v x="$xcol" \
						'NR > 1 && $1 == f && ($2 == r || x == 2) && $4 == m && $c != "NA" { print $x, $c }' "$SUMMARY" | sort -n)
					[ -n "$series" ] || continue    # not run (no empty data set: it would shift the indexes)
					printf '%s\n\n\n' "$series" >>"$dat"
					case $fam.$q in
					triggers.floor) qn="floor: UPDATE, no trigger" ;; triggers.plain) qn="plain: PL/pgSQL pair" ;;
					triggers.funnel) qn="funnel.track (enforce + record)" ;;
					rollup.floor) qn="floor: count(*) of the summaries" ;; rollup.plain) qn="plain SQL: sum of stored counts" ;;
					rollup.funnel) qn="funnel: stage_report(rollup(s))" ;;
					*.floor) qn="floor: count(*)" ;; *.plain) qn="plain SQL" ;; *.funnel) qn="funnel" ;;
					esac
					if [ "$xcol" = 2 ]; then title="$qn"; dt=1; pt=7
					else
						title="$qn, $(awk -v r="$rows" 'BEGIN { printf (r >= 1e6 ? "%gM" : "%gk"), (r >= 1e6 ? r / 1e6 : r / 1e3) }') rows"
						case $rows in 1000000) dt=2 pt=5 ;; 10000000) dt=1 pt=7 ;; 100000000) dt=1 pt=9 ;; *) dt=3 pt=4 ;; esac
					fi
					p="'$dat' index $idx using 1:2 with linespoints lc $lc dt $dt pt $pt lw 1.5 title '$title'"
					if [ "$m" = serial ]; then plots_s="$plots_s${plots_s:+, }$p"; else plots_p="$plots_p${plots_p:+, }$p"; fi
					idx=$((idx + 1))
				done
			done
		done
		[ -n "$plots_s" ] || continue
		ylabel="ns per row (median)"
		[ "$fam" = rollup ] && ylabel="ns per stored summary (median)"
		{
			echo "set terminal pngcairo size 1400,560 font 'sans,10'"
			echo "set output '$OUT/scaling-$fam.png'"
			echo "set multiplot layout 1,2 title '$fam: cost per row, funnel vs floor vs plain SQL (PostgreSQL $PG_VERSION, $(nproc) vCPUs)'"
			echo "set logscale xy; set grid; set key outside right top vertical font ',8'"
			echo "set xlabel '$xlabel'; set ylabel '$ylabel'"
			echo "set title 'serial (backend on-CPU time)'"
			echo "plot $plots_s"
			if [ -n "$plots_p" ] && [ "$fam" != triggers ]; then
				echo "set title '2 parallel workers (wall time)'"
				echo "plot $plots_p"
			fi
			echo "unset multiplot"
		} >"$WORK/chart_$fam.gp"
		gnuplot "$WORK/chart_$fam.gp" 2>"$WORK/chart_$fam.err" || { echo "   WARNING: gnuplot failed for $fam:" >&2; head -5 "$WORK/chart_$fam.err" >&2; }
	done
fi

say "done in $(( $(date +%s) - T_START ))s; PostgreSQL $PG_VERSION, $(nproc) CPUs, funnel $(git rev-parse --short HEAD 2>/dev/null), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$ndiff" -gt 0 ]; then
	echo "   $ndiff grid points where funnel's answer differs from the plain SQL's (check column)" >&2
	exit 1
fi
exit 0
