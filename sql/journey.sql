-- journey.sql: funnel.journey (the aggregate) and every journey accessor on
-- hand-built histories: revisits, skipped stages, backward moves, ties in time,
-- one row, only a lost outcome, reopening after lost, NULL stages and times,
-- rows in any order.  Every expected value is worked out in the comments.
-- Errors: infinite times and as_of, spans too long for an interval (22008), a
-- stage of another funnel (42804), an enum that is not a funnel (42704), the
-- support functions outside an aggregate (0A000).  Custom aggregates over the
-- support functions with an initcond: the empty journey (no room) and a journey
-- of another funnel (22023).  Stored journeys, summaries and pipelines of a
-- dropped funnel (42704).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS funnel;
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET datestyle = 'ISO, YMD';

-- Runs a statement: 'ok' or 'SQLSTATE: message'.
\i sql/_helpers.sql
-- The lines of a query's plan (EXPLAIN, COSTS OFF).
CREATE FUNCTION pg_temp.explain_lines(sql text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || sql;
END
$$;

------------------------------------------------------------------------------
-- 1. Histories (funnel.sales_stage: lead, qualified, proposal, negotiation are
--    open stages 0..3; closed_won is won; closed_lost is lost)
------------------------------------------------------------------------------
CREATE TABLE jr_hist (e text, stage funnel.sales_stage, at timestamptz);
-- inserted in scrambled order: the aggregate sorts
INSERT INTO jr_hist VALUES
-- revisit: lead 01-01, qualified 01-03, back to lead 01-05, qualified 01-06,
-- proposal 01-10.  A second lead row at 01-01 and a qualified row at 01-04
-- repeat the stage the entity is in: not visits.
    ('revisit', 'proposal',    '2024-01-10 00:00'),
    ('revisit', 'lead',        '2024-01-05 00:00'),
    ('revisit', 'qualified',   '2024-01-04 00:00'),
    ('revisit', 'lead',        '2024-01-01 00:00'),
    ('revisit', 'qualified',   '2024-01-06 00:00'),
    ('revisit', 'qualified',   '2024-01-03 00:00'),
    ('revisit', 'lead',        '2024-01-01 00:00'),
-- skip: lead 02-01, proposal 02-05 (qualified skipped), won 02-15
-- (negotiation skipped)
    ('skip',    'closed_won',  '2024-02-15 00:00'),
    ('skip',    'lead',        '2024-02-01 00:00'),
    ('skip',    'proposal',    '2024-02-05 00:00'),
-- backward: lead 03-01, negotiation 03-02, back to qualified 03-04, lost 03-10
    ('backward', 'qualified',  '2024-03-04 00:00'),
    ('backward', 'closed_lost', '2024-03-10 00:00'),
    ('backward', 'lead',       '2024-03-01 00:00'),
    ('backward', 'negotiation', '2024-03-02 00:00'),
-- ties: four rows at the same moment, given in reverse funnel order; equal times
-- keep funnel order: lead, qualified, proposal, closed_won, all at 04-01 10:00
    ('ties',    'closed_won',  '2024-04-01 10:00'),
    ('ties',    'proposal',    '2024-04-01 10:00'),
    ('ties',    'qualified',   '2024-04-01 10:00'),
    ('ties',    'lead',        '2024-04-01 10:00'),
-- tie with a backward move: negotiation and lead at the same moment read as
-- lead then negotiation (funnel order), then proposal an hour later
    ('tieback', 'negotiation', '2024-04-02 10:00'),
    ('tieback', 'lead',        '2024-04-02 10:00'),
    ('tieback', 'proposal',    '2024-04-02 11:00'),
-- one row: qualified 05-01
    ('one',     'qualified',   '2024-05-01 00:00'),
-- lost only: closed_lost 06-01 (twice: the second is a repeat)
    ('lostonly', 'closed_lost', '2024-06-01 00:00'),
    ('lostonly', 'closed_lost', '2024-06-02 00:00'),
-- reopen: lead 07-01, lost 07-03, reopened at qualified 07-10, won 07-20
    ('reopen',  'closed_won',  '2024-07-20 00:00'),
    ('reopen',  'qualified',   '2024-07-10 00:00'),
    ('reopen',  'closed_lost', '2024-07-03 00:00'),
    ('reopen',  'lead',        '2024-07-01 00:00'),
-- reopened and still open: lead 08-01, lost 08-02, lead again 08-05
    ('reopened', 'lead',       '2024-08-05 00:00'),
    ('reopened', 'closed_lost', '2024-08-02 00:00'),
    ('reopened', 'lead',       '2024-08-01 00:00'),
-- NULLs: a NULL stage (09-01) and a NULL time (qualified) are skipped:
-- lead 09-02, proposal 09-05 12:30:15.25
    ('nulls',   NULL,          '2024-09-01 00:00'),
    ('nulls',   'proposal',    '2024-09-05 12:30:15.25'),
    ('nulls',   'qualified',   NULL),
    ('nulls',   'lead',        '2024-09-02 00:00'),
-- only NULLs: no journey at all (NULL)
    ('allnull', NULL,          '2024-10-01 00:00'),
    ('allnull', 'lead',        NULL);

CREATE TABLE jr_j AS SELECT e, funnel.journey(stage, at) AS j FROM jr_hist GROUP BY e;

-- path and the whole-journey accessors:
--   revisit   {lead,qualified,lead,qualified,proposal}, 5 events, open, furthest
--             proposal, no cycle (never closed)
--   skip      {lead,proposal,closed_won}, won, furthest proposal, cycle 02-01 -> 02-15
--             = 14 days
--   backward  {lead,negotiation,qualified,closed_lost}, lost, furthest negotiation
--             (a backward move does not un-reach), cycle 03-01 -> 03-10 = 9 days
--   ties      {lead,qualified,proposal,closed_won}, won, furthest proposal, cycle 0
--   tieback   {lead,negotiation,proposal}, open, furthest negotiation
--   one       {qualified}, open, furthest qualified
--   lostonly  {closed_lost} (the repeat dropped), lost, no open stage entered: furthest
--             NULL; cycle from the first event to the first outcome: 0
--   reopen    {lead,closed_lost,qualified,closed_won}: outcome of the last event won;
--             cycle to the FIRST outcome: 07-01 -> 07-03 = 2 days
--   reopened  {lead,closed_lost,lead}: open again, but it was closed once: cycle 1 day
--   nulls     {lead,proposal}, open, furthest proposal
--   allnull   no journey: NULL everywhere
SELECT e, funnel.path(j), funnel.event_count(j) AS events, funnel.outcome(j),
       funnel.furthest_stage(j) AS furthest, funnel.cycle_length(j) AS cycle
FROM jr_j ORDER BY e;

-- reached / entered / entries per stage (linear reach for open stages: at or before
-- the furthest open stage entered; won/lost stages: entered)
--   revisit:  reached lead..proposal; entered lead (2), qualified (2), proposal (1)
--   skip:     reached lead..proposal and closed_won; entered lead, proposal, won;
--             qualified reached (skipped) but not entered
--   backward: reached lead..negotiation and lost; proposal reached, not entered
--   ties:     reached lead..proposal, won; each entered once
--   tieback:  reached lead..negotiation; qualified reached, not entered
--   one:      reached lead (skipped) and qualified; entered only qualified
--   lostonly: reached only closed_lost (outcomes are not steps: no open stage)
--   reopen:   reached lead, qualified, won and lost; entered those
--   reopened: reached lead, lost; lead entered twice
--   nulls:    reached lead..proposal; entered lead and proposal
SELECT e, s AS stage, funnel.reached(j, s), funnel.entered(j, s), funnel.entries(j, s)
FROM jr_j, unnest(enum_range(NULL::funnel.sales_stage)) s
WHERE j IS NOT NULL
ORDER BY e, s;

-- entered_at (first entry) and exited_at (end of the first visit, NULL while the
-- first visit is the current stay), stages entered only
--   revisit  lead 01-01 -> 01-03; qualified 01-03 -> 01-05 (the 01-04 repeat is not an
--            exit); proposal 01-10, current stay
--   skip     lead 02-01 -> 02-05; proposal 02-05 -> 02-15; closed_won 02-15, current
--   backward lead 03-01 -> 03-02; negotiation 03-02 -> 03-04; qualified 03-04 -> 03-10;
--            closed_lost 03-10, current
--   ties     lead, qualified, proposal enter and exit at 04-01 10:00; won current
--   tieback  lead 10:00 -> 10:00; negotiation 10:00 -> 11:00; proposal 11:00, current
--   one      qualified 05-01, current
--   lostonly closed_lost 06-01 (the 06-02 row is a repeat), current
--   reopen   lead 07-01 -> 07-03; lost 07-03 -> 07-10; qualified 07-10 -> 07-20; won current
--   reopened lead 08-01 -> 08-02 (the first visit; the second is current); lost 08-02 -> 08-05
--   nulls    lead 09-02 -> 09-05 12:30:15.25; proposal current
SELECT e, s AS stage, funnel.entered_at(j, s), funnel.exited_at(j, s)
FROM jr_j, unnest(enum_range(NULL::funnel.sales_stage)) s
WHERE funnel.entered(j, s)
ORDER BY e, s;

-- time_in_stage (all visits, each counted up to as_of; the current stay ends at as_of)
-- and latest_time_in_stage (the last visit begun by as_of, up to as_of) with as_of =
-- the last row's time + 5 days (after everything: every completed visit counts whole):
--   revisit  lead 2 days (01-01..01-03) + 1 day (01-05..01-06) = 3 days, latest 1 day;
--            qualified 2 days (01-03..01-05) + 4 days (01-06..01-10) = 6 days, latest 4;
--            proposal current 5 days
--   skip     lead 4 days; proposal 10 days; closed_won current 5 days
--   backward lead 1 day; negotiation 2 days; qualified 6 days; closed_lost 5 days
--   ties     lead, qualified, proposal 0; closed_won 5 days
--   tieback  lead 0; negotiation 1 hour; proposal 5 days
--   one      qualified 5 days
--   lostonly closed_lost 6 days (its last row is the 06-02 repeat: as_of 06-07)
--   reopen   lead 2 days; lost 7 days; qualified 10 days; won 5 days
--   reopened lead 1 day + 5 days (current) = 6 days, latest 5 days; lost 3 days
--   nulls    lead 3 days 12:30:15.25; proposal 5 days
SELECT e, s AS stage,
       funnel.time_in_stage(j, s, last + interval '5 days') AS total,
       funnel.latest_time_in_stage(j, s, last + interval '5 days') AS latest
FROM jr_j, LATERAL (SELECT max(at) AS last FROM jr_hist h WHERE h.e = jr_j.e AND h.stage IS NOT NULL) l,
     unnest(enum_range(NULL::funnel.sales_stage)) s
WHERE funnel.entered(j, s)
ORDER BY e, s;

-- as_of bounds every visit, completed or not: time_in_stage is the sum over the visits
-- of max(0, min(visit end, as_of) - visit start); latest_time_in_stage is that length
-- for the last visit that began at or before as_of (NULL when none had begun).
--   revisit (lead 01-01..01-03, qualified 01-03..01-05, lead 01-05..01-06, qualified
--   01-06..01-10, proposal 01-10..):
--   as_of 01-04: proposal (entered 01-10, after as_of) 0, latest NULL (no visit begun
--   by 01-04); lead 2 days (01-01..01-03; the 01-05 visit had not begun); qualified
--   1 day (01-03..01-04; the 01-06 visit had not begun).
--   as_of 01-10 (proposal's entry moment): proposal 0, latest 0 (a visit begun at
--   as_of counts); lead 2 + 1 = 3 days, qualified 2 + 4 = 6 days (all visits over).
--   as_of 1 microsecond later: proposal 1 us, latest 1 us; 02-10: 31 days.
SELECT a AS as_of,
       funnel.time_in_stage(j, 'proposal'::funnel.sales_stage, a) AS proposal,
       funnel.latest_time_in_stage(j, 'proposal'::funnel.sales_stage, a) AS proposal_latest,
       funnel.time_in_stage(j, 'lead'::funnel.sales_stage, a) AS lead,
       funnel.time_in_stage(j, 'qualified'::funnel.sales_stage, a) AS qualified
FROM jr_j, unnest(ARRAY['2024-01-04', '2024-01-10', '2024-01-10 00:00:00.000001', '2024-02-10']::timestamptz[]) a
WHERE e = 'revisit' ORDER BY a;
-- not entered: NULL (revisit never entered negotiation); the default as_of is now(),
-- long after 2024-01-10: proposal's current stay is more than 300 days
SELECT funnel.time_in_stage(j, 'negotiation'::funnel.sales_stage, '2024-02-01') AS never,
       funnel.latest_time_in_stage(j, 'negotiation'::funnel.sales_stage, '2024-02-01') AS never_latest,
       funnel.time_in_stage(j, 'proposal'::funnel.sales_stage) > interval '300 days' AS default_as_of,
       funnel.latest_time_in_stage(j, 'proposal'::funnel.sales_stage) > interval '300 days' AS default_as_of_latest,
       funnel.time_in_stage(j, 'lead'::funnel.sales_stage) AS completed_only
FROM jr_j WHERE e = 'revisit';

-- stage_at: the stage of the last event at or before ts, NULL before the first
--   revisit: 12-31 NULL; 01-01 lead; 01-03 qualified; 01-04 still qualified (a repeat);
--            01-05 lead; 01-09 23:59:59.999999 qualified; 01-10 proposal; 2030 proposal
--   ties:    04-01 09:59:59.999999 NULL; 04-01 10:00 closed_won (the last of the tie)
--   reopen:  07-05 closed_lost; 07-15 qualified
SELECT e, ts, funnel.stage_at(j, ts)
FROM jr_j, unnest(ARRAY['2023-12-31', '2024-01-01', '2024-01-03', '2024-01-04', '2024-01-05',
                        '2024-01-09 23:59:59.999999', '2024-01-10', '2030-01-01',
                        '2024-04-01 09:59:59.999999', '2024-04-01 10:00',
                        '2024-07-05', '2024-07-15']::timestamptz[]) ts
WHERE e IN ('revisit', 'ties', 'reopen')
  AND (e <> 'ties' OR ts BETWEEN '2024-04-01' AND '2024-04-02')
  AND (e <> 'reopen' OR ts BETWEEN '2024-07-01' AND '2024-08-01')
  AND (e <> 'revisit' OR ts < '2024-04-01' OR ts > '2029-01-01')
ORDER BY e, ts;
-- infinite ts are fine: after everything / before everything
SELECT funnel.stage_at(j, 'infinity') AS at_infinity, funnel.stage_at(j, '-infinity') AS at_minus_infinity
FROM jr_j WHERE e = 'revisit';

-- The all-NULL entity has no journey: every accessor is NULL (STRICT)
SELECT j IS NULL AS no_journey, funnel.path(j), funnel.outcome(j), funnel.event_count(j),
       funnel.reached(j, 'lead'::funnel.sales_stage), funnel.stage_at(j, '2024-10-01')
FROM jr_j WHERE e = 'allnull';
-- an aggregate over no rows, or only NULL rows: NULL
SELECT funnel.journey(stage, at) IS NULL AS no_rows FROM jr_hist WHERE false;
SELECT funnel.journey(NULL::funnel.sales_stage, at) IS NULL AS null_stages FROM jr_hist;
-- NULL arguments of the accessors: NULL
SELECT funnel.reached(j, NULL::funnel.sales_stage) AS reached, funnel.stage_at(j, NULL) AS stage_at,
       funnel.time_in_stage(j, 'lead'::funnel.sales_stage, NULL) AS time_in_stage
FROM jr_j WHERE e = 'revisit';

------------------------------------------------------------------------------
-- 2. A funnel whose outcomes sit between open stages in enum order
------------------------------------------------------------------------------
-- visit (open 0), bounced (lost), signup (open 1), won_early (won), trial (open 2),
-- paid (won), churned (lost)
SELECT funnel.create_funnel('jr_odd', '{visit,bounced,signup,won_early,trial,paid,churned}',
                            won => '{won_early,paid}', lost => '{bounced,churned}');
CREATE TABLE jr_odd_hist (e text, stage jr_odd, at timestamptz);
INSERT INTO jr_odd_hist VALUES
-- early win: visit, won_early.  Outcomes are not steps: signup (enum position 3, after
-- bounced) is not reached; won_early reached; paid, bounced not
    ('early', 'visit', '2024-01-01'), ('early', 'won_early', '2024-01-02'),
-- trial then churned: reached visit, signup (skipped), trial; churned; not won_early
-- or bounced, though they come before trial in the enum
    ('churn', 'visit', '2024-01-01'), ('churn', 'trial', '2024-01-03'), ('churn', 'churned', '2024-01-09'),
-- bounced at once: only bounced
    ('bounce', 'bounced', '2024-01-05'),
-- ties across an outcome: visit, bounced, signup at one moment.  Equal times take
-- the open stages first, in funnel order, then the outcomes: visit, signup, bounced --
-- moved to signup and lost at the same instant.  bounced's enum position (before
-- signup) does not matter: it is not "bounced, then reopened at signup".
    ('tie', 'signup', '2024-01-07'), ('tie', 'bounced', '2024-01-07'), ('tie', 'visit', '2024-01-07');
