-- pipeline.sql: funnel.pipeline, its accessors, funnel.rollup and the direct aggregates
-- on small hand-checked data: every figure, every NULL rule and every error.
-- (Text/binary I/O: pipeline_io.sql; random data: pipeline_differential.sql;
-- catalog rules for every aggregate: aggregates_catalog.sql.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET extra_float_digits = 0;   -- figures as a user sees them (exact checks compare values)
SET timezone = 'UTC';
SET intervalstyle = 'postgres';

-- Runs a statement and shows its error as SQLSTATE: message (or 'ok').
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. Data: one row per deal (funnel.sales_stage: closed_won won, closed_lost
--    lost, the rest open; probabilities lead .10 qualified .25 proposal .50
--    negotiation .75)
------------------------------------------------------------------------------
CREATE TABLE pipe_deal (
    id          int PRIMARY KEY,
    owner       text,
    stage       funnel.sales_stage,
    amount      numeric,
    created_at  timestamptz,
    closed_at   timestamptz
);
INSERT INTO pipe_deal VALUES
    -- ann: 2 won (10 and 30.5 days), 1 lost (5 days), 3 open (one without amount)
    ( 1, 'ann', 'closed_won',  1000.00, '2024-01-01',       '2024-01-11'),
    ( 2, 'ann', 'closed_won',  2500.50, '2024-01-05',       '2024-02-04 12:00'),
    ( 3, 'ann', 'closed_lost',     800, '2024-01-10',       '2024-01-15'),
    ( 4, 'ann', 'proposal',       1200, '2024-02-01',       NULL),
    ( 5, 'ann', 'lead',            300, '2024-02-03',       NULL),
    ( 6, 'ann', 'negotiation',    NULL, '2024-02-05',       NULL),
    ( 7, 'ann', NULL,            99999, '2024-01-01',       '2024-01-02'),  -- NULL stage: skipped
    -- bob: won in 0 days, won without amount (7 days), lost with closed_at < created_at
    -- (left out of cycles, counted by negative_cycles), lost without created_at,
    -- open with an earlier closed_at (ignored: open deals have no cycle)
    ( 8, 'bob', 'closed_won',      400, '2024-01-01 08:00', '2024-01-01 08:00'),
    ( 9, 'bob', 'closed_won',     NULL, '2024-01-02',       '2024-01-09'),
    (10, 'bob', 'closed_lost',     100, '2024-03-01',       '2024-02-01'),
    (11, 'bob', 'closed_lost',       0, NULL,               '2024-01-01'),
    (12, 'bob', 'qualified',    50.125, '2024-01-02',       '2023-12-01'),
    -- cy: only open deals, no timestamps
    (13, 'cy',  'lead',             10, NULL,               NULL),
    (14, 'cy',  'qualified',        20, NULL,               NULL),
    -- dee: only a NULL-stage row
    (15, 'dee', NULL,               10, '2024-01-01',       '2024-01-05'),
    -- eve: only lost
    (16, 'eve', 'closed_lost',      70, '2024-01-01',       '2024-01-04'),
    -- fay: won with a zero cycle only (velocity: average cycle 0 -> NULL), one open deal
    (17, 'fay', 'closed_won',      100, '2024-05-01 10:00', '2024-05-01 10:00'),
    (18, 'fay', 'lead',            500, '2024-05-01',       NULL);

-- The state's text form: per stage (label, deals, "amounts:sum") in label-OID order
-- (here the enum order, whatever order the deals came in), cycle sums
-- [count, days, microseconds] for won and lost, the negative cycles and the
-- three quantile sketches (exact values here).
SELECT owner, funnel.pipeline(stage, amount, created_at, closed_at)::text AS state
FROM pipe_deal WHERE owner IN ('bob', 'dee') GROUP BY owner ORDER BY owner;

------------------------------------------------------------------------------
-- 2. Accessors per owner (checked by hand, see the comments above each block)
------------------------------------------------------------------------------
CREATE TEMP TABLE pipe_state AS
SELECT owner, funnel.pipeline(stage, amount, created_at, closed_at) AS p
FROM pipe_deal GROUP BY owner;

-- ann: 6 deals (the NULL-stage row is skipped), 2 won, 1 lost, 3 open, win rate 2/3
-- bob: 5 deals, 2 won, 2 lost, 1 open, win rate 1/2
-- cy:  2 open, nothing closed: win rate NULL
-- dee: no deal at all: the state is NULL, so is every accessor (STRICT)
-- eve: 1 lost: win rate 0
-- fay: 1 won, 1 open: win rate 1
SELECT owner, p IS NULL AS null_state, funnel.deal_count(p), funnel.won_count(p),
       funnel.lost_count(p), funnel.open_count(p), funnel.win_rate(p),
       funnel.negative_cycles(p)
FROM pipe_state ORDER BY owner;

-- avg_deal_size: avg(amount) of won deals with an amount, same value and scale as avg()
--   ann: (1000.00 + 2500.50) / 2 = 1750.25; bob: 400 (the won deal without amount is
--   not in it); cy, eve: no won amount -> NULL; fay: 100
-- deal_size_quantile: percentile_cont over the same amounts
SELECT owner, funnel.avg_deal_size(p),
       funnel.deal_size_quantile(p, 0) AS q0, funnel.deal_size_quantile(p, 0.25) AS q25,
       funnel.deal_size_quantile(p, 0.5) AS q50, funnel.deal_size_quantile(p, 1) AS q100
FROM pipe_state ORDER BY owner;

-- avg_cycle_length / cycle_length_quantile, closed deals (won and lost) or won only:
--   ann: 10, 30.5 (won), 5 (lost) days: avg 15 days 04:00, won 20 days 06:00,
--        median 10 days, won median 20 days 06:00
--   bob: 0 and 7 days (won); the lost ones have no cycle (negative, no created_at):
--        avg = won avg = 3 days 12:00
--   eve: 3 days (lost): avg 3 days, won-only NULL
--   fay: 0 (won): avg 00:00:00
SELECT owner, funnel.avg_cycle_length(p) AS avg_all, funnel.avg_cycle_length(p, true) AS avg_won,
       funnel.cycle_length_quantile(p, 0.5) AS med_all,
       funnel.cycle_length_quantile(p, 0.5, true) AS med_won,
       funnel.cycle_length_quantile(p, 0.9) AS p90_all,
       funnel.cycle_length_quantile(p, 0.9, won_only => true) AS p90_won
FROM pipe_state ORDER BY owner;

-- open_value: sum of open amounts (0 when none); weighted_value: open amount x probability
--   ann: 1200 + 300 = 1500, 1200 x .5 + 300 x .1 = 630.0
--   bob: 50.125, 50.125 x .25 = 12.53125
--   cy:  30, 10 x .1 + 20 x .25 = 6.00
--   eve: 0, 0;  fay: 500, 50.0
-- sales_velocity = open_count x win_rate x avg_deal_size / average won cycle in days
--   ann: 3 x 2/3 x 1750.25 / 20.25 = 172.864...; bob: 1 x 1/2 x 400 / 3.5 = 57.142...
--   cy: NULL (no win rate); eve: NULL (no won amount); fay: NULL (average won cycle 0)
SELECT owner, funnel.open_value(p), funnel.weighted_value(p), funnel.sales_velocity(p)
FROM pipe_state ORDER BY owner;

-- The same figures from plain SQL, per owner and over all deals: no mismatch.
CREATE TEMP VIEW pipe_plain AS
SELECT owner,
       count(stage) AS deals,
       count(*) FILTER (WHERE stage = 'closed_won') AS won,
       count(*) FILTER (WHERE stage = 'closed_lost') AS lost,
       count(*) FILTER (WHERE stage NOT IN ('closed_won', 'closed_lost')) AS open,
       count(*) FILTER (WHERE stage = 'closed_won')::float8
         / nullif(count(*) FILTER (WHERE stage IN ('closed_won', 'closed_lost')), 0) AS win_rate,
       avg(amount) FILTER (WHERE stage = 'closed_won') AS avg_deal,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY amount) FILTER (WHERE stage = 'closed_won') AS q25,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FILTER (WHERE stage = 'closed_won') AS q50,
       avg(closed_at - created_at) FILTER (WHERE stage IN ('closed_won', 'closed_lost') AND closed_at >= created_at) AS cyc_all,
       avg(closed_at - created_at) FILTER (WHERE stage = 'closed_won' AND closed_at >= created_at) AS cyc_won,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at)
         FILTER (WHERE stage IN ('closed_won', 'closed_lost') AND closed_at >= created_at) AS cmed_all,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY closed_at - created_at)
         FILTER (WHERE stage = 'closed_won' AND closed_at >= created_at) AS c90_won,
       coalesce(sum(amount) FILTER (WHERE stage NOT IN ('closed_won', 'closed_lost')), 0) AS open_value,
       coalesce(sum(amount * funnel.probability(stage)::numeric)
                  FILTER (WHERE stage NOT IN ('closed_won', 'closed_lost')), 0) AS weighted,
       count(*) FILTER (WHERE stage IN ('closed_won', 'closed_lost') AND closed_at < created_at) AS negative
