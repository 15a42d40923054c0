--
-- invalidation: the per-backend cache of compiled funnel definitions.
--
-- Every change -- allow/forbid/reset_transition, set_stage, direct DML on the
-- catalog tables, ALTER TYPE ... ADD VALUE / RENAME VALUE, drop_funnel and
-- re-creation -- is seen by the next statement of the same session, after a
-- cache warmed by the old definition; a rolled-back change is forgotten.
-- (Other sessions: test/specs/cache_invalidation.spec.)
--
SET client_min_messages = warning;   -- no NOTICE when the extension exists
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;
-- the funnels that exist before this file runs (the shipped ones, and any
-- other file's), so that the clean-up check below counts only ours
CREATE TEMP TABLE funnels_before AS SELECT stage_type::oid AS typid FROM funnel.funnel_def;

-- Runs a statement and shows its error as SQLSTATE, message, detail and hint
-- (without the source location, which changes with every edit of the code).
\set try_report true
\i sql/_helpers.sql

SELECT funnel.create_funnel('inv_stage', '{a,b,c}', won => '{w}', lost => '{l}', allow_skip => false);

------------------------------------------------------------------------------
-- 1. Rules: warm the cache, change a rule, look again.
------------------------------------------------------------------------------
SELECT funnel.can_transition('c'::inv_stage, 'a') AS c_a, funnel.can_transition('a'::inv_stage, 'b') AS a_b;
SELECT funnel.allow_transition('c'::inv_stage, 'a');
SELECT funnel.can_transition('c'::inv_stage, 'a') AS c_a;
SELECT funnel.forbid_transition('a'::inv_stage, 'b');
SELECT funnel.can_transition('a'::inv_stage, 'b') AS a_b;
SELECT funnel.reset_transition('c'::inv_stage, 'a');
SELECT funnel.reset_transition('a'::inv_stage, 'b');
SELECT funnel.can_transition('c'::inv_stage, 'a') AS c_a, funnel.can_transition('a'::inv_stage, 'b') AS a_b;

-- the flags, changed by direct DML on funnel_def (as the owner of the type)
SELECT funnel.can_transition('a'::inv_stage, 'c') AS a_c;
UPDATE funnel.funnel_def SET allow_skip = true WHERE stage_type = 'inv_stage'::regtype;
SELECT funnel.can_transition('a'::inv_stage, 'c') AS a_c;
UPDATE funnel.funnel_def SET allow_skip = false WHERE stage_type = 'inv_stage'::regtype;
SELECT funnel.can_transition('a'::inv_stage, 'c') AS a_c;

------------------------------------------------------------------------------
-- 2. Stage settings: set_stage, and a stage turned into an outcome by DML.
------------------------------------------------------------------------------
SELECT funnel.probability('b'::inv_stage) AS p_b;
SELECT funnel.set_stage('b'::inv_stage, probability => 0.4, owner => 'sales');
SELECT funnel.probability('b'::inv_stage) AS p_b;
SELECT stage, owner, probability FROM funnel.stages('inv_stage') WHERE stage = 'b';
SELECT funnel.set_stage('b'::inv_stage, probability => 0.6);
SELECT funnel.probability('b'::inv_stage) AS p_b;
SELECT funnel.is_lost('c'::inv_stage) AS c_lost, funnel.next_stage('b'::inv_stage) AS next_b;
UPDATE funnel.stage_def SET outcome = 'lost' WHERE stage_type = 'inv_stage'::regtype AND stage = 'c';
SELECT funnel.is_lost('c'::inv_stage) AS c_lost, funnel.next_stage('b'::inv_stage) AS next_b;
UPDATE funnel.stage_def SET outcome = 'open' WHERE stage_type = 'inv_stage'::regtype AND stage = 'c';
SELECT funnel.is_lost('c'::inv_stage) AS c_lost, funnel.next_stage('b'::inv_stage) AS next_b;

------------------------------------------------------------------------------
-- 3. Inside a transaction: a change is seen by the next statement; a
--    rolled-back change (whole transaction or savepoint) is forgotten.
------------------------------------------------------------------------------
BEGIN;
SELECT funnel.can_transition('c'::inv_stage, 'b') AS c_b;
SELECT funnel.allow_transition('c'::inv_stage, 'b');
SELECT funnel.can_transition('c'::inv_stage, 'b') AS c_b;
ROLLBACK;
SELECT funnel.can_transition('c'::inv_stage, 'b') AS c_b;

BEGIN;
SELECT funnel.set_stage('a'::inv_stage, probability => 0.1);
SAVEPOINT s1;
SELECT funnel.set_stage('a'::inv_stage, probability => 0.9);
SELECT funnel.allow_transition('c'::inv_stage, 'b');
SELECT funnel.probability('a'::inv_stage) AS p_a, funnel.can_transition('c'::inv_stage, 'b') AS c_b;
ROLLBACK TO SAVEPOINT s1;
SELECT funnel.probability('a'::inv_stage) AS p_a, funnel.can_transition('c'::inv_stage, 'b') AS c_b;
COMMIT;
SELECT funnel.probability('a'::inv_stage) AS p_a, funnel.can_transition('c'::inv_stage, 'b') AS c_b;

-- within one PL/pgSQL block, each statement sees the previous one's change
DO $$
BEGIN
    RAISE NOTICE 'before: %', funnel.can_transition('c'::inv_stage, 'b');
    PERFORM funnel.allow_transition('c'::inv_stage, 'b');
    RAISE NOTICE 'after allow: %', funnel.can_transition('c'::inv_stage, 'b');
    PERFORM funnel.reset_transition('c'::inv_stage, 'b');
    RAISE NOTICE 'after reset: %', funnel.can_transition('c'::inv_stage, 'b');
END
$$;

-- a function whose expressions stay compiled for the whole transaction
-- (PL/pgSQL keeps simple expressions, and their fn_extra, between calls)
CREATE FUNCTION pg_temp.c_to_b() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RETURN funnel.can_transition('c'::inv_stage, 'b');
END
$$;
BEGIN;
SELECT pg_temp.c_to_b() AS c_b;
SELECT funnel.allow_transition('c'::inv_stage, 'b');
SELECT pg_temp.c_to_b() AS c_b;
SELECT funnel.reset_transition('c'::inv_stage, 'b');
SELECT pg_temp.c_to_b() AS c_b;
COMMIT;
SELECT pg_temp.c_to_b() AS c_b;

-- a prepared statement sees changes made between its executions
PREPARE can_c_b AS SELECT funnel.can_transition('c'::inv_stage, 'b') AS c_b;
EXECUTE can_c_b;
SELECT funnel.allow_transition('c'::inv_stage, 'b');
EXECUTE can_c_b;
SELECT funnel.reset_transition('c'::inv_stage, 'b');
EXECUTE can_c_b;
DEALLOCATE can_c_b;

------------------------------------------------------------------------------
-- 4. The enum changes: a stage added in the middle, a label renamed.
------------------------------------------------------------------------------
SELECT funnel.stage_position('c'::inv_stage) AS pos_c, funnel.next_stage('a'::inv_stage) AS next_a,
       funnel.can_transition('a'::inv_stage, 'b') AS a_b;
ALTER TYPE inv_stage ADD VALUE 'a2' BEFORE 'b';
SELECT funnel.stage_position('c'::inv_stage) AS pos_c, funnel.next_stage('a'::inv_stage) AS next_a,
       funnel.can_transition('a'::inv_stage, 'b') AS a_b, funnel.can_transition('a'::inv_stage, 'a2') AS a_a2;
SELECT * FROM funnel.transitions('inv_stage');
-- a plain RENAME VALUE keeps the stage's settings and edges
SELECT funnel.set_stage('a2'::inv_stage, probability => 0.2);
SELECT funnel.allow_transition('b'::inv_stage, 'a2');
ALTER TYPE inv_stage RENAME VALUE 'a2' TO 'a_bis';
SELECT position, stage, probability FROM funnel.stages('inv_stage');
SELECT funnel.next_stage('a'::inv_stage) AS next_a, funnel.probability('a_bis'::inv_stage) AS p_a_bis,
       funnel.can_transition('b'::inv_stage, 'a_bis') AS b_a_bis;
SELECT funnel.reset_transition('b'::inv_stage, 'a_bis');
-- a stage added in a transaction that rolls back: seen inside, gone after
BEGIN;
ALTER TYPE inv_stage ADD VALUE 'b2' BEFORE 'c';
SELECT funnel.stage_position('c'::inv_stage) AS pos_c, funnel.can_transition('b'::inv_stage, 'c') AS b_c;
ROLLBACK;
SELECT funnel.stage_position('c'::inv_stage) AS pos_c, funnel.can_transition('b'::inv_stage, 'c') AS b_c;
SELECT position, stage FROM funnel.stages('inv_stage');

------------------------------------------------------------------------------
-- 5. Dropped and re-created: the old definition is not used any more.
------------------------------------------------------------------------------
SELECT funnel.stage_position('c'::inv_stage) AS pos_c;
SELECT funnel.drop_funnel('inv_stage');
SELECT funnel.create_funnel('inv_stage', '{c,b,a}', allow_backward => true);
SELECT funnel.stage_position('c'::inv_stage) AS pos_c, funnel.can_transition('a'::inv_stage, 'c') AS a_c,
       funnel.is_won('a'::inv_stage) AS a_won;
-- unregistered (the enum stays): every function reports it at once
CREATE TYPE inv_plain AS ENUM ('x', 'y');
SELECT funnel.register_funnel('inv_plain');
SELECT funnel.stage_position('y'::inv_plain) AS pos_y;
SELECT funnel.drop_funnel('inv_plain');
SELECT pg_temp.try($$SELECT funnel.stage_position('y'::inv_plain)$$);

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
SELECT funnel.drop_funnel('inv_stage');
DROP TYPE inv_plain;
-- nothing of ours is left: no funnel, no stage setting, no edge (also none
-- on the shipped funnels)
SELECT (SELECT count(*) FROM funnel.funnel_def d
        WHERE d.stage_type::oid NOT IN (SELECT typid FROM funnels_before)) AS funnels_left,
       (SELECT count(*) FROM funnel.stage_def s
        WHERE NOT s.builtin AND (s.stage_type::oid NOT IN (SELECT typid FROM funnels_before)
                                 OR s.stage_type IN ('funnel.sales_stage', 'funnel.marketing_stage'))) AS stage_rows_left,
       (SELECT count(*) FROM funnel.transition_def t
        WHERE t.stage_type::oid NOT IN (SELECT typid FROM funnels_before)
           OR t.stage_type IN ('funnel.sales_stage', 'funnel.marketing_stage')) AS edges_left;
