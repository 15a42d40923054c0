-- binary_portable.sql: state values that travel between databases (issue 15, items 1
-- and 3).  The binary forms of funnel.pipeline, funnel.summary, funnel.journey and
-- funnel.pipeline_flow carry their funnel type by schema and name and their stages by
-- name (src/wire_names.c), so binary COPY from one database into another whose enum
-- OIDs differ reads the same values; recv still reads the OID forms that send wrote
-- before; a journey's text and binary forms keep an unfinished state whole; and
-- window_funnel_times' final function returns what its declared type says.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';

\i sql/_helpers.sql
\set regress_db :DBNAME
-- the file the states travel in, in the cluster's own directory
CREATE FUNCTION pg_temp.state_file(what text) RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/funnel_binary_portable_' || what || '.copy'
$$;

------------------------------------------------------------------------------
-- 1. This database: a funnel, and states of every type that holds OIDs
------------------------------------------------------------------------------
SELECT funnel.create_funnel('bp_stage', ARRAY['lead', 'trial', 'offer', 'paid', 'churned'],
                            won => ARRAY['paid'], lost => ARRAY['churned']);
SELECT funnel.set_stage('offer'::bp_stage, probability => 0.6);
CREATE TABLE bp_hist (id int, stage bp_stage, at timestamptz, amount numeric);
INSERT INTO bp_hist VALUES
    (1, 'lead', '2025-01-01', 100), (1, 'trial', '2025-01-03', 100), (1, 'offer', '2025-01-06', 120),
    (1, 'paid', '2025-01-09', 120),
    (2, 'lead', '2025-01-02', 50), (2, 'offer', '2025-01-04', 55), (2, 'churned', '2025-01-08', 55),
    (3, 'lead', '2025-01-02', 80), (3, 'trial', '2025-01-05', 80), (3, 'lead', '2025-01-07', 80),
    (3, 'trial', '2025-01-10', 90);
-- history rows as funnel.track writes them: from_stage, to_stage per move
CREATE TABLE bp_moves AS
SELECT id, lag(stage) OVER w AS from_stage, stage AS to_stage, at AS changed_at,
       lag(amount) OVER w AS from_amount, amount
FROM bp_hist WINDOW w AS (PARTITION BY id ORDER BY at);

CREATE TABLE bp_states (name text, p funnel.pipeline, s funnel.summary, j funnel.journey,
                        f funnel.pipeline_flow);
INSERT INTO bp_states
SELECT 'all',
       (SELECT funnel.pipeline(stage, amount, first_at, CASE WHEN stage IN ('paid', 'churned') THEN at END)
        FROM (SELECT DISTINCT ON (id) id, stage, amount, at, min(at) OVER (PARTITION BY id) AS first_at
              FROM bp_hist ORDER BY id, at DESC) last),
       (SELECT funnel.summary(j) FROM (SELECT funnel.journey(stage, at) j FROM bp_hist GROUP BY id) x),
       (SELECT funnel.journey(stage, at) FROM bp_hist WHERE id = 3),
       (SELECT funnel.pipeline_as_of('2025-01-06', changed_at, from_stage, to_stage, from_amount, amount)
        FROM bp_moves);
-- and the empty ones (no funnel type yet)
INSERT INTO bp_states
SELECT 'empty',
       '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}',
       '{"version":2,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}',
       '{"version":1,"type":"public.bp_stage","events":[]}',
       NULL;
SELECT name, p, s, j, f FROM bp_states ORDER BY name;

-- out: binary, and the text forms to compare with
SELECT pg_temp.try(format('COPY bp_states TO %L WITH (FORMAT binary)', pg_temp.state_file('bin'))) AS copy_binary;
SELECT pg_temp.try(format('COPY (SELECT name, p::text, s::text, j::text, f::text FROM bp_states) TO %L',
                          pg_temp.state_file('text'))) AS copy_text;

-- the binary forms name the type and the labels: send writes the portable form (first
-- byte 0xfe)
SELECT name,
       get_byte(funnel.pipeline_send(p), 0) = 254 AND get_byte(funnel.summary_send(s), 0) = 254
           AND get_byte(funnel.journey_send(j), 0) = 254 AS portable,
       position('\x0000000862705f7374616765'::bytea IN funnel.journey_send(j)) > 0 AS names_the_type,
       position('\x00000005747269616c'::bytea IN funnel.journey_send(j)) > 0 AS names_a_label