CREATE TABLE jr_odd_j AS SELECT e, funnel.journey(stage, at) AS j FROM jr_odd_hist GROUP BY e;
-- early: {visit,won_early} won, furthest visit, cycle 1 day
-- churn: {visit,trial,churned} lost, furthest trial, cycle 8 days
-- bounce: {bounced} lost, furthest NULL, cycle 0
-- tie: {visit,signup,bounced} lost, furthest signup, cycle 0 (lost at its first moment)
SELECT e, funnel.path(j), funnel.outcome(j), funnel.furthest_stage(j), funnel.cycle_length(j)
FROM jr_odd_j ORDER BY e;
SELECT e, string_agg(s::text, ',' ORDER BY s) FILTER (WHERE funnel.reached(j, s)) AS reached,
       string_agg(s::text, ',' ORDER BY s) FILTER (WHERE funnel.entered(j, s)) AS entered
FROM jr_odd_j, unnest(enum_range(NULL::jr_odd)) s
GROUP BY e ORDER BY e;
-- the text form holds the events in that order, and input takes only that order:
-- the tie in enum order (visit, bounced, signup) is refused (22P02); a won and a lost
-- outcome at one moment go in enum order (won_early before churned)
SELECT j FROM jr_odd_j WHERE e = 'tie';
SELECT c, pg_temp.try(format('SELECT %L::funnel.journey', t)) AS result FROM (VALUES
    ('open stages, then the outcome', '{"version":1,"type":"public.jr_odd","events":[["visit","2024-01-07 00:00+00"],["signup","2024-01-07 00:00+00"],["bounced","2024-01-07 00:00+00"]]}'),
    ('enum order: outcome between', '{"version":1,"type":"public.jr_odd","events":[["visit","2024-01-07 00:00+00"],["bounced","2024-01-07 00:00+00"],["signup","2024-01-07 00:00+00"]]}'),
    ('two outcomes in enum order', '{"version":1,"type":"public.jr_odd","events":[["trial","2024-01-07 00:00+00"],["won_early","2024-01-07 00:00+00"],["churned","2024-01-07 00:00+00"]]}'),
    ('two outcomes reversed', '{"version":1,"type":"public.jr_odd","events":[["trial","2024-01-07 00:00+00"],["churned","2024-01-07 00:00+00"],["won_early","2024-01-07 00:00+00"]]}')
) v(c, t);
-- the aggregate gives the same order from rows in any order
SELECT funnel.path(funnel.journey(s, '2024-01-07')) AS path
FROM unnest('{churned,won_early,trial}'::jr_odd[]) s;

