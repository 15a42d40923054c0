#!/usr/bin/env bash
# test/bench/instructions.sh: the scaling grid counted in instructions (issue 20).
#
# The same families, tables and queries as test/bench/scaling.sh
# (test/bench/scaling_sql.sh), each beside two floors:
#   floor   count(*) with the same grouping over the same rows
#   call    the call floor: the floor's query with bench.noop_agg
#           (test/bench/noop_agg) called with the funnel aggregate's own
#           arguments: the executor deforms the same columns, evaluates the
#           same argument expressions and calls a C transition function per
#           row, which does nothing.  What it costs above the floor is
#           PostgreSQL's share, paid by any aggregate called that way; what
#           funnel costs above it is funnel's own work.  For the journeys
#           (journey -> summary -> stage_report) it is the report floor: the
#           same query with noop_agg at both levels and bench.noop_report
#           (stage_report's rows and columns, made from nothing) in FROM
# counted by valgrind's callgrind in a single-user backend (postgres --single),
# serial: the instructions of each statement's executor run
# (standard_ExecutorRun: no parsing, no planning), after an uncounted warm-up
# pass over the first group count (catalog caches loaded).  Instruction
# counts do not move with the load of a shared machine, which wall and CPU
# times do by up to 1.7x here; they do not see memory stalls either (a cache
# miss is one instruction), so they are the work done, not its time: the
# timed grid is scaling.sh.
#
# Writes BENCH_OUT/instructions.tsv (test/bench/scaling/): per family, rows and
# groups, the instructions of floor, call and funnel, per row, and the ratios
# funnel / floor, call / floor (PostgreSQL's share) and funnel / call
# (funnel's own); prints it as a table.  Every counted statement's answer is
# checked: call's must equal the floor's (the same rows and groups); the
# journeys' report floor must return as many report rows as funnel.
#
# Run from the repository root, as root (valgrind is installed with apt-get
# when missing):
#   BENCH_NO_INSTALL=1 bash test/bench/instructions.sh       # 10^5 rows, ~10 minutes
# Knobs: BENCH_ROWS ("100000"), BENCH_GROUPS ("1 50 5000"), BENCH_FAMILIES
#   (all but rollup and triggers), BENCH_OUT, BENCH_NO_INSTALL=1, KEEP_CLUSTER=1.
# A benchmark, not a test: exits 0 whatever the ratios (1 when an answer
# differs, 2 when the set-up fails).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh
. test/bench/scaling_sql.sh

ROWS_LIST=${BENCH_ROWS:-"100000"}
GROUPS_LIST=${BENCH_GROUPS:-"1 50 5000"}
FAMILIES=${BENCH_FAMILIES:-"$DEAL_FAMILIES journey $EVENT_FAMILIES"}
OUT=${BENCH_OUT:-test/bench/scaling}
WORK_MEM=1GB
has_family() { [[ " $FAMILIES " == *" $1 "* ]]; }
for f in $FAMILIES; do
	case " $DEAL_FAMILIES journey $EVENT_FAMILIES " in *" $f "*) ;; *) echo "BENCH_FAMILIES: no family '$f'" >&2; exit 2 ;; esac
done

if ! command -v valgrind >/dev/null; then
	[ "$(id -u)" = 0 ] || { echo "valgrind not found (apt-get install valgrind)" >&2; exit 2; }
	say "installing valgrind"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null \
		|| { echo "valgrind could not be installed" >&2; exit 2; }
fi

bench_install
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
T_START=$(date +%s)
PG_VERSION=$("$("$PG_CONFIG" --bindir)/postgres" --version | awk '{ print $3 }')
bench_cluster instructions
bench_restart "ALTER SYSTEM SET shared_buffers = '1GB';"
psql_q >/dev/null -c "CREATE EXTENSION funnel" || exit 2
bench_noop_agg

