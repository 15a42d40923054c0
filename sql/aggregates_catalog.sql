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

-- The aggregates checked: signature, state type, combine function, parallel safety
-- (the event aggregates' overloads for 1 to 8 separate boolean conditions are
-- counted below, not listed).
SELECT aggregate, aggtranstype::regtype AS state_type, aggcombinefn::regproc AS combinefn,
       proparallel AS parallel
FROM ext_agg
WHERE NOT (proname IN ('window_funnel', 'window_funnel_times', 'sequence_match', 'sequence_count', 'retention')
           AND (SELECT provariadic FROM pg_proc WHERE oid = ext_agg.oid) = 0)
  AND NOT (proname = 'window_funnel_detail'
           AND 'boolean'::regtype = ANY ((SELECT proargtypes FROM pg_proc WHERE oid = ext_agg.oid)::oid[]))
ORDER BY aggregate::text;

-- window_funnel_detail's overloads with separate conditions: for each of its
-- leading arguments (with or without options) and values (none, a row, a
-- text[]), one per number of conditions from 1 to 8, all with the state type,
-- transition, combine and final functions of the VARIADIC form.
SELECT x.leading, x.vals, array_agg(x.nconds ORDER BY x.nconds) = '{1,2,3,4,5,6,7,8}' AS one_per_arity_1_to_8,
       bool_and(x.same) AS same_functions
FROM (SELECT (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY k) FROM unnest(p.proargtypes) WITH ORDINALITY u(t, k)
              WHERE t NOT IN ('boolean'::regtype, 'record'::regtype, 'text[]'::regtype)) AS leading,
             coalesce((SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t
                       WHERE t IN ('record'::regtype, 'text[]'::regtype)), 'none') AS vals,
             (SELECT count(*) FROM unnest(p.proargtypes) t WHERE t = 'boolean'::regtype) AS nconds,
             (a.aggtranstype, a.aggtransfn::regproc::text, a.aggcombinefn, a.aggfinalfn) =
             (SELECT v.aggtranstype, v.aggtransfn::regproc::text, v.aggcombinefn, v.aggfinalfn FROM pg_aggregate v
              WHERE v.aggfnoid = 'funnel.window_funnel_detail(interval, timestamptz, boolean[])'::regprocedure) AS same
      FROM ext_agg e JOIN pg_proc p ON p.oid = e.oid JOIN pg_aggregate a ON a.aggfnoid = p.oid
      WHERE p.proname = 'window_funnel_detail' AND 'boolean'::regtype = ANY (p.proargtypes::oid[])) x
GROUP BY x.leading, x.vals ORDER BY x.leading, x.vals;

-- The overloads with separate boolean conditions: for every VARIADIC form, one
-- per number of conditions from 1 to 8, with the same leading arguments, state
-- type, combine and final functions as the VARIADIC form.
WITH o AS (
    SELECT p.proname, p.provariadic <> 0 AS variadic, p.pronargs, a.aggtransfn, a.aggcombinefn, a.aggfinalfn,
           a.aggtranstype,
           (SELECT count(*) FROM unnest(p.proargtypes) t WHERE t = 'boolean'::regtype) AS nconds,
           (SELECT array_agg(t ORDER BY k) FROM unnest(p.proargtypes) WITH ORDINALITY u(t, k)
            WHERE t NOT IN ('boolean'::regtype, 'boolean[]'::regtype)) AS leading
    FROM ext_agg e JOIN pg_proc p ON p.oid = e.oid JOIN pg_aggregate a ON a.aggfnoid = p.oid
    WHERE p.proname IN ('window_funnel', 'window_funnel_times', 'sequence_match', 'sequence_count', 'retention'))
SELECT v.proname, count(*) AS variadic_forms, sum(f.n) AS fixed_overloads,
       bool_and(f.arities = '{1,2,3,4,5,6,7,8}') AS one_per_arity_1_to_8,
       bool_and(f.same_functions) AS same_state_combine_final
FROM o v,
     LATERAL (SELECT count(*) AS n, array_agg(nconds ORDER BY nconds) AS arities,
                     bool_and(x.aggtranstype = v.aggtranstype AND x.aggcombinefn = v.aggcombinefn
                              AND x.aggfinalfn = v.aggfinalfn) AS same_functions
              FROM o x WHERE NOT x.variadic AND x.proname = v.proname
                AND x.leading IS NOT DISTINCT FROM v.leading) f
WHERE v.variadic
GROUP BY v.proname ORDER BY v.proname;

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
