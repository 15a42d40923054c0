-- pipeline_history.sql: track() recording amounts and close dates, the open
-- pipeline as of past moments (funnel.pipeline_as_of) and the waterfall
-- between two moments (funnel.pipeline_waterfall), against a plain-SQL replay
-- of seeded random histories, serial and with parallel aggregation forced on.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';

------------------------------------------------------------------------------
-- 1. track() records amounts and close dates
------------------------------------------------------------------------------
CREATE TABLE ph_opp (id int PRIMARY KEY, stage funnel.sales_stage NOT NULL DEFAULT 'lead',
                     amount numeric(12,2), close_date date, moved_at timestamptz);
INSERT INTO ph_opp VALUES (1, 'lead', 100, '2025-03-01', '2025-01-01'), (2, 'qualified', NULL, NULL, '2025-01-02');
SELECT funnel.track('ph_opp', stamp_column => 'moved_at', amount_column => 'amount',
                    close_date_column => 'close_date');
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'ph_opp_stage_history'::regclass AND attnum > 0 ORDER BY attnum;
UPDATE ph_opp SET amount = 120 WHERE id = 1;                      -- value only: a row, from = to
UPDATE ph_opp SET amount = 120 WHERE id = 1;                      -- nothing changed: no row
UPDATE ph_opp SET close_date = '2025-04-01', amount = NULL WHERE id = 1;
UPDATE ph_opp SET stage = 'proposal', amount = 90, moved_at = '2025-02-01' WHERE id = 2;
UPDATE ph_opp SET stage = 'closed_won' WHERE id = 1;
INSERT INTO ph_opp VALUES (3, 'lead', 10, '2025-06-01', '2025-02-03');
SELECT id, from_stage, to_stage, from_amount, amount, from_close_date, close_date,
       changed_at > '2025-06-01' AS by_clock
FROM ph_opp_stage_history ORDER BY id, changed_at;
-- the pipeline now, from history alone, equals the table
SELECT * FROM funnel.pipeline_as_of('ph_opp') WHERE deals > 0;
SELECT stage, count(*), sum(amount) FROM ph_opp WHERE NOT funnel.is_closed(stage) GROUP BY stage ORDER BY stage;
-- errors
SELECT funnel.track('ph_opp', amount_column => 'nope');
SELECT funnel.track('ph_opp', close_date_column => 'stage');
SELECT funnel.track('ph_opp', amount_column => 'moved_at');
SELECT funnel.track('ph_opp', amount_column => 'amount', close_date_column => 'amount');

-- an existing history without value columns keeps working, and gets them on demand
CREATE TABLE ph_old (id int PRIMARY KEY, stage funnel.sales_stage NOT NULL DEFAULT 'lead', amount int);
SELECT funnel.track('ph_old');
INSERT INTO ph_old VALUES (1, 'lead', 5), (2, 'lead', 7);
UPDATE ph_old SET amount = 6 WHERE id = 1;                        -- not recorded (no amount column)
UPDATE ph_old SET stage = 'qualified' WHERE id = 2;
SELECT * FROM funnel.pipeline_as_of('ph_old') WHERE deals > 0;    -- counts only
SELECT * FROM funnel.pipeline_waterfall('ph_old', now() - interval '1 hour', now()) WHERE step IN (1, 2, 12);
SELECT funnel.track('ph_old', amount_column => 'amount');         -- adds columns and one row per deal with today's values
SELECT id, from_stage, to_stage, from_amount, amount FROM ph_old_stage_history ORDER BY id, changed_at, from_stage NULLS FIRST;
UPDATE ph_old SET amount = 8 WHERE id = 2;
SELECT * FROM funnel.pipeline_as_of('ph_old') WHERE deals > 0;
SELECT * FROM funnel.pipeline_waterfall('ph_old', now() - interval '1 hour', now(), '2025-01-01', '2026-01-01');
SELECT funnel.pipeline_as_of('ph_nothing');
SELECT * FROM funnel.pipeline_as_of('pg_class');
SELECT * FROM funnel.pipeline_as_of('ph_old', NULL);
SELECT * FROM funnel.pipeline_waterfall('ph_old', now(), now(), now());

