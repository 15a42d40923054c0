-- noop_agg: an aggregate that does nothing with its arguments (the benchmarks
-- load this script themselves, with MODULE_PATHNAME replaced by the built
-- library's path, and the objects put in schema bench).

-- the transition: counts the row, reads no argument (non-strict: called for every row)
CREATE FUNCTION noop_agg_trans(bigint, VARIADIC "any") RETURNS bigint
    AS 'MODULE_PATHNAME', 'noop_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- noop_agg(any arguments): the number of rows, after the executor has
-- evaluated and passed every argument of every row
CREATE AGGREGATE noop_agg(VARIADIC "any") (
    SFUNC = noop_agg_trans, STYPE = bigint, INITCOND = '0',
    COMBINEFUNC = int8pl, PARALLEL = SAFE);

-- noop_report(s, n): n rows of funnel.stage_report's columns (zeros, NULL where
-- stage_report's are), without reading s: the floor of a report function in FROM
CREATE FUNCTION noop_report(s anyelement, n integer)
    RETURNS TABLE ("position" integer, stage text, reached bigint, entered bigint,
                   conversion_from_previous float8, conversion_from_top float8,
                   drop_off bigint, median_time_in_stage interval, in_progress bigint)
    AS 'MODULE_PATHNAME', 'noop_report' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
