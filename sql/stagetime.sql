-- stagetime.sql: funnel.stage_times(journey, amount) -> funnel.stage_value and
-- funnel.stage_time_report: time in each stage (completed visits) and the
-- amount-weighted funnel, against hand arithmetic on small cases and a plain-SQL
-- reference (window functions over the history) on random deals, serial and with
-- parallel aggregation forced on; rollup of monthly states, funnels that change,
-- text and binary round trips, bad input, the form over a tracked table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET extra_float_digits = 0;
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. Small cases computed by hand (funnel.sales_stage: lead, qualified,
--    proposal, negotiation | closed_won | closed_lost)
------------------------------------------------------------------------------
-- deal 1 skips qualified and negotiation and is won;  deal 2 goes back to lead
-- (a stage entered twice) and is in qualified now (its stay is not counted);
-- deal 3 has only a lead row and no amount;  deal 4 starts in qualified and is
-- lost at the same instant (a tie: qualified first, a 0-day visit);  deal 5
-- has no usable row (skipped);  deal 6 enters lead and proposal at the same
-- instant (open stages sort in funnel order: a 0-day lead visit); deal 7 repeats
-- its stage (not a new visit) and is still in lead
CREATE TABLE st_small (id int, stage funnel.sales_stage, at timestamptz);
INSERT INTO st_small VALUES
  (1, 'lead',        '2025-01-01'), (1, 'proposal', '2025-01-11'), (1, 'closed_won', '2025-01-21'),
  (2, 'lead',        '2025-01-01'), (2, 'qualified', '2025-01-03'), (2, 'lead', '2025-01-05'),
  (2, 'qualified',   '2025-01-09'),
  (3, 'lead',        '2025-01-02'),
  (4, 'closed_lost', '2025-01-01'), (4, 'qualified', '2025-01-01'),
  (5, NULL,          '2025-01-01'), (5, 'lead', NULL),
  (6, 'proposal',    '2025-01-10'), (6, 'lead', '2025-01-10'),
  (7, 'lead',        '2025-01-01 12:00'), (7, 'lead', '2025-01-03');
CREATE TABLE st_small_amount (id int, amount numeric);
INSERT INTO st_small_amount VALUES (1, 100), (2, 300), (3, NULL), (4, 50), (5, 1000), (6, 200), (7, 0.5);
CREATE TABLE st_small_deal AS
SELECT h.id, funnel.journey(h.stage, h.at) AS j, a.amount
FROM st_small h JOIN st_small_amount a USING (id) GROUP BY h.id, a.amount;
CREATE TABLE st_small_s AS SELECT funnel.stage_times(j, amount) AS s FROM st_small_deal;
-- lead: visits 10 (deal 1), 2 and 4 (deal 2), 0 (deal 6): left 4, average 4,
-- median 3, p90 4 + 0.7 * 6 = 8.2, amount-weighted (100*10 + 300*2 + 300*4 +
-- 200*0) / (100 + 300 + 300 + 200) = 2800 / 900; in it now: deals 3 and 7.
-- Reached (linear): deals 1, 2, 3, 4 (lost after qualified), 6, 7 = 6, value
-- 100 + 300 + 50 + 200 + 0.5 = 650.5 (deal 3 has no amount).  qualified:
-- visits 2 (deal 2) and 0 (deal 4); reached by 1, 2, 4, 6.  proposal: one
-- visit of 10 days (deal 1); deal 6 is in it now.
SELECT r.* FROM st_small_s, funnel.stage_time_report(s) r;
SELECT abs(amount_weighted_avg_days - 2800.0 / 900) < 1e-14 AS lead_weighted,
       abs(p90_days - 8.2) < 1e-14 AS lead_p90
FROM st_small_s, funnel.stage_time_report(s) WHERE stage = 'lead';
-- strict: an entity counts in the open stages before its first skipped one
-- (deal 1: lead only; deal 4 skipped lead: none; deal 6: lead only)
SELECT r."position", r.stage, r.deals_reached, r.value_reached, r.share_of_top_value
FROM st_small_s, funnel.stage_time_report(s, 'strict') r;
-- entered: the stages entered
SELECT r."position", r.stage, r.deals_reached, r.value_reached, r.share_of_top_value
FROM st_small_s, funnel.stage_time_report(s, 'entered') r;
-- the state: deals, skipped, per stage reach per policy [linear, entered, strict]
SELECT s FROM st_small_s;
-- the medians agree with funnel.summary's median_time_in_stage (same visits)
SELECT r.stage, r.median_days, funnel.days(m.median_time_in_stage) AS summary_median_days
FROM st_small_s, funnel.stage_time_report(s) r
JOIN (SELECT x.* FROM (SELECT funnel.summary(j) AS su FROM st_small_deal) q, funnel.stage_report(q.su) x) m
  USING (stage)
