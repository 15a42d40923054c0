-- sequence_match / sequence_count: ClickHouse's sequenceMatch / sequenceCount
-- (pattern, time, conditions...).  Cases from ClickHouse's documentation
-- (docs/en/sql-reference/aggregate-functions/parametric-functions.md) and its
-- stateless tests (tests/queries/0_stateless/00222_sequence_aggregate_function_family,
-- 00823_sequence_match_dfa, 02713_sequence_match_serialization_fix and the
-- test of trailing actions that match nothing) are restated with their
-- expected results; the rest pins down ties, invisible rows, NULLs, the time
-- operators at their edges, the three clocks, counting, parallel aggregation
-- and the errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;

-- ---------------------------------------------------------------- documentation
-- sequenceMatch: table t (time, number)
CREATE TEMP TABLE doc_t (time bigint, number int);
INSERT INTO doc_t VALUES (1, 1), (2, 3), (3, 2);
-- documented 1: 2 follows 1; 3 is skipped because no condition describes it
SELECT funnel.sequence_match('(?1)(?2)', time, number = 1, number = 2) FROM doc_t;
-- documented 0: with a condition for 3, the 3 between 1 and 2 breaks the chain
SELECT funnel.sequence_match('(?1)(?2)', time, number = 1, number = 2, number = 3) FROM doc_t;
-- documented 1: a condition for 4 (never true) changes nothing
SELECT funnel.sequence_match('(?1)(?2)', time, number = 1, number = 2, number = 4) FROM doc_t;
-- sequenceCount: documented 2 (2 after 1, any events between)
CREATE TEMP TABLE doc_t2 (time bigint, number int);
INSERT INTO doc_t2 VALUES (1, 1), (2, 3), (3, 2), (4, 1), (5, 3), (6, 2);
SELECT funnel.sequence_count('(?1).*(?2)', time, number = 1, number = 2) FROM doc_t2;
-- the documented reading of (?1)(?t>1800)(?2): more than 1800 seconds apart,
-- any number of events between
SELECT funnel.sequence_match('(?1)(?t>1800)(?2)', t, ev = 'a', ev = 'b') AS gap_1800,
       funnel.sequence_match('(?1)(?t>1799)(?2)', t, ev = 'a', ev = 'b') AS gap_1799
FROM (VALUES (timestamptz '2024-01-01 10:00:00+00', 'a'), ('2024-01-01 10:10:00+00', 'x'),
             ('2024-01-01 10:30:00+00', 'b')) v(t, ev);