------------------------------------------------------------------------------
-- 2. Random histories: each deal a random walk over stages (backward moves,
--    won, lost and reopening included), amounts (NULLs too) and close dates
------------------------------------------------------------------------------
SELECT setseed(0.17);
CREATE TABLE ph_hist (id int, owner int, from_stage funnel.sales_stage, to_stage funnel.sales_stage,
                      changed_at timestamptz, from_amount numeric, amount numeric,
                      from_close_date date, close_date date);
CREATE FUNCTION pg_temp.gen(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stages funnel.sales_stage[] := enum_range(NULL::funnel.sales_stage);
    st funnel.sales_stage; nst funnel.sales_stage;
    amt numeric; namt numeric; cd date; ncd date; t timestamptz; r float8;
BEGIN
    FOR i IN 1..n LOOP
        t := '2024-01-01'::timestamptz + random() * interval '300 days';
        st := stages[1 + floor(random() * 2)::int];
        amt := CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 10000)::numeric, 2) END;
        cd := CASE WHEN random() < 0.05 THEN NULL ELSE (t + random() * interval '120 days')::date END;
        INSERT INTO ph_hist VALUES (i, i % 5, NULL, st, t, NULL, amt, NULL, cd);
        FOR k IN 1..floor(random() * 9)::int LOOP
            t := t + random() * interval '30 days' + interval '1 second';
            r := random();
            nst := st; namt := amt; ncd := cd;
            IF r < 0.45 THEN
                nst := stages[1 + floor(random() * 6)::int];
            ELSIF r < 0.7 THEN
                namt := CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 10000)::numeric, 2) END;
            ELSE
                ncd := coalesce(cd, t::date) + (floor(random() * 90) - 45)::int;
            END IF;
            IF random() < 0.15 THEN
                namt := round((random() * 10000)::numeric, 1);
            END IF;
            INSERT INTO ph_hist VALUES (i, i % 5, st, nst, t, amt, namt, cd, ncd);
            st := nst; amt := namt; cd := ncd;
        END LOOP;
    END LOOP;
END $$;
SELECT pg_temp.gen(2000);
SELECT count(*) > 10000 AS enough_rows, count(DISTINCT id) AS deals,
       count(*) FILTER (WHERE from_stage = to_stage) > 0 AS value_only_rows,
       count(*) FILTER (WHERE funnel.is_closed(from_stage) AND NOT funnel.is_closed(to_stage)) > 0 AS reopened,
       count(*) FILTER (WHERE funnel.stage_position(to_stage) < funnel.stage_position(from_stage)
                        AND NOT funnel.is_closed(from_stage) AND NOT funnel.is_closed(to_stage)) > 0 AS backward
FROM ph_hist;

CREATE TABLE ph_moment AS
SELECT '2023-12-31'::timestamptz + i * interval '9 days 7 hours' AS t FROM generate_series(0, 45) i
UNION ALL SELECT min(changed_at) FROM ph_hist UNION ALL SELECT max(changed_at) FROM ph_hist;

-- the plain-SQL replay: each deal's last row at or before t
CREATE VIEW ph_replay AS
SELECT m.t, l.owner, l.to_stage AS stage, count(*) AS deals, coalesce(sum(l.amount), 0) AS amount,
       coalesce(sum(l.amount * coalesce(funnel.probability(l.to_stage), 0)::numeric), 0) AS weighted
FROM ph_moment m
CROSS JOIN LATERAL (SELECT DISTINCT ON (h.id) h.owner, h.to_stage, h.amount FROM ph_hist h
                    WHERE h.changed_at <= m.t ORDER BY h.id, h.changed_at DESC) l
WHERE NOT funnel.is_closed(l.to_stage)
GROUP BY m.t, l.owner, l.to_stage;

CREATE FUNCTION pg_temp.as_of_mismatches() RETURNS TABLE (compared bigint, mismatches bigint) LANGUAGE sql AS $$
    WITH f AS (
        SELECT q.t, q.owner, s.stage::funnel.sales_stage AS stage, s.deals, s.amount, s.weighted_amount
        FROM (SELECT m.t, h.owner,
                     funnel.pipeline_as_of(m.t, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount) AS f
              FROM ph_moment m, ph_hist h GROUP BY m.t, h.owner) q,
             funnel.open_stages(q.f) s)
    SELECT count(*),
           count(*) FILTER (WHERE coalesce(f.deals, 0) <> coalesce(r.deals, 0)
                               OR coalesce(f.amount, 0) <> coalesce(r.amount, 0)
                               OR coalesce(f.weighted_amount, 0) <> coalesce(r.weighted, 0))
    FROM f FULL JOIN ph_replay r USING (t, owner, stage)
