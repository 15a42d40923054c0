-- seqstore.sql: stored sequences (funnel.sequence).  On seeded random event streams:
-- the sequence the aggregate builds holds exactly the rows with a time (checked in
-- plain SQL, as a multiset and in order), whether built serially, with parallel
-- aggregation forced on over a shuffled copy, in two halves merged with
-- sequence_append, or a third of its rows appended one at a time in random order
-- (all four byte-identical); and every function over it (window_funnel in every mode
-- and window, window_funnel_times, retention, sequence_match, sequence_count) gives
-- what the aggregate of that name gives over the same rows with one condition per
-- step, "event = ANY(the step's labels)".  Then the edges, the text and binary
-- forms (round trips, and every malformed binary value recv must refuse), errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
\set try_report true
\i sql/_helpers.sql
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';
SET max_parallel_workers_per_gather = 0;

------------------------------------------------------------------------------
-- 1. Streams: 1000 users, 1 to 26 rows each, times on a 10-second grid over 5
-- minutes (every 10th user off the grid by up to 10 s in microseconds), so many
-- rows share an instant; labels a, b, c (often), d, x, y, '' and NULL; 5% NULL
-- times; one more row per user with a time.  User 0 has only rows without a time.
------------------------------------------------------------------------------
SELECT setseed(0.19);
CREATE TABLE ss_ev (uid int, rid serial, at timestamptz, event text);
INSERT INTO ss_ev (uid, at, event)
SELECT u,
       CASE WHEN r1 < 0.05 AND i > 1 THEN NULL
            ELSE timestamptz '2024-01-01 00:00+00' + floor(r2 * 30) * interval '10 seconds'
                 + CASE WHEN u % 10 = 0 THEN floor(r3 * 1e7) * interval '1 microsecond' ELSE interval '0' END
       END,
       (ARRAY['a', 'a', 'b', 'b', 'c', 'c', 'd', 'x', 'y', NULL, ''])[1 + floor(r4 * 11)::int]
FROM (SELECT u, i, random() AS r1, random() AS r2, random() AS r3, random() AS r4
      FROM generate_series(1, 1000) u, LATERAL generate_series(1, 1 + (u * 37) % 26) i) g
ORDER BY u, i;
INSERT INTO ss_ev (uid, at, event) VALUES (0, NULL, 'a'), (0, NULL, NULL);
SELECT count(*) AS rows, count(DISTINCT uid) AS users, count(*) FILTER (WHERE at IS NULL) AS null_times,
       count(*) FILTER (WHERE event IS NULL) AS null_events,
       (SELECT count(*) FROM (SELECT 1 FROM ss_ev WHERE at IS NOT NULL GROUP BY uid, at HAVING count(*) > 1) t) AS shared_instants
FROM ss_ev;

------------------------------------------------------------------------------
-- 2. Building: four ways, one value
------------------------------------------------------------------------------
CREATE TABLE ss_serial AS SELECT uid, funnel.sequence(at, event) AS seq FROM ss_ev GROUP BY uid;

CREATE TABLE ss_shuffled AS SELECT * FROM ss_ev ORDER BY random();
ANALYZE ss_shuffled;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
SELECT * FROM pg_temp.plan_nodes('SELECT uid, funnel.sequence(at, event) FROM ss_shuffled GROUP BY uid');
CREATE TABLE ss_parallel AS SELECT uid, funnel.sequence(at, event) AS seq FROM ss_shuffled GROUP BY uid;
RESET enable_hashagg;
SET max_parallel_workers_per_gather = 0;

CREATE TABLE ss_halves AS
SELECT uid, funnel.sequence_append(funnel.sequence(at, event) FILTER (WHERE rid % 2 = 0),
                                   funnel.sequence(at, event) FILTER (WHERE rid % 2 = 1)) AS seq
FROM ss_shuffled GROUP BY uid;

