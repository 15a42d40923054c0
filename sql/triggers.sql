-- triggers.sql: funnel.enforce_transitions, funnel.record_transition, funnel.track/untrack.
-- Errors show their message, detail and hint, then the SQLSTATE (\echo :LAST_ERROR_SQLSTATE).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- A funnel without skips, so every rule is visible through the trigger.
SELECT funnel.create_funnel('trg_stage', ARRAY['lead', 'qualified', 'proposal', 'negotiation'],
                            won => '{won}', lost => '{lost}', allow_skip => false);

CREATE TABLE trg_deal (
    id          int PRIMARY KEY,
    stage       trg_stage NOT NULL DEFAULT 'lead',
    amount      numeric,
    note        text,
    stage_changed_at timestamptz
);
INSERT INTO trg_deal (id, stage, amount) VALUES (1, 'lead', 10), (2, 'qualified', 20), (3, 'won', 30);

-- track() on a table with rows: creates history, triggers, and backfills the current stages.
BEGIN;
SELECT funnel.track('trg_deal', stamp_column => 'stage_changed_at');
SELECT tgname, tgtype, pg_get_triggerdef(oid) LIKE '%REFERENCING%' AS transition_tables
FROM pg_trigger WHERE tgrelid = 'trg_deal'::regclass ORDER BY tgname;
SELECT id, from_stage, to_stage, changed_at = now() AS at_now, changed_by = current_user AS by_me
FROM trg_deal_stage_history ORDER BY id;
COMMIT;
\d trg_deal_stage_history

-- track() is idempotent: a second call changes nothing and does not backfill again.
SELECT funnel.track('trg_deal', stamp_column => 'stage_changed_at');
SELECT count(*) AS history_rows FROM trg_deal_stage_history;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'trg_deal'::regclass;

-- Legal move: one stage forward; stamped with the clock at the change (inside this
-- transaction, so between now() and clock_timestamp()) and recorded with that same time.
BEGIN;
UPDATE trg_deal SET stage = 'qualified' WHERE id = 1;
SELECT stage, stage_changed_at BETWEEN now() AND clock_timestamp() AS stamped FROM trg_deal WHERE id = 1;
SELECT h.changed_at = d.stage_changed_at AS history_time_is_the_stamp
FROM trg_deal_stage_history h JOIN trg_deal d USING (id) WHERE id = 1 AND h.to_stage = 'qualified';
COMMIT;
SELECT from_stage, to_stage FROM trg_deal_stage_history WHERE id = 1 AND from_stage IS NOT NULL;

-- Skip: refused (this funnel does not allow skips), nothing recorded, row unchanged.
UPDATE trg_deal SET stage = 'negotiation' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT stage FROM trg_deal WHERE id = 1;

-- Backward: refused.
UPDATE trg_deal SET stage = 'lead' WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE

-- Reopen a won deal: refused, and the detail says no move is allowed out of it.
UPDATE trg_deal SET stage = 'negotiation' WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE

-- Lost from any open stage: allowed.
UPDATE trg_deal SET stage = 'lost' WHERE id = 2;
SELECT stage FROM trg_deal WHERE id = 2;

-- Won from the last open stage only (no skips): proposal -> won refused, negotiation -> won fine.
INSERT INTO trg_deal (id) VALUES (4);
UPDATE trg_deal SET stage = 'qualified' WHERE id = 4;
UPDATE trg_deal SET stage = 'proposal' WHERE id = 4;
UPDATE trg_deal SET stage = 'won' WHERE id = 4;
\echo :LAST_ERROR_SQLSTATE
UPDATE trg_deal SET stage = 'negotiation' WHERE id = 4;
UPDATE trg_deal SET stage = 'won' WHERE id = 4;
SELECT from_stage, to_stage FROM trg_deal_stage_history WHERE id = 4 ORDER BY changed_at, to_stage;

-- No-op update (same stage) and update of another column: allowed, no stamp change, no history.
SELECT stage_changed_at AS before_stamp FROM trg_deal WHERE id = 1 \gset
UPDATE trg_deal SET stage = 'qualified' WHERE id = 1;
UPDATE trg_deal SET note = 'called back', amount = 15 WHERE id = 1;
SELECT stage_changed_at = :'before_stamp' AS stamp_unchanged FROM trg_deal WHERE id = 1;
SELECT count(*) AS history_rows_of_1 FROM trg_deal_stage_history WHERE id = 1;

-- An explicit edge overrides the default rules at once (cache invalidation in the same session).
SELECT funnel.allow_transition('qualified'::trg_stage, 'negotiation');
UPDATE trg_deal SET stage = 'negotiation' WHERE id = 1;
SELECT stage FROM trg_deal WHERE id = 1;
SELECT funnel.forbid_transition('negotiation'::trg_stage, 'lost');
UPDATE trg_deal SET stage = 'lost' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.reset_transition('negotiation'::trg_stage, 'lost');
SELECT funnel.reset_transition('qualified'::trg_stage, 'negotiation');

