-- learned.sql: funnel.stage_outcomes, stage-to-win probabilities learned from
-- history (per open stage: the Aalen-Johansen chance that a deal which was in
-- it is won, lost deals a competing outcome, open deals censored), against
-- hand arithmetic on a tiny history and a plain-SQL estimator on random
-- histories, serial and with parallel aggregation forced on; rollup, text and
-- binary round trips, bad input, the weighted pipeline, the tracked-table
-- form, funnel changes, edges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
\set try_report true
\i sql/_helpers.sql

-- a funnel where deals may go back and be reopened
SELECT funnel.create_funnel('lr_stage', ARRAY['lead', 'demo', 'proposal', 'nego'], won => '{won}',
                            lost => '{lost}', allow_backward => true, allow_reopen => true);
SELECT funnel.set_stage('lead'::lr_stage, 0.1), funnel.set_stage('demo'::lr_stage, 0.3),
       funnel.set_stage('proposal'::lr_stage, 0.6);

------------------------------------------------------------------------------
-- 1. A tiny history computed by hand, as of 2025-03-01
------------------------------------------------------------------------------
CREATE TABLE lr_tiny (id int, stage lr_stage, at timestamptz);
INSERT INTO lr_tiny VALUES
  (1, 'lead', '2025-01-01'), (1, 'demo', '2025-01-03'), (1, 'proposal', '2025-01-10'), (1, 'won', '2025-01-20'),
  (2, 'lead', '2025-01-01'), (2, 'demo', '2025-01-05'), (2, 'lost', '2025-01-15'),
  -- deal 3 goes back to lead and enters demo again: its demo origin is its first entry
  (3, 'lead', '2025-01-02'), (3, 'demo', '2025-01-04'), (3, 'lead', '2025-01-06'), (3, 'demo', '2025-01-12'),
  (3, 'proposal', '2025-01-20'), (3, 'won', '2025-02-20'),
  -- deal 4 is lost the moment it is created (day 0)
  (4, 'lead', '2025-01-05'), (4, 'lost', '2025-01-05'),
  -- deal 5 skipped lead
  (5, 'demo', '2025-01-10 12:00'), (5, 'won', '2025-01-20 12:00'),
  -- day 10 of lead: one won, one lost, one censored (deal 8, open 10 days at as_of)
  (6, 'lead', '2025-01-01'), (6, 'won', '2025-01-11'),
  (7, 'lead', '2025-01-01'), (7, 'lost', '2025-01-11 06:00'),
  (8, 'lead', '2025-02-19'),
  -- deal 9 was lost, reopened into demo and won: won at its last close
  (9, 'lead', '2025-01-01'), (9, 'lost', '2025-01-05'), (9, 'demo', '2025-01-10'), (9, 'won', '2025-02-10'),
  -- deal 10 is won after as_of: open then; deal 11 starts after as_of: not counted
  (10, 'lead', '2025-02-01'), (10, 'won', '2025-03-15'),
  (11, 'lead', '2025-04-01'),
  (12, 'demo', '2025-02-01'),
  -- rows without a stage or time are skipped; deal 13 has only those (a NULL journey)
  (12, NULL, '2025-01-01'), (13, NULL, '2025-01-01'), (13, 'lead', NULL);
CREATE TABLE lr_tiny_j AS SELECT id, funnel.journey(stage, at) AS j FROM lr_tiny GROUP BY id;
SELECT count(*) AS journeys, count(j) AS not_null FROM lr_tiny_j;
CREATE TABLE lr_tiny_s AS SELECT funnel.stage_outcomes(j, '2025-03-01') AS s FROM lr_tiny_j;
SELECT s FROM lr_tiny_s;
SELECT r.* FROM lr_tiny_s, funnel.stage_probabilities(s) r;
-- by hand.  lead, 9 deals: day 0 lost (n 9): S = 8/9.  Day 10 (n 8) won, lost,
-- censored: F = 8/9 * 1/8 = 1/9, S = 8/9 * 6/8 = 2/3.  Day 14 (n 5) lost: S = 8/15.
-- Day 19 (n 4) won: F += 8/15 * 1/4 -> 11/45, S = 2/5.  Day 28 censored.  Day 40
-- (n 2) won: F += 2/5 * 1/2 -> 4/9, S = 1/5.  Day 49 (n 1) won: F = 29/45.
-- demo, 6 deals: day 10 (n 6) won and lost: F = 1/6, S = 2/3.  Day 17 (n 4) won:
-- F = 1/3, S = 1/2.  Day 28 censored.  Day 31 (n 2) won: F = 7/12, S = 1/4.  Day 47
-- (deal 3 from its first demo, not day 39 from its second) won: F = 5/6.
-- proposal: won on days 10 and 31: F = 1.  nego: nobody, no probability.
-- The band of demo: the delta-method variance at day 47 summed term by term.
SELECT abs(funnel.stage_probability(s, 'lead'::lr_stage) - 29.0 / 45) < 1e-15 AS lead,
       abs(funnel.stage_probability(s, 'demo'::lr_stage) - 5.0 / 6) < 1e-15 AS demo,
       funnel.stage_probability(s, 'proposal'::lr_stage) AS proposal,
       funnel.stage_probability(s, 'nego'::lr_stage) AS nego,
       funnel.stage_probability(s, 'won'::lr_stage) AS won,
       funnel.stage_probability(s, 'lost'::lr_stage) AS lost,
       (SELECT closed_win_rate FROM funnel.stage_probabilities(s) WHERE stage = 'lead') = 4.0 / 7 AS lead_closed
