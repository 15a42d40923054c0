\set helpers_echo :ECHO \set ECHO none
-- sql/_helpers.sql: the helper functions that several regress suites use, defined once.
-- A suite includes it after CREATE EXTENSION, where it needs them first:
--
--     \i sql/_helpers.sql
--
-- (pg_regress runs psql in the top directory, so the path is relative to it).  The
-- helpers are in pg_temp: they last as long as the suite's session, and no suite sees
-- another's.  The first line turns psql's echo off until the end of this file, so a
-- suite's expected output shows only the \i line and that first line; it is restored
-- below.  Helpers that only one suite uses, or whose behaviour differs between suites
-- (plan_has and plan_nodes of pipeline_history and journey_differential, recv, figures),
-- stay in their suite.

-- try(sql): runs a statement and says how it ended.  Two forms, one per suite:
--   by default:  text, 'ok' or 'SQLSTATE: message';
--   a suite that sets the psql variable try_report (\set try_report true) before the \i
--   gets the report form: a row 'ok', or the rows 'ERROR SQLSTATE: message', then
--   'DETAIL: ...' and 'HINT: ...' when the error has them (never the source location,
--   which changes with every edit of the code).
\if :{?try_report}
CREATE FUNCTION pg_temp.try(sql text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hnt text;
BEGIN
    EXECUTE sql;
    RETURN NEXT 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN NEXT 'ERROR ' || st || ': ' || msg;
    IF det <> '' THEN RETURN NEXT 'DETAIL: ' || det; END IF;
    IF hnt <> '' THEN RETURN NEXT 'HINT: ' || hnt; END IF;
END
$$;
\else
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
\endif

-- Binary input goes through COPY ... FROM a file WITH (FORMAT binary), which calls the
-- type's receive function; the file is written on the server with lo_export.
-- copy_path(): that file, in the cluster's own directory, so that test runs of other
-- clusters on the machine do not collide.
CREATE FUNCTION pg_temp.copy_path() RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/funnel_' || current_database() || '_regress.copy'
$$;
-- write_file(data): writes data to copy_path()
CREATE FUNCTION pg_temp.write_file(data bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE lo oid := lo_from_bytea(0, data);
BEGIN
    PERFORM lo_export(lo, pg_temp.copy_path());
    PERFORM lo_unlink(lo);
END
$$;
-- copy_file(field): a binary COPY file holding one row with the given field bytes
CREATE FUNCTION pg_temp.copy_file(field bytea) RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x5047434f50590aff0d0a00'::bytea || int4send(0) || int4send(0)
        || int2send(1::int2) || int4send(length(field)) || field || int2send(-1::int2)
$$;

-- Big-endian unsigned integers of 1, 4 and w bytes, for binary forms written by hand.
CREATE FUNCTION pg_temp.u8(v bigint) RETURNS bytea LANGUAGE sql AS $$ SELECT substring(int8send(v) FROM 8) $$;
CREATE FUNCTION pg_temp.u32(v bigint) RETURNS bytea LANGUAGE sql AS $$ SELECT substring(int8send(v) FROM 5) $$;
CREATE FUNCTION pg_temp.uw(v bigint, w int) RETURNS bytea LANGUAGE sql AS $$ SELECT substring(int8send(v) FROM 9 - w) $$;

-- norm(p): a funnel.pipeline as JSON with its stages as a set (sorted): states equal but
-- for the order of the stages in their text form (which follows label OIDs) compare equal.
CREATE FUNCTION pg_temp.norm(p funnel.pipeline) RETURNS jsonb LANGUAGE sql AS $$
    SELECT (p::text::jsonb - 'stages')
           || jsonb_build_object('stages', (SELECT jsonb_agg(e ORDER BY e->>0)
                                            FROM jsonb_array_elements(p::text::jsonb->'stages') e))
$$;

-- plan_nodes(q): the aggregate, Gather and Parallel nodes of q's plan (EXPLAIN COSTS OFF),
-- without relation names, Hash/Group/Mixed Aggregate as Aggregate and Gather Merge as Gather.
CREATE FUNCTION pg_temp.plan_nodes(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        line := btrim(regexp_replace(line, '^\s*(->\s*)?', ''));
        IF line ~ '(Aggregate|Gather|Parallel)' THEN
            line := regexp_replace(line, '\s+on\s+\S+$', '');
            line := regexp_replace(line, '(Hash|Group|Mixed)Aggregate', 'Aggregate');
            RETURN NEXT regexp_replace(line, 'Gather Merge', 'Gather');
        END IF;
    END LOOP;
END
$$;
-- plan_has(q, pat): whether a line of q's plan (EXPLAIN COSTS OFF) is LIKE pat
CREATE FUNCTION pg_temp.plan_has(q text, pat text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE l text; found boolean := false;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        found := found OR l LIKE pat;
    END LOOP;
    RETURN found;
END $$;

\set ECHO :helpers_echo \unset helpers_echo
