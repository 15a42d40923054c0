-- window_funnel_differential.sql: funnel.window_funnel and funnel.window_funnel_times
-- against a brute-force reference in plain SQL, on hand-made streams (whose answers
-- are worked out by hand below) and on seeded random event streams: 4000 users with
-- 0 to 40 rows, 3, 4 or 5 steps, windows of 0 s to 2 min, times on a 10-second grid
-- (10% of the users off the grid by up to 10 s in microseconds), rows true for
-- several steps, rows true for none, revisits and restarts, NULL times and NULL
-- conditions.
--
-- The reference enumerates every chain: events e1 .. eL (one event = a row and a
-- step that is true on it) with steps 1 .. L, times nondecreasing (the (time, step)
-- order), t(eL) - t(e1) <= window.  strict_once: the rows are distinct;
-- strict_increase: times strictly increasing.
--   level  = the longest chain (0 if none)
--   times  = the chain of that length with the smallest total t(eL) - t(e1), ties
--            by element 2, then 3, ... (element k = t(ek) - t(e1))
-- Default mode and strict_once: level and times exactly so.  strict_increase: as in
-- ClickHouse, which keeps one chain per level and can lose a valid chain, the level
-- may be below the longest chain; it must be at most that, equal to a step-by-step
-- simulation of ClickHouse's algorithm (written here as a recursive query), and the
-- times must be the fastest strictly increasing chain of the level returned.
--
-- The modes that stop the scan (wd_mode: strict_order, strict_deduplication and
-- combinations with allow_reentry and strict_once), as current ClickHouse defines
-- them: its windowFunnel source after PR #86916 (allow_reentry) and PR #99003
-- (strict_deduplication's level), its documented allow_reentry example, the
-- funnel_test_reentry cases of its 00632 test (hand-made streams 14 and 15).  The
-- scan reads the events in (time, step) order; under strict_order a row true for no
-- step is a step-0 event, first in its instant.  Level k is "reached" once some
-- chain of length k has ended.  The scan stops at the first of these events:
--   - strict_order: a step-0 event after the first step-1 event;
--   - strict_order (not with allow_reentry, which skips it): a step-k event (k >= 2)
--     after the first step-1 event when level k - 1 is not reached;
--   - strict_deduplication: a step-k event (k >= 2) when level k is reached (of
--     several rows with one step at one instant, the second when the first reached
--     it).
-- Nothing else changes (a step-1 event never stops, a skipped event could not
-- extend a chain anyway), so: level = the longest chain ended before the stop, times
-- = the fastest chain of that length ended before the stop (under strict_once, of
-- chains with distinct rows, also for "reached").  Written as a set query over the
-- chains, not as a scan.
--
-- Each user is aggregated on the three clocks (timestamptz, timestamp, bigint
-- microseconds) in every mode: serially in stored order, serially with the rows fed
-- in time order and in random order (ordered aggregate calls), and with parallel
-- aggregation forced on over a randomly ordered copy of the table (partial states
-- built by workers, combined by the leader).  The output is mismatch counts (all 0)
-- plus numbers showing the streams contain the interesting cases.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';

------------------------------------------------------------------------------
-- 1. Event streams
------------------------------------------------------------------------------
-- one row per input row: user, row id, the user's number of steps and window
-- (seconds), the time, the conditions c1 .. c5 (c4, c5 unused for 3 steps, c5 for 4)
CREATE TABLE wd_ev (uid int, rid int, nsteps int, win_s int, ts timestamptz,
                    c1 boolean, c2 boolean, c3 boolean, c4 boolean, c5 boolean);

-- hand-made streams: user, steps, window (s), time (s from 2024-01-01, NULL = no
-- time), conditions.  Answers (times in seconds) in wd_hand_expect below.
CREATE TABLE wd_hand (uid int, nsteps int, win_s int, t int, c1 boolean, c2 boolean, c3 boolean, c4 boolean, c5 boolean);
INSERT INTO wd_hand VALUES
    -- 1: a row true for steps 2 and 3
    (1, 3, 60, 0, true, false, false, false, false),
    (1, 3, 60, 10, false, true, true, false, false),
    -- 2: step 2 exactly the window after step 1, step 3 past it
    (2, 3, 60, 0, true, false, false, false, false),
    (2, 3, 60, 60, false, true, false, false, false),
    (2, 3, 60, 70, false, false, true, false, false),
    -- 3: the same with a second step 1 at 10: step 3 exactly the window after it
    (3, 3, 60, 0, true, false, false, false, false),
    (3, 3, 60, 10, true, false, false, false, false),
    (3, 3, 60, 60, false, true, false, false, false),
    (3, 3, 60, 70, false, false, true, false, false),
    -- 4: fastest chain: start at 20 (total 30), step 2 at 30 before 40 (tie on total)
    (4, 3, 100, 0, true, false, false, false, false),
    (4, 3, 100, 20, true, false, false, false, false),
    (4, 3, 100, 30, false, true, false, false, false),
    (4, 3, 100, 40, false, true, false, false, false),
    (4, 3, 100, 50, false, false, true, false, false),
    -- 5: a restart (step 1 at 20) does not end the chain started at 0
    (5, 3, 30, 0, true, false, false, false, false),
    (5, 3, 30, 10, false, true, false, false, false),
    (5, 3, 30, 20, true, false, false, false, false),
    (5, 3, 30, 30, false, false, true, false, false),
    -- 6: 2 steps; step 1 at 0 and 10, step 2 at 10 (another row): strict_increase
    -- keeps only the chain started at 10 (ClickHouse) and cannot extend it
    (6, 2, 100, 0, true, false, false, false, false),
    (6, 2, 100, 10, true, false, false, false, false),
    (6, 2, 100, 10, false, true, false, false, false),
    -- 7: NULL time (skipped), NULL conditions (false)
    (7, 3, 60, NULL, true, false, false, false, false),
    (7, 3, 60, 0, NULL, true, false, false, false),
    (7, 3, 60, 5, true, false, false, false, false),
    (7, 3, 60, 10, false, true, false, false, false),
    (7, 3, 60, 20, false, false, NULL, false, false),
    -- 8: only rows without a time
    (8, 3, 60, NULL, true, false, false, false, false),
    (8, 3, 60, NULL, false, true, false, false, false),
    -- 9: no condition true
    (9, 3, 60, 0, false, false, false, false, false),
    (9, 3, 60, 10, NULL, false, false, false, false),
    -- 10: window 0: three rows at one time
    (10, 3, 0, 0, true, false, false, false, false),
    (10, 3, 0, 0, false, true, false, false, false),
    (10, 3, 0, 0, false, false, true, false, false),
    (10, 3, 0, 10, false, false, true, false, false),
    -- 11: rows true for steps 1+2 and 2+3: the default reuses them, strict_once not
    (11, 3, 100, 0, true, true, false, false, false),
    (11, 3, 100, 10, false, true, true, false, false),
    (11, 3, 100, 20, false, false, true, false, false),
    -- 12: one row true for all 4 steps, window 0
    (12, 4, 0, 0, true, true, true, true, false),
    -- 13: 5 steps, window 30: the chain from 0 stops at step 3 (step 4 at 40 is
    -- too late), the restart at 30 reaches step 5 exactly at the window edge
    -- through three rows at 60
    (13, 5, 30, 0, true, false, false, false, false),
    (13, 5, 30, 10, false, true, false, false, false),
    (13, 5, 30, 20, false, false, true, false, false),
    (13, 5, 30, 30, true, false, false, false, false),
    (13, 5, 30, 40, false, false, false, true, false),
    (13, 5, 30, 50, false, true, false, false, false),
    (13, 5, 30, 60, false, false, true, false, false),
    (13, 5, 30, 60, false, false, false, true, false),
    (13, 5, 30, 60, false, false, false, false, true),
    -- 14: ClickHouse's funnel_test_reentry user 1: steps a, b, a, c (the 'a' rows are
    -- true for steps 1 and 3) over a a b a c: strict_order stops at the first row's
    -- step 3 (level 2 not reached), allow_reentry skips it and reaches 4
    (14, 4, 100, 10, true, false, true, false, false),
    (14, 4, 100, 20, true, false, true, false, false),
    (14, 4, 100, 30, false, true, false, false, false),
    (14, 4, 100, 40, true, false, true, false, false),
    (14, 4, 100, 50, false, false, false, true, false),
    -- 15: its user 2, a c b c: strict_order stops at the first c, allow_reentry
    -- skips it
    (15, 3, 100, 10, true, false, false, false, false),
    (15, 3, 100, 20, false, false, true, false, false),
    (15, 3, 100, 30, false, true, false, false, false),
    (15, 3, 100, 40, false, false, true, false, false),
    -- 16: ClickHouse issue 37177: install start login install start install start
    -- login end, window 60: strict_deduplication stops at the second start (level 2
    -- reached) with level 3; a step-1 event never repeats a step
    (16, 4, 60, 0, true, false, false, false, false),
    (16, 4, 60, 5, false, true, false, false, false),
    (16, 4, 60, 10, false, false, true, false, false),
    (16, 4, 60, 15, true, false, false, false, false),
    (16, 4, 60, 20, false, true, false, false, false),
    (16, 4, 60, 25, true, false, false, false, false),
    (16, 4, 60, 30, false, true, false, false, false),
    (16, 4, 60, 35, false, false, true, false, false),
    (16, 4, 60, 40, false, false, false, true, false),
    -- 17: rows true for no step (x): b x x+a b x c at 0, 5, 10, 10, 20, 30, 40;
    -- strict_order ignores b and x before the first step 1 (x at 10 comes before a
    -- at 10) and stops at x at 30 with level 2
    (17, 3, 100, 0, false, true, false, false, false),
    (17, 3, 100, 5, false, false, false, false, false),
    (17, 3, 100, 10, false, false, false, false, false),
    (17, 3, 100, 10, true, false, false, false, false),
    (17, 3, 100, 20, false, true, false, false, false),
    (17, 3, 100, 30, false, false, false, false, false),
    (17, 3, 100, 40, false, false, true, false, false),
    -- 18: a, two rows b at 10, c: strict_deduplication stops at the second b (the
    -- first reached level 2)
    (18, 3, 100, 0, true, false, false, false, false),
    (18, 3, 100, 10, false, true, false, false, false),
    (18, 3, 100, 10, false, true, false, false, false),
    (18, 3, 100, 20, false, false, true, false, false),
    -- 19: one row true for steps 1 and 2, then c: under strict_once level 2 is never
    -- reached, so 'strict_once, strict_order' stops at c
    (19, 3, 100, 0, true, true, false, false, false),
    (19, 3, 100, 10, false, false, true, false, false);
