-- window_funnel_detail.sql: funnel.window_funnel_detail, funnel.funnel_options and
-- funnel.detail_report against a brute-force reference in plain SQL, on hand-made
-- streams and on seeded random streams (300 users, 0 to 9 rows each, times on a
-- 5-minute grid so that ties are common, 4 steps plus an exclusion condition, a
-- held document id and a captured value), with parallel aggregation forced off
-- and on (partial states built by workers over a randomly ordered copy).
--
-- The reference enumerates every chain (a recursive query): one row per step
-- 1 .. L, optional steps left out, times nondecreasing, t(L) - t(1) <= window,
-- the gap to each step within its step window and the maximum gap, every row
-- with the entry's document when a document is held, and for the exclusion
-- (condition 5 between steps i and j) no row with x in (t(i), t(min(j, L))].  The level is the longest chain; the chain reported is the
-- fastest of that level: smallest t(L) - t(1), then each step's time from the
-- entry (a left-out step after any time), then the earliest entry, then the rows
-- in the order rows are sorted (time, lowest condition, conditions, values).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. A worked example (README "Event funnels")
------------------------------------------------------------------------------
CREATE TABLE wfd_hand (u int, ev text, ts timestamptz, doc text);
INSERT INTO wfd_hand VALUES
    (1, 'view', '2024-05-01 10:00', 'd1'), (1, 'cart', '2024-05-01 10:10', 'd1'),
    (1, 'view', '2024-05-01 10:20', 'd2'), (1, 'cart', '2024-05-01 10:25', 'd2'),
    (1, 'buy',  '2024-05-01 10:40', 'd2'),
    (2, 'view', '2024-05-01 09:00', 'd3'), (2, 'cart', '2024-05-01 09:30', 'd4'),
    (2, 'refund', '2024-05-01 09:40', 'd4'), (2, 'buy', '2024-05-01 09:50', 'd4'),
    (3, 'cart', '2024-05-01 08:00', 'd5');
SELECT u, (d).* FROM (
    SELECT u, funnel.window_funnel_detail('1 hour', ts, ARRAY[ev = 'view', ev = 'cart', ev = 'buy'], ARRAY[doc]) AS d
    FROM wfd_hand GROUP BY u) q ORDER BY u;
-- window_funnel_times agrees on the times
SELECT u, funnel.window_funnel('1 hour', ts, ev = 'view', ev = 'cart', ev = 'buy'),
       funnel.window_funnel_times('1 hour', ts, ev = 'view', ev = 'cart', ev = 'buy')
FROM wfd_hand GROUP BY u ORDER BY u;
-- every option once
SELECT u, (d).level, (d).step_times, (d).breakdown, (d).levels, (d).status, (d).excluded FROM (
    SELECT u, funnel.window_funnel_detail('1 hour', ts,
        funnel.funnel_options(exclude => '{{4,2,3}}', max_gap => '25 min', breakdown => 'entry',
                              windows => '{15 min, 2 hours}', as_of => '2024-05-01 10:30'),
        ARRAY[ev = 'view', ev = 'cart', ev = 'buy', ev = 'refund'], ARRAY[doc]) AS d
    FROM wfd_hand GROUP BY u) q ORDER BY u;
SELECT u, (d).attempts FROM (
    SELECT u, funnel.window_funnel_detail('1 hour', ts, funnel.funnel_options(counting => 'attempts'),
        ev = 'view', ev = 'cart', ev = 'buy') AS d
    FROM wfd_hand GROUP BY u) q ORDER BY u;
SELECT u, (d).level, (d).step_times, (d).step_values FROM (
    SELECT u, funnel.window_funnel_detail('1 hour', ts, funnel.funnel_options(hold => 1, optional => '{2}'),
        ARRAY[ev = 'view', ev = 'cart', ev = 'buy'], ARRAY[doc]) AS d
    FROM wfd_hand GROUP BY u) q ORDER BY u;
-- the funnel chart
SELECT r.* FROM (
    SELECT funnel.detail_report(d) AS rep FROM (
        SELECT funnel.window_funnel_detail('1 hour', ts, ev = 'view', ev = 'cart', ev = 'buy') AS d
        FROM wfd_hand GROUP BY u) q) s, funnel.detail_steps(s.rep) r;