WHERE r.median_days IS DISTINCT FROM funnel.days(m.median_time_in_stage);

-- empty: no rows is NULL (the report of NULL has no row); only skipped deals
SELECT funnel.stage_times(j, amount) IS NULL AS no_rows FROM st_small_deal WHERE false;
SELECT s, (SELECT count(*) FROM funnel.stage_time_report(s)) AS report_rows
FROM (SELECT funnel.stage_times(j, amount) AS s FROM st_small_deal WHERE id = 5) q;
-- one deal, one row: in lead now, nothing left, no time
SELECT r.* FROM (SELECT funnel.stage_times(j, amount) AS s FROM st_small_deal WHERE id = 3) q,
                funnel.stage_time_report(q.s) r WHERE r."position" <= 2;
-- no amount at all: deals count, values are 0 and shares NULL
SELECT r."position", r.deals_reached, r.value_reached, r.share_of_top_value, r.amount_weighted_avg_days
FROM (SELECT funnel.stage_times(j, NULL) AS s FROM st_small_deal) q,
     funnel.stage_time_report(q.s) r WHERE r."position" <= 3;

------------------------------------------------------------------------------
-- 2. "By amount": GROUP BY an amount band gives time in stage per deal size
------------------------------------------------------------------------------
SELECT q.band, r.stage, r.deals_reached, r."left", r.avg_days
FROM (SELECT width_bucket(amount, 0, 400, 2) AS band, funnel.stage_times(j, amount) AS s
      FROM st_small_deal WHERE amount IS NOT NULL GROUP BY 1) q,
     funnel.stage_time_report(q.s) r
WHERE r.stage IN ('lead', 'qualified')
ORDER BY band, r."position";

------------------------------------------------------------------------------
-- 3. Random deals against a plain-SQL reference (window functions over the
--    history: events sorted as a journey sorts them, repeats dropped with lag(),
--    visits ended by lead())
------------------------------------------------------------------------------
SELECT setseed(0.31);
CREATE TABLE st_hist (id int, stage funnel.sales_stage, at timestamptz);
INSERT INTO st_hist
SELECT id, stage, base + sum(step) OVER (PARTITION BY id ORDER BY k)
FROM (SELECT d.id, k, d.base,
             CASE WHEN random() < 0.07 THEN interval '0' ELSE random() * 20 * interval '1 day' END AS step,
             (enum_range(NULL::funnel.sales_stage))[1 + floor(random() * random() * 6)::int] AS stage
      FROM (SELECT id, '2024-01-01'::timestamptz + random() * 365 * interval '1 day' AS base,
                   1 + floor(random() * 6)::int AS n
            FROM generate_series(1, 400) id) d,
           generate_series(1, d.n) k) x;
-- rows without a stage or a time (skipped), and deals with no usable row
UPDATE st_hist SET stage = NULL WHERE random() < 0.02;
UPDATE st_hist SET at = NULL WHERE random() < 0.01;
INSERT INTO st_hist VALUES (401, NULL, '2024-05-01'), (402, 'lead', NULL);
CREATE TABLE st_amount AS
SELECT id, CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 100000)::numeric, (id % 3)) END AS amount
FROM generate_series(1, 402) id;
CREATE TABLE st_deal AS
SELECT h.id, funnel.journey(h.stage, h.at) AS j, a.amount, date_trunc('month', min(h.at)) AS month
FROM st_hist h JOIN st_amount a USING (id) GROUP BY h.id, a.amount;
-- every case is there: skips, re-entries, ties, deals still in a stage, NULL amounts, skipped deals
SELECT count(*) AS deals, count(*) FILTER (WHERE j IS NULL) AS skipped,
       count(*) FILTER (WHERE amount IS NULL) AS without_amount,
       count(*) FILTER (WHERE funnel.entries(j, 'lead'::funnel.sales_stage) > 1) > 0 AS reentries,
       count(*) FILTER (WHERE funnel.outcome(j) = 'open') > 0 AS still_open,
       count(*) FILTER (WHERE funnel.reached(j, 'proposal'::funnel.sales_stage)
                          AND NOT funnel.entered(j, 'qualified'::funnel.sales_stage)) > 0 AS skips,
       (SELECT count(*) FROM (SELECT id, at FROM st_hist WHERE stage IS NOT NULL AND at IS NOT NULL
                              GROUP BY 1, 2 HAVING count(DISTINCT stage) > 1) t) > 0 AS ties