INSERT INTO wd_ev
SELECT uid, row_number() OVER (ORDER BY uid, t), nsteps, win_s,
       '2024-01-01'::timestamptz + t * interval '1 second', c1, c2, c3, c4, c5
FROM wd_hand;

-- the hand-worked answers: level and times (s) in the default mode, strict_once,
-- strict_increase (ClickHouse's level), and the longest strictly increasing chain
CREATE TABLE wd_hand_expect (uid int, lvl_all int, t_all int[], lvl_once int, t_once int[],
                             lvl_incr int, t_incr int[], lvl_incr_max int);
INSERT INTO wd_hand_expect VALUES
    (1, 3, '{0,10,10}', 2, '{0,10}', 2, '{0,10}', 2),
    (2, 2, '{0,60}', 2, '{0,60}', 2, '{0,60}', 2),
    (3, 3, '{0,50,60}', 3, '{0,50,60}', 3, '{0,50,60}', 3),
    (4, 3, '{0,10,30}', 3, '{0,10,30}', 3, '{0,10,30}', 3),
    (5, 3, '{0,10,30}', 3, '{0,10,30}', 3, '{0,10,30}', 3),
    (6, 2, '{0,0}', 2, '{0,0}', 1, '{0}', 2),
    (7, 2, '{0,5}', 2, '{0,5}', 2, '{0,5}', 2),
    (8, 0, '{}', 0, '{}', 0, '{}', 0),
    (9, 0, '{}', 0, '{}', 0, '{}', 0),
    (10, 3, '{0,0,0}', 3, '{0,0,0}', 1, '{0}', 1),
    (11, 3, '{0,0,10}', 3, '{0,10,20}', 3, '{0,10,20}', 3),
    (12, 4, '{0,0,0,0}', 1, '{0}', 1, '{0}', 1),
    (13, 5, '{0,20,30,30,30}', 5, '{0,20,30,30,30}', 3, '{0,10,20}', 3),
    (14, 4, '{0,10,20,30}', 4, '{0,10,20,30}', 4, '{0,10,20,30}', 4),
    (15, 3, '{0,20,30}', 3, '{0,20,30}', 3, '{0,20,30}', 3),
    (16, 4, '{0,5,10,15}', 4, '{0,5,10,15}', 4, '{0,5,10,15}', 4),
    (17, 3, '{0,10,30}', 3, '{0,10,30}', 3, '{0,10,30}', 3),
    (18, 3, '{0,10,20}', 3, '{0,10,20}', 3, '{0,10,20}', 3),
    (19, 3, '{0,0,10}', 1, '{0}', 1, '{0}', 1);

-- generated streams: users 1001 .. 5000; steps 3 + uid % 3; window 0, 20, 30, 60 or
-- 120 s; 0 .. 40 rows over a span of 3 .. 72 grid slots of 10 s (dense users:
-- many ties; sparse: few chains within the window).  Each row leans to one step k
-- (lower steps likelier: drop-off) and falls in the part of the span where step k
-- lies, overlapping its neighbours (revisits, restarts, steps out of order); 10% of
-- rows true for no step, 60% for step k, 15% for k and k + 1, 15% a random subset of
-- the steps.  2% of the rows have no time, 3% a NULL condition.
SELECT setseed(0.31);
CREATE TABLE wd_user AS
SELECT u AS uid, 3 + u % 3 AS nsteps,
       (ARRAY[0, 20, 30, 60, 120])[1 + floor(random() * 5)::int] AS win_s,
       floor(random() * 41)::int AS n,
       random() AS dens,
       random() < 0.1 AS jitter,
       floor(random() * 10000)::int * 3600 AS base_s
FROM generate_series(1001, 5000) u;
CREATE TABLE wd_draw AS
SELECT u.uid, i, u.nsteps, u.win_s, u.jitter, u.base_s,
       greatest(3, ceil(u.n * (0.5 + 1.3 * u.dens)))::int AS span,
       1 + floor(power(random(), 1.4) * u.nsteps)::int AS k,
       random() AS pos, random() AS kind, floor(random() * 32)::int AS bits,
       random() < 0.02 AS null_ts,
       CASE WHEN random() < 0.03 THEN 1 + floor(random() * u.nsteps)::int END AS null_cond,
       floor(random() * 10000000)::int AS jit
FROM wd_user u, generate_series(1, u.n) i;
INSERT INTO wd_ev
SELECT uid, 1000 + row_number() OVER (ORDER BY uid, i), nsteps, win_s,
       CASE WHEN NOT null_ts
            THEN '2024-01-01'::timestamptz
                 + (base_s + 10 * floor((k - 1 + 1.6 * pos) / (nsteps + 0.6) * span)) * interval '1 second'
                 + CASE WHEN jitter THEN jit * interval '1 microsecond' ELSE interval '0' END
       END,
       CASE WHEN null_cond = 1 THEN NULL ELSE 1 = ANY (s) END,
       CASE WHEN null_cond = 2 THEN NULL ELSE 2 = ANY (s) END,
       CASE WHEN null_cond = 3 THEN NULL ELSE 3 = ANY (s) END,
       CASE WHEN null_cond = 4 THEN NULL ELSE 4 = ANY (s) END,
       CASE WHEN null_cond = 5 THEN NULL ELSE 5 = ANY (s) END
FROM (SELECT d.*,
             CASE WHEN kind < 0.10 THEN '{}'::int[]
                  WHEN kind < 0.70 THEN ARRAY[k]
                  WHEN kind < 0.85 THEN ARRAY[k, k + 1]
                  ELSE ARRAY(SELECT j FROM generate_series(1, 5) j WHERE bits & (1 << (j - 1)) <> 0)
             END AS s
      FROM wd_draw d) x;

-- the aggregates' inputs: the window as an interval and in microseconds, the time on
-- the three clocks (bigint: microseconds since 1970), the user's steps.  wd_in is in generation order
-- (within a user, not in time order); wd_shuf in random order; wd_clock in the
-- order of the time within the hour, which is each user's rows in time order with
-- all users interleaved (so parallel workers build sorted partial states of a user
-- that interleave in time).
CREATE TABLE wd_in AS
SELECT uid, rid, nsteps, make_interval(secs => win_s) AS win, win_s * 1000000::bigint AS winb,
       ts, ts AT TIME ZONE 'UTC' AS tsl, (extract(epoch FROM ts) * 1000000)::bigint AS tsb,
       (ARRAY[c1, c2, c3, c4, c5])[1:nsteps] AS steps
FROM wd_ev ORDER BY rid;
CREATE TABLE wd_shuf AS SELECT * FROM wd_in ORDER BY random();
CREATE TABLE wd_clock AS SELECT * FROM wd_in ORDER BY tsb % 3600000000, rid;
ANALYZE wd_in;
ANALYZE wd_shuf;
ANALYZE wd_clock;

------------------------------------------------------------------------------
-- 2. The brute-force reference
------------------------------------------------------------------------------
-- step events: (row, step) for every true condition among the user's steps
-- (NULL is not true), rows with a time only; t and w in microseconds
CREATE TABLE wd_step AS
SELECT e.uid, e.rid, (extract(epoch FROM e.ts) * 1000000)::bigint AS t, c.k::int AS step,
       e.win_s * 1000000::bigint AS w
FROM wd_ev e, unnest(ARRAY[e.c1, e.c2, e.c3, e.c4, e.c5]) WITH ORDINALITY AS c(v, k)
WHERE e.ts IS NOT NULL AND c.v AND c.k <= e.nsteps;

-- every chain: length, first and last time, rows, times from step 1; once = rows
-- distinct, incr = times strictly increasing
CREATE TABLE wd_chain AS
WITH RECURSIVE ch AS (
    SELECT uid, 1 AS len, t AS t1, t AS tl, w, ARRAY[rid] AS rids, ARRAY[0::bigint] AS times,
           true AS once, true AS incr
    FROM wd_step WHERE step = 1
    UNION ALL
    SELECT c.uid, c.len + 1, c.t1, s.t, c.w, c.rids || s.rid, c.times || (s.t - c.t1),
           c.once AND s.rid <> ALL (c.rids), c.incr AND s.t > c.tl
    FROM ch c JOIN wd_step s ON s.uid = c.uid AND s.step = c.len + 1
                              AND s.t >= c.tl AND s.t - c.t1 <= c.w)
SELECT * FROM ch;

-- per user and length, the fastest chain of each kind: the smallest
-- {total, element 1, element 2, ...} (array order: total first, then the elements)
CREATE TABLE wd_best AS
SELECT uid, len,
       (min(ARRAY[tl - t1] || times))[2:] AS t_all,
       (min(ARRAY[tl - t1] || times) FILTER (WHERE once))[2:] AS t_once,
       (min(ARRAY[tl - t1] || times) FILTER (WHERE incr))[2:] AS t_incr
FROM wd_chain GROUP BY uid, len;
-- the same as interval[]
ALTER TABLE wd_best ADD i_all interval[], ADD i_once interval[], ADD i_incr interval[];
UPDATE wd_best SET i_all = ARRAY(SELECT x * interval '1 microsecond' FROM unnest(t_all) WITH ORDINALITY u(x, o) ORDER BY o),
                   i_once = CASE WHEN t_once IS NOT NULL THEN ARRAY(SELECT x * interval '1 microsecond' FROM unnest(t_once) WITH ORDINALITY u(x, o) ORDER BY o) END,
                   i_incr = CASE WHEN t_incr IS NOT NULL THEN ARRAY(SELECT x * interval '1 microsecond' FROM unnest(t_incr) WITH ORDINALITY u(x, o) ORDER BY o) END;

-- ClickHouse's algorithm step by step (getEventLevelNonStrictOnce): the events in
-- (time, step) order; per level the first and last time of one chain (NULL: not
-- reached); a step-1 event sets level 1; a step-k event extends level k - 1 when
-- within the window of its first time (strict_increase: and later than its last).
-- fd: default mode (first times), fi / li: strict_increase.
CREATE TABLE wd_seq AS
SELECT uid, t, step, w, row_number() OVER (PARTITION BY uid ORDER BY t, step) AS n FROM wd_step;
CREATE INDEX ON wd_seq (uid, n);
ANALYZE wd_seq;
CREATE TABLE wd_sim AS
WITH RECURSIVE sim AS (
    SELECT DISTINCT uid, 0::bigint AS n, '{NULL,NULL,NULL,NULL,NULL}'::bigint[] AS fd,
           '{NULL,NULL,NULL,NULL,NULL}'::bigint[] AS fi, '{NULL,NULL,NULL,NULL,NULL}'::bigint[] AS li
    FROM wd_seq
    UNION ALL
    SELECT s.uid, e.n,
           s.fd[1:e.step - 1]
           || CASE WHEN e.step = 1 THEN e.t
                   WHEN e.t - s.fd[e.step - 1] <= e.w THEN s.fd[e.step - 1]
                   ELSE s.fd[e.step] END
           || s.fd[e.step + 1:5],
           s.fi[1:e.step - 1]
           || CASE WHEN e.step = 1 THEN e.t
                   WHEN e.t - s.fi[e.step - 1] <= e.w AND s.li[e.step - 1] < e.t THEN s.fi[e.step - 1]
                   ELSE s.fi[e.step] END
           || s.fi[e.step + 1:5],
           s.li[1:e.step - 1]
           || CASE WHEN e.step = 1 THEN e.t
                   WHEN e.t - s.fi[e.step - 1] <= e.w AND s.li[e.step - 1] < e.t THEN e.t
                   ELSE s.li[e.step] END
           || s.li[e.step + 1:5]
    FROM sim s JOIN wd_seq e ON e.uid = s.uid AND e.n = s.n + 1)
SELECT DISTINCT ON (uid) uid,
       coalesce((SELECT max(k) FROM generate_series(1, 5) k WHERE fd[k] IS NOT NULL), 0) AS sim_all,
       coalesce((SELECT max(k) FROM generate_series(1, 5) k WHERE fi[k] IS NOT NULL), 0) AS sim_incr
FROM sim ORDER BY uid, n DESC;

-- per user: the levels, and the times of the default and strict_once levels
CREATE TABLE wd_ref AS
SELECT u.uid, u.nsteps, u.win_s,
       coalesce(max(b.len), 0) AS lvl_all,
       coalesce(max(b.len) FILTER (WHERE b.t_once IS NOT NULL), 0) AS lvl_once,
       coalesce(max(b.len) FILTER (WHERE b.t_incr IS NOT NULL), 0) AS lvl_incr_max,
       coalesce(min(s.sim_all), 0) AS sim_all,
       coalesce(min(s.sim_incr), 0) AS sim_incr
FROM (SELECT DISTINCT uid, nsteps, win_s FROM wd_ev) u
     LEFT JOIN wd_best b USING (uid) LEFT JOIN wd_sim s USING (uid)
GROUP BY u.uid, u.nsteps, u.win_s;
CREATE INDEX ON wd_best (uid, len);
ALTER TABLE wd_ref ADD t_all bigint[], ADD t_once bigint[], ADD i_all interval[], ADD i_once interval[];
UPDATE wd_ref r SET t_all = coalesce((SELECT b.t_all FROM wd_best b WHERE b.uid = r.uid AND b.len = r.lvl_all), '{}'),
                    t_once = coalesce((SELECT b.t_once FROM wd_best b WHERE b.uid = r.uid AND b.len = r.lvl_once), '{}'),
                    i_all = coalesce((SELECT b.i_all FROM wd_best b WHERE b.uid = r.uid AND b.len = r.lvl_all), '{}'),
                    i_once = coalesce((SELECT b.i_once FROM wd_best b WHERE b.uid = r.uid AND b.len = r.lvl_once), '{}');

-- microseconds of an interval[] / seconds of a bigint[] of microseconds
CREATE FUNCTION pg_temp.us(a interval[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg((extract(epoch FROM x) * 1000000)::bigint ORDER BY o), '{}')
    FROM unnest(a) WITH ORDINALITY AS u(x, o) $$;
CREATE FUNCTION pg_temp.secs(a bigint[]) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg((x / 1000000)::int ORDER BY o), '{}')
    FROM unnest(a) WITH ORDINALITY AS u(x, o) $$;

-- The modes that stop the scan (see the header), each with what it sets
-- (strict_deduplication is not combined with strict_once here)
CREATE TABLE wd_mode (ord int, code text PRIMARY KEY, mode text,
                      so boolean, ar boolean, dd boolean, once boolean);
INSERT INTO wd_mode VALUES
    (1, 'so', 'strict_order', true, false, false, false),
    (2, 'dd', 'strict_deduplication', false, false, true, false),
    (3, 'ar', 'strict_order, allow_reentry', true, true, false, false),
    (4, 'so_dd', 'strict_order, strict_deduplication', true, false, true, false),
    (5, 'ar_dd', 'strict_order, allow_reentry, strict_deduplication', true, true, true, false),
    (6, 'once_so', 'strict_once, strict_order', true, false, false, true);
-- step-0 events: rows with a time and no true step among the user's steps
CREATE TABLE wd_unrel AS
SELECT e.uid, (extract(epoch FROM e.ts) * 1000000)::bigint AS t
FROM wd_ev e WHERE e.ts IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wd_step s WHERE s.rid = e.rid);
-- per user the first step-1 event; per user and length the earliest end of a chain
-- (any chain, a chain of distinct rows); per user, time and step the number of rows
CREATE TABLE wd_first AS SELECT uid, min(t) AS t1 FROM wd_step WHERE step = 1 GROUP BY uid;
CREATE TABLE wd_reach AS
SELECT uid, len, min(tl) AS tl_all, min(tl) FILTER (WHERE once) AS tl_once FROM wd_chain GROUP BY uid, len;
CREATE TABLE wd_grp AS SELECT uid, t, step, count(*) AS n FROM wd_step GROUP BY uid, t, step;
-- the first event of each kind that stops a scan, per user: time st, step sk, and
-- sinc = 1 when chains ending at that time and step still count
--   no_step    a row true for no step after the first step-1 event (strict_order)
--   early      step k after the first step-1 event, no chain of length k - 1 ended
--              at or before its time (strict_order without allow_reentry)
--   early_once the same with chains of distinct rows (and strict_once)
--   repeat     step k when a chain of length k ended before its time, or (sinc = 1)
--              ends at its time and another row has step k then (strict_deduplication)
CREATE TABLE wd_cand AS
SELECT u.uid, 'no_step' AS kind, min(u.t) AS st, 0 AS sk, 0 AS sinc
FROM wd_unrel u JOIN wd_first f USING (uid) WHERE u.t > f.t1 GROUP BY u.uid
UNION ALL
(SELECT DISTINCT ON (g.uid) g.uid, 'early', g.t, g.step, 0
 FROM wd_grp g JOIN wd_first f USING (uid) LEFT JOIN wd_reach r ON r.uid = g.uid AND r.len = g.step - 1
 WHERE g.step >= 2 AND g.t >= f.t1 AND (r.tl_all <= g.t) IS NOT TRUE ORDER BY g.uid, g.t, g.step)