------------------------------------------------------------------------------
-- 2. Edges and errors
------------------------------------------------------------------------------
-- no rows: NULL; rows but no step 1: level 0
SELECT funnel.window_funnel_detail('1 hour', ts, ev = 'view') IS NULL FROM wfd_hand WHERE false;
SELECT (funnel.window_funnel_detail('1 hour', ts, ev = 'view', ev = 'cart')).* FROM wfd_hand WHERE u = 3;
-- NULL time and NULL conditions skip the row; a NULL values array is all NULL values
SELECT (funnel.window_funnel_detail('1 hour', ts, ARRAY[ev = 'a', ev = 'b'], v)).step_values
FROM (VALUES ('a', '2024-01-01 00:00'::timestamptz, ARRAY['x']), ('b', NULL, ARRAY['y']),
             ('b', '2024-01-01 00:01', NULL)) t(ev, ts, v);
-- one row true for two steps fills both
SELECT (funnel.window_funnel_detail('0', ts, true, true)).step_times FROM (VALUES ('2024-01-01'::timestamptz)) t(ts);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('-1 hour', now(), true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', 'infinity', true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(optional => '{1}'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(exclude => '{{2,1,2}}'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(exclude => '{{3,1,2}}'), true, true, true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(exclude => '{1,2}'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(step_windows => '{1 min}'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(step_windows => '{NULL, 1 min, 1 min}'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(max_gap => '-1 min'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(breakdown => 'step 3'), ARRAY[true, true], ARRAY['x'])$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(breakdown => 'entry'), true, true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(hold => 2), ARRAY[true, true], ARRAY['x'])$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(windows => '{1 hour, -1 hour}'), true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), funnel.funnel_options(counting => 'totals'), true)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), ARRAY[true], '{}'::text[])$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', ts, ARRAY[true], v)
    FROM (VALUES (now(), ARRAY['a']), (now(), ARRAY['a', 'b'])) t(ts, v)$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail(w, now(), true) FROM (VALUES ('1 hour'::interval), ('2 hours')) t(w)$$);
-- text and binary forms round-trip and are checked
CREATE TABLE wfd_states (u int, s funnel.detail_events);
CREATE AGGREGATE pg_temp.wfd_state(interval, timestamptz, funnel.funnel_options, boolean[], text[]) (
    SFUNC = funnel.window_funnel_detail_transfn, STYPE = funnel.detail_events,
    COMBINEFUNC = funnel.window_funnel_detail_combine);
INSERT INTO wfd_states
SELECT u, pg_temp.wfd_state('1 hour', ts, funnel.funnel_options(max_gap => '30 min', breakdown => 'last'),
                           ARRAY[ev = 'view', ev = 'cart', ev = 'buy'], ARRAY[doc])
FROM wfd_hand GROUP BY u;
SELECT u, s::text::funnel.detail_events::text = s::text AS text_round_trip,
       (funnel.window_funnel_detail_final(s::text::funnel.detail_events)).level
FROM wfd_states ORDER BY u;
-- binary: COPY ... WITH (FORMAT binary) calls the receive functions
CREATE TEMP TABLE wfd_recv (s funnel.detail_events);
CREATE TEMP TABLE wfd_recv_report (r funnel.detail_report);
CREATE FUNCTION pg_temp.recv(tab text, field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    EXECUTE format('DELETE FROM %I', tab);
    EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tab, pg_temp.copy_path());
    EXECUTE format('SELECT string_agg(x::text, '','') FROM %I x', tab) INTO res;
    RETURN 'ok ' || res;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
