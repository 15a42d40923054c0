-- retention.sql: funnel.retention(VARIADIC conds boolean[]) -> boolean[].
-- Element 1: condition 1 held on some row of the group; element i: condition 1
-- held on some row and condition i held on some row (no order, no time).
-- ClickHouse's retention returns UInt8 1/0; ours returns true/false.
--
-- 1. ClickHouse's documentation example and stateless tests, restated.
-- 2. Every true condition of every row counts, 1 and 32 conditions, NULLs,
--    empty input, a retention table by cohort, parallel aggregation, errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never

------------------------------------------------------------------------------
-- 1a. ClickHouse documentation, docs/en/sql-reference/aggregate-functions/
--     parametric-functions.md, section retention: uids 0-4 visit on 01-01,
--     0-9 on 01-02, 0-14 on 01-03.  Documented: uids 0-4 [1,1,1], 5-14
--     [0,0,0]; sums 5, 5, 5.
------------------------------------------------------------------------------
CREATE TABLE rt_doc (date date, uid int);
INSERT INTO rt_doc SELECT '2020-01-01', n FROM generate_series(0, 4) n;
INSERT INTO rt_doc SELECT '2020-01-02', n FROM generate_series(0, 9) n;
INSERT INTO rt_doc SELECT '2020-01-03', n FROM generate_series(0, 14) n;
SELECT uid,
       funnel.retention(date = '2020-01-01', date = '2020-01-02', date = '2020-01-03') AS r,
       CASE WHEN uid <= 4 THEN '{1,1,1}' ELSE '{0,0,0}' END AS clickhouse
FROM rt_doc
WHERE date IN ('2020-01-01', '2020-01-02', '2020-01-03')
GROUP BY uid
ORDER BY uid;
SELECT sum(r[1]::int) AS r1, sum(r[2]::int) AS r2, sum(r[3]::int) AS r3, '5 5 5' AS clickhouse
FROM (SELECT uid, funnel.retention(date = '2020-01-01', date = '2020-01-02', date = '2020-01-03') AS r
      FROM rt_doc
      WHERE date IN ('2020-01-01', '2020-01-02', '2020-01-03')
      GROUP BY uid) s;

------------------------------------------------------------------------------
-- 1b. ClickHouse tests/queries/0_stateless/00688_aggregation_retention.sql and
--     .reference: uids 0-79 on 08-06, 0-49 on 08-07, 0-59 on 08-08.
------------------------------------------------------------------------------
CREATE TABLE rt_688 (date date, uid int);
INSERT INTO rt_688 SELECT '2018-08-06', n FROM generate_series(0, 79) n;
INSERT INTO rt_688 SELECT '2018-08-07', n FROM generate_series(0, 49) n;
INSERT INTO rt_688 SELECT '2018-08-08', n FROM generate_series(0, 59) n;
SELECT sum(r[1]::int) AS r1, sum(r[2]::int) AS r2, '80 50' AS clickhouse
FROM (SELECT uid, funnel.retention(date = '2018-08-06', date = '2018-08-07') AS r
      FROM rt_688 WHERE date IN ('2018-08-06', '2018-08-07') GROUP BY uid) s;
SELECT sum(r[1]::int) AS r1, sum(r[2]::int) AS r2, '80 60' AS clickhouse
FROM (SELECT uid, funnel.retention(date = '2018-08-06', date = '2018-08-08') AS r
      FROM rt_688 WHERE date IN ('2018-08-06', '2018-08-08') GROUP BY uid) s;
SELECT sum(r[1]::int) AS r1, sum(r[2]::int) AS r2, sum(r[3]::int) AS r3, '80 50 60' AS clickhouse
FROM (SELECT uid, funnel.retention(date = '2018-08-06', date = '2018-08-07', date = '2018-08-08') AS r
      FROM rt_688 WHERE date IN ('2018-08-06', '2018-08-07', '2018-08-08') GROUP BY uid) s;
-- (an older version of that test, dbms/tests/queries/0_stateless/, also had
-- one condition: retention(date = '2018-08-06') summed to 80; current
-- ClickHouse refuses fewer than 2 conditions, we take 1, see section 2)
SELECT sum(r[1]::int) AS r1, '80' AS clickhouse_old
FROM (SELECT uid, funnel.retention(date = '2018-08-06') AS r
      FROM rt_688 WHERE date IN ('2018-08-06') GROUP BY uid) s;

