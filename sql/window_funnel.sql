-- window_funnel.sql: funnel.window_funnel and funnel.window_funnel_times.
--
-- 1. ClickHouse's documentation example and every case of ClickHouse's
--    stateless test 00632_aggregation_window_funnel, restated: ClickHouse
--    windowFunnel(w, 'm1', 'm2')(ts, c1, c2) is funnel.window_funnel(w,
--    'm1, m2', ts, c1, c2); a UInt clock is the bigint clock; a DateTime
--    (seconds) is a timestamptz with the window as an interval of seconds.
--    Every query shows our value beside ClickHouse's (column "clickhouse").
-- 2. Each mode's distinguishing case, combined modes, ties in time, a row true
--    for several steps, the window edge, NULLs, 1 step, chains that restart,
--    window_funnel_times' chain rule: a table of hand-worked cases, each with
--    its expected level and times.
-- 3. Timestamp clocks: the window edge to the microsecond, days and months in
--    the window, timestamptz = timestamp = bigint clock, any input order.
-- 4. 32 steps, empty input, GROUP BY, parallel aggregation, errors.
--
-- Semantics: /work/notes/issue7-spec.md and ClickHouse's
-- src/AggregateFunctions/AggregateFunctionWindowFunnel.cpp.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never

------------------------------------------------------------------------------
-- 1a. ClickHouse documentation, docs/en/sql-reference/aggregate-functions/
--     parametric-functions.md, section windowFunnel: "Determine if a set period
--     of time is enough for the user to select a phone and purchase it twice".
--     Documented result: one user at level 4.
------------------------------------------------------------------------------
CREATE TABLE wf_trend (event_date date, user_id int, ts timestamptz, event_id int, product text);
INSERT INTO wf_trend VALUES
    ('2019-01-28', 1, '2019-01-29 10:00:00', 1003, 'phone'),
    ('2019-01-31', 1, '2019-01-31 09:00:00', 1007, 'phone'),
    ('2019-01-30', 1, '2019-01-30 08:00:00', 1009, 'phone'),
    ('2019-02-01', 1, '2019-02-01 08:00:00', 1010, 'phone');
-- the documented window, 6048000000000000 seconds, on a bigint clock of epoch seconds
SELECT level, count(*) AS c, (level, count(*)) = (4, 1) AS clickhouse_4_1
FROM (SELECT user_id,
             funnel.window_funnel(6048000000000000, extract(epoch FROM ts)::bigint,
                                  event_id = 1003, event_id = 1009, event_id = 1007, event_id = 1010) AS level
      FROM wf_trend
      WHERE event_date >= '2019-01-01' AND event_date <= '2019-02-02'
      GROUP BY user_id) s
GROUP BY level ORDER BY level;
-- the same on the timestamptz clock (an interval cannot hold 6048000000000000
-- seconds; 100 years is as good here), with the times of the chain:
-- 1003 at 01-29 10:00, 1009 at 01-30 08:00 (+22 h), 1007 at 01-31 09:00
-- (+47 h), 1010 at 02-01 08:00 (+70 h)
SELECT funnel.window_funnel('100 years', ts, event_id = 1003, event_id = 1009, event_id = 1007, event_id = 1010) AS level,
       4 AS clickhouse,
       funnel.window_funnel_times('100 years', ts, event_id = 1003, event_id = 1009, event_id = 1007, event_id = 1010) AS times,
       funnel.window_funnel_times('100 years', ts, event_id = 1003, event_id = 1009, event_id = 1007, event_id = 1010)
         = '{0, 22 hours, 47 hours, 70 hours}'::interval[] AS times_ok
FROM wf_trend;