FROM st_deal;

-- the events a journey keeps, each with the start of the next one
CREATE VIEW st_ev AS
SELECT id, stage, at, lead(at) OVER w AS next_at
FROM (SELECT id, stage, at,
             lag(stage) OVER (PARTITION BY id ORDER BY at, funnel.is_closed(stage), stage) AS prev
      FROM st_hist WHERE stage IS NOT NULL AND at IS NOT NULL) x
WHERE prev IS DISTINCT FROM stage
WINDOW w AS (PARTITION BY id ORDER BY at, funnel.is_closed(stage), stage);
-- the report in plain SQL
CREATE FUNCTION pg_temp.reference(policy text)
RETURNS TABLE ("position" int, stage text, deals_reached bigint, value_reached numeric,
               share_of_top_value float8, "left" bigint, avg_days float8, median_days float8,
               p90_days float8, amount_weighted_avg_days float8, in_stage_now bigint)
LANGUAGE sql STABLE AS $$
    WITH stg AS (
        SELECT s."position" AS pos, s.stage::funnel.sales_stage AS stage, s.outcome <> 'open' AS closed,
               CASE WHEN s.outcome = 'open' THEN rank() OVER (PARTITION BY s.outcome = 'open' ORDER BY s."position") END AS open_pos
        FROM funnel.stages('funnel.sales_stage') s),
    per AS (
        SELECT d.id, g.*, EXISTS (SELECT 1 FROM st_ev e WHERE e.id = d.id AND e.stage = g.stage) AS entered
        FROM (SELECT DISTINCT id FROM st_ev) d CROSS JOIN stg g),
    f AS (
        SELECT id, coalesce(max(open_pos) FILTER (WHERE entered), 0) AS furthest,
               coalesce(min(open_pos) FILTER (WHERE NOT entered AND NOT closed) - 1,
                        max(open_pos)) AS prefix
        FROM per GROUP BY id),
    r AS (
        SELECT per.*, CASE WHEN closed OR policy = 'entered' THEN entered
                           WHEN policy = 'linear' THEN open_pos <= furthest
                           ELSE open_pos <= prefix END AS reached
        FROM per JOIN f USING (id)),
    agg AS (
        SELECT pos, r.stage, count(*) FILTER (WHERE reached) AS n,
               coalesce(sum(a.amount) FILTER (WHERE reached), 0) AS v
        FROM r JOIN st_amount a USING (id) GROUP BY pos, r.stage),
    vis AS (
        SELECT e.stage, count(*) AS n,
               avg(extract(epoch FROM e.next_at - e.at) / 86400) AS avg_d,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.next_at - e.at) / 86400) AS med,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM e.next_at - e.at) / 86400) AS p90,
               sum(a.amount * extract(epoch FROM e.next_at - e.at)) / nullif(sum(a.amount), 0) / 86400 AS wavg
        FROM st_ev e JOIN st_amount a USING (id) WHERE e.next_at IS NOT NULL GROUP BY e.stage),
    cur AS (SELECT e.stage, count(*) AS n FROM st_ev e WHERE e.next_at IS NULL GROUP BY e.stage),
    top AS (SELECT v FROM agg WHERE pos = (SELECT min(pos) FROM stg WHERE NOT closed))
    SELECT agg.pos, agg.stage::text, agg.n, agg.v, (agg.v / nullif(top.v, 0))::float8, coalesce(vis.n, 0),
           vis.avg_d::float8, vis.med, vis.p90, vis.wavg::float8, coalesce(cur.n, 0)
    FROM agg LEFT JOIN vis USING (stage) LEFT JOIN cur USING (stage) CROSS JOIN top
