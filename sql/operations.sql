-- operations.sql: right answers in real operations (issue 13) -- partitioned
-- tables, composite keys, funnels that evolve, imported history, errors that
-- name the row, and drop_funnel with stored values.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT funnel.create_funnel('op_stage', ARRAY['lead', 'qualified', 'proposal'],
                            won => '{won}', lost => '{lost}', allow_skip => false);

-- 1. Partitioned tables: a deal moving to another partition (UPDATE of the
-- partition key) is checked as the move it is, keeps its stamp when its stage
-- stays, and the history records exactly the stage changes.
CREATE TABLE op_pdeal (region text NOT NULL, id int NOT NULL, stage op_stage NOT NULL DEFAULT 'lead',
                       changed timestamptz, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
CREATE TABLE op_pdeal_eu PARTITION OF op_pdeal FOR VALUES IN ('eu');
CREATE TABLE op_pdeal_us PARTITION OF op_pdeal FOR VALUES IN ('us');
SELECT funnel.track('op_pdeal', stamp_column => 'changed');
INSERT INTO op_pdeal (region, id) VALUES ('eu', 1), ('eu', 2), ('eu', 3);
UPDATE op_pdeal SET stage = 'qualified' WHERE id IN (1, 2);
SELECT id, changed AS stamp_before FROM op_pdeal WHERE id = 1 \gset
-- the stage stays: moved, same stamp, no history row
UPDATE op_pdeal SET region = 'us' WHERE id = 1;
SELECT tableoid::regclass AS part, region, id, stage, changed = :'stamp_before' AS stamp_kept
FROM op_pdeal WHERE id = 1;
-- the stage changes with the move: checked (one step) and recorded once
UPDATE op_pdeal SET region = 'us', stage = 'proposal' WHERE id = 2;
-- an illegal move across partitions is refused as the move it is
UPDATE op_pdeal SET region = 'us', stage = 'proposal' WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE
-- several rows at once, some moving, some not
UPDATE op_pdeal SET region = CASE WHEN id = 1 THEN 'eu' ELSE region END,
                    stage = CASE WHEN id = 1 THEN 'proposal'::op_stage ELSE 'won' END
WHERE id IN (1, 2);
SELECT tableoid::regclass AS part, region, id, stage FROM op_pdeal ORDER BY id;
SELECT region, id, from_stage, to_stage FROM op_pdeal_stage_history ORDER BY id, changed_at, to_stage;
-- a new row still starts at an entry stage, in any partition
INSERT INTO op_pdeal (region, id, stage) VALUES ('us', 9, 'proposal');
\echo :LAST_ERROR_SQLSTATE
-- statements addressed to a partition directly are checked and recorded too
UPDATE op_pdeal_eu SET stage = 'qualified' WHERE id = 3;
INSERT INTO op_pdeal_us (region, id) VALUES ('us', 4);
SELECT region, id, from_stage, to_stage FROM op_pdeal_stage_history WHERE id IN (3, 4) ORDER BY id, changed_at;
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger
WHERE tgrelid IN ('op_pdeal'::regclass, 'op_pdeal_eu'::regclass, 'op_pdeal_us'::regclass) AND NOT tgisinternal
ORDER BY tgrelid::regclass::text, tgname;
-- a rolled-back move leaves nothing pending: a later INSERT is checked as an INSERT
BEGIN;
SAVEPOINT s;
UPDATE op_pdeal SET region = 'zz' WHERE id = 4;
ROLLBACK TO SAVEPOINT s;
INSERT INTO op_pdeal (region, id, stage) VALUES ('eu', 10, 'qualified');
ROLLBACK;

-- 2. Composite keys: the primary key (tenant, id) is the default key, rows
-- (1, 7) and (2, 7) stay two journeys; a key that is not unique is refused.
CREATE TABLE op_ck (tenant int, id int, stage op_stage NOT NULL DEFAULT 'lead', PRIMARY KEY (tenant, id));
SELECT funnel.track('op_ck', key_column => 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('op_ck', key_columns => ARRAY['tenant']);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('op_ck');
\d op_ck_stage_history
INSERT INTO op_ck VALUES (1, 7), (2, 7);
UPDATE op_ck SET stage = 'qualified' WHERE tenant = 1;
UPDATE op_ck SET stage = 'qualified' WHERE tenant = 2;
UPDATE op_ck SET stage = 'proposal' WHERE tenant = 1;
SELECT tenant, id, funnel.path(funnel.journey(to_stage, changed_at)) AS path
FROM op_ck_stage_history GROUP BY tenant, id ORDER BY tenant, id;
-- a unique constraint (not the primary key) in another column order is fine
CREATE TABLE op_ck2 (id int NOT NULL, tenant int NOT NULL, n int PRIMARY KEY, stage op_stage NOT NULL DEFAULT 'lead',
                     UNIQUE (id, tenant));
SELECT funnel.track('op_ck2', key_columns => ARRAY['tenant', 'id']);
INSERT INTO op_ck2 VALUES (7, 1, 1), (7, 2, 2);
SELECT tenant, id, to_stage FROM op_ck2_stage_history ORDER BY tenant;
-- other key mistakes
CREATE TABLE op_nokey (id int, stage op_stage NOT NULL DEFAULT 'lead');
SELECT funnel.track('op_nokey');
\echo :LAST_ERROR_SQLSTATE
CREATE UNIQUE INDEX ON op_nokey (id);
SELECT funnel.track('op_nokey');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('op_ck', key_columns => ARRAY['tenant', 'stage']);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('op_ck', key_columns => ARRAY['tenant', 'nope']);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('op_ck', key_column => 'id', key_columns => ARRAY['tenant', 'id']);
\echo :LAST_ERROR_SQLSTATE

-- 3. Errors name the row: an illegal move inside a bulk UPDATE says which.
INSERT INTO op_ck SELECT 3, g FROM generate_series(1, 50) g;
UPDATE op_ck SET stage = CASE WHEN id = 42 THEN 'proposal'::op_stage ELSE 'qualified' END WHERE tenant = 3;
\echo :LAST_ERROR_SQLSTATE
-- ... but only to a role that may read the key
CREATE ROLE op_mover;
GRANT UPDATE (stage) ON op_ck TO op_mover;
GRANT SELECT (tenant, stage) ON op_ck TO op_mover;
SET ROLE op_mover;
UPDATE op_ck SET stage = 'proposal' WHERE tenant = 3;
RESET ROLE;
-- NULL stages: track(allow_null => true), and the hint says so
CREATE TABLE op_null (id int PRIMARY KEY, stage op_stage);
SELECT funnel.track('op_null');
INSERT INTO op_null VALUES (1, NULL);
SELECT funnel.track('op_null', allow_null => true);
INSERT INTO op_null VALUES (1, NULL), (2, 'lead');
UPDATE op_null SET stage = 'lead' WHERE id = 1;
SELECT id, from_stage, to_stage FROM op_null_stage_history ORDER BY id;

-- 4. Importing history: the table's owner sets the stamp with the stage and
-- it is kept (in order); anyone else's stamp is the clock.
CREATE TABLE op_imp (id int PRIMARY KEY, stage op_stage NOT NULL DEFAULT 'lead', at timestamptz);
SELECT funnel.track('op_imp', stamp_column => 'at');
INSERT INTO op_imp VALUES (1, 'lead', '2024-01-01 00:00+00');
UPDATE op_imp SET stage = 'qualified', at = '2024-01-05 00:00+00' WHERE id = 1;
UPDATE op_imp SET stage = 'proposal', at = '2024-01-03 00:00+00' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE op_imp SET stage = 'proposal', at = '2024-02-01 00:00+00' WHERE id = 1;
SELECT from_stage, to_stage, changed_at FROM op_imp_stage_history ORDER BY changed_at;
-- an owner's UPDATE that leaves the stamp alone gets the clock
INSERT INTO op_imp VALUES (2, 'lead', '2024-01-01 00:00+00');
UPDATE op_imp SET stage = 'qualified' WHERE id = 2;
SELECT at > '2024-01-02' AS clock FROM op_imp WHERE id = 2;
-- a mover who does not own the table never chooses the stamp
GRANT SELECT, INSERT, UPDATE ON op_imp TO op_mover;
SET ROLE op_mover;
UPDATE op_imp SET stage = 'proposal', at = '2030-01-01 00:00+00' WHERE id = 2;
INSERT INTO op_imp VALUES (3, 'lead', '2030-01-01 00:00+00');
RESET ROLE;
SELECT id, at < '2030-01-01' AS clock FROM op_imp WHERE id IN (2, 3) ORDER BY id;
SELECT id, to_stage, changed_at < '2030-01-01' AS clock FROM op_imp_stage_history WHERE id IN (2, 3) AND changed_by = 'op_mover' ORDER BY id;

-- 5. Funnels evolve after go-live: a later-added label made won or lost, the
-- rules and entry stages changed, all seen at once by triggers and aggregates.
CREATE TABLE op_evo (id int PRIMARY KEY, stage op_stage NOT NULL DEFAULT 'lead');
SELECT funnel.track('op_evo');
INSERT INTO op_evo VALUES (1), (2), (3);
ALTER TYPE op_stage ADD VALUE 'disqualified';
SELECT funnel.win_rate(s) FROM (VALUES ('won'::op_stage), ('disqualified')) v(s);
SELECT funnel.set_outcome('disqualified'::op_stage, 'lost');
SELECT stage, outcome, probability FROM funnel.stages('op_stage') WHERE stage = 'disqualified';
SELECT funnel.win_rate(s) FROM (VALUES ('won'::op_stage), ('disqualified')) v(s);
UPDATE op_evo SET stage = 'disqualified' WHERE id = 1;   -- lost from any open stage
UPDATE op_evo SET stage = 'proposal' WHERE id = 2;       -- a skip: refused
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_rules('op_stage', allow_skip => true);
UPDATE op_evo SET stage = 'proposal' WHERE id = 2;
SELECT funnel.set_rules('op_stage', allow_backward => true);
UPDATE op_evo SET stage = 'qualified' WHERE id = 2;
SELECT stage_type, allow_skip, allow_backward, allow_reopen FROM funnel.funnels WHERE stage_type = 'op_stage'::regtype;
INSERT INTO op_evo VALUES (4, 'qualified');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_rules('op_stage', entry => ARRAY['lead', 'qualified']);
INSERT INTO op_evo VALUES (4, 'qualified');
SELECT stage, entry FROM funnel.stages('op_stage');
SELECT funnel.set_rules('op_stage', entry => '{}');   -- back to the default: the first open stage
INSERT INTO op_evo VALUES (5, 'qualified');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_outcome('disqualified'::op_stage, 'open');
SELECT funnel.is_lost('disqualified'::op_stage);
-- mistakes and rights
SELECT funnel.set_outcome('lead'::op_stage, 'maybe');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_rules('op_stage', entry => ARRAY['nope']);
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_rules('funnel.sales_stage', allow_backward => true);
\echo :LAST_ERROR_SQLSTATE
SET ROLE op_mover;
SELECT funnel.set_outcome('lead'::op_stage, 'lost');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_rules('op_stage', allow_reopen => true);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE TYPE op_two AS ENUM ('a', 'b');
SELECT funnel.register_funnel('op_two', won => '{b}');
SELECT funnel.set_outcome('a'::op_two, 'lost');
\echo :LAST_ERROR_SQLSTATE

-- 6. drop_funnel refuses while stored values of the funnel remain (a dump
-- would hold values no restore can read), and names where they are.
CREATE TABLE op_daily (day date, p funnel.pipeline, s funnel.summary[]);
INSERT INTO op_daily SELECT '2024-01-01', funnel.pipeline(s, 1, NULL, NULL), NULL
FROM (VALUES ('a'::op_two)) v(s);
SELECT funnel.drop_funnel('op_two');
\echo :LAST_ERROR_SQLSTATE
UPDATE op_daily SET p = NULL;
INSERT INTO op_daily SELECT '2024-01-02', NULL, ARRAY[funnel.summary(j)]
FROM (SELECT funnel.journey(s, t) AS j FROM (VALUES ('a'::op_two, now())) v(s, t)) x;
SELECT funnel.drop_funnel('op_two');
\echo :LAST_ERROR_SQLSTATE
-- values of other funnels do not block it
DELETE FROM op_daily;
INSERT INTO op_daily SELECT '2024-01-03', funnel.pipeline(s, 1, NULL, NULL), NULL
FROM (VALUES ('lead'::funnel.sales_stage)) v(s);
-- a column the dropping role cannot read blocks it
CREATE ROLE op_owner;
ALTER TYPE op_two OWNER TO op_owner;
SET ROLE op_owner;
SELECT funnel.drop_funnel('op_two');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT funnel.drop_funnel('op_two');
SELECT count(*) AS left_rows FROM funnel.funnel_def WHERE stage_type::text = 'op_two';

-- Clean up.
DROP TABLE op_pdeal, op_pdeal_stage_history, op_ck, op_ck_stage_history, op_ck2, op_ck2_stage_history,
           op_nokey, op_null, op_null_stage_history, op_imp, op_imp_stage_history, op_evo,
           op_evo_stage_history, op_daily;
DROP TYPE op_two;
DROP ROLE op_mover;
DROP ROLE op_owner;
SELECT funnel.drop_funnel('op_stage');
