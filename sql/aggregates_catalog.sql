-- aggregates_catalog.sql: the rules every aggregate of the extension follows
-- (DESIGN.md, "States" and "Scale"), checked in the catalog so that no future
-- aggregate can forget one:
--   - a combine function (parallel aggregation; Citus partial aggregation);
--   - a state type that is a concrete type: not a pseudo-type, so not internal
--     (Citus ships partial states as text through the state type's I/O);
--   - PARALLEL SAFE, and so are its transition, combine and final functions;
--   - a read-only final function (FINALFUNC_MODIFY = READ_ONLY, the default):
--     more rows may follow it, so the aggregate works as a window function;
--   - a name that is not a built-in aggregate's (Citus rewrites some by name).
-- A new aggregate shows up in the list below (update the expected output); any
-- aggregate breaking a rule shows up in the second query, which returns no row.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;

CREATE TEMP VIEW ext_agg AS
SELECT p.oid, p.oid::regprocedure AS aggregate, p.proname, p.proparallel,
       a.aggkind, a.aggtransfn, a.aggcombinefn, a.aggfinalfn, a.aggfinalmodify, a.aggtranstype,
       t.typtype AS state_typtype
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'funnel'
JOIN pg_proc p ON p.oid = d.objid
JOIN pg_aggregate a ON a.aggfnoid = p.oid
JOIN pg_type t ON t.oid = a.aggtranstype
WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e';

-- The aggregates checked: signature, state type, combine function, parallel safety.
SELECT aggregate, aggtranstype::regtype AS state_type, aggcombinefn::regproc AS combinefn,
       proparallel AS parallel
FROM ext_agg ORDER BY aggregate::text;

-- Every aggregate of the extension is a member of it (none created outside the
-- install script), and every member aggregate lives in schema funnel.
SELECT (SELECT count(*) FROM ext_agg) AS member_aggregates,
       (SELECT count(*) FROM pg_proc WHERE prokind = 'a'
          AND pronamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'funnel')) AS aggregates_in_schema;

-- Offenders: no row.
SELECT aggregate, problem
FROM ext_agg, LATERAL (VALUES
    ('no combine function', aggcombinefn = 0),
    ('state type is a pseudo-type (internal, anyelement, ...)', state_typtype = 'p'),
    ('state type is internal', aggtranstype = 'internal'::regtype),
    ('not an ordinary aggregate (ordered-set or hypothetical)', aggkind <> 'n'),
    ('not PARALLEL SAFE', proparallel <> 's'),
    ('transition function not PARALLEL SAFE',
        (SELECT proparallel FROM pg_proc WHERE oid = aggtransfn) <> 's'),
    ('combine function not PARALLEL SAFE',
        aggcombinefn <> 0 AND (SELECT proparallel FROM pg_proc WHERE oid = aggcombinefn) <> 's'),
    ('final function not PARALLEL SAFE',
        aggfinalfn <> 0 AND (SELECT proparallel FROM pg_proc WHERE oid = aggfinalfn) <> 's'),
    ('final function may modify the state (then not usable as a window function)',
        aggfinalfn <> 0 AND aggfinalmodify <> 'r'),
    ('named like a built-in aggregate',
        proname IN (SELECT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND prokind = 'a'))
) c(problem, bad)
WHERE bad IS NOT FALSE
ORDER BY aggregate::text, problem;

-- The state types: base types of the extension with text and binary I/O.
SELECT * FROM (
    SELECT DISTINCT aggtranstype::regtype AS state_type, t.typtype, t.typinput::regproc AS input,
           t.typoutput::regproc AS output, t.typreceive::regproc AS receive, t.typsend::regproc AS send
    FROM ext_agg JOIN pg_type t ON t.oid = aggtranstype) s
ORDER BY state_type::text;

-- The names Citus rewrites are among the built-in names checked above.
SELECT n AS citus_name,
       n IN (SELECT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND prokind = 'a') AS checked
FROM unnest('{avg,sum,count,min,max,array_agg,string_agg,json_agg,jsonb_agg,bit_and,bit_or,bool_and,bool_or,every}'::text[]) n;

DROP VIEW ext_agg;