FROM bp_states ORDER BY name;
-- the OIDs of the funnel here, to compare with the other database's
SELECT pg_temp.try(format('COPY (SELECT enumlabel, oid FROM pg_enum WHERE enumtypid = %L::regtype) TO %L',
                          'bp_stage', pg_temp.state_file('oids'))) AS copy_oids;

-- a funnel only this database has, and one whose type is no enum in the other
SELECT funnel.create_funnel('bp_only_here', ARRAY['a', 'b']);
CREATE TYPE bp_not_enum AS ENUM ('a', 'b');
SELECT funnel.register_funnel('bp_not_enum', won => '{}', lost => '{}');
CREATE TABLE bp_odd (name text, p funnel.pipeline);
INSERT INTO bp_odd
SELECT 'only here', funnel.pipeline('a'::bp_only_here, 1, NULL, NULL)
UNION ALL SELECT 'not an enum there', funnel.pipeline('b'::bp_not_enum, 1, NULL, NULL)
UNION ALL SELECT 'a label missing there', funnel.pipeline(s, 1, NULL, NULL)
          FROM (VALUES ('trial'::bp_stage)) v(s);
SELECT pg_temp.try(format('COPY (SELECT p FROM bp_odd WHERE name = %L) TO %L WITH (FORMAT binary)',
                          n, pg_temp.state_file(replace(n, ' ', '_'))))
FROM (SELECT name FROM bp_odd ORDER BY name) x(n);

------------------------------------------------------------------------------
-- 2. Another database whose OIDs differ: the same funnel, built another way
------------------------------------------------------------------------------
DROP DATABASE IF EXISTS funnel_bp_other;
CREATE DATABASE funnel_bp_other;
\c funnel_bp_other
SET client_min_messages = warning;
SET timezone = 'UTC';
-- throwaway types first, so that every OID below differs from the first database's
CREATE TYPE bp_pad1 AS ENUM ('x', 'y', 'z');
CREATE TYPE bp_pad2 AS (a int, b text);
CREATE EXTENSION funnel;
\i sql/_helpers.sql
CREATE FUNCTION pg_temp.state_file(what text) RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/funnel_binary_portable_' || what || '.copy'
$$;
-- the labels made in another order: 'trial' and 'offer' added later, so their OIDs sort
-- after 'paid' (states write their stages in label-OID order: here another order)
CREATE TYPE bp_stage AS ENUM ('lead', 'paid', 'churned');
ALTER TYPE bp_stage ADD VALUE 'trial' BEFORE 'paid';
ALTER TYPE bp_stage ADD VALUE 'offer' BEFORE 'paid';
SELECT funnel.register_funnel('bp_stage', won => ARRAY['paid'], lost => ARRAY['churned']);
SELECT funnel.set_stage('offer'::bp_stage, probability => 0.6);
-- a hostile type of the same name earlier on search_path is never consulted
CREATE SCHEMA bp_evil;
CREATE TYPE bp_evil.bp_stage AS ENUM ('lead', 'trial', 'offer', 'paid', 'churned');
SET search_path = bp_evil, public;
-- a type that is no enum here; 'trial' missing from another funnel of the same name
CREATE TYPE public.bp_not_enum AS (a int);
CREATE SCHEMA bp_elsewhere;

CREATE TABLE public.bp_states (name text, p funnel.pipeline, s funnel.summary, j funnel.journey,
                               f funnel.pipeline_flow);
CREATE TABLE public.bp_ref (name text, p text, s text, j text, f text);
SELECT pg_temp.try(format('COPY public.bp_states FROM %L WITH (FORMAT binary)', pg_temp.state_file('bin'))) AS copy_binary;
SELECT pg_temp.try(format('COPY public.bp_ref FROM %L', pg_temp.state_file('text'))) AS copy_text;
-- the labels' OIDs differ from the first database's, and so does their order
CREATE TABLE public.bp_their_oids (label text, oid oid);
SELECT pg_temp.try(format('COPY public.bp_their_oids FROM %L', pg_temp.state_file('oids'))) AS copy_oids;
SELECT bool_and(t.oid <> e.oid) AS every_oid_differs,
       array_agg(t.label ORDER BY t.oid) <> array_agg(t.label ORDER BY e.oid) AS oid_order_differs