SELECT u, pg_temp.recv('wfd_recv', funnel.detail_events_send(s)) = 'ok (' || s::text || ')' AS binary_round_trip
FROM wfd_states ORDER BY u;
SELECT pg_temp.recv('wfd_recv', substring(funnel.detail_events_send(s) FROM 1 FOR 20)) FROM wfd_states WHERE u = 1;
SELECT pg_temp.recv('wfd_recv', funnel.detail_events_send(s) || '\x00'::bytea) FROM wfd_states WHERE u = 1;
SELECT pg_temp.recv('wfd_recv', overlay(funnel.detail_events_send(s) placing '\x21'::bytea from 2 for 1)) FROM wfd_states WHERE u = 1;
SELECT pg_temp.try($$SELECT 'zz'::funnel.detail_events$$);
SELECT pg_temp.try($$SELECT '01'::funnel.detail_events$$);
SELECT pg_temp.try($$SELECT (SELECT overlay(s::text placing '7' from 3 for 1) FROM wfd_states WHERE u = 1)::funnel.detail_events$$);
SELECT pg_temp.try($$SELECT '00'::funnel.detail_report$$);
SELECT pg_temp.try($$SELECT funnel.detail_report(ROW(2, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::funnel.funnel_detail)$$);

------------------------------------------------------------------------------
-- 3. Random streams
------------------------------------------------------------------------------
SELECT setseed(0.19);
CREATE TABLE wfd_ev (u int, ts timestamptz, s1 boolean, s2 boolean, s3 boolean, s4 boolean, x boolean,
                     doc text, val text);
INSERT INTO wfd_ev
SELECT u, '2024-01-01'::timestamptz + (floor(random() * 30) * 5) * interval '1 minute',
       r < 0.3, r >= 0.25 AND r < 0.55, r >= 0.5 AND r < 0.75, r >= 0.72 AND r < 0.9, r >= 0.88,
       CASE WHEN random() < 0.1 THEN NULL ELSE 'd' || floor(random() * 2)::int END,
       CASE WHEN random() < 0.1 THEN NULL ELSE 'v' || floor(random() * 3)::int END
FROM generate_series(1, 300) u, LATERAL (SELECT generate_series(1, floor(random() * 10)::int + u * 0)) g,
     LATERAL (SELECT random() + g.generate_series * 0 AS r) rr;
SELECT count(*) AS rows, count(DISTINCT u) AS users FROM wfd_ev;

-- the rows with their conditions as a set and their rank in the sort order
CREATE TABLE wfd_rows AS
SELECT u, ts, m, doc, val,
       row_number() OVER (PARTITION BY u ORDER BY ts, (m & -m), m, val COLLATE "C", doc COLLATE "C") AS rk
FROM (SELECT *, (s1::int | (s2::int << 1) | (s3::int << 2) | (s4::int << 3) | (x::int << 4)) AS m FROM wfd_ev) e
WHERE m <> 0;
CREATE INDEX ON wfd_rows (u);
ANALYZE wfd_rows;

-- the reference: every valid chain under the given options (steps 1 .. 4; the
-- exclusion, when excl is given, is condition 5 between steps excl[1] and excl[2])
CREATE FUNCTION pg_temp.chains(w interval, sw interval[], gap interval, opt int[], hold boolean,
                               excl int[], asof timestamptz)
RETURNS TABLE (u int, step int, entry timestamptz, last_ts timestamptz, rks bigint[], tss timestamptz[],
               vals text[])
LANGUAGE sql AS $$
WITH RECURSIVE r AS (
    SELECT * FROM wfd_rows WHERE asof IS NULL OR ts <= asof
), chain AS (
    SELECT r.u, 1 AS step, r.ts AS last_ts, r.ts AS entry, r.doc AS entry_doc,
           ARRAY[r.rk] AS rks, ARRAY[r.ts] AS tss, ARRAY[r.val] AS vals
    FROM r WHERE r.m & 1 <> 0 AND (NOT hold OR r.doc IS NOT NULL)
    UNION ALL
    SELECT c.u, n.nstep, r.ts, c.entry, c.entry_doc,
           c.rks || array_fill(NULL::bigint, ARRAY[n.nstep - c.step - 1]) || r.rk,
           c.tss || array_fill(NULL::timestamptz, ARRAY[n.nstep - c.step - 1]) || r.ts,
           c.vals || array_fill(NULL::text, ARRAY[n.nstep - c.step - 1]) || r.val
    FROM chain c
    CROSS JOIN LATERAL (SELECT s AS nstep FROM generate_series(c.step + 1, 4) s
                        WHERE NOT EXISTS (SELECT 1 FROM generate_series(c.step + 1, s - 1) k
                                          WHERE k <> ALL (coalesce(opt, '{}')))) n
    JOIN r ON r.u = c.u
    WHERE r.m & (1 << (n.nstep - 1)) <> 0 AND r.ts >= c.last_ts AND r.ts - c.entry <= w
      AND (sw[n.nstep] IS NULL OR r.ts - c.last_ts <= sw[n.nstep])
      AND (gap IS NULL OR r.ts - c.last_ts <= gap)
      AND (NOT hold OR r.doc = c.entry_doc)
), valid AS (
    SELECT * FROM chain c
    WHERE excl IS NULL OR c.step <= excl[1] OR NOT EXISTS (
        SELECT 1 FROM r WHERE r.u = c.u AND r.m & 16 <> 0
          AND r.ts > c.tss[excl[1]] AND r.ts <= c.tss[least(excl[2], c.step)])
)
SELECT u, step, entry, last_ts, rks, tss, vals FROM valid
$$;
-- the best chain per user
CREATE FUNCTION pg_temp.ref(w interval, sw interval[], gap interval, opt int[], hold boolean,
                            excl int[], asof timestamptz)
RETURNS TABLE (u int, level int, entry timestamptz, step_times timestamptz[], step_values text[])
LANGUAGE sql AS $$
SELECT DISTINCT ON (u) u, step, entry, tss, vals
FROM pg_temp.chains(w, sw, gap, opt, hold, excl, asof)
ORDER BY u, step DESC, last_ts - entry,
         tss[2] IS NULL, tss[2] - entry, tss[3] IS NULL, tss[3] - entry,
         entry, rks[1], rks[array_length(rks, 1)], rks
$$;
-- attempts: the best chain of each entry (highest level, then fastest); the first
-- attempt at the first entry, each next one at the first entry after the previous
-- attempt's last step; their levels in order
CREATE FUNCTION pg_temp.ref_attempts(w interval, sw interval[], gap interval, opt int[], hold boolean,
                                     excl int[], asof timestamptz)
RETURNS TABLE (u int, levels int[])
LANGUAGE sql AS $$
WITH RECURSIVE per_entry AS (
    SELECT DISTINCT ON (u, rks[1]) u, rks[1] AS rk, entry, step, last_ts
    FROM pg_temp.chains(w, sw, gap, opt, hold, excl, asof)
    ORDER BY u, rks[1], step DESC, last_ts - entry,
             tss[2] IS NULL, tss[2] - entry, tss[3] IS NULL, tss[3] - entry, rks[array_length(rks, 1)], rks
), walk AS (
    (SELECT DISTINCT ON (u) u, rk, step, last_ts, ARRAY[step] AS levels FROM per_entry ORDER BY u, rk)
    UNION ALL
    SELECT n.u, n.rk, n.step, n.last_ts, w.levels || n.step
    FROM walk w CROSS JOIN LATERAL (
        SELECT * FROM per_entry p WHERE p.u = w.u AND p.entry > w.last_ts ORDER BY p.rk LIMIT 1) n
)
SELECT DISTINCT ON (u) u, levels FROM walk ORDER BY u, cardinality(levels) DESC
$$;

-- the extension's answer under the same options
CREATE FUNCTION pg_temp.ext(tab text, w interval, o funnel.funnel_options, nconds int)
RETURNS TABLE (u int, d funnel.funnel_detail)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT u, funnel.window_funnel_detail($1, ts, $2, ARRAY[s1, s2, s3, s4%s], ARRAY[val, doc]) FROM %I GROUP BY u',
        CASE WHEN nconds = 5 THEN ', x' ELSE '' END, tab) USING w, o;