FROM (SELECT owner, stage, amount, created_at, closed_at FROM pipe_deal
      UNION ALL SELECT '(all)', stage, amount, created_at, closed_at FROM pipe_deal) d
GROUP BY owner;

CREATE TEMP TABLE pipe_cmp AS
SELECT x.*, s.p
FROM pipe_plain x
JOIN (SELECT owner, p FROM pipe_state
      UNION ALL SELECT '(all)', funnel.pipeline(stage, amount, created_at, closed_at) FROM pipe_deal) s
  USING (owner);

SELECT owner,
       (funnel.deal_count(p) IS DISTINCT FROM nullif(deals, 0))::int
     + (funnel.won_count(p) IS DISTINCT FROM CASE WHEN deals > 0 THEN won END)::int
     + (funnel.lost_count(p) IS DISTINCT FROM CASE WHEN deals > 0 THEN lost END)::int
     + (funnel.open_count(p) IS DISTINCT FROM CASE WHEN deals > 0 THEN open END)::int
     + (funnel.win_rate(p) IS DISTINCT FROM win_rate)::int
     + (funnel.avg_deal_size(p)::text IS DISTINCT FROM avg_deal::text)::int
     + (funnel.deal_size_quantile(p, 0.25) IS DISTINCT FROM q25)::int
     + (funnel.deal_size_quantile(p, 0.5) IS DISTINCT FROM q50)::int
     + (funnel.avg_cycle_length(p)::text IS DISTINCT FROM cyc_all::text)::int
     + (funnel.avg_cycle_length(p, true)::text IS DISTINCT FROM cyc_won::text)::int
     + (funnel.cycle_length_quantile(p, 0.5)::text IS DISTINCT FROM cmed_all::text)::int
     + (funnel.cycle_length_quantile(p, 0.9, true)::text IS DISTINCT FROM c90_won::text)::int
     + (funnel.open_value(p)::text IS DISTINCT FROM CASE WHEN deals > 0 THEN open_value::text END)::int
     + (funnel.weighted_value(p)::text IS DISTINCT FROM CASE WHEN deals > 0 THEN weighted::text END)::int
     + (funnel.negative_cycles(p) IS DISTINCT FROM CASE WHEN deals > 0 THEN negative END)::int
       AS mismatches
