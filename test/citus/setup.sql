-- test/citus/setup.sql: the data set of the Citus suite (run by test/citus/run.sh on the
-- coordinator, after the workers are registered and both extensions exist).
--
-- A user's funnel (deal_stage, made with funnel.create_funnel on the coordinator), and four
-- tables, each twice: distributed (deals by id; deal_history and deal_moves by deal_id; events
-- by user_id; all colocated) and as a plain local table with the same rows (*_local), which
-- every distributed result is compared with.  Rows are computed, not random, so every run
-- sees the same data; psql variable :scale multiplies the row counts (at 1: 3,000 deals,
-- about 12,000 history rows, 4,800 events).  Stored states (daily pipeline and summary
-- states) are made from the local tables; their distributed tables are filled by the checks.
--
-- Then the helpers of test/citus/citus.sql (schema citus_test): the *_facts functions turn a
-- state into one text of everything its accessors say; same(), ok(), run() and fails() run
-- one check each and return its PASS/FAIL line.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the user's funnel, with probabilities (weighted_value depends on them)
SELECT funnel.create_funnel('deal_stage',
    ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'],
    won => ARRAY['won'], lost => ARRAY['lost']);
SELECT funnel.set_stage('lead'::deal_stage, probability => 0.1);
SELECT funnel.set_stage('qualified'::deal_stage, probability => 0.2);
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.5);
SELECT funnel.set_stage('negotiation'::deal_stage, probability => 0.7);

------------------------------------------------------------------------------ deals
-- h: a fixed scramble of the id; outcome, stage, amount and dates follow from it.
CREATE TABLE deals_local (
    id          bigint PRIMARY KEY,
    segment     text NOT NULL,
    stage       deal_stage,
    amount      numeric,
    created_at  timestamptz NOT NULL,
    closed_at   timestamptz
);
INSERT INTO deals_local
SELECT id, (ARRAY['smb', 'mid', 'ent'])[id % 3 + 1],
       CASE WHEN h % 101 = 0 THEN NULL           -- a NULL stage is skipped
            WHEN h % 1000 < 250 THEN 'won'
            WHEN h % 1000 < 450 THEN 'lost'
            ELSE (ARRAY['lead', 'qualified', 'proposal', 'negotiation'])[h % 4 + 1]::deal_stage END,
       CASE WHEN h % 37 = 0 THEN NULL ELSE (h * 7 % 500 + 1) * 100 + id % 100 END,
       created,
       CASE WHEN h % 1000 < 450 THEN created + (h % 90 + 1) * interval '1 day' + (h % 24) * interval '1 hour' END
FROM (SELECT id, (id * 2654435761) % 1000003 AS h,
             timestamptz '2025-01-01 00:00+00' + (id % 180) * interval '1 day' + (id % 600) * interval '1 minute' AS created
      FROM generate_series(1, 3000 * :scale) id) g;

------------------------------------------------------------------------------ deal history
-- One path per deal (h % 6): straight to won, a skip to lost, back-and-forth then won,
-- still open, a repeated stage, lost after qualifying; rows one day apart (plus a few hours),
-- and now and then an extra row with a NULL stage.
CREATE TABLE deal_history_local (
    deal_id     bigint NOT NULL,
    segment     text NOT NULL,
    stage       deal_stage,
    entered_at  timestamptz NOT NULL
);
INSERT INTO deal_history_local
SELECT d.id, d.segment, p.stage::deal_stage,
       d.created_at + (p.k - 1) * interval '1 day' + (d.h % 13) * interval '1 hour'
FROM (SELECT id, segment, created_at, (id * 2654435761) % 1000003 AS h FROM deals_local) d,
     LATERAL unnest(CASE d.h % 6
         WHEN 0 THEN ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'won']
         WHEN 1 THEN ARRAY['lead', 'proposal', 'lost']
         WHEN 2 THEN ARRAY['lead', 'qualified', 'proposal', 'negotiation', 'proposal', 'negotiation', 'won']
         WHEN 3 THEN ARRAY['lead', 'qualified']
         WHEN 4 THEN ARRAY['lead', 'lead', 'qualified', 'proposal']
         ELSE ARRAY['lead', 'qualified', 'lost'] END) WITH ORDINALITY AS p(stage, k)
UNION ALL
SELECT id, segment, NULL, created_at + interval '3 hours'
FROM deals_local WHERE id % 97 = 0;

-- the same history as stage moves (from_stage, to_stage), as funnel.track records them, for
-- pipeline_as_of and pipeline_waterfall
CREATE TABLE deal_moves_local AS
SELECT h.deal_id, h.segment, lag(h.stage) OVER w AS from_stage, h.stage AS to_stage,
       h.entered_at AS changed_at,
       CASE WHEN lag(h.stage) OVER w IS NOT NULL THEN d.amount END AS from_amount, d.amount