CREATE TABLE ss_inc AS
SELECT uid, funnel.sequence(at, event) FILTER (WHERE rid % 3 <> 0) AS seq FROM ss_ev GROUP BY uid;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM ss_ev WHERE rid % 3 = 0 ORDER BY random() LOOP
        UPDATE ss_inc SET seq = funnel.sequence_append(seq, r.at, r.event) WHERE uid = r.uid;
    END LOOP;
END
$$;

SELECT count(*) AS users,
       count(*) FILTER (WHERE p.seq::text IS DISTINCT FROM s.seq::text) AS parallel_differs,
       count(*) FILTER (WHERE h.seq::text IS DISTINCT FROM s.seq::text) AS halves_differ,
       count(*) FILTER (WHERE i.seq::text IS DISTINCT FROM s.seq::text) AS appended_differ,
       count(*) FILTER (WHERE i.seq IS NULL) AS null_sequences
FROM ss_serial s JOIN ss_parallel p USING (uid) JOIN ss_halves h USING (uid) JOIN ss_inc i USING (uid);

-- the rows of every sequence = the rows with a time, as a multiset (plain SQL) ...
SELECT (SELECT count(*) FROM (SELECT uid, e.at, e.event FROM ss_serial, funnel.sequence_events(seq) e
                              EXCEPT ALL SELECT uid, at, event FROM ss_ev WHERE at IS NOT NULL) d) AS extra_rows,
       (SELECT count(*) FROM (SELECT uid, at, event FROM ss_ev WHERE at IS NOT NULL
                              EXCEPT ALL SELECT uid, e.at, e.event FROM ss_serial, funnel.sequence_events(seq) e) d) AS missing_rows;
-- ... in (time, label) order, a NULL label first
SELECT count(*) AS users_out_of_order
FROM ss_serial s
WHERE (SELECT array_agg(row(e.at, e.event)::text) FROM funnel.sequence_events(s.seq) e)
      IS DISTINCT FROM
      (SELECT array_agg(row(v.at, v.event)::text ORDER BY v.at, v.event COLLATE "C" NULLS FIRST)
       FROM ss_ev v WHERE v.uid = s.uid AND v.at IS NOT NULL);

-- a stored working state (an aggregate without the final function) reads the same
CREATE AGGREGATE pg_temp.seq_working(timestamptz, text) (SFUNC = funnel.sequence_transfn, STYPE = funnel.sequence);
CREATE TABLE ss_working AS SELECT uid, pg_temp.seq_working(at, event) AS seq FROM ss_ev GROUP BY uid;
SELECT count(*) FILTER (WHERE w.seq::text IS DISTINCT FROM s.seq::text) AS text_differs,
       count(*) FILTER (WHERE funnel.window_funnel(w.seq, '1 minute', '{a,b,c}')
                              IS DISTINCT FROM funnel.window_funnel(s.seq, '1 minute', '{a,b,c}')) AS level_differs,
       count(*) FILTER (WHERE pg_column_size(w.seq) > pg_column_size(s.seq)) AS working_larger
FROM ss_working w JOIN ss_serial s USING (uid);

-- the size: bytes per stored row (labels included), against the rows' own columns
SELECT round(sum(pg_column_size(seq))::numeric / (SELECT count(*) FROM ss_ev WHERE at IS NOT NULL), 2) AS bytes_per_event,
       round((SELECT sum(pg_column_size(at) + coalesce(pg_column_size(event), 0)) FROM ss_ev WHERE at IS NOT NULL)::numeric
             / (SELECT count(*) FROM ss_ev WHERE at IS NOT NULL), 2) AS raw_column_bytes_per_event
FROM ss_serial;

-- the dictionary is in byte order (unsigned bytes, then length) whatever order the
-- rows come in: labels longer than 8 bytes that share their first 8, labels that are
-- prefixes of others, bytes above 0x7f, '' and NULL (building sorts by an 8-byte
-- prefix first).  seq_labels reads the dictionary out of the binary form.
CREATE FUNCTION pg_temp.seq_varint(b bytea, INOUT pos int, OUT v bigint) LANGUAGE plpgsql AS $$
DECLARE
    sh int := 0;
    byte int;