------------------------------------------------------------------------------
-- 3. Other shapes: long journeys (the state grows), window use, journeys of
--    several funnels in one column
------------------------------------------------------------------------------
-- 1000 rows alternating lead (even g) / qualified (odd g) at 2024-01-01 + g hours, each
-- twice (the copy is a repeat), fed in reverse order: 1000 events, 500 visits of each
-- stage; lead 500 completed hours = 20 days 20:00; qualified 499 completed hours plus
-- its current stay up to as_of = +1000 hours, 1 hour: 20 days 20:00; the first
-- qualified visit (g = 1) ends at g = 2, 02:00; the last three events g = 997..999:
-- {qualified,lead,qualified}
SELECT funnel.event_count(j), funnel.entries(j, 'lead'::funnel.sales_stage) AS lead_visits,
       funnel.entries(j, 'qualified'::funnel.sales_stage) AS qualified_visits,
       funnel.time_in_stage(j, 'lead'::funnel.sales_stage, '2030-01-01') AS lead_time,
       funnel.time_in_stage(j, 'qualified'::funnel.sales_stage, '2024-01-01'::timestamptz + interval '1000 hours') AS qualified_time,
       funnel.exited_at(j, 'qualified'::funnel.sales_stage), funnel.furthest_stage(j),
       (funnel.path(j))[998:1000] AS path_tail
