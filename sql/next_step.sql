-- next_step.sql: funnel.next_step (per entity: level, the chain's step-1 and last-step
-- times, the first labelled event after the last step reached, the last labelled event
-- before step 1), funnel.next_steps (labels per level over entities, with sample keys),
-- funnel.next_step_report, their state types' text and binary forms, and bad input.
--
-- 1. hand-made streams whose answers are worked out in the comments;
-- 2. a differential test against a plain-SQL reference on seeded random streams:
--    the chain enumerated with a recursive query (window_funnel_times' rule: the
--    fastest chain of the longest length, ties by the time to step 2, 3, ..., then the
--    earliest start), next and previous with window functions; serially and with
--    parallel aggregation forced on; daily states rolled up against one pass;
-- 3. text and binary forms; 4. errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
\set try_report true
\i sql/_helpers.sql
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

------------------------------------------------------------------------------
-- 1. Hand-made streams
------------------------------------------------------------------------------
-- steps: 1 = 'visit', 2 = 'signup', 3 = 'trial' (or the row's own step, for rows
-- without a label); window one hour; t in minutes from 2025-01-01 00:00 UTC
CREATE TABLE ns_hand (uid int, t int, label text, step int);
INSERT INTO ns_hand VALUES
    -- 1: the whole funnel, then home: level 3, next home at 20, no previous
    (1, 0, 'visit', 1), (1, 5, 'signup', 2), (1, 10, 'trial', 3), (1, 20, 'home', 0),
    -- 2: came from an ad, dropped after signup; the trial 2 hours later is outside the
    --    window, pricing came first: level 2, next pricing at 30, previous ad at -5
    (2, -5, 'ad', 0), (2, 0, 'visit', 1), (2, 5, 'signup', 2), (2, 30, 'pricing', 0), (2, 120, 'trial', 3),
    -- 3: never visited: level 0, everything else NULL
    (3, 0, 'home', 0), (3, 3, 'pricing', 0),
    -- 4: ties: two events at 10 after signup (blog < zoo), two at -10 before the visit
    --    (x1 < x2): next blog at 10, previous x1 at -10
    (4, -10, 'x2', 0), (4, -10, 'x1', 0), (4, 0, 'visit', 1), (4, 5, 'signup', 2),
    (4, 10, 'zoo', 0), (4, 10, 'blog', 0),
    -- 5: NULL labels: a step-3 row without a label at 7 (the level is 3, reached at 7),
    --    an unlabelled row at 8 is never next: next help at 9
    (5, 0, 'visit', 1), (5, 5, 'signup', 2), (5, 7, NULL, 3), (5, 8, NULL, 0), (5, 9, 'help', 0),
    -- 6: an event at the instant of the last step is not after it: next exit at 6
    (6, 0, 'visit', 1), (6, 5, 'signup', 2), (6, 5, 'faq', 0), (6, 6, 'exit', 0),
    -- 7: the fastest chain starts at the second visit (30 -> 40): previous is y at 20
    (7, 0, 'visit', 1), (7, 20, 'y', 0), (7, 30, 'visit', 1), (7, 40, 'signup', 2),
    -- 8: the next event may repeat the last step: next signup at 7
    (8, 0, 'visit', 1), (8, 5, 'signup', 2), (8, 7, 'signup', 2),
    -- 9: only a row without a time: level 0
    (9, NULL, 'visit', 1),
    -- 10: pricing between signup and trial: level 3 by default; strict_order stops at
    --     pricing: level 2, next pricing at 6
    (10, 0, 'visit', 1), (10, 5, 'signup', 2), (10, 6, 'pricing', 0), (10, 10, 'trial', 3);

CREATE TEMP VIEW ns_hand_ev AS
SELECT uid, CASE WHEN t IS NOT NULL THEN timestamptz '2025-01-01 00:00+00' + t * interval '1 minute' END AS ts,
       label, step = 1 AS s1, step = 2 AS s2, step = 3 AS s3
FROM ns_hand;

