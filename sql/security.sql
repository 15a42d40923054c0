--
-- security: funnels without superuser, who may change what, and search_path
-- hijacking.
--
-- Roles (cluster-wide, so prefixed regress_funnel_ and dropped at the end):
--   regress_funnel_alice    defines funnels in schema regress_funnel_crm
--   regress_funnel_bob      uses them (reads, stage functions)
--   regress_funnel_mallory  plants look-alike functions and operators
-- None of them is a superuser.
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

CREATE ROLE regress_funnel_alice;
CREATE ROLE regress_funnel_bob;
CREATE ROLE regress_funnel_mallory;
SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles
WHERE rolname LIKE 'regress\_funnel\_%' ORDER BY rolname;
CREATE SCHEMA regress_funnel_crm;
GRANT USAGE, CREATE ON SCHEMA regress_funnel_crm TO regress_funnel_alice;
GRANT USAGE ON SCHEMA regress_funnel_crm TO regress_funnel_bob, regress_funnel_mallory;
CREATE SCHEMA regress_funnel_evil AUTHORIZATION regress_funnel_mallory;
GRANT USAGE ON SCHEMA regress_funnel_evil TO PUBLIC;
-- an enum that alice does not own
CREATE TYPE regress_funnel_crm.admin_stage AS ENUM ('x', 'y');

------------------------------------------------------------------------------
-- 1. An ordinary role defines and changes its own funnels.
------------------------------------------------------------------------------
SET ROLE regress_funnel_alice;
SET search_path = regress_funnel_crm;
SELECT funnel.create_funnel('deal_stage', '{lead,demo,offer}', won => '{won}', lost => '{lost}',
                            allow_skip => false);
