-- test/bench/journeys.sql: the stage history of test/bench/journeys.sh (issue 6, "Speed").
-- psql variable: entities (number of entities).
--
-- Each entity walks a Markov chain over funnel.sales_stage (table walk_step:
-- from a stage, the probability of each next stage and the mean time spent
-- before that move; the probability mass left over is "stays where it is",
-- the journey ends open):
--   start      88% lead, 9% qualified, 3% proposal (inbound deals skip the top)
--   lead       -> qualified 75%, proposal 4% (skip), closed_lost 14%; 7% stay
--   qualified  -> proposal 72%, negotiation 4% (skip), lead 5% (back),
--                 closed_lost 12%; 7% stay
--   proposal   -> negotiation 66%, qualified 8% (back), closed_won 5% (skip),
--                 closed_lost 14%; 7% stay
--   negotiation-> closed_won 48%, proposal 15% (back), closed_lost 30%; 7% stay
--   closed_lost-> lead 8% (revived months later: a revisit); 92% stay
--   closed_won    final
-- at most 12 events per entity.  First event uniform over the 365 days of
-- 2023 (so 365 daily cohorts by day of first event), to the microsecond;
-- the time in a stage is exponential with the move's mean (days) plus one
-- second, so an entity's times are strictly increasing (no ties) and no
-- event repeats the stage the entity is in.
--
-- The history is stored in time order, as an appended history table is:
-- the rows of one entity are scattered over the table.
SELECT setseed(0.2026);

\ir walk_step.sql
ANALYZE walk_step;

CREATE TABLE history (
    entity_id bigint NOT NULL,
    stage     funnel.sales_stage NOT NULL,
    at        timestamptz NOT NULL
);

-- u decides the next move, v its timing: drawn when the row is made, so the
-- recursive step reads them as plain columns (one draw per row)
INSERT INTO history
WITH RECURSIVE walk(entity_id, step, stage, at, u, v) AS (
    SELECT e,
           1,
           (CASE WHEN s < 0.88 THEN 'lead' WHEN s < 0.97 THEN 'qualified' ELSE 'proposal' END)::funnel.sales_stage,
           timestamptz '2023-01-01 00:00:00+00' + t * interval '365 days',
           random(),
           random()
    FROM (SELECT e, random() AS s, random() AS t FROM generate_series(1, :entities) e) g
  UNION ALL
    SELECT w.entity_id,
           w.step + 1,
           m.to_stage,
           w.at + interval '1 second' + (m.mean_days * -ln(1 - w.v)) * interval '1 day',
           random(),
           random()
    FROM walk w
    JOIN walk_step m ON m.from_stage = w.stage AND w.u >= m.lo AND w.u < m.hi
    WHERE w.step < 12
)
SELECT entity_id, stage, at FROM walk ORDER BY at;

VACUUM ANALYZE history;