FROM deal_history_local h JOIN deals_local d ON d.id = h.deal_id
WHERE h.stage IS NOT NULL
WINDOW w AS (PARTITION BY h.deal_id ORDER BY h.entered_at, h.stage);

------------------------------------------------------------------------------ events
-- One pattern per user (h % 5), as in README's event funnel example: a full funnel within an
-- hour, a slow trial, a visit only, signup before visit with a detour, and a second visit two
-- days later.  at_ms: the same clock in milliseconds (bigint).
CREATE TABLE events_local (
    user_id     bigint NOT NULL,
    campaign    text NOT NULL,
    event       text NOT NULL,
    at          timestamptz NOT NULL,
    at_ms       bigint NOT NULL
);
INSERT INTO events_local
SELECT u.id, (ARRAY['spring', 'search', 'social'])[u.id % 3 + 1], e.event, u.base + e.off,
       (extract(epoch FROM u.base + e.off) * 1000)::bigint
FROM (SELECT id, (id * 2654435761) % 1000003 AS h,
             timestamptz '2025-03-01 00:00+00' + (id % 20) * interval '1 day'
                 + ((id * 2654435761) % 1000003 % 600) * interval '1 minute' AS base
      FROM generate_series(1, 1500 * :scale) id) u,
     LATERAL (SELECT * FROM (VALUES
         (0, 'visit', interval '0'), (0, 'signup', interval '4 min'), (0, 'trial', interval '30 min'),
         (0, 'purchase', interval '55 min'),
         (1, 'visit', interval '0'), (1, 'signup', interval '20 min'), (1, 'trial', interval '2 hours'),
         (2, 'visit', interval '0'),
         (3, 'signup', interval '0'), (3, 'visit', interval '1 min'), (3, 'signup', interval '10 min'),
         (3, 'pricing', interval '15 min'), (3, 'trial', interval '20 min'),
         (4, 'visit', interval '0'), (4, 'visit', interval '2 days'), (4, 'signup', interval '2 days 30 min')
     ) v(pattern, event, off) WHERE v.pattern = u.h % 5) e;

------------------------------------------------------------------------------ stored states
-- Daily pipeline states and daily cohort summaries, as a dashboard keeps them (README,
-- "Stage history and cohort reports"), made from the local tables; test/citus/citus.sql loads
-- them into the distributed pstates/sstates (INSERT ... SELECT, COPY) and rolls them up.
CREATE TABLE pstates_local AS
SELECT segment, created_at::date AS day,
       funnel.pipeline(stage, amount, created_at, closed_at) AS p
FROM deals_local GROUP BY 1, 2;
CREATE TABLE sstates_local AS
SELECT segment, day, funnel.summary(j) AS s
FROM (SELECT deal_id, segment, min(entered_at)::date AS day, funnel.journey(stage, entered_at) AS j
      FROM deal_history_local GROUP BY deal_id, segment) x
GROUP BY 1, 2;
-- the same states kept as text (rolled up with a cast), loaded below
CREATE TABLE ptext_local AS SELECT segment, day, p::text AS p FROM pstates_local;
CREATE TABLE stext_local AS SELECT segment, day, s::text AS s FROM sstates_local;

------------------------------------------------------------------------------ distributed copies
CREATE TABLE deals (LIKE deals_local INCLUDING ALL);
CREATE TABLE deal_history (LIKE deal_history_local INCLUDING ALL);
CREATE TABLE deal_moves (LIKE deal_moves_local INCLUDING ALL);
CREATE TABLE events (LIKE events_local INCLUDING ALL);
SELECT create_distributed_table('deals', 'id');
SELECT create_distributed_table('deal_history', 'deal_id', colocate_with => 'deals');
SELECT create_distributed_table('deal_moves', 'deal_id', colocate_with => 'deals');
SELECT create_distributed_table('events', 'user_id', colocate_with => 'deals');
INSERT INTO deals SELECT * FROM deals_local;
INSERT INTO deal_history SELECT * FROM deal_history_local;
INSERT INTO deal_moves SELECT * FROM deal_moves_local;
INSERT INTO events SELECT * FROM events_local;
-- the state tables, distributed by day: pstates and sstates are filled by the checks
CREATE TABLE pstates (LIKE pstates_local);
CREATE TABLE sstates (LIKE sstates_local);
SELECT create_distributed_table('pstates', 'day');
SELECT create_distributed_table('sstates', 'day', colocate_with => 'pstates');
CREATE TABLE ptext (LIKE ptext_local);
CREATE TABLE stext (LIKE stext_local);
SELECT create_distributed_table('ptext', 'day', colocate_with => 'pstates');
SELECT create_distributed_table('stext', 'day', colocate_with => 'pstates');
INSERT INTO ptext SELECT * FROM ptext_local;
INSERT INTO stext SELECT * FROM stext_local;
ANALYZE;