END
$$;

-- users whose answers differ, per option set
CREATE FUNCTION pg_temp.diff(tab text, w interval, sw interval[], gap interval, opt int[], hold boolean,
                             excl int[], asof timestamptz)
RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_temp.ref(w, sw, gap, opt, hold, excl, asof) f
    FULL JOIN (SELECT * FROM pg_temp.ext(tab, w,
        funnel.funnel_options(step_windows => sw, max_gap => gap, optional => opt,
                              hold => CASE WHEN hold THEN 2 END,
                              exclude => CASE WHEN excl IS NOT NULL THEN ARRAY[[5, excl[1], excl[2]]] END,
                              as_of => asof),
        CASE WHEN excl IS NULL THEN 4 ELSE 5 END) x WHERE (x.d).level > 0) e ON e.u = f.u
    WHERE f.u IS NULL OR e.u IS NULL OR (e.d).level IS DISTINCT FROM f.level
       OR (e.d).entry IS DISTINCT FROM f.entry OR (e.d).step_times IS DISTINCT FROM f.step_times
       OR ARRAY(SELECT (e.d).step_values[i][1] FROM generate_series(1, f.level) i) IS DISTINCT FROM f.step_values
$$;

CREATE TABLE wfd_cases (name text, w interval, sw interval[], gap interval, opt int[], hold boolean, excl int[],
                        asof timestamptz);
INSERT INTO wfd_cases VALUES
    ('none',              '40 min', NULL, NULL, NULL, false, NULL, NULL),
    ('none, window 0',    '0', NULL, NULL, NULL, false, NULL, NULL),
    ('exclusion 1..3',    '1 hour', NULL, NULL, NULL, false, '{1,3}', NULL),
    ('exclusion 2..4',    '1 hour', NULL, NULL, NULL, false, '{2,4}', NULL),
    ('step windows',      '1 hour', '{NULL, 10 min, 20 min, NULL}', NULL, NULL, false, NULL, NULL),
    ('max gap',           '1 hour', NULL, '15 min', NULL, false, NULL, NULL),
    ('both',              '2 hours', '{NULL, NULL, 5 min}', '25 min', NULL, false, NULL, NULL),
    ('optional 2',        '1 hour', NULL, NULL, '{2}', false, NULL, NULL),
    ('optional 2, 3',     '1 hour', NULL, '20 min', '{2,3}', false, NULL, NULL),
    ('hold',              '1 hour', NULL, NULL, NULL, true, NULL, NULL),
    ('hold, optional',    '1 hour', NULL, NULL, '{3}', true, NULL, NULL),
    ('everything',        '90 min', '{NULL, 30 min}', '40 min', '{3}', true, '{1,2}', NULL),
    ('as_of',             '1 hour', NULL, NULL, NULL, false, NULL, '2024-01-01 01:30');