UNION ALL
(SELECT DISTINCT ON (g.uid) g.uid, 'early_once', g.t, g.step, 0
 FROM wd_grp g JOIN wd_first f USING (uid) LEFT JOIN wd_reach r ON r.uid = g.uid AND r.len = g.step - 1
 WHERE g.step >= 2 AND g.t >= f.t1 AND (r.tl_once <= g.t) IS NOT TRUE ORDER BY g.uid, g.t, g.step)
UNION ALL
(SELECT DISTINCT ON (g.uid) g.uid, 'repeat', g.t, g.step, (r.tl_all = g.t)::int
 FROM wd_grp g JOIN wd_reach r ON r.uid = g.uid AND r.len = g.step
 WHERE g.step >= 2 AND (r.tl_all < g.t OR (r.tl_all = g.t AND g.n > 1)) ORDER BY g.uid, g.t, g.step);
-- where each mode stops a user's scan: the first of the kinds it has
CREATE TABLE wd_stop AS
SELECT DISTINCT ON (m.code, c.uid) m.code, c.uid, c.st, c.sk, c.sinc, c.kind
FROM wd_mode m JOIN wd_cand c
     ON (c.kind = 'no_step' AND m.so) OR (c.kind = 'early' AND m.so AND NOT m.ar AND NOT m.once)
        OR (c.kind = 'early_once' AND m.so AND NOT m.ar AND m.once) OR (c.kind = 'repeat' AND m.dd)