$$;
SELECT * FROM pg_temp.as_of_mismatches();

-- with parallel aggregation forced on: a partial aggregate, and the same answers
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_has(q text, what text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text; found boolean := false;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        found := found OR position(what IN line) > 0;
    END LOOP;
    RETURN found;
END $$;
SELECT pg_temp.plan_has($$SELECT owner, funnel.pipeline_as_of('2024-06-01', changed_at, from_stage, to_stage, from_amount, amount)
                          FROM ph_hist GROUP BY owner$$, 'Partial') AS partial_aggregate;
SELECT * FROM pg_temp.as_of_mismatches();
SELECT q.owner, s.* FROM (SELECT owner, funnel.pipeline_as_of('2024-06-01', changed_at, from_stage, to_stage) AS f
                          FROM ph_hist GROUP BY owner) q, funnel.open_stages(q.f) s
WHERE q.owner = 0 ORDER BY s.position;                            -- counts only: amounts NULL
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- monthly states rolled up give what one pass gives (the moment is shared)
SELECT count(*) AS moments,
       count(*) FILTER (WHERE one::text <> rolled::text) AS mismatches
FROM (SELECT m.t, funnel.pipeline_as_of(m.t, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount) AS one
      FROM ph_moment m, ph_hist h GROUP BY m.t) a
JOIN (SELECT t, funnel.rollup(s) AS rolled
      FROM (SELECT m.t, date_trunc('month', h.changed_at) AS month,
                   funnel.pipeline_as_of(m.t, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount) AS s
            FROM ph_moment m, ph_hist h GROUP BY 1, 2) x GROUP BY t) b USING (t);

------------------------------------------------------------------------------
-- 3. Waterfalls: the bridge adds up, its ends are the replayed pipelines,
--    and every change lands in the bucket a plain-SQL classification gives
------------------------------------------------------------------------------
CREATE TABLE ph_period AS
SELECT a.t AS t0, b.t AS t1, w.cf, w.ct
FROM ph_moment a JOIN ph_moment b ON b.t >= a.t AND b.t <= a.t + interval '100 days'
CROSS JOIN (VALUES (NULL::timestamptz, NULL::timestamptz), ('2024-04-01', '2024-07-01'),
                   ('2024-01-01', '2025-01-01')) w(cf, ct)
WHERE (a.t::date - '2023-12-31'::date) % 5 = 0;
SELECT count(*) AS periods FROM ph_period;

CREATE TABLE ph_wf AS
SELECT p.t0, p.t1, p.cf, p.ct, w.*
FROM (SELECT p.t0, p.t1, p.cf, p.ct,
             funnel.pipeline_waterfall(p.t0, p.t1, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount) AS f
      FROM ph_period p, ph_hist h WHERE p.cf IS NULL GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT p.t0, p.t1, p.cf, p.ct,
             funnel.pipeline_waterfall(p.t0, p.t1, h.changed_at, h.from_stage, h.to_stage, h.from_amount, h.amount,
                                       h.from_close_date, h.close_date, p.cf, p.ct) AS f
      FROM ph_period p, ph_hist h WHERE p.cf IS NOT NULL GROUP BY 1, 2, 3, 4) p,
     funnel.waterfall(p.f) w;

-- start + changes = end, in deals, amounts and weighted amounts
SELECT count(*) AS bridges,
       count(*) FILTER (WHERE d <> 0 OR a <> 0 OR w <> 0) AS not_adding_up
FROM (SELECT t0, t1, cf, ct,
             sum(deals) FILTER (WHERE step < 12) - sum(deals) FILTER (WHERE step = 12) AS d,
             sum(amount) FILTER (WHERE step < 12) - sum(amount) FILTER (WHERE step = 12) AS a,
             sum(weighted_amount) FILTER (WHERE step < 12) - sum(weighted_amount) FILTER (WHERE step = 12) AS w
      FROM ph_wf GROUP BY 1, 2, 3, 4) s;

-- the ends against the replay (with a window: deals closing in it)
CREATE FUNCTION pg_temp.replay(t timestamptz, cf timestamptz, ct timestamptz, OUT deals bigint, OUT amount numeric)
LANGUAGE sql STABLE AS $$
    SELECT count(*), coalesce(sum(l.amount), 0)
    FROM (SELECT DISTINCT ON (h.id) h.to_stage, h.amount, h.close_date FROM ph_hist h
          WHERE h.changed_at <= t ORDER BY h.id, h.changed_at DESC) l
    WHERE NOT funnel.is_closed(l.to_stage)
      AND (cf IS NULL OR (l.close_date >= cf AND l.close_date < ct))
$$;
SELECT count(*) AS ends,
       count(*) FILTER (WHERE (w.deals, w.amount) IS DISTINCT FROM
                              (SELECT (r.deals, r.amount) FROM pg_temp.replay(CASE WHEN w.step = 1 THEN w.t0 ELSE w.t1 END, w.cf, w.ct) r)) AS mismatches
FROM ph_wf w WHERE step IN (1, 12);

-- each change in (t0, t1] classified in plain SQL
CREATE FUNCTION pg_temp.classify(t0 timestamptz, t1 timestamptz, cf timestamptz, ct timestamptz)
RETURNS TABLE (bucket text, changes bigint, amount numeric) LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT h.*,
               (h.from_stage IS NOT NULL AND NOT funnel.is_closed(h.from_stage)
                AND (cf IS NULL OR coalesce(h.from_close_date >= cf AND h.from_close_date < ct, false))) AS inb,
               (NOT funnel.is_closed(h.to_stage)
                AND (cf IS NULL OR coalesce(h.close_date >= cf AND h.close_date < ct, false))) AS ina,
               coalesce(h.amount, 0) - coalesce(h.from_amount, 0) AS delta
        FROM ph_hist h WHERE h.changed_at > t0 AND h.changed_at <= t1),
    e AS (
        SELECT CASE WHEN funnel.stage_position(to_stage) > funnel.stage_position(from_stage) THEN 'advanced'
                    ELSE 'regressed' END AS bucket, 0::numeric AS amount
        FROM c WHERE inb AND ina AND from_stage <> to_stage
        UNION ALL
        SELECT CASE WHEN delta > 0 THEN 'amount increased' ELSE 'amount decreased' END, delta
        FROM c WHERE inb AND delta <> 0
        UNION ALL
        SELECT CASE WHEN funnel.is_won(to_stage) THEN 'won' WHEN funnel.is_lost(to_stage) THEN 'lost'
                    ELSE 'pushed out' END, -coalesce(amount, 0)
        FROM c WHERE inb AND NOT ina
        UNION ALL
        SELECT CASE WHEN from_stage IS NULL THEN 'created' WHEN funnel.is_closed(from_stage) THEN 'reopened'
                    ELSE 'pulled in' END, coalesce(amount, 0)
        FROM c WHERE ina AND NOT inb)
    SELECT bucket, count(*), sum(amount) FROM e GROUP BY bucket