SELECT name, pg_temp.diff('wfd_ev', w, sw, gap, opt, hold, excl, asof) AS mismatches FROM wfd_cases ORDER BY name;
-- the streams hold the interesting cases: levels, entries with several step-1 rows
-- in the window, exclusion rows inside chains, documents that change
SELECT level, count(*) FROM pg_temp.ref('1 hour', NULL, NULL, NULL, false, NULL, NULL) GROUP BY level ORDER BY level;
SELECT count(*) FILTER (WHERE (d).excluded) AS excluded_users,
       count(*) FILTER (WHERE (d).level > 0) AS entered
FROM pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(exclude => '{{5,1,3}}'), 5);

-- without options: window_funnel's level and window_funnel_times' times
SELECT count(*) AS mismatches FROM (
    SELECT u, funnel.window_funnel_detail('40 min', ts, s1, s2, s3, s4) AS d,
           funnel.window_funnel('40 min', ts, s1, s2, s3, s4) AS level,
           funnel.window_funnel_times('40 min', ts, s1, s2, s3, s4) AS times
    FROM wfd_ev GROUP BY u) q
WHERE (d).level <> level
   OR ARRAY(SELECT t - (d).entry FROM unnest((d).step_times) t) IS DISTINCT FROM times;

-- breakdown: the first value at the entry, at step 2, at the last step of the chain
SELECT b, count(*) FILTER (WHERE (d).breakdown IS DISTINCT FROM
           (d).step_values[CASE b WHEN 'entry' THEN 1 WHEN 'last' THEN (d).level ELSE 2 END][1])
       AS mismatches,
       count(*) FILTER (WHERE (d).breakdown IS NOT NULL) AS with_value
FROM unnest(ARRAY['entry', 'step 2', 'last']) b,
     LATERAL pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(breakdown => b), 4) x
WHERE (d).level > 0
GROUP BY b ORDER BY b;

-- several windows in one pass: the level per window, as separate calls give it
SELECT count(*) AS mismatches FROM pg_temp.ext('wfd_ev', '1 hour',
        funnel.funnel_options(windows => '{0, 20 min, 2 hours}', max_gap => '30 min'), 4) x
    LEFT JOIN pg_temp.ref('0', NULL, '30 min', NULL, false, NULL, NULL) a ON a.u = x.u
    LEFT JOIN pg_temp.ref('20 min', NULL, '30 min', NULL, false, NULL, NULL) b ON b.u = x.u
    LEFT JOIN pg_temp.ref('2 hours', NULL, '30 min', NULL, false, NULL, NULL) c ON c.u = x.u
WHERE (d).levels IS DISTINCT FROM ARRAY[coalesce(a.level, 0), coalesce(b.level, 0), coalesce(c.level, 0)];

-- excluded: an exclusion lowered the level
SELECT count(*) AS mismatches FROM pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(exclude => '{{5,2,4}}'), 5) x
    LEFT JOIN pg_temp.ref('1 hour', NULL, NULL, NULL, false, NULL, NULL) f ON f.u = x.u
WHERE (d).excluded IS DISTINCT FROM (coalesce(f.level, 0) > (d).level);

-- as_of: converted (all 4 steps by as_of), in progress (a step-1 row by as_of whose
-- window ends after it), dropped (otherwise); no status without an entry
SELECT a AS as_of, count(*) FILTER (WHERE (d).status IS DISTINCT FROM
           CASE WHEN f.level IS NULL THEN NULL WHEN f.level = 4 THEN 'converted'
                WHEN EXISTS (SELECT 1 FROM wfd_rows r WHERE r.u = x.u AND r.m & 1 <> 0 AND r.ts <= a
                             AND r.ts + interval '1 hour' > a) THEN 'in_progress'
                ELSE 'dropped' END) AS mismatches,
       count(*) FILTER (WHERE (d).status = 'converted') AS converted,
       count(*) FILTER (WHERE (d).status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE (d).status = 'dropped') AS dropped
FROM unnest(ARRAY['2024-01-01 01:30'::timestamptz, '2024-01-01 03:00']) a,
     LATERAL pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(as_of => a), 4) x
     LEFT JOIN LATERAL pg_temp.ref('1 hour', NULL, NULL, NULL, false, NULL, a) f ON f.u = x.u
GROUP BY a ORDER BY a;