BEGIN
    v := 0;
    LOOP
        byte := get_byte(b, pos); pos := pos + 1;
        v := v | ((byte & 127)::bigint << sh); sh := sh + 7;
        EXIT WHEN byte < 128;
    END LOOP;
END $$;
CREATE FUNCTION pg_temp.seq_labels(b bytea) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    pos int := 2;
    hdr bigint[] := '{}';
    v bigint;
    res text[] := '{}';
BEGIN
    FOR k IN 1..4 LOOP          -- events, labels, unit, first time
        SELECT r.pos, r.v INTO pos, v FROM pg_temp.seq_varint(b, pos) r;
        hdr := hdr || v;
    END LOOP;
    FOR k IN 1..hdr[2] LOOP
        SELECT r.pos, r.v INTO pos, v FROM pg_temp.seq_varint(b, pos) r;
        res := res || convert_from(substring(b FROM pos + 1 FOR v::int), getdatabaseencoding());
        pos := pos + v::int;
    END LOOP;
    RETURN res;
END $$;
CREATE TABLE ss_labels AS
SELECT row_number() OVER () AS i, timestamptz '2024-01-01 00:00+00' + (row_number() OVER ()) * interval '1 minute' AS at, l
FROM unnest(ARRAY['purchase', 'purchase_b', 'purchase_a', 'purchas', 'purchasf', 'purchase_a_long_label',
                  'purchase_', 'purchase' || chr(200), 'purchas' || chr(233), chr(233), 'z', 'Z', 'aaaaaaaaaaaaaaaaaaaa',
                  'aaaaaaaaaaaaaaaaaaab', 'aaaaaaaa', '', NULL, 'purchase']) l,
     generate_series(1, 2) r;
SELECT count(DISTINCT funnel.sequence_send(seq)) AS distinct_values, count(*) AS orders,
       bool_and(pg_temp.seq_labels(funnel.sequence_send(seq))
                = (SELECT array_agg(l ORDER BY convert_to(l, getdatabaseencoding()))
                   FROM (SELECT DISTINCT l FROM ss_labels WHERE l IS NOT NULL) d)) AS dictionary_in_byte_order
FROM (SELECT funnel.sequence(at, l ORDER BY i) FROM ss_labels
      UNION ALL SELECT funnel.sequence(at, l ORDER BY i DESC) FROM ss_labels
      UNION ALL SELECT funnel.sequence(at, l ORDER BY l) FROM ss_labels
      UNION ALL SELECT funnel.sequence(at, l ORDER BY l DESC) FROM ss_labels
      UNION ALL SELECT funnel.sequence(at, l ORDER BY md5(i::text)) FROM ss_labels
      UNION ALL SELECT funnel.sequence(at, l ORDER BY md5(l)) FROM ss_labels) s(seq);
-- and 16 rows or fewer (sorted in line, not by qsort): every order of 5 of them
SELECT count(DISTINCT funnel.sequence_send(seq)) AS distinct_values, count(*) AS orders
FROM (SELECT (SELECT funnel.sequence(at, l ORDER BY array_position(p, i)) FROM ss_labels WHERE i = ANY (p))
      FROM (SELECT ARRAY[a, b, c, d, e]::bigint[] p
            FROM unnest('{1,3,5,11,15}'::int[]) a, unnest('{1,3,5,11,15}'::int[]) b, unnest('{1,3,5,11,15}'::int[]) c,
                 unnest('{1,3,5,11,15}'::int[]) d, unnest('{1,3,5,11,15}'::int[]) e
            WHERE cardinality(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY[a, b, c, d, e]) x)) = 5) perms) s(seq);

------------------------------------------------------------------------------
-- 3. The functions against the aggregates, over the same rows
------------------------------------------------------------------------------
-- step lists: labels; label sets (a two-dimensional array, NULL-padded; 'a' in
-- steps 1 and 3); one label for two steps; the empty label and a NULL step
CREATE TABLE ss_steps (sid int, steps text[]);
INSERT INTO ss_steps VALUES (1, '{a,b,c}'), (2, '{a,b,c,d}'), (3, '{{a,x},{b,NULL},{c,a}}'),
                            (4, '{a,a,b}'), (5, '{"",b,NULL}');
