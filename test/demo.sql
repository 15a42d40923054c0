-- test/demo.sql: the funnel dashboard printed by `make demo` on the sample CRM.
-- Every table fits 100 columns; the figures of the charts come from the views of
-- test/dashboard/views.sql (schema dashboard), the same ones the HTML page shows.
\pset footer off
\set VERBOSITY default

\echo '### The funnel: funnel.sales_stage, shipped with the extension'
SELECT * FROM funnel.stages('funnel.sales_stage');

\echo '### Its rules: where a deal may go from each stage (funnel.transitions)'
SELECT from_stage, string_agg(to_stage, ', ') AS may_move_to
FROM funnel.transitions('funnel.sales_stage') GROUP BY from_stage
ORDER BY min(funnel.stage_position(from_stage::funnel.sales_stage));

\echo '### Open pipeline by stage: deals, value, and value weighted by win probability'
\echo '    (view dashboard.weighted_pipeline)'
SELECT stage, probability_pct AS "win prob. %", deals AS "open deals", open_value AS "open value",
       weighted_value AS "weighted value"
FROM dashboard.weighted_pipeline;

\echo '### Pipeline report per sales rep (funnel.pipeline: one pass, exact averages, quantiles)'
\echo '    win rate = won / closed: the open deals are not in it, so they are shown beside it;'
\echo '    won in (d): median days from creation to a won close'
SELECT r.name AS rep, r.team,
       funnel.deal_count(p) AS deals,
       funnel.open_count(p) AS open,
       round(100 * funnel.win_rate(p)::numeric, 1) AS "win %",
       round(funnel.avg_deal_size(p)) AS "avg won",
       round(extract(epoch FROM funnel.cycle_length_quantile(p, 0.5, won_only => true)) / 86400, 1)
           AS "won in (d)",
       round(funnel.weighted_value(p)) AS weighted,
       round(funnel.sales_velocity(p)::numeric) AS "velocity/day"
FROM (SELECT rep_id, funnel.pipeline(stage, amount, created_at, closed_at) AS p
      FROM deal GROUP BY rep_id) s
JOIN rep r USING (rep_id)
ORDER BY r.team, r.name;

\echo '### Per segment and quarter of creation, rolled up from the daily states of'
\echo '    dashboard.pipeline_daily (a materialized view of funnel.pipeline values). Q4 looks weak'
\echo '    because many of its deals are still open (not lost): read win % beside open.'
SELECT segment, to_char(quarter, 'YYYY-"Q"Q') AS quarter,
       funnel.deal_count(q) AS deals, funnel.won_count(q) AS won, funnel.lost_count(q) AS lost,
       funnel.open_count(q) AS open,
       round(100 * funnel.win_rate(q)::numeric, 1) AS "win %",
       round(funnel.avg_deal_size(q)) AS "avg won"
FROM (SELECT segment, date_trunc('quarter', day) AS quarter, funnel.rollup(state) AS q
      FROM dashboard.pipeline_daily GROUP BY 1, 2) s
ORDER BY segment, quarter;

\echo '### Funnel report per segment: stage history -> journeys -> daily summaries -> stage_report'
\echo '    (view dashboard.funnel_stages; "open" = still in the stage, not a drop-off)'
SELECT segment, stage, reached, entered, in_progress AS open, drop_off AS dropped,
       conversion_from_previous_pct AS "conv %", conversion_from_top_pct AS "of top %",
       median_days_in_stage AS "median d"
FROM dashboard.funnel_stages
WHERE segment <> 'All segments';

\echo '### Every recorded stage change checked against the rules'
SELECT count(*) AS changes,
       count(*) FILTER (WHERE funnel.can_transition(from_stage, to_stage)) AS legal,
       count(*) FILTER (WHERE NOT funnel.can_transition(from_stage, to_stage)) AS illegal
FROM deal_stage_history WHERE from_stage IS NOT NULL;

\echo '### Asking the funnel'
SELECT funnel.next_stage('proposal'::funnel.sales_stage) AS after_proposal,
       funnel.can_transition('proposal'::funnel.sales_stage, 'lead') AS proposal_to_lead,
       funnel.can_transition('proposal'::funnel.sales_stage, 'closed_lost') AS proposal_to_lost,
       funnel.can_transition('closed_won'::funnel.sales_stage, 'negotiation') AS reopen_won;

\echo '### Keep your pipeline honest: table deal is tracked (funnel.track)'
SELECT tgname AS trigger, pg_get_triggerdef(oid) ~ 'FOR EACH ROW' AS per_row
FROM pg_trigger WHERE tgrelid = 'deal'::regclass AND NOT tgisinternal ORDER BY tgname;

SELECT min(id) AS pid FROM deal WHERE stage = 'proposal' \gset
SELECT min(id) AS wid FROM deal WHERE stage = 'closed_won' \gset
SELECT segment AS pseg FROM deal WHERE id = :pid \gset
\echo 'Deal' :pid 'moves from proposal to negotiation, then is won:'
UPDATE deal SET stage = 'negotiation' WHERE id = :pid;
UPDATE deal SET stage = 'closed_won', closed_at = now() WHERE id = :pid;
SELECT id, stage, funnel.is_won(stage) AS won, closed_at::date AS closed_on FROM deal WHERE id = :pid;
\echo 'Someone tries to move won deal' :wid 'back to negotiation:'
UPDATE deal SET stage = 'negotiation' WHERE id = :wid;
SELECT id, stage AS "stage (unchanged)" FROM deal WHERE id = :wid;
\echo 'A new deal must start as a lead:'
INSERT INTO deal (id, account, segment, source, rep_id, amount, stage, created_at)
VALUES (9999, 'Account X', 'SMB', 'inbound', 1, 5000, 'proposal', now());
SELECT count(*) AS "deals with id 9999" FROM deal WHERE id = 9999;