-- attempts: every attempt's level, by the re-entry rule (README "Options")
CREATE TABLE wfd_attempts_ref AS
SELECT c.name, a.u, a.levels
FROM wfd_cases c, LATERAL pg_temp.ref_attempts(c.w, c.sw, c.gap, c.opt, c.hold, c.excl, c.asof) a
WHERE c.name IN ('none', 'max gap', 'hold, optional', 'everything');
CREATE FUNCTION pg_temp.attempts_diff(tab text)
RETURNS TABLE (name text, mismatches bigint, users_with_several bigint)
LANGUAGE sql AS $$
SELECT c.name, count(*) FILTER (WHERE (x.d).attempts IS DISTINCT FROM coalesce(a.levels, '{}')),
       count(*) FILTER (WHERE cardinality((x.d).attempts) > 1)
FROM wfd_cases c
     CROSS JOIN LATERAL pg_temp.ext(tab, c.w,
        funnel.funnel_options(step_windows => c.sw, max_gap => c.gap, optional => c.opt,
                              hold => CASE WHEN c.hold THEN 2 END,
                              exclude => CASE WHEN c.excl IS NOT NULL THEN ARRAY[[5, c.excl[1], c.excl[2]]] END,
                              as_of => c.asof, counting => 'attempts'),
        CASE WHEN c.excl IS NULL THEN 4 ELSE 5 END) x
     LEFT JOIN wfd_attempts_ref a ON a.name = c.name AND a.u = x.u
WHERE c.name IN ('none', 'max gap', 'hold, optional', 'everything')
GROUP BY c.name ORDER BY c.name
$$;
SELECT * FROM pg_temp.attempts_diff('wfd_ev');
-- counting => 'uniques' is the default: no attempts
SELECT count(*) FILTER (WHERE (d).attempts IS NOT NULL) AS with_attempts
FROM pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(counting => 'uniques'), 4);

-- every field at once, kept to compare with the parallel plan below
CREATE TABLE wfd_full_serial AS
SELECT u, d FROM pg_temp.ext('wfd_ev', '1 hour',
    funnel.funnel_options(exclude => '{{5,1,3}}', max_gap => '30 min', breakdown => 'last',
                          windows => '{20 min, 2 hours}', as_of => '2024-01-01 02:00', counting => 'attempts'), 5);
SELECT count(*) AS users, count(*) FILTER (WHERE (d).level = 4) AS converted, count((d).breakdown) AS with_breakdown,
       count(*) FILTER (WHERE (d).excluded) AS excluded, count(DISTINCT (d).status) AS statuses,
       count(*) FILTER (WHERE cardinality((d).attempts) > 1) AS with_several_attempts
FROM wfd_full_serial;

-- detail_report against SQL over the same details: counts, conversion, median,
-- p90 and mean of each step's duration
CREATE TABLE wfd_details AS
SELECT u, d FROM pg_temp.ext('wfd_ev', '1 hour', funnel.funnel_options(optional => '{3}'), 4);
SELECT r.step, r.reached, r.conversion_from_top = q.reached::float8 / q.top AS top_ok,
       r.median_duration = q.med AS median_ok, r.p90_duration = q.p90 AS p90_ok,
       abs(extract(epoch FROM r.mean_duration - q.mean)) < 1e-6 AS mean_ok
FROM (SELECT funnel.detail_report(d) AS rep FROM wfd_details) s, funnel.detail_steps(s.rep) r
JOIN (SELECT k, count(*) FILTER (WHERE (d).level >= k) AS reached,
             (SELECT count(*) FROM wfd_details WHERE (d).level >= 1) AS top,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY (d).step_durations[k]) AS med,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY (d).step_durations[k]) AS p90,
             avg((d).step_durations[k]) AS mean
      FROM wfd_details, generate_series(1, 4) k GROUP BY k) q ON q.k = r.step
ORDER BY r.step;
-- merged daily reports give what one pass gives
SELECT (SELECT funnel.detail_report(d) FROM wfd_details)::text =
       (SELECT funnel.rollup(rep) FROM (SELECT funnel.detail_report(d) AS rep FROM wfd_details GROUP BY u % 7) p)::text
       AS rollup_equal;
SELECT pg_temp.try($$SELECT funnel.detail_report(d) FROM (VALUES (ROW(1, 3, NULL, NULL, '{0}', NULL, NULL, NULL, NULL, NULL, NULL)::funnel.funnel_detail),
    (ROW(1, 4, NULL, NULL, '{0}', NULL, NULL, NULL, NULL, NULL, NULL)::funnel.funnel_detail)) t(d)$$);

