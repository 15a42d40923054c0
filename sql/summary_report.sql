-- summary_report.sql: funnel.summary, funnel.rollup(summary), the summary
-- accessors and funnel.stage_report under the three policies, on small cohorts
-- with every figure worked out by hand in the comments: the shipped sales funnel,
-- a funnel whose outcomes sit between open stages (a lost stage between open
-- stages, a won stage not at the end), and a funnel whose first stage in enum
-- order is an outcome.  Then rollup, the summary's text and binary forms (round
-- trips, 22P02 / 22P03 validation) and the errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';

-- Runs a statement: 'ok' or 'SQLSTATE: message'.
\i sql/_helpers.sql

------------------------------------------------------------------------------
-- 1. The sales cohort (funnel.sales_stage: open stages lead 0, qualified 1,
--    proposal 2, negotiation 3; closed_won won; closed_lost lost).
--    Day d is 2024-01-d.
------------------------------------------------------------------------------
CREATE TABLE sr_hist (e int, stage funnel.sales_stage, day int);
INSERT INTO sr_hist VALUES
    -- e1 lead 1, qualified 3, proposal 8, won 20 (negotiation skipped)
    (1, 'lead', 1), (1, 'qualified', 3), (1, 'proposal', 8), (1, 'closed_won', 20),
    -- e2 lead 2, qualified 4, lost 10
    (2, 'lead', 2), (2, 'qualified', 4), (2, 'closed_lost', 10),
    -- e3 lead 2, proposal 5 (qualified skipped), negotiation 9, won 15
    (3, 'lead', 2), (3, 'proposal', 5), (3, 'negotiation', 9), (3, 'closed_won', 15),
    -- e4 lead 5, lost 6
    (4, 'lead', 5), (4, 'closed_lost', 6),
    -- e5 lead 6, qualified 7 (open)
    (5, 'lead', 6), (5, 'qualified', 7),
    -- e6 every stage: lead 1, qualified 2, proposal 4, negotiation 6, won 9
    (6, 'lead', 1), (6, 'qualified', 2), (6, 'proposal', 4), (6, 'negotiation', 6), (6, 'closed_won', 9),
    -- e7 backward: lead 1, negotiation 3, qualified 5, lost 12
    (7, 'lead', 1), (7, 'negotiation', 3), (7, 'qualified', 5), (7, 'closed_lost', 12),
    -- e8 starts at qualified 3, lead 4, qualified 6 (open, a revisit)
    (8, 'qualified', 3), (8, 'lead', 4), (8, 'qualified', 6),
    -- e9 lost at once, day 7 (no open stage)
    (9, 'closed_lost', 7),
    -- e10 lead 1, lost 2, reopened: lead 8, qualified 10, proposal 11, negotiation 12, won 14
    (10, 'lead', 1), (10, 'closed_lost', 2), (10, 'lead', 8), (10, 'qualified', 10),
    (10, 'proposal', 11), (10, 'negotiation', 12), (10, 'closed_won', 14),
    -- e11 no journey (a NULL stage only): not an entity of the summary
    (11, NULL, 3);
CREATE TABLE sr_j AS
SELECT e, funnel.journey(stage, '2023-12-31'::timestamptz + day * interval '1 day') AS j
FROM sr_hist GROUP BY e;
CREATE TABLE sr_sum AS SELECT funnel.summary(j ORDER BY e) AS s FROM sr_j;

-- Per entity: furthest open stage entered (F), the strict prefix (P: open stages
-- 0..P-1 all entered), the final outcome:
--   e1 F2 P3 won | e2 F1 P2 lost | e3 F3 P1 won | e4 F0 P1 lost | e5 F1 P2 open
--   e6 F3 P4 won | e7 F3 P2 lost | e8 F1 P2 open | e9 F- P0 lost | e10 F3 P4 won
-- 10 entities (e11 has no journey), 4 won, 4 lost: win rate 0.5
SELECT funnel.entity_count(s), funnel.win_rate(s) FROM sr_sum;

-- linear: reached = F >= rank.  lead 9 (all but e9), qualified 8 (not e4, e9),
-- proposal 5 (e1 e3 e6 e7 e10), negotiation 4 (e3 e6 e7 e10).
-- entered: lead 9, qualified 7 (e1 e2 e5 e6 e7 e8 e10), proposal 4 (e1 e3 e6 e10),
-- negotiation 4, closed_won 4 (e1 e3 e6 e10), closed_lost 5 (e2 e4 e7 e9, and e10,
-- lost before it reopened).
-- conversion_from_previous: qualified 8/9 = 0.888..., proposal 5/8 = 0.625,
-- negotiation 4/5 = 0.8; outcome rows none.  conversion_from_top: /9: 1, 0.888...,
-- 0.555..., 0.444..., won 4/9 = 0.444..., lost 5/9 = 0.555...
-- drop_off (furthest open stage, not won): lead e4 = 1; qualified e2 e5 e8 = 3;
-- proposal 0 (e1 was won); negotiation e7 = 1.  (1 + 3 + 0 + 1 = 5 = the entities
-- not won that entered an open stage.)
-- median of completed visits (days):
--   lead: e1 2, e2 2, e3 3, e4 1, e5 1, e6 1, e7 2, e8 2, e10 1 and 2
--         = 1,1,1,1,2,2,2,2,2,3: 2 days
--   qualified: e1 5, e2 6, e6 2, e7 7, e8 1, e10 1 = 1,1,2,5,6,7: (2 + 5) / 2 = 3 days 12:00
--         (e5's and e8's current stays are left out)
--   proposal: e1 12, e3 4, e6 2, e10 1 = 1,2,4,12: 3 days
--   negotiation: e3 6, e6 3, e7 2, e10 2 = 2,2,3,6: 2 days 12:00
--   closed_won: never left: NULL; closed_lost: e10 6 days (the others are current)
SELECT r.* FROM sr_sum, funnel.stage_report(s) r;
SELECT r.* FROM sr_sum, funnel.stage_report(s, 'linear') r;

-- entered: reached = entered.  lead 9, qualified 7, proposal 4, negotiation 4.
-- conversion_from_previous: 7/9 = 0.777..., 4/7 = 0.571..., 4/4 = 1; from the top /9.
-- drop_off (entered, but not the next open stage; the last: not won):
--   lead e3 e4 = 2; qualified e2 e5 e7 e8 = 4; proposal e1 = 1; negotiation e7 = 1
SELECT r.* FROM sr_sum, funnel.stage_report(s, 'entered') r;

-- strict: reached = P > rank.  lead 9, qualified 7 (P >= 2: e1 e2 e5 e6 e7 e8 e10),
-- proposal 3 (e1 e6 e10), negotiation 2 (e6 e10).
-- conversion_from_previous: 7/9, 3/7 = 0.428..., 2/3 = 0.666...; from the top /9:
-- 1, 0.777..., 0.333..., 0.222...
-- drop_off (the last stage of the prefix, unless it is every open stage and won):
--   lead (P = 1) e3 e4 = 2; qualified (P = 2) e2 e5 e7 e8 = 4; proposal (P = 3) e1 = 1;
--   negotiation (P = 4) e6 e10, both won = 0
SELECT r.* FROM sr_sum, funnel.stage_report(s, 'strict') r;