SELECT uid, (r).level, (r).entered_at::time AS entered, (r).reached_at::time AS reached,
       (r).next_label, (r).next_at::time AS next_at, (r).previous_label, (r).previous_at::time AS previous_at
FROM (SELECT uid, funnel.next_step('1 hour', ts, label, s1, s2, s3) AS r FROM ns_hand_ev GROUP BY uid) q
ORDER BY uid;

-- strict_order: an unrelated event after the first visit stops the scan.  uid 10 stops
-- at pricing (level 2, next pricing); uid 6 at faq (level 1: at one instant unrelated
-- events come first, so faq comes before the signup at 5; next faq); uid 7 at y (level
-- 1, next y); uid 2 at pricing, after signup (level 2 as before).  The rest as above.
SELECT uid, (r).level, (r).reached_at::time AS reached, (r).next_label
FROM (SELECT uid, funnel.next_step('1 hour', 'strict_order', ts, label, s1, s2, s3) AS r
      FROM ns_hand_ev GROUP BY uid) q
ORDER BY uid;

-- the level is window_funnel's and reached - entered is window_funnel_times' last
-- element, in every mode (count of disagreements: 0)
SELECT m AS mode, count(*) FILTER (WHERE (r).level <> w OR (w > 0 AND (r).reached_at - (r).entered_at <> t[w])
                                   OR (w = 0 AND (r).entered_at IS NOT NULL)) AS disagreements
FROM unnest(ARRAY['', 'strict_order', 'strict_deduplication', 'strict_increase', 'strict_once',
                  'strict_order, allow_reentry']) AS m,
     LATERAL (SELECT funnel.next_step('1 hour', m, ts, label, s1, s2, s3) AS r,
                     funnel.window_funnel('1 hour', m, ts, s1, s2, s3) AS w,
                     funnel.window_funnel_times('1 hour', m, ts, s1, s2, s3) AS t
              FROM ns_hand_ev GROUP BY uid) q
GROUP BY m ORDER BY m;

-- no rows at all: level 0; rows whose steps array is NULL are skipped
SELECT funnel.next_step('1 hour', ts, label, s1, s2, s3) AS no_rows FROM ns_hand_ev WHERE false;
SELECT funnel.next_step('1 hour', ts, label, VARIADIC NULL::boolean[]) AS null_steps FROM ns_hand_ev;
-- one row
SELECT funnel.next_step('1 hour', timestamptz '2025-01-01 00:00+00', 'visit', true) AS one_row;

-- the report over the hand-made entities: per level, labels by entities
CREATE TEMP TABLE ns_hand_res AS
SELECT uid, funnel.next_step('1 hour', ts, label, s1, s2, s3) AS r FROM ns_hand_ev GROUP BY uid;
SELECT rep.* FROM (SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s FROM ns_hand_res) q,
                  funnel.next_step_report(q.s) rep;
-- where they came from
SELECT rep.* FROM (SELECT funnel.next_steps((r).level, (r).previous_label, 'u' || uid) AS s FROM ns_hand_res) q,
                  funnel.next_step_report(q.s) rep;

-- next_steps edges: a NULL level skips the row, a NULL label is its own bucket, a
-- NULL key counts but is no sample, samples are the 3 smallest distinct keys (C order)
SELECT rep.* FROM (SELECT funnel.next_steps(l, lab, k) AS s
                   FROM (VALUES (1, 'a', 'k5'), (1, 'a', 'k1'), (1, 'a', 'k1'), (1, 'a', NULL),
                                (1, 'a', 'K9'), (1, 'a', 'k3'), (1, NULL, 'n1'), (NULL, 'a', 'skipped'),
                                (2, 'b', 'z'), (2, 'c', 'y'), (0, NULL, NULL)) v(l, lab, k)) q,
                  funnel.next_step_report(q.s) rep;
-- no rows: NULL; only skipped rows: NULL
SELECT funnel.next_steps(1, 'a', 'k') AS no_rows FROM ns_hand WHERE false;
SELECT funnel.next_steps(NULL, 'a', 'k') AS only_null_levels;
-- an empty state's report has no rows
SELECT count(*) AS empty_report_rows FROM funnel.next_step_report('{"version": 1, "entries": []}');

