-- stored_values.sql: every function that takes a stored state value reads it
-- safely whatever form the value has on disk.  A value read back from a table
-- may be compressed (STORAGE main or extended, large values), moved out of
-- line (extended, very large values) or carry a 1-byte header (small values);
-- each function must detoast it and check its header against its size before
-- reading, and give what it gives on the in-memory value.  Also covered: the
-- aggregate paths that keep a state in place (hash aggregation with many
-- groups and spilling, window aggregates, a moving-aggregate inverse function
-- that hands the transition function a stored value, parallel aggregation),
-- patterns whose time condition is out of range, values whose text or binary
-- form used not to re-enter, and absurd values input used to accept.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;

-- Runs a statement: 'ok' or 'SQLSTATE: message'.
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. funnel.journey
------------------------------------------------------------------------------
-- Journeys of 1, 3, 124, 300 and 20000 events (alternating stages, hourly), in
-- memory (sv_mem, a view computing them) and stored in tables whose column is
-- compressed in line (main), compressed and moved out of line (extended), or
-- not compressed (external: the small ones then have 1-byte headers).
CREATE VIEW sv_jmem AS
SELECT n, funnel.journey(CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END::funnel.sales_stage,
                         timestamptz '2024-01-01' + g * interval '1 hour') AS j
FROM unnest(ARRAY[1, 3, 124, 300, 20000]) n, generate_series(1, n) g
GROUP BY n;
CREATE TABLE sv_jmain (n int PRIMARY KEY, j funnel.journey);
ALTER TABLE sv_jmain ALTER COLUMN j SET STORAGE main;
CREATE TABLE sv_jext (n int PRIMARY KEY, j funnel.journey);
ALTER TABLE sv_jext ALTER COLUMN j SET STORAGE extended;
CREATE TABLE sv_jplain (n int PRIMARY KEY, j funnel.journey);
ALTER TABLE sv_jplain ALTER COLUMN j SET STORAGE external;
INSERT INTO sv_jmain SELECT * FROM sv_jmem WHERE n <= 300;
INSERT INTO sv_jext SELECT * FROM sv_jmem;
INSERT INTO sv_jplain SELECT * FROM sv_jmem WHERE n <= 3;

-- how they are stored: compressed, or with a 1-byte header (3 bytes less on
-- disk than the in-memory value, whose 4-byte header pg_column_size counts)
CREATE FUNCTION pg_temp.stored(v anyelement, in_memory int) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN pg_column_compression(v) IS NOT NULL THEN 'compressed'
                WHEN pg_column_size(v) = in_memory - 3 THEN '1-byte header'
                WHEN pg_column_size(v) = in_memory THEN '4-byte header'
                ELSE pg_column_size(v) || ' bytes, ' || in_memory || ' in memory' END $$;

-- every stored journey, one row per table
CREATE VIEW sv_jall AS
SELECT 'main' AS storage, n, j FROM sv_jmain
UNION ALL SELECT 'extended', n, j FROM sv_jext
UNION ALL SELECT 'external', n, j FROM sv_jplain;
-- (a journey of n events is 24 + 16 n bytes in memory)
SELECT storage, n, pg_temp.stored(j, 24 + 16 * n) FROM sv_jall ORDER BY 1, 2;
-- a compressed value larger than a page is stored out of line
SELECT n, pg_column_size(j) > 8192 AS out_of_line FROM sv_jext WHERE n = 20000;

-- every function gives what it gives on the in-memory journey

SELECT s.storage, s.n,
       funnel.journey_final(s.j)::text = m.j::text AS final,
       s.j::text = m.j::text AS out,
       funnel.journey_send(s.j) = funnel.journey_send(m.j) AS send,
       funnel.event_count(s.j) = funnel.event_count(m.j) AS event_count,
       funnel.reached(s.j, 'qualified'::funnel.sales_stage) = funnel.reached(m.j, 'qualified'::funnel.sales_stage)
       AND funnel.entered(s.j, 'lead'::funnel.sales_stage) = funnel.entered(m.j, 'lead'::funnel.sales_stage)
       AND funnel.entries(s.j, 'lead'::funnel.sales_stage) = funnel.entries(m.j, 'lead'::funnel.sales_stage)
       AND funnel.entered_at(s.j, 'qualified'::funnel.sales_stage) = funnel.entered_at(m.j, 'qualified'::funnel.sales_stage)
       AND funnel.exited_at(s.j, 'qualified'::funnel.sales_stage) IS NOT DISTINCT FROM funnel.exited_at(m.j, 'qualified'::funnel.sales_stage)
       AND funnel.time_in_stage(s.j, 'qualified'::funnel.sales_stage, '2030-01-01') = funnel.time_in_stage(m.j, 'qualified'::funnel.sales_stage, '2030-01-01')
       AND funnel.latest_time_in_stage(s.j, 'qualified'::funnel.sales_stage, '2030-01-01') = funnel.latest_time_in_stage(m.j, 'qualified'::funnel.sales_stage, '2030-01-01')
       AND funnel.cycle_length(s.j) IS NOT DISTINCT FROM funnel.cycle_length(m.j)
       AND funnel.outcome(s.j) = funnel.outcome(m.j)
       AND funnel.furthest_stage(s.j) = funnel.furthest_stage(m.j)
       AND funnel.path(s.j) = funnel.path(m.j)
       AND funnel.stage_at(s.j, '2024-01-01 02:30') = funnel.stage_at(m.j, '2024-01-01 02:30') AS accessors,
       (SELECT funnel.summary(x)::text FROM (VALUES (s.j)) v(x)) =
       (SELECT funnel.summary(x)::text FROM (VALUES (m.j)) v(x)) AS summary