-- cycle lengths (first event to the first outcome), days:
--   e1 19, e2 8, e3 13, e4 1, e6 8, e7 11, e9 0, e10 1 (its first outcome is the lost on
--   day 2) = 0,1,1,8,8,11,13,19.  p 0: 0; 0.25: pos 1.75 -> 1 day; 0.5: 8 days;
--   0.9: pos 6.3 -> 13 + 0.3 * 6 = 14.8 days = 14 days 19:12; 1: 19 days
-- time in stage quantiles: lead p 0.5 2 days; qualified p 0.25: pos 1.25 -> 1 + 0.25 *
-- (2 - 1) = 1 day 06:00; closed_won: no completed visit: NULL
SELECT p, funnel.cycle_length_quantile(s, p) AS cycle,
       funnel.time_in_stage_quantile(s, 'lead'::funnel.sales_stage, p) AS lead,
       funnel.time_in_stage_quantile(s, 'qualified'::funnel.sales_stage, p) AS qualified,
       funnel.time_in_stage_quantile(s, 'closed_won'::funnel.sales_stage, p) AS won
FROM sr_sum, unnest('{0,0.25,0.5,0.9,1}'::float8[]) p ORDER BY p;
-- the same quantiles from plain SQL (percentile_cont over the intervals)
WITH ev AS (
    SELECT e, stage, at, lead(at) OVER (PARTITION BY e ORDER BY at, stage) AS next_at,
           first_value(at) OVER (PARTITION BY e ORDER BY at, stage) AS first_at
    FROM (SELECT e, stage, '2023-12-31'::timestamptz + day * interval '1 day' AS at FROM sr_hist WHERE stage IS NOT NULL) h)
SELECT p,
       (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY c)
        FROM (SELECT min(at) FILTER (WHERE funnel.is_closed(stage)) - min(first_at) AS c FROM ev GROUP BY e) x) AS cycle,
       (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY next_at - at) FROM ev WHERE stage = 'lead' AND next_at IS NOT NULL) AS lead,
       (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY next_at - at) FROM ev WHERE stage = 'qualified' AND next_at IS NOT NULL) AS qualified
FROM unnest('{0,0.25,0.5,0.9,1}'::float8[]) p ORDER BY p;

-- conversion_rate(s, from, to) = reached(to) / reached(from), linear; outcomes: entered
--   lead -> proposal 5/9; qualified -> negotiation 4/8 = 0.5; lead -> closed_won 4/9;
--   closed_lost -> closed_won 4/5 = 0.8; proposal -> qualified 8/5 = 1.6 (backwards is
--   a plain ratio too); lead -> lead 1
SELECT funnel.conversion_rate(s, 'lead'::funnel.sales_stage, 'proposal'::funnel.sales_stage) AS lead_proposal,
       funnel.conversion_rate(s, 'qualified'::funnel.sales_stage, 'negotiation'::funnel.sales_stage) AS qualified_negotiation,
       funnel.conversion_rate(s, 'lead'::funnel.sales_stage, 'closed_won'::funnel.sales_stage) AS lead_won,
       funnel.conversion_rate(s, 'closed_lost'::funnel.sales_stage, 'closed_won'::funnel.sales_stage) AS lost_won,
       funnel.conversion_rate(s, 'proposal'::funnel.sales_stage, 'qualified'::funnel.sales_stage) AS proposal_qualified,
       funnel.conversion_rate(s, 'lead'::funnel.sales_stage, 'lead'::funnel.sales_stage) AS lead_lead
FROM sr_sum;
-- from a stage nobody reached: NULL.  e4 and e9 alone: lead reached 1 (e4), qualified 0:
-- qualified -> lead NULL, lead -> qualified 0; win rate 0/2 = 0; no completed visit of
-- qualified: NULL quantile
SELECT funnel.entity_count(s), funnel.win_rate(s),
       funnel.conversion_rate(s, 'qualified'::funnel.sales_stage, 'lead'::funnel.sales_stage) AS qualified_lead,
       funnel.conversion_rate(s, 'lead'::funnel.sales_stage, 'qualified'::funnel.sales_stage) AS lead_qualified,
       funnel.time_in_stage_quantile(s, 'qualified'::funnel.sales_stage, 0.5) AS qualified_median,
       funnel.cycle_length_quantile(s, 0.5) AS cycle_median
FROM (SELECT funnel.summary(j) AS s FROM sr_j WHERE e IN (4, 9)) x;
-- only open entities (e5, e8): win rate NULL (nothing closed), no cycle: NULL
SELECT funnel.entity_count(s), funnel.win_rate(s), funnel.cycle_length_quantile(s, 0.5)
FROM (SELECT funnel.summary(j) AS s FROM sr_j WHERE e IN (5, 8)) x;

-- the report per segment through LATERAL (even / odd entities):
--   even e2 e4 e6 e8 e10: lead 5 (all), qualified 4 (F >= 1: e2 e6 e8 e10), won 2 (e6 e10);
--   odd e1 e3 e5 e7 e9: lead 4 (not e9), qualified 4, won 2 (e1 e3)
SELECT seg, r.stage, r.reached, r.conversion_from_top
FROM (SELECT CASE WHEN e % 2 = 0 THEN 'even' ELSE 'odd' END AS seg, funnel.summary(j) AS s
      FROM sr_j GROUP BY 1) t,
     LATERAL funnel.stage_report(t.s) r
WHERE r.stage IN ('lead', 'qualified', 'closed_won')
ORDER BY seg, r.position;

-- as a window aggregate: the running cohort, entity by entity (e11 adds nothing)
SELECT e, funnel.entity_count(funnel.summary(j) OVER w) AS entities,
       funnel.win_rate(funnel.summary(j) OVER w) AS win_rate
FROM sr_j WINDOW w AS (ORDER BY e) ORDER BY e;

------------------------------------------------------------------------------
-- 2. Outcomes between open stages: visit (open 0), bounced (lost), signup
--    (open 1), won_early (won), trial (open 2), paid (won), churned (lost)
------------------------------------------------------------------------------
SELECT funnel.create_funnel('sr_odd', '{visit,bounced,signup,won_early,trial,paid,churned}',
                            won => '{won_early,paid}', lost => '{bounced,churned}');