FROM public.bp_their_oids t JOIN pg_enum e ON e.enumtypid = 'public.bp_stage'::regtype AND e.enumlabel = t.label;
-- every value read in binary is the value its text form gives here, in every form
SELECT b.name,
       b.p::text = r.p::funnel.pipeline::text AS pipeline_same,
       b.s::text = r.s::funnel.summary::text AS summary_same,
       b.j::text = r.j::funnel.journey::text AS journey_same,
       b.f::text IS NOT DISTINCT FROM r.f::funnel.pipeline_flow::text AS flow_same,
       funnel.pipeline_send(b.p) = funnel.pipeline_send(r.p::funnel.pipeline)
           AND funnel.summary_send(b.s) = funnel.summary_send(r.s::funnel.summary)
           AND funnel.journey_send(b.j) = funnel.journey_send(r.j::funnel.journey) AS send_same,
       pg_temp.norm(b.p) = pg_temp.norm(r.p::funnel.pipeline) AS pipeline_norm_same
FROM public.bp_states b JOIN public.bp_ref r USING (name) ORDER BY b.name;
-- the figures: the same as in the first database
SELECT name, funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p), funnel.win_rate(p),
       funnel.avg_deal_size(p), funnel.open_value(p), funnel.weighted_value(p)
FROM public.bp_states ORDER BY name;
SELECT name, r.* FROM public.bp_states, funnel.stage_report(s) r WHERE name = 'all' ORDER BY r.position;
SELECT name, funnel.path(j), funnel.outcome(j), funnel.event_count(j) FROM public.bp_states ORDER BY name;
SELECT name, o.* FROM public.bp_states, funnel.open_stages(f) o WHERE f IS NOT NULL ORDER BY name, o.position;
-- the type is public.bp_stage, not bp_evil.bp_stage (first on search_path)
SELECT name, pg_typeof(p), p::text::jsonb->>'type' AS pipeline_type, j::text::jsonb->>'type' AS journey_type
FROM public.bp_states ORDER BY name;
-- what this database lacks: 22P03 naming it
CREATE TABLE public.bp_odd (p funnel.pipeline);
SELECT n, pg_temp.try(format('COPY public.bp_odd FROM %L WITH (FORMAT binary)', pg_temp.state_file(replace(n, ' ', '_'))))
FROM (VALUES ('only here'), ('not an enum there')) v(n) ORDER BY n;
-- a label missing: the funnel here lacks 'trial'
DROP TABLE public.bp_states;
SELECT funnel.drop_funnel('public.bp_stage');
DROP TYPE public.bp_stage;
CREATE TYPE public.bp_stage AS ENUM ('lead', 'offer', 'paid', 'churned');
SELECT pg_temp.try(format('COPY public.bp_odd FROM %L WITH (FORMAT binary)', pg_temp.state_file('a_label_missing_there'))) AS label_missing;
RESET search_path;

\c :regress_db
SET client_min_messages = warning;
SET timezone = 'UTC';
DROP DATABASE funnel_bp_other WITH (FORCE);
\i sql/_helpers.sql
CREATE FUNCTION pg_temp.state_file(what text) RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/funnel_binary_portable_' || what || '.copy'
$$;

------------------------------------------------------------------------------
-- 3. The OID forms send wrote before (1.0 and earlier 1.1 builds) still read
------------------------------------------------------------------------------
-- oid_form(b, type_at, label_at): the OID form of a portable form b: its body with the
-- type field (at byte offset type_at of the body) and the label fields (at byte offsets
-- label_at) replaced by the OIDs the dictionary's names have here
CREATE FUNCTION pg_temp.oid_form(b bytea, type_at int, label_at int[]) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    pos int := 3; len int; nsp text; typ text; typoid oid; n int; labels text[] := '{}';
    body bytea; i int; o int; idx int;
