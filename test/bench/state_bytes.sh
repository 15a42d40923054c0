#!/usr/bin/env bash
# test/bench/state_bytes.sh: the memory a group's state takes, per state type (issue 20, part 3).
#
# Each aggregate runs once, serially, in a backend of its own, over a grouping column whose
# number of distinct values the planner knows (ANALYZE), so the hash table is sized alike for
# the aggregate and for its floor, count(*) with the same grouping; the state bytes of a group
# are the difference of their hash aggregates' peak memory (EXPLAIN ANALYZE "Peak Memory Usage",
# memory allocated, 8 MB blocks at most) and of the backend's peak private memory (resident
# pages: VmHWM less the shared and file pages, less the private memory before), divided by the
# number of groups (for the running window at the end: of rows).  Groups of 10 rows (100,000 groups of 10^6 rows) and of 100 rows (10,000).
# Journeys: one state per entity (250,000 entities, ~4 history rows each); summaries: one per
# group of journeys (entity_id % G).
#
#   BENCH_NO_INSTALL=1 bash test/bench/state_bytes.sh      # ~3 minutes; prints a TSV
# Knobs: BENCH_ROWS (1000000), BENCH_GROUPS ("100000 10000"), BENCH_ENTITIES (250000).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/bench/lib.sh

ROWS=${BENCH_ROWS:-1000000}
GROUPS_LIST=${BENCH_GROUPS:-"100000 10000"}
ENTITIES=${BENCH_ENTITIES:-250000}

bench_install
bench_cluster state_bytes
bench_restart "ALTER SYSTEM SET shared_buffers = '1GB';"
T_SETUP=$(date +%s)
psql_q >/dev/null -c "CREATE EXTENSION funnel" -c "CREATE EXTENSION pg_prewarm" || exit 2
psql_q -v rows="$ROWS" -v owners=50 -f test/bench/pipeline.sql >/dev/null || exit 2
psql_q -v entities="$ENTITIES" -f test/bench/journeys.sql >/dev/null || exit 2
psql_f setup >/dev/null <<SQL || exit 2
SELECT setseed(0.2020);
CREATE TABLE events AS
SELECT id, timestamptz '2025-03-01 00:00+00' + id * interval '1 millisecond' AS ts,
       (ARRAY['visit', 'signup', 'trial', 'purchase', 'pageview', 'search', 'pricing', 'support'])[1 + floor(random() * 8)::int] AS event
FROM generate_series(1::bigint, $ROWS) id;
$(for g in $GROUPS_LIST; do
	echo "ALTER TABLE deal ADD COLUMN g$g bigint; UPDATE deal SET g$g = id % $g;"
	echo "ALTER TABLE events ADD COLUMN g$g bigint; UPDATE events SET g$g = id % $g;"
	echo "ALTER TABLE history ADD COLUMN g$g bigint; UPDATE history SET g$g = entity_id % $g;"
done)
VACUUM ANALYZE deal, events, history;
SQL
bench_mem_functions
bench_prewarm deal events history

STEPS="event = 'visit', event = 'signup', event = 'trial', event = 'purchase'"
# measure NAME TABLE GROUPING AGG: the aggregate AGG per GROUPING of TABLE, beside count(*)
measure() {
	measure_sql "$1" "SELECT count(*) FROM $2 GROUP BY $3" "SELECT $4 FROM $2 GROUP BY $3" "SELECT count(*) FROM $2"
}
# measure_sql NAME FLOOR QUERY ROWS: QUERY beside FLOOR, per row QUERY returns; ROWS counts the input
measure_sql() {
	local fh fb h n b rows
	n=$(psql_q -At -c "SELECT count(*) FROM ($3) x") || exit 2
	IFS='|' read -r fh _ fb < <(psql_q -At -F '|' -c "SET max_parallel_workers_per_gather = 0; SET work_mem = '4GB';" \
		-c "SELECT * FROM public.bench_mem(\$q\$$2\$q\$)") || exit 2
	IFS='|' read -r h _ b < <(psql_q -At -F '|' -c "SET max_parallel_workers_per_gather = 0; SET work_mem = '4GB';" \
		-c "SELECT * FROM public.bench_mem(\$q\$$3\$q\$)") || exit 2
	rows=$(psql_q -At -c "$4") || exit 2
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$n" "$((rows / n))" "${fh:-0}" "${h:-0}" \
		"$(( (${h:-0} - ${fh:-0}) * 1024 / n ))" "$fb" "$b" "$(( (b - fb) * 1024 / n ))"
}
printf 'state\tgroups\trows_per_group\tfloor_hash_kb\thash_kb\thash_bytes_per_group\tfloor_backend_kb\tbackend_kb\tbackend_bytes_per_group\n'
for g in $GROUPS_LIST; do
	measure "pipeline (funnel.pipeline)" deal "g$g" "funnel.pipeline(stage, amount, created_at, closed_at)"
	measure "pipeline (win_rate)" deal "g$g" "funnel.win_rate(stage)"
	measure "pipeline (avg_deal_size, sums only)" deal "g$g" "funnel.avg_deal_size(stage, amount)"
	measure "pipeline (avg_cycle_length, sums only)" deal "g$g" "funnel.avg_cycle_length(stage, created_at, closed_at)"
	measure "pipeline (median_deal_size)" deal "g$g" "funnel.median_deal_size(stage, amount)"
	measure "pipeline (median_cycle_length)" deal "g$g" "funnel.median_cycle_length(stage, created_at, closed_at)"
	measure "conversion_rate" deal "g$g" "funnel.conversion_rate(stage <> 'lead', stage = 'closed_won')"
	measure "window_funnel" events "g$g" "funnel.window_funnel(interval '1 hour', ts, $STEPS)"
	measure "window_funnel_times" events "g$g" "funnel.window_funnel_times(interval '1 hour', ts, $STEPS)"
	measure "sequence_count" events "g$g" "funnel.sequence_count('(?1)(?2)', ts, event = 'visit', event = 'signup')"
	measure "summary (of journeys)" "(SELECT g$g, funnel.journey(stage, at) j FROM history GROUP BY entity_id, g$g) x" "g$g" "funnel.summary(j)"
done
measure "journey" history entity_id "funnel.journey(stage, at)"
# a window aggregate: a running pipeline over the deals, its final value flattened at every row
measure_sql "pipeline (running window, per row)" \
	"SELECT count(*) OVER (ORDER BY id) FROM deal WHERE id <= 200000" \
	"SELECT funnel.deal_count(funnel.pipeline(stage, amount, created_at, closed_at) OVER (ORDER BY id)) FROM deal WHERE id <= 200000" \
	"SELECT count(*) FROM deal WHERE id <= 200000"
