#!/usr/bin/env bash
# test/bench/history.sh: what the pipeline over time costs (issue 17, "Speed").
#
# Starts a throwaway cluster (test/lib.sh) with shared_buffers large enough
# for the table, makes the history of BENCH_DEALS (1,000,000) deals, ~4.4
# rows each (test/bench/history.sql: stage moves mostly forward, some back,
# lost deals revived, amounts changed, close dates pushed out and pulled in;
# what funnel.track(..., amount_column, close_date_column) records, plus the
# owner; stored in time order), VACUUM ANALYZE, pg_prewarm, and times, per
# owner (50 groups) and over all rows (1 group), at the moment AS_OF
# (2023-10-01, ~69% of the rows) and for the waterfall FROM (2023-07-01) to
# AS_OF:
#   floor   count(*) over the rows with changed_at <= AS_OF, grouped the same
#           way (the rows both the as-of pipeline and the waterfall read)
#   call    the call floor: bench.noop_agg (test/bench/noop_agg) with
#           pipeline_as_of's arguments over the same rows: what PostgreSQL
#           charges any aggregate called that way (columns deformed, six
#           arguments evaluated, a C transition called per row) before it
#           does anything
#   asof    funnel.pipeline_as_of(AS_OF, changed_at, from_stage, to_stage,
#           from_amount, amount) over the same rows; open_count, open_value
#   wf      funnel.pipeline_waterfall(FROM, AS_OF, ..., from_amount, amount)
#   wfw     the same with the close-date window [2023-10-01, 2024-01-01)
#           (the history's close dates are dates: PostgreSQL casts each to
#           timestamptz)
#   sql     the plain-SQL replay: each deal's last row at or before AS_OF
#           (DISTINCT ON (deal_id) ... ORDER BY deal_id, changed_at DESC),
#           then per stage the open deals and their amount
#   sqlrn   the same replay with row_number() OVER (PARTITION BY deal_id
#           ORDER BY changed_at DESC) = 1
#   sqlwf   the plain-SQL waterfall (no window): the replays at FROM and at
#           AS_OF, and each row in (FROM, AS_OF] classified into its buckets
# each serial (max_parallel_workers_per_gather = 0) and with 2 parallel
# workers (parallel_setup_cost = parallel_tuple_cost = 0).  Every output is
# consumed by an outer query, so PostgreSQL cannot drop an aggregate.
#
# One psql session runs every timed query: an untimed warm-up round (floor
# and funnel variants only), then BENCH_REPS rounds, each running all
# variants in a rotated order, keeping the minimum of the wall time (psql
# \timing) and, for the serial variants, of the backend's on-CPU time
# (/proc/self/schedstat: a figure that other busy processes on a shared
# machine barely move).  Before timing, it checks that the parallel funnel
# plan aggregates in the workers, and that funnel's answers equal the plain
# SQL's: the as-of pipeline per (group, stage) (deals and amount, exact),
# serial and parallel, both groupings; the waterfall per (owner, bucket)
# (changes, deals, amount, exact) against the plain-SQL waterfall, serial
# and parallel; the windowed waterfall's ends against the windowed replays.
# Prints the times, the ratios and PASS/MISS per target of the issue
# (as-of <= 1.5x the floor, plain SQL >= 5x as-of, waterfall <= 2x the
# floor; CPU time, serial, GROUP BY owner).  A benchmark, not a test: exits
# 0 whether targets are met or not (2 when the set-up fails).
#
# All variants run with work_mem = BENCH_WORK_MEM (512MB) so that neither a
# sort nor a hash table spills to disk, and jit = off.
#
# Run from the repository root, as root (or as a user who can run initdb):
#   bash test/bench/history.sh
# Knobs (environment): BENCH_DEALS (1000000), BENCH_OWNERS (50), BENCH_REPS (3),
#   BENCH_SHARED_BUFFERS (1GB), BENCH_WORK_MEM (512MB), BENCH_NO_INSTALL=1
#   (use the installed funnel as is: no make/make install), KEEP_CLUSTER=1
#   (keep the work directory; its path is printed).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