-- ---------------------------------------------------------------- 00222
-- time UInt32 -> bigint clock; four conditions data = 0 .. 3 (data = 3 never holds)
CREATE TEMP TABLE st (time bigint, data int);
INSERT INTO st VALUES (0,0),(1,0),(2,0),(3,0),(4,1),(5,2),(6,0),(7,0),(8,0),(9,0),(10,1),(11,1);
CREATE TEMP TABLE st_cases (n serial, fn text, pattern text, conds int, expected bigint);
INSERT INTO st_cases (fn, pattern, conds, expected) VALUES
    ('match', '', 4, 1), ('match', '.', 4, 1), ('match', '.*', 4, 1),
    ('match', '(?1)', 4, 1), ('match', '(?2)', 4, 1), ('match', '(?3)', 4, 1), ('match', '(?4)', 4, 0),
    ('match', '(?1)(?1)', 4, 1), ('match', '(?1)(?1)(?1)', 4, 1), ('match', '(?1)(?1)(?1)(?1)', 4, 1),
    ('match', '(?1)(?1)(?1)(?1)(?1)', 4, 0), ('match', '(?1)(?1)(?1)(?1)(?2)', 4, 1),
    ('match', '(?1)(?t>10)(?2)', 4, 1), ('match', '(?1)(?t>11)(?2)', 4, 0),
    ('match', '(?1)(?t<11)(?2)', 4, 1), ('match', '(?1)(?t<3)(?3)', 4, 1),
    ('match', '(?1)(?t<=2)(?3)', 4, 1), ('match', '(?1)(?t<2)(?3)', 4, 0),
    ('match', '(?2)(?t>=7)(?2)', 4, 1), ('match', '(?2)(?t>7)(?2)', 4, 0),
    ('match', '(?2)(?3)(?1)', 4, 1),
    ('match', '(?1)(?t==2)(?2)', 2, 0), ('match', '(?1)(?t==1)(?2)', 2, 1),
    ('count', '', 4, 12), ('count', '.', 4, 12), ('count', '.*', 4, 12),
    ('count', '(?1)', 4, 8), ('count', '(?2)', 4, 3), ('count', '(?3)', 4, 1), ('count', '(?4)', 4, 0),
    ('count', '(?1)(?1)', 4, 4), ('count', '(?1)(?1)(?1)', 4, 2), ('count', '(?1)(?1)(?1)(?1)', 4, 2),
    ('count', '(?1)(?1)(?1)(?1)(?1)', 4, 0), ('count', '(?1)(?1)(?1)(?1)(?2)', 4, 2),
    ('count', '(?1)(?t>10)(?2)', 4, 1), ('count', '(?1)(?t>11)(?2)', 4, 0),
    ('count', '(?1)(?t<11)(?2)', 4, 2), ('count', '(?1)(?t<3)(?3)', 4, 1),
    ('count', '(?1)(?t<=2)(?3)', 4, 1), ('count', '(?1)(?t<2)(?3)', 4, 0),
    ('count', '(?2)(?t>=7)(?2)', 4, 1), ('count', '(?2)(?t>7)(?2)', 4, 0),
    ('count', '(?2)(?3)(?1)', 4, 1),
    ('count', '(?1)(?t==2)(?2)', 2, 0), ('count', '(?1)(?t==1)(?2)', 2, 1);
-- with two conditions they are data = 1 and data = 2
SELECT c.fn, c.pattern, c.conds, c.expected, g.got, g.got = c.expected AS ok
FROM st_cases c, LATERAL (
    SELECT funnel.sequence_match(c.pattern, time, data = 0, data = 1, data = 2, data = 3)::int AS got
    FROM st WHERE c.fn = 'match' AND c.conds = 4 HAVING count(*) > 0
    UNION ALL
    SELECT funnel.sequence_match(c.pattern, time, data = 1, data = 2)::int
    FROM st WHERE c.fn = 'match' AND c.conds = 2 HAVING count(*) > 0
    UNION ALL
    SELECT funnel.sequence_count(c.pattern, time, data = 0, data = 1, data = 2, data = 3)
    FROM st WHERE c.fn = 'count' AND c.conds = 4 HAVING count(*) > 0
    UNION ALL
    SELECT funnel.sequence_count(c.pattern, time, data = 1, data = 2)
    FROM st WHERE c.fn = 'count' AND c.conds = 2 HAVING count(*) > 0) g
ORDER BY c.n;

-- ---------------------------------------------------------------- 00823
-- 1,000,001 events (A, then B 999,999 times, then C) and a D at 1e14:
-- ClickHouse's backtracking gives up on these; expected ABC, ABBC and CD
SELECT funnel.sequence_match('(?1).*(?2).*(?3)', i, i = 0, i > 0 AND i < 1000000, i = 1000000) AS "ABC",
       funnel.sequence_match('(?1).*(?2).*(?3)', i, i = 0, i > 0 AND i < 1000000, i = 0) AS "ABA",
       funnel.sequence_match('(?1).*(?2).*(?3).*(?4)', i, i = 0, i > 0 AND i < 1000000, i > 0 AND i < 1000000, i = 1000000) AS "ABBC",
       funnel.sequence_match('(?1)(?t>=10000000000000)(?2)', i, i = 1000000, i = 100000000000000) AS "CD"
FROM (SELECT generate_series(0, 1000000)::bigint UNION ALL SELECT 100000000000000) s(i);