FROM pipe_cmp ORDER BY owner;

-- sales_velocity against its formula (relative tolerance 1e-9)
SELECT owner, funnel.sales_velocity(p) AS velocity,
       open * win_rate * avg_deal::float8 / nullif(extract(epoch FROM cyc_won)::float8 / 86400, 0) AS formula,
       coalesce(abs(funnel.sales_velocity(p) / (open * win_rate * avg_deal::float8
                 / nullif(extract(epoch FROM cyc_won)::float8 / 86400, 0)) - 1) <= 1e-9,
                funnel.sales_velocity(p) IS NULL
                AND (open * win_rate * avg_deal::float8
                     / nullif(extract(epoch FROM cyc_won)::float8 / 86400, 0)) IS NULL) AS agrees
FROM pipe_cmp ORDER BY owner;

------------------------------------------------------------------------------
-- 3. NULL rules
------------------------------------------------------------------------------
-- no rows, or only NULL-stage rows: NULL (not an empty state)
SELECT funnel.pipeline(stage, amount, created_at, closed_at) IS NULL AS no_rows
FROM pipe_deal WHERE false;
SELECT funnel.pipeline(stage, amount, created_at, closed_at) IS NULL AS only_null_stages
FROM pipe_deal WHERE stage IS NULL;
SELECT funnel.win_rate(stage) IS NULL AS wr, funnel.avg_deal_size(stage, amount) IS NULL AS ads,
       funnel.median_deal_size(stage, amount) IS NULL AS mds,
       funnel.deal_size_quantile(stage, amount, 0.5) IS NULL AS dsq,
       funnel.avg_cycle_length(stage, created_at, closed_at) IS NULL AS acl,
       funnel.median_cycle_length(stage, created_at, closed_at) IS NULL AS mcl
