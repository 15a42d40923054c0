-- pipeline_io.sql: the text (JSON) and binary forms of funnel.pipeline and
-- funnel.conversion: exact round trips (every accessor, the text itself, binary
-- COPY) for small (exact) and large (sketch) states, and input validation: text
-- input raises 22P02 and binary input (COPY ... WITH (FORMAT binary), which calls
-- the receive function) 22P03 for malformed, inconsistent, truncated, reordered,
-- oversized and random data -- and never crashes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';

-- Runs a statement: 'ok' or 'SQLSTATE: message'.
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. States to round-trip
------------------------------------------------------------------------------
-- a funnel whose type name and labels need quoting and escaping
CREATE TYPE "pio ""q"" stage" AS ENUM ('new lead', 'won "big"', 'lost/closed', 'naïve\ü', '');
SELECT funnel.register_funnel('"pio ""q"" stage"', won => ARRAY['won "big"'], lost => ARRAY['lost/closed']);

CREATE TABLE pio_state (name text PRIMARY KEY, p funnel.pipeline);
SELECT setseed(0.25);
CREATE TEMP TABLE pio_deal AS
SELECT g, 1 + g % 5 AS owner,
       (ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_won', 'closed_lost'])
         [1 + floor(random() * 7)::int]::funnel.sales_stage AS stage,
       CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 50000)::numeric, 2) END AS amount,
       c AS created_at,
       CASE WHEN random() < 0.1 THEN NULL WHEN random() < 0.05 THEN c - interval '1 day'
            ELSE c + random() * interval '90 days' END AS closed_at
FROM generate_series(1, 200) g, LATERAL (SELECT '2024-01-01'::timestamptz + random() * interval '30 days' + g * interval '0 s' AS c) t;
INSERT INTO pio_state
SELECT 'owner ' || owner, funnel.pipeline(stage, amount, created_at, closed_at) FROM pio_deal GROUP BY owner;
-- sketch mode: 3000 won amounts (negative, zero, repeated: bucket counts above 255),
-- 3000 won and 1750 lost cycle lengths
INSERT INTO pio_state
SELECT 'sketch', funnel.pipeline(CASE WHEN g % 3 = 0 THEN 'closed_lost' WHEN g % 7 = 0 THEN 'lead' ELSE 'closed_won' END::funnel.sales_stage,
                                 CASE WHEN g % 5 = 0 THEN 100 WHEN g % 11 = 0 THEN 0 ELSE (g % 997 - 200) * 3.25 END,
                                 '2024-01-01'::timestamptz + g * interval '1 minute',
                                 '2024-01-01'::timestamptz + g * interval '1 minute' + (g % 613) * interval '37 minutes 0.5 seconds')
FROM generate_series(1, 5250) g;
-- sums beyond the fixed-point range (scale > 30, more than 38 digits)
INSERT INTO pio_state
SELECT 'huge sums', funnel.pipeline(s::funnel.sales_stage, a, NULL, NULL)
FROM (VALUES ('closed_won', 1e40), ('closed_won', 1e-35), ('lead', 123456789012345678901234567890.123456789),
             ('lead', -5), ('closed_lost', 0.000)) v(s, a);
-- a state with a quantile for the direct aggregate (only the text form can give one)
INSERT INTO pio_state VALUES ('with p', '{"version":1,"type":"funnel.sales_stage","p":0.25,"stages":[["closed_won",3,"3:60"]],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":3,"values":[10,20,30]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}');
-- no stage at all (only the text form can give one)
INSERT INTO pio_state VALUES ('no stages', '{"version":1,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]}}');
INSERT INTO pio_state
SELECT 'only open', funnel.pipeline(s::funnel.sales_stage, a, NULL, NULL)
FROM (VALUES ('lead', 10), ('proposal', NULL), ('negotiation', 30.5)) v(s, a);
INSERT INTO pio_state
SELECT 'no amounts', funnel.pipeline(s::funnel.sales_stage, NULL, '2024-01-01', '2024-01-02')
FROM (VALUES ('closed_won'), ('closed_lost'), ('qualified')) v(s);
INSERT INTO pio_state
SELECT 'quoted funnel', funnel.pipeline(s, 1.5, '2024-01-01', '2024-01-03 12:34:56.789')
FROM unnest(enum_range(NULL::"pio ""q"" stage")) s;

-- A small state's text form: JSON with the type and label names (so a dump restores
-- into another cluster); stages as [label, deals, "amounts:sum"], cycle sums as
-- [count, days, microseconds], exact quantile values or the sketch's buckets.
SELECT p::text FROM pio_state WHERE name IN ('quoted funnel', 'with p', 'no stages') ORDER BY name;
-- a sketch-mode state: n, min, max, zeros, and per sign [first bucket index, [counts]]
SELECT f, j->'n' AS n, j->'min' AS min, j->'max' AS max, j->'zero' AS zero,
       j->'neg'->0 AS neg_lo, jsonb_array_length(j->'neg'->1) AS neg_buckets,
       j->'pos'->0 AS pos_lo, jsonb_array_length(j->'pos'->1) AS pos_buckets
FROM pio_state, LATERAL jsonb_each(p::text::jsonb) e(f, j)
WHERE name = 'sketch' AND f IN ('won_amounts', 'won_cycles', 'lost_cycles') ORDER BY f;

------------------------------------------------------------------------------
-- 2. Round trips
------------------------------------------------------------------------------
-- every accessor, as text (float8 with all digits)
CREATE FUNCTION pg_temp.figures(p funnel.pipeline) RETURNS text LANGUAGE sql AS $$
    SELECT ROW(funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p),
               funnel.open_count(p), funnel.win_rate(p), funnel.avg_deal_size(p),
               funnel.avg_cycle_length(p), funnel.avg_cycle_length(p, true),
               funnel.open_value(p), funnel.weighted_value(p), funnel.sales_velocity(p),
               funnel.negative_cycles(p),
               funnel.pipeline_median_deal_size(p), funnel.pipeline_deal_size_quantile_final(p),
               funnel.pipeline_avg_cycle_length_final(p), funnel.pipeline_median_cycle_length(p),
               (SELECT array_agg(ROW(funnel.deal_size_quantile(p, q), funnel.cycle_length_quantile(p, q),
                                     funnel.cycle_length_quantile(p, q, true)) ORDER BY q)
                FROM unnest('{0,0.001,0.1,0.25,0.3333,0.5,0.75,0.9,0.999,1}'::float8[]) q))::text
$$;
-- binary COPY out and back in
SELECT pg_temp.try(format('COPY pio_state TO %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_pipeline_io.copy'));
CREATE TABLE pio_state_bin (LIKE pio_state);
SELECT pg_temp.try(format('COPY pio_state_bin FROM %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_pipeline_io.copy'));

SET extra_float_digits = 1;
SELECT s.name,
       CASE WHEN s.p::text::jsonb->'won_amounts' ? 'pos' THEN 'sketch' ELSE 'exact' END AS amounts,
       s.p::text::funnel.pipeline::text = s.p::text AS text_same,
       pg_temp.figures(s.p::text::funnel.pipeline) = pg_temp.figures(s.p) AS text_figures_same,
       s.p::text::jsonb::text::funnel.pipeline::text = s.p::text AS via_jsonb_same,
       b.p::text = s.p::text AS binary_same,
       pg_temp.figures(b.p) = pg_temp.figures(s.p) AS binary_figures_same,
       funnel.pipeline_send(s.p::text::funnel.pipeline) = funnel.pipeline_send(s.p) AS send_same
