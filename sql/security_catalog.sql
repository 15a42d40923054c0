--
-- security_catalog: the extension's catalog and history against hostile
-- roles (version 1.1).  Each block plays an attack as a real role and shows
-- that its goal failed and that the legitimate operation still works.
--
-- Roles (cluster-wide, so prefixed regress_funnel_ and dropped at the end):
--   regress_funnel_owner   owns a funnel type and a tracked table
--   regress_funnel_mover   may INSERT/UPDATE the tracked table, nothing else
--   regress_funnel_trig    has only the TRIGGER privilege on the table
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
RESET client_min_messages;

\set try_report true
\i sql/_helpers.sql

CREATE ROLE regress_funnel_owner;
CREATE ROLE regress_funnel_mover;
CREATE ROLE regress_funnel_trig;
CREATE SCHEMA regress_funnel_sec AUTHORIZATION regress_funnel_owner;
GRANT USAGE ON SCHEMA regress_funnel_sec TO regress_funnel_mover, regress_funnel_trig;

------------------------------------------------------------------------------
-- 1. The schema and the catalog tables belong to the superuser: nobody else
--    can plant, rename, lock or write them.
------------------------------------------------------------------------------
SELECT n.nspowner::regrole AS schema_owner, r.rolsuper
FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'funnel';
-- The owner's ACL reads arwdDxt up to PostgreSQL 16 and arwdDxtm from 17 on, which added
-- the MAINTAIN privilege (m): expected/security_catalog_1.out is this file's output there.
SELECT c.relname, c.relacl
FROM pg_class c WHERE c.relnamespace = 'funnel'::regnamespace AND c.relkind = 'r' ORDER BY 1;

SET ROLE regress_funnel_mover;
SELECT pg_temp.try($$CREATE FUNCTION funnel.stage_position(funnel.sales_stage) RETURNS int LANGUAGE sql AS 'SELECT 0'$$);
SELECT pg_temp.try($$ALTER SCHEMA funnel RENAME TO funnel_old$$);
SELECT pg_temp.try($$LOCK TABLE funnel.funnel_def IN ACCESS EXCLUSIVE MODE$$);
SELECT pg_temp.try($$LOCK TABLE funnel.stage_def IN SHARE ROW EXCLUSIVE MODE$$);
SELECT pg_temp.try($$SELECT * FROM funnel.transition_def FOR UPDATE$$);
SELECT pg_temp.try($$SELECT * FROM funnel.funnel_def FOR SHARE$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET probability = 0.5 WHERE false$$);
SELECT pg_temp.try($$DELETE FROM funnel.tracked_def$$);
SELECT pg_temp.try($$TRUNCATE funnel.funnel_def$$);
-- reading stays open to everyone
SELECT count(*) > 0 AS can_read FROM funnel.stage_def;
RESET ROLE;