------------------------------------------------------------------------------
-- 2. Differential test on seeded random streams
------------------------------------------------------------------------------
-- 1500 users with 0 to 14 rows; times on a 1-minute grid over 3 hours (many ties);
-- labels from 8 pages with 8% NULL; steps from the label (p1 -> step 1, p2 -> step 2,
-- p3 -> step 3) or, for 10% of the rows, a random set of steps (rows true for several
-- steps, unlabelled steps); window 40 minutes; 2% NULL times.
SELECT setseed(0.19);
CREATE TABLE ns_ev (rid serial, uid int, ts timestamptz, label text, s1 boolean, s2 boolean, s3 boolean);
INSERT INTO ns_ev (uid, ts, label, s1, s2, s3)
SELECT uid, ts, label,
       CASE WHEN odd THEN random() < 0.3 ELSE label = 'p1' END,
       CASE WHEN odd THEN random() < 0.3 ELSE label = 'p2' END,
       CASE WHEN odd THEN random() < 0.3 ELSE label = 'p3' END
FROM (SELECT u AS uid,
             CASE WHEN random() < 0.02 THEN NULL
                  ELSE timestamptz '2025-01-01 00:00+00' + floor(random() * 180) * interval '1 minute' END AS ts,
             CASE WHEN random() < 0.08 THEN NULL ELSE 'p' || (1 + floor(random() * 8))::int END AS label,
             random() < 0.10 AS odd
      FROM generate_series(1, 1500) u, LATERAL generate_series(1, (floor(random() * 15))::int + (u * 0)) g) x;
ANALYZE ns_ev;

-- the events: one per (row, true step)
CREATE TEMP TABLE ns_step_ev AS
SELECT uid, rid, ts, k AS step
FROM ns_ev, LATERAL (VALUES (1, s1), (2, s2), (3, s3)) v(k, hold)
WHERE ts IS NOT NULL AND hold;

-- every chain: steps 1 .. L, times nondecreasing, within 40 minutes of step 1
CREATE TEMP TABLE ns_chain AS
WITH RECURSIVE c(uid, len, first, last, offs) AS (
    SELECT uid, 1, ts, ts, ARRAY[0::float8] FROM ns_step_ev WHERE step = 1
    UNION ALL
    SELECT c.uid, c.len + 1, c.first, e.ts, c.offs || extract(epoch FROM e.ts - c.first)::float8
    FROM c JOIN ns_step_ev e ON e.uid = c.uid AND e.step = c.len + 1
    WHERE e.ts >= c.last AND e.ts - c.first <= interval '40 minutes'
)
SELECT * FROM c;

-- the reference per user: the longest chain, fastest, ties by the offsets, then earliest
CREATE TEMP TABLE ns_ref AS
SELECT u.uid, coalesce(b.len, 0) AS level, b.first AS entered_at, b.last AS reached_at,
       nx.label AS next_label, nx.ts AS next_at, pv.label AS previous_label, pv.ts AS previous_at
FROM (SELECT DISTINCT uid FROM ns_ev) u
LEFT JOIN LATERAL (SELECT * FROM ns_chain c WHERE c.uid = u.uid
                   ORDER BY len DESC, last - first, offs, first LIMIT 1) b ON true
LEFT JOIN LATERAL (SELECT e.label, e.ts FROM ns_ev e
                   WHERE e.uid = u.uid AND e.label IS NOT NULL AND e.ts > b.last
                   ORDER BY e.ts, e.label COLLATE "C" LIMIT 1) nx ON true
LEFT JOIN LATERAL (SELECT e.label, e.ts FROM ns_ev e
                   WHERE e.uid = u.uid AND e.label IS NOT NULL AND e.ts < b.first
                   ORDER BY e.ts DESC, e.label COLLATE "C" LIMIT 1) pv ON true;