FROM pipe_deal WHERE stage IS NULL;
-- accessors are STRICT: NULL state or NULL argument -> NULL (typed NULLs: win_rate is
-- also a summary accessor and an aggregate, so an untyped NULL is ambiguous)
SELECT funnel.deal_count(NULL::funnel.pipeline), funnel.win_rate(NULL::funnel.pipeline),
       funnel.avg_deal_size(NULL::funnel.pipeline), funnel.open_value(NULL::funnel.pipeline),
       funnel.weighted_value(NULL::funnel.pipeline), funnel.sales_velocity(NULL::funnel.pipeline),
       funnel.negative_cycles(NULL::funnel.pipeline), funnel.avg_cycle_length(NULL::funnel.pipeline);
SELECT funnel.deal_size_quantile(p, NULL) AS dsq, funnel.cycle_length_quantile(p, NULL) AS clq,
       funnel.avg_cycle_length(p, NULL) AS acl, funnel.cycle_length_quantile(p, 0.5, NULL) AS clq2
FROM pipe_state WHERE owner = 'ann';
-- a deal with NULL amount and no timestamps still counts as a deal (and as won)
SELECT funnel.deal_count(p), funnel.won_count(p), funnel.win_rate(p), funnel.avg_deal_size(p),
       funnel.deal_size_quantile(p, 0.5), funnel.avg_cycle_length(p), funnel.open_value(p)
FROM (SELECT funnel.pipeline('closed_won'::funnel.sales_stage, NULL, NULL, NULL) p) s;
-- open deals: closed_at ignored, even when infinite or before created_at
SELECT funnel.deal_count(p), funnel.negative_cycles(p), funnel.avg_cycle_length(p)
FROM (SELECT funnel.pipeline(s, 1, c, x) p
      FROM (VALUES ('lead'::funnel.sales_stage, '2024-01-02'::timestamptz, '2024-01-01'::timestamptz),
                   ('proposal', '-infinity', 'infinity'),
                   ('negotiation', '2024-01-01', NULL)) v(s, c, x)) s;
-- closed deals with a NULL timestamp: no cycle, no error (even with the other one infinite)
SELECT funnel.deal_count(p), funnel.lost_count(p), funnel.avg_cycle_length(p), funnel.negative_cycles(p)
FROM (SELECT funnel.pipeline(s, 1, c, x) p
      FROM (VALUES ('closed_lost'::funnel.sales_stage, NULL::timestamptz, 'infinity'::timestamptz),
                   ('closed_won', '-infinity', NULL)) v(s, c, x)) s;