FROM (SELECT funnel.journey(CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END::funnel.sales_stage,
                            '2024-01-01'::timestamptz + g * interval '1 hour' ORDER BY g DESC) AS j
      FROM generate_series(0, 999) g, generate_series(1, 2) rep) x;

-- as a window aggregate: the journey so far, row by row (revisit, in time order)
SELECT at, stage, funnel.path(funnel.journey(stage, at) OVER w), funnel.furthest_stage(funnel.journey(stage, at) OVER w)
FROM jr_hist WHERE e = 'revisit'
WINDOW w AS (ORDER BY at, stage ROWS UNBOUNDED PRECEDING)
ORDER BY at, stage;

-- journeys of two funnels in one column: each accessor follows each value's funnel
SELECT e, funnel.path(j), funnel.furthest_stage(j), funnel.outcome(j)
FROM (SELECT e, j FROM jr_j WHERE e IN ('skip', 'one') UNION ALL
      SELECT e, j FROM jr_odd_j WHERE e IN ('churn', 'early')) x
ORDER BY e;

------------------------------------------------------------------------------
-- 4. Errors
------------------------------------------------------------------------------
-- infinite times: 22008 (a NULL time is skipped, an infinite one is an error)
SELECT pg_temp.try($$SELECT funnel.journey(s, t) FROM (VALUES ('lead'::funnel.sales_stage, '2024-01-01'::timestamptz), ('qualified', 'infinity')) v(s, t)$$) AS infinity;
SELECT pg_temp.try($$SELECT funnel.journey('lead'::funnel.sales_stage, '-infinity'::timestamptz)$$) AS minus_infinity;
-- as_of must be finite: 22008
SELECT pg_temp.try(format($$SELECT funnel.time_in_stage(%L::funnel.journey, 'lead'::funnel.sales_stage, 'infinity')$$, j)) AS time_in_stage,
       pg_temp.try(format($$SELECT funnel.latest_time_in_stage(%L::funnel.journey, 'lead'::funnel.sales_stage, '-infinity')$$, j)) AS latest