BEGIN
    IF get_byte(b, 0) <> 254 THEN RAISE EXCEPTION 'not a portable form'; END IF;
    IF get_byte(b, 2) = 1 THEN
        len := (get_byte(b, pos) << 24) | (get_byte(b, pos + 1) << 16) | (get_byte(b, pos + 2) << 8) | get_byte(b, pos + 3);
        nsp := convert_from(substring(b FROM pos + 5 FOR len), 'UTF8'); pos := pos + 4 + len;
        len := (get_byte(b, pos) << 24) | (get_byte(b, pos + 1) << 16) | (get_byte(b, pos + 2) << 8) | get_byte(b, pos + 3);
        typ := convert_from(substring(b FROM pos + 5 FOR len), 'UTF8'); pos := pos + 4 + len;
        typoid := format('%I.%I', nsp, typ)::regtype::oid;
    END IF;
    n := (get_byte(b, pos) << 24) | (get_byte(b, pos + 1) << 16) | (get_byte(b, pos + 2) << 8) | get_byte(b, pos + 3);
    pos := pos + 4;
    FOR i IN 1 .. n LOOP
        len := (get_byte(b, pos) << 24) | (get_byte(b, pos + 1) << 16) | (get_byte(b, pos + 2) << 8) | get_byte(b, pos + 3);
        labels := labels || convert_from(substring(b FROM pos + 5 FOR len), 'UTF8');
        pos := pos + 4 + len;
    END LOOP;
    body := substring(b FROM pos + 1);
    IF typoid IS NOT NULL THEN
        body := overlay(body PLACING pg_temp.u32(typoid::bigint) FROM type_at + 1 FOR 4);
    END IF;
    FOREACH o IN ARRAY label_at LOOP
        idx := (get_byte(body, o) << 24) | (get_byte(body, o + 1) << 16) | (get_byte(body, o + 2) << 8) | get_byte(body, o + 3);
        body := overlay(body PLACING pg_temp.u32((SELECT e.oid::bigint FROM pg_enum e
                                                  WHERE e.enumtypid = typoid AND e.enumlabel = labels[idx + 1]))
                        FROM o + 1 FOR 4);
    END LOOP;
    RETURN body;
END
$$;
CREATE TABLE bp_recv_p (p funnel.pipeline);
CREATE TABLE bp_recv_s (s funnel.summary);
CREATE TABLE bp_recv_j (j funnel.journey);
CREATE TABLE bp_recv_f (f funnel.pipeline_flow);
-- COPY one binary field into tbl: the text of the value read, or 'SQLSTATE: message'
CREATE FUNCTION pg_temp.recv(field bytea, tbl text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    BEGIN
        EXECUTE format('DELETE FROM %I', tbl);
        EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tbl, pg_temp.copy_path());
        EXECUTE format('SELECT string_agg(x::text, '','') FROM %I t(x)', tbl) INTO res;
        RETURN res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN st || ': ' || regexp_replace(msg, '\d{5,}', 'N', 'g');
    END;
END
$$;
-- a pipeline of one stage (type at byte 1 of the body, its label at 17), a journey (type
-- at 1, labels at 9 + 12k), a flow as of a moment with one entry (type at 3, label at
-- 132), a summary of one entity of a three-stage funnel (type at 1, definition labels at
-- 41, 46, 51; its one stage at 60)
SELECT funnel.create_funnel('bp_three', ARRAY['a', 'b', 'c'], won => ARRAY['c']);
CREATE TABLE bp_old AS
SELECT funnel.pipeline('b'::bp_three, 5, NULL, NULL) AS p,
       (SELECT funnel.summary(x.j) FROM (SELECT funnel.journey('a'::bp_three, '2025-01-01'::timestamptz) j) x) AS s,
       (SELECT funnel.journey(s, t) FROM (VALUES ('a'::bp_three, '2025-01-01'::timestamptz), ('b', '2025-01-02'),
                                              ('a', '2025-01-03')) v(s, t)) AS j,
       (SELECT funnel.pipeline_as_of('2025-01-02', '2025-01-01', NULL::bp_three, 'b'::bp_three)) AS f;
SELECT pg_temp.recv(pg_temp.oid_form(funnel.pipeline_send(p), 1, '{17}'), 'bp_recv_p') = p::text AS pipeline_oid_form,
       pg_temp.recv(pg_temp.oid_form(funnel.summary_send(s), 1, '{41,46,51,60}'), 'bp_recv_s') = s::text AS summary_oid_form,
       pg_temp.recv(pg_temp.oid_form(funnel.journey_send(j), 1, '{9,21,33}'), 'bp_recv_j') = j::text AS journey_oid_form,
       pg_temp.recv(pg_temp.oid_form(funnel.pipeline_flow_send(f), 3, '{132}'), 'bp_recv_f') = f::text AS flow_oid_form
FROM bp_old;
-- the OID form of the journey is the one journey_io.sql's builder writes
SELECT encode(pg_temp.oid_form(funnel.journey_send(j), 1, '{9,21,33}'), 'hex')
       = encode(pg_temp.u8(1) || pg_temp.u32('bp_three'::regtype::oid::bigint) || pg_temp.u32(3)
                || (SELECT string_agg(pg_temp.u32(e.oid::bigint) || int8send(((extract(epoch FROM t) - 946684800) * 1000000)::bigint),
                                      ''::bytea ORDER BY t)
                    FROM (VALUES ('a', '2025-01-01'::timestamptz), ('b', '2025-01-02'), ('a', '2025-01-03')) v(l, t)
                    JOIN pg_enum e ON e.enumtypid = 'bp_three'::regtype AND e.enumlabel = v.l), 'hex') AS journey_builder_same
