--
-- errors: every error a user can reach, with its SQLSTATE, message, detail
-- and hint.  The codes (DESIGN.md, Rules > Errors):
--   22004 NULL where a value is needed       22023 bad argument
--   42704 enum that is not a registered funnel
--   42809 not an enum                        42710 already exists
--   2BP01 funnel still in use / shipped      23514 illegal transition
--   42501 not allowed (see also security.sql)
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

------------------------------------------------------------------------------
-- 1. create_funnel
------------------------------------------------------------------------------
-- NULL arguments and NULL elements: 22004
SELECT pg_temp.try($$SELECT funnel.create_funnel(NULL, '{a}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', won => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', lost => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', allow_skip => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', allow_backward => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', allow_reopen => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', ARRAY['a', NULL])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', won => ARRAY[NULL::text])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a}', lost => ARRAY['l', NULL])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_null', '{a,b}', entry => ARRAY['a', NULL])$$);
-- an empty stage list: 22023, also when won or lost stages are given
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_empty', '{}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_empty', '{}', won => '{w}', lost => '{l}')$$);
-- duplicate stage names: 22023
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_dup', '{a,b,a}')$$);
-- a stage both won and lost: 22023 (whether or not it is listed in stages)
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_both', '{a}', won => '{x}', lost => '{x}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_both', '{a,x}', won => '{x}', lost => '{y,x}')$$);
-- no open stage left: 22023
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_closed', '{w,l}', won => '{w}', lost => '{l}')$$);
-- invalid stage names: empty, longer than 63 bytes (also in multibyte
-- characters: 32 x 'é' is 64 bytes), in stages, won or lost: 22023
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_name', ARRAY['a', ''])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_name', ARRAY['a', repeat('x', 64)])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_name', ARRAY['a', repeat('é', 32)])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_name', '{a}', won => ARRAY[''])$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_name', '{a}', lost => ARRAY[repeat('y', 64)])$$);
-- more than 1000 labels: 22023, counting the won and lost labels added
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_big', ARRAY(SELECT 's' || i FROM generate_series(1, 1001) i))$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_big', ARRAY(SELECT 's' || i FROM generate_series(1, 999) i),
                                                 won => '{w}', lost => '{l}')$$);
-- ... exactly 1000 is fine
SELECT funnel.create_funnel('e_1000', ARRAY(SELECT 's' || i FROM generate_series(1, 999) i), won => '{w}');
SELECT count(*), max(position) FROM funnel.stages('e_1000');
SELECT funnel.stage_position('w'::e_1000), funnel.can_transition('s1'::e_1000, 'w');
-- an entry stage that is not a stage: 22023, the detail lists the stages
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_entry', '{a,b}', entry => '{c}')$$);
-- the type exists already: 42710 from PostgreSQL
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_1000', '{a}')$$);
CREATE TYPE e_plain AS ENUM ('a');
SELECT pg_temp.try($$SELECT funnel.create_funnel('e_plain', '{a}')$$);
-- a type name that is not a name, or in a schema that does not exist
SELECT pg_temp.try($$SELECT funnel.create_funnel('not a name', '{a}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('', '{a}')$$);
SELECT pg_temp.try($$SELECT funnel.create_funnel('no_such_schema.e_x', '{a}')$$);
-- none of the failed calls left a type or a definition behind
SELECT count(*) AS types_left FROM pg_type WHERE typname LIKE 'e\_%' AND typname NOT IN ('e_1000', 'e_plain', '_e_1000', '_e_plain');
SELECT stage_type FROM funnel.funnels
WHERE stage_type::oid NOT IN (SELECT typid FROM funnels_before) ORDER BY stage_type::text;

------------------------------------------------------------------------------
-- 2. register_funnel
------------------------------------------------------------------------------
CREATE TYPE r_enum AS ENUM ('a', 'b', 'won', 'lost');
-- NULL arguments and elements: 22004
SELECT pg_temp.try($$SELECT funnel.register_funnel(NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', lost => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', allow_skip => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', allow_backward => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', allow_reopen => NULL)$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => ARRAY[NULL::text])$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', lost => ARRAY['lost', NULL])$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', entry => ARRAY[NULL::text])$$);
-- not an enum: 42809 (a base type, a domain over an enum, a composite type)
SELECT pg_temp.try($$SELECT funnel.register_funnel('integer')$$);
CREATE DOMAIN r_domain AS r_enum;
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_domain')$$);
CREATE TYPE r_composite AS (s r_enum);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_composite')$$);
DROP TYPE r_composite;
-- a type that does not exist: 42704 from the regtype input
SELECT pg_temp.try($$SELECT funnel.register_funnel('no_such_type')$$);
-- already registered: 42710
SELECT pg_temp.try($$SELECT funnel.register_funnel('funnel.sales_stage')$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('e_1000')$$);
-- an enum with no labels: 22023
CREATE TYPE r_empty AS ENUM ();
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_empty')$$);
-- more than 1000 labels: 22023
DO $$ BEGIN
    EXECUTE format('CREATE TYPE r_1001 AS ENUM (%s)',
                   (SELECT string_agg(quote_literal('s' || i), ', ') FROM generate_series(1, 1001) i));