-- the type is alice's, in her schema
SELECT t.typname, t.typnamespace::regnamespace AS schema, t.typowner::regrole AS owner
FROM pg_type t WHERE t.oid = 'deal_stage'::regtype;
SELECT funnel.set_stage('demo'::deal_stage, probability => 0.3, owner => 'sales');
SELECT funnel.allow_transition('offer'::deal_stage, 'demo');
SELECT funnel.forbid_transition('lead'::deal_stage, 'lost');
SELECT funnel.rename_stage('offer'::deal_stage, 'proposal');
SELECT * FROM funnel.stages('deal_stage');
SELECT * FROM funnel.transitions('deal_stage');
CREATE TYPE ticket_stage AS ENUM ('new', 'done');
SELECT funnel.register_funnel('ticket_stage', won => '{done}');
SELECT funnel.reset_transition('lead'::deal_stage, 'lost');
SELECT stage_type FROM funnel.funnels
WHERE stage_type::oid IN (SELECT oid FROM pg_type WHERE typnamespace = 'regress_funnel_crm'::regnamespace)
ORDER BY stage_type::text;
-- alice cannot adopt an enum she does not own: 42501
SELECT pg_temp.try($$SELECT funnel.register_funnel('admin_stage')$$);
-- nor customise the shipped funnels (owned by the extension's owner): 42501
SELECT pg_temp.try($$SELECT funnel.set_stage('lead'::funnel.sales_stage, probability => 0.5)$$);
SELECT pg_temp.try($$SELECT funnel.allow_transition('closed_won'::funnel.sales_stage, 'lead')$$);
RESET ROLE;
RESET search_path;

------------------------------------------------------------------------------
-- 2. Another role reads and uses alice's funnel, but cannot change it.
------------------------------------------------------------------------------
SET ROLE regress_funnel_bob;
SET search_path = regress_funnel_crm;
SELECT * FROM funnel.stages('deal_stage');
SELECT count(*) FROM funnel.transitions('deal_stage');
SELECT * FROM funnel.funnels WHERE stage_type = 'deal_stage'::regtype;
SELECT funnel.stage_position('demo'::deal_stage), funnel.next_stage('demo'::deal_stage),
       funnel.probability('demo'::deal_stage), funnel.can_transition('proposal'::deal_stage, 'demo'),
       funnel.check_transition('lead'::deal_stage, 'demo');
SELECT pg_temp.try($$SELECT funnel.check_transition('lead'::deal_stage, 'proposal')$$);
-- the definition functions: 42501, must be owner of the type
SELECT pg_temp.try($$SELECT funnel.allow_transition('lead'::deal_stage, 'proposal')$$);
SELECT pg_temp.try($$SELECT funnel.forbid_transition('lead'::deal_stage, 'demo')$$);
SELECT pg_temp.try($$SELECT funnel.reset_transition('proposal'::deal_stage, 'demo')$$);
SELECT pg_temp.try($$SELECT funnel.set_stage('demo'::deal_stage, probability => 0.9)$$);
SELECT pg_temp.try($$SELECT funnel.rename_stage('demo'::deal_stage, 'pitch')$$);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('deal_stage')$$);
SELECT pg_temp.try($$SELECT funnel.drop_funnel('ticket_stage')$$);
-- creating a funnel needs CREATE on the schema, as CREATE TYPE does
SELECT pg_temp.try($$SELECT funnel.create_funnel('regress_funnel_crm.bob_stage', '{a}')$$);
-- writing the catalog tables directly: 42501 for alice's rows ...
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES ('deal_stage', 'lead', 'proposal', true)$$);
SELECT pg_temp.try($$INSERT INTO funnel.stage_def (stage_type, stage, probability) VALUES ('deal_stage', 'lead', 1)$$);
SELECT pg_temp.try($$UPDATE funnel.funnel_def SET allow_skip = true WHERE stage_type = 'deal_stage'::regtype$$);
SELECT pg_temp.try($$UPDATE funnel.stage_def SET probability = 1 WHERE stage_type = 'deal_stage'::regtype$$);
SELECT pg_temp.try($$DELETE FROM funnel.transition_def WHERE stage_type = 'deal_stage'::regtype$$);
SELECT pg_temp.try($$DELETE FROM funnel.funnel_def WHERE stage_type = 'ticket_stage'::regtype$$);
-- ... moving alice's rows to another type does not get round it
SELECT pg_temp.try($$UPDATE funnel.stage_def SET stage_type = 'funnel.sales_stage' WHERE stage_type = 'deal_stage'::regtype$$);
-- ... and for the shipped rows
SELECT pg_temp.try($$UPDATE funnel.stage_def SET probability = 1 WHERE builtin$$);
SELECT pg_temp.try($$DELETE FROM funnel.funnel_def WHERE builtin$$);
SELECT pg_temp.try($$INSERT INTO funnel.transition_def VALUES ('funnel.sales_stage', 'closed_won', 'lead', true)$$);
SELECT pg_temp.try($$TRUNCATE funnel.transition_def$$);
RESET ROLE;
RESET search_path;
-- nothing changed
SELECT * FROM funnel.stages('regress_funnel_crm.deal_stage');
SELECT * FROM funnel.transitions('regress_funnel_crm.deal_stage');
SELECT * FROM funnel.stages('funnel.sales_stage');

