# test/bench/scaling_sql.sh: the SQL of the scaling grid (issue 20), sourced by
# test/bench/scaling.sh (timed) and test/bench/instructions.sh (counted):
#   query_sql FAMILY QUERY G [STATES]   one statement printing one checksum row, for
#       QUERY floor (count(*), per table: deal, history, events; rollup),
#       call (the call floor: bench.noop_agg, test/bench/noop_agg, with the funnel
#       aggregate's arguments, in the floor's query: its answer is the floor's),
#       funnel, plain (the SQL a user would write)
#   events_table_sql ROWS               the events table of ROWS rows
# G = 1 is the query without GROUP BY.

DEAL_FAMILIES="pipeline win_rate avg_deal_size median_deal_size avg_cycle_length median_cycle_length conversion_rate"
EVENT_FAMILIES="window_funnel window_funnel_times sequence_count"
# ---------------------------------------------------------------- SQL
gb() { [ "$1" = 1 ] || echo "GROUP BY $2 % $1"; }          # gb G EXPR
ks() { if [ "$1" = 1 ]; then echo "0 AS k"; else echo "$2 % $1 AS k"; fi; }
mode_sql() {
	case $1 in
	s) echo "SET max_parallel_workers_per_gather = 0; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;" ;;
	p) echo "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;" ;;
	esac
}

WON="stage = 'closed_won'"
CLOSED="stage IN ('closed_won', 'closed_lost')"
STEPS="event = 'visit', event = 'signup', event = 'trial', event = 'purchase'"
STEP="CASE event WHEN 'visit' THEN 1 WHEN 'signup' THEN 2 WHEN 'trial' THEN 3 WHEN 'purchase' THEN 4 END"
win() { echo "interval '$((6 * $1)) milliseconds'"; }     # the funnel window at G users

# the plain-SQL window funnel: per step-1 row the greedy chain (first signup at
# or after it, first trial at or after that, ...), as in test/bench/events.sh
greedy_sql() {  # greedy_sql G: rows (u, ts, step, s2, s3, s4)
	cat <<SQL
SELECT u, ts, step,
       min(ts) FILTER (WHERE step = 2) OVER w AS s2,
       min(c3) FILTER (WHERE step = 2) OVER w AS s3,
       min(c4) FILTER (WHERE step = 2) OVER w AS s4
FROM (SELECT u, ts, step,
             min(ts) FILTER (WHERE step = 3) OVER w AS c3,
             min(p4) FILTER (WHERE step = 3) OVER w AS c4
      FROM (SELECT u, ts, step,
                   min(ts) FILTER (WHERE step = 4) OVER w AS p4
            FROM (SELECT $(ks "$1" id | sed 's/ AS k/ AS u/'), ts, $STEP AS step
                  FROM events WHERE event IN ('visit', 'signup', 'trial', 'purchase')) e
            WINDOW w AS (PARTITION BY u ORDER BY ts DESC)) l1
      WINDOW w AS (PARTITION BY u ORDER BY ts DESC)) l2
WINDOW w AS (PARTITION BY u ORDER BY ts DESC)
SQL
}

