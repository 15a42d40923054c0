/* funnel.sql: install script of the funnel extension, installed as funnel--<default_version>.sql
   (the Makefile makes that file from this one; upgrade scripts are sql/funnel--A--B.sql) */

\echo Use "CREATE EXTENSION funnel" to load this file. \quit

/*
 * Security (README "Security"): the script refuses a schema that already
 * holds objects and gives the schema to the superuser running it, so that no
 * other role can plant, rename or replace anything the extension resolves by
 * name.  Every object is created with an @extschema@-qualified name, every
 * operator in a constraint is pg_catalog-qualified, every PL/pgSQL function
 * runs with search_path = pg_catalog, pg_temp and qualifies the extension's
 * own objects, and dynamic SQL quotes every identifier and literal.  The
 * functions are SECURITY INVOKER: they act with the caller's rights; the
 * catalog tables are changed only through the C functions def_*(), which
 * check that the caller owns the funnel's type (C code finds the tables by
 * OID, catalog.c).
 */

-- The extension's schema: it must hold nothing but what this script creates,
-- and no role but a superuser may own it or create in it.
DO $schema$
DECLARE
    nsp     oid;
    grantee oid;
    what    text;
BEGIN
    SELECT n.oid INTO nsp FROM pg_catalog.pg_namespace n
    WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@';
    -- take it first, so that its former owner cannot add objects after the check
    EXECUTE pg_catalog.format('ALTER SCHEMA %I OWNER TO %I', '@extschema@', CURRENT_USER);
    FOR grantee IN
        SELECT DISTINCT a.grantee FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
        WHERE n.oid OPERATOR(pg_catalog.=) nsp
          AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
    LOOP
        IF grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN
            EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', '@extschema@');
        ELSE
            EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM %I CASCADE', '@extschema@',
                                      pg_catalog.pg_get_userbyid(grantee));
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', '
                                 ORDER BY pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid))
    INTO what
    FROM pg_catalog.pg_depend d
    WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
      AND d.refobjid OPERATOR(pg_catalog.=) nsp
      AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.objid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                  WHERE e.extname OPERATOR(pg_catalog.=) 'funnel'));
    IF what IS NULL AND (
        EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp)
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp)
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp)
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp)) THEN
        what := 'objects';
    END IF;
    IF what IS NOT NULL THEN
        RAISE EXCEPTION 'schema "@extschema@" already holds objects: %', what
            USING ERRCODE = '55000',
                  DETAIL = 'Extension funnel is installed into a schema of its own; an object already there could stand in for one of the extension''s.',
                  HINT = 'Drop those objects or the schema (DROP SCHEMA "@extschema@" CASCADE), then create the extension again.';
    END IF;
END
$schema$;

------------------------------------------------------------------------------
-- Catalog: extension configuration tables, dumped by pg_dump
------------------------------------------------------------------------------

-- One row per registered funnel.  builtin rows belong to the shipped funnels
-- and are re-created by CREATE EXTENSION, so pg_dump leaves them out.
CREATE TABLE @extschema@.funnel_def (
    stage_type      pg_catalog.regtype PRIMARY KEY,
    allow_skip      boolean NOT NULL DEFAULT true,
    allow_backward  boolean NOT NULL DEFAULT false,
    allow_reopen    boolean NOT NULL DEFAULT false,
    created         boolean NOT NULL DEFAULT false,  -- created by create_funnel (drop_funnel drops the type)
    builtin         boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.funnel_def IS
    'Registered funnels, one row per funnel-stage enum type, with their rules; written by the definition functions (create_funnel, register_funnel, set_rules, drop_funnel).';

-- Per-stage settings.  A user's settings for a shipped funnel are stored as a
-- row with builtin = false beside the shipped row and take precedence.
CREATE TABLE @extschema@.stage_def (
    stage_type      pg_catalog.regtype NOT NULL,
    stage           text NOT NULL,
    outcome         text NOT NULL DEFAULT 'open'
                    CHECK (outcome OPERATOR(pg_catalog.=) ANY ('{open,won,lost}'::pg_catalog.text[])),
    entry           boolean,
    owner           text,
    probability     float8 CHECK (probability OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                  AND probability OPERATOR(pg_catalog.<=) 1::pg_catalog.float8),
    builtin         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (stage_type, stage, builtin)
);
COMMENT ON TABLE @extschema@.stage_def IS
    'Stage settings of the registered funnels (outcome, entry flag, owning team, win probability); your settings of a shipped funnel are rows beside the shipped ones and take precedence.';

-- Explicit edges that override the default rules.
CREATE TABLE @extschema@.transition_def (
    stage_type      pg_catalog.regtype NOT NULL,
    from_stage      text NOT NULL,
    to_stage        text NOT NULL,
    allowed         boolean NOT NULL,
    PRIMARY KEY (stage_type, from_stage, to_stage),
    CHECK (from_stage OPERATOR(pg_catalog.<>) to_stage)
);
COMMENT ON TABLE @extschema@.transition_def IS
    'Explicit edges that allow or forbid one move between two stages, overriding the default rules (allow_transition, forbid_transition, reset_transition).';

-- The tables funnel.track() set up: record_transition() writes the history
-- of `tracked` into `history` with the rights of the owner of both.
CREATE TABLE @extschema@.tracked_def (
    tracked         pg_catalog.regclass PRIMARY KEY,
    history         pg_catalog.regclass NOT NULL
);
COMMENT ON TABLE @extschema@.tracked_def IS
    'The tables funnel.track() set up and their history tables; record_transition() writes their history with the rights of the owner of both.';

-- A dump holds the user's rows, never a row whose type (or table) is gone.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_def',
    'WHERE NOT builtin AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) stage_type)');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stage_def',
    'WHERE NOT builtin AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) stage_type)');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.transition_def',
    'WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) stage_type)');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.tracked_def',
    'WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tracked) AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) history)');

-- PUBLIC reads.  Only the extension's owner (the role that ran CREATE
-- EXTENSION: the database owner restoring a dump of his funnels) may also
-- INSERT, row by row checked by the guard (his own types and tables).  Nobody
-- but a superuser may UPDATE or DELETE, so nobody can lock the tables against
-- others (LOCK TABLE beyond ROW EXCLUSIVE and SELECT ... FOR UPDATE need those).
-- The definition functions write through the C functions def_*().
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
REVOKE ALL ON @extschema@.funnel_def, @extschema@.stage_def, @extschema@.transition_def,
    @extschema@.tracked_def FROM PUBLIC;
GRANT SELECT ON @extschema@.funnel_def, @extschema@.stage_def,
    @extschema@.transition_def, @extschema@.tracked_def TO PUBLIC;
DO $grant$
DECLARE
    owner name := (SELECT pg_catalog.pg_get_userbyid(e.extowner) FROM pg_catalog.pg_extension e
                   WHERE e.extname OPERATOR(pg_catalog.=) 'funnel');
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner) THEN
        EXECUTE pg_catalog.format('GRANT INSERT ON %I.funnel_def, %I.stage_def, %I.transition_def, %I.tracked_def TO %I',
                                  '@extschema@', '@extschema@', '@extschema@', '@extschema@', owner);
    END IF;
END
$grant$;

CREATE FUNCTION @extschema@.definition_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'funnel_definition_guard' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.definition_guard() IS
    'Internal: BEFORE row trigger of the catalog tables: a row written with SQL (a restore) must name existing stages and a funnel or table its writer may change; the shipped rows cannot be changed.';
CREATE FUNCTION @extschema@.definition_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'funnel_definition_changed' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.definition_changed() IS
    'Internal: AFTER trigger of the catalog tables: rows written with SQL (a restore, a superuser) invalidate the cached definitions of their funnels in every session.';

CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.funnel_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_guard('funnel');
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.stage_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_guard('stage');
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.transition_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_guard('transition');
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.tracked_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_guard('tracked');
-- rows written with SQL (a restore, a superuser's hand): invalidate their funnel
CREATE TRIGGER changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.funnel_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_changed();
CREATE TRIGGER changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.stage_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_changed();
CREATE TRIGGER changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.transition_def
    FOR EACH ROW EXECUTE FUNCTION @extschema@.definition_changed();
CREATE TRIGGER changed_all AFTER TRUNCATE ON @extschema@.funnel_def
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.definition_changed();
CREATE TRIGGER changed_all AFTER TRUNCATE ON @extschema@.stage_def
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.definition_changed();
CREATE TRIGGER changed_all AFTER TRUNCATE ON @extschema@.transition_def
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.definition_changed();

-- Changing the catalog: each checks that the caller may change the funnel
-- (owns its enum type; the shipped funnels: owns the extension) and writes
-- the rows directly.  The definition functions below call them.
CREATE FUNCTION @extschema@.def_check_rights(stage_type regtype) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_check_rights' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_check_rights(regtype) IS
    'Internal: raises 42501 unless the caller may change the funnel (owns its enum type; for a shipped funnel, owns the extension).';
CREATE FUNCTION @extschema@.def_mark_created(stage_type regtype) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_mark_created' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_mark_created(regtype) IS
    'Internal: records that funnel.create_funnel made the enum type, so that funnel.drop_funnel drops it.';
CREATE FUNCTION @extschema@.def_register(stage_type regtype, allow_skip boolean, allow_backward boolean,
                                         allow_reopen boolean, won text[], lost text[], entry text[]) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_register' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.def_register(regtype, boolean, boolean, boolean, text[], text[], text[]) IS
    'Internal: writes the catalog rows of a new funnel (the body of funnel.register_funnel checks the arguments first).';
CREATE FUNCTION @extschema@.def_put_stage(stage_type regtype, stage text, probability float8,
                                          owner text, entry boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_put_stage' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.def_put_stage(regtype, text, float8, text, boolean) IS
    'Internal: stores a stage setting (probability, owner, entry) in funnel.stage_def after checking the caller may change the funnel.';
CREATE FUNCTION @extschema@.def_put_edge(stage_type regtype, from_stage text, to_stage text,
                                         allowed boolean) RETURNS boolean
    AS 'MODULE_PATHNAME', 'funnel_def_put_edge' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.def_put_edge(regtype, text, text, boolean) IS
    'Internal: stores an explicit edge in funnel.transition_def (allowed NULL removes it) and returns whether one existed.';
CREATE FUNCTION @extschema@.def_forget(stage_type regtype) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_forget' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_forget(regtype) IS
    'Internal: deletes the catalog rows of a funnel (funnel.drop_funnel).';
CREATE FUNCTION @extschema@.def_forget_dropped(types oid[]) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_forget_dropped' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_forget_dropped(oid[]) IS
    'Internal: deletes the catalog rows of those enum types that no longer exist (the sql_drop event trigger).';
CREATE FUNCTION @extschema@.def_track(tracked regclass, history regclass) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_track' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.def_track(regclass, regclass) IS
    'Internal: records (or, with a NULL history table, forgets) the history table of a tracked table in funnel.tracked_def; the caller must own both.';
CREATE FUNCTION @extschema@.def_forget_dropped_tables(tables oid[]) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_forget_dropped_tables' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_forget_dropped_tables(oid[]) IS
    'Internal: deletes the funnel.tracked_def rows of those tables that no longer exist (the sql_drop event trigger).';

-- The registered funnels and their rules, one row each.
CREATE VIEW @extschema@.funnels AS
    SELECT stage_type, allow_skip, allow_backward, allow_reopen, builtin AS shipped
    FROM @extschema@.funnel_def;
COMMENT ON VIEW @extschema@.funnels IS
    'The registered funnels and their rules, one row each (shipped: it comes with the extension).';
GRANT SELECT ON @extschema@.funnels TO PUBLIC;

------------------------------------------------------------------------------
-- Stage functions (C)
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.stage_position(stage anyenum) RETURNS integer
    AS 'MODULE_PATHNAME', 'funnel_stage_position'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_position(anyenum) IS
    'The 1-based position of a stage in its funnel (enum) order.';
CREATE FUNCTION @extschema@.next_stage(stage anyenum) RETURNS anyenum
    AS 'MODULE_PATHNAME', 'funnel_next_stage'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_stage(anyenum) IS
    'The next open stage; after the last open stage, the first won stage; NULL for won and lost stages.';
CREATE FUNCTION @extschema@.prev_stage(stage anyenum) RETURNS anyenum
    AS 'MODULE_PATHNAME', 'funnel_prev_stage'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prev_stage(anyenum) IS
    'The previous open stage (for a won or lost stage, the last open stage before it); NULL for the first stage.';
CREATE FUNCTION @extschema@.is_won(stage anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'funnel_is_won'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_won(anyenum) IS
    'Whether the stage is a won outcome.';
CREATE FUNCTION @extschema@.is_lost(stage anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'funnel_is_lost'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_lost(anyenum) IS
    'Whether the stage is a lost outcome.';
CREATE FUNCTION @extschema@.is_closed(stage anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'funnel_is_closed'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_closed(anyenum) IS
    'Whether the stage is an outcome, won or lost.';
CREATE FUNCTION @extschema@.stage_outcome(stage anyenum) RETURNS text
    AS 'MODULE_PATHNAME', 'funnel_stage_outcome'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcome(anyenum) IS
    'The outcome of a stage: open, won or lost.';
CREATE FUNCTION @extschema@.probability(stage anyenum) RETURNS float8
    AS 'MODULE_PATHNAME', 'funnel_probability'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.probability(anyenum) IS
    'The win probability of a stage, NULL when none is set.';
CREATE FUNCTION @extschema@.can_transition("from" anyenum, "to" anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'funnel_can_transition'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_transition(anyenum, anyenum) IS
    'Whether the funnel allows a move from one stage to another (default rules and explicit edges).';
CREATE FUNCTION @extschema@.check_transition("from" anyenum, "to" anyenum) RETURNS anyenum
    AS 'MODULE_PATHNAME', 'funnel_check_transition'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_transition(anyenum, anyenum) IS
    'Returns the target stage when the move is allowed, else raises 23514 saying why and where the entity may go instead.';

CREATE FUNCTION @extschema@.stages(stage_type regtype)
    RETURNS TABLE ("position" integer, stage text, outcome text, owner text,
                   probability float8, entry boolean)
    AS 'MODULE_PATHNAME', 'funnel_stages'
    LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.stages(regtype) IS
    'The stages of a registered funnel in funnel order, with their effective outcome, owner, win probability and entry flag.';
CREATE FUNCTION @extschema@.transitions(stage_type regtype)
    RETURNS TABLE (from_stage text, to_stage text)
    AS 'MODULE_PATHNAME', 'funnel_transitions'
    LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 30;
COMMENT ON FUNCTION @extschema@.transitions(regtype) IS
    'Every allowed move between two different stages of a registered funnel, after default rules and explicit edges.';

------------------------------------------------------------------------------
-- Definitions (PL/pgSQL, run with the caller's rights)
------------------------------------------------------------------------------

-- register_funnel: adopt an existing enum type as a funnel.
CREATE FUNCTION @extschema@._register_funnel(
    stage_type      regtype,
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    labels  text[];
    l       text;
    n_open  integer;
BEGIN
    IF stage_type IS NULL THEN
        RAISE EXCEPTION 'stage_type must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF won IS NULL OR lost IS NULL OR allow_skip IS NULL OR allow_backward IS NULL
       OR allow_reopen IS NULL THEN
        RAISE EXCEPTION 'won, lost and the allow_* flags must not be NULL'
            USING ERRCODE = '22004',
                  HINT = 'Pass ''{}'' for a funnel without won or lost stages.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = stage_type AND t.typtype = 'e') THEN
        RAISE EXCEPTION 'type % is not an enum', stage_type
            USING ERRCODE = '42809',
                  DETAIL = 'A funnel-stage type must be an enum whose sort order is the funnel order.';
    END IF;
    IF EXISTS (SELECT 1 FROM @extschema@.funnel_def d WHERE d.stage_type = _register_funnel.stage_type) THEN
        RAISE EXCEPTION 'type % is already a registered funnel', stage_type
            USING ERRCODE = '42710',
                  HINT = 'Change it with funnel.set_stage() and funnel.allow_transition(), or unregister it with funnel.drop_funnel() first.';
    END IF;

    SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) INTO labels
    FROM pg_enum e WHERE e.enumtypid = stage_type;
    IF labels IS NULL THEN
        RAISE EXCEPTION 'empty stage list: type % has no labels', stage_type
            USING ERRCODE = '22023';
    END IF;
    IF cardinality(labels) > 1000 THEN
        RAISE EXCEPTION 'type % has % stages, more than the 1000 a funnel supports', stage_type, cardinality(labels)
            USING ERRCODE = '22023';
    END IF;

    IF array_position(won, NULL) IS NOT NULL OR array_position(lost, NULL) IS NOT NULL
       OR array_position(entry, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'stage lists must not contain NULL' USING ERRCODE = '22004';
    END IF;
    FOREACH l IN ARRAY won || lost || coalesce(entry, '{}') LOOP
        IF NOT l = ANY (labels) THEN
            RAISE EXCEPTION '"%" is not a stage of %', l, stage_type
                USING ERRCODE = '22023',
                      DETAIL = format('The stages of %s are: %s.', stage_type, array_to_string(labels, ', '));
        END IF;
    END LOOP;
    FOREACH l IN ARRAY won LOOP
        IF l = ANY (lost) THEN
            RAISE EXCEPTION 'stage "%" cannot be both won and lost', l USING ERRCODE = '22023';
        END IF;
    END LOOP;
    SELECT count(*) INTO n_open FROM unnest(labels) s WHERE NOT s = ANY (won || lost);
    IF n_open = 0 THEN
        RAISE EXCEPTION 'funnel % needs at least one open stage', stage_type
            USING ERRCODE = '22023',
                  DETAIL = 'Every label is a won or lost outcome.';
    END IF;

    PERFORM @extschema@.def_register(_register_funnel.stage_type, _register_funnel.allow_skip,
                                     _register_funnel.allow_backward, _register_funnel.allow_reopen,
                                     won, lost, _register_funnel.entry);
    RETURN stage_type;
END
$fn$;
COMMENT ON FUNCTION @extschema@._register_funnel(regtype, text[], text[], boolean, boolean, boolean, text[]) IS
    'Internal: the body of funnel.register_funnel(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.register_funnel() instead.';

-- create_funnel_in: create the enum type in schema `schema` (for an
-- unqualified type_name) and register it.  Labels of won and lost that are
-- not in stages are appended after them, won first.
CREATE FUNCTION @extschema@._create_funnel_in(
    schema          name,
    type_name       text,
    stages          text[],
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    labels  text[];
    l       text;
    qname   text;
    typ     regtype;
BEGIN
    IF type_name IS NULL OR stages IS NULL OR won IS NULL OR lost IS NULL THEN
        RAISE EXCEPTION 'type_name, stages, won and lost must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF array_position(stages, NULL) IS NOT NULL OR array_position(won, NULL) IS NOT NULL
       OR array_position(lost, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'stage lists must not contain NULL' USING ERRCODE = '22004';
    END IF;
    IF cardinality(stages) = 0 THEN
        RAISE EXCEPTION 'empty stage list'
            USING ERRCODE = '22023',
                  HINT = 'List the stages in funnel order, e.g. ARRAY[''lead'', ''qualified'', ''proposal''].';
    END IF;

    labels := stages;
    FOREACH l IN ARRAY won || lost LOOP
        IF NOT l = ANY (labels) THEN
            labels := labels || l;
        END IF;
    END LOOP;
    FOREACH l IN ARRAY labels LOOP
        IF l = '' OR octet_length(l) > 63 THEN
            RAISE EXCEPTION 'invalid stage name "%"', l
                USING ERRCODE = '22023',
                      DETAIL = 'Stage names must be 1 to 63 bytes long.';
        END IF;
    END LOOP;
    SELECT s INTO l FROM unnest(stages) s GROUP BY s HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'duplicate stage name "%"', l USING ERRCODE = '22023';
    END IF;
    IF cardinality(labels) > 1000 THEN
        RAISE EXCEPTION 'a funnel supports at most 1000 stages, % given', cardinality(labels)
            USING ERRCODE = '22023';
    END IF;
    FOREACH l IN ARRAY won LOOP
        IF l = ANY (lost) THEN
            RAISE EXCEPTION 'stage "%" cannot be both won and lost', l USING ERRCODE = '22023';
        END IF;
    END LOOP;

    SELECT string_agg(quote_ident(p), '.') INTO qname FROM unnest(parse_ident(type_name)) p;
    IF cardinality(parse_ident(type_name)) = 1 THEN
        IF schema IS NULL THEN
            RAISE EXCEPTION 'no schema has been selected to create in'
                USING ERRCODE = '3F000',
                      HINT = 'Qualify the type name, e.g. ''public.deal_stage'', or set search_path.';
        END IF;
        qname := format('%I.%s', schema, qname);
    END IF;
    EXECUTE format('CREATE TYPE %s AS ENUM (%s)', qname,
                   (SELECT string_agg(quote_literal(s), ', ' ORDER BY o)
                    FROM unnest(labels) WITH ORDINALITY AS u(s, o)));
    typ := qname::regtype;
    PERFORM @extschema@.register_funnel(typ, won, lost, allow_skip, allow_backward,
                                        allow_reopen, entry);
    PERFORM @extschema@.def_mark_created(typ);
    RETURN typ;
END
$fn$;
COMMENT ON FUNCTION @extschema@._create_funnel_in(name, text, text[], text[], text[], boolean, boolean, boolean, text[]) IS
    'Internal: the body of funnel.create_funnel_in(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.create_funnel_in() instead.';

-- create_funnel: create_funnel_in the caller's current schema.  A SQL
-- function without its own search_path, so current_schema() is the caller's;
-- everything it calls is schema-qualified.
CREATE FUNCTION @extschema@._create_funnel(
    type_name       text,
    stages          text[],
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
LANGUAGE sql
AS $fn$
    SELECT @extschema@.create_funnel_in(pg_catalog.current_schema(), type_name, stages, won, lost,
                                        allow_skip, allow_backward, allow_reopen, entry)
$fn$;
COMMENT ON FUNCTION @extschema@._create_funnel(text, text[], text[], text[], boolean, boolean, boolean, text[]) IS
    'Internal: the body of funnel.create_funnel(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.create_funnel() instead.';

-- The registered funnel of an enum value's type, or 42704.
CREATE FUNCTION @extschema@.funnel_of(stage anyenum) RETURNS regtype
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.funnel_def d WHERE d.stage_type = pg_typeof(stage)) THEN
        RAISE EXCEPTION 'type % is not a registered funnel', pg_typeof(stage)
            USING ERRCODE = '42704',
                  HINT = 'Create a funnel with funnel.create_funnel(), or register the enum with funnel.register_funnel().';
    END IF;
    RETURN pg_typeof(stage);
END
$fn$;
COMMENT ON FUNCTION @extschema@.funnel_of(anyenum) IS
    'The enum type of a stage value when it is a registered funnel; raises 42704 otherwise.';

CREATE FUNCTION @extschema@.set_transition_rule("from" anyenum, "to" anyenum, allowed boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    typ regtype;
BEGIN
    IF "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION 'stages must not be NULL' USING ERRCODE = '22004';
    END IF;
    typ := @extschema@.funnel_of("from");
    IF "from" = "to" THEN
        IF allowed IS NOT TRUE THEN
            RAISE EXCEPTION 'staying in stage "%" cannot be forbidden', "from"
                USING ERRCODE = '22023',
                      DETAIL = 'An update that leaves the stage unchanged is always allowed.';
        END IF;
        RETURN;
    END IF;
    PERFORM @extschema@.def_put_edge(typ, "from"::text, "to"::text, allowed);
END
$fn$;
COMMENT ON FUNCTION @extschema@.set_transition_rule(anyenum, anyenum, boolean) IS
    'Stores an explicit edge that allows (true) or forbids (false) one move, overriding the default rules; funnel.allow_transition and funnel.forbid_transition call it.';

-- allow_transition / forbid_transition: explicit edges that override the
-- default rules; reset_transition returns a move to the default rules.
CREATE FUNCTION @extschema@._allow_transition("from" anyenum, "to" anyenum) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT @extschema@.set_transition_rule("from", "to", true) $fn$;
COMMENT ON FUNCTION @extschema@._allow_transition(anyenum, anyenum) IS
    'Internal: the body of funnel.allow_transition(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.allow_transition() instead.';

CREATE FUNCTION @extschema@._forbid_transition("from" anyenum, "to" anyenum) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT @extschema@.set_transition_rule("from", "to", false) $fn$;
COMMENT ON FUNCTION @extschema@._forbid_transition(anyenum, anyenum) IS
    'Internal: the body of funnel.forbid_transition(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.forbid_transition() instead.';

CREATE FUNCTION @extschema@._reset_transition("from" anyenum, "to" anyenum) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION 'stages must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.funnel_of("from");
    IF "from" = "to" THEN
        PERFORM @extschema@.def_check_rights(pg_typeof("from"));
        RETURN;
    END IF;
    PERFORM @extschema@.def_put_edge(pg_typeof("from"), "from"::text, "to"::text, NULL);
END
$fn$;
COMMENT ON FUNCTION @extschema@._reset_transition(anyenum, anyenum) IS
    'Internal: the body of funnel.reset_transition(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.reset_transition() instead.';

-- set_stage: a stage's win probability, owning team and entry flag; NULL
-- leaves a setting as it is.
CREATE FUNCTION @extschema@._set_stage(
    stage       anyenum,
    probability float8 DEFAULT NULL,
    owner       text DEFAULT NULL,
    entry       boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    typ regtype;
BEGIN
    IF stage IS NULL THEN
        RAISE EXCEPTION 'stage must not be NULL' USING ERRCODE = '22004';
    END IF;
    typ := @extschema@.funnel_of(stage);
    IF probability IS NOT NULL AND NOT (probability >= 0 AND probability <= 1) THEN
        RAISE EXCEPTION 'probability must be between 0 and 1, got %', probability
            USING ERRCODE = '22023';
    END IF;
    IF probability IS NULL AND owner IS NULL AND entry IS NULL THEN
        RETURN;
    END IF;
    PERFORM @extschema@.def_put_stage(typ, stage::text, probability, owner, entry);
END
$fn$;
COMMENT ON FUNCTION @extschema@._set_stage(anyenum, float8, text, boolean) IS
    'Internal: the body of funnel.set_stage(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.set_stage() instead.';

-- rename_stage: ALTER TYPE ... RENAME VALUE for a funnel's stage, with the
-- argument checks of the other definition functions.  Settings and explicit
-- edges follow the label (event trigger funnel_follow_enum_rename), so a
-- plain ALTER TYPE ... RENAME VALUE keeps them too.
CREATE FUNCTION @extschema@._rename_stage(stage anyenum, new_name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    typ regtype;
BEGIN
    IF stage IS NULL OR new_name IS NULL THEN
        RAISE EXCEPTION 'stage and new_name must not be NULL' USING ERRCODE = '22004';
    END IF;
    typ := @extschema@.funnel_of(stage);
    IF new_name = '' OR octet_length(new_name) > 63 THEN
        RAISE EXCEPTION 'invalid stage name "%"', new_name
            USING ERRCODE = '22023', DETAIL = 'Stage names must be 1 to 63 bytes long.';
    END IF;
    -- the event trigger funnel_follow_enum_rename moves the settings and edges
    EXECUTE format('ALTER TYPE %s RENAME VALUE %L TO %L', typ, stage::text, new_name);
END
$fn$;
COMMENT ON FUNCTION @extschema@._rename_stage(anyenum, text) IS
    'Internal: the body of funnel.rename_stage(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.rename_stage() instead.';

-- drop_funnel: unregister a funnel, and drop its enum type if create_funnel
-- made it.  Refused while a column (directly, as an array or through a
-- domain) still uses the type, and while a stored funnel.pipeline,
-- funnel.journey or funnel.summary value of the funnel remains in a table
-- (a dump would hold values no restore can read).  Columns that may hold
-- such values are read with the caller's rights: one the caller cannot read
-- completely (no SELECT, or row security) makes the drop refused too.
CREATE FUNCTION @extschema@._drop_funnel(stage_type regtype) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    def     record;
    col     record;
    users   text;
    n_users bigint;
    found_v boolean;
    holders text[] := '{}';
    hidden  text[] := '{}';
BEGIN
    IF stage_type IS NULL THEN
        RAISE EXCEPTION 'stage_type must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO def FROM @extschema@.funnel_def d WHERE d.stage_type = _drop_funnel.stage_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'type % is not a registered funnel', stage_type
            USING ERRCODE = '42704',
                  HINT = 'funnel.funnels lists the registered funnels.';
    END IF;
    IF def.builtin THEN
        RAISE EXCEPTION 'cannot drop funnel %', stage_type
            USING ERRCODE = '2BP01',
                  DETAIL = 'It is shipped with extension funnel.',
                  HINT = 'It goes away with DROP EXTENSION funnel.';
    END IF;
    PERFORM @extschema@.def_check_rights(stage_type);
    -- on Citus: one connection per node from here on, so that the scan of
    -- distributed state columns below does not keep the DROPs that follow
    -- (propagated DDL) from running in this transaction
    IF current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL THEN
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;

    -- every type built on the funnel type: domains, arrays, ranges and
    -- multiranges over it, and so on recursively
    WITH RECURSIVE edges(child, parent) AS (
        SELECT t.oid, t.typbasetype FROM pg_type t WHERE t.typbasetype <> 0
        UNION ALL
        SELECT t.oid, t.typelem FROM pg_type t WHERE t.typelem <> 0 AND t.typcategory = 'A'
        UNION ALL
        SELECT r.rngtypid, r.rngsubtype FROM pg_range r
        UNION ALL
        SELECT r.rngmultitypid, r.rngsubtype FROM pg_range r
    ), all_types(oid) AS (
        SELECT stage_type::oid
        UNION
        SELECT e.child FROM edges e JOIN all_types a ON e.parent = a.oid
    )
    SELECT count(*), string_agg(format('%s.%I', c.oid::regclass, a.attname), ', '
                                ORDER BY c.oid::regclass::text, a.attnum)
    INTO n_users, users
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.atttypid IN (SELECT oid FROM all_types)
      AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c');
    IF n_users > 0 THEN
        RAISE EXCEPTION 'cannot drop funnel % because % column(s) use it', stage_type, n_users
            USING ERRCODE = '2BP01',
                  DETAIL = format('Used by: %s.', users),
                  HINT = 'Drop those columns or change their type first (for example ALTER TABLE ... ALTER COLUMN ... TYPE text), then drop the funnel.';
    END IF;

    -- stored values of the funnel: columns of the state types, of domains
    -- over them and of arrays of those, in tables whose rows a dump holds
    -- (not views, foreign or temporary tables; a partitioned table once, for
    -- all its partitions).  A value's text form names its funnel ("type").
    FOR col IN
        WITH RECURSIVE st(oid, arr) AS (
            SELECT t.oid, false FROM pg_type t
            WHERE t.oid IN ('@extschema@.pipeline'::regtype, '@extschema@.journey'::regtype,
                            '@extschema@.summary'::regtype)
            UNION
            SELECT t.oid, st.arr OR t.typbasetype OPERATOR(pg_catalog.<>) st.oid
            FROM pg_type t JOIN st ON t.typbasetype = st.oid OR (t.typelem = st.oid AND t.typcategory = 'A')
        )
        SELECT c.oid::regclass AS rel, a.attname, bool_or(st.arr) AS arr,
               has_table_privilege(c.oid, 'SELECT') OR has_column_privilege(c.oid, a.attnum, 'SELECT') AS readable,
               row_security_active(c.oid) AS rls
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN st ON st.oid = a.atttypid
        WHERE a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'm') AND c.relpersistence <> 't' AND NOT c.relispartition
        GROUP BY c.oid, a.attname, a.attnum
        ORDER BY c.oid::regclass::text, a.attnum
    LOOP
        IF NOT col.readable OR col.rls THEN
            hidden := hidden || format('%s.%I', col.rel, col.attname);
            CONTINUE;
        END IF;
        EXECUTE format(CASE WHEN col.arr
                            THEN 'SELECT EXISTS (SELECT 1 FROM %s t, pg_catalog.unnest(t.%I) u(v) WHERE pg_catalog.to_regtype(pg_catalog.json_extract_path_text(u.v::pg_catalog.text::pg_catalog.json, ''type'')) OPERATOR(pg_catalog.=) $1)'
                            ELSE 'SELECT EXISTS (SELECT 1 FROM %s t WHERE pg_catalog.to_regtype(pg_catalog.json_extract_path_text(t.%I::pg_catalog.text::pg_catalog.json, ''type'')) OPERATOR(pg_catalog.=) $1)'
                       END, col.rel, col.attname)
        INTO found_v USING stage_type;
        IF found_v THEN
            holders := holders || format('%s.%I', col.rel, col.attname);
        END IF;
    END LOOP;
    IF cardinality(holders) > 0 THEN
        RAISE EXCEPTION 'cannot drop funnel % because stored values of it remain', stage_type
            USING ERRCODE = '2BP01',
                  DETAIL = format('Values of funnel %s are stored in: %s.', stage_type, array_to_string(holders, ', ')),
                  HINT = 'Delete those values (set them to NULL or delete their rows) first: once the funnel is gone they could not be read, and a dump holding them could not be restored.';
    END IF;
    IF cardinality(hidden) > 0 THEN
        RAISE EXCEPTION 'cannot drop funnel %: cannot check column(s) % for stored values of it', stage_type,
                        array_to_string(hidden, ', ')
            USING ERRCODE = '42501',
                  DETAIL = 'Those columns may hold funnel.pipeline, funnel.journey or funnel.summary values of the funnel, and your role cannot read all of their rows (no SELECT privilege, or row security applies).',
                  HINT = 'Have a role that can read those tables (their owner, or a superuser) drop the funnel, or ask their owners to remove values of this funnel.';
    END IF;

    PERFORM @extschema@.def_forget(stage_type);
    IF def.created THEN
        EXECUTE format('DROP TYPE %s', stage_type);
    END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@._drop_funnel(regtype) IS
    'Internal: the body of funnel.drop_funnel(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.drop_funnel() instead.';

-- set_outcome: make a stage won, lost or open again (a label added after
-- go-live with ALTER TYPE ... ADD VALUE starts open).
CREATE FUNCTION @extschema@.set_outcome(stage anyenum, outcome text) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_set_outcome' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.set_outcome(anyenum, text) IS
    'Makes a stage won, lost or open (a label added with ALTER TYPE ... ADD VALUE starts open); won stages get probability 1, lost 0.';

-- set_rules: change a funnel's rules and entry stages; NULL leaves one as it is.
CREATE FUNCTION @extschema@.set_rules(
    stage_type      regtype,
    allow_skip      boolean DEFAULT NULL,
    allow_backward  boolean DEFAULT NULL,
    allow_reopen    boolean DEFAULT NULL,
    entry           text[] DEFAULT NULL)
RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_set_rules' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.set_rules(regtype, boolean, boolean, boolean, text[]) IS
    'Changes the rules of a funnel (allow_skip, allow_backward, allow_reopen) and its entry stages; a NULL argument leaves that one as it is.';


------------------------------------------------------------------------------
-- The definition functions' front doors (src/frontdoor.c): each calls its body
-- (the function of the same arguments named with a leading underscore, above)
-- and re-raises the body's errors without PL/pgSQL's CONTEXT lines.
------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.register_funnel(
    stage_type      regtype,
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.register_funnel(regtype, text[], text[], boolean, boolean, boolean, text[]) IS
    'Registers an existing enum type as a funnel (its sort order is the funnel order), with its won and lost stages, rules and entry stages.';
CREATE FUNCTION @extschema@.create_funnel_in(
    schema          name,
    type_name       text,
    stages          text[],
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.create_funnel_in(name, text, text[], text[], text[], boolean, boolean, boolean, text[]) IS
    'funnel.create_funnel into a given schema: creates the enum type (an unqualified type_name goes into schema) and registers it as a funnel.';
CREATE FUNCTION @extschema@.create_funnel(
    type_name       text,
    stages          text[],
    won             text[] DEFAULT '{}',
    lost            text[] DEFAULT '{}',
    allow_skip      boolean DEFAULT true,
    allow_backward  boolean DEFAULT false,
    allow_reopen    boolean DEFAULT false,
    entry           text[] DEFAULT NULL)
RETURNS regtype
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.create_funnel(text, text[], text[], text[], boolean, boolean, boolean, text[]) IS
    'Creates an enum type whose labels are the stages in funnel order (then the won and lost labels it does not list) and registers it as a funnel.';
CREATE FUNCTION @extschema@.allow_transition("from" anyenum, "to" anyenum) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.allow_transition(anyenum, anyenum) IS
    'Allows one move between two stages of a funnel, overriding its default rules.';
CREATE FUNCTION @extschema@.forbid_transition("from" anyenum, "to" anyenum) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.forbid_transition(anyenum, anyenum) IS
    'Forbids one move between two stages of a funnel, overriding its default rules.';
CREATE FUNCTION @extschema@.reset_transition("from" anyenum, "to" anyenum) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.reset_transition(anyenum, anyenum) IS
    'Removes the explicit edge of one move, which then follows the default rules again.';
CREATE FUNCTION @extschema@.set_stage(
    stage       anyenum,
    probability float8 DEFAULT NULL,
    owner       text DEFAULT NULL,
    entry       boolean DEFAULT NULL)
RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.set_stage(anyenum, float8, text, boolean) IS
    'Sets the win probability (0 to 1), owning team and entry flag of a stage; a NULL argument leaves that setting as it is.';
CREATE FUNCTION @extschema@.rename_stage(stage anyenum, new_name text) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.rename_stage(anyenum, text) IS
    'Renames a stage (ALTER TYPE ... RENAME VALUE) and keeps its settings and explicit edges.';
CREATE FUNCTION @extschema@.drop_funnel(stage_type regtype) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.drop_funnel(regtype) IS
    'Unregisters a funnel and drops its enum type if funnel.create_funnel made it; refused while a column uses the type or a table holds stored values of it.';
CREATE FUNCTION @extschema@.track(
    "table"         regclass,
    stage_column    name DEFAULT 'stage',
    key_column      name DEFAULT NULL,
    history_table   text DEFAULT NULL,
    stamp_column    name DEFAULT NULL,
    backfill        boolean DEFAULT true,
    key_columns     name[] DEFAULT NULL,
    allow_null      boolean DEFAULT false,
    amount_column   name DEFAULT NULL,
    close_date_column name DEFAULT NULL)
RETURNS regclass
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.track(regclass, name, name, text, name, boolean, name[], boolean, name, name) IS
    'Makes a table keep its stage column honest and on record: creates the history table if absent and the enforce and record triggers; returns the history table.';
CREATE FUNCTION @extschema@.untrack("table" regclass) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_definition_call' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.untrack(regclass) IS
    'Removes the triggers funnel.track made on a table (and its partitions); the history table stays.';

-- Forget the definitions of enum types dropped by DROP TYPE / SCHEMA / OWNED,
-- so that no row outlives its type (and pg_dump never writes a dangling OID).
CREATE FUNCTION @extschema@.forget_dropped_types() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM @extschema@.def_forget_dropped(ARRAY(
        SELECT o.objid FROM pg_catalog.pg_event_trigger_dropped_objects() o
        WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass));
    PERFORM @extschema@.def_forget_dropped_tables(ARRAY(
        SELECT o.objid FROM pg_catalog.pg_event_trigger_dropped_objects() o
        WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
          AND o.objsubid OPERATOR(pg_catalog.=) 0));
END
$fn$;
COMMENT ON FUNCTION @extschema@.forget_dropped_types() IS
    'Internal: event trigger function (sql_drop) that forgets the funnel definitions of dropped enum types and the tracked_def rows of dropped tables.';

CREATE EVENT TRIGGER funnel_forget_dropped_types ON sql_drop
    WHEN TAG IN ('DROP TYPE', 'DROP SCHEMA', 'DROP OWNED', 'DROP TABLE')
    EXECUTE FUNCTION @extschema@.forget_dropped_types();
COMMENT ON EVENT TRIGGER funnel_forget_dropped_types IS
    'Forgets the funnel definitions of dropped enum types and the tracked_def rows of dropped tables (DROP TYPE, TABLE, SCHEMA, OWNED).';

-- Carry a renamed label's settings and edges over (ALTER TYPE ... RENAME VALUE).
CREATE FUNCTION @extschema@.follow_enum_rename() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'funnel_follow_enum_rename' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.follow_enum_rename() IS
    'Internal: event trigger function (ALTER TYPE ... RENAME VALUE) that carries a renamed stage''s settings and explicit edges over to its new label.';
CREATE EVENT TRIGGER funnel_follow_enum_rename ON ddl_command_end
    WHEN TAG IN ('ALTER TYPE')
    EXECUTE FUNCTION @extschema@.follow_enum_rename();
COMMENT ON EVENT TRIGGER funnel_follow_enum_rename IS
    'Carries a renamed stage''s settings and explicit edges over to its new label (ALTER TYPE ... RENAME VALUE).';

-- Definitions on every node of a Citus cluster (src/distribute.c).  On a
-- coordinator the definition functions make funnel.definition(T) (the whole
-- definition, by label) and the concrete aggregates of T; Citus propagates
-- them.  On the nodes it sends them to, this event trigger copies the
-- definition into the local catalog.  Without Citus nothing happens.
CREATE FUNCTION @extschema@.def_apply(functions oid[]) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_def_apply' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.def_apply(oid[]) IS
    'Internal: on a Citus node receiving propagated DDL, copies the definition carried by a funnel.definition(T) the extension made into the local catalog.';
CREATE FUNCTION @extschema@.apply_definitions() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM @extschema@.def_apply(ARRAY(
        SELECT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c
        WHERE c.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass));
END
$fn$;
COMMENT ON FUNCTION @extschema@.apply_definitions() IS
    'Internal: event trigger function (CREATE FUNCTION) that applies funnel definitions Citus propagated from the coordinator to the local catalog.';
CREATE EVENT TRIGGER funnel_apply_definitions ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION')
    EXECUTE FUNCTION @extschema@.apply_definitions();
COMMENT ON EVENT TRIGGER funnel_apply_definitions IS
    'On a Citus node, applies the funnel definitions propagated from the coordinator (funnel.definition functions) to the local catalog.';

CREATE FUNCTION @extschema@.distribute(stage_type regtype) RETURNS void
    AS 'MODULE_PATHNAME', 'funnel_distribute' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.distribute(regtype) IS
    'On a Citus coordinator: makes (or brings up to date) a funnel''s definition on every node and its concrete aggregates, which Citus can split into partial aggregates.';

------------------------------------------------------------------------------
-- The shipped funnels
------------------------------------------------------------------------------

CREATE TYPE @extschema@.marketing_stage AS ENUM
    ('awareness', 'interest', 'consideration', 'intent', 'evaluation', 'purchase');
COMMENT ON TYPE @extschema@.marketing_stage IS
    'Shipped marketing funnel: awareness, interest, consideration, intent, evaluation, purchase (won).';
CREATE TYPE @extschema@.sales_stage AS ENUM
    ('lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost');
COMMENT ON TYPE @extschema@.sales_stage IS
    'Shipped sales funnel: lead, qualified, proposal, negotiation, closed_won (won), closed_lost (lost).';

INSERT INTO @extschema@.funnel_def (stage_type, builtin) VALUES
    ('@extschema@.marketing_stage', true),
    ('@extschema@.sales_stage', true);

INSERT INTO @extschema@.stage_def (stage_type, stage, outcome, owner, probability, builtin) VALUES
    ('@extschema@.marketing_stage', 'awareness',     'open', 'marketing', NULL, true),
    ('@extschema@.marketing_stage', 'interest',      'open', 'marketing', NULL, true),
    ('@extschema@.marketing_stage', 'consideration', 'open', 'marketing', NULL, true),
    ('@extschema@.marketing_stage', 'intent',        'open', 'marketing', NULL, true),
    ('@extschema@.marketing_stage', 'evaluation',    'open', 'sales',     NULL, true),
    ('@extschema@.marketing_stage', 'purchase',      'won',  'sales',     1.0,  true),
    ('@extschema@.sales_stage',     'lead',          'open', 'marketing', 0.10, true),
    ('@extschema@.sales_stage',     'qualified',     'open', 'sales',     0.25, true),
    ('@extschema@.sales_stage',     'proposal',      'open', 'sales',     0.50, true),
    ('@extschema@.sales_stage',     'negotiation',   'open', 'sales',     0.75, true),
    ('@extschema@.sales_stage',     'closed_won',    'won',  'sales',     1.0,  true),
    ('@extschema@.sales_stage',     'closed_lost',   'lost', 'sales',     0.0,  true);

------------------------------------------------------------------------------
-- Triggers: keep a table's stage column honest and on record
------------------------------------------------------------------------------

-- BEFORE INSERT OR UPDATE FOR EACH ROW.  Arguments: stage column (default
-- 'stage'), stamp column ('' for none), options 'allow_null' and
-- 'key=<column>' or 'key={<column>,...}' (the columns that name a row in
-- errors; default: the primary key).
CREATE FUNCTION @extschema@.enforce_transitions() RETURNS trigger
    AS 'MODULE_PATHNAME', 'funnel_enforce_transitions' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.enforce_transitions() IS
    'BEFORE INSERT OR UPDATE row trigger: refuses (23514) rows that start at a non-entry stage or make a move the funnel does not allow, and stamps the change time; arguments: stage column, stamp column, options.';

-- AFTER INSERT / AFTER UPDATE, FOR EACH ROW or FOR EACH STATEMENT with
-- transition tables.  Arguments: history table, stage column (default
-- 'stage'), key column (default 'id'; several as a name[] literal
-- '{tenant,id}'), stamp column (default none).
CREATE FUNCTION @extschema@.record_transition() RETURNS trigger
    AS 'MODULE_PATHNAME', 'funnel_record_transition' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.record_transition() IS
    'AFTER INSERT OR UPDATE trigger (per row, or per statement with transition tables): appends (key, from_stage, to_stage, changed_at, changed_by) to a history table; arguments: history table, stage column, key column, stamp column, amount column, close-date column.';

-- track: create the history table (if absent) and the triggers, idempotently.
-- The key defaults to the table's primary key; it must be unique (a unique
-- index or constraint exactly on its columns) and NOT NULL.  On a
-- partitioned table the history triggers are made on every partition too,
-- so statements addressed to a partition are recorded.  With amount_column
-- and/or close_date_column the history also records the old and new amount
-- and expected close date (from_amount, amount, from_close_date, close_date),
-- in a row of its own when only those change; an existing history table gets
-- the missing columns and, with backfill, one row per deal carrying today's
-- values.  On a table hash-distributed by Citus (only where the citus
-- extension is installed) the history it creates is distributed by the
-- table's distribution column, colocated with it, so that the triggers Citus
-- runs on each shard record into the history shard beside it; the triggers
-- are made with citus.enable_unsafe_triggers on for this function only, and
-- are told the table's name, which their errors give instead of a shard's.
CREATE FUNCTION @extschema@._track(
    "table"         regclass,
    stage_column    name DEFAULT 'stage',
    key_column      name DEFAULT NULL,
    history_table   text DEFAULT NULL,
    stamp_column    name DEFAULT NULL,
    backfill        boolean DEFAULT true,
    key_columns     name[] DEFAULT NULL,
    allow_null      boolean DEFAULT false,
    amount_column   name DEFAULT NULL,
    close_date_column name DEFAULT NULL)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    nsp         name;
    rel         name;
    kind        "char";
    stage_type  regtype;
    base_type   oid;
    stamp_type  regtype;
    keys        name[];
    keynums     int2[];
    keyarg      text;
    keydefs     text;
    keylist     text;
    parts       text[];
    qhist       text;
    hist        regclass;
    missing     text;
    part        regclass;
    created     boolean := false;
    amount_type regtype;
    close_type  regtype;
    valdefs     text := '';
    added       boolean := false;
    dist_column name;           -- Citus: the table's distribution column, or NULL
    unsafe      text;           -- Citus: citus.enable_unsafe_triggers before this function
BEGIN
    IF "table" IS NULL OR stage_column IS NULL OR backfill IS NULL OR allow_null IS NULL THEN
        RAISE EXCEPTION 'table, stage_column, backfill and allow_null must not be NULL'
            USING ERRCODE = '22004';
    END IF;
    SELECT n.nspname, c.relname, c.relkind INTO nsp, rel, kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "table";
    IF kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', rel USING ERRCODE = '42809';
    END IF;
    -- the TRIGGER privilege is not enough: tracking decides where history goes
    IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = "table" AND pg_has_role(c.relowner, 'USAGE')) THEN
        RAISE EXCEPTION 'must be owner of table %', rel
            USING ERRCODE = '42501',
                  DETAIL = 'Only the owner of a table can track it and choose its history table.';
    END IF;

    SELECT a.atttypid::regtype INTO stage_type FROM pg_attribute a
    WHERE a.attrelid = "table" AND a.attname = stage_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', stage_column, rel
            USING ERRCODE = '42703';
    END IF;
    WITH RECURSIVE b(oid, base) AS (
        SELECT t.oid, t.typbasetype FROM pg_type t WHERE t.oid = stage_type
        UNION ALL
        SELECT t.oid, t.typbasetype FROM pg_type t JOIN b ON t.oid = b.base
    )
    SELECT b.oid INTO base_type FROM b WHERE b.base = 0;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.funnel_def d WHERE d.stage_type = base_type) THEN
        RAISE EXCEPTION 'column "%" of relation "%" is not a funnel stage', stage_column, rel
            USING ERRCODE = '42704',
                  DETAIL = format('Its type %s is not a registered funnel.', stage_type),
                  HINT = 'Give the column a funnel type made with funnel.create_funnel() or funnel.register_funnel().';
    END IF;

    -- the key: what tells one entity's rows from another's
    IF key_columns IS NOT NULL THEN
        IF key_column IS NOT NULL AND key_columns IS DISTINCT FROM ARRAY[key_column] THEN
            RAISE EXCEPTION 'pass key_column or key_columns, not both' USING ERRCODE = '22023';
        END IF;
        keys := key_columns;
    ELSIF key_column IS NOT NULL THEN
        keys := ARRAY[key_column];
    ELSE
        SELECT array_agg(a.attname ORDER BY k.o) INTO keys
        FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, o), pg_attribute a
        WHERE i.indrelid = "table" AND i.indisprimary
          AND a.attrelid = "table" AND a.attnum = k.attnum;
        IF keys IS NULL THEN
            keys := ARRAY['id']::name[];
        END IF;
    END IF;
    IF cardinality(keys) IS NULL OR cardinality(keys) = 0 OR array_position(keys, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'key_columns must name at least one column, and no NULL' USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(DISTINCT k) FROM unnest(keys) k) <> cardinality(keys) THEN
        RAISE EXCEPTION 'key_columns names a column twice' USING ERRCODE = '22023';
    END IF;
    IF stage_column = ANY (keys) THEN
        RAISE EXCEPTION 'the stage column "%" cannot be part of the key', stage_column
            USING ERRCODE = '22023',
                  DETAIL = 'The key names an entity whose stage changes; a key that changes with the stage would split its journey.';
    END IF;
    SELECT string_agg(quote_ident(k), ', ' ORDER BY o) INTO missing
    FROM unnest(keys) WITH ORDINALITY u(k, o)
    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = "table" AND a.attname = k
                      AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'key column(s) % of relation "%" do not exist', missing, rel
            USING ERRCODE = '42703',
                  HINT = 'Name the columns that identify a row with key_columns => ARRAY[...] (the primary key is the default).';
    END IF;
    SELECT array_agg(a.attnum ORDER BY u.o),
           string_agg(format('%I %s NOT NULL', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY u.o),
           string_agg(quote_ident(a.attname), ', ' ORDER BY u.o)
    INTO keynums, keydefs, keylist
    FROM unnest(keys) WITH ORDINALITY u(k, o)
    JOIN pg_attribute a ON a.attrelid = "table" AND a.attname = u.k;
    -- unique: a valid unique index (or constraint) exactly on those columns, and NOT NULL
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = "table" AND i.indisunique AND i.indisvalid
          AND i.indpred IS NULL AND i.indexprs IS NULL
          AND i.indnkeyatts = cardinality(keynums)
          AND (SELECT array_agg(x ORDER BY x) FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) x)
              = (SELECT array_agg(x ORDER BY x) FROM unnest(keynums) x)) THEN
        RAISE EXCEPTION 'key (%) of relation "%" is not unique', keylist, rel
            USING ERRCODE = '42P10',
                  DETAIL = 'No unique index or constraint of the table is on exactly those columns, so two rows could share a key and their histories would merge into one journey.',
                  HINT = format('Name the columns of the primary key or of a unique constraint with key_columns => ARRAY[...], or add one: ALTER TABLE %s ADD UNIQUE (%s).', "table", keylist);
    END IF;
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO missing
    FROM pg_attribute a WHERE a.attrelid = "table" AND a.attnum = ANY (keynums) AND NOT a.attnotnull;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'key column(s) % of relation "%" can be NULL', missing, rel
            USING ERRCODE = '42P10',
                  DETAIL = 'Rows without a key cannot be told apart in the history.',
                  HINT = format('ALTER TABLE %s ALTER COLUMN ... SET NOT NULL.', "table");
    END IF;
    -- Citus: a hash-distributed table (read only when the citus extension is
    -- installed, from Citus's own catalog); its key holds the distribution
    -- column, which Citus requires in every unique index
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) INTO dist_column
        FROM pg_catalog.pg_dist_partition p
        WHERE p.logicalrelid OPERATOR(pg_catalog.=) "table" AND p.partmethod OPERATOR(pg_catalog.=) 'h';
        IF dist_column IS NOT NULL AND NOT dist_column OPERATOR(pg_catalog.=) ANY (keys) THEN
            RAISE EXCEPTION 'key (%) of distributed table "%" does not hold its distribution column "%"',
                keylist, rel, dist_column
                USING ERRCODE = '0A000',
                      DETAIL = 'funnel.track() distributes the history by that column, colocated with the table, so that each shard''s moves are recorded beside it.',
                      HINT = 'Name a unique key that holds the distribution column with key_columns => ARRAY[...].';
        END IF;
    END IF;
    -- the trigger argument: a single name as it is, several as a name[] literal
    keyarg := CASE WHEN cardinality(keys) = 1 AND left(keys[1], 1) <> '{' THEN keys[1]::text
                   ELSE keys::text END;

    IF stamp_column IS NOT NULL THEN
        SELECT a.atttypid::regtype INTO stamp_type FROM pg_attribute a
        WHERE a.attrelid = "table" AND a.attname = stamp_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stamp column "%" of relation "%" does not exist', stamp_column, rel
                USING ERRCODE = '42703';
        END IF;
        IF stamp_type <> 'timestamptz'::regtype THEN
            RAISE EXCEPTION 'stamp column "%" of relation "%" must be of type timestamp with time zone, not %',
                stamp_column, rel, stamp_type USING ERRCODE = '42804';
        END IF;
    END IF;

    -- values recorded beside the stage: the deal amount and the expected close date
    IF amount_column IS NOT NULL THEN
        SELECT a.atttypid::regtype INTO amount_type FROM pg_attribute a
        WHERE a.attrelid = "table" AND a.attname = amount_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'amount column "%" of relation "%" does not exist', amount_column, rel
                USING ERRCODE = '42703';
        END IF;
        IF (SELECT t.typbasetype FROM pg_type t WHERE t.oid = amount_type) OPERATOR(pg_catalog.<>) 0::oid THEN
            amount_type := (SELECT t.typbasetype FROM pg_type t WHERE t.oid = amount_type);
        END IF;
        IF amount_type NOT IN ('numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                               'float4'::regtype, 'float8'::regtype) THEN
            RAISE EXCEPTION 'amount column "%" of relation "%" must be of type numeric (or an integer or float type), not %',
                amount_column, rel, amount_type USING ERRCODE = '42804';
        END IF;
        valdefs := valdefs || ', from_amount numeric, amount numeric';
    END IF;
    IF close_date_column IS NOT NULL THEN
        SELECT a.atttypid::regtype INTO close_type FROM pg_attribute a
        WHERE a.attrelid = "table" AND a.attname = close_date_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'close date column "%" of relation "%" does not exist', close_date_column, rel
                USING ERRCODE = '42703';
        END IF;
        IF (SELECT t.typbasetype FROM pg_type t WHERE t.oid = close_type) OPERATOR(pg_catalog.<>) 0::oid THEN
            close_type := (SELECT t.typbasetype FROM pg_type t WHERE t.oid = close_type);
        END IF;
        IF close_type NOT IN ('date'::regtype, 'timestamptz'::regtype, 'timestamp'::regtype) THEN
            RAISE EXCEPTION 'close date column "%" of relation "%" must be of type date, timestamp or timestamptz, not %',
                close_date_column, rel, close_type USING ERRCODE = '42804';
        END IF;
        valdefs := valdefs || format(', from_close_date %s, close_date %s', close_type, close_type);
    END IF;
    IF amount_column = stage_column OR close_date_column = stage_column OR amount_column = close_date_column THEN
        RAISE EXCEPTION 'the stage, amount and close date columns must be three different columns'
            USING ERRCODE = '22023';
    END IF;

    IF history_table IS NULL THEN
        parts := ARRAY[nsp, left(rel || '_stage_history', 63)];
    ELSE
        parts := parse_ident(history_table);
        IF cardinality(parts) = 1 THEN
            parts := ARRAY[nsp] || parts;
        ELSIF cardinality(parts) <> 2 THEN
            RAISE EXCEPTION 'invalid history table name "%"', history_table USING ERRCODE = '22023';
        END IF;
    END IF;
    qhist := format('%I.%I', parts[1], parts[2]);

    hist := to_regclass(qhist);
    IF hist IS NULL THEN
        EXECUTE format('CREATE TABLE %s (%s, from_stage %s, to_stage %s NOT NULL, '
                       'changed_at timestamptz NOT NULL DEFAULT now(), '
                       'changed_by name NOT NULL DEFAULT CURRENT_USER%s)',
                       qhist, keydefs, stage_type, stage_type, valdefs);
        EXECUTE format('CREATE INDEX ON %s (%s, changed_at)', qhist, keylist);
        hist := qhist::regclass;
        created := true;
        IF dist_column IS NOT NULL THEN
            -- empty still: the backfill below runs on the shards, pushed down
            PERFORM pg_catalog.create_distributed_table(hist, dist_column::text,
                                                        colocate_with => "table"::text);
        END IF;
    ELSE
        SELECT string_agg(quote_ident(c), ', ' ORDER BY i) INTO missing
        FROM unnest(keys::text[] || ARRAY['from_stage', 'to_stage', 'changed_at', 'changed_by'])
             WITH ORDINALITY AS u(c, i)
        WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = hist AND a.attname = c
                          AND a.attnum > 0 AND NOT a.attisdropped);
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'history table % lacks column(s) %', qhist, missing
                USING ERRCODE = '42703',
                      HINT = 'A history table has the key column(s), from_stage, to_stage, changed_at and changed_by; pass another history_table, or let funnel.track() create one.';
        END IF;
        -- Citus: the shards' triggers write into the history shard on their
        -- node (nested: Citus's catalog is named only where it is installed)
        IF dist_column IS NOT NULL THEN
          IF NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_dist_partition t, pg_catalog.pg_dist_partition h
                WHERE t.logicalrelid OPERATOR(pg_catalog.=) "table" AND h.logicalrelid OPERATOR(pg_catalog.=) hist
                  AND h.colocationid OPERATOR(pg_catalog.=) t.colocationid
                  AND h.partmethod OPERATOR(pg_catalog.=) 'h'
                  AND pg_catalog.column_to_column_name(h.logicalrelid, h.partkey) OPERATOR(pg_catalog.=) dist_column) THEN
            RAISE EXCEPTION 'history table % of distributed table "%" is not distributed by "%" colocated with it',
                qhist, rel, dist_column
                USING ERRCODE = '0A000',
                      DETAIL = 'The triggers run on the shards of the table, each on its node, and record into the history shard beside it.',
                      HINT = format('Distribute it first: SELECT create_distributed_table(%L, %L, colocate_with => %L).',
                                    qhist, dist_column, "table"::text);
          END IF;
        END IF;
        -- a history made before values were recorded: add their columns
        IF amount_column IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = hist AND a.attname = 'amount'
                  AND a.attnum > 0 AND NOT a.attisdropped) THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS from_amount numeric, ADD COLUMN amount numeric', qhist);
            added := true;
        END IF;
        IF close_date_column IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = hist AND a.attname = 'close_date'
                  AND a.attnum > 0 AND NOT a.attisdropped) THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS from_close_date %s, ADD COLUMN close_date %s',
                           qhist, close_type, close_type);
            added := true;
        END IF;
        SELECT string_agg(quote_ident(c), ', ') INTO missing
        FROM unnest(CASE WHEN amount_column IS NULL THEN '{}'::text[] ELSE ARRAY['from_amount', 'amount'] END ||
                    CASE WHEN close_date_column IS NULL THEN '{}'::text[] ELSE ARRAY['from_close_date', 'close_date'] END) c
        WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = hist AND a.attname = c
                          AND a.attnum > 0 AND NOT a.attisdropped);
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'history table % lacks column(s) %', qhist, missing
                USING ERRCODE = '42703',
                      HINT = 'Recorded values go to from_amount and amount, from_close_date and close_date.';
        END IF;
    END IF;

    -- Citus refuses triggers on distributed tables unless this is on: on for
    -- the triggers' DDL only (the triggers are made on every shard)
    IF dist_column IS NOT NULL THEN
        unsafe := pg_catalog.current_setting('citus.enable_unsafe_triggers');
        PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    END IF;
    EXECUTE format('CREATE OR REPLACE TRIGGER funnel_enforce_transitions BEFORE INSERT OR UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.enforce_transitions(%L, %L%s, %L%s)',
                   "table", stage_column, coalesce(stamp_column, ''),
                   CASE WHEN allow_null THEN ', ''allow_null''' ELSE '' END, 'key=' || keys::text,
                   CASE WHEN dist_column IS NULL THEN '' ELSE format(', %L', 'table=' || rel) END);
    -- the table, and each of its partitions: a statement fires the statement
    -- triggers of the table it names only
    FOR part IN
        SELECT "table" UNION ALL
        SELECT t.relid FROM pg_partition_tree("table") t JOIN pg_class c ON c.oid = t.relid
        WHERE t.relid <> "table" AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER funnel_record_insert AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS funnel_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.record_transition(%L, %L, %L, %L%s)',
                       part, qhist, stage_column, keyarg, coalesce(stamp_column, ''),
                       CASE WHEN amount_column IS NULL AND close_date_column IS NULL AND dist_column IS NULL THEN ''
                            ELSE format(', %L, %L', coalesce(amount_column, ''), coalesce(close_date_column, '')) END
                       || CASE WHEN dist_column IS NULL THEN '' ELSE format(', %L', rel) END);
        EXECUTE format('CREATE OR REPLACE TRIGGER funnel_record_update AFTER UPDATE ON %s '
                       'REFERENCING OLD TABLE AS funnel_old NEW TABLE AS funnel_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.record_transition(%L, %L, %L, %L%s)',
                       part, qhist, stage_column, keyarg, coalesce(stamp_column, ''),
                       CASE WHEN amount_column IS NULL AND close_date_column IS NULL AND dist_column IS NULL THEN ''
                            ELSE format(', %L, %L', coalesce(amount_column, ''), coalesce(close_date_column, '')) END
                       || CASE WHEN dist_column IS NULL THEN '' ELSE format(', %L', rel) END);
    END LOOP;
    IF dist_column IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', unsafe, true);
    END IF;

    -- record_transition writes this history with the rights of the owner of
    -- both tables (the caller): movers need no privilege on it
    PERFORM @extschema@.def_track("table", hist);

    IF (created OR added) AND backfill THEN
        -- a new history: one entry row per row; a history that just got value
        -- columns: one row per row with today's values (from_stage = to_stage),
        -- so the values of every later change follow on from recorded ones
        EXECUTE format('INSERT INTO %s (%s, from_stage, to_stage, changed_at%s%s) '
                       'SELECT %s, %s, %I, %s%s%s FROM %s WHERE %I IS NOT NULL',
                       qhist, keylist,
                       CASE WHEN amount_column IS NULL THEN '' ELSE ', amount' END,
                       CASE WHEN close_date_column IS NULL THEN '' ELSE ', close_date' END,
                       keylist, CASE WHEN created THEN 'NULL' ELSE quote_ident(stage_column) END, stage_column,
                       CASE WHEN stamp_column IS NULL OR NOT created THEN 'now()'
                            ELSE format('coalesce(%I, now())', stamp_column) END,
                       CASE WHEN amount_column IS NULL THEN '' ELSE format(', %I', amount_column) END,
                       CASE WHEN close_date_column IS NULL THEN '' ELSE format(', %I', close_date_column) END,
                       "table", stage_column);
    END IF;
    RETURN hist;
END
$fn$;
COMMENT ON FUNCTION @extschema@._track(regclass, name, name, text, name, boolean, name[], boolean, name, name) IS
    'Internal: the body of funnel.track(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.track() instead.';

-- untrack: remove the triggers that track() made (on the table and its
-- partitions); the history table stays.  On a table hash-distributed by
-- Citus, with citus.enable_unsafe_triggers on for this function only (Citus
-- drops the triggers of every shard).
CREATE FUNCTION @extschema@._untrack("table" regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    part   regclass;
    unsafe text;
BEGIN
    IF "table" IS NULL THEN
        RAISE EXCEPTION 'table must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- (nested: Citus's catalog is named only where the extension is installed)
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                   WHERE p.logicalrelid OPERATOR(pg_catalog.=) "table" AND p.partmethod OPERATOR(pg_catalog.=) 'h') THEN
            unsafe := pg_catalog.current_setting('citus.enable_unsafe_triggers');
            PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
        END IF;
    END IF;
    PERFORM @extschema@.def_track("table", NULL);
    EXECUTE format('DROP TRIGGER IF EXISTS funnel_enforce_transitions ON %s', "table");
    FOR part IN
        SELECT "table" UNION ALL
        SELECT t.relid FROM pg_partition_tree("table") t JOIN pg_class c ON c.oid = t.relid
        WHERE t.relid <> "table" AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS funnel_record_insert ON %s', part);
        EXECUTE format('DROP TRIGGER IF EXISTS funnel_record_update ON %s', part);
    END LOOP;
    IF unsafe IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', unsafe, true);
    END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@._untrack(regclass) IS
    'Internal: the body of funnel.untrack(), which calls it and reports its errors without PL/pgSQL context lines; call funnel.untrack() instead.';

------------------------------------------------------------------------------
-- Pipeline metrics: the funnel.pipeline state, its aggregates and accessors
------------------------------------------------------------------------------

CREATE TYPE @extschema@.pipeline;
CREATE FUNCTION @extschema@.pipeline_in(cstring) RETURNS @extschema@.pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_in(cstring) IS
    'Text input of funnel.pipeline (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.pipeline_out(@extschema@.pipeline) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_out(@extschema@.pipeline) IS
    'Text output of funnel.pipeline: JSON naming the stage type and labels.';
CREATE FUNCTION @extschema@.pipeline_send(@extschema@.pipeline) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_send(@extschema@.pipeline) IS
    'Binary output of funnel.pipeline.';
CREATE FUNCTION @extschema@.pipeline_recv(internal) RETURNS @extschema@.pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_recv(internal) IS
    'Binary input of funnel.pipeline; validates everything it reads (22P03).';
CREATE TYPE @extschema@.pipeline (
    INPUT = @extschema@.pipeline_in,
    OUTPUT = @extschema@.pipeline_out,
    SEND = @extschema@.pipeline_send,
    RECEIVE = @extschema@.pipeline_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    -- stored uncompressed: states are read far more often than written (daily
    -- states rolled up by dashboards), and pglz compression saved about 30% of
    -- their bytes for most of the time a rollup took (README, Performance)
    STORAGE = external
);
COMMENT ON TYPE @extschema@.pipeline IS
    'Deal-level pipeline state (stored, mergeable): deals by stage and outcome with their amounts and cycle lengths; made by funnel.pipeline(), merged by funnel.rollup(), read with the pipeline accessors.';

-- transition functions (not STRICT: a row whose stage is NULL is skipped)
CREATE FUNCTION @extschema@.pipeline_transfn(@extschema@.pipeline, anyenum, numeric, timestamptz, timestamptz)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_transfn(@extschema@.pipeline, anyenum, numeric, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.pipeline(stage, amount, created_at, closed_at) aggregate.';
CREATE FUNCTION @extschema@.pipeline_stage_transfn(@extschema@.pipeline, anyenum)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_stage_transfn(@extschema@.pipeline, anyenum) IS
    'Internal: transition function of the funnel.win_rate(stage) aggregate.';
CREATE FUNCTION @extschema@.pipeline_amount_transfn(@extschema@.pipeline, anyenum, numeric)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_amount_transfn(@extschema@.pipeline, anyenum, numeric) IS
    'Internal: transition function of the funnel.median_deal_size aggregate.';
CREATE FUNCTION @extschema@.pipeline_amount_transfn(@extschema@.pipeline, anyenum, numeric, float8)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_amount_transfn(@extschema@.pipeline, anyenum, numeric, float8) IS
    'Internal: transition function of the funnel.deal_size_quantile(stage, amount, p) aggregate.';
CREATE FUNCTION @extschema@.pipeline_cycle_transfn(@extschema@.pipeline, anyenum, timestamptz, timestamptz)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_cycle_transfn(@extschema@.pipeline, anyenum, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.median_cycle_length aggregate.';
CREATE FUNCTION @extschema@.pipeline_sum_amount_transfn(@extschema@.pipeline, anyenum, numeric)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_sum_amount_transfn(@extschema@.pipeline, anyenum, numeric) IS
    'Internal: transition function of the funnel.avg_deal_size aggregate (sums only, no deal-size sketch).';
CREATE FUNCTION @extschema@.pipeline_sum_cycle_transfn(@extschema@.pipeline, anyenum, timestamptz, timestamptz)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_sum_cycle_transfn(@extschema@.pipeline, anyenum, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.avg_cycle_length aggregate (sums only, no cycle-length sketches).';
CREATE FUNCTION @extschema@.pipeline_combine(@extschema@.pipeline, @extschema@.pipeline)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_combine(@extschema@.pipeline, @extschema@.pipeline) IS
    'Internal: merges two funnel.pipeline states (combine function of the pipeline aggregates, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.pipeline_final(@extschema@.pipeline)
    RETURNS @extschema@.pipeline AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_final(@extschema@.pipeline) IS
    'Internal: final function of funnel.pipeline and funnel.rollup(pipeline): the state, handed to the accessors without a flatten and a parse.';

-- funnel.pipeline(stage, amount, created_at, closed_at): one row per deal
CREATE AGGREGATE @extschema@.pipeline(stage anyenum, amount numeric, created_at timestamptz, closed_at timestamptz) (
    SFUNC = @extschema@.pipeline_transfn,
    STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_final,
    COMBINEFUNC = @extschema@.pipeline_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pipeline(anyenum, numeric, timestamptz, timestamptz) IS
    'Aggregate over deals, one row each: a funnel.pipeline state with counts by outcome, amounts and cycle lengths, read with its accessors.';

-- funnel.rollup(pipeline): merge stored states
CREATE AGGREGATE @extschema@.rollup(@extschema@.pipeline) (
    SFUNC = @extschema@.pipeline_combine,
    STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_final,
    COMBINEFUNC = @extschema@.pipeline_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.pipeline) IS
    'Aggregate that merges stored funnel.pipeline states into one.';

-- accessors
CREATE FUNCTION @extschema@.deal_count(@extschema@.pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_deal_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.deal_count(@extschema@.pipeline) IS
    'The number of deals in a pipeline.';
CREATE FUNCTION @extschema@.won_count(@extschema@.pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_won_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.won_count(@extschema@.pipeline) IS
    'The number of won deals in a pipeline.';
CREATE FUNCTION @extschema@.lost_count(@extschema@.pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_lost_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lost_count(@extschema@.pipeline) IS
    'The number of lost deals in a pipeline.';
CREATE FUNCTION @extschema@.open_count(@extschema@.pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_open_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.open_count(@extschema@.pipeline) IS
    'The number of open deals in a pipeline.';
CREATE FUNCTION @extschema@.win_rate(@extschema@.pipeline) RETURNS float8
    AS 'MODULE_PATHNAME', 'pipeline_win_rate' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.win_rate(@extschema@.pipeline) IS
    'Won deals divided by closed (won and lost) deals; NULL when no deal is closed.';
CREATE FUNCTION @extschema@.avg_deal_size(@extschema@.pipeline) RETURNS numeric
    AS 'MODULE_PATHNAME', 'pipeline_avg_deal_size' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.avg_deal_size(@extschema@.pipeline) IS
    'The average amount of the won deals (exact).';
CREATE FUNCTION @extschema@.deal_size_quantile(@extschema@.pipeline, p float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'pipeline_deal_size_quantile' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.deal_size_quantile(@extschema@.pipeline, float8) IS
    'The quantile p (percentile_cont) of the amounts of the won deals: exact up to 1024 values, within 1% above.';
CREATE FUNCTION @extschema@.avg_cycle_length(@extschema@.pipeline, won_only boolean DEFAULT false) RETURNS interval
    AS 'MODULE_PATHNAME', 'pipeline_avg_cycle_length' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.avg_cycle_length(@extschema@.pipeline, boolean) IS
    'The average cycle length (closed_at - created_at) of the closed deals, or of the won deals only.';
CREATE FUNCTION @extschema@.cycle_length_quantile(@extschema@.pipeline, p float8, won_only boolean DEFAULT false) RETURNS interval
    AS 'MODULE_PATHNAME', 'pipeline_cycle_length_quantile' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cycle_length_quantile(@extschema@.pipeline, float8, boolean) IS
    'The quantile p (percentile_cont) of the cycle lengths of the closed deals, or of the won deals only: exact up to 1024 values, within 1% above.';
CREATE FUNCTION @extschema@.open_value(@extschema@.pipeline) RETURNS numeric
    AS 'MODULE_PATHNAME', 'pipeline_open_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.open_value(@extschema@.pipeline) IS
    'The sum of the amounts of the open deals.';
CREATE FUNCTION @extschema@.weighted_value(@extschema@.pipeline) RETURNS numeric
    AS 'MODULE_PATHNAME', 'pipeline_weighted_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.weighted_value(@extschema@.pipeline) IS
    'The sum of the amounts of the open deals, each times its stage''s win probability.';
CREATE FUNCTION @extschema@.sales_velocity(@extschema@.pipeline) RETURNS float8
    AS 'MODULE_PATHNAME', 'pipeline_sales_velocity' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sales_velocity(@extschema@.pipeline) IS
    'Sales velocity per day: open deals times win rate times average won deal size, divided by the average won cycle length in days.';
CREATE FUNCTION @extschema@.negative_cycles(@extschema@.pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_negative_cycles' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.negative_cycles(@extschema@.pipeline) IS
    'The closed deals left out of the cycle-length figures because they closed before they were created.';

-- final functions of the direct aggregates
CREATE FUNCTION @extschema@.pipeline_median_deal_size(@extschema@.pipeline) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_median_deal_size(@extschema@.pipeline) IS
    'Internal: final function of the funnel.median_deal_size aggregate (median amount of the won deals).';
CREATE FUNCTION @extschema@.pipeline_deal_size_quantile_final(@extschema@.pipeline) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_deal_size_quantile_final(@extschema@.pipeline) IS
    'Internal: final function of the funnel.deal_size_quantile aggregate.';
CREATE FUNCTION @extschema@.pipeline_avg_cycle_length_final(@extschema@.pipeline) RETURNS interval
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_avg_cycle_length_final(@extschema@.pipeline) IS
    'Internal: final function of the funnel.avg_cycle_length aggregate.';
CREATE FUNCTION @extschema@.pipeline_median_cycle_length(@extschema@.pipeline) RETURNS interval
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_median_cycle_length(@extschema@.pipeline) IS
    'Internal: final function of the funnel.median_cycle_length aggregate (median cycle length of the closed deals).';

-- direct aggregates: the everyday questions without a state to unwrap
CREATE AGGREGATE @extschema@.win_rate(stage anyenum) (
    SFUNC = @extschema@.pipeline_stage_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.win_rate, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.win_rate(anyenum) IS
    'Aggregate over deals: won deals divided by closed deals, as funnel.win_rate of their funnel.pipeline.';
CREATE AGGREGATE @extschema@.avg_deal_size(stage anyenum, amount numeric) (
    SFUNC = @extschema@.pipeline_sum_amount_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.avg_deal_size, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.avg_deal_size(anyenum, numeric) IS
    'Aggregate over deals: the average amount of the won deals, as funnel.avg_deal_size of their funnel.pipeline.';
CREATE AGGREGATE @extschema@.median_deal_size(stage anyenum, amount numeric) (
    SFUNC = @extschema@.pipeline_amount_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_median_deal_size, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.median_deal_size(anyenum, numeric) IS
    'Aggregate over deals: the median amount of the won deals.';
CREATE AGGREGATE @extschema@.deal_size_quantile(stage anyenum, amount numeric, p float8) (
    SFUNC = @extschema@.pipeline_amount_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_deal_size_quantile_final, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.deal_size_quantile(anyenum, numeric, float8) IS
    'Aggregate over deals: the quantile p of the amounts of the won deals (p must be the same on every row).';
CREATE AGGREGATE @extschema@.avg_cycle_length(stage anyenum, created_at timestamptz, closed_at timestamptz) (
    SFUNC = @extschema@.pipeline_sum_cycle_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_avg_cycle_length_final, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.avg_cycle_length(anyenum, timestamptz, timestamptz) IS
    'Aggregate over deals: the average cycle length (closed_at - created_at) of the closed deals.';
CREATE AGGREGATE @extschema@.median_cycle_length(stage anyenum, created_at timestamptz, closed_at timestamptz) (
    SFUNC = @extschema@.pipeline_cycle_transfn, STYPE = @extschema@.pipeline,
    FINALFUNC = @extschema@.pipeline_median_cycle_length, COMBINEFUNC = @extschema@.pipeline_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.median_cycle_length(anyenum, timestamptz, timestamptz) IS
    'Aggregate over deals: the median cycle length (closed_at - created_at) of the closed deals.';

-- funnel.conversion: the fixed-size state of conversion_rate(reached_from, reached_to)
CREATE TYPE @extschema@.conversion;
CREATE FUNCTION @extschema@.conversion_in(cstring) RETURNS @extschema@.conversion
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_in(cstring) IS
    'Text input of funnel.conversion ({"from":N,"converted":M}).';
CREATE FUNCTION @extschema@.conversion_out(@extschema@.conversion) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_out(@extschema@.conversion) IS
    'Text output of funnel.conversion ({"from":N,"converted":M}).';
CREATE FUNCTION @extschema@.conversion_send(@extschema@.conversion) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_send(@extschema@.conversion) IS
    'Binary output of funnel.conversion.';
CREATE FUNCTION @extschema@.conversion_recv(internal) RETURNS @extschema@.conversion
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_recv(internal) IS
    'Binary input of funnel.conversion; validates what it reads (22P03).';
CREATE TYPE @extschema@.conversion (
    INPUT = @extschema@.conversion_in,
    OUTPUT = @extschema@.conversion_out,
    SEND = @extschema@.conversion_send,
    RECEIVE = @extschema@.conversion_recv,
    INTERNALLENGTH = 16,
    ALIGNMENT = double
);
COMMENT ON TYPE @extschema@.conversion IS
    'State of the funnel.conversion_rate(reached_from, reached_to) aggregate: rows that reached the first step and how many of them converted.';
CREATE FUNCTION @extschema@.conversion_transfn(@extschema@.conversion, boolean, boolean)
    RETURNS @extschema@.conversion AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_transfn(@extschema@.conversion, boolean, boolean) IS
    'Internal: transition function of the funnel.conversion_rate(reached_from, reached_to) aggregate.';
CREATE FUNCTION @extschema@.conversion_combine(@extschema@.conversion, @extschema@.conversion)
    RETURNS @extschema@.conversion AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_combine(@extschema@.conversion, @extschema@.conversion) IS
    'Internal: combine function of the funnel.conversion_rate(reached_from, reached_to) aggregate.';
CREATE FUNCTION @extschema@.conversion_final(@extschema@.conversion) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_final(@extschema@.conversion) IS
    'Internal: final function of the funnel.conversion_rate(reached_from, reached_to) aggregate.';
CREATE AGGREGATE @extschema@.conversion_rate(reached_from boolean, reached_to boolean) (
    SFUNC = @extschema@.conversion_transfn, STYPE = @extschema@.conversion,
    FINALFUNC = @extschema@.conversion_final, COMBINEFUNC = @extschema@.conversion_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.conversion_rate(boolean, boolean) IS
    'Aggregate: the share of the rows with reached_from that also have reached_to; NULL when no row has reached_from.';

------------------------------------------------------------------------------
-- Journeys: one entity's stage history as a value
------------------------------------------------------------------------------

CREATE TYPE @extschema@.journey;
CREATE FUNCTION @extschema@.journey_in(cstring) RETURNS @extschema@.journey
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_in(cstring) IS
    'Text input of funnel.journey (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.journey_out(@extschema@.journey) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_out(@extschema@.journey) IS
    'Text output of funnel.journey: JSON naming the stage type, with the stages entered and their times in UTC.';
CREATE FUNCTION @extschema@.journey_send(@extschema@.journey) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_send(@extschema@.journey) IS
    'Binary output of funnel.journey.';
CREATE FUNCTION @extschema@.journey_recv(internal) RETURNS @extschema@.journey
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_recv(internal) IS
    'Binary input of funnel.journey; validates everything it reads (22P03).';
CREATE TYPE @extschema@.journey (
    INPUT = @extschema@.journey_in,
    OUTPUT = @extschema@.journey_out,
    SEND = @extschema@.journey_send,
    RECEIVE = @extschema@.journey_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.journey IS
    'One entity''s stage history as a value (the stages it entered and when), made by the funnel.journey() aggregate.';

CREATE FUNCTION @extschema@.journey_transfn(@extschema@.journey, anyenum, timestamptz)
    RETURNS @extschema@.journey AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_transfn(@extschema@.journey, anyenum, timestamptz) IS
    'Internal: transition function of the funnel.journey(stage, at) aggregate.';
CREATE FUNCTION @extschema@.journey_combine(@extschema@.journey, @extschema@.journey)
    RETURNS @extschema@.journey AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_combine(@extschema@.journey, @extschema@.journey) IS
    'Internal: combine function of the funnel.journey(stage, at) aggregate.';
CREATE FUNCTION @extschema@.journey_final(@extschema@.journey)
    RETURNS @extschema@.journey AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.journey_final(@extschema@.journey) IS
    'Internal: final function of the funnel.journey(stage, at) aggregate: the journey in time order.';

-- funnel.journey(stage, at): one entity's history rows, in any order
CREATE AGGREGATE @extschema@.journey(stage anyenum, at timestamptz) (
    SFUNC = @extschema@.journey_transfn,
    STYPE = @extschema@.journey,
    FINALFUNC = @extschema@.journey_final,
    COMBINEFUNC = @extschema@.journey_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.journey(anyenum, timestamptz) IS
    'Aggregate over one entity''s history rows, in any order: its journey, the stages it entered and when.';

CREATE FUNCTION @extschema@.reached(j @extschema@.journey, stage anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'journey_reached' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.reached(@extschema@.journey, anyenum) IS
    'Whether the entity reached the stage: an open stage at or before the furthest open stage it entered; a won or lost stage when it entered it.';
CREATE FUNCTION @extschema@.entered(j @extschema@.journey, stage anyenum) RETURNS boolean
    AS 'MODULE_PATHNAME', 'journey_entered' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.entered(@extschema@.journey, anyenum) IS
    'Whether the entity entered the stage.';
CREATE FUNCTION @extschema@.entered_at(j @extschema@.journey, stage anyenum) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_entered_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.entered_at(@extschema@.journey, anyenum) IS
    'When the entity first entered the stage.';
CREATE FUNCTION @extschema@.exited_at(j @extschema@.journey, stage anyenum) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_exited_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.exited_at(@extschema@.journey, anyenum) IS
    'When the first visit of the stage ended; NULL while it is the current stay.';
CREATE FUNCTION @extschema@.entries(j @extschema@.journey, stage anyenum) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_entries' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.entries(@extschema@.journey, anyenum) IS
    'The number of visits of the stage.';
CREATE FUNCTION @extschema@.time_in_stage(j @extschema@.journey, stage anyenum, as_of timestamptz DEFAULT now())
    RETURNS interval AS 'MODULE_PATHNAME', 'journey_time_in_stage' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.time_in_stage(@extschema@.journey, anyenum, timestamptz) IS
    'The time spent in the stage over all visits, the current stay counted up to as_of.';
CREATE FUNCTION @extschema@.latest_time_in_stage(j @extschema@.journey, stage anyenum, as_of timestamptz DEFAULT now())
    RETURNS interval AS 'MODULE_PATHNAME', 'journey_latest_time_in_stage' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.latest_time_in_stage(@extschema@.journey, anyenum, timestamptz) IS
    'The time spent in the last visit of the stage, the current stay counted up to as_of.';
CREATE FUNCTION @extschema@.cycle_length(j @extschema@.journey) RETURNS interval
    AS 'MODULE_PATHNAME', 'journey_cycle_length' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cycle_length(@extschema@.journey) IS
    'The time from the first entry to the first won or lost stage; NULL when the entity never closed.';
CREATE FUNCTION @extschema@.outcome(j @extschema@.journey) RETURNS text
    AS 'MODULE_PATHNAME', 'journey_outcome' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.outcome(@extschema@.journey) IS
    'The outcome of the current stage: won, lost or open.';
CREATE FUNCTION @extschema@.furthest_stage(j @extschema@.journey) RETURNS text
    AS 'MODULE_PATHNAME', 'journey_furthest_stage' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.furthest_stage(@extschema@.journey) IS
    'The furthest open stage entered (outcomes are not further steps).';
CREATE FUNCTION @extschema@.path(j @extschema@.journey) RETURNS text[]
    AS 'MODULE_PATHNAME', 'journey_path' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path(@extschema@.journey) IS
    'The stages entered, in order.';
CREATE FUNCTION @extschema@.stage_at(j @extschema@.journey, ts timestamptz) RETURNS text
    AS 'MODULE_PATHNAME', 'journey_stage_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_at(@extschema@.journey, timestamptz) IS
    'The stage the entity was in at a time; NULL before its first event.';
CREATE FUNCTION @extschema@.event_count(j @extschema@.journey) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_event_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.event_count(@extschema@.journey) IS
    'The number of stage entries in the journey.';

------------------------------------------------------------------------------
-- Cohort summaries and the funnel report
------------------------------------------------------------------------------

CREATE TYPE @extschema@.summary;
CREATE FUNCTION @extschema@.summary_in(cstring) RETURNS @extschema@.summary
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_in(cstring) IS
    'Text input of funnel.summary (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.summary_out(@extschema@.summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_out(@extschema@.summary) IS
    'Text output of funnel.summary: JSON naming the stage type and labels.';
CREATE FUNCTION @extschema@.summary_send(@extschema@.summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_send(@extschema@.summary) IS
    'Binary output of funnel.summary.';
CREATE FUNCTION @extschema@.summary_recv(internal) RETURNS @extschema@.summary
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_recv(internal) IS
    'Binary input of funnel.summary; validates everything it reads (22P03).';
CREATE TYPE @extschema@.summary (
    INPUT = @extschema@.summary_in,
    OUTPUT = @extschema@.summary_out,
    SEND = @extschema@.summary_send,
    RECEIVE = @extschema@.summary_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    -- stored uncompressed: states are read far more often than written (daily
    -- states rolled up by dashboards), and pglz compression saved about 30% of
    -- their bytes for most of the time a rollup took (README, Performance)
    STORAGE = external
);
COMMENT ON TYPE @extschema@.summary IS
    'Cohort summary of journeys (stored, mergeable): per-stage reach, entries, drop-offs and time-in-stage quantiles; made by funnel.summary(), read with funnel.stage_report().';

CREATE FUNCTION @extschema@.summary_transfn(@extschema@.summary, @extschema@.journey)
    RETURNS @extschema@.summary AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_transfn(@extschema@.summary, @extschema@.journey) IS
    'Internal: transition function of the funnel.summary(journey) aggregate.';
CREATE FUNCTION @extschema@.summary_combine(@extschema@.summary, @extschema@.summary)
    RETURNS @extschema@.summary AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_combine(@extschema@.summary, @extschema@.summary) IS
    'Internal: merges two funnel.summary states (combine function of funnel.summary, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.summary_final(@extschema@.summary)
    RETURNS @extschema@.summary AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.summary_final(@extschema@.summary) IS
    'Internal: final function of funnel.summary and funnel.rollup(summary): the state, handed to stage_report and the summary accessors without a flatten and a parse.';

-- funnel.summary(j): a cohort of journeys
CREATE AGGREGATE @extschema@.summary(j @extschema@.journey) (
    SFUNC = @extschema@.summary_transfn,
    STYPE = @extschema@.summary,
    FINALFUNC = @extschema@.summary_final,
    COMBINEFUNC = @extschema@.summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.summary(@extschema@.journey) IS
    'Aggregate over journeys (NULLs skipped): a funnel.summary of the cohort, read with funnel.stage_report and the summary accessors.';
CREATE AGGREGATE @extschema@.rollup(@extschema@.summary) (
    SFUNC = @extschema@.summary_combine,
    STYPE = @extschema@.summary,
    FINALFUNC = @extschema@.summary_final,
    COMBINEFUNC = @extschema@.summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.summary) IS
    'Aggregate that merges stored funnel.summary values into one, carried over to the current definition of the funnel.';

CREATE FUNCTION @extschema@.entity_count(s @extschema@.summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'summary_entity_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.entity_count(@extschema@.summary) IS
    'The number of entities in the cohort.';
-- entities left out of the cohort: their journey was NULL (every history row had a NULL stage or time)
CREATE FUNCTION @extschema@.skipped_count(s @extschema@.summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'summary_skipped_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.skipped_count(@extschema@.summary) IS
    'The entities left out of the cohort because their journey was NULL (every history row had a NULL stage or time).';
CREATE FUNCTION @extschema@.win_rate(s @extschema@.summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'summary_win_rate' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.win_rate(@extschema@.summary) IS
    'Won entities divided by closed (won and lost) entities, by final outcome.';
CREATE FUNCTION @extschema@.cycle_length_quantile(s @extschema@.summary, p float8) RETURNS interval
    AS 'MODULE_PATHNAME', 'summary_cycle_length_quantile' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cycle_length_quantile(@extschema@.summary, float8) IS
    'The quantile p of the cycle lengths (first entry to first outcome): exact up to 1024 values, within 1% above.';
CREATE FUNCTION @extschema@.time_in_stage_quantile(s @extschema@.summary, stage anyenum, p float8) RETURNS interval
    AS 'MODULE_PATHNAME', 'summary_time_in_stage_quantile' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.time_in_stage_quantile(@extschema@.summary, anyenum, float8) IS
    'The quantile p of the completed visits of a stage: exact up to 1024 values, within 1% above.';
CREATE FUNCTION @extschema@.conversion_rate(s @extschema@.summary, "from" anyenum, "to" anyenum) RETURNS float8
    AS 'MODULE_PATHNAME', 'summary_conversion_rate' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.conversion_rate(@extschema@.summary, anyenum, anyenum) IS
    'The entities that reached the second stage divided by those that reached the first (linear policy).';
CREATE FUNCTION @extschema@.stage_report(s @extschema@.summary, policy text DEFAULT 'linear')
    RETURNS TABLE ("position" integer, stage text, reached bigint, entered bigint,
                   conversion_from_previous float8, conversion_from_top float8,
                   drop_off bigint, median_time_in_stage interval, in_progress bigint)
    AS 'MODULE_PATHNAME', 'summary_stage_report' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.stage_report(@extschema@.summary, text) IS
    'The funnel chart of a summary, one row per stage: reached, entered, conversion from the previous and the top stage, drop-off, median time in stage, in progress (policy linear, entered or strict).';

-- ---------------------------------------------------------------- event funnels
-- funnel.events: the state of window_funnel, window_funnel_times,
-- sequence_match and sequence_count (the rows that can matter: clock value
-- and the conditions that held), see src/events.h
--
-- FINALFUNC_MODIFY = READ_ONLY on every event aggregate: the final functions
-- sort the aggregate's own state in place, which leaves its value as it was
-- (the rows are a multiset, read in one order), so more rows may follow (window
-- aggregates) and aggregates sharing the state read the same value; any other
-- argument is sorted as a private copy (events_final_arg in src/events.c).
CREATE TYPE @extschema@.events;
CREATE FUNCTION @extschema@.events_in(cstring) RETURNS @extschema@.events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.events_in(cstring) IS
    'Text input of funnel.events (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.events_out(@extschema@.events) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.events_out(@extschema@.events) IS
    'Text output of funnel.events: JSON with the call (kind, clock, window, mode or pattern) and the rows where some condition held.';
CREATE FUNCTION @extschema@.events_send(@extschema@.events) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.events_send(@extschema@.events) IS
    'Binary output of funnel.events.';
CREATE FUNCTION @extschema@.events_recv(internal) RETURNS @extschema@.events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.events_recv(internal) IS
    'Binary input of funnel.events; validates everything it reads (22P03).';
CREATE TYPE @extschema@.events (
    INPUT = @extschema@.events_in,
    OUTPUT = @extschema@.events_out,
    SEND = @extschema@.events_send,
    RECEIVE = @extschema@.events_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.events IS
    'State of window_funnel, window_funnel_times, sequence_match and sequence_count: the rows where some condition held, with the window, mode or pattern of the call.';

CREATE FUNCTION @extschema@.events_combine(@extschema@.events, @extschema@.events)
    RETURNS @extschema@.events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.events_combine(@extschema@.events, @extschema@.events) IS
    'Internal: combine function of the event aggregates: merges two funnel.events states of the same call.';
CREATE FUNCTION @extschema@.window_funnel_final(@extschema@.events)
    RETURNS integer AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_final(@extschema@.events) IS
    'Final function of window_funnel: the level reached.';
CREATE FUNCTION @extschema@.window_funnel_times_final(@extschema@.events)
    RETURNS interval[] AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_times_final(@extschema@.events) IS
    'Final function of window_funnel_times over a timestamptz or timestamp clock: the time from step 1 to each step reached (interval[]).';
CREATE FUNCTION @extschema@.window_funnel_times_bigint_final(@extschema@.events)
    RETURNS bigint[] AS 'MODULE_PATHNAME', 'window_funnel_times_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_times_bigint_final(@extschema@.events) IS
    'Final function of window_funnel_times over a bigint clock: the time from step 1 to each step reached (bigint[]).';
CREATE FUNCTION @extschema@.sequence_match_final(@extschema@.events)
    RETURNS boolean AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_match_final(@extschema@.events) IS
    'Final function of sequence_match: whether the pattern matches.';
CREATE FUNCTION @extschema@.sequence_count_final(@extschema@.events)
    RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_count_final(@extschema@.events) IS
    'Final function of sequence_count: the number of non-overlapping matches.';

-- retention: the state is a bigint, bit i-1 = condition i held on some row,
-- bit 32+n-1 = there are n conditions (one-hot, so it survives |); partial
-- states combine with int8or
CREATE FUNCTION @extschema@.retention_transfn(bigint, boolean[])
    RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_transfn(bigint, boolean[]) IS
    'Internal: transition function of funnel.retention(VARIADIC conds): the conditions seen, as bits, and their number.';
CREATE FUNCTION @extschema@.retention_final(bigint)
    RETURNS boolean[] AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_final(bigint) IS
    'Internal: final function of funnel.retention.';
CREATE AGGREGATE @extschema@.retention(VARIADIC conds boolean[]) (
    SFUNC = @extschema@.retention_transfn,
    STYPE = bigint,
    FINALFUNC = @extschema@.retention_final,
    COMBINEFUNC = pg_catalog.int8or,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.retention(VARIADIC boolean[]) IS
    'Aggregate (ClickHouse retention): element 1 says whether condition 1 held on some row, element i whether conditions 1 and i each held on some row.';

-- The event aggregates over each clock (timestamptz, timestamp, bigint), with
-- their conditions as one VARIADIC boolean[] or as 1 to 8 separate boolean
-- arguments: made by sql/funnel_events.pl (sql/funnel_events.sql), which the
-- Makefile puts in place of the next line.
-- @include funnel_events.sql

-- A duration as a number of days (float8), for charts and BI tools that cannot plot
-- intervals: funnel.days(funnel.avg_cycle_length(p)).  A month counts 30 days.
CREATE FUNCTION @extschema@.days(duration interval) RETURNS float8
    AS 'MODULE_PATHNAME', 'funnel_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.days(interval) IS
    'A duration as a number of days (a month counts 30 days), for charts and BI tools that cannot plot intervals.';
------------------------------------------------------------------------------
-- Pipeline over time: the open pipeline at a past moment and the waterfall
-- between two moments, from stage history alone (src/history.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.pipeline_flow;
CREATE FUNCTION @extschema@.pipeline_flow_in(cstring) RETURNS @extschema@.pipeline_flow
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_in(cstring) IS
    'Text input of funnel.pipeline_flow (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.pipeline_flow_out(@extschema@.pipeline_flow) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_out(@extschema@.pipeline_flow) IS
    'Text output of funnel.pipeline_flow: JSON naming the stage type and labels.';
CREATE FUNCTION @extschema@.pipeline_flow_send(@extschema@.pipeline_flow) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_send(@extschema@.pipeline_flow) IS
    'Binary output of funnel.pipeline_flow.';
CREATE FUNCTION @extschema@.pipeline_flow_recv(internal) RETURNS @extschema@.pipeline_flow
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_recv(internal) IS
    'Binary input of funnel.pipeline_flow; validates everything it reads (22P03).';
CREATE TYPE @extschema@.pipeline_flow (
    INPUT = @extschema@.pipeline_flow_in,
    OUTPUT = @extschema@.pipeline_flow_out,
    SEND = @extschema@.pipeline_flow_send,
    RECEIVE = @extschema@.pipeline_flow_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.pipeline_flow IS
    'State of funnel.pipeline_as_of() and funnel.pipeline_waterfall(): deal counts and amounts per bucket and stage from stage history; read with funnel.open_stages() and funnel.waterfall().';

-- transition functions (not STRICT: rows with NULL stages or times are skipped)
CREATE FUNCTION @extschema@.pipeline_as_of_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, anyenum, anyenum)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_as_of_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, anyenum, anyenum) IS
    'Internal: transition function of the funnel.pipeline_as_of aggregate without amounts.';
CREATE FUNCTION @extschema@.pipeline_as_of_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_as_of_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric) IS
    'Internal: transition function of the funnel.pipeline_as_of aggregate with amounts.';
CREATE FUNCTION @extschema@.pipeline_waterfall_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, timestamptz,
        anyenum, anyenum, numeric, numeric)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_waterfall_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric) IS
    'Internal: transition function of the funnel.pipeline_waterfall aggregate without a close-date window.';
CREATE FUNCTION @extschema@.pipeline_waterfall_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, timestamptz,
        anyenum, anyenum, numeric, numeric, timestamptz, timestamptz, timestamptz, timestamptz)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_waterfall_transfn(@extschema@.pipeline_flow, timestamptz, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric, timestamptz, timestamptz, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.pipeline_waterfall aggregate with a close-date window.';
CREATE FUNCTION @extschema@.pipeline_flow_combine(@extschema@.pipeline_flow, @extschema@.pipeline_flow)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_combine(@extschema@.pipeline_flow, @extschema@.pipeline_flow) IS
    'Internal: merges two funnel.pipeline_flow states of the same moments (combine function of the history aggregates, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.pipeline_flow_final(@extschema@.pipeline_flow)
    RETURNS @extschema@.pipeline_flow AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pipeline_flow_final(@extschema@.pipeline_flow) IS
    'Internal: final function of funnel.pipeline_as_of, funnel.pipeline_waterfall and funnel.rollup(pipeline_flow): the state, handed to open_stages, waterfall and the flow accessors without a flatten and a parse.';

-- funnel.pipeline_as_of(as_of, changed_at, from_stage, to_stage [, from_amount, amount]):
-- the open pipeline at as_of from history rows
CREATE AGGREGATE @extschema@.pipeline_as_of(as_of timestamptz, changed_at timestamptz,
        from_stage anyenum, to_stage anyenum) (
    SFUNC = @extschema@.pipeline_as_of_transfn,
    STYPE = @extschema@.pipeline_flow,
    FINALFUNC = @extschema@.pipeline_flow_final,
    COMBINEFUNC = @extschema@.pipeline_flow_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pipeline_as_of(timestamptz, timestamptz, anyenum, anyenum) IS
    'Aggregate over stage-history rows: the open pipeline at as_of in deals per open stage (a funnel.pipeline_flow; read it with funnel.open_stages).';
CREATE AGGREGATE @extschema@.pipeline_as_of(as_of timestamptz, changed_at timestamptz,
        from_stage anyenum, to_stage anyenum, from_amount numeric, amount numeric) (
    SFUNC = @extschema@.pipeline_as_of_transfn,
    STYPE = @extschema@.pipeline_flow,
    FINALFUNC = @extschema@.pipeline_flow_final,
    COMBINEFUNC = @extschema@.pipeline_flow_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pipeline_as_of(timestamptz, timestamptz, anyenum, anyenum, numeric, numeric) IS
    'Aggregate over stage-history rows: the open pipeline at as_of in deals and amounts per open stage (a funnel.pipeline_flow; read it with funnel.open_stages).';

-- funnel.pipeline_waterfall("from", "to", changed_at, from_stage, to_stage, from_amount, amount
--     [, from_close_date, close_date, close_from, close_to]): what moved the pipeline
CREATE AGGREGATE @extschema@.pipeline_waterfall("from" timestamptz, "to" timestamptz, changed_at timestamptz,
        from_stage anyenum, to_stage anyenum, from_amount numeric, amount numeric) (
    SFUNC = @extschema@.pipeline_waterfall_transfn,
    STYPE = @extschema@.pipeline_flow,
    FINALFUNC = @extschema@.pipeline_flow_final,
    COMBINEFUNC = @extschema@.pipeline_flow_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pipeline_waterfall(timestamptz, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric) IS
    'Aggregate over stage-history rows: what moved the open pipeline from "from" to "to" (a funnel.pipeline_flow; read it with funnel.waterfall).';
CREATE AGGREGATE @extschema@.pipeline_waterfall("from" timestamptz, "to" timestamptz, changed_at timestamptz,
        from_stage anyenum, to_stage anyenum, from_amount numeric, amount numeric,
        from_close_date timestamptz, close_date timestamptz, close_from timestamptz, close_to timestamptz) (
    SFUNC = @extschema@.pipeline_waterfall_transfn,
    STYPE = @extschema@.pipeline_flow,
    FINALFUNC = @extschema@.pipeline_flow_final,
    COMBINEFUNC = @extschema@.pipeline_flow_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pipeline_waterfall(timestamptz, timestamptz, timestamptz, anyenum, anyenum, numeric, numeric, timestamptz, timestamptz, timestamptz, timestamptz) IS
    'Aggregate over stage-history rows: what moved the pipeline of the deals closing in [close_from, close_to) from "from" to "to" (a funnel.pipeline_flow; read it with funnel.waterfall).';

CREATE AGGREGATE @extschema@.rollup(@extschema@.pipeline_flow) (
    SFUNC = @extschema@.pipeline_flow_combine,
    STYPE = @extschema@.pipeline_flow,
    FINALFUNC = @extschema@.pipeline_flow_final,
    COMBINEFUNC = @extschema@.pipeline_flow_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.pipeline_flow) IS
    'Aggregate that merges funnel.pipeline_flow states of the same moments into one.';

-- reports
CREATE FUNCTION @extschema@.open_stages(f @extschema@.pipeline_flow)
    RETURNS TABLE ("position" integer, stage text, deals bigint, amount numeric, weighted_amount numeric)
    AS 'MODULE_PATHNAME', 'pipeline_flow_open_stages' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.open_stages(@extschema@.pipeline_flow) IS
    'The open pipeline at the moment of a pipeline_flow (as_of, or "to"), one row per open stage: deals, amount and probability-weighted amount.';
CREATE FUNCTION @extschema@.waterfall(f @extschema@.pipeline_flow)
    RETURNS TABLE (step integer, bucket text, changes bigint, deals bigint, amount numeric, weighted_amount numeric)
    AS 'MODULE_PATHNAME', 'pipeline_flow_waterfall' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION @extschema@.waterfall(@extschema@.pipeline_flow) IS
    'The bridge of a pipeline_waterfall state, one row per bucket: open at start, created, pulled in, reopened, advanced, regressed, amount increased, amount decreased, pushed out, won, lost, open at end.';
CREATE FUNCTION @extschema@.open_count(f @extschema@.pipeline_flow) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_flow_open_count' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.open_count(@extschema@.pipeline_flow) IS
    'The number of open deals at the moment of a pipeline_flow (as_of, or "to").';
CREATE FUNCTION @extschema@.open_value(f @extschema@.pipeline_flow) RETURNS numeric
    AS 'MODULE_PATHNAME', 'pipeline_flow_open_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.open_value(@extschema@.pipeline_flow) IS
    'The amount of the open deals at the moment of a pipeline_flow (as_of, or "to").';
CREATE FUNCTION @extschema@.weighted_value(f @extschema@.pipeline_flow) RETURNS numeric
    AS 'MODULE_PATHNAME', 'pipeline_flow_weighted_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.weighted_value(@extschema@.pipeline_flow) IS
    'The probability-weighted amount of the open deals at the moment of a pipeline_flow (as_of, or "to").';

------------------------------------------------------------------------------
-- Win rates that count open deals: the win-rate curve (Aalen-Johansen
-- cumulative incidence of won, lost competing, open deals censored), and
-- the closed and cohort win rates (src/winrate.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.winrate_curve;
CREATE FUNCTION @extschema@.winrate_curve_in(cstring) RETURNS @extschema@.winrate_curve
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_in(cstring) IS
    'Text input of funnel.winrate_curve (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.winrate_curve_out(@extschema@.winrate_curve) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_out(@extschema@.winrate_curve) IS
    'Text output of funnel.winrate_curve: JSON with the won, lost and censored counts per day since creation.';
CREATE FUNCTION @extschema@.winrate_curve_send(@extschema@.winrate_curve) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_send(@extschema@.winrate_curve) IS
    'Binary output of funnel.winrate_curve.';
CREATE FUNCTION @extschema@.winrate_curve_recv(internal) RETURNS @extschema@.winrate_curve
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_recv(internal) IS
    'Binary input of funnel.winrate_curve; validates everything it reads (22P03).';
CREATE TYPE @extschema@.winrate_curve (
    INPUT = @extschema@.winrate_curve_in,
    OUTPUT = @extschema@.winrate_curve_out,
    SEND = @extschema@.winrate_curve_send,
    RECEIVE = @extschema@.winrate_curve_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.winrate_curve IS
    'State of funnel.winrate_curve(): won, lost and censored (open) deals per day since creation, mergeable by addition; read with funnel.win_rate_within(), funnel.win_rate_curve(), funnel.closed_win_rate() and funnel.cohort_win_rate().';

-- transition functions (not STRICT: rows with a NULL stage or created_at are skipped)
CREATE FUNCTION @extschema@.winrate_curve_transfn(@extschema@.winrate_curve, anyenum, timestamptz, timestamptz)
    RETURNS @extschema@.winrate_curve AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_transfn(@extschema@.winrate_curve, anyenum, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.winrate_curve aggregate censoring open deals at the transaction''s start (now()).';
CREATE FUNCTION @extschema@.winrate_curve_transfn(@extschema@.winrate_curve, anyenum, timestamptz, timestamptz, timestamptz)
    RETURNS @extschema@.winrate_curve AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_transfn(@extschema@.winrate_curve, anyenum, timestamptz, timestamptz, timestamptz) IS
    'Internal: transition function of the funnel.winrate_curve aggregate censoring open deals at as_of.';
CREATE FUNCTION @extschema@.winrate_curve_combine(@extschema@.winrate_curve, @extschema@.winrate_curve)
    RETURNS @extschema@.winrate_curve AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_combine(@extschema@.winrate_curve, @extschema@.winrate_curve) IS
    'Internal: adds two funnel.winrate_curve states (combine function of funnel.winrate_curve, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.winrate_curve_final(@extschema@.winrate_curve)
    RETURNS @extschema@.winrate_curve AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.winrate_curve_final(@extschema@.winrate_curve) IS
    'Internal: final function of funnel.winrate_curve and funnel.rollup(winrate_curve): the state, handed to its accessors without a flatten and a parse.';

-- funnel.winrate_curve(stage, created_at, closed_at [, as_of]): one row per deal
CREATE AGGREGATE @extschema@.winrate_curve(stage anyenum, created_at timestamptz, closed_at timestamptz) (
    SFUNC = @extschema@.winrate_curve_transfn,
    STYPE = @extschema@.winrate_curve,
    FINALFUNC = @extschema@.winrate_curve_final,
    COMBINEFUNC = @extschema@.winrate_curve_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.winrate_curve(anyenum, timestamptz, timestamptz) IS
    'Aggregate over deals: won, lost and open deals per day since creation, open deals censored at the transaction''s start (now()); read it with funnel.win_rate_within and funnel.win_rate_curve.';
CREATE AGGREGATE @extschema@.winrate_curve(stage anyenum, created_at timestamptz, closed_at timestamptz,
        as_of timestamptz) (
    SFUNC = @extschema@.winrate_curve_transfn,
    STYPE = @extschema@.winrate_curve,
    FINALFUNC = @extschema@.winrate_curve_final,
    COMBINEFUNC = @extschema@.winrate_curve_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.winrate_curve(anyenum, timestamptz, timestamptz, timestamptz) IS
    'Aggregate over deals: won, lost and open deals per day since creation as they stood at as_of (open deals censored there); read it with funnel.win_rate_within and funnel.win_rate_curve.';

CREATE AGGREGATE @extschema@.rollup(@extschema@.winrate_curve) (
    SFUNC = @extschema@.winrate_curve_combine,
    STYPE = @extschema@.winrate_curve,
    FINALFUNC = @extschema@.winrate_curve_final,
    COMBINEFUNC = @extschema@.winrate_curve_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.winrate_curve) IS
    'Aggregate that adds funnel.winrate_curve states into one (monthly states give what one pass gives).';

-- accessors
CREATE FUNCTION @extschema@.win_rate_within(c @extschema@.winrate_curve, days integer) RETURNS float8
    AS 'MODULE_PATHNAME', 'winrate_curve_within' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.win_rate_within(@extschema@.winrate_curve, integer) IS
    'The estimated probability that a deal is won within days days of its creation (Aalen-Johansen: open deals censored, lost deals a competing outcome).';
CREATE FUNCTION @extschema@.win_rate_curve(c @extschema@.winrate_curve)
    RETURNS TABLE (day integer, at_risk bigint, won bigint, lost bigint, censored bigint,
                   win_rate float8, lower float8, upper float8)
    AS 'MODULE_PATHNAME', 'winrate_curve_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.win_rate_curve(@extschema@.winrate_curve) IS
    'The win-rate curve, one row per day with deals won, lost or censored: deals at risk, the counts, the cumulative win rate and its 95% band (delta method, clipped to [0, 1]).';
CREATE FUNCTION @extschema@.closed_win_rate(c @extschema@.winrate_curve) RETURNS float8
    AS 'MODULE_PATHNAME', 'winrate_curve_closed_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.closed_win_rate(@extschema@.winrate_curve) IS
    'Won / (won + lost) of a winrate_curve (open deals left out); NULL when no deal is closed.';
CREATE FUNCTION @extschema@.cohort_win_rate(c @extschema@.winrate_curve) RETURNS float8
    AS 'MODULE_PATHNAME', 'winrate_curve_cohort_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_win_rate(@extschema@.winrate_curve) IS
    'Won / all deals of a winrate_curve (open deals count as not won); NULL when it counts no deal.';

-- The history table track() records a table's changes in, and whether it has
-- the value columns; 55000 when the table is not tracked.
CREATE FUNCTION @extschema@.tracked_history("table" regclass, OUT history regclass,
        OUT has_amount boolean, OUT has_close_date boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    SELECT t.history INTO history FROM @extschema@.tracked_def t WHERE t.tracked = "table";
    IF history IS NULL THEN
        RAISE EXCEPTION 'relation % is not tracked', "table"
            USING ERRCODE = '55000',
                  HINT = 'funnel.track() records its stage history; or aggregate your own history table with the aggregate of the same name.';
    END IF;
    has_amount := EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = history AND a.attname = 'from_amount'
                          AND NOT a.attisdropped)
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = history AND a.attname = 'amount'
                          AND NOT a.attisdropped);
    has_close_date := EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = history AND a.attname = 'from_close_date'
                              AND NOT a.attisdropped)
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = history AND a.attname = 'close_date'
                              AND NOT a.attisdropped);
END
$fn$;
COMMENT ON FUNCTION @extschema@.tracked_history(regclass) IS
    'The history table funnel.track records a table''s changes in, and whether it has the amount and close-date columns; 55000 when the table is not tracked.';

-- funnel.pipeline_as_of(table, as_of): the open pipeline of a tracked table at as_of
CREATE FUNCTION @extschema@.pipeline_as_of("table" regclass, as_of timestamptz DEFAULT now())
    RETURNS TABLE ("position" integer, stage text, deals bigint, amount numeric, weighted_amount numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    h record;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = '22004';
    END IF;
    h := @extschema@.tracked_history("table");
    RETURN QUERY EXECUTE format(
        'SELECT s.* FROM (SELECT @extschema@.pipeline_as_of($1, changed_at, from_stage, to_stage%s) AS f FROM %s) q, '
        '@extschema@.open_stages(q.f) s',
        CASE WHEN h.has_amount THEN ', from_amount::numeric, amount::numeric' ELSE '' END, h.history)
        USING as_of;
END
$fn$;
COMMENT ON FUNCTION @extschema@.pipeline_as_of(regclass, timestamptz) IS
    'The open pipeline of a table tracked by funnel.track at as_of, one row per open stage: deals, amount and probability-weighted amount.';

-- funnel.pipeline_waterfall(table, from, to [, close_from, close_to]): the bridge of a tracked table
CREATE FUNCTION @extschema@.pipeline_waterfall("table" regclass, "from" timestamptz, "to" timestamptz,
        close_from timestamptz DEFAULT NULL, close_to timestamptz DEFAULT NULL)
    RETURNS TABLE (step integer, bucket text, changes bigint, deals bigint, amount numeric, weighted_amount numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    h record;
BEGIN
    IF "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION 'from and to must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF (close_from IS NULL) <> (close_to IS NULL) THEN
        RAISE EXCEPTION 'pass both close_from and close_to, or neither' USING ERRCODE = '22023';
    END IF;
    h := @extschema@.tracked_history("table");
    IF close_from IS NOT NULL AND NOT h.has_close_date THEN
        RAISE EXCEPTION 'history table % has no close dates', h.history
            USING ERRCODE = '42703',
                  HINT = 'Record them with funnel.track(..., close_date_column => ...).';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT w.* FROM (SELECT @extschema@.pipeline_waterfall($1, $2, changed_at, from_stage, to_stage, %s%s) AS f FROM %s) q, '
        '@extschema@.waterfall(q.f) w',
        CASE WHEN h.has_amount THEN 'from_amount::numeric, amount::numeric' ELSE 'NULL::numeric, NULL::numeric' END,
        CASE WHEN close_from IS NULL THEN ''
             ELSE ', from_close_date::timestamptz, close_date::timestamptz, $3, $4' END,
        h.history)
        USING "from", "to", close_from, close_to;
END
$fn$;
COMMENT ON FUNCTION @extschema@.pipeline_waterfall(regclass, timestamptz, timestamptz, timestamptz, timestamptz) IS
    'The bridge of the open pipeline of a table tracked by funnel.track from "from" to "to" (optionally for the deals closing in [close_from, close_to)), one row per bucket.';

------------------------------------------------------------------------------
-- Stage-to-win probabilities learned from history: per open stage, the
-- Aalen-Johansen chance that a deal which was in it is won, and the
-- pipeline weighted by those chances (src/learned.c, src/survival.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.stage_outcomes;
CREATE FUNCTION @extschema@.stage_outcomes_in(cstring) RETURNS @extschema@.stage_outcomes
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_in(cstring) IS
    'Text input of funnel.stage_outcomes (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.stage_outcomes_out(@extschema@.stage_outcomes) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_out(@extschema@.stage_outcomes) IS
    'Text output of funnel.stage_outcomes: JSON naming the stage type and labels.';
CREATE FUNCTION @extschema@.stage_outcomes_send(@extschema@.stage_outcomes) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_send(@extschema@.stage_outcomes) IS
    'Binary output of funnel.stage_outcomes (the stage type and labels by name).';
CREATE FUNCTION @extschema@.stage_outcomes_recv(internal) RETURNS @extschema@.stage_outcomes
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_recv(internal) IS
    'Binary input of funnel.stage_outcomes; validates everything it reads (22P03).';
CREATE TYPE @extschema@.stage_outcomes (
    INPUT = @extschema@.stage_outcomes_in,
    OUTPUT = @extschema@.stage_outcomes_out,
    SEND = @extschema@.stage_outcomes_send,
    RECEIVE = @extschema@.stage_outcomes_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.stage_outcomes IS
    'State of funnel.stage_outcomes(): per open stage, the deals won, lost and still open (censored) per day since they first entered it, and the stage outcomes they were counted under; read with funnel.stage_probabilities(), funnel.stage_probability() and funnel.weighted_value().';

-- transition functions (not STRICT: NULL journeys are skipped)
CREATE FUNCTION @extschema@.stage_outcomes_transfn(@extschema@.stage_outcomes, @extschema@.journey)
    RETURNS @extschema@.stage_outcomes AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_transfn(@extschema@.stage_outcomes, @extschema@.journey) IS
    'Internal: transition function of the funnel.stage_outcomes aggregate censoring open deals at the transaction''s start (now()).';
CREATE FUNCTION @extschema@.stage_outcomes_transfn(@extschema@.stage_outcomes, @extschema@.journey, timestamptz)
    RETURNS @extschema@.stage_outcomes AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_transfn(@extschema@.stage_outcomes, @extschema@.journey, timestamptz) IS
    'Internal: transition function of the funnel.stage_outcomes aggregate as the journeys stood at as_of.';
CREATE FUNCTION @extschema@.stage_outcomes_combine(@extschema@.stage_outcomes, @extschema@.stage_outcomes)
    RETURNS @extschema@.stage_outcomes AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_combine(@extschema@.stage_outcomes, @extschema@.stage_outcomes) IS
    'Internal: adds two funnel.stage_outcomes states of one funnel (combine function of funnel.stage_outcomes, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.stage_outcomes_final(@extschema@.stage_outcomes)
    RETURNS @extschema@.stage_outcomes AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_outcomes_final(@extschema@.stage_outcomes) IS
    'Internal: final function of funnel.stage_outcomes and funnel.rollup(stage_outcomes): the state, handed to its accessors and reports without a flatten and a parse.';

-- funnel.stage_outcomes(j [, as_of]): one journey per deal
CREATE AGGREGATE @extschema@.stage_outcomes(j @extschema@.journey) (
    SFUNC = @extschema@.stage_outcomes_transfn,
    STYPE = @extschema@.stage_outcomes,
    FINALFUNC = @extschema@.stage_outcomes_final,
    COMBINEFUNC = @extschema@.stage_outcomes_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.stage_outcomes(@extschema@.journey) IS
    'Aggregate over one journey per deal: per open stage, deals won, lost and open by day since they first entered it, open deals censored at the transaction''s start (now()); read it with funnel.stage_probabilities.';
CREATE AGGREGATE @extschema@.stage_outcomes(j @extschema@.journey, as_of timestamptz) (
    SFUNC = @extschema@.stage_outcomes_transfn,
    STYPE = @extschema@.stage_outcomes,
    FINALFUNC = @extschema@.stage_outcomes_final,
    COMBINEFUNC = @extschema@.stage_outcomes_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.stage_outcomes(@extschema@.journey, timestamptz) IS
    'Aggregate over one journey per deal: per open stage, deals won, lost and open by day since they first entered it, as the journeys stood at as_of; read it with funnel.stage_probabilities.';

CREATE AGGREGATE @extschema@.rollup(@extschema@.stage_outcomes) (
    SFUNC = @extschema@.stage_outcomes_combine,
    STYPE = @extschema@.stage_outcomes,
    FINALFUNC = @extschema@.stage_outcomes_final,
    COMBINEFUNC = @extschema@.stage_outcomes_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.stage_outcomes) IS
    'Aggregate that adds funnel.stage_outcomes states of one funnel into one (monthly states give what one pass gives).';

-- accessors
CREATE FUNCTION @extschema@.stage_probabilities(s @extschema@.stage_outcomes)
    RETURNS TABLE ("position" integer, stage text, deals bigint, won bigint, lost bigint, open bigint,
                   probability float8, lower float8, upper float8, closed_win_rate float8,
                   defined_probability float8)
    AS 'MODULE_PATHNAME', 'stage_outcomes_rows' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.stage_probabilities(@extschema@.stage_outcomes) IS
    'Learned stage-to-win probabilities, one row per stage in funnel order: deals that were in it (won, lost, open), the Aalen-Johansen probability of a win and its 95% band, the closed-only win rate, and the probability the definition sets.';
CREATE FUNCTION @extschema@.stage_probability(s @extschema@.stage_outcomes, stage anyenum) RETURNS float8
    AS 'MODULE_PATHNAME', 'stage_outcomes_probability' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_probability(@extschema@.stage_outcomes, anyenum) IS
    'The learned probability that a deal which was in stage is won (1 for won stages, 0 for lost ones); NULL when no deal that was in it has closed.';
CREATE FUNCTION @extschema@.weighted_value(p @extschema@.pipeline, s @extschema@.stage_outcomes) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stage_outcomes_weighted_pipeline' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.weighted_value(@extschema@.pipeline, @extschema@.stage_outcomes) IS
    'Open amounts of a funnel.pipeline x the learned probability of their stage; NULL when an open stage has no learned probability.';
CREATE FUNCTION @extschema@.weighted_value(f @extschema@.pipeline_flow, s @extschema@.stage_outcomes) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stage_outcomes_weighted_flow' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.weighted_value(@extschema@.pipeline_flow, @extschema@.stage_outcomes) IS
    'Open amounts of a funnel.pipeline_flow at its moment x the learned probability of their stage; NULL without amounts or when an open stage has no learned probability.';

-- funnel.learned_probabilities(table, as_of): the learned probabilities of a tracked table
CREATE FUNCTION @extschema@.learned_probabilities("table" regclass, as_of timestamptz DEFAULT now())
    RETURNS TABLE ("position" integer, stage text, deals bigint, won bigint, lost bigint, open bigint,
                   probability float8, lower float8, upper float8, closed_win_rate float8,
                   defined_probability float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    h record;
    args text[];
    keyarg text;
    keys text[];
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.tracked_def t WHERE t.tracked OPERATOR(pg_catalog.=) "table") THEN
        RAISE EXCEPTION 'relation % is not tracked', "table"
            USING ERRCODE = '55000',
                  HINT = 'funnel.track() records its stage history; or aggregate journeys of your own history with funnel.stage_outcomes.';
    END IF;
    h := @extschema@.tracked_history("table");
    -- the key columns track() records, from its history trigger's arguments
    -- (history table, stage column, key column or name[] literal, ...)
    SELECT pg_catalog.string_to_array(pg_catalog.encode(t.tgargs, 'escape'), E'\\000') INTO args
    FROM pg_catalog.pg_trigger t
    WHERE t.tgrelid OPERATOR(pg_catalog.=) "table" AND t.tgname OPERATOR(pg_catalog.=) 'funnel_record_update';
    keyarg := args[3];
    IF keyarg IS NULL THEN
        RAISE EXCEPTION 'relation % is not tracked', "table"
            USING ERRCODE = '55000',
                  HINT = 'funnel.track() records its stage history.';
    END IF;
    keys := CASE WHEN pg_catalog.left(keyarg, 1) OPERATOR(pg_catalog.=) '{' THEN keyarg::text[]
                 ELSE ARRAY[keyarg] END;
    RETURN QUERY EXECUTE format(
        'SELECT r.* FROM (SELECT @extschema@.stage_outcomes(d.j, $1) AS s FROM '
        '(SELECT @extschema@.journey(to_stage, changed_at) AS j FROM %s WHERE changed_at OPERATOR(pg_catalog.<=) $1 '
        'GROUP BY %s) d) q, @extschema@.stage_probabilities(q.s) r',
        h.history, (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(k), ', ') FROM pg_catalog.unnest(keys) k))
        USING as_of;
END
$fn$;
COMMENT ON FUNCTION @extschema@.learned_probabilities(regclass, timestamptz) IS
    'Learned stage-to-win probabilities of a table tracked by funnel.track, from its stage history as it stood at as_of: the rows of funnel.stage_probabilities.';


------------------------------------------------------------------------------
-- Time in stage and the amount-weighted funnel of a whole pipeline:
-- funnel.stage_times(journey, amount) -> funnel.stage_value, rollup, and
-- funnel.stage_time_report (src/stagetime.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.stage_value;
CREATE FUNCTION @extschema@.stage_value_in(cstring) RETURNS @extschema@.stage_value
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_in(cstring) IS
    'Text input of funnel.stage_value (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.stage_value_out(@extschema@.stage_value) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_out(@extschema@.stage_value) IS
    'Text output of funnel.stage_value: JSON naming the stage type and labels.';
CREATE FUNCTION @extschema@.stage_value_send(@extschema@.stage_value) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_send(@extschema@.stage_value) IS
    'Binary output of funnel.stage_value (type and labels by name).';
CREATE FUNCTION @extschema@.stage_value_recv(internal) RETURNS @extschema@.stage_value
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_recv(internal) IS
    'Binary input of funnel.stage_value; validates everything it reads (22P03).';
CREATE TYPE @extschema@.stage_value (
    INPUT = @extschema@.stage_value_in,
    OUTPUT = @extschema@.stage_value_out,
    SEND = @extschema@.stage_value_send,
    RECEIVE = @extschema@.stage_value_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.stage_value IS
    'State of funnel.stage_times(): per stage the deals that reached it and their amounts (per report policy), the deals in it now, and the lengths of its completed visits (quantile sketch, exact sums, amount-weighted sums); read with funnel.stage_time_report().';

-- transition function (not STRICT: a NULL journey is counted as skipped, a NULL amount is a deal without amount)
CREATE FUNCTION @extschema@.stage_value_transfn(@extschema@.stage_value, @extschema@.journey, numeric)
    RETURNS @extschema@.stage_value AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_transfn(@extschema@.stage_value, @extschema@.journey, numeric) IS
    'Internal: transition function of the funnel.stage_times(journey, amount) aggregate.';
CREATE FUNCTION @extschema@.stage_value_combine(@extschema@.stage_value, @extschema@.stage_value)
    RETURNS @extschema@.stage_value AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_combine(@extschema@.stage_value, @extschema@.stage_value) IS
    'Internal: merges two funnel.stage_value states (combine function of funnel.stage_times, transition function of funnel.rollup).';

CREATE FUNCTION @extschema@.stage_value_final(@extschema@.stage_value)
    RETURNS @extschema@.stage_value AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stage_value_final(@extschema@.stage_value) IS
    'Internal: final function of funnel.stage_times and funnel.rollup(stage_value): the state, handed to its reports without a flatten and a parse.';

-- funnel.stage_times(j, amount): one row per deal
CREATE AGGREGATE @extschema@.stage_times(j @extschema@.journey, amount numeric) (
    SFUNC = @extschema@.stage_value_transfn,
    STYPE = @extschema@.stage_value,
    FINALFUNC = @extschema@.stage_value_final,
    COMBINEFUNC = @extschema@.stage_value_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.stage_times(@extschema@.journey, numeric) IS
    'Aggregate over deals (a journey and an amount each): time in each stage and the amount-weighted funnel, a funnel.stage_value; read it with funnel.stage_time_report.';
CREATE AGGREGATE @extschema@.rollup(@extschema@.stage_value) (
    SFUNC = @extschema@.stage_value_combine,
    STYPE = @extschema@.stage_value,
    FINALFUNC = @extschema@.stage_value_final,
    COMBINEFUNC = @extschema@.stage_value_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.stage_value) IS
    'Aggregate that merges funnel.stage_value states into one (monthly states give what one pass gives).';

-- the report
CREATE FUNCTION @extschema@.stage_time_report(s @extschema@.stage_value, policy text DEFAULT 'linear')
    RETURNS TABLE ("position" integer, stage text, deals_reached bigint, value_reached numeric,
                   share_of_top_value float8, "left" bigint, avg_days float8, median_days float8,
                   p90_days float8, amount_weighted_avg_days float8, in_stage_now bigint)
    AS 'MODULE_PATHNAME', 'stage_value_report' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.stage_time_report(@extschema@.stage_value, text) IS
    'Time in stage and the amount-weighted funnel as rows, one per stage in funnel order: deals and value reached (policy linear, entered or strict), share of the top stage''s value, completed visits, their average, median and 90th percentile in days, the amount-weighted average, deals in the stage now.';

-- funnel.stage_time_report(table, policy): the same over the history of a tracked table
CREATE FUNCTION @extschema@.stage_time_report("table" regclass, policy text DEFAULT 'linear')
    RETURNS TABLE ("position" integer, stage text, deals_reached bigint, value_reached numeric,
                   share_of_top_value float8, "left" bigint, avg_days float8, median_days float8,
                   p90_days float8, amount_weighted_avg_days float8, in_stage_now bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    h record;
    keys text;
BEGIN
    IF policy IS NULL THEN
        RAISE EXCEPTION 'policy must not be NULL' USING ERRCODE = '22004';
    END IF;
    h := @extschema@.tracked_history("table");
    -- the key columns: the history's columns of the tracked table, besides those track() writes;
    -- the journeys: the stage changes (a row that changed only values is no stage event:
    -- it is stamped by the clock, which an import with stamps of the past may have passed)
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO keys
    FROM pg_attribute a
    WHERE a.attrelid = h.history AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname <> ALL ('{from_stage,to_stage,changed_at,changed_by,from_amount,amount,from_close_date,close_date}'::name[])
      AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = "table" AND t.attname = a.attname
                  AND t.attnum > 0 AND NOT t.attisdropped);
    IF keys IS NULL THEN
        RAISE EXCEPTION 'history table % has no key column of table %', h.history, "table"
            USING ERRCODE = '42703',
                  HINT = 'The history of funnel.track() holds the key columns of the tracked table under their own names.';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT r.* FROM (SELECT @extschema@.stage_times(d.j, d.amount) AS s FROM '
        '(SELECT @extschema@.journey(to_stage, changed_at) FILTER (WHERE from_stage IS DISTINCT FROM to_stage) AS j, '
        '%s AS amount FROM %s GROUP BY %s) d) q, '
        '@extschema@.stage_time_report(q.s, $1) r',
        CASE WHEN h.has_amount
             THEN '(array_agg(amount::numeric ORDER BY changed_at DESC, amount::numeric DESC NULLS LAST))[1]'
             ELSE 'NULL::numeric' END,
        h.history, keys)
        USING policy;
END
$fn$;
COMMENT ON FUNCTION @extschema@.stage_time_report(regclass, text) IS
    'Time in stage and the amount-weighted funnel of a table tracked by funnel.track, from its history (each deal with the amount of its latest history row), one row per stage.';


-- Next and previous steps of an event funnel (issue 19): funnel.next_step per
-- entity, funnel.next_steps over entities, funnel.next_step_report.
CREATE TYPE @extschema@.next_step_events;
CREATE FUNCTION @extschema@.next_step_events_in(cstring) RETURNS @extschema@.next_step_events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_events_in(cstring) IS
    'Text input of funnel.next_step_events (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.next_step_events_out(@extschema@.next_step_events) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_events_out(@extschema@.next_step_events) IS
    'Text output of funnel.next_step_events: JSON with the window, mode, number of steps and the labelled events.';
CREATE FUNCTION @extschema@.next_step_events_send(@extschema@.next_step_events) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_events_send(@extschema@.next_step_events) IS
    'Binary output of funnel.next_step_events.';
CREATE FUNCTION @extschema@.next_step_events_recv(internal) RETURNS @extschema@.next_step_events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_events_recv(internal) IS
    'Binary input of funnel.next_step_events; validates everything it reads (22P03).';
CREATE TYPE @extschema@.next_step_events (
    INPUT = @extschema@.next_step_events_in,
    OUTPUT = @extschema@.next_step_events_out,
    SEND = @extschema@.next_step_events_send,
    RECEIVE = @extschema@.next_step_events_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.next_step_events IS
    'State of funnel.next_step(): one entity''s events (time, steps that held, label) with the window and mode of the call.';

CREATE TYPE @extschema@.next_step_result AS (
    level integer,
    entered_at timestamptz,
    reached_at timestamptz,
    next_label text,
    next_at timestamptz,
    previous_label text,
    previous_at timestamptz
);
COMMENT ON TYPE @extschema@.next_step_result IS
    'Result of funnel.next_step(): the level window_funnel gives, the times of step 1 and of the last step reached of window_funnel_times'' chain, the first labelled event after that step and the last labelled event before step 1.';

CREATE FUNCTION @extschema@.next_step_transfn(@extschema@.next_step_events, interval, timestamptz, text, boolean[])
    RETURNS @extschema@.next_step_events AS 'MODULE_PATHNAME', 'next_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_transfn(@extschema@.next_step_events, interval, timestamptz, text, boolean[]) IS
    'Internal: transition function of funnel.next_step (window, ts, label, steps).';
CREATE FUNCTION @extschema@.next_step_transfn(@extschema@.next_step_events, interval, text, timestamptz, text, boolean[])
    RETURNS @extschema@.next_step_events AS 'MODULE_PATHNAME', 'next_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_transfn(@extschema@.next_step_events, interval, text, timestamptz, text, boolean[]) IS
    'Internal: transition function of funnel.next_step (window, mode, ts, label, steps).';
CREATE FUNCTION @extschema@.next_step_combine(@extschema@.next_step_events, @extschema@.next_step_events)
    RETURNS @extschema@.next_step_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_combine(@extschema@.next_step_events, @extschema@.next_step_events) IS
    'Internal: combine function of funnel.next_step (the events of two partial states).';
CREATE FUNCTION @extschema@.next_step_final(@extschema@.next_step_events)
    RETURNS @extschema@.next_step_result AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_step_final(@extschema@.next_step_events) IS
    'Internal: final function of funnel.next_step.';

CREATE AGGREGATE @extschema@.next_step("window" interval, ts timestamptz, label text, VARIADIC steps boolean[]) (
    SFUNC = @extschema@.next_step_transfn, STYPE = @extschema@.next_step_events,
    FINALFUNC = @extschema@.next_step_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.next_step_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.next_step(interval, timestamptz, text, VARIADIC boolean[]) IS
    'Aggregate per entity: window_funnel''s level with the first labelled event after the last step reached and the last labelled event before step 1 (where the entity went, where it came from).';
CREATE AGGREGATE @extschema@.next_step("window" interval, mode text, ts timestamptz, label text, VARIADIC steps boolean[]) (
    SFUNC = @extschema@.next_step_transfn, STYPE = @extschema@.next_step_events,
    FINALFUNC = @extschema@.next_step_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.next_step_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.next_step(interval, text, timestamptz, text, VARIADIC boolean[]) IS
    'Aggregate per entity under window_funnel modes: the level with the first labelled event after the last step reached and the last labelled event before step 1.';

CREATE TYPE @extschema@.next_steps;
CREATE FUNCTION @extschema@.next_steps_in(cstring) RETURNS @extschema@.next_steps
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_in(cstring) IS
    'Text input of funnel.next_steps (its JSON form); validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.next_steps_out(@extschema@.next_steps) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_out(@extschema@.next_steps) IS
    'Text output of funnel.next_steps: JSON with the count and sample keys of every (level, label).';
CREATE FUNCTION @extschema@.next_steps_send(@extschema@.next_steps) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_send(@extschema@.next_steps) IS
    'Binary output of funnel.next_steps.';
CREATE FUNCTION @extschema@.next_steps_recv(internal) RETURNS @extschema@.next_steps
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_recv(internal) IS
    'Binary input of funnel.next_steps; validates everything it reads (22P03).';
CREATE TYPE @extschema@.next_steps (
    INPUT = @extschema@.next_steps_in,
    OUTPUT = @extschema@.next_steps_out,
    SEND = @extschema@.next_steps_send,
    RECEIVE = @extschema@.next_steps_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.next_steps IS
    'State of funnel.next_steps(): per (level, label) the number of entities and a few sample keys, exact, mergeable by addition; read with funnel.next_step_report().';

CREATE FUNCTION @extschema@.next_steps_transfn(@extschema@.next_steps, integer, text, text)
    RETURNS @extschema@.next_steps AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_transfn(@extschema@.next_steps, integer, text, text) IS
    'Internal: transition function of funnel.next_steps.';
CREATE FUNCTION @extschema@.next_steps_combine(@extschema@.next_steps, @extschema@.next_steps)
    RETURNS @extschema@.next_steps AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_combine(@extschema@.next_steps, @extschema@.next_steps) IS
    'Internal: adds two funnel.next_steps states (combine function of funnel.next_steps, transition function of funnel.rollup).';
CREATE FUNCTION @extschema@.next_steps_final(@extschema@.next_steps)
    RETURNS @extschema@.next_steps AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_steps_final(@extschema@.next_steps) IS
    'Internal: final function of funnel.next_steps and funnel.rollup(next_steps): the state, handed to its reports without a flatten and a parse.';

CREATE AGGREGATE @extschema@.next_steps(level integer, label text, key text) (
    SFUNC = @extschema@.next_steps_transfn,
    STYPE = @extschema@.next_steps,
    FINALFUNC = @extschema@.next_steps_final,
    COMBINEFUNC = @extschema@.next_steps_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.next_steps(integer, text, text) IS
    'Aggregate over entities (one row each, e.g. from funnel.next_step): per level and label the number of rows and the 3 smallest keys; read it with funnel.next_step_report.';
CREATE AGGREGATE @extschema@.rollup(@extschema@.next_steps) (
    SFUNC = @extschema@.next_steps_combine,
    STYPE = @extschema@.next_steps,
    FINALFUNC = @extschema@.next_steps_final,
    COMBINEFUNC = @extschema@.next_steps_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.next_steps) IS
    'Aggregate that adds funnel.next_steps states into one (daily states give what one pass gives).';
CREATE FUNCTION @extschema@.next_step_report(s @extschema@.next_steps)
    RETURNS TABLE (level integer, label text, entities bigint, share float8, sample_keys text[])
    AS 'MODULE_PATHNAME', 'next_steps_report' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.next_step_report(@extschema@.next_steps) IS
    'The labels per level of a funnel.next_steps, one row per (level, label): entities, their share of the level, up to 3 sample keys; by level, then most entities first.';


------------------------------------------------------------------------------
-- Stored sequences (issue 19, item 4): funnel.sequence, one entity's events as
-- a compact value (delta-encoded times, labels as codes into the value's own
-- dictionary), its aggregate, sequence_append, and the event-funnel functions
-- over it (src/seqstore.h, seqstore.c, seqstore_query.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.sequence;
CREATE FUNCTION @extschema@.sequence_in(cstring) RETURNS @extschema@.sequence
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_in(cstring) IS
    'Text input of funnel.sequence (its JSON form: events as [microseconds since 2000-01-01 UTC, label]), in any order; validates everything it reads (22P02).';
CREATE FUNCTION @extschema@.sequence_out(@extschema@.sequence) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_out(@extschema@.sequence) IS
    'Text output of funnel.sequence: JSON with the events as [microseconds since 2000-01-01 UTC, label or null], in (time, label) order.';
CREATE FUNCTION @extschema@.sequence_send(@extschema@.sequence) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_send(@extschema@.sequence) IS
    'Binary output of funnel.sequence: its compact form (labels by name, no OIDs).';
CREATE FUNCTION @extschema@.sequence_recv(internal) RETURNS @extschema@.sequence
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_recv(internal) IS
    'Binary input of funnel.sequence; checks every byte it reads, labels in the server encoding (22P03).';
CREATE TYPE @extschema@.sequence (
    INPUT = @extschema@.sequence_in,
    OUTPUT = @extschema@.sequence_out,
    SEND = @extschema@.sequence_send,
    RECEIVE = @extschema@.sequence_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.sequence IS
    'One entity''s events (time, label) as a compact value, made by the funnel.sequence(at, event) aggregate; window_funnel, window_funnel_times, retention, sequence_match and sequence_count read it.';

CREATE FUNCTION @extschema@.sequence_transfn(@extschema@.sequence, timestamptz, text)
    RETURNS @extschema@.sequence AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_transfn(@extschema@.sequence, timestamptz, text) IS
    'Internal: transition function of the funnel.sequence(at, event) aggregate.';
CREATE FUNCTION @extschema@.sequence_combine(@extschema@.sequence, @extschema@.sequence)
    RETURNS @extschema@.sequence AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_combine(@extschema@.sequence, @extschema@.sequence) IS
    'Internal: combine function of the funnel.sequence(at, event) aggregate.';
CREATE FUNCTION @extschema@.sequence_final(@extschema@.sequence)
    RETURNS @extschema@.sequence AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_final(@extschema@.sequence) IS
    'Internal: final function of the funnel.sequence(at, event) aggregate: the compact value.';

-- funnel.sequence(at, event): one entity's event rows, in any order
CREATE AGGREGATE @extschema@.sequence(at timestamptz, event text) (
    SFUNC = @extschema@.sequence_transfn,
    STYPE = @extschema@.sequence,
    FINALFUNC = @extschema@.sequence_final,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.sequence_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sequence(timestamptz, text) IS
    'Aggregate over one entity''s event rows, in any order: its funnel.sequence (rows with a NULL time are skipped; a NULL event is kept as an event with no label).';

CREATE FUNCTION @extschema@.sequence_append(seq @extschema@.sequence, at timestamptz, event text)
    RETURNS @extschema@.sequence AS 'MODULE_PATHNAME', 'sequence_append' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_append(@extschema@.sequence, timestamptz, text) IS
    'The sequence with one more row, exactly what funnel.sequence gives over its rows and this one (a NULL seq is empty; a NULL time adds nothing).';
CREATE FUNCTION @extschema@.sequence_append(seq @extschema@.sequence, more @extschema@.sequence)
    RETURNS @extschema@.sequence AS 'MODULE_PATHNAME', 'sequence_append_sequence' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_append(@extschema@.sequence, @extschema@.sequence) IS
    'The rows of both sequences (a row in both counts twice), exactly what funnel.sequence gives over all of them; NULL when both are NULL.';
CREATE FUNCTION @extschema@.sequence_length(seq @extschema@.sequence)
    RETURNS bigint AS 'MODULE_PATHNAME', 'sequence_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_length(@extschema@.sequence) IS
    'The number of events (rows) a sequence holds.';
CREATE FUNCTION @extschema@.sequence_events(seq @extschema@.sequence, OUT at timestamptz, OUT event text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'sequence_events' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.sequence_events(@extschema@.sequence) IS
    'The rows of a sequence, in (time, label) order.';

CREATE FUNCTION @extschema@.window_funnel(seq @extschema@.sequence, "window" interval, steps text[])
    RETURNS integer AS 'MODULE_PATHNAME', 'sequence_window_funnel' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel(@extschema@.sequence, interval, text[]) IS
    'window_funnel over a stored sequence: step k is the event label steps[k] (or any label of row k of a two-dimensional array); the aggregate''s answer over the same rows.';
CREATE FUNCTION @extschema@.window_funnel(seq @extschema@.sequence, "window" interval, mode text, steps text[])
    RETURNS integer AS 'MODULE_PATHNAME', 'sequence_window_funnel' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel(@extschema@.sequence, interval, text, text[]) IS
    'window_funnel with a mode over a stored sequence: step k is the event label steps[k] (or any label of row k of a two-dimensional array); the aggregate''s answer over the same rows.';
CREATE FUNCTION @extschema@.window_funnel_times(seq @extschema@.sequence, "window" interval, steps text[])
    RETURNS interval[] AS 'MODULE_PATHNAME', 'sequence_window_funnel_times' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_times(@extschema@.sequence, interval, text[]) IS
    'window_funnel_times over a stored sequence: the time from step 1 to each step of the fastest chain reaching the level.';
CREATE FUNCTION @extschema@.window_funnel_times(seq @extschema@.sequence, "window" interval, mode text, steps text[])
    RETURNS interval[] AS 'MODULE_PATHNAME', 'sequence_window_funnel_times' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_times(@extschema@.sequence, interval, text, text[]) IS
    'window_funnel_times with a mode over a stored sequence: the time from step 1 to each step of the fastest chain reaching the level.';
CREATE FUNCTION @extschema@.retention(seq @extschema@.sequence, conds text[])
    RETURNS boolean[] AS 'MODULE_PATHNAME', 'sequence_retention' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention(@extschema@.sequence, text[]) IS
    'retention over a stored sequence: element 1 says whether an event of label conds[1] occurred, element i whether those of conds[1] and conds[i] did.';
CREATE FUNCTION @extschema@.sequence_match(seq @extschema@.sequence, pattern text, conds text[])
    RETURNS boolean AS 'MODULE_PATHNAME', 'sequence_sequence_match' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_match(@extschema@.sequence, text, text[]) IS
    'sequence_match over a stored sequence: (?N) is an event of label conds[N] (or of row N of a two-dimensional array).';
CREATE FUNCTION @extschema@.sequence_count(seq @extschema@.sequence, pattern text, conds text[])
    RETURNS bigint AS 'MODULE_PATHNAME', 'sequence_sequence_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sequence_count(@extschema@.sequence, text, text[]) IS
    'sequence_count over a stored sequence: (?N) is an event of label conds[N] (or of row N of a two-dimensional array).';


------------------------------------------------------------------------------
-- window_funnel_detail: the whole winning chain of an event funnel (level,
-- entry, step times and durations, captured values) under funnel options,
-- and detail_report, its funnel chart (src/window_funnel_detail.c,
-- src/detail_engine.c, src/detail_options.c, src/detail_report.c)
------------------------------------------------------------------------------

CREATE TYPE @extschema@.funnel_options AS (
    exclude integer[],
    step_windows interval[],
    max_gap interval,
    optional integer[],
    hold integer,
    breakdown text,
    windows interval[],
    as_of timestamptz,
    counting text
);
COMMENT ON TYPE @extschema@.funnel_options IS
    'Options of window_funnel_detail, built by funnel.funnel_options(...): exclusions, per-step windows, maximum gap, optional steps, held value, breakdown, extra windows, as_of, counting.';

CREATE FUNCTION @extschema@.funnel_options(exclude integer[] DEFAULT NULL, step_windows interval[] DEFAULT NULL,
        max_gap interval DEFAULT NULL, optional integer[] DEFAULT NULL, hold integer DEFAULT NULL,
        breakdown text DEFAULT NULL, windows interval[] DEFAULT NULL, as_of timestamptz DEFAULT NULL,
        counting text DEFAULT NULL)
    RETURNS @extschema@.funnel_options
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT ROW(exclude, step_windows, max_gap, optional, hold, breakdown, windows, as_of, counting)::@extschema@.funnel_options
$fn$;
COMMENT ON FUNCTION @extschema@.funnel_options(integer[], interval[], interval, integer[], integer, text, interval[], timestamptz, text) IS
    'The options of window_funnel_detail, by name; every option defaults to none. window_funnel_detail checks them (22023).';

CREATE TYPE @extschema@.funnel_detail AS (
    level integer,
    steps integer,
    entry timestamptz,
    step_times timestamptz[],
    step_durations interval[],
    step_values text[],
    breakdown text,
    levels integer[],
    status text,
    excluded boolean,
    attempts integer[]
);
COMMENT ON TYPE @extschema@.funnel_detail IS
    'Result of window_funnel_detail: the level, the number of steps, and the entry, times, durations and captured values of the fastest chain of that level, with the breakdown value, the level per extra window, the status as of as_of, whether an exclusion lowered the level, and the level of each attempt.';

CREATE TYPE @extschema@.detail_events;
CREATE FUNCTION @extschema@.detail_events_in(cstring) RETURNS @extschema@.detail_events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_events_in(cstring) IS
    'Text input of funnel.detail_events (its binary form in hexadecimal); validates everything it reads (22P02, 22P03).';
CREATE FUNCTION @extschema@.detail_events_out(@extschema@.detail_events) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_events_out(@extschema@.detail_events) IS
    'Text output of funnel.detail_events: its binary form in hexadecimal.';
CREATE FUNCTION @extschema@.detail_events_send(@extschema@.detail_events) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_events_send(@extschema@.detail_events) IS
    'Binary output of funnel.detail_events.';
CREATE FUNCTION @extschema@.detail_events_recv(internal) RETURNS @extschema@.detail_events
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_events_recv(internal) IS
    'Binary input of funnel.detail_events; validates everything it reads (22P03).';
CREATE TYPE @extschema@.detail_events (
    INPUT = @extschema@.detail_events_in,
    OUTPUT = @extschema@.detail_events_out,
    SEND = @extschema@.detail_events_send,
    RECEIVE = @extschema@.detail_events_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.detail_events IS
    'State of window_funnel_detail: the rows where some condition held, with their captured values, the window and the options of the call.';

CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[]) IS
    'Internal: transition function of window_funnel_detail without options or values.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz,
        @extschema@.funnel_options, boolean[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean[]) IS
    'Internal: transition function of window_funnel_detail with options, without values.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[], text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[], text[]) IS
    'Internal: transition function of window_funnel_detail with values, without options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz,
        @extschema@.funnel_options, boolean[], text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean[], text[]) IS
    'Internal: transition function of window_funnel_detail with options and values.';
CREATE FUNCTION @extschema@.window_funnel_detail_combine(@extschema@.detail_events, @extschema@.detail_events)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_combine(@extschema@.detail_events, @extschema@.detail_events) IS
    'Internal: combine function of window_funnel_detail: merges two funnel.detail_events states of the same call.';
CREATE FUNCTION @extschema@.window_funnel_detail_final(@extschema@.detail_events)
    RETURNS @extschema@.funnel_detail AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_final(@extschema@.detail_events) IS
    'Final function of window_funnel_detail: the funnel_detail of the group.';

CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, VARIADIC steps boolean[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, VARIADIC boolean[]) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail).';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz,
        options @extschema@.funnel_options, VARIADIC steps boolean[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, VARIADIC boolean[]) IS
    'Aggregate: window_funnel_detail under funnel options (exclusions, step windows, maximum gap, optional steps, windows, as_of).';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, steps boolean[], vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean[], text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz,
        options @extschema@.funnel_options, steps boolean[], vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean[], text[]) IS
    'Aggregate: window_funnel_detail under funnel options, reporting each value of vals at each step (hold and breakdown read them).';

-- @generated by perl sql/funnel_events.pl --detail

-- window_funnel_detail, conditions as one boolean[]
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[], record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean[], record) IS
    'Internal: transition function of window_funnel_detail with values as record, conditions as one boolean[].';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, steps boolean[], vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean[], record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; conditions as one boolean[].';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean[], record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean[], record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, conditions as one boolean[].';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, steps boolean[], vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean[], record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; conditions as one boolean[], under funnel options.';

-- window_funnel_detail, 1 separate condition
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean) IS
    'Internal: transition function of window_funnel_detail, 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 1 separate condition.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 1 separate condition.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 1 separate condition.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 1 separate condition, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 1 separate condition, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 1 separate condition.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 1 separate condition, under funnel options.';

-- window_funnel_detail, 2 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 2 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 2 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 2 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 2 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 2 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 2 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 2 separate conditions, under funnel options.';

-- window_funnel_detail, 3 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 3 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 3 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 3 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 3 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 3 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 3 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 3 separate conditions, under funnel options.';

-- window_funnel_detail, 4 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 4 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 4 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 4 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 4 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 4 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 4 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 4 separate conditions, under funnel options.';

-- window_funnel_detail, 5 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 5 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 5 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 5 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 5 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 5 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 5 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 5 separate conditions, under funnel options.';

-- window_funnel_detail, 6 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 6 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 6 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 6 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 6 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 6 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 6 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 6 separate conditions, under funnel options.';

-- window_funnel_detail, 7 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 7 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 7 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 7 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 7 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 7 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 7 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 7 separate conditions, under funnel options.';

-- window_funnel_detail, 8 separate conditions
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail, 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 8 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with values as text[], 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 8 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with values as record, 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 8 separate conditions.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Internal: transition function of window_funnel_detail with options, 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) IS
    'Aggregate: the level of window_funnel with the entry, step times and step durations of the fastest chain of that level (funnel.funnel_detail); 8 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[])
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Internal: transition function of window_funnel_detail with options and values as text[], 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean, vals text[]) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, text[]) IS
    'Aggregate: window_funnel_detail that also reports each value of vals at each step of the chain; 8 separate conditions, under funnel options.';
CREATE FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record)
    RETURNS @extschema@.detail_events AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.window_funnel_detail_transfn(@extschema@.detail_events, interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Internal: transition function of window_funnel_detail with options and values as record, 8 separate conditions.';
CREATE AGGREGATE @extschema@.window_funnel_detail("window" interval, ts timestamptz, options @extschema@.funnel_options, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean, vals record) (
    SFUNC = @extschema@.window_funnel_detail_transfn, STYPE = @extschema@.detail_events,
    FINALFUNC = @extschema@.window_funnel_detail_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@.window_funnel_detail_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.window_funnel_detail(interval, timestamptz, @extschema@.funnel_options, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, record) IS
    'Aggregate: window_funnel_detail that also reports each column of the row vals (ROW(a, b, ...)) at each step of the chain, as its text output; 8 separate conditions, under funnel options.';
-- @end generated

CREATE TYPE @extschema@.detail_report;
CREATE FUNCTION @extschema@.detail_report_in(cstring) RETURNS @extschema@.detail_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_in(cstring) IS
    'Text input of funnel.detail_report (its binary form in hexadecimal); validates everything it reads (22P02, 22P03).';
CREATE FUNCTION @extschema@.detail_report_out(@extschema@.detail_report) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_out(@extschema@.detail_report) IS
    'Text output of funnel.detail_report: its binary form in hexadecimal.';
CREATE FUNCTION @extschema@.detail_report_send(@extschema@.detail_report) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_send(@extschema@.detail_report) IS
    'Binary output of funnel.detail_report.';
CREATE FUNCTION @extschema@.detail_report_recv(internal) RETURNS @extschema@.detail_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_recv(internal) IS
    'Binary input of funnel.detail_report; validates everything it reads (22P03).';
CREATE TYPE @extschema@.detail_report (
    INPUT = @extschema@.detail_report_in,
    OUTPUT = @extschema@.detail_report_out,
    SEND = @extschema@.detail_report_send,
    RECEIVE = @extschema@.detail_report_recv,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.detail_report IS
    'State of funnel.detail_report(): per step, the entities that reached it and a sketch of its durations, mergeable; read with funnel.detail_steps().';
CREATE FUNCTION @extschema@.detail_report_transfn(@extschema@.detail_report, @extschema@.funnel_detail)
    RETURNS @extschema@.detail_report AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_transfn(@extschema@.detail_report, @extschema@.funnel_detail) IS
    'Internal: transition function of funnel.detail_report (a NULL detail is skipped).';
CREATE FUNCTION @extschema@.detail_report_combine(@extschema@.detail_report, @extschema@.detail_report)
    RETURNS @extschema@.detail_report AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_combine(@extschema@.detail_report, @extschema@.detail_report) IS
    'Internal: adds two funnel.detail_report states (combine function of funnel.detail_report, transition function of funnel.rollup).';
CREATE FUNCTION @extschema@.detail_report_final(@extschema@.detail_report)
    RETURNS @extschema@.detail_report AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.detail_report_final(@extschema@.detail_report) IS
    'Internal: final function of funnel.detail_report and funnel.rollup(detail_report): the state, handed to detail_steps and its accessors without a flatten and a parse.';

CREATE AGGREGATE @extschema@.detail_report(detail @extschema@.funnel_detail) (
    SFUNC = @extschema@.detail_report_transfn,
    STYPE = @extschema@.detail_report,
    FINALFUNC = @extschema@.detail_report_final,
    COMBINEFUNC = @extschema@.detail_report_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.detail_report(@extschema@.funnel_detail) IS
    'Aggregate over window_funnel_detail results (one per entity): the funnel chart''s counts and step durations, mergeable; read it with funnel.detail_steps.';
CREATE AGGREGATE @extschema@.rollup(@extschema@.detail_report) (
    SFUNC = @extschema@.detail_report_combine,
    STYPE = @extschema@.detail_report,
    FINALFUNC = @extschema@.detail_report_final,
    COMBINEFUNC = @extschema@.detail_report_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.detail_report) IS
    'Aggregate that adds funnel.detail_report states into one (daily reports give what one pass gives).';
CREATE FUNCTION @extschema@.detail_steps(r @extschema@.detail_report)
    RETURNS TABLE (step integer, entities bigint, reached bigint, conversion_from_previous float8,
                   conversion_from_top float8, median_duration interval, p90_duration interval,
                   mean_duration interval)
    AS 'MODULE_PATHNAME', 'detail_report_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.detail_steps(@extschema@.detail_report) IS
    'The funnel chart of a detail_report, one row per step: entities, how many reached the step, conversion from the previous step and from step 1, and the median, 90th percentile and mean time from the previous reached step.';
