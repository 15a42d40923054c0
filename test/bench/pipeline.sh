#!/usr/bin/env bash
# test/bench/pipeline.sh: what funnel's pipeline metrics cost (issue 5, "Speed").
#
# Starts a throwaway cluster (test/lib.sh) with shared_buffers large enough
# for the table, makes 1,000,000 deals (test/bench/pipeline.sql: 50 owners,
# 100 segments, ~55% closed with more lost than won, 5% NULL amounts, NULL
# closed_at for open deals), VACUUM ANALYZE, pg_prewarm, and times, per owner
# (50 groups) and per owner and segment (5,000 groups):
#   floor   SELECT sum(c) FROM (SELECT count(*) c FROM deal GROUP BY owner) s
#   sql     the plain-SQL weekly report: win rate (count(*) FILTER ratio),
#           avg and median (percentile_cont) deal size of won deals, avg and
#           median cycle length (closed_at - created_at) of closed deals
#   funnel  funnel.pipeline(stage, amount, created_at, closed_at) per group and
#           the accessors win_rate, avg_deal_size, deal_size_quantile(p, 0.5),
#           avg_cycle_length, cycle_length_quantile(p, 0.5)
# each serial (max_parallel_workers_per_gather = 0) and with 2 parallel
# workers (parallel_setup_cost = parallel_tuple_cost = 0,
# max_parallel_workers_per_gather = 2).  Every output of the grouped query is
# consumed by an outer sum(), so PostgreSQL cannot drop an aggregate.
#
# One psql session runs every timed query: an untimed warm-up round, then
# BENCH_REPS rounds, each running all 12 variants in a rotated order (round r
# starts at variant r), keeping the minimum of the wall time (psql \timing)
# and, for the serial variants, of the backend's on-CPU time
# (/proc/self/schedstat, read through pg_read_file: a figure that other busy
# processes on a shared machine barely move).  Before timing, the script
# checks that the funnel plan is parallel (Partial HashAggregate under
# Gather, 2 workers launched) and that funnel's results equal the plain-SQL
# results (win rate, avg deal size and avg cycle length exactly, as text;
# medians within 1%), serial and parallel, for both groupings -- so the
# benchmark measures correct work.  Prints the times, the plans, the ratios
# and PASS/MISS per target of the issue (funnel <= 2x the floor, plain SQL
# >= 3x funnel, funnel serial / 2 workers >= 1.6x; the 5,000-group figures
# are informational).  A benchmark, not a test: exits 0 whether targets are
# met or not (2 when the set-up fails).
#
# Then, informational, how the cost grows with the number of groups: floor
# and funnel (serial, GROUP BY id % N, one run each after a warm-up of the
# floor) for N in BENCH_SCALING, as time per group over the floor.
#
# All variants run with work_mem = BENCH_WORK_MEM (512MB) so that neither the
# plain-SQL sort nor a hash table spills to disk, and jit = off.
#
# Run from the repository root, as root (or as a user who can run initdb):
#   bash test/bench/pipeline.sh
# Knobs (environment): BENCH_ROWS (1000000), BENCH_OWNERS (50), BENCH_REPS (7),
#   BENCH_SHARED_BUFFERS (1GB), BENCH_WORK_MEM (512MB),
#   BENCH_SCALING ("5000 20000 50000": group counts of the scaling runs; empty
#   to skip), BENCH_NO_INSTALL=1
#   (use the installed funnel as is: no make/make install), KEEP_CLUSTER=1
#   (keep the work directory; its path is printed).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

ROWS=${BENCH_ROWS:-1000000}
OWNERS=${BENCH_OWNERS:-50}
REPS=${BENCH_REPS:-7}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
WORK_MEM=${BENCH_WORK_MEM:-512MB}
SCALING=${BENCH_SCALING-5000 20000 50000}

bench_install

bench_cluster pipeline


# the table must fit in shared_buffers: restart with a larger pool
bench_restart "ALTER SYSTEM SET shared_buffers = '$SHARED_BUFFERS';"