FROM jr_j WHERE e = 'revisit';
-- a stage of another funnel than the journey's: 42804, for every accessor with a stage
SELECT f, pg_temp.try(format($$SELECT funnel.%s(%L::funnel.journey, 'awareness'::funnel.marketing_stage%s)$$,
                             f, j, CASE WHEN f LIKE '%time_in_stage' THEN ', now()' ELSE '' END)) AS result
FROM jr_j, unnest(ARRAY['reached', 'entered', 'entries', 'entered_at', 'exited_at',
                        'time_in_stage', 'latest_time_in_stage']) f
WHERE e = 'revisit' ORDER BY f;
-- a stage of the right enum for the other journey of the column: the odd funnel's
-- journey with a sales stage
SELECT pg_temp.try(format($$SELECT funnel.reached(%L::funnel.journey, 'lead'::funnel.sales_stage)$$, j)) AS other_journey
FROM jr_odd_j WHERE e = 'early';
-- an enum that is not a registered funnel: 42704
CREATE TYPE jr_plain AS ENUM ('a', 'b');
SELECT pg_temp.try($$SELECT funnel.journey('a'::jr_plain, now())$$) AS not_a_funnel;
-- a span of more than 2^63 microseconds (4714-11-24 BC .. 294276 AD) does not fit an
-- interval's microseconds: 22008 "interval out of range" -- never a wrong or negative
-- figure (the README promises cycle_length is never negative).  (PostgreSQL 15's own
-- timestamptz subtraction wraps around here; later releases raise 22008.)
SELECT c, pg_temp.try(q) AS result FROM (VALUES
    ('cycle_length', $$SELECT funnel.cycle_length(funnel.journey(s, t)) FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz), ('closed_won', '294276-12-31 00:00+00')) v(s, t)$$),
    ('time_in_stage, completed visit', $$SELECT funnel.time_in_stage(funnel.journey(s, t), 'lead'::funnel.sales_stage, '294276-12-31') FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz), ('closed_won', '294276-12-31 00:00+00')) v(s, t)$$),
    ('latest_time_in_stage, completed visit', $$SELECT funnel.latest_time_in_stage(funnel.journey(s, t), 'lead'::funnel.sales_stage, '294276-12-31') FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz), ('closed_won', '294276-12-31 00:00+00')) v(s, t)$$),
    ('time_in_stage, current stay', $$SELECT funnel.time_in_stage(funnel.journey('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'), 'lead'::funnel.sales_stage, '294276-12-31')$$),
    ('latest_time_in_stage, current stay', $$SELECT funnel.latest_time_in_stage(funnel.journey('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'), 'lead'::funnel.sales_stage, '294276-12-31')$$)
) v(c, q);
-- just inside: 2^63 - 1 microseconds would be the limit; 4714-11-24 BC .. 287000 AD fits
SELECT funnel.cycle_length(funnel.journey(s, t)) = '287000-01-01 00:00+00'::timestamptz - '4714-11-24 00:00+00 BC'::timestamptz AS long_cycle_exact
FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz), ('closed_won', '287000-01-01 00:00+00')) v(s, t);
-- the same too-long visit, counted up to an as_of within reach: it fits
SELECT funnel.time_in_stage(j, 'lead'::funnel.sales_stage, '2024-01-01') = '2024-01-01 00:00+00'::timestamptz - '4714-11-24 00:00+00 BC'::timestamptz AS cut_by_as_of_exact,
       funnel.latest_time_in_stage(j, 'lead'::funnel.sales_stage, '2024-01-01') = '2024-01-01 00:00+00'::timestamptz - '4714-11-24 00:00+00 BC'::timestamptz AS latest_cut_by_as_of_exact