------------------------------------------------------------------------------ helpers
CREATE SCHEMA citus_test;

-- everything the accessors of a pipeline state say, as one text
CREATE FUNCTION citus_test.pipeline_facts(p funnel.pipeline) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' | ', funnel.deal_count(p), funnel.won_count(p), funnel.lost_count(p),
        funnel.open_count(p), funnel.win_rate(p), funnel.avg_deal_size(p),
        funnel.deal_size_quantile(p, 0.5), funnel.deal_size_quantile(p, 0.9),
        funnel.avg_cycle_length(p), funnel.cycle_length_quantile(p, 0.5),
        funnel.open_value(p), funnel.weighted_value(p), funnel.sales_velocity(p))
$$;

-- everything the accessors of a journey say (times in stage as of a fixed moment)
CREATE FUNCTION citus_test.journey_facts(j funnel.journey) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' | ', funnel.event_count(j), funnel.path(j), funnel.outcome(j),
        funnel.furthest_stage(j), funnel.cycle_length(j),
        funnel.entries(j, 'proposal'::deal_stage), funnel.reached(j, 'negotiation'::deal_stage),
        funnel.time_in_stage(j, 'proposal'::deal_stage, timestamptz '2026-01-01 00:00+00'),
        md5(j::text))
$$;

-- everything a cohort summary says, its stage report included
CREATE FUNCTION citus_test.summary_facts(s funnel.summary) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' | ', funnel.entity_count(s), funnel.skipped_count(s), funnel.win_rate(s),
        funnel.cycle_length_quantile(s, 0.5),
        funnel.time_in_stage_quantile(s, 'proposal'::deal_stage, 0.5),
        funnel.conversion_rate(s, 'lead'::deal_stage, 'won'::deal_stage),
        (SELECT string_agg(r::text, ';' ORDER BY r.position) FROM funnel.stage_report(s) r))
$$;

-- everything a pipeline_as_of state says (the open pipeline by stage)
CREATE FUNCTION citus_test.as_of_facts(f funnel.pipeline_flow) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' | ', funnel.open_count(f), funnel.open_value(f), funnel.weighted_value(f),
        (SELECT string_agg(r::text, ';' ORDER BY r.position) FROM funnel.open_stages(f) r))
$$;