DEALS=${BENCH_DEALS:-1000000}
OWNERS=${BENCH_OWNERS:-50}
REPS=${BENCH_REPS:-3}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
WORK_MEM=${BENCH_WORK_MEM:-512MB}
AS_OF="timestamptz '2023-10-01 00:00:00+00'"
FROM="timestamptz '2023-07-01 00:00:00+00'"
WINDOW="timestamptz '2023-10-01 00:00:00+00', timestamptz '2024-01-01 00:00:00+00'"

bench_install

T_START=$(date +%s)
bench_cluster history

# the table must fit in shared_buffers: restart with a larger pool
bench_restart "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS';"

# ---------------------------------------------------------------- set-up
say "set-up: history of $DEALS deals, $OWNERS owners (test/bench/history.sql)"
T_SETUP=$(date +%s)
psql_q >/dev/null -c "CREATE EXTENSION funnel" -c "CREATE EXTENSION pg_prewarm" || exit 2
psql_q -v deals="$DEALS" -v owners="$OWNERS" -f test/bench/history.sql >/dev/null || exit 2
bench_noop_agg
bench_prewarm history
psql_q -At <<SQL || exit 2
SELECT '   rows: ' || count(*) || ' (' || round(count(*)::numeric / $DEALS, 2) || ' per deal), '
       || count(*) FILTER (WHERE changed_at <= $AS_OF) || ' up to the moment, '
       || count(*) FILTER (WHERE changed_at > $FROM AND changed_at <= $AS_OF) || ' in the waterfall''s period; '
       || 'values only ' || round(100.0 * count(*) FILTER (WHERE from_stage = to_stage) / count(*), 1)
       || '%, amount changed ' || round(100.0 * count(*) FILTER (WHERE from_amount <> amount) / count(*), 1)
       || '%, close date moved ' || round(100.0 * count(*) FILTER (WHERE from_close_date <> close_date) / count(*), 1)
       || '%, moved back ' || round(100.0 * count(*) FILTER (WHERE to_stage < from_stage AND from_stage < 'closed_won') / count(*), 1)
       || '%, reopened ' || round(100.0 * count(*) FILTER (WHERE from_stage >= 'closed_won' AND to_stage < 'closed_won') / count(*), 1)
       || '%, amount NULL ' || round(100.0 * count(*) FILTER (WHERE amount IS NULL) / count(*), 1) || '%'
FROM history;
SQL

# ---------------------------------------------------------------- queries
# grouping: o = GROUP BY owner (the targets), n = no GROUP BY (one group)
declare -A KEY=([o]="owner, " [n]="")
declare -A GBY=([o]="GROUP BY owner" [n]="")
declare -A GLABEL=([o]="GROUP BY owner" [n]="all rows, one group")

mode_sql() {  # s = serial, p = 2 parallel workers
	case $1 in
	s) echo "SET max_parallel_workers_per_gather = 0; RESET parallel_setup_cost; RESET parallel_tuple_cost;" ;;
	p) echo "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;" ;;
	esac
}

# each deal's last row at or before a moment (DISTINCT ON), as rows (owner, to_stage, amount)
replay() {  # replay MOMENT
	echo "SELECT DISTINCT ON (deal_id) owner, to_stage, amount FROM history WHERE changed_at <= $1 ORDER BY deal_id, changed_at DESC"
}