------------------------------------------------------------------------------
-- 1c. ClickHouse's stateless test of retention with a constant or a per-user
--     first condition (uids 0-7 on 08-06, 0-5 on 08-07, 0-6 on 08-08; the
--     first 5 uids).  Its .reference file was not available here; the values
--     in column "clickhouse" are worked out from AggregateFunctionRetention.cpp
--     (element 1 = condition 1 on some row, element i = 1 and i).
------------------------------------------------------------------------------
CREATE TABLE rt_small (date date, uid int);
INSERT INTO rt_small SELECT '2018-08-06', n FROM generate_series(0, 7) n;
INSERT INTO rt_small SELECT '2018-08-07', n FROM generate_series(0, 5) n;
INSERT INTO rt_small SELECT '2018-08-08', n FROM generate_series(0, 6) n;
SELECT uid, funnel.retention(date = '2018-08-06', date = '2018-08-07') AS r, '{1,1}' AS clickhouse
FROM rt_small WHERE date IN ('2018-08-06', '2018-08-07') GROUP BY uid ORDER BY uid LIMIT 5;
SELECT uid, funnel.retention(true, date = '2018-08-06', date = '2018-08-07') AS r, '{1,1,1}' AS clickhouse
FROM rt_small WHERE date IN ('2018-08-06', '2018-08-07') GROUP BY uid ORDER BY uid LIMIT 5;
SELECT uid, funnel.retention(uid % 2 = 0, date = '2018-08-06', date = '2018-08-07') AS r,
       CASE WHEN uid % 2 = 0 THEN '{1,1,1}' ELSE '{0,0,0}' END AS clickhouse
FROM rt_small WHERE date IN ('2018-08-06', '2018-08-07') GROUP BY uid ORDER BY uid LIMIT 5;

------------------------------------------------------------------------------
-- 2. Semantics
------------------------------------------------------------------------------
-- Every true condition of every row counts: one row true for conditions 1, 2
-- and 3 gives {t,t,t} (ClickHouse 18.16 counted only the first true
-- condition of a row: {1,0,0}).  Rows in any order, no time between them.
-- Without condition 1 on any row, everything is false.
SELECT g, funnel.retention(VARIADIC c) AS r, e.expected
FROM (VALUES ('one row', ARRAY[true, true, true]),
             ('2 then 1', ARRAY[false, true, false]), ('2 then 1', ARRAY[true, false, false]),
             ('3 and 1', ARRAY[false, false, true]), ('3 and 1', ARRAY[true, false, false]),
             ('no 1', ARRAY[false, true, true]), ('no 1', ARRAY[false, true, false]),
             ('all false', ARRAY[false, false, false])) v(g, c)
     JOIN (VALUES ('one row', '{t,t,t}'::boolean[]), ('2 then 1', '{t,t,f}'), ('3 and 1', '{t,f,t}'),
                  ('no 1', '{f,f,f}'), ('all false', '{f,f,f}')) e(g, expected) USING (g)
GROUP BY g, e.expected ORDER BY g;
-- One condition (ClickHouse wants at least 2).
SELECT funnel.retention(x > 2) AS some_true, funnel.retention(x > 5) AS none_true
FROM generate_series(1, 3) x;
-- 32 conditions: row k is true for condition k only.  All rows: every
-- element true; without row 17: element 17 false; without row 1: all false.
CREATE TABLE rt_32 (k int, c boolean[]);
INSERT INTO rt_32 SELECT k, array_agg(j = k ORDER BY j) FROM generate_series(1, 32) k, generate_series(1, 32) j GROUP BY k;
SELECT funnel.retention(VARIADIC c) = array_fill(true, ARRAY[32]) AS all_true FROM rt_32;
SELECT funnel.retention(VARIADIC c) AS r FROM rt_32 WHERE k <> 17;
SELECT funnel.retention(VARIADIC c) = array_fill(false, ARRAY[32]) AS all_false FROM rt_32 WHERE k <> 1;
-- the 32 conditions written out, on one row
SELECT funnel.retention(true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
                        true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false) AS r;
-- NULLs: a NULL condition is not true; a NULL array skips the row; no rows
-- (or only skipped rows) give NULL.
SELECT funnel.retention(NULL, true) AS null_first, funnel.retention(true, NULL) AS null_second,
       funnel.retention(NULL::boolean, NULL::boolean) AS all_null;
SELECT funnel.retention(VARIADIC c) AS r
FROM (VALUES (ARRAY[true, false]), (NULL), (ARRAY[false, true])) v(c);
SELECT funnel.retention(VARIADIC c) IS NULL AS only_skipped_rows_is_null
FROM (VALUES (NULL::boolean[]), (NULL)) v(c);
SELECT funnel.retention(x > 1, x > 2) IS NULL AS empty_is_null FROM generate_series(1, 3) x WHERE false;
SELECT count(*) AS groups FROM (SELECT x, funnel.retention(true) FROM generate_series(1, 3) x WHERE false GROUP BY x) s;

