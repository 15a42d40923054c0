-- events_io.sql: the text (JSON) and binary forms of funnel.events, the state of
-- window_funnel, window_funnel_times, sequence_match and sequence_count.
--
-- No aggregate of the extension returns its state, but Citus ships partial
-- states between nodes in their text form: here aggregates without a final
-- function (as a partial aggregate is) expose the states, which must round-trip
-- through text and binary COPY and give the same answers afterwards.  Bad input
-- raises 22P02 (text) or 22P03 (binary); combining states of different calls,
-- or an aggregate's initial condition of another kind or clock, raises 22023.
-- Final functions called directly leave a stored state's bytes as they are.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
CREATE SCHEMA eio;
CREATE AGGREGATE eio.funnel_state("window" interval, mode text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE AGGREGATE eio.funnel_state_ts("window" interval, ts timestamp, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE AGGREGATE eio.funnel_state_int("window" bigint, ts bigint, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
-- merging stored states, as a rollup or the combine step of Citus does
CREATE AGGREGATE eio.merge(funnel.events) (
    SFUNC = funnel.events_combine, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE AGGREGATE eio.merge_level(funnel.events) (
    SFUNC = funnel.events_combine, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final);
CREATE AGGREGATE eio.merge_times(funnel.events) (
    SFUNC = funnel.events_combine, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_times_final);

CREATE TABLE eio.ev (u int, ts timestamptz, e text);
INSERT INTO eio.ev VALUES
  (1, '2024-01-01 10:00', 'visit'), (1, '2024-01-01 10:05', 'signup'), (1, '2024-01-01 10:05', 'other'),
  (1, '2024-01-01 10:30', 'trial'), (1, '2024-01-01 09:00', 'visit'),          -- out of order
  (2, '2024-01-02 08:00', 'visit'), (2, '2024-01-02 08:00', 'visit'),          -- duplicates
  (3, '2024-01-03 00:00', 'other');                                            -- nothing matches

CREATE TABLE eio.s AS
SELECT u, m AS mode,
       eio.funnel_state('1 hour', m, ts, e = 'visit', e = 'signup', e = 'trial') AS st,
       funnel.window_funnel('1 hour', m, ts, e = 'visit', e = 'signup', e = 'trial') AS level,
       funnel.window_funnel_times('1 hour', m, ts, e = 'visit', e = 'signup', e = 'trial') AS times
FROM eio.ev, unnest('{"", strict_order, "strict_once, strict_deduplication"}'::text[]) m
GROUP BY u, m;
-- the text form: JSON with the window in clock units, the canonical mode, and
-- the rows as [clock value, condition bits], sorted; strict_order keeps the
-- unrelated rows (bits 0), the other modes do not
SELECT u, mode, st FROM eio.s ORDER BY u, mode;
-- round trips: text, jsonb, and the answers of the final functions on the
-- round-tripped value
SELECT u, mode,
       st::text::funnel.events::text = st::text AS text_same,
       st::text::jsonb::text::funnel.events::text = st::text AS via_jsonb_same,
       funnel.window_funnel_final(st::text::funnel.events) = level AS level_same,
       funnel.window_funnel_times_final(st::text::funnel.events) = times AS times_same,
       funnel.events_send(st::text::funnel.events) = funnel.events_send(st) AS send_same
FROM eio.s ORDER BY u, mode;
-- binary COPY out and back in
\i sql/_helpers.sql
SELECT pg_temp.try(format('COPY (SELECT u, mode, st FROM eio.s) TO %L WITH (FORMAT binary)', pg_temp.copy_path())) AS copy_out;
CREATE TABLE eio.s_bin (u int, mode text, st funnel.events);
SELECT pg_temp.try(format('COPY eio.s_bin FROM %L WITH (FORMAT binary)', pg_temp.copy_path())) AS copy_in;
SELECT count(*) AS rows_back, count(*) FILTER (WHERE b.st::text = s.st::text) AS same
FROM eio.s s JOIN eio.s_bin b USING (u, mode);

-- Final functions called directly on stored states leave them as they are.  A
-- state stored from an aggregate without a final function is the aggregate's
-- working image (rows in input order, room to spare), not the normalized form
-- of its text round trip; user 1's rows came out of order.  The final
-- functions sort a private copy of such a value (they used to sort it in
-- place, inside the shared buffer page).  Each final function is called on
-- the stored values in two queries; same_bytes compares the bytes with a copy
-- taken before (record image equality, *=).
CREATE FUNCTION pg_temp.same_bytes(a funnel.events, b funnel.events) RETURNS boolean LANGUAGE sql AS $$
    SELECT x *= y FROM (SELECT a) x, (SELECT b) y
$$;
CREATE AGGREGATE eio.sequence_state(pattern text, ts timestamptz, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events, COMBINEFUNC = funnel.events_combine);
CREATE TABLE eio.sq AS
SELECT u, p AS pattern,
       eio.sequence_state(p, ts, e = 'visit', e = 'signup', e = 'trial') AS st,
       funnel.sequence_match(p, ts, e = 'visit', e = 'signup', e = 'trial') AS matched,
       funnel.sequence_count(p, ts, e = 'visit', e = 'signup', e = 'trial') AS n
FROM eio.ev, unnest('{"(?1)(?2)", "(?1).*(?3)", "(?1)"}'::text[]) p
GROUP BY u, p;
CREATE TEMP TABLE s_before AS SELECT u, mode, st FROM eio.s;
CREATE TEMP TABLE sq_before AS SELECT u, pattern, st FROM eio.sq;
CREATE TEMP VIEW finals_right AS
SELECT 'window_funnel' AS kind, count(*) AS states,
       count(*) FILTER (WHERE funnel.window_funnel_final(st) = level
                          AND funnel.window_funnel_times_final(st) = times
                          AND funnel.window_funnel_times_bigint_final(st)
                              = ARRAY(SELECT (extract(epoch FROM x) * 1000000)::bigint FROM unnest(times) x)) AS right_answers
FROM eio.s
UNION ALL
SELECT 'sequence', count(*),
       count(*) FILTER (WHERE funnel.sequence_match_final(st) = matched AND funnel.sequence_count_final(st) = n)
FROM eio.sq;
SELECT * FROM finals_right;
SELECT * FROM finals_right;
SELECT 'window_funnel' AS kind, count(*) AS states,
       count(*) FILTER (WHERE NOT pg_temp.same_bytes(b.st, b.st::text::funnel.events)) AS not_normalized,
       count(*) FILTER (WHERE pg_temp.same_bytes(s.st, b.st)) AS bytes_unchanged
FROM eio.s s JOIN s_before b USING (u, mode)
UNION ALL
SELECT 'sequence', count(*), count(*) FILTER (WHERE NOT pg_temp.same_bytes(b.st, b.st::text::funnel.events)),
       count(*) FILTER (WHERE pg_temp.same_bytes(s.st, b.st))
FROM eio.sq s JOIN sq_before b USING (u, pattern);
DROP VIEW finals_right;

-- the other clocks and the sequence kind
SELECT eio.funnel_state_ts('90 minutes', ts::timestamp, e = 'visit', e = 'trial') FROM eio.ev WHERE u = 1;
SELECT eio.funnel_state_int(100, extract(epoch FROM ts)::bigint, e = 'visit', e = 'trial') FROM eio.ev WHERE u = 1;
SELECT x::text::funnel.events::text = x::text AS same
FROM (SELECT eio.funnel_state_int(100, extract(epoch FROM ts)::bigint, e = 'visit', e = 'trial') x FROM eio.ev) s;
-- a 32-condition state: the bit of condition 32 is 2^31
SELECT eio.funnel_state('1 day', '', ts, VARIADIC array_fill(true, ARRAY[32])) FROM eio.ev WHERE u = 3;

-- rolling up stored partial states gives the one-pass answer: per-user states
-- split by day, merged
CREATE TABLE eio.daily AS
SELECT u, ts::date AS d, eio.funnel_state('1 hour', '', ts, e = 'visit', e = 'signup', e = 'trial') AS st
FROM eio.ev GROUP BY u, ts::date;
SELECT u, eio.merge_level(st) AS merged, (SELECT level FROM eio.s WHERE s.u = d.u AND mode = '') AS one_pass,
       eio.merge_times(st) AS merged_times
FROM eio.daily d GROUP BY u ORDER BY u;

-- Merging sorted states whose rows interleave in time, as the states two
-- parallel workers made of one user's rows do (each part's rows fed in time
-- order, so each part's state is sorted): the rows are merged in place
-- into the first state's spare room (grown first when it has too little).
-- Per group (seeded random rows split at random into 2 to 5 parts, equal
-- times and repeated rows included, parts merged in a random order), the
-- merged state lists exactly the group's rows, and its answers equal the
-- one-pass answers, in every mode.  Groups of 2 to 120 rows: small ones fit
-- the first part's room, large ones make it grow.  Expected: 0 differences
-- of each kind, over 240 groups.
SELECT setseed(0.42);
CREATE TABLE eio.mix AS
SELECT g, i, (random() * g * 2)::bigint AS t, (random() * 4)::int AS e,
       (random() * (1 + g % 4))::int AS part, random() AS o
FROM generate_series(1, 60) g, generate_series(1, 2 + (g * 2) % 119) i;
CREATE TABLE eio.mix_parts AS
SELECT g, m, part, min(o) AS o,
       eio.funnel_state('10 seconds', m, to_timestamp(t), e = 1, e = 2, e = 3 ORDER BY t, e) AS st
FROM eio.mix, unnest('{"", strict_order, strict_increase, strict_once}'::text[]) m
GROUP BY g, m, part;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE merged_rows IS DISTINCT FROM one_pass_rows) AS rows_differ,
       count(*) FILTER (WHERE merged_level IS DISTINCT FROM one_pass_level) AS level_differs,
       count(*) FILTER (WHERE merged_times IS DISTINCT FROM one_pass_times) AS times_differ,
       count(*) FILTER (WHERE parts > 1) AS merged_from_parts
FROM (SELECT g, m, count(*) AS parts,
             eio.merge(st ORDER BY o)::text::jsonb -> 'events' AS merged_rows,
             eio.merge_level(st ORDER BY o) AS merged_level,
             eio.merge_times(st ORDER BY o) AS merged_times
      FROM eio.mix_parts GROUP BY g, m) mp
JOIN (SELECT g, m,
             eio.funnel_state('10 seconds', m, to_timestamp(t), e = 1, e = 2, e = 3)::text::jsonb -> 'events' AS one_pass_rows,
             funnel.window_funnel('10 seconds', m, to_timestamp(t), e = 1, e = 2, e = 3) AS one_pass_level,
             funnel.window_funnel_times('10 seconds', m, to_timestamp(t), e = 1, e = 2, e = 3) AS one_pass_times
      FROM eio.mix, unnest('{"", strict_order, strict_increase, strict_once}'::text[]) m
      GROUP BY g, m) op USING (g, m);

-- states of different calls do not combine (22023)
SELECT pg_temp.try($$SELECT eio.merge(st) FROM eio.s WHERE u = 1$$) AS different_modes;
SELECT pg_temp.try($$SELECT eio.merge(x) FROM (VALUES
    ('{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 1, "mode": "", "conditions": 1, "events": []}'::funnel.events),
    ('{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 2, "mode": "", "conditions": 1, "events": []}')) v(x)$$) AS different_windows;
SELECT pg_temp.try($$SELECT eio.merge(x) FROM (VALUES
    ('{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 1, "events": []}'::funnel.events),
    ('{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 1, "mode": "", "conditions": 1, "events": []}')) v(x)$$) AS different_clocks;

-- Aggregates over the transition functions with an initial condition.  Its
-- state has no room to spare, an empty one none at all: the first row makes
-- room (it used to double a room of 0 to 0 and write past it).  An initial
-- event counts in every group.
CREATE AGGREGATE eio.funnel_from_empty("window" bigint, ts bigint, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final,
    INITCOND = '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 10, "mode": "", "conditions": 2, "events": []}');
CREATE AGGREGATE eio.funnel_from_start("window" bigint, ts bigint, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final,
    INITCOND = '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 10, "mode": "", "conditions": 2, "events": [[0, 1]]}');
CREATE AGGREGATE eio.sequence_from_empty(pattern text, ts bigint, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events, FINALFUNC = funnel.sequence_count_final,
    INITCOND = '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1)(?2)", "conditions": 2, "events": []}');
SELECT eio.funnel_from_empty(10, i, i % 2 = 1, i % 2 = 0) AS from_empty,
       funnel.window_funnel(10, i, i % 2 = 1, i % 2 = 0) AS plain,
       eio.funnel_from_start(10, i, false, i = 10) AS step_2_at_10, 2 AS expected,
       eio.funnel_from_start(10, i, false, i = 11) AS step_2_at_11, 1 AS expected,
       eio.sequence_from_empty('(?1)(?2)', i, i % 2 = 1, i % 2 = 0) AS count_from_empty,
       funnel.sequence_count('(?1)(?2)', i, i % 2 = 1, i % 2 = 0) AS plain_count
FROM generate_series(1, 100000) i;
-- An initial condition of another kind or clock than the aggregate's is
-- refused (22023); it used to be taken, and its rows read as the wrong kind
-- or clock.
CREATE AGGREGATE eio.funnel_from_sequence("window" bigint, ts bigint, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final,
    INITCOND = '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1)", "conditions": 2, "events": []}');
CREATE AGGREGATE eio.funnel_from_timestamptz("window" bigint, ts bigint, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_final,
    INITCOND = '{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 10, "mode": "", "conditions": 2, "events": []}');
CREATE AGGREGATE eio.sequence_from_funnel(pattern text, ts bigint, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events, FINALFUNC = funnel.sequence_count_final,
    INITCOND = '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 0, "mode": "", "conditions": 2, "events": []}');
CREATE AGGREGATE eio.sequence_from_timestamp(pattern text, ts bigint, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events, FINALFUNC = funnel.sequence_count_final,
    INITCOND = '{"version": 1, "kind": "sequence", "clock": "timestamp", "pattern": "(?1)(?2)", "conditions": 2, "events": []}');
SELECT c, pg_temp.try(q) AS result
FROM (VALUES
  ('funnel from a sequence state', $$SELECT eio.funnel_from_sequence(0, i, true, false) FROM generate_series(1, 3) i$$),
  ('funnel, bigint times, timestamptz state', $$SELECT eio.funnel_from_timestamptz(10, i, true, false) FROM generate_series(1, 3) i$$),
  ('sequence from a funnel state', $$SELECT eio.sequence_from_funnel('(?1)', i, true, false) FROM generate_series(1, 3) i$$),
  ('sequence, bigint times, timestamp state', $$SELECT eio.sequence_from_timestamp('(?1)(?2)', i, true, false) FROM generate_series(1, 3) i$$),
  -- also when no row has a step or condition that holds (such rows do not
  -- add to the state, but an initial condition is still checked)
  ('funnel, bigint times, timestamptz state, no step holds', $$SELECT eio.funnel_from_timestamptz(10, i, false, false) FROM generate_series(1, 3) i$$),
  ('sequence, bigint times, timestamp state, no condition holds', $$SELECT eio.sequence_from_timestamp('(?1)(?2)', i, false, false) FROM generate_series(1, 3) i$$)
) v(c, q);
-- an initial condition with another window than the rows' (22023), also
-- when no step holds on any row
SELECT pg_temp.try($$SELECT eio.funnel_from_empty(20, i, i = 1, false) FROM generate_series(1, 3) i$$) AS other_window,
       pg_temp.try($$SELECT eio.funnel_from_empty(20, i, false, false) FROM generate_series(1, 3) i$$) AS other_window_no_step;

-- the support functions outside an aggregate (0A000)
SELECT pg_temp.try($$SELECT funnel.events_funnel_transfn(NULL, 10, 1::bigint, ARRAY[true])$$) AS funnel_transfn,
       pg_temp.try($$SELECT funnel.events_sequence_transfn(NULL, '(?1)', 1::bigint, ARRAY[true])$$) AS sequence_transfn,
       pg_temp.try($$SELECT funnel.events_combine(NULL, NULL)$$) AS combine;
-- a final function given a state of the other kind (22023)
SELECT pg_temp.try($$SELECT funnel.window_funnel_times_final(st) FROM eio.sq LIMIT 1$$) AS times_of_sequence,
       pg_temp.try($$SELECT funnel.sequence_count_final(st) FROM eio.s LIMIT 1$$) AS count_of_funnel;

-- text input: every field is checked (22P02)
SELECT c, pg_temp.try(format('SELECT %L::funnel.events', v)) AS result
FROM (VALUES
  ('valid', '{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 10, "mode": "strict_order", "conditions": 2, "events": [[1, 0], [2, 3]]}'),
  ('not json', 'events'),
  ('not an object', '[1]'),
  ('version', '{"version": 2, "kind": "window_funnel", "clock": "timestamptz", "window": 10, "mode": "", "conditions": 2, "events": []}'),
  ('kind', '{"version": 1, "kind": "funnel", "clock": "timestamptz", "window": 10, "mode": "", "conditions": 2, "events": []}'),
  ('clock', '{"version": 1, "kind": "window_funnel", "clock": "date", "window": 10, "mode": "", "conditions": 2, "events": []}'),
  ('no conditions', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 10, "mode": "", "conditions": 0, "events": []}'),
  ('33 conditions', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 10, "mode": "", "conditions": 33, "events": []}'),
  ('negative window', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": -1, "mode": "", "conditions": 2, "events": []}'),
  ('unknown mode', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "fast", "conditions": 2, "events": []}'),
  ('allow_reentry alone', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "allow_reentry", "conditions": 2, "events": []}'),
  ('missing window', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "mode": "", "conditions": 2, "events": []}'),
  ('missing events', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2}'),
  ('event not a pair', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[1]]}'),
  ('event time text', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [["1", 1]]}'),
  ('condition beyond', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[1, 4]]}'),
  ('bits negative', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[1, -1]]}'),
  ('bits 0 without strict_order', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[1, 0]]}'),
  ('out of order', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[2, 1], [1, 1]]}'),
  ('same time, steps out of order', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[1, 2], [1, 1]]}'),
  ('infinite time', '{"version": 1, "kind": "window_funnel", "clock": "timestamptz", "window": 1, "mode": "", "conditions": 2, "events": [[9223372036854775807, 1]]}'),
  ('huge bigint clock is fine', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "conditions": 2, "events": [[-9223372036854775808, 1], [9223372036854775807, 2]]}'),
  ('window on a sequence', '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1)", "window": 1, "conditions": 2, "events": []}'),
  ('pattern on a funnel', '{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 1, "mode": "", "pattern": "(?1)", "conditions": 2, "events": []}'),
  ('valid sequence', '{"version": 1, "kind": "sequence", "clock": "timestamp", "pattern": "(?1).*(?2)", "conditions": 2, "events": [[5, 3], [5, 2], [7, 1]]}'),
  ('bad pattern', '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1", "conditions": 1, "events": []}'),
  ('pattern condition beyond', '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1)(?3)", "conditions": 2, "events": []}')
) v(c, v);
-- a huge clock span is no overflow: -2^63 .. 2^63-1 is more than the window
SELECT funnel.window_funnel_final('{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 9223372036854775807, "mode": "", "conditions": 2, "events": [[-9223372036854775808, 1], [9223372036854775807, 2]]}') AS level_far_apart,
       funnel.window_funnel_final('{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 9223372036854775807, "mode": "", "conditions": 2, "events": [[-1, 1], [9223372036854775806, 2]]}') AS level_at_the_edge;