-- each row's conditions for each step list: step k holds when event = ANY(row k)
CREATE TABLE ss_cond AS
SELECT e.uid, e.rid, e.at, e.event, s.sid,
       (SELECT array_agg(e.event = ANY(s.steps[k:k]) ORDER BY k)
        FROM generate_series(1, array_length(s.steps, 1)) k) AS conds
FROM ss_ev e, ss_steps s;
CREATE TABLE ss_modes (mode text);
INSERT INTO ss_modes VALUES (''), ('strict_deduplication'), ('strict_order'), ('strict_increase'), ('strict_once'),
    ('strict_order, allow_reentry'), ('strict_deduplication, strict_once'), ('strict_order, strict_increase, strict_once');
CREATE TABLE ss_windows (win interval);
INSERT INTO ss_windows VALUES ('0'), ('30 seconds'), ('2 minutes');

-- window_funnel and window_funnel_times: every mode, window and step list; users
-- with a row with a time (the aggregate over no row gives 0, an empty sequence too)
SELECT m.mode, count(*) AS cases,
       count(*) FILTER (WHERE a.lvl IS DISTINCT FROM s.lvl) AS level_mismatches,
       count(*) FILTER (WHERE a.t IS DISTINCT FROM s.t) AS times_mismatches,
       count(*) FILTER (WHERE s.lvl >= 3) AS reached_3
FROM ss_modes m, ss_windows w, ss_steps st,
     LATERAL (SELECT uid, funnel.window_funnel(w.win, m.mode, at, VARIADIC conds) AS lvl,
                     funnel.window_funnel_times(w.win, m.mode, at, VARIADIC conds) AS t
              FROM ss_cond c WHERE c.sid = st.sid GROUP BY uid) a
     JOIN LATERAL (SELECT uid, funnel.window_funnel(seq, w.win, m.mode, st.steps) AS lvl,
                          funnel.window_funnel_times(seq, w.win, m.mode, st.steps) AS t
                   FROM ss_serial) s USING (uid)
GROUP BY m.mode ORDER BY m.mode;

-- without a mode = mode ''
SELECT count(*) AS cases,
       count(*) FILTER (WHERE funnel.window_funnel(seq, w.win, st.steps)
                              IS DISTINCT FROM funnel.window_funnel(seq, w.win, '', st.steps)) AS level_mismatches,
       count(*) FILTER (WHERE funnel.window_funnel_times(seq, w.win, st.steps)
                              IS DISTINCT FROM funnel.window_funnel_times(seq, w.win, '', st.steps)) AS times_mismatches
FROM ss_serial, ss_windows w, ss_steps st;