\echo '### The recorded history of those two deals'
SELECT id, from_stage, to_stage, changed_at::date AS changed_on, changed_by
FROM deal_stage_history WHERE id IN (:pid, :wid) ORDER BY id, changed_at;

\echo '### The dashboard''s daily states are a materialized view: refresh them after changes'
SELECT won AS won_before FROM dashboard.segment_performance WHERE segment = :'pseg' \gset
REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard.pipeline_daily;
REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard.funnel_daily;
SELECT segment, (:'won_before')::bigint AS "won before refresh", won AS "won after", open, win_rate_pct
FROM dashboard.segment_performance WHERE segment = :'pseg';

\echo '### Pipeline waterfall of the last quarter (funnel.pipeline_waterfall over the tracked table):'
\echo '    the open deals on October 1st, what moved them, the open deals on January 1st'
SELECT step, bucket, changes, deals
FROM funnel.pipeline_waterfall('deal', '2025-10-01', '2026-01-01');

\echo '### Win rate within 30/60/90 days of creation (funnel.winrate_curve: open deals censored,'
\echo '    lost deals a competing outcome), beside won/closed and won/all deals'
SELECT team,
       round(100 * funnel.win_rate_within(c, 30)::numeric, 1) AS "30 d %",
       round(100 * funnel.win_rate_within(c, 60)::numeric, 1) AS "60 d %",
       round(100 * funnel.win_rate_within(c, 90)::numeric, 1) AS "90 d %",
       round(100 * funnel.closed_win_rate(c)::numeric, 1) AS "won/closed %",
       round(100 * funnel.cohort_win_rate(c)::numeric, 1) AS "won/all %"
FROM (SELECT r.team, funnel.winrate_curve(d.stage, d.created_at, d.closed_at, '2026-01-01') AS c
      FROM deal d JOIN rep r USING (rep_id) GROUP BY r.team) s
ORDER BY team;

\echo '### Event funnel per campaign: visit -> signup -> trial -> purchase within 1 hour'
\echo '    (funnel.window_funnel; strict: no other page between the steps)'
SELECT campaign, count(*) AS users,
       count(*) FILTER (WHERE level >= 2) AS signed_up,
       count(*) FILTER (WHERE level >= 3) AS trial,
       count(*) FILTER (WHERE level >= 4) AS purchased,
       round(100.0 * count(*) FILTER (WHERE level >= 4) / count(*), 1) AS "purchased %",
       count(*) FILTER (WHERE strict_level >= 4) AS "purchased, strict"
FROM (SELECT campaign, user_id,
             funnel.window_funnel('1 hour', at, event = 'visit', event = 'signup',
                                  event = 'trial', event = 'purchase') AS level,
             funnel.window_funnel('1 hour', 'strict_order', at, event = 'visit', event = 'signup',
                                  event = 'trial', event = 'purchase') AS strict_level
      FROM app_event GROUP BY campaign, user_id) per_user
GROUP BY campaign ORDER BY campaign;

\echo '### Time from visit to purchase within the hour (funnel.window_funnel_times)'
SELECT date_bin('15 minutes', timestamp '2000-01-01' + t[4], timestamp '2000-01-01')
         - timestamp '2000-01-01' AS time_to_purchase,
       count(*) AS users
FROM (SELECT funnel.window_funnel_times('1 hour', at, event = 'visit', event = 'signup',
                                        event = 'trial', event = 'purchase') AS t
      FROM app_event GROUP BY user_id) per_user
WHERE cardinality(t) = 4 GROUP BY 1 ORDER BY 1;

\echo '### The same funnel, each user counted once under the campaign of the visit that started'
\echo '    the best chain, with the median time of each step (funnel.window_funnel_detail,'
\echo '    breakdown at entry; funnel.detail_report)'
SELECT q.entry_campaign, s.step, s.reached,
       round(100 * s.conversion_from_previous::numeric, 1) AS "from previous %",
       date_trunc('second', s.median_duration) AS median, date_trunc('second', s.p90_duration) AS p90
FROM (SELECT (d).breakdown AS entry_campaign, funnel.detail_report(d) AS r
      FROM (SELECT funnel.window_funnel_detail('1 hour', at, funnel.funnel_options(breakdown => 'entry'),
                       event = 'visit', event = 'signup', event = 'trial', event = 'purchase',
                       ROW(campaign)) AS d
            FROM app_event GROUP BY user_id) per_user
      WHERE (d).level > 0 GROUP BY 1) q,
     funnel.detail_steps(q.r) s
ORDER BY q.entry_campaign, s.step;

\echo '### Retention after the first visit (funnel.retention; view dashboard.retention)'
SELECT campaign, day, users, retained_pct AS "retained %" FROM dashboard.retention;
