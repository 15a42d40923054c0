-- journey_io.sql: the text (JSON) and binary forms of funnel.journey.
-- Round trips: j::text::funnel.journey::text = j::text and every accessor equal,
-- binary COPY out and back in, for journeys of the shipped funnel and of a funnel
-- whose type name and labels need quoting and escaping, with microseconds, BC
-- and far-future times.  Validation: text input raises 22P02 for malformed JSON,
-- unknown types and labels, malformed times and clock-dependent ones ('now',
-- 'today', ...), unsorted events, repeated stages and infinite times;
-- binary input (COPY ... WITH (FORMAT binary), which calls journey_recv) 22P03
-- for bad headers, counts, labels and order -- never a crash.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';

-- Runs a statement: 'ok' or 'SQLSTATE: message'.
\i sql/_helpers.sql
-- A text literal cast to funnel.journey: its text form again, or 'SQLSTATE: message'.
CREATE FUNCTION pg_temp.jin(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; r text;
BEGIN
    r := t::funnel.journey::text;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;

------------------------------------------------------------------------------
-- 1. Journeys to round-trip
------------------------------------------------------------------------------
-- a funnel whose type name and labels need quoting and escaping
CREATE TYPE "jio ""q"" stage" AS ENUM ('new lead', 'won "big"', 'lost/closed', 'naïve\ü', '');
SELECT funnel.register_funnel('"jio ""q"" stage"', won => ARRAY['won "big"'], lost => ARRAY['lost/closed']);

CREATE TABLE jio_j (name text PRIMARY KEY, j funnel.journey);
INSERT INTO jio_j
SELECT name, funnel.journey(s::funnel.sales_stage, at::timestamptz)
FROM (VALUES
    ('revisit', 'lead', '2024-01-01 00:00:00.123456+00'), ('revisit', 'qualified', '2024-01-03 10:00+00'),
    ('revisit', 'lead', '2024-01-05 00:00+05:30'), ('revisit', 'proposal', '2024-01-10 23:59:59.999999+00'),
    ('revisit', 'closed_won', '2024-02-01 00:00+00'),
    ('ties', 'closed_lost', '2024-03-01 00:00+00'), ('ties', 'lead', '2024-03-01 00:00+00'),
    ('ties', 'negotiation', '2024-03-01 00:00+00'),
    ('one', 'proposal', '2024-04-01 12:00+00'),
    ('bc and far future', 'lead', '4713-01-01 00:00:00+00 BC'), ('bc and far future', 'qualified', '0001-12-31 23:59:59.5+00 BC'),
    ('bc and far future', 'proposal', '0001-01-01 00:00+00'), ('bc and far future', 'closed_lost', '294276-12-31 23:59:59.999999+00')
) v(name, s, at)
GROUP BY name;
INSERT INTO jio_j
SELECT 'quoted funnel', funnel.journey(s, '2024-05-01'::timestamptz + o * interval '1 day')
FROM unnest(enum_range(NULL::"jio ""q"" stage")) WITH ORDINALITY u(s, o);
INSERT INTO jio_j
SELECT 'long', funnel.journey(CASE WHEN g % 3 = 0 THEN 'lead' WHEN g % 3 = 1 THEN 'qualified' ELSE 'proposal' END::funnel.sales_stage,
                              '2024-06-01'::timestamptz + g * interval '17 minutes 0.25 seconds')
FROM generate_series(1, 300) g;
-- an empty journey: only the text form can give one
INSERT INTO jio_j VALUES ('empty', '{"version":1,"type":"funnel.sales_stage","events":[]}');

-- The text form: JSON with the qualified type name and stage labels, times in UTC with
-- microseconds (the +05:30 input is shown in UTC; BC years are marked)
SELECT name, j FROM jio_j WHERE name <> 'long' ORDER BY name;
SELECT length(j::text) AS long_length, funnel.event_count(j) FROM jio_j WHERE name = 'long';

------------------------------------------------------------------------------
-- 2. Round trips
------------------------------------------------------------------------------
-- A time accessor's figure: the query's value (as text), or its error when the span
-- does not fit an interval (22008): then the error is the figure, and the other
-- accessors of the journey are still compared.
CREATE FUNCTION pg_temp.time_figure(q text, j funnel.journey) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE q INTO r USING j;
    RETURN r;
EXCEPTION WHEN datetime_field_overflow THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- every accessor, for every stage of the journey's funnel, as one text
CREATE FUNCTION pg_temp.figures(j funnel.journey) RETURNS text LANGUAGE plpgsql AS $$
DECLARE typ text := (j::text)::jsonb->>'type'; r text;
BEGIN
    EXECUTE format($q$
        SELECT ROW(funnel.path($1), funnel.event_count($1), funnel.outcome($1), funnel.furthest_stage($1),
                   pg_temp.time_figure('SELECT funnel.cycle_length($1)::text', $1),
                   funnel.stage_at($1, '2024-01-04'), funnel.stage_at($1, '2024-06-02'),
                   (SELECT array_agg(ROW(s, funnel.reached($1, s), funnel.entered($1, s), funnel.entries($1, s),
                                         funnel.entered_at($1, s), funnel.exited_at($1, s),
                                         pg_temp.time_figure(format('SELECT funnel.time_in_stage($1, %%L::%1$s, %%L)::text', s, '2025-01-01'), $1),
                                         pg_temp.time_figure(format('SELECT funnel.latest_time_in_stage($1, %%L::%1$s, %%L)::text', s, '2025-01-01'), $1)) ORDER BY s)
                    FROM unnest(enum_range(NULL::%1$s)) s))::text$q$, typ)
    INTO r USING j;
    RETURN r;
END
$$;
-- binary COPY out and back in
SELECT pg_temp.try(format('COPY jio_j TO %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_journey_io.copy')) AS copy_out;
CREATE TABLE jio_j_bin (LIKE jio_j);
SELECT pg_temp.try(format('COPY jio_j_bin FROM %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_journey_io.copy')) AS copy_in;
SELECT s.name,
       s.j::text::funnel.journey::text = s.j::text AS text_same,
       pg_temp.figures(s.j::text::funnel.journey) = pg_temp.figures(s.j) AS text_figures_same,
       s.j::text::jsonb::text::funnel.journey::text = s.j::text AS via_jsonb_same,
       b.j::text = s.j::text AS binary_same,
       pg_temp.figures(b.j) = pg_temp.figures(s.j) AS binary_figures_same,
       funnel.journey_send(s.j::text::funnel.journey) = funnel.journey_send(s.j) AS send_same
FROM jio_j s LEFT JOIN jio_j_bin b USING (name)
ORDER BY s.name;
-- the figures are there: the empty journey has none (outcome NULL, path {}, reached
-- nothing, stage_at NULL, 0 events)
SELECT name, pg_temp.figures(j) FROM jio_j WHERE name IN ('empty', 'one', 'ties') ORDER BY name;
-- lead 4713 BC .. closed_lost 294276 AD: the cycle is longer than an interval can
-- hold (2^63 microseconds), so cycle_length raises 22008 "interval out of range" in
-- the figures above and here, never a wrapped figure.  Counted up to as_of
-- 2025-01-01 every visit fits (proposal 0001-01-01 .. 2025-01-01: 739251 days;
-- closed_lost, entered after as_of: 0, latest NULL); up to the end of the range,
-- proposal's visit (0001-01-01 .. 294276-12-31) does not: 22008.  Its summary
-- raises 22008 too.
SELECT c, pg_temp.time_figure(q, j) AS result
FROM jio_j, (VALUES
    (1, 'cycle_length', 'SELECT funnel.cycle_length($1)::text'),
    (2, 'time_in_stage proposal, as_of 2025', $$SELECT funnel.time_in_stage($1, 'proposal'::funnel.sales_stage, '2025-01-01')::text$$),
    (3, 'latest_time_in_stage proposal, as_of 2025', $$SELECT funnel.latest_time_in_stage($1, 'proposal'::funnel.sales_stage, '2025-01-01')::text$$),
    (4, 'time_in_stage closed_lost, as_of 2025', $$SELECT funnel.time_in_stage($1, 'closed_lost'::funnel.sales_stage, '2025-01-01')::text$$),
    (5, 'latest_time_in_stage closed_lost, as_of 2025', $$SELECT funnel.latest_time_in_stage($1, 'closed_lost'::funnel.sales_stage, '2025-01-01')::text$$),
    (6, 'time_in_stage proposal, as_of 294276', $$SELECT funnel.time_in_stage($1, 'proposal'::funnel.sales_stage, '294276-12-31 23:59:59.999999')::text$$),
    (7, 'latest_time_in_stage proposal, as_of 294276', $$SELECT funnel.latest_time_in_stage($1, 'proposal'::funnel.sales_stage, '294276-12-31 23:59:59.999999')::text$$),
    (8, 'summary', 'SELECT funnel.summary($1)::text')
) v(o, c, q)
WHERE name = 'bc and far future' ORDER BY o;
-- a journey read back from its text form is a finished journey: it summarizes, and
-- equals the aggregate's value in the summary too (the far-future journey has no
-- summary: 22008 above)
SELECT funnel.summary(j::text::funnel.journey)::text = funnel.summary(j)::text AS summary_same
FROM jio_j WHERE name NOT IN ('quoted funnel', 'bc and far future');