# journeys: the plain-SQL report of test/bench/journeys.sh, per group k
journey_plain() {  # journey_plain G
	cat <<SQL
WITH st(position, stage, open_rank) AS (
    VALUES (1, 'lead'::funnel.sales_stage, 1), (2, 'qualified', 2), (3, 'proposal', 3),
           (4, 'negotiation', 4), (5, 'closed_won', NULL), (6, 'closed_lost', NULL)
),
ev AS (
    SELECT h.entity_id, $(ks "$1" h.entity_id), h.stage, st.position, st.open_rank,
           lead(h.at) OVER w - h.at AS visit
    FROM history h JOIN st USING (stage)
    WINDOW w AS (PARTITION BY h.entity_id ORDER BY h.at, h.stage)
),
ent AS (
    SELECT entity_id, k, max(open_rank) AS furthest, bit_or(1 << position) AS entered,
           bool_or(visit IS NULL AND stage = 'closed_won') AS won
    FROM ev GROUP BY entity_id, k
),
profile AS (SELECT k, furthest, entered, won, count(*) AS n FROM ent GROUP BY k, furthest, entered, won),
counts AS (
    SELECT p.k, st.position, st.stage, st.open_rank,
           coalesce(sum(p.n) FILTER (WHERE CASE WHEN st.open_rank IS NULL THEN p.entered & (1 << st.position) <> 0
                                                ELSE p.furthest >= st.open_rank END), 0)::bigint AS reached,
           coalesce(sum(p.n) FILTER (WHERE p.entered & (1 << st.position) <> 0), 0)::bigint AS entered,
           coalesce(sum(p.n) FILTER (WHERE p.furthest = st.open_rank AND NOT p.won), 0)::bigint AS drop_off
    FROM st CROSS JOIN profile p
    GROUP BY p.k, st.position, st.stage, st.open_rank
),
times AS (
    SELECT k, stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY visit) AS median
    FROM ev WHERE visit IS NOT NULL GROUP BY k, stage
)
SELECT count(*), sum(c.reached), sum(c.entered), sum(CASE WHEN c.open_rank IS NOT NULL THEN c.drop_off END),
       sum(extract(epoch FROM t.median))
FROM counts c LEFT JOIN times t USING (k, stage)
SQL
}

# the arguments each family's funnel aggregate is called with, per row: the funnel
# queries below and their call floors (call_sql) both take them from here
call_args() {  # call_args FAMILY G
	case $1 in
	pipeline) echo "stage, amount, created_at, closed_at" ;;
	win_rate) echo "stage" ;;
	avg_deal_size | median_deal_size) echo "stage, amount" ;;
	avg_cycle_length | median_cycle_length) echo "stage, created_at, closed_at" ;;
	conversion_rate) echo "stage <> 'lead', $WON" ;;
	journey) echo "stage, at" ;;
	window_funnel | window_funnel_times) echo "$(win "$2"), ts, $STEPS" ;;
	sequence_count) echo "'(?1)(?2)', ts, event = 'visit', event = 'signup'" ;;
	*) echo "call_args: no $1" >&2; exit 2 ;;
	esac
}

# the journeys' query shape, for funnel and its report floor alike: ENTITY_AGG per
# entity (j), GROUP_AGG(j) per group k (t.s), REPORT over t.s in FROM (r), summed
journey_report_sql() {  # journey_report_sql G ENTITY_AGG GROUP_AGG REPORT
	cat <<SQL
SELECT count(*), sum(r.reached), sum(r.entered), sum(r.drop_off) + coalesce(sum(r.in_progress), 0),
       sum(extract(epoch FROM r.median_time_in_stage))
FROM (SELECT $3(j) s
      FROM (SELECT $(ks "$1" entity_id), $2 j FROM history GROUP BY entity_id) x
      $([ "$1" = 1 ] || echo "GROUP BY k")) t,
     $4 r
SQL
}

# the call floor of a family: its table's floor query with bench.noop_agg(the
# funnel aggregate's arguments) in place of the (innermost) count(*); the same
# answer as the floor.  Journey: the report floor, the funnel query's shape with
# nothing of funnel's in it -- noop_agg per entity with journey's arguments,
# noop_agg per group over those, and bench.noop_report (stage_report's rows and
# columns, made without reading anything) in FROM, summed as the funnel query
# sums stage_report's; its count(*), the report's rows, equals funnel's
call_sql() {  # call_sql FAMILY G
	local a
	a=$(call_args "$1" "$2") || exit 2
	case $1 in
	journey) journey_report_sql "$2" "bench.noop_agg($a)" "bench.noop_agg" "bench.noop_report(t.s, 6)" ;;
	window_funnel | window_funnel_times | sequence_count) echo "SELECT count(*), sum(c) FROM (SELECT bench.noop_agg($a) c FROM events $(gb "$2" id)) s" ;;
	*) echo "SELECT count(*), sum(c) FROM (SELECT bench.noop_agg($a) c FROM deal $(gb "$2" id)) s" ;;
	esac
}

