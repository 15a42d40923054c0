-- test/citus/citus.sql: funnel on Citus, the checks (run by test/citus/run.sh; the data set and
-- the citus_test helpers are in test/citus/setup.sql).
--
-- Each chunk starts with a "-- @@ name" line and runs in a psql session of its own on the
-- coordinator; each check prints one "PASS ..." or "FAIL ...: why" line.  Query templates
-- name tables in braces: {deals} is the distributed table, deals_local its local copy with
-- the same rows (citus_test.expand).  citus_test.same(name, template, plan, agg) checks, for
-- the distributed query:
--   plan 'partial'  (grouped by another column, or ungrouped): EXPLAIN shows aggregate agg
--                   split, worker_partial_agg on the workers and coord_combine_agg on the
--                   coordinator;
--   plan 'pushdown' (grouped by the distribution column): the workers run agg whole;
-- and that its rows equal the local query's (EXCEPT ALL both ways, as row texts).
-- psql variables: :late_port (a started node that joins the cluster in the last section),
-- :'work' (a directory the server can write, for COPY files).

----------------------------------------------------------------------------------------------
-- Deal-level aggregates: funnel.pipeline and its six direct aggregates, conversion_rate
-- (deals, distributed by id)
----------------------------------------------------------------------------------------------

-- @@ pipeline, by segment (not the distribution column)
SELECT citus_test.same('pipeline, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.pipeline_facts(funnel.pipeline(stage, amount, created_at, closed_at))
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'pipeline');

-- @@ pipeline, ungrouped
SELECT citus_test.same('pipeline, ungrouped',
    $q$
    SELECT citus_test.pipeline_facts(funnel.pipeline(stage, amount, created_at, closed_at))
    FROM {deals}
    $q$, 'partial', 'pipeline');

-- @@ pipeline, by id (the distribution column)
SELECT citus_test.same('pipeline, by id (the distribution column)',
    $q$
    SELECT id, citus_test.pipeline_facts(funnel.pipeline(stage, amount, created_at, closed_at))
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'pipeline');