$$;
SELECT count(*) AS buckets,
       count(*) FILTER (WHERE w.changes <> coalesce(r.changes, 0) OR w.amount <> coalesce(r.amount, 0)) AS mismatches
FROM ph_wf w LEFT JOIN LATERAL pg_temp.classify(w.t0, w.t1, w.cf, w.ct) r ON r.bucket = w.bucket
WHERE w.step NOT IN (1, 12);
-- every bucket is exercised somewhere
SELECT bucket, sum(changes) > 0 AS seen FROM ph_wf WHERE step NOT IN (1, 12) GROUP BY step, bucket ORDER BY step;

-- parallel forced on: the same waterfalls
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE (w.changes, w.deals, w.amount, w.weighted_amount)
                              IS DISTINCT FROM (x.changes, x.deals, x.amount, x.weighted_amount)) AS mismatches
FROM (SELECT p.t0, p.t1, funnel.pipeline_waterfall(p.t0, p.t1, changed_at, from_stage, to_stage, from_amount, amount,
                                       from_close_date, close_date, '2024-04-01', '2024-07-01') AS f
      FROM (SELECT t0, t1 FROM ph_period WHERE cf = '2024-04-01' ORDER BY t1 - t0 DESC, t0 LIMIT 3) p, ph_hist
      GROUP BY p.t0, p.t1) q,
     LATERAL funnel.waterfall(q.f) x, ph_wf w