CREATE TABLE sr_odd_hist (e int, stage sr_odd, day int);
INSERT INTO sr_odd_hist VALUES
    -- o1 visit 1, won_early 2: F0 P1 won
    (1, 'visit', 1), (1, 'won_early', 2),
    -- o2 visit 1, signup 2, trial 4, paid 10: F2 P3 (every open stage) won
    (2, 'visit', 1), (2, 'signup', 2), (2, 'trial', 4), (2, 'paid', 10),
    -- o3 visit 1, trial 3 (signup skipped), churned 9: F2 P1 lost
    (3, 'visit', 1), (3, 'trial', 3), (3, 'churned', 9),
    -- o4 bounced 5: F- P0 lost
    (4, 'bounced', 5),
    -- o5 visit 1, signup 3: F1 P2 open
    (5, 'visit', 1), (5, 'signup', 3),
    -- o6 visit 2, bounced 3, reopened at signup 6, won_early 8: F1 P2 won
    (6, 'visit', 2), (6, 'bounced', 3), (6, 'signup', 6), (6, 'won_early', 8);
CREATE TABLE sr_odd_sum AS
SELECT funnel.summary(j) AS s
FROM (SELECT e, funnel.journey(stage, '2023-12-31'::timestamptz + day * interval '1 day') AS j
      FROM sr_odd_hist GROUP BY e) x;
-- 6 entities; won o1 o2 o6, lost o3 o4: win rate 3/5 = 0.6
-- linear (F >= rank): visit 5 (not o4), signup 4 (o2 o3 o5 o6), trial 2 (o2 o3).
-- Outcome rows are never reached through enum order: bounced 2 (o4 o6), won_early 2
-- (o1 o6), paid 1 (o2), churned 1 (o3), whatever their position.
-- conversion_from_previous skips the outcome rows: signup 4/5 = 0.8 (from visit, not
-- from bounced), trial 2/4 = 0.5 (from signup, not from won_early); from the top /5:
-- bounced 0.4, signup 0.8, won_early 0.4, trial 0.4, paid 0.2, churned 0.2.
-- drop_off (F, not won): visit 0 (o1 was won), signup o5 = 1 (o6 was won), trial o3 = 1.
-- medians (days): visit o1 1, o2 1, o3 2, o5 2, o6 1 = 1,1,1,2,2: 1 day; bounced o6 3
-- days; signup o2 2, o6 2: 2 days; trial o2 6, o3 6: 6 days; won_early, paid,
-- churned never left: NULL
SELECT funnel.entity_count(s), funnel.win_rate(s) FROM sr_odd_sum;
SELECT r.* FROM sr_odd_sum, funnel.stage_report(s) r;
-- entered: visit 5, signup 3 (o2 o5 o6), trial 2 (o2 o3); conversion 3/5 = 0.6,
-- 2/3 = 0.666...; top 0.6, 0.4.  drop_off: visit (not signup) o1 o3 = 2; signup (not
-- trial) o5 o6 = 2; trial (the last open stage, not won) o3 = 1
SELECT r.* FROM sr_odd_sum, funnel.stage_report(s, 'entered') r;
-- strict (P > rank): visit 5, signup 3 (o2 o5 o6), trial 1 (o2); conversion 0.6,
-- 1/3 = 0.333...; top 0.6, 0.2.  drop_off: visit (P = 1) o1 o3 = 2; signup (P = 2) o5
-- o6 = 2; trial (P = 3: every open stage) o2, won = 0
SELECT r.* FROM sr_odd_sum, funnel.stage_report(s, 'strict') r;
-- cycles: o1 1, o2 9, o3 8, o4 0, o6 1 (to the bounce on day 3) = 0,1,1,8,9: median 1 day
-- conversion visit -> trial 2/5; visit -> won_early 2/5; signup -> paid 1/4
SELECT funnel.cycle_length_quantile(s, 0.5),
       funnel.conversion_rate(s, 'visit'::sr_odd, 'trial'::sr_odd) AS visit_trial,
       funnel.conversion_rate(s, 'visit'::sr_odd, 'won_early'::sr_odd) AS visit_won_early,
       funnel.conversion_rate(s, 'signup'::sr_odd, 'paid'::sr_odd) AS signup_paid
FROM sr_odd_sum;

-- Drop-off rules, one entity each (as the header of src/summary.c states them):
--   d1 qualified only (open; the first open stage skipped): linear at its furthest
--      open stage, qualified; entered at qualified (proposal never entered); strict
--      nowhere (it counts in no open stage)
--   d2 lead, proposal, won (qualified and negotiation skipped): linear nowhere (won);
--      entered at lead (qualified never entered) and at proposal (negotiation never
--      entered) -- two drop-offs for one entity; strict at lead, the last open stage
--      before its first skipped one, although it was won later
--   d3 every open stage, then lost: at negotiation under every policy (the last open
--      stage, not won)
--   d4 every open stage, then won: nowhere
--   linear:  lead 0, qualified 1, proposal 0, negotiation 1
--   entered: lead 1, qualified 1, proposal 1, negotiation 1
--   strict:  lead 1, qualified 0, proposal 0, negotiation 1
SELECT r.stage, r.drop_off AS linear, e.drop_off AS entered, t.drop_off AS strict
FROM (SELECT funnel.summary(j) AS s
      FROM (SELECT e, funnel.journey(stage::funnel.sales_stage, '2023-12-31'::timestamptz + day * interval '1 day') AS j
            FROM (VALUES ('d1', 'qualified', 1),
                         ('d2', 'lead', 1), ('d2', 'proposal', 2), ('d2', 'closed_won', 3),
                         ('d3', 'lead', 1), ('d3', 'qualified', 2), ('d3', 'proposal', 3), ('d3', 'negotiation', 4),
                         ('d3', 'closed_lost', 5),
                         ('d4', 'lead', 1), ('d4', 'qualified', 2), ('d4', 'proposal', 3), ('d4', 'negotiation', 4),
                         ('d4', 'closed_won', 5)) v(e, stage, day)
            GROUP BY e) x) c,
     funnel.stage_report(c.s, 'linear') r
     JOIN funnel.stage_report(c.s, 'entered') e USING (position)
     JOIN funnel.stage_report(c.s, 'strict') t USING (position)
WHERE r.drop_off IS NOT NULL
ORDER BY r.position;

------------------------------------------------------------------------------
-- 3. An outcome first in enum order: gone (lost), a (open 0), b (open 1), done (won)
------------------------------------------------------------------------------
SELECT funnel.create_funnel('sr_first', '{gone,a,b,done}', won => '{done}', lost => '{gone}');
-- f1 a 1, gone 2; f2 a 1, b 2, done 3.  linear: a 2, b 1; gone 1, done 1.
-- conversion_from_top is reached / reached of the first OPEN stage (a, 2) for every
-- row, whatever the enum order: gone 1/2 = 0.5 (an outcome row before the first open
-- stage too), a 1, b 0.5, done 0.5.
-- conversion_from_previous: b 1/2 = 0.5; none for a (the first open stage) and the
-- outcome rows.  drop_off: a (f1, lost at a) = 1, b 0.  medians: gone none, a 1 day
-- (f1 1, f2 1), b 1 day
SELECT r.*
FROM (SELECT funnel.summary(j) AS s
      FROM (SELECT e, funnel.journey(stage::sr_first, '2023-12-31'::timestamptz + day * interval '1 day') AS j
            FROM (VALUES (1, 'a', 1), (1, 'gone', 2), (2, 'a', 1), (2, 'b', 2), (2, 'done', 3)) v(e, stage, day)
            GROUP BY e) x) c,
     funnel.stage_report(c.s) r;