FROM bp_old;
-- 1.0's summary (version 1: no definition) in its OID form
SELECT pg_temp.recv(pg_temp.u8(1) || pg_temp.u32('bp_three'::regtype::oid::bigint)
                    || int8send(1) || int8send(0) || int8send(0) || pg_temp.u32(0)
                    -- the cycle sketch: u32 length | u8 version | u8 mode (exact) | u64 n | f64 min, max
                    || pg_temp.u32(26) || '\x0100'::bytea || int8send(0) || float8send(0) || float8send(0),
                    'bp_recv_s') AS summary_v1;
-- the portable form: unknown format version, a stage index beyond the names, names twice
SELECT c, pg_temp.recv(b, 'bp_recv_j') AS result
FROM bp_old, LATERAL (SELECT funnel.journey_send(j) AS b0) x, LATERAL (VALUES
    ('valid', b0),
    ('format version 2', overlay(b0 PLACING '\x02'::bytea FROM 2 FOR 1)),
    ('type flag 2', overlay(b0 PLACING '\x02'::bytea FROM 3 FOR 1)),
    ('a schema that does not exist', overlay(b0 PLACING 'xublic'::bytea FROM 8 FOR 6)),
    ('a stage index beyond the names', substring(b0 FROM 1 FOR length(b0) - 12) || pg_temp.u32(7) || int8send(0)),
    ('the type field 2', overlay(b0 PLACING pg_temp.u32(2) FROM length(b0) - 12 * 3 - 7 FOR 4)),
    ('cut in the names', substring(b0 FROM 1 FOR 30))
) v(c, b) ORDER BY c;
DROP TABLE bp_old, bp_recv_p, bp_recv_s, bp_recv_j, bp_recv_f;
SELECT funnel.drop_funnel('bp_three');

------------------------------------------------------------------------------
-- 4. A journey's unfinished state travels whole: merged after a text or binary
--    round trip it gives what one pass gives
------------------------------------------------------------------------------
-- the journey aggregate without its final function: its state as the workers ship it
CREATE AGGREGATE bp_journey_state(anyenum, timestamptz) (
    SFUNC = funnel.journey_transfn, STYPE = funnel.journey, COMBINEFUNC = funnel.journey_combine);
-- partial states merged, then finished: what the coordinator does
CREATE AGGREGATE bp_journey_merge(funnel.journey) (
    SFUNC = funnel.journey_combine, STYPE = funnel.journey, FINALFUNC = funnel.journey_final);
-- entity 3 went lead, trial, lead, trial: split so that one part holds both leads and
-- the other both trials, each part repeats its stage
CREATE TABLE bp_parts AS
SELECT stage = 'lead' AS part, bp_journey_state(stage, at) AS j
FROM bp_hist WHERE id = 3 GROUP BY stage = 'lead';
-- each part's text keeps its repeats, in journey order
SELECT part, j FROM bp_parts ORDER BY part;
SELECT part, funnel.event_count(j), funnel.path(j) FROM bp_parts ORDER BY part;
-- merged after a text round trip, after a binary round trip, and in one pass
SELECT (SELECT bp_journey_merge(j::text::funnel.journey) FROM bp_parts)::text AS via_text;
SELECT pg_temp.try(format('COPY bp_parts TO %L WITH (FORMAT binary)', pg_temp.state_file('parts'))) AS copy_out;
CREATE TABLE bp_parts_bin (LIKE bp_parts);
SELECT pg_temp.try(format('COPY bp_parts_bin FROM %L WITH (FORMAT binary)', pg_temp.state_file('parts'))) AS copy_in;
SELECT (SELECT bp_journey_merge(j) FROM bp_parts_bin)::text
       = (SELECT funnel.journey(stage, at) FROM bp_hist WHERE id = 3)::text AS via_binary_same,
       (SELECT bp_journey_merge(j::text::funnel.journey) FROM bp_parts)::text
       = (SELECT funnel.journey(stage, at) FROM bp_hist WHERE id = 3)::text AS via_text_same,
       (SELECT funnel.path(bp_journey_merge(j)) FROM bp_parts_bin) AS path;
