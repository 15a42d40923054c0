-- winrate.sql: funnel.winrate_curve, the win-rate curve that counts open deals
-- (Aalen-Johansen cumulative incidence of won, lost deals a competing outcome,
-- open deals censored), against hand arithmetic on a tiny data set and a
-- plain-SQL estimator on random deals, serial and with parallel aggregation
-- forced on; rollup, text and binary round trips, bad input, edges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. A tiny data set computed by hand
------------------------------------------------------------------------------
-- as of 2025-02-01, seven deals count: deal 6 is open (censored at day 17), deal 3
-- open since day 0 (censored at day 31), deal 7 closed after as_of (open then:
-- censored at day 31), deal 8 created after as_of (not counted), deal 9
-- closed without a date and deal 10 closed before it was created (skipped)
CREATE TABLE wr_tiny (id int, stage funnel.sales_stage, created_at timestamptz, closed_at timestamptz);
INSERT INTO wr_tiny VALUES
  (1, 'closed_won',  '2025-01-01', '2025-01-11'),
  (2, 'closed_lost', '2025-01-01', '2025-01-06'),
  (3, 'proposal',    '2025-01-01', NULL),
  (4, 'closed_won',  '2025-01-01', '2025-01-21'),
  (5, 'closed_won',  '2025-01-01', '2025-01-11 23:59'),
  (6, 'lead',        '2025-01-15', NULL),
  (7, 'closed_won',  '2025-01-01', '2025-03-01'),
  (8, 'lead',        '2025-03-01', NULL),
  (9, 'closed_lost', '2025-01-01', NULL),
  (10, 'closed_won', '2025-01-05', '2025-01-04'),
  (11, NULL,         '2025-01-01', NULL),
  (12, 'lead',       NULL,         NULL);
CREATE TABLE wr_tiny_c AS
SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-02-01') AS c FROM wr_tiny;
SELECT c FROM wr_tiny_c;
SELECT r.* FROM wr_tiny_c, funnel.win_rate_curve(c) r;
-- by hand: day 5, 7 at risk, 1 lost: S = 6/7.  Day 10, 6 at risk, 2 won:
-- F = 6/7 * 2/6 = 2/7, S = 6/7 * 4/6 = 4/7.  Day 20, 3 at risk, 1 won:
-- F = 2/7 + 4/7 * 1/3 = 10/21.  Variance at day 10 (delta method):
-- [F(10) - F(5)]^2 * 1/(7*6) + S(10-)^2 * 2*4/6^3 = (2/7)^2/42 + (6/7)^2 * 8/216
SELECT abs(funnel.win_rate_within(c, 4)) < 1e-15 AS day4_zero,
       abs(funnel.win_rate_within(c, 9)) < 1e-15 AS day9_zero,
       abs(funnel.win_rate_within(c, 10) - 2.0 / 7) < 1e-15 AS day10,
       abs(funnel.win_rate_within(c, 19) - 2.0 / 7) < 1e-15 AS day19,
       abs(funnel.win_rate_within(c, 20) - 10.0 / 21) < 1e-15 AS day20,
       abs(funnel.win_rate_within(c, 1000000) - 10.0 / 21) < 1e-15 AS flat_after,
       abs((SELECT upper FROM funnel.win_rate_curve(c) WHERE day = 10)
           - (2.0 / 7 + 1.959963984540054 * sqrt((2.0 / 7) ^ 2 / 42 + (6.0 / 7) ^ 2 * 8 / 216))) < 1e-15 AS band10,
       funnel.closed_win_rate(c) AS closed, round(funnel.cohort_win_rate(c)::numeric, 12) AS cohort
FROM wr_tiny_c;
-- the same deals without as_of: censored at now() (all dates are in the past)
SELECT (SELECT c::text FROM wr_tiny_c) <> c::text AS differs_from_as_of,
       funnel.closed_win_rate(c) AS closed
FROM (SELECT funnel.winrate_curve(stage, created_at, closed_at) AS c FROM wr_tiny) q;
SELECT (SELECT funnel.winrate_curve(stage, created_at, closed_at) FROM wr_tiny)::text
     = (SELECT funnel.winrate_curve(stage, created_at, closed_at, now()) FROM wr_tiny)::text AS three_args_is_now;