FROM (SELECT funnel.journey(s, t) AS j
      FROM (VALUES ('lead'::funnel.sales_stage, '4714-11-24 00:00+00 BC'::timestamptz), ('closed_won', '294276-12-31 00:00+00')) v(s, t)) x;
-- the support functions outside an aggregate: 0A000
SELECT pg_temp.try($$SELECT funnel.journey_transfn(NULL, 'lead'::funnel.sales_stage, now())$$) AS transfn,
       pg_temp.try($$SELECT funnel.journey_combine(NULL, NULL)$$) AS combine;

------------------------------------------------------------------------------
-- 5. Custom aggregates over the support functions with an initial condition
------------------------------------------------------------------------------
-- An initcond journey has exactly the room its events need: the empty journey has
-- room for none.  The transition and combine functions grow such a state (they
-- used to double a capacity of 0 to 0 and write past it, or loop forever).
CREATE AGGREGATE pg_temp.jr_from_empty(anyenum, timestamptz) (
    sfunc = funnel.journey_transfn, stype = funnel.journey, finalfunc = funnel.journey_final,
    combinefunc = funnel.journey_combine, parallel = safe,
    initcond = '{"version":1,"type":"funnel.sales_stage","events":[]}');
-- journey_combine as a transition function: merges whole journeys into the initcond
CREATE AGGREGATE pg_temp.jr_merge(funnel.journey) (
    sfunc = funnel.journey_combine, stype = funnel.journey, finalfunc = funnel.journey_final,
    initcond = '{"version":1,"type":"funnel.sales_stage","events":[]}');
-- an initcond with one event: it stays the first event of every group
CREATE AGGREGATE pg_temp.jr_from_lead(anyenum, timestamptz) (
    sfunc = funnel.journey_transfn, stype = funnel.journey, finalfunc = funnel.journey_final,
    initcond = '{"version":1,"type":"funnel.sales_stage","events":[["lead","2023-12-31 00:00+00"]]}');
-- an initcond of another funnel than the stage argument's
CREATE AGGREGATE pg_temp.jr_from_other(anyenum, timestamptz) (
    sfunc = funnel.journey_transfn, stype = funnel.journey, finalfunc = funnel.journey_final,
    initcond = '{"version":1,"type":"funnel.marketing_stage","events":[]}');
CREATE AGGREGATE pg_temp.jr_merge_other(funnel.journey) (
    sfunc = funnel.journey_combine, stype = funnel.journey, finalfunc = funnel.journey_final,
    initcond = '{"version":1,"type":"funnel.marketing_stage","events":[]}');
-- from the empty initcond: the same journeys as funnel.journey gives (every entity of
-- section 1, the first event grows the state from 0; 1000 rows grow it many times)
SELECT e, pg_temp.jr_from_empty(stage, at)::text = funnel.journey(stage, at)::text AS same
FROM jr_hist WHERE e <> 'allnull' GROUP BY e ORDER BY e;
SELECT pg_temp.jr_from_empty(stage, at) FROM jr_hist WHERE e = 'one';
SELECT funnel.event_count(pg_temp.jr_from_empty(CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END::funnel.sales_stage,
                                                '2024-01-01'::timestamptz + g * interval '1 hour')) AS events