ORDER BY m.code, c.uid, c.st, c.sk, c.sinc;
ANALYZE wd_mode;
ANALYZE wd_stop;
-- per mode and user: the level and the times (microseconds, and as interval[]) of
-- the chains ended before the stop (of distinct rows under strict_once)
CREATE TABLE wd_mref AS
WITH lv AS (
    SELECT m.code, c.uid, max(c.len) AS lvl
    FROM wd_mode m JOIN wd_chain c ON c.once OR NOT m.once
         LEFT JOIN wd_stop s ON s.code = m.code AND s.uid = c.uid
    WHERE s.uid IS NULL OR (c.tl, c.len) < (s.st, s.sk) OR (c.tl, c.len, s.sinc) = (s.st, s.sk, 1)
    GROUP BY m.code, c.uid),
best AS (
    SELECT lv.code, lv.uid, lv.lvl, (min(ARRAY[c.tl - c.t1] || c.times))[2:] AS t
    FROM lv JOIN wd_mode m USING (code) JOIN wd_chain c ON c.uid = lv.uid AND c.len = lv.lvl AND (c.once OR NOT m.once)
         LEFT JOIN wd_stop s ON s.code = m.code AND s.uid = c.uid
    WHERE s.uid IS NULL OR (c.tl, c.len) < (s.st, s.sk) OR (c.tl, c.len, s.sinc) = (s.st, s.sk, 1)
    GROUP BY lv.code, lv.uid, lv.lvl)
