-- journey_differential.sql: funnel.journey's accessors, funnel.summary's
-- accessors and every funnel.stage_report column under the three policies,
-- against a plain-SQL reference written with window functions (lag, lead,
-- first_value, row_number over each entity's history ordered by (time, open
-- stages before outcomes, funnel position), repeats of the current stage removed), on seeded generated
-- histories: revisits, skipped stages, backward moves, ties in time, rows out
-- of time order, entities with one row, only lost outcomes, reopening, NULL
-- stages and times.  Ties in time sort open stages first (in funnel order), then
-- outcomes: an outcome's place in the enum does not matter.  Two funnels: the shipped sales funnel and one whose
-- outcomes sit between open stages (a lost stage between open stages, a won
-- stage not at the end).
-- Journeys and summaries are built serially (hashed and sorted grouping), with
-- parallel aggregation forced on, in two levels straight from the history, and
-- through funnel.rollup of per-month summaries (also after a text round trip).
-- Counts and conversion rates must be exactly equal; quantiles bit for bit
-- percentile_cont while at most 1024 values are involved, within 1% above, and
-- identical between one pass and rollup.
-- The output is counts of mismatches (all 0) plus a few coverage rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';

------------------------------------------------------------------------------
-- 1. Funnels and generated histories
------------------------------------------------------------------------------
-- visit (open 0), bounced (lost), signup (open 1), won_early (won), trial (open 2),
-- paid (won), churned (lost)
SELECT funnel.create_funnel('jd_odd', '{visit,bounced,signup,won_early,trial,paid,churned}',
                            won => '{won_early,paid}', lost => '{bounced,churned}');

-- stage metadata: position, outcome, rank among the open stages
CREATE TABLE jd_meta AS
SELECT typ, s.position, s.stage, s.outcome,
       CASE WHEN s.outcome = 'open'
            THEN count(*) FILTER (WHERE s.outcome = 'open') OVER (PARTITION BY typ ORDER BY s.position) - 1 END AS open_index,
       count(*) FILTER (WHERE s.outcome = 'open') OVER (PARTITION BY typ) AS n_open
FROM unnest(ARRAY['funnel.sales_stage', 'jd_odd']) typ, funnel.stages(typ::regtype) s;