------------------------------------------------------------------------------
-- 1b. ClickHouse tests/queries/0_stateless/00632_aggregation_window_funnel.sql
--     with the results of its .reference file (the queries are of the form
--     "select N = windowFunnel(...)", reference 1 each, so N is ClickHouse's).
------------------------------------------------------------------------------
-- funnel_test (timestamp UInt32, event UInt32)
CREATE TABLE ch_ft (ts bigint, event int);
INSERT INTO ch_ft VALUES (0,1000),(1,1001),(2,1002),(3,1003),(4,1004),(5,1005),(6,1006),(7,1007),(8,1008);
SELECT funnel.window_funnel(10000, ts, event = 1000) AS level, 1 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(10000, ts, event = 1000, event = 1001) AS level, 2 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(10000, ts, event = 1000, event = 1001, event = 1002) AS level, 3 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(10000, ts, event = 1000, event = 1001, event = 1002, event = 1008) AS level, 4 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(1, ts, event = 1000) AS level, 1 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(2, ts, event = 1003, event = 1004, event = 1005, event = 1006, event = 1007) AS level, 3 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(3, ts, event = 1003, event = 1004, event = 1005, event = 1006, event = 1007) AS level, 4 AS clickhouse FROM ch_ft;
SELECT funnel.window_funnel(4, ts, event = 1003, event = 1004, event = 1005, event = 1006, event = 1007) AS level, 5 AS clickhouse FROM ch_ft;

-- funnel_test2 (uid UInt32 default 1, timestamp DateTime, event UInt32)
CREATE TABLE ch_ft2 (uid int DEFAULT 1, ts timestamptz, event int);
INSERT INTO ch_ft2 (ts, event) VALUES ('2018-01-01 01:01:01',1001),('2018-01-01 01:01:02',1002),('2018-01-01 01:01:03',1003),('2018-01-01 01:01:04',1004),('2018-01-01 01:01:05',1005),('2018-01-01 01:01:06',1006),('2018-01-01 01:01:07',1007),('2018-01-01 01:01:08',1008);
SELECT funnel.window_funnel('4 seconds', ts, event = 1003, event = 1004, event = 1005, event = 1006, event = 1007) AS level, 5 AS clickhouse FROM ch_ft2;
SELECT funnel.window_funnel('10000 seconds', ts, event = 1001, event = 1008) AS level, 2 AS clickhouse FROM ch_ft2;
SELECT funnel.window_funnel('10000 seconds', ts, event = 1008, event = 1001) AS level, 1 AS clickhouse FROM ch_ft2;
SELECT funnel.window_funnel('4 seconds', ts, event <= 1007, event >= 1002, event <= 1006, event >= 1004) AS level, 4 AS clickhouse FROM ch_ft2;

-- funnel_test_u64 (uid UInt32 default 1, timestamp UInt64, event UInt32): 1e14 + k
CREATE TABLE ch_ft_u64 (uid int DEFAULT 1, ts bigint, event int);
INSERT INTO ch_ft_u64 (ts, event) SELECT 100000000000000 + k, 1000 + k FROM generate_series(1, 8) k;
SELECT funnel.window_funnel(4, ts, event = 1003, event = 1004, event = 1005, event = 1006, event = 1007) AS level, 5 AS clickhouse FROM ch_ft_u64;
SELECT funnel.window_funnel(10000, ts, event = 1001, event = 1008) AS level, 2 AS clickhouse FROM ch_ft_u64;
SELECT funnel.window_funnel(10000, ts, event = 1008, event = 1001) AS level, 1 AS clickhouse FROM ch_ft_u64;
SELECT funnel.window_funnel(4, ts, event <= 1007, event >= 1002, event <= 1006, event >= 1004) AS level, 4 AS clickhouse FROM ch_ft_u64;

-- funnel_test_strict: 1005 repeats at 50 and 51.  ('strict' is now an error,
-- see section 4; the reference's query says 'strict_deduplication'.)
CREATE TABLE ch_strict (ts bigint, event int);
INSERT INTO ch_strict VALUES (00,1000),(10,1001),(20,1002),(30,1003),(40,1004),(50,1005),(51,1005),(60,1006),(70,1007),(80,1008);
SELECT funnel.window_funnel(10000, 'strict_deduplication', ts, event = 1000, event = 1001, event = 1002, event = 1003, event = 1004, event = 1005, event = 1006) AS level, 6 AS clickhouse FROM ch_strict;
SELECT funnel.window_funnel(10000, ts, event = 1000, event = 1001, event = 1002, event = 1003, event = 1004, event = 1005, event = 1006) AS level, 7 AS clickhouse FROM ch_strict;

-- funnel_test_strict_order (dt DateTime, user int, event String); dt 1, 2, ...
-- seconds after the epoch; 'd' is no step (an unrelated event)
CREATE TABLE ch_strict_order (dt timestamptz, usr int, event text);
INSERT INTO ch_strict_order
SELECT to_timestamp(k), usr, ev
FROM (VALUES (1, 'a b c'), (2, 'a d b c'), (3, 'a a b b c c'), (4, 'a a a a b b c c'),
             (5, 'a a b b d c c'), (6, 'c c b b a a')) u(usr, evs),
     unnest(string_to_array(evs, ' ')) WITH ORDINALITY AS x(ev, k);
SELECT usr, funnel.window_funnel('86400 seconds', dt, event = 'a', event = 'b', event = 'c') AS s, e.clickhouse
FROM ch_strict_order JOIN (VALUES (1, 3), (2, 3), (3, 3), (4, 3), (5, 3), (6, 1)) e(usr, clickhouse) USING (usr)
GROUP BY usr, e.clickhouse ORDER BY usr;
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order', dt, event = 'a', event = 'b', event = 'c') AS s, e.clickhouse
FROM ch_strict_order JOIN (VALUES (1, 3), (2, 1), (3, 3), (4, 3), (5, 2), (6, 1)) e(usr, clickhouse) USING (usr)
GROUP BY usr, e.clickhouse ORDER BY usr;
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_deduplication, strict_order', dt, event = 'a', event = 'b', event = 'c') AS s, e.clickhouse
FROM ch_strict_order JOIN (VALUES (1, 3), (2, 1), (3, 2), (4, 2), (5, 2), (6, 1)) e(usr, clickhouse) USING (usr)
GROUP BY usr, e.clickhouse ORDER BY usr;
INSERT INTO ch_strict_order VALUES (to_timestamp(1), 7, 'a'), (to_timestamp(2), 7, 'c'), (to_timestamp(3), 7, 'b');
SELECT usr, funnel.window_funnel('10 seconds', 'strict_order', dt, event = 'a', event = 'b', event = 'c') AS s, 1 AS clickhouse
FROM ch_strict_order WHERE usr = 7 GROUP BY usr;

-- https://github.com/ClickHouse/ClickHouse/issues/27469: a b c b d, 'b' repeats
CREATE TABLE ch_dddd (ts bigint, event text);
INSERT INTO ch_dddd VALUES (1,'a'),(2,'b'),(3,'c'),(4,'b'),(5,'d');
SELECT funnel.window_funnel(86400, 'strict_deduplication', ts, event = 'a', event = 'b', event = 'c', event = 'd') AS level, 3 AS clickhouse FROM ch_dddd;

-- funnel_test_non_null (dt DateTime, u int, a Nullable(String), b Nullable(String)).
-- The reference wraps the nullable columns in COALESCE; the same queries with
-- the bare comparisons (NULL conditions, which count as false here) give the
-- same answers.
CREATE TABLE ch_non_null (dt timestamptz, u int, a text, b text);
INSERT INTO ch_non_null VALUES
    (to_timestamp(1), 1, 'a1', 'b1'), (to_timestamp(2), 1, 'a2', 'b2'),
    (to_timestamp(1), 2, 'a1', NULL), (to_timestamp(2), 2, 'a2', NULL),
    (to_timestamp(1), 3, NULL, NULL),
    (to_timestamp(1), 4, NULL, 'b1'), (to_timestamp(2), 4, 'a2', NULL), (to_timestamp(3), 4, NULL, 'b3');
SELECT u, funnel.window_funnel('86400 seconds', dt, COALESCE(a, '') = 'a1', COALESCE(a, '') = 'a2') AS s,
          funnel.window_funnel('86400 seconds', dt, a = 'a1', a = 'a2') AS s_nulls, e.clickhouse
FROM ch_non_null JOIN (VALUES (1, 2), (2, 2), (3, 0), (4, 0)) e(u, clickhouse) USING (u)
GROUP BY u, e.clickhouse ORDER BY u;
SELECT u, funnel.window_funnel('86400 seconds', dt, COALESCE(a, '') = 'a1', COALESCE(b, '') = 'b2') AS s,
          funnel.window_funnel('86400 seconds', dt, a = 'a1', b = 'b2') AS s_nulls, e.clickhouse
FROM ch_non_null JOIN (VALUES (1, 2), (2, 1), (3, 0), (4, 0)) e(u, clickhouse) USING (u)
GROUP BY u, e.clickhouse ORDER BY u;
SELECT u, funnel.window_funnel('86400 seconds', dt, a IS NULL AND b IS NULL) AS s, e.clickhouse
FROM ch_non_null JOIN (VALUES (1, 0), (2, 0), (3, 1), (4, 0)) e(u, clickhouse) USING (u)
GROUP BY u, e.clickhouse ORDER BY u;
SELECT u, funnel.window_funnel('86400 seconds', dt, a IS NULL, COALESCE(b, '') = 'b3') AS s,
          funnel.window_funnel('86400 seconds', dt, a IS NULL, b = 'b3') AS s_nulls, e.clickhouse
FROM ch_non_null JOIN (VALUES (1, 0), (2, 0), (3, 1), (4, 2)) e(u, clickhouse) USING (u)
GROUP BY u, e.clickhouse ORDER BY u;
SELECT u, funnel.window_funnel('86400 seconds', 'strict_order', dt, a IS NULL, COALESCE(b, '') = 'b3') AS s,
          funnel.window_funnel('86400 seconds', 'strict_order', dt, a IS NULL, b = 'b3') AS s_nulls, e.clickhouse
FROM ch_non_null JOIN (VALUES (1, 0), (2, 0), (3, 1), (4, 1)) e(u, clickhouse) USING (u)
GROUP BY u, e.clickhouse ORDER BY u;

-- funnel_test_strict_increase: 1001, 1002, 1003 share the instant 1
CREATE TABLE ch_strict_increase (ts bigint, event int);
INSERT INTO ch_strict_increase VALUES (0,1000),(1,1001),(1,1002),(1,1003),(2,1004);
SELECT funnel.window_funnel(10000, ts, event = 1000, event = 1001, event = 1002, event = 1003, event = 1004) AS level, 5 AS clickhouse FROM ch_strict_increase;
SELECT funnel.window_funnel(10000, 'strict_increase', ts, event = 1000, event = 1001, event = 1002, event = 1003, event = 1004) AS level, 2 AS clickhouse FROM ch_strict_increase;
SELECT funnel.window_funnel(10000, ts, event = 1004, event = 1004, event = 1004) AS level, 3 AS clickhouse FROM ch_strict_increase;
SELECT funnel.window_funnel(10000, 'strict_once', ts, event = 1004, event = 1004, event = 1004) AS level, 1 AS clickhouse FROM ch_strict_increase;
SELECT funnel.window_funnel(10000, 'strict_increase', ts, event = 1004, event = 1004, event = 1004) AS level, 1 AS clickhouse FROM ch_strict_increase;

-- funnel_test2 (event_ts UInt32, result String, uid UInt32), steps failure, failure, success
CREATE TABLE ch_ft3 (event_ts bigint, result text, uid int);
INSERT INTO ch_ft3 VALUES (100, 'failure', 234), (200, 'success', 345), (210, 'failure', 345), (230, 'success', 345),
                          (250, 'failure', 234), (180, 'failure', 123), (220, 'failure', 123), (250, 'success', 123);
SELECT uid, funnel.window_funnel(200, 'strict_once, strict_increase', event_ts, result = 'failure', result = 'failure', result = 'success') AS level, e.clickhouse
FROM ch_ft3 JOIN (VALUES (123, 3), (234, 2), (345, 1)) e(uid, clickhouse) USING (uid)
WHERE event_ts >= 0 AND event_ts <= 300 GROUP BY uid, e.clickhouse ORDER BY uid;
SELECT uid, funnel.window_funnel(200, 'strict_once', event_ts, result = 'failure', result = 'failure', result = 'success') AS level, e.clickhouse
FROM ch_ft3 JOIN (VALUES (123, 3), (234, 2), (345, 1)) e(uid, clickhouse) USING (uid)
WHERE event_ts >= 0 AND event_ts <= 300 GROUP BY uid, e.clickhouse ORDER BY uid;
SELECT uid, funnel.window_funnel(200, 'strict_once, strict_deduplication', event_ts, result = 'failure', result = 'failure', result = 'success') AS level, e.clickhouse
FROM ch_ft3 JOIN (VALUES (123, 3), (234, 2), (345, 1)) e(uid, clickhouse) USING (uid)
WHERE event_ts >= 0 AND event_ts <= 300 GROUP BY uid, e.clickhouse ORDER BY uid;

-- funnel_test_allow_reentry (dt DateTime, user int, event String), and
-- funnel_test_ecommerce.  Two ClickHouse sources disagree here: the stored
-- 00632 .reference with these queries (column "reference") and the stored
-- AggregateFunctionWindowFunnel.cpp, which includes the later fix of
-- strict_deduplication's level (#37177, PR #99003) (column "clickhouse": what
-- that code computes).  The code restarts level 1 on every step-1 event under
-- strict_order and lets allow_reentry skip a step that comes before its
-- predecessor; the reference treats a step-1 event after level 2 as an order
-- violation (skipped by allow_reentry) and stops at a step that comes too
-- early even with allow_reentry.  We follow the code (issue7-spec.md).
CREATE TABLE ch_reentry (dt timestamptz, usr int, event text);
INSERT INTO ch_reentry
SELECT to_timestamp(k), usr, ev
FROM (VALUES (1, 'a b a c'), (2, 'a b a b c'), (3, 'a b c b d'), (4, 'a c b'), (5, 'a b c a b c d')) u(usr, evs),
     unnest(string_to_array(evs, ' ')) WITH ORDINALITY AS x(ev, k);
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order', dt, event = 'a', event = 'b', event = 'c') AS level,
       e.clickhouse, e.reference
FROM ch_reentry JOIN (VALUES (1, 3, 2), (2, 3, 2), (3, 3, 3), (4, 1, 1), (5, 3, 3)) e(usr, clickhouse, reference) USING (usr)
GROUP BY usr, e.clickhouse, e.reference ORDER BY usr;
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order, allow_reentry', dt, event = 'a', event = 'b', event = 'c') AS level,
       e.clickhouse, e.reference
FROM ch_reentry JOIN (VALUES (1, 3, 3), (2, 3, 3), (3, 3, 3), (4, 2, 1), (5, 3, 3)) e(usr, clickhouse, reference) USING (usr)
GROUP BY usr, e.clickhouse, e.reference ORDER BY usr;
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order', dt, event = 'a', event = 'b', event = 'c', event = 'd') AS level,
       e.clickhouse, e.reference
FROM ch_reentry JOIN (VALUES (1, 3, 2), (2, 3, 2), (3, 4, 4), (4, 1, 1), (5, 4, 3)) e(usr, clickhouse, reference) USING (usr)
GROUP BY usr, e.clickhouse, e.reference ORDER BY usr;
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order, allow_reentry', dt, event = 'a', event = 'b', event = 'c', event = 'd') AS level,
       e.clickhouse, e.reference
FROM ch_reentry JOIN (VALUES (1, 3, 3), (2, 3, 3), (3, 4, 4), (4, 2, 1), (5, 4, 4)) e(usr, clickhouse, reference) USING (usr)
GROUP BY usr, e.clickhouse, e.reference ORDER BY usr;
-- (the reference's user 2 value 1 is also the old strict_deduplication level,
-- the condition number of the previous event, fixed by PR #99003)
SELECT usr, funnel.window_funnel('86400 seconds', 'strict_order, allow_reentry, strict_deduplication', dt, event = 'a', event = 'b', event = 'c') AS level,
       e.clickhouse, e.reference
FROM ch_reentry JOIN (VALUES (1, 3, 3), (2, 2, 1), (3, 3, 3), (4, 2, 1), (5, 3, 3)) e(usr, clickhouse, reference) USING (usr)
GROUP BY usr, e.clickhouse, e.reference ORDER BY usr;

CREATE TABLE ch_ecommerce (ts bigint, user_id int, action text);
INSERT INTO ch_ecommerce VALUES
    (100, 1, 'begin_checkout'), (200, 1, 'view_product_detail'), (300, 1, 'begin_checkout'), (400, 1, 'complete_payment'),
    (100, 2, 'begin_checkout'), (200, 2, 'view_product_detail'), (250, 2, 'view_product_detail'), (300, 2, 'begin_checkout'), (400, 2, 'complete_payment'),
    (100, 3, 'begin_checkout'), (200, 3, 'view_product_detail'), (300, 3, 'complete_payment');
SELECT user_id, funnel.window_funnel(600, 'strict_order', ts, action = 'begin_checkout', action = 'view_product_detail', action = 'complete_payment') AS level,
       e.clickhouse, e.reference
FROM ch_ecommerce JOIN (VALUES (1, 3, 2), (2, 3, 2), (3, 3, 3)) e(user_id, clickhouse, reference) USING (user_id)
GROUP BY user_id, e.clickhouse, e.reference ORDER BY user_id;
SELECT user_id, funnel.window_funnel(600, 'strict_order, allow_reentry', ts, action = 'begin_checkout', action = 'view_product_detail', action = 'complete_payment') AS level,
       e.clickhouse, e.reference
FROM ch_ecommerce JOIN (VALUES (1, 3, 3), (2, 3, 3), (3, 3, 3)) e(user_id, clickhouse, reference) USING (user_id)
GROUP BY user_id, e.clickhouse, e.reference ORDER BY user_id;
SELECT user_id, funnel.window_funnel(600, 'strict_order', ts, action = 'begin_checkout', action = 'view_product_detail', action = 'begin_checkout', action = 'complete_payment') AS level,
       e.clickhouse, e.reference
FROM ch_ecommerce JOIN (VALUES (1, 1, 1), (2, 1, 1), (3, 1, 1)) e(user_id, clickhouse, reference) USING (user_id)
GROUP BY user_id, e.clickhouse, e.reference ORDER BY user_id;
SELECT user_id, funnel.window_funnel(600, 'strict_order, allow_reentry', ts, action = 'begin_checkout', action = 'view_product_detail', action = 'begin_checkout', action = 'complete_payment') AS level,
       e.clickhouse, e.reference
FROM ch_ecommerce JOIN (VALUES (1, 4, 1), (2, 4, 1), (3, 2, 1)) e(user_id, clickhouse, reference) USING (user_id)
GROUP BY user_id, e.clickhouse, e.reference ORDER BY user_id;

-- https://github.com/ClickHouse/ClickHouse/issues/37177 (fixed by PR #99003):
-- strict_deduplication returns the level reached when a step repeats (3 here:
-- install, start, login, then install again is a new start and start repeats)
CREATE TABLE ch_37177 (ts timestamptz, event text);
INSERT INTO ch_37177 VALUES
    ('2022-05-13 12:00:00', 'install'), ('2022-05-13 12:00:05', 'start'), ('2022-05-13 12:00:10', 'login'),
    ('2022-05-13 12:00:15', 'install'), ('2022-05-13 12:00:20', 'start'), ('2022-05-13 12:00:25', 'install'),
    ('2022-05-13 12:00:30', 'start'), ('2022-05-13 12:00:35', 'login'), ('2022-05-13 12:00:40', 'end');
SELECT funnel.window_funnel('60 seconds', 'strict_deduplication', ts, event = 'install', event = 'start', event = 'login', event = 'end') AS level,
       3 AS clickhouse FROM ch_37177;
SELECT funnel.window_funnel('60 seconds', 'strict_deduplication', ts, event = 'install', event = 'start', event = 'login', event = 'end') AS level,
       3 AS clickhouse FROM ch_37177 WHERE ts <= '2022-05-13 12:00:15';

------------------------------------------------------------------------------
-- 2. Hand-worked cases on a bigint clock.  wf_row holds small event streams:
--    e names the steps the row is true for ('a' = step a, 'bc' = steps b and
--    c, 'x' = no step, NULL = every condition NULL); t NULL = no time.  A case
--    runs one stream with a window, a mode and steps ('abc' = e ~ 'a',
--    e ~ 'b', e ~ 'c'); level and times are worked out in the comments
--    (times: of the fastest chain reaching the level, ties by step 2, 3, ...).
------------------------------------------------------------------------------
CREATE TABLE wf_row (g text, t bigint, e text);
CREATE TABLE wf_case (name text PRIMARY KEY, g text, win bigint, mode text, steps text,
                      level int, times bigint[]);
-- stream('name', 'a@0 bc@4 x@N'): rows e@t, N = NULL
CREATE PROCEDURE pg_temp.stream(g text, s text) LANGUAGE sql AS $$
    INSERT INTO wf_row
    SELECT g, CASE WHEN split_part(tok, '@', 2) = 'N' THEN NULL ELSE split_part(tok, '@', 2)::bigint END,
           CASE WHEN split_part(tok, '@', 1) = 'N' THEN NULL ELSE split_part(tok, '@', 1) END
    FROM unnest(string_to_array(s, ' ')) tok
$$;
-- run_case(case): the level and times of a case, with and without the mode argument
CREATE FUNCTION pg_temp.run_case(c wf_case, OUT level int, OUT times bigint[]) LANGUAGE plpgsql AS $$
BEGIN
    SELECT funnel.window_funnel(c.win, c.mode, w.t, VARIADIC ARRAY(SELECT w.e ~ s FROM regexp_split_to_table(c.steps, '') s)),
           funnel.window_funnel_times(c.win, c.mode, w.t, VARIADIC ARRAY(SELECT w.e ~ s FROM regexp_split_to_table(c.steps, '') s))
    INTO level, times FROM wf_row w WHERE w.g = c.g;
END $$;
CREATE FUNCTION pg_temp.run_case_without_mode(c wf_case, OUT level int, OUT times bigint[]) LANGUAGE plpgsql AS $$
BEGIN
    SELECT funnel.window_funnel(c.win, w.t, VARIADIC ARRAY(SELECT w.e ~ s FROM regexp_split_to_table(c.steps, '') s)),
           funnel.window_funnel_times(c.win, w.t, VARIADIC ARRAY(SELECT w.e ~ s FROM regexp_split_to_table(c.steps, '') s))
    INTO level, times FROM wf_row w WHERE w.g = c.g;
END $$;
-- strict_deduplication: b repeats at 2.  Default: a0 b1 c3 (a0 b2 c3 ties on
-- the total 3; step 2 at 1 is smaller).  Deduplicated: stops at b2, level 2.
CALL pg_temp.stream('dedup', 'a@0 b@1 b@2 c@3');
INSERT INTO wf_case VALUES
    ('dedup',                'dedup', 10, '', 'abc', 3, '{0,1,3}'),
    ('dedup/strict_deduplication', 'dedup', 10, 'strict_deduplication', 'abc', 2, '{0,1}');
-- strict_order: x (no step) between a and b.  Default 3 (a0 b2 c3); strict_order
-- stops at x: 1.  An x before the first a is ignored: 3.
CALL pg_temp.stream('order', 'a@0 x@1 b@2 c@3');
CALL pg_temp.stream('order_x_first', 'x@0 a@1 b@2 c@3');
INSERT INTO wf_case VALUES
    ('order',                'order', 10, '', 'abc', 3, '{0,2,3}'),
    ('order/strict_order',   'order', 10, 'strict_order', 'abc', 1, '{0}'),
    ('order_x_first/strict_order', 'order_x_first', 10, 'strict_order', 'abc', 3, '{0,1,2}');
-- strict_order with a step too early (c before b), and allow_reentry, which
-- skips it: default 3 (a0 b2 c3); strict_order stops at c1: 1;
-- 'strict_order, allow_reentry' skips c1: 3.
CALL pg_temp.stream('early', 'a@0 c@1 b@2 c@3');
INSERT INTO wf_case VALUES
    ('early',                'early', 10, '', 'abc', 3, '{0,2,3}'),
    ('early/strict_order',   'early', 10, 'strict_order', 'abc', 1, '{0}'),
    ('early/strict_order,allow_reentry', 'early', 10, 'strict_order, allow_reentry', 'abc', 3, '{0,2,3}'),
    ('early/spaces',         'early', 10, '  strict_order ,allow_reentry  ', 'abc', 3, '{0,2,3}');
-- back-navigation a b a c: every step-1 event restarts level 1, the partial
-- chain a0 b1 survives and c3 extends it (3 with and without strict_order)
CALL pg_temp.stream('back', 'a@0 b@1 a@2 c@3');
INSERT INTO wf_case VALUES
    ('back',                 'back', 10, '', 'abc', 3, '{0,1,3}'),
    ('back/strict_order',    'back', 10, 'strict_order', 'abc', 3, '{0,1,3}');
-- strict_increase: a and b at the same instant.  Default 3 (a0 b0 c1);
-- strict_increase: b0 is not after a0, and c1 has no step 2 before it: 1.
CALL pg_temp.stream('same_instant', 'a@0 b@0 c@1');
INSERT INTO wf_case VALUES
    ('same_instant',         'same_instant', 10, '', 'abc', 3, '{0,0,1}'),
    ('same_instant/strict_increase', 'same_instant', 10, 'strict_increase', 'abc', 1, '{0}');
-- strict_once: one row is a and b.  Default 3 (the row fills steps a and b);
-- strict_once: the row fills one step of a chain, no other b: 1.
CALL pg_temp.stream('ab_row', 'ab@0 c@5');
INSERT INTO wf_case VALUES
    ('ab_row',               'ab_row', 10, '', 'abc', 3, '{0,0,5}'),
    ('ab_row/strict_once',   'ab_row', 10, 'strict_once', 'abc', 1, '{0}');
-- a row true for every step: fills them all by default (3), also under
-- strict_order and strict_deduplication; one step under strict_once and
-- strict_increase
CALL pg_temp.stream('abc_row', 'abc@7');
INSERT INTO wf_case VALUES
    ('abc_row',              'abc_row', 10, '', 'abc', 3, '{0,0,0}'),
    ('abc_row/strict_order', 'abc_row', 10, 'strict_order', 'abc', 3, '{0,0,0}'),
    ('abc_row/strict_deduplication', 'abc_row', 10, 'strict_deduplication', 'abc', 3, '{0,0,0}'),
    ('abc_row/strict_once',  'abc_row', 10, 'strict_once', 'abc', 1, '{0}'),
    ('abc_row/strict_increase', 'abc_row', 10, 'strict_increase', 'abc', 1, '{0}');
-- a, then a row true for b and c: 3 by default; 2 under strict_once and
-- strict_increase
CALL pg_temp.stream('bc_row', 'a@0 bc@4');
INSERT INTO wf_case VALUES
    ('bc_row',               'bc_row', 10, '', 'abc', 3, '{0,4,4}'),
    ('bc_row/strict_once',   'bc_row', 10, 'strict_once', 'abc', 2, '{0,4}'),
    ('bc_row/strict_increase', 'bc_row', 10, 'strict_increase', 'abc', 2, '{0,4}'),
    ('bc_row/strict_once,strict_increase', 'bc_row', 10, 'strict_once, strict_increase', 'abc', 2, '{0,4}');
-- ties in time: three rows at one instant, given in reverse step order; they
-- are read in step order: 3 by default, 1 under strict_increase
CALL pg_temp.stream('tie', 'c@5 b@5 a@5');
INSERT INTO wf_case VALUES
    ('tie',                  'tie', 10, '', 'abc', 3, '{0,0,0}'),
    ('tie/strict_increase',  'tie', 10, 'strict_increase', 'abc', 1, '{0}');
-- under strict_order a row without a step comes first in its instant: x at 2
-- is read before b at 2 and stops the scan (1); x at 1 before a at 1 is
-- before the first step 1 and is ignored (2)
CALL pg_temp.stream('tie_x', 'a@1 b@2 x@2 c@3');
CALL pg_temp.stream('tie_x_first', 'a@1 x@1 b@2');
INSERT INTO wf_case VALUES
    ('tie_x',                'tie_x', 10, '', 'abc', 3, '{0,1,2}'),
    ('tie_x/strict_order',   'tie_x', 10, 'strict_order', 'abc', 1, '{0}'),
    ('tie_x_first/strict_order', 'tie_x_first', 10, 'strict_order', 'abc', 2, '{0,1}');
-- the window edge: c is 11 after a; window 10: 2, window 11: 3.  Window 0: the
-- same instant only.  The window counts from step 1, not from the previous step.
CALL pg_temp.stream('edge', 'a@0 b@10 c@11');
CALL pg_temp.stream('edge0', 'a@5 b@5 c@6');
CALL pg_temp.stream('from_first', 'a@0 b@6 c@10');
CALL pg_temp.stream('from_first_out', 'a@0 b@6 c@11');
INSERT INTO wf_case VALUES
    ('edge/10',              'edge', 10, '', 'abc', 2, '{0,10}'),
    ('edge/11',              'edge', 11, '', 'abc', 3, '{0,10,11}'),
    ('edge0/0',              'edge0', 0, '', 'abc', 2, '{0,0}'),
    ('from_first',           'from_first', 10, '', 'abc', 3, '{0,6,10}'),
    ('from_first_out',       'from_first_out', 10, '', 'abc', 2, '{0,6}');
-- chains that restart: the chain a0 b5 is out of the window for c28, the one
-- started at a20 reaches 3.  A later a does not end an older partial chain:
-- a0 b2 survives a5 and c9 completes it (3, also under strict_order,
-- strict_increase, strict_once); with c at 11 it is out of the window and a5
-- has no b: 2.
CALL pg_temp.stream('restart', 'a@0 b@5 a@20 b@25 c@28');
CALL pg_temp.stream('survive', 'a@0 b@2 a@5 c@9');
CALL pg_temp.stream('expire', 'a@0 b@2 a@5 c@11');
INSERT INTO wf_case VALUES
    ('restart',              'restart', 10, '', 'abc', 3, '{0,5,8}'),
    ('survive',              'survive', 10, '', 'abc', 3, '{0,2,9}'),
    ('survive/strict_order', 'survive', 10, 'strict_order', 'abc', 3, '{0,2,9}'),
    ('survive/strict_increase', 'survive', 10, 'strict_increase', 'abc', 3, '{0,2,9}'),
    ('survive/strict_once',  'survive', 10, 'strict_once', 'abc', 3, '{0,2,9}'),
    ('expire',               'expire', 10, '', 'abc', 2, '{0,2}');
-- window_funnel_times' choice: the fastest total, then the smallest time to
-- step 2, then to step 3.  fastest: a0 b2 c9 and a0 b6 c9 take 9, a5 b6 c9
-- takes 4.  tie2: a0 b1 c5 and a10 b14 c15 both take 5, step 2 at +1 wins;
-- tie2_late: the same with the later chain faster to step 2.  tie3: both
-- chains take 6 and reach step 2 at +1; step 3 at +2 wins.
CALL pg_temp.stream('fastest', 'a@0 b@2 a@5 b@6 c@9');
CALL pg_temp.stream('tie2', 'a@0 b@1 c@5 a@10 b@14 c@15');
CALL pg_temp.stream('tie2_late', 'a@0 b@4 c@5 a@10 b@11 c@15');
CALL pg_temp.stream('tie3', 'a@0 b@1 c@2 d@6 a@10 b@11 c@13 d@16');
INSERT INTO wf_case VALUES
    ('fastest',              'fastest', 10, '', 'abc', 3, '{0,1,4}'),
    ('tie2',                 'tie2', 100, '', 'abc', 3, '{0,1,5}'),
    ('tie2_late',            'tie2_late', 100, '', 'abc', 3, '{0,1,5}'),
    ('tie3',                 'tie3', 100, '', 'abcd', 4, '{0,1,2,6}');
-- ClickHouse's strict_increase keeps one chain per level: b2 replaces a0 b1 at
-- level 2 and c2 is not after b2, so it answers 2 although a0 b1 c2 is a valid
-- strictly increasing chain.  We match ClickHouse (issue7-spec.md); its times
-- are those of the fastest strictly increasing chain of level 2 (a0 b1).
-- strict_once keeps every chain, so 'strict_increase, strict_once' finds 3.
CALL pg_temp.stream('lost', 'a@0 b@1 b@2 c@2');
INSERT INTO wf_case VALUES
    ('lost',                 'lost', 10, '', 'abc', 3, '{0,1,2}'),
    ('lost/strict_increase', 'lost', 10, 'strict_increase', 'abc', 2, '{0,1}'),
    ('lost/strict_increase,strict_once', 'lost', 10, 'strict_increase, strict_once', 'abc', 3, '{0,1,2}');
-- the same defect, https://github.com/ClickHouse/ClickHouse/issues/52844 (open;
-- ClickHouse answers 2): a1, then b c d at 2, at 3 and at 4
CALL pg_temp.stream('52844', 'a@1 b@2 c@2 d@2 b@3 c@3 d@3 b@4 c@4 d@4');
INSERT INTO wf_case VALUES
    ('52844',                '52844', 100000, '', 'abcd', 4, '{0,1,1,1}'),
    ('52844/strict_increase', '52844', 100000, 'strict_increase', 'abcd', 2, '{0,1}'),
    ('52844/strict_increase,strict_once', '52844', 100000, 'strict_increase, strict_once', 'abcd', 4, '{0,1,2,3}');
-- NULLs: a row without a time is skipped (b here: 1); under strict_order a
-- skipped row is not an unrelated event (x without a time: 2).  A row whose
-- conditions are all NULL is a row with no step: ignored by default (2),
-- an unrelated event under strict_order (1).
CALL pg_temp.stream('null_t', 'a@0 b@N c@2');
CALL pg_temp.stream('null_t_x', 'a@0 x@N b@1');
CALL pg_temp.stream('null_cond', 'a@0 N@1 b@2');
INSERT INTO wf_case VALUES
    ('null_t',               'null_t', 10, '', 'abc', 1, '{0}'),
    ('null_t_x/strict_order', 'null_t_x', 10, 'strict_order', 'abc', 2, '{0,1}'),
    ('null_cond',            'null_cond', 10, '', 'abc', 2, '{0,2}'),
    ('null_cond/strict_order', 'null_cond', 10, 'strict_order', 'abc', 1, '{0}');
-- one step: 1 as soon as a row is true for it, 0 without; level 0 has no
-- times ('{}')
CALL pg_temp.stream('one', 'x@4 a@3');
CALL pg_temp.stream('none', 'x@1');
CALL pg_temp.stream('no_start', 'b@0 c@1');
INSERT INTO wf_case VALUES
    ('one',                  'one', 10, '', 'a', 1, '{0}'),
    ('one/strict_order',     'one', 10, 'strict_order', 'a', 1, '{0}'),
    ('none',                 'none', 10, '', 'a', 0, '{}'),
    ('none/strict_order',    'none', 10, 'strict_order', 'a', 0, '{}'),
    ('no_start',             'no_start', 10, '', 'abc', 0, '{}');
-- every case: our level and times beside the expected ones
SELECT c.name, r.level, c.level AS expected, r.times, c.times AS expected_times
FROM wf_case c, pg_temp.run_case(c) r
ORDER BY c.name COLLATE "C";
-- the cases without a mode through the aggregates without a mode argument:
-- no difference
SELECT c.name, r.level, r.times
FROM wf_case c, pg_temp.run_case_without_mode(c) r
WHERE c.mode = '' AND (r.level, r.times) IS DISTINCT FROM (c.level, c.times);

------------------------------------------------------------------------------
-- 3. Timestamp clocks
------------------------------------------------------------------------------
-- The window edge to the microsecond: b exactly one window after a counts, one
-- microsecond later does not.
SELECT w AS "window", d AS b_after_a,
       funnel.window_funnel(w::interval, t, e = 'a', e = 'b') AS level,
       funnel.window_funnel_times(w::interval, t, e = 'a', e = 'b') AS times
FROM (VALUES ('1 hour', '1 hour'), ('1 hour', '1 hour 0.000001 seconds'),
             ('0', '0'), ('0', '0.000001 seconds'),
             ('1 day', '24 hours'), ('1 day', '24 hours 0.000001 seconds'),
             ('1 month', '30 days'), ('1 month', '30 days 0.000001 seconds'),
             ('1 month', '31 days'), ('1 mon 1 day', '31 days'),
             ('1 year', '360 days'), ('1 year', '365 days'),
             ('1 day -1 hour', '23 hours'), ('1 day -1 hour', '24 hours'),
             ('1.5 days', '36 hours')) p(w, d),
     LATERAL (VALUES (timestamptz '2024-01-01 00:00', 'a'), (timestamptz '2024-01-01 00:00' + d::interval, 'b')) v(t, e)
GROUP BY w, d ORDER BY w::interval, d::interval;
-- A month is 30 days, whatever the calendar: January 1 to February 1 is 31
-- days, more than '1 month'.  A day is 24 hours: across the start of summer
-- time in New York, 12:00 to 12:00 the next day is 23 hours (within '1 day'),
-- 12:00 to 13:00 the next day is 24 hours (the edge, within), 13:00:00.000001
-- is out.
SELECT funnel.window_funnel('1 month', t, e = 'a', e = 'b') AS level, 1 AS expected
FROM (VALUES (timestamptz '2024-01-01', 'a'), ('2024-02-01', 'b')) v(t, e);
SELECT d AS b_at,
       funnel.window_funnel('1 day', t, e = 'a', e = 'b') AS level,
       funnel.window_funnel_times('1 day', t, e = 'a', e = 'b') AS times
FROM (VALUES ('2024-03-10 12:00:00'), ('2024-03-10 13:00:00'), ('2024-03-10 13:00:00.000001')) p(d),
     LATERAL (VALUES (timestamptz '2024-03-09 12:00 America/New_York', 'a'),
                     ((d || ' America/New_York')::timestamptz, 'b')) v(t, e)
GROUP BY d ORDER BY d;

-- The three clocks agree: a random stream of 300 users, steps a b c d,
-- window 1 hour, every mode.  The timestamp clock is the timestamptz at UTC;
-- the bigint clock is microseconds since 2000-01-01 with a window of
-- 3600000000.  Times agree too (bigint microseconds = interval).
SELECT setseed(0.7);
CREATE TABLE wf_rand (u int, t timestamptz, e text);
INSERT INTO wf_rand
SELECT u, timestamptz '2024-06-01' + (random() * 4 * 3600)::int * interval '1 second'
                                   + (random() < 0.3)::int * interval '0.5 seconds',
       (ARRAY['a', 'b', 'c', 'd', 'x', 'ab', 'bc', 'cd'])[1 + floor(random() * 8)::int]
FROM generate_series(1, 300) u, generate_series(1, 1 + (random() * 14 + u * 0)::int) k;
-- one in twenty rows at the same instant as another of its user
INSERT INTO wf_rand SELECT u, t, 'b' FROM wf_rand WHERE random() < 0.05;
CREATE TABLE wf_modes (mode text);
INSERT INTO wf_modes VALUES (''), ('strict_deduplication'), ('strict_order'), ('strict_increase'), ('strict_once'),
    ('strict_order, allow_reentry'), ('strict_deduplication, strict_order'), ('strict_once, strict_increase'),
    ('strict_once, strict_order'), ('strict_once, strict_deduplication'), ('strict_increase, strict_order, allow_reentry');
CREATE TABLE wf_clocks AS
SELECT m.mode, r.u,
       funnel.window_funnel('1 hour', m.mode, r.t, r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS tz_level,
       funnel.window_funnel('1 hour', m.mode, r.t AT TIME ZONE 'UTC', r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS ts_level,
       funnel.window_funnel(3600000000, m.mode, ((extract(epoch FROM r.t) - 946684800) * 1000000)::bigint,
                            r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS bigint_level,
       funnel.window_funnel_times('1 hour', m.mode, r.t, r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS tz_times,
       funnel.window_funnel_times('1 hour', m.mode, r.t AT TIME ZONE 'UTC', r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS ts_times,
       funnel.window_funnel_times(3600000000, m.mode, ((extract(epoch FROM r.t) - 946684800) * 1000000)::bigint,
                                  r.e ~ 'a', r.e ~ 'b', r.e ~ 'c', r.e ~ 'd') AS bigint_times
FROM wf_modes m, wf_rand r GROUP BY m.mode, r.u;
SELECT mode, count(*) AS users,
       count(*) FILTER (WHERE tz_level <> ts_level OR tz_level <> bigint_level) AS level_mismatches,
       count(*) FILTER (WHERE tz_times <> ts_times
                           OR tz_times <> ARRAY(SELECT x * interval '1 microsecond' FROM unnest(bigint_times) x)
                           OR cardinality(tz_times) <> tz_level) AS times_mismatches,
       sum(tz_level) AS sum_level
FROM wf_clocks GROUP BY mode ORDER BY mode;

-- Any input order: the same stream read in time order, reversed, and in a
-- scrambled order gives the same levels and times.
SELECT m.mode, count(*) FILTER (WHERE s.l1 <> s.l2 OR s.l1 <> s.l3 OR s.t1 <> s.t2 OR s.t1 <> s.t3) AS mismatches
FROM wf_modes m,
     LATERAL (SELECT funnel.window_funnel(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY t) AS l1,
                     funnel.window_funnel(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY t DESC, e) AS l2,
                     funnel.window_funnel(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY md5(t::text || e)) AS l3,
                     funnel.window_funnel_times(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY t) AS t1,
                     funnel.window_funnel_times(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY t DESC, e) AS t2,
                     funnel.window_funnel_times(3600, m.mode, extract(epoch FROM t)::bigint, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd' ORDER BY md5(t::text || e)) AS t3
              FROM wf_rand r GROUP BY r.u) s
GROUP BY m.mode ORDER BY m.mode;

------------------------------------------------------------------------------
-- 4. 32 steps, empty input, GROUP BY, parallel aggregation, errors
------------------------------------------------------------------------------
-- 32 steps: row k (at time k) is true for step k only.  All 32 rows: 32; row
-- 17 missing: 16.  One row true for all 32 steps: 32 at one instant.
CREATE TABLE wf_32 (t bigint, steps boolean[]);
INSERT INTO wf_32 SELECT k, array_agg(j = k ORDER BY j) FROM generate_series(1, 32) k, generate_series(1, 32) j GROUP BY k;
SELECT funnel.window_funnel(100, t, VARIADIC steps) AS level, 32 AS expected,
       funnel.window_funnel_times(100, t, VARIADIC steps) = ARRAY(SELECT generate_series(0, 31)::bigint) AS times_ok
FROM wf_32;
SELECT funnel.window_funnel(100, t, VARIADIC steps) AS level, 16 AS expected FROM wf_32 WHERE t <> 17;
SELECT funnel.window_funnel(100, 'strict_increase', t, VARIADIC steps) AS level, 32 AS expected FROM wf_32;
SELECT funnel.window_funnel(0, 5::bigint, VARIADIC array_fill(true, ARRAY[32])) AS level, 32 AS expected,
       funnel.window_funnel_times(0, 5::bigint, VARIADIC array_fill(true, ARRAY[32])) = array_fill(0::bigint, ARRAY[32]) AS times_ok;
-- the 32 conditions written out
SELECT funnel.window_funnel(100, t, t = 1, t = 2, t = 3, t = 4, t = 5, t = 6, t = 7, t = 8, t = 9, t = 10, t = 11, t = 12,
                            t = 13, t = 14, t = 15, t = 16, t = 17, t = 18, t = 19, t = 20, t = 21, t = 22, t = 23, t = 24,
                            t = 25, t = 26, t = 27, t = 28, t = 29, t = 30, t = 31, t = 32) AS level, 32 AS expected
FROM wf_32;

-- Empty input: level 0, times '{}' (never NULL); only skipped rows (no time,
-- NULL window, NULL mode, NULL condition array) count as no input.
SELECT funnel.window_funnel('1 hour', t, e = 'a') AS level,
       funnel.window_funnel_times('1 hour', t, e = 'a') AS times,
       funnel.window_funnel('1 hour', 'strict_order', t, e = 'a') AS strict_order_level
FROM (VALUES (now(), 'a')) v(t, e) WHERE false;
SELECT funnel.window_funnel_times(10, 'strict_order', t, e = 'a') AS bigint_times
FROM (VALUES (1::bigint, 'a')) v(t, e) WHERE false;
SELECT funnel.window_funnel(10, t, e = 'a') AS level, funnel.window_funnel_times(10, t, e = 'a') AS times
FROM (VALUES (NULL::bigint, 'a')) v(t, e);
SELECT funnel.window_funnel(NULL::bigint, t, e = 'a') AS null_window,
       funnel.window_funnel(10, NULL, t, e = 'a') AS null_mode,
       funnel.window_funnel(10, t, VARIADIC NULL::boolean[]) AS null_steps,
       funnel.window_funnel_times(NULL::interval, now(), true) AS null_interval_times
FROM (VALUES (1::bigint, 'a')) v(t, e);
-- a NULL window, mode or condition array skips that row only: b is skipped, c
-- has no step 2 before it
SELECT funnel.window_funnel(CASE WHEN e = 'b' THEN NULL ELSE 10 END, t, e = 'a', e = 'b', e = 'c') AS null_window,
       funnel.window_funnel(10, CASE WHEN e = 'b' THEN NULL ELSE 'strict_order' END, t, e = 'a', e = 'b', e = 'c') AS null_mode,
       funnel.window_funnel(10, t, VARIADIC CASE WHEN e = 'b' THEN NULL ELSE ARRAY[e = 'a', e = 'b', e = 'c'] END) AS null_steps,
       1 AS expected
FROM (VALUES (1::bigint, 'a'), (2, 'b'), (3, 'c')) v(t, e);
-- A group per user, and a group per user and campaign
CREATE TABLE wf_signup (user_id int, campaign text, at timestamptz, event text);
INSERT INTO wf_signup VALUES
    (1, 'spring', '2024-03-01 10:00', 'visit'), (1, 'spring', '2024-03-01 10:05', 'signup'), (1, 'spring', '2024-03-01 11:00', 'trial'),
    (1, 'spring', '2024-03-03 09:00', 'purchase'),
    (2, 'spring', '2024-03-02 08:00', 'visit'), (2, 'spring', '2024-03-02 08:30', 'signup'),
    (3, 'summer', '2024-06-01 12:00', 'visit'), (3, 'summer', '2024-06-01 12:01', 'signup'), (3, 'summer', '2024-06-01 12:02', 'trial'),
    (3, 'summer', '2024-06-01 13:00', 'purchase'),
    (4, 'summer', '2024-06-02 12:00', 'signup'), (4, 'summer', '2024-06-02 12:10', 'purchase'),
    (5, 'summer', '2024-06-03 12:00', 'visit');
SELECT user_id, campaign,
       funnel.window_funnel('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS level,
       funnel.window_funnel_times('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS times
FROM wf_signup GROUP BY user_id, campaign ORDER BY user_id;

-- Parallel aggregation forced on: 100,000 rows of 2,000 users stored in time
-- order (so every user's rows are spread over the whole table and over both
-- workers' partial states), compared with the serial answer.
SELECT setseed(0.3);
CREATE TABLE wf_big (u int, t timestamptz, e text);
INSERT INTO wf_big
SELECT 1 + floor(random() * 2000)::int, timestamptz '2024-01-01' + k * interval '10 seconds',
       (ARRAY['a', 'b', 'c', 'd', 'x', 'ab'])[1 + floor(random() * 6)::int]
FROM generate_series(1, 100000) k;
ANALYZE wf_big;
-- every mode, both aggregates, one column each: "l <mode>", "t <mode>"
SELECT string_agg(format('funnel.window_funnel(''6 hours'', %L, t, e ~ ''a'', e ~ ''b'', e ~ ''c'', e ~ ''d'') AS "l %s", '
                         'funnel.window_funnel_times(''6 hours'', %L, t, e ~ ''a'', e ~ ''b'', e ~ ''c'', e ~ ''d'') AS "t %s"',
                         mode, mode, mode, mode), ', ' ORDER BY mode) AS aggs
FROM wf_modes \gset
SET max_parallel_workers_per_gather = 0;
CREATE TABLE wf_serial AS SELECT u, :aggs FROM wf_big GROUP BY u;
-- one group over the whole table
CREATE TABLE wf_serial_all AS
SELECT funnel.window_funnel('10 minutes', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS level,
       funnel.window_funnel_times('10 minutes', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS times,
       funnel.window_funnel('10 minutes', 'strict_once', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS once_level,
       funnel.window_funnel_times('10 minutes', 'strict_once', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS once_times
FROM wf_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT funnel.window_funnel('10 minutes', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') FROM wf_big;
SELECT p.level, s.level AS serial_level, p.times = s.times AS same_times,
       p.once_level, s.once_level AS serial_once_level, p.once_times = s.once_times AS same_once_times
FROM (SELECT funnel.window_funnel('10 minutes', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS level,
             funnel.window_funnel_times('10 minutes', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS times,
             funnel.window_funnel('10 minutes', 'strict_once', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS once_level,
             funnel.window_funnel_times('10 minutes', 'strict_once', t, e ~ 'a', e ~ 'b', e ~ 'c', e ~ 'd') AS once_times
      FROM wf_big) p, wf_serial_all s;
-- a group per user: partial aggregates per worker, combined
\i sql/_helpers.sql
SELECT pg_temp.plan_has(format('SELECT u, %s FROM wf_big GROUP BY u', :'aggs'), '%Partial HashAggregate%') AS partial_aggregate;
SELECT substr(s.key, 3) AS mode, count(*) FILTER (WHERE s.key LIKE 'l%') AS users,
       count(*) FILTER (WHERE s.value IS DISTINCT FROM to_jsonb(pr) -> s.key) AS mismatches,
       sum(s.value::int) FILTER (WHERE s.key LIKE 'l%') AS sum_level
FROM (SELECT u, :aggs FROM wf_big GROUP BY u) pr JOIN wf_serial se USING (u),
     LATERAL jsonb_each(to_jsonb(se) - 'u') s
GROUP BY 1 ORDER BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- As window functions (the aggregates' final functions are READ_ONLY): running
-- values over each user's rows latest first, so the final function sorts the
-- state after every row and the next row comes out of order again.  Each
-- running value is the plain aggregate over the same rows.
SELECT user_id, at, event,
       funnel.window_funnel('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase') OVER w AS level,
       funnel.window_funnel_times('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase') OVER w AS times,
       (SELECT row(funnel.window_funnel('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase'),
                   funnel.window_funnel_times('1 day', at, event = 'visit', event = 'signup', event = 'trial', event = 'purchase'))
        FROM wf_signup o WHERE o.user_id = s.user_id AND o.at >= s.at) AS plain
FROM wf_signup s WHERE user_id IN (1, 3)
WINDOW w AS (PARTITION BY user_id ORDER BY at DESC)
ORDER BY user_id, at DESC;

-- Different numbers of steps in different groups (possible only with VARIADIC
-- arrays) are fine: each group is its own funnel.
SELECT g, funnel.window_funnel(10, t, VARIADIC CASE WHEN g = 'two' THEN ARRAY[e = 'a', e = 'b'] ELSE ARRAY[e = 'a', e = 'b', e = 'c'] END) AS level,
       e.expected
FROM (VALUES ('two', 1::bigint, 'a'), ('two', 2, 'b'), ('three', 1, 'a'), ('three', 2, 'b'), ('three', 3, 'c')) v(g, t, e)
     JOIN (VALUES ('two', 2), ('three', 3)) e(g, expected) USING (g)
GROUP BY g, e.expected ORDER BY g;

-- Errors (SQLSTATE after each)
-- no steps
SELECT funnel.window_funnel(10, 1::bigint, VARIADIC '{}'::boolean[]);
\echo :LAST_ERROR_SQLSTATE
-- 33 steps
SELECT funnel.window_funnel(10, 1::bigint, VARIADIC array_fill(true, ARRAY[33]));
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times('1 hour', now(), VARIADIC array_fill(false, ARRAY[33]));
\echo :LAST_ERROR_SQLSTATE
-- a two-dimensional array of conditions
SELECT funnel.window_funnel(10, 1::bigint, VARIADIC '{{t,f},{f,t}}'::boolean[]);
\echo :LAST_ERROR_SQLSTATE
-- a negative window
SELECT funnel.window_funnel(-1, 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel('-1 second', now(), true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel('1 day -25 hours', 'strict_order', now()::timestamp, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel('-1 month 31 days', now(), true) AS plus_one_day_is_fine;
-- an interval too large for microseconds
SELECT funnel.window_funnel('178000000 years', now(), true);
\echo :LAST_ERROR_SQLSTATE
-- unknown modes ('strict' was renamed by ClickHouse; names are case-sensitive
-- as in ClickHouse; an empty entry)
SELECT funnel.window_funnel(10, 'strict_orders', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, 'strict', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, 'STRICT_ORDER', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, 'strict_order,,strict_once', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, 'strict_order,', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
-- allow_reentry without strict_order
SELECT funnel.window_funnel(10, 'allow_reentry', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times('1 hour', 'strict_once, allow_reentry', now(), true);
\echo :LAST_ERROR_SQLSTATE
-- a mode named twice is the mode
SELECT funnel.window_funnel(10, 'strict_order, strict_order', t, e = 'a', e = 'b') AS level, 1 AS expected
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
-- the window or the mode changes between rows of a group
SELECT funnel.window_funnel(CASE WHEN t < 3 THEN 10 ELSE 20 END, t, e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(CASE WHEN t < 3 THEN interval '1 hour' ELSE interval '2 hours' END, to_timestamp(t), e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, CASE WHEN t < 3 THEN 'strict_order' ELSE '' END, t, e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
-- ... also when it changes on a row where no step holds (such rows are not
-- stored, but they are checked), after the group's first row
SELECT funnel.window_funnel(CASE WHEN t = 2 THEN 20 ELSE 10 END, t, e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel(10, CASE WHEN t = 3 THEN 'strict_once' ELSE '' END, t, e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'b'), (3, 'x')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
-- groups may differ from each other (each group's rows agree): levels 2 and 1
SELECT u, funnel.window_funnel(CASE WHEN u = 1 THEN 10 ELSE 1 END, t, e = 'a', e = 'b') AS level
FROM (VALUES (1, 1::bigint, 'a'), (1, 2, 'x'), (1, 3, 'b'), (2, 1, 'a'), (2, 2, 'x'), (2, 3, 'b')) v(u, t, e)
GROUP BY u ORDER BY u;
-- an infinite time is an error on a row where no step holds too
SELECT funnel.window_funnel('1 hour', t, e = 'a') FROM (VALUES (timestamptz '2025-01-01', 'a'), (timestamptz 'infinity', 'x')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
-- the same window written two ways, or the same modes in another order, is no change
SELECT funnel.window_funnel(CASE WHEN t < 3 THEN interval '1 day' ELSE interval '24 hours' END, to_timestamp(t), e = 'a', e = 'b') AS level,
       funnel.window_funnel(10, CASE WHEN t < 3 THEN 'strict_order, strict_once' ELSE 'strict_once,strict_order' END, t, e = 'a', e = 'b') AS strict_level
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
-- the number of steps changes between rows of a group
SELECT funnel.window_funnel(10, t, VARIADIC CASE WHEN t < 3 THEN ARRAY[e = 'a', e = 'b'] ELSE ARRAY[e = 'a', e = 'b', e = 'c'] END)
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
-- infinite times are an error (a row with no time at all can be NULL)
SELECT funnel.window_funnel('1 hour', t, true) FROM (VALUES (timestamptz 'infinity')) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times('1 hour', 'strict_order', t, false) FROM (VALUES (timestamp '-infinity')) v(t);
\echo :LAST_ERROR_SQLSTATE
-- The messages name the aggregate called: window_funnel_times here.  Two
-- calls with the same arguments share one state, and its first call's name.
-- As window functions: the name when the WindowAgg's calls over that
-- transition function are of one aggregate, else window_funnel.
SELECT funnel.window_funnel_times(-1, 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(10, 'strict', 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times('178000000 years', now(), true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(10, CASE WHEN t < 3 THEN 'strict_order' ELSE '' END, t, e = 'a', e = 'b')
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(10, t, VARIADIC CASE WHEN t < 3 THEN ARRAY[e = 'a', e = 'b'] ELSE ARRAY[e = 'a', e = 'b', e = 'c'] END)
FROM (VALUES (1::bigint, 'a'), (2, 'x'), (3, 'b')) v(t, e);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(-1, 1::bigint, true), funnel.window_funnel(-1, 1::bigint, true);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(10, t, VARIADIC array_fill(true, ARRAY[33])) OVER (ORDER BY t) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.window_funnel_times(-1, t, true) OVER (), funnel.window_funnel(-1, t, true) OVER () FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
-- the bigint clock has no infinity: its extremes are ordinary times
SELECT funnel.window_funnel(9223372036854775807, t, e = 'a', e = 'b') AS level, 2 AS expected,
       funnel.window_funnel_times(9223372036854775807, t, e = 'a', e = 'b') AS times
FROM (VALUES (-9223372036854775808, 'a'), (-1, 'b')) v(t, e);
SELECT funnel.window_funnel(9223372036854775807, t, e = 'a', e = 'b') AS level, 1 AS expected
FROM (VALUES (-9223372036854775808, 'a'), (9223372036854775807, 'b')) v(t, e);

-- Two argument forms, one answer.  Calls with 1 to 8 conditions resolve to the
-- overloads that take separate booleans (no array built per row); an explicit
-- VARIADIC array, or more conditions, to the VARIADIC forms.  Every aggregate,
-- on seeded random streams (ties, NULL times and conditions), three clocks,
-- with and without a mode, serial and parallel: 0 mismatches.
SELECT 'funnel.window_funnel(interval,timestamptz,boolean,boolean,boolean)'::regprocedure IS NOT NULL AS three_booleans,
       'funnel.sequence_count(text,bigint,boolean,boolean,boolean,boolean,boolean,boolean,boolean,boolean)'::regprocedure IS NOT NULL AS eight_booleans,
       'funnel.retention(boolean,boolean)'::regprocedure IS NOT NULL AS retention_two;
CREATE FUNCTION pg_temp.plan_has_array(q text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE line text; found bool := false;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
        found := found OR line ~ 'ARRAY\[';
    END LOOP;
    RETURN found;
END
$$;
SELECT setseed(0.77);
CREATE TABLE wf_forms AS
SELECT u, CASE WHEN random() < 0.03 THEN NULL ELSE (random() * 300)::bigint END AS t,
       CASE WHEN random() < 0.03 THEN NULL ELSE chr(97 + (random() * 9)::int) END AS e
FROM generate_series(1, 150) u, generate_series(1, 25);
SELECT pg_temp.plan_has_array($$SELECT funnel.window_funnel(40, t, e = 'a', e = 'b') FROM wf_forms$$) AS two_steps_build_an_array,
       pg_temp.plan_has_array($$SELECT funnel.window_funnel(40, t, VARIADIC ARRAY[e = 'a', e = 'b']) FROM wf_forms$$) AS explicit_variadic_builds_one,
       pg_temp.plan_has_array($$SELECT funnel.retention(e = 'a', e = 'b', e = 'c') FROM wf_forms$$) AS retention_builds_an_array;
CREATE FUNCTION pg_temp.form_mismatches() RETURNS TABLE (calls int, mismatches bigint) LANGUAGE plpgsql AS $$
DECLARE
    n int; conds text; clk record; call record; q text; bad bigint;
BEGIN
    calls := 0; mismatches := 0;
    FOR n IN 1 .. 8 LOOP
        conds := (SELECT string_agg(format('e = %L', chr(96 + i)), ', ' ORDER BY i) FROM generate_series(1, n) i);
        FOR clk IN SELECT * FROM (VALUES ('t', '40'),
                                         ('timestamptz ''2025-01-01 00:00+00'' + t * interval ''1 second''', 'interval ''40 seconds'''),
                                         ('timestamp ''2025-01-01'' + t * interval ''1 second''', 'interval ''40 seconds''')) v(ts, win)
        LOOP
            FOR call IN SELECT * FROM (VALUES
                    (format('funnel.window_funnel(%s, %s, %%s)', clk.win, clk.ts)),
                    (format('funnel.window_funnel(%s, ''strict_order, allow_reentry'', %s, %%s)', clk.win, clk.ts)),
                    (format('funnel.window_funnel_times(%s, ''strict_deduplication'', %s, %%s)', clk.win, clk.ts)),
                    (format('funnel.window_funnel_times(%s, %s, %%s)', clk.win, clk.ts)),
                    (format('funnel.sequence_match(''(?1).*(?%s)'', %s, %%s)', n, clk.ts)),
                    (format('funnel.sequence_count(''(?1)(?t<=30)(?%s)'', %s, %%s)', n, clk.ts)),
                    ('funnel.retention(%s)')) v(f)
            LOOP
                q := format('SELECT count(*) FROM (SELECT u, (%s)::text AS a, (%s)::text AS b FROM wf_forms GROUP BY u) x WHERE a IS DISTINCT FROM b',
                            format(call.f, conds), format(call.f, 'VARIADIC ARRAY[' || conds || ']'));
                EXECUTE q INTO bad;
                calls := calls + 1;
                mismatches := mismatches + bad;
            END LOOP;
        END LOOP;
    END LOOP;
    RETURN NEXT;
END
$$;
SELECT * FROM pg_temp.form_mismatches();
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT * FROM pg_temp.form_mismatches();
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE wf_forms;