-- the streams hold the interesting cases
SELECT count(*) AS users, count(*) FILTER (WHERE level = 0) AS level_0,
       count(*) FILTER (WHERE level = 1) AS level_1, count(*) FILTER (WHERE level = 2) AS level_2,
       count(*) FILTER (WHERE level = 3) AS level_3,
       count(*) FILTER (WHERE level > 0 AND next_label IS NULL) AS no_next,
       count(*) FILTER (WHERE level > 0 AND previous_label IS NULL) AS no_previous,
       count(*) FILTER (WHERE next_at - reached_at > interval '40 minutes') AS next_past_window
FROM ns_ref;
SELECT count(*) AS next_at_a_tie
FROM ns_ref r WHERE (SELECT count(*) FROM ns_ev e WHERE e.uid = r.uid AND e.ts = r.next_at AND e.label IS NOT NULL) > 1;

-- mismatches between the aggregate and the reference (all 0), serially, with the rows
-- fed in random order, and with parallel aggregation forced on
CREATE FUNCTION pg_temp.ns_mismatches(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format($f$
        SELECT count(*) FROM ns_ref f FULL JOIN (%s) a USING (uid)
        WHERE a.uid IS NULL OR f.uid IS NULL
           OR ((a.r).level, (a.r).entered_at, (a.r).reached_at, (a.r).next_label, (a.r).next_at,
               (a.r).previous_label, (a.r).previous_at)
              IS DISTINCT FROM (f.level, f.entered_at, f.reached_at, f.next_label, f.next_at,
                                f.previous_label, f.previous_at)$f$, q) INTO n;
    RETURN n;
END
$$;
SELECT pg_temp.ns_mismatches($$SELECT uid, funnel.next_step('40 minutes', ts, label, s1, s2, s3) AS r
                               FROM ns_ev GROUP BY uid$$) AS serial,
       pg_temp.ns_mismatches($$SELECT uid, funnel.next_step('40 minutes', ts, label, s1, s2, s3 ORDER BY random()) AS r
                               FROM ns_ev GROUP BY uid$$) AS random_order,
       pg_temp.ns_mismatches($$SELECT uid, funnel.next_step('40 minutes', ts, label, VARIADIC ARRAY[s1, s2, s3]) AS r
                               FROM ns_ev GROUP BY uid$$) AS variadic_array;

-- the report against GROUP BY over the reference
CREATE TEMP TABLE ns_ref_report AS
SELECT level, next_label AS label, count(*) AS entities,
       count(*)::float8 / sum(count(*)) OVER (PARTITION BY level) AS share,
       (array_agg(DISTINCT ('u' || uid) COLLATE "C" ORDER BY ('u' || uid) COLLATE "C"))[1:3] AS sample_keys
FROM ns_ref GROUP BY level, next_label;
CREATE FUNCTION pg_temp.report_mismatches(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format($f$
        SELECT count(*) FROM ns_ref_report f
        FULL JOIN (SELECT rep.* FROM (%s) q, funnel.next_step_report(q.s) rep) a
          ON a.level = f.level AND a.label IS NOT DISTINCT FROM f.label
        WHERE a.level IS NULL OR f.level IS NULL OR a.entities <> f.entities
           OR abs(a.share - f.share) > 1e-12 OR a.sample_keys <> f.sample_keys$f$, q) INTO n;
    RETURN n;
END
$$;
CREATE TEMP TABLE ns_res AS
SELECT uid, funnel.next_step('40 minutes', ts, label, s1, s2, s3) AS r FROM ns_ev GROUP BY uid;
SELECT pg_temp.report_mismatches($$SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s FROM ns_res$$)
       AS report_serial,
       (SELECT count(*) FROM ns_ref_report) AS report_rows;
-- the report's order: by level, then entities descending, then label (NULL last)
SELECT bool_and(ok) AS report_ordered
FROM (SELECT (level, -entities, label IS NULL, label COLLATE "C")
             >= lag((level, -entities, label IS NULL, label COLLATE "C")) OVER (ORDER BY ord) IS NOT FALSE AS ok
      FROM (SELECT rep.*, row_number() OVER () AS ord
            FROM (SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s FROM ns_res) q,
                 funnel.next_step_report(q.s) rep) x) y;

-- daily-style partial states (by uid % 7) rolled up give what one pass gives
SELECT funnel.rollup(s)::text = (SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) FROM ns_res)::text
       AS rollup_same, count(*) AS parts
FROM (SELECT uid % 7 AS part, funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s
      FROM ns_res GROUP BY 1) x;

-- parallel aggregation forced on: partial states built by workers, combined by the leader
CREATE TABLE ns_ev_shuffled AS SELECT * FROM ns_ev ORDER BY random();
CREATE TABLE ns_res_shuffled AS SELECT * FROM ns_res ORDER BY random();
ANALYZE ns_ev_shuffled; ANALYZE ns_res_shuffled;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SET enable_hashagg = off;
SELECT pg_temp.plan_has($$SELECT uid, funnel.next_step('40 minutes', ts, label, s1, s2, s3)
                          FROM ns_ev_shuffled GROUP BY uid$$, '%Partial%Aggregate%') AS partial_next_step,
       pg_temp.ns_mismatches($$SELECT uid, funnel.next_step('40 minutes', ts, label, s1, s2, s3) AS r
                               FROM ns_ev_shuffled GROUP BY uid$$) AS parallel_mismatches;
-- one entity's events split over workers: 20000 rows of one entity, partial states
-- combined by the leader, against the serial answer
CREATE TABLE ns_one AS
SELECT timestamptz '2025-01-01 00:00+00' + floor(random() * 5000) * interval '1 minute' AS ts,
       'p' || (1 + floor(random() * 8))::int AS label, random() < 0.01 AS s1, random() < 0.01 AS s2,
       random() < 0.01 AS s3
FROM generate_series(1, 20000);
ANALYZE ns_one;
SELECT pg_temp.plan_has($$SELECT funnel.next_step('40 minutes', ts, label, s1, s2, s3) FROM ns_one$$,
                        '%Partial Aggregate%') AS partial_one_entity;
CREATE TEMP TABLE ns_one_parallel AS SELECT funnel.next_step('40 minutes', ts, label, s1, s2, s3) AS r FROM ns_one;
SELECT pg_temp.plan_has($$SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) FROM ns_res_shuffled$$,
                        '%Partial Aggregate%') AS partial_next_steps,
       pg_temp.report_mismatches($$SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s
                                   FROM ns_res_shuffled$$) AS parallel_report_mismatches;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation; RESET enable_hashagg;
