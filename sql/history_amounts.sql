-- history_amounts.sql: the amounts of pipeline_as_of and pipeline_waterfall
-- are exactly what sum(numeric) and numeric comparison give, whatever the
-- stored form of the numeric: display scales 0 to 4 and 8, 1 to 40
-- significant digits, digits past the decimal point that end in zeros,
-- negative values, zeros of several scales, values too wide for the fixed
-- point (the numeric fallback), the same value written with different
-- scales (10.5 and 10.50: no amount change), a from_amount that is the
-- same bytes as the amount and one that is not, and compressed (toasted)
-- values.  Seeded random histories, serial and with parallel forced on.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SELECT setseed(0.17);

-- a value of each shape, by kind k and a random u
CREATE FUNCTION pg_temp.amount(k int, u float8) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE k
        WHEN 0 THEN round((u * 100000)::numeric, 2)                 -- 12345.67 (a typical amount)
        WHEN 1 THEN round((u * 100000)::numeric, 0)                 -- integer
        WHEN 2 THEN round((u * 1000)::numeric, 1)                   -- one decimal: 123.4
        WHEN 3 THEN round((u * 10)::numeric, 8)                     -- 8 decimals: 3.14159265
        WHEN 4 THEN round((u * 1e15)::numeric, 2)                   -- 17 digits: past int64 steps
        WHEN 5 THEN -round((u * 50000)::numeric, 3)                 -- negative (a credit note)
        WHEN 6 THEN round(0::numeric, (u * 4)::int)                 -- zero of scale 0 to 4
        WHEN 7 THEN round((u * 1e30)::numeric, 4) * 1000000         -- 40 digits: numeric fallback
        WHEN 8 THEN round((u * 1000)::numeric, 0)::numeric(14, 2)   -- 500.00: trailing zeros kept
        WHEN 9 THEN round((u * 1e12)::numeric, 0) * 10000           -- 10^16 and up, no decimals
        ELSE round((u * 100)::numeric, 1)::numeric(10, 3)           -- 10.500 vs 10.5 elsewhere
    END
$$;

CREATE TABLE ha_hist (id int, owner int, from_stage funnel.sales_stage, to_stage funnel.sales_stage,
                      changed_at timestamptz, from_amount numeric, amount numeric);
