-- pipeline_differential.sql: funnel.pipeline's accessors and the direct aggregates
-- against plain SQL (count(*) FILTER, avg, percentile_cont, interval arithmetic) on
-- seeded random deals: grouped (by group, owner, segment) and ungrouped; serial
-- (sorted and hashed, spilling), with parallel aggregation forced on, and through
-- funnel.rollup of per-day states (serial and parallel).
-- Quantiles must be bit-for-bit percentile_cont while at most 1024 values are
-- involved, within 1% above; every other figure exactly equal.
-- The output is counts of mismatches (all 0) and a few coverage rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';

------------------------------------------------------------------------------
-- 1. Random deals
------------------------------------------------------------------------------
CREATE TABLE pd_deal (
    grp         int,
    owner       int,
    segment     text,
    stage       funnel.sales_stage,
    amount      numeric,
    created_at  timestamptz,
    closed_at   timestamptz
);

-- n deals of group g: outcome won with probability pw, lost with pl, else one of the
-- open stages (NULL stage with probability pnull_stage); NULL amount / created_at /
-- closed_at with the given probabilities; closed_at before created_at with pneg.
-- amounts: 'normal' (0 .. 100000, 2 decimals, 3% zeros), 'large' (0, 1e15 and
-- thereabouts with 2 decimals), 'scales' (scales 0 to 40, negatives, 1e40, 39
-- digits), 'ties' (0, 100 or 200); cycles: 'normal' (0 .. 120 days, microseconds,
-- 2% zero), 'ties' (0, 1 or 2 days).
CREATE FUNCTION pg_temp.gen(g int, n int, pw float8, pl float8,
                            pnull_amount float8 DEFAULT 0.05, pnull_created float8 DEFAULT 0.03,
                            pnull_closed float8 DEFAULT 0.03, pneg float8 DEFAULT 0.02,
                            amounts text DEFAULT 'normal', cycles text DEFAULT 'normal',
                            pnull_stage float8 DEFAULT 0.01)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    i int; r float8; st funnel.sales_stage; a numeric; c timestamptz; x timestamptz;
BEGIN
    FOR i IN 1 .. n LOOP
        r := random();
        st := CASE WHEN random() < pnull_stage THEN NULL
                   WHEN r < pw THEN 'closed_won'
                   WHEN r < pw + pl THEN 'closed_lost'
                   ELSE (ARRAY['lead', 'qualified', 'proposal', 'negotiation'])[1 + floor(random() * 4)::int]
              END;
        r := random();
        a := CASE WHEN random() < pnull_amount THEN NULL
                  WHEN amounts = 'normal' THEN CASE WHEN r < 0.03 THEN 0 ELSE round((random() * 100000)::numeric, 2) END
                  WHEN amounts = 'large' THEN CASE WHEN r < 0.2 THEN 0 WHEN r < 0.4 THEN 999999999999999.99
                                                   WHEN r < 0.5 THEN 1e15
                                                   ELSE round((random() * 1e15)::numeric, 2) END
                  WHEN amounts = 'scales' THEN CASE WHEN r < 0.3 THEN round((random() * 1000)::numeric, floor(random() * 7)::int)
                                                    WHEN r < 0.45 THEN -round((random() * 500)::numeric, 2)
                                                    WHEN r < 0.55 THEN 1e-35
                                                    WHEN r < 0.6 THEN 1.0000000000000000000000000000000000000001
                                                    WHEN r < 0.7 THEN 1e40
                                                    WHEN r < 0.8 THEN 123456789012345678901234567890.123456789
                                                    WHEN r < 0.9 THEN 0.000
                                                    ELSE round((random() * 1e6)::numeric, 4) END
                  ELSE (floor(random() * 3) * 100)::numeric
             END;
        c := CASE WHEN random() < pnull_created THEN NULL
                  ELSE '2024-01-01'::timestamptz + random() * interval '60 days' END;
        r := random();
        x := CASE WHEN random() < pnull_closed THEN NULL
                  WHEN c IS NULL THEN '2024-03-01'::timestamptz + random() * interval '30 days'
                  WHEN random() < pneg THEN c - random() * interval '10 days'
                  WHEN cycles = 'ties' THEN c + floor(random() * 3) * interval '1 day'
                  WHEN r < 0.02 THEN c
                  ELSE c + random() * interval '120 days' END;
        INSERT INTO pd_deal VALUES (g, 1 + floor(random() * 25)::int,
                                    (ARRAY['smb', 'mid', 'ent', 'gov'])[1 + floor(random() * 4)::int],
                                    st, a, c, x);
    END LOOP;