# the plain-SQL waterfall per group: (group, bucket, changes, deals, amount)
sql_waterfall() {  # sql_waterfall GROUPING
	local k=${KEY[$1]} g=${GBY[$1]} gb
	if [ "$1" = o ]; then gb="GROUP BY owner, bucket"; else gb="GROUP BY bucket"; fi
	cat <<SQL
WITH c AS (
    SELECT owner, from_stage, to_stage, amount,
           from_stage < 'closed_won' AS inb,            -- NULL (a new deal) counts as not in
           to_stage < 'closed_won' AS ina,
           coalesce(amount, 0) - coalesce(from_amount, 0) AS delta
    FROM history WHERE changed_at > $FROM AND changed_at <= $AS_OF
), e AS (
    SELECT owner, CASE WHEN to_stage > from_stage THEN 'advanced' ELSE 'regressed' END AS bucket,
           0 AS deals, 0::numeric AS amount
    FROM c WHERE inb AND ina AND from_stage <> to_stage
    UNION ALL
    SELECT owner, CASE WHEN delta > 0 THEN 'amount increased' ELSE 'amount decreased' END, 0, delta
    FROM c WHERE inb AND delta <> 0
    UNION ALL
    SELECT owner, CASE to_stage WHEN 'closed_won' THEN 'won' WHEN 'closed_lost' THEN 'lost' ELSE 'pushed out' END,
           -1, -coalesce(amount, 0)
    FROM c WHERE inb AND NOT ina
    UNION ALL
    SELECT owner, CASE WHEN from_stage IS NULL THEN 'created' WHEN from_stage >= 'closed_won' THEN 'reopened'
                       ELSE 'pulled in' END, 1, coalesce(amount, 0)
    FROM c WHERE ina AND NOT coalesce(inb, false)
)
SELECT ${k}bucket, count(*) AS changes, sum(deals) AS deals, sum(amount) AS amount FROM e $gb
UNION ALL
SELECT ${k}'open at start', NULL, count(*), coalesce(sum(amount), 0)
FROM ($(replay "$FROM")) r WHERE to_stage < 'closed_won' $g
UNION ALL
SELECT ${k}'open at end', NULL, count(*), coalesce(sum(amount), 0)
FROM ($(replay "$AS_OF")) r WHERE to_stage < 'closed_won' $g
SQL
}

# pipeline_as_of's arguments: its query and its call floor's
ASOF_ARGS="$AS_OF, changed_at, from_stage, to_stage, from_amount, amount"

# the grouped query, every output consumed by the outer query
query_sql() {  # query_sql floor|call|asof|wf|wfw|sql|sqlrn|sqlwf GROUPING
	local k=${KEY[$2]} g=${GBY[$2]}
	case $1 in
	floor) echo "SELECT count(*), sum(c) FROM (SELECT ${k}count(*) c FROM history WHERE changed_at <= $AS_OF $g) s" ;;
	call) echo "SELECT count(*), sum(c) FROM (SELECT ${k}bench.noop_agg($ASOF_ARGS) c FROM history WHERE changed_at <= $AS_OF $g) s" ;;
	asof) echo "SELECT count(*), sum(funnel.open_count(f)), sum(funnel.open_value(f)) FROM (SELECT ${k}funnel.pipeline_as_of($ASOF_ARGS) f FROM history WHERE changed_at <= $AS_OF $g) s" ;;
	wf) echo "SELECT count(*), sum(funnel.open_count(f)), sum(funnel.open_value(f)) FROM (SELECT ${k}funnel.pipeline_waterfall($FROM, $AS_OF, changed_at, from_stage, to_stage, from_amount, amount) f FROM history WHERE changed_at <= $AS_OF $g) s" ;;
	wfw) echo "SELECT count(*), sum(funnel.open_count(f)), sum(funnel.open_value(f)) FROM (SELECT ${k}funnel.pipeline_waterfall($FROM, $AS_OF, changed_at, from_stage, to_stage, from_amount, amount, from_close_date, close_date, $WINDOW) f FROM history WHERE changed_at <= $AS_OF $g) s" ;;
	sql) echo "SELECT count(*), sum(deals), sum(amount) FROM (SELECT ${k}to_stage, count(*) deals, sum(amount) amount FROM ($(replay "$AS_OF")) l WHERE to_stage < 'closed_won' GROUP BY ${k}to_stage) s" ;;
	sqlrn) echo "SELECT count(*), sum(deals), sum(amount) FROM (SELECT ${k}to_stage, count(*) deals, sum(amount) amount FROM (SELECT owner, to_stage, amount, row_number() OVER (PARTITION BY deal_id ORDER BY changed_at DESC) AS rn FROM history WHERE changed_at <= $AS_OF) l WHERE rn = 1 AND to_stage < 'closed_won' GROUP BY ${k}to_stage) s" ;;
	sqlwf) echo "SELECT count(*), sum(changes), sum(deals), sum(amount) FROM ($(sql_waterfall "$2")) s" ;;
	esac
}
QUERIES="floor call asof wf wfw sql sqlrn sqlwf"
declare -A QLABEL=([floor]="(1) floor: count(*)" [call]="(1b) call floor: noop_agg" [asof]="(2) pipeline_as_of" [wf]="(3) pipeline_waterfall"
	[wfw]="(4) waterfall, close window" [sql]="(5) SQL replay, DISTINCT ON" [sqlrn]="(6) SQL replay, row_number"
	[sqlwf]="(7) SQL waterfall")

