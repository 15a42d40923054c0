-- accessor_cache.sql: the accessors of funnel.pipeline and funnel.summary parse a
-- stored value once for all the accessors over it (src/state.c, funnel_state_get_cached:
-- the last value parsed, keyed by its exact bytes).  Every result must be what it
-- would be without the cache: results are copied out of the cached state, a value
-- that differs by one byte is parsed again, a value that fails to parse leaves no
-- trace, and nothing depends on the call site (fn_extra).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET extra_float_digits = 0;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';

\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. Two states in one row, each with one open stage whose amounts sum beyond
--    38 digits (a numeric sum, not the fixed-point one): open_value(a) and
--    open_value(b) are both in the row; if the first result pointed into the
--    cached state, parsing b would overwrite it.
------------------------------------------------------------------------------
CREATE TABLE cache_deal (grp int, stage funnel.sales_stage, amount numeric,
                         created_at timestamptz, closed_at timestamptz);
INSERT INTO cache_deal VALUES
    (1, 'lead',       1e45 + 1, NULL, NULL),
    (1, 'lead',       1e45 + 2, NULL, NULL),
    (1, 'closed_won', 7e44 + 0.5, '2024-01-01', '2024-01-11'),
    (2, 'lead',       3e46 + 3, NULL, NULL),
    (2, 'lead',       3e46 + 4, NULL, NULL),
    (2, 'closed_won', 9e43 + 0.25, '2024-01-01', '2024-01-21'),
    (2, 'closed_won', 9e43 + 0.75, '2024-01-01', '2024-01-02');
CREATE TABLE cache_pair AS
SELECT (SELECT funnel.pipeline(stage, amount, created_at, closed_at) FROM cache_deal WHERE grp = 1) AS a,
       (SELECT funnel.pipeline(stage, amount, created_at, closed_at) FROM cache_deal WHERE grp = 2) AS b;

-- every figure of a and of b in one row, a's and b's alternating
SELECT funnel.open_value(a) AS open_a, funnel.open_value(b) AS open_b,
       funnel.avg_deal_size(a) AS avg_a, funnel.avg_deal_size(b) AS avg_b,
       funnel.avg_cycle_length(a) AS cycle_a, funnel.avg_cycle_length(b) AS cycle_b,
       funnel.weighted_value(a) AS weighted_a, funnel.weighted_value(b) AS weighted_b
FROM cache_pair;

-- the same, checked against plain SQL over the deals (true: equal)
SELECT funnel.open_value(a) = (SELECT sum(amount) FROM cache_deal WHERE grp = 1 AND stage = 'lead') AS open_a,
       funnel.open_value(b) = (SELECT sum(amount) FROM cache_deal WHERE grp = 2 AND stage = 'lead') AS open_b,
       funnel.avg_deal_size(a) = (SELECT avg(amount) FROM cache_deal WHERE grp = 1 AND stage = 'closed_won') AS avg_a,
       funnel.avg_deal_size(b) = (SELECT avg(amount) FROM cache_deal WHERE grp = 2 AND stage = 'closed_won') AS avg_b,
       funnel.open_value(a) = funnel.open_value(a) AS again_a
FROM cache_pair;

-- results kept while other values are parsed: an array and a row built from them
SELECT ARRAY[funnel.open_value(a), funnel.open_value(b), funnel.open_value(a), funnel.open_value(b)] AS sums
FROM cache_pair;

-- through a stored value read back from its text form (a flat, detoasted copy)
SELECT funnel.open_value(a::text::funnel.pipeline) = funnel.open_value(a) AS from_text,
       funnel.open_value(b::text::funnel.pipeline) = funnel.open_value(b) AS from_text_b
FROM cache_pair;

------------------------------------------------------------------------------
-- 2. Cache misses: values of equal length that differ in one byte are two values;
--    many groups, each accessor beside its plain-SQL figure, in one query.
------------------------------------------------------------------------------
CREATE TABLE cache_twin AS
SELECT (SELECT funnel.pipeline(stage, amount, NULL, NULL)
        FROM (VALUES ('lead'::funnel.sales_stage, 11.0), ('closed_won', 20.0)) v(stage, amount)) AS x,
       (SELECT funnel.pipeline(stage, amount, NULL, NULL)
        FROM (VALUES ('lead'::funnel.sales_stage, 12.0), ('closed_won', 20.0)) v(stage, amount)) AS y;
-- (the text forms differ in one digit; the stored forms have the same length)
SELECT pg_column_size(x) = pg_column_size(y) AS same_size, x::text <> y::text AS different
FROM cache_twin;
SELECT funnel.open_value(x) AS open_x, funnel.open_value(y) AS open_y, funnel.open_value(x) AS open_x_again,
       funnel.open_value(y) AS open_y_again
FROM cache_twin;