# query_sql FAMILY QUERY G [STATES]: one statement printing one checksum row
query_sql() {
	local f=$1 q=$2 g=$3 x
	case $f.$q in
	deal.floor) echo "SELECT count(*), sum(c) FROM (SELECT count(*) c FROM deal $(gb "$g" id)) s" ;;
	history.floor) echo "SELECT count(*), sum(c) FROM (SELECT count(*) c FROM (SELECT $(ks "$g" entity_id), count(*) c FROM history GROUP BY entity_id) x $([ "$g" = 1 ] || echo "GROUP BY k")) s" ;;
	events.floor) echo "SELECT count(*), sum(c) FROM (SELECT count(*) c FROM events $(gb "$g" id)) s" ;;
	pipeline.funnel) cat <<SQL
SELECT count(*), sum(wr), sum(ads), sum(mds), sum(extract(epoch FROM acl)), sum(extract(epoch FROM mcl)), sum(ov) FROM (
    SELECT funnel.win_rate(p) wr, funnel.avg_deal_size(p) ads, funnel.deal_size_quantile(p, 0.5) mds,
           funnel.avg_cycle_length(p) acl, funnel.cycle_length_quantile(p, 0.5) mcl, funnel.open_value(p) ov
    FROM (SELECT funnel.pipeline($(call_args pipeline "$g")) p FROM deal $(gb "$g" id)) g) s
SQL
	;;
	pipeline.plain) cat <<SQL
SELECT count(*), sum(wr), sum(ads), sum(mds), sum(extract(epoch FROM acl)), sum(extract(epoch FROM mcl)), sum(ov) FROM (
    SELECT count(*) FILTER (WHERE $WON)::float8 / nullif(count(*) FILTER (WHERE $CLOSED), 0) wr,
           avg(amount) FILTER (WHERE $WON) ads,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FILTER (WHERE $WON) mds,
           avg(closed_at - created_at) FILTER (WHERE $CLOSED) acl,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at) FILTER (WHERE $CLOSED) mcl,
           sum(amount) FILTER (WHERE NOT $CLOSED) ov
    FROM deal $(gb "$g" id)) s
SQL
	;;
	win_rate.funnel) x="funnel.win_rate($(call_args win_rate "$g"))" ;;
	win_rate.plain) x="count(*) FILTER (WHERE $WON)::float8 / nullif(count(*) FILTER (WHERE $CLOSED), 0)" ;;
	avg_deal_size.funnel) x="funnel.avg_deal_size($(call_args avg_deal_size "$g"))" ;;
	avg_deal_size.plain) x="avg(amount) FILTER (WHERE $WON)" ;;
	median_deal_size.funnel) x="funnel.median_deal_size($(call_args median_deal_size "$g"))" ;;
	median_deal_size.plain) x="percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FILTER (WHERE $WON)" ;;
	avg_cycle_length.funnel) x="extract(epoch FROM funnel.avg_cycle_length($(call_args avg_cycle_length "$g")))" ;;
	avg_cycle_length.plain) x="extract(epoch FROM avg(closed_at - created_at) FILTER (WHERE $CLOSED))" ;;
	median_cycle_length.funnel) x="extract(epoch FROM funnel.median_cycle_length($(call_args median_cycle_length "$g")))" ;;
	median_cycle_length.plain) x="extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at) FILTER (WHERE $CLOSED))" ;;
	conversion_rate.funnel) x="funnel.conversion_rate($(call_args conversion_rate "$g"))" ;;
	conversion_rate.plain) x="count(*) FILTER (WHERE stage <> 'lead' AND $WON)::float8 / nullif(count(*) FILTER (WHERE stage <> 'lead'), 0)" ;;
	journey.funnel) journey_report_sql "$g" "funnel.journey($(call_args journey "$g"))" "funnel.summary" "funnel.stage_report(t.s)" ;;
	journey.plain) journey_plain "$g" ;;
	window_funnel.funnel) echo "SELECT sum(l), sum(l * l) FROM (SELECT funnel.window_funnel($(call_args window_funnel "$g")) l FROM events $(gb "$g" id)) s" ;;
	window_funnel.plain) cat <<SQL