CREATE TABLE jd_raw (typ text, e int, stage text, at timestamptz);
-- n entities e0 .. e0 + n - 1 of a funnel.  4% one row (any stage), 4% only lost
-- outcomes (one, a repeat, or a second lost stage), the others a walk from the first
-- open stage (or, 20%, any open stage) of 1 to 8 steps: forward, skip 1 or 2 stages,
-- back 1 or 2, repeat the current stage, won or lost (then stop or reopen at any open
-- stage).  Steps of 0 (a tie, 12%), backwards in time (3%: the row comes before the
-- previous one) or up to 20 days with microseconds.  2% extra rows with a NULL stage,
-- 2% of the rows with a NULL time.
CREATE FUNCTION pg_temp.gen(ftyp text, e0 int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    opens text[] := (SELECT array_agg(stage ORDER BY position) FROM jd_meta WHERE typ = ftyp AND outcome = 'open');
    wons text[] := (SELECT array_agg(stage ORDER BY position) FROM jd_meta WHERE typ = ftyp AND outcome = 'won');
    losts text[] := (SELECT array_agg(stage ORDER BY position) FROM jd_meta WHERE typ = ftyp AND outcome = 'lost');
    alls text[] := (SELECT array_agg(stage ORDER BY position) FROM jd_meta WHERE typ = ftyp);
    nopen int := array_length(opens, 1);
    e int; k int; cur int; st text; t timestamptz; r float8; closed bool;
BEGIN
    FOR e IN e0 .. e0 + n - 1 LOOP
        t := '2024-01-01'::timestamptz + random() * interval '365 days';
        r := random();
        IF r < 0.04 THEN
            INSERT INTO jd_raw VALUES (ftyp, e, alls[1 + floor(random() * array_length(alls, 1))::int], t);
            CONTINUE;
        ELSIF r < 0.08 THEN
            INSERT INTO jd_raw VALUES (ftyp, e, losts[1 + floor(random() * array_length(losts, 1))::int], t);
            IF random() < 0.5 THEN
                INSERT INTO jd_raw VALUES (ftyp, e, losts[1 + floor(random() * array_length(losts, 1))::int],
                                           t + random() * interval '3 days');
            END IF;
            CONTINUE;
        END IF;
        cur := CASE WHEN random() < 0.8 THEN 1 ELSE 1 + floor(random() * nopen)::int END;
        INSERT INTO jd_raw VALUES (ftyp, e, opens[cur], t);
        closed := false;
        FOR k IN 1 .. 1 + floor(random() * 8)::int LOOP
            r := random();
            t := t + CASE WHEN r < 0.12 THEN interval '0'
                          WHEN r < 0.15 THEN -random() * interval '2 days'
                          ELSE random() * interval '20 days' END;
            r := random();
            IF closed THEN
                EXIT WHEN r < 0.5;
                cur := 1 + floor(random() * nopen)::int;
                st := opens[cur];
                closed := false;
            ELSIF r < 0.45 THEN
                cur := least(cur + 1, nopen); st := opens[cur];
            ELSIF r < 0.57 THEN
                cur := least(cur + 2 + floor(random() * 2)::int, nopen); st := opens[cur];
            ELSIF r < 0.67 THEN
                cur := greatest(cur - 1 - floor(random() * 2)::int, 1); st := opens[cur];
            ELSIF r < 0.75 THEN
                st := opens[cur];
            ELSIF r < 0.87 THEN
                st := wons[1 + floor(random() * array_length(wons, 1))::int]; closed := true;
            ELSE
                st := losts[1 + floor(random() * array_length(losts, 1))::int]; closed := true;
            END IF;
            IF random() < 0.02 THEN
                INSERT INTO jd_raw VALUES (ftyp, e, NULL, t + interval '1 hour');
            END IF;
            INSERT INTO jd_raw VALUES (ftyp, e, st, CASE WHEN random() < 0.02 THEN NULL ELSE t END);
        END LOOP;
    END LOOP;
END
$$;
SELECT setseed(0.42);
SELECT pg_temp.gen('funnel.sales_stage', 1, 2000);
SELECT pg_temp.gen('jd_odd', 5001, 700);
-- a few entities whose only rows have a NULL stage or time: no journey
INSERT INTO jd_raw VALUES ('funnel.sales_stage', 3001, NULL, '2024-03-01'), ('funnel.sales_stage', 3001, 'lead', NULL),
                          ('jd_odd', 6001, NULL, '2024-05-01');
-- a month (2030-01) whose entities were all lost before any open stage: its
-- report has no top (every conversion NULL); and one whose only entity is open
INSERT INTO jd_raw VALUES ('funnel.sales_stage', 3101, 'closed_lost', '2030-01-03'),
                          ('funnel.sales_stage', 3102, 'closed_lost', '2030-01-05'),
                          ('funnel.sales_stage', 3102, 'closed_lost', '2030-01-06'),
                          ('jd_odd', 6101, 'bounced', '2030-01-04'), ('jd_odd', 6101, 'churned', '2030-01-04'),
                          ('funnel.sales_stage', 3103, 'qualified', '2030-02-01');
-- the history in random row order, so that parallel workers see parts of one entity
CREATE TABLE jd_hist AS SELECT * FROM jd_raw ORDER BY random();
ANALYZE jd_hist;

------------------------------------------------------------------------------
-- 2. The plain-SQL reference
------------------------------------------------------------------------------
-- events: sorted by (time, open stages before outcomes, funnel position), repeats
-- of the current stage removed, NULL stages and times skipped
CREATE TABLE jd_ev AS
WITH s AS (
    SELECT h.typ, h.e, h.stage, h.at, m.position, m.outcome, m.open_index,
           lag(h.stage) OVER (PARTITION BY h.typ, h.e ORDER BY h.at, m.outcome <> 'open', m.position) AS prev_stage
    FROM jd_hist h JOIN jd_meta m ON m.typ = h.typ AND m.stage = h.stage
    WHERE h.at IS NOT NULL)
SELECT typ, e, stage, at, position, outcome, open_index,
       row_number() OVER w AS rn,
       lead(at) OVER w AS next_at,
       first_value(at) OVER w AS first_at,
       lag(open_index) OVER w AS prev_open_index,
       lag(outcome) OVER w AS prev_outcome
FROM s
WHERE prev_stage IS DISTINCT FROM stage
WINDOW w AS (PARTITION BY typ, e ORDER BY at, outcome <> 'open', position);

-- per entity: events, path, final outcome, furthest open stage, first outcome, strict
-- prefix (open stages 0 .. P-1 all entered)
CREATE TABLE jd_ref_e AS
SELECT x.*,
       coalesce((SELECT min(m.open_index) FROM jd_meta m
                 WHERE m.typ = x.typ AND m.open_index IS NOT NULL AND NOT (m.open_index = ANY (x.opens))),
                (SELECT max(n_open) FROM jd_meta m WHERE m.typ = x.typ)) AS strict_prefix
FROM (SELECT typ, e, count(*) AS event_count,
             array_agg(stage ORDER BY rn) AS path,
             -- won and lost end a journey: an open stage entered after an outcome reopens
             -- it only where the funnel allows reopening (neither funnel here does)
             CASE WHEN (array_agg(outcome ORDER BY rn DESC))[1] = 'open'
                       AND NOT (SELECT f.allow_reopen FROM funnel.funnels f WHERE f.stage_type = typ::regtype)
                  THEN coalesce((array_agg(outcome ORDER BY rn DESC) FILTER (WHERE outcome <> 'open'))[1], 'open')
                  ELSE (array_agg(outcome ORDER BY rn DESC))[1] END AS outcome,
             coalesce(max(open_index), -1) AS furthest_open,
             (array_agg(stage ORDER BY open_index DESC) FILTER (WHERE open_index IS NOT NULL))[1] AS furthest_stage,
             min(at) FILTER (WHERE outcome <> 'open') - min(first_at) AS cycle_length,
             coalesce(array_agg(DISTINCT open_index) FILTER (WHERE open_index IS NOT NULL), '{}') AS opens,
             -- coverage: a stage visited twice, a backward move, a tie in time, reopened
             count(*) > count(DISTINCT stage) AS revisit,
             coalesce(bool_or(open_index < prev_open_index), false) AS backward,
             coalesce(bool_or(next_at = at), false) AS tie,
             coalesce(bool_or(prev_outcome <> 'open' AND outcome = 'open'), false) AS reopened
      FROM jd_ev GROUP BY typ, e) x;

-- as_of values per entity (from the raw history): after everything; 2 days before the
-- last row (cuts visits still going on then, and leaves out the ones begun later); a
-- fixed day of the year
CREATE TABLE jd_asof AS
SELECT typ, e, last + interval '1 day 3 hours 0.5 seconds' AS a1, last - interval '2 days' AS a2,
       '2024-07-01 12:00'::timestamptz AS a3
FROM (SELECT typ, e, max(at) FILTER (WHERE stage IS NOT NULL) AS last FROM jd_hist GROUP BY typ, e) x
WHERE last IS NOT NULL;

-- per entity and stage: reached (linear; outcomes: entered), entered, entries, first
-- entry, end of the first visit, time in stage up to as_of: every visit counts
-- max(0, min(its end, as_of) - its start) (the current stay ends at as_of), summed
-- over all visits, and for the last visit begun at or before as_of (NULL if none)
CREATE TABLE jd_ref_es AS
SELECT x.typ, x.e, m.stage,
       CASE WHEN m.outcome = 'open' THEN x.furthest_open >= m.open_index ELSE count(v.stage) > 0 END AS reached,
       count(v.stage) > 0 AS entered,
       count(v.stage)::int AS entries,
       min(v.at) AS entered_at,
       (array_agg(v.next_at ORDER BY v.rn))[1] AS exited_at,
       sum(greatest(least(coalesce(v.next_at, a.a1), a.a1) - v.at, interval '0')) FILTER (WHERE v.stage IS NOT NULL) AS tis1,
       (array_agg(greatest(least(coalesce(v.next_at, a.a1), a.a1) - v.at, interval '0') ORDER BY v.rn DESC)
          FILTER (WHERE v.stage IS NOT NULL AND v.at <= a.a1))[1] AS latest1,
       sum(greatest(least(coalesce(v.next_at, a.a2), a.a2) - v.at, interval '0')) FILTER (WHERE v.stage IS NOT NULL) AS tis2,
       (array_agg(greatest(least(coalesce(v.next_at, a.a2), a.a2) - v.at, interval '0') ORDER BY v.rn DESC)
          FILTER (WHERE v.stage IS NOT NULL AND v.at <= a.a2))[1] AS latest2,
       sum(greatest(least(coalesce(v.next_at, a.a3), a.a3) - v.at, interval '0')) FILTER (WHERE v.stage IS NOT NULL) AS tis3,
       (array_agg(greatest(least(coalesce(v.next_at, a.a3), a.a3) - v.at, interval '0') ORDER BY v.rn DESC)
          FILTER (WHERE v.stage IS NOT NULL AND v.at <= a.a3))[1] AS latest3
FROM jd_ref_e x JOIN jd_asof a USING (typ, e) JOIN jd_meta m ON m.typ = x.typ
     LEFT JOIN jd_ev v ON v.typ = x.typ AND v.e = x.e AND v.stage = m.stage
GROUP BY x.typ, x.e, m.stage, m.outcome, m.open_index, x.furthest_open;

-- stage_at probes: every event time, 1 microsecond before it, a day before the first
-- and after the last
CREATE TABLE jd_ts AS
SELECT DISTINCT typ, e, ts
FROM (SELECT typ, e, at AS ts FROM jd_ev
      UNION ALL SELECT typ, e, at - interval '1 microsecond' FROM jd_ev
      UNION ALL SELECT typ, e, first_at - interval '1 day' FROM jd_ev WHERE rn = 1
      UNION ALL SELECT typ, e, at + interval '1 day' FROM jd_ev) t;
CREATE TABLE jd_ref_at AS
SELECT DISTINCT ON (c.typ, c.e, c.ts) c.typ, c.e, c.ts, v.stage
FROM jd_ts c LEFT JOIN jd_ev v ON v.typ = c.typ AND v.e = c.e AND v.at <= c.ts
ORDER BY c.typ, c.e, c.ts, v.rn DESC NULLS LAST;

-- cohorts: every entity is in 'all' and in the month of its first event (as
-- jd_month_sum below groups them); the reference is computed per cohort
CREATE TABLE jd_cohort AS
SELECT typ, e, 'all' AS cohort FROM jd_ref_e
UNION ALL
SELECT typ, e, to_char(min(at), 'YYYY-MM') FROM jd_ev GROUP BY typ, e;

-- completed visits (every event but an entity's last) and cycle lengths, and their
-- quantiles (percentile_cont)
CREATE TABLE jd_visit AS
SELECT typ, c.cohort, stage, next_at - at AS d FROM jd_ev JOIN jd_cohort c USING (typ, e) WHERE next_at IS NOT NULL;
CREATE TABLE jd_cycle AS
SELECT typ, c.cohort, cycle_length AS d FROM jd_ref_e JOIN jd_cohort c USING (typ, e) WHERE cycle_length IS NOT NULL;
CREATE TABLE jd_ref_quantile AS
SELECT typ, cohort, stage, p, q, n
FROM (SELECT typ, cohort, stage, count(*) AS n,
             percentile_cont('{0,0.1,0.25,0.5,0.75,0.9,1}'::float8[]) WITHIN GROUP (ORDER BY d) AS qs
      FROM jd_visit GROUP BY typ, cohort, stage
      UNION ALL
      SELECT typ, cohort, NULL, count(*), percentile_cont('{0,0.1,0.25,0.5,0.75,0.9,1}'::float8[]) WITHIN GROUP (ORDER BY d)
      FROM jd_cycle GROUP BY typ, cohort) x,
     unnest('{0,0.1,0.25,0.5,0.75,0.9,1}'::float8[], qs) u(p, q);

-- the report per funnel, cohort, policy and stage
CREATE TABLE jd_ref_report AS
WITH es AS (
    SELECT x.typ, c.cohort, x.e, m.position, m.stage, m.outcome, m.open_index, m.n_open, x.furthest_open, x.strict_prefix,
           x.outcome = 'won' AS won, r.entered, coalesce(rn.entered, false) AS entered_next,
           x.outcome = 'open' AS still_open, x.path[cardinality(x.path)] = m.stage AS is_current
    FROM jd_ref_e x JOIN jd_cohort c ON (c.typ, c.e) = (x.typ, x.e) JOIN jd_meta m ON m.typ = x.typ
         JOIN jd_ref_es r ON (r.typ, r.e, r.stage) = (x.typ, x.e, m.stage)
         LEFT JOIN jd_meta mn ON mn.typ = m.typ AND mn.open_index = m.open_index + 1
         LEFT JOIN jd_ref_es rn ON (rn.typ, rn.e, rn.stage) = (x.typ, x.e, mn.stage)),
flags AS (
    SELECT es.*, pol,
           CASE WHEN outcome <> 'open' THEN entered
                WHEN pol = 'linear' THEN furthest_open >= open_index
                WHEN pol = 'entered' THEN entered
                ELSE strict_prefix > open_index END AS counted,
           CASE WHEN outcome <> 'open' THEN NULL
                WHEN pol = 'linear' THEN furthest_open = open_index AND NOT won
                WHEN pol = 'entered' THEN entered AND NOT CASE WHEN open_index = n_open - 1 THEN won ELSE entered_next END
                ELSE strict_prefix - 1 = open_index AND NOT (open_index = n_open - 1 AND won) END AS dropped
    FROM es, unnest('{linear,entered,strict}'::text[]) pol),
-- of the entities counted as not converting at a stage, the ones whose journey is still
-- open are in progress (under 'entered': at the stage they are in now), not dropped
flags2 AS (
    SELECT flags.*,
           CASE WHEN outcome <> 'open' THEN NULL
                WHEN pol = 'entered' THEN dropped AND still_open AND is_current
                ELSE dropped AND still_open END AS in_prog
    FROM flags),
counts AS (
    SELECT typ, cohort, pol, position, stage, outcome, open_index,
           count(*) FILTER (WHERE counted) AS reached, count(*) FILTER (WHERE entered) AS entered,
           CASE WHEN outcome = 'open' THEN count(*) FILTER (WHERE dropped AND NOT in_prog) END AS drop_off,
           CASE WHEN outcome = 'open' THEN count(*) FILTER (WHERE in_prog) END AS in_progress
    FROM flags2 GROUP BY typ, cohort, pol, position, stage, outcome, open_index)
SELECT c.typ, c.cohort, pol, position, c.stage, reached, entered,
       CASE WHEN outcome = 'open'
            THEN reached::float8 / nullif(lag(reached) OVER (PARTITION BY c.typ, c.cohort, pol, outcome = 'open' ORDER BY position), 0)::float8 END
           AS conversion_from_previous,
       reached::float8 / nullif(max(reached) FILTER (WHERE open_index = 0) OVER (PARTITION BY c.typ, c.cohort, pol), 0)::float8 AS conversion_from_top,
       drop_off, in_progress,
       q.q AS median_time_in_stage,
       coalesce(q.n, 0) AS visits
FROM counts c LEFT JOIN jd_ref_quantile q ON (q.typ, q.cohort, q.stage, q.p) = (c.typ, c.cohort, c.stage, 0.5);

------------------------------------------------------------------------------
-- 3. Journeys: serial (hashed, sorted), parallel
------------------------------------------------------------------------------
-- the history per funnel with the stage as the funnel's type, in random row order;
-- grp: 16 cohorts of entities
CREATE TABLE jd_h_sales AS
SELECT e, e % 16 AS grp, stage::funnel.sales_stage AS stage, at FROM jd_hist WHERE typ = 'funnel.sales_stage';
CREATE TABLE jd_h_odd AS
SELECT e, e % 16 AS grp, stage::jd_odd AS stage, at FROM jd_hist WHERE typ = 'jd_odd';
ANALYZE jd_h_sales;
ANALYZE jd_h_odd;
CREATE VIEW jd_journeys AS
SELECT 'funnel.sales_stage' AS typ, e, funnel.journey(stage, at) AS j FROM jd_h_sales GROUP BY e
UNION ALL
SELECT 'jd_odd', e, funnel.journey(stage, at) FROM jd_h_odd GROUP BY e;
-- one journey per cohort of entities (hundreds of events, many ties and repeats):
-- few groups, so the workers aggregate partial journeys that the leader combines
CREATE VIEW jd_cohort_journeys AS
SELECT 'funnel.sales_stage' AS typ, grp, funnel.journey(stage, at) AS j FROM jd_h_sales GROUP BY grp
UNION ALL
SELECT 'jd_odd', grp, funnel.journey(stage, at) FROM jd_h_odd GROUP BY grp;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE jd_j AS SELECT * FROM jd_journeys;
CREATE TABLE jd_cj AS SELECT * FROM jd_cohort_journeys;
SET enable_hashagg = off;
CREATE TABLE jd_j_sorted AS SELECT * FROM jd_journeys;
CREATE TABLE jd_cj_sorted AS SELECT * FROM jd_cohort_journeys;
RESET enable_hashagg;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- the workers do all the partial aggregation
-- the plan's aggregation and parallel nodes, from EXPLAIN (COSTS OFF) (hashed or
-- sorted: the planner's choice, so both read "Aggregate"; Gather Merge reads "Gather")
CREATE FUNCTION pg_temp.plan_nodes(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        line := btrim(regexp_replace(line, '^\s*(->\s*)?', ''));
        IF line ~ '(Aggregate|Gather|Parallel|Append)' THEN
            line := regexp_replace(line, '\s+on\s+\S+$', '');
            line := regexp_replace(line, '(Hash|Group|Mixed)Aggregate', 'Aggregate');
            RETURN NEXT regexp_replace(line, 'Gather Merge', 'Gather');
        END IF;
    END LOOP;
END
$$;
-- per entity (about 4 rows a group) the planner gathers the rows of parallel scans
-- and aggregates in the leader; per cohort, partial journeys in the workers, combined
SELECT pg_temp.plan_nodes('SELECT * FROM jd_journeys');
SELECT pg_temp.plan_nodes('SELECT * FROM jd_cohort_journeys');
CREATE TABLE jd_j_par AS SELECT * FROM jd_journeys;
CREATE TABLE jd_cj_par AS SELECT * FROM jd_cohort_journeys;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- the same journeys every way (the text form is canonical)
SELECT count(*) AS journeys,
       count(*) FILTER (WHERE s.j IS NULL) AS null_journeys,
       count(*) FILTER (WHERE s.j::text IS DISTINCT FROM p.j::text) AS parallel_mismatches,
       count(*) FILTER (WHERE s.j::text IS DISTINCT FROM o.j::text) AS sorted_mismatches
FROM jd_j s JOIN jd_j_par p USING (typ, e) JOIN jd_j_sorted o USING (typ, e);
-- cohort journeys: the same every way, and their path and events are the reference's
-- (all rows of the cohort sorted by (time, open stages before outcomes, funnel
-- position), repeats removed)
WITH ev AS (
    SELECT typ, grp, stage, lag(stage) OVER w AS prev, row_number() OVER w AS rn
    FROM (SELECT h.typ, h.e % 16 AS grp, h.stage, h.at, m.position, m.outcome
          FROM jd_hist h JOIN jd_meta m ON m.typ = h.typ AND m.stage = h.stage WHERE h.at IS NOT NULL) x
    WINDOW w AS (PARTITION BY typ, grp ORDER BY at, outcome <> 'open', position)),
ref AS (SELECT typ, grp, array_agg(stage ORDER BY rn) AS path FROM ev WHERE prev IS DISTINCT FROM stage GROUP BY typ, grp)
SELECT count(*) AS cohorts, min(funnel.event_count(s.j)) AS min_events,
       count(*) FILTER (WHERE s.j::text IS DISTINCT FROM p.j::text) AS parallel_mismatches,
       count(*) FILTER (WHERE s.j::text IS DISTINCT FROM o.j::text) AS sorted_mismatches,
       count(*) FILTER (WHERE funnel.path(s.j) IS DISTINCT FROM ref.path) AS path_mismatches,
       count(*) FILTER (WHERE funnel.event_count(s.j) IS DISTINCT FROM cardinality(ref.path)) AS event_count_mismatches
FROM jd_cj s JOIN jd_cj_par p USING (typ, grp) JOIN jd_cj_sorted o USING (typ, grp) FULL JOIN ref USING (typ, grp);

------------------------------------------------------------------------------
-- 4. Journey accessors against the reference
------------------------------------------------------------------------------
-- the whole-journey accessors (entities without a journey have no reference row)
SELECT count(*) AS entities,
       count(*) FILTER (WHERE funnel.event_count(j) IS DISTINCT FROM r.event_count::int) AS event_count,
       count(*) FILTER (WHERE funnel.path(j) IS DISTINCT FROM r.path) AS path,
       count(*) FILTER (WHERE funnel.outcome(j) IS DISTINCT FROM r.outcome) AS outcome,
       count(*) FILTER (WHERE funnel.furthest_stage(j) IS DISTINCT FROM r.furthest_stage) AS furthest_stage,
       count(*) FILTER (WHERE funnel.cycle_length(j) IS DISTINCT FROM r.cycle_length) AS cycle_length
FROM jd_j FULL JOIN jd_ref_e r USING (typ, e)
WHERE j IS NOT NULL OR r.e IS NOT NULL;

-- stage_at at every probe
SELECT count(*) AS probes,
       count(*) FILTER (WHERE funnel.stage_at(j, ts) IS DISTINCT FROM r.stage) AS stage_at
FROM jd_ref_at r JOIN jd_j USING (typ, e);

-- the per-stage accessors (the stage argument needs the funnel's type)
CREATE TABLE jd_our_es (typ text, e int, stage text, reached bool, entered bool, entries int,
                        entered_at timestamptz, exited_at timestamptz,
                        tis1 interval, latest1 interval, tis2 interval, latest2 interval, tis3 interval, latest3 interval);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['funnel.sales_stage', 'jd_odd'] LOOP
        EXECUTE format($q$
            INSERT INTO jd_our_es
            SELECT typ, e, s::text, funnel.reached(j, s), funnel.entered(j, s), funnel.entries(j, s),
                   funnel.entered_at(j, s), funnel.exited_at(j, s),
                   funnel.time_in_stage(j, s, a1), funnel.latest_time_in_stage(j, s, a1),
                   funnel.time_in_stage(j, s, a2), funnel.latest_time_in_stage(j, s, a2),
                   funnel.time_in_stage(j, s, a3), funnel.latest_time_in_stage(j, s, a3)
            FROM jd_j JOIN jd_asof USING (typ, e), unnest(enum_range(NULL::%s)) s
            WHERE typ = %L AND j IS NOT NULL$q$, t, t);
    END LOOP;
END
$$;
SELECT count(*) AS entity_stages,
       count(*) FILTER (WHERE o.reached IS DISTINCT FROM r.reached) AS reached,
       count(*) FILTER (WHERE o.entered IS DISTINCT FROM r.entered) AS entered,
       count(*) FILTER (WHERE o.entries IS DISTINCT FROM r.entries) AS entries,
       count(*) FILTER (WHERE o.entered_at IS DISTINCT FROM r.entered_at) AS entered_at,
       count(*) FILTER (WHERE o.exited_at IS DISTINCT FROM r.exited_at) AS exited_at,
       count(*) FILTER (WHERE o.tis1 IS DISTINCT FROM r.tis1 OR o.tis2 IS DISTINCT FROM r.tis2
                              OR o.tis3 IS DISTINCT FROM r.tis3) AS time_in_stage,
       count(*) FILTER (WHERE o.latest1 IS DISTINCT FROM r.latest1 OR o.latest2 IS DISTINCT FROM r.latest2
                              OR o.latest3 IS DISTINCT FROM r.latest3) AS latest_time_in_stage
FROM jd_our_es o FULL JOIN jd_ref_es r USING (typ, e, stage);

------------------------------------------------------------------------------
-- 5. Summaries and reports: one pass (serial, parallel, two levels from the
--    history), rollup of per-month summaries (serial, parallel, after text)
------------------------------------------------------------------------------
CREATE TABLE jd_sum (way text, typ text, s funnel.summary);
INSERT INTO jd_sum SELECT 'one pass', typ, funnel.summary(j) FROM jd_j GROUP BY typ;
CREATE TABLE jd_month_sum AS
SELECT typ, m.month, funnel.summary(j) AS s
FROM jd_j JOIN (SELECT typ, e, date_trunc('month', min(at) FILTER (WHERE stage IS NOT NULL AND at IS NOT NULL)) AS month
                FROM jd_hist GROUP BY typ, e) m USING (typ, e)
GROUP BY typ, m.month;
ANALYZE jd_month_sum;
-- two workers whatever the table's size in pages (its summaries are TOASTed)
ALTER TABLE jd_month_sum SET (parallel_workers = 2);
ANALYZE jd_j_par;
INSERT INTO jd_sum SELECT 'rollup', typ, funnel.rollup(s ORDER BY month DESC) FROM jd_month_sum GROUP BY typ;
INSERT INTO jd_sum SELECT 'rollup of text', typ, funnel.rollup(s::text::funnel.summary) FROM jd_month_sum GROUP BY typ;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- summary over stored journeys: partial summaries in the workers, combined
SELECT pg_temp.plan_nodes('SELECT typ, funnel.summary(j) FROM jd_j_par GROUP BY typ');
INSERT INTO jd_sum SELECT 'parallel', typ, funnel.summary(j) FROM jd_j_par GROUP BY typ;
-- two levels from the history: journeys from parallel scans, summarized in the leader
SELECT pg_temp.plan_nodes('SELECT typ, funnel.summary(j) FROM jd_journeys GROUP BY typ');
INSERT INTO jd_sum SELECT 'parallel two levels', typ, funnel.summary(j) FROM jd_journeys GROUP BY typ;
-- rollup of the months: partial rollups in the workers
SELECT pg_temp.plan_nodes('SELECT typ, funnel.rollup(s) FROM jd_month_sum GROUP BY typ');
INSERT INTO jd_sum SELECT 'parallel rollup', typ, funnel.rollup(s) FROM jd_month_sum GROUP BY typ;
RESET parallel_leader_participation;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- the reports of every way, with the reference
CREATE TABLE jd_report AS
SELECT way, typ, pol, r.*
FROM jd_sum, unnest('{linear,entered,strict}'::text[]) pol, funnel.stage_report(s, pol) r;

-- every column against the reference; medians exact up to 1024 completed visits,
-- within 1% above
SELECT way, count(*) AS report_rows,
       count(*) FILTER (WHERE o.reached IS DISTINCT FROM r.reached) AS reached,
       count(*) FILTER (WHERE o.entered IS DISTINCT FROM r.entered) AS entered,
       count(*) FILTER (WHERE o.conversion_from_previous IS DISTINCT FROM r.conversion_from_previous) AS conv_previous,
       count(*) FILTER (WHERE o.conversion_from_top IS DISTINCT FROM r.conversion_from_top) AS conv_top,
       count(*) FILTER (WHERE o.drop_off IS DISTINCT FROM r.drop_off) AS drop_off,
       count(*) FILTER (WHERE o.in_progress IS DISTINCT FROM r.in_progress) AS in_progress,
       count(*) FILTER (WHERE o.position IS DISTINCT FROM r.position) AS position,
       count(*) FILTER (WHERE CASE WHEN r.visits <= 1024 THEN o.median_time_in_stage IS DISTINCT FROM r.median_time_in_stage
                                   WHEN r.median_time_in_stage = interval '0' THEN o.median_time_in_stage <> interval '0'
                                   ELSE abs(extract(epoch FROM o.median_time_in_stage) / extract(epoch FROM r.median_time_in_stage) - 1) > 0.01
                              END) AS median
FROM jd_report o FULL JOIN (SELECT * FROM jd_ref_report WHERE cohort = 'all') r USING (typ, pol, stage)
GROUP BY way ORDER BY way;

-- the report of every month's summary (small groups; 2030-01 has no top: every
-- entity lost before any open stage) against the reference of that month
CREATE TABLE jd_month_report AS
SELECT typ, to_char(month, 'YYYY-MM') AS cohort, pol, r.*
FROM jd_month_sum, unnest('{linear,entered,strict}'::text[]) pol, funnel.stage_report(s, pol) r;
SELECT count(DISTINCT (typ, cohort)) AS month_groups, count(*) AS report_rows,
       count(*) FILTER (WHERE o.reached IS DISTINCT FROM r.reached OR o.entered IS DISTINCT FROM r.entered
                              OR o.drop_off IS DISTINCT FROM r.drop_off OR o.in_progress IS DISTINCT FROM r.in_progress
                              OR o.position IS DISTINCT FROM r.position) AS counts,
       count(*) FILTER (WHERE o.conversion_from_previous IS DISTINCT FROM r.conversion_from_previous
                              OR o.conversion_from_top IS DISTINCT FROM r.conversion_from_top) AS conversions,
       count(*) FILTER (WHERE CASE WHEN r.visits <= 1024 THEN o.median_time_in_stage IS DISTINCT FROM r.median_time_in_stage
                                   ELSE abs(extract(epoch FROM o.median_time_in_stage) / extract(epoch FROM r.median_time_in_stage) - 1) > 0.01
                              END) AS median,
       count(DISTINCT (typ, cohort, pol)) FILTER (WHERE r.position = 1 AND r.conversion_from_top IS NULL) AS reports_without_top
FROM jd_month_report o FULL JOIN (SELECT * FROM jd_ref_report WHERE cohort <> 'all') r
     USING (typ, cohort, pol, stage);
SELECT typ, cohort, pol, stage, reached, entered, conversion_from_top, drop_off
FROM jd_month_report WHERE cohort = '2030-01' AND pol = 'linear' ORDER BY typ, position;

-- medians identical between every way (sketch mode included) and one pass
SELECT o.way, count(*) AS rows, count(*) FILTER (WHERE o.median_time_in_stage IS DISTINCT FROM b.median_time_in_stage) AS median_differs
FROM jd_report o JOIN jd_report b ON b.way = 'one pass' AND (b.typ, b.pol, b.stage) = (o.typ, o.pol, o.stage)
WHERE o.way <> 'one pass'
GROUP BY o.way ORDER BY o.way;

-- entities, win rate, cycle length quantiles, time in stage quantiles, conversion rates
-- between every pair of stages
CREATE TABLE jd_our_q (way text, typ text, what text, a text, b text, p float8, v interval, f float8);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['funnel.sales_stage', 'jd_odd'] LOOP
        EXECUTE format($q$
            INSERT INTO jd_our_q
            SELECT way, typ, 'time_in_stage', a::text, NULL, p, funnel.time_in_stage_quantile(s, a, p), NULL
            FROM jd_sum, unnest(enum_range(NULL::%1$s)) a, unnest('{0,0.1,0.5,0.9,1}'::float8[]) p WHERE typ = %2$L
            UNION ALL
            SELECT way, typ, 'conversion_rate', a::text, b::text, NULL, NULL, funnel.conversion_rate(s, a, b)
            FROM jd_sum, unnest(enum_range(NULL::%1$s)) a, unnest(enum_range(NULL::%1$s)) b WHERE typ = %2$L$q$, t, t);
    END LOOP;
END
$$;
INSERT INTO jd_our_q
SELECT way, typ, 'cycle_length', NULL, NULL, p, funnel.cycle_length_quantile(s, p), NULL
FROM jd_sum, unnest('{0,0.1,0.25,0.5,0.75,0.9,1}'::float8[]) p;
INSERT INTO jd_our_q SELECT way, typ, 'entity_count', NULL, NULL, NULL, NULL, funnel.entity_count(s) FROM jd_sum;
INSERT INTO jd_our_q SELECT way, typ, 'win_rate', NULL, NULL, NULL, NULL, funnel.win_rate(s) FROM jd_sum;

CREATE TABLE jd_ref_q AS
SELECT m.typ, 'time_in_stage' AS what, m.stage AS a, NULL::text AS b, pp.p, q.q AS v, NULL::float8 AS f, coalesce(q.n, 0) AS n
FROM jd_meta m CROSS JOIN unnest('{0,0.1,0.5,0.9,1}'::float8[]) pp(p)
     LEFT JOIN jd_ref_quantile q ON (q.typ, q.cohort, q.stage, q.p) = (m.typ, 'all', m.stage, pp.p)
UNION ALL
SELECT typ, 'cycle_length', NULL, NULL, p, q, NULL, n
FROM jd_ref_quantile WHERE stage IS NULL AND cohort = 'all'
UNION ALL
SELECT ra.typ, 'conversion_rate', ra.stage, rb.stage, NULL, NULL,
       rb.reached::float8 / nullif(ra.reached, 0)::float8, NULL
FROM jd_ref_report ra JOIN jd_ref_report rb ON (rb.typ, rb.cohort) = (ra.typ, ra.cohort) AND rb.pol = 'linear'
WHERE ra.pol = 'linear' AND ra.cohort = 'all'
UNION ALL
SELECT typ, 'entity_count', NULL, NULL, NULL, NULL, count(*), NULL FROM jd_ref_e GROUP BY typ
UNION ALL
SELECT typ, 'win_rate', NULL, NULL, NULL, NULL,
       count(*) FILTER (WHERE outcome = 'won')::float8 / nullif(count(*) FILTER (WHERE outcome <> 'open'), 0)::float8, NULL
FROM jd_ref_e GROUP BY typ;

-- quantiles: exact up to 1024 values; above, p 0 and 1 exact (min, max), others within 1%
SELECT o.way, o.what, count(*) AS figures,
       count(*) FILTER (WHERE CASE WHEN r.n IS NULL THEN o.f IS DISTINCT FROM r.f
                                   WHEN r.n <= 1024 OR r.p IN (0, 1) THEN o.v IS DISTINCT FROM r.v
                                   WHEN r.v = interval '0' THEN o.v <> interval '0'
                                   ELSE abs(extract(epoch FROM o.v) / extract(epoch FROM r.v) - 1) > 0.01 END) AS mismatches,
       count(*) FILTER (WHERE r.n > 1024) AS sketch_mode
FROM jd_our_q o FULL JOIN jd_ref_q r
     ON (r.typ, r.what) = (o.typ, o.what) AND r.a IS NOT DISTINCT FROM o.a AND r.b IS NOT DISTINCT FROM o.b
        AND r.p IS NOT DISTINCT FROM o.p
GROUP BY o.way, o.what ORDER BY o.way, o.what;
-- quantiles identical between every way and one pass
SELECT o.way, count(*) FILTER (WHERE o.v IS DISTINCT FROM b.v OR o.f IS DISTINCT FROM b.f) AS differs_from_one_pass
FROM jd_our_q o JOIN jd_our_q b ON b.way = 'one pass' AND (b.typ, b.what) = (o.typ, o.what)
     AND b.a IS NOT DISTINCT FROM o.a AND b.b IS NOT DISTINCT FROM o.b AND b.p IS NOT DISTINCT FROM o.p
WHERE o.way <> 'one pass'
GROUP BY o.way ORDER BY o.way;

------------------------------------------------------------------------------
-- 6. Coverage and a few figures
------------------------------------------------------------------------------
-- what the histories hold, per funnel
SELECT typ, count(*) AS entities,
       count(*) FILTER (WHERE event_count = 1) AS one_event,
       count(*) FILTER (WHERE furthest_open = -1) AS only_outcomes,
       count(*) FILTER (WHERE revisit) AS revisits,
       count(*) FILTER (WHERE strict_prefix <= furthest_open) AS skips,
       count(*) FILTER (WHERE backward) AS backward,
       count(*) FILTER (WHERE tie) AS ties,
       count(*) FILTER (WHERE reopened) AS reopened,
       count(*) FILTER (WHERE outcome = 'won') AS won, count(*) FILTER (WHERE outcome = 'lost') AS lost
FROM jd_ref_e GROUP BY typ ORDER BY typ;
SELECT count(*) AS rows, count(*) FILTER (WHERE stage IS NULL) AS null_stage, count(*) FILTER (WHERE at IS NULL) AS null_time
FROM jd_hist;
-- visits as_of cuts (completed after it, begun before it) and visits begun after it
SELECT count(*) FILTER (WHERE v.at < a.a2 AND v.next_at > a.a2) AS cut_by_a2,
       count(*) FILTER (WHERE v.at > a.a2) AS after_a2,
       count(*) FILTER (WHERE v.at < a.a3 AND v.next_at > a.a3) AS cut_by_a3,
       count(*) FILTER (WHERE v.at > a.a3) AS after_a3
FROM jd_ev v JOIN jd_asof a USING (typ, e);
-- stages with more than 1024 completed visits (sketch mode)
SELECT typ, stage, visits FROM jd_ref_report WHERE cohort = 'all' AND pol = 'linear' AND visits > 1024 ORDER BY typ, stage;
-- the one-pass linear report of the odd funnel
SELECT position, stage, reached, entered, round(conversion_from_previous::numeric, 4) AS conv_previous,
       round(conversion_from_top::numeric, 4) AS conv_top, drop_off, median_time_in_stage
FROM jd_report WHERE way = 'one pass' AND typ = 'jd_odd' AND pol = 'linear' ORDER BY position;

DROP VIEW jd_journeys, jd_cohort_journeys;
DROP TABLE jd_raw, jd_hist, jd_h_sales, jd_h_odd, jd_cj, jd_cj_sorted, jd_cj_par, jd_meta, jd_ev, jd_ref_e, jd_asof, jd_ref_es, jd_ts, jd_ref_at, jd_cohort, jd_visit, jd_cycle, jd_ref_quantile,
           jd_ref_report, jd_j, jd_j_sorted, jd_j_par, jd_our_es, jd_sum, jd_month_sum, jd_report, jd_month_report,
           jd_our_q, jd_ref_q;
SELECT funnel.drop_funnel('jd_odd');