$$;
-- compare every row: counts and values equal, days within float rounding
CREATE FUNCTION pg_temp.mismatches(s funnel.stage_value, policy text)
RETURNS TABLE (stages bigint, count_mismatches bigint, value_mismatches bigint, day_mismatches bigint)
LANGUAGE sql STABLE AS $$
    SELECT count(*),
           count(*) FILTER (WHERE a.deals_reached IS DISTINCT FROM r.deals_reached OR a."left" IS DISTINCT FROM r."left"
                               OR a.in_stage_now IS DISTINCT FROM r.in_stage_now),
           count(*) FILTER (WHERE a.value_reached IS DISTINCT FROM r.value_reached
                               OR NOT coalesce(abs(a.share_of_top_value - r.share_of_top_value) < 1e-12,
                                               a.share_of_top_value IS NULL AND r.share_of_top_value IS NULL)),
           count(*) FILTER (WHERE NOT coalesce(abs(a.avg_days - r.avg_days) < 1e-9 AND abs(a.median_days - r.median_days) < 1e-9
                                               AND abs(a.p90_days - r.p90_days) < 1e-9
                                               AND abs(a.amount_weighted_avg_days - r.amount_weighted_avg_days) < 1e-9,
                                               a.avg_days IS NULL AND r.avg_days IS NULL AND a.median_days IS NULL
                                               AND r.median_days IS NULL AND a.p90_days IS NULL AND r.p90_days IS NULL
                                               AND a.amount_weighted_avg_days IS NULL AND r.amount_weighted_avg_days IS NULL))
    FROM funnel.stage_time_report(s, policy) a FULL JOIN pg_temp.reference(policy) r USING ("position")
$$;
CREATE TABLE st_one AS SELECT funnel.stage_times(j, amount) AS s FROM st_deal;
-- every sketch is still exact (at most 1024 visits a stage): the comparison is exact
SELECT s::text::jsonb->'deals' AS deals, s::text::jsonb->'skipped' AS skipped,
       (SELECT bool_and(e->'time' ? 'values') FROM jsonb_array_elements(s::text::jsonb->'stages') e) AS exact,
       (SELECT sum("left") FROM funnel.stage_time_report(s)) AS visits
FROM st_one;
SELECT p AS policy, m.* FROM st_one, unnest(ARRAY['linear', 'entered', 'strict']) p,
                             pg_temp.mismatches(s, p) m;
-- the exact sums behind the averages, per stage: visit lengths, amount x length and
-- amounts, against numeric arithmetic in SQL (values compared, not their scales)
SELECT count(*) AS stages,
       count(*) FILTER (WHERE coalesce(nullif(split_part(e->>'time_sum', ':', 2), '')::numeric, 0) IS DISTINCT FROM coalesce(r.us, 0)
                           OR coalesce(nullif(split_part(e->>'weighted', ':', 2), '')::numeric, 0) IS DISTINCT FROM coalesce(r.w, 0)
                           OR coalesce(nullif(split_part(e->>'weight', ':', 2), '')::numeric, 0) IS DISTINCT FROM coalesce(r.a, 0)
                           OR split_part(e->>'weighted', ':', 1)::bigint IS DISTINCT FROM coalesce(r.n, 0))
         AS sum_mismatches
FROM st_one, jsonb_array_elements(s::text::jsonb->'stages') e
LEFT JOIN (SELECT v.stage::text AS stage, sum(v.us) AS us, sum(v.amount * v.us) AS w, sum(v.amount) AS a,
                  count(v.amount) AS n
           FROM (SELECT ev.stage, a.amount, extract(epoch FROM ev.next_at - ev.at) * 1000000 AS us
                 FROM st_ev ev JOIN st_amount a USING (id) WHERE ev.next_at IS NOT NULL) v
           GROUP BY v.stage) r ON r.stage = e->>'stage';

-- with parallel aggregation forced on: a partial aggregate, and the same state
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SELECT pg_temp.plan_has($$SELECT funnel.stage_times(j, amount) FROM st_deal$$, '%Partial Aggregate%') AS partial_aggregate;
SELECT (SELECT funnel.stage_times(j, amount) FROM st_deal)::text = (SELECT s::text FROM st_one) AS parallel_same;
SELECT p AS policy, m.* FROM (SELECT funnel.stage_times(j, amount) AS s FROM st_deal) q,
                             unnest(ARRAY['linear', 'strict']) p, pg_temp.mismatches(q.s, p) m;
