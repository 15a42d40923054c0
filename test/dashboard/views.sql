-- test/dashboard/views.sql: dashboard views over the demo CRM (test/data/sample_crm.sql) and
-- product events (test/data/sample_events.sql), built only from funnel's functions.
--
-- Shaped for BI tools (Metabase, Grafana, Superset, ...) and for the HTML page `make demo`
-- writes (test/dashboard/render.pl): one row per bar or point, plain column types (text, int,
-- bigint, numeric, date), percentages as numeric 0-100 with one decimal (*_pct), durations
-- also as numeric days with one decimal (*_days). Days and weeks are UTC calendar days, so a
-- view reads the same whatever the session's TimeZone.
--
-- Two materialized views keep daily stored states (funnel.pipeline and funnel.summary); the
-- views roll them up with funnel.rollup, so a report over a year reads 365 small states per
-- group instead of every deal and every stage change. Refresh them when the data changes:
--     REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard.pipeline_daily;
--     REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard.funnel_daily;
-- (CONCURRENTLY needs their unique index and lets readers go on reading the old rows.)
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE SCHEMA dashboard;
COMMENT ON SCHEMA dashboard IS 'funnel demo dashboard: views for BI tools (test/dashboard/views.sql)';

-- Daily stored states -------------------------------------------------------------------------

-- one funnel.pipeline per (day of creation, segment, rep): deals, outcomes, amounts, cycle times
CREATE MATERIALIZED VIEW dashboard.pipeline_daily AS
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, segment, rep_id,
       funnel.pipeline(stage, amount, created_at, closed_at) AS state
FROM deal
GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX ON dashboard.pipeline_daily (day, segment, rep_id);
COMMENT ON MATERIALIZED VIEW dashboard.pipeline_daily IS
    'Daily funnel.pipeline states by day of creation, segment and rep; roll up with funnel.rollup(state)';

-- one funnel.summary per (day of entry, segment): the journeys of the deals that entered the
-- funnel that day, from the stage history recorded by funnel.track
CREATE MATERIALIZED VIEW dashboard.funnel_daily AS
SELECT e.day, d.segment, funnel.summary(e.journey) AS state
FROM (SELECT id, (min(changed_at) AT TIME ZONE 'UTC')::date AS day,
             funnel.journey(to_stage, changed_at) AS journey
      FROM deal_stage_history GROUP BY id) e
JOIN deal d USING (id)
GROUP BY 1, 2;
CREATE UNIQUE INDEX ON dashboard.funnel_daily (day, segment);
COMMENT ON MATERIALIZED VIEW dashboard.funnel_daily IS
    'Daily funnel.summary states by day of entry and segment; roll up with funnel.rollup(state)';

-- Sales funnel --------------------------------------------------------------------------------

CREATE VIEW dashboard.funnel_stages AS
WITH cohort AS (
    SELECT segment, funnel.rollup(state) AS s FROM dashboard.funnel_daily GROUP BY segment
    UNION ALL
    SELECT 'All segments', funnel.rollup(state) FROM dashboard.funnel_daily
)
SELECT c.segment, r.position, r.stage, st.outcome,
       r.reached, r.entered, r.in_progress, r.drop_off,
       round(100 * r.conversion_from_previous::numeric, 1) AS conversion_from_previous_pct,
       round(100 * r.conversion_from_top::numeric, 1) AS conversion_from_top_pct,
       justify_hours(date_trunc('hour', r.median_time_in_stage)) AS median_time_in_stage,
       round(extract(epoch FROM r.median_time_in_stage) / 86400, 1) AS median_days_in_stage
FROM cohort c
CROSS JOIN LATERAL funnel.stage_report(c.s) r
JOIN funnel.stages('funnel.sales_stage') st USING (position)
ORDER BY c.segment = 'All segments' DESC, c.segment, r.position;
COMMENT ON VIEW dashboard.funnel_stages IS
    'Funnel chart: one row per segment and stage (funnel.stage_report); open deals in in_progress, not in drop_off';