END
$$;

DO $$
BEGIN
    PERFORM setseed(0.5);
    PERFORM pg_temp.gen(1, 1, 1, 0, 0, 0, 0, 0, pnull_stage => 0);                -- one row: won
    PERFORM pg_temp.gen(2, 1, 0, 0, 1, 0, 0, 0, pnull_stage => 0);                -- one row: open, NULL amount
    PERFORM pg_temp.gen(3, 40, 0, 1);                                             -- all lost
    PERFORM pg_temp.gen(4, 40, 0, 0);                                             -- all open
    PERFORM pg_temp.gen(5, 60, 0.4, 0.3, pnull_amount => 1);                      -- NULL amounts only
    PERFORM pg_temp.gen(6, 60, 0.4, 0.3, pnull_closed => 1);                      -- NULL closed_at only
    PERFORM pg_temp.gen(7, 60, 0.4, 0.3, pnull_created => 0.7);                   -- mostly NULL created_at
    PERFORM pg_temp.gen(8, 200, 0.4, 0.3, amounts => 'large');                    -- zero and ~1e15 amounts
    PERFORM pg_temp.gen(9, 100, 0.4, 0.4, pneg => 0.4);                           -- many closed_at < created_at
    PERFORM pg_temp.gen(10, 1024, 1, 0, 0, 0, 0, 0, pnull_stage => 0);            -- exactly 1024 won: exact
    PERFORM pg_temp.gen(10, 200, 0, 0.5);                                         --   (+ lost: all cycles sketch)
    PERFORM pg_temp.gen(11, 1025, 1, 0, 0, 0, 0, 0, pnull_stage => 0);            -- 1025 won: sketch
    PERFORM pg_temp.gen(12, 5000, 0.6, 0.2);                                      -- big mixed group: sketch
    PERFORM pg_temp.gen(13, 600, 1, 0, 0, 0, 0, 0, pnull_stage => 0);             -- 600 won + 600 lost cycles:
    PERFORM pg_temp.gen(13, 600, 0, 1, 0, 0, 0, 0, pnull_stage => 0);             --   won exact, all sketch
    PERFORM pg_temp.gen(14, 20, 0.5, 0.2, pnull_stage => 1);                      -- only NULL stages
    -- (group 15 has no rows at all)
    PERFORM pg_temp.gen(16, 300, 0.4, 0.3, amounts => 'scales');                  -- odd scales, huge sums
    PERFORM pg_temp.gen(17, 300, 0.4, 0.3, amounts => 'ties', cycles => 'ties');  -- ties
    PERFORM pg_temp.gen(18, 3000, 0.5, 0.2, amounts => 'ties', cycles => 'ties'); -- ties, sketch
    PERFORM pg_temp.gen(19, 500, 1, 0, 0, 0, 0, 0, pnull_stage => 0);             -- 500 won + 500 lost:
    PERFORM pg_temp.gen(19, 500, 0, 1, 0, 0, 0, 0, pnull_stage => 0);             --   all exact (1000)
    PERFORM pg_temp.gen(g, floor(random() * 150)::int, random() * 0.6, random() * 0.3)
    FROM generate_series(20, 45) g;                                              -- ordinary groups
    PERFORM pg_temp.gen(46, 3, 0, 0, 0, 0, 0, 0, pnull_stage => 0);               -- small, open only
END
$$;

-- The rows per grouping: by group, by owner, by segment, and all rows together.
-- (A regular table, so that it can be scanned in parallel; shuffled, so that every
-- parallel worker sees rows of every group and the leader combines real states.)
CREATE TABLE pd_input AS
SELECT * FROM (SELECT 'grp' AS mode, grp::text AS k, d.* FROM pd_deal d
               UNION ALL SELECT 'owner', owner::text, d.* FROM pd_deal d
               UNION ALL SELECT 'segment', segment, d.* FROM pd_deal d
               UNION ALL SELECT 'all', '', d.* FROM pd_deal d) s