-- the whole chain from the history rows, parallel too
SELECT (SELECT funnel.stage_times(j, amount)
        FROM (SELECT h.id, funnel.journey(h.stage, h.at) AS j, a.amount
              FROM st_hist h JOIN st_amount a USING (id) GROUP BY h.id, a.amount) d)::text
       = (SELECT s::text FROM st_one) AS parallel_chain_same;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- monthly states (by month of the first event) rolled up give what one pass gives,
-- and so do states read back from their text form
SELECT (SELECT s::text FROM st_one) = funnel.rollup(s)::text AS rollup_same,
       (SELECT s::text FROM st_one) = funnel.rollup(s::text::funnel.stage_value)::text AS rollup_of_text_same,
       count(*) AS months
FROM (SELECT month, funnel.stage_times(j, amount) AS s FROM st_deal GROUP BY month) x;
-- as a window function (the state is only read between rows)
SELECT count(*) AS rows, count(DISTINCT s::text) AS distinct_states
FROM (SELECT funnel.stage_times(j, amount) OVER (ORDER BY month) AS s FROM st_deal) w;

------------------------------------------------------------------------------
-- 4. Text and binary forms
------------------------------------------------------------------------------
CREATE TEMP TABLE st_recv (s funnel.stage_value);
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    DELETE FROM st_recv;
    EXECUTE format('COPY st_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
    SELECT string_agg(s::text, ',') INTO res FROM st_recv;
    RETURN 'ok ' || res;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
SELECT s::text::funnel.stage_value::text = s::text AS text_round_trip,
       pg_temp.recv(funnel.stage_value_send(s)) = 'ok ' || s::text AS binary_round_trip
FROM st_one;
SELECT s::text::funnel.stage_value::text = s::text AS small_text_round_trip,
       pg_temp.recv(funnel.stage_value_send(s)) = 'ok ' || s::text AS small_binary_round_trip
FROM st_small_s;
-- a state with sketches past 1024 values (approximate) round-trips too
SELECT s::text::funnel.stage_value::text = s::text AS big_text_round_trip,
       pg_temp.recv(funnel.stage_value_send(s)) = 'ok ' || s::text AS big_binary_round_trip,
       (SELECT bool_or(NOT (e->'time' ? 'values')) FROM jsonb_array_elements(s::text::jsonb->'stages') e) AS approximate
FROM (SELECT funnel.stage_times(j, NULL) AS s
      FROM (SELECT funnel.journey(st, at) AS j
            FROM (SELECT i, 'lead'::funnel.sales_stage AS st, '2025-01-01'::timestamptz AS at FROM generate_series(1, 2000) i
                  UNION ALL SELECT i, 'qualified', '2025-01-01'::timestamptz + i * interval '1 minute'
                  FROM generate_series(1, 2000) i) x GROUP BY i) d) q;

-- bad text input: 22P02, saying what is wrong
-- (the cases in order: empty, not JSON, version 2, no stages, negative deals, deals
-- without a definition, unknown type, unknown outcome, unknown stage, a stage twice in
-- the definition, a stage outside the definition, more reached than deals, two
-- policies, more amounts than deals, a sum that is not "count:sum", more in the stage
-- now than entered it, visits without their time sum, a negative visit, weighted
-- sums without weights, more weights than visits)
SELECT n, pg_temp.try(format('SELECT %L::funnel.stage_value', v))
FROM unnest(ARRAY[
  '',
  'nonsense',
  '{"version":2,"type":null,"deals":0,"skipped":0,"order":[],"stages":[]}',
  '{"version":1,"type":null,"deals":0,"skipped":0,"order":[]}',
  '{"version":1,"type":null,"deals":-1,"skipped":0,"order":[],"stages":[]}',
  '{"version":1,"type":null,"deals":1,"skipped":0,"order":[],"stages":[]}',
  '{"version":1,"type":"funnel.no_such_type","deals":0,"skipped":0,"order":[],"stages":[]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"maybe"}],"stages":[]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"nope","outcome":"open"}],"stages":[]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"},{"stage":"lead","outcome":"open"}],"stages":[]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"qualified","reached":[1,1,1],"value":["0","0","0"],"current":0,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[2,1,1],"value":["0","0","0"],"current":0,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1],"value":["0","0","0"],"current":0,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["2:10","0","0"],"current":0,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["ten","0","0"],"current":0,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["0","0","0"],"current":2,"time":{"n":0,"values":[]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["0","0","0"],"current":0,"time":{"n":1,"values":[5]},"time_sum":"0","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["0","0","0"],"current":0,"time":{"n":1,"values":[-5]},"time_sum":"1:-5","weighted":"0","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["0","0","0"],"current":0,"time":{"n":1,"values":[5]},"time_sum":"1:5","weighted":"1:50","weight":"0"}]}',
  '{"version":1,"type":"funnel.sales_stage","deals":1,"skipped":0,"order":[{"stage":"lead","outcome":"open"}],"stages":[{"stage":"lead","reached":[1,1,1],"value":["0","0","0"],"current":0,"time":{"n":1,"values":[5]},"time_sum":"1:5","weighted":"1:50","weight":"2:10"}]}']) WITH ORDINALITY u(v, n);

-- bad binary input: 22P03, never a crash (cut, trailing bytes, another version, bytes changed)
SELECT name, pg_temp.recv(b)
FROM (SELECT funnel.stage_value_send(s) AS ok FROM st_small_s) v,
     LATERAL (VALUES
  ('valid', ok),
  ('empty bytes', ''::bytea),
  ('cut by one byte', substring(ok FROM 1 FOR length(ok) - 1)),
  ('cut in half', substring(ok FROM 1 FOR length(ok) / 2)),
  ('trailing byte', ok || '\x00'::bytea)) x(name, b);
-- every single byte changed to 0xff: an error or a valid value, never a crash
SELECT count(*) AS variants,
       count(*) FILTER (WHERE r LIKE 'ok %' OR r LIKE '22P03: %' OR r LIKE '22P02: %' OR r LIKE '42704: %') AS handled
FROM (SELECT pg_temp.recv(set_byte(ok, i, 255)) AS r
      FROM (SELECT funnel.stage_value_send(s) AS ok FROM st_small_s) v, generate_series(0, length(ok) - 1) i) q;

------------------------------------------------------------------------------
-- 5. Funnels that change: a state stored before a stage was added rolls up
--    with today's into what one pass gives; a change that cannot be carried
--    over is 55000
------------------------------------------------------------------------------
SELECT funnel.create_funnel('st_evo', '{a,b,c}', won => '{w}', lost => '{l}');
CREATE TABLE st_evo_hist (id int, stage st_evo, at timestamptz, day int);
INSERT INTO st_evo_hist
SELECT e, s::st_evo, timestamptz '2024-01-01' + (e || ' hours')::interval + (k || ' days')::interval, 1
FROM generate_series(1, 30) e,
     LATERAL (SELECT k, s FROM unnest(CASE e % 4
                    WHEN 0 THEN '{a,b,c,w}'::text[]
                    WHEN 1 THEN '{a,c,l}'::text[]
                    WHEN 2 THEN '{a,b,a,b}'::text[]
                    ELSE '{b,c}'::text[] END) WITH ORDINALITY u(s, k)) x;
CREATE TABLE st_evo_stored (day int, s funnel.stage_value);
INSERT INTO st_evo_stored
SELECT 1, funnel.stage_times(j, id * 10) FROM (SELECT id, funnel.journey(stage, at) j FROM st_evo_hist GROUP BY id) x;
ALTER TYPE st_evo ADD VALUE 'b2' AFTER 'b';
ALTER TYPE st_evo ADD VALUE 'z' BEFORE 'a';
INSERT INTO st_evo_hist
SELECT 100 + e, s::st_evo, timestamptz '2024-02-01' + (e || ' hours')::interval + (k || ' days')::interval, 2
FROM generate_series(1, 20) e,
     LATERAL (SELECT k, s FROM unnest(CASE e % 3
                    WHEN 0 THEN '{z,a,b,b2,c,w}'::text[]
                    WHEN 1 THEN '{a,b2,l}'::text[]
                    ELSE '{a,b,c}'::text[] END) WITH ORDINALITY u(s, k)) x;
INSERT INTO st_evo_stored
SELECT 2, funnel.stage_times(j, id * 10) FROM (SELECT id, funnel.journey(stage, at) j FROM st_evo_hist WHERE day = 2 GROUP BY id) x;
CREATE TABLE st_evo_pass AS
SELECT funnel.stage_times(j, id * 10) AS s FROM (SELECT id, funnel.journey(stage, at) j FROM st_evo_hist GROUP BY id) x;
SELECT p AS policy,
       (SELECT count(*) FROM ((SELECT * FROM funnel.stage_time_report((SELECT funnel.rollup(s) FROM st_evo_stored), p)
                               EXCEPT ALL SELECT * FROM funnel.stage_time_report((SELECT s FROM st_evo_pass), p))
                              UNION ALL
                              (SELECT * FROM funnel.stage_time_report((SELECT s FROM st_evo_pass), p)
                               EXCEPT ALL SELECT * FROM funnel.stage_time_report((SELECT funnel.rollup(s) FROM st_evo_stored), p))) d)
         AS rollup_differences,
       (SELECT count(*) FROM ((SELECT * FROM funnel.stage_time_report((SELECT s FROM st_evo_stored WHERE day = 1), p)
                               EXCEPT ALL SELECT * FROM funnel.stage_time_report(
                                   (SELECT funnel.stage_times(j, id * 10)
                                    FROM (SELECT id, funnel.journey(stage, at) j FROM st_evo_hist WHERE day = 1 GROUP BY id) x), p))) d)
         AS old_state_differences
FROM unnest(ARRAY['linear', 'entered', 'strict']) p;
SELECT funnel.rollup(s)::text = (SELECT s::text FROM st_evo_pass) AS rollup_state_same FROM st_evo_stored;
SELECT r."position", r.stage, r.deals_reached, r.value_reached, r."left", r.avg_days, r.in_stage_now
FROM funnel.stage_time_report((SELECT funnel.rollup(s) FROM st_evo_stored), 'strict') r;
-- an old stage that changed its outcome (a stored text edited to say so)
SELECT pg_temp.try(format('SELECT funnel.stage_time_report(%L::funnel.stage_value)',
                          replace(s::text, '{"stage":"a","outcome":"open"}', '{"stage":"a","outcome":"won"}'))) AS outcome_changed
FROM st_evo_stored WHERE day = 1;
SELECT pg_temp.try(format('SELECT funnel.rollup(x) FROM (VALUES (%L::funnel.stage_value), (%L::funnel.stage_value)) v(x)',
                          replace(s::text, '{"stage":"a","outcome":"open"}', '{"stage":"a","outcome":"won"}'), s::text))
       AS outcome_changed_rollup
FROM st_evo_stored WHERE day = 1;
SELECT pg_temp.try(format('SELECT funnel.stage_time_report(%L::funnel.stage_value)',
                          replace(s::text, '{"stage":"a","outcome":"open"},{"stage":"b","outcome":"open"}', '{"stage":"b","outcome":"open"},{"stage":"a","outcome":"open"}')))
       AS order_changed
FROM st_evo_stored WHERE day = 1;

------------------------------------------------------------------------------
-- 6. Errors and edges
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.stage_time_report(s, 'loose') FROM st_small_s$$) AS unknown_policy,
       pg_temp.try($$SELECT funnel.stage_time_report(s, 'Linear') FROM st_small_s$$) AS policy_in_capitals,
       (SELECT count(*) FROM st_small_s, funnel.stage_time_report(s, NULL)) AS null_policy_rows;