SESSION_SQL="SET work_mem = '$WORK_MEM';"

# ---------------------------------------------------------------- checks
say "plans (EXPLAIN ANALYZE, untimed): is the parallel funnel aggregate partial, in the workers?"
declare -A PLAN_OK
for g in o n; do
	for q in asof wf; do
		out=$(printf '%s\n%s\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s;\n' "$SESSION_SQL" "$(mode_sql p)" \
			"$(query_sql $q $g)" | psql_q -At 2>&1) || { echo "$out" >&2; exit 2; }
		if printf '%s\n' "$out" | awk '/Gather/ { g = 1 } g && /Partial (Hash)?Aggregate/ { ok = 1 } END { exit !ok }' \
			&& printf '%s\n' "$out" | grep -q 'Workers Launched: 2'; then
			PLAN_OK[$g.$q]=yes
		else
			PLAN_OK[$g.$q]=no
			printf '%s\n' "$out" | sed 's/^/   /'
		fi
		printf '   %-3s %-5s parallel: partial aggregate under Gather, 2 workers launched: %s\n' "$g" "$q" "${PLAN_OK[$g.$q]}"
	done
done

say "correctness: funnel against the plain SQL"
declare -A CHECK_OK
check() {  # check NAME SQL (prints "compared mismatches")
	local out
	out=$(psql_q -At -F ' ' 2>&1 <<<"$SESSION_SQL
$2") || { echo "$out" >&2; exit 2; }
	read -r n bad <<<"$(tail -1 <<<"$out")"
	if [ "$n" -gt 0 ] && [ "$bad" = 0 ]; then CHECK_OK[$1]=OK; else CHECK_OK[$1]=WRONG; fi
	printf '   %-58s %6s compared, %s mismatches: %s\n' "$1" "$n" "$bad" "${CHECK_OK[$1]}"
}
psql_f ref >/dev/null <<SQL || exit 2
$SESSION_SQL
$(mode_sql s)
CREATE TABLE ref_asof AS
SELECT owner, to_stage::text AS stage, count(*) AS deals, coalesce(sum(amount), 0) AS amount
FROM ($(replay "$AS_OF")) l WHERE to_stage < 'closed_won' GROUP BY owner, to_stage;
CREATE TABLE ref_wf AS $(sql_waterfall o);
CREATE TABLE ref_wfw AS
SELECT m, count(*) AS deals, coalesce(sum(amount), 0) AS amount
FROM (VALUES (1, $FROM), (12, $AS_OF)) v(m, t)
CROSS JOIN LATERAL (SELECT DISTINCT ON (deal_id) to_stage, amount, close_date FROM history
                    WHERE changed_at <= v.t ORDER BY deal_id, changed_at DESC) l
WHERE to_stage < 'closed_won' AND close_date >= date '2023-10-01' AND close_date < date '2024-01-01'
GROUP BY m;
SQL
for m in s p; do
	ml=$([ $m = s ] && echo serial || echo "2 workers")
	for g in o n; do
		check "as-of per ${GLABEL[$g]} and stage, $ml" "$(mode_sql $m)
WITH f AS (SELECT ${KEY[$g]}s.stage, s.deals, s.amount
           FROM (SELECT ${KEY[$g]}funnel.pipeline_as_of($AS_OF, changed_at, from_stage, to_stage, from_amount, amount) f
                 FROM history WHERE changed_at <= $AS_OF ${GBY[$g]}) q, funnel.open_stages(q.f) s WHERE s.deals <> 0),
     r AS (SELECT ${KEY[$g]}stage, sum(deals) AS deals, sum(amount) AS amount FROM ref_asof GROUP BY ${KEY[$g]}stage)
SELECT count(*), count(*) FILTER (WHERE (f.deals, f.amount) IS DISTINCT FROM (r.deals, r.amount))
FROM f FULL JOIN r USING (${KEY[$g]}stage)"
	done
	check "waterfall per owner and bucket, $ml" "$(mode_sql $m)
WITH f AS (SELECT q.owner, w.bucket, w.changes, w.deals, w.amount
           FROM (SELECT owner, funnel.pipeline_waterfall($FROM, $AS_OF, changed_at, from_stage, to_stage, from_amount, amount) f
                 FROM history WHERE changed_at <= $AS_OF GROUP BY owner) q, funnel.waterfall(q.f) w
           WHERE w.changes IS NULL OR w.changes > 0)
SELECT count(*), count(*) FILTER (WHERE (f.changes, f.deals, f.amount) IS DISTINCT FROM (r.changes, r.deals, r.amount))
FROM f FULL JOIN ref_wf r USING (owner, bucket)"
	check "windowed waterfall's ends, $ml" "$(mode_sql $m)
WITH f AS (SELECT w.step AS m, w.deals, w.amount
           FROM (SELECT funnel.pipeline_waterfall($FROM, $AS_OF, changed_at, from_stage, to_stage, from_amount, amount,
                                                  from_close_date, close_date, $WINDOW) f
                 FROM history WHERE changed_at <= $AS_OF) q, funnel.waterfall(q.f) w WHERE w.step IN (1, 12))
SELECT count(*), count(*) FILTER (WHERE (f.deals, f.amount) IS DISTINCT FROM (r.deals, r.amount))
FROM f FULL JOIN ref_wfw r USING (m)"
done
echo "   the waterfall, all owners (serial):"
psql_q <<SQL | sed 's/^/   /'
$(mode_sql s)
SELECT w.* FROM (SELECT funnel.pipeline_waterfall($FROM, $AS_OF, changed_at, from_stage, to_stage, from_amount, amount,
                                                  from_close_date, close_date, $WINDOW) f
                 FROM history WHERE changed_at <= $AS_OF) q, funnel.waterfall(q.f) w;
SQL

# ---------------------------------------------------------------- timing
VARIANTS=()
for g in o n; do for q in $QUERIES; do for m in s p; do VARIANTS+=("$g.$q.$m"); done; done; done
NV=${#VARIANTS[@]}

bench_cpu_probe

bench_timed_sql 'sql*'   # the plain SQL takes long: no warm-up run
bench_timed "$NV variants, 1 warm-up round + $REPS rotated rounds, one session"

bench_best

# ---------------------------------------------------------------- report
say "results (PostgreSQL $(psql_q -At -c 'SHOW server_version'), $(nproc) CPUs, funnel at $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src sql 2>/dev/null || echo '+local changes'), installed funnel.so md5 $(md5sum "$("$PG_CONFIG" --pkglibdir)/funnel.so" | cut -c1-8))"
for g in o n; do
	echo
	echo "$DEALS deals, ${GLABEL[$g]}, best of $REPS (ms; cpu = on-CPU time of the serial backend):"
	printf '  %-30s %9s %9s %9s %9s %11s %9s\n' "query" "serial" "cpu" "x floor" "2 workers" "x floor (p)" "ser/par"
	for q in $QUERIES; do
		s=${BEST[$g.$q.s]} p=${BEST[$g.$q.p]} c=${BESTCPU[$g.$q.s]:-}
		printf '  %-30s %9.0f %9s %9s %9.0f %11s %9s\n' "${QLABEL[$q]}" "$s" "$([ -n "$c" ] && printf '%.0f' "$c" || echo -)" \
			"$(ratio "$c" "${BESTCPU[$g.floor.s]:-}")" "$p" "$(ratio "$p" "${BEST[$g.floor.p]}")" "$(ratio "$s" "$p")"
	done
	echo "  (x floor: serial on-CPU time over the floor's; x floor (p): wall time with 2 workers over the floor's)"
	echo "  all runs, serial on-CPU ms / wall ms with 2 workers, in round order:"
	for q in $QUERIES; do
		printf '    %-8s %-28s %s\n' "$q" "${ALLCPU[$g.$q.s]:-}" "${ALL[$g.$q.p]}"
	done
done

target() {  # target NAME VALUE OP LIMIT
	local verdict
	if [ "$2" = "-" ] || [ -z "$2" ]; then verdict="n/a"
	elif awk -v x="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? x <= l : x >= l) }'; then verdict=PASS
	else verdict=MISS; fi
	printf '  %-4s %-60s %6s %s %s\n' "$verdict" "$1" "$2" "$3" "$4"
}
info() { printf '  %-4s %-60s %6s\n' "info" "$1" "$2"; }
# the same ratio paired within each round (both ran a minute apart at most): steadier under load
paired() {  # paired A B: median over rounds of A[r] / B[r], serial CPU
	paste <(tr ' ' '\n' <<<"${ALLCPU[$1]:-}") <(tr ' ' '\n' <<<"${ALLCPU[$2]:-}") \
		| awk '$2 > 0 { print $1 / $2 }' | sort -g \
		| awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
C() { echo "${BESTCPU[$1]:-}"; }
echo
echo "targets (issue 17, Speed; $DEALS deals, GROUP BY owner, serial on-CPU time):"
target "pipeline_as_of / floor" "$(ratio "$(C o.asof.s)" "$(C o.floor.s)")" "<=" 1.5
target "plain SQL replay (DISTINCT ON) / pipeline_as_of" "$(ratio "$(C o.sql.s)" "$(C o.asof.s)")" ">=" 5
target "plain SQL replay (row_number) / pipeline_as_of" "$(ratio "$(C o.sqlrn.s)" "$(C o.asof.s)")" ">=" 5
target "pipeline_waterfall / floor" "$(ratio "$(C o.wf.s)" "$(C o.floor.s)")" "<=" 2
info "call floor (noop_agg, as-of's arguments) / floor" "$(ratio "$(C o.call.s)" "$(C o.floor.s)")"
info "pipeline_as_of / call floor (funnel's own work)" "$(ratio "$(C o.asof.s)" "$(C o.call.s)")"
info "call floor / floor, median of per-round ratios" "$(paired o.call.s o.floor.s)"
info "call floor / floor, all rows (one group)" "$(ratio "$(C n.call.s)" "$(C n.floor.s)")"
info "pipeline_waterfall with close-date window / floor" "$(ratio "$(C o.wfw.s)" "$(C o.floor.s)")"
info "plain SQL waterfall / pipeline_waterfall" "$(ratio "$(C o.sqlwf.s)" "$(C o.wf.s)")"
info "pipeline_as_of / floor, median of per-round ratios" "$(paired o.asof.s o.floor.s)"
info "pipeline_waterfall / floor, median of per-round ratios" "$(paired o.wf.s o.floor.s)"
info "pipeline_as_of / floor, all rows (one group)" "$(ratio "$(C n.asof.s)" "$(C n.floor.s)")"
info "plain SQL (DISTINCT ON) / pipeline_as_of, all rows" "$(ratio "$(C n.sql.s)" "$(C n.asof.s)")"
info "pipeline_waterfall / floor, all rows" "$(ratio "$(C n.wf.s)" "$(C n.floor.s)")"
info "pipeline_as_of / floor, 2 workers (wall)" "$(ratio "${BEST[o.asof.p]}" "${BEST[o.floor.p]}")"
info "pipeline_as_of serial / 2 workers (wall)" "$(ratio "${BEST[o.asof.s]}" "${BEST[o.asof.p]}")"
info "floor serial / 2 workers (wall: what 2 workers can give)" "$(ratio "${BEST[o.floor.s]}" "${BEST[o.floor.p]}")"
info "plain SQL (DISTINCT ON) / pipeline_as_of, 2 workers (wall)" "$(ratio "${BEST[o.sql.p]}" "${BEST[o.asof.p]}")"
info "pipeline_as_of cost over the floor (ns per row read, CPU)" \
	"$(awk -v f="$(C o.asof.s)" -v c="$(C o.floor.s)" -v n="$(psql_q -At -c "SELECT count(*) FROM history WHERE changed_at <= $AS_OF")" \
		'BEGIN { printf "%.0f", (f - c) * 1e6 / n }')"
echo "checks:"
for g in o n; do for q in asof wf; do
	printf '  %-5s %s\n' "${PLAN_OK[$g.$q]:-no}" "parallel $q plan (${GLABEL[$g]}): partial aggregate under Gather, 2 workers launched"
done; done
for k in "${!CHECK_OK[@]}"; do printf '  %-5s %s\n' "${CHECK_OK[$k]}" "$k = plain SQL"; done | sort -k2
echo
say "timed in ${ELAPSED}s, whole run $(( $(date +%s) - T_START ))s; load average before: $LOAD0, now: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
