#!/usr/bin/env bash
# test/bench/journeys.sh: what journeys and the funnel report cost (issue 6, "Speed").
#
# Starts a throwaway cluster (test/lib.sh) with shared_buffers large enough
# for the table, makes the stage history of BENCH_ENTITIES (1,000,000)
# entities, ~4 rows each (test/bench/journeys.sql: lead -> qualified ->
# proposal -> negotiation -> closed_won / closed_lost with drop-offs, skips,
# backward moves and revived lost deals; stored in time order as an appended
# history is), VACUUM ANALYZE, pg_prewarm, and times:
#   (1) floor   SELECT count(*), sum(c) FROM (SELECT entity_id, count(*) c
#               FROM history GROUP BY entity_id) s
#   (2) sql     the funnel report in plain SQL, as a careful user writes it
#               with window functions: visits (lead(at) OVER (PARTITION BY
#               entity_id ORDER BY at, stage)), per entity the furthest open
#               stage (max of open rank), the stages entered (bit mask) and
#               whether the current stage is won, entity profiles counted
#               once, then reached / entered / drop-off per stage, conversion
#               from the previous open stage and from the top, and
#               percentile_cont(0.5) of completed visits per stage: the
#               columns and semantics of funnel.stage_report(s, 'linear')
#   (3) funnel  SELECT r.* FROM (SELECT funnel.summary(j) s FROM (SELECT
#               funnel.journey(stage, at) j FROM history GROUP BY entity_id) x) t,
#               funnel.stage_report(t.s) r
# each serial (max_parallel_workers_per_gather = 0) and with 2 parallel
# workers (parallel_setup_cost = parallel_tuple_cost = 0), and
#   (4) rollup  SELECT * FROM funnel.stage_report((SELECT funnel.rollup(s)
#               FROM daily)) over 365 stored daily summaries (cohort = day of
#               an entity's first event), BENCH_ROLLUP_REPS runs in one session.
#
# One psql session runs (1)-(3): an untimed warm-up of floor and funnel, then
# BENCH_REPS rounds, each running all 6 variants in a rotated order, keeping
# the minimum.  Before timing, the script prints the plans (EXPLAIN ANALYZE
# for floor and funnel, EXPLAIN for the plain SQL) and reports the shape of
# the parallel funnel plan (where the Gather is, whether the workers
# aggregate, workers launched), and checks that funnel's report -- serial,
# parallel, and through the rollup of the daily summaries -- equals the
# plain-SQL report (reached, entered, drop-off and both conversions exactly;
# medians within 1%), so the benchmark measures correct work.  Prints the
# times, the ratios and PASS/MISS per target of the issue (funnel <= 2x the
# floor, plain SQL >= 5x funnel, rollup report < 5 ms).  A benchmark, not a
# test: exits 0 whether targets are met or not (2 when the set-up fails).
#
# All variants run with work_mem = BENCH_WORK_MEM (512MB) so that neither a
# sort nor a hash table spills to disk, and jit = off.
#
# Run from the repository root, as root (or as a user who can run initdb):
#   bash test/bench/journeys.sh
# Knobs (environment): BENCH_ENTITIES (1000000), BENCH_REPS (5),
#   BENCH_ROLLUP_REPS (30), BENCH_SHARED_BUFFERS (1GB), BENCH_WORK_MEM (512MB),
#   BENCH_NO_INSTALL=1 (use the installed funnel as is: no make/make install),
#   KEEP_CLUSTER=1 (keep the work directory; its path is printed).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

ENTITIES=${BENCH_ENTITIES:-1000000}
REPS=${BENCH_REPS:-5}
ROLLUP_REPS=${BENCH_ROLLUP_REPS:-30}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
WORK_MEM=${BENCH_WORK_MEM:-512MB}

bench_install

T_START=$(date +%s)
bench_cluster journeys


# the table must fit in shared_buffers: restart with a larger pool
bench_restart "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS';"

# ---------------------------------------------------------------- set-up
say "set-up: stage history of $ENTITIES entities (test/bench/journeys.sql)"
T_SETUP=$(date +%s)
psql_q >/dev/null -c "CREATE EXTENSION funnel" -c "CREATE EXTENSION pg_prewarm" || exit 2
psql_q -v entities="$ENTITIES" -f test/bench/journeys.sql >/dev/null || exit 2
bench_prewarm history
# what the journeys look like (one window pass; untimed)
psql_f mix -At <<SQL || exit 2
SET work_mem = '$WORK_MEM';
SELECT '   rows: ' || count(*) || ', ' || round(count(*)::numeric / count(DISTINCT entity_id), 2) || ' per entity; stages: '
       || (SELECT string_agg(stage || ' ' || round(100.0 * n / total, 1) || '%', ', ' ORDER BY stage)
           FROM (SELECT stage, count(*) n, sum(count(*)) OVER () total FROM history GROUP BY stage) s)