-- INSERT must start at an entry stage (the first open stage unless the funnel names others).
INSERT INTO trg_deal (id, stage) VALUES (5, 'proposal');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.set_stage('proposal'::trg_stage, entry => true);
INSERT INTO trg_deal (id, stage) VALUES (5, 'proposal');
SELECT funnel.set_stage('proposal'::trg_stage, entry => false);
INSERT INTO trg_deal (id, stage) VALUES (6, 'proposal');
\echo :LAST_ERROR_SQLSTATE

-- An INSERT that brings its own stamp (an import) keeps it; one without gets the time.
BEGIN;
INSERT INTO trg_deal (id, stage_changed_at) VALUES (7, '2020-01-01 00:00+00'), (8, NULL);
SELECT id, stage_changed_at = '2020-01-01 00:00+00' AS kept,
       stage_changed_at BETWEEN now() AND clock_timestamp() AS stamped
FROM trg_deal WHERE id IN (7, 8) ORDER BY id;
SELECT id, changed_at = '2020-01-01 00:00+00' AS recorded_with_the_import_time
FROM trg_deal_stage_history WHERE id IN (7, 8) ORDER BY id;
COMMIT;

-- Two changes in one transaction are recorded in order, with increasing times.
BEGIN;
INSERT INTO trg_deal (id) VALUES (9);
UPDATE trg_deal SET stage = 'qualified' WHERE id = 9;
UPDATE trg_deal SET stage = 'proposal' WHERE id = 9;
COMMIT;
SELECT from_stage, to_stage, changed_at > lag(changed_at) OVER (ORDER BY changed_at) AS later
FROM trg_deal_stage_history WHERE id = 9 ORDER BY changed_at;

-- One statement moving many rows: each row checked, one history row per changed row.
INSERT INTO trg_deal (id) SELECT g FROM generate_series(100, 199) g;
UPDATE trg_deal SET stage = 'qualified' WHERE id BETWEEN 100 AND 199;
SELECT count(*) AS recorded FROM trg_deal_stage_history WHERE id BETWEEN 100 AND 199 AND from_stage = 'lead';
-- ... and if one row of them is illegal, the whole statement fails and records nothing.
UPDATE trg_deal SET stage = 'proposal' WHERE id BETWEEN 100 AND 199;
UPDATE trg_deal SET stage = CASE WHEN id = 150 THEN 'won'::trg_stage ELSE 'negotiation' END
WHERE id BETWEEN 100 AND 199;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS negotiation_rows FROM trg_deal_stage_history WHERE to_stage = 'negotiation' AND id >= 100;

-- A rolled-back change leaves no history; a committed one always has its row.
BEGIN;
UPDATE trg_deal SET stage = 'lost' WHERE id = 100;
SELECT count(*) AS inside FROM trg_deal_stage_history WHERE id = 100 AND to_stage = 'lost';
ROLLBACK;
SELECT count(*) AS after_rollback FROM trg_deal_stage_history WHERE id = 100 AND to_stage = 'lost';
BEGIN;
UPDATE trg_deal SET stage = 'lost' WHERE id = 101;
SAVEPOINT s;
UPDATE trg_deal SET stage = 'lost' WHERE id = 102;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT id, to_stage FROM trg_deal_stage_history WHERE id IN (101, 102) AND to_stage = 'lost';

-- COPY into a tracked table goes through the same triggers.
COPY trg_deal (id, stage, amount) FROM stdin;
300	lead	5
301	lead	6
\.
SELECT id, from_stage, to_stage FROM trg_deal_stage_history WHERE id IN (300, 301) ORDER BY id;
COPY trg_deal (id, stage, amount) FROM stdin;
302	negotiation	5
\.
\echo :LAST_ERROR_SQLSTATE

-- History rows are journey-ready: (key, stage entered, when), here the path of deal 4.
SELECT id, array_agg(to_stage ORDER BY changed_at, funnel.stage_position(to_stage)) AS path
FROM trg_deal_stage_history WHERE id = 4 GROUP BY id;

-- NULL stages: refused by default (here the column is nullable) ...
CREATE TABLE trg_nullable (id int PRIMARY KEY, stage trg_stage);
SELECT funnel.track('trg_nullable');
INSERT INTO trg_nullable VALUES (1, NULL);
\echo :LAST_ERROR_SQLSTATE
-- ... allowed with the 'allow_null' option; NULL -> stage is an entry, stage -> NULL leaves no history.
CREATE OR REPLACE TRIGGER funnel_enforce_transitions BEFORE INSERT OR UPDATE ON trg_nullable
    FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('stage', '', 'allow_null');
INSERT INTO trg_nullable VALUES (1, NULL), (2, 'lead');
UPDATE trg_nullable SET stage = 'proposal' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE trg_nullable SET stage = 'lead' WHERE id = 1;
UPDATE trg_nullable SET stage = NULL WHERE id = 2;
SELECT id, from_stage, to_stage FROM trg_nullable_stage_history ORDER BY id, changed_at;