# ---------------------------------------------------------------- set-up
say "set-up: $ROWS deals, $OWNERS owners (test/bench/pipeline.sql)"
T_SETUP=$(date +%s)
psql_q >/dev/null -c "CREATE EXTENSION funnel" -c "CREATE EXTENSION pg_prewarm" || exit 2
psql_q -v rows="$ROWS" -v owners="$OWNERS" -f test/bench/pipeline.sql >/dev/null || exit 2
bench_prewarm deal
psql_q -At -F ' | ' <<'SQL'
SELECT '   mix: ' || string_agg(stage || ' ' || round(100.0 * n / total, 1) || '%', ', ' ORDER BY stage)
FROM (SELECT stage, count(*) n, sum(count(*)) OVER () total FROM deal GROUP BY stage) s;
SELECT '   amount NULL: ' || round(100.0 * count(*) FILTER (WHERE amount IS NULL) / count(*), 1)
       || '%, closed_at NULL: ' || round(100.0 * count(*) FILTER (WHERE closed_at IS NULL) / count(*), 1)
       || '%, groups: ' || count(DISTINCT owner) || ' owners, '
       || (SELECT count(*) FROM (SELECT DISTINCT owner, segment FROM deal) s) || ' owner x segment'
FROM deal;
SQL

# ---------------------------------------------------------------- queries
# grouping: o = GROUP BY owner (the targets), os = GROUP BY owner, segment
declare -A KEY=([o]="owner" [os]="owner, segment")
declare -A GLABEL=([o]="GROUP BY owner" [os]="GROUP BY owner, segment")

mode_sql() {  # s = serial, p = 2 parallel workers
	case $1 in
	s) echo "SET max_parallel_workers_per_gather = 0; RESET parallel_setup_cost; RESET parallel_tuple_cost;" ;;
	p) echo "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;" ;;
	esac
}

# the grouped query, every output consumed by the outer query
query_sql() {  # query_sql floor|sql|funnel GROUPING
	local k=${KEY[$2]}
	case $1 in
	floor) echo "SELECT sum(c) FROM (SELECT count(*) c FROM deal GROUP BY $k) s" ;;
	sql) cat <<SQL
SELECT count(*), sum(wr), sum(ads), sum(mds), sum(acl), sum(mcl) FROM (
    SELECT count(*) FILTER (WHERE stage = 'closed_won')::float8
             / nullif(count(*) FILTER (WHERE stage IN ('closed_won', 'closed_lost')), 0) AS wr,
           avg(amount) FILTER (WHERE stage = 'closed_won') AS ads,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FILTER (WHERE stage = 'closed_won') AS mds,
           avg(closed_at - created_at) FILTER (WHERE stage IN ('closed_won', 'closed_lost')) AS acl,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at)
               FILTER (WHERE stage IN ('closed_won', 'closed_lost')) AS mcl
    FROM deal GROUP BY $k) s
SQL
	;;
	funnel) cat <<SQL
SELECT count(*), sum(wr), sum(ads), sum(mds), sum(acl), sum(mcl) FROM (
    SELECT funnel.win_rate(p) AS wr, funnel.avg_deal_size(p) AS ads,
           funnel.deal_size_quantile(p, 0.5) AS mds,
           funnel.avg_cycle_length(p) AS acl, funnel.cycle_length_quantile(p, 0.5) AS mcl
    FROM (SELECT $k, funnel.pipeline(stage, amount, created_at, closed_at) AS p
          FROM deal GROUP BY $k) g) s
SQL
	;;
	esac
}

declare -A QLABEL=([floor]="(1) floor: count(*)" [sql]="(2) plain SQL report" [funnel]="(3) funnel.pipeline")

# per-group results, for the correctness check
results_sql() {  # results_sql sql|funnel GROUPING
	local k=${KEY[$2]}
	case $1 in
	sql) cat <<SQL