END $$;
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_1001')$$);
-- labels that are not labels of the enum, in won, lost or entry: 22023,
-- the detail lists the stages
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => '{Won}')$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => '{won}', lost => '{lost,gone}')$$);
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', entry => '{a,z}')$$);
-- a stage both won and lost: 22023
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => '{won}', lost => '{lost,won}')$$);
-- no open stage left: 22023
SELECT pg_temp.try($$SELECT funnel.register_funnel('r_enum', won => '{a,won}', lost => '{b,lost}')$$);
-- none of the failed calls registered r_enum
SELECT count(*) AS registered FROM funnel.funnels WHERE stage_type = 'r_enum'::regtype;

------------------------------------------------------------------------------
-- 3. An enum that is not a registered funnel: 42704 from every function.
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.stage_position('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.next_stage('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.prev_stage('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.is_won('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.is_lost('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.is_closed('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.stage_outcome('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.probability('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.can_transition('a'::r_enum, 'b')$$);
SELECT pg_temp.try($$SELECT funnel.check_transition('a'::r_enum, 'b')$$);
SELECT pg_temp.try($$SELECT * FROM funnel.stages('r_enum')$$);
SELECT pg_temp.try($$SELECT * FROM funnel.transitions('r_enum')$$);
SELECT pg_temp.try($$SELECT * FROM funnel.stages('integer')$$);
SELECT pg_temp.try($$SELECT funnel.allow_transition('a'::r_enum, 'b')$$);
SELECT pg_temp.try($$SELECT funnel.allow_transition('a'::r_enum, 'a')$$);
SELECT pg_temp.try($$SELECT funnel.forbid_transition('a'::r_enum, 'b')$$);
SELECT pg_temp.try($$SELECT funnel.reset_transition('a'::r_enum, 'b')$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::r_enum, probability => 0.5)$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::r_enum)$$);
SELECT pg_temp.try($$SELECT funnel.rename_stage('a'::r_enum, 'x')$$);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('r_enum')$$);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('integer')$$);
-- STRICT functions answer NULL for NULL, even for an unregistered enum
SELECT funnel.stage_position(NULL::r_enum) IS NULL AS strict_null;
SELECT count(*) AS no_rows FROM funnel.stages(NULL);

