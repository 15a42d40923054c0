-- test/bench/history.sql: the deal history of test/bench/history.sh (issue 17, "Speed").
-- psql variables: deals (number of deals), owners (number of owners).
--
-- The table is what funnel.track(..., amount_column, close_date_column) writes
-- (deal_id, from_stage, to_stage, changed_at, from_amount, amount,
-- from_close_date, close_date), plus the deal's owner, so that a report can
-- group by it without a join.  Each deal walks a Markov chain over
-- funnel.sales_stage (table walk_step, test/bench/walk_step.sql, as journeys.sql):
-- from an open stage, 12% of the steps change only the deal's values (half
-- the amount, times 0.6 to 1.5; half the expected close date, pushed out
-- 7 to 60 days or, one time in four, pulled in up to 3 weeks), the rest move
-- the stage:
--   start      88% lead, 9% qualified, 3% proposal (inbound deals skip the top)
--   lead       -> qualified 75%, proposal 4% (skip), closed_lost 14%; 7% stay
--   qualified  -> proposal 72%, negotiation 4% (skip), lead 5% (back),
--                 closed_lost 12%; 7% stay
--   proposal   -> negotiation 66%, qualified 8% (back), closed_won 5% (skip),
--                 closed_lost 14%; 7% stay
--   negotiation-> closed_won 48%, proposal 15% (back), closed_lost 30%; 7% stay
--   closed_lost-> lead 8% (revived months later); 92% stay
--   closed_won    final
-- and a stage move changes the amount too one time in ten.  At most 12 rows
-- per deal.  Created uniformly over the 365 days of 2023; amounts 1,000 to
-- 51,000 with cents, skewed low (2% NULL); the expected close date 30 to 120
-- days after creation (3% NULL); the time before a step is exponential with
-- the move's mean (days) plus one second, so a deal's rows are strictly
-- increasing in time.  from_* are each row's previous values (lag()), as the
-- triggers write them.  Stored in time order, as an appended history is.
SELECT setseed(0.2017);

\ir walk_step.sql
-- from an open stage: the first 12% of u is a values-only change
UPDATE walk_step SET lo = 0.12 + 0.88 * lo, hi = 0.12 + 0.88 * hi WHERE from_stage < 'closed_won';
INSERT INTO walk_step
SELECT s, s, 0, 0.12, 8 FROM unnest(ARRAY['lead', 'qualified', 'proposal', 'negotiation']::funnel.sales_stage[]) s;
ANALYZE walk_step;

CREATE TABLE history (
    deal_id         bigint NOT NULL,
    owner           int NOT NULL,
    from_stage      funnel.sales_stage,
    to_stage        funnel.sales_stage NOT NULL,
    changed_at      timestamptz NOT NULL,
    from_amount     numeric(12,2),
    amount          numeric(12,2),
    from_close_date date,
    close_date      date
);

-- u decides the next step, v its timing, x and y the values it changes
INSERT INTO history
WITH RECURSIVE walk(deal_id, step, stage, at, amount, close_date, u, v, x, y) AS (
    SELECT d,
           1,
           (CASE WHEN s < 0.88 THEN 'lead' WHEN s < 0.97 THEN 'qualified' ELSE 'proposal' END)::funnel.sales_stage,
           c,
           CASE WHEN a < 0.02 THEN NULL ELSE round((1000 + 50000 * a * a)::numeric, 2) END,
           CASE WHEN k < 0.03 THEN NULL ELSE (c + (30 + 90 * k) * interval '1 day')::date END,
           random(), random(), random(), random()
    FROM (SELECT d, random() AS s, random() AS a, random() AS k,
                 timestamptz '2023-01-01 00:00:00+00' + random() * interval '365 days' AS c
          FROM generate_series(1, :deals) d) g
  UNION ALL
    SELECT w.deal_id,
           w.step + 1,
           m.to_stage,
           w.at + interval '1 second' + (m.mean_days * -ln(1 - w.v)) * interval '1 day',
           CASE WHEN w.amount IS NULL THEN NULL
                WHEN (m.to_stage = w.stage AND w.x < 0.5) OR (m.to_stage <> w.stage AND w.x < 0.1)
                THEN round(w.amount * (0.6 + 0.9 * w.y)::numeric, 2)
                ELSE w.amount END,
           CASE WHEN w.close_date IS NULL OR m.to_stage <> w.stage OR w.x < 0.5 THEN w.close_date
                WHEN w.y < 0.25 THEN w.close_date - (21 * w.y / 0.25)::int
                ELSE w.close_date + 7 + (53 * w.y)::int END,
           random(), random(), random(), random()
    FROM walk w
    JOIN walk_step m ON m.from_stage = w.stage AND w.u >= m.lo AND w.u < m.hi
    WHERE w.step < 12
)
SELECT deal_id, (deal_id % :owners)::int, lag(stage) OVER d, stage, at,
       lag(amount) OVER d, amount, lag(close_date) OVER d, close_date
FROM walk
WINDOW d AS (PARTITION BY deal_id ORDER BY step)
ORDER BY at;

DROP TABLE walk_step;
VACUUM ANALYZE history;