-- ---------------------------------------------------------------- 02713
-- 100 events, odd then even numbers alternating: expected 1, serial and with
-- partial states combined (the parallel section below forces that)
SELECT funnel.sequence_match('(?1)(?2)', i, i % 2 = 1, i % 2 = 0) FROM generate_series(0, 99::bigint) i;

-- ---------------------------------------------------------------- trailing actions
-- ClickHouse's test of patterns whose remaining actions match nothing when the
-- events run out (.*, (?t<N), (?t<=N), (?t>=0) may; (?t>N) may not)
-- expected 1: no events at all (both rows unrelated)
SELECT funnel.sequence_match('(?t<=10)', t, c = 1, c = 2) FROM (VALUES (0::bigint, 0), (1, 0)) v(t, c);
-- expected 1: the events run out before the trailing .*
SELECT funnel.sequence_count('(?1).*', t, c = 1, c = 2) FROM (VALUES (0::bigint, 1)) v(t, c);
-- expected 0: (?t<=10) may match nothing at the end, but (?2) comes after it
SELECT funnel.sequence_match('(?1)(?t<=10)(?2)', t, c = 1, c = 2) FROM (VALUES (0::bigint, 1), (100, 2)) v(t, c);
-- expected 1, 1, 0 (with exactly eight actions, the leading implicit .* included)
SELECT funnel.sequence_match('(?1)(?t<=100)(?2)(?3).*.*.*', t, c = 1, c = 2, c = 3) AS m,
       funnel.sequence_count('(?1)(?t<=100)(?2)(?3).*.*.*', t, c = 1, c = 2, c = 3) AS n,
       funnel.sequence_match('(?1)(?t<=100)(?2)(?3).*.*(?t>1)', t, c = 1, c = 2, c = 3) AS gt
FROM (VALUES (1::bigint, 1), (2, 2), (3, 3)) v(t, c);

-- ---------------------------------------------------------------- ties
-- Rows with the same time are read in the order of their lowest true
-- condition, then of their set of conditions (ClickHouse leaves it undefined).
-- Both input orders give the same answers.
SELECT funnel.sequence_match('(?1)(?2)', t, c1, c2) AS "(?1)(?2)",
       funnel.sequence_match('(?2)(?1)', t, c1, c2) AS "(?2)(?1)"
FROM (VALUES (5::bigint, false, true), (5, true, false)) v(t, c1, c2);
SELECT funnel.sequence_match('(?1)(?2)', t, c1, c2) AS "(?1)(?2)",
       funnel.sequence_match('(?2)(?1)', t, c1, c2) AS "(?2)(?1)"
FROM (VALUES (5::bigint, true, false), (5, false, true)) v(t, c1, c2);
-- {1,2} and {2} at one time: {1,2} first (lowest condition 1)
SELECT funnel.sequence_match('(?1)(?2)', t, c1, c2) AS "(?1)(?2)",
       funnel.sequence_match('(?2)(?2)', t, c1, c2) AS "(?2)(?2)",
       funnel.sequence_match('(?2)(?1)', t, c1, c2) AS "(?2)(?1)"
FROM (VALUES (5::bigint, false, true), (5, true, true)) v(t, c1, c2);
-- {1} and {1,2} at one time: same lowest condition, {1} first (smaller set)
SELECT funnel.sequence_match('(?1)(?2)', t, c1, c2) AS "(?1)(?2)",
       funnel.sequence_match('(?2)(?1)', t, c1, c2) AS "(?2)(?1)"
FROM (VALUES (5::bigint, true, true), (5, true, false)) v(t, c1, c2);
-- an earlier time always comes first
SELECT funnel.sequence_match('(?2)(?1)', t, c1, c2) FROM (VALUES (6::bigint, true, false), (5, false, true)) v(t, c1, c2);

-- ---------------------------------------------------------------- invisible rows and NULLs
-- a row where no condition holds is not an event: '.' cannot match it
SELECT funnel.sequence_match('(?1)(?2)', t, c1, c2) AS "(?1)(?2)",
       funnel.sequence_match('(?1).(?2)', t, c1, c2) AS "(?1).(?2)",
       funnel.sequence_count('.', t, c1, c2) AS events