FROM pio_state s LEFT JOIN pio_state_bin b USING (name)
ORDER BY s.name;
RESET extra_float_digits;
-- the figures are there (not all NULL)
SELECT name, funnel.deal_count(p), funnel.win_rate(p) IS NOT NULL AS has_rate,
       funnel.deal_size_quantile(p, 0.5) IS NOT NULL AS has_median
FROM pio_state ORDER BY name;

------------------------------------------------------------------------------
-- 3. Text input validation: 22P02
------------------------------------------------------------------------------
-- a valid state: 6 deals; won cycles 14.5 and 58 days, lost 9 days, one negative
CREATE TEMP TABLE pio_base AS SELECT '{"version":1,"type":"funnel.sales_stage","p":null,"stages":[["lead",1,"1:100"],["closed_won",2,"2:1250.50"],["closed_lost",2,"2:60"],["proposal",1,"0"]],"won_cycle":[2,72,43200000000],"lost_cycle":[1,9,0],"negative_cycles":1,"won_amounts":{"n":2,"values":[250.5,1000]},"won_cycles":{"n":2,"values":[1252800000000,5011200000000]},"lost_cycles":{"n":1,"values":[777600000000]}}'::jsonb AS j;
-- a valid sketch-mode state: 1100 won deals, amounts 5 .. 2000 (400 values, twice or thrice each)
CREATE TEMP TABLE pio_base2 AS
SELECT funnel.pipeline('closed_won'::funnel.sales_stage, (g % 400 + 1) * 5, NULL, NULL)::text::jsonb AS j
FROM generate_series(1, 1100) g;
SELECT j->'won_amounts'->'n' AS n, j->'won_amounts'->'min' AS min, j->'won_amounts'->'max' AS max,
       j->'won_amounts'->'pos'->0 AS pos_lo, jsonb_array_length(j->'won_amounts'->'pos'->1) AS pos_buckets
FROM pio_base2;