FROM history;
WITH ev AS (
    SELECT entity_id, stage, lag(stage) OVER w AS prev, lead(stage) OVER w AS next
    FROM history WINDOW w AS (PARTITION BY entity_id ORDER BY at, stage)
), ent AS (
    SELECT entity_id, count(*) AS n,
           bool_or(prev IS NULL AND stage <> 'lead') AS late_start,
           bool_or(prev < 'closed_won' AND stage < 'closed_won' AND stage > prev
                   AND array_position(enum_range(prev, NULL), stage) > 2) AS skip,
           bool_or(prev < 'closed_won' AND stage < prev) AS back,
           bool_or(prev >= 'closed_won') AS revived,
           count(DISTINCT stage) < count(*) AS revisit,
           bool_or(next IS NULL AND stage = 'closed_won') AS won,
           bool_or(next IS NULL AND stage = 'closed_lost') AS lost
    FROM ev GROUP BY entity_id
)
SELECT '   entities: ' || count(*) || '; one row ' || round(100.0 * count(*) FILTER (WHERE n = 1) / count(*), 1)
       || '%, start past lead ' || round(100.0 * count(*) FILTER (WHERE late_start) / count(*), 1)
       || '%, skip a stage ' || round(100.0 * count(*) FILTER (WHERE skip) / count(*), 1)
       || '%, move back ' || round(100.0 * count(*) FILTER (WHERE back) / count(*), 1)
       || '%, revived after lost ' || round(100.0 * count(*) FILTER (WHERE revived) / count(*), 1)
       || '%, revisit a stage ' || round(100.0 * count(*) FILTER (WHERE revisit) / count(*), 1)
       || '%; now won ' || round(100.0 * count(*) FILTER (WHERE won) / count(*), 1)
       || '%, lost ' || round(100.0 * count(*) FILTER (WHERE lost) / count(*), 1)
       || '%, open ' || round(100.0 * count(*) FILTER (WHERE NOT won AND NOT lost) / count(*), 1) || '%'
FROM ent;
SQL

# ---------------------------------------------------------------- queries
mode_sql() {  # s = serial, p = 2 parallel workers
	case $1 in
	s) echo "SET max_parallel_workers_per_gather = 0; RESET parallel_setup_cost; RESET parallel_tuple_cost;" ;;
	p) echo "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;" ;;
	esac
}

# the plain-SQL report: same columns and semantics as funnel.stage_report(s, 'linear')
SQL_REPORT=$(cat <<'SQL'
WITH st(position, stage, open_rank) AS (       -- the funnel: open stages ranked, outcomes not
    VALUES (1, 'lead'::funnel.sales_stage, 1), (2, 'qualified', 2), (3, 'proposal', 3),
           (4, 'negotiation', 4), (5, 'closed_won', NULL), (6, 'closed_lost', NULL)
),
ev AS (          -- every visit; its length runs to the next event (NULL: the current stay)
    SELECT h.entity_id, h.stage, st.position, st.open_rank,
           lead(h.at) OVER w - h.at AS visit
    FROM history h JOIN st USING (stage)
    WINDOW w AS (PARTITION BY h.entity_id ORDER BY h.at, h.stage)
),
ent AS (         -- per entity: furthest open stage, stages entered, current stage won
    SELECT entity_id,
           max(open_rank) AS furthest,
           bit_or(1 << position) AS entered,
           bool_or(visit IS NULL AND stage = 'closed_won') AS won
    FROM ev GROUP BY entity_id
),
profile AS (     -- entities with the same (furthest, entered, won) counted once
    SELECT furthest, entered, won, count(*) AS n FROM ent GROUP BY furthest, entered, won
),
counts AS (      -- linear: an open stage is reached when the furthest open stage is at or past it
    SELECT st.position, st.stage, st.open_rank,
           coalesce(sum(p.n) FILTER (WHERE CASE WHEN st.open_rank IS NULL THEN p.entered & (1 << st.position) <> 0
                                                ELSE p.furthest >= st.open_rank END), 0)::bigint AS reached,
           coalesce(sum(p.n) FILTER (WHERE p.entered & (1 << st.position) <> 0), 0)::bigint AS entered,
           coalesce(sum(p.n) FILTER (WHERE p.furthest = st.open_rank AND NOT p.won), 0)::bigint AS drop_off
    FROM st CROSS JOIN profile p
    GROUP BY st.position, st.stage, st.open_rank
),
times AS (       -- completed visits only
    SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY visit) AS median
    FROM ev WHERE visit IS NOT NULL GROUP BY stage
)
SELECT c.position, c.stage::text AS stage, c.reached, c.entered,
       CASE WHEN c.open_rank IS NOT NULL
            THEN c.reached::float8 / nullif(lag(c.reached) OVER (PARTITION BY c.open_rank IS NULL ORDER BY c.position), 0)
       END AS conversion_from_previous,
       c.reached::float8 / nullif(first_value(c.reached) OVER (ORDER BY c.position), 0) AS conversion_from_top,
       CASE WHEN c.open_rank IS NOT NULL THEN c.drop_off END AS drop_off,
       t.median AS median_time_in_stage