-- retention (over the rows with a time: those are the sequence's)
SELECT st.sid, count(*) AS users, count(*) FILTER (WHERE a.r IS DISTINCT FROM s.r) AS mismatches,
       count(*) FILTER (WHERE s.r[1] AND s.r[2]) AS first_and_second
FROM ss_steps st,
     LATERAL (SELECT uid, funnel.retention(VARIADIC conds) AS r FROM ss_cond c
              WHERE c.sid = st.sid AND c.at IS NOT NULL GROUP BY uid) a
     JOIN LATERAL (SELECT uid, funnel.retention(seq, st.steps) AS r FROM ss_serial) s USING (uid)
GROUP BY st.sid ORDER BY st.sid;

-- sequence_match and sequence_count, patterns for 3 steps
CREATE TABLE ss_patterns (pattern text);
INSERT INTO ss_patterns VALUES ('(?1)(?2)'), ('(?1).*(?2).*(?3)'), ('(?1)(?t<=30)(?2)'), ('(?2).(?1)'), ('.*'),
    ('(?1)(?t>20)(?3)'), ('(?3)(?t==10)(?1)'), ('(?1)(?t>=0)(?1)'), (''), ('(?1)(?2)(?3)');
SELECT p.pattern, count(*) AS cases,
       count(*) FILTER (WHERE a.m IS DISTINCT FROM s.m) AS match_mismatches,
       count(*) FILTER (WHERE a.c IS DISTINCT FROM s.c) AS count_mismatches,
       count(*) FILTER (WHERE s.m) AS matched, sum(s.c) AS counted
FROM ss_patterns p, ss_steps st,
     LATERAL (SELECT uid, funnel.sequence_match(p.pattern, at, VARIADIC conds) AS m,
                     funnel.sequence_count(p.pattern, at, VARIADIC conds) AS c
              FROM ss_cond c WHERE c.sid = st.sid AND c.uid <> 0 GROUP BY uid) a
     JOIN LATERAL (SELECT uid, funnel.sequence_match(seq, p.pattern, st.steps) AS m,
                          funnel.sequence_count(seq, p.pattern, st.steps) AS c
                   FROM ss_serial) s USING (uid)
WHERE array_length(st.steps, 1) = 3
GROUP BY p.pattern ORDER BY p.pattern;

-- the same through the parallel-built and the appended sequences, in a parallel plan
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE funnel.window_funnel(p.seq, '1 minute', 'strict_once', '{{a,x},{b,NULL},{c,a}}')
                              IS DISTINCT FROM funnel.window_funnel(s.seq, '1 minute', 'strict_once', '{{a,x},{b,NULL},{c,a}}')) AS parallel_mismatches,
       count(*) FILTER (WHERE funnel.sequence_count(i.seq, '(?1).*(?2)', '{a,b}')
                              IS DISTINCT FROM funnel.sequence_count(s.seq, '(?1).*(?2)', '{a,b}')) AS appended_mismatches
FROM ss_serial s JOIN ss_parallel p USING (uid) JOIN ss_inc i USING (uid);
SET max_parallel_workers_per_gather = 0;

------------------------------------------------------------------------------
-- 4. Edges
------------------------------------------------------------------------------
-- user 0: rows only without a time, an empty sequence
SELECT seq, funnel.window_funnel(seq, '1 hour', '{a}') AS level, funnel.window_funnel_times(seq, '1 hour', '{a}') AS times,
       funnel.retention(seq, '{a,b}') AS retention, funnel.sequence_match(seq, '.*', '{a}') AS match_empty_run,
       funnel.sequence_count(seq, '(?1)', '{a}') AS count
FROM ss_serial WHERE uid = 0;
-- no rows at all: NULL, and NULL in, NULL out
SELECT funnel.sequence(at, event) IS NULL AS no_rows FROM ss_ev WHERE false;
SELECT funnel.window_funnel(NULL::funnel.sequence, '1 hour', '{a}') AS null_seq,
       funnel.window_funnel(s.seq, NULL, '{a}') AS null_window,
       funnel.retention(s.seq, NULL) AS null_steps
FROM ss_serial s WHERE uid = 1;
-- sequence_append: a NULL sequence is empty, a NULL time adds nothing, a NULL event is an event
SELECT funnel.sequence_append(NULL::funnel.sequence, NULL, 'a') AS null_time,
       funnel.sequence_append(NULL::funnel.sequence, '2000-01-01 00:00:01+00', NULL) AS null_event,
       funnel.sequence_append(NULL::funnel.sequence, NULL::funnel.sequence) AS both_null,
       funnel.sequence_append('{"version": 1, "events": [[5, "a"]]}', NULL::funnel.sequence) AS one_null;
-- duplicates are kept (a multiset): appending a row twice counts it twice
SELECT s, funnel.sequence_count(s, '(?1)', '{a}') AS a_events,
       funnel.window_funnel(s, '10 seconds', 'strict_deduplication', '{a,b,c}') AS dedup_stops
FROM (SELECT funnel.sequence_append(funnel.sequence_append(funnel.sequence_append(funnel.sequence_append(
        NULL::funnel.sequence, '2000-01-01 00:00:00+00', 'a'), '2000-01-01 00:00:01+00', 'b'),
        '2000-01-01 00:00:01+00', 'b'), '2000-01-01 00:00:02+00', 'c') AS s) t;