FROM (VALUES (1::bigint, true, false), (2, false, false), (3, false, true)) v(t, c1, c2);
-- a NULL condition is false (the row below is no event); a NULL time skips the row
SELECT funnel.sequence_match('(?1).(?2)', t, c1, c2) AS null_condition,
       funnel.sequence_count('.', t, c1, c2) AS events
FROM (VALUES (1::bigint, true, false), (2, NULL, NULL), (3, false, true)) v(t, c1, c2);
SELECT funnel.sequence_match('(?1).(?2)', t, c1, c2) AS null_time,
       funnel.sequence_count('.', t, c1, c2) AS events
FROM (VALUES (1::bigint, true, false), (NULL, true, true), (3, false, true)) v(t, c1, c2);
-- a NULL pattern or a NULL array skips the row
SELECT funnel.sequence_count(p, t, VARIADIC c) FROM (VALUES ('.', 1::bigint, ARRAY[true]), (NULL, 2, ARRAY[true]),
                                                            ('.', 3, NULL), ('.', 4, ARRAY[true])) v(p, t, c);
-- a group whose rows are all unrelated: no events; only patterns that may match
-- nothing match (ClickHouse: 1 for '' and '(?t<=10)')
SELECT funnel.sequence_match('', t, c) AS "''", funnel.sequence_match('.*', t, c) AS ".*",
       funnel.sequence_match('(?t<=10)', t, c) AS "(?t<=10)", funnel.sequence_match('.', t, c) AS ".",
       funnel.sequence_match('(?1)', t, c) AS "(?1)", funnel.sequence_count('', t, c) AS count
FROM (VALUES (1::bigint, false), (2, false)) v(t, c);
-- no rows at all: false and 0
SELECT funnel.sequence_match('', t, c), funnel.sequence_count('', t, c)
FROM (VALUES (1::bigint, false)) v(t, c) WHERE false;
SELECT k, funnel.sequence_match('(?1)', t, c), funnel.sequence_count('(?1)', t, c)
FROM (VALUES (1, 1::bigint, true), (2, NULL, true)) v(k, t, c) GROUP BY k ORDER BY k;

-- ---------------------------------------------------------------- time conditions
-- each operator at its edge: an 'a' at 10:00:00 and a 'b' exactly 10 s later;
-- N = 9, 10, 11 on the three clocks (bigint: the same events as 0 and 10)
CREATE TEMP TABLE edge (t timestamptz, ev text);
INSERT INTO edge VALUES ('2024-01-01 10:00:00+00', 'a'), ('2024-01-01 10:00:10+00', 'b');
SELECT op, n,
       funnel.sequence_match(format('(?1)(?t%s%s)(?2)', op, n), t, ev = 'a', ev = 'b') AS timestamptz,
       funnel.sequence_match(format('(?1)(?t%s%s)(?2)', op, n), t::timestamp, ev = 'a', ev = 'b') AS "timestamp",
       funnel.sequence_match(format('(?1)(?t%s%s)(?2)', op, n), extract(epoch FROM t)::bigint, ev = 'a', ev = 'b') AS "bigint"
FROM (VALUES ('<'), ('<='), ('>'), ('>='), ('==')) o(op), (VALUES (9), (10), (11)) m(n), edge
GROUP BY op, n ORDER BY op, n;
-- timestamps are compared to the microsecond: 10.000001 s is more than 10 s
SELECT funnel.sequence_match('(?1)(?t<=10)(?2)', t, ev = 'a', ev = 'b') AS "<=10",
       funnel.sequence_match('(?1)(?t>10)(?2)', t, ev = 'a', ev = 'b') AS ">10",
       funnel.sequence_match('(?1)(?t==10)(?2)', t, ev = 'a', ev = 'b') AS "==10"
