-- test/bench/walk_step.sql: the Markov chain over funnel.sales_stage that
-- test/bench/journeys.sql and test/bench/history.sql walk (included with
-- \ir): from each stage, the next one when a uniform u falls in [lo, hi)
-- (u past the stage's last hi: no step), and the mean time before
-- that step, in days.
CREATE TABLE walk_step (
    from_stage funnel.sales_stage NOT NULL,
    to_stage   funnel.sales_stage NOT NULL,
    lo         float8 NOT NULL,   -- the move happens when lo <= u < hi
    hi         float8 NOT NULL,
    mean_days  float8 NOT NULL    -- mean time in from_stage before this move
);
INSERT INTO walk_step VALUES
    ('lead',        'qualified',   0.00, 0.75,  6),
    ('lead',        'proposal',    0.75, 0.79,  9),
    ('lead',        'closed_lost', 0.79, 0.93, 12),
    ('qualified',   'proposal',    0.00, 0.72,  9),
    ('qualified',   'negotiation', 0.72, 0.76, 14),
    ('qualified',   'lead',        0.76, 0.81,  5),
    ('qualified',   'closed_lost', 0.81, 0.93, 14),
    ('proposal',    'negotiation', 0.00, 0.66, 12),
    ('proposal',    'qualified',   0.66, 0.74,  7),
    ('proposal',    'closed_won',  0.74, 0.79, 15),
    ('proposal',    'closed_lost', 0.79, 0.93, 15),
    ('negotiation', 'closed_won',  0.00, 0.48, 10),
    ('negotiation', 'proposal',    0.48, 0.63,  6),
    ('negotiation', 'closed_lost', 0.63, 0.93, 12),
    ('closed_lost', 'lead',        0.00, 0.08, 90);