ORDER BY random();
ALTER TABLE pd_input ADD COLUMN day date;
UPDATE pd_input SET day = coalesce(created_at, closed_at, '2024-06-01')::date;
ANALYZE pd_input;

-- every group, including the empty one
CREATE TEMP TABLE pd_key AS
SELECT DISTINCT mode, k FROM pd_input
UNION SELECT 'grp', '15';

------------------------------------------------------------------------------
-- 2. The plain-SQL answers
------------------------------------------------------------------------------
CREATE TEMP TABLE pd_q AS SELECT '{0,0.01,0.1,0.25,0.3,0.5,0.66,0.75,0.9,0.99,1}'::float8[] AS qs;

CREATE TEMP TABLE pd_ref AS
SELECT mode, k,
       count(stage) AS deals,
       count(*) FILTER (WHERE o = 'won') AS won,
       count(*) FILTER (WHERE o = 'lost') AS lost,
       count(*) FILTER (WHERE o = 'open') AS open,
       count(*) FILTER (WHERE o = 'won')::float8 / nullif(count(*) FILTER (WHERE o <> 'open'), 0) AS win_rate,
       avg(amount) FILTER (WHERE o = 'won') AS avg_deal,
       count(amount) FILTER (WHERE o = 'won') AS n_amounts,
       percentile_cont((SELECT qs FROM pd_q)) WITHIN GROUP (ORDER BY amount) FILTER (WHERE o = 'won') AS deal_q,
       avg(closed_at - created_at) FILTER (WHERE o <> 'open' AND closed_at >= created_at) AS cyc_all,
       avg(closed_at - created_at) FILTER (WHERE o = 'won' AND closed_at >= created_at) AS cyc_won,
       count(*) FILTER (WHERE o <> 'open' AND closed_at >= created_at) AS n_cyc_all,
       count(*) FILTER (WHERE o = 'won' AND closed_at >= created_at) AS n_cyc_won,
       percentile_cont((SELECT qs FROM pd_q)) WITHIN GROUP (ORDER BY closed_at - created_at)
         FILTER (WHERE o <> 'open' AND closed_at >= created_at) AS cyc_all_q,
       percentile_cont((SELECT qs FROM pd_q)) WITHIN GROUP (ORDER BY closed_at - created_at)
         FILTER (WHERE o = 'won' AND closed_at >= created_at) AS cyc_won_q,
       -- the exact average won cycle in days, for sales_velocity
       sum(extract(epoch FROM closed_at - created_at)) FILTER (WHERE o = 'won' AND closed_at >= created_at)
         / nullif(count(*) FILTER (WHERE o = 'won' AND closed_at >= created_at), 0) / 86400 AS won_days,
       coalesce(sum(amount) FILTER (WHERE o = 'open'), 0) AS open_value,
       coalesce(sum(amount * funnel.probability(stage)::numeric) FILTER (WHERE o = 'open'), 0) AS weighted,
       count(*) FILTER (WHERE o <> 'open' AND closed_at < created_at) AS negative,
       count(*) FILTER (WHERE stage >= 'proposal' AND o = 'won')::float8
         / nullif(count(*) FILTER (WHERE stage >= 'proposal'), 0) AS conv
FROM (SELECT *, CASE WHEN stage IS NULL THEN NULL WHEN stage = 'closed_won' THEN 'won'
                      WHEN stage = 'closed_lost' THEN 'lost' ELSE 'open' END AS o
      FROM pd_input) d
GROUP BY mode, k;

------------------------------------------------------------------------------
-- 3. The extension's answers, in several ways
------------------------------------------------------------------------------
CREATE TEMP TABLE pd_ext (
    run text, mode text, k text, p funnel.pipeline,
    wr float8, ads numeric, mds float8, dsq float8, acl interval, mcl interval, conv float8
);