CREATE TEMP TABLE pio_text_case (i serial, name text, t text);
INSERT INTO pio_text_case (name, t)
SELECT c, t FROM pio_base, pio_base2 b2, LATERAL (VALUES
    ('valid', pio_base.j::text),
    ('valid, keys in another order, spaces', jsonb_pretty(pio_base.j)),
    ('valid sketch mode', b2.j::text),
    ('empty string', ''),
    ('not JSON', 'pipeline'),
    ('truncated JSON', left(pio_base.j::text, 40)),
    ('JSON array', '[1, 2]'),
    ('JSON string', '"x"'),
    ('JSON null', 'null'),
    ('version missing', (pio_base.j - 'version')::text),
    ('version 2 without "kept"', jsonb_set(pio_base.j, '{version}', '2')::text),
    ('version 3', jsonb_set(pio_base.j, '{version}', '3')::text),
    ('version 1.5', jsonb_set(pio_base.j, '{version}', '1.5')::text),
    ('version as string', jsonb_set(pio_base.j, '{version}', '"1"')::text),
    ('type missing', (pio_base.j - 'type')::text),
    ('type null with stages', jsonb_set(pio_base.j, '{type}', 'null')::text),
    ('type a number', jsonb_set(pio_base.j, '{type}', '23')::text),
    ('type not an enum', jsonb_set(pio_base.j, '{type}', '"pg_catalog.int4"')::text),
    ('type an unused OID', jsonb_set(pio_base.j, '{type}', '"4000000000"')::text),
    ('type another funnel', jsonb_set(pio_base.j, '{type}', '"funnel.marketing_stage"')::text),
    ('stages missing', (pio_base.j - 'stages')::text),
    ('stages an object', jsonb_set(pio_base.j, '{stages}', '{}')::text),
    ('stage not an array', jsonb_set(pio_base.j, '{stages,0}', '"lead"')::text),
    ('stage of 2 elements', jsonb_set(pio_base.j, '{stages,0}', '["lead", 1]')::text),
    ('stage of 4 elements', jsonb_set(pio_base.j, '{stages,0}', '["lead", 1, "1:100", 0]')::text),
    ('label not in the enum', jsonb_set(pio_base.j, '{stages,0,0}', '"won"')::text),
    ('label a number', jsonb_set(pio_base.j, '{stages,0,0}', '1')::text),
    ('label too long', jsonb_set(pio_base.j, '{stages,0,0}', to_jsonb(repeat('x', 100)))::text),
    ('stage listed twice', jsonb_set(pio_base.j, '{stages,3,0}', '"lead"')::text),
    ('too many stages', jsonb_set(pio_base.j, '{stages}', (SELECT jsonb_agg('["lead",1,"0"]'::jsonb) FROM generate_series(1, 1001)))::text),
    ('negative deals', jsonb_set(pio_base.j, '{stages,0,1}', '-1')::text),
    ('zero deals', jsonb_set(pio_base.j, '{stages,0,1}', '0')::text),
    ('stage twice, first with zero deals', jsonb_set(pio_base.j, '{stages}', '[["lead",0,"1:999"],["lead",1,"0"],["closed_won",2,"2:1250.50"],["closed_lost",2,"2:60"],["proposal",1,"0"]]')::text),
    ('deals not an integer', jsonb_set(pio_base.j, '{stages,0,1}', '1.5')::text),
    ('deals beyond int64', jsonb_set(pio_base.j, '{stages,0,1}', '9223372036854775808')::text),
    ('deal total beyond int64', jsonb_set(jsonb_set(pio_base.j, '{stages,0,1}', '9223372036854775807'), '{stages,3,1}', '9223372036854775807')::text),
    ('more amounts than deals', jsonb_set(pio_base.j, '{stages,0,2}', '"2:100"')::text),
    ('negative amount count', jsonb_set(pio_base.j, '{stages,0,2}', '"-1:100"')::text),
    ('amount count without sum', jsonb_set(pio_base.j, '{stages,0,2}', '"1"')::text),
    ('zero amounts with a sum', jsonb_set(pio_base.j, '{stages,0,2}', '"0:5"')::text),
    ('amount sum not a number', jsonb_set(pio_base.j, '{stages,0,2}', '"1:abc"')::text),
    ('amount sum NaN', jsonb_set(pio_base.j, '{stages,0,2}', '"1:NaN"')::text),
    ('amount sum Infinity', jsonb_set(pio_base.j, '{stages,0,2}', '"1:-Infinity"')::text),
    ('amount not a string', jsonb_set(pio_base.j, '{stages,0,2}', '100')::text),
    ('won_cycle missing', (pio_base.j - 'won_cycle')::text),
    ('won_cycle of 2 elements', jsonb_set(pio_base.j, '{won_cycle}', '[2, 72]')::text),
    ('cycle count above deals', jsonb_set(jsonb_set(pio_base.j, '{won_cycle,0}', '9'), '{won_cycles}', '{"n":9,"values":[0,0,0,0,0,0,0,0,0]}')::text),
    ('negative cycle days', jsonb_set(pio_base.j, '{won_cycle,1}', '-1')::text),
    ('negative cycle microseconds', jsonb_set(pio_base.j, '{lost_cycle,2}', '-1')::text),
    ('cycle sums without cycles', jsonb_set(jsonb_set(jsonb_set(pio_base.j, '{lost_cycle}', '[0, 9, 0]'), '{lost_cycles}', '{"n":0,"values":[]}'), '{negative_cycles}', '1')::text),
    ('cycle count differs from its sketch', jsonb_set(pio_base.j, '{won_cycle,0}', '1')::text),
    ('negative negative_cycles', jsonb_set(pio_base.j, '{negative_cycles}', '-1')::text),
    ('too many negative_cycles', jsonb_set(pio_base.j, '{negative_cycles}', '4')::text),
    ('p out of range', jsonb_set(pio_base.j, '{p}', '1.5')::text),
    ('p negative', jsonb_set(pio_base.j, '{p}', '-0.1')::text),
    ('p a string', jsonb_set(pio_base.j, '{p}', '"0.5"')::text),
    ('sketch missing', (pio_base.j - 'lost_cycles')::text),
    ('sketch not an object', jsonb_set(pio_base.j, '{won_amounts}', '[250.5, 1000]')::text),
    ('sketch n missing', (pio_base.j #- '{won_amounts,n}')::text),
    ('sketch n differs from its values', jsonb_set(pio_base.j, '{won_amounts,n}', '3')::text),
    ('sketch n negative', jsonb_set(pio_base.j, '{won_amounts,n}', '-2')::text),
    ('sketch values not ascending', jsonb_set(pio_base.j, '{won_amounts,values}', '[1000, 250.5]')::text),
    ('sketch value a string', jsonb_set(pio_base.j, '{won_amounts,values,0}', '"NaN"')::text),
    ('sketch with 1025 exact values', jsonb_set(jsonb_set(jsonb_set(pio_base.j, '{stages,1}', '["closed_won",1025,"0"]'),
        '{won_amounts,n}', '1025'), '{won_amounts,values}', (SELECT jsonb_agg(g) FROM generate_series(1, 1025) g))::text),
    ('negative cycle length in a sketch', jsonb_set(pio_base.j, '{won_cycles,values,0}', '-1')::text),
    ('sketches swapped', jsonb_set(jsonb_set(pio_base.j, '{won_amounts}', pio_base.j->'lost_cycles'), '{lost_cycles}', pio_base.j->'won_amounts')::text),
    ('sketch mode: bucket index out of range', jsonb_set(b2.j, '{won_amounts,pos,0}', '40000')::text),
    ('sketch mode: bucket index far below', jsonb_set(b2.j, '{won_amounts,pos,0}', '-40000')::text),
    ('sketch mode: first bucket empty', jsonb_set(b2.j, '{won_amounts,pos,1,0}', '0')::text),
    ('sketch mode: negative bucket count', jsonb_set(b2.j, '{won_amounts,pos,1,0}', '-1')::text),
    ('sketch mode: n differs from buckets', jsonb_set(b2.j, '{won_amounts,n}', '1101')::text),
    ('sketch mode: one bucket of 1025', jsonb_set(b2.j, '{won_amounts}', '{"n":1025,"min":100,"max":100,"zero":0,"neg":[0,[]],"pos":[233,[1025]]}')::text),
    ('sketch mode: 1024 values', jsonb_set(b2.j, '{won_amounts}', '{"n":1024,"min":100,"max":100,"zero":0,"neg":[0,[]],"pos":[233,[1024]]}')::text),
    ('sketch mode: zeros but min > 0', jsonb_set(jsonb_set(b2.j, '{won_amounts,n}', '1101'), '{won_amounts,zero}', '1')::text),
    ('sketch mode: min > max', jsonb_set(b2.j, '{won_amounts,min}', '3000')::text),
    ('sketch mode: max outside its bucket', jsonb_set(b2.j, '{won_amounts,max}', '1e10')::text),
    ('sketch mode: min missing', (b2.j #- '{won_amounts,min}')::text),
    ('sketch mode: store of 1 element', jsonb_set(b2.j, '{won_amounts,pos}', '[1]')::text),
    ('sketch mode: too many buckets', jsonb_set(b2.j, '{won_amounts,pos,1}', (SELECT jsonb_agg(1) FROM generate_series(1, 8193)))::text),
    ('sketch mode: empty store with an index', jsonb_set(b2.j, '{won_amounts,neg}', '[5, []]')::text)
) v(c, t);

SELECT i, name, pg_temp.try(format('SELECT %L::funnel.pipeline', t)) AS result
FROM pio_text_case ORDER BY i;

-- The same rule for these (22P02), whatever the message: an unknown type name,
-- a malformed one, numbers beyond float8, and more won amounts than amounts
SELECT c, left(pg_temp.try(format('SELECT %L::funnel.pipeline', t)), 5) AS sqlstate
FROM pio_base, pio_base2 b2, LATERAL (VALUES
    ('type does not exist', jsonb_set(pio_base.j, '{type}', '"public.no_such_stage"')::text),
    ('type name malformed', jsonb_set(pio_base.j, '{type}', '"no such(type"')::text),
    ('sketch value beyond float8', jsonb_set(pio_base.j, '{won_amounts,values,1}', '1e400')::text),
    ('sketch mode: min beyond float8', jsonb_set(b2.j, '{won_amounts,min}', '-1e400')::text),
    ('p beyond float8', jsonb_set(pio_base.j, '{p}', '1e400')::text),
    ('won amounts without amounts', (SELECT jsonb_set(pio_base.j, '{stages}', jsonb_agg(jsonb_set(e, '{2}', '"0"')))
                                     FROM jsonb_array_elements(pio_base.j->'stages') e)::text)
) v(c, t);

------------------------------------------------------------------------------
-- 4. Binary input validation: 22P03
------------------------------------------------------------------------------
-- The binary form (see src/pipeline.c), built here from the JSON text form, so
-- that each case below changes one thing.  All integers big-endian:
--   u8 version | u32 stage type OID | f64 p (NaN: none) | u32 n |
--   n x (u32 label OID | i64 deals | i64 amounts [| u8 kind (0 fixed point: u8 scale,
--        i128 sum x 10^scale; 1 numeric: u32 length, numeric_send bytes)])
--   won, lost cycles: i64 count | i128 days | i128 microseconds | i64 negative cycles |
--   3 x (u32 length | sketch: u8 version | u8 mode | u64 n | f64 min | f64 max |
--        exact: n x f64 | sketch: u64 zeros | u8 width | 2 x (i32 lo | u32 nbuckets | counts))
-- big-endian integers of 8 and 16 bytes (two's complement; u8, u32, uw: sql/_helpers.sql),
-- IEEE doubles
CREATE FUNCTION pg_temp.i64(v bigint) RETURNS bytea LANGUAGE sql AS $$ SELECT int8send(v) $$;
CREATE FUNCTION pg_temp.f64(v float8) RETURNS bytea LANGUAGE sql AS $$ SELECT float8send(v) $$;
CREATE FUNCTION pg_temp.i128(v numeric) RETURNS bytea LANGUAGE sql AS $$
    SELECT int8send((div(v, 18446744073709551616) - CASE WHEN r < 0 THEN 1 ELSE 0 END)::bigint)
        || int8send((CASE WHEN m >= 9223372036854775808 THEN m - 18446744073709551616 ELSE m END)::bigint)
    FROM (SELECT r, CASE WHEN r < 0 THEN r + 18446744073709551616 ELSE r END AS m
          FROM (SELECT mod(v, 18446744073709551616) AS r) r) s
$$;
-- one quantile sketch, from its JSON text form (or raw hex in a JSON string);
-- "width" overrides the bucket count width
CREATE FUNCTION pg_temp.sk(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT CASE
        WHEN jsonb_typeof(j) = 'string' THEN decode(j #>> '{}', 'hex')
        WHEN j ? 'values' THEN
            pg_temp.u8(1) || pg_temp.u8(0) || pg_temp.i64((j->>'n')::bigint)
            || pg_temp.f64(coalesce((j->'values'->>0)::float8, 0))
            || pg_temp.f64(coalesce((j->'values'->>-1)::float8, 0))
            || coalesce((SELECT string_agg(pg_temp.f64(v::float8), ''::bytea ORDER BY o)
                         FROM jsonb_array_elements_text(j->'values') WITH ORDINALITY a(v, o)), '')
        ELSE
            pg_temp.u8(1) || pg_temp.u8(1) || pg_temp.i64((j->>'n')::bigint)
            || pg_temp.f64((j->>'min')::float8) || pg_temp.f64((j->>'max')::float8)
            || pg_temp.i64((j->>'zero')::bigint) || pg_temp.u8(w)
            || (SELECT string_agg(pg_temp.u32((j->side->>0)::bigint) || pg_temp.u32(jsonb_array_length(j->side->1))
                                  || coalesce((SELECT string_agg(pg_temp.uw(c::bigint, w), ''::bytea ORDER BY o)
                                               FROM jsonb_array_elements_text(j->side->1) WITH ORDINALITY a(c, o)), ''),
                                  ''::bytea ORDER BY side)
                FROM unnest(ARRAY['neg', 'pos']) side)
        END
    FROM (SELECT coalesce((j->>'width')::int,
                          (SELECT CASE WHEN max(c::numeric) <= 255 THEN 1 WHEN max(c::numeric) <= 65535 THEN 2
                                       WHEN max(c::numeric) <= 4294967295 THEN 4 ELSE 8 END
                           FROM jsonb_array_elements_text(coalesce(j->'pos'->1, '[]') || coalesce(j->'neg'->1, '[]')) c),
                          1) AS w) s
$$;
-- a stage: [label or label OID, deals, "count:sum"] (fixed-point sum) or a 4th element:
-- the sum's bytes in hex
CREATE FUNCTION pg_temp.stage_bin(typ text, e jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u32(CASE WHEN jsonb_typeof(e->0) = 'number' THEN (e->>0)::bigint
                            ELSE (SELECT oid::bigint FROM pg_enum
                                  WHERE enumtypid = typ::regtype AND enumlabel = e->>0) END)
        || pg_temp.i64((e->>1)::bigint)
        || CASE WHEN jsonb_array_length(e) > 3 THEN decode(e->>3, 'hex')
                WHEN split_part(e->>2, ':', 1)::bigint = 0 THEN pg_temp.i64(0)
                ELSE pg_temp.i64(split_part(e->>2, ':', 1)::bigint) || pg_temp.u8(0)
                     || pg_temp.u8(scale(split_part(e->>2, ':', 2)::numeric))
                     || pg_temp.i128(split_part(e->>2, ':', 2)::numeric * power(10::numeric, scale(split_part(e->>2, ':', 2)::numeric)))
           END
$$;
CREATE FUNCTION pg_temp.cyc_bin(c jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.i64((c->>0)::bigint) || pg_temp.i128((c->>1)::numeric) || pg_temp.i128((c->>2)::numeric)
$$;
-- the binary form (pipeline_send) of a state given as its JSON text form;
-- "type_oid" and "nstages" override those fields, a sketch {"raw": hex} gives the
-- bytes of the sketch with its length prefix; version 2 adds the mask of the
-- sketches kept (won_amounts 1, won_cycles 2, lost_cycles 4; "kept_mask" overrides)
CREATE FUNCTION pg_temp.pbin(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u8((j->>'version')::bigint)
        || pg_temp.u32(coalesce((j->>'type_oid')::bigint, (j->>'type')::regtype::oid::bigint, 0))
        || pg_temp.f64(coalesce((j->>'p')::float8, 'NaN'))
        || CASE WHEN (j->>'version')::int = 2 THEN
               pg_temp.u8(coalesce((j->>'kept_mask')::bigint,
                                   (SELECT coalesce(sum(CASE k WHEN 'won_amounts' THEN 1 WHEN 'won_cycles' THEN 2
                                                               WHEN 'lost_cycles' THEN 4 END), 0)::bigint
                                    FROM jsonb_array_elements_text(j->'kept') k)))
           ELSE ''::bytea END
        || pg_temp.u32(coalesce((j->>'nstages')::bigint, jsonb_array_length(j->'stages')))
        || coalesce((SELECT string_agg(pg_temp.stage_bin(j->>'type', e), ''::bytea ORDER BY o)
                     FROM jsonb_array_elements(j->'stages') WITH ORDINALITY a(e, o)), '')
        || pg_temp.cyc_bin(j->'won_cycle') || pg_temp.cyc_bin(j->'lost_cycle')
        || pg_temp.i64((j->>'negative_cycles')::bigint)
        || (SELECT string_agg(CASE WHEN jsonb_typeof(j->f) = 'object' AND j->f ? 'raw' THEN decode(j->f->>'raw', 'hex')
                                   ELSE pg_temp.u32(length(pg_temp.sk(j->f))) || pg_temp.sk(j->f) END,
                              ''::bytea ORDER BY o)
            FROM unnest(ARRAY['won_amounts', 'won_cycles', 'lost_cycles']) WITH ORDINALITY a(f, o))
$$;

-- Binary input goes through COPY ... FROM a file WITH (FORMAT binary): the file is
-- written with lo_export (server side), one row of one column.
CREATE TEMP TABLE pio_recv (p funnel.pipeline);
CREATE TEMP TABLE pio_recv_conv (c funnel.conversion);
-- COPY a raw file into the table; 'ok <text of the value>' or 'SQLSTATE: message'
-- (OIDs in messages shown as N)
CREATE FUNCTION pg_temp.copy_in(file bytea, tbl text DEFAULT 'pio_recv') RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(file);
    BEGIN
        EXECUTE format('DELETE FROM %I', tbl);
        EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tbl, pg_temp.copy_path());
        EXECUTE format('SELECT string_agg(x::text, '','') FROM %I t(x)', tbl) INTO res;
        RETURN 'ok ' || res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN st || ': ' || regexp_replace(msg, '\d{5,}', 'N', 'g');
    END;
END
$$;
CREATE FUNCTION pg_temp.recv(field bytea, tbl text DEFAULT 'pio_recv') RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.copy_in(pg_temp.copy_file(field), tbl)
$$;

-- the builder writes the OID form (pipeline_send's before 1.1 made it portable, which recv
-- still reads; see binary_portable.sql): recv reads it as the value pipeline_send's form is
-- (exact and sketch mode); build it from the canonical text (stages in label-OID order)
SELECT pg_temp.recv(pg_temp.pbin(j::text::funnel.pipeline::text::jsonb)) = pg_temp.recv(funnel.pipeline_send(j::text::funnel.pipeline)) AS exact_same FROM pio_base;
SELECT pg_temp.recv(pg_temp.pbin(j)) = pg_temp.recv(funnel.pipeline_send(j::text::funnel.pipeline)) AS sketch_same FROM pio_base2;
SELECT name, pg_temp.recv(pg_temp.pbin(p::text::jsonb)) = pg_temp.recv(funnel.pipeline_send(p)) AS same
FROM pio_state WHERE name IN ('sketch', 'owner 1', 'quoted funnel', 'with p', 'no stages') ORDER BY name;

CREATE TEMP TABLE pio_bin_case (i serial, name text, b bytea);
INSERT INTO pio_bin_case (name, b)
SELECT c, b FROM pio_base, pio_base2 b2,
     LATERAL (SELECT pg_temp.pbin(pio_base.j) AS b0, pg_temp.pbin(b2.j) AS b20) x,
     LATERAL (VALUES
    ('valid', b0),
    ('valid: stages in another order', pg_temp.pbin(jsonb_set(pio_base.j, '{stages}', '[["proposal",1,"0"],["closed_lost",2,"2:60"],["closed_won",2,"2:1250.50"],["lead",1,"1:100"]]'))),
    ('valid: a numeric sum (kind 1)', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(length(numeric_send(100))) || numeric_send(100), 'hex'))))),
    ('valid: p is another NaN', overlay(b0 PLACING '\xfff8000000000001'::bytea FROM 6 FOR 8)),
    ('valid sketch mode', b20),
    ('valid: one bucket of 1025 (2-byte counts)', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts}', '{"n":1025,"min":100,"max":100,"zero":0,"neg":[0,[]],"pos":[233,[1025]]}'))),
    ('empty', ''::bytea),
    ('version 0', overlay(b0 PLACING '\x00'::bytea FROM 1 FOR 1)),
    ('version 3', overlay(b0 PLACING '\x03'::bytea FROM 1 FOR 1)),
    ('type not an enum', pg_temp.pbin(pio_base.j || '{"type_oid": 23}')),
    ('type an unused OID', pg_temp.pbin(pio_base.j || '{"type_oid": 4000000000}')),
    ('no type, with stages', pg_temp.pbin(pio_base.j || '{"type_oid": 0}')),
    ('type another funnel', pg_temp.pbin(pio_base.j || jsonb_build_object('type_oid', 'funnel.marketing_stage'::regtype::oid))),
    ('label of another enum', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,0}',
        to_jsonb((SELECT oid::bigint FROM pg_enum WHERE enumtypid = 'funnel.marketing_stage'::regtype AND enumlabel = 'awareness'))))),
    ('label OID 0', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,0}', '0'))),
    ('stage listed twice', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,3,0}', '"lead"'))),
    ('too many stages', pg_temp.pbin(pio_base.j || '{"nstages": 1001}')),
    ('stage count 2^32-1', pg_temp.pbin(pio_base.j || '{"nstages": 4294967295}')),
    ('stage count above the stages', pg_temp.pbin(pio_base.j || '{"nstages": 5}')),
    ('stage count below the stages', pg_temp.pbin(pio_base.j || '{"nstages": 3}')),
    ('negative deals', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,1}', '-1'))),
    ('zero deals', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,1}', '0'))),
    ('stage twice, first with zero deals', pg_temp.pbin(jsonb_set(pio_base.j, '{stages}', '[["lead",0,"1:999"],["lead",1,"0"],["closed_won",2,"2:1250.50"],["closed_lost",2,"2:60"],["proposal",1,"0"]]'))),
    ('deal total beyond int64', pg_temp.pbin(jsonb_set(jsonb_set(pio_base.j, '{stages,0,1}', '9223372036854775807'), '{stages,3,1}', '9223372036854775807'))),
    ('more amounts than deals', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,2}', '"2:100"'))),
    ('negative amount count', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}', to_jsonb(encode(pg_temp.i64(-1), 'hex'))))),
    ('unknown sum kind', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}', to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(2), 'hex'))))),
    ('sum scale above 30', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(0) || pg_temp.u8(31) || pg_temp.i128(1), 'hex'))))),
    ('fixed-point sum beyond 10^38', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(0) || pg_temp.u8(0) || pg_temp.i128(1e38), 'hex'))))),
    ('fixed-point sum below -10^38', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(0) || pg_temp.u8(0) || pg_temp.i128(-1e38), 'hex'))))),
    ('numeric sum NaN', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(length(numeric_send('NaN'))) || numeric_send('NaN'), 'hex'))))),
    ('numeric sum -Infinity', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(length(numeric_send('-Infinity'))) || numeric_send('-Infinity'), 'hex'))))),
    ('numeric sum with a bad digit', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(10) || '\x0001000000000000ffff'::bytea, 'hex'))))),
    ('numeric sum with a trailing byte', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(length(numeric_send(100)) + 1) || numeric_send(100) || '\x00'::bytea, 'hex'))))),
    ('numeric sum length beyond the value', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(100000) || numeric_send(100), 'hex'))))),
    ('cycle count above deals', pg_temp.pbin(jsonb_set(jsonb_set(pio_base.j, '{won_cycle,0}', '9'), '{won_cycles}', '{"n":9,"values":[0,0,0,0,0,0,0,0,0]}'))),
    ('negative cycle days', pg_temp.pbin(jsonb_set(pio_base.j, '{won_cycle,1}', '-1'))),
    ('negative cycle microseconds (high word)', pg_temp.pbin(jsonb_set(pio_base.j, '{lost_cycle,2}', '-170141183460469231731687303715884105728'))),
    ('cycle sums without cycles', pg_temp.pbin(jsonb_set(jsonb_set(jsonb_set(pio_base.j, '{lost_cycle}', '[0, 9, 0]'), '{lost_cycles}', '{"n":0,"values":[]}'), '{negative_cycles}', '1'))),
    ('cycle count differs from its sketch', pg_temp.pbin(jsonb_set(pio_base.j, '{won_cycle,0}', '1'))),
    ('negative negative_cycles', pg_temp.pbin(jsonb_set(pio_base.j, '{negative_cycles}', '-1'))),
    ('too many negative_cycles', pg_temp.pbin(jsonb_set(pio_base.j, '{negative_cycles}', '4'))),
    ('cycle sums swapped', pg_temp.pbin(jsonb_set(jsonb_set(pio_base.j, '{won_cycle}', pio_base.j->'lost_cycle'), '{lost_cycle}', pio_base.j->'won_cycle'))),
    ('p out of range', pg_temp.pbin(jsonb_set(pio_base.j, '{p}', '2'))),
    ('p Infinity', overlay(b0 PLACING float8send('Infinity') FROM 6 FOR 8)),
    ('p -Infinity', overlay(b0 PLACING float8send('-Infinity') FROM 6 FOR 8)),
    ('trailing byte', b0 || '\x00'::bytea),
    ('sketch n differs from its values', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts,n}', '3'))),
    ('sketch values not ascending', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts,values}', '[1000, 250.5]'))),
    ('sketch value NaN', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts,values}', '["NaN", 1000]'))),
    ('sketch value Infinity', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts,values}', '[250.5, "Infinity"]'))),
    ('sketch value -0', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts,values}', '["-0", 1000]'))),
    ('sketch min not the first value', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}',
        to_jsonb(encode(pg_temp.u8(1) || pg_temp.u8(0) || pg_temp.i64(2) || pg_temp.f64(1) || pg_temp.f64(1000)
                        || pg_temp.f64(250.5) || pg_temp.f64(1000), 'hex'))))),
    ('sketch with 1025 exact values', pg_temp.pbin(jsonb_set(jsonb_set(jsonb_set(pio_base.j, '{stages,1}', '["closed_won",1025,"0"]'),
        '{won_amounts,n}', '1025'), '{won_amounts,values}', (SELECT jsonb_agg(g) FROM generate_series(1, 1025) g)))),
    ('sketch version 2', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}', to_jsonb('02' || substring(encode(pg_temp.sk(pio_base.j->'won_amounts'), 'hex') FROM 3))))),
    ('sketch mode byte 2', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}', to_jsonb('0102' || substring(encode(pg_temp.sk(pio_base.j->'won_amounts'), 'hex') FROM 5))))),
    ('sketch shorter than its length', pg_temp.pbin(jsonb_set(pio_base.j, '{lost_cycles}',
        jsonb_build_object('raw', encode(pg_temp.u32(length(pg_temp.sk(pio_base.j->'lost_cycles')) + 8) || pg_temp.sk(pio_base.j->'lost_cycles'), 'hex'))))),
    ('sketch length 2^32-1', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}',
        jsonb_build_object('raw', encode(pg_temp.u32(4294967295) || pg_temp.sk(pio_base.j->'won_amounts'), 'hex'))))),
    ('bytes after a sketch', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}',
        jsonb_build_object('raw', encode(pg_temp.u32(length(pg_temp.sk(pio_base.j->'won_amounts')) + 1) || pg_temp.sk(pio_base.j->'won_amounts') || '\x00'::bytea, 'hex'))))),
    ('sketch length 0', pg_temp.pbin(jsonb_set(pio_base.j, '{won_amounts}', jsonb_build_object('raw', '00000000')))),
    ('negative cycle length in a sketch', pg_temp.pbin(jsonb_set(pio_base.j, '{won_cycles,values,0}', '-1'))),
    ('sketches swapped', pg_temp.pbin(jsonb_set(jsonb_set(pio_base.j, '{won_amounts}', pio_base.j->'lost_cycles'), '{lost_cycles}', pio_base.j->'won_amounts'))),
    ('sketch mode: bucket index out of range', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,pos,0}', '40000'))),
    ('sketch mode: bucket index far below', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,pos,0}', '-40000'))),
    ('sketch mode: first bucket empty', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,pos,1,0}', '0'))),
    ('sketch mode: n differs from buckets', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,n}', '1101'))),
    ('sketch mode: 1024 values', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts}', '{"n":1024,"min":100,"max":100,"zero":0,"neg":[0,[]],"pos":[233,[1024]]}'))),
    ('sketch mode: zeros but min > 0', pg_temp.pbin(jsonb_set(jsonb_set(b2.j, '{won_amounts,n}', '1101'), '{won_amounts,zero}', '1'))),
    ('sketch mode: min > max', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,min}', '3000'))),
    ('sketch mode: max outside its bucket', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,max}', '1e10'))),
    ('sketch mode: min NaN', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,min}', '"NaN"'))),
    ('sketch mode: count width not minimal', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,width}', '2'))),
    ('sketch mode: count width 3', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,width}', '3'))),
    ('sketch mode: too many buckets', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,pos,1}', (SELECT jsonb_agg(1) FROM generate_series(1, 8193))))),
    ('sketch mode: empty store with an index', pg_temp.pbin(jsonb_set(b2.j, '{won_amounts,neg}', '[5, []]'))),
    ('sketch mode: counts overflow', pg_temp.pbin(jsonb_set(jsonb_set(b2.j, '{won_amounts,pos,1,0}', '9223372036854775807'), '{won_amounts,pos,1,1}', '9223372036854775807')))
) v(c, b);