FROM generate_series(1, 1000) g;
-- merging journeys into the empty initcond: the journeys of skip and backward as
-- one history {lead,proposal,closed_won,lead,negotiation,qualified,closed_lost};
-- 300 one-event journeys
SELECT funnel.path(pg_temp.jr_merge(j)) FROM jr_j WHERE e IN ('skip', 'backward');
SELECT funnel.event_count(pg_temp.jr_merge(j)) AS events
FROM (SELECT funnel.journey(CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END::funnel.sales_stage,
                            '2024-01-01'::timestamptz + g * interval '1 hour') AS j
      FROM generate_series(1, 300) g GROUP BY g) x;
-- parallel aggregation: each worker's partial state and the leader's combined state
-- start from the empty initcond (same journeys as funnel.journey)
CREATE TABLE jr_par AS
SELECT g % 50 AS e, (enum_range(NULL::funnel.sales_stage))[1 + (g * 7) % 6] AS stage,
       '2024-01-01'::timestamptz + ((g * 7919) % 1000) * interval '1 minute' AS at
FROM generate_series(1, 5000) g;
ANALYZE jr_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT count(*) FILTER (WHERE line LIKE '%Partial%Aggregate%') > 0 AS partial_aggregation
FROM pg_temp.explain_lines('SELECT e, pg_temp.jr_from_empty(stage, at) FROM jr_par GROUP BY e') line;
CREATE TEMP TABLE jr_par_p AS SELECT e, pg_temp.jr_from_empty(stage, at)::text AS j FROM jr_par GROUP BY e;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT count(*) AS entities, count(*) FILTER (WHERE p.j = s.j) AS same
FROM jr_par_p p JOIN (SELECT e, funnel.journey(stage, at)::text AS j FROM jr_par GROUP BY e) s USING (e);
-- the initcond's event comes first: {lead (2023-12-31), qualified}; skip's rows after
-- it: {lead,proposal,closed_won} (its lead repeats the stage it is in)
SELECT e, funnel.path(pg_temp.jr_from_lead(stage, at)) FROM jr_hist WHERE e IN ('one', 'skip') GROUP BY e ORDER BY e;
-- another funnel's initcond: 22023, from the transition and the combine function
SELECT pg_temp.try($$SELECT pg_temp.jr_from_other(stage, at) FROM jr_hist WHERE e = 'one'$$) AS transfn_other_funnel,
       pg_temp.try($$SELECT pg_temp.jr_merge_other(j) FROM jr_j WHERE e = 'one'$$) AS combine_other_funnel;
-- no rows, or only rows with a NULL stage or time: the initcond, finished (where
-- funnel.journey gives NULL)
SELECT pg_temp.jr_from_empty(stage, at) AS no_rows FROM jr_hist WHERE false;
SELECT pg_temp.jr_from_empty(stage, at) AS only_nulls FROM jr_hist WHERE e = 'allnull';
DROP TABLE jr_par;

------------------------------------------------------------------------------
-- 6. A stage added in the middle of a funnel that journeys already use
------------------------------------------------------------------------------
-- The accessors and funnel.summary take every stage index of a journey from one
-- definition and size their per-stage arrays from it, so a definition rebuilt
-- with more stages (and later stages moved) is never mixed with the old one.
-- (A rebuild in the middle of one journey -- a label the cached definition does
-- not know yet -- cannot be brought about from SQL: a session sees its own
-- ALTER TYPE at the end of the command and another session's at its next
-- statement; here the definition is rebuilt between statements.)
SELECT funnel.create_funnel('jr_grow', '{a,b,c,won,lost}', won => '{won}', lost => '{lost}');
CREATE TABLE jr_grow_j (e text, j funnel.journey);
INSERT INTO jr_grow_j SELECT 'old', funnel.journey(s, t)
FROM (VALUES ('a'::jr_grow, '2024-01-01'::timestamptz), ('c', '2024-01-02'), ('won', '2024-01-03')) v(s, t);
-- warm every cache: a, c, won; furthest c; b reached (skipped), not entered
SELECT funnel.path(j), funnel.furthest_stage(j), funnel.reached(j, 'b'::jr_grow), funnel.entered(j, 'b'::jr_grow)
FROM jr_grow_j;
-- a2 goes between a and b: b, c, won, lost move one place on
ALTER TYPE jr_grow ADD VALUE 'a2' BEFORE 'b';
INSERT INTO jr_grow_j SELECT 'new', funnel.journey(s, t)
FROM (VALUES ('a2'::jr_grow, '2024-02-01'::timestamptz), ('a', '2024-02-01'), ('b', '2024-02-02'),
             ('c', '2024-02-03'), ('lost', '2024-02-05')) v(s, t);