-- @@ win_rate, by segment (not the distribution column)
SELECT citus_test.same('win_rate, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.win_rate(stage)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'win_rate');

-- @@ win_rate, ungrouped
SELECT citus_test.same('win_rate, ungrouped',
    $q$
    SELECT funnel.win_rate(stage)
    FROM {deals}
    $q$, 'partial', 'win_rate');

-- @@ win_rate, by id (the distribution column)
SELECT citus_test.same('win_rate, by id (the distribution column)',
    $q$
    SELECT id, funnel.win_rate(stage)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'win_rate');

-- @@ avg_deal_size, by segment (not the distribution column)
SELECT citus_test.same('avg_deal_size, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.avg_deal_size(stage, amount)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'avg_deal_size');

-- @@ avg_deal_size, ungrouped
SELECT citus_test.same('avg_deal_size, ungrouped',
    $q$
    SELECT funnel.avg_deal_size(stage, amount)
    FROM {deals}
    $q$, 'partial', 'avg_deal_size');

-- @@ avg_deal_size, by id (the distribution column)
SELECT citus_test.same('avg_deal_size, by id (the distribution column)',
    $q$
    SELECT id, funnel.avg_deal_size(stage, amount)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'avg_deal_size');

-- @@ median_deal_size, by segment (not the distribution column)
SELECT citus_test.same('median_deal_size, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.median_deal_size(stage, amount)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'median_deal_size');

-- @@ median_deal_size, ungrouped
SELECT citus_test.same('median_deal_size, ungrouped',
    $q$
    SELECT funnel.median_deal_size(stage, amount)
    FROM {deals}
    $q$, 'partial', 'median_deal_size');

-- @@ median_deal_size, by id (the distribution column)
SELECT citus_test.same('median_deal_size, by id (the distribution column)',
    $q$
    SELECT id, funnel.median_deal_size(stage, amount)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'median_deal_size');

-- @@ deal_size_quantile, by segment (not the distribution column)
SELECT citus_test.same('deal_size_quantile, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.deal_size_quantile(stage, amount, 0.9)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'deal_size_quantile');

-- @@ deal_size_quantile, ungrouped
SELECT citus_test.same('deal_size_quantile, ungrouped',
    $q$
    SELECT funnel.deal_size_quantile(stage, amount, 0.9)
    FROM {deals}
    $q$, 'partial', 'deal_size_quantile');

-- @@ deal_size_quantile, by id (the distribution column)
SELECT citus_test.same('deal_size_quantile, by id (the distribution column)',
    $q$
    SELECT id, funnel.deal_size_quantile(stage, amount, 0.9)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'deal_size_quantile');

-- @@ avg_cycle_length, by segment (not the distribution column)
SELECT citus_test.same('avg_cycle_length, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.avg_cycle_length(stage, created_at, closed_at)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'avg_cycle_length');

-- @@ avg_cycle_length, ungrouped
SELECT citus_test.same('avg_cycle_length, ungrouped',
    $q$
    SELECT funnel.avg_cycle_length(stage, created_at, closed_at)
    FROM {deals}
    $q$, 'partial', 'avg_cycle_length');

-- @@ avg_cycle_length, by id (the distribution column)
SELECT citus_test.same('avg_cycle_length, by id (the distribution column)',
    $q$
    SELECT id, funnel.avg_cycle_length(stage, created_at, closed_at)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'avg_cycle_length');

-- @@ winrate_curve, by segment (not the distribution column)
SELECT citus_test.same('winrate_curve, by segment (not the distribution column)',
    $q$
    SELECT segment, c::text, funnel.win_rate_within(c, 30) AS d30, funnel.win_rate_within(c, 90) AS d90
    FROM (SELECT segment, funnel.winrate_curve(stage, created_at, closed_at, '2026-01-01') AS c
          FROM {deals} GROUP BY segment) s
    $q$, 'partial', 'winrate_curve');

-- @@ winrate_curve, ungrouped
SELECT citus_test.same('winrate_curve, ungrouped',
    $q$
    SELECT funnel.winrate_curve(stage, created_at, closed_at, '2026-01-01')::text
    FROM {deals}
    $q$, 'partial', 'winrate_curve');

-- @@ winrate_curve, by id (the distribution column)
SELECT citus_test.same('winrate_curve, by id (the distribution column)',
    $q$
    SELECT id, funnel.winrate_curve(stage, created_at, closed_at, '2026-01-01')::text
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'winrate_curve');

-- @@ median_cycle_length, by segment (not the distribution column)
SELECT citus_test.same('median_cycle_length, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.median_cycle_length(stage, created_at, closed_at)
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'median_cycle_length');

-- @@ median_cycle_length, ungrouped
SELECT citus_test.same('median_cycle_length, ungrouped',
    $q$
    SELECT funnel.median_cycle_length(stage, created_at, closed_at)
    FROM {deals}
    $q$, 'partial', 'median_cycle_length');

-- @@ median_cycle_length, by id (the distribution column)
SELECT citus_test.same('median_cycle_length, by id (the distribution column)',
    $q$
    SELECT id, funnel.median_cycle_length(stage, created_at, closed_at)
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'median_cycle_length');

-- @@ conversion_rate, by segment (not the distribution column)
SELECT citus_test.same('conversion_rate, by segment (not the distribution column)',
    $q$
    SELECT segment, funnel.conversion_rate(stage >= 'proposal', stage = 'won')
    FROM {deals} GROUP BY segment
    $q$, 'partial', 'conversion_rate');

-- @@ conversion_rate, ungrouped
SELECT citus_test.same('conversion_rate, ungrouped',
    $q$
    SELECT funnel.conversion_rate(stage >= 'proposal', stage = 'won')
    FROM {deals}
    $q$, 'partial', 'conversion_rate');

-- @@ conversion_rate, by id (the distribution column)
SELECT citus_test.same('conversion_rate, by id (the distribution column)',
    $q$
    SELECT id, funnel.conversion_rate(stage >= 'proposal', stage = 'won')
    FROM {deals} GROUP BY id
    $q$, 'pushdown', 'conversion_rate');

----------------------------------------------------------------------------------------------
-- Journeys and cohorts: journey, summary(journey), stage_report (deal_history, distributed
-- by deal_id; the inner level groups by the distribution column, as README advises)
----------------------------------------------------------------------------------------------

-- @@ journey, by segment (not the distribution column)
SELECT citus_test.same('journey, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.journey_facts(funnel.journey(stage, entered_at))
    FROM {deal_history} GROUP BY segment
    $q$, 'partial', 'journey');

-- @@ journey, ungrouped
SELECT citus_test.same('journey, ungrouped',
    $q$
    SELECT citus_test.journey_facts(funnel.journey(stage, entered_at))
    FROM {deal_history}
    $q$, 'partial', 'journey');

-- @@ journey, by deal_id (the distribution column)
SELECT citus_test.same('journey, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, citus_test.journey_facts(funnel.journey(stage, entered_at))
    FROM {deal_history} GROUP BY deal_id
    $q$, 'pushdown', 'journey');

-- @@ summary, by segment (not the distribution column)
SELECT citus_test.same('summary, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.summary_facts(funnel.summary(j))
    FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
    GROUP BY segment
    $q$, 'partial', 'summary');

-- @@ summary, ungrouped
SELECT citus_test.same('summary, ungrouped',
    $q$
    SELECT citus_test.summary_facts(funnel.summary(j))
    FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
    $q$, 'partial', 'summary');

-- @@ summary, by deal_id (the distribution column)
SELECT citus_test.same('summary, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, citus_test.summary_facts(funnel.summary(j))
    FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
    GROUP BY deal_id
    $q$, 'pushdown', 'summary');

-- @@ stage_report, by segment (not the distribution column)
SELECT citus_test.same('stage_report, by segment (not the distribution column)',
    $q$
    SELECT y.segment, r.*
    FROM (SELECT segment, funnel.summary(j) AS s
          FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
          GROUP BY segment) y,
         LATERAL funnel.stage_report(y.s) r
    $q$, 'partial', 'summary');

-- @@ stage_report, ungrouped
SELECT citus_test.same('stage_report, ungrouped',
    $q$
    SELECT r.*
    FROM (SELECT funnel.summary(j) AS s
          FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x) y,
         LATERAL funnel.stage_report(y.s) r
    $q$, 'partial', 'summary');

-- @@ stage_report, by deal_id (the distribution column)
SELECT citus_test.same('stage_report, by deal_id (the distribution column)',
    $q$
    SELECT y.deal_id, r.*
    FROM (SELECT deal_id, funnel.summary(j) AS s
          FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
          GROUP BY deal_id) y,
         LATERAL funnel.stage_report(y.s) r
    $q$, 'pushdown', 'summary');

----------------------------------------------------------------------------------------------
-- Pipeline over time: pipeline_as_of, pipeline_waterfall (deal_moves, distributed by deal_id)
----------------------------------------------------------------------------------------------

-- @@ pipeline_as_of, by segment (not the distribution column)
SELECT citus_test.same('pipeline_as_of, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.as_of_facts(funnel.pipeline_as_of(timestamptz '2025-04-01 00:00+00',
        changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves} GROUP BY segment
    $q$, 'partial', 'pipeline_as_of');

-- @@ pipeline_as_of, ungrouped
SELECT citus_test.same('pipeline_as_of, ungrouped',
    $q$
    SELECT citus_test.as_of_facts(funnel.pipeline_as_of(timestamptz '2025-04-01 00:00+00',
        changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves}
    $q$, 'partial', 'pipeline_as_of');

-- @@ pipeline_as_of, by deal_id (the distribution column)
SELECT citus_test.same('pipeline_as_of, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, citus_test.as_of_facts(funnel.pipeline_as_of(timestamptz '2025-04-01 00:00+00',
        changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves} GROUP BY deal_id
    $q$, 'pushdown', 'pipeline_as_of');

-- @@ pipeline_waterfall, by segment (not the distribution column)
SELECT citus_test.same('pipeline_waterfall, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.waterfall_facts(funnel.pipeline_waterfall(timestamptz '2025-03-01 00:00+00',
        timestamptz '2025-04-01 00:00+00', changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves} GROUP BY segment
    $q$, 'partial', 'pipeline_waterfall');

-- @@ pipeline_waterfall, ungrouped
SELECT citus_test.same('pipeline_waterfall, ungrouped',
    $q$
    SELECT citus_test.waterfall_facts(funnel.pipeline_waterfall(timestamptz '2025-03-01 00:00+00',
        timestamptz '2025-04-01 00:00+00', changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves}
    $q$, 'partial', 'pipeline_waterfall');

-- @@ pipeline_waterfall, by deal_id (the distribution column)
SELECT citus_test.same('pipeline_waterfall, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, citus_test.waterfall_facts(funnel.pipeline_waterfall(timestamptz '2025-03-01 00:00+00',
        timestamptz '2025-04-01 00:00+00', changed_at, from_stage, to_stage, from_amount, amount))
    FROM {deal_moves} GROUP BY deal_id
    $q$, 'pushdown', 'pipeline_waterfall');

----------------------------------------------------------------------------------------------
-- Event funnels (events, distributed by user_id)
----------------------------------------------------------------------------------------------

-- @@ retention, by campaign (not the distribution column)
SELECT citus_test.same('retention, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.retention(event = 'visit', event = 'signup', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'retention');

-- @@ retention, ungrouped
SELECT citus_test.same('retention, ungrouped',
    $q$
    SELECT funnel.retention(event = 'visit', event = 'signup', event = 'purchase')
    FROM {events}
    $q$, 'partial', 'retention');

-- @@ retention, by user_id (the distribution column)
SELECT citus_test.same('retention, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.retention(event = 'visit', event = 'signup', event = 'purchase')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'retention');

-- @@ window_funnel, by campaign (not the distribution column)
SELECT citus_test.same('window_funnel, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel');

-- @@ window_funnel, ungrouped
SELECT citus_test.same('window_funnel, ungrouped',
    $q$
    SELECT funnel.window_funnel(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events}
    $q$, 'partial', 'window_funnel');

-- @@ window_funnel, by user_id (the distribution column)
SELECT citus_test.same('window_funnel, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.window_funnel(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'window_funnel');

-- @@ window_funnel_times, by campaign (not the distribution column)
SELECT citus_test.same('window_funnel_times, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel_times(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel_times');

-- @@ window_funnel_times, ungrouped
SELECT citus_test.same('window_funnel_times, ungrouped',
    $q$
    SELECT funnel.window_funnel_times(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events}
    $q$, 'partial', 'window_funnel_times');

-- @@ window_funnel_times, by user_id (the distribution column)
SELECT citus_test.same('window_funnel_times, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.window_funnel_times(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'window_funnel_times');

-- @@ sequence_match, by campaign (not the distribution column)
SELECT citus_test.same('sequence_match, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.sequence_match('(?1).*(?2)(?t<=1800)(?3)', at,
        event = 'visit', event = 'signup', event = 'trial')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'sequence_match');

-- @@ sequence_match, ungrouped
SELECT citus_test.same('sequence_match, ungrouped',
    $q$
    SELECT funnel.sequence_match('(?1).*(?2)(?t<=1800)(?3)', at,
        event = 'visit', event = 'signup', event = 'trial')
    FROM {events}
    $q$, 'partial', 'sequence_match');

-- @@ sequence_match, by user_id (the distribution column)
SELECT citus_test.same('sequence_match, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.sequence_match('(?1).*(?2)(?t<=1800)(?3)', at,
        event = 'visit', event = 'signup', event = 'trial')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'sequence_match');

-- @@ sequence_count, by campaign (not the distribution column)
SELECT citus_test.same('sequence_count, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.sequence_count('(?1).*(?2)', at, event = 'visit', event = 'signup')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'sequence_count');

-- @@ sequence_count, ungrouped
SELECT citus_test.same('sequence_count, ungrouped',
    $q$
    SELECT funnel.sequence_count('(?1).*(?2)', at, event = 'visit', event = 'signup')
    FROM {events}
    $q$, 'partial', 'sequence_count');

-- @@ sequence_count, by user_id (the distribution column)
SELECT citus_test.same('sequence_count, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.sequence_count('(?1).*(?2)', at, event = 'visit', event = 'signup')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'sequence_count');

-- @@ window_funnel (mode strict_order), by campaign (not the distribution column)
SELECT citus_test.same('window_funnel (mode strict_order), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel(interval '1 hour', 'strict_order', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel');

-- @@ window_funnel (bigint clock), by campaign (not the distribution column)
SELECT citus_test.same('window_funnel (bigint clock), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel(3600000::bigint, at_ms,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel');

-- @@ window_funnel (VARIADIC array), by campaign (not the distribution column)
SELECT citus_test.same('window_funnel (VARIADIC array), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel(interval '1 hour', at,
        VARIADIC ARRAY[event = 'visit', event = 'signup', event = 'trial', event = 'purchase'])
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel');

-- @@ window_funnel_times (bigint clock), by campaign (not the distribution column)
SELECT citus_test.same('window_funnel_times (bigint clock), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel_times(3600000::bigint, at_ms,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel_times');

-- @@ sequence_count (bigint clock), by campaign (not the distribution column)
SELECT citus_test.same('sequence_count (bigint clock), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.sequence_count('(?1).*(?2)', at_ms, event = 'visit', event = 'signup')
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'sequence_count');

-- @@ retention (VARIADIC array), by campaign (not the distribution column)
SELECT citus_test.same('retention (VARIADIC array), by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.retention(VARIADIC ARRAY[event = 'visit', event = 'signup', event = 'purchase'])
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'retention');

----------------------------------------------------------------------------------------------
-- Learned stage-to-win probabilities (stage_outcomes) and time in stage (stage_times) over
-- journeys made per deal on the workers; next and previous steps of the event funnel
----------------------------------------------------------------------------------------------

-- @@ stage_outcomes, by segment (not the distribution column)
SELECT citus_test.same('stage_outcomes, by segment (not the distribution column)',
    $q$
    SELECT y.segment, r.*
    FROM (SELECT segment, funnel.stage_outcomes(j, '2026-06-01') AS s
          FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
          GROUP BY segment) y,
         LATERAL funnel.stage_probabilities(y.s) r
    $q$, 'partial', 'stage_outcomes');

-- @@ stage_outcomes, ungrouped
SELECT citus_test.same('stage_outcomes, ungrouped',
    $q$
    SELECT r.*
    FROM (SELECT funnel.stage_outcomes(j, '2026-06-01') AS s
          FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x) y,
         LATERAL funnel.stage_probabilities(y.s) r
    $q$, 'partial', 'stage_outcomes');

-- @@ stage_outcomes, by deal_id (the distribution column)
SELECT citus_test.same('stage_outcomes, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, funnel.stage_outcomes(j, '2026-06-01')::text
    FROM (SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j
          FROM {deal_history} GROUP BY deal_id, segment) x
    GROUP BY deal_id
    $q$, 'pushdown', 'stage_outcomes');

-- @@ stage_times, by segment (not the distribution column)
SELECT citus_test.same('stage_times, by segment (not the distribution column)',
    $q$
    SELECT y.segment, r.*
    FROM (SELECT segment, funnel.stage_times(j, amount) AS s
          FROM (SELECT h.deal_id, h.segment, funnel.journey(h.stage, h.entered_at) AS j, min(d.amount) AS amount
          FROM {deal_history} h JOIN {deals} d ON d.id = h.deal_id GROUP BY h.deal_id, h.segment) x
          GROUP BY segment) y,
         LATERAL funnel.stage_time_report(y.s) r
    $q$, 'partial', 'stage_times');

-- @@ stage_times, ungrouped
SELECT citus_test.same('stage_times, ungrouped',
    $q$
    SELECT r.*
    FROM (SELECT funnel.stage_times(j, amount) AS s
          FROM (SELECT h.deal_id, h.segment, funnel.journey(h.stage, h.entered_at) AS j, min(d.amount) AS amount
          FROM {deal_history} h JOIN {deals} d ON d.id = h.deal_id GROUP BY h.deal_id, h.segment) x) y,
         LATERAL funnel.stage_time_report(y.s, 'strict') r
    $q$, 'partial', 'stage_times');

-- @@ stage_times, by deal_id (the distribution column)
SELECT citus_test.same('stage_times, by deal_id (the distribution column)',
    $q$
    SELECT deal_id, funnel.stage_times(j, amount)::text
    FROM (SELECT h.deal_id, h.segment, funnel.journey(h.stage, h.entered_at) AS j, min(d.amount) AS amount
          FROM {deal_history} h JOIN {deals} d ON d.id = h.deal_id GROUP BY h.deal_id, h.segment) x
    GROUP BY deal_id
    $q$, 'pushdown', 'stage_times');

-- @@ next_step, by campaign (not the distribution column)
SELECT citus_test.same('next_step, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.next_step(interval '1 hour', at, event,
        event = 'visit', event = 'signup', event = 'trial')::text
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'next_step');

-- @@ next_step, ungrouped
SELECT citus_test.same('next_step, ungrouped',
    $q$
    SELECT funnel.next_step(interval '1 hour', at, event,
        event = 'visit', event = 'signup', event = 'trial')::text
    FROM {events}
    $q$, 'partial', 'next_step');

-- @@ next_step, by user_id (the distribution column)
SELECT citus_test.same('next_step, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.next_step(interval '1 hour', at, event,
        event = 'visit', event = 'signup', event = 'trial')::text
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'next_step');

-- @@ next_steps, by campaign (not the distribution column)
SELECT citus_test.same('next_steps, by campaign (not the distribution column)',
    $q$
    SELECT y.campaign, rep.*
    FROM (SELECT campaign, funnel.next_steps((r).level, (r).next_label, user_id::text) AS s
          FROM (SELECT user_id, campaign, funnel.next_step(interval '1 hour', at, event,
                 event = 'visit', event = 'signup', event = 'trial') AS r
          FROM {events} GROUP BY user_id, campaign) x
          GROUP BY campaign) y,
         LATERAL funnel.next_step_report(y.s) rep
    $q$, 'partial', 'next_steps');

-- @@ next_steps, ungrouped
SELECT citus_test.same('next_steps, ungrouped',
    $q$
    SELECT rep.*
    FROM (SELECT funnel.next_steps((r).level, (r).previous_label, user_id::text) AS s
          FROM (SELECT user_id, campaign, funnel.next_step(interval '1 hour', at, event,
                 event = 'visit', event = 'signup', event = 'trial') AS r
          FROM {events} GROUP BY user_id, campaign) x) y,
         LATERAL funnel.next_step_report(y.s) rep
    $q$, 'partial', 'next_steps');

-- @@ next_steps, by user_id (the distribution column)
SELECT citus_test.same('next_steps, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.next_steps((r).level, (r).next_label, user_id::text)::text
    FROM (SELECT user_id, campaign, funnel.next_step(interval '1 hour', at, event,
                 event = 'visit', event = 'signup', event = 'trial') AS r
          FROM {events} GROUP BY user_id, campaign) x
    GROUP BY user_id
    $q$, 'pushdown', 'next_steps');

----------------------------------------------------------------------------------------------
-- Event funnels grown in issue 19: window_funnel_detail (options, captured values),
-- detail_report over the details, funnel.sequence (stored per-user sequences)
----------------------------------------------------------------------------------------------

-- @@ window_funnel_detail, by campaign (not the distribution column)
SELECT citus_test.same('window_funnel_detail, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.window_funnel_detail(interval '1 hour', at, funnel.funnel_options(max_gap => '40 minutes', breakdown => 'entry'),
        ARRAY[event = 'visit', event = 'signup', event = 'trial', event = 'purchase'], ARRAY[campaign, event])::text
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel_detail');

-- @@ window_funnel_detail, ungrouped
SELECT citus_test.same('window_funnel_detail, ungrouped',
    $q$
    SELECT funnel.window_funnel_detail(interval '1 hour', at, funnel.funnel_options(max_gap => '40 minutes', breakdown => 'entry'),
        ARRAY[event = 'visit', event = 'signup', event = 'trial', event = 'purchase'], ARRAY[campaign, event])::text
    FROM {events}
    $q$, 'partial', 'window_funnel_detail');

-- @@ window_funnel_detail, by user_id (the distribution column)
SELECT citus_test.same('window_funnel_detail, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.window_funnel_detail(interval '1 hour', at, funnel.funnel_options(max_gap => '40 minutes', breakdown => 'entry'),
        ARRAY[event = 'visit', event = 'signup', event = 'trial', event = 'purchase'], ARRAY[campaign, event])::text
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'window_funnel_detail');

-- @@ window_funnel_detail with separate steps and a row of values, by campaign
SELECT citus_test.same('window_funnel_detail with separate steps and a row of values, by campaign',
    $q$
    SELECT campaign, funnel.window_funnel_detail(interval '1 hour', at, funnel.funnel_options(max_gap => '40 minutes', breakdown => 'entry'),
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase', ROW(campaign, event, user_id))::text
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'window_funnel_detail');

-- @@ window_funnel_detail with separate steps and a row of values, by user_id
SELECT citus_test.same('window_funnel_detail with separate steps and a row of values, by user_id',
    $q$
    SELECT user_id, funnel.window_funnel_detail(interval '1 hour', at,
        event = 'visit', event = 'signup', event = 'trial', event = 'purchase', ROW(campaign, at))::text
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'window_funnel_detail');

-- @@ detail_report, by campaign (not the distribution column)
SELECT citus_test.same('detail_report, by campaign (not the distribution column)',
    $q$
    SELECT y.campaign, s.*
    FROM (SELECT campaign, funnel.detail_report(d) AS r
          FROM (SELECT user_id, campaign, funnel.window_funnel_detail(interval '1 hour', at,
                     event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS d
          FROM {events} GROUP BY user_id, campaign) x
          GROUP BY campaign) y,
         LATERAL funnel.detail_steps(y.r) s
    $q$, 'partial', 'detail_report');

-- @@ detail_report, ungrouped
SELECT citus_test.same('detail_report, ungrouped',
    $q$
    SELECT s.*
    FROM (SELECT funnel.detail_report(d) AS r
          FROM (SELECT user_id, campaign, funnel.window_funnel_detail(interval '1 hour', at,
                     event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS d
          FROM {events} GROUP BY user_id, campaign) x) y,
         LATERAL funnel.detail_steps(y.r) s
    $q$, 'partial', 'detail_report');

-- @@ detail_report, by user_id (the distribution column)
SELECT citus_test.same('detail_report, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.detail_report(d)::text
    FROM (SELECT user_id, campaign, funnel.window_funnel_detail(interval '1 hour', at,
                     event = 'visit', event = 'signup', event = 'trial', event = 'purchase') AS d
          FROM {events} GROUP BY user_id, campaign) x
    GROUP BY user_id
    $q$, 'pushdown', 'detail_report');

-- @@ sequence, by campaign (not the distribution column)
SELECT citus_test.same('sequence, by campaign (not the distribution column)',
    $q$
    SELECT campaign, funnel.sequence(at, event)::text
    FROM {events} GROUP BY campaign
    $q$, 'partial', 'sequence');

-- @@ sequence, ungrouped
SELECT citus_test.same('sequence, ungrouped',
    $q$
    SELECT funnel.sequence(at, event)::text
    FROM {events}
    $q$, 'partial', 'sequence');

-- @@ sequence, by user_id (the distribution column)
SELECT citus_test.same('sequence, by user_id (the distribution column)',
    $q$
    SELECT user_id, funnel.sequence(at, event)::text,
           funnel.window_funnel(funnel.sequence(at, event), interval '1 hour', '{visit,signup,trial,purchase}')
    FROM {events} GROUP BY user_id
    $q$, 'pushdown', 'sequence');

-- @@ errors raised on the workers name the user's aggregate
SELECT citus_test.fails('errors: a bad argument of window_funnel, partially aggregated, names window_funnel',
    $$SELECT campaign, funnel.window_funnel(interval '-1 hour', at, event = 'visit', event = 'signup')
      FROM events GROUP BY campaign$$, '22023', '^window_funnel window must not be negative');
SELECT citus_test.fails('errors: a bad argument of window_funnel_times, partially aggregated, names window_funnel_times',
    $$SELECT campaign, funnel.window_funnel_times(interval '-1 hour', at, event = 'visit', event = 'signup')
      FROM events GROUP BY campaign$$, '22023', '^window_funnel_times window must not be negative');
SELECT citus_test.fails('errors: too many conditions of sequence_count, partially aggregated, names sequence_count',
    $$SELECT campaign, funnel.sequence_count('(?1)', at, VARIADIC array_fill(event = 'visit', ARRAY[33]))
      FROM events GROUP BY campaign$$, '22023', '^sequence_count takes 1 to 32 conditions, not 33');

----------------------------------------------------------------------------------------------
-- Stored states: written into distributed tables (INSERT ... SELECT, COPY) and read back,
-- rolled up there; states returned by queries that run the aggregate whole on the workers
----------------------------------------------------------------------------------------------

-- @@ states: pipeline states, INSERT ... SELECT into a distributed table
SELECT citus_test.run('states: pipeline states, INSERT ... SELECT into a distributed table',
    'INSERT INTO pstates SELECT * FROM pstates_local');
SELECT citus_test.same('states: pipeline states read back from a distributed table',
    'SELECT segment, day, p FROM {pstates}');

-- @@ states: summary states, INSERT ... SELECT into a distributed table
SELECT citus_test.run('states: summary states, INSERT ... SELECT into a distributed table',
    'INSERT INTO sstates SELECT * FROM sstates_local');
SELECT citus_test.same('states: summary states read back from a distributed table',
    'SELECT segment, day, s FROM {sstates}');

-- @@ states: pipeline states, COPY (text) into a distributed table
CREATE TABLE pstates_copy (LIKE pstates_local);
SELECT create_distributed_table('pstates_copy', 'day') \g /dev/null
CREATE VIEW pstates_copy_local AS SELECT * FROM pstates_local;
\set file :work '/pstates.txt'
COPY pstates_local TO :'file';
SELECT citus_test.run('states: pipeline states, COPY (text) into a distributed table',
    format('COPY pstates_copy FROM %L', :'file'));
SELECT citus_test.same('states: pipeline states read back after COPY (text)',
    'SELECT segment, day, p FROM {pstates_copy}');

-- @@ states: summary states, COPY (binary) into a distributed table
CREATE TABLE sstates_copy (LIKE sstates_local);
SELECT create_distributed_table('sstates_copy', 'day', colocate_with => 'pstates') \g /dev/null
CREATE VIEW sstates_copy_local AS SELECT * FROM sstates_local;
\set file :work '/sstates.bin'
COPY sstates_local TO :'file' WITH (FORMAT binary);
SELECT citus_test.run('states: summary states, COPY (binary) into a distributed table',
    format('COPY sstates_copy FROM %L WITH (FORMAT binary)', :'file'));
SELECT citus_test.same('states: summary states read back after COPY (binary)',
    'SELECT segment, day, s FROM {sstates_copy}');

-- @@ states: journeys made on the workers into a colocated table (INSERT ... SELECT pushed down)
CREATE TABLE journeys (deal_id bigint, segment text, j funnel.journey);
SELECT create_distributed_table('journeys', 'deal_id', colocate_with => 'deal_history') \g /dev/null
CREATE TABLE journeys_local AS
SELECT deal_id, segment, funnel.journey(stage, entered_at) AS j FROM deal_history_local GROUP BY deal_id, segment;
SELECT citus_test.run('states: journeys made on the workers, INSERT ... SELECT into a colocated table',
    'INSERT INTO journeys SELECT deal_id, segment, funnel.journey(stage, entered_at) FROM deal_history GROUP BY deal_id, segment');
SELECT citus_test.same('states: stored journeys read back',
    'SELECT deal_id, segment, j FROM {journeys}');
SELECT citus_test.same('states: summary of stored journeys, by segment',
    'SELECT segment, citus_test.summary_facts(funnel.summary(j)) FROM {journeys} GROUP BY segment', 'partial', 'summary');

-- @@ states: a pipeline state returned by the workers (grouped by the distribution column)
SELECT citus_test.same('states: pipeline states returned by the workers',
    'SELECT id, funnel.pipeline(stage, amount, created_at, closed_at) FROM {deals} GROUP BY id',
    'pushdown', 'pipeline');

-- @@ states: a journey returned by the workers (grouped by the distribution column)
SELECT citus_test.same('states: journeys returned by the workers',
    'SELECT deal_id, funnel.journey(stage, entered_at) FROM {deal_history} GROUP BY deal_id',
    'pushdown', 'journey');

-- @@ states: a summary returned by the workers (grouped by the distribution column)
SELECT citus_test.same('states: summaries returned by the workers',
    'SELECT deal_id, funnel.summary(j) FROM {journeys} GROUP BY deal_id', 'pushdown', 'summary');

-- @@ states: a pipeline_flow state returned by the workers (grouped by the distribution column)
SELECT citus_test.same('states: pipeline_flow states returned by the workers',
    $q$SELECT deal_id, funnel.pipeline_as_of(timestamptz '2025-04-01 00:00+00', changed_at, from_stage, to_stage,
                                             from_amount, amount)
       FROM {deal_moves} GROUP BY deal_id$q$, 'pushdown', 'pipeline_as_of');

-- @@ states: a pipeline state combined on the coordinator, returned as a value
SELECT citus_test.same('states: pipeline state combined on the coordinator',
    'SELECT segment, funnel.pipeline(stage, amount, created_at, closed_at) FROM {deals} GROUP BY segment',
    'partial', 'pipeline');

-- @@ states: a journey combined on the coordinator (unfinished states travel as text)
SELECT citus_test.same('states: journey combined on the coordinator',
    'SELECT segment, funnel.journey(stage, entered_at) FROM {deal_history} GROUP BY segment',
    'partial', 'journey');

----------------------------------------------------------------------------------------------
-- rollup(pipeline), rollup(summary) over stored states (pstates, sstates: distributed by day;
-- filled above), and over states kept as text (ptext, stext: loaded by setup.sql)
----------------------------------------------------------------------------------------------
-- @@ rollup(pipeline), by segment (not the distribution column)
SELECT citus_test.same('rollup(pipeline), by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.pipeline_facts(funnel.rollup(p))
    FROM {pstates} GROUP BY segment
    $q$, 'partial', 'rollup');

-- @@ rollup(pipeline), ungrouped
SELECT citus_test.same('rollup(pipeline), ungrouped',
    $q$
    SELECT citus_test.pipeline_facts(funnel.rollup(p))
    FROM {pstates}
    $q$, 'partial', 'rollup');

-- @@ rollup(pipeline), by day (the distribution column)
SELECT citus_test.same('rollup(pipeline), by day (the distribution column)',
    $q$
    SELECT day, citus_test.pipeline_facts(funnel.rollup(p))
    FROM {pstates} GROUP BY day
    $q$, 'pushdown', 'rollup');

-- @@ rollup(summary), by segment (not the distribution column)
SELECT citus_test.same('rollup(summary), by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.summary_facts(funnel.rollup(s))
    FROM {sstates} GROUP BY segment
    $q$, 'partial', 'rollup');

-- @@ rollup(summary), ungrouped
SELECT citus_test.same('rollup(summary), ungrouped',
    $q$
    SELECT citus_test.summary_facts(funnel.rollup(s))
    FROM {sstates}
    $q$, 'partial', 'rollup');

-- @@ rollup(summary), by day (the distribution column)
SELECT citus_test.same('rollup(summary), by day (the distribution column)',
    $q$
    SELECT day, citus_test.summary_facts(funnel.rollup(s))
    FROM {sstates} GROUP BY day
    $q$, 'pushdown', 'rollup');

-- @@ rollup(pipeline) of states kept as text, by segment (not the distribution column)
SELECT citus_test.same('rollup(pipeline) of states kept as text, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.pipeline_facts(funnel.rollup(p::funnel.pipeline))
    FROM {ptext} GROUP BY segment
    $q$, 'partial', 'rollup');

-- @@ rollup(summary) of states kept as text, by segment (not the distribution column)
SELECT citus_test.same('rollup(summary) of states kept as text, by segment (not the distribution column)',
    $q$
    SELECT segment, citus_test.summary_facts(funnel.rollup(s::funnel.summary))
    FROM {stext} GROUP BY segment
    $q$, 'partial', 'rollup');

----------------------------------------------------------------------------------------------
-- Definitions: made and changed on the coordinator, the same on every node, in the same
-- transaction
----------------------------------------------------------------------------------------------

-- @@ definitions: the user's funnel is registered on every worker
SELECT citus_test.ok('definitions: the user''s funnel (create_funnel on the coordinator) is registered on every worker',
    $$SELECT bool_and(success AND result = '6') FROM run_command_on_workers(
        $w$SELECT count(*) FROM funnel.stages('deal_stage')$w$)$$);

-- @@ definitions: concrete aggregates of the user's funnel on every worker
SELECT citus_test.ok('definitions: the concrete aggregates of the user''s funnel (one per anyenum aggregate) exist on every worker',
    $$SELECT bool_and(success AND result = (SELECT count(*)::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
                                            WHERE p.pronamespace = 'funnel'::regnamespace AND p.proargtypes::oid[] && ARRAY['anyenum'::regtype::oid]))
      FROM run_command_on_workers($w$SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
                                      WHERE p.pronamespace = 'funnel'::regnamespace
                                        AND p.proargtypes::oid[] && ARRAY['deal_stage'::regtype::oid]$w$)$$);
SELECT citus_test.run('definitions: funnel.distribute on the coordinator (idempotent)',
    $$SELECT funnel.distribute('deal_stage')$$);

-- @@ definitions: set_stage on the coordinator, the probabilities on every worker
SELECT citus_test.ok('definitions: set_stage on the coordinator (setup), probabilities the same on every worker',
    $$SELECT bool_and(success AND result = (SELECT string_agg(s.stage || '=' || coalesce(s.probability::text, '-'), ',' ORDER BY s.position)
                                            FROM funnel.stages('deal_stage') s))
      FROM run_command_on_workers($w$SELECT string_agg(s.stage || '=' || coalesce(s.probability::text, '-'), ',' ORDER BY s.position)
                                      FROM funnel.stages('deal_stage') s$w$)$$);

-- @@ definitions: set_stage in a transaction, seen by a distributed query in it, rolled back
-- (sequential mode: one connection per worker for the whole transaction, so its later
-- queries run where the change was made; Citus asks the same after DDL in a transaction)
BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.42) \g /dev/null
SELECT citus_test.ok('definitions: set_stage in an open transaction, seen by the workers in that transaction',
    $$SELECT array_agg(DISTINCT p) = '{0.42}' FROM (SELECT funnel.probability(stage) AS p FROM deals WHERE stage = 'proposal') x$$);
ROLLBACK;
SELECT citus_test.ok('definitions: set_stage rolled back on the coordinator, rolled back on every worker',
    $$SELECT bool_and(success AND result = '0.5') FROM run_command_on_workers(
        $w$SELECT funnel.probability('proposal'::deal_stage)$w$)$$);

-- @@ definitions: set_stage committed on the coordinator, weighted_value on the workers
SELECT funnel.set_stage('proposal'::deal_stage, probability => 0.45) \g /dev/null
SELECT citus_test.ok('definitions: set_stage committed on the coordinator, seen by every worker',
    $$SELECT bool_and(success AND result = '0.45') FROM run_command_on_workers(
        $w$SELECT funnel.probability('proposal'::deal_stage)$w$)$$);
SELECT citus_test.same('definitions: weighted_value computed on the workers after set_stage',
    $q$SELECT id, funnel.weighted_value(funnel.pipeline(stage, amount, created_at, closed_at)) FROM {deals} GROUP BY id$q$);

-- @@ definitions: forbid_transition on the coordinator, seen by every worker
SELECT funnel.forbid_transition('lead'::deal_stage, 'proposal'::deal_stage) \g /dev/null
SELECT citus_test.ok('definitions: forbid_transition on the coordinator, seen by every worker',
    $$SELECT bool_and(success AND result = 'f') FROM run_command_on_workers(
        $w$SELECT funnel.can_transition('lead'::deal_stage, 'proposal'::deal_stage)$w$)$$);

-- @@ definitions: a shipped funnel's settings changed on the coordinator, seen by every worker
SELECT funnel.set_stage('proposal'::funnel.sales_stage, probability => 0.33) \g /dev/null
SELECT citus_test.ok('definitions: set_stage of a shipped funnel on the coordinator, seen by every worker',
    $$SELECT bool_and(success AND result = '0.33') FROM run_command_on_workers(
        $w$SELECT funnel.probability('proposal'::funnel.sales_stage)$w$)$$);

-- @@ definitions: register_funnel of an enum made on the coordinator
CREATE TYPE lead_stage AS ENUM ('new', 'contacted', 'converted', 'junk');
SELECT funnel.register_funnel('lead_stage', won => '{converted}', lost => '{junk}') \g /dev/null
SELECT citus_test.ok('definitions: register_funnel on the coordinator, registered on every worker',
    $$SELECT bool_and(success AND result = 'won') FROM run_command_on_workers(
        $w$SELECT outcome FROM funnel.stages('lead_stage') WHERE stage = 'converted'$w$)$$);

-- @@ definitions: drop_funnel on the coordinator
SELECT funnel.create_funnel('tmp_stage', ARRAY['a', 'b', 'c'], won => ARRAY['c']) \g /dev/null
SELECT citus_test.run('definitions: drop_funnel on the coordinator (states in distributed tables are scanned)',
    $$SELECT funnel.drop_funnel('tmp_stage')$$);
SELECT citus_test.ok('definitions: drop_funnel on the coordinator, gone on every worker',
    $$SELECT bool_and(success AND result = '0') FROM run_command_on_workers(
        $w$SELECT count(*) FROM pg_type WHERE typname = 'tmp_stage'$w$)$$);

----------------------------------------------------------------------------------------------
-- funnel.track on a distributed table: history distributed and colocated, rules enforced on
-- every node, errors naming the user's table (the session allows triggers on distributed
-- tables: citus.enable_unsafe_triggers)
----------------------------------------------------------------------------------------------

-- @@ track: funnel.track on a distributed table
SET citus.enable_unsafe_triggers = on;
CREATE TABLE opp (id bigint PRIMARY KEY, stage deal_stage NOT NULL DEFAULT 'lead', amount numeric);
SELECT create_distributed_table('opp', 'id', colocate_with => 'deals') \g /dev/null
INSERT INTO opp SELECT g, 'lead', g * 10 FROM generate_series(1, 200) g;
SELECT citus_test.ok('track: funnel.track on a distributed table',
    $$SELECT funnel.track('opp') IS NOT NULL$$);
SELECT citus_test.ok('track: the history table is distributed, colocated with the tracked table',
    $$SELECT EXISTS (SELECT 1 FROM pg_dist_partition a JOIN pg_dist_partition b USING (colocationid)
                     WHERE a.logicalrelid = 'opp'::regclass
                       AND b.logicalrelid = (SELECT history FROM funnel.tracked_def WHERE tracked = 'opp'::regclass))$$);

-- @@ track: moves on a distributed table recorded in its history
SET citus.enable_unsafe_triggers = on;
SELECT citus_test.run('track: a multi-shard UPDATE of a tracked distributed table',
    $$UPDATE opp SET stage = 'qualified' WHERE id <= 50$$);
SELECT citus_test.ok('track: the history holds each move of the multi-shard UPDATE',
    $$SELECT count(*) = 50 FROM opp_stage_history WHERE from_stage = 'lead' AND to_stage = 'qualified'$$);
SELECT citus_test.run('track: INSERT into a tracked distributed table',
    $$INSERT INTO opp VALUES (1001, 'lead', 5)$$);
SELECT citus_test.ok('track: the history holds the INSERT',
    $$SELECT count(*) = 1 FROM opp_stage_history WHERE id = 1001$$);

-- @@ track: an illegal move refused on the workers, the error names the table
SET citus.enable_unsafe_triggers = on;
SELECT citus_test.fails('track: an illegal move refused (23514), the error names opp, not a shard',
    $$UPDATE opp SET stage = 'lead' WHERE id = 1$$, '23514', 'relation "opp"', 'opp_[0-9]');

-- @@ track: a rule changed on the coordinator, enforced on the workers
SET citus.enable_unsafe_triggers = on;
SELECT funnel.forbid_transition('qualified'::deal_stage, 'negotiation'::deal_stage) \g /dev/null
SELECT citus_test.fails('track: forbid_transition on the coordinator, enforced on the workers',
    $$UPDATE opp SET stage = 'negotiation' WHERE id = 2$$, '23514', 'relation "opp"', 'opp_[0-9]');
SELECT funnel.reset_transition('qualified'::deal_stage, 'negotiation'::deal_stage) \g /dev/null
SELECT citus_test.run('track: reset_transition on the coordinator, the move allowed on the workers again',
    $$UPDATE opp SET stage = 'negotiation' WHERE id = 2$$);

-- @@ track: untrack a distributed table
SET citus.enable_unsafe_triggers = on;
SELECT citus_test.run('track: funnel.untrack on a distributed table',
    $$SELECT funnel.untrack('opp')$$);
SELECT citus_test.ok('track: no funnel trigger left on any shard of opp',
    $$SELECT bool_and(success AND result = '0') FROM run_command_on_shards('opp',
        $w$SELECT count(*) FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgname LIKE 'funnel%%'$w$)$$);

-- @@ track: track and untrack on their own, the session's settings untouched
-- (a fresh session: citus.enable_unsafe_triggers is off)
CREATE TABLE opp2 (tenant int NOT NULL, id bigint NOT NULL, stage deal_stage NOT NULL DEFAULT 'lead',
                   PRIMARY KEY (tenant, id));
SELECT create_distributed_table('opp2', 'tenant') \g /dev/null
INSERT INTO opp2 SELECT g % 7, g, 'lead' FROM generate_series(1, 100) g;
CREATE TABLE opp2_local_history (tenant int NOT NULL, id bigint NOT NULL, from_stage deal_stage,
                                 to_stage deal_stage NOT NULL, changed_at timestamptz NOT NULL DEFAULT now(),
                                 changed_by name NOT NULL DEFAULT CURRENT_USER);
SELECT citus_test.fails('track: a history table that is not distributed beside the table refused (0A000)',
    $$SELECT funnel.track('opp2', history_table => 'opp2_local_history')$$, '0A000',
    'history table public.opp2_local_history of distributed table "opp2" is not distributed by "tenant"');
SELECT citus_test.ok('track: funnel.track on a distributed table keyed (tenant, id), without the session allowing unsafe triggers; the setting off again after it, in the same transaction',
    $$SELECT funnel.track('opp2') IS NOT NULL AND current_setting('citus.enable_unsafe_triggers') = 'off'$$);
SELECT citus_test.ok('track: the history distributed by tenant, colocated, backfilled with one entry row per row',
    $$SELECT (SELECT count(*) = 100 FROM opp2_stage_history WHERE from_stage IS NULL AND to_stage = 'lead')
         AND EXISTS (SELECT 1 FROM pg_dist_partition a JOIN pg_dist_partition b USING (colocationid)
                     WHERE a.logicalrelid = 'opp2'::regclass AND b.logicalrelid = 'opp2_stage_history'::regclass
                       AND column_to_column_name(b.logicalrelid, b.partkey) = 'tenant')$$);
SELECT citus_test.ok('track: the triggers name the table for errors, on every shard',
    $$SELECT bool_and(success AND result = '3') FROM run_command_on_shards('opp2',
        $w$SELECT count(*) FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgname LIKE 'funnel%%'
             AND encode(tgargs, 'escape') ~ 'opp2\\000$'$w$)$$);
SELECT citus_test.run('track: a multi-shard UPDATE of opp2 without unsafe triggers allowed',
    $$UPDATE opp2 SET stage = 'qualified' WHERE id <= 30$$);
SELECT citus_test.ok('track: the history of opp2 holds each move',
    $$SELECT count(*) = 30 FROM opp2_stage_history WHERE from_stage = 'lead' AND to_stage = 'qualified'$$);
SELECT citus_test.fails('track: an illegal move of a row of opp2 names opp2 and its key',
    $$UPDATE opp2 SET stage = 'lead' WHERE tenant = 3 AND id = 3$$, '23514',
    'relation "opp2" / Key \(tenant, id\)=\(3, 3\)', 'opp2_[0-9]');
SELECT citus_test.ok('track: funnel.untrack without the session allowing unsafe triggers, setting off again',
    $$SELECT funnel.untrack('opp2')::text = '' AND current_setting('citus.enable_unsafe_triggers') = 'off'$$);
SELECT citus_test.ok('track: no funnel trigger left on any shard of opp2',
    $$SELECT bool_and(success AND result = '0') FROM run_command_on_shards('opp2',
        $w$SELECT count(*) FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgname LIKE 'funnel%%'$w$)$$);

----------------------------------------------------------------------------------------------
-- A node added later: the extension, the funnels' definitions and the states come along
----------------------------------------------------------------------------------------------

-- @@ late node: citus_add_node, then definitions there
SELECT citus_test.run('late node: citus_add_node of a node that joins now',
    format('SELECT citus_add_node(%L, %s)', '127.0.0.1', :late_port));
SELECT citus_test.ok('late node: funnel installed there, same version',
    format($$SELECT bool_and(success AND result = (SELECT extversion FROM pg_extension WHERE extname = 'funnel'))
             FROM run_command_on_workers($w$SELECT extversion FROM pg_extension WHERE extname = 'funnel'$w$)
             WHERE nodeport = %s$$, :late_port));
SELECT citus_test.ok('late node: the user''s funnel there with the coordinator''s settings and rules',
    format($$SELECT bool_and(success AND result = (SELECT funnel.probability('proposal'::deal_stage) || ' '
                                                          || funnel.can_transition('lead'::deal_stage, 'proposal'::deal_stage)))
             FROM run_command_on_workers($w$SELECT funnel.probability('proposal'::deal_stage) || ' '
                                                   || funnel.can_transition('lead'::deal_stage, 'proposal'::deal_stage)$w$)
             WHERE nodeport = %s$$, :late_port));

-- @@ late node: concrete aggregates there
SELECT citus_test.ok('late node: the concrete aggregates of the user''s funnel there',
    format($$SELECT bool_and(success AND result::int > 0)
             FROM run_command_on_workers($w$SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
                                             WHERE p.pronamespace = 'funnel'::regnamespace
                                               AND p.proargtypes::oid[] && ARRAY['deal_stage'::regtype::oid]$w$)
             WHERE nodeport = %s$$, :late_port));

-- @@ late node: shards holding states moved onto it
SELECT citus_test.ok('late node: a shard of pstates (and its colocated shards) moved onto it',
    format($$SELECT count(*) = 1 FROM (
               SELECT citus_move_shard_placement(s.shardid, p.nodename, p.nodeport, '127.0.0.1', %s,
                                                 shard_transfer_mode => 'block_writes')
               FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid)
               JOIN pg_dist_node p ON p.groupid = pl.groupid
               WHERE s.logicalrelid = 'pstates'::regclass AND p.nodeport <> %s
               ORDER BY s.shardid LIMIT 1) m$$, :late_port, :late_port));
SELECT citus_test.same('late node: pipeline states read back after the move',
    'SELECT segment, day, p FROM {pstates}');
SELECT citus_test.same('late node: rollup(pipeline) by segment after the move',
    'SELECT segment, citus_test.pipeline_facts(funnel.rollup(p)) FROM {pstates} GROUP BY segment', 'partial', 'rollup');

-- @@ late node: a deals shard moved onto it, aggregates run there
SELECT citus_test.ok('late node: a shard of deals (and its colocated shards) moved onto it',
    format($$SELECT count(*) = 1 FROM (
               SELECT citus_move_shard_placement(s.shardid, p.nodename, p.nodeport, '127.0.0.1', %s,
                                                 shard_transfer_mode => 'block_writes')
               FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid)
               JOIN pg_dist_node p ON p.groupid = pl.groupid
               WHERE s.logicalrelid = 'deals'::regclass AND p.nodeport <> %s
               ORDER BY s.shardid LIMIT 1) m$$, :late_port, :late_port));
SELECT citus_test.same('late node: pipeline by segment with a shard there',
    $q$SELECT segment, citus_test.pipeline_facts(funnel.pipeline(stage, amount, created_at, closed_at)) FROM {deals} GROUP BY segment$q$,
    'partial', 'pipeline');
SELECT citus_test.same('late node: journeys by deal_id with a shard there',
    $q$SELECT deal_id, citus_test.journey_facts(funnel.journey(stage, entered_at)) FROM {deal_history} GROUP BY deal_id$q$,
    'pushdown', 'journey');