TSV=$OUT/instructions.tsv
printf 'family\trows\tgroups\tfloor\tcall\tfunnel\tfloor_per_row\tcall_per_row\tfunnel_per_row\tfunnel_x_floor\tcall_x_floor\tfunnel_x_call\tcheck\n' >"$TSV"
BAD=0

# count ROWS: the statements of $WORK/count.sql (ids in $WORK/count.ids, one per
# statement, "warm" for the uncounted ones) in a single-user backend under
# callgrind, the cluster stopped meanwhile; appends "id instructions answer" to
# $WORK/counts
count() {
	local n dumps i id f
	cluster_stop
	rm -rf "$WORK/cg"
	mkdir "$WORK/cg"
	[ "$(id -u)" = 0 ] && chown postgres "$WORK/cg"
	[ "$(id -u)" = 0 ] && chown postgres "$WORK/count.sql"
	say "counting $(grep -c . "$WORK/count.ids") statements under callgrind (rows $1)"
	as_owner valgrind --tool=callgrind --collect-atstart=no --toggle-collect=standard_ExecutorRun \
		--dump-after=standard_ExecutorRun --callgrind-out-file="$WORK/cg/out" \
		"$("$PG_CONFIG" --bindir)/postgres" --single -D "$CLUSTER_DIR/data" -j postgres \
		<"$WORK/count.sql" >"$WORK/count.out" 2>"$WORK/count.err" \
		|| { tail -20 "$WORK/count.err" >&2; exit 2; }
	grep -q 'ERROR' "$WORK/count.out" "$WORK/count.err" && { grep -h -m5 'ERROR' "$WORK/count.out" "$WORK/count.err" >&2; exit 2; }
	n=$(grep -c . "$WORK/count.ids")
	dumps=$(ls "$WORK"/cg/out.* 2>/dev/null | grep -cE '\.[0-9]+$')
	[ "$dumps" = "$n" ] || { echo "callgrind wrote $dumps dumps for $n statements" >&2; exit 2; }
	# the answers: single-user mode prints each result row's columns as "1: name = value"
	awk '/^\t *[0-9]+: [^\t]* = / { v = $0; sub(/^[^=]*= /, "", v); sub(/\t.*$/, "", v); gsub(/"/, "", v)
	                                    row = row (row == "" ? "" : "|") v; next }
	     /^\t----/ { if (row != "") print row; row = "" } END { if (row != "") print row }' "$WORK/count.out" >"$WORK/count.answers"
	i=0
	while read -r id; do
		i=$((i + 1))
		f="$WORK/cg/out.$i"
		printf '%s %s %s\n' "$id" "$(awk '/^totals:/ { print $2; exit }' "$f")" "$(sed -n "${i}p" "$WORK/count.answers")" >>"$WORK/counts"
	done <"$WORK/count.ids"
	cluster_restart
}

cluster_restart() {
	as_owner pg_ctl -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 start >/dev/null \
		|| { cat "$CLUSTER_DIR/server.log" >&2; exit 2; }
	CLUSTER_PID=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
}