-- equal times: the value's label order (b before c) is not the steps' order (c is step 1)
SELECT funnel.window_funnel(s, '0', '{c,b}') AS level, funnel.sequence_match(s, '(?1)(?2)', '{c,b}') AS c_then_b,
       funnel.sequence_events(s) AS rows
FROM (SELECT '{"version": 1, "events": [[0, "c"], [0, "b"]]}'::funnel.sequence AS s) t;
-- the time unit: whole seconds, minutes, microseconds; a time before 2000
SELECT s::text, pg_column_size(s) AS bytes
FROM (VALUES ('{"version": 1, "events": [[0, "a"], [60000000, "a"], [7200000000, "a"]]}'::funnel.sequence),
             ('{"version": 1, "events": [[0, "a"], [1, "a"]]}'),
             ('{"version": 1, "events": [[-1000000, "a"], [-1000000, "a"]]}'),
             ('{"version": 1, "events": []}')) v(s);
-- labels are compared byte by byte: case, spaces and non-ASCII labels
SELECT funnel.window_funnel(s, '1 day', '{Visit,"sign up",é}') AS level, funnel.sequence_events(s) AS rows
FROM (SELECT funnel.sequence(at, ev) AS s
      FROM (VALUES (timestamptz '2025-01-01 00:00+00', 'Visit'), ('2025-01-01 00:01+00', 'visit'),
                   ('2025-01-01 00:02+00', 'sign up'), ('2025-01-01 00:03+00', 'é')) v(at, ev)) t;