-- serial, sorted grouping
SET enable_hashagg = off;
INSERT INTO pd_ext
SELECT 'serial sorted', mode, k, funnel.pipeline(stage, amount, created_at, closed_at),
       funnel.win_rate(stage), funnel.avg_deal_size(stage, amount), funnel.median_deal_size(stage, amount),
       funnel.deal_size_quantile(stage, amount, 0.3), funnel.avg_cycle_length(stage, created_at, closed_at),
       funnel.median_cycle_length(stage, created_at, closed_at),
       funnel.conversion_rate(stage >= 'proposal', stage = 'closed_won')
FROM pd_input GROUP BY mode, k;
RESET enable_hashagg;

-- serial, hashed grouping with little memory (spills to disk)
SET enable_sort = off;
SET work_mem = '64kB';
INSERT INTO pd_ext
SELECT 'serial hashed', mode, k, funnel.pipeline(stage, amount, created_at, closed_at),
       funnel.win_rate(stage), funnel.avg_deal_size(stage, amount), funnel.median_deal_size(stage, amount),
       funnel.deal_size_quantile(stage, amount, 0.3), funnel.avg_cycle_length(stage, created_at, closed_at),
       funnel.median_cycle_length(stage, created_at, closed_at),
       funnel.conversion_rate(stage >= 'proposal', stage = 'closed_won')
FROM pd_input GROUP BY mode, k;
RESET work_mem;

-- parallel (INSERT ... SELECT is never parallel: CREATE TABLE AS is)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- the workers do all the partial aggregation
-- the plan's aggregation and parallel nodes, from EXPLAIN (COSTS OFF) (hashed or
-- sorted: the planner's choice, so both read "Aggregate"; Gather Merge reads "Gather")
\i sql/_helpers.sql
SELECT pg_temp.plan_nodes($$CREATE TEMP TABLE pd_par AS
SELECT 'parallel' AS run, mode, k, funnel.pipeline(stage, amount, created_at, closed_at) AS p,
       funnel.win_rate(stage) AS wr, funnel.avg_deal_size(stage, amount) AS ads,
       funnel.median_deal_size(stage, amount) AS mds,
       funnel.deal_size_quantile(stage, amount, 0.3) AS dsq, funnel.avg_cycle_length(stage, created_at, closed_at) AS acl,
       funnel.median_cycle_length(stage, created_at, closed_at) AS mcl,
       funnel.conversion_rate(stage >= 'proposal', stage = 'closed_won') AS conv
FROM pd_input GROUP BY mode, k$$);
CREATE TEMP TABLE pd_par AS
SELECT 'parallel' AS run, mode, k, funnel.pipeline(stage, amount, created_at, closed_at) AS p,
       funnel.win_rate(stage) AS wr, funnel.avg_deal_size(stage, amount) AS ads,
       funnel.median_deal_size(stage, amount) AS mds,
       funnel.deal_size_quantile(stage, amount, 0.3) AS dsq, funnel.avg_cycle_length(stage, created_at, closed_at) AS acl,
       funnel.median_cycle_length(stage, created_at, closed_at) AS mcl,
       funnel.conversion_rate(stage >= 'proposal', stage = 'closed_won') AS conv
FROM pd_input GROUP BY mode, k;
INSERT INTO pd_ext SELECT * FROM pd_par;

-- per-day states (a regular table, so that rollup can run in parallel too) ...
CREATE TABLE pd_daily AS
SELECT * FROM (SELECT mode, k, day, funnel.pipeline(stage, amount, created_at, closed_at) AS p
               FROM pd_input GROUP BY mode, k, day) s
ORDER BY random();
ANALYZE pd_daily;
-- ... rolled up in parallel ...
SELECT pg_temp.plan_nodes($$CREATE TEMP TABLE pd_roll AS
SELECT mode, k, funnel.rollup(p) AS p FROM pd_daily GROUP BY mode, k$$);
CREATE TEMP TABLE pd_roll AS
SELECT mode, k, funnel.rollup(p) AS p FROM pd_daily GROUP BY mode, k;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
INSERT INTO pd_ext
SELECT 'rollup parallel', mode, k, p, funnel.win_rate(p), funnel.avg_deal_size(p),
       funnel.deal_size_quantile(p, 0.5), funnel.deal_size_quantile(p, 0.3), funnel.avg_cycle_length(p),
       funnel.cycle_length_quantile(p, 0.5), NULL