SELECT m.code, u.uid, coalesce(b.lvl, 0) AS lvl, coalesce(b.t, '{}') AS t,
       ARRAY(SELECT x * interval '1 microsecond' FROM unnest(b.t) WITH ORDINALITY v(x, o) ORDER BY o) AS i
FROM wd_mode m CROSS JOIN (SELECT DISTINCT uid FROM wd_ev) u
     LEFT JOIN best b ON b.code = m.code AND b.uid = u.uid;

------------------------------------------------------------------------------
-- 3. The reference on the hand-made streams: the answers worked out by hand
------------------------------------------------------------------------------
SELECT r.uid, r.lvl_all, pg_temp.secs(r.t_all) AS t_all, r.lvl_once, pg_temp.secs(r.t_once) AS t_once,
       r.sim_incr, pg_temp.secs(coalesce(b.t_incr, '{}')) AS t_incr, r.lvl_incr_max,
       r.sim_all = r.lvl_all
       AND (r.lvl_all, pg_temp.secs(r.t_all), r.lvl_once, pg_temp.secs(r.t_once), r.sim_incr,
            pg_temp.secs(coalesce(b.t_incr, '{}')), r.lvl_incr_max)
           = (x.lvl_all, x.t_all, x.lvl_once, x.t_once, x.lvl_incr, x.t_incr, x.lvl_incr_max) AS ok
FROM wd_ref r JOIN wd_hand_expect x USING (uid)
     LEFT JOIN wd_best b ON b.uid = r.uid AND b.len = r.sim_incr
ORDER BY r.uid;

-- the simulation's default-mode level is the longest chain (ClickHouse's default
-- mode loses no chain), on every stream
SELECT count(*) AS users, count(*) FILTER (WHERE sim_all <> lvl_all) AS sim_mismatches,
       count(*) FILTER (WHERE sim_incr > lvl_incr_max) AS sim_incr_above_longest
FROM wd_ref;

-- the modes that stop the scan on the hand-made streams: level and times (s), worked
-- out by following the scan (14 to 19 in the comments of their rows; 4: two rows b
-- at 30 and 40, strict_deduplication stops at the second; 11: the row true for
-- steps 2 and 3 repeats step 2; 12: one row cannot fill two steps under strict_once;
-- 13: b at 50 repeats step 2 after level 3)
CREATE TABLE wd_hand_modes (uid int PRIMARY KEY, so text, dd text, ar text, so_dd text, ar_dd text, once_so text);
INSERT INTO wd_hand_modes VALUES
    (1, '3 {0,10,10}', '3 {0,10,10}', '3 {0,10,10}', '3 {0,10,10}', '3 {0,10,10}', '2 {0,10}'),
    (2, '2 {0,60}', '2 {0,60}', '2 {0,60}', '2 {0,60}', '2 {0,60}', '2 {0,60}'),
    (3, '3 {0,50,60}', '3 {0,50,60}', '3 {0,50,60}', '3 {0,50,60}', '3 {0,50,60}', '3 {0,50,60}'),
    (4, '3 {0,10,30}', '2 {0,10}', '3 {0,10,30}', '2 {0,10}', '2 {0,10}', '3 {0,10,30}'),
    (5, '3 {0,10,30}', '3 {0,10,30}', '3 {0,10,30}', '3 {0,10,30}', '3 {0,10,30}', '3 {0,10,30}'),
    (6, '2 {0,0}', '2 {0,0}', '2 {0,0}', '2 {0,0}', '2 {0,0}', '2 {0,0}'),
    (7, '2 {0,5}', '2 {0,5}', '2 {0,5}', '2 {0,5}', '2 {0,5}', '2 {0,5}'),
    (8, '0 {}', '0 {}', '0 {}', '0 {}', '0 {}', '0 {}'),
    (9, '0 {}', '0 {}', '0 {}', '0 {}', '0 {}', '0 {}'),
    (10, '3 {0,0,0}', '3 {0,0,0}', '3 {0,0,0}', '3 {0,0,0}', '3 {0,0,0}', '3 {0,0,0}'),
    (11, '3 {0,0,10}', '2 {0,0}', '3 {0,0,10}', '2 {0,0}', '2 {0,0}', '3 {0,10,20}'),
    (12, '4 {0,0,0,0}', '4 {0,0,0,0}', '4 {0,0,0,0}', '4 {0,0,0,0}', '4 {0,0,0,0}', '1 {0}'),
    (13, '5 {0,20,30,30,30}', '3 {0,10,20}', '5 {0,20,30,30,30}', '3 {0,10,20}', '3 {0,10,20}', '5 {0,20,30,30,30}'),
    (14, '1 {0}', '4 {0,10,20,30}', '4 {0,10,20,30}', '1 {0}', '4 {0,10,20,30}', '1 {0}'),
    (15, '1 {0}', '3 {0,20,30}', '3 {0,20,30}', '1 {0}', '3 {0,20,30}', '1 {0}'),
    (16, '4 {0,5,10,15}', '3 {0,5,10}', '4 {0,5,10,15}', '3 {0,5,10}', '3 {0,5,10}', '4 {0,5,10,15}'),
    (17, '2 {0,10}', '3 {0,10,30}', '2 {0,10}', '2 {0,10}', '2 {0,10}', '2 {0,10}'),
    (18, '3 {0,10,20}', '2 {0,10}', '3 {0,10,20}', '2 {0,10}', '2 {0,10}', '3 {0,10,20}'),
    (19, '3 {0,0,10}', '3 {0,0,10}', '3 {0,0,10}', '3 {0,0,10}', '3 {0,0,10}', '1 {0}');