-- as a window function (the aggregate's state is not changed by its final function)
SELECT at, funnel.window_funnel(funnel.sequence(at, event) OVER (ORDER BY at), '1 hour', '{a,b}') AS level_so_far
FROM (VALUES (timestamptz '2025-01-01 00:00+00', 'a'), ('2025-01-01 00:01+00', 'x'), ('2025-01-01 00:02+00', 'b')) v(at, event)
ORDER BY at;
-- a trigger keeps a stored sequence up to date
CREATE TABLE ss_user_seq (uid int PRIMARY KEY, seq funnel.sequence);
CREATE TABLE ss_live (uid int, at timestamptz, event text);
CREATE FUNCTION pg_temp.ss_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ss_user_seq VALUES (NEW.uid, funnel.sequence_append(NULL::funnel.sequence, NEW.at, NEW.event))
    ON CONFLICT (uid) DO UPDATE SET seq = funnel.sequence_append(ss_user_seq.seq, NEW.at, NEW.event);
    RETURN NULL;
END $$;
CREATE TRIGGER ss_keep AFTER INSERT ON ss_live FOR EACH ROW EXECUTE FUNCTION pg_temp.ss_keep();
INSERT INTO ss_live SELECT uid, at, event FROM ss_ev WHERE uid BETWEEN 1 AND 50 ORDER BY random();
SELECT count(*) AS users, count(*) FILTER (WHERE u.seq::text IS DISTINCT FROM s.seq::text) AS differ
FROM ss_user_seq u JOIN ss_serial s USING (uid);

------------------------------------------------------------------------------
-- 5. Text and binary forms
------------------------------------------------------------------------------
SELECT count(*) FILTER (WHERE seq::text::funnel.sequence::text IS DISTINCT FROM seq::text) AS text_round_trip_differs
FROM ss_serial;
CREATE TABLE ss_bin (uid int, seq funnel.sequence);
SELECT pg_temp.try(format('COPY ss_serial TO %L WITH (FORMAT binary)', pg_temp.copy_path())) AS copy_out;
SELECT pg_temp.try(format('COPY ss_bin FROM %L WITH (FORMAT binary)', pg_temp.copy_path())) AS copy_in;
SELECT count(*) AS users, count(*) FILTER (WHERE b.seq::text IS DISTINCT FROM s.seq::text) AS binary_round_trip_differs
FROM ss_bin b JOIN ss_serial s USING (uid);
-- the binary form of a small value, byte by byte: version 1, form 0, 3 events, 2 labels,
-- unit 60 s (varint of 60000000), first time 0 (zigzag), "a", "b", then (delta, code)
SELECT funnel.sequence_send('{"version": 1, "events": [[0, "a"], [60000000, "b"], [120000000, null]]}');

-- text input: malformed values
SELECT v AS input, pg_temp.try(format('SELECT %L::funnel.sequence', v)) AS result
FROM (VALUES ('{"version": 2, "events": []}'), ('{"events": []}'), ('{"version": 1}'),
             ('{"version": 1, "events": [[1]]}'), ('{"version": 1, "events": [[1, 2]]}'),
             ('{"version": 1, "events": [["x", "a"]]}'), ('{"version": 1, "events": [[9223372036854775807, "a"]]}'),
             ('{"version": 1, "events": [[1.5, "a"]]}'), ('not json')) t(v);

-- binary input: every malformed value recv must refuse (22P03)
CREATE TABLE ss_recv (seq funnel.sequence);
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    DELETE FROM ss_recv;
    RETURN QUERY SELECT * FROM pg_temp.try(format('COPY ss_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path()));
    SELECT string_agg(r.seq::text, ',') INTO res FROM ss_recv r;
    IF res IS NOT NULL THEN RETURN NEXT res; END IF;
END $$;
SELECT c AS "case", pg_temp.recv(b) AS result
FROM (VALUES
    ('valid: 2 events, labels a, b', '\x0100020201000161016200010002'::bytea),
    ('valid: empty', '\x010000000100'),
    ('empty body', ''),
    ('version 2', '\x020000000100'),
    ('working form', '\x010100000100'),
    ('truncated header', '\x01000202'),
    ('non-minimal varint', '\x010082000201000161016200010002'),
    ('varint past 64 bits', '\x0100ffffffffffffffffff7f0201000161016200010002'),
    ('more events than bytes', '\x01007f0101000161'),
    ('more labels than events', '\x010001020100016101620001'),
    ('unit 0', '\x0100020200000161016200010002'),
    ('empty with unit 2', '\x010000000200'),
    ('empty with a first time', '\x010000000102'),
    ('label past the end', '\x010002020100096100010002'),
    ('labels out of order', '\x0100020201000162016100010002'),
    ('labels not distinct', '\x0100020201000161016100010002'),
    ('label with a zero byte', '\x0100020201000100016200010002'),
    ('label code out of range', '\x0100020201000161016200010003'),
    ('a label no event uses', '\x0100020201000161016200010001'),
    ('events out of order', '\x0100020201000161016200020001'),
    ('first event after the first time', '\x0100020201000161016201010002'),
    ('unit not the common divisor', '\x0100020201000161016200010202'),
    ('time past the end of time', '\x0100020201000161016200018080808080808080800102'),
    ('first time infinite', '\x0100010101feffffffffffffffff0101610001'),
    ('bytes after the last event', '\x010002020100016101620001000200')) t(c, b);

------------------------------------------------------------------------------
-- 6. Errors
------------------------------------------------------------------------------
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '1 hour', '{}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '1 hour', array_fill('a'::text, ARRAY[33])) FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '1 hour', '{{{a}}}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '-1 hour', '{a}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '178000000 years', '{a}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel_times(seq, '1 hour', 'strict', '{a}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.window_funnel(seq, '1 hour', 'allow_reentry', '{a}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence_match(seq, '(?1)(?4)', '{a,b,c}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence_count(seq, '(?1', '{a}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.retention(seq, '{}') FROM ss_serial WHERE uid = 1$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence(at, 'a') FROM (VALUES (timestamptz 'infinity')) v(at)$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence_append(NULL::funnel.sequence, '-infinity', 'a')$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence_transfn(NULL, now(), 'a')$$);
SELECT * FROM pg_temp.try($$SELECT funnel.sequence_combine(NULL, NULL)$$);