FROM (VALUES (timestamptz '2024-01-01 10:00:00+00', 'a'), ('2024-01-01 10:00:10.000001+00', 'b')) v(t, ev);
-- on the bigint clock N is in clock units (here milliseconds)
SELECT funnel.sequence_match('(?1)(?t<=1500)(?2)', t, ev = 'a', ev = 'b') AS "<=1500",
       funnel.sequence_match('(?1)(?t<1500)(?2)', t, ev = 'a', ev = 'b') AS "<1500"
FROM (VALUES (1700000000000::bigint, 'a'), (1700000001500, 'b')) v(t, ev);
-- the largest numbers: a bigint clock spans up to 2^64 - 1 units
SELECT funnel.sequence_match('(?1)(?t==18446744073709551615)(?2)', t, ev = 'a', ev = 'b') AS full_span,
       funnel.sequence_match('(?1)(?t<18446744073709551615)(?2)', t, ev = 'a', ev = 'b') AS "less"
FROM (VALUES ('-9223372036854775808'::bigint, 'a'), (9223372036854775807, 'b')) v(t, ev);
-- events between are allowed, and the time is measured from the previous
-- event of the match ((?2) more than 5 s after the (?1) it follows)
SELECT funnel.sequence_match('(?1)(?t>5)(?2)', t, c = 1, c = 2) AS gt5,
       funnel.sequence_match('(?1)(?2)(?t>5)(?3)', t, c = 1, c = 2, c = 3) AS from_2,
       funnel.sequence_match('(?1)(?2)(?t>6)(?3)', t, c = 1, c = 2, c = 3) AS from_2_gt6
FROM (VALUES (0::bigint, 1), (1, 9), (3, 2), (9, 3), (10, 2)) v(t, c);
-- after .* (and at the very start) the base is the first event after the
-- star's run, not the previous matched event (ClickHouse's matcher does this)
SELECT funnel.sequence_match('(?1)(?t>3)(?2)', t, c = 1, c = 2, c = 3) AS after_event,
       funnel.sequence_match('(?1).*(?t>3)(?2)', t, c = 1, c = 2, c = 3) AS after_star,
       funnel.sequence_match('(?1).*(?t>=3)(?2)', t, c = 1, c = 2, c = 3) AS after_star_ge3,
       funnel.sequence_match('(?t>3)(?2)', t, c = 1, c = 2, c = 3) AS at_start,
       funnel.sequence_match('(?t>4)(?2)', t, c = 1, c = 2, c = 3) AS at_start_gt4
FROM (VALUES (0::bigint, 1), (1, 3), (4, 2)) v(t, c);
-- (?t<0) never holds; ClickHouse still reports a match for a pattern that
-- can match nothing at the end of the events, once, after its search fails
SELECT funnel.sequence_match('(?t<0)', t, true) AS m, funnel.sequence_count('(?t<0)', t, true) AS n
FROM generate_series(1, 3::bigint) t;

-- ---------------------------------------------------------------- .* and counting
SELECT funnel.sequence_match('.*(?1)', t, c = 1, c = 2) AS star_first,
       funnel.sequence_match('(?2).*', t, c = 1, c = 2) AS star_last,
       funnel.sequence_match('.*(?2).*(?1).*', t, c = 1, c = 2) AS "2 then 1",
       funnel.sequence_count('.*', t, c = 1, c = 2) AS events,
       funnel.sequence_count('(?1).*', t, c = 1, c = 2) AS "(?1).*",
       funnel.sequence_count('.*(?2)', t, c = 1, c = 2) AS ".*(?2)"
FROM (VALUES (1::bigint, 1), (2, 1), (3, 2), (4, 2), (5, 1)) v(t, c);
-- non-overlapping: 1 1 1 1 holds (?1)(?1) twice, not three times
SELECT funnel.sequence_count('(?1)(?1)', t, true) FROM generate_series(1, 4::bigint) t;
-- 1 1 2 2: four (1, 2) pairs, but the first match is 1 at time 1 ... 2 at
-- time 3, and the search goes on from time 4, where no 1 is left: one chain
SELECT funnel.sequence_count('(?1).*(?2)', t, c = 1, c = 2) FROM (VALUES (1::bigint, 1), (2, 1), (3, 2), (4, 2)) v(t, c);
-- the next search starts where the match ended: after (?1)(?t>5) the event
-- that satisfied the time condition is not consumed, so it can start the next
-- match (1s at 0, 3, 7, 9, 20: matches 0 -> 7 and 7 -> 20)
SELECT funnel.sequence_count('(?1)(?t>5)', t, true) FROM (VALUES (0::bigint), (3), (7), (9), (20)) v(t);
-- a match that reads no event counts once per event
SELECT funnel.sequence_count('(?t<=5)', t, true) FROM generate_series(1, 7::bigint) t;