FROM lr_tiny_s;
WITH d(t, n, d1, d, f, s_before) AS (VALUES
       (10, 6, 1, 2, 1.0 / 6, 1.0), (17, 4, 1, 1, 1.0 / 3, 2.0 / 3), (31, 2, 1, 1, 7.0 / 12, 1.0 / 2),
       (47, 1, 1, 1, 5.0 / 6, 1.0 / 4)),
     v AS (SELECT sum(CASE WHEN n > d THEN (5.0 / 6 - f) ^ 2 * d / (n * (n - d)) ELSE 0 END)
                  + sum(s_before ^ 2 * d1 * (n - d1) / n ^ 3)
                  - 2 * sum((5.0 / 6 - f) * s_before * d1 / n ^ 2) AS var FROM d)
SELECT abs(r.lower - greatest(0, 5.0 / 6 - 1.959963984540054 * sqrt(var))) < 1e-12 AS lower_ok,
       abs(r.upper - least(1, 5.0 / 6 + 1.959963984540054 * sqrt(var))) < 1e-12 AS upper_ok
FROM lr_tiny_s, funnel.stage_probabilities(s) r, v WHERE r.stage = 'demo';
-- as of an earlier moment: deal 3 still open, deals 9 and 10 unknown yet
SELECT r.stage, r.deals, r.won, r.lost, r.open, round(r.probability::numeric, 6) AS probability, r.closed_win_rate
FROM (SELECT funnel.stage_outcomes(j, '2025-01-12') AS s FROM lr_tiny_j) q, funnel.stage_probabilities(q.s) r;
-- without as_of: censored at now() (every date is in the past), so only the open deals move
SELECT (SELECT funnel.stage_outcomes(j) FROM lr_tiny_j)::text = (SELECT funnel.stage_outcomes(j, now()) FROM lr_tiny_j)::text
       AS one_arg_is_now,
       (SELECT funnel.stage_outcomes(j) FROM lr_tiny_j)::text <> (SELECT s::text FROM lr_tiny_s) AS differs_from_as_of;

-- a funnel that forbids reopening (sales_stage): an open stage entered after a
-- close does not reopen the deal and is not counted; a deal moved from won to
-- lost closed when it entered the closed stages
CREATE TABLE lr_noreopen (id int, stage funnel.sales_stage, at timestamptz);
INSERT INTO lr_noreopen VALUES
  (1, 'lead', '2025-01-01'), (1, 'closed_lost', '2025-01-05'), (1, 'proposal', '2025-01-10'),
  (2, 'lead', '2025-01-01'), (2, 'closed_won', '2025-01-03'), (2, 'closed_lost', '2025-01-04'),
  (3, 'qualified', '2025-01-01'), (3, 'closed_won', '2025-01-31');
SELECT q.s, r.stage, r.deals, r.won, r.lost, r.open, r.probability
FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s
      FROM (SELECT funnel.journey(stage, at) AS j FROM lr_noreopen GROUP BY id) d) q,
     funnel.stage_probabilities(q.s) r;

------------------------------------------------------------------------------
-- 2. Random histories: the aggregate against a plain-SQL Aalen-Johansen per stage
------------------------------------------------------------------------------
SELECT setseed(0.41);
-- each deal: a start, then 0 to 6 moves a few days apart (forward, back, lost,
-- won, and out of won or lost again); every move at its own instant
CREATE TABLE lr_hist (id int, stage lr_stage, at timestamptz);
INSERT INTO lr_hist
SELECT id, (enum_range(NULL::lr_stage))[1 + k], at
FROM (SELECT g.id, s.n,
             CASE WHEN s.n = 0 THEN floor(random() * 2)::int ELSE floor(random() * 6)::int END AS k,
             g.start + sum(random() * random() * 40 * interval '1 day') OVER (PARTITION BY g.id ORDER BY s.n) AS at
      FROM (SELECT i AS id, '2024-01-01'::timestamptz + random() * 450 * interval '1 day' AS start,
                   floor(random() * 7)::int AS moves
            FROM generate_series(1, 3000) i) g,
           generate_series(0, g.moves) s(n)) x;
-- a journey keeps one event per stage change: consecutive repeats are not visits
CREATE TABLE lr_j AS SELECT id, funnel.journey(stage, at) AS j FROM lr_hist GROUP BY id;