FROM sv_jall s JOIN sv_jmem m USING (n)
ORDER BY 1, 2;

-- the combine function over stored journeys (a user's aggregate over it), and
-- rollup of summaries of stored journeys
CREATE AGGREGATE sv_jcombine(funnel.journey) (
    SFUNC = funnel.journey_combine, STYPE = funnel.journey, FINALFUNC = funnel.journey_final);
SELECT storage, sv_jcombine(j)::text = (SELECT sv_jcombine(j)::text FROM sv_jmem WHERE n <= 300) AS combined
FROM sv_jall WHERE n <= 300 AND storage <> 'external' GROUP BY storage ORDER BY 1;
SELECT sv_jcombine(j)::text = (SELECT sv_jcombine(j)::text FROM sv_jmem WHERE n <= 3) AS combined_short
FROM sv_jplain;

-- A moving-aggregate inverse function may return any journey, here a stored
-- one: the transition function then gets it as its state, compressed or with
-- a 1-byte header, and must not take it for its own in-memory state.
CREATE FUNCTION sv_jinv(s funnel.journey, st funnel.sales_stage, at timestamptz) RETURNS funnel.journey
LANGUAGE sql AS $$ SELECT j FROM sv_jall WHERE storage = current_setting('sv.storage') AND n = current_setting('sv.n')::int $$;
CREATE AGGREGATE sv_jmoving(funnel.sales_stage, timestamptz) (
    SFUNC = funnel.journey_transfn, STYPE = funnel.journey, FINALFUNC = funnel.journey_final,
    MSFUNC = funnel.journey_transfn, MINVFUNC = sv_jinv, MSTYPE = funnel.journey, MFINALFUNC = funnel.journey_final);
CREATE FUNCTION pg_temp.jmoving(storage text, n int) RETURNS TABLE (g int, events int) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('sv.storage', storage, true), set_config('sv.n', n::text, true);
    RETURN QUERY
    SELECT x.g, funnel.event_count(sv_jmoving('closed_lost'::funnel.sales_stage, timestamptz '2025-01-01' + x.g * interval '1 day')
                OVER (ORDER BY x.g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
    FROM generate_series(1, 3) x(g);
END
$$;
-- rows 1 and 2: the aggregate's own events (one closed_lost stay: the
-- repeated stage is dropped); row 3: the inverse function returned the stored
-- journey of n events, and the transition function added one event to it
SELECT * FROM pg_temp.jmoving('external', 1);
SELECT * FROM pg_temp.jmoving('main', 124);
SELECT * FROM pg_temp.jmoving('extended', 20000);

------------------------------------------------------------------------------
-- 2. funnel.events
------------------------------------------------------------------------------
-- States of window_funnel (strict_order: rows where no step holds are kept
-- too) and of sequence_match over n rows (three conditions in turn, hourly),
-- in memory and stored as above.
CREATE AGGREGATE sv_fstate("window" interval, mode text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events);
CREATE AGGREGATE sv_sstate(pattern text, ts timestamptz, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events);
CREATE VIEW sv_emem AS
SELECT n, 'funnel' AS kind,
       sv_fstate('1 day', 'strict_order', timestamptz '2024-01-01' + g * interval '1 hour',
                 g % 3 = 0, g % 3 = 1, g % 3 = 2 AND g % 7 <> 0) AS e
FROM unnest(ARRAY[1, 3, 130, 300, 20000]) n, generate_series(1, n) g
GROUP BY n
UNION ALL
SELECT n, 'sequence',
       sv_sstate('(?1).*(?2)(?t<=7200)(?3)', timestamptz '2024-01-01' + g * interval '1 hour',
                 g % 3 = 0, g % 3 = 1, g % 3 = 2 AND g % 7 <> 0)
FROM unnest(ARRAY[1, 3, 130, 300, 20000]) n, generate_series(1, n) g
GROUP BY n;
CREATE TABLE sv_emain (n int, kind text, e funnel.events, PRIMARY KEY (n, kind));
ALTER TABLE sv_emain ALTER COLUMN e SET STORAGE main;
CREATE TABLE sv_eext (n int, kind text, e funnel.events, PRIMARY KEY (n, kind));
ALTER TABLE sv_eext ALTER COLUMN e SET STORAGE extended;
CREATE TABLE sv_eplain (n int, kind text, e funnel.events, PRIMARY KEY (n, kind));
ALTER TABLE sv_eplain ALTER COLUMN e SET STORAGE external;
INSERT INTO sv_emain SELECT * FROM sv_emem WHERE n <= 300;
INSERT INTO sv_eext SELECT * FROM sv_emem;
-- (these as read back from their text form: compact, so small enough for a
-- 1-byte header; a state straight from the aggregate has spare room)
INSERT INTO sv_eplain SELECT n, kind, e::text::funnel.events FROM sv_emem WHERE n <= 3;
CREATE VIEW sv_eall AS
SELECT 'main' AS storage, n, kind, e FROM sv_emain
UNION ALL SELECT 'extended', n, kind, e FROM sv_eext
UNION ALL SELECT 'external', n, kind, e FROM sv_eplain;

-- (a compact state of n rows is 32 + 16 n bytes, plus the pattern's 24
-- bytes for sequence_match; a state from the aggregate has room for more rows)
SELECT storage, n, kind,
       CASE WHEN storage = 'external' THEN pg_temp.stored(e, 32 + CASE kind WHEN 'sequence' THEN 24 ELSE 0 END + 16 * n)
            WHEN pg_column_compression(e) IS NOT NULL THEN 'compressed' ELSE 'not compressed' END AS stored
FROM sv_eall ORDER BY 1, 2, 3;
SELECT n, kind, pg_column_size(e) > 8192 AS out_of_line FROM sv_eext WHERE n = 20000 ORDER BY kind;

SELECT s.storage, s.n, s.kind,
       s.e::text = m.e::text AS out,
       funnel.events_send(s.e) = funnel.events_send(m.e) AS send,
       CASE s.kind WHEN 'funnel' THEN
           funnel.window_funnel_final(s.e) = funnel.window_funnel_final(m.e)
           AND funnel.window_funnel_times_final(s.e) = funnel.window_funnel_times_final(m.e)
       ELSE
           funnel.sequence_match_final(s.e) = funnel.sequence_match_final(m.e)
           AND funnel.sequence_count_final(s.e) = funnel.sequence_count_final(m.e)
       END AS finals,
       s.e::text = (SELECT e::text FROM sv_eall x WHERE (x.storage, x.n, x.kind) = (s.storage, s.n, s.kind)) AS unchanged
FROM sv_eall s JOIN sv_emem m USING (n, kind)
ORDER BY 1, 2, 3;

-- the combine function over stored states
CREATE AGGREGATE sv_ecombine(funnel.events) (SFUNC = funnel.events_combine, STYPE = funnel.events);
SELECT storage, kind, sv_ecombine(e)::text =
       (SELECT sv_ecombine(e)::text FROM sv_emem m WHERE m.kind = a.kind AND n <= 3) AS combined
FROM sv_eall a WHERE n <= 3 GROUP BY storage, kind ORDER BY 1, 2;
SELECT storage, kind, sv_ecombine(e)::text =
       (SELECT sv_ecombine(e)::text FROM sv_emem m WHERE m.kind = a.kind AND n <= 300) AS combined
FROM sv_eall a WHERE n <= 300 AND storage <> 'external' GROUP BY storage, kind ORDER BY 1, 2;

-- a moving-aggregate inverse function that returns a stored state
CREATE FUNCTION sv_einv(s funnel.events, w interval, m text, ts timestamptz, VARIADIC c boolean[]) RETURNS funnel.events
LANGUAGE sql AS $$ SELECT e FROM sv_eall WHERE storage = current_setting('sv.storage') AND n = current_setting('sv.n')::int AND kind = 'funnel' $$;
CREATE AGGREGATE sv_emoving("window" interval, mode text, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = funnel.events_funnel_transfn, STYPE = funnel.events, FINALFUNC = funnel.window_funnel_times_final,
    MSFUNC = funnel.events_funnel_transfn, MINVFUNC = sv_einv, MSTYPE = funnel.events,
    MFINALFUNC = funnel.window_funnel_times_final);
CREATE FUNCTION sv_sinv(s funnel.events, p text, ts timestamptz, VARIADIC c boolean[]) RETURNS funnel.events
LANGUAGE sql AS $$ SELECT e FROM sv_eall WHERE storage = current_setting('sv.storage') AND n = current_setting('sv.n')::int AND kind = 'sequence' $$;
CREATE AGGREGATE sv_smoving(pattern text, ts timestamptz, VARIADIC conds boolean[]) (
    SFUNC = funnel.events_sequence_transfn, STYPE = funnel.events, FINALFUNC = funnel.sequence_count_final,
    MSFUNC = funnel.events_sequence_transfn, MINVFUNC = sv_sinv, MSTYPE = funnel.events,
    MFINALFUNC = funnel.sequence_count_final);
CREATE FUNCTION pg_temp.emoving(storage text, n int) RETURNS TABLE (g int, times interval[], count bigint, as_one_pass boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('sv.storage', storage, true), set_config('sv.n', n::text, true);
    RETURN QUERY
    SELECT x.g, x.times, x.count,
           -- row 3: what the aggregates give over the stored state's rows and row 3
           x.g < 3 OR (x.times, x.count) = (
               SELECT funnel.window_funnel_times('1 day', 'strict_order', t, c1, c2, c3),
                      funnel.sequence_count('(?1).*(?2)(?t<=7200)(?3)', t, c1, c2, c3)
               FROM (SELECT timestamptz '2024-01-01' + y * interval '1 hour', y % 3 = 0, y % 3 = 1, y % 3 = 2 AND y % 7 <> 0
                     FROM generate_series(1, n) y
                     UNION ALL SELECT timestamptz '2024-01-01' + (n + 3) * interval '1 hour', true, false, false) r(t, c1, c2, c3))
    FROM (SELECT y.g,
                 sv_emoving('1 day', 'strict_order', timestamptz '2024-01-01' + (n + y.g) * interval '1 hour',
                            y.g % 3 = 0, y.g % 3 = 1, y.g % 3 = 2)
                     OVER (ORDER BY y.g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS times,
                 sv_smoving('(?1).*(?2)(?t<=7200)(?3)', timestamptz '2024-01-01' + (n + y.g) * interval '1 hour',
                            y.g % 3 = 0, y.g % 3 = 1, y.g % 3 = 2)
                     OVER (ORDER BY y.g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS count
          FROM generate_series(1, 3) y(g)) x;
END
$$;
-- rows 1 and 2: the aggregate's own rows (a step 2, then a step 3: no chain);
-- row 3: the stored state of n rows plus that row
SELECT * FROM pg_temp.emoving('external', 3);
SELECT * FROM pg_temp.emoving('main', 130);
SELECT * FROM pg_temp.emoving('extended', 20000);

------------------------------------------------------------------------------
-- 3. funnel.pipeline, funnel.summary, funnel.conversion
------------------------------------------------------------------------------
-- Pipelines and summaries of 2 and 3000 deals/entities (the large ones hold
-- sketches), stored compressed (main, extended) and as they are (external:
-- the small ones with a 1-byte header); a conversion state (fixed size).
CREATE VIEW sv_pmem AS
SELECT n, funnel.pipeline((ARRAY['lead', 'proposal', 'closed_won', 'closed_lost'])[1 + g % 4]::funnel.sales_stage,
                          (g * 37 % 1000)::numeric, timestamptz '2024-01-01' + g * interval '1 minute',
                          timestamptz '2024-02-01' + g * interval '7 minutes') AS p
FROM unnest(ARRAY[2, 3000]) n, generate_series(1, n) g GROUP BY n;
CREATE VIEW sv_smem AS
SELECT n, funnel.summary(j) AS s
FROM (SELECT n, funnel.journey(st, timestamptz '2024-01-01' + (g * 13 % 101) * interval '1 hour' + k * interval '1 day') AS j
      FROM unnest(ARRAY[2, 3000]) n, generate_series(1, n) g,
           LATERAL (VALUES (0, 'lead'::funnel.sales_stage), (1 + g % 3, 'proposal'),
                           (5 + g % 5, CASE WHEN g % 2 = 0 THEN 'closed_won' ELSE 'closed_lost' END::funnel.sales_stage)) v(k, st)
      GROUP BY n, g) x
GROUP BY n;
CREATE TABLE sv_pstored (storage text, n int, p funnel.pipeline, s funnel.summary, c funnel.conversion);
-- (an incompressible filler in line makes the row big enough that the
-- summaries are compressed too)
CREATE TABLE sv_pmain (LIKE sv_pstored, filler text);
ALTER TABLE sv_pmain ALTER COLUMN p SET STORAGE main, ALTER COLUMN s SET STORAGE main,
    ALTER COLUMN filler SET STORAGE main;
CREATE TABLE sv_pext (LIKE sv_pstored);
ALTER TABLE sv_pext ALTER COLUMN p SET STORAGE extended, ALTER COLUMN s SET STORAGE extended;
INSERT INTO sv_pmain SELECT 'main', n, p, s, ('{"from":' || n || ',"converted":2}')::funnel.conversion,
    (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 50) g)
FROM sv_pmem JOIN sv_smem USING (n);
INSERT INTO sv_pext SELECT 'extended', n, p, s FROM sv_pmem JOIN sv_smem USING (n);
INSERT INTO sv_pstored SELECT 'external', n, p, s FROM sv_pmem JOIN sv_smem USING (n);
CREATE VIEW sv_pall AS
SELECT storage, n, p, s, c FROM sv_pmain UNION ALL SELECT * FROM sv_pext UNION ALL SELECT * FROM sv_pstored;
-- compressed, or out of line (too large for a page)
SELECT storage, n, pg_column_compression(p) IS NOT NULL AS p_compressed, pg_column_size(p) > 8192 AS p_out_of_line,
       pg_column_compression(s) IS NOT NULL AS s_compressed
FROM sv_pall ORDER BY 1, 2;

SELECT a.storage, a.n,
       a.p::text = m.p::text AND funnel.pipeline_send(a.p) = funnel.pipeline_send(m.p) AS p_io,
       (funnel.deal_count(a.p), funnel.won_count(a.p), funnel.lost_count(a.p), funnel.open_count(a.p),
        funnel.win_rate(a.p), funnel.avg_deal_size(a.p), funnel.deal_size_quantile(a.p, 0.3),
        funnel.avg_cycle_length(a.p), funnel.cycle_length_quantile(a.p, 0.7), funnel.open_value(a.p),
        funnel.weighted_value(a.p), funnel.sales_velocity(a.p), funnel.negative_cycles(a.p),
        funnel.pipeline_median_deal_size(a.p), funnel.pipeline_median_cycle_length(a.p),
        funnel.pipeline_avg_cycle_length_final(a.p))::text =
       (funnel.deal_count(m.p), funnel.won_count(m.p), funnel.lost_count(m.p), funnel.open_count(m.p),
        funnel.win_rate(m.p), funnel.avg_deal_size(m.p), funnel.deal_size_quantile(m.p, 0.3),
        funnel.avg_cycle_length(m.p), funnel.cycle_length_quantile(m.p, 0.7), funnel.open_value(m.p),
        funnel.weighted_value(m.p), funnel.sales_velocity(m.p), funnel.negative_cycles(m.p),
        funnel.pipeline_median_deal_size(m.p), funnel.pipeline_median_cycle_length(m.p),
        funnel.pipeline_avg_cycle_length_final(m.p))::text AS p_accessors,
       a.s::text = ms.s::text AND funnel.summary_send(a.s) = funnel.summary_send(ms.s) AS s_io,
       (funnel.entity_count(a.s), funnel.win_rate(a.s), funnel.cycle_length_quantile(a.s, 0.4),
        funnel.time_in_stage_quantile(a.s, 'proposal'::funnel.sales_stage, 0.5),
        funnel.conversion_rate(a.s, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage),
        (SELECT array_agg(r::text ORDER BY r.position) FROM funnel.stage_report(a.s, 'strict') r))::text =
       (funnel.entity_count(ms.s), funnel.win_rate(ms.s), funnel.cycle_length_quantile(ms.s, 0.4),
        funnel.time_in_stage_quantile(ms.s, 'proposal'::funnel.sales_stage, 0.5),
        funnel.conversion_rate(ms.s, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage),
        (SELECT array_agg(r::text ORDER BY r.position) FROM funnel.stage_report(ms.s, 'strict') r))::text AS s_accessors
FROM sv_pall a JOIN sv_pmem m USING (n) JOIN sv_smem ms USING (n)
ORDER BY 1, 2;
SELECT storage, funnel.rollup(p)::text = (SELECT funnel.rollup(p)::text FROM sv_pmem) AS p_rollup,
       funnel.rollup(s)::text = (SELECT funnel.rollup(s)::text FROM sv_smem) AS s_rollup
FROM sv_pall GROUP BY storage ORDER BY 1;
SELECT n, c, funnel.conversion_send(c), funnel.conversion_final(c) FROM sv_pmain ORDER BY n;

------------------------------------------------------------------------------
-- 4. Sequence patterns whose time condition does not fit the clock
------------------------------------------------------------------------------
-- On a timestamp clock a time condition is at most 18,446,744,073,709 seconds
-- (2^64 microseconds).  One more is refused as the pattern is checked -- the
-- SQL argument (22023), a state's text input (22P02) -- never read after
-- being freed (a long pattern made that a crash).
-- (pg_temp.try: the error without its detail, which shows the whole pattern)
SELECT pg_temp.try($$SELECT funnel.sequence_match(repeat('(?1)', 8000) || '(?t>18446744073710)(?2)', ts, c1, c2)
                     FROM (VALUES (timestamptz '2024-01-01', true, false)) v(ts, c1, c2)$$) AS timestamptz_clock,
       pg_temp.try($$SELECT funnel.sequence_count(repeat('(?1)', 8000) || '(?t>18446744073710)(?2)', ts, c1, c2)
                     FROM (VALUES (timestamp '2024-01-01', true, false)) v(ts, c1, c2)$$) AS timestamp_clock;
SELECT pg_temp.try($$SELECT '{"version": 1, "kind": "sequence", "clock": "timestamptz", "pattern": "(?1)(?t>18446744073710)(?2)", "conditions": 2, "events": [[0, 1]]}'::funnel.events$$) AS text_input;
SELECT pg_temp.try($$SELECT funnel.sequence_match_final(('{"version": 1, "kind": "sequence", "clock": "timestamptz", "pattern": "' || repeat('(?1)', 8000) || '(?t>18446744073710)(?2)", "conditions": 2, "events": [[0, 1]]}')::funnel.events)$$) AS long_text_input;
-- the largest value is fine, and any value on a bigint clock
SELECT funnel.sequence_match(repeat('(?1)', 8000) || '(?t<18446744073709)(?2)', ts, c1, c2)
FROM (VALUES (timestamptz '2024-01-01', true, false)) v(ts, c1, c2);
SELECT funnel.sequence_match('(?1)(?t>18446744073710)(?2)', ts, c1, c2)
FROM (VALUES (1::bigint, true, false)) v(ts, c1, c2);
SELECT '{"version": 1, "kind": "sequence", "clock": "bigint", "pattern": "(?1)(?t>18446744073710)(?2)", "conditions": 2, "events": [[0, 1]]}'::funnel.events::text;

------------------------------------------------------------------------------
-- 5. Every value the output writes re-enters; absurd values are refused
------------------------------------------------------------------------------
-- Extreme doubles in pipelines: subnormal amounts (the text output writes
-- 1e-310; input used to refuse it as "must be a finite float8" while binary
-- input took it, so a plain dump could not be restored), the smallest
-- subnormal, the largest double, and sketches of them.  Text and binary
-- (COPY ... FORMAT binary) both read back what the output wrote.
CREATE TABLE sv_x (name text, p funnel.pipeline);
INSERT INTO sv_x
SELECT 'subnormal amount', funnel.pipeline('closed_won'::funnel.sales_stage, 1e-310, NULL, NULL)
UNION ALL SELECT 'smallest subnormal', funnel.pipeline('closed_won'::funnel.sales_stage, 5e-324, NULL, NULL)
UNION ALL SELECT 'largest double', funnel.pipeline('closed_won'::funnel.sales_stage, 1.7976931348623157e308, NULL, NULL)
UNION ALL SELECT 'sketch of extremes', funnel.pipeline('closed_won'::funnel.sales_stage,
                  CASE g % 3 WHEN 0 THEN 1e-310 WHEN 1 THEN 1e300 ELSE g END, NULL, NULL)
          FROM generate_series(1, 2000) g
UNION ALL SELECT 'longest cycle', funnel.pipeline('closed_won'::funnel.sales_stage, 1,
                  timestamptz '4713-01-01 BC', timestamptz '280000-01-01');
SELECT name, pg_temp.try(format('SELECT %L::funnel.pipeline', p::text)) AS text_input,
       p::text::funnel.pipeline::text = p::text AS text_same
FROM sv_x ORDER BY name;
SELECT pg_temp.try(format('COPY sv_x TO %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_stored_values.copy')) AS copy_out;
CREATE TABLE sv_x_bin (LIKE sv_x);
SELECT pg_temp.try(format('COPY sv_x_bin FROM %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_stored_values.copy')) AS copy_in;
SELECT s.name, b.p::text = s.p::text AS binary_same,
       funnel.deal_size_quantile(b.p, 0.5) = funnel.deal_size_quantile(s.p, 0.5) AS median_same
FROM sv_x s JOIN sv_x_bin b USING (name) ORDER BY name;
-- -0 (which the binary form can carry as the quantile) reads back as 0
SELECT '{"version":1,"type":null,"p":-0,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline::text;
-- a value underflowing to 0 or overflowing is refused, as float8 input does
SELECT pg_temp.try($$SELECT '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":1,"values":[1e-400]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline$$) AS underflow,
       pg_temp.try($$SELECT '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":1,"values":[1e309]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline$$) AS overflow;

-- Cycle lengths and times in stage are microseconds of an interval: at most
-- 2^63, whole.  A summary with a cycle of 1e308 used to be accepted (and
-- cycle_length_quantile returned a garbage interval); a pipeline's exact
-- cycle of 1e19 was converted to bigint before being checked.
CREATE FUNCTION pg_temp.summary_with(path text[], v jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.try(format('SELECT funnel.cycle_length_quantile(%L::funnel.summary, 0.5)',
        jsonb_set('{"version":1,"type":"funnel.sales_stage","entities":1,"won":1,"lost":0,"stages":[{"stage":"lead","entered":1,"reached":1,"strict":1,"drop":[0,0,0],"time":{"n":1,"values":[5]}}],"cycle":{"n":1,"values":[7]}}'::jsonb, path, v)::text)) $$;
SELECT pg_temp.summary_with('{cycle}', '{"n":1,"values":[7]}') AS fine,
       pg_temp.summary_with('{cycle}', '{"n":1,"values":[1e308]}') AS cycle_1e308,
       pg_temp.summary_with('{cycle}', '{"n":1,"values":[9223372036854775808]}') AS cycle_2_63,
       pg_temp.summary_with('{cycle}', '{"n":1,"values":[9223372036854777856]}') AS cycle_above_2_63,
       pg_temp.summary_with('{cycle}', '{"n":1,"values":[1.5]}') AS cycle_fraction,
       pg_temp.summary_with('{stages,0,time}', '{"n":1,"values":[1e308]}') AS time_1e308;
CREATE FUNCTION pg_temp.pipeline_with(path text[], v jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.try(format('SELECT funnel.cycle_length_quantile(%L::funnel.pipeline, 0.5)',
        jsonb_set('{"version":1,"type":"funnel.sales_stage","p":null,"stages":[["closed_won",1,"1:5"]],"won_cycle":[1,0,7],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":1,"values":[7]},"lost_cycles":{"n":0,"values":[]}}'::jsonb, path, v)::text)) $$;
SELECT pg_temp.pipeline_with('{won_cycles}', '{"n":1,"values":[7]}') AS fine,
       pg_temp.pipeline_with('{won_cycles}', '{"n":1,"values":[1e19]}') AS cycle_1e19,
       pg_temp.pipeline_with('{won_cycles}', '{"n":1,"values":[1e308]}') AS cycle_1e308;
-- no stages at all
SELECT '{"version":1,"type":"funnel.sales_stage","p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}'::funnel.pipeline::text;

-- Malformed text input of every state type is 22P02, also when the JSON
-- parser would say 22003 (a number too large for numeric) or 22P05 (an
-- escape it cannot convert)
SELECT t, pg_temp.try(format('SELECT %L::%s', '{"version":1e1000000}', t)) AS huge_number,
       pg_temp.try(format('SELECT %L::%s', '{"version":"\u0000"}', t)) AS nul_escape,
       pg_temp.try(format('SELECT %L::%s', '{"version":', t)) AS truncated
FROM unnest(ARRAY['funnel.pipeline', 'funnel.summary', 'funnel.journey', 'funnel.events', 'funnel.conversion']) t;

------------------------------------------------------------------------------
-- 6. Aggregate paths that keep expanded states in a shared arena
------------------------------------------------------------------------------
-- funnel.pipeline and funnel.summary states live in one memory context per
-- aggregate context, found through a registry that no caller's fn_extra
-- holds (src/arena.c).  The same answers whatever the plan: sorted groups,
-- hash aggregation with many groups spilling to disk (work_mem 64kB),
-- grouping sets (one aggregate context each), window aggregates (contexts
-- reset per partition), parallel workers.
CREATE TABLE sv_deals AS
SELECT g AS id, g % 3000 AS grp, g % 7 AS region,
       (ARRAY['lead', 'proposal', 'closed_won', 'closed_lost'])[1 + g % 4]::funnel.sales_stage AS stage,
       (g * 37 % 1000)::numeric AS amount, timestamptz '2024-01-01' + g * interval '1 minute' AS created,
       timestamptz '2024-02-01' + g * interval '7 minutes' AS closed
FROM generate_series(1, 60000) g;
ANALYZE sv_deals;
CREATE FUNCTION pg_temp.pipelines(key text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('SELECT md5(string_agg(k || %L || p::text, %L ORDER BY k)) FROM (SELECT %s AS k, funnel.pipeline(stage, amount, created, closed) AS p FROM sv_deals GROUP BY %s) s',
                   ':', ';', key, key) INTO r;
    RETURN r;
END
$$;
SET enable_hashagg = off;
SELECT pg_temp.pipelines('grp') AS sorted_groups \gset
RESET enable_hashagg;
SET enable_sort = off;
SET work_mem = '64kB';
EXPLAIN (COSTS OFF) SELECT grp, funnel.pipeline(stage, amount, created, closed) FROM sv_deals GROUP BY grp;
SELECT pg_temp.pipelines('grp') = :'sorted_groups' AS hash_spilled_same;
RESET work_mem;
SELECT pg_temp.pipelines('grp') = :'sorted_groups' AS hash_same;
RESET enable_sort;
-- grouping sets: each set's states in its own aggregate context
SELECT md5(string_agg(coalesce(grp::text, '-') || '/' || coalesce(region::text, '-') || ':' || p::text, ';' ORDER BY grp, region)) =
       md5((SELECT string_agg(k, ';' ORDER BY g, r) FROM (
            SELECT grp AS g, NULL::int AS r, grp || '/-:' || funnel.pipeline(stage, amount, created, closed)::text AS k FROM sv_deals WHERE grp < 10 GROUP BY grp
            UNION ALL
            SELECT NULL, region, '-/' || region || ':' || funnel.pipeline(stage, amount, created, closed)::text FROM sv_deals WHERE grp < 10 GROUP BY region) x))
       AS grouping_sets_same
FROM (SELECT grp, region, funnel.pipeline(stage, amount, created, closed) AS p
      FROM sv_deals WHERE grp < 10 GROUP BY GROUPING SETS ((grp), (region))) s;
-- window aggregates: a whole partition, and a running total at its last row
SELECT count(*) FILTER (WHERE w::text = g::text) AS partition_same,
       count(*) FILTER (WHERE r::text = g::text) AS running_same, count(*) AS groups
FROM (SELECT DISTINCT ON (grp) grp,
             funnel.pipeline(stage, amount, created, closed) OVER (PARTITION BY grp) AS w,
             funnel.pipeline(stage, amount, created, closed) OVER (PARTITION BY grp ORDER BY id) AS r
      FROM sv_deals WHERE grp < 300 ORDER BY grp, id DESC) x
JOIN (SELECT grp, funnel.pipeline(stage, amount, created, closed) AS g FROM sv_deals WHERE grp < 300 GROUP BY grp) y USING (grp);
-- summaries of journeys, hash-aggregated with spilling, against sorted
CREATE TABLE sv_hist AS
SELECT g % 5000 AS entity, g % 50 AS cohort,
       (ARRAY['lead', 'qualified', 'proposal', 'closed_won'])[1 + (g / 5000) % 4]::funnel.sales_stage AS stage,
       timestamptz '2024-01-01' + g * interval '1 minute' AS at
FROM generate_series(1, 40000) g;
CREATE FUNCTION pg_temp.summaries() RETURNS text LANGUAGE sql AS $$
    SELECT md5(string_agg(cohort || ':' || s::text, ';' ORDER BY cohort))
    FROM (SELECT cohort, funnel.summary(j) AS s
          FROM (SELECT entity, entity % 50 AS cohort, funnel.journey(stage, at) AS j FROM sv_hist GROUP BY entity) x
          GROUP BY cohort) y $$;
SET enable_hashagg = off;
SELECT pg_temp.summaries() AS sorted_summaries \gset
RESET enable_hashagg;
SET enable_sort = off;
SET work_mem = '64kB';
SELECT pg_temp.summaries() = :'sorted_summaries' AS summaries_hash_spilled_same;
RESET work_mem;
RESET enable_sort;
-- parallel: partial states made by workers, combined by the leader
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT grp, funnel.pipeline(stage, amount, created, closed) FROM sv_deals GROUP BY grp;
SELECT pg_temp.pipelines('grp') = :'sorted_groups' AS parallel_same;
SELECT pg_temp.pipelines('region') = (SELECT md5(string_agg(region || ':' || p::text, ';' ORDER BY region))
        FROM (SELECT region, funnel.pipeline(stage, amount, created, closed) AS p FROM sv_deals GROUP BY region) s)
       AS parallel_few_groups_same;
SELECT pg_temp.summaries() = :'sorted_summaries' AS parallel_summaries_same;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

------------------------------------------------------------------------------
-- 7. Restore order: journeys read before their funnel is registered (pg_restore
--    loads a schema that sorts before "funnel" ahead of the definitions)
------------------------------------------------------------------------------
CREATE TYPE sv_rst AS ENUM ('a', 'b', 'w', 'l');
CREATE TABLE sv_restored (id int, j funnel.journey);
-- not registered yet: the text form is read; ties at equal times are kept unsorted
INSERT INTO sv_restored VALUES
    (1, '{"version":1,"type":"public.sv_rst","events":[["a","2024-01-01 00:00:00+00"],["b","2024-01-02 00:00:00+00"]]}'),
    (2, '{"version":1,"type":"public.sv_rst","events":[["a","2024-01-01 00:00:00+00"],["w","2024-01-03 00:00:00+00"],["b","2024-01-03 00:00:00+00"]]}');
-- still refused: times out of order, a label the enum lacks; a stage repeated is read
-- (journey text keeps repeats since 1.1; every use drops them)
SELECT pg_temp.try($$SELECT '{"version":1,"type":"public.sv_rst","events":[["b","2024-01-02 00:00:00+00"],["a","2024-01-01 00:00:00+00"]]}'::funnel.journey$$);
SELECT pg_temp.try($$SELECT '{"version":1,"type":"public.sv_rst","events":[["a","2024-01-01 00:00:00+00"],["a","2024-01-02 00:00:00+00"]]}'::funnel.journey$$);
SELECT pg_temp.try($$SELECT '{"version":1,"type":"public.sv_rst","events":[["x","2024-01-01 00:00:00+00"]]}'::funnel.journey$$);
-- the definitions arrive
SELECT funnel.register_funnel('sv_rst', won => '{w}', lost => '{l}');
-- at equal times open stages come first: journey 2 ends won
SELECT id, funnel.path(j), funnel.outcome(j), j::text FROM sv_restored ORDER BY id;
SELECT r.stage, r.reached, r.entered FROM funnel.stage_report((SELECT funnel.summary(j) FROM sv_restored)) r;
DROP TABLE sv_restored;
SELECT funnel.drop_funnel('sv_rst');
DROP TYPE sv_rst;