SELECT pg_temp.try($$SELECT funnel.stage_times(j, 'NaN') FROM st_small_deal$$) AS nan_amount,
       pg_temp.try($$SELECT funnel.stage_times(j, 'Infinity') FROM st_small_deal$$) AS infinite_amount;
SELECT pg_temp.try($$SELECT funnel.stage_times(j, 1) FROM (SELECT funnel.journey(stage, at) j FROM st_evo_hist GROUP BY id
                                                            UNION ALL SELECT j FROM st_small_deal) x$$) AS two_funnels,
       pg_temp.try($$SELECT funnel.rollup(s) FROM (SELECT s FROM st_small_s UNION ALL SELECT s FROM st_evo_pass) x$$)
         AS two_funnels_rollup;
SELECT pg_temp.try($$SELECT funnel.stage_value_transfn(NULL, NULL, 1)$$) AS outside_aggregate;
-- amounts with many digits and negative ones add exactly
SELECT r.stage, r.value_reached, r.amount_weighted_avg_days
FROM (SELECT funnel.stage_times(j, a) AS s
      FROM st_small_deal, (VALUES (12345678901234567890.123456789::numeric), (-0.000000001)) v(a)
      WHERE id IN (1, 2)) q, funnel.stage_time_report(q.s) r WHERE r."position" <= 2;