-- f3: a and gone at the same moment.  Equal times take open stages before outcomes
-- (gone's enum position, first, does not matter): {a,gone}, lost from a -- not gone
-- then reopened at a.  1 entity, lost: win rate 0; a entered and reached 1, drop-off 1
-- (it stopped at a, not won), median 0 (the visit of a ended at once); gone entered 1,
-- no completed visit
SELECT funnel.win_rate(s), funnel.entity_count(s), r.*
FROM (SELECT funnel.summary(j) AS s
      FROM (SELECT funnel.journey(stage, '2024-01-01'::timestamptz) AS j
            FROM unnest('{gone,a}'::sr_first[]) stage) x) c,
     funnel.stage_report(c.s) r;

------------------------------------------------------------------------------
-- 4. Rollup: per-part summaries merged equal the one-pass summary
------------------------------------------------------------------------------
-- every accessor of a summary as one text: the three reports, entities, win rate,
-- quantiles, conversion rates between every pair of stages
CREATE FUNCTION pg_temp.figures(s funnel.summary) RETURNS text LANGUAGE plpgsql AS $$
DECLARE typ text := (s::text)::jsonb->>'type'; r text;
BEGIN
    IF typ IS NULL THEN
        RETURN ROW(funnel.entity_count(s), funnel.win_rate(s), funnel.cycle_length_quantile(s, 0.5),
                   (SELECT count(*) FROM funnel.stage_report(s)))::text;
    END IF;
    EXECUTE format($q$
        SELECT ROW(funnel.entity_count($1), funnel.win_rate($1),
                   (SELECT array_agg(ROW(pol, r.*)::text ORDER BY pol, r.position)
                    FROM unnest('{linear,entered,strict}'::text[]) pol, funnel.stage_report($1, pol) r),
                   (SELECT array_agg(ROW(p, funnel.cycle_length_quantile($1, p))::text ORDER BY p)
                    FROM unnest('{0,0.1,0.25,0.5,0.75,0.9,1}'::float8[]) p),
                   (SELECT array_agg(ROW(a, p, funnel.time_in_stage_quantile($1, a, p))::text ORDER BY a, p)
                    FROM unnest(enum_range(NULL::%1$s)) a, unnest('{0,0.3,0.5,0.99,1}'::float8[]) p),
                   (SELECT array_agg(ROW(a, b, funnel.conversion_rate($1, a, b))::text ORDER BY a, b)
                    FROM unnest(enum_range(NULL::%1$s)) a, unnest(enum_range(NULL::%1$s)) b))::text$q$, typ)
    INTO r USING s;
    RETURN r;
END
$$;
-- parts: e1..e5 / e6..e10 / e11 (no journey: an empty summary counting it as skipped)
CREATE TABLE sr_part AS
SELECT CASE WHEN e <= 5 THEN 1 WHEN e <= 10 THEN 2 ELSE 3 END AS part, funnel.summary(j) AS s
FROM sr_j GROUP BY 1;
SELECT part, s IS NULL AS is_null, funnel.entity_count(s) FROM sr_part ORDER BY part;
-- the entity without a journey is counted apart, and rolls up
SELECT part, funnel.skipped_count(s) FROM sr_part ORDER BY part;
SELECT funnel.skipped_count(funnel.rollup(s)), funnel.entity_count(funnel.rollup(s)) FROM sr_part;
SELECT pg_temp.figures((SELECT funnel.rollup(s) FROM sr_part)) = pg_temp.figures(s) AS rollup_same,
       pg_temp.figures((SELECT funnel.rollup(s ORDER BY part DESC) FROM sr_part)) = pg_temp.figures(s) AS reversed_same,
       pg_temp.figures((SELECT funnel.rollup(s) FROM (SELECT funnel.summary(j) AS s FROM sr_j GROUP BY e) x)) = pg_temp.figures(s) AS per_entity_same,
       pg_temp.figures((SELECT funnel.rollup(s) FROM (SELECT s FROM sr_sum UNION ALL SELECT NULL) x)) = pg_temp.figures(s) AS with_null_same
FROM sr_sum;
-- rollup of rollups, and of a rolled-up value with a part
SELECT pg_temp.figures((SELECT funnel.rollup(r) FROM (SELECT funnel.rollup(s) AS r FROM sr_part GROUP BY part) x)) = pg_temp.figures(s) AS nested_same
FROM sr_sum;
-- no rows: NULL; only NULLs: NULL
SELECT funnel.rollup(s) IS NULL AS no_rows FROM sr_part WHERE false;
SELECT funnel.rollup(NULL::funnel.summary) IS NULL AS only_null;
SELECT funnel.summary(j) IS NULL AS no_journeys FROM sr_j WHERE false;

-- an empty journey (only the text form can give one) is not an entity: the summary of
-- empty journeys has no funnel yet and reports no row
CREATE TABLE sr_empty AS SELECT funnel.summary('{"version":1,"type":"funnel.sales_stage","events":[]}'::funnel.journey) AS s;
SELECT s, funnel.entity_count(s), funnel.win_rate(s), funnel.cycle_length_quantile(s, 0.5),
       funnel.conversion_rate(s, 'lead'::funnel.sales_stage, 'qualified'::funnel.sales_stage),
       funnel.time_in_stage_quantile(s, 'lead'::funnel.sales_stage, 0.5),
       (SELECT count(*) FROM funnel.stage_report(s)) AS report_rows
FROM sr_empty;
-- it merges with anything
SELECT pg_temp.figures(funnel.rollup(s)) = (SELECT pg_temp.figures(s) FROM sr_sum) AS empty_merges
FROM (SELECT s FROM sr_empty UNION ALL SELECT s FROM sr_sum UNION ALL SELECT s FROM sr_empty) x;

------------------------------------------------------------------------------
-- 5. The text and binary forms
------------------------------------------------------------------------------
-- a sketch-mode summary: 1100 journeys lead -> qualified (lead visits of 1 .. 1100
-- minutes) -> won or lost: more than 1024 completed visits and cycles
CREATE TABLE sr_state (name text PRIMARY KEY, s funnel.summary);
INSERT INTO sr_state
SELECT 'sketch', funnel.summary(j)
FROM (SELECT funnel.journey(stage, at) AS j
      FROM generate_series(1, 1100) g,
           LATERAL (VALUES ('lead'::funnel.sales_stage, '2024-01-01'::timestamptz),
                           ('qualified', '2024-01-01'::timestamptz + g * interval '1 minute'),
                           (CASE WHEN g % 3 = 0 THEN 'closed_lost' ELSE 'closed_won' END::funnel.sales_stage,
                            '2024-01-01'::timestamptz + g * interval '1 minute' + (g % 97) * interval '1 hour')) v(stage, at)
      GROUP BY g) x;
INSERT INTO sr_state SELECT 'sales', s FROM sr_sum;
INSERT INTO sr_state SELECT 'odd', s FROM sr_odd_sum;
INSERT INTO sr_state SELECT 'empty', s FROM sr_empty;
INSERT INTO sr_state SELECT 'rollup', funnel.rollup(s) FROM sr_part;
-- the text form: JSON with the type and stage labels; per stage (in label-OID order,
-- here the enum order, whatever order the stages were first seen in) entered, reached
-- (linear), strict, drop-offs [linear, entered, strict] and the completed visits in
-- microseconds; per cohort the cycle lengths
SELECT s FROM sr_state WHERE name = 'odd';
SELECT j->'entities' AS entities, j->'won' AS won, j->'lost' AS lost,
       j->'cycle'->'n' AS cycles, j->'cycle' ? 'values' AS cycles_exact,
       (SELECT string_agg(format('%s n=%s %s', st->>'stage', st->'time'->>'n',
                                 CASE WHEN st->'time' ? 'values' THEN 'exact' ELSE 'sketch' END), '; ')
        FROM jsonb_array_elements(j->'stages') st) AS stages
FROM (SELECT s::text::jsonb AS j FROM sr_state WHERE name = 'sketch') x;

SELECT pg_temp.try(format('COPY sr_state TO %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_summary_report.copy')) AS copy_out;
CREATE TABLE sr_state_bin (LIKE sr_state);
SELECT pg_temp.try(format('COPY sr_state_bin FROM %L WITH (FORMAT binary)',
                          current_setting('data_directory') || '/funnel_' || current_database() || '_summary_report.copy')) AS copy_in;
SELECT s.name,
       s.s::text::funnel.summary::text = s.s::text AS text_same,
       pg_temp.figures(s.s::text::funnel.summary) = pg_temp.figures(s.s) AS text_figures_same,
       s.s::text::jsonb::text::funnel.summary::text = s.s::text AS via_jsonb_same,
       b.s::text = s.s::text AS binary_same,
       pg_temp.figures(b.s) = pg_temp.figures(s.s) AS binary_figures_same,
       funnel.summary_send(s.s::text::funnel.summary) = funnel.summary_send(s.s) AS send_same
FROM sr_state s LEFT JOIN sr_state_bin b USING (name)
ORDER BY s.name;
-- the sketch-mode figures: cycles of g minutes + (g % 97) hours and lead visits of g
-- minutes (g = 1 .. 1100), quantiles within 1% of percentile_cont
SELECT p,
       abs(extract(epoch FROM funnel.cycle_length_quantile(s, p))
           / extract(epoch FROM (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY g * interval '1 minute' + (g % 97) * interval '1 hour')
                                 FROM generate_series(1, 1100) g)) - 1) <= 0.01 AS cycle_within_1pct,
       abs(extract(epoch FROM funnel.time_in_stage_quantile(s, 'lead'::funnel.sales_stage, p))
           / extract(epoch FROM (SELECT percentile_cont(p) WITHIN GROUP (ORDER BY g * interval '1 minute')
                                 FROM generate_series(1, 1100) g)) - 1) <= 0.01 AS lead_within_1pct