------------------------------------------------------------------------------
-- 2. A temporary type cannot become a funnel (it would leave rows with a
--    dead OID behind, and a dump that cannot be restored).
------------------------------------------------------------------------------
CREATE TYPE pg_temp.tmp_stage AS ENUM ('a', 'b', 'w');
SELECT pg_temp.try($$SELECT funnel.register_funnel('pg_temp.tmp_stage', won => '{w}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('pg_temp.tmp_stage2', '{a,b}', won => '{w}')$$);
SELECT pg_temp.try($$INSERT INTO funnel.funnel_def (stage_type) VALUES ('pg_temp.tmp_stage')$$);
SELECT count(*) AS temp_rows FROM funnel.funnel_def d
JOIN pg_type t ON t.oid = d.stage_type WHERE t.typnamespace = pg_my_temp_schema();

------------------------------------------------------------------------------
-- 3. Definition functions: the owner of the type, and only the owner, and
--    "must be owner" comes before any other answer.
------------------------------------------------------------------------------
SET ROLE regress_funnel_owner;
SELECT funnel.create_funnel('regress_funnel_sec.st', '{lead,qualified,proposal}',
                            won => '{won}', lost => '{lost}');
CREATE TABLE regress_funnel_sec.deals (id int PRIMARY KEY, stage regress_funnel_sec.st NOT NULL,
                                       moved_at timestamptz);
SELECT funnel.forbid_transition('lead'::regress_funnel_sec.st, 'won');
SELECT funnel.set_stage('proposal'::regress_funnel_sec.st, probability => 0.4, owner => 'sales');
RESET ROLE;

SET ROLE regress_funnel_mover;
SELECT pg_temp.try($$SELECT funnel.set_stage('proposal'::regress_funnel_sec.st, probability => 0.9)$$);
SELECT pg_temp.try($$SELECT funnel.allow_transition('won'::regress_funnel_sec.st, 'lead')$$);
-- no such edge: still 42501, never a silent success
SELECT pg_temp.try($$SELECT funnel.reset_transition('qualified'::regress_funnel_sec.st, 'lead')$$);
-- a column uses the type: 42501 first (a non-owner learns nothing about the columns)
SELECT pg_temp.try($$SELECT funnel.drop_funnel('regress_funnel_sec.st')$$);
-- the C functions behind them check the same
SELECT pg_temp.try($$SELECT funnel.def_put_stage('regress_funnel_sec.st', 'lead', 0.9, NULL, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.def_put_edge('regress_funnel_sec.st', 'won', 'lead', true)$$);
SELECT pg_temp.try($$SELECT funnel.def_forget('regress_funnel_sec.st')$$);
SELECT pg_temp.try($$SELECT funnel.def_mark_created('regress_funnel_sec.st')$$);
-- def_forget_dropped never touches a type that exists
SELECT funnel.def_forget_dropped(ARRAY['regress_funnel_sec.st'::regtype::oid]);
SELECT pg_temp.try($$SELECT funnel.def_track('regress_funnel_sec.deals', 'regress_funnel_sec.deals')$$);
RESET ROLE;
-- nothing changed
SELECT stage, probability, owner FROM funnel.stages('regress_funnel_sec.st');
SELECT * FROM funnel.transitions('regress_funnel_sec.st') ORDER BY 1, 2;

------------------------------------------------------------------------------
-- 4. track needs ownership of the table, not just the TRIGGER privilege.
------------------------------------------------------------------------------
GRANT TRIGGER ON regress_funnel_sec.deals TO regress_funnel_trig;
CREATE TABLE regress_funnel_sec.trig_log (id int, from_stage regress_funnel_sec.st,
    to_stage regress_funnel_sec.st, changed_at timestamptz, changed_by name);
ALTER TABLE regress_funnel_sec.trig_log OWNER TO regress_funnel_trig;
SET ROLE regress_funnel_trig;
SELECT pg_temp.try($$SELECT funnel.track('regress_funnel_sec.deals', history_table => 'regress_funnel_sec.trig_log')$$);
SELECT pg_temp.try($$SELECT funnel.untrack('regress_funnel_sec.deals')$$);
RESET ROLE;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'regress_funnel_sec.deals'::regclass ORDER BY 1;

------------------------------------------------------------------------------
-- 5. History: written with the owner's rights, to the table track() chose,
--    never diverted, never forged by a mover.
------------------------------------------------------------------------------
SET ROLE regress_funnel_owner;
SELECT funnel.track('regress_funnel_sec.deals', stamp_column => 'moved_at');
GRANT SELECT, INSERT, UPDATE ON regress_funnel_sec.deals TO regress_funnel_mover;
-- a hand-made trigger with an unqualified history name
CREATE TABLE regress_funnel_sec.m_hist (id int, from_stage regress_funnel_sec.st,
    to_stage regress_funnel_sec.st, changed_at timestamptz, changed_by name);
CREATE TRIGGER hand_made AFTER UPDATE ON regress_funnel_sec.deals
    FOR EACH ROW EXECUTE FUNCTION funnel.record_transition('m_hist');
GRANT INSERT ON regress_funnel_sec.m_hist TO regress_funnel_mover;
RESET ROLE;
SELECT * FROM funnel.tracked_def WHERE tracked = 'regress_funnel_sec.deals'::regclass;

SET ROLE regress_funnel_mover;
-- the mover has no privilege on the history table ...
SELECT pg_temp.try($$SELECT * FROM regress_funnel_sec.deals_stage_history$$);
SELECT pg_temp.try($$INSERT INTO regress_funnel_sec.deals_stage_history VALUES (1, NULL, 'won', '2001-01-01', 'regress_funnel_owner')$$);
-- ... and a TEMP look-alike of the hand-made trigger's table in front of his search_path
CREATE TEMP TABLE m_hist (id int, from_stage regress_funnel_sec.st,
    to_stage regress_funnel_sec.st, changed_at timestamptz, changed_by name);
SET search_path = pg_temp, regress_funnel_sec, public;
-- an INSERT that brings an old stamp: the clock wins (only the owner imports)
INSERT INTO regress_funnel_sec.deals VALUES (1, 'lead', '2001-01-01');
SELECT moved_at > '2020-01-01' AS stamped_now FROM regress_funnel_sec.deals WHERE id = 1;
-- moves still work, and are recorded
UPDATE regress_funnel_sec.deals SET stage = 'qualified' WHERE id = 1;
SELECT count(*) AS rows_in_temp_look_alike FROM pg_temp.m_hist;
RESET search_path;
RESET ROLE;
SELECT id, from_stage, to_stage, changed_by, changed_at > '2020-01-01' AS server_time
FROM regress_funnel_sec.deals_stage_history ORDER BY changed_at, to_stage;
SELECT id, from_stage, to_stage, changed_by FROM regress_funnel_sec.m_hist;
-- the owner may import a stamp
SET ROLE regress_funnel_owner;
INSERT INTO regress_funnel_sec.deals VALUES (2, 'lead', '2001-01-01');
SELECT moved_at FROM regress_funnel_sec.deals WHERE id = 2;
SELECT id, to_stage, changed_at FROM regress_funnel_sec.deals_stage_history WHERE id = 2;
RESET ROLE;

------------------------------------------------------------------------------
-- 6. A definition change recompiles only the funnel that changed (compiles
--    are reported at DEBUG1).
------------------------------------------------------------------------------
SELECT funnel.create_funnel('public.inv_a', '{a1,a2}', won => '{aw}');
SELECT funnel.create_funnel('public.inv_b', '{b1,b2}', won => '{bw}');
SET client_min_messages = debug1;
SELECT funnel.stage_position('a2'::inv_a), funnel.stage_position('b2'::inv_b);
SELECT funnel.set_stage('b1'::inv_b, probability => 0.2);
-- inv_b is compiled again, inv_a is not
SELECT funnel.stage_position('a2'::inv_a), funnel.probability('b1'::inv_b);
-- a label added to inv_b: inv_a's labels are checked, not compiled
RESET client_min_messages;
ALTER TYPE inv_b ADD VALUE 'b3' AFTER 'b2';
SET client_min_messages = debug1;
SELECT funnel.stage_position('a2'::inv_a), funnel.stage_position('bw'::inv_b);
RESET client_min_messages;
SELECT funnel.drop_funnel('inv_a');
SELECT funnel.drop_funnel('inv_b');

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
SET client_min_messages = warning;
DROP SCHEMA regress_funnel_sec CASCADE;
DROP OWNED BY regress_funnel_owner, regress_funnel_mover, regress_funnel_trig;
RESET client_min_messages;
DROP ROLE regress_funnel_owner, regress_funnel_mover, regress_funnel_trig;
SELECT count(*) AS funnel_rows_left FROM funnel.funnel_def d JOIN pg_type t ON t.oid = d.stage_type
WHERE t.typname IN ('st', 'inv_a', 'inv_b');
SELECT count(*) AS tracked_rows_left FROM funnel.tracked_def
WHERE tracked::text LIKE 'regress_funnel_sec.%' OR tracked::oid NOT IN (SELECT oid FROM pg_class);