FROM pd_roll;
-- ... and serially, from the days in reverse order
SET enable_hashagg = off;
INSERT INTO pd_ext
SELECT 'rollup serial', mode, k, p, funnel.win_rate(p), funnel.avg_deal_size(p),
       funnel.deal_size_quantile(p, 0.5), funnel.deal_size_quantile(p, 0.3), funnel.avg_cycle_length(p),
       funnel.cycle_length_quantile(p, 0.5), NULL
FROM (SELECT mode, k, funnel.rollup(p ORDER BY day DESC) AS p FROM pd_daily GROUP BY mode, k) s;
RESET enable_hashagg;
RESET enable_sort;

------------------------------------------------------------------------------
-- 4. Comparison
------------------------------------------------------------------------------
-- a: the extension's float8, b: plain SQL, exact when n <= 1024, else within 1%
CREATE FUNCTION pg_temp.q_ok(a float8, b float8, n bigint) RETURNS bool LANGUAGE sql AS $$
    SELECT CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
                WHEN n <= 1024 THEN a = b
                ELSE abs(a - b) <= 0.01 * abs(b) END
$$;
CREATE FUNCTION pg_temp.q_ok(a interval, b interval, n bigint) RETURNS bool LANGUAGE sql AS $$
    SELECT CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
                WHEN n <= 1024 THEN a::text = b::text
                ELSE abs(extract(epoch FROM a) - extract(epoch FROM b)) <= 0.01 * abs(extract(epoch FROM b)) END
$$;
-- the quantile fractions with their plain-SQL position
CREATE TEMP VIEW pd_qi AS SELECT i, (SELECT qs FROM pd_q)[i] AS q FROM generate_series(1, 11) i;

CREATE TEMP VIEW pd_check AS
SELECT runs.run, key.mode, key.k, c.metric, c.ok
FROM pd_key key
CROSS JOIN (SELECT DISTINCT run FROM pd_ext) runs
LEFT JOIN pd_ref r USING (mode, k)
LEFT JOIN pd_ext e ON e.run = runs.run AND e.mode = key.mode AND e.k = key.k
CROSS JOIN LATERAL (VALUES
    ('state', (e.p IS NULL) = (coalesce(r.deals, 0) = 0)),
    ('text round trip', e.p IS NULL OR e.p::text::funnel.pipeline::text = e.p::text),
    ('sketch mode exactly above 1024 values',
        e.p IS NULL OR ((e.p::text::jsonb->'won_amounts' ? 'pos') = (r.n_amounts > 1024)
                        AND (e.p::text::jsonb->'won_cycles' ? 'pos') = (r.n_cyc_won > 1024)
                        AND (e.p::text::jsonb->'lost_cycles' ? 'pos') = (r.n_cyc_all - r.n_cyc_won > 1024))),
    ('deal_count', funnel.deal_count(e.p) IS NOT DISTINCT FROM nullif(r.deals, 0)),
    ('won_count', funnel.won_count(e.p) IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.won END),
    ('lost_count', funnel.lost_count(e.p) IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.lost END),
    ('open_count', funnel.open_count(e.p) IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.open END),
    ('win_rate', funnel.win_rate(e.p) IS NOT DISTINCT FROM r.win_rate),
    ('avg_deal_size', funnel.avg_deal_size(e.p)::text IS NOT DISTINCT FROM r.avg_deal::text),
    ('deal_size_quantile', (SELECT bool_and(pg_temp.q_ok(funnel.deal_size_quantile(e.p, q), r.deal_q[i], r.n_amounts))
                            FROM pd_qi)),
    ('avg_cycle_length', funnel.avg_cycle_length(e.p)::text IS NOT DISTINCT FROM r.cyc_all::text),
    ('avg_cycle_length won', funnel.avg_cycle_length(e.p, true)::text IS NOT DISTINCT FROM r.cyc_won::text),
    ('cycle_length_quantile', (SELECT bool_and(pg_temp.q_ok(funnel.cycle_length_quantile(e.p, q), r.cyc_all_q[i], r.n_cyc_all))
                               FROM pd_qi)),
    ('cycle_length_quantile won', (SELECT bool_and(pg_temp.q_ok(funnel.cycle_length_quantile(e.p, q, true), r.cyc_won_q[i], r.n_cyc_won))
                                   FROM pd_qi)),
    ('open_value', funnel.open_value(e.p)::text IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.open_value::text END),
    ('weighted_value', funnel.weighted_value(e.p)::text IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.weighted::text END),
    ('negative_cycles', funnel.negative_cycles(e.p) IS NOT DISTINCT FROM CASE WHEN r.deals > 0 THEN r.negative END),
    ('sales_velocity', CASE WHEN r.open * r.win_rate * r.avg_deal::float8 / nullif(r.won_days, 0)::float8 IS NULL
                            THEN funnel.sales_velocity(e.p) IS NULL
                            WHEN r.open * r.win_rate * r.avg_deal = 0 THEN funnel.sales_velocity(e.p) = 0
                            ELSE abs(funnel.sales_velocity(e.p)
                                     / (r.open * r.win_rate * r.avg_deal::float8 / r.won_days::float8) - 1) <= 1e-9 END),
    ('direct win_rate', e.wr IS NOT DISTINCT FROM r.win_rate),
    ('direct avg_deal_size', e.ads::text IS NOT DISTINCT FROM r.avg_deal::text),
    ('direct median_deal_size', pg_temp.q_ok(e.mds, r.deal_q[6], r.n_amounts)),
    ('direct deal_size_quantile', pg_temp.q_ok(e.dsq, r.deal_q[5], r.n_amounts)),
    ('direct avg_cycle_length', e.acl::text IS NOT DISTINCT FROM r.cyc_all::text),
    ('direct median_cycle_length', pg_temp.q_ok(e.mcl, r.cyc_all_q[6], r.n_cyc_all)),
    ('direct conversion_rate', runs.run LIKE 'rollup%' OR e.conv IS NOT DISTINCT FROM r.conv)
) c(metric, ok);