CREATE FUNCTION pg_temp.lt(lvl int, t bigint[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT lvl || ' ' || pg_temp.secs(t)::text $$;
SELECT r.uid, r.so, r.dd, r.ar, r.so_dd, r.ar_dd, r.once_so,
       (r.so, r.dd, r.ar, r.so_dd, r.ar_dd, r.once_so) = (x.so, x.dd, x.ar, x.so_dd, x.ar_dd, x.once_so) AS ok
FROM (SELECT uid, max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'so') AS so,
             max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'dd') AS dd,
             max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'ar') AS ar,
             max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'so_dd') AS so_dd,
             max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'ar_dd') AS ar_dd,
             max(pg_temp.lt(lvl, t)) FILTER (WHERE code = 'once_so') AS once_so
      FROM wd_mref WHERE uid < 1000 GROUP BY uid) r
     JOIN wd_hand_modes x USING (uid)
ORDER BY r.uid;

------------------------------------------------------------------------------
-- 4. What the generated streams contain
------------------------------------------------------------------------------
SELECT count(*) AS rows, count(DISTINCT uid) AS users,
       count(*) FILTER (WHERE ts IS NULL) AS null_time_rows,
       count(*) FILTER (WHERE num_nulls(c1, c2, c3, c4, c5) > 0) AS null_condition_rows,
       count(*) FILTER (WHERE (c1 IS TRUE)::int + (c2 IS TRUE)::int + (c3 IS TRUE AND nsteps >= 3)::int
                              + (c4 IS TRUE AND nsteps >= 4)::int + (c5 IS TRUE AND nsteps >= 5)::int > 1) AS multi_step_rows,
       count(*) FILTER (WHERE NOT (c1 IS TRUE OR c2 IS TRUE OR c3 IS TRUE OR (c4 IS TRUE AND nsteps >= 4)
                                   OR (c5 IS TRUE AND nsteps >= 5))) AS no_step_rows
FROM wd_ev WHERE uid > 1000;
WITH st AS (
    SELECT uid, bool_or(n_rows > 1) AS ties, sum(n_first) > 1 AS restarts
    FROM (SELECT uid, t, count(DISTINCT rid) AS n_rows, count(*) FILTER (WHERE step = 1) AS n_first
          FROM wd_step GROUP BY uid, t) x GROUP BY uid),
ooo AS (   -- some step-k event before some event of a lower step
    SELECT DISTINCT uid FROM (
        SELECT uid, min(t) AS min_t,
               max(max(t)) OVER (PARTITION BY uid ORDER BY step ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS lower_max_t
        FROM wd_step GROUP BY uid, step) x
    WHERE lower_max_t > min_t),
ch AS (
    SELECT c.uid,
           bool_or(c.len > 1 AND c.tl - c.t1 = c.w) AS edge,
           bool_or(c.len > 1 AND c.len = r.lvl_all AND c.tl - c.t1 = c.w) AS best_edge,
           bool_or(c.len = r.lvl_all AND c.tl - c.t1 = r.t_all[r.lvl_all] AND c.times <> r.t_all) AS tie_broken
    FROM wd_chain c JOIN wd_ref r USING (uid) GROUP BY c.uid)
SELECT count(*) FILTER (WHERE st.ties) AS users_with_ties,
       count(*) FILTER (WHERE st.restarts) AS with_restarts,
       count(ooo.uid) AS with_steps_out_of_order,
       count(*) FILTER (WHERE ch.edge) AS with_chain_at_window_edge,
       count(*) FILTER (WHERE ch.best_edge) AS level_reached_at_window_edge,
       count(*) FILTER (WHERE ch.tie_broken) AS fastest_chain_tie_broken,
       count(*) FILTER (WHERE r.lvl_once < r.lvl_all) AS strict_once_lower,
       count(*) FILTER (WHERE r.lvl_incr_max < r.lvl_all) AS strict_increase_lower,
       count(*) FILTER (WHERE r.sim_incr < r.lvl_incr_max) AS clickhouse_incr_loses_chain
FROM wd_ref r LEFT JOIN st USING (uid) LEFT JOIN ooo USING (uid) LEFT JOIN ch USING (uid)
WHERE r.uid > 1000;
-- level distribution (reference, default mode) by number of steps; how many users
-- have a lower strict_once level, a shorter longest strictly increasing chain, a
-- lower ClickHouse strict_increase level
SELECT nsteps, lvl_all AS level, count(*) AS users,
       count(*) FILTER (WHERE lvl_once < lvl_all) AS strict_once_lower,
       count(*) FILTER (WHERE lvl_incr_max < lvl_all) AS strict_increase_lower,
       count(*) FILTER (WHERE sim_incr < lvl_all) AS clickhouse_incr_lower
FROM wd_ref WHERE uid > 1000 GROUP BY nsteps, lvl_all ORDER BY nsteps, lvl_all;
SELECT sum(n) AS chains, max(n) AS max_chains_of_a_user
FROM (SELECT uid, count(*) AS n FROM wd_chain GROUP BY uid) x;
-- the modes that stop the scan: how many users' scans stop, at what (the first
-- event that stops it: a row true for no step, a step too early, a repeated step, the
-- second of two rows repeating a step at one instant), how many get a lower level
-- than the default mode, or the same level with other times
SELECT m.code, m.mode, count(s.uid) AS stopped,
       count(*) FILTER (WHERE s.kind = 'no_step') AS at_no_step_row,
       count(*) FILTER (WHERE s.kind IN ('early', 'early_once')) AS at_step_too_early,
       count(*) FILTER (WHERE s.kind = 'repeat' AND s.sinc = 0) AS at_repeated_step,
       count(*) FILTER (WHERE s.kind = 'repeat' AND s.sinc = 1) AS at_second_row_of_instant,
       count(*) FILTER (WHERE r.lvl < a.lvl_all) AS level_below_default,
       count(*) FILTER (WHERE r.lvl = a.lvl_all AND r.t <> a.t_all) AS other_times
FROM wd_mode m JOIN wd_mref r ON r.code = m.code JOIN wd_ref a ON a.uid = r.uid
     LEFT JOIN wd_stop s ON s.code = m.code AND s.uid = r.uid
WHERE r.uid > 1000 GROUP BY m.code, m.mode, m.ord ORDER BY m.ord;
-- allow_reentry skips a step that comes too early, strict_once makes more steps come
-- too early: users whose level differs between modes
SELECT count(*) FILTER (WHERE ar.lvl > so.lvl) AS allow_reentry_above_strict_order,
       count(*) FILTER (WHERE ar_dd.lvl > so_dd.lvl) AS with_strict_deduplication_too,
       count(*) FILTER (WHERE once_so.lvl < so.lvl) AS strict_once_strict_order_below
FROM (SELECT uid, lvl FROM wd_mref WHERE code = 'so') so
     JOIN (SELECT uid, lvl FROM wd_mref WHERE code = 'ar') ar USING (uid)
     JOIN (SELECT uid, lvl FROM wd_mref WHERE code = 'so_dd') so_dd USING (uid)
     JOIN (SELECT uid, lvl FROM wd_mref WHERE code = 'ar_dd') ar_dd USING (uid)
     JOIN (SELECT uid, lvl FROM wd_mref WHERE code = 'once_so') once_so USING (uid)