-- untrack() removes the triggers, keeps the history; idempotent.
SELECT funnel.untrack('trg_nullable');
SELECT funnel.untrack('trg_nullable');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'trg_nullable'::regclass;
UPDATE trg_nullable SET stage = 'won' WHERE id = 1;   -- no longer enforced
SELECT count(*) AS history_kept FROM trg_nullable_stage_history;

-- A schema and table with strange names, a custom history table name, and a text key.
CREATE SCHEMA "Sales ""Ops""";
CREATE TABLE "Sales ""Ops"""."Deal Table" ("Deal Key" text PRIMARY KEY, "Stage" funnel.sales_stage NOT NULL);
SELECT funnel.track('"Sales ""Ops"""."Deal Table"', stage_column => 'Stage', key_column => 'Deal Key',
                    history_table => '"Deal History"');
INSERT INTO "Sales ""Ops"""."Deal Table" VALUES ('a''1', 'lead');
UPDATE "Sales ""Ops"""."Deal Table" SET "Stage" = 'closed_won';
SELECT "Deal Key", from_stage, to_stage FROM "Sales ""Ops"""."Deal History" ORDER BY changed_at, to_stage;

-- Row-level use of the trigger functions, written by hand.
CREATE TABLE trg_row (k text PRIMARY KEY, s funnel.sales_stage NOT NULL);
CREATE TABLE trg_row_hist (k text NOT NULL, from_stage funnel.sales_stage, to_stage funnel.sales_stage NOT NULL,
                           changed_at timestamptz NOT NULL, changed_by name NOT NULL);
CREATE TRIGGER e BEFORE INSERT OR UPDATE ON trg_row FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('s');
CREATE TRIGGER r AFTER INSERT OR UPDATE ON trg_row FOR EACH ROW EXECUTE FUNCTION funnel.record_transition('trg_row_hist', 's', 'k');
INSERT INTO trg_row VALUES ('x', 'lead'), ('y', 'lead');
UPDATE trg_row SET s = 'proposal';
UPDATE trg_row SET s = 'closed_lost' WHERE k = 'y';
SELECT k, from_stage, to_stage FROM trg_row_hist ORDER BY k, changed_at, to_stage;

-- Misuse is a clear error when the trigger first fires, and track() checks up front.
CREATE TABLE trg_bad (id int PRIMARY KEY, stage text, st funnel.sales_stage, at date);
CREATE TRIGGER b1 BEFORE INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('nope');
INSERT INTO trg_bad (id) VALUES (1);
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b1 ON trg_bad;
CREATE TRIGGER b2 BEFORE INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('stage');
INSERT INTO trg_bad (id) VALUES (1);
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b2 ON trg_bad;
CREATE TRIGGER b3 BEFORE INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('st', 'at');
INSERT INTO trg_bad (id, st) VALUES (1, 'lead');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b3 ON trg_bad;
CREATE TRIGGER b4 BEFORE INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('st', '', 'bogus');
INSERT INTO trg_bad (id, st) VALUES (1, 'lead');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b4 ON trg_bad;
CREATE TRIGGER b5 AFTER INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('st');
INSERT INTO trg_bad (id, st) VALUES (1, 'lead');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b5 ON trg_bad;
CREATE TRIGGER b6 AFTER INSERT ON trg_bad FOR EACH ROW EXECUTE FUNCTION funnel.record_transition('no_such_history', 'st');
INSERT INTO trg_bad (id, st) VALUES (1, 'lead');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b6 ON trg_bad;
CREATE TRIGGER b7 AFTER INSERT ON trg_bad FOR EACH STATEMENT EXECUTE FUNCTION funnel.record_transition('trg_row_hist', 'st');
INSERT INTO trg_bad (id, st) VALUES (1, 'lead');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER b7 ON trg_bad;
SELECT funnel.enforce_transitions();
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('trg_bad', stage_column => 'stage');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('trg_bad', stage_column => 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('trg_bad', stage_column => 'st', key_column => 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('trg_bad', stage_column => 'st', stamp_column => 'at');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track('trg_bad', stage_column => 'st', history_table => 'trg_deal');
\echo :LAST_ERROR_SQLSTATE
SELECT funnel.track(NULL);
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW trg_view AS SELECT * FROM trg_bad;
SELECT funnel.track('trg_view', stage_column => 'st');
\echo :LAST_ERROR_SQLSTATE

-- Clean up.
DROP TABLE trg_deal, trg_deal_stage_history, trg_nullable, trg_nullable_stage_history,
           trg_row, trg_row_hist, trg_bad CASCADE;
DROP SCHEMA "Sales ""Ops""" CASCADE;
SELECT funnel.drop_funnel('trg_stage');