------------------------------------------------------------------------------
-- 4. Transition rules: allow_transition, forbid_transition, reset_transition
------------------------------------------------------------------------------
SELECT funnel.create_funnel('t_stage', '{a,b,c}', won => '{w}', lost => '{l}', allow_skip => false);
-- NULL stages: 22004
SELECT pg_temp.try($$SELECT funnel.allow_transition(NULL::t_stage, 'a')$$);
SELECT pg_temp.try($$SELECT funnel.allow_transition('a'::t_stage, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.forbid_transition(NULL::t_stage, 'a')$$);
SELECT pg_temp.try($$SELECT funnel.forbid_transition('a'::t_stage, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.reset_transition(NULL::t_stage, NULL)$$);
-- staying put cannot be forbidden: 22023
SELECT pg_temp.try($$SELECT funnel.forbid_transition('b'::t_stage, 'b')$$);
-- a label that is not a label of the enum: 22P02 from the enum input
SELECT pg_temp.try($$SELECT funnel.allow_transition('a'::t_stage, 'nope')$$);
-- stages of two different funnels: no such function (42883, PostgreSQL)
SELECT pg_temp.try($$SELECT funnel.allow_transition('a'::t_stage, 'lead'::funnel.sales_stage)$$);
-- an illegal move: 23514 (all the reasons are in rules.sql)
SELECT pg_temp.try($$SELECT funnel.check_transition('a'::t_stage, 'c')$$);

------------------------------------------------------------------------------
-- 5. set_stage and rename_stage
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.set_stage(NULL::t_stage, probability => 0.5)$$);
-- probability outside [0, 1], NaN or infinite: 22023
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::t_stage, probability => -0.01)$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::t_stage, probability => 1.0001)$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::t_stage, probability => 'NaN')$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('a'::t_stage, probability => '-Infinity')$$);
-- ... and nothing was stored
SELECT stage, probability FROM funnel.stages('t_stage') WHERE stage = 'a';
SELECT pg_temp.try($$SELECT funnel.rename_stage(NULL::t_stage, 'x')$$);
SELECT pg_temp.try($$SELECT funnel.rename_stage('a'::t_stage, NULL)$$);
SELECT pg_temp.try($$SELECT funnel.rename_stage('a'::t_stage, '')$$);
SELECT pg_temp.try($$SELECT funnel.rename_stage('a'::t_stage, repeat('x', 64))$$);
-- to a name the funnel already has: 42710 from PostgreSQL
SELECT pg_temp.try($$SELECT funnel.rename_stage('a'::t_stage, 'b')$$);
SELECT enum_range(NULL::t_stage);

------------------------------------------------------------------------------
-- 6. drop_funnel
------------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT funnel.drop_funnel(NULL)$$);
-- the shipped funnels: 2BP01
SELECT pg_temp.try($$SELECT funnel.drop_funnel('funnel.sales_stage')$$);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('funnel.marketing_stage')$$);
-- a funnel used by a column, directly, as an array, through a domain, in a
-- composite type: 2BP01 naming every column
CREATE TABLE used_direct (id int, stage t_stage, history t_stage[]);
CREATE DOMAIN t_stage_d AS t_stage;
CREATE TABLE used_domain (id int, s t_stage_d, s_arr t_stage_d[]);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('t_stage')$$);
DROP TABLE used_direct, used_domain;
DROP DOMAIN t_stage_d;
CREATE TYPE t_pair AS (a t_stage, b t_stage);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('t_stage')$$);
DROP TYPE t_pair;
-- a domain over the array type
CREATE DOMAIN t_stage_list AS t_stage[];
CREATE TABLE used_list (l t_stage_list);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('t_stage')$$);
DROP TABLE used_list;
DROP DOMAIN t_stage_list;
-- a funnel adopted with register_funnel is refused the same way, although
-- drop_funnel would not drop its type
SELECT funnel.register_funnel('r_enum', won => '{won}', lost => '{lost}');
CREATE TABLE used_adopted (s r_enum);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('r_enum')$$);
DROP TABLE used_adopted;
CREATE DOMAIN r_enum_list AS r_enum[];
CREATE TABLE used_adopted (l r_enum_list);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('r_enum')$$);
DROP TABLE used_adopted;
DROP DOMAIN r_enum_list;
-- the refused drops changed nothing
SELECT count(*) AS stages FROM funnel.stages('t_stage');
SELECT count(*) AS stages FROM funnel.stages('r_enum');
-- once nothing uses them, they can be dropped; a second drop: 42704
SELECT funnel.drop_funnel('t_stage');
SELECT funnel.drop_funnel('r_enum');
SELECT pg_temp.try($$SELECT funnel.drop_funnel('r_enum')$$);