------------------------------------------------------------------------------
-- 3. Text input: what is accepted
------------------------------------------------------------------------------
SELECT c, pg_temp.jin(t) AS result FROM (VALUES
    ('keys in another order, spaces, extra key', '{ "events" : [ ["lead", "2024-01-01 00:00:00+00"] ], "type": "funnel.sales_stage", "version": 1, "note": "x" }'),
    ('time without a zone: session time zone (UTC)', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01 10:00"]]}'),
    ('time with an offset: shown in UTC', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01 10:00-08"]]}'),
    ('ISO 8601 with T', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01T10:00:00.5Z"]]}'),
    ('unqualified type name (search_path)', '{"version":1,"type":"\"jio \"\"q\"\" stage\"","events":[]}'),
    ('equal times in funnel order', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01"],["qualified","2024-01-01"],["closed_lost","2024-01-01"]]}'),
    ('a stage again after another one', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01"],["qualified","2024-01-02"],["lead","2024-01-03"]]}'),
    ('quoted type', '{"version":1,"type":"public.\"jio \"\"q\"\" stage\"","events":[["",  "2024-01-01"],["won \"big\"", "2024-01-02"]]}'),
    ('empty', '{"version":1,"type":"funnel.marketing_stage","events":[]}')
) v(c, t);

------------------------------------------------------------------------------
-- 4. Text input validation: 22P02
------------------------------------------------------------------------------
SELECT c, pg_temp.jin(t) AS result FROM (VALUES
    ('not JSON', 'lead,2024-01-01'),
    ('empty string', ''),
    ('JSON array', '[]'),
    ('JSON string', '"x"'),
    ('empty object', '{}'),
    ('version 2', '{"version":2,"type":"funnel.sales_stage","events":[]}'),
    ('version 0', '{"version":0,"type":"funnel.sales_stage","events":[]}'),
    ('version as a string', '{"version":"1","type":"funnel.sales_stage","events":[]}'),
    ('version 1.5', '{"version":1.5,"type":"funnel.sales_stage","events":[]}'),
    ('version 1.0 (not an integer literal)', '{"version":1.0,"type":"funnel.sales_stage","events":[]}'),
    ('version null', '{"version":null,"type":"funnel.sales_stage","events":[]}'),
    ('no type', '{"version":1,"events":[]}'),
    ('type null', '{"version":1,"type":null,"events":[]}'),
    ('type a number', '{"version":1,"type":42,"events":[]}'),
    ('type unknown', '{"version":1,"type":"funnel.no_such_stage","events":[]}'),
    ('type in an unknown schema', '{"version":1,"type":"nowhere.sales_stage","events":[]}'),
    ('type name with three parts', '{"version":1,"type":"a.b.c","events":[]}'),
    ('type name malformed', '{"version":1,"type":"\"funnel","events":[]}'),
    ('type not an enum', '{"version":1,"type":"pg_catalog.int4","events":[]}'),
    ('no events', '{"version":1,"type":"funnel.sales_stage"}'),
    ('events an object', '{"version":1,"type":"funnel.sales_stage","events":{}}'),
    ('events null', '{"version":1,"type":"funnel.sales_stage","events":null}'),
    ('event not an array', '{"version":1,"type":"funnel.sales_stage","events":["lead"]}'),
    ('event with one element', '{"version":1,"type":"funnel.sales_stage","events":[["lead"]]}'),
    ('event with three elements', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01",1]]}'),
    ('event as an object', '{"version":1,"type":"funnel.sales_stage","events":[{"stage":"lead","at":"2024-01-01"}]}'),
    ('stage a number', '{"version":1,"type":"funnel.sales_stage","events":[[1,"2024-01-01"]]}'),
    ('stage null', '{"version":1,"type":"funnel.sales_stage","events":[[null,"2024-01-01"]]}'),
    ('stage unknown', '{"version":1,"type":"funnel.sales_stage","events":[["won","2024-01-01"]]}'),
    ('stage of another funnel', '{"version":1,"type":"funnel.sales_stage","events":[["awareness","2024-01-01"]]}'),
    ('stage label case differs', '{"version":1,"type":"funnel.sales_stage","events":[["Lead","2024-01-01"]]}'),
    ('stage longer than a name', '{"version":1,"type":"funnel.sales_stage","events":[["' || repeat('x', 100) || '","2024-01-01"]]}'),
    ('time a number', '{"version":1,"type":"funnel.sales_stage","events":[["lead",1704067200]]}'),
    ('time null', '{"version":1,"type":"funnel.sales_stage","events":[["lead",null]]}'),
    ('time infinity', '{"version":1,"type":"funnel.sales_stage","events":[["lead","infinity"]]}'),
    ('time -infinity', '{"version":1,"type":"funnel.sales_stage","events":[["lead","-infinity"]]}'),
    ('times not in order', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-02"],["qualified","2024-01-01"]]}'),
    ('equal times out of funnel order', '{"version":1,"type":"funnel.sales_stage","events":[["qualified","2024-01-01"],["lead","2024-01-01"]]}'),
    ('equal times, won before lost reversed', '{"version":1,"type":"funnel.sales_stage","events":[["closed_lost","2024-01-01"],["closed_won","2024-01-01"]]}'),
    ('a stage repeated', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01"],["lead","2024-01-02"]]}'),
    ('a stage repeated at the same time', '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01"],["lead","2024-01-01"]]}'),
    ('trailing garbage', '{"version":1,"type":"funnel.sales_stage","events":[]} x')
) v(c, t);
-- event times: what timestamptz input takes, but malformed or out of range is 22P02
-- (timestamptz_in would say 22007 or 22008), and the words whose instant depends on
-- the clock are refused (one text must always give one value); 'epoch' is a fixed
-- instant; a time without a zone is read in the session's TimeZone (UTC here)
SELECT c, pg_temp.jin('{"version":1,"type":"funnel.sales_stage","events":[["lead",' || to_json(t)::text || ']]}') AS result
FROM (VALUES
    ('not a time', 'yesterday-ish'),
    ('a word the date parser refuses', '2024-01-01 10:00 foo'),
    ('month 13', '2024-13-01'),
    ('an unknown time zone name', '2024-01-01 10:00 Mars/Olympus'),
    ('empty', ''),
    ('after the range', '294277-01-01 00:00+00'),
    ('before the range', '4714-11-23 23:59:59+00 BC'),
    ('now', 'now'),
    ('today, in capitals and spaces', ' TODAY '),
    ('tomorrow with a time', 'tomorrow 10:00'),
    ('yesterday', 'yesterday'),
    ('epoch', 'epoch'),
    ('the first instant of the range', '4714-11-24 00:00+00 BC'),
    ('a named zone', '2024-07-01 10:00 Europe/Paris'),
    ('an offset', '2024-01-01 10:00:00.5-03:30'),
    ('no zone', '2024-01-01 10:00')
) v(c, t);
-- an enum that is not (yet) a registered funnel: read, as a restore must (it loads a
-- schema sorting before "funnel" ahead of the definitions); using it needs the funnel
CREATE TYPE jio_plain AS ENUM ('a', 'b');
SELECT pg_temp.jin('{"version":1,"type":"public.jio_plain","events":[["a","2024-01-01"]]}') AS not_a_funnel;

------------------------------------------------------------------------------
-- 5. Binary input validation: 22P03
------------------------------------------------------------------------------
-- The binary form (see src/journey.c), all integers big-endian:
--   u8 version | u32 stage type OID | u32 n | n x (u32 label OID | i64 time, microseconds
--   since 2000-01-01 UTC)
CREATE FUNCTION pg_temp.label(typ regtype, l text) RETURNS bigint LANGUAGE sql AS $$
    SELECT oid::bigint FROM pg_enum WHERE enumtypid = typ AND enumlabel = l
$$;
CREATE FUNCTION pg_temp.us(t timestamptz) RETURNS bigint LANGUAGE sql AS $$
    SELECT ((extract(epoch FROM t) - 946684800) * 1000000)::bigint
$$;
-- one event: [label, time] of funnel.sales_stage, or [label OID, microseconds]
CREATE FUNCTION pg_temp.ev(e jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u32(CASE WHEN jsonb_typeof(e->0) = 'number' THEN (e->>0)::bigint
                            ELSE pg_temp.label('funnel.sales_stage', e->>0) END)
        || int8send(CASE WHEN jsonb_typeof(e->1) = 'number' THEN (e->>1)::bigint
                         ELSE pg_temp.us((e->>1)::timestamptz) END)
$$;
-- the binary form of a journey given as its JSON text form; "type_oid", "n" and
-- "version" override
CREATE FUNCTION pg_temp.jbin(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u8(coalesce((j->>'version')::bigint, 1))
        || pg_temp.u32(coalesce((j->>'type_oid')::bigint, (j->>'type')::regtype::oid::bigint))
        || pg_temp.u32(coalesce((j->>'n')::bigint, jsonb_array_length(j->'events')))
        || coalesce((SELECT string_agg(pg_temp.ev(e), ''::bytea ORDER BY o)
                     FROM jsonb_array_elements(j->'events') WITH ORDINALITY a(e, o)), '')
$$;

-- Binary input goes through COPY ... FROM a file WITH (FORMAT binary): the file is
-- written with lo_export (server side), one row of one column.
CREATE TEMP TABLE jio_recv (j funnel.journey);
-- COPY one value in: 'ok <text of the value>' or 'SQLSTATE: message' (OIDs shown as N)
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    BEGIN
        DELETE FROM jio_recv;
        EXECUTE format('COPY jio_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
        SELECT string_agg(j::text, ',') INTO res FROM jio_recv;
        RETURN 'ok ' || res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN st || ': ' || regexp_replace(msg, '\d{5,}', 'N', 'g');
    END;
END
$$;

-- a valid journey: lead 01-01, qualified 01-02 12:00, closed_won 01-05
CREATE TEMP TABLE jio_base AS SELECT '{"version":1,"type":"funnel.sales_stage","events":[["lead","2024-01-01 00:00:00.000000+00"],["qualified","2024-01-02 12:00:00.000000+00"],["closed_won","2024-01-05 00:00:00.000000+00"]]}'::jsonb AS j;
-- the builder writes the OID form (journey_send's before 1.1 made it portable, which recv
-- still reads; see binary_portable.sql): recv reads it as the value journey_send's form is
SELECT pg_temp.recv(pg_temp.jbin(j)) = pg_temp.recv(funnel.journey_send(j::text::funnel.journey)) AS builder_same FROM jio_base;
SELECT name, pg_temp.recv(pg_temp.jbin(j::text::jsonb)) = pg_temp.recv(funnel.journey_send(j)) AS builder_same
FROM jio_j WHERE name IN ('revisit', 'ties', 'empty', 'long') ORDER BY name;

SELECT c, pg_temp.recv(b) AS result
FROM jio_base, LATERAL (VALUES
    ('valid', pg_temp.jbin(j)),
    ('valid: empty', pg_temp.jbin(jsonb_set(j, '{events}', '[]'))),
    ('valid: equal times in funnel order', pg_temp.jbin(jsonb_set(j, '{events}', '[["lead","2024-01-01"],["qualified","2024-01-01"],["closed_won","2024-01-01"]]'))),
    ('empty bytes', ''::bytea),
    ('8 bytes: header cut', substring(pg_temp.jbin(j) FROM 1 FOR 8)),
    ('version 0', pg_temp.jbin(j || '{"version":0}')),
    ('version 2', pg_temp.jbin(j || '{"version":2}')),
    ('type not an enum (int4)', pg_temp.jbin(j || '{"type_oid":23}')),
    ('type an unused OID', pg_temp.jbin(j || '{"type_oid":4000000000}')),
    ('type OID 0', pg_temp.jbin(j || '{"type_oid":0}')),
    ('type another funnel', pg_temp.jbin(j || jsonb_build_object('type_oid', 'funnel.marketing_stage'::regtype::oid))),
    ('count above the events', pg_temp.jbin(j || '{"n":4}')),
    ('count below the events (trailing bytes)', pg_temp.jbin(j || '{"n":2}')),
    ('count 2^31 - 1', pg_temp.jbin(j || '{"n":2147483647}')),
    ('count 2^32 - 1', pg_temp.jbin(j || '{"n":4294967295}')),
    -- a journey holds at most 67108862 events (its value fills one 1 GB allocation): a
    -- larger count is refused before the events are read or anything is allocated
    ('count at the limit (67108862), events missing', pg_temp.jbin(j || '{"n":67108862}')),
    ('count above the limit (67108863)', pg_temp.jbin(j || '{"n":67108863}')),
    ('count 64 Mi (more than 1 GB of events)', pg_temp.jbin(j || '{"n":67108864}')),
    ('event cut short', substring(pg_temp.jbin(j) FROM 1 FOR length(pg_temp.jbin(j)) - 1)),
    ('a trailing byte', pg_temp.jbin(j || '{"n":3}') || '\x00'::bytea),
    ('label OID 0', pg_temp.jbin(jsonb_set(j, '{events,0,0}', '0'))),
    ('label an unused OID', pg_temp.jbin(jsonb_set(j, '{events,0,0}', '4000000000'))),
    ('label of another funnel', pg_temp.jbin(jsonb_set(j, '{events,0,0}', to_jsonb(pg_temp.label('funnel.marketing_stage', 'awareness'))))),
    ('label a type OID', pg_temp.jbin(jsonb_set(j, '{events,0,0}', '23'))),
    ('times not in order', pg_temp.jbin(jsonb_set(j, '{events,1,1}', '"2023-12-31"'))),
    ('equal times out of funnel order', pg_temp.jbin(jsonb_set(j, '{events}', '[["qualified","2024-01-01"],["lead","2024-01-01"]]'))),
    ('a stage repeated', pg_temp.jbin(jsonb_set(j, '{events,1,0}', '"lead"'))),
    ('a stage repeated at the same time', pg_temp.jbin(jsonb_set(j, '{events}', '[["lead","2024-01-01"],["lead","2024-01-01"]]'))),
    ('time +infinity', pg_temp.jbin(jsonb_set(j, '{events,2,1}', '9223372036854775807'))),
    ('time -infinity', pg_temp.jbin(jsonb_set(j, '{events,0,1}', '-9223372036854775808'))),
    ('time at the end of the range (294276-12-31 23:59:59.999999)', pg_temp.jbin(jsonb_set(j, '{events,2,1}', '9223371331199999999'))),
    ('time at the start of the range (4714-11-24 BC)', pg_temp.jbin(jsonb_set(j, '{events,0,1}', '-211813488000000000')))
) v(c, b)
ORDER BY c;
-- the limit in the message (the results above show numbers as N)
SELECT pg_temp.write_file(pg_temp.copy_file(pg_temp.jbin(j || '{"n":67108863}'))) FROM jio_base;
SELECT pg_temp.try(format('COPY jio_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path())) AS above_the_limit;
-- finite times outside PostgreSQL's timestamp range (4714-11-24 BC .. 294276 AD) are
-- not valid values either: 22P03 like timestamptz_recv's range check
SELECT c, pg_temp.recv(b) AS result
FROM jio_base, LATERAL (VALUES
    ('time just after the range (294277-01-01)', pg_temp.jbin(jsonb_set(j, '{events,2,1}', '9223371331200000000'))),
    ('time just before the range', pg_temp.jbin(jsonb_set(j, '{events,0,1}', '-211813488000000001'))),
    ('time 2^63 - 2 microseconds', pg_temp.jbin(jsonb_set(j, '{events,2,1}', '9223372036854775806'))),
    ('time -2^63 + 1 microseconds', pg_temp.jbin(jsonb_set(j, '{events,0,1}', '-9223372036854775807')))
) v(c, b)
ORDER BY c;
-- an enum that is not (yet) a registered funnel: read too
SELECT pg_temp.recv(pg_temp.u8(1) || pg_temp.u32('jio_plain'::regtype::oid::bigint) || pg_temp.u32(0)) AS not_a_funnel;

-- random bytes after a valid header never crash: 22P03 or ok, nothing else
SELECT setseed(0.5);
SELECT count(*) AS cases,
       count(*) FILTER (WHERE r LIKE 'ok%' OR r LIKE '22P03:%' OR r LIKE '22P04:%') AS ok_or_22p03
FROM (SELECT pg_temp.recv(pg_temp.u8(1) || pg_temp.u32('funnel.sales_stage'::regtype::oid::bigint)
                          || pg_temp.u32(n) || (SELECT string_agg(CASE WHEN random() < 0.5
                                                                       THEN pg_temp.u32(pg_temp.label('funnel.sales_stage',
                                                                            (enum_range(NULL::funnel.sales_stage))[1 + floor(random() * 6)::int]::text))
                                                                       ELSE pg_temp.u32(floor(random() * 4294967296)::bigint) END
                                                                  || int8send(floor(random() * 2e15)::bigint - 1e15::bigint), ''::bytea)
                                                FROM generate_series(1, n + (k % 3) - 1) WHERE k > 0)) AS r
      FROM generate_series(1, 60) k, LATERAL (SELECT 1 + k % 4 AS n) x) t;

DROP TABLE jio_j, jio_j_bin, jio_recv, jio_base;
SELECT funnel.drop_funnel('"jio ""q"" stage"');
DROP TYPE "jio ""q"" stage", jio_plain;