SELECT (r).level AS one_entity_level, r = (SELECT funnel.next_step('40 minutes', ts, label, s1, s2, s3) FROM ns_one)
       AS one_entity_same
FROM ns_one_parallel;

------------------------------------------------------------------------------
-- 3. Text and binary forms
------------------------------------------------------------------------------
-- the per-entity state, through an aggregate without the final function
CREATE AGGREGATE pg_temp.ns_state(interval, timestamptz, text, VARIADIC boolean[]) (
    SFUNC = funnel.next_step_transfn, STYPE = funnel.next_step_events);
CREATE TEMP TABLE ns_states AS
SELECT uid, pg_temp.ns_state('1 hour', ts, label, s1, s2, s3) AS e FROM ns_hand_ev GROUP BY uid;
SELECT e FROM ns_states WHERE uid IN (5, 9) ORDER BY uid;
-- the output forms do not depend on the order the rows came in
SELECT (SELECT pg_temp.ns_state('40 minutes', ts, label, s1, s2, s3 ORDER BY random()) FROM ns_one)::text
       = (SELECT pg_temp.ns_state('40 minutes', ts, label, s1, s2, s3 ORDER BY ts DESC) FROM ns_one)::text
       AS text_order_free,
       funnel.next_step_events_send((SELECT pg_temp.ns_state('40 minutes', ts, label, s1, s2, s3 ORDER BY random()) FROM ns_one))
       = funnel.next_step_events_send((SELECT pg_temp.ns_state('40 minutes', ts, label, s1, s2, s3 ORDER BY label, ts) FROM ns_one))
       AS binary_order_free;
