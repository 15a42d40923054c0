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

\echo '### An illegal move is refused with SQLSTATE 23514'
SELECT funnel.check_transition('closed_won'::funnel.sales_stage, 'negotiation');