FROM sr_state, unnest('{0,0.01,0.5,0.9,1}'::float8[]) p
WHERE name = 'sketch' ORDER BY p;

------------------------------------------------------------------------------
-- 6. Text input validation: 22P02
------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.sin(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; r text;
BEGIN
    r := t::funnel.summary::text;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;
-- a valid summary: 3 entities, 1 won, 1 lost; lead entered 3, qualified 2
CREATE TEMP TABLE sr_base AS SELECT '{"version":1,"type":"funnel.sales_stage","entities":3,"won":1,"lost":1,"stages":[{"stage":"lead","entered":3,"reached":3,"strict":3,"drop":[1,1,1],"time":{"n":2,"values":[3600000000,7200000000]}},{"stage":"qualified","entered":2,"reached":2,"strict":2,"drop":[1,0,0],"time":{"n":1,"values":[60000000]}},{"stage":"closed_won","entered":1,"reached":1,"strict":1,"drop":[0,0,0],"time":{"n":0,"values":[]}},{"stage":"closed_lost","entered":1,"reached":1,"strict":1,"drop":[0,0,0],"time":{"n":0,"values":[]}}],"cycle":{"n":2,"values":[86400000000,172800000000]}}'::jsonb AS j;
SELECT c, pg_temp.sin(t) AS result
FROM sr_base, LATERAL (VALUES
    ('valid', j::text),
    ('valid: no type, no stages', '{"version":1,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}'),
    ('valid: type key absent', '{"version":1,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}'),
    ('not JSON', 'summary'),
    ('a JSON array', '[1]'),
    ('version 3', jsonb_set(j, '{version}', '3')::text),
    ('version a string', jsonb_set(j, '{version}', '"1"')::text),
    ('type unknown', jsonb_set(j, '{type}', '"funnel.nope"')::text),
    ('type not an enum', jsonb_set(j, '{type}', '"pg_catalog.int8"')::text),
    ('type a number', jsonb_set(j, '{type}', '7')::text),
    ('no entities', (j - 'entities')::text),
    ('entities a string', jsonb_set(j, '{entities}', '"3"')::text),
    ('entities fractional', jsonb_set(j, '{entities}', '3.5')::text),
    ('entities beyond int64', jsonb_set(j, '{entities}', '9223372036854775808')::text),
    ('negative entities', jsonb_set(j, '{entities}', '-1')::text),
    ('won above entities', jsonb_set(j, '{won}', '4')::text),
    ('won + lost above entities', jsonb_set(j, '{lost}', '3')::text),
    ('negative lost', jsonb_set(j, '{lost}', '-1')::text),
    ('no stages', (j - 'stages')::text),
    ('stages an object', jsonb_set(j, '{stages}', '{}')::text),
    ('a stage not an object', jsonb_set(j, '{stages,0}', '"lead"')::text),
    ('stage unknown', jsonb_set(j, '{stages,0,stage}', '"won"')::text),
    ('stage of another funnel', jsonb_set(j, '{stages,0,stage}', '"awareness"')::text),
    ('stage listed twice', jsonb_set(j, '{stages,1,stage}', '"lead"')::text),
    ('stage name missing', (j #- '{stages,0,stage}')::text),
    ('stages without a type', jsonb_set(j, '{type}', 'null')::text),
    ('entered missing', (j #- '{stages,0,entered}')::text),
    ('negative entered', jsonb_set(j, '{stages,0,entered}', '-1')::text),
    ('entered above entities', jsonb_set(j, '{stages,0,entered}', '4')::text),
    ('reached above entities', jsonb_set(j, '{stages,0,reached}', '4')::text),
    ('negative strict', jsonb_set(j, '{stages,0,strict}', '-2')::text),
    ('drop with two counts', jsonb_set(j, '{stages,0,drop}', '[1,1]')::text),
    ('drop not an array', jsonb_set(j, '{stages,0,drop}', '1')::text),
    ('negative drop', jsonb_set(j, '{stages,0,drop,2}', '-1')::text),
    ('drop above entities', jsonb_set(j, '{stages,0,drop,0}', '4')::text),
    ('time missing', (j #- '{stages,0,time}')::text),
    ('time not an object', jsonb_set(j, '{stages,0,time}', '[]')::text),
    ('negative time in stage', jsonb_set(j, '{stages,0,time}', '{"n":2,"values":[-1,7200000000]}')::text),
    ('time values unsorted', jsonb_set(j, '{stages,0,time}', '{"n":2,"values":[7200000000,3600000000]}')::text),
    ('time count differs from its values', jsonb_set(j, '{stages,0,time}', '{"n":3,"values":[3600000000,7200000000]}')::text),
    ('time value not finite', replace(jsonb_set(j, '{stages,0,time}', '{"n":1,"values":[1]}')::text, '[1]', '[1e400]')),
    ('too many exact values', jsonb_set(j, '{stages,0,time}', jsonb_build_object('n', 1025, 'values', (SELECT jsonb_agg(g) FROM generate_series(1, 1025) g)))::text),
    ('no cycle', (j - 'cycle')::text),
    ('cycle count above entities', jsonb_set(j, '{cycle}', '{"n":4,"values":[1,2,3,4]}')::text),
    ('negative cycle length', jsonb_set(j, '{cycle}', '{"n":1,"values":[-86400000000]}')::text)
) v(c, t);

------------------------------------------------------------------------------
-- 7. Binary input validation: 22P03
------------------------------------------------------------------------------
-- The binary form (see src/summary.c), big-endian:
--   u8 version | u32 stage type OID | i64 entities, won, lost | u32 n |
--   n x (u32 label OID | i64 entered, reached, strict, drop linear, drop entered,
--        drop strict | u32 length, sketch) | u32 length, cycle sketch
--   sketch: u8 version | u8 mode | u64 n | f64 min | f64 max | exact: n x f64 |
--           sketch: u64 zeros | u8 width | 2 x (i32 lo | u32 nbuckets | counts)
-- one quantile sketch from its JSON text form, or raw hex in a JSON string
CREATE FUNCTION pg_temp.sk(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT CASE
        WHEN jsonb_typeof(j) = 'string' THEN decode(j #>> '{}', 'hex')
        WHEN j ? 'values' THEN
            pg_temp.u8(1) || pg_temp.u8(0) || int8send((j->>'n')::bigint)
            || float8send(coalesce((j->'values'->>0)::float8, 0))
            || float8send(coalesce((j->'values'->>-1)::float8, 0))
            || coalesce((SELECT string_agg(float8send(v::float8), ''::bytea ORDER BY o)
                         FROM jsonb_array_elements_text(j->'values') WITH ORDINALITY a(v, o)), '')
        ELSE
            pg_temp.u8(1) || pg_temp.u8(1) || int8send((j->>'n')::bigint)
            || float8send((j->>'min')::float8) || float8send((j->>'max')::float8)
            || int8send((j->>'zero')::bigint) || pg_temp.u8(w)
            || (SELECT string_agg(pg_temp.u32((j->side->>0)::bigint) || pg_temp.u32(jsonb_array_length(j->side->1))
                                  || coalesce((SELECT string_agg(pg_temp.uw(c::bigint, w), ''::bytea ORDER BY o)
                                               FROM jsonb_array_elements_text(j->side->1) WITH ORDINALITY a(c, o)), ''),
                                  ''::bytea ORDER BY side)
                FROM unnest(ARRAY['neg', 'pos']) side)
        END
    FROM (SELECT coalesce((SELECT CASE WHEN max(c::numeric) <= 255 THEN 1 WHEN max(c::numeric) <= 65535 THEN 2
                                       WHEN max(c::numeric) <= 4294967295 THEN 4 ELSE 8 END
                           FROM jsonb_array_elements_text(coalesce(j->'pos'->1, '[]') || coalesce(j->'neg'->1, '[]')) c),
                          1) AS w) s
$$;
CREATE FUNCTION pg_temp.skl(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u32(length(pg_temp.sk(j))) || pg_temp.sk(j)
$$;
-- the binary form of a summary given as its JSON text form; "type_oid" and "nstages"
-- override, a stage's "label_oid" overrides its label
CREATE FUNCTION pg_temp.sbin(j jsonb) RETURNS bytea LANGUAGE sql AS $$
    SELECT pg_temp.u8((j->>'version')::bigint)
        || pg_temp.u32(coalesce((j->>'type_oid')::bigint, (j->>'type')::regtype::oid::bigint, 0))
        || int8send((j->>'entities')::bigint) || int8send((j->>'won')::bigint) || int8send((j->>'lost')::bigint)
        -- version 2: entities skipped (NULL journeys), the definition the counts were made under
        || CASE WHEN (j->>'version')::int >= 2 THEN
               int8send(coalesce((j->>'skipped')::bigint, 0))
               || pg_temp.u32(coalesce(jsonb_array_length(j->'order'), 0))
               || coalesce((SELECT string_agg(
                        pg_temp.u32((SELECT oid::bigint FROM pg_enum
                                     WHERE enumtypid = (j->>'type')::regtype AND enumlabel = e->>'stage'))
                        || pg_temp.u8(CASE e->>'outcome' WHEN 'open' THEN 0 WHEN 'won' THEN 1 ELSE 2 END),
                        ''::bytea ORDER BY o)
                     FROM jsonb_array_elements(j->'order') WITH ORDINALITY a(e, o)), '')
           ELSE ''::bytea END
        || pg_temp.u32(coalesce((j->>'nstages')::bigint, jsonb_array_length(j->'stages')))
        || coalesce((SELECT string_agg(
                        pg_temp.u32(coalesce((e->>'label_oid')::bigint,
                                             (SELECT oid::bigint FROM pg_enum WHERE enumtypid = (j->>'type')::regtype AND enumlabel = e->>'stage')))
                        || int8send((e->>'entered')::bigint) || int8send((e->>'reached')::bigint) || int8send((e->>'strict')::bigint)
                        || int8send((e->'drop'->>0)::bigint) || int8send((e->'drop'->>1)::bigint) || int8send((e->'drop'->>2)::bigint)
                        || pg_temp.skl(e->'time'), ''::bytea ORDER BY o)
                     FROM jsonb_array_elements(j->'stages') WITH ORDINALITY a(e, o)), '')
        || pg_temp.skl(j->'cycle')
$$;
-- Binary input goes through COPY ... FROM a file WITH (FORMAT binary)
CREATE TEMP TABLE sr_recv (s funnel.summary);
-- COPY one value in: 'ok <entities>' or 'SQLSTATE: message' (OIDs shown as N)
CREATE FUNCTION pg_temp.recv(field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; res text;
BEGIN
    PERFORM pg_temp.write_file(pg_temp.copy_file(field));
    BEGIN
        DELETE FROM sr_recv;
        EXECUTE format('COPY sr_recv FROM %L WITH (FORMAT binary)', pg_temp.copy_path());
        SELECT string_agg('ok ' || funnel.entity_count(s), ',') INTO res FROM sr_recv;
        RETURN res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN st || ': ' || regexp_replace(msg, '\d{5,}', 'N', 'g');
    END;
END
$$;

-- the builder writes the OID form (summary_send's before 1.1 made it portable, which recv
-- still reads; see binary_portable.sql): does recv read it as it reads summary_send's form
-- (exact and sketch mode)?  (sr_base is a version-1 text, as 1.0 wrote it; output is
-- always version 2, here with no recorded definition)
SELECT pg_temp.recv(pg_temp.sbin(jsonb_set(j, '{version}', '2'))) = pg_temp.recv(funnel.summary_send(j::text::funnel.summary)) AS builder_same
FROM sr_base;
SELECT name, pg_temp.recv(pg_temp.sbin(s::text::jsonb)) = pg_temp.recv(funnel.summary_send(s)) AS builder_same
FROM sr_state ORDER BY name;

SELECT c, pg_temp.recv(b) AS result
FROM sr_base, LATERAL (SELECT pg_temp.sbin(j) AS b0) x, LATERAL (VALUES
    ('valid', b0),
    ('valid: stages in another order', pg_temp.sbin(jsonb_set(j, '{stages}', (SELECT jsonb_agg(e ORDER BY o DESC) FROM jsonb_array_elements(j->'stages') WITH ORDINALITY a(e, o))))),
    ('valid: no type, nothing', pg_temp.sbin('{"version":1,"type":null,"entities":0,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}')),
    ('empty', ''::bytea),
    ('version 0', overlay(b0 PLACING '\x00'::bytea FROM 1 FOR 1)),
    ('version 3', overlay(b0 PLACING '\x03'::bytea FROM 1 FOR 1)),
    ('cut in the header', substring(b0 FROM 1 FOR 20)),
    ('cut in a stage', substring(b0 FROM 1 FOR 60)),
    ('cut in the cycle sketch', substring(b0 FROM 1 FOR length(b0) - 3)),
    ('a trailing byte', b0 || '\x00'::bytea),
    ('type not an enum', pg_temp.sbin(j || '{"type_oid":20}')),
    ('type an unused OID', pg_temp.sbin(j || '{"type_oid":4000000000}')),
    ('type another funnel', pg_temp.sbin(j || jsonb_build_object('type_oid', 'funnel.marketing_stage'::regtype::oid))),
    ('label OID 0', pg_temp.sbin(jsonb_set(j, '{stages,0,label_oid}', '0'))),
    ('label of another funnel', pg_temp.sbin(jsonb_set(j, '{stages,0,label_oid}', to_jsonb((SELECT oid::bigint FROM pg_enum WHERE enumtypid = 'funnel.marketing_stage'::regtype AND enumlabel = 'awareness'))))),
    ('stage listed twice', pg_temp.sbin(jsonb_set(j, '{stages,1,stage}', '"lead"'))),
    ('stage count 1001', pg_temp.sbin(j || '{"nstages":1001}')),
    ('stage count 2^32 - 1', pg_temp.sbin(j || '{"nstages":4294967295}')),
    ('stage count above the stages', pg_temp.sbin(j || '{"nstages":5}')),
    ('stage count below the stages', pg_temp.sbin(j || '{"nstages":3}')),
    ('negative entities', pg_temp.sbin(jsonb_set(j, '{entities}', '-1'))),
    ('won above entities', pg_temp.sbin(jsonb_set(j, '{won}', '4'))),
    ('won + lost above entities', pg_temp.sbin(jsonb_set(j, '{lost}', '3'))),
    ('negative entered', pg_temp.sbin(jsonb_set(j, '{stages,0,entered}', '-1'))),
    ('entered above entities', pg_temp.sbin(jsonb_set(j, '{stages,0,entered}', '4'))),
    ('strict above entities', pg_temp.sbin(jsonb_set(j, '{stages,0,strict}', '9223372036854775807'))),
    ('negative drop', pg_temp.sbin(jsonb_set(j, '{stages,1,drop,1}', '-1'))),
    ('drop above entities', pg_temp.sbin(jsonb_set(j, '{stages,1,drop,2}', '4'))),
    ('negative time in stage', pg_temp.sbin(jsonb_set(j, '{stages,0,time}', '{"n":2,"values":[-1,7200000000]}'))),
    ('time values unsorted', pg_temp.sbin(jsonb_set(j, '{stages,0,time}', '{"n":2,"values":[7200000000,3600000000]}'))),
    ('time sketch with a bad mode', pg_temp.sbin(jsonb_set(j, '{stages,0,time}', to_jsonb(encode(pg_temp.u8(1) || pg_temp.u8(7) || int8send(0) || float8send(0) || float8send(0), 'hex'))))),
    ('time sketch length beyond the value', overlay(b0 PLACING pg_temp.u32(100000) FROM 1 + 1 + 4 + 24 + 4 + 4 + 48 FOR 4)),
    ('cycle count above entities', pg_temp.sbin(jsonb_set(j, '{cycle}', '{"n":4,"values":[1,2,3,4]}'))),
    ('negative cycle length', pg_temp.sbin(jsonb_set(j, '{cycle}', '{"n":1,"values":[-5]}')))
) v(c, b)
ORDER BY c;
-- stages, or entities, without a funnel type: refused (22P03, "stages without a
-- funnel type")
SELECT pg_temp.recv(pg_temp.sbin(j || '{"type_oid":0}')) AS stages_without_type,
       pg_temp.recv(pg_temp.sbin('{"version":1,"type":null,"entities":2,"won":0,"lost":0,"stages":[],"cycle":{"n":0,"values":[]}}')) AS entities_without_type
FROM sr_base;

-- random bytes after a valid header: 22P03 or ok, never a crash
SELECT setseed(0.75);
SELECT count(*) AS cases,
       count(*) FILTER (WHERE r LIKE 'ok%' OR r LIKE '22P03:%') AS ok_or_22p03
FROM (SELECT pg_temp.recv(substring(b0 FROM 1 FOR 33) || (SELECT string_agg(pg_temp.u8(floor(random() * 256)::bigint), ''::bytea)
                                                         FROM generate_series(1, 1 + k * 7) WHERE k > 0)) AS r
      FROM sr_base, LATERAL (SELECT pg_temp.sbin(j) AS b0) x, generate_series(1, 40) k) t;
-- every byte of a valid value flipped in turn: 22P03 or ok, never a crash
SELECT count(*) AS cases,
       count(*) FILTER (WHERE r LIKE 'ok%' OR r LIKE '22P03:%') AS ok_or_22p03
FROM (SELECT pg_temp.recv(overlay(b0 PLACING pg_temp.u8(255 - get_byte(b0, i - 1)) FROM i FOR 1)) AS r
      FROM sr_base, LATERAL (SELECT pg_temp.sbin(j) AS b0) x, generate_series(1, length(pg_temp.sbin(j))) i) t;

------------------------------------------------------------------------------
-- 8. Errors
------------------------------------------------------------------------------
SELECT c, pg_temp.try(q) AS result FROM (VALUES
    ('unknown policy', $$SELECT * FROM funnel.stage_report((SELECT s FROM sr_sum), 'loose')$$),
    ('policy in capitals', $$SELECT * FROM funnel.stage_report((SELECT s FROM sr_sum), 'Linear')$$),
    ('quantile above 1', $$SELECT funnel.cycle_length_quantile(s, 1.5) FROM sr_sum$$),
    ('quantile below 0', $$SELECT funnel.time_in_stage_quantile(s, 'lead'::funnel.sales_stage, -0.1) FROM sr_sum$$),
    ('quantile NaN', $$SELECT funnel.cycle_length_quantile(s, 'NaN') FROM sr_sum$$),
    ('stage of another funnel: time_in_stage_quantile', $$SELECT funnel.time_in_stage_quantile(s, 'awareness'::funnel.marketing_stage, 0.5) FROM sr_sum$$),
    ('stage of another funnel: conversion_rate', $$SELECT funnel.conversion_rate(s, 'awareness'::funnel.marketing_stage, 'interest'::funnel.marketing_stage) FROM sr_sum$$),
    ('journeys of two funnels', $$SELECT funnel.summary(j) FROM (SELECT j FROM sr_j UNION ALL SELECT funnel.journey('visit'::sr_odd, now())) x$$),
    ('rollup of two funnels', $$SELECT funnel.rollup(s) FROM (SELECT s FROM sr_sum UNION ALL SELECT s FROM sr_odd_sum) x$$),
    ('summary transition outside an aggregate', $$SELECT funnel.summary_transfn(NULL, (SELECT j FROM sr_j WHERE e = 1))$$),
    ('summary combine outside an aggregate', $$SELECT funnel.summary_combine(NULL, (SELECT s FROM sr_sum))$$)
) v(c, q);
-- NULL policy or p: NULL (STRICT)
SELECT (SELECT count(*) FROM funnel.stage_report(s, NULL)) AS null_policy_rows,
       funnel.cycle_length_quantile(s, NULL) AS null_p
FROM sr_sum;

-- a span of more than 2^63 microseconds (4714-11-24 BC .. 294276 AD) does not fit an
-- interval's microseconds: the aggregate raises 22008 "interval out of range", as the
-- journey accessors do -- never a negative (wrapped) figure in the summary.  huge_span:
-- one visit (and the cycle) that long; huge_cycle: visits of about 150000 years each,
-- only the cycle too long
SELECT pg_temp.try($$SELECT funnel.summary(j)::text::funnel.summary
    FROM (SELECT funnel.journey(s, t) AS j FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz),
                                                        ('closed_won', '294276-12-31 00:00+00')) v(s, t)) x$$) AS huge_span,
       pg_temp.try($$SELECT funnel.summary(j)::text::funnel.summary
    FROM (SELECT funnel.journey(s, t) AS j FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz),
                                                        ('qualified', '145000-01-01 00:00+00'),
                                                        ('closed_won', '294276-12-31 00:00+00')) v(s, t)) x$$) AS huge_cycle;

-- The final function of summary and rollup(summary) hands the state on as it is (on
-- PostgreSQL 15 a copy, so that nodeAgg does not flatten it): as a window aggregate it
-- runs after every row over the same, still growing state, which must stay intact.  The
-- running summary over the entities in order e equals, at every row, the summary of
-- the entities up to it; the same for a running rollup of per-entity summaries.
WITH w AS (SELECT e, funnel.summary(j) OVER (ORDER BY e) AS s FROM sr_j),
     r AS (SELECT e, (SELECT funnel.summary(j2.j) FROM sr_j j2 WHERE j2.e <= w.e) AS s FROM w)
SELECT count(*) AS running_rows,
       count(*) FILTER (WHERE w.s::text IS DISTINCT FROM r.s::text
                           OR (SELECT array_agg(x.* ORDER BY x.position) FROM funnel.stage_report(w.s) x)::text
                              IS DISTINCT FROM (SELECT array_agg(x.* ORDER BY x.position) FROM funnel.stage_report(r.s) x)::text)
           AS running_differs
FROM w JOIN r USING (e);
WITH per AS (SELECT e, funnel.summary(j) AS s FROM sr_j GROUP BY e),
     w AS (SELECT e, funnel.rollup(s) OVER (ORDER BY e) AS s FROM per)
SELECT count(*) AS rollup_rows,
       count(*) FILTER (WHERE w.s::text IS DISTINCT FROM (SELECT funnel.summary(j2.j) FROM sr_j j2 WHERE j2.e <= w.e)::text)
           AS rollup_differs
FROM w;
-- stage_report takes its result columns from the executor and checks them against the
-- ones it fills: a declaration of other columns (only a superuser can make one, for a C
-- function) is refused with 42804, never formed into rows
CREATE FUNCTION pg_temp.bad_report(s funnel.summary, policy text DEFAULT 'linear')
    RETURNS TABLE ("position" integer, stage text, reached bigint, entered bigint, c1 float8,
                   c2 float8, drop_off text, median interval)
    AS '$libdir/funnel', 'summary_stage_report' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.short_report(s funnel.summary, policy text DEFAULT 'linear')
    RETURNS TABLE ("position" integer, stage text) AS '$libdir/funnel', 'summary_stage_report' LANGUAGE C STRICT;
SELECT pg_temp.try($$SELECT * FROM pg_temp.bad_report((SELECT s FROM sr_sum))$$) AS other_types,
       pg_temp.try($$SELECT * FROM pg_temp.short_report((SELECT s FROM sr_sum))$$) AS too_few,
       pg_temp.try($$SELECT pg_temp.bad_report(s) FROM sr_sum$$) AS in_select_list;
DROP FUNCTION pg_temp.bad_report(funnel.summary, text), pg_temp.short_report(funnel.summary, text);

DROP TABLE sr_hist, sr_j, sr_sum, sr_odd_hist, sr_odd_sum, sr_part, sr_empty, sr_state, sr_state_bin, sr_recv, sr_base;
SELECT funnel.drop_funnel('sr_odd');
SELECT funnel.drop_funnel('sr_first');
