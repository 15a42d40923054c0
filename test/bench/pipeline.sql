-- test/bench/pipeline.sql: the deals table of test/bench/pipeline.sh (issue 5, "Speed").
-- psql variables: rows (number of deals), owners (number of owners).
--
-- One row per deal, in random owner order (no correlation between physical
-- order and any grouping key):
--   owner      1 .. :owners, uniform
--   segment    100 values: 4 tiers x 25 regions ('smb-00' .. 'strategic-24'),
--              so GROUP BY owner, segment makes :owners x 100 groups
--   stage      33% closed_lost, 22% closed_won (55% closed), 15% lead,
--              12% qualified, 10% proposal, 8% negotiation
--   amount     numeric(12,2), skewed (500 .. ~74,000, log-uniform), 5% NULL
--   created_at spread over 700 days from 2023-01-01, to the microsecond
--   closed_at  closed deals: created_at + 1 .. 181 days (most deals short:
--              the cycle grows with the square of a uniform variate) plus a
--              random time of day; NULL for open deals
SELECT setseed(0.2024);

CREATE TABLE deal (
    id         bigint NOT NULL,
    owner      int NOT NULL,
    segment    text NOT NULL,
    stage      funnel.sales_stage NOT NULL,
    amount     numeric(12,2),
    created_at timestamptz NOT NULL,
    closed_at  timestamptz
);

-- the subquery keeps its volatile columns (no pull-up): one draw per row
INSERT INTO deal
SELECT g,
       owner,
       segment,
       stage,
       amount,
       created_at,
       CASE WHEN stage IN ('closed_won', 'closed_lost')
            THEN created_at + (1 + 180 * c * c) * interval '1 day' + t * interval '1 day' END
FROM (
    SELECT g,
           1 + floor(random() * :owners)::int AS owner,
           (ARRAY['smb', 'mid', 'ent', 'strategic'])[1 + floor(random() * 4)::int]
               || '-' || lpad(floor(random() * 25)::int::text, 2, '0') AS segment,
           (CASE WHEN u < 0.33 THEN 'closed_lost'
                 WHEN u < 0.55 THEN 'closed_won'
                 WHEN u < 0.70 THEN 'lead'
                 WHEN u < 0.82 THEN 'qualified'
                 WHEN u < 0.92 THEN 'proposal'
                 ELSE 'negotiation' END)::funnel.sales_stage AS stage,
           CASE WHEN n >= 0.05 THEN round((500 * exp(a * 5))::numeric, 2)::numeric(12,2) END AS amount,
           timestamptz '2023-01-01 00:00:00+00' + random() * interval '700 days' AS created_at,
           c,
           t
    FROM (SELECT g, random() AS u, random() AS n, random() AS a, random() AS c, random() AS t
          FROM generate_series(1, :rows) g) r
) d;

VACUUM ANALYZE deal;