ALTER TABLE ha_hist ALTER COLUMN amount SET STORAGE main, ALTER COLUMN from_amount SET STORAGE main;
CREATE FUNCTION pg_temp.gen(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stages funnel.sales_stage[] := enum_range(NULL::funnel.sales_stage);
    st funnel.sales_stage; nst funnel.sales_stage;
    amt numeric; namt numeric; t timestamptz; k int;
BEGIN
    FOR i IN 1..n LOOP
        k := i % 11;
        t := '2024-01-01'::timestamptz + random() * interval '200 days';
        st := stages[1 + floor(random() * 4)::int];
        amt := CASE WHEN random() < 0.05 THEN NULL ELSE pg_temp.amount(k, random()) END;
        INSERT INTO ha_hist VALUES (i, i % 4, NULL, st, t, NULL, amt);
        FOR j IN 1..floor(random() * 6)::int LOOP
            t := t + random() * interval '20 days' + interval '1 second';
            nst := CASE WHEN random() < 0.6 THEN stages[1 + floor(random() * 6)::int] ELSE st END;
            namt := CASE WHEN random() < 0.5 THEN amt                          -- the same bytes
                         WHEN random() < 0.3 THEN amt::numeric(60, 8)          -- the same value, scale 8
                         WHEN random() < 0.1 THEN NULL
                         ELSE pg_temp.amount((k + j) % 11, random()) END;
            INSERT INTO ha_hist VALUES (i, i % 4, st, nst, t, amt, namt);
            st := nst; amt := namt;
        END LOOP;
    END LOOP;
END $$;
SELECT pg_temp.gen(3000);
-- a few compressed amounts: 5,000 repetitive digits after the point
INSERT INTO ha_hist
SELECT 100000 + i, i % 4, NULL, 'proposal', '2024-02-01'::timestamptz + i * interval '1 hour', NULL,
       (i::text || '.' || repeat('1234', 1250))::numeric
FROM generate_series(1, 5) i;
SELECT count(*) > 8000 AS enough_rows,
       count(*) FILTER (WHERE pg_column_compression(amount) IS NOT NULL) AS compressed,
       count(DISTINCT scale(amount)) AS scales,
       count(*) FILTER (WHERE from_amount = amount AND from_amount::text <> amount::text) > 0 AS same_value_other_scale,
       count(*) FILTER (WHERE abs(amount) * power(10::numeric, scale(amount)) >= 1e38) > 0 AS beyond_fixed_point
FROM ha_hist;

CREATE TABLE ha_moment AS
SELECT '2024-01-01'::timestamptz + i * interval '23 days' AS t FROM generate_series(0, 12) i;

-- as-of: per moment, owner and stage, funnel against the replay
CREATE FUNCTION pg_temp.as_of_mismatches() RETURNS TABLE (compared bigint, mismatches bigint) LANGUAGE sql AS $$
    WITH f AS (
        SELECT q.t, q.owner, s.stage, s.deals, s.amount
        FROM (SELECT m.t, h.owner,
                     funnel.pipeline_as_of(m.t, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount) AS f
              FROM ha_moment m, ha_hist h GROUP BY m.t, h.owner) q,
             funnel.open_stages(q.f) s WHERE s.deals <> 0),
    r AS (
        SELECT m.t, l.owner, l.to_stage::text AS stage, count(*) AS deals,
               -- what funnel sums: + every amount entered - every amount left, at the same scale
               coalesce(sum(l.amount), 0) AS amount
        FROM ha_moment m
        CROSS JOIN LATERAL (SELECT DISTINCT ON (h.id) h.owner, h.to_stage, h.amount FROM ha_hist h
                            WHERE h.changed_at <= m.t ORDER BY h.id, h.changed_at DESC) l
        WHERE NOT funnel.is_closed(l.to_stage)
        GROUP BY m.t, l.owner, l.to_stage)
    SELECT count(*), count(*) FILTER (WHERE (f.deals, f.amount) IS DISTINCT FROM (r.deals, r.amount))
    FROM f FULL JOIN r USING (t, owner, stage)
$$;
SELECT * FROM pg_temp.as_of_mismatches();

-- the sums themselves, text for text: funnel's added and taken-away sums are sum(numeric)'s
SELECT count(*) AS sums,
       count(*) FILTER (WHERE f.plus IS DISTINCT FROM r.plus OR f.minus IS DISTINCT FROM r.minus) AS mismatches
FROM (SELECT e->>1 AS stage, nullif(split_part(e->>3, ':', 2), '') AS plus, nullif(split_part(e->>4, ':', 2), '') AS minus
      FROM (SELECT funnel.pipeline_as_of('2025-01-01', changed_at, from_stage, to_stage, from_amount, amount)::text::json AS j
            FROM ha_hist) q, json_array_elements(q.j->'entries') e) f
FULL JOIN (SELECT stage::text AS stage, sum(plus)::text AS plus, sum(minus)::text AS minus
           FROM (SELECT to_stage AS stage, amount AS plus, NULL::numeric AS minus FROM ha_hist
                 WHERE NOT funnel.is_closed(to_stage)
                 UNION ALL
                 SELECT from_stage, NULL, from_amount FROM ha_hist
                 WHERE from_stage IS NOT NULL AND NOT funnel.is_closed(from_stage)) x
           GROUP BY stage) r USING (stage);

-- waterfall: every change's bucket and amount against a plain-SQL classification
CREATE FUNCTION pg_temp.wf_mismatches() RETURNS TABLE (compared bigint, mismatches bigint) LANGUAGE sql AS $$
    WITH f AS (
        SELECT q.t0, w.bucket, w.changes, w.amount
        FROM (SELECT m.t AS t0, funnel.pipeline_waterfall(m.t, m.t + interval '60 days', h.changed_at, h.from_stage,
                                                          h.to_stage, h.from_amount, h.amount) AS f
              FROM ha_moment m, ha_hist h GROUP BY m.t) q, funnel.waterfall(q.f) w
        WHERE w.step NOT IN (1, 12) AND w.changes > 0),
    c AS (
        SELECT m.t AS t0, h.*,
               h.from_stage IS NOT NULL AND NOT funnel.is_closed(h.from_stage) AS inb,
               NOT funnel.is_closed(h.to_stage) AS ina,
               coalesce(h.amount, 0) - coalesce(h.from_amount, 0) AS delta
        FROM ha_moment m JOIN ha_hist h ON h.changed_at > m.t AND h.changed_at <= m.t + interval '60 days'),
    e AS (
        SELECT t0, CASE WHEN to_stage > from_stage THEN 'advanced' ELSE 'regressed' END AS bucket, 0::numeric AS amount
        FROM c WHERE inb AND ina AND from_stage <> to_stage
        UNION ALL
        SELECT t0, CASE WHEN delta > 0 THEN 'amount increased' ELSE 'amount decreased' END, delta
        FROM c WHERE inb AND delta <> 0
        UNION ALL
        SELECT t0, CASE WHEN funnel.is_won(to_stage) THEN 'won' WHEN funnel.is_lost(to_stage) THEN 'lost'
                        ELSE 'pushed out' END, -coalesce(amount, 0)
        FROM c WHERE inb AND NOT ina
        UNION ALL
        SELECT t0, CASE WHEN from_stage IS NULL THEN 'created' WHEN funnel.is_closed(from_stage) THEN 'reopened'
                        ELSE 'pulled in' END, coalesce(amount, 0)
        FROM c WHERE ina AND NOT inb),
    r AS (SELECT t0, bucket, count(*) AS changes, sum(amount) AS amount FROM e GROUP BY t0, bucket)
    SELECT count(*), count(*) FILTER (WHERE (f.changes, f.amount) IS DISTINCT FROM (r.changes, r.amount))
    FROM f FULL JOIN r USING (t0, bucket)
$$;
SELECT * FROM pg_temp.wf_mismatches();

-- parallel forced on: the same answers
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT * FROM pg_temp.as_of_mismatches();
SELECT * FROM pg_temp.wf_mismatches();
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- edges: a value at the fixed point's limits, and one amount change by a scale only
SELECT s.stage, s.deals, s.amount
FROM (SELECT funnel.pipeline_as_of('2025-01-01', t, NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, NULL, a) AS f
      FROM (VALUES ('2024-01-01'::timestamptz, 9999999999999999.99::numeric), ('2024-01-02', 0.01),
                   ('2024-01-03', 99999999999999999999999999999999999999), ('2024-01-04', -1e-8),
                   ('2024-01-05', 0.000), ('2024-01-06', 1e17)) v(t, a)) q,
     funnel.open_stages(q.f) s WHERE s.stage = 'lead';
SELECT w.bucket, w.changes, w.amount
FROM (SELECT funnel.pipeline_waterfall('2024-01-01', '2024-02-01', t, fs, ts, fa, a) AS f
      FROM (VALUES ('2024-01-05'::timestamptz, 'lead'::funnel.sales_stage, 'lead'::funnel.sales_stage, 10.5, 10.50),
                   ('2024-01-06', 'lead', 'lead', 10.50, 10.501),
                   ('2024-01-07', 'lead', 'lead', 0.00, -0.0001),
                   ('2024-01-08', 'lead', 'lead', 12345678901234567.5, 12345678901234567.49)) v(t, fs, ts, fa, a)) q,
     funnel.waterfall(q.f) w
WHERE w.bucket LIKE 'amount%';
-- NaN and infinity are refused, decoded once or twice
SELECT funnel.pipeline_as_of('2025-01-01', '2024-01-01', NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, NULL, 'NaN');
SELECT funnel.pipeline_as_of('2025-01-01', '2024-01-01', 'lead'::funnel.sales_stage, 'qualified'::funnel.sales_stage, 'Infinity', 'Infinity');
SELECT funnel.pipeline_waterfall('2024-01-01', '2025-01-01', '2024-06-01', 'lead'::funnel.sales_stage, 'lead'::funnel.sales_stage, 5, '-Infinity');

DROP TABLE ha_hist, ha_moment;