------------------------------------------------------------------------------
-- 4. Direct aggregates: the same numbers without a state
------------------------------------------------------------------------------
SELECT owner, funnel.win_rate(stage), funnel.avg_deal_size(stage, amount),
       funnel.median_deal_size(stage, amount),
       funnel.deal_size_quantile(stage, amount, 0.25) AS q25,
       funnel.avg_cycle_length(stage, created_at, closed_at),
       funnel.median_cycle_length(stage, created_at, closed_at)
FROM pipe_deal GROUP BY owner ORDER BY owner;

-- ... equal to the accessors (and so to plain SQL above), per owner and overall
SELECT count(*) AS groups,
       count(*) FILTER (WHERE d.wr IS DISTINCT FROM funnel.win_rate(s.p)
                           OR d.ads::text IS DISTINCT FROM funnel.avg_deal_size(s.p)::text
                           OR d.mds IS DISTINCT FROM funnel.deal_size_quantile(s.p, 0.5)
                           OR d.q25 IS DISTINCT FROM funnel.deal_size_quantile(s.p, 0.25)
                           OR d.acl::text IS DISTINCT FROM funnel.avg_cycle_length(s.p)::text
                           OR d.mcl::text IS DISTINCT FROM funnel.cycle_length_quantile(s.p, 0.5)::text)
         AS mismatches
FROM (SELECT owner, funnel.win_rate(stage) wr, funnel.avg_deal_size(stage, amount) ads,
             funnel.median_deal_size(stage, amount) mds,
             funnel.deal_size_quantile(stage, amount, 0.25) q25,
             funnel.avg_cycle_length(stage, created_at, closed_at) acl,
             funnel.median_cycle_length(stage, created_at, closed_at) mcl
      FROM pipe_deal GROUP BY ROLLUP (owner)) d
JOIN (SELECT owner, p FROM pipe_state
      UNION ALL SELECT NULL, funnel.pipeline(stage, amount, created_at, closed_at) FROM pipe_deal) s
  ON d.owner IS NOT DISTINCT FROM s.owner;

-- deal_size_quantile(stage, amount, p): p must be the same on every row; rows with a
-- NULL p do not set it; never set -> NULL; outside [0, 1] -> 22003
SELECT funnel.deal_size_quantile(s, a, q)
FROM (VALUES ('closed_won'::funnel.sales_stage, 10, NULL::float8), ('closed_won', 20, 0.75),
             ('closed_won', 30, NULL), ('closed_won', 40, 0.75)) v(s, a, q);
SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY a) AS plain
FROM (VALUES (10), (20), (30), (40)) v(a);
SELECT funnel.deal_size_quantile(s, a, q) IS NULL AS never_set
FROM (VALUES ('closed_won'::funnel.sales_stage, 10, NULL::float8), ('closed_won', 20, NULL)) v(s, a, q);
SELECT funnel.deal_size_quantile(s, a, q) IS NULL AS no_won_amount
FROM (VALUES ('closed_lost'::funnel.sales_stage, 10, 0.5::float8), ('closed_won', NULL, 0.5)) v(s, a, q);
SELECT pg_temp.try($$SELECT funnel.deal_size_quantile(s, a, q)
  FROM (VALUES ('closed_won'::funnel.sales_stage, 10, 0.5::float8), ('closed_won', 20, 0.75)) v(s, a, q)$$);
SELECT pg_temp.try($$SELECT funnel.deal_size_quantile(s, a, q)
  FROM (VALUES ('closed_won'::funnel.sales_stage, 10, 1.5::float8)) v(s, a, q)$$);