SELECT setseed(0.20);
CREATE TABLE cache_rand AS
SELECT i % 37 AS grp,
       (ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost'])[1 + (random() * 5)::int]::funnel.sales_stage AS stage,
       CASE WHEN random() < 0.1 THEN NULL
            WHEN random() < 0.2 THEN round((random() * 1e42)::numeric, 3)
            ELSE round((random() * 1e5)::numeric, 2) END AS amount,
       timestamptz '2024-01-01' + random() * interval '30 days' AS created_at,
       timestamptz '2024-02-01' + random() * interval '30 days' AS closed_at
FROM generate_series(1, 2000) i;
CREATE TABLE cache_state AS
SELECT grp, funnel.pipeline(stage, amount, created_at, closed_at) AS p FROM cache_rand GROUP BY grp;
-- 0 mismatches: each accessor twice, other groups' values between
SELECT count(*) AS groups,
       count(*) FILTER (WHERE s.wr IS DISTINCT FROM r.wr OR s.wr2 IS DISTINCT FROM r.wr) AS win_rate_bad,
       count(*) FILTER (WHERE s.ads IS DISTINCT FROM r.ads OR s.ads2 IS DISTINCT FROM r.ads) AS avg_deal_size_bad,
       count(*) FILTER (WHERE s.ov IS DISTINCT FROM r.ov OR s.ov2 IS DISTINCT FROM r.ov) AS open_value_bad,
       count(*) FILTER (WHERE s.acl IS DISTINCT FROM r.acl) AS avg_cycle_bad
FROM (SELECT c.grp, funnel.win_rate(c.p) wr, funnel.avg_deal_size(c.p) ads, funnel.open_value(c.p) ov,
             funnel.avg_cycle_length(c.p) acl,
             funnel.open_value(o.p) other, funnel.win_rate(c.p) wr2, funnel.avg_deal_size(c.p) ads2,
             funnel.open_value(c.p) ov2
      FROM cache_state c JOIN cache_state o ON o.grp = (c.grp + 1) % 37) s
JOIN (SELECT grp,
             count(*) FILTER (WHERE stage = 'closed_won')::float8
                 / nullif(count(*) FILTER (WHERE stage IN ('closed_won', 'closed_lost')), 0) wr,
             avg(amount) FILTER (WHERE stage = 'closed_won') ads,
             coalesce(sum(amount) FILTER (WHERE stage NOT IN ('closed_won', 'closed_lost')), 0) ov,
             avg(closed_at - created_at) FILTER (WHERE stage IN ('closed_won', 'closed_lost')) acl
      FROM cache_rand GROUP BY grp) r USING (grp);

------------------------------------------------------------------------------
-- 3. An error between two calls leaves the cache sound; a fresh call site each
--    time (EXECUTE) reads the same figures as one call site.
------------------------------------------------------------------------------
-- (a's text form with a stage's deal count below its amount count)
SELECT pg_temp.try(format('SELECT funnel.open_value(%L::funnel.pipeline)',
                          replace(a::text, '["lead",2,"2:', '["lead",1,"2:'))) AS bad_value
FROM cache_pair;
SELECT funnel.open_value(a) = (SELECT sum(amount) FROM cache_deal WHERE grp = 1 AND stage = 'lead') AS after_error
FROM cache_pair;

CREATE FUNCTION pg_temp.open_value_fresh(v funnel.pipeline) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE r numeric;
BEGIN
    EXECUTE 'SELECT funnel.open_value($1)' INTO r USING v;
    RETURN r;
END
$$;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE pg_temp.open_value_fresh(p) IS DISTINCT FROM funnel.open_value(p)) AS fresh_bad
FROM cache_state;

------------------------------------------------------------------------------
-- 4. funnel.summary: its accessors over two stored summaries in one row.
------------------------------------------------------------------------------
CREATE TABLE cache_hist (entity int, stage funnel.sales_stage, at timestamptz);
INSERT INTO cache_hist
SELECT e, s.stage, timestamptz '2024-01-01' + e * interval '1 hour' + s.n * (1 + e % 5) * interval '1 day'
FROM generate_series(1, 60) e,
     LATERAL (SELECT * FROM (VALUES (0, 'lead'::funnel.sales_stage), (1, 'qualified'), (2, 'proposal'),
                                    (3, CASE WHEN e % 3 = 0 THEN 'closed_won'::funnel.sales_stage ELSE 'closed_lost' END)) v(n, stage)
              WHERE v.n <= e % 4) s;
CREATE TABLE cache_summ AS
SELECT (SELECT funnel.summary(j) FROM (SELECT funnel.journey(stage, at) j FROM cache_hist WHERE entity <= 30 GROUP BY entity) x) AS even,
       (SELECT funnel.summary(j) FROM (SELECT funnel.journey(stage, at) j FROM cache_hist WHERE entity > 30 GROUP BY entity) x) AS odd;