for rows in $ROWS_LIST; do
	T_SETUP=$(date +%s)
	say "rows $rows: set-up"
	psql_q >/dev/null -c "DROP TABLE IF EXISTS deal, history, walk_step, events" 2>/dev/null
	tables="" need_deal="" need_events=""
	for f in $DEAL_FAMILIES; do has_family "$f" && need_deal=1; done
	for f in $EVENT_FAMILIES; do has_family "$f" && need_events=1; done
	if [ -n "$need_deal" ]; then
		psql_q -v rows="$rows" -v owners=50 -f test/bench/pipeline.sql >/dev/null || exit 2
		tables="$tables deal"
	fi
	if has_family journey; then
		psql_q -v entities="$((rows / 4))" -f test/bench/journeys.sql >/dev/null || exit 2
		tables="$tables history"
	fi
	if [ -n "$need_events" ]; then
		events_table_sql "$rows" | psql_f events >/dev/null || exit 2
		tables="$tables events"
	fi
	psql_q >/dev/null -c "CHECKPOINT" || exit 2
	say "   tables:$tables, set-up took $(( $(date +%s) - T_SETUP ))s"

	: >"$WORK/count.sql"
	: >"$WORK/count.ids"
	: >"$WORK/counts"
	stmt() {  # stmt ID SQL: single-user mode (-j) ends a statement at ";" and an empty line
		printf '%s;\n\n' "$(sed '/^[[:space:]]*$/d' <<<"$2")" >>"$WORK/count.sql"
		echo "$1" >>"$WORK/count.ids"
	}
	{
		printf 'SET max_parallel_workers_per_gather = 0;\n\nSET jit = off;\n\nSET work_mem = %s;\n\n' "'$WORK_MEM'"
	} >"$WORK/count.sql"
	first=1
	for g in $GROUPS_LIST; do
		[ "$g" = 1 ] || [ $((g * 10)) -le "$rows" ] || continue
		passes=1
		[ -n "$first" ] && passes=2
		for ((pass = 1; pass <= passes; pass++)); do
			warm=""
			[ "$pass" -lt "$passes" ] && warm=1
			for t in deal history events; do
				case $t in
				deal) [ -n "$need_deal" ] || continue ;;
				history) has_family journey || continue ;;
				events) [ -n "$need_events" ] || continue ;;
				esac
				stmt "${warm:+warm:}$t:floor:$g" "$(query_sql "$t" floor "$g")"
			done
			for f in $FAMILIES; do
				for q in call funnel; do
					stmt "${warm:+warm:}$f:$q:$g" "$(query_sql "$f" "$q" "$g")"
				done
			done
		done
		first=""
	done
	count "$rows"

	# the table: per family and groups, the floor of its table, its call floor, funnel
	awk -v rows="$rows" -v deal="$DEAL_FAMILIES" -v events="$EVENT_FAMILIES" '
	BEGIN { n = split(deal, a, " "); for (i = 1; i <= n; i++) T[a[i]] = "deal"
	        n = split(events, a, " "); for (i = 1; i <= n; i++) T[a[i]] = "events"; T["journey"] = "history" }
	$1 ~ /^warm:/ { next }
	{ split($1, p, ":"); I[p[1], p[2], p[3]] = $2; A[p[1], p[2], p[3]] = $3; if (p[2] == "funnel") F[p[1], p[3]] = 1 }
	END {
		for (k in F) {
			split(k, p, SUBSEP); f = p[1]; g = p[2]; t = T[f]
			fl = I[t, "floor", g]; c = I[f, "call", g]; q = I[f, "funnel", g]
			ok = (A[f, "call", g] == A[t, "floor", g] && A[t, "floor", g] != "") ? "OK" : "DIFF"
			# the journey report floor: as many report rows as funnel (its sums are zeros)
			if (f == "journey") { split(A[f, "call", g], x, "|"); split(A[f, "funnel", g], y, "|")
			                      ok = (x[1] == y[1] && x[1] != "") ? "OK" : "DIFF" }
			printf "%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%s\n", f, rows, g, fl, c, q,
				fl / rows, c / rows, q / rows, q / fl, c / fl, q / c, ok
		}
	}' "$WORK/counts" | sort -t$'\t' -k1,1 -k3,3n >>"$TSV"
done

say "results -> $TSV (PostgreSQL $PG_VERSION, funnel $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src sql 2>/dev/null || echo '+local changes'))"
echo "instructions per row (floor, call floor, funnel) and ratios; serial, executor only:"
column -t -s$'\t' "$TSV" | sed 's/^/  /'
BAD=$(awk -F'\t' 'NR > 1 && $13 != "OK"' "$TSV" | wc -l)
say "done in $(( $(date +%s) - T_START ))s"
if [ "$BAD" -gt 0 ]; then
	echo "   $BAD points where the call floor's answer differs from the floor's" >&2
	exit 1
fi
exit 0