-- everything a pipeline_waterfall state says (the waterfall's rows)
CREATE FUNCTION citus_test.waterfall_facts(f funnel.pipeline_flow) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(r::text, ';' ORDER BY r.step) FROM funnel.waterfall(f) r
$$;

-- A query template names tables in braces, {deals}: the distributed table, or with
-- local => true its local copy (deals_local).
CREATE FUNCTION citus_test.expand(q text, local boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(q, '\{(\w+)\}', CASE WHEN local THEN '\1_local' ELSE '\1' END, 'g')
$$;

-- one line for an error: SQLSTATE and message, newlines folded
CREATE FUNCTION citus_test.oneline(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT left(regexp_replace(s, '\s*\n\s*', ' / ', 'g'), 600) $$;

-- same(name, template, plan, agg): the check's PASS/FAIL lines.
--   plan 'partial':  EXPLAIN of the distributed query runs aggregate agg as
--                    worker_partial_agg on the workers and coord_combine_agg on the coordinator;
--   plan 'pushdown': the workers run agg whole (grouped by the distribution column), the
--                    coordinator combines nothing;
--   plan NULL:       no plan check.
-- Then the result: the distributed query's rows (made with CREATE TEMP TABLE ... AS, so the
-- query runs at top level as a user's would) equal the local query's, compared as row texts
-- with EXCEPT ALL both ways.
CREATE FUNCTION citus_test.same(name text, template text, plan text DEFAULT NULL, agg text DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql AS $fn$
DECLARE
    dq text := citus_test.expand(template, false);
    lq text := citus_test.expand(template, true);
    plantext text := '';
    line text;
    nd bigint;
    nl bigint;
    ndiff bigint;
    exd text;
    exl text;
    st text;
    msg text;
BEGIN
    IF plan IS NOT NULL THEN
        BEGIN
            FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || dq LOOP
                plantext := plantext || line || E'\n';
            END LOOP;
            IF plan = 'partial' THEN
                IF plantext ~ ('worker_partial_agg\(''[^'']*\m' || agg || '\(') AND plantext ~ 'coord_combine_agg\(' THEN
                    RETURN NEXT format('PASS %s: plan (%s: worker_partial_agg, coord_combine_agg)', name, agg);
                ELSE
                    RETURN NEXT format('FAIL %s: plan: no worker_partial_agg(%s)/coord_combine_agg; the workers run: %s', name, agg,
                        citus_test.oneline(coalesce(substring(plantext FROM 'Query: ([^\n]*)'), plantext)));
                END IF;
            ELSE
                IF plantext !~ 'coord_combine_agg|worker_partial_agg' AND plantext ~ ('Query: [^\n]*\m' || agg || '\(') THEN
                    RETURN NEXT format('PASS %s: plan (%s whole on the workers)', name, agg);
                ELSE
                    RETURN NEXT format('FAIL %s: plan: %s is not run whole on the workers; the workers run: %s', name, agg,
                        citus_test.oneline(coalesce(substring(plantext FROM 'Query: ([^\n]*)'), plantext)));
                END IF;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            RETURN NEXT format('FAIL %s: plan: EXPLAIN failed: %s %s', name, st, citus_test.oneline(msg));
        END;
    END IF;

    DROP TABLE IF EXISTS pg_temp.citus_test_d, pg_temp.citus_test_l;
    BEGIN
        EXECUTE 'CREATE TEMP TABLE citus_test_d AS ' || dq;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN NEXT format('FAIL %s: result: ERROR %s: %s', name, st, citus_test.oneline(msg));
        RETURN;
    END;
    EXECUTE 'CREATE TEMP TABLE citus_test_l AS ' || lq;
    SELECT count(*) INTO nd FROM pg_temp.citus_test_d;
    SELECT count(*) INTO nl FROM pg_temp.citus_test_l;
    SELECT count(*) INTO ndiff FROM (
        (SELECT t::text FROM pg_temp.citus_test_d t EXCEPT ALL SELECT t::text FROM pg_temp.citus_test_l t)
        UNION ALL
        (SELECT t::text FROM pg_temp.citus_test_l t EXCEPT ALL SELECT t::text FROM pg_temp.citus_test_d t)) x;
    IF ndiff = 0 AND nd > 0 THEN
        RETURN NEXT format('PASS %s: result (%s rows equal to the local table''s)', name, nd);
    ELSE
        SELECT min(r) INTO exd FROM (SELECT t::text r FROM pg_temp.citus_test_d t EXCEPT ALL SELECT t::text FROM pg_temp.citus_test_l t) x;
        SELECT min(r) INTO exl FROM (SELECT t::text r FROM pg_temp.citus_test_l t EXCEPT ALL SELECT t::text FROM pg_temp.citus_test_d t) x;
        RETURN NEXT format('FAIL %s: result: %s rows differ (distributed %s rows, local %s); e.g. distributed %s, local %s',
            name, ndiff, nd, nl, left(coalesce(exd, '-'), 300), left(coalesce(exl, '-'), 300));
    END IF;
    DROP TABLE pg_temp.citus_test_d, pg_temp.citus_test_l;
END
$fn$;

-- ok(name, query): PASS when the query returns true
CREATE FUNCTION citus_test.ok(name text, q text, what text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    r boolean;
    st text;
    msg text;
BEGIN
    EXECUTE q INTO r;
    IF r THEN
        RETURN format('PASS %s', name);
    END IF;
    RETURN format('FAIL %s: %s', name, coalesce(what, 'returned ' || coalesce(r::text, 'NULL')));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN format('FAIL %s: ERROR %s: %s', name, st, citus_test.oneline(msg));
END
$fn$;

-- run(name, statement): PASS when the statement runs without error
CREATE FUNCTION citus_test.run(name text, q text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    st text;
    msg text;
BEGIN
    EXECUTE q;
    RETURN format('PASS %s', name);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN format('FAIL %s: ERROR %s: %s', name, st, citus_test.oneline(msg));
END
$fn$;

-- fails(name, statement, sqlstate, must, mustnot): PASS when the statement raises sqlstate
-- with a message (and detail) matching must and not matching mustnot
CREATE FUNCTION citus_test.fails(name text, q text, state text, must text, mustnot text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    st text;
    msg text;
    det text;
BEGIN
    EXECUTE q;
    RETURN format('FAIL %s: no error (expected %s)', name, state);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    msg := msg || coalesce(' / ' || det, '');
    IF st = state AND msg ~ must AND (mustnot IS NULL OR msg !~ mustnot) THEN
        RETURN format('PASS %s (%s: %s)', name, st, citus_test.oneline(msg));
    END IF;
    RETURN format('FAIL %s: ERROR %s: %s (expected %s matching /%s/%s)', name, st, citus_test.oneline(msg),
        state, must, coalesce(', not /' || mustnot || '/', ''));
END
$fn$;