SELECT pg_temp.try($$SELECT funnel.deal_size_quantile(s, a, q)
  FROM (VALUES ('closed_won'::funnel.sales_stage, 10, -0.1::float8)) v(s, a, q)$$);
SELECT pg_temp.try($$SELECT funnel.deal_size_quantile(s, a, q)
  FROM (VALUES ('closed_won'::funnel.sales_stage, 10, 'NaN'::float8)) v(s, a, q)$$);
-- a different p per group is fine
SELECT g, funnel.deal_size_quantile(s, a, q)
FROM (VALUES (1, 'closed_won'::funnel.sales_stage, 10, 0.0::float8), (1, 'closed_won', 20, 0.0),
             (2, 'closed_won', 10, 1.0), (2, 'closed_won', 20, 1.0)) v(g, s, a, q)
GROUP BY g ORDER BY g;

-- conversion_rate(reached_from, reached_to): share of reached_from rows with reached_to;
-- NULL reached_from: row skipped; NULL reached_to: not converted; no reached_from: NULL
SELECT funnel.conversion_rate(f, t) AS rate, 2::float8 / 5 AS expected
FROM (VALUES (true, true), (true, false), (true, NULL), (true, true), (true, false),
             (false, true), (NULL, true), (NULL, NULL)) v(f, t);
SELECT funnel.conversion_rate(f, t) IS NULL AS only_false_or_null
FROM (VALUES (false, true), (NULL::bool, true)) v(f, t);
SELECT funnel.conversion_rate(f, t) IS NULL AS no_rows
FROM (VALUES (true, true)) v(f, t) WHERE false;
SELECT owner, funnel.conversion_rate(stage >= 'qualified', stage = 'closed_won') AS qualified_to_won,
       count(*) FILTER (WHERE stage = 'closed_won')::float8
         / nullif(count(*) FILTER (WHERE stage >= 'qualified'), 0) AS plain
FROM pipe_deal GROUP BY owner ORDER BY owner;

------------------------------------------------------------------------------
-- 5. funnel.rollup: merging stored states
------------------------------------------------------------------------------
-- rolling up the per-owner states gives the one-pass state over all deals.  The
-- text form lists the stages in label-OID order whatever the merge order, so the
-- two texts are equal (same_text); norm() compares everything else and the stages
-- as a set
SELECT pg_temp.norm(r) = pg_temp.norm(o) AS same_state, r::text = o::text AS same_text,
       funnel.deal_count(r), funnel.win_rate(r), funnel.avg_deal_size(r),
       funnel.avg_cycle_length(r), funnel.cycle_length_quantile(r, 0.5),
       funnel.open_value(r), funnel.weighted_value(r), funnel.negative_cycles(r)
FROM (SELECT funnel.rollup(p) r FROM pipe_state) a,
     (SELECT funnel.pipeline(stage, amount, created_at, closed_at) o FROM pipe_deal) b;
-- NULL states are skipped; no rows or only NULLs -> NULL
SELECT funnel.deal_count(funnel.rollup(p)) FROM pipe_state WHERE owner IN ('dee', 'eve');
SELECT funnel.rollup(p) IS NULL AS only_null FROM pipe_state WHERE owner = 'dee';
SELECT funnel.rollup(p) IS NULL AS no_rows FROM pipe_state WHERE false;
-- rollup of rollups, and of one state, change nothing
SELECT pg_temp.norm(funnel.rollup(r)) = pg_temp.norm((SELECT p FROM pipe_state WHERE owner = 'ann')) AS same
FROM (SELECT funnel.rollup(p) r FROM pipe_state WHERE owner = 'ann') s;
-- states of different funnels do not mix
SELECT funnel.create_funnel('pipe_t', '{a,b,w1,c,w2,l1,l2}', won => '{w1,w2}', lost => '{l1,l2}');
SELECT pg_temp.try($$SELECT funnel.rollup(p) FROM (
    SELECT funnel.pipeline('lead'::funnel.sales_stage, 1, NULL, NULL)
    UNION ALL SELECT funnel.pipeline('a'::pipe_t, 1, NULL, NULL)) s(p)$$);