SELECT count(*) FILTER (WHERE e::text::funnel.next_step_events::text <> e::text) AS text_round_trip_changes,
       count(*) FILTER (WHERE funnel.next_step_final(e) IS DISTINCT FROM r) AS final_on_stored_state_differs
FROM ns_states JOIN ns_hand_res USING (uid);

CREATE TEMP TABLE ns_recv_e (v funnel.next_step_events);
CREATE TEMP TABLE ns_recv_s (v funnel.next_steps);
CREATE FUNCTION pg_temp.recv(tbl text, field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    EXECUTE format('DELETE FROM %I', tbl);
    EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tbl, pg_temp.copy_path());
    EXECUTE format('SELECT string_agg(v::text, %L) FROM %I', ',', tbl) INTO res;
    RETURN 'ok ' || res;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
SELECT count(*) AS states,
       count(*) FILTER (WHERE pg_temp.recv('ns_recv_e', funnel.next_step_events_send(e)) <> 'ok ' || e::text)
       AS binary_round_trip_changes
FROM ns_states WHERE e IS NOT NULL;
SELECT funnel.next_step_events_send(e) FROM ns_states WHERE uid = 6;
SELECT s, funnel.next_steps_send(s)
FROM (SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s FROM ns_hand_res) q;
SELECT s::text::funnel.next_steps::text = s::text AS text_round_trip,
       pg_temp.recv('ns_recv_s', funnel.next_steps_send(s)) = 'ok ' || s::text AS binary_round_trip
FROM (SELECT funnel.next_steps((r).level, (r).next_label, 'u' || uid) AS s FROM ns_res) q;

-- bad text input: 22P02, saying what is wrong
SELECT left(v, 80) AS v, pg_temp.try(format('SELECT %L::funnel.next_step_events', v))
FROM unnest(ARRAY[
  'nonsense',
  '{"version": 2, "window": 0, "mode": "", "steps": 1, "events": []}',
  '{"version": 1, "window": -1, "mode": "", "steps": 1, "events": []}',
  '{"version": 1, "window": 0, "mode": "strict", "steps": 1, "events": []}',
  '{"version": 1, "window": 0, "mode": "", "steps": 0, "events": []}',
  '{"version": 1, "window": 0, "mode": "", "steps": 33, "events": []}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2, "events": [[0, 4, "a"]]}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2, "events": [[0, 1]]}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2, "events": [[0, 1, 5]]}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2, "events": [[9223372036854775807, 1, "a"]]}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2, "events": [[0, 1, "' || repeat('x', 513) || '"]]}',
  '{"version": 1, "window": 0, "mode": "", "steps": 2}'
]) v;
SELECT left(v, 80) AS v, pg_temp.try(format('SELECT %L::funnel.next_steps', v))
FROM unnest(ARRAY[
  'nonsense',
  '{"version": 2, "entries": []}',
  '{"version": 1}',
  '{"version": 1, "entries": [[33, "a", 1, []]]}',
  '{"version": 1, "entries": [[-1, "a", 1, []]]}',
  '{"version": 1, "entries": [[1, "a", 0, []]]}',
  '{"version": 1, "entries": [[1, "a", 1, ["k1", "k2"]]]}',
  '{"version": 1, "entries": [[1, "a", 5, ["k2", "k1"]]]}',
  '{"version": 1, "entries": [[1, "a", 5, ["k1", "k2", "k3", "k4"]]]}',
  '{"version": 1, "entries": [[1, "b", 1, []], [1, "a", 1, []]]}',
  '{"version": 1, "entries": [[1, "a", 1, []], [1, null, 1, []]]}',
  '{"version": 1, "entries": [[1, "a", 1, []], [1, "a", 1, []]]}',
  '{"version": 1, "entries": [[1, "a", 1]]}',
  '{"version": 1, "entries": [[1, "' || repeat('x', 513) || '", 1, []]]}'
]) v;
-- bad binary input: 22P03.  next_step_events: u8 version | u8 steps | u8 mode |
-- i64 window | u32 n | n x (i64 time | u32 steps | i32 label length, -1 NULL | bytes)
CREATE FUNCTION pg_temp.nse_bin(version int, steps int, mode int, win bigint, n bigint, rows bytea) RETURNS bytea
LANGUAGE sql AS $$
    SELECT pg_temp.u8(version) || pg_temp.u8(steps) || pg_temp.u8(mode) || int8send(win) || pg_temp.u32(n) || rows