WHERE w.step = x.step AND w.t0 = q.t0 AND w.t1 = q.t1 AND w.cf = '2024-04-01';
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

------------------------------------------------------------------------------
-- 4. Edges and bad input
------------------------------------------------------------------------------
-- no rows: NULL state; one row; rows only after the moment
SELECT funnel.pipeline_as_of(now(), changed_at, from_stage, to_stage) IS NULL AS empty FROM ph_hist WHERE false;
SELECT s.* FROM (SELECT funnel.pipeline_as_of('2025-01-01', '2024-12-01', NULL::funnel.sales_stage, 'proposal'::funnel.sales_stage, NULL, 42.5) AS f) q,
     funnel.open_stages(q.f) s;
SELECT funnel.open_count(f), funnel.open_value(f), funnel.weighted_value(f)
FROM (SELECT funnel.pipeline_as_of('2024-01-01', '2024-12-01', NULL::funnel.sales_stage, 'proposal'::funnel.sales_stage, NULL, 42.5) AS f) q;
-- NULL stages and times are skipped; NULL amounts count as deals without amount
SELECT funnel.open_count(f), funnel.open_value(f)
FROM (SELECT funnel.pipeline_as_of('2025-01-01', t, NULL::funnel.sales_stage, s, NULL, a) AS f
      FROM (VALUES ('2024-01-01'::timestamptz, 'lead'::funnel.sales_stage, 5::numeric),
                   (NULL, 'lead', 7), ('2024-01-02', NULL, 9), ('2024-01-03', 'qualified', NULL)) v(t, s, a)) q;
-- text and binary forms round-trip
SELECT f::text::funnel.pipeline_flow::text = f::text AS text_round_trip,
       funnel.pipeline_flow_send(f::text::funnel.pipeline_flow) = funnel.pipeline_flow_send(f) AS send_same
FROM (SELECT funnel.pipeline_waterfall('2024-03-01', '2024-06-01', changed_at, from_stage, to_stage, from_amount, amount,
                                       from_close_date, close_date, '2024-04-01', '2024-07-01') AS f FROM ph_hist) q;
CREATE TEMP TABLE ph_store AS
SELECT owner, funnel.pipeline_as_of('2024-06-01', changed_at, from_stage, to_stage, from_amount, amount) AS f
FROM ph_hist GROUP BY owner;
COPY ph_store TO '/tmp/funnel_ph_store.bin' (FORMAT binary);
CREATE TEMP TABLE ph_store2 (LIKE ph_store);
COPY ph_store2 FROM '/tmp/funnel_ph_store.bin' (FORMAT binary);
SELECT count(*) AS binary_round_trip FROM ph_store a JOIN ph_store2 b USING (owner) WHERE a.f::text = b.f::text;
-- malformed values
SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":false,"from":0,"to":1,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"sideways","amounts":false,"from":0,"to":0,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":false,"from":0,"to":0,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[0,"lead",1,"1:5","0"]]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":true,"from":0,"to":0,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[0,"lead",1,"1:5","0"],[0,"lead",1,"0","0"]]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"as_of","type":"funnel.sales_stage","amounts":true,"from":0,"to":0,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[3,"lead",1,"1:5","0"]]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":true,"from":0,"to":10,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[11,"lead",1,"1:5","0"]]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":true,"from":0,"to":10,"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[[1,"nope",1,"1:5","0"]]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":true,"from":0,"to":10,"changes":[0,0,0],"entries":[]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":true,"from":0,"to":10,"window":[5,1],"changes":[0,0,0,0,0,0,0,0,0,0,0],"entries":[]}'::funnel.pipeline_flow;
SELECT '{"version":1,"kind":"waterfall","type":"funnel.sales_stage","amounts":true,"from":0,"to":10,"changes":[0,-1,0,0,0,0,0,0,0,0,0],"entries":[]}'::funnel.pipeline_flow;
SELECT 'not json'::funnel.pipeline_flow;
-- bad arguments
SELECT funnel.pipeline_as_of(NULL, changed_at, from_stage, to_stage) FROM ph_hist;
SELECT funnel.pipeline_as_of('infinity', changed_at, from_stage, to_stage) FROM ph_hist;
SELECT funnel.pipeline_waterfall('2024-06-01', '2024-01-01', changed_at, from_stage, to_stage, from_amount, amount) FROM ph_hist;
SELECT funnel.pipeline_waterfall('2024-01-01', '2024-06-01', changed_at, from_stage, to_stage, from_amount, amount,
                                 from_close_date, close_date, '2024-07-01', '2024-04-01') FROM ph_hist;