-- mismatches per run (every group of every grouping, every figure): all 0
SELECT run, count(DISTINCT (mode, k)) AS groups, count(*) AS checks,
       count(*) FILTER (WHERE ok IS NOT TRUE) AS mismatches,
       string_agg(DISTINCT metric, ', ') FILTER (WHERE ok IS NOT TRUE) AS failing
FROM pd_check GROUP BY run ORDER BY run;

-- every run reaches the same state as the serial one, in exact and in sketch mode
-- (the stage order inside the text form may differ; everything else is identical)
SELECT e.run, count(*) AS groups,
       count(*) FILTER (WHERE pg_temp.norm(e.p) IS DISTINCT FROM pg_temp.norm(s.p)) AS different_states
FROM pd_ext e JOIN pd_ext s ON s.run = 'serial sorted' AND s.mode = e.mode AND s.k = e.k
WHERE e.run <> 'serial sorted'
GROUP BY e.run ORDER BY e.run;

-- coverage: what the groups above contain
SELECT count(*) FILTER (WHERE coalesce(deals, 0) = 0) AS empty_groups,
       count(*) FILTER (WHERE deals = 1) AS one_row_groups,
       count(*) FILTER (WHERE deals > 0 AND won = 0 AND open = 0) AS all_lost,
       count(*) FILTER (WHERE deals > 0 AND won = 0 AND lost = 0) AS all_open,
       count(*) FILTER (WHERE n_amounts > 1024) AS sketch_amounts,
       count(*) FILTER (WHERE n_amounts BETWEEN 2 AND 1024) AS exact_amounts,
       count(*) FILTER (WHERE n_amounts = 1024) AS exactly_1024,
       count(*) FILTER (WHERE n_cyc_all > 1024 AND n_cyc_won <= 1024) AS sketch_all_exact_won,
       count(*) FILTER (WHERE negative > 0) AS with_negative_cycles,
       count(*) FILTER (WHERE deals > 0 AND win_rate IS NULL) AS no_win_rate