SELECT i, name, CASE WHEN r LIKE 'ok %' THEN 'ok' ELSE r END AS result
FROM pio_bin_case, pg_temp.recv(b) r ORDER BY i;
-- accepted reordered stages: the text form lists them in label-OID order
SELECT pg_temp.recv(b) FROM pio_bin_case WHERE name = 'valid: stages in another order';

-- The same rule for these (22P03), whatever the message: cycle sums the text form
-- cannot hold, a truncated numeric sum
SELECT c, CASE WHEN r LIKE 'ok %' THEN 'ok' ELSE left(r, 5) END AS sqlstate
FROM pio_base, LATERAL (VALUES
    ('cycle days beyond int64', pg_temp.pbin(jsonb_set(pio_base.j, '{won_cycle,1}', '100000000000000000000'))),
    ('numeric sum truncated', pg_temp.pbin(jsonb_set(pio_base.j, '{stages,0,3}',
        to_jsonb(encode(pg_temp.i64(1) || pg_temp.u8(1) || pg_temp.u32(3) || '\x000100'::bytea, 'hex'))))),
    ('won amounts without amounts', pg_temp.pbin((SELECT jsonb_set(pio_base.j, '{stages}', jsonb_agg(jsonb_set(e, '{2}', '"0"')))
                                                 FROM jsonb_array_elements(pio_base.j->'stages') e)))
) v(c, b), pg_temp.recv(b) r;