-- single outcome (no lost deal): 1 - Kaplan-Meier, and the band is Greenwood's
CREATE TABLE wr_km (t int, won bool);
INSERT INTO wr_km VALUES (2, true), (3, false), (3, true), (3, true), (5, false), (7, true), (8, false), (8, true), (9, false);
WITH all_c AS (SELECT funnel.rollup(c) AS c FROM (
                 SELECT funnel.winrate_curve(CASE WHEN won THEN 'closed_won' ELSE 'proposal' END::funnel.sales_stage,
                                             '2025-01-01'::timestamptz,
                                             CASE WHEN won THEN '2025-01-01'::timestamptz + t * interval '1 day' END,
                                             '2025-01-01'::timestamptz + t * interval '1 day' + interval '1 hour') AS c
                 FROM wr_km GROUP BY t, won) x),
     km AS (SELECT t AS day, count(*) FILTER (WHERE won) AS d,
                   (SELECT count(*) FROM wr_km k2 WHERE k2.t >= k.t) AS n
            FROM wr_km k GROUP BY t),
     s AS (SELECT day, d, n, exp(sum(ln(1 - d::float8 / n)) OVER w) AS surv,
                  sum(CASE WHEN n > d THEN d::float8 / (n * (n - d)) ELSE 0 END) OVER w AS gw
           FROM km WINDOW w AS (ORDER BY day))
SELECT r.day, r.at_risk, r.won, r.censored, round(r.win_rate::numeric, 12) AS win_rate,
       abs(r.win_rate - (1 - s.surv)) < 1e-12 AS one_minus_km,
       abs(r.upper - least(1, 1 - s.surv + 1.959963984540054 * s.surv * sqrt(s.gw))) < 1e-12
       AND abs(r.lower - greatest(0, 1 - s.surv - 1.959963984540054 * s.surv * sqrt(s.gw))) < 1e-12 AS greenwood
FROM all_c, funnel.win_rate_curve(all_c.c) r JOIN s USING (day) ORDER BY r.day;

------------------------------------------------------------------------------
-- 2. Random deals: the aggregate against a plain-SQL Aalen-Johansen at every
--    day (window functions over the per-day counts; the variance summed
--    directly over the earlier days)
------------------------------------------------------------------------------
SELECT setseed(0.23);
CREATE TABLE wr_deal (id int, stage funnel.sales_stage, created_at timestamptz, closed_at timestamptz);
INSERT INTO wr_deal
SELECT i,
       CASE WHEN r < 0.35 THEN 'closed_won' WHEN r < 0.6 THEN 'closed_lost'
            ELSE (enum_range(NULL::funnel.sales_stage))[1 + floor(random() * 4)::int] END,
       created,
       CASE WHEN r < 0.6 AND random() < 0.98
            THEN created + (random() * random() * 150) * interval '1 day' - (random() < 0.005)::int * interval '3 days'
            WHEN r >= 0.6 AND random() < 0.1 THEN created + interval '200 days' END
FROM (SELECT i, random() AS r,
             '2024-01-01'::timestamptz + floor(random() * 400) * interval '1 day'
               + (random() < 0.5)::int * random() * interval '1 day' AS created
      FROM generate_series(1, 4000) i) g;
-- every case is there: won, lost, open, closed after as_of, created after as_of, skipped
SELECT count(*) AS deals,
       count(*) FILTER (WHERE stage = 'closed_won' AND closed_at <= '2025-01-01') > 0 AS won,
       count(*) FILTER (WHERE stage = 'closed_lost' AND closed_at <= '2025-01-01') > 0 AS lost,
       count(*) FILTER (WHERE NOT funnel.is_closed(stage)) > 0 AS open,
       count(*) FILTER (WHERE funnel.is_closed(stage) AND closed_at > '2025-01-01' AND created_at <= '2025-01-01') > 0 AS closed_later,
       count(*) FILTER (WHERE created_at > '2025-01-01') > 0 AS created_later,
       count(*) FILTER (WHERE funnel.is_closed(stage) AND (closed_at IS NULL OR closed_at < created_at)) > 0 AS skipped