$$;
CREATE FUNCTION pg_temp.nse_row(ts bigint, mask bigint, len bigint, label bytea) RETURNS bytea
LANGUAGE sql AS $$ SELECT int8send(ts) || pg_temp.u32(mask) || pg_temp.u32(len) || label $$;
SELECT what, pg_temp.recv('ns_recv_e', v) AS next_step_events_recv
FROM (VALUES
  ('good', pg_temp.nse_bin(1, 2, 0, 60, 2, pg_temp.nse_row(0, 1, 1, 'a') || pg_temp.nse_row(5, 0, 4294967295, ''))),
  ('version', pg_temp.nse_bin(2, 2, 0, 60, 0, '')),
  ('truncated', '\x0102'::bytea),
  ('steps 0', pg_temp.nse_bin(1, 0, 0, 60, 0, '')),
  ('steps 33', pg_temp.nse_bin(1, 33, 0, 60, 0, '')),
  ('mode', pg_temp.nse_bin(1, 2, 255, 60, 0, '')),
  ('window', pg_temp.nse_bin(1, 2, 0, -1, 0, '')),
  ('count', pg_temp.nse_bin(1, 2, 0, 60, 2, pg_temp.nse_row(0, 1, 1, 'a'))),
  ('step', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 4, 1, 'a'))),
  ('label length', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 1, 4294967294, 'a'))),
  ('long label', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 1, 513, convert_to(repeat('x', 513), 'UTF8')))),
  ('cut label', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 1, 3, 'a'))),
  ('NUL in label', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 1, 2, '\x6100'))),
  ('bad UTF-8', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(0, 1, 1, '\xff'))),
  ('infinite', pg_temp.nse_bin(1, 2, 0, 60, 1, pg_temp.nse_row(9223372036854775807, 1, 1, 'a'))),
  ('trailing', pg_temp.nse_bin(1, 2, 0, 60, 0, '\x00'))
) v(what, v);
-- next_steps: u8 version | u32 n | n x (u32 level | i32 label length, -1 none | bytes |
-- i64 count | u8 samples | samples x (u32 length | bytes))
CREATE FUNCTION pg_temp.ns_entry(level bigint, len bigint, label bytea, cnt bigint, nsamples int, samples bytea)
RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u32(level) || pg_temp.u32(len) || label || int8send(cnt) || pg_temp.u8(nsamples) || samples
$$;
SELECT what, pg_temp.recv('ns_recv_s', v) AS next_steps_recv
FROM (VALUES
  ('good', '\x0100000002'::bytea || pg_temp.ns_entry(1, 4294967295, '', 2, 1, pg_temp.u32(1) || 'k')
                               || pg_temp.ns_entry(1, 1, 'a', 1, 0, '')),
  ('version', '\x0200000000'),
  ('truncated', '\x01000000'),
  ('count', '\x0100000002' || pg_temp.ns_entry(1, 1, 'a', 1, 0, '')),
  ('level', '\x0100000001' || pg_temp.ns_entry(33, 1, 'a', 1, 0, '')),
  ('zero count', '\x0100000001' || pg_temp.ns_entry(1, 1, 'a', 0, 0, '')),
  ('label length', '\x0100000001' || pg_temp.ns_entry(1, 4294967294, '', 1, 0, '')),
  ('order', '\x0100000002' || pg_temp.ns_entry(1, 1, 'b', 1, 0, '') || pg_temp.ns_entry(1, 1, 'a', 1, 0, '')),
  ('NULL label last', '\x0100000002' || pg_temp.ns_entry(1, 1, 'a', 1, 0, '') || pg_temp.ns_entry(1, 4294967295, '', 1, 0, '')),
  ('samples > count', '\x0100000001' || pg_temp.ns_entry(1, 1, 'a', 1, 2, pg_temp.u32(1) || 'j' || pg_temp.u32(1) || 'k')),
  ('4 samples', '\x0100000001' || pg_temp.ns_entry(1, 1, 'a', 9, 4, '')),
  ('samples order', '\x0100000001' || pg_temp.ns_entry(1, 1, 'a', 5, 2, pg_temp.u32(1) || 'k' || pg_temp.u32(1) || 'j')),
  ('bad UTF-8 key', '\x0100000001' || pg_temp.ns_entry(1, 1, 'a', 5, 1, pg_temp.u32(1) || '\xff'::bytea)),
  ('trailing', '\x0100000000ff')
) v(what, v);