-- ---------------------------------------------------------------- hard patterns
-- ClickHouse backtracks exponentially on these (and gives up: "Pattern
-- application proves too difficult"); the timeout guards against a regression
SET statement_timeout = '30s';
SELECT funnel.sequence_match(repeat('(?1).*', 40) || '(?2)', i, true, i = 0) AS m1,
       funnel.sequence_count(repeat('(?1).*', 40) || '(?2)', i, true, i = 0) AS n1,
       funnel.sequence_match(repeat('.*(?1)(?t>=0)', 40) || '(?2)', i, true, i = 0) AS m2,
       funnel.sequence_count(repeat('.(?t<=100000)', 40) || '(?2)', i, true, i = 0) AS n2,
       funnel.sequence_count(repeat('(?1).*', 40), i, true, i = 0) AS n3
FROM generate_series(0, 9999::bigint) i;
RESET statement_timeout;

-- ---------------------------------------------------------------- parallel aggregation
-- 8 groups of 5,000 rows: partial states built in the workers, combined, then
-- sorted by the final functions; the same answers as serial aggregation (the
-- sums agree with a simulation of ClickHouse's backtracking matcher run outside
-- these tests)
CREATE TABLE seq_par AS
SELECT g, i, (i * i * 7919 + i * 31 + g * 104729) % 13 AS k,
       timestamptz '2024-01-01 00:00:00+00' + ((i * i + g) % 3001) * interval '1 s' AS t
FROM generate_series(0, 7::bigint) g, generate_series(0, 4999::bigint) i;
ANALYZE seq_par;
CREATE VIEW seq_par_v AS
SELECT g,
       funnel.sequence_match('(?1).*(?2)(?t<=30)(?3)', t, k = 1, k = 2, k = 3) AS m1,
       funnel.sequence_count('(?1).*(?2)', t, k = 1, k = 2) AS n1,
       funnel.sequence_count('(?1)(?t>=2)(?2).(?3)', t, k < 4, k = 5, k > 8) AS n2,
       funnel.sequence_count('(?2)(?t==1)(?1)', t::timestamp, k = 0, k = 7) AS n3,
       funnel.sequence_count('(?1).*(?t<3)(?2)', (i * 37 + g) % 5000, k % 2 = 0, k = 3) AS n4,
       funnel.sequence_count('', t, k = 12) AS n5
FROM seq_par GROUP BY g;
CREATE TEMP TABLE seq_serial AS SELECT * FROM seq_par_v;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
\i sql/_helpers.sql
SELECT pg_temp.plan_nodes('SELECT * FROM seq_par_v');
CREATE TEMP TABLE seq_parallel AS SELECT * FROM seq_par_v;
-- 02713 with partial states
SELECT funnel.sequence_match('(?1)(?2)', i, i % 2 = 1, i % 2 = 0) FROM seq_par WHERE i < 100 AND g = 0;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE (s.*)::text IS DISTINCT FROM (p.*)::text) AS mismatches,
       sum(s.n1) AS n1, sum(s.n2) AS n2, sum(s.n3) AS n3, sum(s.n4) AS n4, sum(s.n5) AS n5,
       count(*) FILTER (WHERE s.m1) AS m1
FROM seq_serial s JOIN seq_parallel p USING (g);
DROP VIEW seq_par_v;
DROP TABLE seq_par;