-- Every prefix of a valid value (exact mode: every length; sketch mode: every 7th
-- length and the last 16): all 22P03
SELECT 'exact' AS state, count(*) AS prefixes, left(r, 5) AS sqlstate
FROM pio_base, LATERAL (SELECT pg_temp.pbin(j) AS b) x, generate_series(0, length(b) - 1) n,
     pg_temp.recv(substring(b FROM 1 FOR n)) r
GROUP BY 3
UNION ALL
SELECT 'sketch', count(*), left(r, 5)
FROM pio_base2, LATERAL (SELECT pg_temp.pbin(j) AS b) x, generate_series(0, length(b) - 1) n,
     pg_temp.recv(substring(b FROM 1 FOR n)) r
WHERE n % 7 = 0 OR n >= length(b) - 16
GROUP BY 3
ORDER BY 1, 3;

-- A binary COPY file cut anywhere: COPY's own error (22P04), never a crash; COPY
-- takes a file cut right after its header, or inside the end marker, as complete
SELECT CASE WHEN r IS NULL THEN 'ok, no row' WHEN r LIKE 'ok %' THEN 'ok, the value' ELSE left(r, 5) END AS result,
       count(*) AS cuts, string_agg(n::text, ',' ORDER BY n) FILTER (WHERE r IS NULL OR r LIKE 'ok %') AS at