------------------------------------------------------------------------------
-- 7. Over a tracked table: its history, each deal with its latest amount
------------------------------------------------------------------------------
CREATE TABLE st_crm (id int PRIMARY KEY, stage funnel.sales_stage NOT NULL DEFAULT 'lead',
                     amount numeric, moved_at timestamptz);
SELECT funnel.track('st_crm', stamp_column => 'moved_at', amount_column => 'amount');
INSERT INTO st_crm VALUES (1, 'lead', 100, '2025-01-01'), (2, 'lead', 300, '2025-01-01'), (3, 'lead', NULL, '2025-01-02');
UPDATE st_crm SET stage = 'qualified', moved_at = '2025-01-04' WHERE id = 1;
UPDATE st_crm SET stage = 'proposal', moved_at = '2025-01-08' WHERE id IN (1, 2);
UPDATE st_crm SET amount = 500 WHERE id = 2;
-- a change of the amount alone is stamped by the clock (today, after the stamps of
-- 2025 given here): it is no stage event, so deal 1 is not "reopened" in proposal
UPDATE st_crm SET amount = 100.00 WHERE id = 1;
UPDATE st_crm SET stage = 'closed_won', moved_at = '2025-01-18' WHERE id = 1;
SELECT id, from_stage, to_stage, changed_at > '2026-01-01' AS stamped_today FROM st_crm_stage_history
WHERE from_stage = to_stage ORDER BY id;
SELECT * FROM funnel.stage_time_report('st_crm'::regclass);
-- the same as the aggregate over the history, by hand
SELECT count(*) AS differences
FROM ((SELECT * FROM funnel.stage_time_report('st_crm'::regclass, 'strict')
       EXCEPT ALL
       SELECT r.* FROM (SELECT funnel.stage_times(j, a) AS s
                        FROM (SELECT id, funnel.journey(to_stage, changed_at)
                                           FILTER (WHERE from_stage IS DISTINCT FROM to_stage) j,
                                     (array_agg(amount ORDER BY changed_at DESC))[1] a
                              FROM st_crm_stage_history GROUP BY id) d) q,
                       funnel.stage_time_report(q.s, 'strict') r)) x;