FROM counts c LEFT JOIN times t USING (stage)
ORDER BY c.position
SQL
)

FUNNEL_REPORT="SELECT r.* FROM (SELECT funnel.summary(j) s FROM (SELECT funnel.journey(stage, at) j FROM history GROUP BY entity_id) x) t, funnel.stage_report(t.s) r"
FLOOR="SELECT count(*), sum(c) FROM (SELECT entity_id, count(*) c FROM history GROUP BY entity_id) s"
ROLLUP_REPORT="SELECT * FROM funnel.stage_report((SELECT funnel.rollup(s) FROM daily))"

query_sql() {
	case $1 in
	floor) echo "$FLOOR" ;;
	sql) echo "$SQL_REPORT" ;;
	funnel) echo "$FUNNEL_REPORT" ;;
	esac
}
declare -A QLABEL=([floor]="(1) floor: count(*)" [sql]="(2) plain SQL report" [funnel]="(3) funnel report")

SESSION_SQL="SET work_mem = '$WORK_MEM';"

# ---------------------------------------------------------------- plans
plan_summary() {  # stdin: EXPLAIN text (one plan); prints its nodes, outermost first, then details
	awk '
	NR == 1 || /^ *->/ {
		n = $0; sub(/^ *(-> *)?/, "", n); sub(/ *\(actual rows=.*/, "", n)
		nodes = nodes (nodes == "" ? "" : " < ") n; next }
	{ line = $0; sub(/^ */, "", line) }
	line ~ /^(Workers Launched|Sort Method|Batches|Memory Usage|Disk Usage)/ {
		d = line; gsub(/  +/, " ", d)
		if (!(d in seen)) { seen[d] = 1; details = details (details == "" ? "" : "; ") d }
	}
	END { print nodes; print details }'
}

say "plans (outermost node first; EXPLAIN ANALYZE for floor and funnel, EXPLAIN for the plain SQL)"
PAR_SHAPE="" PAR_LAUNCHED="" PAR_PARTIAL=""
for q in floor sql funnel; do
	for m in s p; do
		if [ $q = sql ]; then opts="COSTS OFF"; else opts="ANALYZE, COSTS OFF, TIMING OFF"; fi
		out=$(printf '%s\n%s\nEXPLAIN (%s) %s;\n' "$SESSION_SQL" "$(mode_sql $m)" "$opts" "$(query_sql $q)" \
			| psql_f "plan_$q$m" -At 2>&1) || { echo "$out" >&2; exit 2; }
		summary=$(printf '%s\n' "$out" | plan_summary)
		printf '   %-6s %-8s %s\n' "$q" "$([ $m = s ] && echo serial || echo parallel)" "$(sed -n 1p <<<"$summary")"
		[ -n "$(sed -n 2p <<<"$summary")" ] && printf '   %-15s %s\n' "" "$(sed -n 2p <<<"$summary")"
		if [ $q = funnel ] && [ $m = p ]; then
			PAR_SHAPE=$(sed -n 1p <<<"$summary")
			PAR_LAUNCHED=$(printf '%s\n' "$out" | sed -n 's/.*Workers Launched: \([0-9]*\).*/\1/p' | head -1)
			if printf '%s\n' "$out" | awk '/Gather/ { g = 1 } g && /Partial (Hash|Group)?Aggregate/ { ok = 1 } END { exit !ok }'; then
				PAR_PARTIAL=yes
			else
				PAR_PARTIAL=no
			fi
		fi
	done
done

# ---------------------------------------------------------------- correctness
# the plain-SQL report (serial) is the reference; funnel's serial and parallel
# reports are kept for the comparison, the rollup's is added after timing
say "correctness: funnel.stage_report vs the plain-SQL report"
psql_f check >/dev/null <<SQL || exit 2
$SESSION_SQL
$(mode_sql s)
CREATE TABLE ref AS $SQL_REPORT;
CREATE TABLE fun_s AS $FUNNEL_REPORT;
$(mode_sql p)
CREATE TABLE fun_p AS $FUNNEL_REPORT;
SQL

declare -A CHECK_OK
compare() {  # compare TABLE LABEL: prints one line, sets CHECK_OK[TABLE]
	local out n miss cnt conv nullmis err verdict
	out=$(psql_q -At -F ' ' 2>&1 <<SQL
SELECT count(*),
       count(*) FILTER (WHERE f.position IS NULL OR q.position IS NULL),
       count(*) FILTER (WHERE f.stage = q.stage AND f.reached = q.reached AND f.entered = q.entered
                        AND f.drop_off IS NOT DISTINCT FROM q.drop_off),
       count(*) FILTER (WHERE f.conversion_from_previous IS NOT DISTINCT FROM q.conversion_from_previous
                        AND f.conversion_from_top IS NOT DISTINCT FROM q.conversion_from_top),
       count(*) FILTER (WHERE (f.median_time_in_stage IS NULL) <> (q.median_time_in_stage IS NULL)),
       coalesce(max(abs(extract(epoch FROM f.median_time_in_stage) - extract(epoch FROM q.median_time_in_stage))
                    / nullif(abs(extract(epoch FROM q.median_time_in_stage)), 0)), 0)::float8
FROM $1 f FULL JOIN ref q USING (position);
SQL
	) || { echo "$out" >&2; exit 2; }
	read -r n miss cnt conv nullmis err <<<"$(tail -1 <<<"$out")"
	if [ "$n" -gt 0 ] && [ "$miss" = 0 ] && [ "$cnt" = "$n" ] && [ "$conv" = "$n" ] && [ "$nullmis" = 0 ] \
		&& awk -v e="$err" 'BEGIN { exit !(e <= 0.01) }'; then
		verdict=OK
	else
		verdict=WRONG
	fi
	CHECK_OK[$1]=$verdict
	printf '   %-34s %5s %8s %13s %12s %13.4f%%  %s%s\n' "$2" "$n" "$miss" "$cnt/$n" "$conv/$n" \
		"$(awk -v e="$err" 'BEGIN { print 100 * e }')" "$verdict" "$([ "$nullmis" != 0 ] && echo " ($nullmis NULL median mismatches)")"
}
compare_header() {
	printf '   %-34s %5s %8s %13s %12s %14s\n' "funnel report" "rows" "missing" "counts equal" "conv. equal" "median max err"
}
compare_header
compare fun_s "serial"
compare fun_p "2 parallel workers"
echo "   the funnel report (serial):"
psql_q -c "SELECT * FROM fun_s ORDER BY position" | sed 's/^/   /'

# ---------------------------------------------------------------- timing (1)-(3)
VARIANTS=()
for q in floor sql funnel; do for m in s p; do VARIANTS+=("$q.$m"); done; done
NV=${#VARIANTS[@]}
{
	echo "$SESSION_SQL"
	for ((r = 0; r <= REPS; r++)); do
		for ((i = 0; i < NV; i++)); do
			v=${VARIANTS[(i + r) % NV]}
			IFS=. read -r q m <<<"$v"
			# warm-up round: floor and funnel only (the plain SQL takes long and was just run)
			[ $r = 0 ] && [ $q = sql ] && continue
			mode_sql "$m"
			if [ $r = 0 ]; then echo "\\echo @@ warm"; else echo "\\echo @@ $v $r"; fi
			echo '\o /dev/null'
			echo '\timing on'
			query_sql "$q"
			echo ';'
			echo '\timing off'
			echo '\o'
		done
	done
} >"$WORK/timed.sql"
bench_timed "$NV variants, warm-up of floor and funnel + $REPS rotated rounds, one session"

declare -A BEST ALL
while read -r v ms; do
	[ "$v" = warm ] && continue
	ALL[$v]="${ALL[$v]:-}${ALL[$v]:+ }$(printf '%.0f' "$ms")"
	if [ -z "${BEST[$v]:-}" ] || awk -v a="$ms" -v b="${BEST[$v]}" 'BEGIN { exit !(a < b) }'; then BEST[$v]=$ms; fi
done < <(awk '/^@@ / { v = $2 } /^Time: / { if (v != "") print v, $2; v = "" }' "$WORK/timed.out")
for v in "${VARIANTS[@]}"; do
	[ -n "${BEST[$v]:-}" ] || { echo "no timing for $v in $WORK/timed.out" >&2; cat "$WORK/timed.out" >&2; exit 2; }
done

# ---------------------------------------------------------------- (4) rollup of daily summaries
say "rollup: 365 daily summaries (cohort = day of the first event), stored and pre-warmed"
psql_f daily -At >"$WORK/daily.out" 2>&1 <<SQL || { cat "$WORK/daily.out" >&2; exit 2; }
$SESSION_SQL
$(mode_sql s)
\timing on
CREATE TABLE daily AS
SELECT day, funnel.summary(j) AS s
FROM (SELECT (min(at) AT TIME ZONE 'UTC')::date AS day, funnel.journey(stage, at) AS j
      FROM history GROUP BY entity_id) per_entity
GROUP BY day;
\timing off
VACUUM ANALYZE daily;
SELECT '@@ ' || count(*) || ' ' || round(avg(pg_column_size(s))) || ' ' || max(pg_column_size(s)) || ' '
       || pg_size_pretty(pg_total_relation_size('daily')) || ' ' || pg_prewarm('daily')
FROM daily;
CREATE TABLE fun_r AS $ROLLUP_REPORT;
SQL
DAILY_MS=$(awk '/^Time: / { print $2; exit }' "$WORK/daily.out")
read -r _ NDAYS AVG_SZ MAX_SZ DAILY_SIZE DAILY_UNIT _ < <(grep '^@@ ' "$WORK/daily.out")
printf '   %s daily rows, summary %s bytes on average (max %s), table %s %s; built in %.0f ms\n' \
	"$NDAYS" "$AVG_SZ" "$MAX_SZ" "$DAILY_SIZE" "$DAILY_UNIT" "$DAILY_MS"
compare_header
compare fun_r "rollup of the daily summaries"

{
	echo "$SESSION_SQL"
	echo '\o /dev/null'
	for _ in 1 2 3; do echo "$ROLLUP_REPORT;"; done     # warm-up
	echo '\timing on'
	for ((r = 0; r < ROLLUP_REPS; r++)); do echo "$ROLLUP_REPORT;"; done
	echo '\timing off'
	echo '\o'
	for _ in 1 2 3 4 5; do echo "EXPLAIN (ANALYZE, COSTS OFF) $ROLLUP_REPORT;"; done
} >"$WORK/rollup.sql"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/rollup.sql"
psql_q -f "$WORK/rollup.sql" >"$WORK/rollup.out" 2>&1 || { cat "$WORK/rollup.out" >&2; exit 2; }
read -r R_MIN R_MED R_MAX < <(awk '/^Time: / { print $2 }' "$WORK/rollup.out" | sort -g \
	| awk '{ v[NR] = $1 } END { printf "%.3f %.3f %.3f\n", v[1], v[int((NR + 1) / 2)], v[NR] }')
R_EXEC=$(awk '/Execution Time:/ { print $3 }' "$WORK/rollup.out" | sort -g | head -1)
printf '   stage_report(rollup(365 summaries)): %s runs, client-side (\\timing) min %s ms, median %s ms, max %s ms; server EXPLAIN ANALYZE best %s ms\n' \
	"$ROLLUP_REPS" "$R_MIN" "$R_MED" "$R_MAX" "$R_EXEC"

# ---------------------------------------------------------------- report

say "results (PostgreSQL $(psql_q -At -c 'SHOW server_version'), $(nproc) CPUs, funnel at $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src sql 2>/dev/null || echo '+local changes'), installed funnel.so md5 $(md5sum "$("$PG_CONFIG" --pkglibdir)/funnel.so" | cut -c1-8))"
echo
echo "$ENTITIES entities, $(psql_q -At -c 'SELECT count(*) FROM history') history rows, best of $REPS (ms):"
printf '  %-24s %10s %10s %10s %10s %10s\n' "query" "serial" "2 workers" "ser/par" "x floor s" "x floor p"
for q in floor sql funnel; do
	s=${BEST[$q.s]} p=${BEST[$q.p]}
	printf '  %-24s %10.1f %10.1f %10s %10s %10s\n' "${QLABEL[$q]}" "$s" "$p" "$(ratio "$s" "$p")" \
		"$(ratio "$s" "${BEST[floor.s]}")" "$(ratio "$p" "${BEST[floor.p]}")"
done
printf '  %-24s %10s\n' "(4) rollup report" "$R_MIN"
echo "  all runs (ms, in round order):"
for q in floor sql funnel; do for m in s p; do
	printf '    %-8s %-8s %s\n' "$q" "$([ $m = s ] && echo serial || echo parallel)" "${ALL[$q.$m]}"
done; done

target() {  # target NAME VALUE OP LIMIT
	local verdict
	if [ "$2" = "-" ] || [ -z "$2" ]; then verdict="n/a"
	elif awk -v x="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? x <= l : (op == "<") ? x < l : x >= l) }'; then verdict=PASS
	else verdict=MISS; fi
	printf '  %-4s %-56s %8s %-2s %s\n' "$verdict" "$1" "$2" "$3" "$4"
}
info() { printf '  %-4s %-56s %8s\n' "info" "$1" "$2"; }

echo
echo "targets (issue 6, Speed; $ENTITIES entities):"
target "funnel / floor, serial" "$(ratio "${BEST[funnel.s]}" "${BEST[floor.s]}")" "<=" 2
target "plain SQL / funnel, serial" "$(ratio "${BEST[sql.s]}" "${BEST[funnel.s]}")" ">=" 5
target "stage_report(rollup of 365 daily summaries), ms (min)" "$R_MIN" "<" 5
# the same ratios paired within each round (both variants ran a few seconds apart): steadier under load
paired() {  # paired A B: median over rounds of A[r] / B[r]
	paste <(tr ' ' '\n' <<<"${ALL[$1]}") <(tr ' ' '\n' <<<"${ALL[$2]}") \
		| awk '$2 > 0 { print $1 / $2 }' | sort -g \
		| awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
info "funnel / floor, serial, median of per-round ratios" "$(paired funnel.s floor.s)"
info "plain SQL / funnel, serial, median of per-round ratios" "$(paired sql.s funnel.s)"
info "funnel / floor, 2 workers" "$(ratio "${BEST[funnel.p]}" "${BEST[floor.p]}")"
info "plain SQL / funnel, 2 workers each" "$(ratio "${BEST[sql.p]}" "${BEST[funnel.p]}")"
info "plain SQL / floor, serial (= SQL/funnel at floor speed)" \
	"$(ratio "${BEST[sql.s]}" "${BEST[floor.s]}")"
info "funnel serial / funnel 2 workers" "$(ratio "${BEST[funnel.s]}" "${BEST[funnel.p]}")"
info "floor serial / floor 2 workers (what 2 workers can give)" "$(ratio "${BEST[floor.s]}" "${BEST[floor.p]}")"
info "funnel cost over the floor, serial (ns per history row)" \
	"$(awk -v f="${BEST[funnel.s]}" -v c="${BEST[floor.s]}" -v n="$(psql_q -At -c 'SELECT count(*) FROM history')" \
		'BEGIN { printf "%.0f", (f - c) * 1e6 / n }')"
info "rollup report, median of $ROLLUP_REPS (ms)" "$R_MED"
info "rollup report, server execution time, best (ms)" "$R_EXEC"
echo "checks:"
printf '  %-4s %s\n' "$([ "${PAR_LAUNCHED:-0}" = 2 ] && echo yes || echo no)" \
	"parallel funnel plan: ${PAR_LAUNCHED:-0} workers launched; $PAR_SHAPE"
printf '  %-4s %s\n' "$PAR_PARTIAL" "parallel funnel plan aggregates in the workers (Partial Aggregate under Gather)"
[ "$PAR_PARTIAL" = no ] && echo "       (the planner keeps the GROUP BY entity_id above the Gather: the workers only scan)"
for t in fun_s fun_p fun_r; do
	case $t in fun_s) l="serial" ;; fun_p) l="2 parallel workers" ;; fun_r) l="rollup of 365 daily summaries" ;; esac
	printf '  %-4s %s\n' "${CHECK_OK[$t]:-WRONG}" "funnel report ($l) = plain SQL: counts and conversions exact, medians within 1%"
done
echo
say "timed in ${ELAPSED}s, whole run $(( $(date +%s) - T_START ))s; load average before: $LOAD0, now: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