WHERE uid > 1000;

------------------------------------------------------------------------------
-- 5. window_funnel and window_funnel_times
------------------------------------------------------------------------------
-- the query for one way of feeding the rows: every user's levels and times on the
-- three clocks in the three modes (none, strict_once, strict_increase) and in the
-- modes of wd_mode (columns tz_<code>, tzt_<code>, ...), the steps passed as a
-- VARIADIC array of the user's length.  src: the table; agg_order: an ORDER BY
-- inside every call.
CREATE FUNCTION pg_temp.ours(src text, agg_order text) RETURNS text LANGUAGE sql AS $$
SELECT format($q$
SELECT uid, min(nsteps) AS nsteps,
       funnel.window_funnel(win, ts, VARIADIC steps%1$s) AS tz_all,
       funnel.window_funnel(win, 'strict_once', ts, VARIADIC steps%1$s) AS tz_once,
       funnel.window_funnel(win, 'strict_increase', ts, VARIADIC steps%1$s) AS tz_incr,
       funnel.window_funnel_times(win, ts, VARIADIC steps%1$s) AS tzt_all,
       funnel.window_funnel_times(win, 'strict_once', ts, VARIADIC steps%1$s) AS tzt_once,
       funnel.window_funnel_times(win, 'strict_increase', ts, VARIADIC steps%1$s) AS tzt_incr,
       funnel.window_funnel(win, tsl, VARIADIC steps%1$s) AS l_all,
       funnel.window_funnel(win, 'strict_once', tsl, VARIADIC steps%1$s) AS l_once,
       funnel.window_funnel(win, 'strict_increase', tsl, VARIADIC steps%1$s) AS l_incr,
       funnel.window_funnel_times(win, tsl, VARIADIC steps%1$s) AS lt_all,
       funnel.window_funnel_times(win, 'strict_once', tsl, VARIADIC steps%1$s) AS lt_once,
       funnel.window_funnel_times(win, 'strict_increase', tsl, VARIADIC steps%1$s) AS lt_incr,
       funnel.window_funnel(winb, tsb, VARIADIC steps%1$s) AS b_all,
       funnel.window_funnel(winb, 'strict_once', tsb, VARIADIC steps%1$s) AS b_once,
       funnel.window_funnel(winb, 'strict_increase', tsb, VARIADIC steps%1$s) AS b_incr,
       funnel.window_funnel_times(winb, tsb, VARIADIC steps%1$s) AS bt_all,
       funnel.window_funnel_times(winb, 'strict_once', tsb, VARIADIC steps%1$s) AS bt_once,
       funnel.window_funnel_times(winb, 'strict_increase', tsb, VARIADIC steps%1$s) AS bt_incr%3$s
FROM %2$s GROUP BY uid$q$, agg_order, src,
    (SELECT string_agg(format($m$,
       funnel.window_funnel(win, %1$L, ts, VARIADIC steps%2$s) AS tz_%3$s,
       funnel.window_funnel_times(win, %1$L, ts, VARIADIC steps%2$s) AS tzt_%3$s,
       funnel.window_funnel(win, %1$L, tsl, VARIADIC steps%2$s) AS l_%3$s,
       funnel.window_funnel_times(win, %1$L, tsl, VARIADIC steps%2$s) AS lt_%3$s,
       funnel.window_funnel(winb, %1$L, tsb, VARIADIC steps%2$s) AS b_%3$s,
       funnel.window_funnel_times(winb, %1$L, tsb, VARIADIC steps%2$s) AS bt_%3$s$m$,
       mode, agg_order, code), '' ORDER BY ord) FROM wd_mode))
$$;
CREATE TABLE wd_ours (way text, uid int, nsteps int,
                      tz_all int, tz_once int, tz_incr int, tzt_all interval[], tzt_once interval[], tzt_incr interval[],
                      l_all int, l_once int, l_incr int, lt_all interval[], lt_once interval[], lt_incr interval[],
                      b_all int, b_once int, b_incr int, bt_all bigint[], bt_once bigint[], bt_incr bigint[]);
DO $$
DECLARE
    c text;