------------------------------------------------------------------------------
-- 7. Writing the catalog tables directly
------------------------------------------------------------------------------
SELECT funnel.create_funnel('d_stage', '{a,b}', won => '{w}');
-- the shipped rows cannot be changed, even by a superuser: 42501
SELECT pg_temp.try($$UPDATE funnel.stage_def SET probability = 0.2 WHERE stage = 'lead' AND builtin$$);
SELECT pg_temp.try($$DELETE FROM funnel.stage_def WHERE stage_type = 'funnel.sales_stage'::regtype$$);
SELECT pg_temp.try($$DELETE FROM funnel.funnel_def WHERE stage_type = 'funnel.marketing_stage'::regtype$$);
SELECT pg_temp.try($$UPDATE funnel.funnel_def SET allow_backward = true WHERE builtin$$);
SELECT pg_temp.try($$INSERT INTO funnel.stage_def (stage_type, stage, builtin) VALUES ('d_stage', 'a', true)$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET builtin = true WHERE stage_type = 'd_stage'::regtype AND stage = 'a'$$);
-- rows must name an enum and its labels: 42809, 22023, 42704
SELECT pg_temp.try($$INSERT INTO funnel.funnel_def (stage_type) VALUES ('integer')$$);
SELECT pg_temp.try($$INSERT INTO funnel.stage_def (stage_type, stage) VALUES ('d_stage', 'zzz')$$);
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES ('d_stage', 'a', 'zzz', true)$$);
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES ('d_stage', 'zzz', 'a', true)$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET stage = 'zzz' WHERE stage_type = 'd_stage'::regtype AND stage = 'a'$$);
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES (1, 'a', 'b', true)$$);
-- table constraints: 23514 (staying put is not an edge; probability in [0, 1];
-- outcome open, won or lost)
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES ('d_stage', 'a', 'a', false)$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET probability = 2 WHERE stage_type = 'd_stage'::regtype AND stage = 'a'$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET outcome = 'maybe' WHERE stage_type = 'd_stage'::regtype AND stage = 'a'$$);
-- a definition made inconsistent by hand is reported when it is used:
-- every stage an outcome (55000)
UPDATE funnel.stage_def SET outcome = 'lost' WHERE stage_type = 'd_stage'::regtype AND outcome = 'open';
SELECT pg_temp.try($$SELECT funnel.is_won('a'::d_stage)$$);
SELECT pg_temp.try($$SELECT * FROM funnel.stages('d_stage')$$);
UPDATE funnel.stage_def SET outcome = 'open' WHERE stage_type = 'd_stage'::regtype AND stage IN ('a', 'b');
SELECT funnel.is_won('a'::d_stage), funnel.can_transition('b'::d_stage, 'a');
-- an empty enum registered by hand (55000)
INSERT INTO funnel.funnel_def (stage_type) VALUES ('r_empty');
SELECT pg_temp.try($$SELECT * FROM funnel.stages('r_empty')$$);
DELETE FROM funnel.funnel_def WHERE stage_type = 'r_empty'::regtype;
-- a funnel grown past 1000 labels with ALTER TYPE ... ADD VALUE (54000)
ALTER TYPE e_1000 ADD VALUE 'one too many';
SELECT pg_temp.try($$SELECT funnel.stage_position('w'::e_1000)$$);
SELECT pg_temp.try($$SELECT * FROM funnel.stages('e_1000')$$);
-- the trigger functions are for the catalog tables' triggers only
SELECT pg_temp.try($$SELECT funnel.definition_guard()$$);
CREATE TABLE misuse (x int);
CREATE TRIGGER misuse AFTER INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION funnel.definition_guard('x');
SELECT pg_temp.try($$INSERT INTO misuse VALUES (1)$$);
DROP TABLE misuse;

------------------------------------------------------------------------------
-- Clean up
------------------------------------------------------------------------------
SELECT funnel.drop_funnel('d_stage'), funnel.drop_funnel('e_1000');
DROP DOMAIN r_domain;
DROP TYPE e_plain, r_enum, r_empty, r_1001;
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