FROM wr_deal;

-- the deals as the estimator sees them at as_of: a day and an outcome
CREATE FUNCTION pg_temp.deal_days(as_of timestamptz)
RETURNS TABLE (day int, outcome text) LANGUAGE sql STABLE AS $$
    SELECT floor(extract(epoch FROM (CASE WHEN o = 'censored' THEN as_of ELSE closed_at END) - created_at) / 86400)::int, o
    FROM (SELECT created_at, closed_at,
                 CASE WHEN NOT funnel.is_closed(stage) OR closed_at > as_of THEN 'censored'
                      WHEN funnel.is_won(stage) THEN 'won' ELSE 'lost' END AS o
          FROM wr_deal
          WHERE stage IS NOT NULL AND created_at <= as_of
            AND NOT (funnel.is_closed(stage) AND (closed_at IS NULL OR closed_at < created_at))) d
$$;
-- the plain-SQL estimator
CREATE FUNCTION pg_temp.reference(as_of timestamptz)
RETURNS TABLE (day int, at_risk bigint, won bigint, lost bigint, censored bigint,
               win_rate float8, lower float8, upper float8) LANGUAGE sql STABLE AS $$
    WITH per_day AS (
        SELECT day, count(*) FILTER (WHERE outcome = 'won') AS won,
               count(*) FILTER (WHERE outcome = 'lost') AS lost,
               count(*) FILTER (WHERE outcome = 'censored') AS censored
        FROM pg_temp.deal_days(as_of) GROUP BY day),
    risk AS (
        SELECT p.*, (sum(won + lost + censored) OVER (ORDER BY day DESC))::bigint AS n
        FROM per_day p),
    surv AS (   -- S(t_j-): the Kaplan-Meier survival before the day
        SELECT r.*, CASE WHEN bool_or(won + lost = n) OVER before THEN 0
                         ELSE coalesce(exp(sum(ln(1 - (won + lost)::float8 / n)) OVER before), 1) END AS s
        FROM risk r WINDOW before AS (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
    cif AS (
        SELECT s.*, sum(s * won / n) OVER (ORDER BY day) AS f FROM surv s),
    var AS (
        SELECT t.day, greatest(0, sum(CASE WHEN j.n > j.won + j.lost
                                           THEN (t.f - j.f) ^ 2 * (j.won + j.lost) / (j.n * (j.n - j.won - j.lost)::float8)
                                           ELSE 0 END)
                                  + sum(j.s ^ 2 * j.won * (j.n - j.won) / (j.n::float8 ^ 3))
                                  - 2 * sum((t.f - j.f) * j.s * j.won / (j.n::float8 ^ 2))) AS v
        FROM cif t JOIN cif j ON j.day <= t.day GROUP BY t.day)
    SELECT c.day, c.n, c.won, c.lost, c.censored, c.f,
           greatest(0, c.f - 1.959963984540054 * sqrt(v.v)), least(1, c.f + 1.959963984540054 * sqrt(v.v))
    FROM cif c JOIN var v USING (day)
$$;
-- compare at every day: counts equal, estimates within rounding
CREATE FUNCTION pg_temp.mismatches(c funnel.winrate_curve, as_of timestamptz)
RETURNS TABLE (days bigint, count_mismatches bigint, rate_mismatches bigint, band_mismatches bigint,
               within_mismatches bigint) LANGUAGE sql STABLE AS $$
    SELECT count(*),
           count(*) FILTER (WHERE a.at_risk IS DISTINCT FROM r.at_risk OR a.won IS DISTINCT FROM r.won
                               OR a.lost IS DISTINCT FROM r.lost OR a.censored IS DISTINCT FROM r.censored),
           count(*) FILTER (WHERE NOT abs(a.win_rate - r.win_rate) < 1e-12),
           count(*) FILTER (WHERE NOT (abs(a.lower - r.lower) < 1e-9 AND abs(a.upper - r.upper) < 1e-9)),
           count(*) FILTER (WHERE NOT abs(funnel.win_rate_within(c, r.day) - r.win_rate) < 1e-12)
    FROM funnel.win_rate_curve(c) a FULL JOIN pg_temp.reference(as_of) r USING (day)
$$;
CREATE TABLE wr_one AS
SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') AS c FROM wr_deal;
SELECT m.* FROM wr_one, pg_temp.mismatches(c, '2025-01-01') m;
-- the named rates against their definitions
SELECT funnel.closed_win_rate(c) = (SELECT count(*) FILTER (WHERE outcome = 'won')::float8
                                           / count(*) FILTER (WHERE outcome <> 'censored')
                                    FROM pg_temp.deal_days('2025-01-01')) AS closed_ok,
       funnel.cohort_win_rate(c) = (SELECT count(*) FILTER (WHERE outcome = 'won')::float8 / count(*)
                                    FROM pg_temp.deal_days('2025-01-01')) AS cohort_ok,
       c::text::jsonb->'skipped' AS skipped,
       (SELECT count(*) FROM wr_deal WHERE created_at <= '2025-01-01' AND funnel.is_closed(stage)
          AND (closed_at IS NULL OR closed_at < created_at)) AS skipped_expected,
       funnel.win_rate_within(c, 100000) BETWEEN funnel.cohort_win_rate(c) AND funnel.closed_win_rate(c) AS between
FROM wr_one;
-- another moment, and per group
SELECT m.* FROM (SELECT funnel.winrate_curve(stage, created_at, closed_at, '2024-07-15') AS c FROM wr_deal) q,
                pg_temp.mismatches(q.c, '2024-07-15') m;

-- with parallel aggregation forced on: a partial aggregate, and the same state
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SELECT pg_temp.plan_has($$SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') FROM wr_deal$$,
                        '%Partial Aggregate%') AS partial_aggregate;
SELECT (SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') FROM wr_deal)::text
       = (SELECT c::text FROM wr_one) AS parallel_same;
SELECT pg_temp.plan_has($$SELECT funnel.winrate_curve(stage, created_at, closed_at) FROM wr_deal$$,
                        '%Partial Aggregate%') AS partial_aggregate_now,
       (SELECT funnel.winrate_curve(stage, created_at, closed_at) FROM wr_deal)::text
       = (SELECT funnel.winrate_curve(stage, created_at, closed_at, now()) FROM wr_deal)::text AS now_same_in_workers;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- monthly states (by month of creation) rolled up give what one pass gives
SELECT (SELECT c::text FROM wr_one) = funnel.rollup(c)::text AS rollup_same, count(*) AS months
FROM (SELECT date_trunc('month', created_at) AS m,
             funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') AS c
      FROM wr_deal GROUP BY 1) x;
-- as a window function (read-only state), running per month
SELECT count(*) AS rows, count(DISTINCT c::text) AS distinct_states
FROM (SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01')
               OVER (ORDER BY date_trunc('month', created_at)) AS c FROM wr_deal) w;

------------------------------------------------------------------------------
-- 3. Text and binary forms
------------------------------------------------------------------------------
CREATE TEMP TABLE wr_recv (c funnel.winrate_curve);
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    DELETE FROM wr_recv;
    EXECUTE format('COPY wr_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
    SELECT string_agg(c::text, ',') INTO res FROM wr_recv;
    RETURN 'ok ' || res;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
SELECT c::text::funnel.winrate_curve::text = c::text AS text_round_trip,
       pg_temp.recv(funnel.winrate_curve_send(c)) = 'ok ' || c::text AS binary_round_trip,
       length(funnel.winrate_curve_send(c)) = 13 + 28 * jsonb_array_length(c::text::jsonb->'days') AS binary_size
FROM wr_one;
SELECT c, funnel.winrate_curve_send(c) FROM wr_tiny_c;
SELECT pg_temp.recv(funnel.winrate_curve_send(c)) FROM wr_tiny_c;
-- an empty state (every row skipped or not created yet)
SELECT c, funnel.win_rate_within(c, 30), funnel.closed_win_rate(c), funnel.cohort_win_rate(c),
       (SELECT count(*) FROM funnel.win_rate_curve(c)) AS curve_rows
FROM (SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') AS c
      FROM wr_tiny WHERE id IN (8, 9, 10)) q;

-- bad text input: 22P02, saying what is wrong
SELECT v, pg_temp.try(format('SELECT %L::funnel.winrate_curve', v))
FROM unnest(ARRAY[
  '',
  'nonsense',
  '[]',
  '{"version":2,"skipped":0,"days":[]}',
  '{"skipped":0,"days":[]}',
  '{"version":1,"days":[]}',
  '{"version":1,"skipped":0}',
  '{"version":1,"skipped":-1,"days":[]}',
  '{"version":1,"skipped":0,"days":{}}',
  '{"version":1,"skipped":0,"days":[1]}',
  '{"version":1,"skipped":0,"days":[[1,2,3]]}',
  '{"version":1,"skipped":0,"days":[[1,2,3,4,5]]}',
  '{"version":1,"skipped":0,"days":[[-1,1,0,0]]}',
  '{"version":1,"skipped":0,"days":[[2147483648,1,0,0]]}',
  '{"version":1,"skipped":0,"days":[[1,1.5,0,0]]}',
  '{"version":1,"skipped":0,"days":[[1,"1",0,0]]}',
  '{"version":1,"skipped":0,"days":[[1,-1,2,0]]}',
  '{"version":1,"skipped":0,"days":[[1,0,0,0]]}',
  '{"version":1,"skipped":0,"days":[[3,1,0,0],[3,0,1,0]]}',
  '{"version":1,"skipped":0,"days":[[3,1,0,0],[2,0,1,0]]}',
  '{"version":1,"skipped":0,"days":[[1,9223372036854775807,1,0]]}',
  '{"version":1,"skipped":0,"days":[[1,9223372036854775807,0,0],[2,1,0,0]]}',
  '{"version":1,"skipped":0,"days":[[1,99999999999999999999,0,0]]}',
  '{"version":1,"skipped":0,"days":[[5000,1,0,0],[2147483647,0,0,1]]}']) v;

-- bad binary input: 22P03, never a crash
SELECT name, pg_temp.recv(b)
FROM (VALUES
  ('valid', '\x01'::bytea || int8send(0) || pg_temp.u32(1) || pg_temp.u32(3) || int8send(1) || int8send(0) || int8send(2)),
  ('valid, empty', '\x01'::bytea || int8send(5) || pg_temp.u32(0)),
  ('empty bytes', ''::bytea),
  ('version 2', '\x02'::bytea || int8send(0) || pg_temp.u32(0)),
  ('cut in skipped', '\x01'::bytea || substring(int8send(0) FROM 1 FOR 3)),
  ('negative skipped', '\x01'::bytea || int8send(-1) || pg_temp.u32(0)),
  ('count beyond the value', '\x01'::bytea || int8send(0) || pg_temp.u32(1000000)),
  ('cut in an entry', '\x01'::bytea || int8send(0) || pg_temp.u32(1) || pg_temp.u32(3) || int8send(1) || int8send(0) || '\x0000'::bytea),
  ('trailing bytes', '\x01'::bytea || int8send(0) || pg_temp.u32(0) || '\x00'::bytea),
  ('day beyond int', '\x01'::bytea || int8send(0) || pg_temp.u32(1) || pg_temp.u32(2147483648) || int8send(1) || int8send(0) || int8send(0)),
  ('negative count', '\x01'::bytea || int8send(0) || pg_temp.u32(1) || pg_temp.u32(3) || int8send(-1) || int8send(5) || int8send(0)),
  ('empty entry', '\x01'::bytea || int8send(0) || pg_temp.u32(1) || pg_temp.u32(3) || int8send(0) || int8send(0) || int8send(0)),
  ('days repeated', '\x01'::bytea || int8send(0) || pg_temp.u32(2) || pg_temp.u32(3) || int8send(1) || int8send(0) || int8send(0)
                    || pg_temp.u32(3) || int8send(1) || int8send(0) || int8send(0)),
  ('total overflows', '\x01'::bytea || int8send(0) || pg_temp.u32(2) || pg_temp.u32(3) || int8send(9223372036854775807) || int8send(0) || int8send(0)
                    || pg_temp.u32(4) || int8send(1) || int8send(0) || int8send(0))) v(name, b);

------------------------------------------------------------------------------
-- 4. Errors and edges
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.winrate_curve(stage, created_at, closed_at, NULL) FROM wr_tiny$$) AS null_as_of,
       pg_temp.try($$SELECT funnel.winrate_curve(stage, created_at, closed_at, 'infinity') FROM wr_tiny$$) AS infinite_as_of,
       pg_temp.try($$SELECT funnel.winrate_curve('lead'::funnel.sales_stage, '-infinity', NULL, '2025-01-01')$$) AS infinite_created,
       pg_temp.try($$SELECT funnel.winrate_curve('closed_won'::funnel.sales_stage, '2024-01-01', '-infinity', '2025-01-01')$$) AS infinite_closed;
SELECT pg_temp.try($$SELECT funnel.win_rate_within(c, -1) FROM wr_tiny_c$$) AS negative_days,
       (SELECT funnel.win_rate_within(c, NULL) FROM wr_tiny_c) AS null_days;
CREATE TYPE wr_plain AS ENUM ('a', 'b');
SELECT pg_temp.try($$SELECT funnel.winrate_curve('a'::wr_plain, now(), NULL)$$) AS not_a_funnel;
SELECT pg_temp.try($$SELECT funnel.winrate_curve_transfn(NULL, 'lead'::funnel.sales_stage, now(), NULL)$$) AS outside_aggregate;
-- no rows: NULL; one deal; all open; all lost; ties on one day (events before censoring)
SELECT funnel.winrate_curve(stage, created_at, closed_at, '2025-01-01') IS NULL AS no_rows FROM wr_tiny WHERE false;
SELECT c, funnel.win_rate_within(c, 0), funnel.win_rate_within(c, 9), funnel.win_rate_within(c, 10),
       funnel.closed_win_rate(c), funnel.cohort_win_rate(c)
FROM (SELECT funnel.winrate_curve('closed_won'::funnel.sales_stage, '2025-01-01', '2025-01-11', '2025-02-01') AS c) q;
SELECT r.* FROM (SELECT funnel.winrate_curve('closed_won'::funnel.sales_stage, '2025-01-01', '2025-01-11', '2025-02-01') AS c) q,
                funnel.win_rate_curve(q.c) r;
SELECT c, funnel.win_rate_within(c, 1000), funnel.closed_win_rate(c), funnel.cohort_win_rate(c), r.*
FROM (SELECT funnel.winrate_curve('proposal'::funnel.sales_stage, '2025-01-01'::timestamptz + i * interval '1 day', NULL, '2025-02-01') AS c
      FROM generate_series(0, 2) i) q, funnel.win_rate_curve(q.c) r;
SELECT c, funnel.win_rate_within(c, 1000), funnel.closed_win_rate(c), funnel.cohort_win_rate(c), r.*
FROM (SELECT funnel.winrate_curve('closed_lost'::funnel.sales_stage, '2025-01-01', '2025-01-01'::timestamptz + i * interval '1 day', '2025-02-01') AS c
      FROM generate_series(0, 2) i) q, funnel.win_rate_curve(q.c) r;
-- ties at day 3: 4 at risk, 1 won, 1 lost, 1 censored (the censored deal is at risk that day)
SELECT r.* FROM (SELECT funnel.rollup(c) AS c FROM (
                   SELECT funnel.winrate_curve(s::funnel.sales_stage, '2025-01-01', '2025-01-04 06:00', '2025-01-04 12:00') AS c
                   FROM unnest('{closed_won,closed_lost,proposal}'::text[]) s
                   UNION ALL SELECT funnel.winrate_curve('closed_won'::funnel.sales_stage, '2025-01-01', '2025-01-09', '2025-02-01')) x) q,
                funnel.win_rate_curve(q.c) r;
-- a deal far beyond the dense days (over 11 years), merged and printed in order
SELECT funnel.rollup(c) FROM (VALUES ('{"version":1,"skipped":0,"days":[[9000,1,0,0]]}'::funnel.winrate_curve),
                                     ('{"version":1,"skipped":1,"days":[[2,0,1,0],[5000,0,0,1],[100000,1,0,0]]}'),
                                     ('{"version":1,"skipped":0,"days":[[4095,0,0,1],[5000,1,0,0]]}'::text::funnel.winrate_curve)) v(c);