------------------------------------------------------------------------------
-- 3. search_path hijacking.  Mallory plants, in a schema everyone can use,
--    look-alikes of functions and operators the extension uses; each returns
--    the right answer but announces itself.  Alice then puts that schema
--    first in her search_path and uses the extension: none of mallory's code
--    may run (it would run with alice's rights), and no NOTICE may appear.
------------------------------------------------------------------------------
SET ROLE regress_funnel_mallory;
CREATE FUNCTION regress_funnel_evil.array_position(text[], text) RETURNS integer
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked array_position, run by %', current_user;
                               RETURN pg_catalog.array_position($1, $2); END $$;
CREATE FUNCTION regress_funnel_evil.cardinality(text[]) RETURNS integer
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked cardinality, run by %', current_user;
                               RETURN pg_catalog.cardinality($1); END $$;
CREATE FUNCTION regress_funnel_evil.quote_ident(text) RETURNS text
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked quote_ident, run by %', current_user;
                               RETURN pg_catalog.quote_ident($1); END $$;
CREATE FUNCTION regress_funnel_evil.format(text, text) RETURNS text
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked format, run by %', current_user;
                               RETURN pg_catalog.format($1, $2); END $$;
CREATE FUNCTION regress_funnel_evil.regtype_eq(regtype, regtype) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked regtype = regtype, run by %', current_user;
                               RETURN $1::oid OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE OPERATOR regress_funnel_evil.= (LEFTARG = regtype, RIGHTARG = regtype,
                                       FUNCTION = regress_funnel_evil.regtype_eq);
CREATE FUNCTION regress_funnel_evil.oid_regtype_eq(oid, regtype) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked oid = regtype, run by %', current_user;
                               RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE OPERATOR regress_funnel_evil.= (LEFTARG = oid, RIGHTARG = regtype,
                                       FUNCTION = regress_funnel_evil.oid_regtype_eq);
CREATE FUNCTION regress_funnel_evil.name_text_eq(name, text) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked name = text, run by %', current_user;
                               RETURN $1::text OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR regress_funnel_evil.= (LEFTARG = name, RIGHTARG = text,
                                       FUNCTION = regress_funnel_evil.name_text_eq);
-- the traps work: with the schema in front, a plain query falls into them
SET search_path = regress_funnel_evil, public;
SELECT array_position(ARRAY['a', 'b'], 'b'), 'integer'::regtype = 'integer'::regtype AS eq;
RESET ROLE;

SET ROLE regress_funnel_alice;
SET search_path = regress_funnel_evil, regress_funnel_crm;
-- the definition functions (PL/pgSQL)
-- (the statements below use no operator or function that is not the
-- extension's, or the test itself would fall into the traps)
SELECT funnel.create_funnel('regress_funnel_crm.hijack_stage', '{a,b,c}', won => '{w}', lost => '{l}',
                            entry => '{a}');
SELECT funnel.set_stage('b'::hijack_stage, probability => 0.5);
SELECT funnel.allow_transition('c'::hijack_stage, 'a');
SELECT funnel.forbid_transition('a'::hijack_stage, 'l');
SELECT funnel.reset_transition('a'::hijack_stage, 'l');
SELECT funnel.rename_stage('c'::hijack_stage, 'c1');
-- a plain ALTER TYPE ... RENAME VALUE runs the extension's event trigger
ALTER TYPE regress_funnel_crm.hijack_stage RENAME VALUE 'c1' TO 'c2';
CREATE TYPE regress_funnel_crm.hijack_enum AS ENUM ('p', 'q');
SELECT funnel.register_funnel('hijack_enum', won => '{q}');
-- the C functions, on a cold cache (new funnels) and a warm one
SELECT * FROM funnel.stages('hijack_stage');
SELECT * FROM funnel.transitions('hijack_stage');
SELECT funnel.stage_position('b'::hijack_stage), funnel.next_stage('b'::hijack_stage),
       funnel.probability('b'::hijack_stage), funnel.can_transition('c2'::hijack_stage, 'a'),
       funnel.is_won('q'::hijack_enum);
SELECT funnel.drop_funnel('hijack_stage');
SELECT funnel.drop_funnel('hijack_enum');
-- errors are the same too
SELECT pg_temp.try($$SELECT funnel.create_funnel('regress_funnel_crm.hijack_bad', '{a,a}')$$);
SELECT pg_temp.try($$SELECT funnel.stage_position('p'::hijack_enum)$$);
DROP TYPE hijack_enum;
RESET ROLE;
RESET search_path;

-- the same for a superuser, the most valuable victim
SET search_path = regress_funnel_evil, public;
SELECT funnel.create_funnel('public.su_stage', '{a,b}', won => '{w}');
SELECT * FROM funnel.stages('su_stage');
SELECT funnel.can_transition('a'::su_stage, 'w'), funnel.next_stage('b'::su_stage);
SELECT funnel.drop_funnel('su_stage');
RESET search_path;

------------------------------------------------------------------------------
-- Clean up: alice's funnels, the schemas, the roles.
------------------------------------------------------------------------------
SET ROLE regress_funnel_alice;
SELECT funnel.drop_funnel('regress_funnel_crm.deal_stage');
SELECT funnel.drop_funnel('regress_funnel_crm.ticket_stage');
RESET ROLE;
SET client_min_messages = warning;   -- no list of cascaded objects
DROP SCHEMA regress_funnel_crm CASCADE;
DROP SCHEMA regress_funnel_evil CASCADE;
DROP OWNED BY regress_funnel_alice, regress_funnel_bob, regress_funnel_mallory;
RESET client_min_messages;
DROP ROLE regress_funnel_alice, regress_funnel_bob, regress_funnel_mallory;
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