SELECT funnel.pipeline_as_of('2024-06-01', '2024-01-01', NULL::funnel.sales_stage, 'lead'::funnel.sales_stage, NULL, 'NaN');
-- moments differ: combining refused
SELECT funnel.rollup(f) FROM (SELECT funnel.pipeline_as_of(t, '2024-01-01', NULL::funnel.sales_stage, 'lead'::funnel.sales_stage) AS f
                              FROM (VALUES ('2024-06-01'::timestamptz), ('2024-07-01')) v(t) GROUP BY t) q;
SELECT funnel.pipeline_as_of(t, '2024-01-01', NULL::funnel.sales_stage, 'lead'::funnel.sales_stage)
FROM (VALUES ('2024-06-01'::timestamptz), ('2024-07-01')) v(t);
-- funnels differ
SELECT funnel.rollup(f) FROM (
    SELECT funnel.pipeline_as_of('2024-06-01', '2024-01-01', NULL::funnel.sales_stage, 'lead'::funnel.sales_stage) AS f
    UNION ALL
    SELECT funnel.pipeline_as_of('2024-06-01', '2024-01-01', NULL::funnel.marketing_stage, 'interest'::funnel.marketing_stage)) q;

-- The final function of the history aggregates hands the state on as it is (on
-- PostgreSQL 15 a copy, so that nodeAgg does not flatten it): as a window aggregate it
-- runs after every row over the same, still growing state, which must stay intact.
-- Running over owner 1's rows in time order, the waterfall at every row equals the one
-- aggregated over the rows up to it.
WITH rows AS (SELECT row_number() OVER (ORDER BY changed_at, id, to_stage) AS n, *
              FROM ph_hist WHERE owner = 1),
     w AS (SELECT n, funnel.pipeline_waterfall('2024-03-01', '2024-09-01', changed_at, from_stage, to_stage,
                                               from_amount, amount) OVER (ORDER BY n) AS f FROM rows)
SELECT count(*) AS running_rows,
       count(*) FILTER (WHERE w.f::text IS DISTINCT FROM
           (SELECT funnel.pipeline_waterfall('2024-03-01', '2024-09-01', changed_at, from_stage, to_stage,
                                             from_amount, amount)::text FROM rows WHERE rows.n <= w.n)
           OR (SELECT array_agg(x.* ORDER BY x.step) FROM funnel.waterfall(w.f) x)::text IS DISTINCT FROM
              (SELECT array_agg(x.* ORDER BY x.step) FROM funnel.waterfall(
                  (SELECT funnel.pipeline_waterfall('2024-03-01', '2024-09-01', changed_at, from_stage, to_stage,
                                                    from_amount, amount) FROM rows WHERE rows.n <= w.n)) x)::text)
           AS running_differs
FROM w;
-- open_stages and waterfall take their result columns from the executor and check them
-- against the ones they fill: another declaration (a superuser's, for a C function) is
-- refused with 42804
CREATE FUNCTION pg_temp.bad_open(f funnel.pipeline_flow)
    RETURNS TABLE ("position" integer, stage text, deals bigint, amount text, weighted_amount numeric)
    AS '$libdir/funnel', 'pipeline_flow_open_stages' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.bad_waterfall(f funnel.pipeline_flow)
    RETURNS TABLE (step integer, bucket text, changes bigint, deals bigint, amount numeric)
    AS '$libdir/funnel', 'pipeline_flow_waterfall' LANGUAGE C STRICT;
SELECT * FROM pg_temp.bad_open((SELECT funnel.pipeline_as_of('2024-06-01', changed_at, from_stage, to_stage, from_amount, amount) FROM ph_hist));
SELECT * FROM pg_temp.bad_waterfall((SELECT funnel.pipeline_waterfall('2024-03-01', '2024-06-01', changed_at, from_stage, to_stage, from_amount, amount) FROM ph_hist));
DROP FUNCTION pg_temp.bad_open(funnel.pipeline_flow), pg_temp.bad_waterfall(funnel.pipeline_flow);