FROM pd_key LEFT JOIN pd_ref USING (mode, k)
WHERE mode = 'grp';
SELECT count(*) FILTER (WHERE amount IS NULL) > 0 AS null_amounts,
       count(*) FILTER (WHERE amount = 0) > 0 AS zero_amounts,
       count(*) FILTER (WHERE amount >= 1e15) > 0 AS huge_amounts,
       count(*) FILTER (WHERE amount < 0) > 0 AS negative_amounts,
       count(*) FILTER (WHERE scale(amount) > 30) > 0 AS scale_over_30,
       count(*) FILTER (WHERE stage IS NULL) > 0 AS null_stages,
       count(*) FILTER (WHERE created_at IS NULL) > 0 AS null_created,
       count(*) FILTER (WHERE closed_at IS NULL AND stage IN ('closed_won', 'closed_lost')) > 0 AS closed_without_closed_at,
       count(*) FILTER (WHERE closed_at < created_at AND stage NOT IN ('closed_won', 'closed_lost')) > 0 AS open_with_negative
FROM pd_deal;
-- the ungrouped figures (sketch mode: 1% bounds hold, see above)
SELECT r.deals, r.won, r.lost, r.open, r.n_amounts > 1024 AS sketch,
       funnel.deal_count(e.p) = r.deals AS deal_count_ok,
       abs(funnel.deal_size_quantile(e.p, 0.5) / r.deal_q[6] - 1) <= 0.01 AS median_within_1pct
FROM pd_ref r JOIN pd_ext e ON e.run = 'parallel' AND e.mode = r.mode AND e.k = r.k
WHERE r.mode = 'all';

------------------------------------------------------------------------------
-- exact sums as numeric: the accessors build their numeric results from the
-- fixed-point sums (numsum.c, scaled_to_numeric: within int64 by numeric.c's
-- int64_div_fast_to_numeric, wider by their digits); every figure equals sum() and
-- avg() as text (value and display scale), across the int64 boundary of the
-- scaled sum (1.2e16 at scale 2 and 9.2e13 at scale 4 pass it), negative, zero and
-- 1e-20 amounts, grouped so that each group mixes them differently
------------------------------------------------------------------------------
WITH d AS (SELECT g, (ARRAY['lead', 'qualified', 'closed_won', 'closed_lost'])[1 + g % 4]::funnel.sales_stage AS st,
                  (CASE g % 7 WHEN 0 THEN -1 ELSE 1 END)
                  * (CASE (g % 13) / 3                            -- the group's kind of amounts
                     WHEN 0 THEN (g % 1000) * 1.25                -- small, scale 2
                     WHEN 1 THEN 12345678901234567.89 * (g % 3)   -- scale 2, sums past int64
                     WHEN 2 THEN 92233720368547.7581 * (g % 2)    -- scale 4, around the boundary
                     ELSE CASE g % 3 WHEN 0 THEN 1e-20 WHEN 1 THEN 0.5 ELSE 0 END END)::numeric AS amt
           FROM generate_series(1, 2000) g),
     f AS (SELECT g % 13 AS k, funnel.pipeline(st, amt, NULL, NULL) AS p FROM d GROUP BY 1),
     r AS (SELECT g % 13 AS k, coalesce(sum(amt) FILTER (WHERE st IN ('lead', 'qualified')), 0) AS open_value,
                  avg(amt) FILTER (WHERE st = 'closed_won') AS avg_won
           FROM d GROUP BY 1)
SELECT count(*) AS groups,
       count(*) FILTER (WHERE funnel.open_value(f.p)::text IS DISTINCT FROM r.open_value::text) AS open_value_differs,
       count(*) FILTER (WHERE funnel.avg_deal_size(f.p)::text IS DISTINCT FROM r.avg_won::text) AS avg_differs,
       count(*) FILTER (WHERE abs(r.open_value) * 10 ^ scale(r.open_value) <= 9223372036854775807) AS within_int64,
       count(*) FILTER (WHERE abs(r.open_value) * 10 ^ scale(r.open_value) > 9223372036854775807) AS beyond_int64
FROM f JOIN r USING (k);

------------------------------------------------------------------------------
-- clean up
------------------------------------------------------------------------------
DROP TABLE pd_deal, pd_input, pd_daily, pd_key, pd_q, pd_ref, pd_ext, pd_par, pd_roll CASCADE;
DROP FUNCTION pg_temp.gen(int, int, float8, float8, float8, float8, float8, float8, text, text, float8);