FROM pio_base, LATERAL (SELECT pg_temp.copy_file(pg_temp.pbin(j)) AS f) x, generate_series(0, length(f) - 1) n,
     pg_temp.copy_in(substring(f FROM 1 FOR n)) r
GROUP BY 1 ORDER BY 1;
SELECT length(pg_temp.copy_file(pg_temp.pbin(j))) AS file_length FROM pio_base;

-- Every byte of a valid value changed (xor 0xFF, and + 1): rejected with 22P03, or
-- accepted as a value that prints, reads back as the same text and answers every
-- accessor (e.g. a changed amount)
CREATE FUNCTION pg_temp.mutant(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text := pg_temp.recv(b); st text; msg text; t text;
BEGIN
    IF r NOT LIKE 'ok %' THEN
        RETURN CASE WHEN r LIKE '22P03:%' THEN 'rejected' ELSE 'PROBLEM ' || r END;
    END IF;
    BEGIN
        SELECT p::text INTO t FROM pio_recv;
        IF t::funnel.pipeline::text <> t THEN
            RETURN 'PROBLEM text round trip ' || t;
        END IF;
        PERFORM pg_temp.figures(p) FROM pio_recv;
        RETURN 'accepted';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        -- an accessor may refuse a value whose type is not a registered funnel
        IF st = '42704' THEN RETURN 'accepted'; END IF;
        RETURN 'PROBLEM ' || st || ': ' || msg || ' ' || coalesce(t, '');
    END;
END
$$;
SELECT count(*) AS mutants, count(*) FILTER (WHERE r LIKE 'PROBLEM%') AS problems,
       string_agg(r, E'\n') FILTER (WHERE r LIKE 'PROBLEM%') AS details
FROM pio_base, LATERAL (SELECT pg_temp.pbin(j) AS b) x, generate_series(0, length(b) - 1) n,
     LATERAL (VALUES (set_byte(b, n, get_byte(b, n) # 255)), (set_byte(b, n, (get_byte(b, n) + 1) % 256))) m(mb),
     pg_temp.mutant(mb) r;

-- Random bytes: any length, after a valid header (version, type, no p), and after a
-- valid first stage
CREATE FUNCTION pg_temp.random_bytes(n int) RETURNS bytea LANGUAGE sql AS $$
    SELECT coalesce(decode(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), 'hex'), '')
    FROM generate_series(1, n)
$$;
SELECT setseed(0.75);
SELECT family, count(*) AS values, count(*) FILTER (WHERE r = 'rejected') AS rejected_22p03,
       count(*) FILTER (WHERE r LIKE 'PROBLEM%') AS problems
FROM pio_base, LATERAL (SELECT pg_temp.pbin(j) AS b) x,
     LATERAL (VALUES ('random', 0), ('after the header', 13), ('after a stage', 55)) f(family, keep),
     generate_series(1, 150) i,
     LATERAL (SELECT substring(b FROM 1 FOR keep) || pg_temp.random_bytes(floor(random() * 120)::int + i * 0) AS rb) y,
     pg_temp.mutant(rb) r
GROUP BY family ORDER BY family;

------------------------------------------------------------------------------
-- 5. funnel.conversion, the state of conversion_rate: {"from":N,"converted":M}
------------------------------------------------------------------------------
SELECT funnel.conversion_rate(f, t)::text AS rate,
       (SELECT s::text FROM (SELECT '{"converted": 2, "from": 5}'::funnel.conversion) x(s)) AS state,
       funnel.conversion_final('{"from":5,"converted":2}') AS final,
       funnel.conversion_final('{"from":0,"converted":0}') AS final_of_nothing
FROM (VALUES (true, true), (true, false), (true, NULL), (true, true), (true, false), (false, true)) v(f, t);
SELECT t, pg_temp.try(format('SELECT %L::funnel.conversion', t)) AS result
FROM (VALUES ('{"from":5,"converted":2}'), ('{"from":0,"converted":0}'),
             ('{"from":9223372036854775807,"converted":9223372036854775807}'),
             ('{"from":5,"converted":2,"other":1}'),
             ('{"from":5}'), ('{"converted":2}'), ('{"from":-1,"converted":0}'), ('{"from":5,"converted":-1}'),
             ('{"from":2,"converted":5}'), ('{"from":5.5,"converted":2}'), ('{"from":"5","converted":2}'),
             ('{"from":null,"converted":2}'), ('{"from":9223372036854775808,"converted":0}'),
             ('[5, 2]'), ('5'), (''), ('{"from":5,')) v(t);
-- round trip: text and binary COPY
CREATE TABLE pio_conv (c funnel.conversion);
INSERT INTO pio_conv VALUES ('{"from":0,"converted":0}'), ('{"from":5,"converted":2}'),
                            ('{"from":9223372036854775807,"converted":1}');
SELECT pg_temp.try(format('COPY pio_conv TO %L WITH (FORMAT binary)', pg_temp.copy_path()));
TRUNCATE pio_recv_conv;
SELECT pg_temp.try(format('COPY pio_recv_conv FROM %L WITH (FORMAT binary)', pg_temp.copy_path()));
SELECT c::text, c::text::funnel.conversion::text = c::text AS text_same,
       (SELECT count(*) FROM pio_recv_conv r WHERE r.c::text = pio_conv.c::text) AS binary_copies
FROM pio_conv ORDER BY 1;
-- binary: two int64, from and converted
SELECT name, r AS result
FROM (VALUES ('valid', pg_temp.i64(5) || pg_temp.i64(2)),
             ('converted > from', pg_temp.i64(2) || pg_temp.i64(5)),
             ('negative from', pg_temp.i64(-1) || pg_temp.i64(0)),
             ('negative converted', pg_temp.i64(5) || pg_temp.i64(-1)),
             ('trailing byte', pg_temp.i64(5) || pg_temp.i64(2) || '\x00'::bytea)) v(name, b),
     pg_temp.recv(b, 'pio_recv_conv') r;
-- truncated: 22P03 as well, whatever the message
SELECT n AS bytes, left(pg_temp.recv(substring(pg_temp.i64(5) || pg_temp.i64(2) FROM 1 FOR n), 'pio_recv_conv'), 5) AS sqlstate
FROM generate_series(0, 15, 5) n;

------------------------------------------------------------------------------
-- 6. States that keep sums only (version 2)
------------------------------------------------------------------------------
-- funnel.avg_deal_size and funnel.avg_cycle_length read sums only, so their states
-- fill no quantile sketch: such a state names the sketches it keeps ("kept"), a
-- sketch not kept is empty, and a quantile from it is refused, never answered from
-- the values that happened to be there.  (The parallel and Citus runs of those
-- aggregates pass such states between processes; SQL sees one only through the text
-- and binary forms.)  A state that keeps all three is version 1, byte for byte as
-- before.
CREATE TEMP TABLE pio_kept AS
SELECT jsonb_set(jsonb_set(jsonb_set(j, '{version}', '2'), '{won_cycles}', '{"n":0,"values":[]}'),
                 '{lost_cycles}', '{"n":0,"values":[]}') || '{"kept":["won_amounts"]}' AS j
FROM pio_base;
-- its text form, and the same value back from text and from binary
SELECT j::text::funnel.pipeline AS p FROM pio_kept;
SELECT j::text::funnel.pipeline::text = j::text::funnel.pipeline::text::funnel.pipeline::text AS text_same,
       pg_temp.recv(funnel.pipeline_send(j::text::funnel.pipeline)) = 'ok ' || j::text::funnel.pipeline::text AS send_recv_same,
       pg_temp.recv(pg_temp.pbin(j)) = 'ok ' || j::text::funnel.pipeline::text AS built_same
FROM pio_kept;
-- the sums and counts are all there; the cycle quantiles are refused (0A000)
SELECT funnel.deal_count(p), funnel.won_count(p), funnel.avg_deal_size(p), funnel.avg_cycle_length(p),
       funnel.avg_cycle_length(p, true) AS won_avg_cycle, funnel.deal_size_quantile(p, 0.5) AS median_deal
FROM (SELECT j::text::funnel.pipeline AS p FROM pio_kept) s;
SELECT pg_temp.try(format('SELECT funnel.cycle_length_quantile(%L::funnel.pipeline, 0.5)', j)) FROM pio_kept;
SELECT pg_temp.try(format('SELECT funnel.cycle_length_quantile(%L::funnel.pipeline, 0.5, true)', j)) FROM pio_kept;
-- (a state that keeps the cycle sketches only: its deal-size quantile is refused)
SELECT pg_temp.try(format('SELECT funnel.deal_size_quantile(%L::funnel.pipeline, 0.5)',
                          jsonb_set(jsonb_set(j, '{version}', '2'), '{won_amounts}', '{"n":0,"values":[]}')
                          || '{"kept":["won_cycles","lost_cycles"]}'))
FROM pio_base;
-- merged with a state that keeps every sketch: every sum and count adds up, a
-- sketch is kept only where both keep it (the won amounts: 4 values), in either order
SELECT funnel.rollup(p ORDER BY o)::text AS merged,
       funnel.rollup(p ORDER BY o)::text = funnel.rollup(p ORDER BY -o)::text AS either_order
FROM (SELECT 1 AS o, j::text::funnel.pipeline AS p FROM pio_base
      UNION ALL SELECT 2, j::text::funnel.pipeline FROM pio_kept) s;
-- two states that keep different sketches keep none; an empty state that keeps none
-- drops them too, in either order
SELECT funnel.rollup(p ORDER BY o)::text::jsonb->'kept' AS kept,
       funnel.rollup(p ORDER BY o)::text = funnel.rollup(p ORDER BY -o)::text AS either_order
FROM (SELECT 1 AS o, j::text::funnel.pipeline AS p FROM pio_kept
      UNION ALL SELECT 2, (jsonb_set(jsonb_set(pio_base.j, '{version}', '2'), '{won_amounts}', '{"n":0,"values":[]}')
                           || '{"kept":["won_cycles","lost_cycles"]}')::text::funnel.pipeline FROM pio_base) s;
SELECT funnel.rollup(p ORDER BY o)::text::jsonb->'kept' AS kept, funnel.rollup(p ORDER BY o)::text::jsonb->'won_cycles' AS won_cycles,
       funnel.rollup(p ORDER BY o)::text = funnel.rollup(p ORDER BY -o)::text AS either_order
FROM (SELECT 1 AS o, j::text::funnel.pipeline AS p FROM pio_base
      UNION ALL SELECT 2, '{"version":2,"type":null,"p":null,"stages":[],"won_cycle":[0,0,0],"lost_cycle":[0,0,0],"negative_cycles":0,"won_amounts":{"n":0,"values":[]},"won_cycles":{"n":0,"values":[]},"lost_cycles":{"n":0,"values":[]},"kept":[]}'::funnel.pipeline) s;
-- the direct aggregates: the same figures as from funnel.pipeline, through partial
-- states (pipeline_differential.sql checks them against plain SQL, in parallel too)
SELECT funnel.avg_deal_size(stage, amount) = funnel.avg_deal_size(funnel.pipeline(stage, amount, created_at, closed_at)) AS avg_deal_same,
       funnel.avg_cycle_length(stage, created_at, closed_at) = funnel.avg_cycle_length(funnel.pipeline(stage, amount, created_at, closed_at)) AS avg_cycle_same,
       funnel.avg_deal_size(stage, amount) IS NOT NULL AND funnel.avg_cycle_length(stage, created_at, closed_at) IS NOT NULL AS not_null
FROM (VALUES ('closed_won'::funnel.sales_stage, 100::numeric, '2026-01-01'::timestamptz, '2026-02-01'::timestamptz),
             ('closed_won', 300, '2026-01-01', '2026-01-11'), ('closed_lost', 50, '2026-01-05', '2026-01-06'),
             ('lead', 70, '2026-01-01', NULL)) d(stage, amount, created_at, closed_at);
-- text input (22P02)
SELECT name, pg_temp.try(format('SELECT %L::funnel.pipeline', t)) AS result
FROM pio_kept, LATERAL (VALUES
    ('valid: keeps none', jsonb_set(jsonb_set(j, '{kept}', '[]'), '{won_amounts}', '{"n":0,"values":[]}')::text),
    ('keeps all three', (j || '{"kept":["won_amounts","won_cycles","lost_cycles"]}')::text),
    ('"kept" in version 1', jsonb_set(j, '{version}', '1')::text),
    ('"kept" names an unknown sketch', (j || '{"kept":["won_amounts","medians"]}')::text),
    ('"kept" names a sketch twice', (j || '{"kept":["won_amounts","won_amounts"]}')::text),
    ('"kept" not an array', (j || '{"kept":"won_amounts"}')::text),
    ('"kept" null', (j || '{"kept":null}')::text),
    ('"kept" missing', (j - 'kept')::text),
    ('"kept" holds a number', (j || '{"kept":[1]}')::text),
    ('values in a sketch not kept', jsonb_set(j, '{won_cycles}', (SELECT j->'won_cycles' FROM pio_base))::text)
) v(name, t);
-- binary input (22P03)
SELECT name, CASE WHEN r LIKE 'ok %' THEN 'ok' ELSE r END AS result
FROM pio_kept, LATERAL (VALUES
    ('valid', pg_temp.pbin(j)),
    ('valid: keeps none', pg_temp.pbin(jsonb_set(jsonb_set(j, '{kept}', '[]'), '{won_amounts}', '{"n":0,"values":[]}'))),
    ('mask of all three', pg_temp.pbin(j || '{"kept_mask":7}')),
    ('mask with an unknown bit', pg_temp.pbin(j || '{"kept_mask":9}')),
    ('values in a sketch not kept', pg_temp.pbin(jsonb_set(j, '{won_cycles}', (SELECT j->'won_cycles' FROM pio_base)))),
    ('truncated before the mask', substring(pg_temp.pbin(j) FROM 1 FOR 13))
) v(name, b), LATERAL pg_temp.recv(b) r;

------------------------------------------------------------------------------
-- 7. A funnel of 20 stages: the slots grow past their first 8 before and after
-- the first amount (the amounts live after the slots, moved with them)
------------------------------------------------------------------------------
CREATE TYPE pio_many AS ENUM ('s01', 's02', 's03', 's04', 's05', 's06', 's07', 's08', 's09', 's10',
                              's11', 's12', 's13', 's14', 's15', 's16', 's17', 's18', 'won', 'lost');
SELECT funnel.register_funnel('pio_many', won => ARRAY['won'], lost => ARRAY['lost']);
CREATE TEMP TABLE pio_many_deal AS
SELECT g, (enum_range(NULL::pio_many))[1 + g % 20] AS stage,
       CASE WHEN g <= 40 THEN NULL ELSE g * 10.5 END AS amount
FROM generate_series(1, 200) g;
-- the aggregate (slots made in funnel order, amounts from row 41 on), in row order and
-- reversed, against plain SQL
SELECT funnel.open_value(p) = (SELECT sum(amount) FROM pio_many_deal WHERE stage NOT IN ('won', 'lost')) AS open_value_ok,
       funnel.avg_deal_size(p) = (SELECT avg(amount) FROM pio_many_deal WHERE stage = 'won') AS avg_deal_ok,
       funnel.deal_count(p) AS deals, p::text = q::text AS same_either_order
FROM (SELECT funnel.pipeline(stage, amount, NULL, NULL ORDER BY g) AS p,
             funnel.pipeline(stage, amount, NULL, NULL ORDER BY -g) AS q FROM pio_many_deal) s;
-- text and binary input make the slots one by one, amounts among them: the same value
-- back, and merged with itself every figure doubles
SELECT p::text::funnel.pipeline::text = p::text AS text_same,
       pg_temp.recv(funnel.pipeline_send(p)) = 'ok ' || p::text AS send_recv_same,
       (SELECT funnel.open_value(funnel.rollup(x)) = 2 * funnel.open_value(p) AND funnel.deal_count(funnel.rollup(x)) = 400
        FROM (VALUES (p::text::funnel.pipeline), (p::text::funnel.pipeline)) v(x)) AS rollup_doubles
FROM (SELECT funnel.pipeline(stage, amount, NULL, NULL) AS p FROM pio_many_deal) s;

------------------------------------------------------------------------------
-- clean up
------------------------------------------------------------------------------
-- (the program reads its input first: a program that exits before COPY has
-- written makes COPY fail with "Broken pipe")
SELECT pg_temp.try(format('COPY (SELECT) TO PROGRAM %L', 'cat >/dev/null; rm -f ' || pg_temp.copy_path()));
DROP TABLE pio_state, pio_state_bin, pio_conv, pio_recv, pio_recv_conv, pio_deal, pio_base, pio_base2,
           pio_text_case, pio_bin_case, pio_kept;
DROP TABLE pio_many_deal;
SELECT funnel.drop_funnel('pio_many');
DROP TYPE pio_many;
SELECT funnel.drop_funnel('"pio ""q"" stage"');
DROP TYPE "pio ""q"" stage";
