-- test/demo.sql: the funnel dashboard printed by `make demo` on the sample CRM.
\pset footer off
\set VERBOSITY default

\echo '### The funnel: funnel.sales_stage, shipped with the extension'
SELECT * FROM funnel.stages('funnel.sales_stage');

\echo '### Its rules: where a deal may go from each stage (funnel.transitions)'
SELECT from_stage, string_agg(to_stage, ', ') AS may_move_to
FROM funnel.transitions('funnel.sales_stage') GROUP BY from_stage
ORDER BY min(funnel.stage_position(from_stage::funnel.sales_stage));

\echo '### Pipeline by stage: deals, value, and value weighted by win probability'
SELECT stage, funnel.stage_outcome(stage) AS outcome, count(*) AS deals,
       sum(amount) AS value,
       round(sum(amount * funnel.probability(stage))) AS weighted_value
FROM deal GROUP BY stage ORDER BY stage;

\echo '### Pipeline report per sales rep (funnel.pipeline: one pass, exact averages, quantiles)'
SELECT r.name AS rep, r.team,
       funnel.deal_count(p) AS deals,
       round(funnel.win_rate(p)::numeric, 3) AS win_rate,
       round(funnel.avg_deal_size(p)) AS avg_won_deal,
       round(funnel.deal_size_quantile(p, 0.5)::numeric) AS median_won_deal,
       justify_hours(date_trunc('hour', funnel.avg_cycle_length(p))) AS avg_cycle,
       justify_hours(date_trunc('hour', funnel.cycle_length_quantile(p, 0.5, won_only => true))) AS median_won_cycle,
       funnel.open_value(p) AS open_value,
       round(funnel.weighted_value(p)) AS weighted_value,
       round(funnel.sales_velocity(p)::numeric) AS velocity_per_day
FROM (SELECT rep_id, funnel.pipeline(stage, amount, created_at, closed_at) AS p
      FROM deal GROUP BY rep_id) s
JOIN rep r USING (rep_id)
ORDER BY r.team, r.name;

\echo '### The same per segment, by quarter of creation, rolled up from daily states'
CREATE TEMP TABLE pipeline_daily AS
SELECT created_at::date AS day, segment, funnel.pipeline(stage, amount, created_at, closed_at) AS p
FROM deal GROUP BY 1, 2;
SELECT segment, to_char(date_trunc('quarter', day), 'YYYY-"Q"Q') AS quarter,
       funnel.deal_count(q) AS deals, round(funnel.win_rate(q)::numeric, 3) AS win_rate,
       round(funnel.avg_deal_size(q)) AS avg_won_deal
FROM (SELECT segment, date_trunc('quarter', day) AS day, funnel.rollup(p) AS q
      FROM pipeline_daily GROUP BY 1, 2) s
ORDER BY segment, quarter;

\echo '### Funnel report per segment: stage history -> journeys -> summary -> stage_report'
SELECT t.segment, r.stage, r.reached, r.entered,
       round(r.conversion_from_previous::numeric, 3) AS conv_prev,
       round(r.conversion_from_top::numeric, 3) AS conv_top,
       r.drop_off,
       justify_hours(date_trunc('hour', r.median_time_in_stage)) AS median_time_in_stage
FROM (SELECT d.segment, funnel.summary(j.j) AS s
      FROM (SELECT id, funnel.journey(to_stage, changed_at) AS j
            FROM deal_stage_history GROUP BY id) j
      JOIN deal d USING (id)
      GROUP BY d.segment) t,
     LATERAL funnel.stage_report(t.s) r
ORDER BY t.segment, r.position;

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
\echo 'Deal' :pid 'moves from proposal to negotiation, then is won:'
UPDATE deal SET stage = 'negotiation' WHERE id = :pid;
UPDATE deal SET stage = 'closed_won', closed_at = now() WHERE id = :pid;
\echo 'Someone tries to move won deal' :wid 'back to negotiation:'
UPDATE deal SET stage = 'negotiation' WHERE id = :wid;
\echo 'A new deal must start as a lead:'
INSERT INTO deal (id, account, segment, source, rep_id, amount, stage, created_at)
VALUES (9999, 'Account X', 'SMB', 'inbound', 1, 5000, 'proposal', now());

\echo '### The recorded history of those two deals'
SELECT id, from_stage, to_stage, changed_at::date AS changed_on, changed_by
FROM deal_stage_history WHERE id IN (:pid, :wid) ORDER BY id, changed_at;

\echo '### Event funnel per campaign: visit -> signup -> trial -> purchase within 1 hour (funnel.window_funnel)'
SELECT campaign, count(*) AS users,
       count(*) FILTER (WHERE level >= 2) AS signed_up,
       count(*) FILTER (WHERE level >= 3) AS trial,
       count(*) FILTER (WHERE level >= 4) AS purchased,
       round(100.0 * count(*) FILTER (WHERE level >= 4) / count(*), 1) AS "purchased %",
       count(*) FILTER (WHERE strict_level >= 4) AS "purchased, no page in between"
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