SELECT sum(l), sum(l * l) FROM (
    SELECT max(CASE WHEN s4 <= ts + $(win "$g") THEN 4 WHEN s3 <= ts + $(win "$g") THEN 3
                    WHEN s2 <= ts + $(win "$g") THEN 2 ELSE 1 END) FILTER (WHERE step = 1) l
    FROM ($(greedy_sql "$g")) c GROUP BY u) s
SQL
	;;
	window_funnel_times.funnel) cat <<SQL
SELECT sum(cardinality(t)), sum(coalesce(extract(epoch FROM t[2]), 0) + coalesce(extract(epoch FROM t[3]), 0)
                                + coalesce(extract(epoch FROM t[4]), 0))
FROM (SELECT funnel.window_funnel_times($(call_args window_funnel_times "$g")) t FROM events $(gb "$g" id)) s
SQL
	;;
	window_funnel_times.plain) cat <<SQL
SELECT sum(l), sum(tt) FROM (
    SELECT DISTINCT ON (u) u, l,
           CASE WHEN l >= 2 THEN extract(epoch FROM s2 - ts) ELSE 0 END
           + CASE WHEN l >= 3 THEN extract(epoch FROM s3 - ts) ELSE 0 END
           + CASE WHEN l >= 4 THEN extract(epoch FROM s4 - ts) ELSE 0 END AS tt
    FROM (SELECT u, ts, s2, s3, s4,
                 CASE WHEN s4 <= ts + $(win "$g") THEN 4 WHEN s3 <= ts + $(win "$g") THEN 3
                      WHEN s2 <= ts + $(win "$g") THEN 2 ELSE 1 END AS l
          FROM ($(greedy_sql "$g")) c WHERE step = 1) y
    ORDER BY u, l DESC, CASE l WHEN 4 THEN s4 WHEN 3 THEN s3 WHEN 2 THEN s2 ELSE ts END - ts, s2 - ts, s3 - ts) z
SQL
	;;
	sequence_count.funnel) echo "SELECT coalesce(sum(c), 0) FROM (SELECT funnel.sequence_count($(call_args sequence_count "$g")) c FROM events $(gb "$g" id)) s" ;;
	sequence_count.plain) cat <<SQL
SELECT count(*) FROM (
    SELECT event, lead(event) OVER (PARTITION BY u ORDER BY ts) nxt
    FROM (SELECT $(ks "$g" id | sed 's/ AS k/ AS u/'), ts, event FROM events WHERE event IN ('visit', 'signup')) e) x
WHERE event = 'visit' AND nxt = 'signup'
SQL
	;;
	rollup.floor) echo "SELECT count(*) FROM summ_$4" ;;
	rollup.funnel) echo "SELECT count(*), sum(reached), sum(entered), sum(drop_off) + coalesce(sum(in_progress), 0) FROM funnel.stage_report((SELECT funnel.rollup(s) FROM summ_$4))" ;;
	rollup.plain) echo "SELECT count(*), sum(reached), sum(entered), sum(drop_off) FROM (SELECT position, sum(reached) reached, sum(entered) entered, sum(drop_off) drop_off FROM counts_$4 GROUP BY position) s" ;;
	*.call) call_sql "$f" "$g" ;;
	*) echo "query_sql: no $f.$q" >&2; exit 2 ;;
	esac
	[ -n "${x:-}" ] && echo "SELECT count(*), sum(x) FROM (SELECT $x x FROM deal $(gb "$g" id)) s"
	return 0
}


# the events table: row i at 2025-03-01 + i ms, user i % G, 8 event types
events_table_sql() {  # events_table_sql ROWS
	cat <<SQL
SELECT setseed(0.2020);
CREATE TABLE events AS
SELECT id, ts, CASE WHEN u < 0.20 THEN 'visit' WHEN u < 0.32 THEN 'signup' WHEN u < 0.40 THEN 'trial'
                    WHEN u < 0.45 THEN 'purchase' WHEN u < 0.65 THEN 'pageview' WHEN u < 0.80 THEN 'search'
                    WHEN u < 0.92 THEN 'pricing' ELSE 'support' END AS event
FROM (SELECT id, timestamptz '2025-03-01 00:00+00' + id * interval '1 millisecond' AS ts, random() AS u
      FROM generate_series(1::bigint, $1) id) g;
VACUUM ANALYZE events;
SQL
}