-- old: {a,c,won} as before; a2 and b reached (skipped), not entered.
-- new: a and a2 at one moment sort in funnel order: {a,a2,b,c,lost}, furthest c
SELECT e, funnel.path(j), funnel.furthest_stage(j), funnel.outcome(j), r.reached, r.entered
FROM jr_grow_j,
     LATERAL (SELECT string_agg(s::text, ',' ORDER BY s) FILTER (WHERE funnel.reached(j, s)) AS reached,
                     string_agg(s::text, ',' ORDER BY s) FILTER (WHERE funnel.entered(j, s)) AS entered
              FROM unnest(enum_range(NULL::jr_grow)) s) r
ORDER BY e;
-- the cohort: a, a2, b, c reached by both; entered a 2, a2 1, b 1, c 2; won 1, lost 1
SELECT position, stage, reached, entered, drop_off
FROM funnel.stage_report((SELECT funnel.summary(j) FROM jr_grow_j));
DROP TABLE jr_grow_j;
SELECT funnel.drop_funnel('jr_grow');

------------------------------------------------------------------------------
-- 7. Stored values of a dropped funnel
------------------------------------------------------------------------------
-- funnel.drop_funnel refuses while columns of the enum exist, but journeys,
-- summaries and pipelines store only its OID: after the drop, every reading that
-- needs the funnel (text output, accessors, reports, rollup) raises 42704 naming
-- the type's OID -- never "cache lookup failed" (XX000).  What needs no funnel
-- still works (event_count, entity_count, win_rate of a summary).
-- Runs a statement: 'ok' or 'SQLSTATE: message | detail | hint', numbers as N.
CREATE FUNCTION pg_temp.try_full(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hint text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || regexp_replace(msg, '\d+', 'N', 'g') || ' | ' || det || ' | ' || hint;
END
$$;
SELECT funnel.create_funnel('jr_gone', '{a,b,won,lost}', won => '{won}', lost => '{lost}');
CREATE TABLE jr_gone_hist (e int, stage jr_gone, at timestamptz);
INSERT INTO jr_gone_hist VALUES (1, 'a', '2024-01-01'), (1, 'b', '2024-01-02'), (1, 'won', '2024-01-03'),
                                (2, 'a', '2024-01-01'), (2, 'lost', '2024-01-05');
CREATE TABLE jr_gone_kept (j funnel.journey, s funnel.summary, p funnel.pipeline);
INSERT INTO jr_gone_kept
SELECT j, (SELECT funnel.summary(j) FROM (SELECT funnel.journey(stage, at) AS j FROM jr_gone_hist GROUP BY e) x),
       (SELECT funnel.pipeline(stage, 100, '2024-01-01', '2024-01-03') FROM jr_gone_hist)
FROM (SELECT funnel.journey(stage, at) AS j FROM jr_gone_hist WHERE e = 1) y;
SELECT pg_temp.try_full('SELECT funnel.drop_funnel(''jr_gone'')') AS refused_while_columns;
CREATE TEMP TABLE jr_gone_oid AS SELECT 'jr_gone'::regtype::oid AS t;
DROP TABLE jr_gone_hist;
-- drop_funnel looks for stored values of the funnel too (a dump would fail on them)
SELECT pg_temp.try_full('SELECT funnel.drop_funnel(''jr_gone'')') AS refused_while_values;
-- a plain DROP TYPE does not: the values below outlive their funnel
DROP TYPE jr_gone;
SELECT c, pg_temp.try_full(q) AS result FROM (VALUES
    ('journey text', 'SELECT j::text FROM jr_gone_kept'),
    ('summary text', 'SELECT s::text FROM jr_gone_kept'),
    ('pipeline text', 'SELECT p::text FROM jr_gone_kept'),
    ('path', 'SELECT funnel.path(j) FROM jr_gone_kept'),
    ('outcome', 'SELECT funnel.outcome(j) FROM jr_gone_kept'),
    ('reached, a stage of another funnel', 'SELECT funnel.reached(j, ''lead''::funnel.sales_stage) FROM jr_gone_kept'),
    ('summary of the journey', 'SELECT funnel.summary(j) FROM jr_gone_kept'),
    ('stage_report', 'SELECT * FROM jr_gone_kept, funnel.stage_report(s)'),
    ('conversion_rate', 'SELECT funnel.conversion_rate(s, ''lead''::funnel.sales_stage, ''qualified''::funnel.sales_stage) FROM jr_gone_kept'),
    ('rollup of the summary, as text', 'SELECT funnel.rollup(s)::text FROM jr_gone_kept'),
    ('pipeline win_rate', 'SELECT funnel.win_rate(p) FROM jr_gone_kept'),
    ('pipeline rollup, as text', 'SELECT funnel.rollup(p)::text FROM jr_gone_kept'),
    ('funnel.stages of the type''s OID', 'SELECT funnel.stages(t::regtype) FROM jr_gone_oid')
) v(c, q);
SELECT funnel.event_count(j), funnel.entity_count(s), funnel.win_rate(s) FROM jr_gone_kept;
DROP TABLE jr_gone_kept, jr_gone_oid;

DROP TABLE jr_hist, jr_j, jr_odd_hist, jr_odd_j;
DROP TYPE jr_plain;
SELECT funnel.drop_funnel('jr_odd');