-- a history without amounts: deals only
CREATE TABLE st_crm2 (id int PRIMARY KEY, stage funnel.sales_stage NOT NULL, moved_at timestamptz);
SELECT funnel.track('st_crm2', stamp_column => 'moved_at');
INSERT INTO st_crm2 VALUES (1, 'lead', '2025-01-01');
UPDATE st_crm2 SET stage = 'qualified', moved_at = '2025-01-03';
SELECT "position", stage, deals_reached, value_reached, "left", avg_days, in_stage_now
FROM funnel.stage_time_report('st_crm2'::regclass) WHERE "position" <= 2;
-- a table with two key columns
CREATE TABLE st_crm3 (region text, id int, stage funnel.sales_stage NOT NULL, amount numeric,
                      moved_at timestamptz, PRIMARY KEY (region, id));
SELECT funnel.track('st_crm3', stamp_column => 'moved_at', amount_column => 'amount');
INSERT INTO st_crm3 VALUES ('eu', 1, 'lead', 10, '2025-01-01'), ('us', 1, 'lead', 20, '2025-01-02');
UPDATE st_crm3 SET stage = 'qualified', moved_at = '2025-01-05' WHERE region = 'eu';
SELECT "position", stage, deals_reached, value_reached, "left", avg_days, in_stage_now
FROM funnel.stage_time_report('st_crm3'::regclass) WHERE "position" <= 2;
-- errors: not tracked, an unknown policy, a NULL policy
SELECT pg_temp.try($$SELECT * FROM funnel.stage_time_report('st_small'::regclass)$$) AS not_tracked,
       pg_temp.try($$SELECT * FROM funnel.stage_time_report('st_crm'::regclass, 'loose')$$) AS unknown_policy,
       pg_temp.try($$SELECT * FROM funnel.stage_time_report('st_crm'::regclass, NULL)$$) AS null_policy;