------------------------------------------------------------------------------
-- 4. Errors
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.next_step('-1 hour', ts, label, s1, s2, s3) FROM ns_hand_ev$$) AS negative_window;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', 'strict', ts, label, s1, s2, s3) FROM ns_hand_ev$$) AS unknown_mode;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', ts, label, VARIADIC CASE WHEN uid = 1 THEN ARRAY[s1, s2] ELSE ARRAY[s1, s2, s3] END) FROM ns_hand_ev$$) AS steps_change;
SELECT pg_temp.try($$SELECT funnel.next_step(w, ts, label, s1) FROM (VALUES (interval '1 hour', now(), 'a', true), ('2 hours', now(), 'b', true)) v(w, ts, label, s1)$$) AS window_changes;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', 'infinity', 'a', true)$$) AS infinite_time;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', now(), repeat('x', 513), true)$$) AS long_label;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', now(), 'a', VARIADIC '{}'::boolean[])$$) AS no_steps;
SELECT pg_temp.try($$SELECT funnel.next_step('1 hour', now(), 'a', VARIADIC array_fill(true, ARRAY[33]))$$) AS too_many_steps;
SELECT pg_temp.try($$SELECT funnel.next_steps(33, 'a', 'k')$$) AS level_too_high;
SELECT pg_temp.try($$SELECT funnel.next_steps(-1, 'a', 'k')$$) AS negative_level;
SELECT pg_temp.try($$SELECT funnel.next_steps(1, repeat('x', 513), 'k')$$) AS long_next_label;
SELECT pg_temp.try($$SELECT funnel.next_steps(1, 'a', repeat('k', 513))$$) AS long_key;
SELECT pg_temp.try($$SELECT funnel.next_step_transfn(NULL, '1 hour', now(), 'a', ARRAY[true])$$) AS outside_aggregate;
SELECT pg_temp.try($$SELECT funnel.next_steps_transfn(NULL, 1, 'a', 'k')$$) AS next_steps_outside_aggregate;
-- more than 100000 (level, label) pairs: 54000, never an approximation (states made
-- from their text form: the checked build checks the whole state after every row)
CREATE FUNCTION pg_temp.many(first int, n int) RETURNS funnel.next_steps LANGUAGE sql AS $$
    SELECT ('{"version": 1, "entries": ['
            || string_agg(format('[1, "l%s", 1, []]', lpad(g::text, 6, '0')), ', ' ORDER BY g) || ']}')::funnel.next_steps
    FROM generate_series(first, first + n - 1) g
$$;
SELECT (SELECT count(*) FROM funnel.next_step_report(funnel.rollup(s))) AS at_the_limit
FROM (VALUES (pg_temp.many(0, 50000)), (pg_temp.many(50000, 50000)), (pg_temp.many(0, 50000))) v(s);
SELECT pg_temp.try($$SELECT funnel.rollup(s) FROM (VALUES (pg_temp.many(0, 50000)), (pg_temp.many(50000, 50001))) v(s)$$)
       AS too_many_labels;
SELECT pg_temp.try($$SELECT pg_temp.many(0, 100001)$$) AS too_many_in_text;

DROP TABLE ns_hand, ns_ev, ns_ev_shuffled, ns_res_shuffled, ns_one CASCADE;