------------------------------------------------------------------------------
-- 4. Parallel aggregation forced on, over a randomly ordered copy
------------------------------------------------------------------------------
CREATE TABLE wfd_ev_shuffled AS SELECT * FROM wfd_ev ORDER BY random();
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
SELECT name, pg_temp.diff('wfd_ev_shuffled', w, sw, gap, opt, hold, excl, asof) AS mismatches
FROM wfd_cases ORDER BY name;
SELECT * FROM pg_temp.attempts_diff('wfd_ev_shuffled');
SELECT count(*) AS mismatches FROM wfd_full_serial s
    FULL JOIN pg_temp.ext('wfd_ev_shuffled', '1 hour',
        funnel.funnel_options(exclude => '{{5,1,3}}', max_gap => '30 min', breakdown => 'last',
                              windows => '{20 min, 2 hours}', as_of => '2024-01-01 02:00', counting => 'attempts'), 5) p
    ON p.u = s.u
WHERE s.u IS NULL OR p.u IS NULL OR s.d::text IS DISTINCT FROM p.d::text;
-- the plan: partial aggregates in workers
SELECT pg_temp.plan_has('SELECT u, funnel.window_funnel_detail(''1 hour'', ts, s1, s2) FROM wfd_ev_shuffled GROUP BY u',
                        '%Partial%Aggregate%') AS partial,
       pg_temp.plan_has('SELECT funnel.detail_report(d) FROM wfd_details', '%Partial%Aggregate%') AS report_partial;
SELECT (SELECT funnel.detail_report(d) FROM wfd_details)::text =
       (SELECT funnel.detail_report(d) FROM (SELECT d FROM wfd_details ORDER BY random()) x)::text AS parallel_report_equal;
RESET ALL;

------------------------------------------------------------------------------
-- 5. The forms of the arguments: conditions as 1 to 8 separate booleans or one
-- boolean[], values as one text[] or one row (ROW(a, b, ...)).  Every form gives
-- what the boolean[] + text[] form gives (checked against the reference above),
-- serial and with parallel aggregation over the shuffled copy.
------------------------------------------------------------------------------
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';
-- the calls: each form over the random streams, all options at once (5 conditions)
CREATE FUNCTION pg_temp.form(tab text, form text) RETURNS TABLE (u int, d funnel.funnel_detail)
LANGUAGE plpgsql AS $$
DECLARE
    o text := $o$funnel.funnel_options(exclude => '{{5,1,3}}', max_gap => '30 min', breakdown => 'last', hold => 2,
                windows => '{20 min, 2 hours}', as_of => '2024-01-01 02:00', counting => 'attempts')$o$;
BEGIN
    RETURN QUERY EXECUTE format('SELECT u, funnel.window_funnel_detail(''1 hour'', ts, %s) FROM %I GROUP BY u',
        CASE form
            WHEN 'array+text[]' THEN o || ', ARRAY[s1, s2, s3, s4, x], ARRAY[val, doc]'
            WHEN 'separate+text[]' THEN o || ', s1, s2, s3, s4, x, ARRAY[val, doc]'
            WHEN 'separate+row' THEN o || ', s1, s2, s3, s4, x, ROW(val, doc)'
            WHEN 'array+row' THEN o || ', ARRAY[s1, s2, s3, s4, x], ROW(val, doc)'
            WHEN 'variadic' THEN 'VARIADIC ARRAY[s1, s2, s3, s4]'
            WHEN 'separate' THEN 's1, s2, s3, s4'
            WHEN 'plain array+text[]' THEN 'ARRAY[s1, s2, s3, s4], ARRAY[val, doc]'
            WHEN 'plain separate+row' THEN 's1, s2, s3, s4, ROW(val, doc)'
            WHEN 'plain separate+text[]' THEN 's1, s2, s3, s4, ARRAY[val, doc]'
            WHEN 'plain array+row' THEN 'ARRAY[s1, s2, s3, s4], ROW(val, doc)'
        END, tab);
END
$$;
-- (the users the form gives an answer for, and those where it differs from the base form)
CREATE FUNCTION pg_temp.form_diff(tab text, form text, base text, OUT users bigint, OUT mismatches bigint)
LANGUAGE sql AS $$
    SELECT count(b.u), count(*) FILTER (WHERE a.d::text IS DISTINCT FROM b.d::text)
    FROM pg_temp.form('wfd_ev', base) a FULL JOIN pg_temp.form(tab, form) b USING (u)
$$;
-- the base forms are the ones of sections 3 and 4; each other form against its base
CREATE TABLE wfd_forms (form text, base text);
INSERT INTO wfd_forms VALUES ('separate+text[]', 'array+text[]'), ('separate+row', 'array+text[]'),
    ('array+row', 'array+text[]'), ('separate', 'variadic'),
    ('plain separate+row', 'plain array+text[]'), ('plain separate+text[]', 'plain array+text[]'),
    ('plain array+row', 'plain array+text[]');