------------------------------------------------------------------------------
-- 6. Another funnel: outcomes come from its definition, not from the enum order
--    (won stages w1 and w2 in the middle, lost l1 and l2); probabilities: a .3,
--    b and c none (they add nothing to weighted_value), w1/w2 1, l1/l2 0
------------------------------------------------------------------------------
SELECT funnel.set_stage('a'::pipe_t, probability => 0.3);
SELECT stage, outcome, probability FROM funnel.stages('pipe_t') ORDER BY position;
CREATE TEMP TABLE pipe_t_deal AS
SELECT * FROM (VALUES ('a'::pipe_t, 100.5, '2024-01-01'::timestamptz, NULL::timestamptz),
                      ('b', 200, '2024-01-01', NULL), ('c', 300, NULL, NULL),
                      ('w1', 1000, '2024-01-01', '2024-01-03'), ('w2', 3000, '2024-01-01', '2024-01-05'),
                      ('l1', 50, '2024-01-01', '2024-01-02'), ('l2', 60, '2024-01-02', '2024-01-01'),
                      ('a', 10, NULL, NULL)) v(stage, amount, created_at, closed_at);
-- 8 deals: won 2, lost 2, open 4; win rate .5; avg deal 2000; cycles 2, 4 (won), 1 (lost),
-- one negative; open value 610.5; weighted (100.5 + 10) x .3 = 33.15;
-- velocity 4 x .5 x 2000 / 3 = 1333.33...
SELECT funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p), funnel.open_count(p),
       funnel.win_rate(p), funnel.avg_deal_size(p), funnel.deal_size_quantile(p, 0.5),
       funnel.avg_cycle_length(p), funnel.avg_cycle_length(p, true), funnel.negative_cycles(p),
       funnel.open_value(p), funnel.weighted_value(p), funnel.sales_velocity(p)
FROM (SELECT funnel.pipeline(stage, amount, created_at, closed_at) p FROM pipe_t_deal) s;
SELECT sum(amount * funnel.probability(stage)::numeric) AS plain_weighted
FROM pipe_t_deal WHERE NOT funnel.is_closed(stage);
SELECT funnel.win_rate(stage), funnel.avg_deal_size(stage, amount),
       funnel.avg_cycle_length(stage, created_at, closed_at)
FROM pipe_t_deal;