-- A retention table: users by signup week; of those who signed up, who came
-- back in week 1 and in week 2 after signing up.
CREATE TABLE rt_visit (user_id int, at timestamp, event text);
INSERT INTO rt_visit VALUES
    (1, '2024-01-01 09:00', 'signup'), (1, '2024-01-09 10:00', 'login'), (1, '2024-01-16 10:00', 'login'),
    (2, '2024-01-02 09:00', 'signup'), (2, '2024-01-10 10:00', 'login'),
    (3, '2024-01-03 09:00', 'signup'),
    (4, '2024-01-09 09:00', 'signup'), (4, '2024-01-17 10:00', 'login'), (4, '2024-01-24 11:00', 'login'),
    (5, '2024-01-10 09:00', 'signup'), (5, '2024-01-25 10:00', 'login'),
    (6, '2024-01-11 09:00', 'login');
SELECT cohort, count(*) FILTER (WHERE r[1]) AS signed_up,
       count(*) FILTER (WHERE r[2]) AS week_1, count(*) FILTER (WHERE r[3]) AS week_2
FROM (SELECT v.user_id, date_trunc('week', s.signed_up)::date AS cohort,
             funnel.retention(v.event = 'signup',
                              v.event = 'login' AND v.at >= s.signed_up + interval '7 days' AND v.at < s.signed_up + interval '14 days',
                              v.event = 'login' AND v.at >= s.signed_up + interval '14 days' AND v.at < s.signed_up + interval '21 days') AS r
      FROM rt_visit v
      JOIN (SELECT user_id, min(at) AS signed_up FROM rt_visit WHERE event = 'signup' GROUP BY user_id) s USING (user_id)
      GROUP BY v.user_id, cohort) per_user
GROUP BY cohort ORDER BY cohort;

-- Parallel aggregation forced on gives the serial answer: 100,000 rows, 5,000
-- users, a retention per user over 8 conditions.
SELECT setseed(0.5);
CREATE TABLE rt_big (u int, d int);
INSERT INTO rt_big SELECT 1 + floor(random() * 5000)::int, floor(random() * 10)::int FROM generate_series(1, 100000);
ANALYZE rt_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE rt_serial AS
SELECT u, funnel.retention(d = 0, d = 1, d = 2, d = 3, d = 4, d = 5, d = 6, d = 7) AS r FROM rt_big GROUP BY u;
CREATE TABLE rt_serial_all AS
SELECT funnel.retention(d = 0, d = 1, d = 2, d = 3, d = 4, d = 5, d = 6, d = 7, d = 10) AS r FROM rt_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT funnel.retention(d = 0, d = 1, d = 2, d = 3, d = 4, d = 5, d = 6, d = 7, d = 10) FROM rt_big;
SELECT p.r, p.r = s.r AS same_as_serial
FROM (SELECT funnel.retention(d = 0, d = 1, d = 2, d = 3, d = 4, d = 5, d = 6, d = 7, d = 10) AS r FROM rt_big) p, rt_serial_all s;
\i sql/_helpers.sql
SELECT pg_temp.plan_has('SELECT u, funnel.retention(d = 0, d = 1) FROM rt_big GROUP BY u', '%Partial HashAggregate%') AS partial_aggregate;
SELECT count(*) AS users, count(*) FILTER (WHERE p.r IS DISTINCT FROM s.r) AS mismatches,
       sum(p.r[1]::int) AS r1, sum(p.r[2]::int) AS r2, sum(p.r[8]::int) AS r8
FROM (SELECT u, funnel.retention(d = 0, d = 1, d = 2, d = 3, d = 4, d = 5, d = 6, d = 7) AS r FROM rt_big GROUP BY u) p
     FULL JOIN rt_serial s USING (u);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Errors (SQLSTATE after each): no conditions, more than 32, a
-- two-dimensional array, a number of conditions that changes within a group
SELECT funnel.retention(VARIADIC '{}'::boolean[]);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.retention(VARIADIC array_fill(true, ARRAY[33]));
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.retention(VARIADIC '{{t,f},{f,t}}'::boolean[]);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.retention(VARIADIC c) FROM (VALUES (ARRAY[true, false]), (ARRAY[true, false, true])) v(c);
\echo :LAST_ERROR_SQLSTATE
-- different numbers of conditions in different groups are fine
SELECT g, funnel.retention(VARIADIC c) AS r
FROM (VALUES (1, ARRAY[true, false]), (2, ARRAY[true, false, true])) v(g, c) GROUP BY g ORDER BY g;