-- the deals as the estimator sees them at as_of: per open stage first entered
-- at or before the deal's end, its day and outcome
CREATE FUNCTION pg_temp.stage_days(as_of timestamptz)
RETURNS TABLE (stage lr_stage, day int, outcome text) LANGUAGE sql STABLE AS $$
    WITH ev AS (   -- consecutive repeats of a stage are one visit
        SELECT id, stage, at FROM (
            SELECT id, stage, at, lag(stage) OVER (PARTITION BY id ORDER BY at) AS prev
            FROM lr_hist WHERE at <= as_of) e
        WHERE prev IS DISTINCT FROM stage),
    last AS (
        SELECT DISTINCT ON (id) id, stage AS last_stage FROM ev ORDER BY id, at DESC),
    deal AS (
        SELECT l.id,
               CASE WHEN NOT funnel.is_closed(l.last_stage) THEN 'censored'
                    WHEN funnel.is_won(l.last_stage) THEN 'won' ELSE 'lost' END AS outcome,
               CASE WHEN NOT funnel.is_closed(l.last_stage) THEN as_of
                    ELSE (SELECT min(e.at) FROM ev e WHERE e.id = l.id
                            AND e.at > coalesce((SELECT max(o.at) FROM ev o
                                                 WHERE o.id = l.id AND NOT funnel.is_closed(o.stage)), '-infinity'))
               END AS end_at
        FROM last l),
    firsts AS (
        SELECT id, stage, min(at) AS first_at FROM ev WHERE NOT funnel.is_closed(stage) GROUP BY id, stage)
    SELECT f.stage, floor(extract(epoch FROM d.end_at - f.first_at) / 86400)::int, d.outcome
    FROM firsts f JOIN deal d USING (id) WHERE f.first_at <= d.end_at