-- an enum that is not a registered funnel: 42704
CREATE TYPE pipe_plain_enum AS ENUM ('x', 'y');
SELECT pg_temp.try($$SELECT funnel.pipeline('x'::pipe_plain_enum, 1, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.win_rate('x'::pipe_plain_enum)$$);

------------------------------------------------------------------------------
-- 7. Errors
------------------------------------------------------------------------------
-- NaN and infinite amounts: 22023 "... must be finite", whatever the deal's outcome,
-- in the state aggregate and in the direct ones
SELECT s, a, left(r, 5) AS sqlstate, r LIKE '%must be finite' AS must_be_finite
FROM unnest('{closed_won,closed_lost,lead}'::text[]) s, unnest('{NaN,Infinity,-Infinity}'::text[]) a,
     pg_temp.try(format($$SELECT funnel.pipeline(%L::funnel.sales_stage, %L::numeric, NULL, NULL)::text$$, s, a)) r
ORDER BY 1, 2;
SELECT f, s, left(r, 5) AS sqlstate, r LIKE '%must be finite' AS must_be_finite
FROM unnest('{avg_deal_size,median_deal_size}'::text[]) f, unnest('{closed_won,closed_lost,lead}'::text[]) s,
     pg_temp.try(format($$SELECT funnel.%s(%L::funnel.sales_stage, 'Infinity'::numeric)$$, f, s)) r
ORDER BY 1, 2;
-- a NaN amount among other rows must not leave a state that cannot be read back
SELECT left(r, 5) AS sqlstate, r LIKE '%must be finite' AS must_be_finite
FROM pg_temp.try($$CREATE TEMP TABLE pipe_nan AS
    SELECT funnel.pipeline(s, a, NULL, NULL) AS p
    FROM (VALUES ('lead'::funnel.sales_stage, 1::numeric), ('lead', 'NaN')) v(s, a)$$) r;
-- infinite timestamps on a closed deal: 22008
SELECT s, c, x, pg_temp.try(format($$SELECT funnel.pipeline(%L::funnel.sales_stage, 1, %L, %L)::text$$, s, c, x))
FROM unnest('{closed_won,closed_lost}'::text[]) s,
     (VALUES ('-infinity', '2024-01-01'), ('2024-01-01', 'infinity'), ('-infinity', 'infinity'),
             ('infinity', 'infinity')) t(c, x)
ORDER BY 1, 2, 3;
SELECT pg_temp.try($$SELECT funnel.avg_cycle_length('closed_won'::funnel.sales_stage, '2024-01-01', 'infinity')$$);
SELECT pg_temp.try($$SELECT funnel.median_cycle_length('closed_lost'::funnel.sales_stage, '-infinity', '2024-01-01')$$);
-- quantiles outside [0, 1]: 22003
SELECT q, pg_temp.try(format('SELECT funnel.deal_size_quantile(p, %s) FROM pipe_state WHERE owner = %L', q, 'ann')) AS deal_size,
       pg_temp.try(format('SELECT funnel.cycle_length_quantile(p, %s) FROM pipe_state WHERE owner = %L', q, 'ann')) AS cycle
FROM unnest('{-0.5,1.5,''NaN''::float8,''Infinity''::float8}'::text[]) q;
-- also on a state with no data for the quantile (the argument is checked first)
SELECT pg_temp.try($$SELECT funnel.deal_size_quantile(p, 2) FROM pipe_state WHERE owner = 'cy'$$);
-- the support functions are not for direct calls
SELECT pg_temp.try($$SELECT funnel.pipeline_transfn(NULL, 'lead'::funnel.sales_stage, 1, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.pipeline_combine(NULL, p) FROM pipe_state WHERE owner = 'ann'$$);

------------------------------------------------------------------------------
-- 8. As window aggregates (running totals re-use the state in place)
------------------------------------------------------------------------------
SELECT id, stage,
       funnel.deal_count(funnel.pipeline(stage, amount, created_at, closed_at) OVER w) AS deals,
       funnel.win_rate(funnel.pipeline(stage, amount, created_at, closed_at) OVER w) AS rate,
       funnel.win_rate(stage) OVER w AS direct_rate,
       funnel.avg_deal_size(stage, amount) OVER w AS avg_deal,
       funnel.open_value(funnel.pipeline(stage, amount, created_at, closed_at) OVER w) AS open_value
FROM pipe_deal WHERE owner IN ('ann', 'bob')
WINDOW w AS (ORDER BY id)
ORDER BY id;
-- a sliding frame (restarts the aggregate for every row)
SELECT id, funnel.deal_count(funnel.pipeline(stage, amount, created_at, closed_at) OVER w) AS deals,
       count(stage) OVER w AS plain,
       funnel.avg_deal_size(stage, amount) OVER w AS avg_deal,
       avg(amount) FILTER (WHERE stage = 'closed_won') OVER w AS plain_avg
FROM pipe_deal WHERE owner IN ('ann', 'bob')
WINDOW w AS (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

------------------------------------------------------------------------------
-- clean up
------------------------------------------------------------------------------
DROP TABLE pipe_deal, pipe_t_deal, pipe_state, pipe_cmp CASCADE;
DROP TABLE IF EXISTS pipe_nan;
DROP FUNCTION pg_temp.norm(funnel.pipeline);
DROP TYPE pipe_plain_enum;
SELECT funnel.drop_funnel('pipe_t');