-- ---------------------------------------------------------------- window functions
-- The final functions are READ_ONLY: running values over doc_t2 latest first
-- (each final call sorts the state, the next row comes out of order again)
-- equal the plain aggregates over the same rows.
SELECT time, number,
       funnel.sequence_count('(?1).*(?2)', time, number = 1, number = 2) OVER w AS running_count,
       funnel.sequence_match('(?2).*(?1)', time, number = 1, number = 2) OVER w AS running_match,
       (SELECT row(funnel.sequence_count('(?1).*(?2)', time, number = 1, number = 2),
                   funnel.sequence_match('(?2).*(?1)', time, number = 1, number = 2))
        FROM doc_t2 o WHERE o.time >= d.time) AS plain
FROM doc_t2 d WINDOW w AS (ORDER BY time DESC) ORDER BY time DESC;

-- ---------------------------------------------------------------- errors
-- (SQLSTATE after each: 22023 for a bad pattern or bad arguments)
-- syntax errors name the 1-based position
SELECT funnel.sequence_match('(?1', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?2', t, true, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?x)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?t<)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?t=5)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)a', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1) (?1)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?t<5)(?t>1)(?1)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?t<99999999999999999999)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
-- condition numbers: 1 to the number of conditions
SELECT funnel.sequence_match('(?0)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1).*(?3)', t, true, false) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?99999999999999999999)', t, true) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
-- N seconds must fit a timestamp clock in microseconds (fine on a bigint clock)
SELECT funnel.sequence_match('(?1)(?t<18446744073710)', t, true) FROM (VALUES (timestamptz '2024-01-01')) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)(?t<18446744073709)', t, true) FROM (VALUES (timestamptz '2024-01-01')) v(t);
SELECT funnel.sequence_match('(?1)(?t<18446744073710)', t, true) FROM (VALUES (1::bigint)) v(t);
-- 1 to 32 conditions
SELECT funnel.sequence_match('(?32)', t, VARIADIC array_fill(true, ARRAY[32])) FROM (VALUES (1::bigint)) v(t);
SELECT funnel.sequence_match('(?1)', t, VARIADIC array_fill(true, ARRAY[33])) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_match('(?1)', t, VARIADIC ARRAY[]::boolean[]) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
-- the messages name the aggregate called, also as a window function
SELECT funnel.sequence_count('(?1)', t, VARIADIC array_fill(true, ARRAY[33])) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_count('(?1)', t, true) FROM (VALUES (timestamptz 'infinity')) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_count('(?1)', t, VARIADIC CASE WHEN t = 1 THEN ARRAY[true] ELSE ARRAY[true, false] END)
FROM (VALUES (1::bigint), (2)) v(t);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.sequence_count('(?1)', t, VARIADIC '{{t},{f}}'::boolean[]) OVER (ORDER BY t) FROM (VALUES (1::bigint)) v(t);
\echo :LAST_ERROR_SQLSTATE
-- one pattern per group
SELECT funnel.sequence_match(p, t, true) FROM (VALUES ('(?1)', 1::bigint), ('(?1)(?1)', 2)) v(p, t);
\echo :LAST_ERROR_SQLSTATE
-- ... also when it changes on a row where no condition holds (such rows are
-- not events, but their pattern is checked), after the group's first row
SELECT funnel.sequence_match(p, t, c) FROM (VALUES ('(?1)', 1::bigint, true), ('(?1)(?1)', 2, false)) v(p, t, c);
\echo :LAST_ERROR_SQLSTATE
-- groups may use different patterns (each group's rows agree): t, f
SELECT g, funnel.sequence_match(p, t, c) FROM (VALUES (1, '(?1)', 1::bigint, true), (1, '(?1)', 2, false),
    (2, '(?1)(?1)', 1, true), (2, '(?1)(?1)', 2, false)) v(g, p, t, c) GROUP BY g ORDER BY g;
-- a pattern that differs between groups is fine
SELECT p, funnel.sequence_count(p, t, true) FROM (VALUES ('(?1)', 1::bigint), ('(?1)(?1)', 2), ('(?1)(?1)', 3)) v(p, t)
GROUP BY p ORDER BY p;