SELECT funnel.entity_count(even) AS n_even, funnel.entity_count(odd) AS n_odd,
       funnel.win_rate(even) AS wr_even, funnel.win_rate(odd) AS wr_odd,
       funnel.cycle_length_quantile(even, 0.5) AS cycle_even, funnel.cycle_length_quantile(odd, 0.5) AS cycle_odd,
       funnel.conversion_rate(even, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage) AS conv_even, funnel.conversion_rate(odd, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage) AS conv_odd
FROM cache_summ;
-- the same figures one value per query (no other value between): equal
SELECT (SELECT funnel.cycle_length_quantile(even, 0.5) FROM cache_summ) AS cycle_even,
       (SELECT funnel.cycle_length_quantile(odd, 0.5) FROM cache_summ) AS cycle_odd,
       (SELECT funnel.conversion_rate(odd, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage) FROM cache_summ) AS conv_odd;

------------------------------------------------------------------------------
-- 5. A state aggregate's result is the state itself, read-only, not a copy
--    (src/state.c, funnel_state_final; on PostgreSQL 15 a read-only pointer of
--    our own): it must read the same whatever plan node takes it on -- a hash
--    aggregate that spills and resets its groups between batches, a sort, a
--    join on either side, grouping sets, a window over the groups, a
--    materialized CTE, a sub-select.  Reference: the text of each group's
--    state made at the aggregate.
------------------------------------------------------------------------------
CREATE TABLE pass_deals AS
SELECT i, i % 1500 AS g,
       (ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost']::funnel.sales_stage[])[1 + (i * 7) % 6] AS s,
       ((i * 37) % 1000)::numeric AS a, timestamptz '2024-01-01' + i * interval '1 hour' AS c,
       timestamptz '2024-06-01' + i * interval '1 hour' AS x
FROM generate_series(1, 15000) i;
ANALYZE pass_deals;
CREATE TABLE pass_ref AS SELECT g, funnel.pipeline(s, a, c, x)::text AS t FROM pass_deals GROUP BY g;
SET work_mem = '64kB';
SET enable_sort = off;
-- the hash aggregate spills to disk (Batches above 1) and resets between batches
CREATE FUNCTION pg_temp.hash_batches(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    l text;
    m text[];
    n int := 0;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        m := regexp_match(l, 'Batches: (\d+)');
        IF m IS NOT NULL THEN
            n := greatest(n, m[1]::int);
        END IF;
    END LOOP;
    RETURN n;
END $$;
SELECT pg_temp.hash_batches('SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g') > 1 AS spilled;
SELECT count(*) AS groups, count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS differ,
       count(*) FILTER (WHERE funnel.deal_count(q.p) <> 10) AS wrong_count
FROM (SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g) q JOIN pass_ref r USING (g);
RESET enable_sort;
-- sorted by an accessor, joined as the inner and the outer side, grouping sets
SELECT count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS sorted_differ
FROM (SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g ORDER BY funnel.open_value(funnel.pipeline(s, a, c, x))) q
JOIN pass_ref r USING (g);
SELECT count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS hash_join_differ
FROM pass_ref r JOIN (SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g) q ON q.g = r.g;
SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS merge_join_differ
FROM pass_ref r JOIN (SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g) q ON q.g = r.g;
RESET enable_hashjoin;
RESET enable_nestloop;
SELECT count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS grouping_sets_differ, count(*) AS sets_rows
FROM (SELECT g, g % 3 AS h, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY GROUPING SETS ((g), (g % 3), ())) q
LEFT JOIN pass_ref r ON r.g = q.g
WHERE q.g IS NOT NULL;
SELECT count(*) FILTER (WHERE funnel.deal_count(p) <> 5000) AS rollup_wrong, count(*) AS rollup_rows
FROM (SELECT g % 3 AS h, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g % 3) q;
-- a window over the groups (the previous group's state), a materialized CTE, a sub-select
SELECT count(*) FILTER (WHERE w.prev::text IS DISTINCT FROM r.t) AS window_differ
FROM (SELECT g, lag(funnel.pipeline(s, a, c, x)) OVER (ORDER BY g) AS prev FROM pass_deals GROUP BY g) w
JOIN pass_ref r ON r.g = w.g - 1;
WITH q AS MATERIALIZED (SELECT g, funnel.pipeline(s, a, c, x) p FROM pass_deals GROUP BY g)
SELECT count(*) FILTER (WHERE q.p::text IS DISTINCT FROM r.t) AS cte_differ FROM q JOIN pass_ref r USING (g);
SELECT count(*) FILTER (WHERE (SELECT funnel.pipeline(d.s, d.a, d.c, d.x) FROM pass_deals d WHERE d.g = r.g)::text
                              IS DISTINCT FROM r.t) AS subselect_differ
FROM pass_ref r WHERE r.g < 100;
RESET work_mem;