-- binary input goes through COPY ... FROM a file WITH (FORMAT binary), the file
-- written with lo_export: one row of one column
CREATE TABLE eio.recv (st funnel.events);
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE code text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    BEGIN
        DELETE FROM eio.recv;
        EXECUTE format('COPY eio.recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
        SELECT string_agg(r.st::text, ',') INTO res FROM eio.recv r;
        RETURN 'ok ' || res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN code || ': ' || msg;
    END;
END
$$;
-- the binary form: version, kind, clock, conditions, mode (1 byte each), window
-- (8), pattern length (4) and bytes, number of rows (8), rows of (time 8, bits 4)
CREATE FUNCTION pg_temp.b(kind int, clock int, nconds int, mode int, win bigint, pat text, n bigint, rows bytea)
RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x01'::bytea || substring(int4send(kind) FROM 4) || substring(int4send(clock) FROM 4)
        || substring(int4send(nconds) FROM 4) || substring(int4send(mode) FROM 4) || int8send(win)
        || int4send(length(convert_to(pat, 'UTF8'))) || convert_to(pat, 'UTF8') || int8send(n) || rows
$$;
SELECT pg_temp.b(1, 3, 2, 2, 10, '', 2, int8send(1) || int4send(0) || int8send(2) || int4send(3))
       = funnel.events_send('{"version": 1, "kind": "window_funnel", "clock": "bigint", "window": 10, "mode": "strict_order", "conditions": 2, "events": [[1, 0], [2, 3]]}') AS builder_same;
SELECT c, pg_temp.recv(b) AS result
FROM (VALUES
  ('valid', pg_temp.b(1, 3, 2, 2, 10, '', 2, int8send(1) || int4send(0) || int8send(2) || int4send(3))),
  ('empty bytes', ''::bytea),
  ('version', '\x02'::bytea || substring(pg_temp.b(1, 3, 2, 0, 10, '', 0, '') FROM 2)),
  ('kind', pg_temp.b(3, 3, 2, 0, 10, '', 0, '')),
  ('clock', pg_temp.b(1, 4, 2, 0, 10, '', 0, '')),
  ('conditions', pg_temp.b(1, 3, 40, 0, 10, '', 0, '')),
  ('mode bits', pg_temp.b(1, 3, 2, 64, 10, '', 0, '')),
  ('negative window', pg_temp.b(1, 3, 2, 0, -5, '', 0, '')),
  ('pattern on a funnel', pg_temp.b(1, 3, 2, 0, 10, '(?1)', 0, '')),
  ('count larger than data', pg_temp.b(1, 3, 2, 0, 10, '', 5, int8send(1) || int4send(1))),
  ('count negative', pg_temp.b(1, 3, 2, 0, 10, '', -1, '')),
  ('trailing bytes', pg_temp.b(1, 3, 2, 0, 10, '', 1, int8send(1) || int4send(1) || '\x00'::bytea)),
  ('truncated row', pg_temp.b(1, 3, 2, 0, 10, '', 1, int8send(1) || '\x0000'::bytea)),
  ('truncated header', substring(pg_temp.b(1, 3, 2, 0, 10, '', 0, '') FROM 1 FOR 9)),
  ('bits beyond', pg_temp.b(1, 3, 2, 0, 10, '', 1, int8send(1) || int4send(8))),
  ('out of order', pg_temp.b(1, 3, 2, 0, 10, '', 2, int8send(2) || int4send(1) || int8send(1) || int4send(1))),
  ('valid sequence', pg_temp.b(2, 3, 2, 0, 0, '(?1).*(?2)', 1, int8send(5) || int4send(3))),
  ('bad pattern', pg_temp.b(2, 3, 2, 0, 0, '(?1', 0, '')),
  ('sequence with a mode', pg_temp.b(2, 3, 2, 2, 0, '(?1)', 0, '')),
  ('huge pattern length', '\x0102030201'::bytea || int8send(0) || int4send(2000000000))
) v(c, b);
DROP SCHEMA eio CASCADE;