$$;
-- the plain-SQL estimator per stage, at the end of follow-up
CREATE FUNCTION pg_temp.reference(as_of timestamptz)
RETURNS TABLE (stage text, deals bigint, won bigint, lost bigint, open bigint, probability float8,
               lower float8, upper float8, closed_win_rate float8) LANGUAGE sql STABLE AS $$
    WITH per_day AS (
        SELECT stage, day, count(*) FILTER (WHERE outcome = 'won') AS won,
               count(*) FILTER (WHERE outcome = 'lost') AS lost,
               count(*) FILTER (WHERE outcome = 'censored') AS censored
        FROM pg_temp.stage_days(as_of) GROUP BY stage, day),
    risk AS (
        SELECT p.*, (sum(won + lost + censored) OVER (PARTITION BY stage ORDER BY day DESC))::bigint AS n
        FROM per_day p),
    surv AS (
        SELECT r.*, CASE WHEN bool_or(won + lost = n) OVER before THEN 0
                         ELSE coalesce(exp(sum(ln(1 - (won + lost)::float8 / n)) OVER before), 1) END AS s
        FROM risk r
        WINDOW before AS (PARTITION BY stage ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
    cif AS (
        SELECT s.*, sum(s * won / n) OVER (PARTITION BY stage ORDER BY day) AS f FROM surv s),
    fin AS (
        SELECT DISTINCT ON (stage) stage, f AS ff FROM cif ORDER BY stage, day DESC),
    var AS (
        SELECT j.stage, greatest(0, sum(CASE WHEN j.n > j.won + j.lost
                                             THEN (t.ff - j.f) ^ 2 * (j.won + j.lost) / (j.n * (j.n - j.won - j.lost)::float8)
                                             ELSE 0 END)
                                    + sum(j.s ^ 2 * j.won * (j.n - j.won) / (j.n::float8 ^ 3))
                                    - 2 * sum((t.ff - j.f) * j.s * j.won / (j.n::float8 ^ 2))) AS v
        FROM cif j JOIN fin t USING (stage) GROUP BY j.stage)
    SELECT c.stage::text, sum(c.won + c.lost + c.censored)::bigint, sum(c.won)::bigint, sum(c.lost)::bigint,
           sum(c.censored)::bigint,
           CASE WHEN sum(c.won + c.lost) > 0 THEN max(fin.ff) END,
           CASE WHEN sum(c.won + c.lost) > 0 THEN greatest(0, max(fin.ff) - 1.959963984540054 * sqrt(max(var.v))) END,
           CASE WHEN sum(c.won + c.lost) > 0 THEN least(1, max(fin.ff) + 1.959963984540054 * sqrt(max(var.v))) END,
           CASE WHEN sum(c.won + c.lost) > 0 THEN sum(c.won)::float8 / sum(c.won + c.lost) END
    FROM cif c JOIN fin USING (stage) JOIN var USING (stage) GROUP BY c.stage
$$;
CREATE FUNCTION pg_temp.mismatches(s funnel.stage_outcomes, as_of timestamptz)
RETURNS TABLE (stages bigint, count_mismatches bigint, probability_mismatches bigint, band_mismatches bigint,
               closed_mismatches bigint) LANGUAGE sql STABLE AS $$
    SELECT count(*),
           count(*) FILTER (WHERE a.deals IS DISTINCT FROM coalesce(r.deals, 0) OR a.won IS DISTINCT FROM coalesce(r.won, 0)
                               OR a.lost IS DISTINCT FROM coalesce(r.lost, 0) OR a.open IS DISTINCT FROM coalesce(r.open, 0)),
           count(*) FILTER (WHERE NOT coalesce(abs(a.probability - r.probability) < 1e-12,
                                               a.probability IS NULL AND r.probability IS NULL)),
           count(*) FILTER (WHERE NOT coalesce(abs(a.lower - r.lower) < 1e-9 AND abs(a.upper - r.upper) < 1e-9,
                                               a.lower IS NULL AND r.lower IS NULL)),
           count(*) FILTER (WHERE NOT coalesce(abs(a.closed_win_rate - r.closed_win_rate) < 1e-15,
                                               a.closed_win_rate IS NULL AND r.closed_win_rate IS NULL))
    FROM funnel.stage_probabilities(s) a LEFT JOIN pg_temp.reference(as_of) r USING (stage)
    WHERE NOT funnel.is_closed(a.stage::lr_stage)
$$;
-- every case is there at the moment compared: won, lost, open, reopened deals, back moves, nego
SELECT count(*) AS deals, count(*) FILTER (WHERE funnel.outcome(j) = 'won') > 0 AS won,
       count(*) FILTER (WHERE funnel.outcome(j) = 'lost') > 0 AS lost,
       count(*) FILTER (WHERE funnel.outcome(j) = 'open') > 0 AS open,
       count(*) FILTER (WHERE funnel.entries(j, 'demo'::lr_stage) > 1) > 0 AS reentered,
       count(*) FILTER (WHERE funnel.entered(j, 'won'::lr_stage) AND funnel.outcome(j) <> 'won') > 0 AS reopened
FROM lr_j;
CREATE TABLE lr_one AS SELECT funnel.stage_outcomes(j, '2025-01-01') AS s FROM lr_j;
SELECT m.* FROM lr_one, pg_temp.mismatches(s, '2025-01-01') m;
SELECT r.stage, r.deals > 100 AS many, r.probability BETWEEN 0 AND r.closed_win_rate AS below_closed_rate,
       r.lower <= r.probability AND r.probability <= r.upper AS in_band
FROM lr_one, funnel.stage_probabilities(s) r WHERE r.stage IN ('lead', 'demo', 'proposal', 'nego');
-- another moment
SELECT m.* FROM (SELECT funnel.stage_outcomes(j, '2024-06-15') AS s FROM lr_j) q, pg_temp.mismatches(q.s, '2024-06-15') m;

-- with parallel aggregation forced on: a partial aggregate, and the same state
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SELECT pg_temp.plan_has($$SELECT funnel.stage_outcomes(j, '2025-01-01') FROM lr_j$$, '%Partial Aggregate%')
       AS partial_aggregate;
SELECT (SELECT funnel.stage_outcomes(j, '2025-01-01') FROM lr_j)::text = (SELECT s::text FROM lr_one) AS parallel_same,
       (SELECT funnel.stage_outcomes(j) FROM lr_j)::text
       = (SELECT funnel.stage_outcomes(j, now()) FROM lr_j)::text AS now_same_in_workers;
SELECT m.* FROM (SELECT funnel.stage_outcomes(j, '2025-01-01') AS s FROM lr_j) q, pg_temp.mismatches(q.s, '2025-01-01') m;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- monthly states (by month of the deal's first event: in lead or in demo) rolled up give what one pass gives
SELECT (SELECT s::text FROM lr_one) = funnel.rollup(s)::text AS rollup_same, count(*) AS months
FROM (SELECT date_trunc('month', coalesce(funnel.entered_at(j, 'lead'::lr_stage), funnel.entered_at(j, 'demo'::lr_stage))) AS m,
             funnel.stage_outcomes(j, '2025-01-01') AS s
      FROM lr_j GROUP BY 1) y;
-- as a window function (the state is read, never changed, by what follows it)
SELECT count(*) AS rows, count(DISTINCT s::text) AS distinct_states
FROM (SELECT funnel.stage_outcomes(j, '2025-01-01') OVER (ORDER BY id / 500) AS s FROM lr_j) w;

------------------------------------------------------------------------------
-- 3. Text and binary forms
------------------------------------------------------------------------------
CREATE TEMP TABLE lr_recv (s funnel.stage_outcomes);
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    DELETE FROM lr_recv;
    EXECUTE format('COPY lr_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
    SELECT string_agg(s::text, ',') INTO res FROM lr_recv;
    RETURN 'ok ' || res;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
SELECT s::text::funnel.stage_outcomes::text = s::text AS text_round_trip,
       pg_temp.recv(funnel.stage_outcomes_send(s)) = 'ok ' || s::text AS binary_round_trip
FROM lr_one;
SELECT funnel.stage_outcomes_send(s) FROM lr_tiny_s;
SELECT pg_temp.recv(funnel.stage_outcomes_send(s)) = 'ok ' || s::text AS tiny_binary_round_trip FROM lr_tiny_s;
-- the empty state: a journey whose events all come after as_of
SELECT s, funnel.stage_probability(s, 'lead'::lr_stage), (SELECT count(*) FROM funnel.stage_probabilities(s)) AS rows,
       pg_temp.recv(funnel.stage_outcomes_send(s)) AS recv
FROM (SELECT funnel.stage_outcomes(j, '2025-01-01') AS s FROM lr_tiny_j WHERE id = 11) q;
SELECT s, r.* FROM (SELECT '{"version":1,"type":null,"definition":[],"stages":[]}'::funnel.stage_outcomes AS s) q
     LEFT JOIN LATERAL funnel.stage_probabilities(q.s) r ON true;

-- bad text input: 22P02, saying what is wrong
SELECT v, pg_temp.try(format('SELECT %L::funnel.stage_outcomes', v))
FROM unnest(ARRAY[
  '',
  '[]',
  '{"version":2,"type":null,"definition":[],"stages":[]}',
  '{"version":1,"definition":[],"stages":[]}',
  '{"version":1,"type":"lr_stage","stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[]}',
  '{"version":1,"type":"no_such_type","definition":[],"stages":[]}',
  '{"version":1,"type":"text","definition":[],"stages":[]}',
  '{"version":1,"type":null,"definition":[["lead","open"]],"stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[["lead"]],"stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[["nope","open"]],"stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","maybe"]],"stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"],["lead","open"]],"stages":[]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["demo",[[1,1,0,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["won","won"]],"stages":[["won",[[1,1,0,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[1,1,0,0]]],["lead",[[2,1,0,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[1,1,0,0],[1,0,1,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[1,-1,2,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[1,0,0,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[-1,1,0,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[[1,9223372036854775807,1,0]]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead",[1,1,0,0]]]}',
  '{"version":1,"type":"lr_stage","definition":[["lead","open"]],"stages":[["lead"]]}']) v;

-- bad binary input: 22P03, never a crash (the OID form: type and label OIDs as they are)
CREATE TEMP TABLE lr_oid AS
SELECT 'lr_stage'::regtype::oid::bigint AS t,
       (SELECT oid::bigint FROM pg_enum WHERE enumtypid = 'lr_stage'::regtype AND enumlabel = 'lead') AS lead,
       (SELECT oid::bigint FROM pg_enum WHERE enumtypid = 'lr_stage'::regtype AND enumlabel = 'won') AS won,
       (SELECT oid::bigint FROM pg_enum WHERE enumtypid = 'funnel.sales_stage'::regtype AND enumlabel = 'lead') AS other;
CREATE FUNCTION pg_temp.entry(day bigint, w bigint, l bigint, c bigint) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u32(day) || int8send(w) || int8send(l) || int8send(c) $$;
SELECT name, pg_temp.recv(b)
FROM lr_oid, LATERAL (VALUES
  ('valid', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(2) || pg_temp.u32(lead) || '\x00'::bytea
            || pg_temp.u32(won) || '\x01'::bytea || pg_temp.u32(1) || pg_temp.u32(lead) || pg_temp.u32(1) || pg_temp.entry(3, 1, 0, 0)),
  ('valid, empty', '\x01'::bytea || pg_temp.u32(0) || pg_temp.u32(0) || pg_temp.u32(0)),
  ('empty bytes', ''::bytea),
  ('version 2', '\x02'::bytea || pg_temp.u32(0) || pg_temp.u32(0) || pg_temp.u32(0)),
  ('cut in the type', '\x01'::bytea || '\x0000'::bytea),
  ('definition count beyond the value', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1000)),
  ('stage count beyond the value', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(0) || pg_temp.u32(900)),
  ('stages without a type', '\x01'::bytea || pg_temp.u32(0) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea || pg_temp.u32(0)),
  ('not an enum', '\x01'::bytea || pg_temp.u32('text'::regtype::oid::bigint) || pg_temp.u32(0) || pg_temp.u32(0)),
  ('label of another type', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(other) || '\x00'::bytea || pg_temp.u32(0)),
  ('unknown outcome', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x07'::bytea || pg_temp.u32(0)),
  ('definition repeats', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(2) || pg_temp.u32(lead) || '\x00'::bytea
                         || pg_temp.u32(lead) || '\x00'::bytea || pg_temp.u32(0)),
  ('a stage outside the definition', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(0) || pg_temp.u32(1) || pg_temp.u32(lead)
                                     || pg_temp.u32(1) || pg_temp.entry(3, 1, 0, 0)),
  ('a won stage counted', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(won) || '\x01'::bytea
                          || pg_temp.u32(1) || pg_temp.u32(won) || pg_temp.u32(1) || pg_temp.entry(3, 1, 0, 0)),
  ('a stage without deals', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea
                            || pg_temp.u32(1) || pg_temp.u32(lead) || pg_temp.u32(0)),
  ('a stage twice', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea
                    || pg_temp.u32(2) || pg_temp.u32(lead) || pg_temp.u32(1) || pg_temp.entry(3, 1, 0, 0)
                    || pg_temp.u32(lead) || pg_temp.u32(1) || pg_temp.entry(4, 1, 0, 0)),
  ('days out of order', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea
                        || pg_temp.u32(1) || pg_temp.u32(lead) || pg_temp.u32(2) || pg_temp.entry(3, 1, 0, 0) || pg_temp.entry(2, 1, 0, 0)),
  ('negative count', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea
                     || pg_temp.u32(1) || pg_temp.u32(lead) || pg_temp.u32(1) || pg_temp.entry(3, -1, 2, 0)),
  ('entry count beyond the value', '\x01'::bytea || pg_temp.u32(t) || pg_temp.u32(1) || pg_temp.u32(lead) || '\x00'::bytea
                                   || pg_temp.u32(1) || pg_temp.u32(lead) || pg_temp.u32(5) || pg_temp.entry(3, 1, 0, 0)),
  ('trailing bytes', '\x01'::bytea || pg_temp.u32(0) || pg_temp.u32(0) || pg_temp.u32(0) || '\x00'::bytea),
  ('portable form cut after its mark', '\xfe'::bytea || '\x01'::bytea)) v(name, b)
ORDER BY name;
-- the portable form names an unknown type or label: 22P03 (made by renaming one in a copy)
SELECT pg_temp.recv(overlay(b PLACING convert_to('xxxx', 'UTF8') FROM position(convert_to('lead', 'UTF8') IN b) FOR 4))
       AS unknown_label
FROM (SELECT funnel.stage_outcomes_send(s) AS b FROM lr_tiny_s) q;

------------------------------------------------------------------------------
-- 4. The weighted pipeline by learned probabilities
------------------------------------------------------------------------------
CREATE TABLE lr_deal (id int, stage lr_stage, amount numeric);
INSERT INTO lr_deal VALUES (1, 'lead', 1000), (2, 'lead', 500), (3, 'demo', 1200), (4, 'proposal', 800),
                           (5, 'won', 9999), (6, 'lost', 7777), (7, 'demo', NULL);
CREATE TABLE lr_pipe AS SELECT funnel.pipeline(stage, amount, NULL, NULL) AS p FROM lr_deal;
-- lead 1500 x 29/45, demo 1200 x 5/6, proposal 800 x 1; won and lost deals are not open
SELECT funnel.weighted_value(p, s) AS learned,
       abs(funnel.weighted_value(p, s) - (1500 * 29.0 / 45 + 1200 * 5.0 / 6 + 800)) < 1e-9 AS by_hand,
       funnel.weighted_value(p) AS by_definition
FROM lr_pipe, lr_tiny_s;
-- the same from the rows a BI tool reads
SELECT sum(o.amount * r.probability::numeric) = (SELECT funnel.weighted_value(p, s) FROM lr_pipe, lr_tiny_s) AS rows_agree
FROM lr_tiny_s, funnel.stage_probabilities(s) r
JOIN (SELECT stage::text AS stage, sum(amount) AS amount FROM lr_deal WHERE NOT funnel.is_closed(stage) GROUP BY 1) o USING (stage);
-- an open deal in a stage nothing was learned about (nego): NULL, not a silent 0
SELECT funnel.weighted_value(funnel.pipeline(stage, amount, NULL, NULL), (SELECT s FROM lr_tiny_s)) IS NULL AS unknown_stage_null
FROM (VALUES ('lead'::lr_stage, 100::numeric), ('nego', 50)) v(stage, amount);
-- nothing open: 0; an empty state with open deals: NULL
SELECT funnel.weighted_value(funnel.pipeline(stage, amount, NULL, NULL), (SELECT s FROM lr_tiny_s)) AS nothing_open
FROM (VALUES ('won'::lr_stage, 100::numeric)) v(stage, amount);
SELECT funnel.weighted_value(p, '{"version":1,"type":null,"definition":[],"stages":[]}') IS NULL AS empty_state_null FROM lr_pipe;
-- pipeline_flow: the open pipeline at a moment from history rows, weighted
CREATE TABLE lr_flowhist (id int, from_stage lr_stage, to_stage lr_stage, changed_at timestamptz,
                          from_amount numeric, amount numeric);
INSERT INTO lr_flowhist VALUES (1, NULL, 'lead', '2025-01-01', NULL, 1000), (1, 'lead', 'demo', '2025-01-05', 1000, 1000),
                               (2, NULL, 'lead', '2025-01-02', NULL, 500), (3, NULL, 'proposal', '2025-01-03', NULL, 800),
                               (3, 'proposal', 'won', '2025-01-09', 800, 800);
SELECT funnel.weighted_value(f, s) AS at_jan_4,
       funnel.weighted_value(f, s) = 1500 * (29.0 / 45)::float8::numeric + 800 AS by_hand
FROM (SELECT funnel.pipeline_as_of('2025-01-04', changed_at, from_stage, to_stage, from_amount, amount) AS f
      FROM lr_flowhist) q, lr_tiny_s;
SELECT funnel.weighted_value(f, s) AS at_jan_10,
       (SELECT sum(o.amount * r.probability::numeric) FROM funnel.open_stages(f) o
        JOIN funnel.stage_probabilities(s) r USING (stage) WHERE o.deals > 0) AS from_rows
FROM (SELECT funnel.pipeline_as_of('2025-01-10', changed_at, from_stage, to_stage, from_amount, amount) AS f
      FROM lr_flowhist) q, lr_tiny_s;
-- a stage a deal entered and left again before the moment holds no deal and a net 0:
-- nothing open there, so its unknown probability does not matter (nego)
SELECT funnel.weighted_value(f, s) = 300 * (29.0 / 45)::float8::numeric AS left_stage_ignored
FROM (SELECT funnel.pipeline_as_of('2025-01-04', changed_at, from_stage, to_stage, from_amount, amount) AS f
      FROM (VALUES (5, NULL::lr_stage, 'nego'::lr_stage, '2025-01-01'::timestamptz, NULL::numeric, 300::numeric),
                   (5, 'nego', 'lead', '2025-01-02', 300, 300)) h(id, from_stage, to_stage, changed_at, from_amount, amount)) q,
     lr_tiny_s;
SELECT funnel.weighted_value(f, s) IS NULL AS without_amounts_null
FROM (SELECT funnel.pipeline_as_of('2025-01-10', changed_at, from_stage, to_stage) AS f FROM lr_flowhist) q, lr_tiny_s;
-- funnels that differ: 22023
SELECT pg_temp.try($$SELECT funnel.weighted_value(funnel.pipeline('lead'::funnel.sales_stage, 10, NULL, NULL), (SELECT s FROM lr_tiny_s))$$);
SELECT pg_temp.try($$SELECT funnel.weighted_value(funnel.pipeline_as_of(now(), now(), NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, NULL, 5), (SELECT s FROM lr_tiny_s))$$);

------------------------------------------------------------------------------
-- 5. Over a tracked table
------------------------------------------------------------------------------
CREATE TABLE lr_crm (id int PRIMARY KEY, stage lr_stage NOT NULL DEFAULT 'lead', moved_at timestamptz);
SELECT funnel.track('lr_crm', stamp_column => 'moved_at');
INSERT INTO lr_crm SELECT i, 'lead', NULL FROM generate_series(1, 6) i;
UPDATE lr_crm SET stage = 'demo' WHERE id <= 4;
UPDATE lr_crm SET stage = 'won' WHERE id IN (1, 2);
UPDATE lr_crm SET stage = 'lost' WHERE id IN (3, 5);
-- spread the moves over days, so that the history has a time axis
UPDATE lr_crm_stage_history h SET changed_at = '2025-01-01'::timestamptz + (h.id * 2 + CASE h.to_stage WHEN 'lead' THEN 0
                                  WHEN 'demo' THEN 3 ELSE 9 END) * interval '1 day';
SELECT r.* FROM funnel.learned_probabilities('lr_crm', '2025-03-01') r;
SELECT (SELECT array_agg(r ORDER BY position) FROM funnel.learned_probabilities('lr_crm', '2025-03-01') r)
     = (SELECT array_agg(r ORDER BY position)
        FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s
              FROM (SELECT funnel.journey(to_stage, changed_at) AS j FROM lr_crm_stage_history GROUP BY id) d) q,
             funnel.stage_probabilities(q.s) r) AS same_as_aggregate;
-- before the moves happened: deals counted only as they stood then
SELECT r.stage, r.deals, r.won, r.lost, r.open FROM funnel.learned_probabilities('lr_crm', '2025-01-08') r;
-- a key of two columns
CREATE TABLE lr_crm2 (tenant int, id int, stage lr_stage NOT NULL DEFAULT 'lead', PRIMARY KEY (tenant, id));
SELECT funnel.track('lr_crm2');
INSERT INTO lr_crm2 VALUES (1, 1, 'lead'), (2, 1, 'lead');
UPDATE lr_crm2 SET stage = 'won' WHERE tenant = 1;
SELECT r.stage, r.deals, r.won, r.lost, r.open FROM funnel.learned_probabilities('lr_crm2', now() + interval '1 day') r
WHERE r.stage = 'lead';
SELECT * FROM pg_temp.try($$SELECT * FROM funnel.learned_probabilities('lr_deal')$$);
SELECT * FROM pg_temp.try($$SELECT * FROM funnel.learned_probabilities('lr_crm', NULL)$$);

------------------------------------------------------------------------------
-- 6. Funnel changes, errors and edges
------------------------------------------------------------------------------
-- a stage added since: nobody entered it, the figures stand
ALTER TYPE lr_stage ADD VALUE 'pilot' AFTER 'demo';
SELECT r.position, r.stage, r.deals, round(r.probability::numeric, 6) AS probability
FROM lr_tiny_s, funnel.stage_probabilities(s) r;
-- a stage whose outcome changed since the state was made: 55000, never a wrong figure
SELECT funnel.set_outcome('nego'::lr_stage, 'lost');
SELECT * FROM pg_temp.try($$SELECT * FROM funnel.stage_probabilities((SELECT s FROM lr_tiny_s))$$);
SELECT * FROM pg_temp.try($$SELECT funnel.stage_probability(s, 'lead'::lr_stage) FROM lr_tiny_s$$);
SELECT * FROM pg_temp.try($$SELECT funnel.weighted_value(p, s) FROM lr_pipe, lr_tiny_s$$);
-- merging a state of the old definition with one of the new: 55000
SELECT * FROM pg_temp.try($$SELECT funnel.rollup(s) FROM (SELECT s FROM lr_tiny_s
                             UNION ALL SELECT funnel.stage_outcomes(j, '2025-03-01') FROM lr_tiny_j) x$$);
-- a state made now is fine
SELECT r.stage, r.deals, round(r.probability::numeric, 6) AS probability
FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s FROM lr_tiny_j) q, funnel.stage_probabilities(q.s) r;
SELECT funnel.set_outcome('nego'::lr_stage, 'open');

-- arguments
SELECT * FROM pg_temp.try($$SELECT funnel.stage_outcomes(j, NULL) FROM lr_tiny_j$$);
SELECT * FROM pg_temp.try($$SELECT funnel.stage_outcomes(j, 'infinity') FROM lr_tiny_j$$);
SELECT * FROM pg_temp.try($$SELECT funnel.stage_probability(s, 'lead'::funnel.sales_stage) FROM lr_tiny_s$$);
SELECT * FROM pg_temp.try($$SELECT funnel.stage_outcomes_transfn(NULL, j) FROM lr_tiny_j$$);
-- journeys of two funnels in one state, or two states of different funnels: 22023
SELECT * FROM pg_temp.try($$SELECT funnel.stage_outcomes(j, '2025-03-01') FROM (SELECT j FROM lr_tiny_j
                             UNION ALL SELECT funnel.journey('lead'::funnel.sales_stage, '2025-01-01')) x$$);
SELECT * FROM pg_temp.try($$SELECT funnel.rollup(s) FROM (SELECT s FROM lr_tiny_s UNION ALL
                             SELECT funnel.stage_outcomes(funnel.journey('lead'::funnel.sales_stage, '2025-01-01'), '2025-03-01')) x$$);
-- no rows, or only NULL journeys: NULL; one deal
SELECT funnel.stage_outcomes(j, '2025-03-01') IS NULL AS no_rows FROM lr_tiny_j WHERE false;
SELECT funnel.stage_outcomes(j, '2025-03-01') IS NULL AS only_null_journeys FROM lr_tiny_j WHERE j IS NULL;
SELECT r.stage, r.deals, r.won, r.lost, r.open, r.probability, r.lower, r.upper, r.closed_win_rate
FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s FROM lr_tiny_j WHERE id = 5) q, funnel.stage_probabilities(q.s) r;
-- every deal still open: counted, but nothing learned (NULL, not 0)
SELECT r.stage, r.deals, r.open, r.probability, r.closed_win_rate
FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s FROM lr_tiny_j WHERE id IN (8, 12)) q,
     funnel.stage_probabilities(q.s) r WHERE r.stage IN ('lead', 'demo');
-- every deal lost: probability 0
SELECT r.stage, r.deals, r.lost, r.probability, r.closed_win_rate
FROM (SELECT funnel.stage_outcomes(j, '2025-03-01') AS s FROM lr_tiny_j WHERE id IN (2, 4, 7)) q,
     funnel.stage_probabilities(q.s) r WHERE r.stage IN ('lead', 'demo');

-- clean up: with the tables gone, nothing holds values of the funnel, which drops
DROP TABLE lr_tiny, lr_tiny_j, lr_tiny_s, lr_noreopen, lr_hist, lr_j, lr_one, lr_deal, lr_pipe, lr_flowhist,
           lr_crm, lr_crm_stage_history, lr_crm2, lr_crm2_stage_history;
DROP FUNCTION pg_temp.stage_days(timestamptz) CASCADE;
SELECT funnel.drop_funnel('lr_stage');