CREATE VIEW dashboard.conversion_by_week AS
WITH weekly AS (
    SELECT date_trunc('week', day)::date AS week, funnel.rollup(state) AS s
    FROM dashboard.funnel_daily GROUP BY 1
)
SELECT w.week,
       funnel.entity_count(w.s) AS leads, o.won, o.lost, o.in_progress,
       round(100 * funnel.conversion_rate(w.s, 'lead'::funnel.sales_stage,
                                          'qualified'::funnel.sales_stage)::numeric, 1) AS qualified_pct,
       round(100 * funnel.conversion_rate(w.s, 'lead'::funnel.sales_stage,
                                          'closed_won'::funnel.sales_stage)::numeric, 1) AS won_pct,
       round(100 * funnel.win_rate(w.s)::numeric, 1) AS win_rate_pct
FROM weekly w
CROSS JOIN LATERAL (
    SELECT sum(r.entered) FILTER (WHERE st.outcome = 'won')::bigint AS won,
           sum(r.entered) FILTER (WHERE st.outcome = 'lost')::bigint AS lost,
           sum(r.in_progress)::bigint AS in_progress
    FROM funnel.stage_report(w.s) r
    JOIN funnel.stages('funnel.sales_stage') st USING (position)) o
ORDER BY w.week;
COMMENT ON VIEW dashboard.conversion_by_week IS
    'Conversion trend: one row per week of entry (Monday); recent weeks are mostly in progress';

-- Pipeline ------------------------------------------------------------------------------------

CREATE VIEW dashboard.segment_performance AS
SELECT segment,
       funnel.deal_count(p) AS deals, funnel.won_count(p) AS won, funnel.lost_count(p) AS lost,
       funnel.open_count(p) AS open,
       round(100 * funnel.win_rate(p)::numeric, 1) AS win_rate_pct,
       round(funnel.avg_deal_size(p)) AS avg_won_deal,
       round(extract(epoch FROM funnel.avg_cycle_length(p)) / 86400, 1) AS avg_cycle_days,
       round(extract(epoch FROM funnel.cycle_length_quantile(p, 0.5)) / 86400, 1) AS median_cycle_days,
       round(extract(epoch FROM funnel.cycle_length_quantile(p, 0.5, won_only => true)) / 86400, 1)
           AS median_won_cycle_days,
       round(funnel.sales_velocity(p)::numeric) AS velocity_per_day
FROM (SELECT segment, funnel.rollup(state) AS p FROM dashboard.pipeline_daily GROUP BY segment) s
ORDER BY segment;
COMMENT ON VIEW dashboard.segment_performance IS
    'Win rate (closed deals only, open deals beside it) and cycle length per segment';

CREATE VIEW dashboard.pipeline_by_owner AS
SELECT r.team, r.name AS owner, s.stage::text AS stage, funnel.stage_position(s.stage) AS position,
       funnel.open_count(s.p) AS deals,
       round(funnel.open_value(s.p)) AS open_value,
       round(funnel.weighted_value(s.p)) AS weighted_value
FROM (SELECT rep_id, stage, funnel.pipeline(stage, amount, created_at, closed_at) AS p
      FROM deal WHERE NOT funnel.is_closed(stage) GROUP BY rep_id, stage) s
JOIN rep r USING (rep_id)
ORDER BY r.team, r.name, position;
COMMENT ON VIEW dashboard.pipeline_by_owner IS
    'Open pipeline now: one row per owner and open stage (stacked bars)';

CREATE VIEW dashboard.weighted_pipeline AS
SELECT s.stage::text AS stage, funnel.stage_position(s.stage) AS position,
       round(100 * funnel.probability(s.stage)::numeric, 1) AS probability_pct,
       funnel.open_count(s.p) AS deals,
       round(funnel.open_value(s.p)) AS open_value,
       round(funnel.weighted_value(s.p)) AS weighted_value