-- a value read with repeats means what the aggregate's result means: every accessor
-- and funnel.summary drop them (and the text of a finished journey has none)
CREATE TABLE bp_rep AS
SELECT '{"version":1,"type":"public.bp_stage","events":[["lead","2025-01-01"],["lead","2025-01-02"],["trial","2025-01-03"],["trial","2025-01-03"],["paid","2025-01-05"]]}'::funnel.journey AS r,
       '{"version":1,"type":"public.bp_stage","events":[["lead","2025-01-01"],["trial","2025-01-03"],["paid","2025-01-05"]]}'::funnel.journey AS n;
SELECT funnel.event_count(r) = funnel.event_count(n) AS event_count,
       funnel.path(r) = funnel.path(n) AS path,
       funnel.entries(r, 'lead'::bp_stage) = funnel.entries(n, 'lead'::bp_stage) AS entries,
       funnel.time_in_stage(r, 'lead'::bp_stage, '2025-02-01') = funnel.time_in_stage(n, 'lead'::bp_stage, '2025-02-01') AS time_in_stage,
       funnel.exited_at(r, 'lead'::bp_stage) = funnel.exited_at(n, 'lead'::bp_stage) AS exited_at,
       funnel.cycle_length(r) = funnel.cycle_length(n) AS cycle_length,
       (SELECT funnel.summary(x) FROM (VALUES (r)) v(x))::text = (SELECT funnel.summary(x) FROM (VALUES (n)) v(x))::text AS summary,
       funnel.journey_final(r)::text = n::text AS final
FROM bp_rep;
SELECT r FROM bp_rep;
DROP TABLE bp_parts, bp_parts_bin, bp_rep;
DROP AGGREGATE bp_journey_state(anyenum, timestamptz);
DROP AGGREGATE bp_journey_merge(funnel.journey);

------------------------------------------------------------------------------
-- 5. window_funnel_times over a bigint clock returns bigint[] whoever calls its final
--    function (the declared result type, not the call's expression); the event
--    aggregates have transition functions of their own, so a caller without an
--    Aggref (Citus) can tell them apart by the function called
------------------------------------------------------------------------------
CREATE AGGREGATE bp_wf_state(bigint, bigint, boolean, boolean) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events);
CREATE TABLE bp_wf AS
SELECT bp_wf_state(10, t, e = 'a', e = 'b') AS st
FROM (VALUES (1::bigint, 'a'), (4, 'b'), (20, 'a')) v(t, e);
SELECT funnel.window_funnel_times_bigint_final(st) AS bigint_final,
       pg_typeof(funnel.window_funnel_times_bigint_final(st)),
       (funnel.window_funnel_times_bigint_final(st))[2] + 0 AS second_step,
       funnel.window_funnel_times_final(st) AS interval_final
FROM bp_wf;
SELECT funnel.window_funnel_times(10, t, e = 'a', e = 'b') AS aggregate
FROM (VALUES (1::bigint, 'a'), (4, 'b'), (20, 'a')) v(t, e);
DROP TABLE bp_wf;
DROP AGGREGATE bp_wf_state(bigint, bigint, boolean, boolean);
SELECT a.aggfnoid::regproc::text AS aggregate, a.aggtransfn::regproc::text AS transition_function, count(*)
FROM pg_aggregate a JOIN pg_depend d ON d.objid = a.aggfnoid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
WHERE a.aggfnoid::regproc::text ~ '^funnel\.(window_funnel|sequence_)'
GROUP BY 1, 2 ORDER BY 1, 2;
-- each names itself in its messages
SELECT pg_temp.try($$SELECT funnel.window_funnel_times(-1, 1::bigint, true), funnel.window_funnel(-1, 1::bigint, true)$$) AS times_first,
       pg_temp.try($$SELECT funnel.window_funnel(-1, 1::bigint, true), funnel.window_funnel_times(-1, 1::bigint, true)$$) AS funnel_first,
       pg_temp.try($$SELECT funnel.sequence_count('(?1)', 1::bigint, VARIADIC array_fill(true, ARRAY[33]))$$) AS sequence_count;

DROP TABLE bp_states, bp_hist, bp_moves, bp_odd;
SELECT funnel.drop_funnel('bp_stage');
SELECT funnel.drop_funnel('bp_only_here');
SELECT funnel.drop_funnel('bp_not_enum');
DROP TYPE bp_not_enum;