SELECT $k, true AS present,
       count(*) FILTER (WHERE stage = 'closed_won')::float8
         / nullif(count(*) FILTER (WHERE stage IN ('closed_won', 'closed_lost')), 0) AS wr,
       avg(amount) FILTER (WHERE stage = 'closed_won') AS ads,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FILTER (WHERE stage = 'closed_won') AS mds,
       avg(closed_at - created_at) FILTER (WHERE stage IN ('closed_won', 'closed_lost')) AS acl,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at)
           FILTER (WHERE stage IN ('closed_won', 'closed_lost')) AS mcl
FROM deal GROUP BY $k
SQL
	;;
	funnel) cat <<SQL
SELECT $k, true AS present, funnel.win_rate(p) AS wr, funnel.avg_deal_size(p) AS ads,
       funnel.deal_size_quantile(p, 0.5) AS mds,
       funnel.avg_cycle_length(p) AS acl, funnel.cycle_length_quantile(p, 0.5) AS mcl
FROM (SELECT $k, funnel.pipeline(stage, amount, created_at, closed_at) AS p
      FROM deal GROUP BY $k) g
SQL
	;;
	esac
}

SESSION_SQL="SET work_mem = '$WORK_MEM';"

# ---------------------------------------------------------------- checks
# plans: one EXPLAIN ANALYZE per variant (untimed), summarized on one line
plan_summary() {  # stdin: EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) text
	awk '
	{ line = $0; sub(/^ *(-> *)?/, "", line) }
	line ~ /\(actual rows=/ { n = line; sub(/ *\(actual rows=.*/, "", n); nodes = nodes (nodes == "" ? "" : " < ") n; next }
	line ~ /^(Workers Launched|Sort Method|Batches|Memory Usage|Disk Usage)/ {
		d = line; gsub(/  +/, " ", d)
		if (!(d in seen)) { seen[d] = 1; details = details (details == "" ? "" : "; ") d }
	}
	END { print nodes; print details }'
}

declare -A PLAN_OK GATHER
say "plans (EXPLAIN ANALYZE, untimed; outermost node first)"
for g in o os; do
	for q in floor sql funnel; do
		for m in s p; do
			out=$(printf '%s\n%s\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s;\n' "$SESSION_SQL" "$(mode_sql $m)" \
				"$(query_sql $q $g)" | psql_q -At 2>&1) || { echo "$out" >&2; exit 2; }
			summary=$(printf '%s\n' "$out" | plan_summary)
			printf '   %-3s %-6s %-8s %s\n' "$g" "$q" "$([ $m = s ] && echo serial || echo parallel)" "$(sed -n 1p <<<"$summary")"
			printf '   %-19s %s\n' "" "$(sed -n 2p <<<"$summary")"
			if [ "$q" = funnel ] && [ "$m" = p ]; then
				# Partial HashAggregate somewhere below a Gather (or Gather Merge), and 2 workers really ran
				GATHER[$g]=$(printf '%s\n' "$out" | grep -oE 'Gather( Merge)?' | head -1)
				if printf '%s\n' "$out" | awk '/Gather/ { g = 1 } g && /Partial HashAggregate/ { ok = 1 } END { exit !ok }' \
					&& printf '%s\n' "$out" | grep -q 'Workers Launched: 2'; then
					PLAN_OK[$g]=yes
				else
					PLAN_OK[$g]=no
					echo "   WARNING: the parallel funnel plan ($g) is not Partial HashAggregate under Gather with 2 workers launched" >&2
				fi
			fi
		done
	done
done

# correctness: funnel (serial and parallel) against the plain SQL (serial)
declare -A CHECK_OK
say "correctness: funnel accessors vs plain SQL, per group"
printf '   %-3s %-8s %7s %7s %9s %9s %9s %14s %14s %s\n' "" "funnel" "groups" "missing" "win_rate=" "avg_size=" "avg_cycle=" "med_size err" "med_cycle err" ""
for g in o os; do
	for m in s p; do
		out=$(psql_q -At -F ' ' 2>&1 <<SQL
$SESSION_SQL
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE q AS $(results_sql sql $g);
$(mode_sql $m)
CREATE TEMP TABLE f AS $(results_sql funnel $g);
SELECT count(*),
       count(*) FILTER (WHERE f.present IS NULL OR q.present IS NULL),
       count(*) FILTER (WHERE f.wr IS NOT DISTINCT FROM q.wr),
       count(*) FILTER (WHERE f.ads::text IS NOT DISTINCT FROM q.ads::text),
       count(*) FILTER (WHERE f.acl::text IS NOT DISTINCT FROM q.acl::text),
       count(*) FILTER (WHERE (f.mds IS NULL) <> (q.mds IS NULL) OR (f.mcl IS NULL) <> (q.mcl IS NULL)),
       coalesce(max(abs(f.mds - q.mds) / nullif(abs(q.mds), 0)), 0)::float8,
       coalesce(max(abs(extract(epoch FROM f.mcl) - extract(epoch FROM q.mcl))
                    / nullif(abs(extract(epoch FROM q.mcl)), 0)), 0)::float8
FROM f FULL JOIN q USING (${KEY[$g]});
SQL
		) || { echo "$out" >&2; exit 2; }
		read -r n miss wr ads acl nullmis emds emcl <<<"$(tail -1 <<<"$out")"
		if [ "$miss" = 0 ] && [ "$wr" = "$n" ] && [ "$ads" = "$n" ] && [ "$acl" = "$n" ] && [ "$nullmis" = 0 ] \
			&& awk -v a="$emds" -v b="$emcl" 'BEGIN { exit !(a <= 0.01 && b <= 0.01) }'; then
			verdict=OK; [ -z "${CHECK_OK[$g]:-}" ] && CHECK_OK[$g]=OK
		else
			verdict=WRONG; CHECK_OK[$g]=WRONG
		fi
		printf '   %-3s %-8s %7s %7s %9s %9s %9s %13.4f%% %13.4f%% %s%s\n' "$g" \
			"$([ $m = s ] && echo serial || echo parallel)" "$n" "$miss" "$wr" "$ads" "$acl" \
			"$(awk -v e="$emds" 'BEGIN { print 100 * e }')" "$(awk -v e="$emcl" 'BEGIN { print 100 * e }')" \
			"$verdict" "$([ "$nullmis" != 0 ] && echo " ($nullmis NULL mismatches)")"
	done
done

# ---------------------------------------------------------------- timing
VARIANTS=()
for g in o os; do for q in floor sql funnel; do for m in s p; do VARIANTS+=("$g.$q.$m"); done; done; done
NV=${#VARIANTS[@]}

# The CPU time of the session's backend (the leader, not the parallel workers)
# from /proc/self/schedstat (nanoseconds on the CPU): for the serial
# variants, a figure that other busy processes on the machine barely change.
bench_cpu_probe

# one session: SET work_mem, a warm-up round, then REPS rotated rounds
bench_timed_sql
bench_timed "$NV variants, 1 warm-up round + $REPS rotated rounds, one session"

# group scaling: one run each, serial, GROUP BY id % N
declare -A SCALE
if [ -n "$SCALING" ]; then
	say "group scaling: GROUP BY id % N, N in $SCALING; serial, one run each"
	for n in $SCALING; do
		KEY[s$n]="id % $n"
		{
			echo "$SESSION_SQL"
			mode_sql s
			echo '\o /dev/null'
			query_sql floor "s$n"; echo ';'
			for q in floor funnel; do
				echo "\echo @@ $q"
				echo '\timing on'
				query_sql "$q" "s$n"; echo ';'
				echo '\timing off'
			done
		} >"$WORK/scale.sql"
		[ "$(id -u)" = 0 ] && chown postgres "$WORK/scale.sql"
		psql_q -f "$WORK/scale.sql" >"$WORK/scale.out" 2>&1 || { cat "$WORK/scale.out" >&2; exit 2; }
		while read -r q ms; do SCALE[$n.$q]=$ms; done \
			< <(awk '/^@@ / { v = $2 } /^Time: / { if (v != "") print v, $2; v = "" }' "$WORK/scale.out")
	done
fi

bench_best

# ---------------------------------------------------------------- report
say "results (PostgreSQL $(psql_q -At -c 'SHOW server_version'), $(nproc) CPUs, funnel at $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src sql 2>/dev/null || echo '+local changes'), installed funnel.so md5 $(md5sum "$("$PG_CONFIG" --pkglibdir)/funnel.so" | cut -c1-8))"
for g in o os; do
	ngroups=$([ $g = o ] && echo "$OWNERS" || echo $((OWNERS * 100)))
	echo
	echo "$ROWS deals, ${GLABEL[$g]} (~$ngroups groups), best of $REPS (ms):"
	printf '  %-24s %10s %10s %10s %10s %10s %12s %12s\n' "query" "serial" "2 workers" "ser/par" "x floor s" "x floor p" \
		"serial CPU" "x floor CPU"
	for q in floor sql funnel; do
		s=${BEST[$g.$q.s]} p=${BEST[$g.$q.p]} c=${BESTCPU[$g.$q.s]:-}
		printf '  %-24s %10.1f %10.1f %10s %10s %10s %12s %12s\n' "${QLABEL[$q]}" "$s" "$p" "$(ratio "$s" "$p")" \
			"$(ratio "$s" "${BEST[$g.floor.s]}")" "$(ratio "$p" "${BEST[$g.floor.p]}")" \
			"$([ -n "$c" ] && printf '%.1f' "$c" || echo -)" "$(ratio "$c" "${BESTCPU[$g.floor.s]:-}")"
	done
	[ -n "$CPU" ] && echo "  (serial CPU: best on-CPU time of the backend, /proc/self/schedstat; unaffected by time-slicing)"
	echo "  all runs (ms, in round order):"
	for q in floor sql funnel; do for m in s p; do
		printf '    %-8s %-8s %s\n' "$q" "$([ $m = s ] && echo serial || echo parallel)" "${ALL[$g.$q.$m]}"
	done; done
done

target() {  # target NAME VALUE OP LIMIT
	local verdict
	if [ "$2" = "-" ]; then verdict="n/a"
	elif awk -v x="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? x <= l : x >= l) }'; then verdict=PASS
	else verdict=MISS; fi
	printf '  %-4s %-52s %6s %s %s\n' "$verdict" "$1" "$2" "$3" "$4"
}
info() { printf '  %-4s %-52s %6s\n' "info" "$1" "$2"; }

echo
echo "targets (issue 5, Speed; $ROWS deals, GROUP BY owner):"
target "funnel / floor, serial" "$(ratio "${BEST[o.funnel.s]}" "${BEST[o.floor.s]}")" "<=" 2
target "plain SQL / funnel, serial" "$(ratio "${BEST[o.sql.s]}" "${BEST[o.funnel.s]}")" ">=" 3
target "funnel serial / funnel 2 workers" "$(ratio "${BEST[o.funnel.s]}" "${BEST[o.funnel.p]}")" ">=" 1.6
info "funnel / floor, 2 workers" "$(ratio "${BEST[o.funnel.p]}" "${BEST[o.floor.p]}")"
if [ -n "$CPU" ]; then
	info "funnel / floor, serial, on-CPU time" "$(ratio "${BESTCPU[o.funnel.s]}" "${BESTCPU[o.floor.s]}")"
	info "plain SQL / funnel, serial, on-CPU time" "$(ratio "${BESTCPU[o.sql.s]}" "${BESTCPU[o.funnel.s]}")"
fi
info "plain SQL / funnel, 2 workers each" "$(ratio "${BEST[o.sql.p]}" "${BEST[o.funnel.p]}")"
info "floor serial / floor 2 workers (what 2 workers can give)" "$(ratio "${BEST[o.floor.s]}" "${BEST[o.floor.p]}")"
info "funnel cost over the floor, serial (ns per deal)" \
	"$(awk -v f="${BEST[o.funnel.s]}" -v c="${BEST[o.floor.s]}" -v n="$ROWS" 'BEGIN { printf "%.0f", (f - c) * 1e6 / n }')"
echo "informational ($ROWS deals, GROUP BY owner, segment):"
info "funnel / floor, serial" "$(ratio "${BEST[os.funnel.s]}" "${BEST[os.floor.s]}")"
info "plain SQL / funnel, serial" "$(ratio "${BEST[os.sql.s]}" "${BEST[os.funnel.s]}")"
info "funnel serial / funnel 2 workers" "$(ratio "${BEST[os.funnel.s]}" "${BEST[os.funnel.p]}")"
info "funnel / floor, 2 workers" "$(ratio "${BEST[os.funnel.p]}" "${BEST[os.floor.p]}")"
# per-group overhead: what funnel adds per extra group beyond what count(*) adds
info "funnel per-group overhead, serial (us per extra group)" \
	"$(awk -v f1="${BEST[o.funnel.s]}" -v f2="${BEST[os.funnel.s]}" -v c1="${BEST[o.floor.s]}" -v c2="${BEST[os.floor.s]}" \
		-v n1="$OWNERS" -v n2="$((OWNERS * 100))" 'BEGIN { printf "%.1f", ((f2 - f1) - (c2 - c1)) * 1000 / (n2 - n1) }')"
info "funnel per-group overhead, 2 workers (us per extra group)" \
	"$(awk -v f1="${BEST[o.funnel.p]}" -v f2="${BEST[os.funnel.p]}" -v c1="${BEST[o.floor.p]}" -v c2="${BEST[os.floor.p]}" \
		-v n1="$OWNERS" -v n2="$((OWNERS * 100))" 'BEGIN { printf "%.1f", ((f2 - f1) - (c2 - c1)) * 1000 / (n2 - n1) }')"
if [ -n "$SCALING" ]; then
	echo "group scaling (serial, GROUP BY id % N, one run each; over = funnel - floor; marginal = growth of over per extra group):"
	printf '  %8s %10s %10s %8s %14s %14s\n' "groups" "floor ms" "funnel ms" "x floor" "over/group us" "marginal us"
	prev_n="" prev_o="" first_m="" last_m=""
	for n in $SCALING; do
		f=${SCALE[$n.funnel]:-} c=${SCALE[$n.floor]:-}
		o=$(awk -v f="$f" -v c="$c" 'BEGIN { if (f == "" || c == "") print ""; else printf "%.3f", f - c }')
		m="-"
		if [ -n "$prev_n" ] && [ -n "$o" ] && [ -n "$prev_o" ]; then
			m=$(awk -v a="$o" -v b="$prev_o" -v n="$n" -v p="$prev_n" 'BEGIN { printf "%.1f", (a - b) * 1000 / (n - p) }')
			[ -z "$first_m" ] && first_m=$m
			last_m=$m
		fi
		printf '  %8s %10s %10s %8s %14s %14s\n' "$n" "${c:--}" "${f:--}" "$(ratio "$f" "$c")" \
			"$(awk -v o="$o" -v n="$n" 'BEGIN { if (o == "") print "-"; else printf "%.1f", o * 1000 / n }')" "$m"
		prev_n=$n prev_o=$o
	done
	awk -v a="$first_m" -v b="$last_m" 'BEGIN { exit !(a != "" && b != "" && a > 0 && b > 2 * a) }' \
		&& echo "  WARNING: the marginal cost per group grows with the number of groups: total cost is superlinear in groups"
fi
echo "checks:"
for g in o os; do
	printf '  %-4s %s\n' "${PLAN_OK[$g]:-no}" "parallel funnel plan (${GLABEL[$g]}): Partial HashAggregate under ${GATHER[$g]:-Gather}, 2 workers launched"
	printf '  %-4s %s\n' "${CHECK_OK[$g]:-WRONG}" "funnel = plain SQL (${GLABEL[$g]}): win rate, avg size, avg cycle exact; medians within 1%"
done
echo
say "timed in ${ELAPSED}s; load average before: $LOAD0, now: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