BEGIN
    FOR c IN SELECT code FROM wd_mode ORDER BY ord LOOP
        EXECUTE format('ALTER TABLE wd_ours ADD tz_%1$s int, ADD tzt_%1$s interval[], ADD l_%1$s int,
                        ADD lt_%1$s interval[], ADD b_%1$s int, ADD bt_%1$s bigint[]', c);
    END LOOP;
END
$$;
-- run one way into wd_ours (through CREATE TABLE AS, which may use a parallel
-- plan) and say how many users it gave; explain: first the plan's aggregation and
-- parallel nodes, and whether workers were launched
CREATE FUNCTION pg_temp.run(way text, src text, agg_order text, explain boolean DEFAULT false)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    q text := format('CREATE TEMP TABLE wd_tmp AS SELECT %L AS way, * FROM (%s) x', way, pg_temp.ours(src, agg_order));
    line text;
    launched int := 0;
BEGIN
    IF explain THEN
        FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
            IF line ~ 'Workers Launched' THEN
                launched := launched + substring(line FROM 'Workers Launched: (\d+)')::int;
            END IF;
            line := btrim(regexp_replace(line, '^\s*(->\s*)?', ''));
            line := regexp_replace(line, '\s*\(actual .*\)$', '');
            IF line ~ '(Aggregate|Gather|Parallel|Append)' THEN
                line := regexp_replace(line, '\s+on\s+\S+$', '');
                line := regexp_replace(line, '(Hash|Group|Mixed)Aggregate', 'Aggregate');
                RETURN NEXT regexp_replace(line, 'Gather Merge', 'Gather');
            END IF;
        END LOOP;
        RETURN NEXT 'workers launched: ' || CASE WHEN launched > 0 THEN 'yes' ELSE 'no' END;
    ELSE
        EXECUTE q;
    END IF;
    INSERT INTO wd_ours SELECT * FROM wd_tmp;
    RETURN NEXT (SELECT format('%s: %s users', run.way, count(*)) FROM wd_tmp);
    DROP TABLE wd_tmp;
END
$$;

-- serial: stored order, time order, reverse time order, random order
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.run('serial', 'wd_in', '');
SELECT pg_temp.run('serial, time order', 'wd_in', ' ORDER BY ts, rid');
SELECT pg_temp.run('serial, reverse time order', 'wd_in', ' ORDER BY ts DESC, rid DESC');
SELECT pg_temp.run('serial, random order', 'wd_in', ' ORDER BY random()');
RESET max_parallel_workers_per_gather;

-- parallel: partial aggregation in the workers over the shuffled table and over
-- the interleaved time-ordered one (a user's rows are spread over the workers),
-- combined in the leader (work_mem: with 54 aggregates the planner estimates the
-- partial hash table of 4000 users to spill at 4 MB and would aggregate in the
-- leader only)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET work_mem = '64MB';
SELECT pg_temp.run('parallel', 'wd_shuf', '', explain => true);
SELECT pg_temp.run('parallel, time order', 'wd_clock', '', explain => true);
RESET work_mem;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- every way, every clock: levels and times against the reference (interval[] for
-- the timestamp clocks, microseconds for the bigint clock); times as long as the
-- level and never NULL
CREATE TABLE wd_cmp AS
SELECT o.way, o.uid, c.clock, c.lvl_all, c.lvl_once, c.lvl_incr,
       c.ok_all_times, c.ok_once_times, c.ok_incr_times, c.ok_lengths,
       r.lvl_all AS ref_all, r.lvl_once AS ref_once, r.sim_incr AS ref_incr, r.lvl_incr_max
FROM wd_ours o JOIN wd_ref r USING (uid) LEFT JOIN wd_best b ON b.uid = o.uid AND b.len = o.tz_incr
     LEFT JOIN wd_best bb ON bb.uid = o.uid AND bb.len = o.b_incr,
     LATERAL (VALUES
        ('timestamptz', o.tz_all, o.tz_once, o.tz_incr,
         o.tzt_all = r.i_all, o.tzt_once = r.i_once, o.tzt_incr = coalesce(b.i_incr, '{}'),
         cardinality(o.tzt_all) = o.tz_all AND cardinality(o.tzt_once) = o.tz_once AND cardinality(o.tzt_incr) = o.tz_incr),
        ('timestamp', o.l_all, o.l_once, o.l_incr,
         o.lt_all = r.i_all, o.lt_once = r.i_once, o.lt_incr = coalesce(b.i_incr, '{}'),
         cardinality(o.lt_all) = o.l_all AND cardinality(o.lt_once) = o.l_once AND cardinality(o.lt_incr) = o.l_incr),
        ('bigint', o.b_all, o.b_once, o.b_incr,
         o.bt_all = r.t_all, o.bt_once = r.t_once, o.bt_incr = coalesce(bb.t_incr, '{}'),
         cardinality(o.bt_all) = o.b_all AND cardinality(o.bt_once) = o.b_once AND cardinality(o.bt_incr) = o.b_incr))
     AS c(clock, lvl_all, lvl_once, lvl_incr, ok_all_times, ok_once_times, ok_incr_times, ok_lengths);
SELECT way, clock, count(*) AS users,
       count(*) FILTER (WHERE lvl_all IS DISTINCT FROM ref_all) AS level_mismatches,
       count(*) FILTER (WHERE ok_all_times IS NOT TRUE) AS times_mismatches,
       count(*) FILTER (WHERE lvl_once IS DISTINCT FROM ref_once) AS once_level_mismatches,
       count(*) FILTER (WHERE ok_once_times IS NOT TRUE) AS once_times_mismatches,
       count(*) FILTER (WHERE lvl_incr IS DISTINCT FROM ref_incr) AS incr_level_not_clickhouse,
       count(*) FILTER (WHERE lvl_incr > lvl_incr_max) AS incr_level_above_longest,
       count(*) FILTER (WHERE ok_incr_times IS NOT TRUE) AS incr_times_mismatches,
       count(*) FILTER (WHERE ok_lengths IS NOT TRUE) AS times_length_mismatches
FROM wd_cmp GROUP BY way, clock ORDER BY way, clock;
-- every user in every way (the users no row of whom has a time included)
SELECT (SELECT count(DISTINCT way) FROM wd_ours) AS ways, count(*) AS users_without_result
FROM wd_ref r CROSS JOIN (SELECT DISTINCT way FROM wd_ours) w
WHERE NOT EXISTS (SELECT 1 FROM wd_ours o WHERE o.uid = r.uid AND o.way = w.way);

-- the modes that stop the scan, every way and clock: levels and times against the
-- reference, times as long as the level; then the first mismatches, if any
CREATE TABLE wd_mcmp (way text, uid int, code text, clock text, lvl int, ref int, ok_times boolean, ok_length boolean);
DO $$
DECLARE
    c text;
    k record;
BEGIN
    FOR c IN SELECT code FROM wd_mode ORDER BY ord LOOP
        FOR k IN SELECT * FROM (VALUES ('timestamptz', 'tz', 'i'), ('timestamp', 'l', 'i'), ('bigint', 'b', 't')) v(clock, p, r) LOOP
            EXECUTE format($f$
                INSERT INTO wd_mcmp
                SELECT o.way, o.uid, %1$L, %2$L, o.%3$I, r.lvl, o.%4$I = r.%5$I, cardinality(o.%4$I) = o.%3$I
                FROM wd_ours o JOIN wd_mref r ON r.code = %1$L AND r.uid = o.uid$f$,
                c, k.clock, k.p || '_' || c, k.p || 't_' || c, k.r);
        END LOOP;
    END LOOP;
END
$$;
SELECT m.mode, count(DISTINCT x.way) AS ways, count(DISTINCT x.clock) AS clocks, count(DISTINCT x.uid) AS users,
       count(*) FILTER (WHERE x.way LIKE 'serial%' AND x.lvl IS DISTINCT FROM x.ref) AS serial_level_mismatches,
       count(*) FILTER (WHERE x.way LIKE 'serial%' AND x.ok_times IS NOT TRUE) AS serial_times_mismatches,
       count(*) FILTER (WHERE x.way LIKE 'parallel%' AND x.lvl IS DISTINCT FROM x.ref) AS parallel_level_mismatches,
       count(*) FILTER (WHERE x.way LIKE 'parallel%' AND x.ok_times IS NOT TRUE) AS parallel_times_mismatches,
       count(*) FILTER (WHERE x.ok_length IS NOT TRUE) AS times_length_mismatches
FROM wd_mcmp x JOIN wd_mode m USING (code) GROUP BY m.mode, m.ord ORDER BY m.ord;
SELECT x.code, x.way, x.clock, x.uid, x.lvl, x.ref, x.ok_times
FROM wd_mcmp x
WHERE x.lvl IS DISTINCT FROM x.ref OR x.ok_times IS NOT TRUE OR x.ok_length IS NOT TRUE
ORDER BY x.code, x.uid, x.way, x.clock LIMIT 20;

-- the hand-made streams as the functions see them (seconds)
SELECT uid, tz_all, pg_temp.secs(pg_temp.us(tzt_all)) AS times, tz_once, pg_temp.secs(pg_temp.us(tzt_once)) AS once_times,
       tz_incr, pg_temp.secs(pg_temp.us(tzt_incr)) AS incr_times
FROM wd_ours WHERE way = 'serial' AND uid < 1000 ORDER BY uid;
-- the raw interval[] and bigint[] of two of them
SELECT uid, tzt_all, bt_all FROM wd_ours WHERE way = 'serial' AND uid IN (4, 13) ORDER BY uid;
-- the hand-made streams in the modes that stop the scan, as the functions see them
-- (level and times in seconds, timestamptz clock)
SELECT uid, pg_temp.lt(tz_so, pg_temp.us(tzt_so)) AS so, pg_temp.lt(tz_dd, pg_temp.us(tzt_dd)) AS dd,
       pg_temp.lt(tz_ar, pg_temp.us(tzt_ar)) AS ar, pg_temp.lt(tz_so_dd, pg_temp.us(tzt_so_dd)) AS so_dd,
       pg_temp.lt(tz_ar_dd, pg_temp.us(tzt_ar_dd)) AS ar_dd, pg_temp.lt(tz_once_so, pg_temp.us(tzt_once_so)) AS once_so
FROM wd_ours WHERE way = 'serial' AND uid < 1000 ORDER BY uid;