SELECT form, r.users, r.mismatches FROM wfd_forms, LATERAL pg_temp.form_diff('wfd_ev', form, base) r ORDER BY form;
-- the streams make these comparisons mean something: captured values, held keys, breakdowns
SELECT count(*) FILTER (WHERE (d).step_values IS NOT NULL) AS with_values, count((d).breakdown) AS with_breakdown,
       count(*) FILTER (WHERE (d).level >= 3) AS level_3_or_more
FROM pg_temp.form('wfd_ev', 'separate+row');
-- the plain forms resolve to the aggregates with separate arguments (no array per row)
SELECT pg_temp.plan_has('SELECT u, funnel.window_funnel_detail(''1 hour'', ts, s1, s2, s3, s4, ROW(val, doc)) FROM wfd_ev GROUP BY u',
                        '%ARRAY%') AS row_form_builds_an_array,
       (SELECT count(*) FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
        WHERE p.proname = 'window_funnel_detail' AND p.pronamespace = 'funnel'::regnamespace) AS forms;
-- and in parallel over the shuffled copy
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
SELECT form, r.users, r.mismatches FROM wfd_forms, LATERAL pg_temp.form_diff('wfd_ev_shuffled', form, base) r ORDER BY form;
SELECT pg_temp.plan_has('SELECT u, funnel.window_funnel_detail(''1 hour'', ts, s1, s2, ROW(val, doc)) FROM wfd_ev_shuffled GROUP BY u',
                        '%Partial%Aggregate%') AS row_form_partial;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_hashagg;

-- a row's values are its columns' text output: of any type, NULL columns NULL, a
-- NULL row all NULL; a named composite type's dropped columns are not values
SELECT (d).level, (d).step_values, (d).breakdown
FROM (SELECT funnel.window_funnel_detail('1 hour', t, funnel.funnel_options(breakdown => 'entry'), a, b,
             ROW(n, f, amount, flag, note)) AS d
      FROM (VALUES (timestamptz '2025-01-01 10:00', true, false, 7, 1.5::float8, 12.50::numeric, true, 'x'),
                   ('2025-01-01 10:05', false, true, NULL, NULL, 3::numeric, false, NULL),
                   ('2025-01-01 10:07', false, false, 99, 0, 0, NULL, 'not a step')) v(t, a, b, n, f, amount, flag, note)) s;
SELECT (funnel.window_funnel_detail('1 hour', t, a, b, r)).step_values
FROM (VALUES (timestamptz '2025-01-01 10:00', true, false, NULL::record), ('2025-01-01 10:05', false, true, ROW('y', 2))) v(t, a, b, r);
CREATE TYPE pg_temp.wfd_pair AS (campaign text, gone int, device text);
ALTER TYPE pg_temp.wfd_pair DROP ATTRIBUTE gone;
SELECT (funnel.window_funnel_detail('1 hour', t, a, b, ROW(c, dev)::pg_temp.wfd_pair)).step_values
FROM (VALUES (timestamptz '2025-01-01 10:00', true, false, 'spring', 'ios'),
             ('2025-01-01 10:05', false, true, 'spring', 'web')) v(t, a, b, c, dev);
-- 8 separate conditions with a row; 33 columns, or none, are refused
SELECT (funnel.window_funnel_detail('1 hour', t, a, a, a, a, a, a, a, a, ROW(t))).level
FROM (VALUES (timestamptz '2025-01-01 10:00', true)) v(t, a);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), true,
    ROW(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33))$$);
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', now(), true, ROW())$$);
-- rows of a group pass the same number of values, whatever the form
SELECT pg_temp.try($$SELECT funnel.window_funnel_detail('1 hour', t, a, r)
    FROM (VALUES (now(), true, ROW(1)), (now(), true, ROW(1, 2))) v(t, a, r)$$);
-- a transition function with arguments of no form of ours is refused, not misread
CREATE FUNCTION pg_temp.bad_sfunc(funnel.detail_events, interval, timestamptz, boolean, int)
    RETURNS funnel.detail_events AS '$libdir/funnel', 'window_funnel_detail_transfn' LANGUAGE C;
CREATE AGGREGATE pg_temp.bad_detail(interval, timestamptz, boolean, int) (
    SFUNC = pg_temp.bad_sfunc, STYPE = funnel.detail_events);
SELECT pg_temp.try($$SELECT pg_temp.bad_detail('1 hour', now(), true, 1)$$);