FROM (SELECT stage, funnel.pipeline(stage, amount, created_at, closed_at) AS p
      FROM deal WHERE NOT funnel.is_closed(stage) GROUP BY stage) s
ORDER BY position;
COMMENT ON VIEW dashboard.weighted_pipeline IS
    'Open pipeline now: one row per open stage, value and value weighted by the stage''s win probability';

-- Product events ------------------------------------------------------------------------------

-- per user: the level reached in visit -> signup -> trial -> purchase within one hour, and the
-- time from the visit to each step reached
CREATE VIEW dashboard.event_levels AS
SELECT campaign, user_id,
       funnel.window_funnel('1 hour', at, event = 'visit', event = 'signup',
                            event = 'trial', event = 'purchase') AS level,
       funnel.window_funnel_times('1 hour', at, event = 'visit', event = 'signup',
                                  event = 'trial', event = 'purchase') AS times
FROM app_event GROUP BY campaign, user_id;
COMMENT ON VIEW dashboard.event_levels IS 'One row per user: funnel level and times to each step';

CREATE VIEW dashboard.event_funnel AS
WITH steps(step, step_name) AS (VALUES (1, 'visit'), (2, 'signup'), (3, 'trial'), (4, 'purchase')),
counts AS (
    SELECT l.campaign, s.step, s.step_name, count(*) FILTER (WHERE l.level >= s.step) AS users
    FROM dashboard.event_levels l CROSS JOIN steps s GROUP BY 1, 2, 3
)
SELECT campaign, step, step_name, users,
       round(100.0 * users / nullif(lag(users) OVER w, 0), 1) AS conversion_from_previous_pct,
       round(100.0 * users / nullif(first_value(users) OVER w, 0), 1) AS conversion_from_top_pct
FROM counts
WINDOW w AS (PARTITION BY campaign ORDER BY step)
ORDER BY campaign, step;
COMMENT ON VIEW dashboard.event_funnel IS
    'Event funnel (funnel.window_funnel, 1 hour): one row per campaign and step';

CREATE VIEW dashboard.time_to_convert AS
WITH buckets AS (SELECT m AS minutes_from, m + 5 AS minutes_to FROM generate_series(0, 55, 5) m),
purchases AS (
    SELECT campaign, extract(epoch FROM times[4]) / 60 AS minutes
    FROM dashboard.event_levels WHERE level = 4
)
SELECT c.campaign, b.minutes_from, b.minutes_to,
       count(p.minutes) AS users
FROM (SELECT DISTINCT campaign FROM app_event) c
CROSS JOIN buckets b
LEFT JOIN purchases p ON p.campaign = c.campaign
     AND p.minutes >= b.minutes_from
     AND (p.minutes < b.minutes_to OR (b.minutes_to = 60 AND p.minutes = 60))
GROUP BY 1, 2, 3
ORDER BY 1, 2;
COMMENT ON VIEW dashboard.time_to_convert IS
    'Time from visit to purchase (funnel.window_funnel_times): one row per campaign and 5-minute bucket';

CREATE VIEW dashboard.retention AS
WITH per_user AS (
    SELECT campaign, user_id,
           funnel.retention(day = 0, day = 1, day = 2) AS r
    FROM (SELECT campaign, user_id,
                 (at AT TIME ZONE 'UTC')::date
                   - min((at AT TIME ZONE 'UTC')::date) OVER (PARTITION BY user_id) AS day
          FROM app_event) e
    GROUP BY campaign, user_id
)
SELECT campaign, d.day, count(*) FILTER (WHERE r[d.day + 1]) AS users,
       round(100.0 * count(*) FILTER (WHERE r[d.day + 1]) / nullif(count(*) FILTER (WHERE r[1]), 0), 1)
           AS retained_pct
FROM per_user CROSS JOIN generate_series(0, 2) d(day)
GROUP BY campaign, d.day
ORDER BY campaign, d.day;
COMMENT ON VIEW dashboard.retention IS
    'Retention (funnel.retention): one row per campaign and day since the first visit (day 0 = 100%)';
